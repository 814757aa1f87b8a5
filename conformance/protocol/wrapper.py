"""Sans-IO machine of the IEC 62056-47 wrapper (the DLMS/COSEM transport layer over TCP):
frames APDUs with the wrapper header, reassembles WPDUs from a byte stream, validates the
version, the wPorts and the APDU size.

::

    machine = WrapperMachine(WrapperConfig(local_wport=0x10, remote_wport=0x01))
    transport.write(machine.send(Data(apdu=aarq)))
    machine.receive_data(transport.read())
    while (event := machine.next_event()) is not NEED_DATA:
        ...                                   # Data, FrameDiscarded, ConnectionClosed

The wrapper has no link state: a WPDU is one APDU. The only transition is the end of the
byte stream (:data:`TRANSITIONS`). A WPDU with an illegal version or for another wPort is
discarded (reported as :class:`FrameDiscarded`); an APDU above the configured size or an
empty one raises RemoteProtocolError; sending an APDU above the peer's size raises
LocalProtocolError.

Deliberate deviations of the WPDUs sent (a reference meter imitating real meters' faults)
are named in :class:`WrapperDeviations` (default: none); a ``frame_filter`` may alter each
WPDU further (negative checks).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass

from conformance.codec.hdlc.events import NEED_DATA, BytesDiscarded, NeedData
from conformance.codec.wrapper import WrapperDeframer, WrapperFrame
from conformance.errors import CodecError, IncompleteError, LocalProtocolError, RemoteProtocolError

__all__ = [
    "NEED_DATA",
    "TRANSITIONS",
    "ConnectionClosed",
    "Data",
    "FrameDiscarded",
    "WpduFilter",
    "WrapperConfig",
    "WrapperDeviations",
    "WrapperDiscardReason",
    "WrapperMachine",
    "WrapperMachineEvent",
    "WrapperState",
    "WrapperTrigger",
]

_MAX_U16 = 0xFFFF

WpduFilter = Callable[[WrapperFrame], WrapperFrame | None]
"""Deviation hook: may alter each WPDU before encoding (e.g. a wrong version or length),
or return ``None`` to send nothing."""


def _check_wport(name: str, value: int | None) -> None:
    if value is not None and not 0 <= value <= _MAX_U16:
        raise ValueError(f"{name} {value} does not fit in 16 bits")


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapperDeviations:
    """What this end does wrong on purpose in the WPDUs it sends (each field one behaviour,
    all off by default, which leaves the machine unaffected). ``ValueError`` for values
    beyond 16 bits."""

    version: int | None = None
    """Version field sent instead of 0x0001 (IEC 62056-47: any other version is illegal
    and the WPDU is discarded by the receiver)."""
    length_offset: int = 0
    """Added to the length field of every WPDU sent (-1: one octet fewer than the APDU
    that follows, +1: one more); the APDU octets are sent unchanged."""
    swap_wports: bool = False
    """Source and destination wPorts sent swapped (the receiver sees a WPDU that is not
    addressed to it)."""

    def __post_init__(self) -> None:
        _check_wport("version", self.version)
        if not -_MAX_U16 <= self.length_offset <= _MAX_U16:
            raise ValueError(f"length_offset {self.length_offset} is beyond 16 bits")

    @property
    def active(self) -> bool:
        """True when any deviation is set."""
        return self != WrapperDeviations()

    def outgoing(self, frame: WrapperFrame) -> WrapperFrame:
        """``frame`` as it goes on the wire with the deviations applied (LocalProtocolError
        when the deviated length field would not fit in 16 bits)."""
        out = frame
        if self.version is not None:
            # FAULT HOOK: an illegal wrapper version (imitates meters that send another
            # version than 0x0001).
            out = dataclasses.replace(out, version=self.version)
        if self.length_offset:
            # FAULT HOOK: a length field that does not count the APDU that follows
            # (imitates meters whose length is off by one).
            length = len(frame.apdu) + self.length_offset
            if not 0 <= length <= _MAX_U16:
                raise LocalProtocolError(f"length field {length} (APDU of {len(frame.apdu)} "
                                         f"octets, offset {self.length_offset}) does not fit "
                                         "in 16 bits")
            out = dataclasses.replace(out, length=length)
        if self.swap_wports:
            # FAULT HOOK: source and destination wPorts exchanged (imitates meters that
            # copy the request's header into their response).
            out = dataclasses.replace(out, source_wport=frame.destination_wport,
                                      destination_wport=frame.source_wport)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapperConfig:
    """One end of a wrapper connection. ``ValueError`` for values beyond 16 bits."""

    local_wport: int
    """Our wPort: the client SAP (client) or the logical device (server)."""
    remote_wport: int | None = None
    """The peer's wPort; ``None`` accepts any source (a server serving several clients;
    replies then go to the wPort the last APDU came from)."""
    max_receive_apdu_size: int = _MAX_U16
    """Longest APDU accepted; a longer one raises RemoteProtocolError."""
    max_transmit_apdu_size: int = _MAX_U16
    """Longest APDU the peer accepts; sending a longer one raises LocalProtocolError."""
    deviations: WrapperDeviations = WrapperDeviations()
    """Deliberate deviations of the WPDUs sent (a reference meter imitating real meters'
    faults); the default is none."""

    def __post_init__(self) -> None:
        _check_wport("local_wport", self.local_wport)
        _check_wport("remote_wport", self.remote_wport)
        for name in ("max_receive_apdu_size", "max_transmit_apdu_size"):
            if not 1 <= getattr(self, name) <= _MAX_U16:
                raise ValueError(f"{name} must be 1..65535 (16-bit length field)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Data:
    """One APDU: sent by the user, returned when a WPDU arrives."""

    apdu: bytes
    """The APDU octets."""
    source_wport: int | None = None
    """Received: the sender's wPort. Sending: ``None`` = our ``local_wport``."""
    destination_wport: int | None = None
    """Received: our wPort as addressed. Sending: ``None`` = the peer (``remote_wport``, or
    the wPort of the last APDU received)."""

    def __post_init__(self) -> None:
        if type(self.apdu) is not bytes:
            object.__setattr__(self, "apdu", bytes(self.apdu))
        _check_wport("source_wport", self.source_wport)
        _check_wport("destination_wport", self.destination_wport)


