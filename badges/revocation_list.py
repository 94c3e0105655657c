"""1EdTech Revocation List Status Method 1.0 (https://purl.imsglobal.org/spec/vcrl/v1p0/): a credential's
`credentialStatus` is {id: the list's URL, type: 1EdTechRevocationList}; the list its issuer publishes there
names every revoked credential by id in `revokedCredentials` (each an object with `id` and an optional
`revocationReason`, or the bare id).

The list is believed only when it is the credential's issuer's: its `issuer` is the credential's issuer and,
if it carries a proof, that proof holds for one of the issuer's keys. Anything else leaves the status undecided.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from badges.checks import Resolver, check_contexts, check_proof, issuer_id, issuer_key
from badges.jsonld import JsonObject
from badges.report import MALFORMED, STATUS_VERIFICATION, CheckFailed, CheckUndecided

ENTRY_TYPE = "1EdTechRevocationList"


def check_entry(entry: JsonObject, doc: JsonObject, resolve: Resolver, now: datetime, skew: timedelta) -> None:
    """CheckFailed (status.revoked) when the issuer's revocation list at entry.id names the credential;
    CheckUndecided when the list cannot be had, is not the issuer's, or cannot be read."""
    url, credential_id = entry.get("id"), doc.get("id")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise CheckFailed(MALFORMED, "status.entry_malformed", "A 1EdTechRevocationList entry's id must be the "
                          "URL of the revocation list.", path="/credentialStatus/id")
    if not isinstance(credential_id, str) or not credential_id:
        raise CheckUndecided(STATUS_VERIFICATION, "status.credential_without_id",
                             "The credential has no id, so no revocation list can name it.")
    listed = resolve.status_list(url)
    _check_owner(listed, issuer_id(doc), resolve)
    revoked = listed.get("revokedCredentials", [])
    if not isinstance(revoked, list):
        raise CheckUndecided(STATUS_VERIFICATION, "status.list_malformed",
                             "The revocation list's revokedCredentials is not a list.")
    for item in revoked:
        if (item.get("id") if isinstance(item, dict) else item) == credential_id:
            reason = item.get("revocationReason") if isinstance(item, dict) else None
            raise CheckFailed(STATUS_VERIFICATION, "status.revoked", "The issuer has revoked this credential"
                              + (f": {reason:.200}." if isinstance(reason, str) else "."))


def _check_owner(listed: JsonObject, issuer: str, resolve: Resolver) -> None:
    """The list is the issuer's: it says so, and its proof (if it has one) holds for the issuer's key."""
    owner = issuer_id(listed) if listed.get("issuer") else None
    if owner != issuer:
        raise CheckUndecided(STATUS_VERIFICATION, "status.revocation_list_not_issuers",
                             f"The revocation list is published by {owner!r:.80}, not by the credential's issuer "
                             f"{issuer:.80}, so it cannot say whether the credential is revoked.")
    if "proof" not in listed:
        return  # the 1EdTech list need not be signed: its URL comes from the issuer's signed credential
    try:
        check_contexts(listed)
        check_proof(listed, issuer_key(listed, resolve))
    except CheckUndecided:
        raise
    except CheckFailed as e:
        raise CheckUndecided(STATUS_VERIFICATION, "status.list_unverifiable",
                             f"The revocation list's proof does not verify: {e.problem.detail}") from None
