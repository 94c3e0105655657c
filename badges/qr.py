"""QR codes for a credential's public verification URL, as PNG or SVG bytes."""
from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

from badges.errors import InvalidInput

QUIET_ZONE = 4  # modules of white border, the minimum ISO/IEC 18004 asks for
MAX_URL_LENGTH = 1024  # a version 40 symbol holds more, but phone cameras struggle long before that


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A black-on-white PNG QR code (level M, 4-module quiet zone) of `url`; raises InvalidInput."""
    if not 1 <= scale <= 64:
        raise ValueError(f"scale must be between 1 and 64 pixels per module, not {scale}")
    image = _code(url, box_size=scale).make_image(image_factory=PilImage).get_image()
    out = io.BytesIO()
    image.save(out, format="PNG")  # Pillow writes no timestamp, so equal input gives equal bytes
    return out.getvalue()


def qr_svg(url: str) -> bytes:
    """An SVG QR code (level M, 4-module quiet zone, white background) of `url`; raises InvalidInput."""
    out = io.BytesIO()
    _code(url, box_size=10).make_image(image_factory=SvgPathFillImage).save(out)
    return out.getvalue()


def _code(url: str, *, box_size: int) -> qrcode.QRCode:
    """The fitted QR symbol for `url`; raises InvalidInput for an empty, non-ASCII or too long URL."""
    if not url:
        raise InvalidInput("qr.empty_url", "There is no URL to put in the QR code.")
    if not url.isascii():
        # Byte-mode text has no declared charset, and scanners guess differently: percent-encoding is unambiguous.
        raise InvalidInput("qr.url_not_ascii", "The URL contains non-ASCII characters. "
                           "Percent-encode them (as a browser does) before making a QR code.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput("qr.url_too_long", f"The URL is {len(url)} characters; a QR code that phones can "
                           f"scan holds at most {MAX_URL_LENGTH}. Use a shorter URL.")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    return code
