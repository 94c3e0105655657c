"""Tenant isolation for every console route: walks the URL map, so routes added later are covered as they appear.

For each `/console/<org_slug>/...` route and method: staff of another organisation get 404 and none of its data;
a viewer gets 403 where the route needs more; a form sent without its CSRF token is refused; and nobody who is
signed out gets in. Extra URL arguments are filled with dummy values: the organisation check comes first.
"""
from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from bootstrap.app import BLUEPRINTS
from bootstrap.wiring import Services
from store.console import Role, StaffUser
from tests.factories import make_org
from tests.issuer.test_console_auth import enter_console, make_member
from web.http import URL_CONVERTERS
from web.security import CSRF_FIELD

PREFIX = "/console/<org_slug>"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
# console pages that belong to no organisation: signing in and out, the list of one's organisations, and the
# invitation link (its token is the credential)
PUBLIC = {"/console", "/console/sign-in", "/console/sign-out", "/console/invitations/<token>",
          "/console/invitations/<token>/sign-out", "/console/account", "/console/password/forgot",
          "/console/password/reset/<token>"}
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def url_map() -> list[Rule]:
    """Every rule the app's blueprints define (built without a database, for collecting the parameters)."""
    app = Flask(__name__)
    app.url_map.converters.update(URL_CONVERTERS)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    return list(app.url_map.iter_rules())


def console_routes() -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) of every organisation-scoped console route."""
    return sorted((rule.rule, method, rule.endpoint) for rule in url_map()
                  if rule.rule == PREFIX or rule.rule.startswith(PREFIX + "/")
                  for method in sorted((rule.methods or set()) & METHODS))


def path_for(rule: str, slug: str) -> str:
    """The rule's path for organisation `slug`, with a dummy value of the right kind for every other argument."""
    def fill(match: re.Match[str]) -> str:
        converter, args, name = match["converter"], match["args"], match["name"]
        if name == "org_slug":
            return slug
        if converter in ("int", "id"):
            return "1"
        if converter == "uuid":
            return str(uuid.UUID(int=1))
        if converter == "any":
            return args.split(",")[0].strip().strip("'\"")
        return "x"
    return ARGUMENT.sub(fill, rule)


@pytest.fixture
def orgs(svc: Services) -> dict[str, StaffUser]:
    """Organisations acme and globex; acme's owner, and globex's owner and viewer."""
    acme, _ = make_org(svc, "acme")
    globex, _ = make_org(svc, "globex")
    return {"acme_owner": make_member(svc, acme, email="owner@acme.example"),
            "globex_owner": make_member(svc, globex, email="owner@globex.example"),
            "globex_viewer": make_member(svc, globex, email="viewer@globex.example", role="viewer")}


def send(client: FlaskClient, method: str, path: str, *, with_csrf: bool = True):  # type: ignore[no-untyped-def]
    data = {}
    if with_csrf and method != "GET":
        with client.session_transaction() as session:
            data[CSRF_FIELD] = session.get(CSRF_FIELD, "")
    return client.open(path, method=method, data=data)


def test_the_walk_finds_the_console_routes() -> None:
    found = {rule for rule, _, _ in console_routes()}
    assert {PREFIX, f"{PREFIX}/people", f"{PREFIX}/tokens/<id:token_id>/revoke", f"{PREFIX}/audit"} <= found


def test_every_console_route_belongs_to_an_organisation_or_is_known_to_be_public() -> None:
    unscoped = {rule.rule for rule in url_map() if rule.rule.startswith("/console")
                and not (rule.rule == PREFIX or rule.rule.startswith(PREFIX + "/"))}
    assert unscoped == PUBLIC


@pytest.mark.parametrize("rule, method, endpoint", console_routes())
def test_console_route_keeps_organisations_apart(app: Flask, orgs: dict[str, StaffUser], rule: str, method: str,
                                                 endpoint: str) -> None:
    needed = getattr(app.view_functions[endpoint], "console_role", None)
    assert needed is not None, f"{endpoint} is not wrapped in @console_view(Role...)"
    path = path_for(rule, "globex")

    signed_out = send(app.test_client(), method, path, with_csrf=False)
    assert signed_out.status_code in (302, 400) and "sign-in" in signed_out.headers.get("Location", "sign-in")

    stranger = app.test_client()
    enter_console(stranger, orgs["acme_owner"])
    response = send(stranger, method, path)
    assert response.status_code == 404, f"{method} {path} as acme's owner"
    assert "Globex" not in response.get_data(as_text=True)

    if method != "GET":
        owner = app.test_client()
        enter_console(owner, orgs["globex_owner"])
        assert send(owner, method, path, with_csrf=False).status_code == 400, f"{method} {path} without CSRF"

    if not Role.VIEWER.allows(Role(needed)):
        viewer = app.test_client()
        enter_console(viewer, orgs["globex_viewer"])
        response = send(viewer, method, path)
        assert response.status_code == 403, f"{method} {path} as globex's viewer"
