"""to_json never blurs two values (stored documents, content-keyed caches); from_json reads what json.loads reads."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.jsontext import from_json, to_json

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
EDGES = st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -2**63, -2**63 - 1, 10**18, -10**18, 10**19, -10**19])
ANY_SCALARS = st.none() | st.booleans() | st.integers() | EDGES | st.floats() | st.text()
ANY_VALUES = st.recursive(ANY_SCALARS, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
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
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)  # type: ignore[arg-type]
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    return a == b


def _read(read: object, text: bytes | str) -> tuple[str, object]:
    try:
        value = read(text)  # type: ignore[operator]
    except (ValueError, RecursionError) as e:
        return "error", f"{type(e).__name__}: {e}"
    if read is json.loads and _holds_lone_surrogate(value):
        return "error", "ValueError: it holds a lone UTF-16 surrogate (such as \\ud800), which is not Unicode text"
    return "value", value


def _holds_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(_holds_lone_surrogate(k) or _holds_lone_surrogate(v) for k, v in value.items())
    return isinstance(value, list) and any(_holds_lone_surrogate(v) for v in value)


@settings(max_examples=500, derandomize=True)
@given(ANY_VALUES, st.booleans(), st.sampled_from(["", " ", "\ufeff", "\n"]))
def test_from_json_reads_every_json_text_as_json_loads_does_but_lone_surrogates(value: object, ascii_only: bool, around: str) -> None:
    text = around + json.dumps(value, ensure_ascii=ascii_only) + around  # NaN, big integers, lone surrogates...
    for given_as in (text, text.encode("utf-8", errors="surrogatepass")):
        (kind, ours), (expected_kind, theirs) = _read(from_json, given_as), _read(json.loads, given_as)
        assert kind == expected_kind
        assert _same(ours, theirs) if kind == "value" else ours == theirs


@settings(max_examples=500, derandomize=True)
@given(st.binary(max_size=40) | st.text(alphabet='{}[]":,0123456789.eE+-tfnrul \\ud800', max_size=40))
def test_from_json_refuses_what_json_loads_refuses_with_the_same_error(text: bytes | str) -> None:
    (kind, ours), (expected_kind, theirs) = _read(from_json, text), _read(json.loads, text)
    assert kind == expected_kind
    assert _same(ours, theirs) if kind == "value" else ours == theirs


def test_integers_past_64_bits_stay_integers() -> None:
    for n in (2**64 - 1, 2**64, -2**63, -2**63 - 1, 10**30, -10**30):
        assert _same(from_json(f'{{"n": {n}}}'), {"n": n})


def test_a_lone_surrogate_is_refused_and_a_pair_is_read() -> None:
    with pytest.raises(ValueError, match="lone UTF-16 surrogate"):
        from_json('{"name": "\\ud800"}')
    assert from_json('{"name": "\\ud83d\\ude00"}') == {"name": "\U0001f600"}
