"""Timers through an injected clock (nothing sleeps): the client's response timeout, the
server's inactivity timeout, the inter-octet timeout dropping a partial frame."""

from __future__ import annotations

from conformance.codec.hdlc import HdlcFrameType
from conformance.protocol.hdlc import (
    Connect,
    Data,
    DiscardReason,
    Disconnected,
    DisconnectReason,
    FrameDiscarded,
    HdlcMachine,
    HdlcState,
    Poll,
    Role,
    Timeout,
    TimeoutKind,
)
from conformance.protocol.hdlc.timers import Timers
from tests.protocol.test_hdlc_pair import Pair, client_config, decode_all, drain, server_config
from tests.protocol.test_hdlc_server import feed, frame

T = HdlcFrameType
REQ = b"\xe6\xe6\x00"


def test_response_timeout_returns_the_right_to_send() -> None:
    client = HdlcMachine(Role.CLIENT, client_config(response_timeout=2.0))
    assert client.next_deadline() is None
    client.send(Connect(), now=10.0)
    assert client.next_deadline() == 12.0
    client.handle_timer(11.999)
    assert drain(client) == [] and client.awaiting_response
    client.handle_timer(12.0)
    assert drain(client) == [Timeout(kind=TimeoutKind.RESPONSE)]
    assert client.state is HdlcState.AWAITING_CONNECT and not client.awaiting_response
    assert client.next_deadline() is None
    # the SNRM may be sent again; the timer restarts
    assert decode_all(client.send(Connect(), now=20.0))[0].frame_type is T.SNRM
    assert client.next_deadline() == 22.0


def test_response_timer_stops_with_the_final_bit_and_restarts_with_each_poll() -> None:
    pair = Pair.make(client_config(response_timeout=3.0), answer=lambda apdu: b"\x01")
    pair.client_send(Connect())
    assert pair.client.next_deadline() == 3.0
    pair.pump()
    assert pair.client.next_deadline() is None
    pair.now = 50.0
    pair.client_send(Data(apdu=b"\x02"))
    assert pair.client.next_deadline() == 53.0
    pair.pump()
    assert pair.client.next_deadline() is None
    pair.now = 60.0
    pair.client_send(Poll())
    assert pair.client.next_deadline() == 63.0


def test_lost_answer_recovered_after_the_timeout() -> None:
    dropped: list[bytes] = []

    def lose_first_response(direction: str, data: bytes) -> bytes | None:
        if direction == "s>c" and data[6] & 0x01 == 0 and not dropped:  # the first I frame
            dropped.append(data)
            return None
        return data

    pair = Pair.make(answer=lambda apdu: b"\xc4\x01", mangle=lose_first_response)
    pair.connect()
    assert pair.exchange(b"\xc0\x01") == b"\xc4\x01"
    assert dropped and pair.now == 5.0  # one response timeout
    assert Timeout(kind=TimeoutKind.RESPONSE) in pair.client_events
    kinds = [(d, f.frame_type) for d, f in pair.wire[2:]]
    # request, response (lost), RR poll after the timeout, response retransmitted
    assert kinds == [("c>s", T.I), ("s>c", T.I), ("c>s", T.RR), ("s>c", T.I)]
    assert pair.wire[-1][1] == pair.wire[3][1]


def test_inactivity_timeout_drops_the_server_to_ndm() -> None:
    server = HdlcMachine(Role.SERVER, server_config(inactivity_timeout=30.0))
    assert server.next_deadline() is None
    feed(server, frame(T.SNRM), now=100.0)
    assert server.next_deadline() == 130.0
    feed(server, frame(T.RR, nr=0), now=120.0)  # any octets restart it
    assert server.next_deadline() == 150.0
    server.handle_timer(149.0)
    states = [server.state]
    assert drain(server) == []
    server.handle_timer(150.0)
    assert drain(server) == [Timeout(kind=TimeoutKind.INACTIVITY),
                             Disconnected(reason=DisconnectReason.INACTIVITY)]
    states.append(server.state)
    assert states == [HdlcState.NRM, HdlcState.NDM] and server.next_deadline() is None
    # the client learns it with a DM to its next frame
    _, errors, answer = feed(server, frame(T.I, ns=0, nr=0, info=REQ + b"\x01"), now=151.0)
    assert [f.frame_type for f in answer] == [T.DM] and len(errors) == 1


