"""Checking an organisation's audit chain and its signed checkpoints (`badges audit verify`).

The chain is walked in sequence order. The first entry that breaks it is named, with what most likely
happened, from what the hashes say:
- altered: the entry still links to the one before, but its own content no longer gives its hash;
- missing: sequence numbers jump, or an entry was written as a later number than it stands at (the rows after
  a deletion renumbered), or the head record names entries the log no longer has;
- inserted: entries accepted so far are not the ones an entry was written after, or a row belongs to no chain;
- moved: an entry stands at another number than it was written as (swapped: two entries traded places).
Every checkpoint is then checked: its signature against the organisation's DID document (every key it ever
had, rotated ones included), and that the entry it names still has the hash it signed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from badges import dids, jcs
from badges.jsontext import from_json
from badges.report import CheckFailed
from issuer.audit import CHECKPOINT_TYPE
from store import audit as chain
from store.audit import GENESIS, AuditCheckpoint, Head
from store.console import AuditEntry
from store.models import Org
from store.orgs import did_document

MAX_ORIGIN_SEARCH = 200_000  # hash attempts to find the number a misplaced entry was written as


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong: `kind` (altered, missing, inserted, moved, swapped, checkpoint_forged,
    checkpoint_mismatch), the entry's (or checkpoint's) sequence number and time, and an English sentence."""

    kind: str
    seq: int
    at: datetime | None
    detail: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    org: str
    entries: int
    checkpoints: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_org(session: Session, org: Org) -> ChainReport:
    """The organisation's chain and checkpoints checked; findings empty when nothing was changed."""
    entries = chain.chain(session, org.id)
    stored = chain.checkpoints(session, org.id)
    findings = []
    first = walk(entries, chain.head_of(session, org.id))
    if first is not None:
        findings.append(first)
    by_seq = {e.seq: e for e in entries}
    keys = did_document(org)
    findings += [f for f in (check_checkpoint(c, org=org, did_document=keys, by_seq=by_seq) for c in stored) if f]
    return ChainReport(org.slug, len(entries), len(stored), findings)


def walk(entries: list[AuditEntry], head: Head | None) -> Finding | None:
    """The first break in `entries` (in sequence order), then in how they end against the head; None if none."""
    by_hash = {e.hash: e for e in entries}
    accepted: dict[str, AuditEntry] = {}
    prev, last = GENESIS, None
    for entry in entries:
        expected = last.seq + 1 if last is not None else 1
        if entry.seq != expected:
            return _missing(expected, entry.seq - 1, last, entry)
        own = chain.hash_of(entry) == entry.hash
        if entry.prev_hash == prev:
            if not own:
                return Finding("altered", entry.seq, entry.at, f"Entry {entry.seq} was altered: its content no "
                               "longer gives the hash it was written with.")
        else:
            return _unlinked(entry, last, accepted, by_hash, entries)
        accepted[entry.hash] = entry
        prev, last = entry.hash, entry
    return _against_head(last, head)


def _unlinked(entry: AuditEntry, last: AuditEntry | None, accepted: dict[str, AuditEntry],
              by_hash: dict[str, AuditEntry], entries: list[AuditEntry]) -> Finding:
    """Name what happened when `entry` does not follow `last` (the previous entry, accepted)."""
    origin = accepted.get(entry.prev_hash)
    if origin is not None or (entry.prev_hash == GENESIS and last is not None):
        first = origin.seq + 1 if origin is not None else 1
        inserted = next(e for e in accepted.values() if e.seq == first)
        return Finding("inserted", first, inserted.at, f"Entry {first} was inserted: entry {entry.seq} was "
                       f"written right after entry {first - 1}.")
    written_as = _written_as(entry, limit=len(entries) + 2)
    if written_as is None:
        return Finding("inserted", entry.seq, entry.at, f"Entry {entry.seq} was inserted: it is not part of the "
                       "chain (no entry of this log has the hash it claims to follow, and its own hash is wrong).")
    if written_as == entry.seq:  # in place and intact: the entry before it is not the one it was chained to
        assert last is not None
        return Finding("altered", last.seq, last.at, f"Entry {last.seq} was altered and its hash recomputed: "
                       f"entry {entry.seq} was chained to a different entry {last.seq}.")
    if written_as > entry.seq and entry.prev_hash not in by_hash:
        return _missing(entry.seq, written_as - 1, last, entry, renumbered=True)
    partner = next((e for e in entries if e.seq == written_as), None)
    if partner is not None and _written_as(partner, limit=len(entries) + 2) == entry.seq:
        low, high = sorted((entry, partner), key=lambda e: e.seq)
        return Finding("swapped", low.seq, low.at, f"Entries {low.seq} and {high.seq} were swapped: each stands "
                       "at the other's number.")
    return Finding("moved", entry.seq, entry.at, f"Entry {entry.seq} was moved: it was written as entry "
                   f"{written_as}.")


