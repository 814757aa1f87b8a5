"""Segmentation both ways through a client/server pair: window sizes and maximum
information lengths drawn by Hypothesis, every frame on the wire checked against the
negotiated values and the P/F discipline; lost and corrupted frames recovered by polls and
go-back-N retransmission with the APDUs delivered exactly once; RNR flow control."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.hdlc import HdlcFrame, HdlcFrameType
from conformance.protocol.hdlc import (
    Connect,
    Data,
    DiscardReason,
    Disconnect,
    FrameDiscarded,
    HdlcState,
    PeerBusy,
    Poll,
    ReceiverNotReady,
    ReceiverReady,
)
from conformance.protocol.hdlc.segmentation import split_segments
from tests.protocol.test_hdlc_pair import Pair, client_config, server_config

windows = st.integers(min_value=1, max_value=7)
info_lengths = st.integers(min_value=16, max_value=400)


def check_wire(pair: Pair) -> None:
    """Every frame respects the negotiated values and the poll discipline."""
    cp, sp = pair.client.parameters, pair.server.parameters
    assert cp is not None and sp is not None
    limits = {"c>s": (cp.max_info_field_length_transmit, cp.window_size_transmit),
              "s>c": (sp.max_info_field_length_transmit, sp.window_size_transmit)}
    data_frames = [(d, f) for d, f in pair.wire
                   if f.frame_type in (HdlcFrameType.I, HdlcFrameType.RR, HdlcFrameType.RNR)]
    for direction, burst in itertools.groupby(data_frames, key=lambda x: x[0]):
        frames = [f for _, f in burst]
        max_info, window = limits[direction]
        assert sum(f.frame_type is HdlcFrameType.I for f in frames) <= window
        assert all(len(f.information) <= max_info for f in frames)
        # P=1 (client) / F=1 (server) on the last frame of each transmission only
        assert [f.control.poll_final for f in frames] == [False] * (len(frames) - 1) + [True]


def segments(pair: Pair, direction: str) -> list[list[HdlcFrame]]:
    """The I frames of one direction grouped into APDUs by their S bit."""
    apdus: list[list[HdlcFrame]] = [[]]
    for d, frame in pair.wire:
        if d == direction and frame.frame_type is HdlcFrameType.I:
            apdus[-1].append(frame)
            if not frame.segmented:
                apdus.append([])
    return apdus[:-1]


@settings(max_examples=60, deadline=None)
@given(cw_tx=windows, cw_rx=windows, sw_tx=windows, sw_rx=windows, c_tx=info_lengths,
       c_rx=info_lengths, s_tx=info_lengths, s_rx=info_lengths,
       request=st.integers(min_value=0, max_value=1500),
       response=st.integers(min_value=0, max_value=3000))
def test_segmentation_both_ways(cw_tx: int, cw_rx: int, sw_tx: int, sw_rx: int, c_tx: int,
                                c_rx: int, s_tx: int, s_rx: int, request: int,
                                response: int) -> None:
    pair = Pair.make(
        client_config(window_size_transmit=cw_tx, window_size_receive=cw_rx,
                      max_info_field_length_transmit=c_tx, max_info_field_length_receive=c_rx),
        server_config(window_size_transmit=sw_tx, window_size_receive=sw_rx,
                      max_info_field_length_transmit=s_tx, max_info_field_length_receive=s_rx),
        answer=lambda apdu: bytes(i % 251 for i in range(response)))
    pair.connect()
    req = bytes(i % 253 for i in range(request))
    assert pair.exchange(req) == bytes(i % 251 for i in range(response))
    assert [e.apdu for e in pair.server_events if isinstance(e, Data)] == [req]
    check_wire(pair)
    cp = pair.client.parameters
    assert cp is not None
    (up,) = segments(pair, "c>s")
    (down,) = segments(pair, "s>c")
    assert len(up) == math.ceil((request + 3) / cp.max_info_field_length_transmit)
    assert len(down) == math.ceil((response + 3) / cp.max_info_field_length_receive)
    assert b"".join(f.information for f in up) == b"\xe6\xe6\x00" + req
    assert b"".join(f.information for f in down) == b"\xe6\xe7\x00" + bytes(
        i % 251 for i in range(response))
    assert [f.segmented for f in up] == [True] * (len(up) - 1) + [False]
    # The timers were never needed.
    assert not pair.client_errors and not pair.server_errors
    assert pair.now == 0.0


def test_window_of_three_frames_with_rr_between_windows() -> None:
    pair = Pair.make(client_config(window_size_transmit=3, max_info_field_length_transmit=10),
                     server_config(window_size_receive=7), answer=lambda apdu: b"\x01")
    pair.connect()
    pair.exchange(bytes(67))  # 70 octets with the LLC header: 7 segments
    kinds = [(d, f.frame_type.name, f.control.poll_final) for d, f in pair.wire[2:]]
    c_i = ("c>s", "I", False)
    c_ip = ("c>s", "I", True)
    rr = ("s>c", "RR", True)
    assert kinds == [c_i, c_i, c_ip, rr, c_i, c_i, c_ip, rr, c_ip, ("s>c", "I", True)]
    acks = [f.control.receive_seq for d, f in pair.wire if f.frame_type is HdlcFrameType.RR]
    assert acks == [3, 6]


def test_split_segments() -> None:
    assert split_segments(b"", 5) == [(b"", False)]
    assert split_segments(b"abcdefg", 3) == [(b"abc", True), (b"def", True), (b"g", False)]
    assert split_segments(b"abc", 3) == [(b"abc", False)]


@settings(max_examples=40, deadline=None)
@given(window=windows, max_info=st.integers(min_value=16, max_value=64),
       request=st.integers(min_value=0, max_value=400),
       response=st.integers(min_value=0, max_value=400),
       lost=st.sets(st.integers(min_value=0, max_value=40), max_size=8),
       corrupted=st.dictionaries(st.integers(min_value=0, max_value=40),
                                 st.tuples(st.integers(min_value=3), st.integers(1, 255)),
                                 max_size=6))
def test_lost_and_corrupted_frames_are_recovered(
        window: int, max_info: int, request: int, response: int, lost: set[int],
        corrupted: dict[int, tuple[int, int]]) -> None:
    counter = itertools.count()
    discarded: list[int] = []

    def mangle(direction: str, frame: bytes) -> bytes | None:
        n = next(counter)
        if n in lost:
            return None
        if n in corrupted:
            # flip one octet after the format field (the length stays intact, so the
            # frame is delimited and its HCS/FCS must reject it)
            position, mask = corrupted[n]
            position = 3 + position % (len(frame) - 4)
            damaged = bytearray(frame)
            damaged[position] ^= mask
            discarded.append(n)
            return bytes(damaged)
        return frame

    config = {"window_size_transmit": window, "window_size_receive": window,
              "max_info_field_length_transmit": max_info,
              "max_info_field_length_receive": max_info, "inactivity_timeout": None}
    pair = Pair.make(client_config(**config), server_config(**config),
                     answer=lambda apdu: bytes(range(256))[:1] * response, mangle=mangle)
    req = bytes(i % 256 for i in range(request))
    pair.client_send(Connect())
    pair.run(lambda: pair.client.state is HdlcState.NRM and pair.server.state is HdlcState.NRM)
    assert pair.exchange(req) == b"\x00" * response
    assert [e.apdu for e in pair.server_events if isinstance(e, Data)] == [req]
    assert sum(isinstance(e, Data) for e in pair.client_events) == 1
    pair.client_send(Disconnect())
    pair.run(lambda: pair.client.state is HdlcState.NDM)
    pair.pump()
    assert pair.server.state is HdlcState.NDM
    checksum = [e for e in pair.server_events + pair.client_events
                if isinstance(e, FrameDiscarded) and e.reason is DiscardReason.CHECKSUM]
    # each damaged frame is reported (resynchronising inside it may report more)
    assert len(checksum) >= len(discarded)
    assert not pair.client_errors and not pair.server_errors


def test_rnr_from_the_server_pauses_the_client_until_rr() -> None:
    pair = Pair.make(client_config(max_info_field_length_transmit=16))
    pair.connect()
    pair.server_send(ReceiverNotReady())
    pair.client_send(Data(apdu=bytes(40)))  # 3 segments
    pair.pump()
    # first segment acknowledged with RNR: the client stops
    assert [f.frame_type.name for _, f in pair.wire[2:]] == ["I", "RNR"]
    assert pair.client.peer_busy and pair.client_events[-1] == PeerBusy(busy=True)
    assert not pair.client.awaiting_response
    pair.client_send(Poll())
    pair.pump()
    assert pair.wire[-1][1].frame_type is HdlcFrameType.RNR  # still busy
    pair.server_send(ReceiverReady())  # nothing sent: the server is not polled
    assert pair.wire[-1][1].frame_type is HdlcFrameType.RNR
    pair.client_send(Poll())
    pair.pump()
    assert pair.client_events[-1] == PeerBusy(busy=False)
    assert [e.apdu for e in pair.server_events if isinstance(e, Data)] == [bytes(40)]
    assert pair.server.holding_poll
    assert pair.server.send(ReceiverReady(), now=0) != b""  # answers the poll with RR
    assert not pair.server.holding_poll


def test_a_busy_server_is_polled_again_after_the_busy_interval() -> None:
    # ISO/IEC 13239 busy condition: after RNR the client polls again by itself, once per
    # busy_poll_interval (not at once, which would flood the busy meter), until RR.
    pair = Pair.make(client_config(max_info_field_length_transmit=16, busy_poll_interval=0.25))
    pair.connect()
    pair.server_send(ReceiverNotReady())
    pair.client_send(Data(apdu=bytes(40)))  # 3 segments
    pair.pump()
    assert [f.frame_type.name for _, f in pair.wire[2:]] == ["I", "RNR"]
    assert pair.client.next_deadline() == pair.now + 0.25
    for _ in range(3):  # still busy: RR polls 0.25 s apart, each answered RNR
        started = pair.now
        assert pair.advance() and pair.now == started + 0.25
        pair.pump()
        assert [f.frame_type.name for _, f in pair.wire[-2:]] == ["RR", "RNR"]
    pair.server_send(ReceiverReady())  # ready again: answered at the next poll
    assert pair.advance()
    pair.pump()
    assert PeerBusy(busy=False) in pair.client_events
    assert [e.apdu for e in pair.server_events if isinstance(e, Data)] == [bytes(40)]


def test_without_a_busy_interval_only_the_user_polls_a_busy_server() -> None:
    pair = Pair.make(client_config(max_info_field_length_transmit=16, busy_poll_interval=None))
    pair.connect()
    pair.server_send(ReceiverNotReady())
    pair.client_send(Data(apdu=bytes(40)))
    pair.pump()
    assert [f.frame_type.name for _, f in pair.wire[2:]] == ["I", "RNR"]
    assert pair.client.next_deadline() is None  # no busy timer: nothing is sent by itself


def test_rnr_from_the_client_stops_fetching_segments() -> None:
    pair = Pair.make(server=server_config(max_info_field_length_transmit=16),
                     answer=lambda apdu: bytes(50))
    pair.connect()
    pair.client_send(ReceiverNotReady())
    pair.client_send(Data(apdu=b"\x01"))
    pair.pump()
    # the first response segment arrived; the busy client does not poll for the next
    assert pair.wire[-1][1].frame_type is HdlcFrameType.I and pair.wire[-1][1].segmented
    assert not pair.client.awaiting_response and pair.client.transfer_pending
    pair.client_send(Poll())  # a poll while busy is RNR
    pair.pump()
    assert [f.frame_type for _, f in pair.wire[-2:]] == [  # no I frame to a busy client
        HdlcFrameType.RNR, HdlcFrameType.RR]
    pair.client_send(ReceiverReady())  # ready: fetch the remaining segments
    pair.pump()
    assert [e.apdu for e in pair.client_events if isinstance(e, Data)] == [bytes(50)]
