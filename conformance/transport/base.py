"""The byte-pipe interface every transport implements, line settings, and transport errors.

A transport carries bytes and nothing else: no HDLC, no wrapper, no DLMS. The protocol
machines above it are sans-IO; the blocking session feeds them from :meth:`Transport.recv`.

Errors (all from :mod:`conformance.errors`)::

    TransportError (OSError)                the pipe failed: refused, reset, closed, not open
     +-- ConnectionClosed                   the peer closed the pipe (EOF)
     +-- TransportTimeout (TimeoutError)    nothing arrived in time
          +-- IncompleteReceive             some bytes arrived, not all (.received)
    EndpointError (ValueError)              a transport URL or setting is invalid

Every message names the transport (:meth:`Transport.describe`) and, for timeouts, how long
it waited, so a "broken" verdict says which link failed and how.
"""

from __future__ import annotations

import abc
import enum
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from conformance.errors import CodecError, ConformanceError, TransportError, TransportTimeout

__all__ = [
    "ConnectionClosed",
    "EndpointError",
    "IncompleteReceive",
    "LineSettings",
    "Parity",
    "SerialLine",
    "Transport",
]


class ConnectionClosed(TransportError):
    """The peer closed the pipe (TCP FIN, loopback end closed, pseudo-terminal hung up)."""


class IncompleteReceive(TransportTimeout):
    """The deadline passed after *some* bytes arrived; ``received`` holds them."""

    def __init__(self, message: str, *, received: bytes) -> None:
        super().__init__(message)
        self.received = received


class EndpointError(ConformanceError, ValueError):
    """A transport URL, or a setting in it, is invalid (raised before any I/O)."""


class Parity(enum.StrEnum):
    """Parity of an asynchronous character (the letters pyserial uses)."""

    NONE = "N"
    EVEN = "E"
    ODD = "O"
    MARK = "M"
    SPACE = "S"


