"""Sequence numbers, windows, segmentation and reassembly of the HDLC link (IEC 62056-46
6.4.4 data transfer; ISO/IEC 13239 modulo-8 operation).

An APDU longer than the negotiated maximum information field is split into I frames whose
format field carries the segmentation bit S on every segment but the last. The sender keeps
every I frame until the peer's N(R) acknowledges it (go-back-N retransmission on a
checkpoint: a frame with the P/F bit whose N(R) acknowledges fewer frames than were sent);
the receiver accepts only the I frame whose N(S) equals its V(R).

Pure state and arithmetic: no frames are built here, no clock.
"""

from __future__ import annotations

import enum
from collections import deque

__all__ = [
    "MODULUS",
    "Assembler",
    "NsCheck",
    "Reassembly",
    "ReceiveState",
    "SendState",
    "seq_add",
    "seq_diff",
    "split_segments",
]

MODULUS = 8
"""Sequence numbers are modulo 8 (IEC 62056-46 uses the basic control field format)."""


def seq_add(value: int, n: int) -> int:
    """``value + n`` modulo 8."""
    return (value + n) % MODULUS


def seq_diff(later: int, earlier: int) -> int:
    """How many steps ``later`` is after ``earlier``, modulo 8 (0..7)."""
    return (later - earlier) % MODULUS


def split_segments(data: bytes, max_length: int) -> list[tuple[bytes, bool]]:
    """``data`` (LLC header + APDU) cut into information fields of at most ``max_length``
    octets, each with its segmentation bit (set on all but the last). An empty ``data``
    gives one empty segment."""
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    if not data:
        return [(b"", False)]
    parts = [data[i:i + max_length] for i in range(0, len(data), max_length)]
    return [(part, i < len(parts) - 1) for i, part in enumerate(parts)]


class NsCheck(enum.Enum):
    """Verdict on the N(S) of a received I frame."""

    ACCEPT = "N(S) = V(R): accept the information field"
    SEQUENCE_ERROR = "N(S) != V(R) but within the window: discard the information field"
    INVALID = "N(S) outside any window the peer may use (FRMR V)"


class SendState:
    """The sending half of a link: V(S), the oldest unacknowledged N(S), the frames sent
    and not yet acknowledged, and the segments not yet sent."""

    __slots__ = ("queue", "retransmit", "unacked", "va", "vs")

    def __init__(self) -> None:
        self.vs = 0
        """V(S): the N(S) of the next new I frame."""
        self.va = 0
        """The N(S) of the oldest unacknowledged I frame (the last valid N(R) received)."""
        self.unacked: deque[tuple[bytes, bool]] = deque()
        """Information field and S bit of the I frames ``va`` .. ``vs - 1``."""
        self.queue: deque[tuple[bytes, bool]] = deque()
        """Segments not sent yet."""
        self.retransmit = False
        """A checkpoint asked for the unacknowledged frames again."""

    def reset(self) -> None:
        """Back to the state after SNRM/UA: sequence numbers 0, nothing pending."""
        self.vs = self.va = 0
        self.unacked.clear()
        self.queue.clear()
        self.retransmit = False

    @property
    def pending(self) -> bool:
        """Segments to send or frames awaiting acknowledgement."""
        return bool(self.queue or self.unacked)

    def nr_valid(self, nr: int) -> bool:
        """ISO/IEC 13239: a valid N(R) lies between the last N(R) received and V(S)."""
        return seq_diff(nr, self.va) <= seq_diff(self.vs, self.va)

    def acknowledge(self, nr: int) -> None:
        """Drop the frames a valid N(R) acknowledges."""
        for _ in range(seq_diff(nr, self.va)):
            self.unacked.popleft()
        self.va = nr
        if not self.unacked:
            self.retransmit = False

    def checkpoint(self) -> None:
        """A frame with the P/F bit arrived and its N(R) (already applied) leaves frames
        unacknowledged: they were lost, send them again (ISO/IEC 13239 checkpointing; IEC
        62056-46 uses no REJ)."""
        if self.unacked:
            self.retransmit = True

    def take(self, window: int) -> list[tuple[int, bytes, bool]]:
        """The I frames to transmit now, as (N(S), information, S bit): the requested
        retransmissions first, then new segments while fewer than ``window`` frames are
        outstanding."""
        out: list[tuple[int, bytes, bool]] = []
        if self.retransmit:
            out += [(seq_add(self.va, i), info, seg) for i, (info, seg) in
                    enumerate(self.unacked)]
            self.retransmit = False
        while self.queue and len(self.unacked) < window:
            info, seg = self.queue.popleft()
            self.unacked.append((info, seg))
            out.append((self.vs, info, seg))
            self.vs = seq_add(self.vs, 1)
        return out


