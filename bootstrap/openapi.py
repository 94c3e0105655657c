"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json; each feature adds its part."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, json

from issuer import openapi as issuer_openapi
from verifier import openapi as verifier_openapi

bp = Blueprint("openapi", __name__)
PARTS = (verifier_openapi, issuer_openapi)  # modules with PATHS and SCHEMAS (and maybe SECURITY_SCHEMES)


def document() -> dict[str, Any]:
    """The whole OpenAPI document, merged from every feature's PATHS and SCHEMAS."""
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {}
    security: dict[str, Any] = {}
    for part in PARTS:
        paths.update(part.PATHS)
        components.update(part.SCHEMAS)
        security.update(getattr(part, "SECURITY_SCHEMES", {}))
    return {"openapi": "3.1.0",
            "info": {"title": "Digital Badges API", "version": "1.0.0",
                     "description": "Issue and verify Open Badges 3.0 credentials. Errors are RFC 9457 "
                                    "application/problem+json with a stable `code`."},
            "paths": paths, "components": {"schemas": components, **({"securitySchemes": security} if security else {})}}


@bp.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    return Response(json.dumps(document(), ensure_ascii=False), mimetype="application/json",
                    headers={"Access-Control-Allow-Origin": "*"})
