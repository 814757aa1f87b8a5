"""Structures shared by the xDLMS service APDUs (IEC 62056-5-3 9.5, xDLMS ASN.1).

::

    Cosem-Attribute-Descriptor ::= SEQUENCE { class-id Cosem-Class-Id (Unsigned16),
        instance-id Cosem-Object-Instance-Id (OCTET STRING (SIZE(6))),
        attribute-id Cosem-Object-Attribute-Id (Integer8) }
    Cosem-Method-Descriptor ::= SEQUENCE { class-id, instance-id,
        method-id Cosem-Object-Method-Id (Integer8) }
    Selective-Access-Descriptor ::= SEQUENCE { access-selector Unsigned8,
        access-parameters Data }
    Cosem-Attribute-Descriptor-With-Selection ::= SEQUENCE {
        cosem-attribute-descriptor, access-selection Selective-Access-Descriptor OPTIONAL }
    DataBlock-SA ::= SEQUENCE { last-block BOOLEAN, block-number Unsigned32,
        raw-data OCTET STRING }
    Get-Data-Result ::= CHOICE { data [0] Data, data-access-result [1] Data-Access-Result }

A-XDR encodes SEQUENCE fields one after the other, OPTIONAL as a presence byte, CHOICE as
its tag byte, SEQUENCE OF and OCTET STRING with a length (one byte below 0x80, else
``0x8n`` and ``n`` bytes). Attribute and method ids are *signed*: negative ids are
manufacturer specific (IEC 62056-6-2, COSEM interface classes).

The typed selective-access parameters of Profile generic live in
:mod:`conformance.codec.xdlms.selective`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr import Data, read_data, write_data
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.enums import DataAccessResult, pull_data_access_result
from conformance.errors import CodecError

__all__ = [
    "CosemAttributeDescriptor",
    "CosemAttributeDescriptorWithSelection",
    "CosemMethodDescriptor",
    "DataBlockSA",
    "GetDataResult",
    "SelectiveAccessDescriptor",
    "pull_access_selection",
    "pull_counted",
    "pull_data_list",
    "pull_descriptor_list",
    "pull_get_data_result",
    "push_access_selection",
    "push_counted",
    "push_data_list",
    "push_get_data_result",
    "push_head",
    "unknown_choice",
]


def unknown_choice(r: Reader, apdu: str, tag: int, choice: int, start: int) -> CodecError:
    """The error for a CHOICE byte that no alternative of ``apdu`` uses: it names the
    APDU, its tag, the choice and (through ``start``) the offset of the choice byte."""
    return CodecError(f"unknown {apdu} choice {choice} (APDU tag 0x{tag:02X})",
                      offset=start, path=r.path(f"{apdu}.choice"))


def push_head(w: Writer, tag: int, choice: int, invoke_id_and_priority: int) -> None:
    """The first three octets of a service APDU: tag, CHOICE byte, invoke-id-and-priority."""
    w.push_u8(tag)
    w.push_u8(choice)
    w.push_u8(invoke_id_and_priority)


# -- A-XDR lengths that remember their form ---------------------------------------------
def pull_counted(r: Reader, field: str) -> tuple[bytes, int | None]:
    """An A-XDR OCTET STRING: length then bytes.

    Returns the bytes and, when the peer used a longer length form than needed (e.g.
    ``82 00 0A`` for 10, as vector ``gbt-single-block`` does), the number of length octets
    after the ``0x8n`` byte; ``None`` for the minimal form. :func:`push_counted` takes it
    back so that re-encoding is byte-exact.
    """
    first = r.peek_u8(field)
    n = r.pull_length(field)
    octets: int | None = None
    if first & 0x80:
        used = first & 0x7F
        if n < 0x80 or used != (n.bit_length() + 7) // 8:
            octets = used
    return r.pull_bytes(n, field), octets


def push_counted(w: Writer, data: bytes, length: int | None = None,
                 octets: int | None = None) -> None:
    """Write ``length`` (default ``len(data)``) as an A-XDR length, then ``data``.

    ``octets`` forces the long form ``0x80 | octets`` followed by ``octets`` big-endian
    length bytes (1..4); ``None`` writes the minimal form.
    """
    n = len(data) if length is None else length
    if octets is None:
        w.push_length(n)
    else:
        w.push_u8(0x80 | octets)
        w.push_uint(n, octets)
    w.push_bytes(data)


# -- descriptors ------------------------------------------------------------------------
def _fixed9(r: Reader) -> tuple[int, ObisCode, int] | None:
    """Fast path for the nine octets class-id, instance-id, Integer8 id: every value of
    them is valid, so when all nine are present they are read in one step; otherwise
    ``None`` and the caller reads field by field to name the missing one."""
    p = r.pos
    if r.end - p < 9:
        return None
    d = r.data
    r.pos = p + 9
    last = d[p + 8]
    return ((d[p] << 8) | d[p + 1],
            ObisCode.from_octets(d[p + 2:p + 8]),
            last - 0x100 if last & 0x80 else last)


@dataclass(frozen=True, slots=True, kw_only=True)
class CosemAttributeDescriptor:
    """``Cosem-Attribute-Descriptor``: which attribute of which object (9 bytes)."""

    class_id: int
    """Cosem-Class-Id, Unsigned16 (e.g. 1 Data, 3 Register, 7 Profile generic, 8 Clock)."""
    instance_id: ObisCode
    """The object's logical name."""
    attribute_id: int
    """Integer8: 1..127 standard, 0 = every attribute, negative = manufacturer specific."""

    def encode(self, w: Writer) -> None:
        """Append the descriptor."""
        w.push_u16(self.class_id)
        w.push_bytes(self.instance_id.to_bytes())
        w.push_int(self.attribute_id, 1)

    @classmethod
    def decode(cls, r: Reader) -> CosemAttributeDescriptor:
        """Read the descriptor (field paths ``class_id``, ``instance_id``, ...)."""
        fast = _fixed9(r)
        if fast is not None:
            return cls(class_id=fast[0], instance_id=fast[1], attribute_id=fast[2])
        class_id = r.pull_u16("class_id")
        instance_id = ObisCode.read(r, "instance_id")
        return cls(class_id=class_id, instance_id=instance_id,
                   attribute_id=r.pull_i8("attribute_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class CosemMethodDescriptor:
    """``Cosem-Method-Descriptor``: which method of which object (9 bytes)."""

    class_id: int
    """Cosem-Class-Id, Unsigned16."""
    instance_id: ObisCode
    """The object's logical name."""
    method_id: int
    """Integer8: 1..127 standard, negative = manufacturer specific."""

    def encode(self, w: Writer) -> None:
        """Append the descriptor."""
        w.push_u16(self.class_id)
        w.push_bytes(self.instance_id.to_bytes())
        w.push_int(self.method_id, 1)

    @classmethod
    def decode(cls, r: Reader) -> CosemMethodDescriptor:
        """Read the descriptor."""
        fast = _fixed9(r)
        if fast is not None:
            return cls(class_id=fast[0], instance_id=fast[1], method_id=fast[2])
        class_id = r.pull_u16("class_id")
        instance_id = ObisCode.read(r, "instance_id")
        return cls(class_id=class_id, instance_id=instance_id,
                   method_id=r.pull_i8("method_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectiveAccessDescriptor:
    """``Selective-Access-Descriptor``: an access selector and its parameters.

    The meaning of both is defined per interface class; for Profile generic see
    :mod:`conformance.codec.xdlms.selective`.
    """

    access_selector: int
    """Unsigned8."""
    access_parameters: Data
    """The selector's parameters as one ``Data`` value (null-data when there are none)."""

    def encode(self, w: Writer) -> None:
        """Append the descriptor."""
        w.push_u8(self.access_selector)
        write_data(w, self.access_parameters)

    @classmethod
    def decode(cls, r: Reader) -> SelectiveAccessDescriptor:
        """Read the descriptor."""
        selector = r.pull_u8("access_selector")
        with r.scope("access_parameters"):
            parameters = read_data(r)
        return cls(access_selector=selector, access_parameters=parameters)


def pull_access_selection(r: Reader) -> SelectiveAccessDescriptor | None:
    """``access-selection Selective-Access-Descriptor OPTIONAL`` (presence byte first)."""
    if not r.pull_optional_flag("access_selection"):
        return None
    with r.scope("access_selection"):
        return SelectiveAccessDescriptor.decode(r)


def push_access_selection(w: Writer, selection: SelectiveAccessDescriptor | None) -> None:
    """Write an OPTIONAL selective-access descriptor."""
    if selection is None:
        w.push_u8(0)
    else:
        w.push_u8(1)
        selection.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class CosemAttributeDescriptorWithSelection:
    """``Cosem-Attribute-Descriptor-With-Selection``: one item of a with-list request."""

    cosem_attribute_descriptor: CosemAttributeDescriptor
    """The attribute."""
    access_selection: SelectiveAccessDescriptor | None = None
    """Optional selective access."""

    def encode(self, w: Writer) -> None:
        """Append the item."""
        self.cosem_attribute_descriptor.encode(w)
        push_access_selection(w, self.access_selection)

    @classmethod
    def decode(cls, r: Reader) -> CosemAttributeDescriptorWithSelection:
        """Read the item."""
        with r.scope("cosem_attribute_descriptor"):
            descriptor = CosemAttributeDescriptor.decode(r)
        return cls(cosem_attribute_descriptor=descriptor,
                   access_selection=pull_access_selection(r))


def pull_descriptor_list(r: Reader, field: str
                         ) -> tuple[CosemAttributeDescriptorWithSelection, ...]:
    """``SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection`` (count, then items)."""
    count = r.pull_length(f"{field}.count")
    items = []
    for i in range(count):
        with r.scope(f"{field}[{i}]"):
            items.append(CosemAttributeDescriptorWithSelection.decode(r))
    return tuple(items)


def pull_data_list(r: Reader, field: str) -> tuple[Data, ...]:
    """``SEQUENCE OF Data`` (count, then tagged values)."""
    count = r.pull_length(f"{field}.count")
    items = []
    for i in range(count):
        with r.scope(f"{field}[{i}]"):
            items.append(read_data(r))
    return tuple(items)


def push_data_list(w: Writer, values: tuple[Data, ...]) -> None:
    """Write ``SEQUENCE OF Data``."""
    w.push_length(len(values))
    for v in values:
        write_data(w, v)


# -- Get-Data-Result --------------------------------------------------------------------
GetDataResult: TypeAlias = Data | DataAccessResult
"""``Get-Data-Result``: the value (``Data``) or why it could not be read."""


def pull_get_data_result(r: Reader, field: str) -> GetDataResult:
    """Read a ``Get-Data-Result`` CHOICE (0 data, 1 data-access-result)."""
    start = r.offset
    choice = r.pull_u8(field)
    if choice == 0:
        with r.scope(f"{field}.data"):
            return read_data(r)
    if choice == 1:
        return pull_data_access_result(r, f"{field}.data_access_result")
    raise CodecError(f"Get-Data-Result choice {choice} is neither data (0) nor "
                     "data-access-result (1)", offset=start, path=r.path(field))


def push_get_data_result(w: Writer, result: GetDataResult) -> None:
    """Write a ``Get-Data-Result``."""
    if isinstance(result, DataAccessResult):
        w.push_u8(1)
        w.push_u8(result)
    else:
        w.push_u8(0)
        write_data(w, result)


# -- DataBlock-SA -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class DataBlockSA:
    """``DataBlock-SA``: one block of a SET or ACTION block transfer (the pblock).

    Block numbers start at 1 and grow by one per block (service-specific block transfer,
    IEC 62056-5-3).
    """

    last_block: bool
    """TRUE in the final block."""
    block_number: int
    """Unsigned32."""
    raw_data: bytes
    """A slice of the encoded ``Data`` (or list of ``Data``) being transferred."""
    raw_data_length: int | None = None
    """The A-XDR length written before ``raw_data``; ``None`` = ``len(raw_data)``. An
    explicit value is sent as given (deliberately wrong lengths)."""
    raw_data_length_octets: int | None = None
    """Force the long length form with this many length octets; ``None`` = minimal form.
    The decoder sets it when the peer used a non-minimal form."""

    def encode(self, w: Writer) -> None:
        """Append the block."""
        w.push_u8(1 if self.last_block else 0)
        w.push_u32(self.block_number)
        push_counted(w, self.raw_data, self.raw_data_length, self.raw_data_length_octets)

    @classmethod
    def decode(cls, r: Reader) -> DataBlockSA:
        """Read the block."""
        last = r.pull_bool("last_block")
        number = r.pull_u32("block_number")
        raw, octets = pull_counted(r, "raw_data")
        return cls(last_block=last, block_number=number, raw_data=raw,
                   raw_data_length_octets=octets)

