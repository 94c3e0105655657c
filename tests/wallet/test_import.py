"""Importing from elsewhere: verified first, kept with its report, re-checked later; bad input refused clearly."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from badges import artwork, baking
from badges.errors import InvalidInput, Unavailable
from badges.fetch import FetchPolicy
from bootstrap.wiring import Services
from store.db import transaction
from store.wallet import Learner, items_of
from tests.wallet.foreign import foreign_issuer
from tests.wallet.people import Mailbox, post, sign_up
from wallet import imports, reports
from wallet.web import wallet_context
from web.http import utcnow


def item_path(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_a_foreign_badge_imported_by_url_is_verified_and_a_later_revocation_shows_up(
        app: Flask, client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    with foreign_issuer() as busan:
        credential = busan.credential(email="minji@example.com", name="김민지", title="웹 프런트엔드", hours=80)
        path = item_path(post(client, "/wallet/import", {"url": credential["id"]}))
        page = client.get(path).get_data(as_text=True)
        assert 'data-verdict="valid"' in page and "주소(URL)에서 가져옴" in page
        assert 'data-check="status" data-outcome="passed"' in page and 'data-check="proof" data-outcome="passed"' in page

        busan.revoke(credential)
        assert 'data-verdict="valid"' in client.get(path).get_data(as_text=True)  # the kept report, until re-checked
        with app.test_request_context():
            ctx = wallet_context()
        later = utcnow() + timedelta(hours=2)
        with transaction(svc.sessions) as session:
            learner = session.scalars(select(Learner)).one()
            assert reports.due(learner, items_of(session, learner.id), now=utcnow()) == []
            pending = reports.due(learner, items_of(session, learner.id), now=later)
        with transaction(svc.sessions) as session:
            reports.record_all(session, learner.id, reports.run(ctx, pending, now=later))
        page = client.get(path).get_data(as_text=True)
        assert 'data-verdict="revoked"' in page and 'data-check="status" data-outcome="failed"' in page


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30"/></svg>'


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_a_baked_image_is_imported_and_shown(client: FlaskClient, mailbox: Mailbox, kind: str) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    with foreign_issuer() as busan:
        credential = json.dumps(busan.credential(email="minji@example.com", name="김민지", title="Docker 실무",
                                                 hours=16), ensure_ascii=False)
        image = (baking.bake_png(artwork.badge_png("Docker 실무", "Busan", font_path=artwork.korean_font()), credential)
                 if kind == "png" else baking.bake_svg(SVG, credential))
        path = item_path(post(client, "/wallet/import", {"file": (io.BytesIO(image), f"docker.{kind}")},
                              content_type="multipart/form-data"))
    page = client.get(path).get_data(as_text=True)
    assert "Docker 실무" in page and "파일에서 가져옴" in page
    shown = client.get(f"{path}/image.png").data
    # the baked PNG itself; an SVG is never served back (it could carry script): a medal is drawn instead
    assert shown == image if kind == "png" else shown.startswith(b"\x89PNG")


def test_bad_imports_are_refused_with_a_reason_and_what_was_typed_is_kept(client: FlaskClient,
                                                                           mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    with foreign_issuer() as busan:
        mine = busan.credential(email="minji@example.com", name="김민지", title="Git 협업", with_status=False)
        theirs = busan.credential(email="someone@example.com", name="이서준", title="Git 협업", with_status=False)
        tampered = json.loads(json.dumps(mine))
        tampered["credentialSubject"]["achievement"]["name"] = "Git 마스터"
        cases = [({"credential": json.dumps(tampered, ensure_ascii=False)}, 422, "wallet.import_not_genuine"),
                 ({"credential": json.dumps(theirs)}, 422, "wallet.import_not_yours"),
                 ({"credential": "this is not a badge"}, 422, "wallet.import_not_a_badge"),
                 ({"credential": '{"name": "Git 협업"}'}, 422, "wallet.import_not_a_badge"),
                 ({}, 422, "wallet.import_nothing"),
                 ({"url": "ftp://example.com/badge"}, 422, "wallet.import_url_invalid"),
                 ({"url": f"{busan.base}/nowhere"}, 503, "fetch.status")]
        for form, status, code in cases:
            response = post(client, "/wallet/import", form)
            page = response.get_data(as_text=True)
            assert (response.status_code, f'data-code="{code}"' in page) == (status, True), (form, page)
            for value in form.values():
                assert str(escape(value)) in page  # nothing typed is lost
        item_path(post(client, "/wallet/import", {"credential": json.dumps(mine)}))
        again = post(client, "/wallet/import", {"credential": json.dumps(mine)})
        assert again.status_code == 409 and 'data-code="wallet.import_duplicate"' in again.get_data(as_text=True)
    assert len(client.get("/wallet/export.json").get_json()["credentials"]) == 1


def test_an_oversized_upload_is_refused_clearly(client: FlaskClient, mailbox: Mailbox) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    client.application.config["MAX_CONTENT_LENGTH"] = 100_000  # (werkzeug's test client spools bigger bodies)
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200_000
    response = post(client, "/wallet/import", {"file": (io.BytesIO(big), "huge.png")},
                    content_type="multipart/form-data")
    assert response.status_code == 413
    assert 'data-code="wallet.import_too_large"' in response.get_data(as_text=True)


@pytest.mark.parametrize("depth", [5_000, 70_000])  # 100,000 levels would pass the 500 KB werkzeug's test client
def test_an_svg_nested_thousands_deep_is_refused_clearly(client: FlaskClient, mailbox: Mailbox,  # spools to a file
                                                         depth: int) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    deep = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * depth + b"</g>" * depth + b"</svg>"
    response = post(client, "/wallet/import", {"file": (io.BytesIO(deep), "deep.svg")},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'data-code="baking.svg_too_complex"' in response.get_data(as_text=True)


def test_an_svg_nested_100000_deep_is_refused_before_it_is_verified(app: Flask) -> None:
    deep = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 100_000 + b"</g>" * 100_000 + b"</svg>"
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        imports.prepare(wallet_context(), deep, origin="file", addresses=["minji@example.com"], now=utcnow())
    assert refused.value.code == "baking.svg_too_complex"


def poison_graph(credential: dict, nodes: int) -> dict:
    """`credential` with `nodes` blank nodes that all link to each other (their RDFC-1.0 hashes all tie)."""
    knows = "https://example.org/knows"
    credential["credentialSubject"][knows] = [{"id": f"_:b{i}", knows: [{"id": f"_:b{j}"} for j in range(nodes)
                                                                        if j != i]} for i in range(nodes)]
    return credential


@pytest.mark.parametrize(("change", "code"), [
    (lambda c: poison_graph(c, 8), "wallet.import_too_complex"),
    (lambda c: c["credentialSubject"]["achievement"].update(tag=[f"skill {i}" for i in range(10_000)]) or c,
     "wallet.import_too_complex")], ids=["poison graph", "10,000 tags"])
def test_a_badge_too_complex_to_verify_is_refused_clearly(  # type: ignore[no-untyped-def]
        client: FlaskClient, mailbox: Mailbox, change, code) -> None:
    sign_up(client, mailbox, address="minji@example.com")
    with foreign_issuer() as busan:
        hostile = change(busan.credential(email="minji@example.com", name="김민지", title="Git", with_status=False))
        response = post(client, "/wallet/import", {"credential": json.dumps(hostile)})
    assert response.status_code == 422
    assert f'data-code="{code}"' in response.get_data(as_text=True)


def test_import_by_url_follows_the_deployments_fetch_policy(app: Flask) -> None:
    with app.test_request_context():
        strict = wallet_context()
    strict = type(strict)(**{**{f: getattr(strict, f) for f in strict.__dataclass_fields__},
                             "fetch_policy": FetchPolicy()})
    with pytest.raises(Unavailable) as refused:
        imports.fetch_remote(strict, "http://127.0.0.1:9/badge.json")
    assert refused.value.code == "fetch.scheme_refused"
    with pytest.raises(Unavailable) as private:
        imports.fetch_remote(strict, "https://127.0.0.1:9/badge.json")
    assert private.value.code == "fetch.private_address"
