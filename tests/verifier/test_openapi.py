"""The OpenAPI document: valid OpenAPI 3.1, served, and describing what the verify API really does."""
from __future__ import annotations

import jsonschema
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from bootstrap.openapi import document


def test_the_openapi_document_is_valid_openapi_3_1() -> None:
    validate(document())


def test_the_openapi_document_is_served_as_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == document()


def test_the_documented_report_schema_matches_a_real_answer(client: FlaskClient) -> None:
    answer = client.post("/api/v1/verify", json={"credential": "not a credential"}).get_json()
    spec = document()
    schema = {**spec["components"]["schemas"]["VerificationReport"], "components": spec["components"]}
    resolver_root = {"components": spec["components"], **schema}
    jsonschema.Draft202012Validator(resolver_root).validate(answer)


def test_every_documented_status_of_the_verify_operation_has_a_description() -> None:
    responses = document()["paths"]["/api/v1/verify"]["post"]["responses"]
    assert set(responses) == {"200", "413", "422", "429"}
    assert all(r["description"] for r in responses.values())
