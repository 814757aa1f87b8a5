"""The session's I/O: the one place octets go to and come from the transport, each one
recorded in the trace, with the session's clock.

Reads are bounded by the caller (a deadline from the clock); a read that finds nothing in
time returns ``b""`` instead of raising, so the caller can let the protocol machines'
timers run and decide which exchange timed out. :meth:`SessionIO.exchange_scope` runs one
exchange under its :class:`~conformance.client._deadline.ExchangeClock` (response timeout
from the last progress, overall deadline; the trace recorder's per-exchange limit);
:meth:`SessionIO.wait_end` is where every wait learns how long it may last.
:class:`RecordingLine` gives the mode E sign-on (which does its own reads) a line whose
octets are recorded as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from conformance.client._deadline import ExchangeClock
from conformance.client.config import ModeESignOn
from conformance.client.trace import TraceRecorder
from conformance.errors import LocalProtocolError, RemoteProtocolError, TransportTimeout
from conformance.transport import (
    ConnectionClosed,
    LineSettings,
    SerialLine,
    Transport,
    sign_on,
)
from conformance.transport.mode_e import ClientSignOn

__all__ = ["READ_SIZE", "RecordingLine", "SessionIO", "mode_e_sign_on"]

READ_SIZE = 4096
"""Octets asked for per read."""


class SessionIO:
    """Transport + recorder + clock of one session."""

    def __init__(self, transport: Transport, recorder: TraceRecorder,
                 clock: Callable[[], float], where: str) -> None:
        self.transport = transport
        self.recorder = recorder
        self.clock = clock
        self.where = where
        """How messages name the meter."""
        self.exchange: ExchangeClock | None = None
        """The exchange running (``None`` between exchanges)."""

    @contextlib.contextmanager
    def exchange_scope(self, what: str, limit: float) -> Iterator[ExchangeClock]:
        """Run one exchange named ``what`` with an overall deadline of ``limit`` seconds
        (and the recorder's per-exchange limit). Inside an exchange already running, the
        running one continues (a link operation inside a service call)."""
        if self.exchange is not None:
            yield self.exchange
            return
        clock = ExchangeClock(what, now=self.clock(), limit=limit, recorder=self.recorder)
        self.exchange = clock
        self.recorder.begin_exchange(what)
        try:
            yield clock
        finally:
            self.exchange = None
            self.recorder.end_exchange()

    def _running(self) -> ExchangeClock:
        if self.exchange is None:  # the links open a scope around every wait
            raise LocalProtocolError("no exchange is running (SessionIO.exchange_scope)")
        return self.exchange

    def progress(self) -> None:
        """The running exchange made real progress now: its response timeout restarts."""
        if self.exchange is not None:
            self.exchange.progress(self.clock())

    def check_deadline(self) -> None:
        """TransportTimeout when the running exchange is past its overall deadline."""
        clock, now = self._running(), self.clock()
        if now >= clock.deadline:
            raise clock.expired_error(now, self.where)

    def wait_end(self, what: str, timeout: float) -> float:
        """When the current wait for ``what`` ends: the response timeout ``timeout`` after
        the exchange's last progress, or its overall deadline if that comes first. Raises
        the TransportTimeout of the limit reached when that time has come."""
        clock, now = self._running(), self.clock()
        response_end = clock.response_deadline(timeout)
        if clock.deadline < response_end:
            if now >= clock.deadline:
                raise clock.expired_error(now, self.where)
            return clock.deadline
        if now >= response_end:
            raise self.timeout_error(what, timeout)
        return response_end

    def write(self, data: bytes) -> None:
        """Send ``data`` (nothing for empty data); recorded before it leaves."""
        if data:
            self.recorder.sent(data)
            self.transport.send(data)

    def read(self, timeout: float, what: str) -> bytes:
        """What arrives within ``timeout`` seconds (``b""``: nothing). A closed connection
        raises :class:`ConnectionClosed` naming the exchange ``what``."""
        try:
            data = self.transport.recv(READ_SIZE, max(0.0, timeout))
        except TransportTimeout:
            return b""
        except ConnectionClosed as exc:
            raise ConnectionClosed(f"{self.where}: the connection closed while waiting for "
                                   f"{what} ({exc})") from exc
        self.recorder.received(data)
        return data

    def timeout_error(self, what: str, waited: float) -> TransportTimeout:
        """The error for an exchange that got no answer: ``no UA to SNRM after 2.0 s from
        hdlc+tcp://127.0.0.1:4059``."""
        return TransportTimeout(f"no {what} after {float(waited)} s from {self.where}")


class RecordingLine(SerialLine):
    """A serial line that records every octet in the trace (outside the frame streams)
    and delegates to the session's line; used for the mode E sign-on."""

    def __init__(self, line: SerialLine, recorder: TraceRecorder) -> None:
        super().__init__()
        self._line = line
        self._recorder = recorder
        self._is_open = True

    def describe(self) -> str:
        """The underlying line's description."""
        return self._line.describe()

    @property
    def line_settings(self) -> LineSettings:
        """The underlying line's settings."""
        return self._line.line_settings

    def apply_line_settings(self, settings: LineSettings) -> None:
        """Change the underlying line's settings."""
        self._line.apply_line_settings(settings)

    def _open(self) -> None:
        """The underlying line is already open."""

    def _close(self) -> None:
        """The session closes the underlying line, not this view of it."""

    def _send(self, data: bytes) -> None:
        self._recorder.sent(data, framed=False)
        self._line.send(data)

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        try:
            data = self._line.recv(max_bytes, timeout)
        except TransportTimeout:
            return b""
        self._recorder.received(data, framed=False)
        return data

    def _discard(self) -> None:
        self._line.discard_input()

    def _flush(self) -> None:
        self._line.flush()


def mode_e_sign_on(line: SerialLine, mode_e: ModeESignOn, recorder: TraceRecorder,
                   sleep: Callable[[float], None], where: str) -> ClientSignOn:
    """IEC 62056-21 mode E sign-on on ``line`` (its octets recorded outside the frame
    streams); RemoteProtocolError when the meter offers another baud rate than
    ``mode_e.expected_baudrate``."""
    result = sign_on(RecordingLine(line, recorder), device_address=mode_e.device_address,
                     baud_rate_id=mode_e.baud_rate_id, seven_bit=mode_e.seven_bit,
                     identification_timeout=mode_e.identification_timeout,
                     switch_delay=mode_e.switch_delay, sleep=sleep)
    recorder.note("IEC 62056-21 mode E sign-on",
                  identification=result.identification.encode().decode("ascii", "replace"),
                  line=str(result.line_settings))
    expected = mode_e.expected_baudrate
    offered = result.identification.baud_rate
    if expected is not None and offered != expected:
        raise RemoteProtocolError(f"{where}: the meter offers {offered} baud in mode E, "
                                  f"{expected} is expected")
    return result
