"""Shared pieces of the ciphered APDU codec: A-XDR octet strings and the security header.

Green Book 9.2.7: every ciphered content starts with the security header
``SC | IC`` (security control byte, 4-byte invocation counter), followed by the ciphered
text (which ends with the 12-byte authentication tag when authentication is applied).

A-XDR lengths must use the minimal form (IEC 61334-6 / X.690 8.1.3 definite form, short
below 128): a non-minimal length is reported, because re-encoding could not reproduce it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer, encode_length
from conformance.errors import CodecError

__all__ = ["SecurityHeader", "pull_content", "pull_octet_string", "push_octet_string"]


def pull_length(r: Reader, field: str) -> int:
    """An A-XDR length that must be in the minimal form."""
    start = r.offset
    n = r.pull_length(field)
    if r.offset - start != len(encode_length(n)):
        raise CodecError(f"length {n} is not in the minimal A-XDR form", offset=start,
                         path=r.path(field))
    return n


def pull_octet_string(r: Reader, field: str) -> bytes:
    """An A-XDR OCTET STRING (minimal length, then the bytes)."""
    n = pull_length(r, field)
    return r.pull_bytes(n, field)


def push_octet_string(w: Writer, value: bytes, length: int | None = None) -> None:
    """An A-XDR OCTET STRING; ``length`` overrides the computed length."""
    w.push_length(len(value) if length is None else length)
    w.push_bytes(value)


# -- security header -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityHeader:
    """``SC | IC`` at the start of every ciphered content (Green Book 9.2.7)."""

    SIZE: ClassVar[int] = 5

    security_control: int
    """The security control byte (see :class:`conformance.security.SecurityControl`)."""
    invocation_counter: int
    """The sender's invocation counter (4 bytes, big-endian)."""

    def __post_init__(self) -> None:
        if not 0 <= self.security_control <= 0xFF:
            raise ValueError("security_control must fit one byte")
        if not 0 <= self.invocation_counter <= 0xFFFFFFFF:
            raise ValueError("invocation_counter must fit four bytes")

    def to_bytes(self) -> bytes:
        """The five header bytes."""
        return bytes((self.security_control,)) + self.invocation_counter.to_bytes(4, "big")

    @classmethod
    def decode(cls, r: Reader) -> SecurityHeader:
        """Read SC and IC from ``r``."""
        with r.scope("security_header"):
            sc = r.pull_u8("security_control")
            ic = r.pull_u32("invocation_counter")
        return cls(security_control=sc, invocation_counter=ic)


def pull_content(r: Reader, field: str) -> tuple[SecurityHeader, bytes]:
    """A ciphered-content octet string split into its security header and ciphered text."""
    n = pull_length(r, field)
    start = r.offset
    sub = r.sub(n, field)
    if n < SecurityHeader.SIZE:
        raise CodecError(f"{field} of {n} byte(s) cannot hold the security header "
                         "(SC and invocation counter, 5 bytes)", offset=start,
                         path=r.path(field))
    header = SecurityHeader.decode(sub)
    return header, sub.pull_rest()
