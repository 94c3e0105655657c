"""Baked badges (OB 3.0 §5.3 "Baked Badge"): one credential carried inside a PNG or SVG image.

PNG: an uncompressed `iTXt` chunk with keyword `openbadgecredential`, written over the original bytes so
the image data is never re-encoded. SVG: an `<openbadges:credential>` element right after the `<svg>` tag,
holding a compact JWS in its `verify` attribute or the credential JSON in CDATA.

Open Badges 2.0 images are read too (never written): a PNG `iTXt` (or OB 1.0 `tEXt`) chunk with keyword
`openbadges`, and an SVG `<openbadges:assertion>` element in the http://openbadges.org namespace; either holds
the hosted assertion's URL, a signed assertion's JWS, or the assertion JSON. An OB 3.0 credential wins when an
image carries both.
"""
from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from typing import NamedTuple
from xml.dom.minidom import Document, Element
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.expatbuilder import DefusedExpatBuilderNS

from badges.errors import InvalidInput, TooLarge

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_KEYWORD = b"openbadges"  # Open Badges 2.0 (iTXt) and 1.0 (tEXt)
OB2_NAMESPACE = "http://openbadges.org"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 4 * 1024 * 1024  # cap on a compressed iTXt once inflated (hostile files exist)
MAX_PNG_CHUNKS = 10_000  # each is CRC-checked; 8 KB image data chunks fill the 10 MB cap with 1,300
MAX_SVG_DEPTH = 256  # minidom reads and writes a tree recursively: a file nested 100,000 deep overflows the stack
MAX_SVG_ELEMENTS = 10_000  # badge artwork has hundreds; each element costs a DOM node (~5 µs, and memory)

_NOTHING_TO_BAKE = "There is no credential to bake: the text is empty."
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


class _Chunk(NamedTuple):
    type: bytes
    start: int  # offset of the length field
    end: int  # offset just past the CRC
    data: bytes


def bake_png(png: bytes, credential: str, *, max_bytes: int = MAX_IMAGE_BYTES) -> bytes:
    """The PNG with `credential` in its one `openbadgecredential` iTXt chunk; raises InvalidInput, TooLarge."""
    _check_size(png, max_bytes=max_bytes)
    text = _nonempty(credential, detail=_NOTHING_TO_BAKE).encode("utf-8")
    # keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translated keyword + NUL
    baked = _chunk_bytes(b"iTXt", KEYWORD + b"\x00\x00\x00\x00\x00" + text)
    parts = [PNG_SIGNATURE]
    for chunk in _chunks(png):
        if chunk.type == b"iTXt" and chunk.data.startswith(KEYWORD + b"\x00"):
            continue  # the spec allows only one: an earlier credential is replaced
        if chunk.type == b"IEND":
            parts.append(baked)
        parts.append(png[chunk.start:chunk.end])
    return b"".join(parts)  # anything after IEND is not part of the PNG and is dropped


