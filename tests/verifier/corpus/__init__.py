"""The hostile corpus: broken, tampered and hostile inputs, generated at test time (bombs are never committed).

Each case says what a request carries and what must come back: a report naming the check and problem, or a
clear 4xx problem. Never a 500, never a hang (fetches run under a 1 s timeout in these tests).
"""
from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from badges import baking, model, proofs, qr
from tests.other_issuer import ISSUED
from tests.verifier.remote import RemoteIssuer, redirect, respond, trickle

GZIP_BOMB_BYTES = 64 * 1024 * 1024  # a status list that inflates to 64 MB (the cap is 16 MB)


@dataclass(frozen=True)
class Case:
    """POST `body` (built against the remote issuer) to `path`; expect a report or a 4xx problem."""

    body: Callable[[RemoteIssuer], dict[str, Any]]  # kwargs for the test client: data / json / content_type
    status: int
    code: str  # the problem code (4xx) or the failing check's problem code (200)
    check: str | None = None  # for a 200: which check carries `code`
    outcome: str = "failed"
    path: str = "/api/v1/verify"


def chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(ctype)))


def png(width: int = 8, height: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def pixel_bomb() -> bytes:
    """A PNG of a few hundred bytes that claims to be 60000 × 60000 pixels."""
    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)
    return baking.PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + \
        chunk(b"IEND", b"")


def itxt_bomb() -> bytes:
    """A PNG whose compressed openbadgecredential chunk inflates to 64 MB."""
    text = zlib.compress(b" " * GZIP_BOMB_BYTES, 9)
    itxt = chunk(b"iTXt", baking.KEYWORD + b"\x00\x01\x00\x00\x00" + text)
    image = png()
    return image[:-12] + itxt + image[-12:]


