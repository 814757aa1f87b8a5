"""The sans-IO HDLC deframer: the 26-frame jDLMS session fed whole, byte by byte and in
random pieces, flags shared and repeated, garbage between frames, 0x7E inside frames,
corrupted frames discarded with the reason and the stream resynchronised."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.crc import fcs16
from conformance.codec.hdlc import (
    FLAG,
    MAX_GARBAGE,
    NEED_DATA,
    BytesDiscarded,
    FrameReceived,
    HdlcAddress,
    HdlcControl,
    HdlcDeframer,
    HdlcEvent,
    HdlcFrame,
)
from conformance.errors import ChecksumError, CodecError, IncompleteError, LocalProtocolError
from tests.vectors import hexbytes, vector

SESSION = [hexbytes(h) for h in vector("hdlc-fcs-26-frame-session-jdlms")["hex"]]
FLAG_B = bytes([FLAG])
STREAM = b"".join(FLAG_B + f + FLAG_B for f in SESSION)  # separate flags
SHARED = FLAG_B + FLAG_B.join(SESSION) + FLAG_B  # one flag between frames


def drain(d: HdlcDeframer) -> list[HdlcEvent]:
    events: list[HdlcEvent] = []
    while (event := d.next_event()) is not NEED_DATA:
        events.append(event)
    return events


def run(chunks: Iterable[bytes], *, eof: bool = False) -> list[HdlcEvent]:
    d = HdlcDeframer()
    events: list[HdlcEvent] = []
    for chunk in chunks:
        d.receive_data(chunk)
        events += drain(d)
    if eof:
        d.receive_eof()
        events += drain(d)
        assert d.buffered == 0
    return events


def pieces(stream: bytes, cuts: list[int]) -> list[bytes]:
    """``stream`` split at the positions ``cuts`` (those beyond its end are ignored)."""
    bounds = sorted({0, len(stream), *(c for c in cuts if c <= len(stream))})
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


def frames_of(events: list[HdlcEvent]) -> list[bytes]:
    return [e.raw for e in events if isinstance(e, FrameReceived)]


def discards_of(events: list[HdlcEvent]) -> list[BytesDiscarded]:
    return [e for e in events if isinstance(e, BytesDiscarded)]


def check_coverage(stream: bytes, events: list[HdlcEvent]) -> None:
    """Events cover disjoint, increasing ranges; every octet not covered is a flag."""
    covered = bytearray(len(stream))
    last = 0
    for e in events:
        data = e.raw if isinstance(e, FrameReceived) else e.data  # type: ignore[union-attr]
        assert e.offset >= last  # type: ignore[union-attr]
        assert stream[e.offset:e.offset + len(data)] == data  # type: ignore[union-attr]
        covered[e.offset:e.offset + len(data)] = b"\x01" * len(data)  # type: ignore[union-attr]
        last = e.offset + len(data)  # type: ignore[union-attr]
    assert all(c or b == FLAG for b, c in zip(stream, covered, strict=True))


@pytest.mark.parametrize("stream", [STREAM, SHARED], ids=["separate-flags", "shared-flags"])
def test_session_whole(stream: bytes) -> None:
    events = run([stream])
    assert frames_of(events) == SESSION
    assert not discards_of(events)
    check_coverage(stream, events)
    for e, raw in zip(events, SESSION, strict=True):
        assert isinstance(e, FrameReceived)
        assert e.frame == HdlcFrame.decode(raw)
        assert stream[e.offset - 1] == FLAG


@pytest.mark.parametrize("stream", [STREAM, SHARED], ids=["separate-flags", "shared-flags"])
def test_session_byte_by_byte(stream: bytes) -> None:
    events = run(stream[i:i + 1] for i in range(len(stream)))
    assert frames_of(events) == SESSION
    assert not discards_of(events)


def test_frames_are_delivered_as_soon_as_their_closing_flag_arrives() -> None:
    d = HdlcDeframer()
    first = FLAG_B + SESSION[0] + FLAG_B
    d.receive_data(first[:-1])
    assert d.next_event() is NEED_DATA
    d.receive_data(FLAG_B)
    event = d.next_event()
    assert isinstance(event, FrameReceived) and event.raw == SESSION[0] and event.offset == 1
    assert d.next_event() is NEED_DATA
    assert d.offset == len(first)


@given(st.lists(st.integers(0, len(SHARED)), max_size=40), st.booleans())
def test_session_in_random_pieces(cuts: list[int], shared: bool) -> None:
    stream = SHARED if shared else STREAM
    events = run(pieces(stream, cuts))
    assert frames_of(events) == SESSION
    assert not discards_of(events)


def test_repeated_flags() -> None:
    stream = FLAG_B * 3 + (FLAG_B * 4).join(SESSION[:5]) + FLAG_B * 2
    events = run([stream])
    assert frames_of(events) == SESSION[:5] and not discards_of(events)
    assert run([FLAG_B * 10]) == []


@given(st.lists(st.binary(max_size=30), min_size=len(SESSION), max_size=len(SESSION)),
       st.lists(st.integers(0, 2000), max_size=10))
def test_garbage_between_frames(garbage: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(g + FLAG_B + f + FLAG_B for g, f in zip(garbage, SESSION, strict=True))
    events = run(pieces(stream, cuts), eof=True)
    assert frames_of(events) == SESSION
    check_coverage(stream, events)
    for d in discards_of(events):
        assert isinstance(d.error, CodecError)
        # The error may point past the discarded octets: a would-be frame header is read
        # across the next flag before it is rejected.
        assert d.error.offset is not None and d.offset <= d.error.offset < len(stream) + 1


def test_garbage_is_reported_with_its_offset() -> None:
    stream = b"\x00\x11\x22" + FLAG_B + SESSION[0] + FLAG_B + b"\x33\x44" + FLAG_B + SESSION[1]
    stream += FLAG_B
    events = run([stream])
    assert frames_of(events) == SESSION[:2]
    first, second = discards_of(events)
    assert (first.data, first.offset, first.error.offset) == (b"\x00\x11\x22", 0, 0)
    assert "outside any frame" in first.error.message
    assert second.data == b"\x33\x44" and second.offset == 4 + len(SESSION[0]) + 1
    assert second.error.path == "HdlcFrame.format"  # it was tried as a frame: format 0x3


def _frame_with_flag_octets() -> list[HdlcFrame]:
    """Frames whose information field, HCS and FCS contain 0x7E."""
    server, client = HdlcAddress.server(1, 17), HdlcAddress.client(0x10)
    out = [HdlcFrame(destination=server, source=client, control=HdlcControl.i_frame(1, 2),
                     information=b"\x7e" * 8)]
    found = {"hcs": False, "fcs_low": False, "fcs_high": False}
    for i in range(20000):
        # The HCS covers format (length), addresses and control: vary those too.
        frame = HdlcFrame(destination=server, source=client,
                          control=HdlcControl.i_frame(i % 8, (i // 8) % 8),
                          information=b"\xe6\xe6\x00\x7e" + i.to_bytes(3, "big")
                          + bytes((i // 64) % 32))
        data = frame.to_bytes(flags=False)
        h = frame.header_length
        for key, hit in (("hcs", FLAG in data[h:h + 2]), ("fcs_low", data[-2] == FLAG),
                         ("fcs_high", data[-1] == FLAG)):
            if hit and not found[key]:
                found[key] = True
                out.append(frame)
        if all(found.values()):
            break
    assert all(found.values())
    assert any(fcs16(f.to_bytes(flags=False)[:-2]) >> 8 == FLAG for f in out)
    return out


FLAGGY = _frame_with_flag_octets()


def test_flag_octets_inside_frames() -> None:
    raws = [f.to_bytes(flags=False) for f in FLAGGY]
    stream = FLAG_B + FLAG_B.join(raws) + FLAG_B
    for chunks in ([stream], [stream[i:i + 1] for i in range(len(stream))]):
        events = run(chunks)
        assert frames_of(events) == raws and not discards_of(events)
        assert [e.frame for e in events if isinstance(e, FrameReceived)] == FLAGGY


@pytest.mark.parametrize("index", [1, 12, 24])
def test_corrupted_fcs_in_the_middle(index: int) -> None:
    frames = list(SESSION)
    broken = bytearray(frames[index])
    broken[-1] ^= 0x55
    frames[index] = bytes(broken)
    stream = FLAG_B + FLAG_B.join(frames) + FLAG_B
    for chunks in ([stream], [stream[i:i + 1] for i in range(len(stream))]):
        events = run(chunks)
        assert frames_of(events) == SESSION[:index] + SESSION[index + 1:]
        (discard,) = discards_of(events)
        assert discard.data == frames[index]  # exactly the frame (its HCS was valid)
        assert isinstance(discard.error, ChecksumError)
        assert discard.error.path == "HdlcFrame.fcs"
        assert discard.error.offset == discard.offset + len(frames[index]) - 2
        assert stream[discard.offset - 1] == FLAG


def test_corrupted_information_octet_containing_flags() -> None:
    raws = [f.to_bytes(flags=False) for f in FLAGGY]
    broken = bytearray(raws[0])
    broken[10] ^= 0x01  # inside the run of 0x7E octets: the FCS no longer matches
    stream = FLAG_B + FLAG_B.join([raws[1], bytes(broken), *raws[2:]]) + FLAG_B
    events = run([stream])
    assert frames_of(events) == [raws[1], *raws[2:]]
    assert isinstance(discards_of(events)[0].error, ChecksumError)
    check_coverage(stream, events)


def test_corrupted_length_field_resynchronises() -> None:
    frames = list(SESSION[:6])
    broken = bytearray(frames[2])
    broken[1] ^= 0x04  # length 0x2E -> 0x2A: header check fails (HCS covers the format)
    frames[2] = bytes(broken)
    stream = FLAG_B + FLAG_B.join(frames) + FLAG_B
    events = run([stream])
    assert frames_of(events) == SESSION[:2] + SESSION[3:6]
    assert discards_of(events)
    check_coverage(stream, events)


def test_invalid_header_is_rejected_without_waiting_for_its_length() -> None:
    d = HdlcDeframer()
    # Format A7FF announces 2047 octets; the HCS is wrong.
    d.receive_data(FLAG_B + bytes.fromhex("A7FF0223211000000000"))
    assert d.next_event() is NEED_DATA
    d.receive_data(FLAG_B + SESSION[0] + FLAG_B)  # the next frame, well short of 2047 octets
    events = drain(d)
    assert isinstance(events[0], BytesDiscarded)
    assert isinstance(events[0].error, ChecksumError) and events[0].error.path == "HdlcFrame.hcs"
    assert events[0].error.offset == 1 + 6
    assert frames_of(events) == [SESSION[0]]


def test_valid_header_waits_for_the_whole_frame() -> None:
    frame = FLAG_B + SESSION[2] + FLAG_B
    d = HdlcDeframer()
    d.receive_data(frame[:20])
    assert d.next_event() is NEED_DATA
    assert d.next_event() is NEED_DATA
    d.receive_data(frame[20:])
    assert frames_of(drain(d)) == [SESSION[2]]


def test_missing_closing_flag() -> None:
    stream = FLAG_B + SESSION[0] + b"\x00\x01" + FLAG_B + SESSION[1] + FLAG_B
    events = run([stream])
    assert frames_of(events) == [SESSION[1]]
    first, second = discards_of(events)
    assert first.data == SESSION[0] and first.error.path == "HdlcFrame.closing_flag"
    assert first.error.offset == 1 + len(SESSION[0])
    assert second.data == b"\x00\x01"


def test_frames_before_the_first_flag_are_not_accepted() -> None:
    events = run([SESSION[0] + FLAG_B + SESSION[1] + FLAG_B])
    assert frames_of(events) == [SESSION[1]]
    assert discards_of(events)[0].data == SESSION[0]


def test_end_of_stream_inside_a_frame() -> None:
    stream = FLAG_B + SESSION[0] + FLAG_B + SESSION[1][:9]
    events = run([stream], eof=True)
    assert frames_of(events) == [SESSION[0]]
    (discard,) = discards_of(events)
    assert discard.data == SESSION[1][:9]
    assert isinstance(discard.error, IncompleteError)
    assert discard.offset == len(SESSION[0]) + 2
    # A frame complete but for its closing flag is unfinished too.
    events = run([FLAG_B + SESSION[0]], eof=True)
    assert not frames_of(events) and discards_of(events)[0].data == SESSION[0]


def test_end_of_stream_in_garbage_and_after_it() -> None:
    d = HdlcDeframer()
    d.receive_data(b"\x01\x02\x03")
    assert d.next_event() is NEED_DATA
    assert d.buffered == 3
    d.receive_eof()
    event = d.next_event()
    assert isinstance(event, BytesDiscarded) and event.data == b"\x01\x02\x03"
    assert d.next_event() is NEED_DATA
    with pytest.raises(LocalProtocolError):
        d.receive_data(b"\x7e")


def test_endless_garbage_is_reported_in_bounded_pieces() -> None:
    d = HdlcDeframer()
    d.receive_data(b"\x00" * (3 * MAX_GARBAGE + 5))
    events = drain(d)
    assert [len(e.data) for e in events] == [3 * MAX_GARBAGE + 5]  # type: ignore[union-attr]
    d.receive_data(b"\x00" * (MAX_GARBAGE - 1))
    assert d.next_event() is NEED_DATA
    d.receive_data(b"\x00" + FLAG_B + SESSION[0] + FLAG_B)
    events = drain(d)
    assert len(events[0].data) == MAX_GARBAGE  # type: ignore[union-attr]
    assert frames_of(events) == [SESSION[0]]


def test_unknown_control_with_valid_checksums_is_discarded_whole() -> None:
    odd = HdlcFrame(destination=HdlcAddress.server(1), source=HdlcAddress.client(16),
                    control=HdlcControl.i_frame(0, 0), raw_control=0x09).to_bytes(flags=False)
    stream = FLAG_B + odd + FLAG_B + SESSION[0] + FLAG_B
    events = run([stream])
    assert frames_of(events) == [SESSION[0]]
    (discard,) = discards_of(events)
    assert discard.data == odd and discard.error.path == "HdlcFrame.control"
    assert discard.error.offset == 1 + 4


@given(st.binary(max_size=200), st.lists(st.integers(0, 200), max_size=8))
def test_arbitrary_input_never_crashes_and_accounts_for_every_octet(
        data: bytes, cuts: list[int]) -> None:
    events = run(pieces(data, cuts), eof=True)
    check_coverage(data, events)
