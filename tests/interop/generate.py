"""Deterministic (seeded) generation of our codec's objects for the gurux cross-check.

Each :class:`OurCase` is one APDU built with OUR classes, plus ``gurux_issue``: ``None``
when gurux must read exactly the fields we encoded, else the reason gurux cannot (the test
then expects gurux to fail, strictly). The values are random but reproducible: one
``random.Random`` per kind, seeded from the kind's name.

Data values are drawn from the types and contents gurux can print (module docstring of
:mod:`tests.interop.gurux_xml`); the others get their own gurux-issue cases.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import (
    Array,
    Bcd,
    BitString,
    Boolean,
    Data,
    DateTime,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Float32,
    Float64,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Time,
    Unsigned,
    Utf8String,
    VisibleString,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    CosemMethodDescriptor,
    DataBlockSA,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.codec.xdlms.selective import (
    CaptureObjectDefinition,
    EntryDescriptor,
    RangeDescriptor,
)
from conformance.security import SecurityKeys

__all__ = [
    "CLASS_IDS",
    "KEYS",
    "OurCase",
    "Rng",
    "attr_descriptor",
    "date_time",
    "method_descriptor",
    "obis",
    "rng_for",
    "safe_data",
]

# Interface classes gurux's ObjectType knows (it raises ValueError on others in *-with-list).
CLASS_IDS = (1, 3, 4, 5, 7, 8, 9, 11, 15, 17, 18, 20, 21, 22, 23, 40, 41, 42, 43, 44, 45, 47,
             48, 62, 63, 64, 65, 68, 70, 71, 72)
KEYS = SecurityKeys(encryption_key=bytes(range(16)),
                    authentication_key=bytes(range(0xD0, 0xE0)),
                    dedicated_key=bytes.fromhex("00112233445566778899AABBCCDDEEFF"))
"""Green Book example keys (EK 00..0F, AK D0..DF) plus a dedicated key."""

Rng = random.Random


@dataclass(frozen=True, slots=True, kw_only=True)
class OurCase:
    """One APDU (or frame sequence) built with our encoder for gurux to read."""

    name: str
    apdu: Apdu
    gurux_issue: str | None = None
    """Why gurux cannot read it (then the test is a strict xfail), or None."""
    plaintext: Apdu | None = field(default=None, repr=False)
    """For ciphered APDUs: what gurux must find after deciphering."""
    sender_title: bytes = b""
    """For ciphered APDUs: the sender's system title (IV)."""


def rng_for(kind: str) -> Rng:
    """A generator seeded from the kind's name (stable across runs and Python versions)."""
    return random.Random(zlib.crc32(kind.encode()))


def obis(rng: Rng) -> ObisCode:
    """A random OBIS code."""
    a, b, c, d, e, f = (rng.randrange(256) for _ in range(6))
    return ObisCode(a=a, b=b, c=c, d=d, e=e, f=f)


def attr_descriptor(rng: Rng) -> CosemAttributeDescriptor:
    """A random attribute descriptor (class id known to gurux)."""
    return CosemAttributeDescriptor(class_id=rng.choice(CLASS_IDS), instance_id=obis(rng),
                                    attribute_id=rng.randrange(1, 20))


def method_descriptor(rng: Rng) -> CosemMethodDescriptor:
    """A random method descriptor (class id known to gurux)."""
    return CosemMethodDescriptor(class_id=rng.choice(CLASS_IDS), instance_id=obis(rng),
                                 method_id=rng.randrange(1, 10))


def date_time(rng: Rng) -> DateTime:
    """A valid date-time with a concrete date and time (random deviation and status)."""
    return DateTime(year=rng.randrange(2000, 2040), month=rng.randrange(1, 13),
                    day_of_month=rng.randrange(1, 29), day_of_week=0xFF,
                    hour=rng.randrange(24), minute=rng.randrange(60), second=rng.randrange(60),
                    hundredths=rng.choice((0, 0xFF, rng.randrange(100))),
                    deviation=rng.choice((None, -60, 0, 120, rng.randrange(-720, 721))),
                    clock_status=rng.choice((None, 0, 0x80, 0x81)))


_PRINTABLE = [c for c in map(chr, range(32, 127)) if c not in '<&"']
"""Printable ASCII gurux can print: it does not XML-escape '<', '&' or '"'."""


def _text(rng: Rng, *, utf8: bool) -> str:
    n = rng.randrange(0, 24)
    chars = [rng.choice(_PRINTABLE) for _ in range(n)]
    if n and rng.random() < 0.25:  # a control character: gurux prints the hex form
        chars[rng.randrange(n)] = rng.choice("\t\n\r\x1b")
    if utf8 and n and rng.random() < 0.3:
        chars[rng.randrange(n)] = rng.choice("éü€中")
    return "".join(chars)


