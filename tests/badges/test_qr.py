from __future__ import annotations

import io
import re
from xml.etree import ElementTree

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from badges.errors import InvalidInput
from badges.qr import qr_png, qr_svg

URLS = [
    "https://badges.example.org/credentials/urn:uuid:3f0e8a52-1c9b-4e7a-9d3f-2b8c6e1a7d40",
    "https://badges.example.kr/v/%EB%A6%AC%EB%8D%94%EC%8B%AD-%EB%B0%B0%EC%A7%80?lang=ko",  # /v/리더십-배지
    "https://example.com/verify?id=12345678901234567890123456&x=a%20b#frag",
]


def decode(image: Image.Image) -> zxingcpp.Barcode:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("url", [*URLS, "https://example.com/" + "a" * 1004])
def test_qr_png_decodes_back_to_exactly_the_url(url: str) -> None:
    barcode = decode(Image.open(io.BytesIO(qr_png(url))))
    assert barcode.text == url
    assert barcode.ec_level == "M"


def test_qr_png_has_a_white_quiet_zone_of_four_modules_at_the_given_scale() -> None:
    image = Image.open(io.BytesIO(qr_png(URLS[0], scale=5))).convert("L")
    margin = 4 * 5
    width, height = image.size
    assert width == height and (width // 5 - 2 * 4 - 17) % 4 == 0  # a QR symbol is 17 + 4 * version modules
    for box in [(0, 0, width, margin), (0, height - margin, width, height),
                (0, 0, margin, height), (width - margin, 0, width, height)]:
        assert image.crop(box).getextrema() == (255, 255)
    assert image.crop((margin, margin, margin + 5, margin + 5)).getextrema() == (0, 0)  # finder pattern corner


def test_qr_png_is_deterministic() -> None:
    assert qr_png(URLS[1]) == qr_png(URLS[1])
    assert qr_png(URLS[1]) != qr_png(URLS[0])


def rasterize(svg: bytes, *, scale: int = 4) -> Image.Image:
    """Draw the SVG's one path of unit squares ("Mx,yHx+1Vy+1Hxz") onto a white image."""
    root = ElementTree.fromstring(svg)
    _, _, width, height = (int(v) for v in root.get("viewBox").split())
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    squares = re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", path)
    assert squares and len("".join(f"M{a},{b}H{c}V{d}H{a}z" for a, b, c, d in squares)) == len(path)
    for x0, y0, x1, y1 in squares:
        draw.rectangle((int(x0) * scale, int(y0) * scale, int(x1) * scale - 1, int(y1) * scale - 1), fill=0)
    return image


@pytest.mark.parametrize("url", URLS)
def test_qr_svg_decodes_back_to_exactly_the_url(url: str) -> None:
    assert decode(rasterize(qr_svg(url))).text == url


def test_qr_svg_has_a_white_background_and_is_deterministic() -> None:
    svg = qr_svg(URLS[0])
    assert ElementTree.fromstring(svg).find("{http://www.w3.org/2000/svg}rect").get("fill") == "white"
    assert svg == qr_svg(URLS[0])


@pytest.mark.parametrize(("url", "code"), [
    ("", "qr.empty_url"),
    ("https://example.kr/배지", "qr.url_not_ascii"),
    ("https://example.com/" + "a" * 1005, "qr.url_too_long"),
])
def test_qr_refuses_urls_it_cannot_encode_unambiguously(url: str, code: str) -> None:
    for make in (qr_png, qr_svg):
        with pytest.raises(InvalidInput) as e:
            make(url)
        assert e.value.code == code
