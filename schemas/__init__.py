"""Bundled data: JSON-LD context documents and JSON Schemas, read from the installed package."""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

CONTEXT_FILES: dict[str, str] = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "credentials-undefined-terms-v2.jsonld",
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "bitstring-status-list-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context-3.0.0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
    "https://w3id.org/openbadges/v2": "openbadges-v2.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-2.0.1.json",
}


@cache
def context(url: str) -> dict[str, Any]:
    """The bundled context document served for `url`; KeyError when we do not bundle it."""
    name = CONTEXT_FILES[url]
    return json.loads(resources.files(__name__).joinpath("contexts", name).read_bytes())


@cache
def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema `schemas/json/<name>.json`."""
    return json.loads(resources.files(__name__).joinpath("json", f"{name}.json").read_bytes())


@cache
def _validator(name: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(json_schema(name), validate_formats=True)


def first_error(name: str, instance: Any) -> tuple[str, str] | None:
    """Where and why `instance` breaks schemas/json/<name>.json (formats checked): the JSON Pointer and message
    of its shallowest error, or None when it conforms."""
    error = _first(name, instance)
    return None if error is None else (_pointer(error), error.message)


def pattern_failures(name: str, instance: Any) -> list[tuple[str, Any]]:
    """(JSON Pointer, value) of each string in `instance` that does not match its schema `pattern`."""
    return [(_pointer(e), e.instance) for e in _validator(name).iter_errors(instance)
            if type(e.kind).__name__ == "Pattern"]


def _first(name: str, instance: Any) -> jsonschema_rs.ValidationError | None:
    validator = _validator(name)
    if validator.is_valid(instance):
        return None
    return min(validator.iter_errors(instance), key=lambda e: len(e.instance_path))


def _pointer(error: jsonschema_rs.ValidationError) -> str:
    return "/" + "/".join(str(p) for p in error.instance_path)