def test_inactivity_timeout_seen_by_the_client() -> None:
    pair = Pair.make(server=server_config(inactivity_timeout=10.0), answer=lambda a: a)
    pair.connect()
    pair.now = 10.0
    pair.server.handle_timer(pair.now)
    assert pair.server.state is HdlcState.NDM
    pair.client_send(Data(apdu=b"\x01"))
    pair.pump()
    assert pair.client.parameters is None
    assert pair.client_events[-1] == Disconnected(reason=DisconnectReason.DISCONNECTED_MODE)


def test_inter_octet_timeout_drops_a_partial_frame() -> None:
    server = HdlcMachine(Role.SERVER, server_config(inter_octet_timeout=0.5))
    snrm = frame(T.SNRM)
    server.receive_data(snrm[:5], now=1.0)
    assert drain(server) == []
    assert server.next_deadline() == 1.5
    server.receive_data(snrm[5:7], now=1.25)  # more octets: restarted
    assert drain(server) == [] and server.next_deadline() == 1.75
    server.handle_timer(1.75)
    events = drain(server)
    assert events[0] == Timeout(kind=TimeoutKind.INTER_OCTET)
    assert isinstance(events[1], FrameDiscarded)
    assert events[1].reason is DiscardReason.TRUNCATED and events[1].data == snrm[1:7]
    assert server.next_deadline() is None and server.data_to_send() == b""
    # the stream goes on with a fresh frame
    events, _, answer = feed(server, snrm, now=2.0)
    assert [f.frame_type for f in answer] == [T.UA] and server.state is HdlcState.NRM


def test_without_the_inter_octet_timeout_a_partial_frame_waits() -> None:
    server = HdlcMachine(Role.SERVER, server_config(inter_octet_timeout=None))
    snrm = frame(T.SNRM)
    server.receive_data(snrm[:5], now=1.0)
    assert drain(server) == [] and server.next_deadline() is None
    # only the next frame shows the remainder was garbage (the deframer resynchronises)
    events, _, answer = feed(server, snrm, now=2.0)
    assert isinstance(events[0], FrameDiscarded)
    assert [f.frame_type for f in answer] == [T.UA]


def test_inter_octet_timer_stops_when_the_frame_completes() -> None:
    server = HdlcMachine(Role.SERVER, server_config(inter_octet_timeout=0.5,
                                                    inactivity_timeout=None))
    snrm = frame(T.SNRM)
    server.receive_data(snrm[:4], now=1.0)
    drain(server)
    server.receive_data(snrm[4:], now=1.1)
    drain(server)
    assert server.next_deadline() is None
    # complete frames still queued when the timer fires come out normally
    server.receive_data(frame(T.DISC), now=2.0)
    server.handle_timer(2.5)
    events = drain(server)
    assert events[0] == Timeout(kind=TimeoutKind.INTER_OCTET)
    assert server.state is HdlcState.NDM and decode_all(server.data_to_send())[-1].frame_type \
        is T.UA


def test_timers_table_of_deadlines() -> None:
    timers = Timers()
    timers.start(TimeoutKind.RESPONSE, 1.0, 5.0)
    timers.start(TimeoutKind.INTER_OCTET, 1.0, 0.5)
    timers.start(TimeoutKind.INACTIVITY, 1.0, None)  # None: not running
    assert not timers.running(TimeoutKind.INACTIVITY)
    assert timers.next_deadline() == 1.5 and timers.deadline(TimeoutKind.RESPONSE) == 6.0
    assert timers.expire(1.4) == []
    assert timers.expire(10.0) == [TimeoutKind.INTER_OCTET, TimeoutKind.RESPONSE]
    assert timers.next_deadline() is None
    timers.start(TimeoutKind.RESPONSE, 0.0, 1.0)
    timers.cancel(TimeoutKind.RESPONSE)
    timers.start(TimeoutKind.INACTIVITY, 0.0, 1.0)
    timers.clear()
    assert timers.next_deadline() is None
