"""A-XDR encoding of ``Data`` (IEC 62056-6-2 4.1.5; A-XDR rules of IEC 61334-6).

Each value is its tag octet then its content: fixed-size big-endian integers and floats,
length-prefixed strings (A-XDR length: one octet below 0x80, else 0x8n and n octets),
bit-strings with their length in *bits*, arrays and structures with their element count
then the elements, date / time / date-time as 12 / 5 / 4 octets, compact arrays as a
type description then the untagged contents (see :mod:`conformance.codec.axdr.compact`).

Decoding is strict: unknown tag, wrong fixed size, out-of-range date-time field, invalid
string encoding, non-zero bit-string padding -> ``CodecError`` naming the byte offset and
the path (``"...structure[2].array[0].long-unsigned"``); not enough bytes ->
``IncompleteError``. Nesting beyond :data:`MAX_DEPTH` is refused so that hostile input
cannot exhaust the Python stack. Dispatch is by tag through a 256-entry table.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import cast

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr.compact import (
    SIMPLE_TAGS,
    ArrayTypeDescription,
    CompactArray,
    SimpleTypeDescription,
    StructureTypeDescription,
    TypeDescription,
)
from conformance.codec.axdr.date_time import Date, DateTime, Time
from conformance.codec.axdr.types import (
    Array,
    Bcd,
    BitString,
    Boolean,
    Data,
    DataTag,
    DontCare,
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
    Unsigned,
    Utf8String,
    VisibleString,
)
from conformance.errors import CodecError, IncompleteError

__all__ = [
    "MAX_COMPACT_VALUES",
    "MAX_DEPTH",
    "decode_data",
    "encode_data",
    "read_data",
    "read_type_description",
    "write_data",
    "write_type_description",
]

MAX_DEPTH = 64
"""Deepest nesting of arrays / structures / type descriptions accepted when decoding."""
MAX_COMPACT_VALUES = 1_000_000
"""Most ``Data`` values one compact-array may expand to (guards against descriptions
of empty members that multiply without consuming contents)."""

_NULL = NullData()
_DONT_CARE = DontCare()
_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")

_Read = Callable[[Reader, int], Data]
_Write = Callable[[Writer, Data], None]


def _nested(exc: CodecError, r: Reader, component: str) -> CodecError:
    """The same error with ``component`` inserted after the reader's own scope path, so
    that the path reads outermost container first while the error unwinds."""
    base = r.path()
    rest = exc.path
    if base and (rest == base or rest.startswith(base + ".")):
        rest = rest[len(base) + 1:]
    err = type(exc).__new__(type(exc))
    CodecError.__init__(err, exc.message, offset=exc.offset,
                        path=".".join(p for p in (base, component, rest) if p))
    return err


def _too_deep(r: Reader, what: str) -> CodecError:
    return r.error(f"{what} nested deeper than {MAX_DEPTH} levels", what)


# -- readers: (reader positioned after the tag, depth) -> Data ---------------------------
def _read_null(r: Reader, depth: int) -> Data:
    return _NULL


def _read_dont_care(r: Reader, depth: int) -> Data:
    return _DONT_CARE


def _read_array(r: Reader, depth: int) -> Data:
    if depth >= MAX_DEPTH:
        raise _too_deep(r, "array")
    n = r.pull_length("array.length")
    items: list[Data] = []
    read = _read
    try:
        for _ in range(n):
            items.append(read(r, depth + 1))
    except CodecError as exc:
        raise _nested(exc, r, f"array[{len(items)}]") from None
    return Array(items=tuple(items))


def _read_structure(r: Reader, depth: int) -> Data:
    if depth >= MAX_DEPTH:
        raise _too_deep(r, "structure")
    n = r.pull_length("structure.length")
    items: list[Data] = []
    read = _read
    try:
        for _ in range(n):
            items.append(read(r, depth + 1))
    except CodecError as exc:
        raise _nested(exc, r, f"structure[{len(items)}]") from None
    return Structure(items=tuple(items))


def _read_boolean(r: Reader, depth: int) -> Data:
    # A-XDR BOOLEAN: 0x00 FALSE, any other value TRUE (encoded back as 0x01).
    return Boolean(value=r.pull_u8("boolean") != 0)


def _read_bit_string(r: Reader, depth: int) -> Data:
    n_bits = r.pull_length("bit-string.length")
    start = r.offset
    raw = r.pull_bytes((n_bits + 7) // 8, "bit-string")
    if not raw:
        return BitString(value="")
    total = len(raw) * 8
    bits = format(int.from_bytes(raw, "big"), f"0{total}b")
    if "1" in bits[n_bits:]:
        # A-XDR (IEC 61334-6): the unused bits of the last octet are zero.
        raise CodecError(f"bit-string of {n_bits} bits has non-zero padding bits",
                         offset=start + len(raw) - 1, path=r.path("bit-string"))
    return BitString(value=bits[:n_bits])


def _int_reader(cls: type[Data], size: int, signed: bool, field: str) -> _Read:
    pull = Reader.pull_int if signed else Reader.pull_uint

    def read(r: Reader, depth: int) -> Data:
        return cls(value=pull(r, size, field))  # type: ignore[call-arg]

    return read


def _read_octet_string(r: Reader, depth: int) -> Data:
    return OctetString(value=r.pull_counted("octet-string"))


def _read_visible_string(r: Reader, depth: int) -> Data:
    raw = r.pull_counted("visible-string")
    try:
        return VisibleString(value=raw.decode("ascii"))
    except UnicodeDecodeError as exc:
        raise CodecError(f"visible-string octet 0x{raw[exc.start]:02X} is not ASCII",
                         offset=r.offset - len(raw) + exc.start,
                         path=r.path("visible-string")) from None


def _read_utf8_string(r: Reader, depth: int) -> Data:
    raw = r.pull_counted("utf8-string")
    try:
        return Utf8String(value=raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CodecError(f"utf8-string is not valid UTF-8 ({exc.reason})",
                         offset=r.offset - len(raw) + exc.start,
                         path=r.path("utf8-string")) from None


def _read_float32(r: Reader, depth: int) -> Data:
    return Float32(value=_F32.unpack(r.pull_bytes(4, "float32"))[0])


def _read_float64(r: Reader, depth: int) -> Data:
    return Float64(value=_F64.unpack(r.pull_bytes(8, "float64"))[0])


def _read_date_time(r: Reader, depth: int) -> Data:
    return DateTime.read(r)


def _read_date(r: Reader, depth: int) -> Data:
    return Date.read(r)


def _read_time(r: Reader, depth: int) -> Data:
    return Time.read(r)


# -- compact array ----------------------------------------------------------------------
_SIMPLE_DESCRIPTIONS: dict[int, SimpleTypeDescription] = {
    int(tag): SimpleTypeDescription(tag=tag) for tag in SIMPLE_TAGS}


def read_type_description(r: Reader, depth: int = 0) -> TypeDescription:
    """Read one TypeDescription (IEC 62056-6-2 4.1.5) from ``r``."""
    if depth >= MAX_DEPTH:
        raise _too_deep(r, "type-description")
    start = r.offset
    tag = r.pull_u8("type-description")
    if tag == DataTag.ARRAY:
        n = r.pull_u16("type-description.array.number-of-elements")
        try:
            element = read_type_description(r, depth + 1)
        except CodecError as exc:
            raise _nested(exc, r, "type-description.array") from None
        return ArrayTypeDescription(number_of_elements=n, type_description=element)
    if tag == DataTag.STRUCTURE:
        count = r.pull_length("type-description.structure.length")
        members: list[TypeDescription] = []
        try:
            for _ in range(count):
                members.append(read_type_description(r, depth + 1))
        except CodecError as exc:
            raise _nested(exc, r, f"type-description.structure[{len(members)}]") from None
        return StructureTypeDescription(items=tuple(members))
    simple = _SIMPLE_DESCRIPTIONS.get(tag)
    if simple is None:
        what = ("compact-array (19) cannot be nested in a compact-array"
                if tag == DataTag.COMPACT_ARRAY else f"unknown data type tag {tag} (0x{tag:02X})")
        raise CodecError(f"type-description: {what}", offset=start,
                         path=r.path("type-description"))
    return simple


def write_type_description(w: Writer, td: TypeDescription) -> None:
    """Append the encoding of ``td`` to ``w``."""
    if isinstance(td, SimpleTypeDescription):
        w.push_u8(td.tag)
    elif isinstance(td, ArrayTypeDescription):
        w.push_u8(DataTag.ARRAY)
        w.push_u16(td.number_of_elements)
        write_type_description(w, td.type_description)
    elif isinstance(td, StructureTypeDescription):
        w.push_u8(DataTag.STRUCTURE)
        w.push_length(len(td.items))
        for member in td.items:
            write_type_description(w, member)
    else:
        raise TypeError(f"not a TypeDescription: {td!r}")


def _read_untagged(r: Reader, td: TypeDescription, depth: int) -> Data:
    if type(td) is SimpleTypeDescription:
        return _READ_BY_TAG[td.tag](r, depth)
    if depth >= MAX_DEPTH:
        raise _too_deep(r, "compact-array element")
    items: list[Data] = []
    if type(td) is ArrayTypeDescription:
        element = td.type_description
        try:
            for _ in range(td.number_of_elements):
                items.append(_read_untagged(r, element, depth + 1))
        except CodecError as exc:
            raise _nested(exc, r, f"array[{len(items)}]") from None
        return Array(items=tuple(items))
    try:
        for member in cast(StructureTypeDescription, td).items:
            items.append(_read_untagged(r, member, depth + 1))
    except CodecError as exc:
        raise _nested(exc, r, f"structure[{len(items)}]") from None
    return Structure(items=tuple(items))


def _read_compact_array(r: Reader, depth: int) -> Data:
    if depth >= MAX_DEPTH:
        raise _too_deep(r, "compact-array")
    desc_start = r.offset
    td = read_type_description(r, depth + 1)
    if td.is_empty:
        raise CodecError("compact-array element type encodes to no octets (the element "
                         "count cannot be recovered)", offset=desc_start,
                         path=r.path("compact-array.contents-description"))
    per_item = td.value_count
    length = r.pull_length("compact-array.array-contents.length")
    contents = r.sub(length, "")
    items: list[Data] = []
    while not contents.at_end():
        if (len(items) + 1) * per_item > MAX_COMPACT_VALUES:
            raise contents.error(f"compact-array expands to more than {MAX_COMPACT_VALUES} "
                                 "values", "compact-array")
        elem_start = contents.offset
        try:
            items.append(_read_untagged(contents, td, depth + 1))
        except IncompleteError as exc:
            # The contents length was satisfied: a short element is a mismatch between
            # description and contents, not a need for more bytes.
            err = CodecError(f"compact-array contents end inside element {len(items)} "
                             f"(started at byte {elem_start}): {exc.message}",
                             offset=exc.offset, path=exc.path)
            raise _nested(err, r, f"compact-array[{len(items)}]") from None
        except CodecError as exc:
            raise _nested(exc, r, f"compact-array[{len(items)}]") from None
    return CompactArray(contents_description=td, items=tuple(items))


_READ_BY_TAG: dict[DataTag, _Read] = {
    DataTag.NULL_DATA: _read_null,
    DataTag.ARRAY: _read_array,
    DataTag.STRUCTURE: _read_structure,
    DataTag.BOOLEAN: _read_boolean,
    DataTag.BIT_STRING: _read_bit_string,
    DataTag.DOUBLE_LONG: _int_reader(DoubleLong, 4, True, "double-long"),
    DataTag.DOUBLE_LONG_UNSIGNED: _int_reader(DoubleLongUnsigned, 4, False,
                                              "double-long-unsigned"),
    DataTag.OCTET_STRING: _read_octet_string,
    DataTag.VISIBLE_STRING: _read_visible_string,
    DataTag.UTF8_STRING: _read_utf8_string,
    DataTag.BCD: _int_reader(Bcd, 1, True, "bcd"),
    DataTag.INTEGER: _int_reader(Integer, 1, True, "integer"),
    DataTag.LONG: _int_reader(Long, 2, True, "long"),
    DataTag.UNSIGNED: _int_reader(Unsigned, 1, False, "unsigned"),
    DataTag.LONG_UNSIGNED: _int_reader(LongUnsigned, 2, False, "long-unsigned"),
    DataTag.COMPACT_ARRAY: _read_compact_array,
    DataTag.LONG64: _int_reader(Long64, 8, True, "long64"),
    DataTag.LONG64_UNSIGNED: _int_reader(Long64Unsigned, 8, False, "long64-unsigned"),
    DataTag.ENUM: _int_reader(Enum, 1, False, "enum"),
    DataTag.FLOAT32: _read_float32,
    DataTag.FLOAT64: _read_float64,
    DataTag.DATE_TIME: _read_date_time,
    DataTag.DATE: _read_date,
    DataTag.TIME: _read_time,
    DataTag.DONT_CARE: _read_dont_care,
}
_READ: tuple[_Read | None, ...] = tuple(_READ_BY_TAG.get(t) for t in range(256))  # type: ignore[call-overload]


def _read(r: Reader, depth: int) -> Data:
    start = r.offset
    tag = r.pull_u8("tag")
    read = _READ[tag]
    if read is None:
        raise CodecError(f"unknown data type tag {tag} (0x{tag:02X})", offset=start,
                         path=r.path("tag"))
    return read(r, depth)


def read_data(r: Reader) -> Data:
    """Read one tagged ``Data`` value from ``r`` (bytes after it are left unread)."""
    return _read(r, 0)


def decode_data(data: bytes) -> Data:
    """Decode exactly one ``Data`` value from ``data``; trailing bytes are an error."""
    r = Reader(bytes(data))
    value = _read(r, 0)
    r.expect_end("data")
    return value


# -- writers: content only (the tag is written by write_data) ----------------------------
def _write_nothing(w: Writer, v: Data) -> None:
    return None


def _write_items(w: Writer, v: Data) -> None:
    items: tuple[Data, ...] = v.items  # type: ignore[attr-defined]
    w.push_length(len(items))
    for item in items:
        write_data(w, item)


def _write_boolean(w: Writer, v: Data) -> None:
    w.push_u8(1 if v.value else 0)  # type: ignore[attr-defined]


def _write_bit_string(w: Writer, v: Data) -> None:
    bits = cast(BitString, v)
    w.push_length(len(bits.value))
    w.buf += bits.to_bytes()


def _int_writer(size: int, signed: bool) -> _Write:
    def write(w: Writer, v: Data) -> None:
        w.buf += v.value.to_bytes(size, "big", signed=signed)  # type: ignore[attr-defined]

    return write


def _write_octet_string(w: Writer, v: Data) -> None:
    w.push_counted(v.value)  # type: ignore[attr-defined]


def _write_visible_string(w: Writer, v: Data) -> None:
    w.push_counted(v.value.encode("ascii"))  # type: ignore[attr-defined]


def _write_utf8_string(w: Writer, v: Data) -> None:
    w.push_counted(v.value.encode("utf-8"))  # type: ignore[attr-defined]


def _write_float32(w: Writer, v: Data) -> None:
    w.buf += _F32.pack(v.value)  # type: ignore[attr-defined]


def _write_float64(w: Writer, v: Data) -> None:
    w.buf += _F64.pack(v.value)  # type: ignore[attr-defined]


def _write_calendar(w: Writer, v: Data) -> None:
    w.buf += v.to_bytes()  # type: ignore[attr-defined]


def _write_untagged(w: Writer, td: TypeDescription, v: Data) -> None:
    if type(td) is SimpleTypeDescription:
        _WRITE[v.TAG](w, v)
    elif type(td) is ArrayTypeDescription:
        for item in v.items:  # type: ignore[attr-defined]
            _write_untagged(w, td.type_description, item)
    else:
        members = cast(StructureTypeDescription, td).items
        for member, item in zip(members, v.items, strict=True):  # type: ignore[attr-defined]
            _write_untagged(w, member, item)


def _write_compact_array(w: Writer, v: Data) -> None:
    compact = cast(CompactArray, v)
    td = compact.contents_description
    write_type_description(w, td)
    body = Writer()
    for item in compact.items:
        _write_untagged(body, td, item)
    w.push_counted(body.getvalue())


_WRITE_BY_TAG: dict[DataTag, _Write] = {
    DataTag.NULL_DATA: _write_nothing,
    DataTag.ARRAY: _write_items,
    DataTag.STRUCTURE: _write_items,
    DataTag.BOOLEAN: _write_boolean,
    DataTag.BIT_STRING: _write_bit_string,
    DataTag.DOUBLE_LONG: _int_writer(4, True),
    DataTag.DOUBLE_LONG_UNSIGNED: _int_writer(4, False),
    DataTag.OCTET_STRING: _write_octet_string,
    DataTag.VISIBLE_STRING: _write_visible_string,
    DataTag.UTF8_STRING: _write_utf8_string,
    DataTag.BCD: _int_writer(1, True),
    DataTag.INTEGER: _int_writer(1, True),
    DataTag.LONG: _int_writer(2, True),
    DataTag.UNSIGNED: _int_writer(1, False),
    DataTag.LONG_UNSIGNED: _int_writer(2, False),
    DataTag.COMPACT_ARRAY: _write_compact_array,
    DataTag.LONG64: _int_writer(8, True),
    DataTag.LONG64_UNSIGNED: _int_writer(8, False),
    DataTag.ENUM: _int_writer(1, False),
    DataTag.FLOAT32: _write_float32,
    DataTag.FLOAT64: _write_float64,
    DataTag.DATE_TIME: _write_calendar,
    DataTag.DATE: _write_calendar,
    DataTag.TIME: _write_calendar,
    DataTag.DONT_CARE: _write_nothing,
}
_WRITE: tuple[_Write, ...] = tuple(_WRITE_BY_TAG.get(t, _write_nothing) for t in range(256))  # type: ignore[call-overload]


def write_data(w: Writer, value: Data) -> None:
    """Append ``value`` (tag and content) to ``w``."""
    tag = value.TAG
    w.buf.append(tag)
    _WRITE[tag](w, value)


def encode_data(value: Data) -> bytes:
    """The A-XDR encoding of ``value``, tag included."""
    w = Writer()
    write_data(w, value)
    return w.getvalue()
