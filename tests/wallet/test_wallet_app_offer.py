"""'Add to my wallet app': only the badge's holder makes an OpenID4VCI offer, shown once as a QR code and a deep link
with its transaction code; the offer it shows is the one the issuer's token endpoint redeems."""
from __future__ import annotations

import base64
import html
import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from badges.scan import read_qr
from bootstrap.wiring import Services
from store import offers
from tests.conftest import BASE_URL
from tests.factories import issue, make_course, make_org
from tests.wallet.people import Mailbox, post, sign_up


def test_the_holder_makes_an_offer_from_the_public_page_and_a_wallet_app_redeems_it(
        client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org), email="minji@example.com", now=datetime.now(UTC))
    public_page = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert f'id="add-wallet-app" href="/wallet/credentials/{credential_id}"' in public_page
    assert "내 지갑 앱에 담기" in public_page
    signed_out = client.get(f"/wallet/credentials/{credential_id}")
    assert signed_out.status_code == 302 and "/wallet/signin" in signed_out.headers["Location"]

    sign_up(client, mailbox, address="minji@example.com")
    found = client.get(f"/wallet/credentials/{credential_id}")
    assert found.status_code == 302 and found.headers["Location"].endswith("#wallet-app")
    item_path = urlsplit(found.headers["Location"]).path
    assert 'id="make-offer"' in client.get(item_path).get_data(as_text=True)

    response = post(client, f"{item_path}/wallet-app")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    link = html.unescape(re.search(r'id="offer-link" href="([^"]+)"', page)[1])  # type: ignore[index]
    qr = re.search(r'id="offer-qr" src="data:image/png;base64,([^"]+)"', page)[1]  # type: ignore[index]
    assert read_qr(base64.b64decode(qr)) == link
    tx_code = re.search(r'id="tx-code">(\d{6})<', page)[1]  # type: ignore[index]
    offer = json.loads(parse_qs(urlsplit(link).query)["credential_offer"][0])
    assert link.startswith("openid-credential-offer://?credential_offer=")
    assert offer["credential_issuer"] == f"{BASE_URL}/orgs/acme"
    grant = offer["grants"][offers.PRE_AUTHORIZED_GRANT]
    assert grant["tx_code"]["input_mode"] == "numeric" and grant["tx_code"]["length"] == 6

    token = client.post("/orgs/acme/oid4vci/token", data={"grant_type": offers.PRE_AUTHORIZED_GRANT,
                                                          "pre-authorized_code": grant["pre-authorized_code"],
                                                          "tx_code": tx_code})
    assert token.status_code == 200, token.get_json()

    without_code = post(client, f"{item_path}/wallet-app", {"tx_code": "off"}).get_data(as_text=True)
    assert 'id="tx-code"' not in without_code and 'id="offer-link"' in without_code


def test_no_one_else_can_make_an_offer_of_the_badge(client: FlaskClient, svc: Services, mailbox: Mailbox) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org), email="minji@example.com", now=datetime.now(UTC))
    sign_up(client, mailbox, name="박준", address="jun@example.com")
    response = client.get(f"/wallet/credentials/{credential_id}")
    assert response.status_code == 404
    assert client.get("/wallet/credentials/not-a-credential").status_code == 404
