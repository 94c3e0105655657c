from __future__ import annotations

import base64
import gzip
import tracemalloc

import pytest

from badges.errors import InvalidInput
from badges.status import (
    DEFAULT_LENGTH,
    decode_list,
    encode_list,
    get_bit,
    index_from_entry,
    new_list,
    set_bit,
    status_entry,
    status_list_subject,
)

# From the "Example BitstringStatusListCredential" in Bitstring Status List v1.0: 16 KB of zeros.
SPEC_ENCODED_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
LIST_URL = "https://badges.example.org/status/3"


def multibase_gzip(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(data, mtime=0)).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def gzip_bomb() -> str:
    return multibase_gzip(bytes(100 * 1024 * 1024))  # 100 MB of zeros, about 100 KB compressed


def test_decode_list_reads_the_specs_example_as_an_empty_list_of_the_minimum_length() -> None:
    bits = decode_list(SPEC_ENCODED_LIST)
    assert len(bits) * 8 == DEFAULT_LENGTH
    assert not any(bits)


def test_encode_list_of_a_new_list_matches_the_specs_example_byte_for_byte() -> None:
    assert encode_list(new_list()) == SPEC_ENCODED_LIST


def test_encode_then_decode_returns_the_same_bits() -> None:
    bits = new_list(DEFAULT_LENGTH * 2)
    for index in (0, 7, 8, 94_567, DEFAULT_LENGTH * 2 - 1):
        set_bit(bits, index, True)
    decoded = decode_list(encode_list(bits))
    assert decoded == bits
    assert [i for i in range(len(decoded) * 8) if get_bit(decoded, i)] == [0, 7, 8, 94_567, DEFAULT_LENGTH * 2 - 1]


@pytest.mark.parametrize(("index", "byte", "value"), [(0, 0, 0x80), (7, 0, 0x01), (8, 1, 0x80), (13, 1, 0x04)])
def test_set_bit_counts_from_the_most_significant_bit_of_the_first_byte(index: int, byte: int, value: int) -> None:
    bits = new_list()
    set_bit(bits, index, True)
    assert bits[byte] == value and sum(bits) == value
    assert get_bit(bits, index)


def test_set_bit_false_clears_only_that_bit() -> None:
    bits = new_list()
    bits[0] = 0xFF
    set_bit(bits, 3, False)
    assert bits[0] == 0b1110_1111
    assert not get_bit(bits, 3) and get_bit(bits, 4)


@pytest.mark.parametrize("index", [-1, DEFAULT_LENGTH])
def test_an_index_outside_the_list_is_a_range_error(index: int) -> None:
    bits = new_list()
    for attempt in (lambda: get_bit(bits, index), lambda: set_bit(bits, index, True)):
        with pytest.raises(InvalidInput) as e:
            attempt()
        assert e.value.code == "status.index_out_of_range"


def test_decode_list_refuses_a_gzip_bomb_without_inflating_it(gzip_bomb: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as e:
            decode_list(gzip_bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.value.code == "status.list_too_large"
    assert peak < 40 * 1024 * 1024  # the 16 MB cap plus slack, far below the bomb's 100 MB


def test_decode_list_applies_the_given_cap_across_gzip_members() -> None:
    two_members = gzip.compress(bytes(16_384), mtime=0) * 2
    encoded = "u" + base64.urlsafe_b64encode(two_members).rstrip(b"=").decode()
    assert len(decode_list(encoded)) == 32_768
    with pytest.raises(InvalidInput) as e:
        decode_list(encoded, max_bytes=20_000)
    assert e.value.code == "status.list_too_large"


@pytest.mark.parametrize("encoded", [
    SPEC_ENCODED_LIST[1:],  # no multibase prefix
    "z" + SPEC_ENCODED_LIST[1:],  # base58btc prefix
    "U" + SPEC_ENCODED_LIST[1:],
    SPEC_ENCODED_LIST + "==",  # padding
    SPEC_ENCODED_LIST.replace("-", "+"),  # base64, not base64url
    "u",
    "uA",  # impossible base64 length
    SPEC_ENCODED_LIST[:-8],  # truncated GZIP
    "u" + base64.urlsafe_b64encode(b"plain bytes, not gzip").rstrip(b"=").decode(),
    multibase_gzip(bytes(16_384)) + "AAAA",  # trailing bytes that are not a GZIP member
])
def test_decode_list_refuses_malformed_lists(encoded: str) -> None:
    with pytest.raises(InvalidInput) as e:
        decode_list(encoded)
    assert e.value.code == "status.list_malformed"


def test_new_list_defaults_to_the_spec_minimum_and_refuses_less() -> None:
    assert new_list() == bytearray(16_384)
    with pytest.raises(ValueError):
        new_list(DEFAULT_LENGTH - 8)
    with pytest.raises(ValueError):
        new_list(DEFAULT_LENGTH + 1)


def test_encode_list_refuses_a_list_shorter_than_the_spec_minimum() -> None:
    with pytest.raises(ValueError):
        encode_list(bytes(100))


def test_status_entry_is_a_bitstring_status_list_entry() -> None:
    assert status_entry(list_url=LIST_URL, index=94_567) == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    assert status_entry(list_url=LIST_URL, index=0, purpose="suspension")["statusPurpose"] == "suspension"


def test_status_list_subject_carries_the_encoded_bits() -> None:
    bits = new_list()
    set_bit(bits, 42, True)
    subject = status_list_subject(list_url=LIST_URL, purpose="revocation", bits=bits)
    assert {k: v for k, v in subject.items() if k != "encodedList"} == {
        "id": f"{LIST_URL}#list", "type": "BitstringStatusList", "statusPurpose": "revocation"}
    assert get_bit(decode_list(subject["encodedList"]), 42)


def test_index_from_entry_reads_a_status_entry_it_built() -> None:
    assert index_from_entry(status_entry(list_url=LIST_URL, index=131_071)) == 131_071
    assert index_from_entry({"statusListIndex": "0"}) == 0


@pytest.mark.parametrize("value", ["-1", "1.5", "0x10", "", " 7", "1e3", "١٢", "9" * 5000, 12, None])
def test_index_from_entry_refuses_anything_but_a_base_10_string(value: object) -> None:
    with pytest.raises(InvalidInput) as e:
        index_from_entry({"statusListIndex": value})
    assert e.value.code == "status.index_malformed"


@pytest.mark.parametrize("entry", [{}, [], "94567"])
def test_index_from_entry_refuses_an_entry_without_an_index(entry: object) -> None:
    with pytest.raises(InvalidInput):
        index_from_entry(entry)  # type: ignore[arg-type]
