"""Masking of secrets in the exported trace: where a secret's octets lie in an APDU or a
byte stream, and hex strings and decoded views with those octets replaced by ``**``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.client._streams import Span

__all__ = ["MIN_SECRET", "map_to_stream", "mask_in_view", "mask_string", "mask_view",
           "masked_hex", "ranges_of"]

_HEX = re.compile(r"(?:[0-9A-F]{2})+")
MIN_SECRET = 4  # shorter secrets are masked only where the decoder located them


def ranges_of(data: bytes, needle: bytes) -> list[tuple[int, int]]:
    """Every ``(start, end)`` where ``needle`` occurs in ``data`` (overlaps included)."""
    out = []
    start = data.find(needle)
    while needle and start >= 0:
        out.append((start, start + len(needle)))
        start = data.find(needle, start + 1)
    return out


def masked_hex(data: bytes, ranges: Iterable[tuple[int, int]]) -> str:
    """``data`` in upper-case hex with the octets in ``ranges`` written ``**``."""
    hidden = bytearray(len(data))
    for start, end in ranges:
        for i in range(max(start, 0), min(end, len(data))):
            hidden[i] = 1
    return "".join("**" if hidden[i] else f"{b:02X}" for i, b in enumerate(data))


def map_to_stream(spans: Iterable[Span], start: int, end: int) -> list[tuple[int, int]]:
    """Stream ranges of the APDU octets ``start .. end`` (the APDU may be split over
    several frames)."""
    out = []
    for apdu_at, stream_at, length in spans:
        s, t = max(start, apdu_at), min(end, apdu_at + length)
        if s < t:
            out.append((stream_at + s - apdu_at, stream_at + t - apdu_at))
    return out


def mask_string(value: str, secrets: Iterable[bytes], *, minimum: int = MIN_SECRET) -> str:
    """A hex string with the octets of ``secrets`` (``minimum`` octets or longer) masked;
    any other string as it is."""
    if not _HEX.fullmatch(value):
        return value
    data = bytes.fromhex(value)
    ranges = [r for s in secrets if len(s) >= minimum for r in ranges_of(data, s)]
    return masked_hex(data, ranges) if ranges else value


def mask_view(view: Any, secrets: set[bytes]) -> Any:
    """A copy of a decoded view with :func:`mask_string` applied to every string."""
    if isinstance(view, Mapping):
        return {k: mask_view(v, secrets) for k, v in view.items()}
    if isinstance(view, list | tuple):
        return [mask_view(v, secrets) for v in view]
    if isinstance(view, str) and secrets:
        return mask_string(view, secrets)
    return view


def mask_in_view(view: Any, secret: bytes) -> None:
    """Replace ``secret`` (of any length) in every hex string of a decoded view, in place
    (a secret the decoder located, e.g. a password in plain user-information)."""
    if isinstance(view, dict):
        for key, value in view.items():
            if isinstance(value, str):
                view[key] = mask_string(value, {secret}, minimum=1)
            else:
                mask_in_view(value, secret)
    elif isinstance(view, list):
        for i, value in enumerate(view):
            if isinstance(value, str):
                view[i] = mask_string(value, {secret}, minimum=1)
            else:
                mask_in_view(value, secret)
