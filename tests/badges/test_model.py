"""badges.model's input checks: a web address a person types must be one a credential can sign."""
from __future__ import annotations

import pytest

from badges import model
from badges.errors import InvalidInput
from badges.jsonld import canonicalize

ACCEPTED = ["https://example.com/portfolio", "http://example.com/", "https://example.com/포트폴리오/김민준",
            "https://예시.한국/경로?질문=값#조각", "https://example.com/my%20portfolio", "https://[2001:db8::1]/x",
            "https://user@example.com:8443/a;b?c=d&e#f", "HTTPS://EXAMPLE.COM/"]
REFUSED = ["https://example.com/my portfolio", "https://acme.example/a<b>{c}|d", 'https://example.com/"q"',
           "https://example.com/a\\b", "https://example.com/a^b", "https://example.com/a`b", "https://example.com/\x01",
           "https://example.com/x\n", "https://example.com/\u00a0", "https://example.com/\u2028", " https://example.com/",
           "https://example.com/%zz", "https://example.com/a#b#c", "https://", "https:///path", "https://[::1/x",
           "example.com/portfolio", "ftp://example.com/", "javascript:alert(1)", "/relative", ""]


@pytest.mark.parametrize("url", ACCEPTED)
def test_a_web_address_that_is_an_absolute_http_iri_is_accepted_as_typed(url: str) -> None:
    assert model.checked_web_address(url, code="x.invalid", path="/url") == url


@pytest.mark.parametrize("url", REFUSED)
def test_a_web_address_a_credential_could_not_sign_is_refused_saying_how_to_write_it(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        model.checked_web_address(url, code="x.invalid", path="/url")
    assert caught.value.code == "x.invalid" and caught.value.path == "/url"
    assert "https://" in caught.value.detail and "%20" in caught.value.detail


@pytest.mark.parametrize("url", ACCEPTED)
def test_every_accepted_address_is_signed_as_evidence_and_as_an_alignment_target(url: str) -> None:
    evidence = model.Evidence(url=url).as_json()
    alignment = model.Alignment(target_name="NCS", target_url=url).as_json()
    doc = {"@context": model.CREDENTIAL_CONTEXT, "id": "urn:uuid:1", "type": ["VerifiableCredential"],
           "issuer": "did:example:issuer", "credentialSubject": {"id": "did:example:subject"}, "evidence": [evidence],
           "alignment": [alignment]}
    nquads = canonicalize(doc)
    assert f"<{url}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" in nquads
    assert f"<{url}> ." in nquads  # the alignment's targetUrl


@pytest.mark.parametrize("url", ["https://example.com/my portfolio", "https://acme.example/a<b>{c}|d"])
def test_evidence_and_alignments_refuse_an_address_no_credential_could_sign(url: str) -> None:
    with pytest.raises(InvalidInput) as evidence:
        model.Evidence(url=url)
    assert evidence.value.code == "credential.evidence_url_invalid"
    with pytest.raises(InvalidInput) as alignment:
        model.Alignment(target_name="NCS", target_url=url)
    assert alignment.value.code == "course.alignment_url_invalid"


def test_a_website_saved_before_addresses_were_checked_is_left_out_of_the_issuers_profile() -> None:
    bad = model.profile(did="did:web:badges.test:orgs:acme", name="Acme", url="https://acme.example/a<b>{c}|d")
    assert "url" not in bad
    canonicalize({"@context": [model.VC_V2, model.OB_V3], "id": "urn:uuid:6b3c1a52-8c35-4d7e-9e0f-3f1a2b4c5d6e",
                  "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": bad,
                  "validFrom": "2026-12-01T00:00:00Z",
                  "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
                      "id": "https://badges.test/achievements/1", "type": ["Achievement"], "name": "과정",
                      "description": "설명", "criteria": {"narrative": "수료"}}}})  # signable: no refusal
    good = model.profile(did="did:web:badges.test:orgs:acme", name="Acme", url="https://acme.example/교육")
    assert good["url"] == "https://acme.example/교육"
