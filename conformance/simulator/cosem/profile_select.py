"""Comparison keys of the Profile generic ``range_descriptor`` (Blue Book 4.3.6, access
selector 1): the restricting column's values and ``from_value`` / ``to_value`` become
comparable keys, instants for a date-time column, numbers for a numeric one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conformance.codec.axdr import (
    Bcd,
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
    Unsigned,
)
from conformance.simulator.cosem.timeutil import UTC, WallToUtc, parse_date_time, to_instant

__all__ = ["column_key", "range_keys"]

_NUMBERS = (Integer, Long, DoubleLong, Long64, Unsigned, LongUnsigned, DoubleLongUnsigned,
            Long64Unsigned, Enum, Bcd, Float32, Float64)


def _as_utc(wall: dt.datetime) -> dt.datetime:
    return wall.replace(tzinfo=UTC)


def column_key(value: Data, *, clock_column: bool, wall_to_utc: WallToUtc = _as_utc) -> Any:
    """The comparison key of one value of the restricting column: the UTC instant of a
    date-time (an octet-string of 12 octets or a date-time, its local time read through
    ``wall_to_utc`` when the deviation is not specified), the number of a numeric value;
    ``None`` when the value has no key."""
    if clock_column or isinstance(value, DateTime):
        parsed = value if isinstance(value, DateTime) else parse_date_time(value)
        return None if parsed is None else to_instant(parsed, wall_to_utc)
    if isinstance(value, _NUMBERS):
        number: Any = value.value
        return number
    return None


def range_keys(low: Data, high: Data, *, clock_column: bool,
               wall_to_utc: WallToUtc = _as_utc) -> tuple[Any, Any] | None:
    """The keys of ``from_value`` and ``to_value``, ``None`` when either has none."""
    a = column_key(low, clock_column=clock_column, wall_to_utc=wall_to_utc)
    b = column_key(high, clock_column=clock_column, wall_to_utc=wall_to_utc)
    if a is None or b is None:
        return None
    return a, b
