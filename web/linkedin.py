"""LinkedIn's "Add to profile" link for a certification (the credential page and the wallet both offer it)."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(*, name: str, issuer: str, awarded_on: date | None, url: str, credential_id: str) -> str:
    """LinkedIn's "Add to profile" link for the certification `name` by `issuer`, pointing at `url`."""
    fields = {"startTask": "CERTIFICATION_NAME", "name": name, "organizationName": issuer,
              "certUrl": url, "certId": credential_id}
    if awarded_on is not None:
        fields.update(issueYear=str(awarded_on.year), issueMonth=str(awarded_on.month))
    return f"{LINKEDIN_ADD}?{urlencode(fields)}"
