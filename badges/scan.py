"""Reading the QR code in a photo (a phone picture of a printed certificate or a screen), with zxing-cpp."""
from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

from badges.errors import InvalidInput, TooLarge

MAX_PHOTO_BYTES = 12 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel phone camera; more is refused before any pixel is decoded
DECODE_EDGE = 2000  # longest side the decoder sees: plenty for a QR code, bounded work for any photo
MAX_TEXT = 4096


def read_qr(photo: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> str:
    """The text of the QR code in a JPEG, PNG or WebP photo; raises TooLarge, or InvalidInput when none is found."""
    if len(photo) > max_bytes:
        raise TooLarge("scan.photo_too_large", f"The photo is {len(photo)} bytes; the limit is {max_bytes}.")
    image = _open(photo)
    if image.width * image.height > MAX_PIXELS:
        raise TooLarge("scan.photo_too_large", f"The photo is {image.width}×{image.height} pixels; the limit is "
                       f"{MAX_PIXELS // 1_000_000} megapixels.")
    image.draft("L", (DECODE_EDGE, DECODE_EDGE))  # JPEG: decode at a reduced scale directly, cheaply
    try:
        image = image.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInput("scan.photo_unreadable", "The photo is damaged or incomplete; take it again.") from None
    image.thumbnail((DECODE_EDGE, DECODE_EDGE))
    codes = [c for c in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)) if c.valid]
    if not codes:
        raise InvalidInput("scan.no_qr_code", "No QR code was found in the photo. Hold the camera closer, "
                           "keep the code flat and in focus, and try again.")
    text = codes[0].text.strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput("scan.no_qr_code", "The QR code holds no usable text.")
    return text


def _open(photo: bytes) -> Image.Image:
    """The photo opened lazily (only its header is read); decompression bombs and non-images are refused."""
    try:  # over Pillow's own pixel limit this warns (an error under -W error) or raises; either way refuse
        return Image.open(io.BytesIO(photo), formats=("JPEG", "PNG", "WEBP", "GIF", "BMP"))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise TooLarge("scan.photo_too_large", "The photo has too many pixels to be read.") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise InvalidInput("scan.not_an_image", "The file is not a photo this service reads "
                           "(JPEG, PNG, WebP, GIF or BMP).") from None
