"""A generated badge image (PNG) for courses that have none: a medal with the course name on it."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
SIZE = 512


def korean_font() -> Path | None:
    """The first installed font of FONT_CANDIDATES (Nanum and Noto CJK draw Hangul), or None."""
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).exists()), None)


def pdf_fonts() -> tuple[str, str]:
    """(regular, bold) font names registered with reportlab for the PDFs: the installed Korean font's family
    (Hangul needs it), else the PDF base fonts."""
    from reportlab.pdfbase import pdfmetrics  # only the PDFs need reportlab
    from reportlab.pdfbase.ttfonts import TTFont

    bold = korean_font()
    if bold is None or bold.suffix != ".ttf":
        return "Helvetica", "Helvetica-Bold"
    regular = bold.with_name(bold.name.replace("Bold", ""))
    for name, path in (("Badges-Regular", regular if regular.exists() else bold), ("Badges-Bold", bold)):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    return "Badges-Regular", "Badges-Bold"


def badge_png(title: str, subtitle: str, *, font_path: Path | None, hue: int = 0) -> bytes:
    """A 512x512 PNG medal showing `title` (wrapped) and `subtitle`."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    palette = [(30, 64, 175), (4, 120, 87), (180, 83, 9), (126, 34, 206)]
    colour = palette[hue % len(palette)]
    draw.ellipse((16, 16, SIZE - 16, SIZE - 16), fill=colour)
    draw.ellipse((44, 44, SIZE - 44, SIZE - 44), outline=(255, 255, 255), width=6)
    big = _font(font_path, 46)
    small = _font(font_path, 26)
    lines = textwrap.wrap(title, width=10 if any(ord(c) > 0x1100 for c in title) else 16)[:3]
    y = SIZE // 2 - 30 * len(lines)
    for line in lines:
        draw.text((SIZE // 2, y), line, font=big, fill="white", anchor="mm")
        y += 58
    draw.text((SIZE // 2, min(y + 10, SIZE - 90)), subtitle[:28], font=small, fill=(226, 232, 240), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size)
