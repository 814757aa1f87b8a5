"""The log behind :class:`~conformance.client.trace.TraceRecorder` and the two stages that
turn it into entries.

The recording methods only append to :attr:`TraceLog.pending`, in order: the octets of a
chunk with their direction and the session clock's time, notes, the exchange brackets,
framing and key changes, frame marks. Nothing is split or decoded then. When the trace is
read, the log is worked through in the same order:

1. :meth:`TraceLog.delimit` splits the octets into frames (the codec's deframers, HCS and
   FCS checked) and counts them per direction; that is all :meth:`TraceLog.frames_seen`
   and :class:`FramesMark` need (the exchange deadline's message);
2. :meth:`TraceLog.catch_up` builds the entries: frame summaries, APDUs reassembled,
   decoded and deciphered, secrets located, the per-exchange entry limit applied.

Doing it later, in order, with the state each change had at its place in the log, gives
the entries that splitting every chunk at once would give; each carries the time of the
chunk, note or exchange end it comes from.
"""

from __future__ import annotations

from typing import Any

from conformance.client._entry import Direction, EntryKind, TraceEntry
from conformance.client._masking import (
    MIN_SECRET,
    map_to_stream,
    mask_in_view,
    masked_hex,
    ranges_of,
)
from conformance.client._streams import (
    Delimited,
    Delimiter,
    FrameStream,
    StreamItem,
    frames_in,
)
from conformance.client._view import ApduDecoder
from conformance.transport import Framing

__all__ = ["BEGIN", "END", "FRAMING", "KEYS", "MARK", "NOTE", "OCTETS", "FramesMark",
           "TraceLog"]

# The records of TraceLog.pending (lists: the first stage adds what it found):
OCTETS = 0  # [OCTETS, time, direction, data, framed, Delimited | None]
NOTE = 1  # [NOTE, time, text, details]
BEGIN = 2  # [BEGIN, what]
END = 3  # [END, time]
FRAMING = 4  # [FRAMING, time, framing, then the Delimited of each side's finish()]
KEYS = 5  # [KEYS, keys, client system title, server system title]
MARK = 6  # [MARK, FramesMark]