def json_text(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def b64(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def with_did_route(route: Callable[[RemoteIssuer], Any]) -> Callable[[RemoteIssuer], dict[str, Any]]:
    """A good credential of the remote issuer, whose did.json is answered by `route(remote)`."""
    def body(remote: RemoteIssuer) -> dict[str, Any]:
        remote.routes["/.well-known/did.json"] = route(remote)
        return {"json": remote.issuer.data_integrity()}
    return body


def with_status_route(route: Callable[[RemoteIssuer], Any]) -> Callable[[RemoteIssuer], dict[str, Any]]:
    def body(remote: RemoteIssuer) -> dict[str, Any]:
        remote.routes["/status/1"] = route(remote)
        return {"json": remote.issuer.data_integrity()}
    return body


def gzip_bomb_list(remote: RemoteIssuer) -> Any:
    """A properly signed status list credential whose encodedList inflates to 64 MB."""
    issuer = remote.issuer
    bomb = "u" + base64.urlsafe_b64encode(zlib.compress(b"\x00" * GZIP_BOMB_BYTES, 9, wbits=31)).rstrip(b"=").decode()
    unsigned = {"@context": [model.VC_V2], "id": issuer.list_url,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": issuer.did,
                "credentialSubject": {"id": f"{issuer.list_url}#list", "type": "BitstringStatusList",
                                      "statusPurpose": "revocation", "encodedList": bomb}}
    signed = proofs.sign(unsigned, signer=issuer.signer, created=ISSUED)
    return respond(200, json_text(signed))


def url_case(route: Callable[[RemoteIssuer], Any] | None,
             target: str = "/credential") -> Callable[[RemoteIssuer], dict[str, Any]]:
    def body(remote: RemoteIssuer) -> dict[str, Any]:
        if route is not None:
            remote.routes[target] = route(remote)
        return {"json": {"url": remote.url + target}}
    return body


def photo_of(text: str) -> bytes:
    return qr.qr_png(text)


NESTED = b"[" * 100_000 + b"]" * 100_000
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                  b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg">&c;</svg>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>')


def deep_svg(depth: int) -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * depth + b"</g>" * depth + b"</svg>"


def wide_svg(elements: int) -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g/>" * elements + b"</svg>"


DEEP_SVG = deep_svg(5000)

KNOWS = "https://example.org/knows"


def poison_graph(nodes: int) -> Callable[[RemoteIssuer], dict[str, Any]]:
    """The remote issuer's credential with `nodes` blank nodes all linking to each other (2.7 KB for 8 nodes; it
    kept a CPU busy for 57 s: RDFC-1.0's Hash N-Degree Quads tries every permutation of nodes whose hashes tie)."""
    def body(remote: RemoteIssuer) -> dict[str, Any]:
        doc = remote.issuer.data_integrity()
        doc["credentialSubject"][KNOWS] = [{"id": f"_:b{i}", KNOWS: [{"id": f"_:b{j}"} for j in range(nodes)
                                                                    if j != i]} for i in range(nodes)]
        return {"json": doc}
    return body


def with_achievement(**extra: Any) -> Callable[[RemoteIssuer], dict[str, Any]]:
    def body(remote: RemoteIssuer) -> dict[str, Any]:
        doc = remote.issuer.data_integrity()
        doc["credentialSubject"]["achievement"].update(extra)
        return {"json": doc}
    return body


ALIGNMENTS = [{"type": ["Alignment"], "targetName": f"NCS {i}", "targetUrl": f"https://ncs.example.kr/{i}"}
              for i in range(5_000)]

CASES: dict[str, Case] = {
    # credentials whose processing would cost minutes (issue 11)
    "a credential of 8 blank nodes all linking to each other": Case(poison_graph(8), 200, "proof.too_complex",
                                                                    "proof", "unknown"),
    "a credential of 12 blank nodes all linking to each other": Case(poison_graph(12), 200, "parse.too_complex",
                                                                     "parse", "unknown"),  # 144 objects: over the limit
    "a credential with 10,000 tags": Case(with_achievement(tag=[f"skill {i}" for i in range(10_000)]), 200,
                                          "parse.too_complex", "parse", "unknown"),
    "a credential with 5,000 alignments": Case(with_achievement(alignment=ALIGNMENTS), 200, "parse.too_complex",
                                               "parse", "unknown"),
    "a credential with 100 contexts": Case(lambda r: {"json": {**r.issuer.data_integrity(),
                                                               "@context": [model.VC_V2] * 99 + [model.OB_V3]}},
                                           200, "parse.too_complex", "parse", "unknown"),
    # bodies and JSON
    "JSON nested 100k deep as the body": Case(lambda r: {"data": NESTED, "content_type": "application/json"},
                                              422, "request.malformed_json"),
    "JSON nested 100k deep as the credential": Case(
        lambda r: {"json": {"credential": NESTED.decode()}}, 200, "parse.not_json", "parse"),
    "a credential of 1.5 MB of spaces": Case(lambda r: {"json": {"credential": " " * 1_500_000}}, 200,
                                             "parse.too_large", "parse"),
    "a body over 2 MB": Case(lambda r: {"data": b"{" + b" " * 2_100_000 + b"}", "content_type": "application/json"},
                             413, "request.too_large"),
    "an image over 2 MB": Case(lambda r: {"data": baking.PNG_SIGNATURE + bytes(2_100_000),
                                          "content_type": "image/png"}, 413, "request.too_large"),
    # images
    "a PNG whose credential chunk inflates to 64 MB": Case(lambda r: {"data": itxt_bomb(), "content_type": "image/png"},
                                                           422, "baking.credential_too_large"),
    "a truncated PNG": Case(lambda r: {"data": png()[:40], "content_type": "image/png"}, 422, "baking.png_truncated"),
    "an SVG with an entity expansion bomb": Case(lambda r: {"data": BILLION_LAUGHS, "content_type": "image/svg+xml"},
                                                 422, "baking.svg_unsafe"),
    "an SVG reading a local file through an external entity": Case(
        lambda r: {"data": XXE, "content_type": "image/svg+xml"}, 422, "baking.svg_unsafe"),
    "an SVG nested 5000 deep": Case(lambda r: {"data": DEEP_SVG, "content_type": "image/svg+xml"}, 422,
                                    "baking.svg_too_complex"),
    "an SVG nested 100,000 deep": Case(lambda r: {"data": deep_svg(100_000), "content_type": "image/svg+xml"}, 422,
                                       "baking.svg_too_complex"),
    "an SVG of 20,000 elements": Case(lambda r: {"data": wide_svg(20_000), "content_type": "image/svg+xml"}, 422,
                                      "baking.svg_too_complex"),
    # JWTs
    "a JWT with alg none": Case(lambda r: {"data": (b64({"alg": "none", "kid": r.issuer.method}) + "." +
                                                    r.issuer.vc_jwt().split(".")[1] + ".").encode(),
                                           "content_type": "application/jwt"}, 200, "jwt.alg_refused", "proof"),
    "a JWT whose header is 100k arrays deep": Case(
        lambda r: {"data": (base64.urlsafe_b64encode(NESTED[:200_000]).rstrip(b"=") + b".e30.c2ln"),
                   "content_type": "application/jwt"}, 200, "parse.jwt_malformed", "parse"),
    # another issuer's server misbehaving
    "a did:web document behind a redirect loop": Case(with_did_route(lambda r: redirect("/.well-known/did.json")),
                                                      200, "issuer_key.unresolvable", "issuer_key", "unknown"),
    "a did:web document that trickles in": Case(with_did_route(lambda r: trickle(r)), 200,
                                                "issuer_key.unresolvable", "issuer_key", "unknown"),
    "a did:web document of 3 MB": Case(with_did_route(lambda r: respond(200, b" " * 3_000_000)), 200,
                                       "issuer_key.unresolvable", "issuer_key", "unknown"),
    "a did:web document of the wrong shape": Case(with_did_route(lambda r: respond(200, json_text(
        {"id": r.issuer.did, "assertionMethod": "x", "verificationMethod": {"a": 1}}))), 200,
        "issuer_key.document_malformed", "issuer_key"),
    "a status list that is a gzip bomb": Case(with_status_route(gzip_bomb_list), 200, "status.list_too_large",
                                              "status", "unknown"),
    "a status list that is HTML": Case(with_status_route(lambda r: respond(200, b"<html></html>", "text/html")), 200,
                                       "fetch.not_json", "status", "unknown"),
    "a status list behind a redirect loop": Case(with_status_route(lambda r: redirect("/status/1")), 200,
                                                 "status.unreachable", "status", "unknown"),
    "a status list whose type is a number": Case(with_status_route(lambda r: respond(200, json_text(
        {"@context": [model.VC_V2], "type": 5, "issuer": r.issuer.did}))), 200, "status.list_unverifiable",
        "status", "unknown"),
    # links
    "a link behind a redirect loop": Case(url_case(lambda r: redirect("/credential")), 422, "verify.url_unreachable"),
    "a link that trickles in": Case(url_case(lambda r: trickle(r)), 422, "verify.url_unreachable"),
    "a link the issuer withdrew (410 Gone)": Case(url_case(lambda r: respond(410, b"")), 422, "verify.url_gone"),
    "a link to a web page": Case(url_case(lambda r: respond(200, b"<html>hi</html>", "text/html")), 422,
                                 "verify.url_is_page"),
    "a link to a local file": Case(lambda r: {"json": {"url": "file:///etc/passwd"}}, 422, "request.schema"),
    "a link that is not a URL": Case(lambda r: {"json": {"url": "not a link"}}, 422, "request.schema"),
    # photos of QR codes (the page)
    "a photo that claims 60000 × 60000 pixels": Case(lambda r: {"data": {"photo": (io.BytesIO(pixel_bomb()), "a.png")},
                                                                "content_type": "multipart/form-data"},
                                                     413, "scan.photo_too_large", path="/verify"),
    "a file that is not a photo": Case(lambda r: {"data": {"photo": (io.BytesIO(b"%PDF-1.4 hello"), "a.jpg")},
                                                  "content_type": "multipart/form-data"},
                                       422, "scan.not_an_image", path="/verify"),
    "a photo without a QR code": Case(lambda r: {"data": {"photo": (io.BytesIO(png(300, 300)), "a.png")},
                                                 "content_type": "multipart/form-data"},
                                      422, "scan.no_qr_code", path="/verify"),
    "a QR code holding a javascript: link": Case(
        lambda r: {"data": {"photo": (io.BytesIO(photo_of("javascript:alert(1)")), "a.png")},
                   "content_type": "multipart/form-data"}, 422, "verify.qr_not_badge", path="/verify"),
}
