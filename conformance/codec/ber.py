"""BER (ITU-T X.690) primitives for the ACSE APDUs and the xDLMS conformance block.

DLMS/COSEM encodes the ACSE APDUs (AARQ, AARE, RLRQ, RLRE) in BER (IEC 62056-5-3 8.2 /
Green Book 9.4.2: "the ACSE APDUs are encoded in BER") and keeps one BER element inside
the A-XDR InitiateRequest/InitiateResponse: the ``[APPLICATION 31] IMPLICIT BIT STRING``
conformance block. This module provides exactly what those need, strictly:

- identifier octets with the four tag classes, the constructed bit and the high tag number
  form (X.690 8.1.2); a high-form identifier for a number below 31 is rejected (8.1.2.4.1);
- definite lengths in the short and long form (8.1.3.4, 8.1.3.5); the indefinite form
  (8.1.3.6) is rejected because DLMS never uses it;
- a TLV reader that reports every element's absolute offset and, inside an enclosing element
  whose length is known, reports an overrunning length as a ``CodecError`` (the bytes are
  malformed) instead of an ``IncompleteError`` (more bytes may come);
- INTEGER (8.3, minimal two's complement), BIT STRING (8.6, primitive form only),
  OBJECT IDENTIFIER (8.19) value objects and content codecs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from conformance.codec._buffer import Reader, Writer, encode_length
from conformance.errors import CodecError, IncompleteError

__all__ = [
    "BitString",
    "ObjectIdentifier",
    "Tag",
    "TagClass",
    "Tlv",
    "UniversalTag",
    "decode_graphic_string",
    "decode_integer",
    "decode_octet_string",
    "encode_graphic_string",
    "encode_integer",
    "encode_octet_string",
    "encode_tlv",
    "pull_tag",
    "pull_tlv",
    "pull_tlvs",
    "push_tlv",
]


class TagClass(IntEnum):
    """The two class bits of the identifier octet (X.690 8.1.2.2, Table 1)."""

    UNIVERSAL = 0
    APPLICATION = 1
    CONTEXT_SPECIFIC = 2
    PRIVATE = 3


class UniversalTag(IntEnum):
    """UNIVERSAL tag numbers used by the ACSE APDUs (X.680 8.4, Table 1)."""

    BOOLEAN = 1
    INTEGER = 2
    BIT_STRING = 3
    OCTET_STRING = 4
    NULL = 5
    OBJECT_IDENTIFIER = 6
    EXTERNAL = 8
    ENUMERATED = 10
    SEQUENCE = 16
    GRAPHIC_STRING = 25


_MAX_TAG_OCTETS = 4  # subsequent identifier octets accepted (tag numbers below 2**28)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag:
    """One BER identifier: class, primitive/constructed form and tag number."""

    tag_class: TagClass
    constructed: bool
    number: int

    def __post_init__(self) -> None:
        if not 0 <= self.number < 1 << (7 * _MAX_TAG_OCTETS):
            raise ValueError(f"tag number {self.number} out of range")

    @classmethod
    def context(cls, number: int, *, constructed: bool = False) -> Tag:
        """A context-specific tag ``[number]``."""
        return cls(tag_class=TagClass.CONTEXT_SPECIFIC, constructed=constructed, number=number)

    @classmethod
    def application(cls, number: int, *, constructed: bool = False) -> Tag:
        """An application tag ``[APPLICATION number]``."""
        return cls(tag_class=TagClass.APPLICATION, constructed=constructed, number=number)

    @classmethod
    def universal(cls, number: int, *, constructed: bool = False) -> Tag:
        """A UNIVERSAL tag (``UniversalTag`` numbers)."""
        return cls(tag_class=TagClass.UNIVERSAL, constructed=constructed, number=number)

    def to_bytes(self) -> bytes:
        """The identifier octets (X.690 8.1.2)."""
        lead = (self.tag_class << 6) | (0x20 if self.constructed else 0)
        if self.number < 31:
            return bytes((lead | self.number,))
        groups = []
        n = self.number
        while True:
            groups.append(n & 0x7F)
            n >>= 7
            if not n:
                break
        tail = bytes(g | 0x80 for g in reversed(groups[1:])) + bytes((groups[0],))
        return bytes((lead | 0x1F,)) + tail

    def __str__(self) -> str:
        """ASN.1 notation plus the identifier octets, e.g. ``[1] (0xA1)``."""
        if self.tag_class is TagClass.CONTEXT_SPECIFIC:
            name = f"[{self.number}]"
        elif self.tag_class is TagClass.UNIVERSAL:
            try:
                name = f"UNIVERSAL {UniversalTag(self.number).name}"
            except ValueError:
                name = f"[UNIVERSAL {self.number}]"
        else:
            name = f"[{self.tag_class.name} {self.number}]"
        return f"{name} (0x{self.to_bytes().hex().upper()})"


# Every identifier with a tag number below 31 is one octet (X.690 8.1.2.2); Tag is immutable,
# so the decoders share one instance per octet instead of building it each time. ``None``
# marks the 0x1F escape of the high tag number form (8.1.2.4).
_ONE_OCTET_TAGS: tuple[Tag | None, ...] = tuple(
    None if octet & 0x1F == 0x1F else Tag(tag_class=TagClass(octet >> 6),
                                          constructed=bool(octet & 0x20), number=octet & 0x1F)
    for octet in range(256))


def pull_tag(r: Reader, field: str = "tag") -> Tag:
    """Read identifier octets (X.690 8.1.2), high tag number form included."""
    start = r.offset
    first = r.pull_u8(field)
    one_octet = _ONE_OCTET_TAGS[first]
    if one_octet is not None:
        return one_octet
    tag_class = TagClass(first >> 6)
    constructed = bool(first & 0x20)
    number = first & 0x1F
    if number == 0x1F:
        number = 0
        for i in range(_MAX_TAG_OCTETS + 1):
            if i == _MAX_TAG_OCTETS:
                raise CodecError(f"tag number longer than {_MAX_TAG_OCTETS} octets",
                                 offset=start, path=r.path(field))
            at = r.offset
            octet = r.pull_u8(field)
            if i == 0 and octet == 0x80:
                # X.690 8.1.2.4.2 c): bits 7..1 of the first subsequent octet not all zero
                raise CodecError("tag number has a leading 0x80 octet (X.690 8.1.2.4.2)",
                                 offset=at, path=r.path(field))
            number = (number << 7) | (octet & 0x7F)
            if not octet & 0x80:
                break
        if number < 31:
            raise CodecError(f"tag number {number} must use the one-octet form "
                             "(X.690 8.1.2.4.1)", offset=start, path=r.path(field))
    return Tag(tag_class=tag_class, constructed=constructed, number=number)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tlv:
    """One decoded BER element: its tag, where it starts and its content octets."""

    tag: Tag
    offset: int
    """Absolute offset of the first identifier octet."""
    value_offset: int
    """Absolute offset of the first content octet."""
    value: bytes
    """The content octets."""

    @property
    def end_offset(self) -> int:
        """Absolute offset one past the last content octet."""
        return self.value_offset + len(self.value)

    def reader(self, path: str) -> Reader:
        """A reader over the content octets that reports absolute offsets under ``path``."""
        return Reader(self.value, base=self.value_offset, path=path or None)

    def error(self, message: str, path: str, *, at_value: bool = False) -> CodecError:
        """A ``CodecError`` pointing at this element (or at its first content octet)."""
        return CodecError(message, offset=self.value_offset if at_value else self.offset,
                          path=path)

    def expect(self, tag: Tag, path: str) -> None:
        """Raise unless this element carries exactly ``tag``."""
        if self.tag != tag:
            raise self.error(f"expected {tag}, found {self.tag}", path)


def pull_tlv(r: Reader, field: str = "element", *, within: str | None = None) -> Tlv:
    """Read one TLV.

    ``within`` names the enclosing element when its length is already known: a length that
    overruns it (or identifier/length octets cut short by its end) is then malformed input
    (``CodecError``). Without ``within`` a short input raises ``IncompleteError``.
    """
    # Fast path: a one-octet identifier and a short-form length (X.690 8.1.2.2, 8.1.3.4)
    # whose content is present in full, which is how DLMS encodes its ACSE elements. It
    # reads exactly what the general path below would read; anything else (high tag
    # number form, long-form length, truncation, overrun) goes the general way, which
    # reports the fault.
    p = r.pos
    if r.end - p >= 2:
        data = r.data
        tag = _ONE_OCTET_TAGS[data[p]]
        n = data[p + 1]
        if tag is not None and n < 0x80 and p + 2 + n <= r.end:
            offset = r.offset
            r.pos = p + 2 + n
            return Tlv(tag=tag, offset=offset, value_offset=offset + 2,
                       value=data[p + 2:p + 2 + n])
    offset = r.offset
    try:
        tag = pull_tag(r, field)
        length_offset = r.offset
        n = r.pull_length(field)
    except IncompleteError as exc:
        if within is None:
            raise
        raise CodecError(f"{exc.message} inside {within}", offset=exc.offset,
                         path=exc.path) from None
    if n > r.remaining():
        message = f"{tag} length {n} overruns the " + (
            f"enclosing {within}" if within is not None else "input")
        message += f" ({r.remaining()} byte(s) left)"
        cls = CodecError if within is not None else IncompleteError
        raise cls(message, offset=length_offset, path=r.path(field))
    value_offset = r.offset
    value = r.pull_bytes(n, field)
    return Tlv(tag=tag, offset=offset, value_offset=value_offset, value=value)


def pull_tlvs(r: Reader, field: str, *, within: str) -> list[Tlv]:
    """Read TLVs until ``r`` is exhausted (the content of a constructed element)."""
    out: list[Tlv] = []
    while not r.at_end():
        out.append(pull_tlv(r, field, within=within))
    return out


def push_tlv(w: Writer, tag: Tag, value: bytes, *, length: int | None = None) -> None:
    """Append identifier, length (``length`` overrides the computed one) and content."""
    w.push_bytes(tag.to_bytes())
    w.push_length(len(value) if length is None else length)
    w.push_bytes(value)


def encode_tlv(tag: Tag, value: bytes, *, length: int | None = None) -> bytes:
    """Identifier, definite length (short or long form as needed) and content octets."""
    return tag.to_bytes() + encode_length(len(value) if length is None else length) + value


# -- OCTET STRING / GraphicString (X.690 8.7, 8.23) ---------------------------------------
_OCTET_STRING = Tag.universal(UniversalTag.OCTET_STRING)
_GRAPHIC_STRING = Tag.universal(UniversalTag.GRAPHIC_STRING)


def encode_octet_string(value: bytes, *, length: int | None = None) -> bytes:
    """A primitive UNIVERSAL OCTET STRING TLV (``04 len value``)."""
    return encode_tlv(_OCTET_STRING, value, length=length)


def decode_octet_string(tlv: Tlv, path: str) -> bytes:
    """The value of a primitive OCTET STRING element. The constructed (segmented) form
    that X.690 8.7.1 allows is rejected: DLMS encodes every string in one piece."""
    tlv.expect(_OCTET_STRING, path)
    return tlv.value


def encode_graphic_string(value: bytes) -> bytes:
    """A primitive UNIVERSAL GraphicString TLV (``19 len value``), octets as given."""
    return encode_tlv(_GRAPHIC_STRING, value)


def decode_graphic_string(tlv: Tlv, path: str) -> bytes:
    """The octets of a primitive GraphicString element (kept undecoded: the character
    repertoire is whatever the peer registered, X.690 8.23.5)."""
    tlv.expect(_GRAPHIC_STRING, path)
    return tlv.value


# -- INTEGER (X.690 8.3) ------------------------------------------------------------------
def encode_integer(value: int) -> bytes:
    """The content octets of an INTEGER: minimal two's complement (X.690 8.3.2)."""
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return value.to_bytes(size, "big", signed=True)


