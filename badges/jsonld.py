"""JSON-LD over pyld with a fail-closed loader: only the bundled contexts, never the network."""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pyld import jsonld

import schemas
from badges.errors import InvalidInput

JsonObject = dict[str, Any]


class BundledLoader:
    """pyld document loader serving bundled contexts (plus `extra` ones a caller supplies)."""

    def __init__(self, extra: Mapping[str, JsonObject] | None = None) -> None:
        self._extra = dict(extra or {})

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        if url in self._extra:
            document = self._extra[url]
        else:
            try:
                document = schemas.context(url)
            except KeyError:
                raise jsonld.JsonLdError(
                    f"The context {url} is not one this service bundles; it is never fetched.",
                    "jsonld.LoadDocumentError", {"url": url},
                    code="loading document failed") from None
        # pyld may annotate what it is handed; give it a copy so the cache stays pristine.
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}


BUNDLED = BundledLoader()


def canonicalize(doc: JsonObject, *, loader: BundledLoader = BUNDLED) -> str:
    """RDFC-1.0 canonical N-Quads of `doc`; JsonLdError for unknown contexts, bad JSON-LD, or a property
    no context defines (it would silently fall out of what is signed: the reference's "safe mode")."""
    processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    return processor.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                     "documentLoader": loader})


def _refuse_dropped(term: str | None) -> None:
    raise jsonld.JsonLdError(f"The property {term!r} is not defined by the document's contexts, so it "
                             "could not be signed or checked.", "jsonld.SafeModeError")


def error_message(error: jsonld.JsonLdError) -> str:
    """The innermost message of a chain of pyld errors (pyld wraps the cause in generic ones)."""
    while isinstance(error.__cause__, jsonld.JsonLdError):
        error = error.__cause__
    return str(error.args[0])


def context_urls(doc: JsonObject) -> list[str]:
    """The string entries of the document's top-level `@context`, in order."""
    ctx = doc.get("@context")
    entries = ctx if isinstance(ctx, list) else [ctx]
    return [c for c in entries if isinstance(c, str)]


def require_bundled(doc: JsonObject, *, loader: BundledLoader = BUNDLED) -> None:
    """Raise InvalidInput naming the first `@context` URL that is not bundled."""
    ctx = doc.get("@context")
    # the pointer indexes the document's own array (inline contexts included), or names a lone string
    pointers = ([(f"/@context/{i}", c) for i, c in enumerate(ctx)] if isinstance(ctx, list)
                else [("/@context", ctx)])
    for pointer, url in pointers:
        if not isinstance(url, str):
            continue
        try:
            loader(url)
        except jsonld.JsonLdError:
            raise InvalidInput("context.unknown", f"The context {url} is not supported; "
                               "use the VC 2.0 and Open Badges 3.0 contexts.",
                               path=pointer) from None
