"""Content encoding of the simple (non-container) ``Data`` types (IEC 62056-6-2 4.1.5,
A-XDR rules of IEC 61334-6), shared by the tagged codec and the compact-array contents.

Readers take a reader positioned after the tag (and a nesting depth they ignore) and
return the value; writers append the content only. Both are looked up by tag in
:data:`SIMPLE_READERS` / :data:`SIMPLE_WRITERS`. Also here: the nesting bound and the
helper that grows the error path while an error unwinds through containers.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TypeVar, cast

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr.date_time import Date, DateTime, Time
from conformance.codec.axdr.types import (
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
    Unsigned,
    Utf8String,
    VisibleString,
)
from conformance.errors import CodecError

__all__ = ["MAX_DEPTH", "SIMPLE_READERS", "SIMPLE_WRITERS", "DataReader", "DataWriter",
           "nested_error", "too_deep", "trusted"]

MAX_DEPTH = 64
"""Deepest nesting of arrays / structures / type descriptions accepted when decoding."""

_D = TypeVar("_D", bound=Data)
_NULL = NullData()
_TRUE = Boolean(value=True)
_FALSE = Boolean(value=False)
_DONT_CARE = DontCare()
_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")

_new = object.__new__
_set = object.__setattr__

DataReader = Callable[[Reader, int], Data]
"""Reads a value's content: ``(reader after the tag, nesting depth) -> Data``."""
DataWriter = Callable[[Writer, Data], None]
"""Appends a value's content (no tag)."""


def nested_error(exc: CodecError, r: Reader, component: str) -> CodecError:
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


def trusted(cls: type[_D], field: str, value: object) -> _D:
    """Build ``cls(field=value)`` without the constructor's checks: the decoders' fast
    path, for values whose validity follows from how they were decoded (an integer read
    from its fixed number of octets is always in range, decoded text is always valid)."""
    obj = _new(cls)
    _set(obj, field, value)
    return obj


def too_deep(r: Reader, what: str) -> CodecError:
    """The error for input nested deeper than :data:`MAX_DEPTH`."""
    return r.error(f"{what} nested deeper than {MAX_DEPTH} levels", what)


# -- readers ----------------------------------------------------------------------------
def _read_null(r: Reader, depth: int) -> Data:
    return _NULL


def _read_dont_care(r: Reader, depth: int) -> Data:
    return _DONT_CARE


def _read_boolean(r: Reader, depth: int) -> Data:
    # A-XDR BOOLEAN: 0x00 FALSE, any other value TRUE (encoded back as 0x01).
    return _TRUE if r.pull_u8("boolean") else _FALSE


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
    return trusted(BitString, "value", bits[:n_bits])


def _int_reader(cls: type[Data], size: int, signed: bool, field: str) -> DataReader:
    pull = Reader.pull_int if signed else Reader.pull_uint

    def read(r: Reader, depth: int) -> Data:
        obj = _new(cls)
        _set(obj, "value", pull(r, size, field))
        return obj

    return read


def _read_octet_string(r: Reader, depth: int) -> Data:
    return trusted(OctetString, "value", r.pull_counted("octet-string"))


def _read_visible_string(r: Reader, depth: int) -> Data:
    raw = r.pull_counted("visible-string")
    try:
        return trusted(VisibleString, "value", raw.decode("ascii"))
    except UnicodeDecodeError as exc:
        raise CodecError(f"visible-string octet 0x{raw[exc.start]:02X} is not ASCII",
                         offset=r.offset - len(raw) + exc.start,
                         path=r.path("visible-string")) from None


def _read_utf8_string(r: Reader, depth: int) -> Data:
    raw = r.pull_counted("utf8-string")
    try:
        return trusted(Utf8String, "value", raw.decode("utf-8"))
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


SIMPLE_READERS: dict[int, DataReader] = {
    DataTag.NULL_DATA: _read_null,
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
"""Content reader of every simple type, by tag."""


# -- writers ----------------------------------------------------------------------------
def _write_nothing(w: Writer, v: Data) -> None:
    return None


def _write_boolean(w: Writer, v: Data) -> None:
    w.push_u8(1 if v.value else 0)  # type: ignore[attr-defined]


def _write_bit_string(w: Writer, v: Data) -> None:
    bits = cast(BitString, v)
    w.push_length(len(bits.value))
    w.buf += bits.to_bytes()


def _int_writer(size: int, signed: bool) -> DataWriter:
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


SIMPLE_WRITERS: dict[int, DataWriter] = {
    DataTag.NULL_DATA: _write_nothing,
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
"""Content writer of every simple type, by tag."""
