"""Field rules of COSEM date, time and date-time (Blue Book 4.1.6.1), shared by
:mod:`conformance.codec.axdr.date_time`: the special values, the clock-status flags, the
allowed range of each field, the octet layouts, and the checks and conversions on them.
"""

from __future__ import annotations

import datetime as _dt
import struct
from enum import IntFlag
from typing import TypeVar

from conformance.codec._buffer import Reader
from conformance.errors import CodecError

__all__ = [
    "CLOCK_OK",
    "CLOCK_STATUSES",
    "CLOCK_STATUS_NOT_SPECIFIED",
    "DATE_LAYOUT",
    "DATE_NAMES",
    "DAYLIGHT_SAVINGS_BEGIN",
    "DAYLIGHT_SAVINGS_END",
    "DEVIATION_NOT_SPECIFIED",
    "DT_LAYOUT",
    "DT_NAMES",
    "LAST_DAY_OF_MONTH",
    "NOT_SPECIFIED",
    "SECOND_LAST_DAY_OF_MONTH",
    "TIME_LAYOUT",
    "TIME_NAMES",
    "YEAR_NOT_SPECIFIED",
    "ClockStatus",
    "check_deviation",
    "check_fields",
    "check_octets",
    "dow_matches",
    "to_date",
    "to_time",
    "trusted_fields",
]

NOT_SPECIFIED = 0xFF
"""Wildcard of every one-octet field (month, day, day of week, hour, ...)."""
YEAR_NOT_SPECIFIED = 0xFFFF
"""Wildcard of the year."""
DAYLIGHT_SAVINGS_END = 0xFD
"""Month value: the month in which daylight savings time ends."""
DAYLIGHT_SAVINGS_BEGIN = 0xFE
"""Month value: the month in which daylight savings time begins."""
SECOND_LAST_DAY_OF_MONTH = 0xFD
"""Day-of-month value: the second-last day of the month."""
LAST_DAY_OF_MONTH = 0xFE
"""Day-of-month value: the last day of the month."""

_T = TypeVar("_T")
DEVIATION_NOT_SPECIFIED = -0x8000  # 0x8000 read as a signed 16-bit integer
CLOCK_STATUS_NOT_SPECIFIED = 0xFF


class ClockStatus(IntFlag):
    """The clock-status octet of a date-time (Blue Book 4.1.6.1); bits 4-6 are reserved
    and kept as given."""

    INVALID_VALUE = 0x01
    DOUBTFUL_VALUE = 0x02
    DIFFERENT_CLOCK_BASE = 0x04
    INVALID_CLOCK_STATUS = 0x08
    DAYLIGHT_SAVING_ACTIVE = 0x80


CLOCK_OK = ClockStatus(0)
CLOCK_STATUSES = tuple(ClockStatus(i) for i in range(0xFF))


# -- field rules: (name, low, high, extra allowed values) --------------------------------
_MONTH_EXTRA = frozenset({DAYLIGHT_SAVINGS_END, DAYLIGHT_SAVINGS_BEGIN, NOT_SPECIFIED})
_DAY_EXTRA = frozenset({SECOND_LAST_DAY_OF_MONTH, LAST_DAY_OF_MONTH, NOT_SPECIFIED})
_WILD = frozenset({NOT_SPECIFIED})

_DATE_RULES: tuple[tuple[str, int, int, frozenset[int]], ...] = (
    ("year", 0, YEAR_NOT_SPECIFIED, frozenset()),
    ("month", 1, 12, _MONTH_EXTRA),
    ("day_of_month", 1, 31, _DAY_EXTRA),
    ("day_of_week", 1, 7, _WILD),
)
_TIME_RULES: tuple[tuple[str, int, int, frozenset[int]], ...] = (
    ("hour", 0, 23, _WILD),
    ("minute", 0, 59, _WILD),
    ("second", 0, 59, _WILD),
    ("hundredths", 0, 99, _WILD),
)


_RULES = {name: (lo, hi, extra) for name, lo, hi, extra in _DATE_RULES + _TIME_RULES}
# Allowed values of the one-octet fields (the year is a plain 0..0xFFFF range).
_ALLOWED = {name: frozenset(range(lo, hi + 1)) | extra
            for name, (lo, hi, extra) in _RULES.items() if name != "year"}