def _scalar(rng: Rng) -> Data:
    makers: tuple[Callable[[], Data], ...] = (
        lambda: NullData(),
        lambda: Boolean(value=rng.random() < 0.5),
        lambda: BitString(value="".join(rng.choice("01") for _ in range(rng.randrange(40)))),
        lambda: DoubleLong(value=rng.randrange(-2**31, 2**31)),
        lambda: DoubleLongUnsigned(value=rng.randrange(2**32)),
        lambda: OctetString(value=rng.randbytes(rng.randrange(0, 40))),
        lambda: VisibleString(value=_text(rng, utf8=False)),
        lambda: Utf8String(value=_text(rng, utf8=True)),
        lambda: Bcd(value=rng.randrange(-128, 128)),
        lambda: Integer(value=rng.randrange(-128, 128)),
        lambda: Long(value=rng.randrange(-2**15, 2**15)),
        lambda: Unsigned(value=rng.randrange(256)),
        lambda: LongUnsigned(value=rng.randrange(2**16)),
        lambda: Long64(value=rng.randrange(-2**63, 2**63)),
        lambda: Long64Unsigned(value=rng.randrange(2**64)),
        lambda: Enum(value=rng.randrange(256)),
        lambda: Float32(value=rng.uniform(-1e6, 1e6)),
        lambda: Float64(value=rng.uniform(-1e12, 1e12)),
        lambda: date_time(rng),
        lambda: Time(hour=rng.randrange(24), minute=rng.randrange(60),
                     second=rng.randrange(60), hundredths=rng.randrange(100)),
    )
    return rng.choice(makers)()


def safe_data(rng: Rng, depth: int = 0) -> Data:
    """A random ``Data`` value gurux can print (no date, dont-care, compact-array)."""
    if depth < 3 and rng.random() < 0.3:
        items = tuple(safe_data(rng, depth + 1) for _ in range(rng.randrange(0, 5)))
        return Array(items=items) if rng.random() < 0.4 else Structure(items=items)
    return _scalar(rng)


def selection(rng: Rng) -> SelectiveAccessDescriptor:
    """A Profile generic range or entry selection (IEC 62056-6-2 4.3.6)."""
    if rng.random() < 0.5:
        return EntryDescriptor(from_entry=rng.randrange(1, 1000), to_entry=rng.randrange(0, 1000),
                               from_selected_value=rng.randrange(1, 5),
                               to_selected_value=rng.randrange(0, 5)).to_selective_access()
    cols = tuple(CaptureObjectDefinition(class_id=rng.choice(CLASS_IDS), logical_name=obis(rng),
                                         attribute_index=rng.randrange(1, 5),
                                         data_index=rng.randrange(0, 3))
                 for _ in range(rng.randrange(0, 3)))
    clock = CaptureObjectDefinition(class_id=8, logical_name=ObisCode.parse("0.0.1.0.0.255"),
                                    attribute_index=2, data_index=0)
    return RangeDescriptor(restricting_object=clock,
                           from_value=OctetString(value=date_time(rng).to_bytes()),
                           to_value=OctetString(value=date_time(rng).to_bytes()),
                           selected_values=cols).to_selective_access()


def with_selection(rng: Rng, selected: bool) -> CosemAttributeDescriptorWithSelection:
    """A list item, with or without an access selection."""
    return CosemAttributeDescriptorWithSelection(
        cosem_attribute_descriptor=attr_descriptor(rng),
        access_selection=selection(rng) if selected else None)


def datablock(rng: Rng, *, last: bool | None = None, number: int | None = None) -> DataBlockSA:
    """A DataBlock-SA with random raw data."""
    return DataBlockSA(last_block=rng.random() < 0.5 if last is None else last,
                       block_number=rng.randrange(1, 2**32) if number is None else number,
                       raw_data=rng.randbytes(rng.randrange(0, 60)))


def dar(rng: Rng, *, success: bool = True) -> DataAccessResult:
    """A random Data-Access-Result (success allowed or not)."""
    values = [d for d in DataAccessResult if success or d is not DataAccessResult.SUCCESS]
    return rng.choice(values)


def action_result(rng: Rng) -> ActionResult:
    """A random Action-Result."""
    return rng.choice(list(ActionResult))


def iip(rng: Rng) -> int:
    """A random Invoke-Id-And-Priority octet (reserved bits 4-5 left zero)."""
    return rng.randrange(256) & 0xCF


def repeat(rng: Rng, n: int, make: Callable[[Rng, int], OurCase]) -> Iterator[OurCase]:
    """``n`` cases from ``make(rng, index)``."""
    for i in range(n):
        yield make(rng, i)
