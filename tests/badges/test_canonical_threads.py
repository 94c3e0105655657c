"""Canonicalization from several threads of one process (a cohort job's thread beside a request) gives what it
gives alone: pyld's context caches and badges.rdfc's shapes are used one thread at a time (badges.jsonld)."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from badges import jsonld
from badges.jsonld import BundledLoader
from tests.badges.test_rdfc import credential, service_credential


def documents() -> list[dict[str, Any]]:
    """Shapes a fresh loader has not seen: each is learned by pyld while other threads fill templates."""
    docs: list[dict[str, Any]] = []
    for n in range(12):
        docs.append(service_credential(n))
        docs.append(credential(name=f"과정 {n}", email=f"p{n}@example.kr"))
        varied = service_credential(n)
        varied["credentialSubject"]["achievement"]["tag"] = [f"t{i}" for i in range(n % 5 + 1)]  # a new shape
        docs.append(varied)
    return docs


@contextmanager
def switching_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over as often as Python allows, so the threads interleave
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_eight_threads_canonicalize_as_one_thread_does() -> None:
    docs = documents()
    alone = [jsonld.canonical_nquads(doc, loader=BundledLoader()) for doc in docs]
    shared = BundledLoader()  # nothing learned yet: pyld runs in every thread
    with switching_often(), ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda doc: jsonld.canonical_nquads(doc, loader=shared), docs))
    assert together == alone


def test_two_canonicalizations_never_run_at_once_in_one_process() -> None:
    loader = BundledLoader()
    inside: list[int] = []
    most = 0
    real = loader.canonicalize

    class Watched:
        """The loader's canonicalizer, counting how many threads are inside it (a sleep lets others try)."""

        def __call__(self, doc: dict[str, Any]) -> str:
            return self.encoded(doc).decode()

        def encoded(self, doc: dict[str, Any]) -> bytes:
            nonlocal most
            inside.append(1)
            most = max(most, len(inside))
            time.sleep(0.005)
            try:
                return real.encoded(doc)
            finally:
                inside.pop()

    loader.canonicalize = Watched()  # type: ignore[assignment]
    docs = documents()[:16]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda doc: jsonld.canonical_nquads(doc, loader=loader), docs))
        list(pool.map(lambda doc: jsonld.canonicalize(doc, loader=loader), docs))
    assert most == 1
