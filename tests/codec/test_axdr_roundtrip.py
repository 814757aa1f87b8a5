"""Hypothesis round trips for every Data type, and robustness against arbitrary bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr import (
    Data,
    DataTag,
    decode_data,
    encode_data,
    read_data,
    write_data,
)
from conformance.errors import CodecError, IncompleteError
from tests.strategies import data_values, simple_values_of

ALL_SIMPLE = sorted(set(DataTag) - {DataTag.ARRAY, DataTag.STRUCTURE, DataTag.COMPACT_ARRAY})


@pytest.mark.parametrize("tag", ALL_SIMPLE, ids=lambda t: t.type_name)
@settings(max_examples=60)
@given(data=st.data())
def test_every_simple_type_round_trips(tag: DataTag, data: st.DataObject) -> None:
    value = data.draw(simple_values_of(tag))
    raw = encode_data(value)
    assert raw[0] == tag
    assert decode_data(raw) == value
    assert encode_data(decode_data(raw)) == raw


@given(data_values())
def test_any_value_round_trips(value: Data) -> None:
    raw = encode_data(value)
    assert decode_data(raw) == value
    assert encode_data(decode_data(raw)) == raw
    # Inside a larger buffer, read_data consumes exactly the value.
    w = Writer()
    w.push_bytes(b"\xaa")
    write_data(w, value)
    w.push_bytes(b"\xbb")
    r = Reader(w.getvalue(), start=1)
    assert read_data(r) == value and r.remaining() == 1


@settings(max_examples=50)
@given(data_values(max_leaves=6))
def test_every_truncation_is_incomplete(value: Data) -> None:
    raw = encode_data(value)
    for cut in range(len(raw)):
        with pytest.raises(IncompleteError):
            decode_data(raw[:cut])


@settings(max_examples=400)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_raise_codec_errors_only(raw: bytes) -> None:
    try:
        value = decode_data(raw)
    except CodecError as exc:
        assert exc.offset is not None and 0 <= exc.offset <= len(raw)
    else:
        # Whatever decodes must re-encode to something that decodes to the same value.
        assert decode_data(encode_data(value)) == value


@settings(max_examples=200)
@given(data_values(max_leaves=6), st.data())
def test_mutated_encodings_raise_codec_errors_only(value: Data, data: st.DataObject) -> None:
    raw = bytearray(encode_data(value))
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] = data.draw(st.integers(0, 255))
    try:
        mutated = decode_data(bytes(raw))
    except CodecError as exc:
        assert exc.offset is not None and 0 <= exc.offset <= len(raw)
    else:
        # Compared as octets: a mutation may produce a NaN float, which is never == itself.
        again = encode_data(mutated)
        assert encode_data(decode_data(again)) == again
