"""The COSEM ``Data`` CHOICE as frozen value objects (IEC 62056-6-2 / Blue Book 4.1.5,
ASN.1 in IEC 62056-5-3 8.3 / Green Book 9.5).

::

    Data ::= CHOICE {
      null-data [0], array [1], structure [2], boolean [3], bit-string [4],
      double-long [5] Integer32, double-long-unsigned [6] Unsigned32, octet-string [9],
      visible-string [10], utf8-string [12], bcd [13] Integer8, integer [15] Integer8,
      long [16] Integer16, unsigned [17] Unsigned8, long-unsigned [18] Unsigned16,
      compact-array [19], long64 [20] Integer64, long64-unsigned [21] Unsigned64,
      enum [22] Unsigned8, float32 [23], float64 [24], date-time [25] OCTET STRING (SIZE(12)),
      date [26] OCTET STRING (SIZE(5)), time [27] OCTET STRING (SIZE(4)), dont-care [255] }

Constructing a value with an out-of-range or ill-typed field is a programming error and
raises a plain ``ValueError`` / ``TypeError``; malformed *bytes* raise ``CodecError`` in
:mod:`conformance.codec.axdr.codec`. Date, time and date-time live in
:mod:`~conformance.codec.axdr.date_time`, the compact array in
:mod:`~conformance.codec.axdr.compact`.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

__all__ = [
    "Array",
    "Bcd",
    "BitString",
    "Boolean",
    "Data",
    "DataTag",
    "DontCare",
    "DoubleLong",
    "DoubleLongUnsigned",
    "Enum",
    "Float32",
    "Float64",
    "Integer",
    "Long",
    "Long64",
    "Long64Unsigned",
    "LongUnsigned",
    "NullData",
    "OctetString",
    "Structure",
    "Unsigned",
    "Utf8String",
    "VisibleString",
]


class DataTag(IntEnum):
    """The A-XDR tag of each ``Data`` alternative (IEC 62056-6-2 4.1.5, Table 2)."""

    NULL_DATA = 0
    ARRAY = 1
    STRUCTURE = 2
    BOOLEAN = 3
    BIT_STRING = 4
    DOUBLE_LONG = 5
    DOUBLE_LONG_UNSIGNED = 6
    OCTET_STRING = 9
    VISIBLE_STRING = 10
    UTF8_STRING = 12
    BCD = 13
    INTEGER = 15
    LONG = 16
    UNSIGNED = 17
    LONG_UNSIGNED = 18
    COMPACT_ARRAY = 19
    LONG64 = 20
    LONG64_UNSIGNED = 21
    ENUM = 22
    FLOAT32 = 23
    FLOAT64 = 24
    DATE_TIME = 25
    DATE = 26
    TIME = 27
    DONT_CARE = 255

    @property
    def type_name(self) -> str:
        """The standard's name of the alternative, e.g. ``"long-unsigned"``."""
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True, kw_only=True)
class Data:
    """Base of every ``Data`` value; subclasses set :attr:`TAG`."""

    TAG: ClassVar[DataTag]


# -- no content -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class NullData(Data):
    """null-data [0]: no content."""

    TAG: ClassVar[DataTag] = DataTag.NULL_DATA


@dataclass(frozen=True, slots=True, kw_only=True)
class DontCare(Data):
    """dont-care [255]: no content (used in selective-access filters and compact arrays)."""

    TAG: ClassVar[DataTag] = DataTag.DONT_CARE


# -- containers -------------------------------------------------------------------------
def _check_items(owner: str, items: object) -> tuple[Data, ...]:
    if not isinstance(items, tuple):
        raise TypeError(f"{owner}.items must be a tuple of Data, got {type(items).__name__}")
    for i, item in enumerate(items):
        if not isinstance(item, Data):
            raise TypeError(f"{owner}.items[{i}] is {type(item).__name__}, not Data")
    return items


@dataclass(frozen=True, slots=True, kw_only=True)
class Array(Data):
    """array [1]: SEQUENCE OF Data (the elements are meant to share one type; the
    encoding does not enforce it, so neither does this class)."""

    TAG: ClassVar[DataTag] = DataTag.ARRAY
    items: tuple[Data, ...] = ()

    def __post_init__(self) -> None:
        _check_items("Array", self.items)


