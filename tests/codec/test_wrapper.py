"""IEC 62056-47 wrapper: the shared vectors, overrides, strict decoding, the deframer."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.hdlc import NEED_DATA, BytesDiscarded, FrameReceived
from conformance.codec.wrapper import (
    ALL_STATION_WPORT,
    HEADER_LENGTH,
    MANAGEMENT_LOGICAL_DEVICE_WPORT,
    PUBLIC_CLIENT_WPORT,
    WRAPPER_VERSION,
    WrapperDeframer,
    WrapperEvent,
    WrapperFrame,
    WrapperHeader,
)
from conformance.errors import CodecError, IncompleteError, LocalProtocolError
from tests.vectors import by_category, hexbytes

VECTORS = by_category("WRAPPER frame")
# First octet of the APDU a vector names (ACSE tags, IEC 62056-5-3 8.5); the APDU itself is
# decoded by the ACSE tests, here it is only checked as bytes.
APDU_TAGS = {"AARQ": 0x60, "AARE": 0x61, "RLRQ": 0x62, "RLRE": 0x63}


def test_the_category_is_present() -> None:
    assert len(VECTORS) == 4


@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    header = WrapperHeader.decode(data, check_version=False)
    assert header.version == exp["version"]
    assert header.source_wport == exp["source_wport"]
    assert header.destination_wport == exp["destination_wport"]
    assert header.length == exp["length"]
    assert (header.length == len(data) - HEADER_LENGTH) is exp["length_ok"]
    assert header.to_bytes() == data[:HEADER_LENGTH]
    frame = WrapperFrame.decode(data, check_version=False)
    assert frame.header == header
    assert frame.apdu == data[HEADER_LENGTH:]
    assert frame.to_bytes() == data
    if "apdu" in exp:
        assert frame.apdu[0] == APDU_TAGS[exp["apdu"]["apdu"]]
    result = exp.get("expected_result", "accept header")
    if result == "accept header":
        assert WrapperFrame.decode(data) == frame
        assert WrapperHeader.decode(data) == header
    else:
        assert result == "illegal version"
        for decode in (WrapperFrame.decode, WrapperHeader.decode):
            with pytest.raises(CodecError) as info:
                decode(data)
            assert info.value.offset == 0 and info.value.path.endswith(".version")
            assert "0x1001" in info.value.message


def test_constants() -> None:
    assert WRAPPER_VERSION == 1 and HEADER_LENGTH == 8
    assert (PUBLIC_CLIENT_WPORT, MANAGEMENT_LOGICAL_DEVICE_WPORT, ALL_STATION_WPORT) == (
        0x10, 0x01, 0x7F)


def test_encoding() -> None:
    frame = WrapperFrame(source_wport=0x10, destination_wport=0x01, apdu=b"\xc0\x01")
    assert frame.to_bytes() == bytes.fromhex("0001 0010 0001 0002 C001".replace(" ", ""))


def test_length_override_and_its_detection() -> None:
    frame = WrapperFrame(source_wport=1, destination_wport=1, apdu=b"\x63\x00", length=5)
    data = frame.to_bytes()
    assert data[6:8] == b"\x00\x05"
    with pytest.raises(IncompleteError) as info:
        WrapperFrame.decode(data)
    assert info.value.offset == 6 and info.value.path == "WrapperFrame.length"
    short = WrapperFrame(source_wport=1, destination_wport=1, apdu=b"\x63\x00", length=1)
    with pytest.raises(CodecError) as info:
        WrapperFrame.decode(short.to_bytes())
    assert not isinstance(info.value, IncompleteError)
    assert info.value.path == "WrapperFrame.length"


def test_version_override() -> None:
    frame = WrapperFrame(version=2, source_wport=1, destination_wport=1, apdu=b"\x01")
    data = frame.to_bytes()
    assert data[:2] == b"\x00\x02"
    with pytest.raises(CodecError):
        WrapperFrame.decode(data)
    assert WrapperFrame.decode(data, check_version=False) == frame


@pytest.mark.parametrize("kwargs", [{"version": 0x10000}, {"source_wport": -1},
                                    {"destination_wport": 0x10000}, {"length": 0x10000}])
def test_unwritable_values_are_refused(kwargs: dict[str, int]) -> None:
    base = {"source_wport": 1, "destination_wport": 1, **kwargs}
    with pytest.raises(ValueError):
        WrapperFrame(**base)


def test_apdu_too_long_for_the_length_field() -> None:
    with pytest.raises(ValueError):
        WrapperFrame(source_wport=1, destination_wport=1, apdu=bytes(0x10000))
    frame = WrapperFrame(source_wport=1, destination_wport=1, apdu=bytes(0x10000), length=0xFFFF)
    assert frame.to_bytes()[6:8] == b"\xff\xff"


wrapper_frames = st.builds(WrapperFrame, source_wport=st.integers(0, 0xFFFF),
                           destination_wport=st.integers(0, 0xFFFF),
                           apdu=st.binary(max_size=300))


@given(wrapper_frames)
def test_round_trip(frame: WrapperFrame) -> None:
    data = frame.to_bytes()
    assert len(data) == HEADER_LENGTH + len(frame.apdu)
    assert WrapperFrame.decode(data) == frame
    assert WrapperHeader.decode(data) == frame.header


@given(wrapper_frames, st.data())
def test_every_truncation_raises_a_codec_error(frame: WrapperFrame, data: st.DataObject) -> None:
    encoded = frame.to_bytes()
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(CodecError):
        WrapperFrame.decode(encoded[:cut])
    if cut < HEADER_LENGTH:
        with pytest.raises(IncompleteError):
            WrapperHeader.decode(encoded[:cut])


@given(st.binary(max_size=30))
def test_arbitrary_octets_decode_exactly_or_raise_codec_error(data: bytes) -> None:
    try:
        frame = WrapperFrame.decode(data)
    except CodecError:
        return
    assert frame.to_bytes() == data


# -- deframer ----------------------------------------------------------------------------------

STREAM_FRAMES = [hexbytes(v["hex"]) for v in VECTORS if v["expected"]["version"] == 1]


def run(chunks: list[bytes], *, eof: bool = False) -> list[WrapperEvent]:
    d = WrapperDeframer()
    events: list[WrapperEvent] = []
    for chunk in chunks:
        d.receive_data(chunk)
        while (event := d.next_event()) is not NEED_DATA:
            events.append(event)
    if eof:
        d.receive_eof()
        while (event := d.next_event()) is not NEED_DATA:
            events.append(event)
    return events


def test_deframer_whole_and_byte_by_byte() -> None:
    stream = b"".join(STREAM_FRAMES)
    for chunks in ([stream], [stream[i:i + 1] for i in range(len(stream))]):
        events = run(chunks)
        assert [e.raw for e in events if isinstance(e, FrameReceived)] == STREAM_FRAMES
        offsets = [e.offset for e in events]  # type: ignore[union-attr]
        assert offsets == list(itertools.accumulate([0, *map(len, STREAM_FRAMES[:-1])]))


@given(st.lists(wrapper_frames, max_size=6), st.lists(st.integers(0, 2000), max_size=10))
def test_deframer_random_pieces(frames: list[WrapperFrame], cuts: list[int]) -> None:
    stream = b"".join(f.to_bytes() for f in frames)
    bounds = sorted({0, len(stream), *(c for c in cuts if c <= len(stream))})
    events = run([stream[a:b] for a, b in itertools.pairwise(bounds)], eof=True)
    assert [e.frame for e in events if isinstance(e, FrameReceived)] == frames
    assert all(isinstance(e, FrameReceived) for e in events)


def test_illegal_version_is_discarded_and_the_stream_continues() -> None:
    bad = hexbytes(next(v["hex"] for v in VECTORS if v["expected"]["version"] == 0x1001))
    stream = STREAM_FRAMES[0] + bad + STREAM_FRAMES[1]
    events = run([stream])
    assert len(events) == 3
    assert isinstance(events[1], BytesDiscarded)
    assert events[1].data == bad and events[1].offset == len(STREAM_FRAMES[0])
    assert events[1].error.offset == len(STREAM_FRAMES[0])
    assert events[1].error.path == "WrapperFrame.version"
    assert isinstance(events[2], FrameReceived) and events[2].raw == STREAM_FRAMES[1]


def test_deframer_end_of_stream() -> None:
    d = WrapperDeframer()
    d.receive_data(STREAM_FRAMES[0][:5])
    assert d.next_event() is NEED_DATA
    assert d.buffered == 5
    d.receive_data(STREAM_FRAMES[0][5:12])
    assert d.next_event() is NEED_DATA
    d.receive_eof()
    event = d.next_event()
    assert isinstance(event, BytesDiscarded) and isinstance(event.error, IncompleteError)
    assert event.data == STREAM_FRAMES[0][:12] and event.offset == 0
    assert d.next_event() is NEED_DATA and d.buffered == 0
    with pytest.raises(LocalProtocolError):
        d.receive_data(b"\x00")