def _written_as(entry: AuditEntry, *, limit: int) -> int | None:
    """The sequence number whose hash the entry's content and link give, searched up to `limit`; None if none."""
    for seq in range(1, min(limit, MAX_ORIGIN_SEARCH) + 1):
        if chain.hash_of(entry, seq=seq) == entry.hash:
            return seq
    return None


def _missing(first: int, last_missing: int, before: AuditEntry | None, after: AuditEntry | None, *,
             renumbered: bool = False) -> Finding:
    span = f"Entry {first} is" if first == last_missing else f"Entries {first} to {last_missing} are"
    when = []
    if before is not None:
        when.append(f"after entry {before.seq}")
    if after is not None:
        when.append(f"before the entry now numbered {after.seq}" if renumbered else f"before entry {after.seq}")
    tail = " and the later entries renumbered" if renumbered else ""
    return Finding("missing", first, before.at if before is not None else None,
                   f"{span} missing (deleted{tail}), {' and '.join(when)}.")


def _against_head(last: AuditEntry | None, head: Head | None) -> Finding | None:
    """The walked chain against the recorded head: entries cut off the end, or added past it."""
    seq = last.seq if last is not None else 0
    if head is None:
        if last is None:
            return None
        return Finding("inserted", 1, None, "The log has entries but no recorded head: its entries were "
                       "written around the service.")
    if head.seq > seq:
        return _missing(seq + 1, head.seq, last, None)
    if head.seq < seq:
        return Finding("inserted", head.seq + 1, None, f"Entries {head.seq + 1} to {seq} were inserted after "
                       f"the recorded head (entry {head.seq}).")
    if last is not None and head.hash != last.hash:
        return Finding("altered", last.seq, last.at, f"Entry {last.seq} was altered and its hash recomputed: the "
                       "recorded head has another hash.")
    return None


def check_checkpoint(stored: AuditCheckpoint, *, org: Org, did_document: dict[str, object],
                     by_seq: dict[int, AuditEntry]) -> Finding | None:
    """None when the checkpoint's signature is the organisation's and the entry it names still matches it."""
    forged = _forgery(stored, org=org, did_document=did_document)
    if forged is not None:
        return Finding("checkpoint_forged", stored.seq, stored.created_at, f"The checkpoint of entry {stored.seq} "
                       f"is forged: {forged}.")
    entry = by_seq.get(stored.seq)
    if entry is None or entry.hash != stored.head_hash:
        return Finding("checkpoint_mismatch", stored.seq, stored.created_at, f"Entry {stored.seq} no longer "
                       "matches the checkpoint signed for it: the log up to it was rewritten.")
    return None


def _forgery(stored: AuditCheckpoint, *, org: Org, did_document: dict[str, object]) -> str | None:
    """Why the checkpoint is not the organisation's signed statement of its row, or None."""
    try:
        document = from_json(stored.document)
    except ValueError:
        return "it is not JSON"
    if not isinstance(document, dict) or not isinstance(document.get("proof"), dict):
        return "it carries no proof"
    method = str(document["proof"].get("verificationMethod", ""))
    if not method.startswith(f"{org.did}#"):
        return f"it was signed by {method!r}, not by one of {org.did}'s keys"
    try:
        key = dids.assertion_key(did_document, method)
        if not isinstance(key, Ed25519PublicKey):
            return "its key is not Ed25519"
        signed = jcs.verify(document, key)
    except CheckFailed as e:
        return str(e)
    except jcs.ProofInvalid as e:
        return e.detail
    if (signed.get("type"), signed.get("organisation"), signed.get("sequence"), signed.get("headHash")) != \
            (CHECKPOINT_TYPE, org.did, stored.seq, stored.head_hash):
        return "the signed document does not say what its row says"
    return None