def decode_integer(content: bytes, *, offset: int, path: str) -> int:
    """INTEGER content octets; empty or non-minimal encodings are errors (X.690 8.3.1/2)."""
    if not content:
        raise CodecError("INTEGER has no content octets (X.690 8.3.1)", offset=offset,
                         path=path)
    if len(content) > 1 and (
            (content[0] == 0x00 and not content[1] & 0x80)
            or (content[0] == 0xFF and content[1] & 0x80)):
        raise CodecError("INTEGER is not minimally encoded (X.690 8.3.2)", offset=offset,
                         path=path)
    return int.from_bytes(content, "big", signed=True)


# -- BIT STRING (X.690 8.6) ---------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class BitString:
    """A BIT STRING: ``data`` holds the bits MSB first, the last ``unused_bits`` of the
    final octet are not part of the value (X.690 8.6.2). Bit 0 is the MSB of ``data[0]``."""

    data: bytes = b""
    unused_bits: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.unused_bits <= 7:
            raise ValueError(f"unused_bits must be 0..7, got {self.unused_bits}")
        if not self.data and self.unused_bits:
            raise ValueError("an empty BIT STRING has no unused bits (X.690 8.6.2.3)")

    def __len__(self) -> int:
        return len(self.data) * 8 - self.unused_bits

    @classmethod
    def from_bits(cls, positions: Iterable[int], *, size: int | None = None) -> BitString:
        """The named-bit value with ``positions`` set; without ``size`` trailing zero bits
        are dropped (X.690 11.2.2, as DLMS encodes ``8A 02 07 80``)."""
        bits = sorted(set(positions))
        if bits and bits[0] < 0:
            raise ValueError("bit positions must not be negative")
        n = (bits[-1] + 1 if bits else 0) if size is None else size
        if bits and bits[-1] >= n:
            raise ValueError(f"bit {bits[-1]} does not fit in {n} bit(s)")
        octets = bytearray((n + 7) // 8)
        for b in bits:
            octets[b // 8] |= 0x80 >> (b % 8)
        return cls(data=bytes(octets), unused_bits=-n % 8)

    def bit(self, position: int) -> bool:
        """True when bit ``position`` is inside the string and set."""
        if not 0 <= position < len(self):
            return False
        return bool(self.data[position // 8] & (0x80 >> (position % 8)))

    def set_bits(self) -> tuple[int, ...]:
        """The positions of every set bit, ascending."""
        return tuple(i for i in range(len(self)) if self.bit(i))

    def to_content(self) -> bytes:
        """The content octets: unused-bit count, then the data (X.690 8.6.2)."""
        return bytes((self.unused_bits,)) + self.data

    @classmethod
    def from_content(cls, content: bytes, *, offset: int, path: str) -> BitString:
        """Decode primitive BIT STRING content octets."""
        if not content:
            raise CodecError("BIT STRING has no initial octet (X.690 8.6.2.2)",
                             offset=offset, path=path)
        unused = content[0]
        if unused > 7:
            raise CodecError(f"BIT STRING unused-bit count {unused} is above 7 "
                             "(X.690 8.6.2.2)", offset=offset, path=path)
        if unused and len(content) == 1:
            raise CodecError("empty BIT STRING must have 0 unused bits (X.690 8.6.2.3)",
                             offset=offset, path=path)
        return cls(data=content[1:], unused_bits=unused)


# -- OBJECT IDENTIFIER (X.690 8.19) -------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectIdentifier:
    """An OBJECT IDENTIFIER as its arcs, e.g. ``(2, 16, 756, 5, 8, 1, 1)``."""

    arcs: tuple[int, ...]

    def __post_init__(self) -> None:
        a = self.arcs
        if len(a) < 2:
            raise ValueError("an OBJECT IDENTIFIER has at least two arcs")
        if a[0] not in (0, 1, 2) or any(x < 0 for x in a) or (a[0] < 2 and a[1] > 39):
            raise ValueError(f"invalid OBJECT IDENTIFIER arcs {a} (X.660)")

    @classmethod
    def parse(cls, dotted: str) -> ObjectIdentifier:
        """From dotted notation, ``"2.16.756.5.8.1.1"``."""
        return cls(arcs=tuple(int(part) for part in dotted.split(".")))

    def __str__(self) -> str:
        return ".".join(str(a) for a in self.arcs)

    def to_content(self) -> bytes:
        """The content octets (X.690 8.19.2-8.19.4)."""
        out = bytearray()
        for sub in (self.arcs[0] * 40 + self.arcs[1], *self.arcs[2:]):
            groups = [sub & 0x7F]
            sub >>= 7
            while sub:
                groups.append(0x80 | (sub & 0x7F))
                sub >>= 7
            out += bytes(reversed(groups))
        return bytes(out)

    @classmethod
    def from_content(cls, content: bytes, *, offset: int, path: str) -> ObjectIdentifier:
        """Decode OBJECT IDENTIFIER content octets strictly."""
        if not content:
            raise CodecError("OBJECT IDENTIFIER has no content octets (X.690 8.19.2)",
                             offset=offset, path=path)
        subs: list[int] = []
        value = 0
        start = True
        for i, octet in enumerate(content):
            if start and octet == 0x80:
                raise CodecError("OBJECT IDENTIFIER subidentifier has a leading 0x80 "
                                 "octet (X.690 8.19.2)", offset=offset + i, path=path)
            value = (value << 7) | (octet & 0x7F)
            start = not octet & 0x80
            if start:
                subs.append(value)
                value = 0
        if not start:
            raise CodecError("OBJECT IDENTIFIER ends inside a subidentifier (X.690 8.19.2)",
                             offset=offset + len(content) - 1, path=path)
        first = subs[0]
        head = (first // 40, first % 40) if first < 80 else (2, first - 80)
        return cls(arcs=(*head, *subs[1:]))
