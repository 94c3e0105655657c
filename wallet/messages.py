"""Korean and English text of the wallet pages and of the problem codes the wallet raises (merged in web.messages)."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
}
