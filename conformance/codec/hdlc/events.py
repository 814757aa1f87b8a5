"""Events of the stream deframers (HDLC here, the IEC 62056-47 wrapper in
:mod:`conformance.codec.wrapper`), in the h11 style: ``receive_data(bytes)`` feeds octets,
``next_event()`` returns a :class:`FrameReceived`, a :class:`BytesDiscarded`, or
:data:`NEED_DATA` when more octets are needed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from conformance.errors import CodecError

__all__ = ["NEED_DATA", "BytesDiscarded", "FrameReceived", "NeedData"]

F = TypeVar("F")


class NeedData(enum.Enum):
    """Type of the :data:`NEED_DATA` sentinel."""

    NEED_DATA = "NEED_DATA"


NEED_DATA: Final = NeedData.NEED_DATA
"""Returned by ``next_event()`` when no event can be produced from the octets so far."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameReceived(Generic[F]):
    """A complete, valid frame."""

    frame: F
    """The decoded frame."""
    raw: bytes
    """The frame's octets as received (without flags)."""
    offset: int
    """Stream offset of the frame's first octet (after the opening flag, if any)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BytesDiscarded:
    """Octets the deframer threw away: an invalid frame (bad HCS/FCS, malformed header,
    missing closing flag) or octets outside any frame."""

    data: bytes
    """The octets discarded."""
    offset: int
    """Stream offset of the first discarded octet."""
    error: CodecError
    """Why (ChecksumError, CodecError, IncompleteError at end of stream); its ``offset``
    is a stream offset too."""
