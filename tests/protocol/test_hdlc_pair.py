"""A CLIENT and a SERVER HDLC machine talking through in-memory byte pipes (the harness the
other test_hdlc_* modules import), and the basic exchanges through it: link set-up with
negotiation, request/response, release, reset by SNRM, and the wire seen frame by frame.

The harness delivers every transmission whole (optionally through a per-frame fault hook),
lets the server application answer each request, and advances an injected clock to the
next deadline when nothing is in flight, answering a client response timeout the way a
session would (Poll in NRM, SNRM/DISC again while waiting for UA).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.codec.hdlc import HdlcAddress, HdlcFrame, HdlcFrameType
from conformance.errors import RemoteProtocolError
from conformance.protocol.hdlc import (
    NEED_DATA,
    Connect,
    Connected,
    Data,
    Disconnect,
    Disconnected,
    DisconnectReason,
    HdlcConfig,
    HdlcMachine,
    HdlcMachineEvent,
    HdlcState,
    Poll,
    ReceiverReady,
    Role,
    SendEvent,
    Timeout,
    TimeoutKind,
)

SERVER_ADDRESS = HdlcAddress.server(1, 17)
CLIENT_ADDRESS = HdlcAddress.client(16)
Mangle = Callable[[str, bytes], bytes | None]
"""Fault hook: (direction "c>s" or "s>c", one frame with flags) -> octets to deliver."""


def client_config(**kw: Any) -> HdlcConfig:
    """A client configuration for the public client and server 1/17."""
    return HdlcConfig(**{"server_address": SERVER_ADDRESS, "client_address": CLIENT_ADDRESS,
                         **kw})


def server_config(**kw: Any) -> HdlcConfig:
    """A server configuration for 1/17 accepting any client."""
    return HdlcConfig(**{"server_address": SERVER_ADDRESS, **kw})


def drain(machine: HdlcMachine) -> list[HdlcMachineEvent]:
    """Every event available now."""
    events: list[HdlcMachineEvent] = []
    while (event := machine.next_event()) is not NEED_DATA:
        events.append(event)
    return events


def split_frames(data: bytes) -> list[bytes]:
    """A transmission of the machine (frames each with both flags) cut into frames."""
    frames = []
    pos = 0
    while pos < len(data):
        length = ((data[pos + 1] & 0x07) << 8) | data[pos + 2]
        frames.append(data[pos:pos + length + 2])
        pos += length + 2
    return frames


def decode_all(data: bytes) -> list[HdlcFrame]:
    """The frames of a transmission, decoded."""
    return [HdlcFrame.decode(f) for f in split_frames(data)]


@dataclass
class Pair:
    """Two machines, two pipes, one clock."""

    client: HdlcMachine
    server: HdlcMachine
    now: float = 0.0
    mangle: Mangle | None = None
    answer: Callable[[bytes], bytes | None] | None = None
    """Server application: response APDU for a request APDU (``None``: ReceiverReady)."""
    wire: list[tuple[str, HdlcFrame]] = field(default_factory=list)
    """Every frame each machine transmitted (before the fault hook)."""
    client_events: list[HdlcMachineEvent] = field(default_factory=list)
    server_events: list[HdlcMachineEvent] = field(default_factory=list)
    client_errors: list[RemoteProtocolError] = field(default_factory=list)
    server_errors: list[RemoteProtocolError] = field(default_factory=list)
    _to_server: bytearray = field(default_factory=bytearray)
    _to_client: bytearray = field(default_factory=bytearray)

    @classmethod
    def make(cls, client: HdlcConfig | None = None, server: HdlcConfig | None = None,
             **kw: Any) -> Pair:
        """A pair with the default configurations, or the ones given (a server for the
        client's server address when only the client's is given)."""
        client = client or client_config()
        server = server or server_config(server_address=client.server_address)
        return cls(HdlcMachine(Role.CLIENT, client), HdlcMachine(Role.SERVER, server), **kw)

    # -- transmissions ------------------------------------------------------------------------
    def _transmit(self, direction: str, data: bytes) -> None:
        target = self._to_server if direction == "c>s" else self._to_client
        for frame in split_frames(data):
            self.wire.append((direction, HdlcFrame.decode(frame, check_checksums=False)))
            delivered = frame if self.mangle is None else self.mangle(direction, frame)
            if delivered:
                target += delivered

    def client_send(self, event: SendEvent) -> None:
        """The client user sends ``event`` (its octets go into the pipe)."""
        self._transmit("c>s", self.client.send(event, now=self.now))

    def server_send(self, event: SendEvent) -> None:
        """The server user sends ``event``."""
        self._transmit("s>c", self.server.send(event, now=self.now))

    def _drain(self, machine: HdlcMachine, events: list[HdlcMachineEvent],
               errors: list[RemoteProtocolError]) -> list[HdlcMachineEvent]:
        new: list[HdlcMachineEvent] = []
        while True:
            try:
                event = machine.next_event()
            except RemoteProtocolError as exc:
                errors.append(exc)
                continue
            if event is NEED_DATA:
                break
            new.append(event)
        events += new
        return new

    def pump(self, limit: int = 10_000) -> None:
        """Deliver octets both ways until both pipes are empty."""
        for _ in range(limit):
            if self._to_server:
                data = bytes(self._to_server)
                self._to_server.clear()
                self.server.receive_data(data, now=self.now)
                for event in self._drain(self.server, self.server_events, self.server_errors):
                    if isinstance(event, Data) and self.answer is not None:
                        response = self.answer(event.apdu)
                        self.server_send(Data(apdu=response) if response is not None
                                         else ReceiverReady())
                self._transmit("s>c", self.server.data_to_send())
            elif self._to_client:
                data = bytes(self._to_client)
                self._to_client.clear()
                self.client.receive_data(data, now=self.now)
                self._drain(self.client, self.client_events, self.client_errors)
                self._transmit("c>s", self.client.data_to_send())
            else:
                return
        raise AssertionError("the machines never went quiet")

    def advance(self) -> bool:
        """Move the clock to the next deadline and fire the timers; a client response
        timeout is answered as a session would. False when no timer runs."""
        deadlines = [d for d in (self.client.next_deadline(), self.server.next_deadline())
                     if d is not None]
        if not deadlines:
            return False
        self.now = max(self.now, min(deadlines))
        self.server.handle_timer(self.now)
        self._drain(self.server, self.server_events, self.server_errors)
        self._transmit("s>c", self.server.data_to_send())
        self.client.handle_timer(self.now)
        self._transmit("c>s", self.client.data_to_send())  # e.g. the poll of a busy server
        for event in self._drain(self.client, self.client_events, self.client_errors):
            if isinstance(event, Timeout) and event.kind is TimeoutKind.RESPONSE:
                state = self.client.state
                retry = (Connect() if state is HdlcState.AWAITING_CONNECT else Disconnect()
                         if state is HdlcState.AWAITING_DISCONNECT else Poll())
                self.client_send(retry)
        return True

    def run(self, done: Callable[[], bool], *, max_timeouts: int = 200) -> None:
        """Pump, and advance the clock whenever the link is quiet, until ``done()``."""
        for _ in range(max_timeouts):
            self.pump()
            if done():
                return
            if not self.advance():
                break
        self.pump()
        assert done(), "the exchange did not complete"

    def connect(self, event: Connect | None = None) -> None:
        """SNRM/UA through the pipes (asserts the link is up on both sides)."""
        self.client_send(event or Connect())
        self.pump()
        assert self.client.state is HdlcState.NRM and self.server.state is HdlcState.NRM

    def exchange(self, request: bytes) -> bytes:
        """One request APDU and the response APDU the server application gives."""
        before = sum(isinstance(e, Data) for e in self.client_events)
        self.client_send(Data(apdu=request))
        self.run(lambda: sum(isinstance(e, Data) for e in self.client_events) > before)
        received = [e for e in self.client_events if isinstance(e, Data)][-1]
        return received.apdu


def echo(apdu: bytes) -> bytes:
    """A server application answering each request with its reversed octets."""
    return apdu[::-1]


# -- tests ------------------------------------------------------------------------------------
def test_connect_negotiates_the_smaller_values_in_both_views() -> None:
    pair = Pair.make(client_config(max_info_field_length_transmit=200,
                                   max_info_field_length_receive=300, window_size_transmit=3,
                                   window_size_receive=2),
                     server_config(max_info_field_length_transmit=250,
                                   max_info_field_length_receive=150, window_size_transmit=7,
                                   window_size_receive=1))
    pair.connect()
    client, server = pair.client.parameters, pair.server.parameters
    assert client is not None and server is not None
    # server transmit = min(250, client receive 300); server receive = min(150, 200)
    assert (server.max_info_field_length_transmit, server.max_info_field_length_receive) == (
        250, 150)
    assert (server.window_size_transmit, server.window_size_receive) == (2, 1)
    assert (client.max_info_field_length_transmit, client.max_info_field_length_receive,
            client.window_size_transmit, client.window_size_receive) == (150, 250, 1, 2)
    connected = [e for e in pair.client_events if isinstance(e, Connected)]
    assert connected[0].peer == SERVER_ADDRESS
    assert next(e for e in pair.server_events if isinstance(e, Connected)).peer == CLIENT_ADDRESS
    snrm, ua = (f for _, f in pair.wire)
    assert snrm.frame_type is HdlcFrameType.SNRM and snrm.control.poll_final
    assert ua.frame_type is HdlcFrameType.UA and ua.control.poll_final


def test_request_response_numbers_and_llc() -> None:
    pair = Pair.make(answer=echo)
    pair.connect()
    for i in range(10):  # wraps the modulo-8 sequence numbers
        request = bytes([0xC0, 0x01, i])
        assert pair.exchange(request) == request[::-1]
    i_frames = [(d, f) for d, f in pair.wire if f.frame_type is HdlcFrameType.I]
    assert len(i_frames) == 20
    for n, (direction, frame) in enumerate(i_frames):
        k = n // 2
        assert frame.control.send_seq == k % 8
        assert frame.control.poll_final
        if direction == "c>s":
            assert frame.control.receive_seq == k % 8
            assert frame.information[:3] == b"\xe6\xe6\x00"
        else:
            assert frame.control.receive_seq == (k + 1) % 8
            assert frame.information[:3] == b"\xe6\xe7\x00"
    assert pair.client.send_sequence == pair.server.receive_sequence == 10 % 8


def test_release_and_reconnect() -> None:
    pair = Pair.make(answer=echo)
    pair.connect()
    pair.exchange(b"\x01\x02")
    pair.client_send(Disconnect())
    pair.pump()
    assert pair.client.state is HdlcState.NDM and pair.server.state is HdlcState.NDM
    assert pair.client.parameters is None and pair.server.parameters is None
    assert [e.reason for e in pair.client_events if isinstance(e, Disconnected)] == [
        DisconnectReason.LOCAL]
    assert [e.reason for e in pair.server_events if isinstance(e, Disconnected)] == [
        DisconnectReason.PEER]
    pair.connect()
    assert pair.client.send_sequence == 0 and pair.server.receive_sequence == 0
    assert pair.exchange(b"\x03") == b"\x03"


def test_snrm_on_an_established_link_resets_the_sequence_numbers() -> None:
    pair = Pair.make(answer=echo)
    pair.connect()
    for _ in range(3):
        pair.exchange(b"\xaa\xbb")
    assert pair.server.receive_sequence == 3
    pair.connect()
    assert (pair.client.send_sequence, pair.client.receive_sequence) == (0, 0)
    assert (pair.server.send_sequence, pair.server.receive_sequence) == (0, 0)
    assert sum(isinstance(e, Connected) for e in pair.server_events) == 2
    assert pair.exchange(b"\x01") == b"\x01"
    first_i_after_reset = [f for d, f in pair.wire if f.frame_type is HdlcFrameType.I][-2]
    assert first_i_after_reset.control.send_seq == 0
