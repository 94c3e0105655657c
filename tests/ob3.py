"""The official 1EdTech Open Badges 3.0 JSON Schemas (vendored in tests/vectors/ob3-schemas) as validators, and
the record of every credential the service issues during a test run."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator

SCHEMAS = Path(__file__).parent / "vectors" / "ob3-schemas"
FILES = {"credential": "ob_v3p0_achievementcredential_schema.json", "profile": "ob_v3p0_profile_schema.json",
         "endorsement": "ob_v3p0_endorsementcredential_schema.json", "clr": "clr_v2p0_clrcredential_schema.json"}
ISSUED: list[bytes] = []  # every credential sign_and_store signed in this run (tests/conftest.py records them)


@cache
def validator(kind: str) -> Draft201909Validator:
    """A draft 2019-09 validator for "credential", "profile", "endorsement", or "achievement" (the Achievement
    definition of the AchievementCredential schema: OB 3.0 publishes no schema of its own for it)."""
    if kind == "achievement":
        credential = json.loads((SCHEMAS / FILES["credential"]).read_bytes())
        return Draft201909Validator({"$schema": credential["$schema"], "$ref": "#/$defs/Achievement",
                                     "$defs": credential["$defs"]})
    return Draft201909Validator(json.loads((SCHEMAS / FILES[kind]).read_bytes()))


def kind_of(doc: Any) -> str:
    """Which schema a credential document answers to: "endorsement" or "credential"."""
    types = doc.get("type", []) if isinstance(doc, dict) else []
    return "endorsement" if "EndorsementCredential" in (types if isinstance(types, list) else [types]) \
        else "credential"


def problems(doc: Any, kind: str | None = None) -> list[str]:
    """Where and why `doc` breaks the official schema for `kind` (by default from its type); [] when valid."""
    found = validator(kind or kind_of(doc)).iter_errors(doc)
    return [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}" for e in found]


def invalid(documents: list[bytes]) -> list[tuple[str, list[str]]]:
    """(id, problems) of each stored credential that breaks its official schema."""
    bad = []
    for raw in dict.fromkeys(documents):
        doc = json.loads(raw)
        if found := problems(doc):
            bad.append((str(doc.get("id")), found))
    return bad