class WrapperDiscardReason(enum.Enum):
    """Why a WPDU changed nothing."""

    ILLEGAL_VERSION = "wrapper version is not 0x0001"
    OTHER_ADDRESS = "destination wPort is not ours, or source wPort is not the peer's"
    TRUNCATED = "the stream ended inside a WPDU"


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameDiscarded:
    """A WPDU (or the octets of an unfinished one) that was thrown away."""

    reason: WrapperDiscardReason
    """The category."""
    detail: str
    """A human-readable explanation."""
    data: bytes
    """The octets concerned."""
    error: CodecError | None = None
    """The decoding error, when there was one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionClosed:
    """The byte stream ended (after every complete WPDU was returned)."""


class WrapperState(enum.Enum):
    """States of the wrapper machine."""

    OPEN = "open"
    """WPDUs flow both ways."""
    CLOSED = "closed"
    """The peer's stream ended; nothing more can be sent."""


class WrapperTrigger(enum.Enum):
    """What moves the wrapper machine."""

    SEND = "send Data"
    RECEIVE = "WPDU received"
    END_OF_STREAM = "end of stream"


TRANSITIONS: dict[tuple[WrapperState, WrapperTrigger], WrapperState] = {
    (WrapperState.OPEN, WrapperTrigger.SEND): WrapperState.OPEN,
    (WrapperState.OPEN, WrapperTrigger.RECEIVE): WrapperState.OPEN,
    (WrapperState.OPEN, WrapperTrigger.END_OF_STREAM): WrapperState.CLOSED,
    (WrapperState.CLOSED, WrapperTrigger.RECEIVE): WrapperState.CLOSED,
}
"""The table: (state, trigger) -> state. A send in CLOSED is a LocalProtocolError (WPDUs
that arrived before the end of the stream still come out in CLOSED)."""

WrapperMachineEvent = Data | FrameDiscarded | ConnectionClosed | NeedData