@dataclass(frozen=True, slots=True, kw_only=True)
class Structure(Data):
    """structure [2]: SEQUENCE OF Data of possibly different types."""

    TAG: ClassVar[DataTag] = DataTag.STRUCTURE
    items: tuple[Data, ...] = ()

    def __post_init__(self) -> None:
        _check_items("Structure", self.items)


# -- booleans and bit strings -----------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Boolean(Data):
    """boolean [3]: one octet, 0x00 FALSE, anything else TRUE (encoded as 0x01)."""

    TAG: ClassVar[DataTag] = DataTag.BOOLEAN
    value: bool

    def __post_init__(self) -> None:
        if not isinstance(self.value, bool):
            raise TypeError(f"Boolean.value must be bool, got {type(self.value).__name__}")


@dataclass(frozen=True, slots=True, kw_only=True)
class BitString(Data):
    """bit-string [4]: ``value`` is the bits as text, first bit first (``"10110"``).

    A-XDR encodes the number of *bits* as the length, then the bits packed MSB first
    into whole octets; the unused trailing bits of the last octet are zero.
    """

    TAG: ClassVar[DataTag] = DataTag.BIT_STRING
    value: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise TypeError(f"BitString.value must be str, got {type(self.value).__name__}")
        if self.value.strip("01"):
            raise ValueError(f"BitString.value must hold only '0' and '1': {self.value!r}")

    def __len__(self) -> int:
        return len(self.value)

    def to_bytes(self) -> bytes:
        """The bits packed MSB first, the last octet padded with zero bits."""
        n = len(self.value)
        if n == 0:
            return b""
        pad = -n % 8
        return int(self.value + "0" * pad, 2).to_bytes((n + pad) // 8, "big")

    @classmethod
    def from_bytes(cls, data: bytes, length: int | None = None) -> BitString:
        """The first ``length`` bits of ``data`` (all of them when ``length`` is None)."""
        total = len(data) * 8
        if length is None:
            length = total
        if not 0 <= length <= total:
            raise ValueError(f"{length} bits do not fit in {len(data)} octet(s)")
        if length == 0:
            return cls(value="")
        return cls(value=format(int.from_bytes(data, "big"), f"0{total}b")[:length])


# -- integers ---------------------------------------------------------------------------
def _check_int(owner: str, value: object, lo: int, hi: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{owner}.value must be int, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{owner}.value {value} is outside {lo}..{hi}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DoubleLong(Data):
    """double-long [5]: Integer32."""

    TAG: ClassVar[DataTag] = DataTag.DOUBLE_LONG
    value: int

    def __post_init__(self) -> None:
        _check_int("DoubleLong", self.value, -0x8000_0000, 0x7FFF_FFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class DoubleLongUnsigned(Data):
    """double-long-unsigned [6]: Unsigned32."""

    TAG: ClassVar[DataTag] = DataTag.DOUBLE_LONG_UNSIGNED
    value: int

    def __post_init__(self) -> None:
        _check_int("DoubleLongUnsigned", self.value, 0, 0xFFFF_FFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bcd(Data):
    """bcd [13]: ``IMPLICIT Integer8`` in the ASN.1 of the standard, so one signed octet.

    The standard gives no further structure; :attr:`digits` reads the octet as two
    packed decimal digits when it holds them.
    """

    TAG: ClassVar[DataTag] = DataTag.BCD
    value: int

    def __post_init__(self) -> None:
        _check_int("Bcd", self.value, -0x80, 0x7F)

    @property
    def digits(self) -> str:
        """The two nibbles as decimal digits (``ValueError`` if a nibble is above 9)."""
        octet = self.value & 0xFF
        hi, lo = octet >> 4, octet & 0x0F
        if hi > 9 or lo > 9:
            raise ValueError(f"octet 0x{octet:02X} is not packed BCD")
        return f"{hi}{lo}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Integer(Data):
    """integer [15]: Integer8."""

    TAG: ClassVar[DataTag] = DataTag.INTEGER
    value: int

    def __post_init__(self) -> None:
        _check_int("Integer", self.value, -0x80, 0x7F)


@dataclass(frozen=True, slots=True, kw_only=True)
class Long(Data):
    """long [16]: Integer16."""

    TAG: ClassVar[DataTag] = DataTag.LONG
    value: int

    def __post_init__(self) -> None:
        _check_int("Long", self.value, -0x8000, 0x7FFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsigned(Data):
    """unsigned [17]: Unsigned8."""

    TAG: ClassVar[DataTag] = DataTag.UNSIGNED
    value: int

    def __post_init__(self) -> None:
        _check_int("Unsigned", self.value, 0, 0xFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class LongUnsigned(Data):
    """long-unsigned [18]: Unsigned16."""

    TAG: ClassVar[DataTag] = DataTag.LONG_UNSIGNED
    value: int

    def __post_init__(self) -> None:
        _check_int("LongUnsigned", self.value, 0, 0xFFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class Long64(Data):
    """long64 [20]: Integer64."""

    TAG: ClassVar[DataTag] = DataTag.LONG64
    value: int

    def __post_init__(self) -> None:
        _check_int("Long64", self.value, -0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class Long64Unsigned(Data):
    """long64-unsigned [21]: Unsigned64."""

    TAG: ClassVar[DataTag] = DataTag.LONG64_UNSIGNED
    value: int

    def __post_init__(self) -> None:
        _check_int("Long64Unsigned", self.value, 0, 0xFFFF_FFFF_FFFF_FFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class Enum(Data):
    """enum [22]: one unsigned octet whose meaning the attribute definition gives."""

    TAG: ClassVar[DataTag] = DataTag.ENUM
    value: int

    def __post_init__(self) -> None:
        _check_int("Enum", self.value, 0, 0xFF)


# -- floating point ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Float32(Data):
    """float32 [23]: IEEE 754 single precision, big-endian (OCTET STRING (SIZE(4))).

    The value is rounded to single precision at construction, so that a value decodes
    back equal to what was built; a finite value beyond the single-precision range is a
    ``ValueError``.
    """

    TAG: ClassVar[DataTag] = DataTag.FLOAT32
    value: float

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, float | int) or isinstance(v, bool):
            raise TypeError(f"Float32.value must be float, got {type(v).__name__}")
        try:
            rounded: float = struct.unpack(">f", struct.pack(">f", v))[0]
        except OverflowError:
            raise ValueError(f"Float32.value {v!r} is outside the float32 range") from None
        if math.isinf(rounded) and not math.isinf(v):
            raise ValueError(f"Float32.value {v!r} is outside the float32 range")
        if rounded != v or type(v) is not float:
            object.__setattr__(self, "value", rounded)


@dataclass(frozen=True, slots=True, kw_only=True)
class Float64(Data):
    """float64 [24]: IEEE 754 double precision, big-endian (OCTET STRING (SIZE(8)))."""

    TAG: ClassVar[DataTag] = DataTag.FLOAT64
    value: float

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, float | int) or isinstance(v, bool):
            raise TypeError(f"Float64.value must be float, got {type(v).__name__}")
        if type(v) is not float:
            object.__setattr__(self, "value", float(v))


# -- strings ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class OctetString(Data):
    """octet-string [9]: A-XDR length then the octets."""

    TAG: ClassVar[DataTag] = DataTag.OCTET_STRING
    value: bytes = b""

    def __post_init__(self) -> None:
        v = self.value
        if type(v) is not bytes:
            if not isinstance(v, bytes | bytearray | memoryview):
                raise TypeError(f"OctetString.value must be bytes, got {type(v).__name__}")
            object.__setattr__(self, "value", bytes(v))


@dataclass(frozen=True, slots=True, kw_only=True)
class VisibleString(Data):
    """visible-string [10]: A-XDR length then ASCII octets (0x00-0x7F)."""

    TAG: ClassVar[DataTag] = DataTag.VISIBLE_STRING
    value: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise TypeError(f"VisibleString.value must be str, got {type(self.value).__name__}")
        if not self.value.isascii():
            raise ValueError(f"VisibleString.value must be ASCII: {self.value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Utf8String(Data):
    """utf8-string [12]: A-XDR length (in octets) then UTF-8 text."""

    TAG: ClassVar[DataTag] = DataTag.UTF8_STRING
    value: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise TypeError(f"Utf8String.value must be str, got {type(self.value).__name__}")
        try:
            self.value.encode("utf-8")
        except UnicodeEncodeError as exc:  # lone surrogates
            raise ValueError(f"Utf8String.value is not encodable as UTF-8: {exc}") from None
