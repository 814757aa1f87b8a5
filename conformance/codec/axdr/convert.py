"""Conversions between ``Data`` and plain Python / JSON values (tests, the CLI's JSON
output, YAML test plans).

- :func:`to_python`: the plain value (None, bool, int, float, bytes, str, list, dict for
  date / time / date-time); the type is lost.
- :func:`to_json` / :func:`from_json`: a lossless, JSON-serialisable form that names the
  type, ``{"type": "long-unsigned", "value": 5}``; octet-strings are upper-case hex,
  arrays and structures hold typed items, a compact-array holds its
  ``type_description`` and plain items. Date / time / date-time values are dicts
  (``from_json`` also takes their hex octets). Non-finite floats stay floats (Python's
  ``json`` writes them as ``NaN`` / ``Infinity``).
- :func:`from_python`: a plain value to ``Data``, by ``tag`` when given, else by the rule
  documented there.

Bad input here is a ``TypeError`` / ``ValueError`` (it is not wire data).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

from conformance.codec.axdr.compact import (
    ArrayTypeDescription,
    CompactArray,
    SimpleTypeDescription,
    StructureTypeDescription,
    TypeDescription,
)
from conformance.codec.axdr.date_time import ClockStatus, Date, DateTime, Time
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

__all__ = ["description_from_json", "from_json", "from_python", "to_json", "to_python"]

_INT_CLASSES: dict[DataTag, type[Data]] = {
    DataTag.DOUBLE_LONG: DoubleLong, DataTag.DOUBLE_LONG_UNSIGNED: DoubleLongUnsigned,
    DataTag.BCD: Bcd, DataTag.INTEGER: Integer, DataTag.LONG: Long,
    DataTag.UNSIGNED: Unsigned, DataTag.LONG_UNSIGNED: LongUnsigned,
    DataTag.LONG64: Long64, DataTag.LONG64_UNSIGNED: Long64Unsigned, DataTag.ENUM: Enum,
}
_TAG_BY_NAME = {t.type_name: t for t in DataTag}
_SIMPLE_BUILDERS: dict[DataTag, Callable[[Any], Data]] = {
    DataTag.BOOLEAN: lambda v: Boolean(value=v),
    DataTag.BIT_STRING: lambda v: BitString(value=v),
    DataTag.OCTET_STRING: lambda v: OctetString(value=v),
    DataTag.VISIBLE_STRING: lambda v: VisibleString(value=v),
    DataTag.UTF8_STRING: lambda v: Utf8String(value=v),
    DataTag.FLOAT32: lambda v: Float32(value=v),
    DataTag.FLOAT64: lambda v: Float64(value=v),
}


# -- to plain values --------------------------------------------------------------------
def _calendar_dict(value: Data) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(value, DateTime | Date):
        out.update(year=value.year, month=value.month, day=value.day_of_month,
                   dow=value.day_of_week)
    if isinstance(value, DateTime | Time):
        out.update(hour=value.hour, minute=value.minute, second=value.second,
                   hundredths=value.hundredths)
    if isinstance(value, DateTime):
        out.update(deviation=value.deviation,
                   clock_status=None if value.clock_status is None
                   else int(value.clock_status))
    return out


def _plain(value: Data, hex_bytes: bool) -> Any:
    tag = value.TAG
    if tag in (DataTag.NULL_DATA, DataTag.DONT_CARE):
        return None
    if tag in (DataTag.ARRAY, DataTag.STRUCTURE, DataTag.COMPACT_ARRAY):
        return [_plain(v, hex_bytes) for v in value.items]  # type: ignore[attr-defined]
    if tag in (DataTag.DATE_TIME, DataTag.DATE, DataTag.TIME):
        return _calendar_dict(value)
    if tag == DataTag.OCTET_STRING and hex_bytes:
        return value.value.hex().upper()  # type: ignore[attr-defined]
    return value.value  # type: ignore[attr-defined]


def to_python(value: Data) -> Any:
    """The plain Python value of ``value``: None (null-data, dont-care), bool, int,
    float, bytes (octet-string), str (strings; bit-string as ``"0101"``), list (array,
    structure, compact-array) or a dict of the fields (date, time, date-time)."""
    return _plain(value, hex_bytes=False)


def to_json(value: Data) -> dict[str, Any]:
    """A lossless JSON-serialisable form naming the type (see the module docstring)."""
    tag = value.TAG
    out: dict[str, Any] = {"type": tag.type_name}
    if isinstance(value, Array | Structure):
        out["value"] = [to_json(v) for v in value.items]
    elif isinstance(value, CompactArray):
        out["type_description"] = value.contents_description.to_json()
        out["value"] = [_plain(v, hex_bytes=True) for v in value.items]
    else:
        out["value"] = _plain(value, hex_bytes=True)
    return out


# -- from plain values ------------------------------------------------------------------
def description_from_json(obj: Any) -> TypeDescription:
    """The TypeDescription of its JSON form (``["simple", 18]`` ...; tuples accepted)."""
    if not isinstance(obj, list | tuple) or not obj:
        raise ValueError(f"not a type description: {obj!r}")
    kind = obj[0]
    if kind == "simple" and len(obj) == 2:
        return SimpleTypeDescription(tag=DataTag(obj[1]))
    if kind == "array" and len(obj) == 3:
        return ArrayTypeDescription(number_of_elements=obj[1],
                                    type_description=description_from_json(obj[2]))
    if kind == "structure" and len(obj) == 2 and isinstance(obj[1], list | tuple):
        return StructureTypeDescription(items=tuple(description_from_json(m) for m in obj[1]))
    raise ValueError(f"not a type description: {obj!r}")


def _calendar(tag: DataTag, value: Any) -> Data:
    cls: type[DateTime] | type[Date] | type[Time] = (
        DateTime if tag == DataTag.DATE_TIME else Date if tag == DataTag.DATE else Time)
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        value = bytes.fromhex(value)
    if isinstance(value, bytes | bytearray):
        return cls.from_bytes(bytes(value))
    if isinstance(value, Mapping):
        fields = dict(value)
        for short, full in (("day", "day_of_month"), ("dow", "day_of_week")):
            if short in fields:
                fields[full] = fields.pop(short)
        if tag == DataTag.DATE_TIME and fields.get("clock_status") is not None:
            fields["clock_status"] = ClockStatus(fields["clock_status"])
        return cls(**fields)
    if tag == DataTag.DATE_TIME and isinstance(value, _dt.datetime):
        return DateTime.from_datetime(value)
    if tag == DataTag.DATE and isinstance(value, _dt.date):
        return Date.from_date(value)
    if tag == DataTag.TIME and isinstance(value, _dt.time):
        return Time.from_time(value)
    raise TypeError(f"cannot make a {tag.type_name} of {type(value).__name__}")


def _from_plain(td: TypeDescription, value: Any) -> Data:
    """A value of the described type from its plain form (compact-array items)."""
    if isinstance(td, SimpleTypeDescription):
        if td.tag == DataTag.OCTET_STRING and isinstance(value, str):
            value = bytes.fromhex(value)
        return from_python(value, td.tag)
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list for {td.to_json()}, got {type(value).__name__}")
    if isinstance(td, ArrayTypeDescription):
        return Array(items=tuple(_from_plain(td.type_description, v) for v in value))
    if isinstance(td, StructureTypeDescription):
        if len(value) != len(td.items):
            raise ValueError(f"structure needs {len(td.items)} members, got {len(value)}")
        return Structure(items=tuple(_from_plain(m, v)
                                     for m, v in zip(td.items, value, strict=True)))
    raise TypeError(f"not a TypeDescription: {td!r}")


def from_json(obj: Any) -> Data:
    """The ``Data`` of a :func:`to_json` form (``ValueError`` / ``TypeError`` if bad)."""
    if not isinstance(obj, Mapping) or "type" not in obj:
        raise ValueError(f"expected {{'type': ..., 'value': ...}}, got {obj!r}")
    try:
        tag = _TAG_BY_NAME[obj["type"]]
    except KeyError:
        raise ValueError(f"unknown data type name {obj['type']!r}") from None
    value = obj.get("value")
    if tag in (DataTag.ARRAY, DataTag.STRUCTURE):
        if not isinstance(value, list | tuple):
            raise TypeError(f"{tag.type_name} value must be a list")
        items = tuple(from_json(v) for v in value)
        return Array(items=items) if tag == DataTag.ARRAY else Structure(items=items)
    if tag == DataTag.COMPACT_ARRAY:
        td = description_from_json(obj.get("type_description"))
        if not isinstance(value, list | tuple):
            raise TypeError("compact-array value must be a list")
        return CompactArray(contents_description=td,
                            items=tuple(_from_plain(td, v) for v in value))
    if tag == DataTag.OCTET_STRING:
        if not isinstance(value, str):
            raise TypeError("octet-string value must be a hex string")
        return OctetString(value=bytes.fromhex(value))
    return from_python(value, tag)


def _untagged(value: Any) -> Data:
    if value is None:
        return NullData()
    if isinstance(value, bool):
        return Boolean(value=value)
    if isinstance(value, int):
        if 0 <= value <= 0xFFFF_FFFF:
            return DoubleLongUnsigned(value=value)
        if -0x8000_0000 <= value < 0:
            return DoubleLong(value=value)
        return Long64Unsigned(value=value) if value >= 0 else Long64(value=value)
    if isinstance(value, float):
        return Float64(value=value)
    if isinstance(value, str):
        return VisibleString(value=value) if value.isascii() else Utf8String(value=value)
    if isinstance(value, bytes | bytearray | memoryview):
        return OctetString(value=bytes(value))
    if isinstance(value, list):
        return Array(items=tuple(from_python(v) for v in value))
    if isinstance(value, tuple):
        return Structure(items=tuple(from_python(v) for v in value))
    if isinstance(value, _dt.datetime):
        return DateTime.from_datetime(value)
    if isinstance(value, _dt.date):
        return Date.from_date(value)
    if isinstance(value, _dt.time):
        return Time.from_time(value)
    raise TypeError(f"no Data type for {type(value).__name__}; pass a tag")


def _tagged(value: Any, tag: DataTag) -> Data:
    if tag in _INT_CLASSES:
        return _INT_CLASSES[tag](value=value)  # type: ignore[call-arg]
    if tag in (DataTag.NULL_DATA, DataTag.DONT_CARE):
        if value is not None:
            raise ValueError(f"{tag.type_name} takes no value, got {value!r}")
        return NullData() if tag == DataTag.NULL_DATA else DontCare()
    if tag in (DataTag.ARRAY, DataTag.STRUCTURE, DataTag.COMPACT_ARRAY):
        if not isinstance(value, list | tuple):
            raise TypeError(f"{tag.type_name} needs a list, got {type(value).__name__}")
        items = tuple(from_python(v) for v in value)
        if tag == DataTag.COMPACT_ARRAY:
            return CompactArray.of(items)
        return Array(items=items) if tag == DataTag.ARRAY else Structure(items=items)
    if tag in (DataTag.DATE_TIME, DataTag.DATE, DataTag.TIME):
        return _calendar(tag, value)
    return _SIMPLE_BUILDERS[tag](value)


def from_python(value: Any, tag: DataTag | None = None) -> Data:
    """``Data`` from a plain Python value.

    A ``Data`` value is returned as it is (``ValueError`` if ``tag`` names another type).
    With ``tag``, the value must suit that type (int for the integer types and enum,
    bool, bytes, str, ``"0101"`` for bit-string, float, a list for array / structure /
    compact-array whose items follow the rule below, a ``datetime`` / ``date`` / ``time``,
    dict or 12/5/4 octets for the calendar types). Without ``tag``:

    ==========================  =========================================================
    None                        null-data
    bool                        boolean
    int                         double-long-unsigned (0..2^32-1), double-long (-2^31..-1),
                                else long64-unsigned / long64
    float                       float64
    str                         visible-string if ASCII, else utf8-string
    bytes / bytearray           octet-string
    list / tuple                array / structure (items converted by this same rule)
    datetime / date / time      date-time / date / time
    ==========================  =========================================================
    """
    if isinstance(value, Data):
        if tag is not None and tag != value.TAG:
            raise ValueError(f"{type(value).__name__} is not a {DataTag(tag).type_name}")
        return value
    if tag is None:
        return _untagged(value)
    return _tagged(value, DataTag(tag))
