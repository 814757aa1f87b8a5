"""Where the reference meter listens: TCP (wrapper or HDLC), pseudo-terminals and serial
lines, optionally behind the IEC 62056-21 mode E sign-on.

=======================================  ======================================================
listen URL                               the meter
=======================================  ======================================================
``tcp://HOST:PORT``                      accepts TCP connections, IEC 62056-47 wrapper
``hdlc+tcp://HOST:PORT``                 accepts TCP connections, IEC 62056-46 HDLC
``pty://`` / ``pty:///PATH``             creates a pseudo-terminal (``PATH``: a symlink to
                                         its slave), HDLC; prints the slave path
``serial:///dev/ttyS1?baudrate=9600``,   opens the serial line (any pyserial URL, e.g. one
``/dev/ttyS1``, ``socket://h:p`` ...     end of a null-modem cable) and answers on it, HDLC
=======================================  ======================================================

Port 0 picks a free port (the listener's :attr:`MeterListener.endpoint` has the real one);
the host defaults to 127.0.0.1. Lines (pty and serial) take ``mode_e=1``: the meter first
answers the IEC 62056-21 mode E sign-on (300 baud 7E1, then the announced baud rate 8N1) and
goes back to waiting for a sign-on whenever the HDLC link is disconnected (DISC or
inactivity), as an optical port does. While it waits for a sign-on, octets other than the
``/`` that starts a request message are ignored (HDLC frames sent too early get no answer).

Threads: a TCP listener runs an accept loop and one thread per accepted connection; a line
listener serves its single line in its own thread (one HDLC station pair, clients may come and
go). Every loop wakes at least every :data:`POLL_INTERVAL` seconds to notice a stop request.
"""

from __future__ import annotations

import abc
import logging
import threading
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl

from conformance.errors import (
    CodecError,
    RemoteProtocolError,
    TransportError,
    TransportTimeout,
)
from conformance.transport import (
    Endpoint,
    EndpointError,
    Framing,
    IdentificationMessage,
    Kind,
    LineSettings,
    PtyPair,
    SerialLine,
    SerialTransport,
    TcpListener,
    Transport,
    answer_sign_on,
    parse_endpoint,
)

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "POLL_INTERVAL",
    "ConnectionHandler",
    "LineListener",
    "ListenSpec",
    "MeterListener",
    "TcpMeterListener",
    "open_listener",
    "parse_listen_url",
]

_log = logging.getLogger(__name__)

