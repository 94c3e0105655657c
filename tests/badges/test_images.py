"""Uploaded images: PNGs checked whole, SVGs reduced to drawing, everything size-capped."""
from __future__ import annotations

import io
from xml.sax.saxutils import quoteattr

import pytest
from PIL import Image

from badges import images
from badges.errors import InvalidInput, TooLarge

HOSTILE_SVG = """<?xml version="1.0"?>
<!DOCTYPE svg>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 10 10" onload="alert(1)"
     inkscape:version="1.0">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css);</style>
  <style>.ok { fill: url(#g); }</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#123"/></linearGradient></defs>
  <a href="javascript:alert(3)"><rect width="5" height="5"/></a>
  <rect class="ok" width="10" height="10" onclick="alert(4)" style="fill: url('https://evil.example/p')"/>
  <circle r="3" fill="url(#g)"/>
  <use href="#g"/><use xlink:href="https://evil.example/s.svg#x"/>
  <image href="https://evil.example/tracker.png"/>
  <image href="data:image/png;base64,iVBORw0KGgo="/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <animate attributeName="href" to="javascript:alert(5)"/>
  <text x="1" y="9" font-family="NanumGothic">한국어 로고</text>
  <!-- a comment -->
</svg>""".encode()


def png(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 64, 175)).save(out, format="PNG")
    return out.getvalue()


def test_a_png_is_kept_byte_for_byte() -> None:
    data = png()
    assert images.check_image(data) == images.CheckedImage(data, "image/png")


def test_an_svg_keeps_its_drawing_and_korean_text_but_loses_every_active_or_external_part() -> None:
    checked = images.check_image(HOSTILE_SVG)
    text = checked.data.decode()
    assert checked.mimetype == "image/svg+xml"
    for gone in ("script", "alert", "onload", "onclick", "evil.example", "@import", "foreignObject", "animate", "<style",
                 "inkscape", "DOCTYPE", "comment", "<a"):
        assert gone not in text, gone
    for kept in ('viewBox="0 0 10 10"', 'fill="url(#g)"', 'href="#g"',
                 "data:image/png;base64,", "한국어 로고", 'font-family="NanumGothic"', "<rect"):
        assert kept in text, kept


def test_a_sanitised_svg_is_unchanged_by_sanitising_again() -> None:
    once = images.sanitise_svg(HOSTILE_SVG)
    assert images.sanitise_svg(once) == once


def test_a_deeply_nested_svg_is_refused_rather_than_crashing() -> None:
    nested = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 5000 + b"</g>" * 5000 + b"</svg>"
    with pytest.raises(InvalidInput) as caught:
        images.sanitise_svg(nested)
    assert caught.value.code == "image.svg_invalid"


@pytest.mark.parametrize("data, code", [
    (b"", "image.empty"),
    (b"GIF89a....", "image.unsupported"),
    (png()[:-20], "image.png_damaged"),
    (b"\x89PNG\r\n\x1a\n" + png()[8:40] + b"\x00" * 30, "image.png_damaged"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "image.svg_invalid"),
    (b"<!DOCTYPE svg [<!ENTITY x 'y'>]><svg xmlns='http://www.w3.org/2000/svg'>&x;</svg>", "image.svg_invalid"),
    (b"<svg><rect/></svg>", "image.svg_invalid"),
    (b"<html xmlns='http://www.w3.org/1999/xhtml'/>", "image.svg_invalid"),
])
def test_invalid_uploads_are_refused_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        images.check_image(data)
    assert caught.value.code == code


def test_an_image_over_the_size_cap_is_refused() -> None:
    with pytest.raises(TooLarge):
        images.check_image(png(), max_bytes=100)


def test_a_png_with_too_many_pixels_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        images.check_image(png(5000, 1))
    assert caught.value.code == "image.too_many_pixels"


REMOTE_CSS = [
    'image-set("https://evil.example/a.png" 1x)', "u\\72l(https://evil.example/a)", "\\75 rl(https://evil.example/a)",
    "u/**/rl(https://evil.example/a)", "url (https://evil.example/a)", "expression(alert(1))",
    "url(https://evil.example/a)", "url('//evil.example/a')", "-webkit-image-set(url(x.png) 1x)",
    "var(--x)", "@\\69mport url(x)", "(evil)",
]


@pytest.mark.parametrize("value", REMOTE_CSS)
def test_a_style_attribute_that_could_load_from_elsewhere_is_dropped_whatever_its_spelling(value: str) -> None:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><rect style={quoteattr(f"fill: {value}; stroke: red")}/></svg>'
    text = images.sanitise_svg(svg.encode()).decode()
    assert "evil" not in text and "\\" not in text and "(" not in text
    assert 'style="stroke: red"' in text


@pytest.mark.parametrize("value", REMOTE_CSS)
def test_a_presentation_attribute_that_could_load_from_elsewhere_is_dropped(value: str) -> None:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><rect fill={quoteattr(value)} stroke="red"/></svg>'
    text = images.sanitise_svg(svg.encode()).decode()
    assert "fill" not in text and 'stroke="red"' in text


@pytest.mark.parametrize("sheet", [
    "@\\69mport 'https://evil.example/x.css';", "rect { fill: u\\72l(https://evil.example/a) }",
    'rect { background: image-set("https://evil.example/a.png" 1x) }', ".ok { fill: url(#g) }",
])
def test_style_elements_are_removed_entirely(sheet: str) -> None:
    svg = f"<svg xmlns='http://www.w3.org/2000/svg'><style>{sheet}</style><rect/></svg>"
    text = images.sanitise_svg(svg.encode()).decode()
    assert "style" not in text and "evil" not in text and "<rect" in text


def test_safe_styles_keep_colours_transforms_and_local_references() -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><rect transform="rotate(45) translate(1,2)" '
           "style=\"fill: url(#g); stroke: rgb(1, 2, 3); font-family: 'Nanum Gothic'; position: fixed\"/></svg>")
    text = images.sanitise_svg(svg.encode()).decode()
    assert 'transform="rotate(45) translate(1,2)"' in text
    assert "style=\"fill: url(#g); stroke: rgb(1, 2, 3); font-family: 'Nanum Gothic'\"" in text