# Octet layouts (Blue Book 4.1.6.1) and the offset of each field in them.
DATE_NAMES = ("year", "month", "day_of_month", "day_of_week")
TIME_NAMES = ("hour", "minute", "second", "hundredths")
DT_NAMES = (*DATE_NAMES, *TIME_NAMES, "deviation", "clock_status")
DATE_LAYOUT = struct.Struct(">HBBB")
TIME_LAYOUT = struct.Struct(">BBBB")
DT_LAYOUT = struct.Struct(">HBBBBBBBhB")
_OFFSETS = {"year": 0, "month": 2, "day_of_month": 3, "day_of_week": 4, "deviation": 9,
            "clock_status": 11}
_TIME_OFFSETS = {"hour": 0, "minute": 1, "second": 2, "hundredths": 3}

_new = object.__new__
_set = object.__setattr__


def _field_problem(name: str, value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{name} must be int, got {type(value).__name__}"
    if value in _ALLOWED[name] if name != "year" else 0 <= value <= YEAR_NOT_SPECIFIED:
        return None
    lo, hi, extra = _RULES[name]
    allowed = f"{lo}..{hi}" + "".join(f", 0x{x:02X}" for x in sorted(extra))
    shown = f"{value} (0x{value:02X})" if value >= 0 else str(value)
    return f"{name} {shown} is not allowed (allowed: {allowed})"


def check_fields(owner: str, obj: object, names: tuple[str, ...]) -> None:
    """``ValueError`` / ``TypeError`` naming the first of ``obj``'s fields ``names`` that
    the standard does not allow (construction of a value)."""
    for name in names:
        problem = _field_problem(name, getattr(obj, name))
        if problem:
            raise (ValueError if "must be int" not in problem else TypeError)(
                f"{owner}.{problem}")


def check_deviation(owner: str, deviation: object) -> None:
    """The deviation is None (not specified) or -720..720 minutes."""
    if deviation is None:
        return
    if not isinstance(deviation, int) or isinstance(deviation, bool):
        raise TypeError(f"{owner}.deviation must be int or None")
    if not -720 <= deviation <= 720:
        raise ValueError(f"{owner}.deviation {deviation} is outside -720..720 minutes")


def check_octets(r: Reader, start: int, what: str, names: tuple[str, ...],
                 values: tuple[int, ...], time_base: int) -> None:
    """``CodecError`` at the first calendar field of ``values`` the standard forbids;
    ``start`` is the offset of the first octet, ``time_base`` that of the hour."""
    for name, v in zip(names, values, strict=False):
        if name != "year" and v not in _ALLOWED[name]:
            where = _TIME_OFFSETS[name] + time_base if name in _TIME_OFFSETS else _OFFSETS[name]
            raise CodecError(f"{what} {_field_problem(name, v)}", offset=start + where,
                             path=r.path(f"{what}.{name}"))


def trusted_fields(cls: type[_T], names: tuple[str, ...], values: tuple[object, ...]) -> _T:
    """Build a value from fields already checked (the decoder's fast path)."""
    obj = _new(cls)
    for name, v in zip(names, values, strict=True):
        _set(obj, name, v)
    return obj


def to_time(owner: str, hour: int, minute: int, second: int, hundredths: int) -> _dt.time:
    """The ``datetime.time``; hundredths not specified read as 0; ``ValueError`` when
    the hour, minute or second is not specified."""
    missing = [n for n, v in (("hour", hour), ("minute", minute), ("second", second))
               if v == NOT_SPECIFIED]
    if missing:
        raise ValueError(f"{owner} is not fully specified: {', '.join(missing)} not specified")
    micro = 0 if hundredths == NOT_SPECIFIED else hundredths * 10_000
    return _dt.time(hour, minute, second, micro)


def to_date(owner: str, year: int, month: int, day: int) -> _dt.date:
    """The ``datetime.date``; ``ValueError`` for a wildcard / special value or a day that
    the calendar does not have."""
    missing = []
    if year == YEAR_NOT_SPECIFIED:
        missing.append("year")
    if month > 12:
        missing.append("month")
    if day > 31:
        missing.append("day_of_month")
    if missing:
        raise ValueError(f"{owner} does not name one day: {', '.join(missing)} is a wildcard "
                         "or special value")
    try:
        return _dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{owner} is not a calendar date: {exc}") from None


def dow_matches(year: int, month: int, day: int, dow: int) -> bool | None:
    """Whether ``dow`` (Monday = 1) is the day of week of the date; None when the day of
    week or the date is not specified."""
    if dow == NOT_SPECIFIED:
        return None
    try:
        d = to_date("", year, month, day)
    except ValueError:
        return None
    return d.isoweekday() == dow