POLL_INTERVAL = 0.1
"""Longest time (seconds) a listener or connection loop waits before checking for a stop."""
DEFAULT_MAX_CONNECTIONS = 256
"""TCP connections a listener serves at once (one thread each)."""
_MAX_BACKLOG = 128
SIGN_ON_REQUEST_TIMEOUT = 5.0
"""Once the first byte of a sign-on request arrived, the rest of it must follow within this
time (at 300 baud a request of 32 characters takes about 1.1 s)."""
_TRUE = frozenset({"", "1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class ConnectionHandler(Protocol):
    """What the server gives listeners: serve one connection until it ends (blocking)."""

    def __call__(self, transport: Transport, *, framing: Framing, origin: str,
                 until_disconnected: bool) -> None:
        """Run the meter on ``transport`` until the peer closes it, the meter stops, or --
        with ``until_disconnected`` (mode E lines) -- the HDLC link is disconnected.
        ``origin`` names the listener for logs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListenSpec:
    """A parsed listen URL."""

    url: str
    """The URL as given."""
    endpoint: Endpoint
    """The transport endpoint (``mode_e`` removed)."""
    mode_e: bool = False
    """Answer the IEC 62056-21 mode E sign-on before HDLC (lines only)."""

    @property
    def framing(self) -> Framing:
        """HDLC, or the wrapper for ``tcp://``."""
        return self.endpoint.framing


def parse_listen_url(url: str) -> ListenSpec:
    """Parse a listen URL (see the module docstring); :class:`EndpointError` when invalid."""
    if "://" in url and "?" in url:
        base, query = url.split("?", 1)
        items = [item for item in query.split("&") if item]
        keep = [item for item in items if item.split("=", 1)[0] != "mode_e"]
        options = dict(parse_qsl("&".join(i for i in items if i not in keep),
                                 keep_blank_values=True))
        rest = f"{base}?{'&'.join(keep)}" if keep else base
    else:
        options, rest = {}, url
    mode_e = False
    if "mode_e" in options:
        value = options["mode_e"].strip().lower()
        if value not in _TRUE | _FALSE:
            raise EndpointError(f"{url}: mode_e must be 1/true/yes/on or 0/false/no/off, "
                                f"got {options['mode_e']!r}")
        mode_e = value in _TRUE
    scheme = rest.split("://", 1)[0].lower() if "://" in rest else ""
    if scheme == "pty" or scheme in ("tcp", "hdlc+tcp"):
        endpoint = parse_endpoint(rest, listening=True)
    else:
        endpoint = parse_endpoint(rest)
    if mode_e and endpoint.kind is Kind.TCP:
        raise EndpointError(f"{url}: mode_e applies to serial lines and pseudo-terminals, "
                            f"not to {endpoint.scheme}://")
    return ListenSpec(url=url, endpoint=endpoint, mode_e=mode_e)


class MeterListener(abc.ABC):
    """One place the meter answers; :meth:`open` it, then :meth:`run` it in a thread."""

    def __init__(self, spec: ListenSpec) -> None:
        self.spec = spec
        """What was asked for."""

    @property
    def framing(self) -> Framing:
        """The framing spoken here."""
        return self.spec.framing

    @property
    @abc.abstractmethod
    def endpoint(self) -> str:
        """The URL a client uses to reach the meter here (with the real port, or the
        pseudo-terminal's path); valid once open."""

    @abc.abstractmethod
    def describe(self) -> str:
        """One line for the start-up message (where, framing, mode E)."""

    @abc.abstractmethod
    def open(self) -> None:
        """Bind / create / open; raises :class:`TransportError` (or ``EndpointError``)."""

    @abc.abstractmethod
    def run(self, handler: ConnectionHandler, stop: threading.Event) -> None:
        """Serve until ``stop`` is set (blocking; the server runs it in a thread)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the OS resources; idempotent."""


class TcpMeterListener(MeterListener):
    """Accepts TCP connections; each is served in its own thread."""

    def __init__(self, spec: ListenSpec, *,
                 max_connections: int = DEFAULT_MAX_CONNECTIONS) -> None:
        super().__init__(spec)
        self.max_connections = max_connections
        """Connections served at once; more are accepted and closed at once (logged)."""
        # A backlog as deep as the connections served, so a burst of clients connecting
        # at once waits in the kernel's queue instead of being refused.
        self._listener = TcpListener(spec.endpoint.host, spec.endpoint.port,
                                     backlog=min(max_connections, _MAX_BACKLOG))
        self._active = 0
        self._active_lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        host = self._listener.host
        shown = f"[{host}]" if ":" in host else host
        return f"{self.spec.endpoint.scheme}://{shown}:{self._listener.port}"

    def describe(self) -> str:
        kind = "IEC 62056-47 wrapper" if self.framing is Framing.WRAPPER else "HDLC"
        return f"{self.endpoint} ({kind} over TCP)"

    def open(self) -> None:
        self._listener.open()

    def close(self) -> None:
        self._listener.close()

    def run(self, handler: ConnectionHandler, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    transport = self._listener.accept(POLL_INTERVAL)
                except TransportTimeout:
                    continue
                except TransportError as exc:
                    if stop.is_set() or not self._listener.is_open:
                        break
                    _log.error("%s: %s", self.endpoint, exc)
                    stop.wait(POLL_INTERVAL)  # e.g. out of descriptors: do not spin
                    continue
                self._start(handler, transport)
        finally:
            self.close()

    def _start(self, handler: ConnectionHandler, transport: Transport) -> None:
        with self._active_lock:
            if self._active >= self.max_connections:
                _log.warning("%s: %d connections already, closing %s", self.endpoint,
                             self._active, transport.describe())
                transport.close()
                return
            self._active += 1

        def serve() -> None:
            try:
                handler(transport, framing=self.framing, origin=self.endpoint,
                        until_disconnected=False)
            finally:
                with self._active_lock:
                    self._active -= 1

        threading.Thread(target=serve, name=f"meter {transport.describe()}",
                         daemon=True).start()


class LineListener(MeterListener):
    """A pseudo-terminal created by the meter, or a serial line it opens: one line, served
    in the listener's thread, optionally behind the mode E sign-on."""

    def __init__(self, spec: ListenSpec, *,
                 identification: IdentificationMessage | None = None) -> None:
        super().__init__(spec)
        if spec.endpoint.kind is Kind.TCP:
            raise EndpointError(f"{spec.url}: not a line")
        if spec.mode_e and identification is None:
            raise ValueError("mode E needs the identification message the meter answers")
        self.identification = identification
        """The mode E identification message (``None`` without mode E)."""
        self._pair: PtyPair | None = None
        self._serial: SerialTransport | None = None

    @property
    def line(self) -> SerialLine:
        """The meter's end of the line (the pty master or the serial port)."""
        if self._pair is not None:
            return self._pair.master
        if self._serial is not None:
            return self._serial
        raise TransportError(f"{self.spec.url}: the line is not open")

    @property
    def endpoint(self) -> str:
        if self._pair is not None:
            return f"pty://{self._pair.client_path}"
        return self.spec.url

    @property
    def client_path(self) -> str | None:
        """The path a client opens (the pty slave or its symlink), ``None`` for a serial
        line the meter opened."""
        return self._pair.client_path if self._pair is not None else None

    def describe(self) -> str:
        mode = (f", IEC 62056-21 mode E sign-on at 300 baud then "
                f"{self.identification.baud_rate} baud" if self.identification is not None
                and self.spec.mode_e else "")
        if self._pair is not None:
            return (f"{self.endpoint} (HDLC on a pseudo-terminal: open "
                    f"{self._pair.client_path}{mode})")
        return f"{self.endpoint} (HDLC on the serial line {self.spec.endpoint.device}{mode})"

    def open(self) -> None:
        endpoint = self.spec.endpoint
        if endpoint.kind is Kind.PTY_LISTENER:
            pair = PtyPair(link=endpoint.link or None)
            pair.open()
            self._pair = pair
        else:
            port = SerialTransport(endpoint.device, endpoint.line_settings)
            port.open()
            self._serial = port

    def close(self) -> None:
        pair, self._pair = self._pair, None
        if pair is not None:
            pair.close()
        port, self._serial = self._serial, None
        if port is not None:
            port.close()

    def run(self, handler: ConnectionHandler, stop: threading.Event) -> None:
        try:
            line = self.line
            while not stop.is_set():
                if self.spec.mode_e:
                    signed = self._sign_on(line, stop)
                    if signed is None:
                        continue
                    served: Transport = signed
                else:
                    served = line
                handler(served, framing=Framing.HDLC, origin=self.endpoint,
                        until_disconnected=self.spec.mode_e)
                if not self.spec.mode_e and not stop.is_set():
                    # the line failed under the connection (device gone): the handler
                    # logged why; retrying at once would only spin.
                    _log.error("%s: the line is unusable, listener stopped", self.endpoint)
                    break
        except TransportError as exc:
            if not stop.is_set():
                _log.error("%s: %s; listener stopped", self.endpoint, exc)
        finally:
            self.close()

    def _sign_on(self, line: SerialLine, stop: threading.Event) -> SerialLine | None:
        """Wait for a sign-on request and answer it; the line at the agreed baud rate, or
        ``None`` (stopped, or a failed sign-on that was logged)."""
        identification = self.identification
        if identification is None:  # pragma: no cover - checked in __init__
            return None
        first = b""
        while first[:1] != b"/":  # 6.3.1: a request message starts with "/"
            if stop.is_set():
                return None
            try:
                first = bytes([line.recv(1, POLL_INTERVAL)[0] & 0x7F])  # parity bit aside
            except TransportTimeout:
                continue
        peeked = _PeekedLine(line, first)
        try:
            done = answer_sign_on(peeked, identification=identification,
                                  request_timeout=SIGN_ON_REQUEST_TIMEOUT)
        except (TransportTimeout, CodecError, RemoteProtocolError) as exc:
            _log.info("%s: sign-on failed: %s", self.endpoint, exc)
            line.discard_input()
            return None
        _log.info("%s: mode E sign-on done (request %r), HDLC at %s", self.endpoint,
                  done.request.device_address or "/?!", done.line_settings)
        return peeked


class _PeekedLine(SerialLine):
    """A line with bytes already read from it put back in front (the first byte of a
    sign-on request, read while polling for a stop request)."""

    def __init__(self, inner: SerialLine, head: bytes) -> None:
        super().__init__()
        self._inner = inner
        self._head = bytearray(head)
        self._is_open = True

    @property
    def line_settings(self) -> LineSettings:
        return self._inner.line_settings

    def apply_line_settings(self, settings: LineSettings) -> None:
        self._inner.apply_line_settings(settings)

    def describe(self) -> str:
        return self._inner.describe()

    def _open(self) -> None:
        self._inner.open()

    def _close(self) -> None:
        pass  # the listener owns the line

    def _send(self, data: bytes) -> None:
        self._inner.send(data)

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        if self._head:
            data = bytes(self._head[:max_bytes])
            del self._head[:max_bytes]
            return data
        try:
            return self._inner.recv(max_bytes, timeout)
        except TransportTimeout:
            return b""

    def _discard(self) -> None:
        self._head.clear()
        self._inner.discard_input()

    def _flush(self) -> None:
        self._inner.flush()


def open_listener(url: str, *, identification: IdentificationMessage | None = None,
                  max_connections: int = DEFAULT_MAX_CONNECTIONS) -> MeterListener:
    """Parse ``url``, create the listener and open it (``EndpointError`` for a bad URL,
    :class:`TransportError` when it cannot be opened). ``max_connections`` bounds the TCP
    connections served at once."""
    spec = parse_listen_url(url)
    listener: MeterListener
    if spec.endpoint.kind is Kind.TCP:
        listener = TcpMeterListener(spec, max_connections=max_connections)
    else:
        listener = LineListener(spec, identification=identification if spec.mode_e else None)
    listener.open()
    return listener
