"""JSON-LD over pyld with a fail-closed loader: only the bundled contexts, never the network."""
from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pyld import jsonld, nquads
from pyld.context_resolver import ContextResolver

import schemas
from badges import bounds, rdfc
from badges.errors import InvalidInput
from badges.rdfc import Canonicalizer

# pyld writes a literal's control characters as they are, where RDFC-1.0 (and the JavaScript reference) escape
# them, so a name holding one would hash differently here and there. Both of pyld's N-Quads writers (the output
# and the blank-node hashes) look `escape` up in pyld.nquads when they run: give them RDFC-1.0's.
nquads.escape = rdfc.escape

JsonObject = dict[str, Any]


class BundledLoader:
    """pyld document loader serving bundled contexts (plus `extra` ones a caller supplies), with its own
    context cache and canonicalizer (pyld's module-wide cache would let loaders see each other's contexts)."""

    def __init__(self, extra: Mapping[str, JsonObject] | None = None) -> None:
        self._extra = dict(extra or {})
        self.resolver = ContextResolver({}, self)
        self.canonicalize = Canonicalizer(to_rdf=self._to_rdf, slow=self._slow_canonicalize,
                                          terms=defined_terms([*schemas.CONTEXT_FILES, *self._extra], self))

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
        # pyld may annotate what it is handed; give it a copy so the cache stays pristine. The "static" tag
        # lets this loader's ContextResolver keep the processed context between documents.
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document), "tag": "static"}

    def serves(self, url: str) -> bool:
        """Whether `url` is a context this loader serves (bundled, or one of its `extra` ones)."""
        return url in self._extra or url in schemas.CONTEXT_FILES

    def _options(self) -> dict[str, Any]:
        return {"documentLoader": self, "contextResolver": self.resolver}

    def _to_rdf(self, doc: JsonObject) -> dict[str, Any]:
        """pyld's RDF dataset of `doc`; TooComplex before pyld starts on a document over bounds.DOCUMENT, or
        for a dataset over the limits of quads and blank nodes (badges.bounds)."""
        bounds.check_shape(doc, bounds.DOCUMENT)
        with _pyld_failures():
            dataset = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped).to_rdf(doc, self._options())
        bounds.check_dataset(dataset)
        return dataset

    def _slow_canonicalize(self, doc: JsonObject) -> str:
        """pyld's normalize (URDNA2015, N-Quads), as its steps: the dataset, then labelling under a work budget."""
        dataset = self._to_rdf(doc)
        with _pyld_failures():
            return bounds.BoundedURDNA2015(bounds.labelling_budget(dataset)).main(
                dataset, {"format": "application/n-quads"})


@contextmanager
def _pyld_failures() -> Iterator[None]:
    """pyld crashes on some hostile documents (e.g. a list holding a node with an invalid id) with
    TypeError and friends; report those as the JsonLdError they should have been."""
    try:
        yield
    except (TypeError, KeyError, AttributeError, ValueError, IndexError, RecursionError) as e:
        raise jsonld.JsonLdError(f"The document cannot be processed as JSON-LD ({type(e).__name__}).",
                                 "jsonld.ProcessingError") from e


def defined_terms(urls: list[str], loader: BundledLoader) -> frozenset[str]:
    """Every term the contexts at `urls` define, scoped ones included (see badges.rdfc)."""
    return frozenset().union(*(rdfc.context_terms(loader(url)["document"]) for url in urls))


BUNDLED = BundledLoader()


# pyld keeps module-wide caches (processed contexts, pyld.resolved_context) that two threads must not use at once,
# and badges.rdfc's shapes learn as they go: a cohort job's thread and a request in one process would race (seen as
# "OrderedDict mutated during iteration" and wrong output). One canonicalization at a time per process; the GIL
# runs this pure-Python work one thread at a time anyway.
_ONE_AT_A_TIME = threading.RLock()


def canonicalize(doc: JsonObject, *, loader: BundledLoader = BUNDLED) -> str:
    """RDFC-1.0 canonical N-Quads of `doc`; JsonLdError for unknown contexts, bad JSON-LD, or a property
    no context defines (it would silently fall out of what is signed: the reference's "safe mode"),
    bounds.TooComplex for a document whose processing would cost more than badges.bounds allows.
    Fast for documents whose shape was seen before (badges.rdfc), identical to pyld's output always."""
    with _ONE_AT_A_TIME:
        return loader.canonicalize(doc)


def canonical_nquads(doc: JsonObject, *, loader: BundledLoader = BUNDLED) -> bytes:
    """canonicalize(doc) as UTF-8, what a proof hashes (made as bytes: no text to encode);
    UnicodeEncodeError for a document holding text that is not Unicode (a lone surrogate)."""
    with _ONE_AT_A_TIME:
        return loader.canonicalize.encoded(doc)


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
    for i, url in enumerate(ctx if isinstance(ctx, list) else [ctx]):
        if isinstance(url, str) and not loader.serves(url):
            # the pointer indexes the document's own array (inline contexts included), or names a lone string
            raise InvalidInput("context.unknown", f"The context {url} is not supported; "
                               "use the VC 2.0 and Open Badges 3.0 contexts.",
                               path=f"/@context/{i}" if isinstance(ctx, list) else "/@context")
