from __future__ import annotations

import io
import json
import struct
import tracemalloc
import zlib
from collections.abc import Callable
from xml.etree import ElementTree

import pytest
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from badges.baking import (
    OB_NAMESPACE,
    bake_png,
    bake_svg,
    extract_credential,
    extract_png,
    extract_svg,
)
from badges.errors import InvalidInput, TooLarge

CREDENTIAL = json.dumps({
    "@context": ["https://www.w3.org/ns/credentials/v2",
                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "리더십 역량 프로그램 수료",
    "credentialSubject": {"type": ["AchievementSubject"], "name": "홍길동"},
}, ensure_ascii=False, indent=2)
JWT = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6d2ViOmV4YW1wbGUuY29tIn0.c2lnbmF0dXJl"
OB_TAG = f"{{{OB_NAMESPACE}}}credential"
SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <circle cx="256" cy="256" r="200" fill="#c0392b"/>
  <text x="256" y="270">\xeb\xb0\xb0\xec\xa7\x80</text>
</svg>
"""


@pytest.fixture
def png() -> bytes:
    image = Image.new("RGBA", (48, 32), (255, 255, 255, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 40, 28), fill=(200, 30, 60, 255))
    info = PngInfo()
    info.add_text("Software", "test")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def with_chunk_before_iend(png: bytes, extra: bytes) -> bytes:
    assert png.endswith(chunk(b"IEND", b""))
    return png[:-12] + extra + png[-12:]


def test_bake_png_then_extract_png_returns_the_credential_with_korean_text(png: bytes) -> None:
    assert extract_png(bake_png(png, CREDENTIAL)) == CREDENTIAL


def test_bake_png_carries_a_compact_jwt_as_is(png: bytes) -> None:
    assert extract_png(bake_png(png, JWT)) == JWT


def test_baking_a_png_leaves_its_pixels_and_other_chunks_unchanged(png: bytes) -> None:
    baked = bake_png(png, CREDENTIAL)
    before, after = Image.open(io.BytesIO(png)), Image.open(io.BytesIO(baked))
    assert (after.mode, after.size) == (before.mode, before.size)
    assert after.tobytes() == before.tobytes()
    assert baked.startswith(png[:-12]) and baked.endswith(png[-12:])


def test_pillow_reads_the_baked_chunk_as_uncompressed_itxt(png: bytes) -> None:
    baked = bake_png(png, CREDENTIAL)
    assert Image.open(io.BytesIO(baked)).text["openbadgecredential"] == CREDENTIAL
    assert b"iTXtopenbadgecredential\x00\x00\x00\x00\x00{" in baked


def test_rebaking_a_png_replaces_the_credential_leaving_exactly_one_chunk(png: bytes) -> None:
    rebaked = bake_png(bake_png(png, CREDENTIAL), JWT)
    assert rebaked.count(b"iTXtopenbadgecredential\x00") == 1
    assert extract_png(rebaked) == JWT


def test_extract_png_reads_a_compressed_itxt_chunk(png: bytes) -> None:
    body = b"openbadgecredential\x00\x01\x00ko\x00\x00" + zlib.compress(CREDENTIAL.encode())
    assert extract_png(with_chunk_before_iend(png, chunk(b"iTXt", body))) == CREDENTIAL


def test_extract_png_refuses_a_compressed_itxt_bomb_without_inflating_it(png: bytes) -> None:
    bomb = zlib.compress(b" " * 100_000_000, 9)  # about 100 KB
    hostile = with_chunk_before_iend(png, chunk(b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + bomb))
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as e:
            extract_png(hostile)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.value.code == "baking.credential_too_large"
    assert peak < 20 * 1024 * 1024  # the 4 MB cap plus slack, far below the bomb's 100 MB


def test_extract_png_says_no_credential_for_a_plain_png(png: bytes) -> None:
    with pytest.raises(InvalidInput) as e:
        extract_png(png)
    assert e.value.code == "baking.no_credential"


def test_extract_png_ignores_other_itxt_keywords(png: bytes) -> None:
    other = chunk(b"iTXt", b"openbadgesx\x00\x00\x00\x00\x00{}")  # neither OB 3.0's keyword nor OB 2.0's
    with pytest.raises(InvalidInput) as e:
        extract_png(with_chunk_before_iend(png, other))
    assert e.value.code == "baking.no_credential"


@pytest.mark.parametrize("use", [lambda png: bake_png(png, CREDENTIAL), extract_png], ids=["bake", "extract"])
def test_a_png_chunk_with_a_wrong_crc_is_refused(png: bytes, use: Callable[[bytes], object]) -> None:
    damaged = bytearray(png)
    damaged[8 + 8 + 3] ^= 0x01  # a byte of IHDR's data
    with pytest.raises(InvalidInput) as e:
        use(bytes(damaged))
    assert e.value.code == "baking.png_bad_crc"


@pytest.mark.parametrize("keep", [8, 20, 40, -12, -4])
def test_a_truncated_png_is_refused(png: bytes, keep: int) -> None:
    with pytest.raises(InvalidInput) as e:
        bake_png(png[:keep], CREDENTIAL)
    assert e.value.code == "baking.png_truncated"


def test_a_png_whose_first_chunk_is_not_ihdr_is_refused(png: bytes) -> None:
    swapped = png[:8] + chunk(b"tEXt", b"a\x00b") + png[8:]
    with pytest.raises(InvalidInput) as e:
        extract_png(swapped)
    assert e.value.code == "baking.png_malformed"


def test_a_file_that_is_not_a_png_is_refused() -> None:
    with pytest.raises(InvalidInput) as e:
        extract_png(b"GIF89a\x01\x00\x01\x00")
    assert e.value.code == "baking.not_png"


def test_an_image_over_the_size_cap_is_too_large(png: bytes) -> None:
    with pytest.raises(TooLarge):
        bake_png(png, CREDENTIAL, max_bytes=len(png) - 1)


def test_baking_an_empty_credential_is_refused(png: bytes) -> None:
    with pytest.raises(InvalidInput) as e:
        bake_png(png, "  \n")
    assert e.value.code == "baking.empty_credential"


def test_bake_svg_then_extract_svg_returns_the_credential_with_korean_text() -> None:
    assert extract_svg(bake_svg(SVG, CREDENTIAL)) == CREDENTIAL


def test_bake_svg_puts_the_credential_first_in_the_root_in_cdata() -> None:
    baked = bake_svg(SVG, CREDENTIAL)
    root = ElementTree.fromstring(baked)
    assert root[0].tag == OB_TAG and "verify" not in root[0].attrib
    assert root[0].text.strip() == CREDENTIAL
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert b"<![CDATA[{" in baked
    assert root.find("{http://www.w3.org/2000/svg}circle") is not None
    assert root.find("{http://www.w3.org/2000/svg}text").text == "배지"


def test_bake_svg_puts_a_compact_jwt_in_the_verify_attribute() -> None:
    baked = bake_svg(SVG, JWT)
    assert ElementTree.fromstring(baked)[0].attrib == {"verify": JWT}
    assert extract_svg(baked) == JWT


def test_rebaking_an_svg_leaves_exactly_one_credential_element() -> None:
    rebaked = bake_svg(bake_svg(SVG, CREDENTIAL), JWT)
    assert len(ElementTree.fromstring(rebaked).findall(f".//{OB_TAG}")) == 1
    assert extract_svg(rebaked) == JWT


def test_an_svg_credential_containing_the_cdata_terminator_round_trips() -> None:
    tricky = json.dumps({"name": "a]]>b ]]> c"})
    assert extract_svg(bake_svg(SVG, tricky)) == tricky


def test_extract_svg_reads_the_specs_two_baked_forms() -> None:
    head = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'
            b' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" viewBox="0 0 512 512">\n')
    jws = head + b'<openbadges:credential verify="header.payload.signature"></openbadges:credential></svg>'
    embedded = head + b'<openbadges:credential>\n <![CDATA[\n {"id": "x"}\n ]]>\n</openbadges:credential></svg>'
    assert extract_svg(jws) == "header.payload.signature"
    assert extract_svg(embedded) == '{"id": "x"}'


def test_an_svg_with_a_plain_doctype_is_accepted() -> None:
    doctype = (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
               b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert extract_svg(bake_svg(doctype, JWT)) == JWT


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&lol4;</openbadges:credential></svg>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&secret;</openbadges:credential></svg>"""


@pytest.mark.parametrize("svg", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_an_svg_declaring_entities_is_refused_when_extracting_and_baking(svg: bytes) -> None:
    for attempt in (lambda: extract_svg(svg), lambda: bake_svg(svg, JWT), lambda: extract_credential(svg)):
        with pytest.raises(InvalidInput) as e:
            attempt()
        assert e.value.code == "baking.svg_unsafe"


@pytest.mark.parametrize(("document", "code"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "baking.svg_malformed"),
    (b"<html><body/></html>", "baking.not_svg"),
    (SVG, "baking.no_credential"),
])
def test_extract_svg_explains_what_is_wrong(document: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as e:
        extract_svg(document)
    assert e.value.code == code


def svg_of(inner: bytes) -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg">' + inner + b"</svg>"


@pytest.mark.parametrize("document", [
    svg_of(b"<g>" * 100_000 + b"</g>" * 100_000), svg_of(b"<g>" * 257 + b"</g>" * 257), svg_of(b"<g/>" * 10_000)],
    ids=["100,000 deep", "257 deep", "10,001 elements"])
def test_an_svg_nested_too_deep_or_too_large_is_refused_while_it_is_read(document: bytes) -> None:
    for attempt in (lambda: extract_svg(document), lambda: bake_svg(document, JWT),
                    lambda: extract_credential(document)):
        with pytest.raises(InvalidInput) as e:
            attempt()
        assert e.value.code == "baking.svg_too_complex"


def test_an_svg_256_deep_is_read() -> None:
    baked = bake_svg(svg_of(b"<g>" * 255 + b"</g>" * 255), JWT)
    assert extract_svg(baked) == JWT


def test_a_png_of_more_than_10000_chunks_is_refused_before_they_are_all_checked(png: bytes) -> None:
    crowded = png[:33] + chunk(b"prVt", b"") * 10_000 + png[33:]
    with pytest.raises(InvalidInput) as e:
        extract_png(crowded)
    assert e.value.code == "baking.png_malformed" and "10,000 chunks" in e.value.detail


def test_bake_svg_refuses_an_openbadges_prefix_bound_elsewhere() -> None:
    taken = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"/>'
    with pytest.raises(InvalidInput) as e:
        bake_svg(taken, JWT)
    assert e.value.code == "baking.svg_prefix_taken"


def test_extract_credential_reads_png_and_svg_by_their_content(png: bytes) -> None:
    assert extract_credential(bake_png(png, CREDENTIAL)) == CREDENTIAL
    assert extract_credential(b"\xef\xbb\xbf" + bake_svg(SVG, JWT)) == JWT
    bare = (b'\n  <svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
            b'<openbadges:credential verify="a.b.c"/></svg>')
    assert extract_credential(bare) == "a.b.c"


@pytest.mark.parametrize("data", [b"", b"GIF89a", b'{"type": "VerifiableCredential"}', JWT.encode()])
def test_extract_credential_refuses_anything_but_png_or_svg(data: bytes) -> None:
    with pytest.raises(InvalidInput) as e:
        extract_credential(data)
    assert e.value.code == "baking.unsupported_format"


# --- Open Badges 2.0 (and 1.0) images: read, never written ------------------------------------------

OB2_URL = "https://legacy.example/ob2/assertions/1"
OB2_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">%s</svg>'


def ob2_itxt(text: str) -> bytes:
    return chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + text.encode())


@pytest.mark.parametrize("text", [OB2_URL, JWT, '{"type": "Assertion"}'], ids=["hosted URL", "JWS", "JSON"])
def test_extract_png_reads_an_open_badges_2_openbadges_itxt_chunk(png: bytes, text: str) -> None:
    assert extract_png(with_chunk_before_iend(png, ob2_itxt(text))) == text


def test_extract_png_reads_an_open_badges_1_openbadges_text_chunk(png: bytes) -> None:
    assert extract_png(with_chunk_before_iend(png, chunk(b"tEXt", b"openbadges\x00" + OB2_URL.encode()))) == OB2_URL


def test_an_open_badges_3_credential_wins_over_an_open_badges_2_assertion_in_one_png(png: bytes) -> None:
    both = bake_png(with_chunk_before_iend(png, ob2_itxt(OB2_URL)), CREDENTIAL)
    assert extract_png(both) == CREDENTIAL


def test_extract_svg_reads_a_signed_open_badges_2_assertion_from_its_verify_attribute() -> None:
    assert extract_svg(OB2_SVG % f'<openbadges:assertion verify="{JWT}"/>'.encode()) == JWT


def test_extract_svg_reads_a_hosted_open_badges_2_assertion_as_its_json_when_it_carries_it() -> None:
    inside = f'<openbadges:assertion verify="{OB2_URL}"><![CDATA[{{"id": "{OB2_URL}"}}]]></openbadges:assertion>'
    assert extract_svg(OB2_SVG % inside.encode()) == f'{{"id": "{OB2_URL}"}}'
    assert extract_svg(OB2_SVG % f'<openbadges:assertion verify="{OB2_URL}"/>'.encode()) == OB2_URL


def test_extract_credential_reads_an_open_badges_2_svg() -> None:
    assert extract_credential(OB2_SVG % f'<openbadges:assertion verify="{JWT}"/>'.encode()) == JWT
