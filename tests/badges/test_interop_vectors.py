"""Credentials signed by independent implementations (tests/vectors/interop) verify here, and fail once changed."""
from __future__ import annotations

import json
from pathlib import Path

from badges.report import CredentialFormat
from badges.verify import verify_credential
from tests.other_issuer import NOW, MemoryResolver, OtherIssuer

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "interop"


def verdict(raw: str) -> tuple[str, CredentialFormat]:
    report = verify_credential(raw, resolve=MemoryResolver(OtherIssuer("https://other.example")), now=NOW)
    return report.verdict, report.format


def test_an_ed25519_2020_credential_signed_by_digital_bazaars_suite_is_valid() -> None:
    raw = (VECTORS / "ed25519-signature-2020.json").read_text()
    assert verdict(raw) == ("valid", CredentialFormat.VC_LD)
    changed = json.loads(raw)
    changed["credentialSubject"]["achievement"]["name"] = "다른 과정"
    assert verdict(json.dumps(changed))[0] == "not_genuine"


def test_a_vc_jwt_signed_by_jose_is_valid() -> None:
    token = (VECTORS / "vc-jwt-jose.txt").read_text().strip()
    assert verdict(token) == ("valid", CredentialFormat.VC_JWT)
    header, payload, signature = token.split(".")
    assert verdict(f"{header}.{payload}.{signature[::-1]}")[0] == "not_genuine"