class WrapperMachine:
    """One end of a wrapper connection (the same machine for client and server)."""

    __slots__ = ("_closed_reported", "_config", "_deframer", "_eof", "_frame_filter",
                 "_last_source", "_state")

    def __init__(self, config: WrapperConfig, *, frame_filter: WpduFilter | None = None) -> None:
        self._config = config
        self._frame_filter = frame_filter
        self._deframer = WrapperDeframer()
        self._state = WrapperState.OPEN
        self._eof = False
        self._closed_reported = False
        self._last_source: int | None = None

    @property
    def config(self) -> WrapperConfig:
        """The configuration."""
        return self._config

    @property
    def state(self) -> WrapperState:
        """OPEN or CLOSED."""
        return self._state

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Octets received (LocalProtocolError after :meth:`receive_eof`)."""
        if self._eof:
            raise LocalProtocolError("receive_data() after receive_eof()")
        self._deframer.receive_data(data)

    def receive_eof(self) -> None:
        """The peer closed the stream: pending WPDUs still come out, then an unfinished
        one as FrameDiscarded, then ConnectionClosed."""
        if not self._eof:
            self._eof = True
            self._deframer.receive_eof()

    def next_event(self) -> WrapperMachineEvent:
        """The next event, or NEED_DATA. RemoteProtocolError for an APDU above
        ``max_receive_apdu_size`` or an empty one (the WPDU is dropped; call again)."""
        event = self._deframer.next_event()
        if event is NEED_DATA:
            if self._eof and not self._closed_reported:
                self._closed_reported = True
                self._state = TRANSITIONS[(self._state, WrapperTrigger.END_OF_STREAM)]
                return ConnectionClosed()
            return NEED_DATA
        if isinstance(event, BytesDiscarded):
            reason = (WrapperDiscardReason.TRUNCATED if isinstance(event.error, IncompleteError)
                      else WrapperDiscardReason.ILLEGAL_VERSION)
            return FrameDiscarded(reason=reason, detail=str(event.error), data=event.data,
                                  error=event.error)
        return self._received(event.frame, event.raw)

    def _received(self, frame: WrapperFrame, raw: bytes) -> WrapperMachineEvent:
        config = self._config
        if frame.destination_wport != config.local_wport or (
                config.remote_wport is not None and frame.source_wport != config.remote_wport):
            return FrameDiscarded(
                reason=WrapperDiscardReason.OTHER_ADDRESS, data=raw,
                detail=f"WPDU {frame.source_wport} -> {frame.destination_wport}; this end is "
                       f"{config.local_wport}"
                       + (f", peer {config.remote_wport}" if config.remote_wport is not None
                          else ""))
        size = len(frame.apdu)
        if size == 0:
            raise RemoteProtocolError("WPDU with an empty APDU (IEC 62056-47: the wrapper "
                                      "carries one APDU)")
        if size > config.max_receive_apdu_size:
            raise RemoteProtocolError(f"APDU of {size} octets exceeds the maximum of "
                                      f"{config.max_receive_apdu_size} (WPDU dropped)")
        self._last_source = frame.source_wport
        return Data(apdu=frame.apdu, source_wport=frame.source_wport,
                    destination_wport=frame.destination_wport)

    def send(self, event: Data) -> bytes:
        """The WPDU carrying ``event.apdu``. LocalProtocolError when closed, for an empty
        APDU, one above ``max_transmit_apdu_size``, or no known destination wPort."""
        if (self._state, WrapperTrigger.SEND) not in TRANSITIONS:
            raise LocalProtocolError(f"cannot send in state {self._state.value}")
        config = self._config
        size = len(event.apdu)
        if size == 0:
            raise LocalProtocolError("an empty APDU cannot be sent")
        if size > config.max_transmit_apdu_size:
            raise LocalProtocolError(f"APDU of {size} octets exceeds the peer's maximum of "
                                     f"{config.max_transmit_apdu_size}")
        destination = event.destination_wport
        if destination is None:
            destination = (config.remote_wport if config.remote_wport is not None
                           else self._last_source)
        if destination is None:
            raise LocalProtocolError("no destination wPort: configure remote_wport or pass "
                                     "destination_wport")
        source = config.local_wport if event.source_wport is None else event.source_wport
        frame = WrapperFrame(source_wport=source, destination_wport=destination,
                             apdu=event.apdu)
        if config.deviations.active:
            frame = config.deviations.outgoing(frame)
        sent = frame if self._frame_filter is None else self._frame_filter(frame)
        return b"" if sent is None else sent.to_bytes()
