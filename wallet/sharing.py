"""Share links: unguessable, revocable URLs to a learner's profile or to one badge. Nothing of a wallet is
public without one, and a link shows only what the learner chose (never hidden or removed badges)."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import text
from badges.errors import InvalidInput, NotFound
from store.wallet import Learner, ShareLink, WalletItem, items_of

MAX_LINKS = 50
SHOWS = ("all", "profile", "selected")  # what a profile link shows; see store.wallet.ShareLink.shows


def create_link(session: Session, learner: Learner, *, item: WalletItem | None, label: str,
                now: datetime, shows: str = "all", selected: Sequence[str] = ()) -> ShareLink:
    """A new link to the profile (`item` None) or to one of the learner's badges. A profile link shows `shows`:
    every badge not hidden ("all", badges received later included), those put on the public profile
    ("profile"), or the badges whose public ids are `selected` ("selected"). InvalidInput when it would show
    nothing, so a link never opens on an empty profile."""
    if item is not None and (item.learner_id != learner.id or item.removed_at is not None):
        raise NotFound("wallet.item_not_found", "There is no such credential in this wallet.")
    if item is not None and item.hidden:
        raise InvalidInput("wallet.item_hidden", "Unhide the badge before sharing it.")
    if shows not in SHOWS:
        raise InvalidInput("wallet.share_shows_unknown", f"A link shows one of: {', '.join(SHOWS)}.", path="/shows")
    text.check_line(label, path="/label")
    if len(active_links(session, learner.id)) >= MAX_LINKS:
        raise InvalidInput("wallet.too_many_links", f"A wallet can have up to {MAX_LINKS} share links; "
                           "revoke one you no longer need.")
    link = ShareLink(token=secrets.token_urlsafe(24), learner_id=learner.id, item_id=item.id if item else None,
                     label=label.strip()[:100], created_at=now, shows=shows if item is None else "all")
    if item is None:
        link.selected = _chosen(session, learner, shows, selected)
    session.add(link)
    session.flush()
    return link


def _chosen(session: Session, learner: Learner, shows: str, selected: Sequence[str]) -> list[WalletItem]:
    """The badges a new profile link is made with (its selection, for "selected"); InvalidInput if none."""
    shareable = [i for i in items_of(session, learner.id) if _shareable(i)]
    if shows == "selected":
        chosen = [i for i in shareable if i.public_id in set(selected)]
        if not chosen:
            raise InvalidInput("wallet.share_nothing_selected", "Choose at least one badge for this link.",
                               path="/selected")
        return chosen
    if not any(i.on_profile or shows == "all" for i in shareable):
        if shows == "profile":
            raise InvalidInput("wallet.share_profile_empty", "No badge is on your public profile yet: tick the "
                               "badges to show, or make a link that shows all your badges.", path="/shows")
        raise InvalidInput("wallet.share_wallet_empty", "Your wallet has no badge to show yet.", path="/shows")
    return []


def badge_link(session: Session, learner: Learner, item: WalletItem, *, label: str, now: datetime) -> ShareLink:
    """The badge's newest active link, or a new one."""
    existing = [link for link in active_links(session, learner.id) if link.item_id == item.id]
    return existing[-1] if existing else create_link(session, learner, item=item, label=label, now=now)


def active_links(session: Session, learner_id: int) -> list[ShareLink]:
    """The learner's links that still work, oldest first."""
    return list(session.scalars(select(ShareLink).where(ShareLink.learner_id == learner_id,
                                                        ShareLink.revoked_at.is_(None)).order_by(ShareLink.id)))


def own_link(session: Session, learner_id: int, link_id: int) -> ShareLink:
    """The learner's own link that still works; NotFound for another learner's or a withdrawn one."""
    link = session.scalar(select(ShareLink).where(ShareLink.id == link_id, ShareLink.learner_id == learner_id,
                                                  ShareLink.revoked_at.is_(None)))
    if link is None:
        raise NotFound("wallet.share_not_found", "There is no such share link.")
    return link


def revoke_link(session: Session, learner_id: int, link_id: int, *, now: datetime) -> None:
    """Stop a link working at once; NotFound for another learner's link."""
    link = session.scalar(select(ShareLink).where(ShareLink.id == link_id, ShareLink.learner_id == learner_id))
    if link is None:
        raise NotFound("wallet.share_not_found", "There is no such share link.")
    link.revoked_at = link.revoked_at or now


def attach_clr(link: ShareLink, signed: bytes | None, *, now: datetime) -> None:
    """Keep a signed CLR on the link for its visitors to download (None takes it off)."""
    link.clr, link.clr_at = signed, (now if signed is not None else None)


def open_link(session: Session, token: str) -> ShareLink:
    """The working link for `token`; NotFound for unknown or revoked ones, and for a badge since hidden."""
    link = session.scalar(select(ShareLink).where(ShareLink.token == token)) if 0 < len(token) <= 64 else None
    if link is None or link.revoked_at is not None or (link.item is not None and not _shareable(link.item)):
        raise NotFound("wallet.share_not_found", "This link does not exist or was withdrawn by its owner.")
    return link


def visible_items(session: Session, link: ShareLink) -> list[WalletItem]:
    """What the link shows: the one badge, or as the link was made: all badges, those on the profile, or the
    selected ones (never a badge hidden or removed since)."""
    if link.item is not None:
        return [link.item]
    if link.shows == "selected":
        return [i for i in link.selected if _shareable(i)]
    return [i for i in items_of(session, link.learner_id) if (link.shows == "all" or i.on_profile) and _shareable(i)]


def set_profile(session: Session, learner: Learner, public_ids: Sequence[str]) -> None:
    """Put exactly the badges `public_ids` on the learner's public profile (the others off it)."""
    chosen = set(public_ids)
    for item in items_of(session, learner.id):
        item.on_profile = item.public_id in chosen and not item.hidden


def visible_item(session: Session, link: ShareLink, public_id: str) -> WalletItem:
    """One badge the link shows; NotFound for any other."""
    item = next((i for i in visible_items(session, link) if i.public_id == public_id), None)
    if item is None:
        raise NotFound("wallet.item_not_found", "This link does not show that badge.")
    return item


def _shareable(item: WalletItem) -> bool:
    return not item.hidden and item.removed_at is None