def extract_png(png: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> str:
    """The text of the first `openbadgecredential` iTXt chunk or, failing that, of the first OB 2.0
    `openbadges` iTXt / tEXt chunk (an assertion URL, JWS or JSON); raises InvalidInput, TooLarge."""
    _check_size(png, max_bytes=max_bytes)
    ob2: str | None = None
    for chunk in _chunks(png):
        if chunk.type == b"iTXt":
            text = _itxt_credential(chunk.data)
            if text is not None:
                return _nonempty(text)  # the spec lets a reader stop at the first one
            if ob2 is None:
                ob2 = _itxt_credential(chunk.data, keyword=OB2_KEYWORD)
        elif chunk.type == b"tEXt" and ob2 is None and chunk.data.startswith(OB2_KEYWORD + b"\x00"):
            ob2 = chunk.data[len(OB2_KEYWORD) + 1:].decode("latin-1")  # tEXt is Latin-1 (PNG §11.3.4.3)
    if ob2 is not None:
        return _nonempty(ob2)
    raise InvalidInput("baking.no_credential", "The PNG carries no Open Badges credential (no iTXt chunk with "
                       "the keyword 'openbadgecredential', nor an Open Badges 2.0 'openbadges' chunk).")


def bake_svg(svg: bytes, credential: str, *, max_bytes: int = MAX_IMAGE_BYTES) -> bytes:
    """The SVG with one `<openbadges:credential>` element first in the root; raises InvalidInput, TooLarge."""
    _check_size(svg, max_bytes=max_bytes)
    text = _nonempty(credential, detail=_NOTHING_TO_BAKE)
    doc, root = _parse_svg(svg)
    bound = root.getAttribute("xmlns:openbadges")
    if bound and bound != OB_NAMESPACE:
        raise InvalidInput("baking.svg_prefix_taken", f"The SVG binds the prefix 'openbadges' to {bound!r}, "
                           f"not to {OB_NAMESPACE}. Rename that prefix in the image and bake it again.")
    for old in doc.getElementsByTagNameNS(OB_NAMESPACE, "credential"):
        if old.parentNode is not None:
            old.parentNode.removeChild(old)
    root.setAttribute("xmlns:openbadges", OB_NAMESPACE)
    element = doc.createElementNS(OB_NAMESPACE, "openbadges:credential")
    if _COMPACT_JWS.fullmatch(text):
        element.setAttribute("verify", text)
    else:
        _append_cdata(doc, element, text)
    root.insertBefore(element, root.firstChild)
    return doc.toxml(encoding="utf-8")


def extract_svg(svg: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> str:
    """The credential in the first `<openbadges:credential>` element or, failing that, the OB 2.0 assertion in
    the first `<openbadges:assertion>` (its JWS, its JSON, or its URL); raises InvalidInput, TooLarge."""
    _check_size(svg, max_bytes=max_bytes)
    root = _parse_svg(svg)[1]
    found = root.getElementsByTagNameNS(OB_NAMESPACE, "credential")
    if found:
        element = found[0]
        if element.hasAttribute("verify"):
            return _nonempty(element.getAttribute("verify"))
        return _nonempty(_text_of(element))
    legacy = root.getElementsByTagNameNS(OB2_NAMESPACE, "assertion")
    if not legacy:
        raise InvalidInput("baking.no_credential", "The SVG carries no Open Badges credential (no "
                           f"<openbadges:credential> element in the {OB_NAMESPACE} namespace, nor an Open Badges "
                           f"2.0 <openbadges:assertion> in {OB2_NAMESPACE}).")
    verify, text = legacy[0].getAttribute("verify").strip(), _text_of(legacy[0]).strip()
    # OB 2.0: a signed badge's JWS is in `verify`; a hosted one has its URL there and (usually) its JSON inside,
    # which is what the issuer's hosted copy is then compared with
    return _nonempty(verify if _COMPACT_JWS.fullmatch(verify) or not text else text)


def _text_of(element: Element) -> str:
    return "".join(node.data for node in element.childNodes
                   if node.nodeType in (node.TEXT_NODE, node.CDATA_SECTION_NODE))


def extract_credential(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> str:
    """The credential baked into a PNG or SVG image; raises InvalidInput, TooLarge."""
    if data.startswith(PNG_SIGNATURE):
        return extract_png(data, max_bytes=max_bytes)
    if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return extract_svg(data, max_bytes=max_bytes)
    raise InvalidInput("baking.unsupported_format", "The file is neither a PNG nor an SVG image; "
                       "only those two formats can carry a baked badge.")


def _chunks(png: bytes) -> Iterator[_Chunk]:
    """Each chunk up to and including IEND, CRC-checked; raises InvalidInput on a damaged or non-PNG file."""
    if not png.startswith(PNG_SIGNATURE):
        raise InvalidInput("baking.not_png", "The file is not a PNG image: it does not start with the PNG signature.")
    pos = len(PNG_SIGNATURE)
    for count in range(MAX_PNG_CHUNKS + 1):
        if count == MAX_PNG_CHUNKS:
            raise InvalidInput("baking.png_malformed", f"The PNG has more than {MAX_PNG_CHUNKS:,} chunks, so it "
                               "was not read (an image needs a few dozen). Export it again.")
        if pos + 12 > len(png):
            raise _truncated()
        length, ctype = struct.unpack_from(">I4s", png, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(png):
            raise _truncated()
        if not ctype.isalpha() or (pos == len(PNG_SIGNATURE)) != (ctype == b"IHDR"):
            raise InvalidInput("baking.png_malformed", f"The PNG has a malformed chunk at byte {pos}: "
                               "it must start with IHDR and use four-letter chunk names. Export the image again.")
        data = png[pos + 8:end - 4]
        if zlib.crc32(data, zlib.crc32(ctype)) != struct.unpack_from(">I", png, end - 4)[0]:
            raise InvalidInput("baking.png_bad_crc", f"The PNG chunk {ctype.decode()} at byte {pos} fails its "
                               "CRC check, so the file is damaged. Export or download the image again.")
        yield _Chunk(ctype, pos, end, data)
        if ctype == b"IEND":
            return
        pos = end


def _itxt_credential(data: bytes, *, keyword: bytes = KEYWORD) -> str | None:
    """The text of an iTXt body with `keyword` (`openbadgecredential` unless told), or None for another keyword;
    raises InvalidInput."""
    found, _, rest = data.partition(b"\x00")
    if found != keyword:
        return None
    fields = rest[2:].split(b"\x00", 2)  # language tag, translated keyword, text
    if len(rest) < 2 or rest[0] not in (0, 1) or rest[1] != 0 or len(fields) != 3:
        raise _malformed_itxt()
    text = _inflate(fields[2]) if rest[0] == 1 else fields[2]
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed_itxt() from None


def _inflate(data: bytes) -> bytes:
    """`data` zlib-inflated, refusing output over MAX_CREDENTIAL_BYTES; raises InvalidInput."""
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, MAX_CREDENTIAL_BYTES + 1)
    except zlib.error:
        raise _malformed_itxt() from None
    if len(text) > MAX_CREDENTIAL_BYTES:
        raise InvalidInput("baking.credential_too_large", "The PNG's compressed credential expands to more "
                           f"than {MAX_CREDENTIAL_BYTES} bytes, so it was refused. Bake the credential uncompressed.")
    if not inflater.eof:
        raise _malformed_itxt()
    return text


class _BoundedBuilder(DefusedExpatBuilderNS):
    """defusedxml's DOM builder (a bare DOCTYPE, as design tools emit, is fine; entities and external references
    are not) that stops at MAX_SVG_DEPTH levels or MAX_SVG_ELEMENTS elements, while expat is still reading."""

    depth = elements = 0

    def start_element_handler(self, name: str, attributes: list[str]) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > MAX_SVG_DEPTH or self.elements > MAX_SVG_ELEMENTS:
            raise InvalidInput("baking.svg_too_complex", f"The SVG nests elements more than {MAX_SVG_DEPTH} deep "
                               f"or holds more than {MAX_SVG_ELEMENTS:,} of them, so it was not read. "
                               "Export the image again without so many nested groups.")
        super().start_element_handler(name, attributes)

    def end_element_handler(self, name: str) -> None:
        self.depth -= 1
        super().end_element_handler(name)


def _parse_svg(svg: bytes) -> tuple[Document, Element]:
    """The SVG's DOM and root, with entity declarations and external references refused, and its nesting and
    size bounded; raises InvalidInput."""
    try:
        doc: Document = _BoundedBuilder(forbid_dtd=False, forbid_entities=True, forbid_external=True).parseString(svg)
    except DefusedXmlException:
        raise InvalidInput("baking.svg_unsafe", "The SVG declares XML entities or external references, which are "
                           "refused for safety. Remove them from its DOCTYPE and try again.") from None
    except ExpatError as e:
        raise InvalidInput("baking.svg_malformed", f"The SVG is not well-formed XML ({e}).") from None
    root = doc.documentElement
    if root is None or root.localName != "svg":
        raise InvalidInput("baking.not_svg", "The XML file is not an SVG image: its root element is "
                           f"<{root.tagName if root else ''}>, not <svg>.")
    return doc, root


def _append_cdata(doc: Document, element: Element, text: str) -> None:
    """Add `text` as CDATA, split wherever it contains ']]>' (which would end a CDATA section)."""
    pieces = text.split("]]>")
    for i, piece in enumerate(pieces):
        head = ">" if i else ""
        tail = "]]" if i < len(pieces) - 1 else ""
        element.appendChild(doc.createCDATASection(head + piece + tail))


def _chunk_bytes(ctype: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and CRC-32 over type and data."""
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(ctype)))


def _check_size(data: bytes, *, max_bytes: int) -> None:
    """Return if `data` fits; raises TooLarge."""
    if len(data) > max_bytes:
        raise TooLarge("baking.image_too_large", f"The image is {len(data)} bytes; the limit is {max_bytes}. "
                       "Use a smaller image.")


def _nonempty(text: str, *, detail: str = "The image's Open Badges credential is empty.") -> str:
    """`text` without surrounding whitespace; raises InvalidInput when nothing is left."""
    if not text.strip():
        raise InvalidInput("baking.empty_credential", detail)
    return text.strip()


def _truncated() -> InvalidInput:
    return InvalidInput("baking.png_truncated", "The PNG ends in the middle of a chunk or before its IEND chunk, "
                        "so the file is incomplete. Download or export it again.")


def _malformed_itxt() -> InvalidInput:
    return InvalidInput("baking.png_malformed", "The PNG's 'openbadgecredential' iTXt chunk is malformed "
                        "(bad header, compression data or UTF-8 text). Bake the badge again.")
