"""Plan values (:class:`conformance.plan.TypedValue`: an A-XDR type name and a Python value)
as codec ``Data`` (IEC 62056-6-2 4.1.5).

A ``datetime`` in an octet-string is the 12-octet date-time form (Blue Book 4.1.6.1); how
it becomes octets is the caller's (the meter's Clock knows the deviation and the status
of a local time), passed as ``date_time``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from conformance.codec.axdr import (
    Array,
    Bcd,
    BitString,
    Boolean,
    CompactArray,
    Data,
    Date,
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
from conformance.plan.cosem import DataTag, TypedValue
from conformance.simulator.cosem.timeutil import date_time_octets

__all__ = ["DateTimeOctets", "naive_date_time", "to_data"]

DateTimeOctets = Callable[[dt.datetime], bytes]
"""The 12 date-time octets of a ``datetime`` (naive: a local wall clock time)."""

_INTEGERS: dict[DataTag, type[Data]] = {
    DataTag.DOUBLE_LONG: DoubleLong, DataTag.DOUBLE_LONG_UNSIGNED: DoubleLongUnsigned,
    DataTag.BCD: Bcd, DataTag.INTEGER: Integer, DataTag.LONG: Long,
    DataTag.UNSIGNED: Unsigned, DataTag.LONG_UNSIGNED: LongUnsigned,
    DataTag.LONG64: Long64, DataTag.LONG64_UNSIGNED: Long64Unsigned, DataTag.ENUM: Enum,
}
_TEXT: dict[DataTag, type[Data]] = {
    DataTag.BIT_STRING: BitString, DataTag.VISIBLE_STRING: VisibleString,
    DataTag.UTF8_STRING: Utf8String,
}


def naive_date_time(value: dt.datetime) -> bytes:
    """Date-time octets without a meter: an aware ``value`` with its deviation, a naive
    one with the deviation "not specified"; clock status 0."""
    offset = value.utcoffset()
    deviation = None if offset is None else -int(offset.total_seconds() // 60)
    return date_time_octets(value.replace(tzinfo=None), deviation, 0)


def to_data(value: TypedValue, date_time: DateTimeOctets = naive_date_time) -> Data:
    """``value`` as ``Data`` (``ValueError`` / ``TypeError`` for content that does not fit
    its type: the plan loader has checked it already)."""
    kind, content = value.type, value.value
    if kind is DataTag.NULL_DATA:
        return NullData()
    integer = _INTEGERS.get(kind)
    if integer is not None:
        return integer(value=content)  # type: ignore[call-arg]
    text = _TEXT.get(kind)
    if text is not None:
        return text(value=content)  # type: ignore[call-arg]
    if kind is DataTag.BOOLEAN:
        return Boolean(value=bool(content))
    if kind is DataTag.FLOAT32:
        return Float32(value=content)  # type: ignore[arg-type]
    if kind is DataTag.FLOAT64:
        return Float64(value=content)  # type: ignore[arg-type]
    if kind is DataTag.OCTET_STRING:
        if isinstance(content, dt.datetime):
            return OctetString(value=date_time(content))
        return OctetString(value=content)  # type: ignore[arg-type]
    if kind is DataTag.DATE_TIME and isinstance(content, dt.datetime):
        return DateTime.from_bytes(date_time(content))
    if kind is DataTag.DATE and isinstance(content, dt.date):
        return Date.from_date(content)
    if kind is DataTag.TIME and isinstance(content, dt.time):
        return Time.from_time(content)
    if kind in (DataTag.ARRAY, DataTag.STRUCTURE, DataTag.COMPACT_ARRAY) \
            and isinstance(content, tuple):
        items = tuple(to_data(v, date_time) for v in content)
        if kind is DataTag.ARRAY:
            return Array(items=items)
        if kind is DataTag.STRUCTURE:
            return Structure(items=items)
        return CompactArray.of(items)
    raise TypeError(f"{kind.type_name} cannot hold {type(content).__name__}")
