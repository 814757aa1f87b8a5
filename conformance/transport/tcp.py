"""TCP: the client transport and a listening-socket helper for the simulator.

DLMS/COSEM over TCP normally carries the wrapper (IEC 62056-47, port 4059); HDLC frames over
TCP (``hdlc+tcp://``, serial gateways) use the same byte pipe. Which framing runs above is
the caller's choice (see :mod:`conformance.transport.factory`); this module only moves bytes.
"""

from __future__ import annotations

import contextlib
import math
import select
import socket
import time

from conformance.errors import TransportError, TransportTimeout
from conformance.transport.base import ConnectionClosed, Transport

__all__ = ["DLMS_TCP_PORT", "TcpListener", "TcpTransport"]

DLMS_TCP_PORT = 4059
"""Port registered with IANA for DLMS/COSEM over TCP and UDP (the IEC 62056-47 wrapper)."""


def _format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Readiness:
    """Waits for a non-blocking socket to become readable or writable: ``poll(2)`` where
    the platform has it (one system call, no per-call timeout change on the socket), else
    ``select(2)``."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._readable: select.poll | None = None
        self._writable: select.poll | None = None
        if hasattr(select, "poll"):
            self._readable = select.poll()
            self._readable.register(sock, select.POLLIN | select.POLLPRI)
            self._writable = select.poll()
            self._writable.register(sock, select.POLLOUT)

    def readable(self, timeout: float) -> bool:
        """True when a receive will not block (data, end of stream or an error)."""
        if self._readable is not None:
            return _poll(self._readable, timeout)
        return bool(select.select([self._sock], [], [], timeout)[0])  # pragma: no cover

    def writable(self, timeout: float) -> bool:
        """True when a send will take octets (or fail at once)."""
        if self._writable is not None:
            return _poll(self._writable, timeout)
        return bool(select.select([], [self._sock], [], timeout)[1])  # pragma: no cover


_MAX_POLL_MS = 2**31 - 1
"""``poll(2)`` takes an int of milliseconds (about 24.8 days)."""


def _poll(poller: select.poll, timeout: float) -> bool:
    """``poller.poll`` for ``timeout`` seconds, however long (a longer wait is made of
    several polls)."""
    ms = math.ceil(timeout * 1000)
    if ms <= _MAX_POLL_MS:
        return bool(poller.poll(ms))
    deadline = time.monotonic() + timeout
    while not poller.poll(_MAX_POLL_MS):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if remaining * 1000 <= _MAX_POLL_MS:
            return bool(poller.poll(math.ceil(remaining * 1000)))
    return True


class TcpTransport(Transport):
    """A TCP client connection (``TCP_NODELAY``: frames leave at once, no Nagle delay).

    The socket stays non-blocking for its whole life; waits go through ``poll`` with the
    caller's timeout, so a round trip costs one send, one poll and one receive (a socket
    timeout would add a mode change and a poll per call)."""

    def __init__(self, host: str, port: int, *, connect_timeout: float = 5.0,
                 send_timeout: float = 5.0) -> None:
        super().__init__()
        if not 0 < port < 65536:
            raise ValueError(f"TCP port must be 1..65535, got {port}")
        self.host = host
        """Host name or address to connect to."""
        self.port = port
        """TCP port to connect to."""
        self.connect_timeout = connect_timeout
        """Seconds allowed for the connection to be established."""
        self.send_timeout = send_timeout
        """Seconds a send may block before :class:`TransportTimeout`."""
        self._sock: socket.socket | None = None
        self._ready: _Readiness | None = None
        self._accepted_from: str | None = None

    @classmethod
    def from_socket(cls, sock: socket.socket, *, send_timeout: float = 5.0) -> TcpTransport:
        """Wrap an already connected socket (a connection accepted by :class:`TcpListener`);
        the returned transport is open and cannot be reopened once closed."""
        peer_host, peer_port = sock.getpeername()[:2]
        local_host, local_port = sock.getsockname()[:2]
        transport = cls(str(peer_host), int(peer_port), send_timeout=send_timeout)
        transport._accepted_from = _format_address(str(local_host), int(local_port))
        transport._adopt(sock)
        transport._is_open = True
        return transport

    def describe(self) -> str:
        """``tcp://host:port`` (for an accepted connection: the peer and the local port)."""
        where = f"tcp://{_format_address(self.host, self.port)}"
        if self._accepted_from is not None:
            return f"{where} (accepted on {self._accepted_from})"
        return where

    @property
    def raw_socket(self) -> socket.socket | None:
        """The underlying socket while open (for ``select`` in a server loop)."""
        return self._sock

    def _open(self) -> None:
        if self._accepted_from is not None:
            raise TransportError(f"{self.describe()}: an accepted connection cannot be reopened")
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except ConnectionRefusedError as exc:
            raise TransportError(f"{self.describe()}: connection refused") from exc
        except TimeoutError as exc:
            raise TransportTimeout(
                f"{self.describe()}: no connection within {self.connect_timeout:g} s") from exc
        except socket.gaierror as exc:
            raise TransportError(
                f"{self.describe()}: cannot resolve host {self.host!r}: {exc.strerror}") from exc
        except OSError as exc:
            raise TransportError(f"{self.describe()}: cannot connect: {exc}") from exc
        self._adopt(sock)

    def _adopt(self, sock: socket.socket) -> None:
        _set_nodelay(sock)
        sock.setblocking(False)
        self._sock = sock
        self._ready = _Readiness(sock)

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        self._ready = None
        if sock is None:
            return
        # already reset or never fully connected: closing is all that is left then
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _send(self, data: bytes) -> None:
        sock, ready = self._live()
        view = memoryview(data)
        deadline: float | None = None
        try:
            while view:
                try:
                    view = view[sock.send(view):]
                    continue
                except BlockingIOError:
                    pass
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.send_timeout
                if now >= deadline or not ready.writable(deadline - now):
                    raise TransportTimeout(
                        f"{self.describe()}: send blocked for {self.send_timeout:g} s")
        except TransportError:  # (an OSError too) the timeout above, as it is
            raise
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as exc:
            raise ConnectionClosed(f"{self.describe()}: connection closed by peer "
                                   f"({exc.strerror or type(exc).__name__})") from exc
        except OSError as exc:
            raise TransportError(f"{self.describe()}: send failed: {exc}") from exc

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        sock, ready = self._live()
        try:
            if timeout > 0 and not ready.readable(timeout):
                return b""
            data = sock.recv(max_bytes)
        except BlockingIOError:  # nothing yet (a poll of 0 s, or a spurious wake-up)
            return b""
        except (ConnectionResetError, ConnectionAbortedError) as exc:
            raise ConnectionClosed(f"{self.describe()}: connection reset by peer") from exc
        except OSError as exc:
            raise TransportError(f"{self.describe()}: receive failed: {exc}") from exc
        if not data:
            raise ConnectionClosed(f"{self.describe()}: connection closed by peer")
        return data

    def _discard(self) -> None:
        sock, _ = self._live()
        while True:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                return
            except OSError as exc:
                raise TransportError(f"{self.describe()}: receive failed: {exc}") from exc
            if not data:
                raise ConnectionClosed(f"{self.describe()}: connection closed by peer")

    def _live(self) -> tuple[socket.socket, _Readiness]:
        if self._sock is None or self._ready is None:  # closed underneath us (cannot
            raise TransportError(f"{self.describe()}: socket is closed")  # happen via the API)
        return self._sock, self._ready


