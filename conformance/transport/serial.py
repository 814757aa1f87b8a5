"""Serial lines through pyserial: a device path or any pyserial URL.

``/dev/ttyUSB0``, ``COM3``, ``socket://host:port`` (raw TCP to a serial server),
``rfc2217://host:port`` (telnet COM-port control), ``loop://``, ``spy://...`` and the other
pyserial handlers all open through :func:`serial.serial_for_url`. Line settings (speed,
data bits, parity, stop bits) can change while the port is open, which IEC 62056-21 mode E
needs (:mod:`conformance.transport.mode_e`).
"""

from __future__ import annotations

import contextlib
from typing import Any

import serial

from conformance.errors import TransportError, TransportTimeout
from conformance.transport.base import EndpointError, LineSettings, Parity, SerialLine

try:  # termios raises its own error type (not an OSError) from pyserial's setters
    import termios
    _TERMIOS_ERRORS: tuple[type[Exception], ...] = (termios.error,)
except ImportError:  # pragma: no cover - not POSIX
    _TERMIOS_ERRORS = ()

__all__ = ["SerialTransport"]

_CONFIG_ERRORS: tuple[type[Exception], ...] = (
    serial.SerialException, OSError, ValueError, *_TERMIOS_ERRORS)


class SerialTransport(SerialLine):
    """A serial port opened with :func:`serial.serial_for_url`."""

    def __init__(self, port: str, settings: LineSettings | None = None, *,
                 send_timeout: float = 5.0, exclusive: bool | None = None) -> None:
        super().__init__()
        if not port:
            raise EndpointError("serial port name must not be empty")
        self.url = port
        """Device path or pyserial URL."""
        self.send_timeout = send_timeout
        """Seconds a send may block (flow control, full buffers) before a timeout."""
        self.exclusive = exclusive
        """POSIX advisory lock on the device (``None``: pyserial's default, no lock)."""
        self._settings = settings if settings is not None else LineSettings()
        self._port: serial.Serial | None = None
        self._read_timeout: float | None = None

    @property
    def port(self) -> serial.Serial | None:
        """The pyserial object while open: modem lines such as DTR/RTS that power an
        optical probe are set on it directly. (URL handlers duck-type ``Serial``.)"""
        return self._port

    @property
    def line_settings(self) -> LineSettings:
        """The settings the port reports now (the configured ones while closed)."""
        port = self._port
        if port is None:
            return self._settings
        return LineSettings(baudrate=int(port.baudrate), bytesize=int(port.bytesize),
                            parity=Parity(port.parity), stopbits=port.stopbits)

    def describe(self) -> str:
        """``serial <port> <settings>``, e.g. ``serial /dev/ttyUSB0 300 7E1``."""
        return f"serial {self.url} {self.line_settings}"

    def apply_line_settings(self, settings: LineSettings) -> None:
        """Change speed and character format; on an open port the bytes already written
        are drained first and the OS sees a single change."""
        port = self._port
        if port is None or settings == self.line_settings:
            self._settings = settings
            return
        try:
            port.flush()
        except _CONFIG_ERRORS as exc:
            raise TransportError(f"{self.describe()}: cannot drain output: {exc}") from exc
        _reconfigure(port, settings, self.describe())
        self._settings = settings

    def _open(self) -> None:
        kwargs: dict[str, Any] = {"do_not_open": True}
        if self.exclusive is not None:
            kwargs["exclusive"] = self.exclusive
        try:
            port = serial.serial_for_url(self.url, **kwargs)
        except ValueError as exc:  # unknown URL scheme or malformed URL options
            raise EndpointError(f"{self.describe()}: {exc}") from exc
        except serial.SerialException as exc:
            raise TransportError(f"{self.describe()}: {exc}") from exc
        s = self._settings
        try:
            port.baudrate = s.baudrate
            port.bytesize = s.bytesize
            port.parity = s.parity.value
            port.stopbits = s.stopbits
            port.write_timeout = self.send_timeout
            port.timeout = 0
            port.open()
        except _CONFIG_ERRORS as exc:
            raise TransportError(f"{self.describe()}: cannot open: {exc}") from exc
        self._port = port
        self._read_timeout = 0

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            # the device may have vanished (USB unplugged): nothing is left to release then
            with contextlib.suppress(*_CONFIG_ERRORS):
                port.close()

    def _send(self, data: bytes) -> None:
        port = self._live()
        try:
            port.write(data)
        except serial.SerialTimeoutException as exc:
            raise TransportTimeout(
                f"{self.describe()}: send blocked for {self.send_timeout:g} s") from exc
        except _CONFIG_ERRORS as exc:
            raise TransportError(f"{self.describe()}: send failed: {exc}") from exc

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        port = self._live()
        self._set_read_timeout(port, timeout)
        try:
            first = port.read(1)
            if not first or max_bytes == 1:
                return bytes(first)
            # then whatever else is there, without waiting (in_waiting is no count for
            # every URL handler: socket:// reports 0 or 1)
            self._set_read_timeout(port, 0)
            return bytes(first + port.read(max_bytes - 1))
        except _CONFIG_ERRORS as exc:
            raise TransportError(f"{self.describe()}: receive failed: {exc}") from exc

    def _discard(self) -> None:
        try:
            self._live().reset_input_buffer()
        except _CONFIG_ERRORS as exc:
            raise TransportError(f"{self.describe()}: cannot discard input: {exc}") from exc

    def _flush(self) -> None:
        try:
            self._live().flush()
        except _CONFIG_ERRORS as exc:
            raise TransportError(f"{self.describe()}: cannot drain output: {exc}") from exc

    def _set_read_timeout(self, port: serial.Serial, timeout: float) -> None:
        if self._read_timeout == timeout:
            return
        # Every pyserial read (native and URL handlers) takes its timeout from ``_timeout``
        # at call time, while the public setter reapplies the whole line configuration: a
        # tcsetattr() (which a pseudo-terminal at 7E1 rejects with EINVAL) or, for
        # rfc2217://, a negotiation round trip. Set the field alone.
        setattr(port, "_timeout", timeout)  # noqa: B010
        self._read_timeout = timeout

    def _live(self) -> serial.Serial:
        if self._port is None:  # cannot happen through the public API
            raise TransportError(f"{self.describe()}: port is closed")
        return self._port


