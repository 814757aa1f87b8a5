"""How the suite reaches a meter: the ``transport`` of a plan (one class per kind) and
its timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

__all__ = [
    "DLMS_TCP_PORT",
    "Framing",
    "HdlcTcpTransport",
    "ModeE",
    "Parity",
    "SerialTransport",
    "SimulatorTransport",
    "TcpTransport",
    "Timeouts",
    "Transport",
    "TransportKind",
]

#: IANA-registered DLMS/COSEM port for the TCP wrapper (IEC 62056-47).
DLMS_TCP_PORT = 4059


class TransportKind(Enum):
    """How the suite reaches the meter."""

    SIMULATOR = "simulator"
    """The built-in reference meter, started in-process."""
    TCP = "tcp"
    """TCP with the wrapper framing (IEC 62056-47)."""
    HDLC_TCP = "hdlc+tcp"
    """HDLC frames (IEC 62056-46) over a TCP byte pipe (e.g. a serial-to-TCP gateway)."""
    SERIAL = "serial"
    """HDLC over a serial line (any pyserial URL), optionally after IEC 62056-21 mode E."""


class Framing(Enum):
    """The framing above the byte pipe."""

    HDLC = "hdlc"
    WRAPPER = "wrapper"


class Parity(Enum):
    """Serial parity, as pyserial spells it."""

    NONE = "N"
    EVEN = "E"
    ODD = "O"
    MARK = "M"
    SPACE = "S"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """Timeouts in seconds."""

    response: float = 5.0
    """Longest wait for the meter's answer to a request."""
    inter_frame: float = 0.5
    """Longest gap between the frames (or bytes) of one answer."""
    inactivity: float = 120.0
    """The meter's inactivity timeout (IEC 62056-46 HDLC inactivity, default 120 s)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeE:
    """IEC 62056-21 mode E sign-on before HDLC (clause 6.3 / Annex E, optical probe).

    The sign-on always starts at 300 baud 7E1 (:attr:`INITIAL_BAUDRATE` etc.); the meter's
    identification announces the baud rate both sides switch to (then 8N1).
    """

    INITIAL_BAUDRATE: ClassVar[int] = 300
    INITIAL_BYTESIZE: ClassVar[int] = 7
    INITIAL_PARITY: ClassVar[Parity] = Parity.EVEN
    INITIAL_STOPBITS: ClassVar[float] = 1

    device_address: str | None = None
    """Device address sent in the request ``/?ADDRESS!`` (none: ``/?!``)."""
    baudrate: int | None = None
    """The baud rate the meter announces (a client expectation; the reference meter
    announces it); ``None``: whatever the meter announces (the reference meter: 9600)."""
    manufacturer: str | None = None
    """Three-letter manufacturer id of the identification message."""
    identification: str | None = None
    """Identification text of the identification message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatorTransport:
    """The built-in reference meter, connected in-process."""

    kind: ClassVar[TransportKind] = TransportKind.SIMULATOR
    framing: Framing = Framing.HDLC
    timeouts: Timeouts = Timeouts()


@dataclass(frozen=True, slots=True, kw_only=True)
class TcpTransport:
    """TCP with the wrapper framing (IEC 62056-47)."""

    kind: ClassVar[TransportKind] = TransportKind.TCP
    host: str
    port: int = DLMS_TCP_PORT
    timeouts: Timeouts = Timeouts()

    @property
    def framing(self) -> Framing:
        """Always the wrapper."""
        return Framing.WRAPPER


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcTcpTransport:
    """HDLC frames over TCP."""

    kind: ClassVar[TransportKind] = TransportKind.HDLC_TCP
    host: str
    port: int = DLMS_TCP_PORT
    timeouts: Timeouts = Timeouts()

    @property
    def framing(self) -> Framing:
        """Always HDLC."""
        return Framing.HDLC


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialTransport:
    """HDLC over a serial line opened with ``serial.serial_for_url(url)``."""

    kind: ClassVar[TransportKind] = TransportKind.SERIAL
    url: str
    """Any pyserial URL: ``/dev/ttyUSB0``, ``COM3``, ``socket://h:p``, ``rfc2217://h:p``,
    ``loop://``."""
    baudrate: int = 9600
    bytesize: int = 8
    parity: Parity = Parity.NONE
    stopbits: float = 1
    mode_e: ModeE | None = None
    """IEC 62056-21 mode E sign-on first (``None``: straight to HDLC at ``baudrate``)."""
    timeouts: Timeouts = Timeouts()

    @property
    def framing(self) -> Framing:
        """Always HDLC."""
        return Framing.HDLC


Transport = SimulatorTransport | TcpTransport | HdlcTcpTransport | SerialTransport
