"""Errors raised for bad input or state (verification outcomes are reports, not errors).

BadgeError            (code, detail, path?) -> .problem
 ├─ InvalidInput      422  malformed request, schema violation, unknown context on issue
 ├─ TooLarge          413  a body, file or fetched document over its size cap
 ├─ NotFound          404  no such org / achievement / credential *in this tenant*
 ├─ Conflict          409  already revoked, status index exhausted, idempotency key reused
 └─ Unavailable       503  key sealed with a KEK we do not have, remote fetch refused
"""
from __future__ import annotations

from dataclasses import dataclass

VC_DM = "https://www.w3.org/TR/vc-data-model#"


@dataclass(frozen=True, slots=True)
class Problem:
    """RFC 9457-shaped description of what went wrong; `code` is the stable i18n key."""

    type: str
    code: str
    detail: str
    path: str | None = None

    def as_json(self) -> dict[str, str]:
        """The problem as a JSON object, without empty fields."""
        return {k: v for k, v in (("type", self.type), ("code", self.code),
                                  ("detail", self.detail), ("path", self.path)) if v}


class BadgeError(Exception):
    """Base class: carries a stable `code`, an English `detail` and an optional JSON pointer."""

    status = 400
    type = VC_DM + "MALFORMED_VALUE_ERROR"

    def __init__(self, code: str, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.path = path

    @property
    def problem(self) -> Problem:
        return Problem(self.type, self.code, self.detail, self.path)


class InvalidInput(BadgeError):
    status = 422


class TooLarge(BadgeError):
    status = 413


class NotFound(BadgeError):
    status = 404
    type = "about:blank"


class Conflict(BadgeError):
    status = 409
    type = "about:blank"


class Unavailable(BadgeError):
    status = 503
    type = "about:blank"
