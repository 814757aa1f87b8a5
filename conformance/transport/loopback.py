"""An in-process null modem: two connected transports with fault hooks on each direction.

``pair = LoopbackPair()`` gives ``pair.client`` and ``pair.server``; what one end sends the
other receives. Each direction has a :class:`Faults` (replaceable at any time, thread-safe):
drop a chunk, corrupt it, duplicate it, split it into pieces, delay it. Tests of the protocol
machines, of the session and of the checks use this instead of sockets.

Each ``send`` is one *chunk*; chunks are numbered from 0 per direction. A receiver gets the
bytes of one delivered piece per ``recv`` at most, so a split is visible to it as separate
reads. Bytes keep their order: a delayed chunk also holds back the chunks sent after it.

Both ends are :class:`~conformance.transport.base.SerialLine`: they carry line settings
(default 9600 8N1) so IEC 62056-21 mode E can run over the pair. With
``enforce_line_settings`` (the default) the pair behaves like a wire between two UARTs: at
different baud rates or frame sizes nothing readable arrives (the chunk is dropped); at the
same frame size the bits are re-read with the receiver's data bits (a 7E1 sender reaches an
8N1 receiver with the parity bit in bit 7, and the reverse). The model uses both ends'
settings at the moment of the send, delayed chunks included.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from conformance.errors import TransportError
from conformance.transport.base import ConnectionClosed, LineSettings, Parity, SerialLine

__all__ = [
    "ChunkPredicate",
    "Faults",
    "LoopbackEnd",
    "LoopbackPair",
    "always",
    "flip_bits",
    "nth",
    "truncate",
]

ChunkPredicate = Callable[[int, bytes], bool]
"""``(chunk_index, chunk) -> bool``: selects chunks for a fault."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Faults applied to every chunk sent in one direction, in this order: drop, corrupt,
    duplicate, split, delay. The default injects nothing."""

    drop: ChunkPredicate | None = None
    """Chunks for which this returns True vanish."""
    corrupt: Callable[[bytes], bytes] | None = None
    """Called with each chunk (chosen by ``corrupt_when``); its result is what travels
    (it may be shorter, longer or empty)."""
    corrupt_when: ChunkPredicate | None = None
    """Which chunks ``corrupt`` applies to (``None``: every chunk)."""
    duplicate: ChunkPredicate | None = None
    """Chunks for which this returns True arrive twice."""
    split: int | None = None
    """Deliver in pieces of at most this many bytes (1: byte by byte)."""
    piece_gap: float = 0.0
    """Seconds between two pieces of a split chunk."""
    delay: float = 0.0
    """Seconds before the chunk (its first piece) can be read."""

    def __post_init__(self) -> None:
        if self.split is not None and self.split < 1:
            raise ValueError(f"split must be at least 1 byte, got {self.split}")
        if self.delay < 0 or self.piece_gap < 0:
            raise ValueError("delay and piece_gap must not be negative")


def nth(*indices: int) -> ChunkPredicate:
    """Select the chunks with these indices (0 is the first chunk sent)."""
    wanted = frozenset(indices)
    return lambda index, _chunk: index in wanted


def always(_index: int, _chunk: bytes) -> bool:
    """Select every chunk."""
    return True


def flip_bits(offset: int, mask: int = 0x01) -> Callable[[bytes], bytes]:
    """A corrupter XOR-ing ``mask`` into the byte at ``offset`` (negative: from the end);
    chunks too short are left alone."""

    def corrupt(chunk: bytes) -> bytes:
        if not -len(chunk) <= offset < len(chunk):
            return chunk
        mangled = bytearray(chunk)
        mangled[offset] ^= mask
        return bytes(mangled)

    return corrupt


def truncate(length: int) -> Callable[[bytes], bytes]:
    """A corrupter keeping only the first ``length`` bytes of each chunk."""
    return lambda chunk: chunk[:length]


@dataclass(slots=True)
class _Direction:
    """One direction of the pipe: the queue of (ready_at, piece) and its fault set."""

    name: str
    faults: Faults = field(default_factory=Faults)
    queue: collections.deque[tuple[float, bytes]] = field(default_factory=collections.deque)
    sent_chunks: int = 0
    last_ready: float = 0.0


class LoopbackPair:
    """Two connected :class:`LoopbackEnd` s, ``client`` and ``server``, opened at creation."""

    def __init__(self, *, name: str = "loopback", enforce_line_settings: bool = True,
                 settings: LineSettings | None = None) -> None:
        self.name = name
        """Shown by :meth:`LoopbackEnd.describe`."""
        self.enforce_line_settings = enforce_line_settings
        """Model the wire between two UARTs (see the module docstring)."""
        self._cond = threading.Condition()
        initial = settings if settings is not None else LineSettings()
        self._to_server = _Direction("client->server")
        self._to_client = _Direction("server->client")
        self.client = LoopbackEnd(self, "client", self._to_server, self._to_client, initial)
        """The end a client (the HHU, the test tool) uses."""
        self.server = LoopbackEnd(self, "server", self._to_client, self._to_server, initial)
        """The end a server (the meter, the simulator) uses."""
        self.client.open()
        self.server.open()

    @property
    def client_to_server(self) -> Faults:
        """Faults on bytes the client sends."""
        return self._to_server.faults

    @client_to_server.setter
    def client_to_server(self, faults: Faults) -> None:
        with self._cond:
            self._to_server.faults = faults

    @property
    def server_to_client(self) -> Faults:
        """Faults on bytes the server sends."""
        return self._to_client.faults

    @server_to_client.setter
    def server_to_client(self, faults: Faults) -> None:
        with self._cond:
            self._to_client.faults = faults

    def close(self) -> None:
        """Close both ends."""
        self.client.close()
        self.server.close()

    def __enter__(self) -> LoopbackPair:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LoopbackEnd(SerialLine):
    """One end of a :class:`LoopbackPair`; once closed it cannot be reopened."""

    def __init__(self, pair: LoopbackPair, role: str, outgoing: _Direction,
                 incoming: _Direction, settings: LineSettings) -> None:
        super().__init__()
        self._pair = pair
        self.role = role
        """``"client"`` or ``"server"``."""
        self._out = outgoing
        self._in = incoming
        self._settings = settings
        self._was_opened = False
        self._peer_closed = False

    @property
    def peer(self) -> LoopbackEnd:
        """The other end."""
        return self._pair.server if self is self._pair.client else self._pair.client

    @property
    def line_settings(self) -> LineSettings:
        """The line settings of this end."""
        return self._settings

    def apply_line_settings(self, settings: LineSettings) -> None:
        """Change this end's settings; bytes already sent were framed with the old ones."""
        with self._pair._cond:
            self._settings = settings

    def describe(self) -> str:
        """``<pair name> <role> end``."""
        return f"{self._pair.name} {self.role} end"

    def _open(self) -> None:
        if self._was_opened:
            raise TransportError(f"{self.describe()}: a closed loopback end cannot be reopened")
        self._was_opened = True

    def _close(self) -> None:
        peer = self.peer
        with self._pair._cond:
            peer._peer_closed = True
            self._pair._cond.notify_all()

    def _send(self, data: bytes) -> None:
        pair = self._pair
        with pair._cond:
            if self._peer_closed:
                raise ConnectionClosed(f"{self.describe()}: the {self.peer.role} end is closed")
            direction = self._out
            faults = direction.faults
            index = direction.sent_chunks
            direction.sent_chunks += 1
            for piece_at, piece in _apply_faults(faults, index, data, time.monotonic(),
                                                 direction.last_ready):
                if pair.enforce_line_settings:
                    reframed = _reframe(piece, self._settings, self.peer._settings)
                    if reframed is None:
                        continue
                    piece = reframed
                direction.queue.append((piece_at, piece))
                direction.last_ready = piece_at
            pair._cond.notify_all()

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        pair = self._pair
        queue = self._in.queue
        deadline = time.monotonic() + timeout
        with pair._cond:
            while True:
                now = time.monotonic()
                if queue and queue[0][0] <= now:
                    ready_at, piece = queue[0]
                    if len(piece) <= max_bytes:
                        queue.popleft()
                        return piece
                    queue[0] = (ready_at, piece[max_bytes:])
                    return piece[:max_bytes]
                if not self._is_open:
                    raise TransportError(f"{self.describe()}: closed while receiving")
                if not queue and self._peer_closed:
                    raise ConnectionClosed(
                        f"{self.describe()}: the {self.peer.role} end closed the pipe")
                wait = deadline - now
                if queue:
                    wait = min(wait, queue[0][0] - now)
                if wait <= 0:
                    return b""
                pair._cond.wait(wait)

    def _discard(self) -> None:
        with self._pair._cond:
            now = time.monotonic()
            queue = self._in.queue
            while queue and queue[0][0] <= now:
                queue.popleft()


