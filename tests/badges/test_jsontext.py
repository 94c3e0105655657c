"""to_json: the fast JSON text used for stored documents and content-keyed caches never blurs two values."""
from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from badges.jsontext import to_json

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


def test_values_orjson_would_write_as_null_or_refuse_keep_their_own_text() -> None:
    texts = [to_json({"x": v}) for v in (None, math.inf, -math.inf, math.nan, 2**64, 2**64 + 1, 1, True, 1.0)]
    assert len(set(texts)) == len(texts)
    assert json.loads(to_json({"x": 2**70})) == {"x": 2**70}


def test_korean_text_is_written_as_utf8_not_escaped() -> None:
    assert to_json({"name": "김서연"}) == '{"name":"김서연"}'.encode()


@settings(max_examples=300, derandomize=True)
@given(VALUES)
def test_the_text_reads_back_as_the_same_value(value: object) -> None:
    assert _same(json.loads(to_json(value)), value)


@settings(max_examples=300, derandomize=True)
@given(VALUES, VALUES)
def test_two_values_share_a_text_only_when_they_are_the_same(a: object, b: object) -> None:
    assert to_json(a) != to_json(b) or _same(a, b)
    assert to_json(a) == to_json(json.loads(to_json(a)))  # and one value always gets the same text


def _same(a: object, b: object) -> bool:
    """Equal as JSON values: type-aware (True is not 1, 1 is not 1.0), infinities equal to themselves."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    return a == b