class TcpListener:
    """A listening TCP socket (``SO_REUSEADDR``; port 0 picks a free port, read it back from
    :attr:`port`). The accept loop belongs to the caller (the simulator); :meth:`accept`
    takes one connection."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, backlog: int = 8) -> None:
        if not 0 <= port < 65536:
            raise ValueError(f"TCP port must be 0..65535, got {port}")
        self.host = host
        """Address bound to (``0.0.0.0`` / ``::`` for every interface)."""
        self.requested_port = port
        """The port asked for (0: any free port)."""
        self.backlog = backlog
        """Pending connections the OS queues before refusing."""
        self._sock: socket.socket | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port actually bound (raises if the listener is not open)."""
        if self._port is None:
            raise TransportError(f"{self.describe()}: listener is not open")
        return self._port

    @property
    def raw_socket(self) -> socket.socket:
        """The listening socket (for ``select``); raises if not open."""
        if self._sock is None:
            raise TransportError(f"{self.describe()}: listener is not open")
        return self._sock

    @property
    def is_open(self) -> bool:
        """True while listening."""
        return self._sock is not None

    def describe(self) -> str:
        """``tcp listener host:port``."""
        port = self._port if self._port is not None else self.requested_port
        return f"tcp listener {_format_address(self.host, port)}"

    def open(self) -> None:
        """Bind and listen; a no-op when already listening."""
        if self._sock is not None:
            return
        try:
            infos = socket.getaddrinfo(self.host, self.requested_port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
        except socket.gaierror as exc:
            raise TransportError(
                f"{self.describe()}: cannot resolve {self.host!r}: {exc.strerror}") from exc
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(self.backlog)
        except OSError as exc:
            sock.close()
            raise TransportError(f"{self.describe()}: cannot listen: {exc}") from exc
        self._sock = sock
        self._port = int(sock.getsockname()[1])

    def accept(self, timeout: float | None = None, *,
               send_timeout: float = 5.0) -> TcpTransport:
        """Wait up to ``timeout`` seconds (``None``: forever) for one connection and return it
        as an open :class:`TcpTransport`."""
        sock = self.raw_socket
        sock.settimeout(timeout)
        try:
            conn, _ = sock.accept()
        except TimeoutError as exc:
            raise TransportTimeout(
                f"{self.describe()}: no connection within {timeout:g} s") from exc
        except OSError as exc:
            raise TransportError(f"{self.describe()}: accept failed: {exc}") from exc
        conn.settimeout(None)
        return TcpTransport.from_socket(conn, send_timeout=send_timeout)

    def close(self) -> None:
        """Stop listening; idempotent. Accepted connections stay open."""
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def __enter__(self) -> TcpListener:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _set_nodelay(sock: socket.socket) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