def _apply_faults(faults: Faults, index: int, chunk: bytes, now: float,
                  last_ready: float) -> Iterable[tuple[float, bytes]]:
    if faults.drop is not None and faults.drop(index, chunk):
        return []
    if faults.corrupt is not None and (faults.corrupt_when is None
                                       or faults.corrupt_when(index, chunk)):
        chunk = bytes(faults.corrupt(chunk))
    copies = 2 if faults.duplicate is not None and faults.duplicate(index, chunk) else 1
    size = faults.split or max(len(chunk), 1)
    pieces = [chunk[i:i + size] for i in range(0, len(chunk), size)] * copies
    at = max(now + faults.delay, last_ready)
    out = []
    for n, piece in enumerate(pieces):
        if n:
            at += faults.piece_gap
        out.append((at, piece))
    return out


def _parity_bit(value: int, parity: Parity) -> int:
    ones = value.bit_count() & 1
    if parity is Parity.EVEN:
        return ones
    if parity is Parity.ODD:
        return ones ^ 1
    return 1 if parity is Parity.MARK else 0


def _reframe(data: bytes, tx: LineSettings, rx: LineSettings) -> bytes | None:
    """What a UART set to ``rx`` reads from characters a UART set to ``tx`` sent; ``None``
    when the receiver cannot frame them (different speed or character length)."""
    if tx.baudrate != rx.baudrate or tx.frame_bits != rx.frame_bits:
        return None
    if tx.bytesize == 8 and rx.bytesize == 8:
        return data
    tx_mask = (1 << tx.bytesize) - 1
    rx_mask = (1 << rx.bytesize) - 1
    out = bytearray()
    for b in data:
        bits = b & tx_mask
        if tx.parity is not Parity.NONE:
            bits |= _parity_bit(bits, tx.parity) << tx.bytesize
        out.append(bits & rx_mask)  # the receiver's parity bit (if any) is not checked
    return bytes(out)
