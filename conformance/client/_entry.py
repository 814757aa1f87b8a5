"""The records of a session trace (see :mod:`conformance.client.trace`, which exports
them): who sent the octets, what an entry records, and the entry itself."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.client._streams import Span

__all__ = ["Direction", "EntryKind", "TraceEntry"]


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
    """The session clock (``time.monotonic`` unless injected) when it was recorded: when
    the chunk it comes from was written or read (bytes, frames, APDUs, discarded octets),
    the note made, or the exchange ended (the note counting what was left out)."""
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
    """Decoded view (frame summary, APDU, deciphered APDU, error); never holds secrets
    (``info["plaintext"]``: the deciphered APDU in hex, secrets written ``**``)."""
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
