"""A learner with a confirmed address made through the wallet's services, and the Open Badges API's official
response schemas (tests/vectors/ob3-schemas) as validators."""
from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Flask
from jsonschema import Draft201909Validator

from bootstrap.wiring import Services
from keys.passwords import hash_password
from store.db import transaction
from tests.ob3 import SCHEMAS
from wallet import accounts
from wallet.web import wallet_context
from web.http import utcnow

PASSWORD = "correct horse battery"
REDIRECT_URI = "http://127.0.0.1:9/ob-callback"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
ALL_SCOPES = " ".join(SCOPE + s for s in ("credential.readonly", "credential.upsert", "profile.readonly",
                                          "profile.update"))
REGISTRATION = {"client_name": "배지 모음 앱", "client_uri": "https://badges-app.example",
                "redirect_uris": [REDIRECT_URI], "scope": ALL_SCOPES, "software_id": "test-client",
                "software_version": "1.0", "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic"}


def make_learner(app: Flask, svc: Services, *, email: str, name: str = "김민지") -> int:
    """A learner whose address `email` is confirmed, with PASSWORD; returns the learner's id."""
    with app.test_request_context():
        ctx = wallet_context()
    with transaction(svc.sessions) as session:
        learner, _ = accounts.sign_up(session, ctx, name=name, email=email, password_hash=hash_password(PASSWORD),
                                      now=utcnow())
        assert learner is not None
        row = learner.emails[0]
        row.verified_at, row.verified_address = utcnow(), row.address
        return learner.id


@cache
def official(name: str) -> Draft201909Validator:
    """The validator of tests/vectors/ob3-schemas/ob_v3p0_<name>_schema.json."""
    return Draft201909Validator(json.loads((SCHEMAS / f"ob_v3p0_{name}_schema.json").read_bytes()))


def problems(body: Any, name: str) -> list[str]:
    """Where `body` breaks the official schema `name`; [] when it conforms."""
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in official(name).iter_errors(body)]
