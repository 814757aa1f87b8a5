"""The data link side of one meter connection: the SERVER role of the HDLC machine
(IEC 62056-46) or of the wrapper machine (IEC 62056-47), behind one small interface.

A link turns received octets into :class:`LinkEvent` values (an APDU from a client SAP,
a link that came up or went away) and APDUs into octets; everything else -- UA, DM, RR,
FRMR, segmentation, the discarding of frames with a bad HCS/FCS or for another address --
is the machines' business. What the machines report about a client's mistakes is logged
(without the octets: they may hold passwords or keys).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from conformance.codec.hdlc import NEED_DATA
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol import wrapper
from conformance.protocol.hdlc import (
    Connected,
    Data,
    Disconnected,
    FrameDiscarded,
    HdlcConfig,
    HdlcMachine,
    HdlcState,
    ReceiverReady,
    Role,
    Timeout,
    UnitData,
)

__all__ = [
    "ApduReceived",
    "HdlcServerLink",
    "LinkDown",
    "LinkEvent",
    "LinkUp",
    "ServerLink",
    "WrapperServerLink",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApduReceived:
    """A complete APDU from a client."""

    client_sap: int
    """The client SAP (HDLC client address, wrapper source wPort)."""
    apdu: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkUp:
    """An HDLC link was established (SNRM answered UA) with a client."""

    client_sap: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkDown:
    """The supporting layer of the client's associations is gone (HDLC DISC, inactivity,
    a link reset by a new SNRM; the end of the TCP stream): they are aborted."""

    client_sap: int | None
    """The client concerned; ``None``: every client of the connection."""
    reason: str


LinkEvent = ApduReceived | LinkUp | LinkDown


class ServerLink(Protocol):
    """What a connection needs from its data link layer."""

    def receive(self, data: bytes, now: float) -> list[LinkEvent]:
        """Octets from the client at time ``now``; what they meant."""

    def end_of_stream(self) -> list[LinkEvent]:
        """The byte stream ended (TCP closed)."""

    def send(self, client_sap: int, apdu: bytes, now: float) -> bytes:
        """The octets that carry ``apdu`` to ``client_sap`` (``b""`` if none now)."""

    def no_answer(self, client_sap: int, now: float) -> bytes:
        """The APDU just received gets no answer: release the client's poll if needed."""

    def pending_output(self) -> bytes:
        """Octets of automatic answers (UA, DM, RR, FRMR) not yet sent."""

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must be called next (``None``: no timer runs)."""

    def handle_timer(self, now: float) -> list[LinkEvent]:
        """Run the timers due at ``now``."""

    @property
    def connected(self) -> bool:
        """True while a link with a client is established (always true for the wrapper)."""


class HdlcServerLink:
    """The HDLC secondary station of one line or TCP connection: one client at a time."""

    def __init__(self, config: HdlcConfig, *, name: str) -> None:
        self.machine = HdlcMachine(Role.SERVER, config)
        """The link machine."""
        self.name = name
        self._client: int | None = None

    @property
    def connected(self) -> bool:
        return self.machine.state is not HdlcState.NDM

    def receive(self, data: bytes, now: float) -> list[LinkEvent]:
        self.machine.receive_data(data, now=now)
        return self._drain()

    def end_of_stream(self) -> list[LinkEvent]:
        return self._lost("the connection closed")

    def send(self, client_sap: int, apdu: bytes, now: float) -> bytes:
        if self._client != client_sap or not self.connected:
            _log.info("%s: the answer to client %d is dropped: its link is gone", self.name,
                      client_sap)
            return b""
        try:
            return self.machine.send(Data(apdu=apdu), now=now)
        except LocalProtocolError as exc:  # e.g. the APDU is too long for any frame
            _log.warning("%s: cannot send an APDU of %d octets: %s", self.name, len(apdu), exc)
            return self.no_answer(client_sap, now)

    def no_answer(self, client_sap: int, now: float) -> bytes:
        if self.machine.holding_poll:
            # The poll of the client's last I frame is answered RR: nothing to say.
            return self.machine.send(ReceiverReady(), now=now)
        return b""

    def pending_output(self) -> bytes:
        return self.machine.data_to_send()

    def next_deadline(self) -> float | None:
        return self.machine.next_deadline()

    def handle_timer(self, now: float) -> list[LinkEvent]:
        self.machine.handle_timer(now)
        return self._drain()

    def _lost(self, reason: str) -> list[LinkEvent]:
        client, self._client = self._client, None
        return [] if client is None else [LinkDown(client_sap=client, reason=reason)]

    def _drain(self) -> list[LinkEvent]:
        out: list[LinkEvent] = []
        while True:
            try:
                event = self.machine.next_event()
            except RemoteProtocolError as exc:
                # The machine is in its new state and has queued its answer (FRMR, DM, RR).
                _log.info("%s: HDLC: %s", self.name, exc)
                continue
            if event is NEED_DATA:
                return out
            if isinstance(event, Data):
                if self._client is not None:
                    out.append(ApduReceived(client_sap=self._client, apdu=event.apdu))
            elif isinstance(event, Connected):
                out.extend(self._lost("the client reset the link with SNRM"))
                self._client = event.peer.upper
                _log.info("%s: HDLC link with client %d (%s)", self.name, self._client,
                          event.parameters)
                out.append(LinkUp(client_sap=self._client))
            elif isinstance(event, Disconnected):
                _log.info("%s: HDLC link closed: %s", self.name, event.reason.value)
                out.extend(self._lost(event.reason.value))
            elif isinstance(event, FrameDiscarded):
                _log.debug("%s: HDLC frame discarded (%s): %s", self.name,
                           event.reason.value, event.detail)
            elif isinstance(event, UnitData):
                _log.info("%s: UI frame from the client ignored (%d octets)", self.name,
                          len(event.apdu))
            elif isinstance(event, Timeout):
                _log.debug("%s: HDLC %s timeout", self.name, event.kind.value)
            else:
                _log.debug("%s: HDLC %s", self.name, type(event).__name__)


class WrapperServerLink:
    """The wrapper end of one TCP connection: APDUs from any client wPort to the meter's
    wPort (WPDUs for other wPorts and illegal versions are discarded by the machine)."""

    def __init__(self, wport: int, *, name: str,
                 deviations: wrapper.WrapperDeviations | None = None) -> None:
        """``deviations``: those of the meter's active wrapper faults (default none)."""
        self.machine = wrapper.WrapperMachine(wrapper.WrapperConfig(
            local_wport=wport, deviations=deviations or wrapper.WrapperDeviations()))
        """The wrapper machine."""
        self.name = name
        self._clients: set[int] = set()

    @property
    def connected(self) -> bool:
        return self.machine.state is wrapper.WrapperState.OPEN

    def receive(self, data: bytes, now: float) -> list[LinkEvent]:
        self.machine.receive_data(data)
        return self._drain()

    def end_of_stream(self) -> list[LinkEvent]:
        self.machine.receive_eof()
        return self._drain()

    def send(self, client_sap: int, apdu: bytes, now: float) -> bytes:
        try:
            return self.machine.send(wrapper.Data(apdu=apdu, destination_wport=client_sap))
        except LocalProtocolError as exc:
            _log.warning("%s: cannot send an APDU of %d octets: %s", self.name, len(apdu), exc)
            return b""

    def no_answer(self, client_sap: int, now: float) -> bytes:
        return b""

    def pending_output(self) -> bytes:
        return b""

    def next_deadline(self) -> float | None:
        return None

    def handle_timer(self, now: float) -> list[LinkEvent]:
        return []

    def _drain(self) -> list[LinkEvent]:
        out: list[LinkEvent] = []
        while True:
            try:
                event = self.machine.next_event()
            except RemoteProtocolError as exc:
                _log.info("%s: wrapper: %s", self.name, exc)
                continue
            if event is NEED_DATA:
                return out
            if isinstance(event, wrapper.Data):
                source = event.source_wport if event.source_wport is not None else 0
                self._clients.add(source)
                out.append(ApduReceived(client_sap=source, apdu=event.apdu))
            elif isinstance(event, wrapper.FrameDiscarded):
                _log.info("%s: WPDU discarded (%s): %s", self.name, event.reason.value,
                          event.detail)
            elif isinstance(event, wrapper.ConnectionClosed):
                out.append(LinkDown(client_sap=None, reason="the connection closed"))
