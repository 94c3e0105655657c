"""Reading the QR code in a photo (a phone picture of a printed certificate or a screen), with zxing-cpp, and the QR
codes of a PDF (a wallet's career-proof PDF carries one per badge): its pages drawn by PDFium (pypdfium2, the
renderer Chromium uses; Poppler would mean a subprocess) and read the same way."""
from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, UnidentifiedImageError

from badges.errors import InvalidInput, TooLarge

MAX_PHOTO_BYTES = 12 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel phone camera; more is refused before any pixel is decoded
# Only a JPEG is decoded at a reduced scale (Image.draft); a PNG, WebP, GIF or BMP is decoded whole before it is
# shrunk (a 7071×7071 PNG: 0.8 s and 200 MB), so they may have fewer pixels: a 5K screen's screenshot, or a
# 12-megapixel photo saved as PNG.
MAX_PIXELS_DECODED_WHOLE = 16_000_000
DECODE_EDGE = 2000  # longest side the decoder sees: plenty for a QR code, bounded work for any photo
MAX_TEXT = 4096
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 30
PDF_DPI = 150  # a 30 mm code of 41 modules gets 4 pixels a module: plenty for zxing
PDF_EDGE = 2500  # longest side of a page as drawn: a PDF that claims a huge page is drawn smaller, never larger
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one document at a time in a process


def read_qr(photo: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> str:
    """The text of the QR code in a JPEG, PNG or WebP photo; raises TooLarge, or InvalidInput when none is found."""
    if len(photo) > max_bytes:
        raise TooLarge("scan.photo_too_large", f"The photo is {len(photo)} bytes; the limit is {max_bytes}.")
    image = _open(photo)
    if image.width * image.height > MAX_PIXELS:
        raise TooLarge("scan.photo_too_large", f"The photo is {image.width}×{image.height} pixels; the limit is "
                       f"{MAX_PIXELS // 1_000_000} megapixels.")
    image.draft("L", (DECODE_EDGE, DECODE_EDGE))  # JPEG: decode at a reduced scale directly, cheaply
    if image.format != "JPEG" and image.width * image.height > MAX_PIXELS_DECODED_WHOLE:
        raise TooLarge("scan.photo_too_large", f"The {image.format} image is {image.width}×{image.height} pixels; "
                       f"the limit is {MAX_PIXELS_DECODED_WHOLE // 1_000_000} megapixels ({MAX_PIXELS // 1_000_000} "
                       "for a JPEG photo). Send a JPEG, or a smaller picture of the code.")
    try:
        image = image.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise InvalidInput("scan.photo_unreadable", "The photo is damaged or incomplete; take it again.") from None
    image.thumbnail((DECODE_EDGE, DECODE_EDGE))
    codes = [c for c in zxingcpp.read_barcodes(image, formats=QR_ONLY) if c.valid]
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


def read_pdf_qr_codes(pdf: bytes, *, max_bytes: int = MAX_PDF_BYTES, max_pages: int = MAX_PDF_PAGES) -> list[str]:
    """The texts of the QR codes on the PDF's pages, page by page from top to bottom, each once; [] when it has
    none. Raises TooLarge (bytes, pages), or InvalidInput for a file PDFium cannot open (damaged, encrypted)."""
    if len(pdf) > max_bytes:
        raise TooLarge("scan.pdf_too_large", f"The PDF is {len(pdf)} bytes; the limit is {max_bytes}.")
    found: list[str] = []
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError:
            raise InvalidInput("scan.pdf_unreadable", "The PDF is damaged or protected with a password, so its "
                               "QR codes cannot be read.") from None
        try:
            if len(document) > max_pages:
                raise TooLarge("scan.pdf_too_large", f"The PDF has {len(document)} pages; the limit is {max_pages}.")
            for index in range(len(document)):
                page = document[index]
                try:
                    width, height = page.get_size()
                    scale = min(PDF_DPI / 72, PDF_EDGE / max(width, height, 1.0))
                    image = page.render(scale=scale, grayscale=True).to_pil()
                finally:
                    page.close()
                codes = [c for c in zxingcpp.read_barcodes(image, formats=QR_ONLY) if c.valid]
                for code in sorted(codes, key=lambda c: (c.position.top_left.y, c.position.top_left.x)):
                    text = code.text.strip()
                    if text and len(text) <= MAX_TEXT and text not in found:
                        found.append(text)
        finally:
            document.close()
    return found
