"""Read the hex traces engineers paste into records of bytes.

Accepted forms (mixed freely in one input):

* plain hex lines, bytes separated by spaces, colons, dashes or nothing, optionally ``0x``;
* ``Send:`` / ``Receive:`` (also ``Sent``, ``Received``, ``TX``, ``RX``, ``Tx:``, ``Rx:``)
  headers, with hex on the same line or on the following lines;
* ``-> 12:05:41 7E A0 ...`` (sent) and ``<- 12:05:41 7E A0 ...`` (received) lines, also with
  ``>>`` / ``<<``, dates and fractional seconds;
* frames wrapped over several lines (consecutive hex lines after one header, or without any
  header, are one record).

A record holds the bytes between two headers (or blank lines) with the direction the header
gave, if any. Splitting a record into frames or APDUs is the decoder's job: records carry no
protocol knowledge. Lines that are neither headers nor hex are kept as comments so nothing is
silently lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum

__all__ = ["Direction", "PasteLine", "TraceRecord", "parse_paste"]


class Direction(Enum):
    """Who sent the bytes: the client (the tool) or the server (the meter)."""

    CLIENT_TO_SERVER = "client->server"
    SERVER_TO_CLIENT = "server->client"


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceRecord:
    """Bytes read from one header (or block of hex lines) of a pasted trace."""

    line: int
    """1-based line number where the record starts."""
    direction: Direction | None
    """Direction stated by the trace, or None when the format does not say."""
    timestamp: str | None
    """Timestamp text as found in the trace (not interpreted)."""
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class PasteLine:
    """A line that was not hex and not a header (kept so the caller can report it)."""

    line: int
    text: str


_SEND_WORDS = r"send|sent|tx|out|request|client|c->s|->|>>|-->|=>|>"
_RECV_WORDS = r"receive|received|recv|rx|in|response|server|s->c|<-|<<|<--|<=|<"

_TIME = r"(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?![:0-9A-Fa-f])"
_DIR_RE = re.compile(
    rf"""^\s*(?:\[?(?P<t1>{_TIME})\]?\s*)?          # optional leading timestamp
         (?P<dir>{_SEND_WORDS}|{_RECV_WORDS})       # direction word or arrow
         (?![0-9a-f])                               # not the start of a hex byte
         \s*:?\s*
         (?:\[?(?P<t2>{_TIME})\]?\s*:?\s*)?         # optional timestamp after it
         (?P<rest>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
_HEX_TOKEN_RE = re.compile(r"^(?:0x)?([0-9a-fA-F]{2})+$")
_SEP_RE = re.compile(r"[\s:,\-]+")


def _direction(word: str) -> Direction:
    w = word.lower()
    if re.fullmatch(_SEND_WORDS, w):
        return Direction.CLIENT_TO_SERVER
    return Direction.SERVER_TO_CLIENT


def _hex_of(text: str) -> bytes | None:
    """The bytes of ``text`` if it is nothing but hex (with separators), else None."""
    text = text.strip()
    if not text:
        return None
    tokens = [t for t in _SEP_RE.split(text) if t]
    out = bytearray()
    for tok in tokens:
        if not _HEX_TOKEN_RE.match(tok):
            return None
        if tok[:2] in ("0x", "0X"):
            tok = tok[2:]
        out += bytes.fromhex(tok)
    return bytes(out)


def _strip_time_prefix(text: str) -> tuple[str | None, str]:
    m = re.match(rf"^\s*\[?({_TIME})\]?\s*:?\s*(.*)$", text)
    if m:
        return m.group(1), m.group(2)
    return None, text


def parse_paste(text: str | Iterable[str]) -> Iterator[TraceRecord | PasteLine]:
    """Yield records (and unrecognised lines) from a pasted trace, in input order."""
    lines = text.splitlines() if isinstance(text, str) else (ln.rstrip("\n") for ln in text)

    cur: bytearray | None = None
    cur_line = 0
    cur_dir: Direction | None = None
    cur_time: str | None = None

    def flush() -> TraceRecord | None:
        nonlocal cur
        if cur:
            rec = TraceRecord(line=cur_line, direction=cur_dir, timestamp=cur_time,
                              data=bytes(cur))
            cur = None
            return rec
        cur = None
        return None

    for no, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            # A blank line ends a headerless block; a header's block survives blank lines
            # only until the next header (hex right after a header may follow a blank line).
            if cur and cur_dir is None:
                rec = flush()
                if rec:
                    yield rec
            continue
        m = _DIR_RE.match(line)
        if m and (m.group("rest") == "" or _hex_of(m.group("rest")) is not None):
            rec = flush()
            if rec:
                yield rec
            cur = bytearray(_hex_of(m.group("rest")) or b"")
            cur_line, cur_dir = no, _direction(m.group("dir"))
            cur_time = m.group("t1") or m.group("t2")
            continue
        stamp, rest = _strip_time_prefix(line)
        data = _hex_of(rest)
        if data is not None:
            if cur is None:
                cur = bytearray()
                cur_line, cur_dir, cur_time = no, None, stamp
            elif stamp is not None and cur_dir is None and cur:
                # a new timestamped headerless line starts a new record
                rec = flush()
                if rec:
                    yield rec
                cur = bytearray()
                cur_line, cur_dir, cur_time = no, None, stamp
            cur += data
            continue
        rec = flush()
        if rec:
            yield rec
        cur_dir = None
        yield PasteLine(line=no, text=raw)
    rec = flush()
    if rec:
        yield rec
