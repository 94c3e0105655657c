"""Resolving did:web documents, status list credentials and other issuers' documents over HTTP, with a
short-lived cache shared by the threads of a process."""
from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from contextlib import suppress

from cachetools import TLRUCache

from badges import dids
from badges.errors import BadgeError
from badges.fetch import FetchBudget, FetchPolicy, Gone, fetch
from badges.jsonld import JsonObject
from badges.jsontext import from_json
from badges.report import STATUS_RETRIEVAL, CheckUndecided

DID_RESOLUTION = "https://www.w3.org/TR/did-resolution#"
DOCUMENT_RETRIEVAL = "about:blank"
# What the cache of fetched documents may hold, counted as the bytes of the responses and their URLs plus ENTRY_BYTES
# for each entry (a parsed document takes a few times its text): a count of entries alone let 1,024 documents of
# 512 KB each stay in a process. Issuers' DID documents and status lists are a few KB: thousands fit.
MAX_CACHED_BYTES = 16 * 1024 * 1024
ENTRY_BYTES = 1_024


class HttpResolver:
    """A Resolver (badges.verify) that fetches over the network under a FetchPolicy."""

    def __init__(self, policy: FetchPolicy, *, did_web_scheme: str = "https", ttl_s: float = 300.0,
                 max_bytes: int = MAX_CACHED_BYTES, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.did_web_scheme = did_web_scheme
        self._ttl = ttl_s
        # (seconds to keep, document, bytes it counts for) by URL; each entry lives as long as its own response
        # allows, and the least recently used go first when full (one over max_bytes is not kept at all).
        # cachetools caches are not thread-safe: every use holds _lock.
        self._cache: TLRUCache[str, tuple[float, JsonObject, int]] = TLRUCache(
            max_bytes, _expiry, timer=clock, getsizeof=lambda entry: entry[2])
        self._lock = threading.Lock()
        self.budget: FetchBudget | None = None  # what every fetch is charged to (see spending)

    def spending(self) -> HttpResolver:
        """This resolver for one verification: the same cache, and every fetch charged to one new budget of the
        policy's (FetchPolicy.budget), so that all the documents one verification asks for, status lists,
        did:web documents, OB 2.0 documents and a CLR's credentials alike, cost a bounded time in all."""
        view = copy.copy(self)  # the cache and its lock are shared
        view.budget = self.policy.budget()
        return view

    def did_document(self, did: str) -> JsonObject:
        """The DID document of a did:web, or CheckUndecided saying why it could not be had."""
        try:
            return self._get(dids.did_web_url(did, scheme=self.did_web_scheme), "application/did+json")
        except BadgeError as e:
            raise CheckUndecided(DID_RESOLUTION + "notFound", "issuer_key.unresolvable",
                                 f"The issuer's DID document could not be retrieved: {e.detail}") from None

    def status_list(self, url: str) -> JsonObject:
        """The status list credential at `url`, or CheckUndecided (STATUS_RETRIEVAL_ERROR)."""
        try:
            return self._get(url, "application/vc+ld+json, application/json")
        except BadgeError as e:
            raise CheckUndecided(STATUS_RETRIEVAL, "status.unreachable",
                                 f"The status list could not be retrieved: {e.detail}") from None

    def document(self, url: str) -> JsonObject:
        """Any other JSON document a check needs (an OB 2.0 assertion, BadgeClass, Issuer, key or revocation
        list); CheckUndecided with code `document.gone` for 410 Gone, `document.unreachable` otherwise."""
        try:
            return self._get(url, "application/ld+json, application/json")
        except BadgeError as e:
            code = "document.gone" if isinstance(e, Gone) else "document.unreachable"
            raise CheckUndecided(STATUS_RETRIEVAL if code == "document.gone" else DOCUMENT_RETRIEVAL, code,
                                 f"{url} could not be retrieved: {e.detail}") from None

    def _get(self, url: str, accept: str) -> JsonObject:
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None:
            return cached[1]
        fetched = fetch(url, policy=self.policy, accept=accept, budget=self.budget)  # not under the lock: other URLs need not wait
        try:
            document = from_json(fetched.body)
        except (ValueError, RecursionError):
            raise CheckUndecided(STATUS_RETRIEVAL, "fetch.not_json", f"{url} did not return JSON.") from None
        if not isinstance(document, dict):
            raise CheckUndecided(STATUS_RETRIEVAL, "fetch.not_json", f"{url} did not return a JSON object.")
        if not fetched.no_store:
            ttl = min(self._ttl, fetched.max_age) if fetched.max_age is not None else self._ttl
            with self._lock, suppress(ValueError):  # ValueError: too large to keep
                self._cache[url] = (ttl, document, len(fetched.body) + len(url) + ENTRY_BYTES)
        return document


def _expiry(_url: str, entry: tuple[float, JsonObject, int], now: float) -> float:
    """When a cached entry goes stale: its own time to keep from now (an entry of 0 s is not kept at all)."""
    return now + entry[0]
