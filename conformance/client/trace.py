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

import enum
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

from conformance.client._masking import (
    MIN_SECRET,
    map_to_stream,
    mask_string,
    mask_view,
    masked_hex,
    ranges_of,
)
from conformance.client._streams import FrameStream, Span, StreamItem
from conformance.client._view import ApduDecoder
from conformance.security import SecurityKeys
from conformance.transport import Framing

__all__ = ["DEFAULT_EXCHANGE_LIMIT", "Direction", "EntryKind", "TraceEntry", "TraceRecorder"]


class Direction(enum.Enum):
    """Who sent the octets (same spelling as the trace decoder of ``conformance decode``)."""

    SENT = "client->server"
    """From the session (the client) to the meter."""
    RECEIVED = "server->client"
    """From the meter to the session."""


class EntryKind(enum.Enum):
    """What a :class:`TraceEntry` records."""

    BYTES = "bytes"
    FRAME = "frame"
    DISCARDED = "discarded"
    APDU = "apdu"
    NOTE = "note"


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceEntry:
    """One record of the trace. ``data`` and ``plaintext`` hold the real octets (checks
    compare them) and never print; exports mask the secrets in them."""

    seq: int
    """Position in the trace, from 0."""
    time: float
    """The session clock (``time.monotonic`` unless injected) when it was recorded."""
    kind: EntryKind
    """What it records."""
    direction: Direction | None = None
    """Who sent the octets (``None`` for notes)."""
    layer: str = ""
    """``"hdlc"``, ``"wrapper"``, ``"gbt"`` (an APDU reassembled from GBT blocks),
    ``"iec62056-21"`` or ``""``."""
    data: bytes = field(default=b"", repr=False)
    """The octets: the chunk, the frame without flags, or the APDU as on the wire."""
    offset: int | None = None
    """Stream offset of ``data[0]`` in its direction (bytes, frames, discarded octets)."""
    info: Mapping[str, Any] = field(default_factory=dict)
    """Decoded view (frame summary, APDU, deciphered APDU, error); never holds secrets."""
    plaintext: bytes | None = field(default=None, repr=False)
    """The deciphered APDU when the recorder could decipher it."""
    text: str = ""
    """The text of a note."""
    spans: tuple[Span, ...] = field(default=(), repr=False, compare=False)
    """APDU entries: where its octets lie in the stream (for masking)."""
    masked: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)
    """APDU entries: ranges of ``data`` holding a secret."""
    masked_plaintext: tuple[tuple[int, int], ...] = field(default=(), repr=False,
                                                          compare=False)
    """APDU entries: ranges of ``plaintext`` holding a secret."""


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
        self._entries: list[TraceEntry] = []
        self._exchange_limit = exchange_limit
        self._exchange: _ExchangeTally | None = None
        self._frames_seen: dict[Direction, int] = dict.fromkeys(Direction, 0)
        self._secrets: set[bytes] = {bytes(s) for s in secrets if s}
        self._decoder = ApduDecoder()
        self._framing = framing
        self._offsets: dict[Direction, int] = dict.fromkeys(Direction, 0)
        self._streams = {d: FrameStream(framing, sent=d is Direction.SENT) for d in Direction}
        self._stream_masks: dict[Direction, list[tuple[int, int]]] = {d: [] for d in Direction}

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
        for direction, stream in self._streams.items():
            self._add_items(direction, stream.finish())
        self._framing = framing
        self._streams = {d: FrameStream(framing, sent=d is Direction.SENT,
                                        base=self._offsets[d]) for d in Direction}

    def set_keys(self, keys: SecurityKeys | None, *, client_system_title: bytes | None = None,
                 server_system_title: bytes | None = None) -> None:
        """Keys and system titles to decipher with (they are never written); their values
        are also masked wherever they appear."""
        self._decoder.set_keys(keys, client_system_title=client_system_title,
                               server_system_title=server_system_title)
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
        self._record(Direction.SENT, bytes(data), framed)

    def received(self, data: bytes, *, framed: bool = True) -> None:
        """Octets read from the transport."""
        self._record(Direction.RECEIVED, bytes(data), framed)

    def note(self, text: str, **details: Any) -> None:
        """A note: what the session did or concluded; ``details`` must be JSON-friendly
        and free of secrets."""
        self._append(kind=EntryKind.NOTE, text=text, info=dict(details))

    # -- exchanges -----------------------------------------------------------------------
    def begin_exchange(self, what: str) -> None:
        """An exchange named ``what`` starts: at most ``exchange_limit`` entries are
        recorded until :meth:`end_exchange`. Nested calls belong to the outer exchange."""
        if self._exchange is not None:
            self._exchange.depth += 1
            return
        self._exchange = _ExchangeTally(what=what, start=len(self._entries))

    def end_exchange(self) -> None:
        """The exchange is over: a note counts the entries left out, if any."""
        tally = self._exchange
        if tally is None:
            return
        if tally.depth:
            tally.depth -= 1
            return
        self._exchange = None
        if tally.omitted:
            self._store(kind=EntryKind.NOTE, info={
                "omitted": dict(tally.omitted), "limit": self._exchange_limit,
                "frames_received": tally.frames[Direction.RECEIVED],
                "frames_sent": tally.frames[Direction.SENT]},
                text=f"trace limit: {sum(tally.omitted.values())} entries of {tally.what} "
                     f"not recorded ({self._exchange_limit} per exchange)")

    def frames_seen(self, direction: Direction) -> int:
        """Frames (HDLC frames, WPDUs) found in ``direction`` so far, recorded or left out
        by the exchange limit."""
        return self._frames_seen[direction]

    def _record(self, direction: Direction, data: bytes, framed: bool) -> None:
        if not data:
            return
        offset = self._offsets[direction]
        self._offsets[direction] = offset + len(data)
        stream = self._streams[direction]
        layer = ("iec62056-21" if not framed else
                 self._framing.value if self._framing is not None else "")
        self._append(kind=EntryKind.BYTES, direction=direction, layer=layer, data=data,
                     offset=offset)
        if framed:
            self._add_items(direction, stream.feed(data))
        else:
            stream.skip(len(data))

    def _add_items(self, direction: Direction, items: Iterable[StreamItem]) -> None:
        for item in items:
            if item.kind == EntryKind.FRAME.value:
                self._frames_seen[direction] += 1
                if self._exchange is not None:
                    self._exchange.frames[direction] += 1
            if item.kind == EntryKind.APDU.value:
                self._add_apdu(direction, item)
            else:
                self._append(kind=EntryKind(item.kind), direction=direction, layer=item.layer,
                             data=item.data, offset=item.offset, info=item.info)

    def _add_apdu(self, direction: Direction, item: StreamItem) -> None:
        decoded = self._decoder.decode(item.data, sent=direction is Direction.SENT)
        info = {**item.info, **decoded.view}
        masked: list[tuple[int, int]] = []
        masked_plain: list[tuple[int, int]] = []
        for prefix, secret in decoded.secrets:
            for start, end in ranges_of(item.data, prefix + secret):
                masked.append((start + len(prefix), end))
            if decoded.plaintext is not None:
                for start, end in ranges_of(decoded.plaintext, prefix + secret):
                    masked_plain.append((start + len(prefix), end))
            self._mask_in_view(info, secret)
        for start, end in masked:
            self._stream_masks[direction].extend(map_to_stream(item.spans, start, end))
        if decoded.plaintext is not None:
            info["plaintext"] = decoded.plaintext.hex().upper()
        self._append(kind=EntryKind.APDU, direction=direction, layer=item.layer,
                     data=item.data, info=info, plaintext=decoded.plaintext,
                     spans=item.spans, masked=tuple(masked),
                     masked_plaintext=tuple(masked_plain))
        gbt = self._streams[direction].gbt_apdu(item.data)
        if gbt is not None:
            self._add_apdu(direction, gbt)

    def _mask_in_view(self, view: Any, secret: bytes) -> None:
        """Replace ``secret`` in every hex string of a view (plain user-information)."""
        if isinstance(view, dict):
            for key, value in view.items():
                if isinstance(value, str):
                    view[key] = mask_string(value, {secret}, minimum=1)
                else:
                    self._mask_in_view(value, secret)
        elif isinstance(view, list):
            for i, value in enumerate(view):
                if isinstance(value, str):
                    view[i] = mask_string(value, {secret}, minimum=1)
                else:
                    self._mask_in_view(value, secret)

    def _append(self, **fields: Any) -> None:
        tally, limit = self._exchange, self._exchange_limit
        if tally is not None and limit is not None and (
                tally.omitted or len(self._entries) - tally.start >= limit):
            if not tally.omitted:
                self._store(kind=EntryKind.NOTE, info={"limit": limit},
                            text=f"trace limit: {tally.what} has {limit} entries; the "
                                 "following ones are not recorded until it ends")
            kind: EntryKind = fields["kind"]
            tally.omitted[kind.value] = tally.omitted.get(kind.value, 0) + 1
            return
        self._store(**fields)

    def _store(self, **fields: Any) -> None:
        self._entries.append(TraceEntry(seq=len(self._entries), time=self._clock(), **fields))

    # -- reading -------------------------------------------------------------------------
    @property
    def entries(self) -> tuple[TraceEntry, ...]:
        """Every entry so far (raw octets included: never print ``data`` yourself)."""
        return tuple(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def mark(self) -> int:
        """The position of the next entry (to export only what follows, e.g. per check)."""
        return len(self._entries)

    def frames(self, direction: Direction | None = None, *, start: int = 0
               ) -> list[TraceEntry]:
        """The frame entries from ``start`` on (optionally of one direction)."""
        return [e for e in self._entries[start:] if e.kind is EntryKind.FRAME
                and (direction is None or e.direction is direction)]

    def apdus(self, direction: Direction | None = None, *, start: int = 0
              ) -> list[TraceEntry]:
        """The APDU entries from ``start`` on (optionally of one direction)."""
        return [e for e in self._entries[start:] if e.kind is EntryKind.APDU
                and (direction is None or e.direction is direction)]

    def to_dicts(self, start: int = 0) -> list[dict[str, Any]]:
        """The entries from ``start`` on as JSON-friendly dicts, secrets masked."""
        return [self._export(e) for e in self._entries[start:]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.to_dicts())

    def to_jsonl(self, path: str | PathLike[str], *, start: int = 0) -> None:
        """Write the entries from ``start`` on as JSON lines (one object per line)."""
        with open(path, "w", encoding="utf-8") as fh:
            for item in self.to_dicts(start):
                fh.write(json.dumps(item, sort_keys=False) + "\n")

    def _export(self, e: TraceEntry) -> dict[str, Any]:
        first = self._entries[0].time if self._entries else e.time
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
                       for s, t in self._stream_masks[e.direction] if s < end and t > e.offset]
        ranges += self._secret_ranges(e.data)
        out["hex"] = masked_hex(e.data, ranges)
        out.update(mask_view(e.info, self._secrets))
        if e.plaintext is not None:
            out["plaintext"] = masked_hex(
                e.plaintext, [*e.masked_plaintext, *self._secret_ranges(e.plaintext)])
        return out

    def _secret_ranges(self, data: bytes) -> list[tuple[int, int]]:
        return [r for s in self._secrets if len(s) >= MIN_SECRET for r in ranges_of(data, s)]


@dataclass(slots=True, kw_only=True)
class _ExchangeTally:
    """The exchange being recorded: where its entries start, what was left out."""

    what: str
    start: int
    depth: int = 0
    omitted: dict[str, int] = field(default_factory=dict)
    frames: dict[Direction, int] = field(default_factory=lambda: dict.fromkeys(Direction, 0))
