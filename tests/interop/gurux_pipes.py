"""Byte pipes between the gurux-dlms client and a meter (:mod:`tests.interop.gurux_session`
drives gurux over them): a plain TCP socket, one of our serial-line transports (a
pseudo-terminal, after OUR mode E sign-on), and a tap that keeps a copy of every octet."""

from __future__ import annotations

import socket
from typing import Protocol

from conformance.errors import TransportTimeout
from conformance.transport import Transport

__all__ = ["BytePipe", "LinePipe", "SocketPipe", "TapPipe", "open_socket_pipe"]

_CHUNK = 65536


class BytePipe(Protocol):
    """The octets between gurux and the meter."""

    def send(self, data: bytes) -> None:
        """Send every octet of ``data``."""

    def recv(self, timeout: float) -> bytes:
        """Octets received within ``timeout`` seconds (at least one); ``TimeoutError`` when
        none came, ``ConnectionError`` when the peer closed."""

    def close(self) -> None:
        """Release the pipe."""


class SocketPipe:
    """A connected TCP socket (``TCP_NODELAY``)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, timeout: float) -> bytes:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(_CHUNK)
        except TimeoutError:
            raise TimeoutError(f"no octets within {timeout:g} s") from None
        if not data:
            raise ConnectionError("the meter closed the connection")
        return data

    def close(self) -> None:
        self.sock.close()


def open_socket_pipe(url: str) -> SocketPipe:
    """A :class:`SocketPipe` to ``tcp://host:port`` or ``hdlc+tcp://host:port``."""
    host, _, port = url.split("://", 1)[1].rpartition(":")
    return SocketPipe(socket.create_connection((host.strip("[]"), int(port)), timeout=5.0))


class LinePipe:
    """One of our transports (a serial line or pseudo-terminal) as a pipe; the session
    does not own it (:meth:`close` does nothing)."""

    def __init__(self, line: Transport) -> None:
        self.line = line

    def send(self, data: bytes) -> None:
        self.line.send(data)

    def recv(self, timeout: float) -> bytes:
        try:
            data = self.line.recv(_CHUNK, max(timeout, 0.001))
        except TransportTimeout:
            data = b""
        if not data:
            raise TimeoutError(f"no octets within {timeout:g} s")
        return data

    def close(self) -> None:
        pass


class TapPipe:
    """A pipe that keeps a copy of every octet both ways (to check what crossed it)."""

    def __init__(self, inner: BytePipe) -> None:
        self.inner = inner
        self.sent = bytearray()
        """Every octet sent, in order."""
        self.received = bytearray()
        """Every octet received, in order."""

    def send(self, data: bytes) -> None:
        self.sent += data
        self.inner.send(data)

    def recv(self, timeout: float) -> bytes:
        data = self.inner.recv(timeout)
        self.received += data
        return data

    def close(self) -> None:
        self.inner.close()
