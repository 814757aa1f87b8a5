"""Base class and tag registry shared by every APDU class (ACSE and xDLMS).

Each APDU module registers a decoder for the tag(s) it owns::

    @register(0xC0)
    def _decode_get_request(r: Reader) -> Apdu: ...

The decoder receives a :class:`Reader` positioned just after the tag byte, and must consume
exactly the APDU's bytes (``conformance.codec.apdu.decode_apdu`` rejects trailing bytes).
Tags come from IEC 62056-5-3 8.5 (xDLMS APDUs) and the ACSE APDU tags 0x60-0x63.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.errors import CodecError

__all__ = ["Apdu", "ApduDecoder", "decoder_for", "register", "registered_tags"]


class Apdu:
    """Base of every APDU dataclass. Subclasses set ``TAG`` and implement ``encode``."""

    __slots__ = ()

    TAG: ClassVar[int]

    def encode(self, w: Writer) -> None:
        """Append this APDU (tag included) to ``w``."""
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """The encoded APDU, tag included."""
        w = Writer()
        self.encode(w)
        return w.getvalue()


ApduDecoder = Callable[[Reader], Apdu]

_DECODERS: dict[int, ApduDecoder] = {}


def register(tag: int) -> Callable[[ApduDecoder], ApduDecoder]:
    """Decorator: register ``decoder`` for the APDU tag ``tag`` (one owner per tag)."""

    def deco(fn: ApduDecoder) -> ApduDecoder:
        if tag in _DECODERS and _DECODERS[tag] is not fn:
            raise RuntimeError(f"APDU tag 0x{tag:02X} registered twice")
        _DECODERS[tag] = fn
        return fn

    return deco


def decoder_for(tag: int, *, offset: int = 0) -> ApduDecoder:
    """The decoder registered for ``tag``; ``CodecError`` for an unknown tag."""
    try:
        return _DECODERS[tag]
    except KeyError:
        raise CodecError(f"unknown APDU tag 0x{tag:02X}", offset=offset, path="apdu") from None


def registered_tags() -> frozenset[int]:
    """Every tag with a decoder (after the APDU modules have been imported)."""
    return frozenset(_DECODERS)
