"""The session's I/O: the one place octets go to and come from the transport, each one
recorded in the trace, with the session's clock.

Reads are bounded by the caller (a deadline from the clock); a read that finds nothing in
time returns ``b""`` instead of raising, so the caller can let the protocol machines'
timers run and decide which exchange timed out. :class:`RecordingLine` gives the mode E
sign-on (which does its own reads) a line whose octets are recorded as well.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.client.config import ModeESignOn
from conformance.client.trace import TraceRecorder
from conformance.errors import RemoteProtocolError, TransportTimeout
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
