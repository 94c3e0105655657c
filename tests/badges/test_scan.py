"""Reading the QR code in a photo: a real decoder on generated photos, and refusals for what is not one."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from badges import baking, qr, scan
from badges.errors import InvalidInput, TooLarge
from tests.verifier.corpus import chunk, pixel_bomb, png

URL = "https://badges.example.kr/v/3f1c1d9e-6a43-4c55-9a2b-2d9d7c1e0a11"


def photo(size: tuple[int, int], *, code_edge: int, fmt: str = "JPEG", rotate: int = 0) -> bytes:
    code = Image.open(io.BytesIO(qr.qr_png(URL))).convert("RGB").resize((code_edge, code_edge)).rotate(rotate, expand=True,
                                                                                                      fillcolor="white")
    canvas = Image.new("RGB", size, (140, 140, 150))
    canvas.paste(code, ((size[0] - code.width) // 3, (size[1] - code.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(("size", "edge", "fmt", "rotate"), [
    ((1280, 960), 420, "JPEG", 0), ((4032, 3024), 900, "JPEG", 0), ((800, 800), 300, "PNG", 90),
    ((1000, 1000), 400, "WEBP", 12)], ids=["phone photo", "12 MP photo", "PNG turned sideways", "WebP askew"])
def test_read_qr_finds_the_link_in_a_photo(size: tuple[int, int], edge: int, fmt: str, rotate: int) -> None:
    assert scan.read_qr(photo(size, code_edge=edge, fmt=fmt, rotate=rotate)) == URL


def test_read_qr_refuses_a_photo_that_claims_billions_of_pixels_before_decoding_it() -> None:
    with pytest.raises(TooLarge) as caught:
        scan.read_qr(pixel_bomb())
    assert caught.value.code == "scan.photo_too_large"


def test_read_qr_refuses_a_png_it_would_have_to_decode_whole_before_decoding_it() -> None:
    """Under the 50 megapixels a JPEG may have (it is decoded at a reduced scale), over what a PNG may: only the
    header is read, so an image data stream cut short is never reached."""
    width = height = 7071
    header = scan.MAX_PIXELS_DECODED_WHOLE < width * height < scan.MAX_PIXELS
    image = baking.PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b"")
    with pytest.raises(TooLarge) as caught:
        scan.read_qr(image)
    assert (header, caught.value.code) == (True, "scan.photo_too_large")


def test_read_qr_refuses_a_file_over_its_byte_cap() -> None:
    with pytest.raises(TooLarge):
        scan.read_qr(bytes(100), max_bytes=99)


@pytest.mark.parametrize(("data", "code"), [(b"%PDF-1.7", "scan.not_an_image"), (png(300, 300), "scan.no_qr_code"),
                                            (png(300, 300)[:200], "scan.photo_unreadable")],
                         ids=["not an image", "no QR code", "truncated"])
def test_read_qr_says_why_it_found_nothing(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        scan.read_qr(data)
    assert caught.value.code == code
