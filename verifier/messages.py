"""Korean and English text of the verifier pages and of the problem codes the verifier raises (merged in web.messages)."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
}
