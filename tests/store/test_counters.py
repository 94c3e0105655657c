"""Rate-limit counters in the database: one atomic increment per hit, on both databases."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from store.counters import DatabaseStorage
from store.db import make_engine


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def storage(database_url: str) -> Iterator[DatabaseStorage]:
    engine = make_engine(database_url)
    storage = DatabaseStorage(engine, clock=Clock())
    yield storage
    storage.reset()
    engine.dispose()


def test_parallel_increments_each_get_a_count_of_their_own(storage: DatabaseStorage) -> None:
    key, n = f"race/{uuid.uuid4().hex}", 16
    start, counts = threading.Barrier(n), [0] * n

    def hit(i: int) -> None:
        start.wait()
        counts[i] = storage.incr(key, 60)

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(counts) == list(range(1, n + 1))
    assert storage.get(key) == n


def test_a_window_that_ended_counts_from_one_again(storage: DatabaseStorage) -> None:
    clock: Clock = storage._clock  # type: ignore[assignment]
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get_expiry("k") == 1060.0
    clock.now = 1060.0
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1 and storage.get_expiry("k") == 1120.0


def test_clearing_a_key_forgets_its_count_only(storage: DatabaseStorage) -> None:
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert (storage.get("a"), storage.get("b")) == (0, 1)
    assert storage.check()
