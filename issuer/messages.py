"""Korean and English text of the issuer pages and of the problem codes the issuer raises (merged in web.messages)."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
}
