"""An organisation's public profile: its names and descriptions in Korean and English, contacts, logo."""
from __future__ import annotations

from dataclasses import dataclass, fields

from badges import images, text
from badges.errors import InvalidInput
from badges.model import checked_email, checked_web_address
from store.models import Org


@dataclass(frozen=True, slots=True)
class ProfileIn:
    name_ko: str
    name_en: str
    description_ko: str = ""
    description_en: str = ""
    url: str = ""
    email: str = ""


def update_profile(org: Org, data: ProfileIn) -> list[str]:
    """Apply `data` to the organisation; returns the names of the fields that changed.
    InvalidInput (with the field as path) for a missing name, a bad web address or e-mail."""
    clean = {f.name: getattr(data, f.name).strip() for f in fields(ProfileIn)}
    for name, value in clean.items():
        check = text.check_prose if name.startswith("description") else text.check_line
        check(value, path=f"/{name}")
    for name, limit in (("name_ko", 200), ("name_en", 200), ("url", 500), ("email", 320),
                        ("description_ko", 4000), ("description_en", 4000)):
        if len(clean[name]) > limit:
            raise InvalidInput("org.too_long", f"Keep this to {limit} characters.", path=f"/{name}")
    for name in ("name_ko", "name_en"):
        if not clean[name]:
            raise InvalidInput("org.name_missing", "The organisation needs a name in Korean and in English.",
                               path=f"/{name}")
    if clean["url"]:  # the issuer Profile's url in every credential the organisation issues
        checked_web_address(clean["url"], code="org.url_invalid", path="/url")
    if clean["email"]:
        clean["email"] = checked_email(clean["email"], code="org.email_invalid")
    values: dict[str, str | None] = {**clean, "url": clean["url"] or None, "email": clean["email"] or None}
    changed = [name for name, value in values.items() if getattr(org, name) != value]
    for name in changed:
        setattr(org, name, values[name])
    return changed


def set_logo(org: Org, data: bytes) -> images.CheckedImage:
    """Check (PNG) or sanitise (SVG) the uploaded logo and keep it; InvalidInput or TooLarge otherwise."""
    checked = images.check_image(data, max_bytes=images.MAX_BYTES)
    org.logo, org.logo_type = checked.data, checked.mimetype
    return checked


def remove_logo(org: Org) -> None:
    """Forget the organisation's logo (credentials that named it keep its URL, which then answers 404)."""
    org.logo, org.logo_type = None, None
