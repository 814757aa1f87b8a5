"""HDLC addresses: encoding per size, range validation, malformed octets, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec._buffer import Reader
from conformance.codec.hdlc import (
    ALL_STATION,
    ALL_STATION_EXTENDED,
    CALLING,
    CALLING_EXTENDED,
    CLIENT_MANAGEMENT_PROCESS,
    MANAGEMENT_LOGICAL_DEVICE,
    NO_STATION,
    PUBLIC_CLIENT,
    HdlcAddress,
)
from conformance.errors import CodecError, IncompleteError

addresses = st.one_of(
    st.builds(HdlcAddress.client, st.integers(0, 0x7F)),
    st.builds(HdlcAddress.server, st.integers(0, 0x7F), st.integers(0, 0x7F),
              size=st.just(2)),
    st.builds(HdlcAddress.server, st.integers(0, 0x3FFF), st.integers(0, 0x3FFF),
              size=st.just(4)),
)


def test_reserved_addresses() -> None:
    assert (NO_STATION, CLIENT_MANAGEMENT_PROCESS, PUBLIC_CLIENT) == (0x00, 0x01, 0x10)
    assert MANAGEMENT_LOGICAL_DEVICE == 0x01
    assert (CALLING, ALL_STATION) == (0x7E, 0x7F)
    assert (CALLING_EXTENDED, ALL_STATION_EXTENDED) == (0x3FFE, 0x3FFF)
    assert HdlcAddress.client(PUBLIC_CLIENT).to_bytes() == b"\x21"
    assert HdlcAddress.client(ALL_STATION).to_bytes() == b"\xff"
    assert HdlcAddress.server(ALL_STATION, ALL_STATION).to_bytes() == b"\xfe\xff"
    assert HdlcAddress.server(ALL_STATION_EXTENDED, CALLING_EXTENDED).to_bytes() == (
        b"\xfe\xfe\xfe\xfd")


def test_field_trace_example_from_the_notes() -> None:
    # dlms-notes: "00 02 00 21 = logical 1, physical 16".
    addr = HdlcAddress.from_bytes(bytes.fromhex("00020021"))
    assert (addr.upper, addr.lower, addr.size) == (1, 16, 4)


@pytest.mark.parametrize(("upper", "lower", "size"), [
    (5, None, 1), (1, 17, 2), (0x80, 1, 4), (1, 0x80, 4), (0x3FFF, 0x3FFF, 4)])
def test_size_is_chosen_minimal(upper: int, lower: int | None, size: int) -> None:
    addr = HdlcAddress(upper=upper, lower=lower)
    assert addr.size == size
    assert len(addr.to_bytes()) == size


def test_explicit_size_is_kept() -> None:
    addr = HdlcAddress.server(1, 17, size=4)
    assert addr.to_bytes() == bytes.fromhex("00020023")
    assert addr != HdlcAddress.server(1, 17)


@pytest.mark.parametrize("kwargs", [
    {"upper": 0x80},
    {"upper": -1},
    {"upper": 1, "lower": 0x80, "size": 2},
    {"upper": 0x80, "lower": 1, "size": 2},
    {"upper": 0x4000, "lower": 1},
    {"upper": 1, "lower": 0x4000, "size": 4},
    {"upper": 1, "size": 2},
    {"upper": 1, "lower": 2, "size": 1},
    {"upper": 1, "lower": 2, "size": 3},
    {"upper": 1, "size": 0},
])
def test_out_of_range_values_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        HdlcAddress(**kwargs)


def test_three_octet_address_is_a_codec_error() -> None:
    with pytest.raises(CodecError) as info:
        HdlcAddress.from_bytes(bytes.fromhex("020223"))
    assert "3 octets" in info.value.message
    assert info.value.offset == 0 and info.value.path == "address"


def test_address_without_terminating_bit_is_a_codec_error() -> None:
    with pytest.raises(CodecError) as info:
        HdlcAddress.from_bytes(bytes.fromhex("0002002200"))
    assert not isinstance(info.value, IncompleteError)
    assert "terminating" in info.value.message


def test_address_cut_short_is_incomplete() -> None:
    for data in (b"", b"\x02", b"\x00\x02", b"\x00\x02\x00"):
        with pytest.raises(IncompleteError):
            HdlcAddress.from_bytes(data)


def test_trailing_octets_after_an_address() -> None:
    with pytest.raises(CodecError):
        HdlcAddress.from_bytes(b"\x03\x03")


def test_decode_reports_absolute_offset_and_path() -> None:
    r = Reader(bytes.fromhex("AAAA020202"), start=2, base=100, path="HdlcFrame")
    with pytest.raises(CodecError) as info:
        HdlcAddress.decode(r, "destination")
    assert info.value.offset == 102
    assert info.value.path == "HdlcFrame.destination"


@given(addresses)
def test_round_trip(addr: HdlcAddress) -> None:
    data = addr.to_bytes()
    assert len(data) == addr.size
    assert [b & 1 for b in data] == [0] * (len(data) - 1) + [1]
    assert HdlcAddress.from_bytes(data) == addr


@given(st.binary(max_size=6))
def test_arbitrary_octets_decode_or_raise_codec_error(data: bytes) -> None:
    try:
        addr = HdlcAddress.from_bytes(data)
    except CodecError:
        return
    assert addr.to_bytes() == data
