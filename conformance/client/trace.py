"""The trace recorder: every octet a session sends and receives, with a monotonic
timestamp and its direction, the frame boundaries (HDLC frames, wrapper WPDUs), and the
decoded and deciphered view of every APDU; exportable as JSON lines.

The recorder is an *observer*: it splits the byte streams into frames and APDUs with its
own deframers (:mod:`conformance.codec.hdlc`, :mod:`conformance.codec.wrapper`) and
deciphers with :mod:`conformance.security`, independently of the protocol machines. So the
trace shows what really was on the wire, including deliberate deviations and raw sends,
and a mistake of a machine cannot hide itself in the trace.

Entries (:class:`TraceEntry`), one per:

* ``bytes``: a chunk as written to or read from the transport (``layer``: the framing, or
  ``"iec62056-21"`` for the mode E sign-on);
* ``frame``: one HDLC frame or WPDU delimited in a stream, with its summary;
* ``discarded``: octets that form no valid frame (bad HCS/FCS, garbage), with the reason;
* ``apdu``: one complete APDU (HDLC segments reassembled and the LLC header removed, or the
  APDU of a WPDU, or of a finished general block transfer), decoded, and deciphered when
  the recorder has the keys (``plaintext`` hex and ``deciphered`` view);
* ``note``: what the session did or concluded (connect, negotiated parameters, timeouts).

Recording is cheap: :meth:`TraceRecorder.sent`, :meth:`TraceRecorder.received`,
:meth:`TraceRecorder.note` and the exchange brackets only keep the octets (or the note)
with the direction and the session clock's time, in order. The frames, APDUs, deciphering
and decoded views are made when the trace is read (:attr:`~TraceRecorder.entries`,
:meth:`~TraceRecorder.frames`, :meth:`~TraceRecorder.to_dicts`, ...), from what was kept,
in the order it was recorded (:mod:`conformance.client._tracelog`): the entries are those
that splitting each chunk at once would give, each with the time of the chunk (or note,
or exchange end) it comes from. Counting frames (:meth:`~TraceRecorder.frames_seen`, the
exchange deadline's message) only splits the octets into frames. So a session reading a
long profile over HDLC does not decode every frame a second time while it runs. Only
when more than ``exchange_limit`` records wait are they split at once, so that a runaway
meter's octets are not all kept until the trace is read (memory stays bounded, as the
exchange limit intends).

Growth is bounded per exchange: the session brackets each exchange (connect, association,
a service call with its block transfers, release, disconnect, a raw send) with
:meth:`TraceRecorder.begin_exchange` / :meth:`TraceRecorder.end_exchange`, and once an
exchange has produced ``exchange_limit`` entries the following ones are not stored (a
runaway meter repeating the same segment can send thousands of frames a second until the
session's exchange deadline ends it). The streams are still followed, so frames, APDUs and
masking stay right after the gap; a note marks where the recording stopped and another,
at the end of the exchange, counts what was left out by kind. :meth:`frames_seen` counts
every frame, recorded or not.

Secrets are never written: keys are only held to decipher; LLS passwords (AARQ
calling-authentication-value) and dedicated keys (InitiateRequest) are replaced by ``**``
per octet in every hex field -- located precisely where the decoder found them, even when
HDLC segmentation split them across frames -- and decoded views carry a placeholder. Any
octets equal to a configured secret (4 octets or more) are masked wherever they appear.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from os import PathLike
from typing import Any

from conformance.client._entry import Direction, EntryKind, TraceEntry
from conformance.client._masking import mask_view, masked_hex
from conformance.client._tracelog import (
    BEGIN,
    END,
    FRAMING,
    KEYS,
    NOTE,
    OCTETS,
    FramesMark,
    TraceLog,
    secret_ranges,
)
from conformance.security import SecurityKeys
from conformance.transport import Framing

__all__ = ["DEFAULT_EXCHANGE_LIMIT", "Direction", "EntryKind", "FramesMark", "TraceEntry",
           "TraceRecorder"]

DEFAULT_EXCHANGE_LIMIT = 50_000
"""Entries recorded per exchange by default: far above a legitimate exchange (a 60 kB
profile in 128-octet HDLC segments makes about 2,000), small enough to keep a runaway's
trace to tens of megabytes."""


class TraceRecorder:
    """Records one session (see the module docstring). Not thread-safe: one session, one
    thread."""

    def __init__(self, *, framing: Framing | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 secrets: Iterable[bytes] = (),
                 exchange_limit: int | None = DEFAULT_EXCHANGE_LIMIT) -> None:
        """``framing`` splits the streams into frames (``None``: bytes only); ``secrets``
        (passwords, keys) are masked wherever their octets appear; ``exchange_limit``:
        entries recorded per exchange (``None``: no limit; see the module docstring)."""
        if exchange_limit is not None and (isinstance(exchange_limit, bool)
                                           or exchange_limit < 1):
            raise ValueError(f"exchange_limit must be a positive number of entries or None, "
                             f"got {exchange_limit!r}")
        self._clock = clock
        self._exchange_limit = exchange_limit
        self._framing = framing
        self._secrets: set[bytes] = {bytes(s) for s in secrets if s}
        self._log = TraceLog(framing=framing, exchange_limit=exchange_limit,
                             secrets=self._secrets)
        self._pending = self._log.pending  # what the recording methods append to
        # More records waiting than an exchange may leave as entries: they are split then
        # (see the module docstring).
        self._backlog = exchange_limit if exchange_limit is not None else sys.maxsize

    # -- configuration -------------------------------------------------------------------
    @property
    def exchange_limit(self) -> int | None:
        """Entries recorded per exchange (``None``: no limit)."""
        return self._exchange_limit

    @property
    def framing(self) -> Framing | None:
        """The framing the streams are split with."""
        return self._framing

    def set_framing(self, framing: Framing | None) -> None:
        """Split what follows with ``framing`` (partial frames of the old one are reported
        as discarded)."""
        self._framing = framing
        self._pending.append([FRAMING, self._clock(), framing])

    def set_keys(self, keys: SecurityKeys | None, *, client_system_title: bytes | None = None,
                 server_system_title: bytes | None = None) -> None:
        """Keys and system titles to decipher what follows with (they are never written);
        their values are also masked wherever they appear."""
        self._pending.append([KEYS, keys, client_system_title, server_system_title])
        if keys is not None:
            for name in ("encryption_key", "broadcast_key", "authentication_key",
                         "dedicated_key", "master_key"):
                value = getattr(keys, name)
                if value:
                    self._secrets.add(value)

    def add_secret(self, value: bytes) -> None:
        """Mask ``value`` wherever its octets appear (it should be 4 octets or longer)."""
        if value:
            self._secrets.add(bytes(value))

    # -- recording -----------------------------------------------------------------------
    def sent(self, data: bytes, *, framed: bool = True) -> None:
        """Octets written to the transport (``framed=False``: not part of the frame
        stream, e.g. the mode E sign-on)."""
        if data:
            pending = self._pending
            pending.append([OCTETS, self._clock(), Direction.SENT, bytes(data), framed, None])
            if len(pending) > self._backlog:
                self._log.catch_up()

    def received(self, data: bytes, *, framed: bool = True) -> None:
        """Octets read from the transport."""
        if data:
            pending = self._pending
            pending.append([OCTETS, self._clock(), Direction.RECEIVED, bytes(data), framed,
                            None])
            if len(pending) > self._backlog:
                self._log.catch_up()

    def note(self, text: str, **details: Any) -> None:
        """A note: what the session did or concluded; ``details`` must be JSON-friendly
        and free of secrets."""
        self._pending.append([NOTE, self._clock(), text, dict(details)])

    # -- exchanges -----------------------------------------------------------------------
    def begin_exchange(self, what: str) -> None:
        """An exchange named ``what`` starts: at most ``exchange_limit`` entries are
        recorded until :meth:`end_exchange`. Nested calls belong to the outer exchange."""
        self._pending.append([BEGIN, what])

    def end_exchange(self) -> None:
        """The exchange is over: a note counts the entries left out, if any."""
        self._pending.append([END, self._clock()])

    def frames_seen(self, direction: Direction) -> int:
        """Frames (HDLC frames, WPDUs) found in ``direction`` so far, recorded or left out
        by the exchange limit (only splits the octets into frames; decodes nothing)."""
        return self._log.frames_seen(direction)

    def frames_mark(self) -> FramesMark:
        """Mark this point of the trace, to count the frames that follow it with
        :meth:`frames_since` (nothing recorded so far is split for it)."""
        return self._log.frames_mark()

    def frames_since(self, mark: FramesMark, direction: Direction) -> int:
        """Frames found in ``direction`` after ``mark`` (a mark of this recorder)."""
        seen = self._log.frames_seen(direction)
        if mark.counts is None:
            raise ValueError("the mark belongs to another recorder")
        return seen - mark.counts[direction]

    # -- reading -------------------------------------------------------------------------
    @property
    def entries(self) -> tuple[TraceEntry, ...]:
        """Every entry so far (raw octets included: never print ``data`` yourself)."""
        return tuple(self._log.catch_up())

    def __len__(self) -> int:
        return len(self._log.catch_up())

    def mark(self) -> int:
        """The position of the next entry (to export only what follows, e.g. per check)."""
        return len(self._log.catch_up())

    def frames(self, direction: Direction | None = None, *, start: int = 0
               ) -> list[TraceEntry]:
        """The frame entries from ``start`` on (optionally of one direction)."""
        return [e for e in self._log.catch_up()[start:] if e.kind is EntryKind.FRAME
                and (direction is None or e.direction is direction)]

    def apdus(self, direction: Direction | None = None, *, start: int = 0
              ) -> list[TraceEntry]:
        """The APDU entries from ``start`` on (optionally of one direction)."""
        return [e for e in self._log.catch_up()[start:] if e.kind is EntryKind.APDU
                and (direction is None or e.direction is direction)]

    def to_dicts(self, start: int = 0) -> list[dict[str, Any]]:
        """The entries from ``start`` on as JSON-friendly dicts, secrets masked."""
        entries = self._log.catch_up()
        first = entries[0].time if entries else 0.0
        return [self._export(e, first) for e in entries[start:]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.to_dicts())

    def to_jsonl(self, path: str | PathLike[str], *, start: int = 0) -> None:
        """Write the entries from ``start`` on as JSON lines (one object per line)."""
        with open(path, "w", encoding="utf-8") as fh:
            for item in self.to_dicts(start):
                fh.write(json.dumps(item, sort_keys=False) + "\n")

    def _export(self, e: TraceEntry, first: float) -> dict[str, Any]:
        out: dict[str, Any] = {"seq": e.seq, "time": e.time, "elapsed": e.time - first,
                               "kind": e.kind.value}
        if e.kind is EntryKind.NOTE:
            out["text"] = e.text
            out.update(mask_view(e.info, self._secrets))
            return out
        out["direction"] = e.direction.value if e.direction is not None else None
        out["layer"] = e.layer
        if e.offset is not None:
            out["offset"] = e.offset
        ranges = list(e.masked)
        if e.offset is not None and e.direction is not None:
            end = e.offset + len(e.data)
            ranges += [(max(s, e.offset) - e.offset, min(t, end) - e.offset)
                       for s, t in self._log.stream_masks(e.direction)
                       if s < end and t > e.offset]
        ranges += secret_ranges(e.data, self._secrets)
        out["hex"] = masked_hex(e.data, ranges)
        out.update(mask_view(e.info, self._secrets))
        if e.plaintext is not None:
            out["plaintext"] = masked_hex(
                e.plaintext, [*e.masked_plaintext, *secret_ranges(e.plaintext, self._secrets)])
        return out
