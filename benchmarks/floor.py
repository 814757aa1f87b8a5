"""The operating system's share of a session's CPU: the same traffic without a protocol stack.

A client reading a long profile over HDLC with 128-octet segments and window 1 makes one
loopback TCP round trip per segment. Each round trip costs the client process CPU in the
kernel (send, poll, receive, the wake-up after blocking) whatever language or library the
client is written in. This module measures that floor for a recorded traffic pattern:

* :func:`traffic` turns our session's trace (its ``bytes`` entries) into the alternating
  sequence of octet counts the client sent and received, e.g. ``[("send", 17),
  ("recv", 143), ...]``;
* :class:`Responder` is a thread in the benchmark's process that plays the meter's side of
  that pattern on one loopback connection (it reads what the client sends, then sends the
  recorded number of octets back);
* :func:`replay` is the floor client: a blocking socket doing only those sends and receives,
  no framing, no decoding; its CPU time is what any client pays for the same round trips.

The octets are zeros: only their number and the order of the turns matter to the kernel.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable

__all__ = ["Responder", "replay", "traffic"]

Turn = tuple[str, int]
"""``("send", n)``: the client sends ``n`` octets; ``("recv", n)``: it receives ``n``."""


def traffic(chunks: Iterable[tuple[str, int]]) -> list[Turn]:
    """Consecutive chunks in the same direction merged into one turn (``direction`` is
    ``"send"`` or ``"recv"``, as the client sees it)."""
    turns: list[Turn] = []
    for direction, size in chunks:
        if turns and turns[-1][0] == direction:
            turns[-1] = (direction, turns[-1][1] + size)
        else:
            turns.append((direction, size))
    return turns


def _receive(sock: socket.socket, size: int) -> None:
    while size > 0:
        data = sock.recv(min(size, 65536))
        if not data:
            raise ConnectionError("the other side closed early")
        size -= len(data)


class Responder:
    """The meter's side of ``turns`` on one loopback connection, in a thread."""

    def __init__(self, turns: list[Turn]) -> None:
        self._turns = turns
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        """Where :func:`replay` connects."""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for direction, size in self._turns:
                    if direction == "send":
                        _receive(conn, size)
                    else:
                        conn.sendall(bytes(size))
        except BaseException as exc:  # reported by join()
            self._error = exc
        finally:
            self._listener.close()

    def join(self, timeout: float = 60.0) -> None:
        """Wait for the replay to end; re-raise what went wrong on this side."""
        self._thread.join(timeout)
        if self._error is not None:
            raise self._error


def replay(port: int, turns: list[Turn]) -> float:
    """Play the client's side of ``turns`` against a :class:`Responder` on ``port``;
    the CPU seconds this process spent doing it (connection set-up excluded)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        started = time.process_time()
        for direction, size in turns:
            if direction == "send":
                sock.sendall(bytes(size))
            else:
                _receive(sock, size)
        return time.process_time() - started
