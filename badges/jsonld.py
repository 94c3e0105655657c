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
    """RDFC-1.0 canonical N-Quads of `doc`; raises pyld's JsonLdError for unknown contexts or bad JSON-LD."""
    return jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                  "documentLoader": loader})


def context_urls(doc: JsonObject) -> list[str]:
    """The string entries of the document's top-level `@context`, in order."""
    ctx = doc.get("@context")
    entries = ctx if isinstance(ctx, list) else [ctx]
    return [c for c in entries if isinstance(c, str)]


def require_bundled(doc: JsonObject, *, loader: BundledLoader = BUNDLED) -> None:
    """Raise InvalidInput naming the first `@context` URL that is not bundled."""
    for i, url in enumerate(context_urls(doc)):
        try:
            loader(url)
        except jsonld.JsonLdError:
            raise InvalidInput("context.unknown", f"The context {url} is not supported; "
                               "use the VC 2.0 and Open Badges 3.0 contexts.",
                               path=f"/@context/{i}") from None
