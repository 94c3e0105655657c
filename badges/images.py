"""Uploaded images (organisation logos, course images): PNG checked, SVG sanitised, both size-capped.

An uploaded SVG is served back from our own origin, so it must not be able to run script, load anything
from elsewhere or hide active content: it is parsed with defusedxml (no entities, no external references,
as when extracting baked badges), and only an allowlist of drawing elements and attributes is kept. Style
sheets are dropped whole, since CSS can load from elsewhere in too many spellings (escapes, comments,
image-set); `style` attributes and presentation attributes keep only values that call no function but
colours, transforms and url(#local-id).
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from xml.dom.minidom import Element, Node

from PIL import Image, UnidentifiedImageError

from badges import baking
from badges.errors import InvalidInput, TooLarge

PNG = "image/png"
SVG = "image/svg+xml"
MAX_BYTES = 512 * 1024
MAX_DEPTH = 64  # nesting of SVG elements (writing the SVG out again recurses once per level)
MAX_SIDE = 4096  # pixels, either way: a logo larger than this is a mistake or a decompression bomb
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

ELEMENTS = frozenset({  # no <style>: a style sheet can load from elsewhere in too many spellings to check
    "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop", "clipPath",
    "mask", "pattern", "image", "filter", "feGaussianBlur", "feOffset", "feBlend", "feFlood", "feComposite",
    "feMerge", "feMergeNode", "feColorMatrix", "feDropShadow"})
ATTRIBUTES = frozenset({
    "id", "class", "style", "version", "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1", "x2",
    "y1", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "d", "points", "pathLength", "transform", "fill",
    "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color",
    "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits", "filter",
    "filterUnits", "primitiveUnits", "display", "visibility", "overflow", "offset", "stop-color",
    "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod", "patternUnits",
    "patternContentUnits", "patternTransform", "font-family", "font-size", "font-weight", "font-style",
    "font-variant", "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift",
    "letter-spacing", "word-spacing", "text-decoration", "textLength", "lengthAdjust", "dx", "dy", "rotate",
    "startOffset", "in", "in2", "result", "stdDeviation", "mode", "operator", "k1", "k2", "k3", "k4", "values",
    "type", "flood-color", "flood-opacity", "lighting-color", "color-interpolation-filters", "href",
    "xml:space", "xml:lang", "lang", "role", "aria-label", "aria-hidden", "focusable"})
# A CSS value (a presentation attribute or a `style` declaration) is kept only when it has no escapes,
# comments, at-rules or quotes that could hide a name, and calls no function but colours, transforms and a
# local url(#id): `image-set(`, `u\\72l(`, `u/**/rl(`, `expression(`, `@\\69mport` are all refused.
SAFE_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "matrix", "translate", "scale", "rotate", "skewx",
                            "skewy"})
_UNSAFE_CSS = re.compile(r"[\\@<>{}]|/\*|javascript:|behavior\s*:", re.IGNORECASE)
_FUNCTION = re.compile(r"([A-Za-z-]*)(\s*)\(")
_LOCAL_URL = re.compile(r"url\(['\"]?#[A-Za-z0-9_.:-]+['\"]?\)")
STYLE_PROPERTIES = frozenset({  # presentation properties a `style` attribute may set
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color",
    "clip-path", "clip-rule", "mask", "filter", "display", "visibility", "overflow", "stop-color",
    "stop-opacity", "font-family", "font-size", "font-weight", "font-style", "font-variant", "text-anchor",
    "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing",
    "text-decoration", "flood-color", "flood-opacity", "lighting-color", "color-interpolation-filters"})
_INLINE_RASTER = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+")


@dataclass(frozen=True, slots=True)
class CheckedImage:
    """An uploaded image that is safe to store and serve: its bytes and media type."""

    data: bytes
    mimetype: str


def check_image(data: bytes, *, max_bytes: int = MAX_BYTES) -> CheckedImage:
    """A PNG as uploaded, or an SVG with everything but drawing removed; raises InvalidInput, TooLarge."""
    if len(data) > max_bytes:
        raise TooLarge("image.too_large", f"The image is {len(data):,} bytes; the limit is {max_bytes:,}. "
                       "Export it smaller (a logo needs no more than 512×512 pixels) and upload it again.")
    if not data:
        raise InvalidInput("image.empty", "The file is empty. Choose a PNG or SVG image.")
    if data.startswith(baking.PNG_SIGNATURE):
        return CheckedImage(check_png(data), PNG)
    if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return CheckedImage(sanitise_svg(data), SVG)
    raise InvalidInput("image.unsupported", "Only PNG and SVG images can be uploaded; convert the file to "
                       "one of those and try again.")


def check_png(data: bytes) -> bytes:
    """`data` unchanged when it is a whole, undamaged PNG of sensible size; raises InvalidInput."""
    try:
        for _chunk in baking._chunks(data):  # every chunk CRC-checked up to IEND, as for baked badges
            pass
    except InvalidInput as e:
        raise InvalidInput("image.png_damaged", e.detail) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                size = image.size
                if max(size) <= MAX_SIDE:
                    image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise InvalidInput("image.png_damaged", "The PNG's pixels cannot be read, so the file is damaged. "
                           "Export it again.") from None
    if max(size) > MAX_SIDE:
        raise InvalidInput("image.too_many_pixels", f"The image is {size[0]}×{size[1]} pixels; the limit is "
                           f"{MAX_SIDE} either way. Export it smaller.")
    return data


def sanitise_svg(data: bytes) -> bytes:
    """The SVG with only allowlisted elements and attributes, no scripts, event handlers or external
    references; raises InvalidInput when it is not a well-formed SVG (parsed as baked badges are)."""
    try:
        doc, root = baking._parse_svg(data)
    except InvalidInput as e:
        raise InvalidInput("image.svg_invalid", e.detail) from None
    if root.namespaceURI != SVG_NS:
        raise InvalidInput("image.svg_invalid", f'The <svg> element lacks xmlns="{SVG_NS}", so browsers would '
                           "not draw it. Export it again as an SVG file.")
    for node in list(doc.childNodes):
        if node is not root:
            doc.removeChild(node)  # DOCTYPE, processing instructions, comments outside the image
    elements = [(root, 1)]
    while elements:  # a loop, not recursion: a hostile file may nest thousands of levels deep
        element, depth = elements.pop()
        if depth > MAX_DEPTH:
            raise InvalidInput("image.svg_invalid", f"The SVG nests elements more than {MAX_DEPTH} deep; "
                               "simplify its groups and export it again.")
        _clean_attributes(element)
        _clean_style(element)
        for child in list(element.childNodes):
            if child.nodeType == Node.ELEMENT_NODE and child.namespaceURI == SVG_NS \
                    and child.localName in ELEMENTS:
                elements.append((child, depth + 1))
            elif child.nodeType not in (Node.TEXT_NODE, Node.CDATA_SECTION_NODE):
                # script, foreignObject, a, animate, set, editors' metadata, comments, processing instructions
                element.removeChild(child)
    return doc.toxml(encoding="utf-8")


def _clean_attributes(element: Element) -> None:
    for attribute in list(element.attributes.values()):
        if not _keeps_attribute(element, attribute.localName or attribute.name, attribute.namespaceURI,
                                attribute.value):
            element.removeAttributeNode(attribute)


def _keeps_attribute(element: Element, name: str, namespace: str | None, value: str) -> bool:
    if namespace == "http://www.w3.org/2000/xmlns/":
        return value in (SVG_NS, XLINK_NS)
    if namespace not in (None, XLINK_NS, "http://www.w3.org/XML/1998/namespace"):
        return False
    if namespace == XLINK_NS and name != "href":
        return False
    if namespace is None and name.startswith("xml"):
        return False  # xml:* attributes carry the XML namespace, never none
    if namespace == "http://www.w3.org/XML/1998/namespace":
        name = f"xml:{name}"
    if name not in ATTRIBUTES:
        return False
    if name == "href":  # local references only; <image> may also carry an inline raster picture
        return value.startswith("#") or (element.localName == "image" and bool(_INLINE_RASTER.fullmatch(value)))
    return name in ("style", "aria-label") or safe_css_value(value)  # style: declaration by declaration


def _clean_style(element: Element) -> None:
    """Keep only the `style` declarations of presentation properties whose values are safe_css_value."""
    if not element.hasAttribute("style"):
        return
    kept = []
    for declaration in element.getAttribute("style").split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if colon and name in STYLE_PROPERTIES and value and safe_css_value(value):
            kept.append(f"{name}: {value}")
    if kept:
        element.setAttribute("style", "; ".join(kept))
    else:
        element.removeAttribute("style")


def safe_css_value(value: str) -> bool:
    """True when a CSS value can load nothing: no escape, comment, at-rule or unbalanced quote, and no
    function but SAFE_FUNCTIONS and url(#local-id)."""
    if _UNSAFE_CSS.search(value) or value.count('"') % 2 or value.count("'") % 2:
        return False
    for match in _FUNCTION.finditer(value):
        name = match[1].lower()
        if match[2] or not (name in SAFE_FUNCTIONS or name == "url" and _LOCAL_URL.match(value, match.start())):
            return False
    return True

