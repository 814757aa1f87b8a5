"""SNRM/UA parameter negotiation field: defaults, widths, overrides, strict decoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.hdlc import (
    DEFAULT_MAX_INFO_FIELD_LENGTH,
    DEFAULT_WINDOW_SIZE,
    HdlcParameterId,
    HdlcParameters,
)
from conformance.errors import CodecError, IncompleteError

GREEN_BOOK_UA = bytes.fromhex("8180140502008006020080070400000001080400000001")


def test_defaults() -> None:
    p = HdlcParameters()
    assert (DEFAULT_MAX_INFO_FIELD_LENGTH, DEFAULT_WINDOW_SIZE) == (128, 1)
    assert p.effective_max_info_field_length_transmit == 128
    assert p.effective_max_info_field_length_receive == 128
    assert p.effective_window_size_transmit == 1
    assert p.effective_window_size_receive == 1
    assert p.to_bytes() == b"\x81\x80\x00"
    assert HdlcParameters.from_information(b"") == p
    assert HdlcParameters.decode(b"\x81\x80\x00") == p


def test_minimal_widths() -> None:
    p = HdlcParameters(max_info_field_length_transmit=0x9A, max_info_field_length_receive=0x100,
                       window_size_transmit=7, window_size_receive=1)
    assert p.to_bytes() == bytes.fromhex("81801305019A06020100070400000007080400000001")


def test_forced_widths_reproduce_two_octet_values() -> None:
    p = HdlcParameters(max_info_field_length_transmit=128, max_info_field_length_receive=128,
                       window_size_transmit=1, window_size_receive=1,
                       max_info_field_length_transmit_width=2,
                       max_info_field_length_receive_width=2)
    assert p.to_bytes() == GREEN_BOOK_UA
    assert HdlcParameters.decode(GREEN_BOOK_UA) == p


def test_forced_odd_widths_for_fault_injection() -> None:
    p = HdlcParameters(window_size_transmit=1, window_size_transmit_width=1,
                       max_info_field_length_receive_width=0)
    data = p.to_bytes()
    assert data == bytes.fromhex("81800506000701 01".replace(" ", ""))
    with pytest.raises(CodecError) as info:
        HdlcParameters.decode(data)  # a 1-octet window is not what IEC 62056-46 allows
    assert info.value.path == "HdlcParameters.window_size_transmit" and info.value.offset == 6


def test_zero_length_values_mean_defaults_and_reencode_exactly() -> None:
    data = bytes.fromhex("81801005000600070400000007080400000001")
    p = HdlcParameters.decode(data)
    assert p.max_info_field_length_transmit is None
    assert p.max_info_field_length_transmit_width == 0
    assert p.effective_max_info_field_length_transmit == 128
    assert p.effective_window_size_transmit == 7
    assert p.to_bytes() == data


def test_group_length_override() -> None:
    p = HdlcParameters(window_size_receive=3, group_length=0x20)
    data = p.to_bytes()
    assert data[:3] == b"\x81\x80\x20" and len(data) == 9
    with pytest.raises(IncompleteError) as info:
        HdlcParameters.decode(data)
    assert info.value.path == "HdlcParameters.group_length" and info.value.offset == 2
    short = HdlcParameters(window_size_receive=3, group_length=2).to_bytes()
    with pytest.raises(CodecError) as info:
        HdlcParameters.decode(short)
    assert not isinstance(info.value, IncompleteError)
    assert info.value.path == "HdlcParameters.group_length"


@pytest.mark.parametrize(("hex_", "path", "offset", "words"), [
    ("82800000", "HdlcParameters.format_identifier", 0, "0x82"),
    ("81810000", "HdlcParameters.group_identifier", 1, "0x81"),
    ("818003090100", "HdlcParameters.parameter_identifier", 3, "0x09"),
    ("818006050101050101", "HdlcParameters.max_info_field_length_transmit", 6, "repeated"),
    ("81800505030000FF", "HdlcParameters.max_info_field_length_transmit", 4, "3 octets"),
    ("818006080200010000", "HdlcParameters.window_size_receive", 4, "2 octets"),
])
def test_malformed_fields(hex_: str, path: str, offset: int, words: str) -> None:
    with pytest.raises(CodecError) as info:
        HdlcParameters.decode(bytes.fromhex(hex_))
    assert info.value.path == path and info.value.offset == offset
    assert words in info.value.message


def test_parameter_order_is_free_but_reencoded_ascending() -> None:
    data = bytes.fromhex("818009080400000002050180")
    p = HdlcParameters.decode(data)
    assert p.window_size_receive == 2 and p.max_info_field_length_transmit == 128
    assert p.to_bytes() == bytes.fromhex("818009050180080400000002")


def test_identifiers() -> None:
    assert [int(i) for i in HdlcParameterId] == [5, 6, 7, 8]


@pytest.mark.parametrize("kwargs", [
    {"max_info_field_length_transmit": 0x10000},
    {"max_info_field_length_transmit": 0x100, "max_info_field_length_transmit_width": 1},
    {"max_info_field_length_transmit": 5, "max_info_field_length_transmit_width": 0},
    {"max_info_field_length_receive_width": 2},
    {"window_size_receive": -1},
    {"window_size_receive": 1, "window_size_receive_width": 5},
    {"group_length": 256},
])
def test_unwritable_values_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        HdlcParameters(**kwargs)


def _param(max_width: int) -> st.SearchStrategy[tuple[int | None, int | None]]:
    return st.one_of(
        st.just((None, None)), st.just((None, 0)),
        st.tuples(st.integers(0, 0xFFFF), st.none()),
        st.integers(0, 0xFF).map(lambda v: (v, max_width)),
    )


@st.composite
def parameter_sets(draw: st.DrawFn) -> HdlcParameters:
    tx, tx_w = draw(_param(2))
    rx, rx_w = draw(_param(2))
    wtx, wtx_w = draw(st.one_of(st.just((None, None)), st.just((None, 0)),
                                st.tuples(st.integers(0, 0xFFFFFFFF), st.none())))
    wrx, wrx_w = draw(st.one_of(st.just((None, None)), st.just((None, 0)),
                                st.tuples(st.integers(0, 0xFFFFFFFF), st.none())))
    return HdlcParameters(
        max_info_field_length_transmit=tx, max_info_field_length_transmit_width=tx_w,
        max_info_field_length_receive=rx, max_info_field_length_receive_width=rx_w,
        window_size_transmit=wtx, window_size_transmit_width=wtx_w,
        window_size_receive=wrx, window_size_receive_width=wrx_w)


@given(parameter_sets())
def test_round_trip(p: HdlcParameters) -> None:
    data = p.to_bytes()
    assert data[2] == len(data) - 3
    assert HdlcParameters.decode(data) == p


@given(parameter_sets(), st.data())
def test_every_truncation_raises_a_codec_error(p: HdlcParameters, data: st.DataObject) -> None:
    encoded = p.to_bytes()
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(CodecError):
        HdlcParameters.decode(encoded[:cut])


@given(st.binary(max_size=30))
def test_arbitrary_octets_decode_exactly_or_raise_codec_error(data: bytes) -> None:
    for candidate in (data, b"\x81\x80" + bytes([len(data)]) + data):
        try:
            p = HdlcParameters.decode(candidate)
        except CodecError:
            continue
        assert HdlcParameters.decode(p.to_bytes()) == p