class Reassembly(enum.Enum):
    """What :meth:`Assembler.add` returns when no whole APDU is ready."""

    INCOMPLETE = "more segments follow"
    OVERFLOW = "the last segment of an APDU longer than the limit (dropped)"


class Assembler:
    """Collects the information fields of one segmented APDU (S bit set on all but the
    last). Beyond ``limit`` octets the APDU is dropped as it arrives and reported as
    :attr:`Reassembly.OVERFLOW` with its last segment."""

    __slots__ = ("limit", "overflowed", "parts", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        """Largest whole information (LLC header + APDU) kept, octets."""
        self.parts: list[bytes] = []
        self.size = 0
        self.overflowed = False

    @property
    def in_progress(self) -> bool:
        """Segments of an unfinished APDU have arrived."""
        return bool(self.parts) or self.overflowed

    def add(self, information: bytes, segmented: bool) -> bytes | Reassembly:
        """Take one segment; the whole octets after the last one."""
        self.size += len(information)
        if self.size > self.limit:
            self.parts.clear()
            self.overflowed = True
        else:
            self.parts.append(information)
        if segmented:
            return Reassembly.INCOMPLETE
        if self.overflowed:
            self.reset()
            return Reassembly.OVERFLOW
        whole = b"".join(self.parts)
        self.reset()
        return whole

    def reset(self) -> None:
        """Forget the APDU being reassembled."""
        self.parts.clear()
        self.size = 0
        self.overflowed = False


class ReceiveState:
    """The receiving half of a link: V(R), the N(R) last sent to the peer, and the
    reassembly of the APDU being received."""

    __slots__ = ("acknowledged", "assembler", "gap", "vr")

    def __init__(self, limit: int) -> None:
        self.vr = 0
        """V(R): the N(S) expected next."""
        self.acknowledged = 0
        """The N(R) of the last frame this station sent (what the peer knows we have)."""
        self.gap = False
        """An out-of-sequence I frame arrived since this station last sent its N(R): the
        peer must be told V(R) so that it retransmits (ISO/IEC 13239 checkpointing)."""
        self.assembler = Assembler(limit)
        """The APDU being reassembled (``limit``: longest LLC header + APDU, octets)."""

    def reset(self) -> None:
        """Back to the state after SNRM/UA."""
        self.vr = self.acknowledged = 0
        self.gap = False
        self.assembler.reset()

    @property
    def in_progress(self) -> bool:
        """Segments of an unfinished APDU are held."""
        return self.assembler.in_progress

    def classify(self, ns: int, window: int) -> NsCheck:
        """Judge N(S) with the receive ``window``.

        * N(S) = V(R): accepted, unless the peer has already sent ``window`` frames this
          station has not acknowledged (it overran the window: invalid);
        * a frame already received (up to ``window`` behind V(R)) or one after a lost frame
          (within the window the peer may use from our last N(R)): sequence error, the
          information field is discarded but N(R) and P/F are acted upon;
        * anything else: an N(S) the peer cannot legally send (ISO/IEC 13239 FRMR bit V).
        """
        if ns == self.vr:
            if seq_diff(self.vr, self.acknowledged) >= window:
                return NsCheck.INVALID
            return NsCheck.ACCEPT
        if 1 <= seq_diff(self.vr, ns) <= window or seq_diff(ns, self.acknowledged) < window:
            return NsCheck.SEQUENCE_ERROR
        return NsCheck.INVALID

    def accept(self, information: bytes, segmented: bool) -> bytes | Reassembly:
        """Take the information field of an accepted I frame (V(R) advances); the whole
        octets (LLC header included) when this was the APDU's last segment."""
        self.vr = seq_add(self.vr, 1)
        return self.assembler.add(information, segmented)
