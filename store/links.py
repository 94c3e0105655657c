"""The public URLs of everything the service publishes, built from and parsed back to identifiers."""
from __future__ import annotations

import re
from dataclasses import dataclass

from badges import dids


@dataclass(frozen=True, slots=True)
class Links:
    base_url: str

    def credential(self, credential_id: str) -> str:
        return f"{self.base_url}/credentials/{credential_id}"

    def verify(self, credential_id: str) -> str:
        """The QR landing page: verifies the stored credential and shows the report."""
        return f"{self.base_url}/v/{credential_id}"

    def achievement(self, public_id: str) -> str:
        return f"{self.base_url}/achievements/{public_id}"

    def org(self, slug: str) -> str:
        return f"{self.base_url}/orgs/{slug}"

    def org_did(self, slug: str) -> str:
        """The did:web whose document is served at /orgs/<slug>/did.json."""
        return dids.did_web(self.base_url, "orgs", slug)

    def status_list(self, slug: str, list_id: int) -> str:
        return f"{self.base_url}/orgs/{slug}/status/{list_id}"

    def parse_credential(self, url: str) -> str | None:
        """The credential id when `url` is one of our credential URLs, else None."""
        match = re.fullmatch(re.escape(self.base_url) + r"/credentials/([0-9a-f-]{36})", url)
        return match[1] if match else None

    def parse_status_list(self, url: str) -> tuple[str, int] | None:
        """(slug, list id) when `url` is one of our status lists, else None."""
        match = re.fullmatch(re.escape(self.base_url) + r"/orgs/([a-z0-9-]+)/status/(\d+)", url)
        return (match[1], int(match[2])) if match else None