class FramesMark:
    """A point of the trace from which
    :meth:`~conformance.client.trace.TraceRecorder.frames_since` counts frames."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[Direction, int] | None = None
        """Frames found in each direction before the mark (``None`` until the octets
        recorded before it have been split into frames)."""


class _Side:
    """One direction of the log, in both stages."""

    __slots__ = ("delimited", "delimiter", "direction", "frames", "masks", "offset",
                 "stream")

    def __init__(self, direction: Direction, framing: Framing | None) -> None:
        self.direction = direction
        # First stage: the deframer, the octets it has seen, the frames it found.
        self.delimiter = Delimiter(framing)
        self.delimited = 0
        self.frames = 0
        # Second stage: the items, the stream offset reached, the secrets' stream ranges.
        self.stream = FrameStream(framing, sent=direction is Direction.SENT)
        self.offset = 0
        self.masks: list[tuple[int, int]] = []


class TraceLog:
    """What a recorder kept, and the entries made of it so far (see the module
    docstring). ``secrets``: the recorder's set of secrets (shared, it may grow)."""

    def __init__(self, *, framing: Framing | None, exchange_limit: int | None,
                 secrets: set[bytes]) -> None:
        self.pending: list[list[Any]] = []
        """Recorded, not yet made into entries (the recording methods append to it)."""
        self.entries: list[TraceEntry] = []
        """The entries made so far."""
        self._delimited = 0  # pending[:_delimited] went through the first stage
        self._secrets = secrets
        self._exchange_limit = exchange_limit
        self._exchange: _ExchangeTally | None = None
        self._decoder = ApduDecoder()
        self._framing = framing  # of the octets in the second stage
        self._now = 0.0  # the time of the record in the second stage
        self._sent = _Side(Direction.SENT, framing)
        self._received = _Side(Direction.RECEIVED, framing)

    def _side(self, direction: Direction) -> _Side:
        return self._sent if direction is Direction.SENT else self._received

    # -- first stage: frames -------------------------------------------------------------
    def frames_seen(self, direction: Direction) -> int:
        """Frames found in ``direction`` in everything recorded."""
        self.delimit()
        return self._side(direction).frames

    def frames_mark(self) -> FramesMark:
        """A mark after everything recorded so far."""
        mark = FramesMark()
        if self._delimited < len(self.pending):
            self.pending.append([MARK, mark])
        else:
            mark.counts = self._counts()
        return mark

    def _counts(self) -> dict[Direction, int]:
        return {Direction.SENT: self._sent.frames, Direction.RECEIVED: self._received.frames}

    def delimit(self) -> None:
        """Split the octets recorded so far into frames (first stage)."""
        pending = self.pending
        while self._delimited < len(pending):
            record = pending[self._delimited]
            self._delimited += 1
            kind = record[0]
            if kind == OCTETS:
                side = self._side(record[2])
                data: bytes = record[3]
                side.delimited += len(data)
                if record[4]:
                    found = side.delimiter.feed(data)
                    record[5] = found
                    side.frames += frames_in(found)
                else:
                    side.delimiter.skip(len(data))
            elif kind == FRAMING:
                for side in (self._sent, self._received):
                    found = side.delimiter.finish()
                    record.append(found)
                    side.frames += frames_in(found)
                    side.delimiter = Delimiter(record[2], base=side.delimited)
            elif kind == MARK:
                record[1].counts = self._counts()

    # -- second stage: entries -----------------------------------------------------------
    def catch_up(self) -> list[TraceEntry]:
        """Make entries of everything recorded so far; all the entries."""
        pending = self.pending
        if not pending:
            return self.entries
        self.delimit()
        done = 0
        try:
            for record in pending:
                done += 1
                self._interpret(record)
        finally:
            del pending[:done]
            self._delimited -= done
        return self.entries

    def stream_masks(self, direction: Direction) -> list[tuple[int, int]]:
        """Stream ranges of ``direction`` holding a secret located by the decoder."""
        return self._side(direction).masks

    def _interpret(self, record: list[Any]) -> None:
        kind = record[0]
        if kind == OCTETS:
            self._now = record[1]
            self._octets(self._side(record[2]), record[3], record[4], record[5])
        elif kind == NOTE:
            self._now = record[1]
            self._append(kind=EntryKind.NOTE, text=record[2], info=record[3])
        elif kind == BEGIN:
            self._begin(record[1])
        elif kind == END:
            self._now = record[1]
            self._end()
        elif kind == FRAMING:
            self._now = record[1]
            self._framing = record[2]
            for side, found in zip((self._sent, self._received), record[3:], strict=True):
                self._add_items(side, side.stream.items(found))
                side.stream = FrameStream(self._framing, sent=side is self._sent)
        elif kind == KEYS:
            self._decoder.set_keys(record[1], client_system_title=record[2],
                                   server_system_title=record[3])

    def _begin(self, what: str) -> None:
        if self._exchange is not None:
            self._exchange.depth += 1
            return
        self._exchange = _ExchangeTally(what=what, start=len(self.entries))

    def _end(self) -> None:
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
                "frames_received": tally.frames_received, "frames_sent": tally.frames_sent},
                text=f"trace limit: {sum(tally.omitted.values())} entries of {tally.what} "
                     f"not recorded ({self._exchange_limit} per exchange)")

    def _octets(self, side: _Side, data: bytes, framed: bool,
                found: Delimited | None) -> None:
        offset = side.offset
        side.offset = offset + len(data)
        framing = self._framing
        layer = ("iec62056-21" if not framed else
                 framing.value if framing is not None else "")
        self._append(kind=EntryKind.BYTES, direction=side.direction, layer=layer, data=data,
                     offset=offset)
        if found is not None:
            self._add_items(side, side.stream.items(found))

    def _add_items(self, side: _Side, items: list[StreamItem]) -> None:
        for item in items:
            kind = item.kind
            if kind == "frame" and self._exchange is not None:
                if side is self._sent:
                    self._exchange.frames_sent += 1
                else:
                    self._exchange.frames_received += 1
            if kind == "apdu":
                self._add_apdu(side, item)
            else:
                self._append(kind=EntryKind(kind), direction=side.direction,
                             layer=item.layer, data=item.data, offset=item.offset,
                             info=item.info)

    def _add_apdu(self, side: _Side, item: StreamItem) -> None:
        decoded = self._decoder.decode(item.data, sent=side is self._sent)
        info = {**item.info, **decoded.view}
        masked: list[tuple[int, int]] = []
        masked_plain: list[tuple[int, int]] = []
        for prefix, secret in decoded.secrets:
            for start, end in ranges_of(item.data, prefix + secret):
                masked.append((start + len(prefix), end))
            if decoded.plaintext is not None:
                for start, end in ranges_of(decoded.plaintext, prefix + secret):
                    masked_plain.append((start + len(prefix), end))
            mask_in_view(info, secret)
        for start, end in masked:
            side.masks.extend(map_to_stream(item.spans, start, end))
        if decoded.plaintext is not None:
            # Masked as the export masks it: a view never holds a secret (the dedicated
            # key of a ciphered InitiateRequest, say).
            info["plaintext"] = masked_hex(decoded.plaintext, [
                *masked_plain, *secret_ranges(decoded.plaintext, self._secrets)])
        self._append(kind=EntryKind.APDU, direction=side.direction, layer=item.layer,
                     data=item.data, info=info, plaintext=decoded.plaintext,
                     spans=item.spans, masked=tuple(masked),
                     masked_plaintext=tuple(masked_plain))
        gbt = side.stream.gbt_apdu(item.data)
        if gbt is not None:
            self._add_apdu(side, gbt)

    def _append(self, **fields: Any) -> None:
        tally, limit = self._exchange, self._exchange_limit
        if tally is not None and limit is not None and (
                tally.omitted or len(self.entries) - tally.start >= limit):
            if not tally.omitted:
                self._store(kind=EntryKind.NOTE, info={"limit": limit},
                            text=f"trace limit: {tally.what} has {limit} entries; the "
                                 "following ones are not recorded until it ends")
            kind: EntryKind = fields["kind"]
            tally.omitted[kind.value] = tally.omitted.get(kind.value, 0) + 1
            return
        self._store(**fields)

    def _store(self, **fields: Any) -> None:
        self.entries.append(TraceEntry(seq=len(self.entries), time=self._now, **fields))


def secret_ranges(data: bytes, secrets: set[bytes]) -> list[tuple[int, int]]:
    """Where the configured ``secrets`` (4 octets or longer) occur in ``data``."""
    return [r for s in secrets if len(s) >= MIN_SECRET for r in ranges_of(data, s)]


class _ExchangeTally:
    """The exchange being recorded: where its entries start, what was left out."""

    __slots__ = ("depth", "frames_received", "frames_sent", "omitted", "start", "what")

    def __init__(self, *, what: str, start: int) -> None:
        self.what = what
        self.start = start
        self.depth = 0
        self.omitted: dict[str, int] = {}
        self.frames_received = 0
        self.frames_sent = 0
