"""IEC 62056-47 wrapper (the DLMS/COSEM transport layer for TCP and UDP).

::

    version (2) | source wPort (2) | destination wPort (2) | length (2) | APDU (length)

All fields big-endian. ``version`` is 0x0001 (IEC 62056-47 wrapper header; other values
are illegal and such a WPDU is discarded: vector ``wrapper-header-jdlms-v1001``).
``length`` counts the APDU octets only. The client wPort is the client SAP (public client
0x0010, client management process 0x0001); the server wPort is the logical device
(management logical device 0x0001).

:class:`WrapperDeframer` splits a TCP byte stream into WPDUs with the same event interface
as :class:`conformance.codec.hdlc.HdlcDeframer`. A stream has no flags to resynchronise on,
so a WPDU with an illegal version is discarded as delimited by its length field.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.codec._buffer import Reader, Writer
from conformance.codec.hdlc.events import NEED_DATA, BytesDiscarded, FrameReceived, NeedData
from conformance.errors import CodecError, IncompleteError, LocalProtocolError

__all__ = [
    "ALL_STATION_WPORT",
    "CLIENT_MANAGEMENT_PROCESS_WPORT",
    "HEADER_LENGTH",
    "MANAGEMENT_LOGICAL_DEVICE_WPORT",
    "NO_STATION_WPORT",
    "PUBLIC_CLIENT_WPORT",
    "WRAPPER_VERSION",
    "WrapperDeframer",
    "WrapperEvent",
    "WrapperFrame",
    "WrapperHeader",
]

WRAPPER_VERSION = 0x0001
"""The only legal wrapper version."""
HEADER_LENGTH = 8
"""Octets of the wrapper header."""
NO_STATION_WPORT = 0x0000
"""No-station wPort."""
CLIENT_MANAGEMENT_PROCESS_WPORT = 0x0001
"""Client wPort of the client management process."""
PUBLIC_CLIENT_WPORT = 0x0010
"""Client wPort of the public client."""
MANAGEMENT_LOGICAL_DEVICE_WPORT = 0x0001
"""Server wPort of the management logical device."""
ALL_STATION_WPORT = 0x007F
"""Server wPort addressing all logical devices (broadcast)."""


_new = object.__new__
_set = object.__setattr__


def _check_u16(name: str, value: int) -> None:
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"{name} {value} does not fit in 16 bits")


def _version_error(version: int, path: str) -> CodecError | None:
    if version == WRAPPER_VERSION:
        return None
    return CodecError(f"illegal wrapper version 0x{version:04X} (IEC 62056-47 requires 0x0001)",
                      offset=0, path=f"{path}.version")


def _decode_header(r: Reader, check_version: bool) -> WrapperHeader:
    header = WrapperHeader(version=r.pull_u16("version"), source_wport=r.pull_u16("source_wport"),
                           destination_wport=r.pull_u16("destination_wport"),
                           length=r.pull_u16("length"))
    if check_version and (error := _version_error(header.version, r.path())):
        raise error
    return header


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapperHeader:
    """The 8-octet wrapper header alone. ``ValueError`` for fields beyond 16 bits."""

    version: int = WRAPPER_VERSION
    """Wrapper version (0x0001)."""
    source_wport: int
    """wPort of the sender."""
    destination_wport: int
    """wPort of the receiver."""
    length: int
    """Length of the APDU that follows the header."""

    def __post_init__(self) -> None:
        for name in ("version", "source_wport", "destination_wport", "length"):
            _check_u16(name, getattr(self, name))

    def encode(self, w: Writer) -> None:
        """Append the header to ``w``."""
        w.push_u16(self.version)
        w.push_u16(self.source_wport)
        w.push_u16(self.destination_wport)
        w.push_u16(self.length)

    def to_bytes(self) -> bytes:
        """The 8 header octets."""
        w = Writer()
        self.encode(w)
        return w.getvalue()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview, *,
               check_version: bool = True) -> WrapperHeader:
        """Decode the first 8 octets of ``data`` (more may follow: the APDU).

        IncompleteError for fewer than 8 octets; CodecError for a version other than
        0x0001 unless ``check_version`` is false.
        """
        return _decode_header(Reader(bytes(data), path="WrapperHeader"), check_version)


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapperFrame:
    """A wrapper protocol data unit: header and APDU octets (not decoded here).

    ``length`` overrides the computed APDU length (to build a broken WPDU); ``None`` means
    the actual length. ``ValueError`` for fields beyond 16 bits or an APDU longer than
    65535 octets without an explicit ``length``.
    """

    source_wport: int
    """wPort of the sender (client SAP or server logical device)."""
    destination_wport: int
    """wPort of the receiver."""
    apdu: bytes = b""
    """The APDU octets carried."""
    version: int = WRAPPER_VERSION
    """Wrapper version; anything but 0x0001 is illegal (kept to build broken WPDUs)."""
    length: int | None = None
    """Length field; ``None`` = ``len(apdu)``."""

    def __post_init__(self) -> None:
        if type(self.apdu) is not bytes:
            object.__setattr__(self, "apdu", bytes(self.apdu))
        for name in ("version", "source_wport", "destination_wport"):
            _check_u16(name, getattr(self, name))
        if self.length is not None:
            _check_u16("length", self.length)
        elif len(self.apdu) > 0xFFFF:
            raise ValueError(f"APDU of {len(self.apdu)} octets exceeds the 16-bit length field")

    @property
    def header(self) -> WrapperHeader:
        """The header as it is sent."""
        return WrapperHeader(version=self.version, source_wport=self.source_wport,
                             destination_wport=self.destination_wport,
                             length=len(self.apdu) if self.length is None else self.length)

    def encode(self, w: Writer) -> None:
        """Append the WPDU to ``w``."""
        self.header.encode(w)
        w.push_bytes(self.apdu)

    def to_bytes(self) -> bytes:
        """The encoded WPDU."""
        w = Writer()
        self.encode(w)
        return w.getvalue()

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview, *,
               check_version: bool = True) -> WrapperFrame:
        """Decode exactly one WPDU.

        CodecError for an illegal version (unless ``check_version`` is false) and for
        octets beyond the length field's count; IncompleteError when fewer APDU octets than
        announced are present. Offsets count from the start of ``data``.
        """
        data = bytes(data)
        n = len(data)
        # Fast path: version 0x0001 and a length field that matches the octets present,
        # read by position; anything else goes the general way, which reports it.
        if (n >= HEADER_LENGTH and data[0] == 0 and data[1] == WRAPPER_VERSION
                and (data[6] << 8) | data[7] == n - HEADER_LENGTH):
            # Built without __post_init__: its checks cannot fail for these values (16-bit
            # fields read from the wire, an APDU whose length fits the 16-bit field).
            frame = _new(cls)
            _set(frame, "source_wport", (data[2] << 8) | data[3])
            _set(frame, "destination_wport", (data[4] << 8) | data[5])
            _set(frame, "apdu", data[HEADER_LENGTH:])
            _set(frame, "version", WRAPPER_VERSION)
            _set(frame, "length", None)
            return frame
        header = _decode_header(Reader(data, path="WrapperFrame"), check_version)
        present = len(data) - HEADER_LENGTH
        if header.length != present:
            kind = IncompleteError if header.length > present else CodecError
            raise kind(f"length field says {header.length} APDU octets, {present} present",
                       offset=6, path="WrapperFrame.length")
        return cls(version=header.version, source_wport=header.source_wport,
                   destination_wport=header.destination_wport, apdu=data[HEADER_LENGTH:])

    def __str__(self) -> str:
        return (f"WPDU v{self.version} {self.source_wport} -> {self.destination_wport}, "
                f"{len(self.apdu)} APDU octets")


WrapperEvent = FrameReceived[WrapperFrame] | BytesDiscarded | NeedData


class WrapperDeframer:
    """Sans-IO splitter of a wrapper byte stream into WPDUs (``receive_data`` /
    ``next_event`` as for :class:`conformance.codec.hdlc.HdlcDeframer`)."""

    __slots__ = ("_base", "_buf", "_eof", "_pos")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._base = 0
        self._pos = 0
        self._eof = False

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Append received octets (any amount, including none)."""
        if self._eof:
            raise LocalProtocolError("receive_data() after receive_eof()")
        self._buf += data

    def receive_eof(self) -> None:
        """The stream has ended: an unfinished WPDU is reported as discarded."""
        self._eof = True

    @property
    def offset(self) -> int:
        """Stream offset of the next octet to examine."""
        return self._base + self._pos

    @property
    def buffered(self) -> int:
        """Octets received but not yet turned into events."""
        return len(self._buf) - self._pos

    def next_event(self) -> WrapperEvent:
        """The next event, or :data:`NEED_DATA`."""
        if self._pos:
            del self._buf[:self._pos]
            self._base += self._pos
            self._pos = 0
        buf = self._buf
        avail = len(buf)
        if avail < HEADER_LENGTH:
            return self._need_data(avail)
        length = (buf[6] << 8) | buf[7]
        total = HEADER_LENGTH + length
        if avail < total:
            return self._need_data(avail)
        raw = bytes(buf[:total])
        off = self._base
        self._pos = total
        version = (buf[0] << 8) | buf[1]
        error = _version_error(version, "WrapperFrame")
        if error is not None:
            return BytesDiscarded(data=raw, offset=off, error=error.with_context(shift=off))
        frame = WrapperFrame(version=version, source_wport=(buf[2] << 8) | buf[3],
                             destination_wport=(buf[4] << 8) | buf[5], apdu=raw[HEADER_LENGTH:])
        return FrameReceived(frame=frame, raw=raw, offset=off)

    def _need_data(self, avail: int) -> WrapperEvent:
        if self._eof and avail:
            off = self._base
            self._pos = avail
            return BytesDiscarded(data=bytes(self._buf), offset=off, error=IncompleteError(
                f"stream ended inside a WPDU ({avail} octet(s) received)", offset=off,
                path="WrapperFrame"))
        return NEED_DATA