_BYTESIZES = (5, 6, 7, 8)
_STOPBITS = (1, 1.5, 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class LineSettings:
    """Character format and speed of an asynchronous serial line (e.g. ``300 7E1``)."""

    baudrate: int = 9600
    """Bits per second."""
    bytesize: int = 8
    """Data bits per character: 5, 6, 7 or 8."""
    parity: Parity = Parity.NONE
    """Parity bit appended after the data bits (``Parity.NONE``: no parity bit)."""
    stopbits: float = 1
    """Stop bits: 1, 1.5 or 2."""

    def __post_init__(self) -> None:
        if isinstance(self.baudrate, bool) or not isinstance(self.baudrate, int) \
                or self.baudrate <= 0:
            raise EndpointError(f"baud rate must be a positive integer, got {self.baudrate!r}")
        if self.bytesize not in _BYTESIZES:
            raise EndpointError(f"bytesize must be one of {_BYTESIZES}, got {self.bytesize!r}")
        if not isinstance(self.parity, Parity):
            try:
                object.__setattr__(self, "parity", Parity(self.parity))
            except ValueError:
                raise EndpointError(
                    f"parity must be one of N, E, O, M, S, got {self.parity!r}") from None
        if self.stopbits not in _STOPBITS:
            raise EndpointError(f"stopbits must be one of {_STOPBITS}, got {self.stopbits!r}")

    @property
    def frame_bits(self) -> int:
        """Data bits plus the parity bit: what a receiver must agree on (start and stop bits
        aside) to read a character sent with these settings."""
        return self.bytesize + (0 if self.parity is Parity.NONE else 1)

    def __str__(self) -> str:
        stop = "1.5" if self.stopbits == 1.5 else str(int(self.stopbits))
        return f"{self.baudrate} {self.bytesize}{self.parity.value}{stop}"


class Transport(abc.ABC):
    """A blocking, bidirectional byte pipe.

    Subclasses implement ``_open``, ``_close``, ``_send``, ``_recv`` and :meth:`describe`;
    this class adds the rules every transport shares: argument checks, "not open" errors,
    a timeout that is never a silent ``b""``, a push-back buffer for :meth:`recv_until`,
    and the context-manager protocol. One thread uses one transport (the loopback pair is
    safe for one thread per end).
    """

    def __init__(self) -> None:
        self._is_open = False
        self._pushback = bytearray()

    # -- what a subclass provides --------------------------------------------------------
    @abc.abstractmethod
    def describe(self) -> str:
        """A short human description for traces and errors (``tcp://10.0.0.5:4059``);
        never contains secrets."""

    @abc.abstractmethod
    def _open(self) -> None:
        """Acquire the OS resource; raise :class:`TransportError` on failure."""

    @abc.abstractmethod
    def _close(self) -> None:
        """Release the OS resource; must not raise."""

    @abc.abstractmethod
    def _send(self, data: bytes) -> None:
        """Write all of ``data`` (non-empty)."""

    @abc.abstractmethod
    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        """Wait up to ``timeout`` seconds for at least one byte and return what is there
        (at most ``max_bytes``); ``b""`` means nothing arrived in time. A closed peer
        raises :class:`ConnectionClosed`."""

    def _discard(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Drop bytes the OS has buffered; the default drops nothing."""

    def _flush(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Block until written bytes have left the local buffers; default: nothing."""

    # -- public API ------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """True between a successful :meth:`open` and :meth:`close`."""
        return self._is_open

    def open(self) -> None:
        """Open the pipe (connect, open the device). A no-op when already open."""
        if self._is_open:
            return
        self._open()
        self._pushback.clear()
        self._is_open = True

    def close(self) -> None:
        """Close the pipe; idempotent, never raises."""
        if not self._is_open:
            return
        self._is_open = False
        self._pushback.clear()
        self._close()

    def send(self, data: bytes | bytearray | memoryview) -> None:
        """Write every byte of ``data``; raises :class:`TransportError` if the pipe fails
        and :class:`TransportTimeout` if the OS would not take the bytes in time."""
        self._check_open("send")
        payload = bytes(data)
        if payload:
            self._send(payload)

    def recv(self, max_bytes: int, timeout: float) -> bytes:
        """Wait up to ``timeout`` seconds (0 polls) and return the bytes that arrived, at
        most ``max_bytes`` of them, at least one.

        Raises :class:`TransportTimeout` (naming this transport and the wait) when nothing
        arrived, :class:`ConnectionClosed` when the peer closed the pipe.
        """
        self._check_open("receive")
        _check_recv_args(max_bytes, timeout)
        if self._pushback:
            data = bytes(self._pushback[:max_bytes])
            del self._pushback[:max_bytes]
            return data
        data = self._recv(max_bytes, timeout)
        if not data:
            raise TransportTimeout(
                f"{self.describe()}: nothing received within {timeout:g} s")
        return data

    def recv_exactly(self, n: int, timeout: float) -> bytes:
        """Return exactly ``n`` bytes received within ``timeout`` seconds in total;
        :class:`IncompleteReceive` (carrying what did arrive) when the deadline passes."""
        _check_recv_args(n, timeout)
        deadline = time.monotonic() + timeout
        got = bytearray()
        while len(got) < n:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                got += self.recv(n - len(got), remaining)
            except TransportTimeout:
                raise self._incomplete(got, f"{n} bytes", timeout) from None
        return bytes(got)

    def recv_until(self, terminator: bytes, timeout: float, *, limit: int) -> bytes:
        """Return the bytes up to and including the first ``terminator`` received within
        ``timeout`` seconds in total. Bytes after the terminator stay buffered for the next
        receive. ``limit`` bytes (terminator included) without a terminator is malformed
        input (:class:`~conformance.errors.CodecError`, the bytes are consumed); a deadline
        raises :class:`IncompleteReceive`."""
        if not terminator:
            raise ValueError("terminator must not be empty")
        _check_recv_args(limit, timeout)
        deadline = time.monotonic() + timeout
        got = bytearray()
        while True:
            end = got.find(terminator)
            if end >= 0:
                end += len(terminator)
                self._pushback[:0] = got[end:]
                return bytes(got[:end])
            if len(got) >= limit:
                raise CodecError(
                    f"{self.describe()}: no {terminator!r} within {limit} bytes",
                    offset=limit)
            remaining = max(0.0, deadline - time.monotonic())
            try:
                got += self.recv(limit - len(got), remaining)
            except TransportTimeout:
                raise self._incomplete(got, f"{terminator!r}", timeout) from None

    def discard_input(self) -> None:
        """Drop every byte received so far and not yet read (stale input before a new
        exchange, e.g. a sign-on)."""
        self._check_open("discard input")
        self._pushback.clear()
        self._discard()

    def flush(self) -> None:
        """Block until the bytes sent so far have left this end (a serial port's UART);
        used before changing line settings."""
        self._check_open("flush")
        self._flush()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._is_open else "closed"
        return f"<{type(self).__name__} {self.describe()} ({state})>"

    # -- helpers -----------------------------------------------------------------------
    def _check_open(self, action: str) -> None:
        if not self._is_open:
            raise TransportError(f"{self.describe()}: cannot {action}, transport is not open")

    def _incomplete(self, got: bytearray, what: str, timeout: float) -> IncompleteReceive:
        return IncompleteReceive(
            f"{self.describe()}: waited {timeout:g} s for {what}, "
            f"received {len(got)} byte(s)", received=bytes(got))


class SerialLine(Transport):
    """A transport whose line format can change while open (needed by IEC 62056-21
    mode E, which signs on at 300 baud 7E1 and continues at the agreed baud rate 8N1)."""

    @property
    @abc.abstractmethod
    def line_settings(self) -> LineSettings:
        """The speed and character format this end uses now."""

    @abc.abstractmethod
    def apply_line_settings(self, settings: LineSettings) -> None:
        """Change speed and character format in one step (bytes already written are sent
        with the old settings first)."""


def _check_recv_args(count: int, timeout: float) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise ValueError(f"byte count must be a positive integer, got {count!r}")
    if not timeout >= 0:  # also rejects NaN
        raise ValueError(f"timeout must be a non-negative number of seconds, got {timeout!r}")