_FIELDS = ("baudrate", "bytesize", "parity", "stopbits")


def _reconfigure(port: serial.Serial, settings: LineSettings, where: str) -> None:
    wanted: dict[str, Any] = {"baudrate": settings.baudrate, "bytesize": settings.bytesize,
                              "parity": settings.parity.value, "stopbits": settings.stopbits}
    if isinstance(port, serial.Serial):
        # pyserial applies each attribute with its own tcsetattr(), so a 300 7E1 -> 9600 8N1
        # switch would pass through 9600 7E1 and 9600 8E1. Besides being several changes on
        # the wire, Linux pseudo-terminals (always CS8, no parity) answer EINVAL to a request
        # of which nothing can be applied. Set the fields together, reconfigure once, and
        # restore pyserial's view if the OS refuses.
        before = {name: getattr(port, "_" + name) for name in _FIELDS}
        for name in _FIELDS:
            setattr(port, "_" + name, wanted[name])
        try:
            getattr(port, "_reconfigure_port")()  # noqa: B009
        except _CONFIG_ERRORS as exc:
            for name in _FIELDS:
                setattr(port, "_" + name, before[name])
            raise TransportError(f"{where}: the device refused {settings}: {exc}") from exc
        return
    try:
        port.apply_settings(wanted)
    except _CONFIG_ERRORS as exc:
        raise TransportError(f"{where}: the device refused {settings}: {exc}") from exc
