"""COSEM date, time and date-time (IEC 62056-6-2 4.1.6.1 / Blue Book 4.1.6.1).

::

    date-time  year(2) month day-of-month day-of-week hour minute second hundredths
               deviation(2, signed) clock-status                         12 octets
    date       year(2) month day-of-month day-of-week                    5 octets
    time       hour minute second hundredths                             4 octets

"Not specified" is 0xFFFF for the year, 0x8000 for the deviation and 0xFF for every other
field (kept as raw integers here, except ``deviation`` and ``clock_status`` which are
``None`` when not specified). Month 0xFD / 0xFE mean daylight-savings end / begin;
day-of-month 0xFD / 0xFE mean the second-last / last day of the month (0xE0-0xFC are
reserved and rejected). ``deviation`` is the number of minutes local time is *behind*
UTC (local = UTC - deviation): Central European Time is deviation -60, ISO offset +01:00
(vector ``axdr-date-time-2``).

The same 12 / 5 / 4 octets often travel inside an octet-string (e.g. the Clock time or a
profile capture): :meth:`DateTime.from_bytes` / :meth:`DateTime.to_bytes` handle that form.
"""

from __future__ import annotations

import datetime as _dt
import struct
from dataclasses import dataclass
from enum import IntFlag
from typing import ClassVar, TypeVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr.types import Data, DataTag
from conformance.errors import CodecError

__all__ = [
    "DAYLIGHT_SAVINGS_BEGIN",
    "DAYLIGHT_SAVINGS_END",
    "LAST_DAY_OF_MONTH",
    "NOT_SPECIFIED",
    "SECOND_LAST_DAY_OF_MONTH",
    "YEAR_NOT_SPECIFIED",
    "ClockStatus",
    "Date",
    "DateTime",
    "Time",
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
_DEVIATION_NOT_SPECIFIED = -0x8000  # 0x8000 read as a signed 16-bit integer
_CLOCK_STATUS_NOT_SPECIFIED = 0xFF


class ClockStatus(IntFlag):
    """The clock-status octet of a date-time (Blue Book 4.1.6.1); bits 4-6 are reserved
    and kept as given."""

    INVALID_VALUE = 0x01
    DOUBTFUL_VALUE = 0x02
    DIFFERENT_CLOCK_BASE = 0x04
    INVALID_CLOCK_STATUS = 0x08
    DAYLIGHT_SAVING_ACTIVE = 0x80


_CLOCK_OK = ClockStatus(0)
_CLOCK_STATUSES = tuple(ClockStatus(i) for i in range(0xFF))


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
_ALLOWED = {name: frozenset(range(lo, hi + 1)) | extra for name, (lo, hi, extra) in _RULES.items()}

# Octet layouts (Blue Book 4.1.6.1) and the offset of each field in them.
_DATE_NAMES = ("year", "month", "day_of_month", "day_of_week")
_TIME_NAMES = ("hour", "minute", "second", "hundredths")
_DT_NAMES = (*_DATE_NAMES, *_TIME_NAMES, "deviation", "clock_status")
_DATE_LAYOUT = struct.Struct(">HBBB")
_TIME_LAYOUT = struct.Struct(">BBBB")
_DT_LAYOUT = struct.Struct(">HBBBBBBBhB")
_OFFSETS = {"year": 0, "month": 2, "day_of_month": 3, "day_of_week": 4, "deviation": 9,
            "clock_status": 11}
_TIME_OFFSETS = {"hour": 0, "minute": 1, "second": 2, "hundredths": 3}

_new = object.__new__
_set = object.__setattr__


def _field_problem(name: str, value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{name} must be int, got {type(value).__name__}"
    if value in _ALLOWED[name]:
        return None
    lo, hi, extra = _RULES[name]
    allowed = f"{lo}..{hi}" + "".join(f", 0x{x:02X}" for x in sorted(extra))
    return f"{name} {value} (0x{value:02X}) is not allowed (allowed: {allowed})"


def _check_fields(owner: str, obj: object, names: tuple[str, ...]) -> None:
    for name in names:
        problem = _field_problem(name, getattr(obj, name))
        if problem:
            raise ValueError(f"{owner}.{problem}")


def _check_deviation(owner: str, deviation: object) -> None:
    if deviation is None:
        return
    if not isinstance(deviation, int) or isinstance(deviation, bool):
        raise TypeError(f"{owner}.deviation must be int or None")
    if not -720 <= deviation <= 720:
        raise ValueError(f"{owner}.deviation {deviation} is outside -720..720 minutes")


def _check_octets(r: Reader, start: int, what: str, names: tuple[str, ...],
                  values: tuple[int, ...], time_base: int) -> None:
    """``CodecError`` at the first calendar field of ``values`` the standard forbids."""
    for name, v in zip(names, values, strict=False):
        if v not in _ALLOWED[name]:
            where = _TIME_OFFSETS[name] + time_base if name in _TIME_OFFSETS else _OFFSETS[name]
            raise CodecError(f"{what} {_field_problem(name, v)}", offset=start + where,
                             path=r.path(f"{what}.{name}"))


def _trusted(cls: type[_T], names: tuple[str, ...], values: tuple[object, ...]) -> _T:
    """Build a value from fields already checked (the decoder's fast path)."""
    obj = _new(cls)
    for name, v in zip(names, values, strict=True):
        _set(obj, name, v)
    return obj


def _to_time(owner: str, hour: int, minute: int, second: int, hundredths: int) -> _dt.time:
    missing = [n for n, v in (("hour", hour), ("minute", minute), ("second", second))
               if v == NOT_SPECIFIED]
    if missing:
        raise ValueError(f"{owner} is not fully specified: {', '.join(missing)} not specified")
    micro = 0 if hundredths == NOT_SPECIFIED else hundredths * 10_000
    return _dt.time(hour, minute, second, micro)


def _to_date(owner: str, year: int, month: int, day: int) -> _dt.date:
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


def _dow_matches(year: int, month: int, day: int, dow: int) -> bool | None:
    if dow == NOT_SPECIFIED:
        return None
    try:
        d = _to_date("", year, month, day)
    except ValueError:
        return None
    return d.isoweekday() == dow


@dataclass(frozen=True, slots=True, kw_only=True)
class Date(Data):
    """date [26]: year, month, day of month, day of week (Monday = 1); every field
    defaults to "not specified"."""

    TAG: ClassVar[DataTag] = DataTag.DATE
    SIZE: ClassVar[int] = 5
    year: int = YEAR_NOT_SPECIFIED
    month: int = NOT_SPECIFIED
    day_of_month: int = NOT_SPECIFIED
    day_of_week: int = NOT_SPECIFIED

    def __post_init__(self) -> None:
        _check_fields("Date", self, _DATE_NAMES)

    @classmethod
    def read(cls, r: Reader) -> Date:
        """Read the five octets (no tag) from ``r``; ``CodecError`` for a bad field."""
        start = r.offset
        values = _DATE_LAYOUT.unpack(r.pull_bytes(5, "date"))
        _check_octets(r, start, "date", _DATE_NAMES, values, 0)
        return _trusted(cls, _DATE_NAMES, values)

    def write(self, w: Writer) -> None:
        """Append the five octets (no tag) to ``w``."""
        w.push_u16(self.year)
        w.push_bytes(bytes((self.month, self.day_of_month, self.day_of_week)))

    @classmethod
    def from_bytes(cls, data: bytes) -> Date:
        """Parse exactly five octets (the date carried in an octet-string)."""
        r = Reader(bytes(data))
        value = cls.read(r)
        r.expect_end("date")
        return value

    def to_bytes(self) -> bytes:
        """The five octets, without tag."""
        w = Writer()
        self.write(w)
        return w.getvalue()

    def to_date(self) -> _dt.date:
        """The calendar date; ``ValueError`` when a field is a wildcard or special value.
        The day of week is not used (see :attr:`day_of_week_matches`)."""
        return _to_date("Date", self.year, self.month, self.day_of_month)

    @property
    def day_of_week_matches(self) -> bool | None:
        """Whether a specified day of week is that of the (fully specified) date; None
        when either is not specified."""
        return _dow_matches(self.year, self.month, self.day_of_month, self.day_of_week)

    @classmethod
    def from_date(cls, d: _dt.date) -> Date:
        """The date of ``d`` (a ``datetime`` is cut to its date) with its day of week."""
        return cls(year=d.year, month=d.month, day_of_month=d.day,
                   day_of_week=d.isoweekday())


@dataclass(frozen=True, slots=True, kw_only=True)
class Time(Data):
    """time [27]: hour, minute, second, hundredths; every field defaults to "not
    specified"."""

    TAG: ClassVar[DataTag] = DataTag.TIME
    SIZE: ClassVar[int] = 4
    hour: int = NOT_SPECIFIED
    minute: int = NOT_SPECIFIED
    second: int = NOT_SPECIFIED
    hundredths: int = NOT_SPECIFIED

    def __post_init__(self) -> None:
        _check_fields("Time", self, _TIME_NAMES)

    @classmethod
    def read(cls, r: Reader) -> Time:
        """Read the four octets (no tag) from ``r``; ``CodecError`` for a bad field."""
        start = r.offset
        values = _TIME_LAYOUT.unpack(r.pull_bytes(4, "time"))
        _check_octets(r, start, "time", _TIME_NAMES, values, 0)
        return _trusted(cls, _TIME_NAMES, values)

    def write(self, w: Writer) -> None:
        """Append the four octets (no tag) to ``w``."""
        w.push_bytes(bytes((self.hour, self.minute, self.second, self.hundredths)))

    @classmethod
    def from_bytes(cls, data: bytes) -> Time:
        """Parse exactly four octets (the time carried in an octet-string)."""
        r = Reader(bytes(data))
        value = cls.read(r)
        r.expect_end("time")
        return value

    def to_bytes(self) -> bytes:
        """The four octets, without tag."""
        return bytes((self.hour, self.minute, self.second, self.hundredths))

    def to_time(self) -> _dt.time:
        """The time of day (hundredths "not specified" reads as 0); ``ValueError`` when
        the hour, minute or second is not specified."""
        return _to_time("Time", self.hour, self.minute, self.second, self.hundredths)

    @classmethod
    def from_time(cls, t: _dt.time) -> Time:
        """The time of ``t``; microseconds are truncated to hundredths."""
        return cls(hour=t.hour, minute=t.minute, second=t.second,
                   hundredths=t.microsecond // 10_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class DateTime(Data):
    """date-time [25]: a :class:`Date`, a :class:`Time`, the deviation and the clock
    status. Every field defaults to "not specified" (``None`` for ``deviation`` and
    ``clock_status``)."""

    TAG: ClassVar[DataTag] = DataTag.DATE_TIME
    SIZE: ClassVar[int] = 12
    year: int = YEAR_NOT_SPECIFIED
    month: int = NOT_SPECIFIED
    day_of_month: int = NOT_SPECIFIED
    day_of_week: int = NOT_SPECIFIED
    hour: int = NOT_SPECIFIED
    minute: int = NOT_SPECIFIED
    second: int = NOT_SPECIFIED
    hundredths: int = NOT_SPECIFIED
    deviation: int | None = None
    """Minutes local time is behind UTC (-720..720), None = not specified (0x8000)."""
    clock_status: ClockStatus | None = None
    """Clock status flags, None = not specified (0xFF)."""

    def __post_init__(self) -> None:
        _check_fields("DateTime", self, _DATE_NAMES + _TIME_NAMES)
        _check_deviation("DateTime", self.deviation)
        cs = self.clock_status
        if cs is not None:
            if not isinstance(cs, int) or isinstance(cs, bool):
                raise TypeError("DateTime.clock_status must be ClockStatus or None")
            if not 0 <= cs < _CLOCK_STATUS_NOT_SPECIFIED:
                raise ValueError(f"DateTime.clock_status {cs} is outside 0..254 "
                                 "(0xFF is written as None: not specified)")
            if type(cs) is not ClockStatus:
                object.__setattr__(self, "clock_status", ClockStatus(cs))

    @classmethod
    def read(cls, r: Reader) -> DateTime:
        """Read the twelve octets (no tag) from ``r``; ``CodecError`` for a bad field."""
        start = r.offset
        values = _DT_LAYOUT.unpack(r.pull_bytes(12, "date-time"))
        _check_octets(r, start, "date-time", _DT_NAMES[:8], values, 5)
        dev = values[8]
        if dev == _DEVIATION_NOT_SPECIFIED:
            deviation = None
        elif -720 <= dev <= 720:
            deviation = dev
        else:
            raise CodecError(f"date-time deviation {dev} is outside -720..720 and is not "
                             "0x8000", offset=start + 9, path=r.path("date-time.deviation"))
        cs = values[9]
        status = None if cs == _CLOCK_STATUS_NOT_SPECIFIED else _CLOCK_STATUSES[cs]
        return _trusted(cls, _DT_NAMES, (*values[:8], deviation, status))

    def write(self, w: Writer) -> None:
        """Append the twelve octets (no tag) to ``w``."""
        w.push_bytes(self.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> DateTime:
        """Parse exactly twelve octets (the date-time carried in an octet-string)."""
        r = Reader(bytes(data))
        value = cls.read(r)
        r.expect_end("date-time")
        return value

    def to_bytes(self) -> bytes:
        """The twelve octets, without tag."""
        dev = _DEVIATION_NOT_SPECIFIED if self.deviation is None else self.deviation
        cs = _CLOCK_STATUS_NOT_SPECIFIED if self.clock_status is None else self.clock_status
        return (self.year.to_bytes(2, "big")
                + bytes((self.month, self.day_of_month, self.day_of_week, self.hour,
                         self.minute, self.second, self.hundredths))
                + dev.to_bytes(2, "big", signed=True) + bytes((cs,)))

    @property
    def date(self) -> Date:
        """The date part."""
        return Date(year=self.year, month=self.month, day_of_month=self.day_of_month,
                    day_of_week=self.day_of_week)

    @property
    def time(self) -> Time:
        """The time part."""
        return Time(hour=self.hour, minute=self.minute, second=self.second,
                    hundredths=self.hundredths)

    @property
    def day_of_week_matches(self) -> bool | None:
        """Whether a specified day of week is that of the (fully specified) date; None
        when either is not specified."""
        return _dow_matches(self.year, self.month, self.day_of_month, self.day_of_week)

    def to_datetime(self) -> _dt.datetime:
        """The instant as a ``datetime``.

        Year, month, day, hour, minute and second must be specified (``ValueError``
        otherwise); hundredths "not specified" reads as 0. The result is aware (offset
        ``-deviation`` minutes) when the deviation is specified, naive otherwise. Neither
        the day of week (see :attr:`day_of_week_matches`) nor the clock status is used.
        """
        d = _to_date("DateTime", self.year, self.month, self.day_of_month)
        t = _to_time("DateTime", self.hour, self.minute, self.second, self.hundredths)
        tz = None
        if self.deviation is not None:
            tz = _dt.timezone(_dt.timedelta(minutes=-self.deviation))
        return _dt.datetime.combine(d, t, tzinfo=tz)

    @classmethod
    def from_datetime(cls, value: _dt.datetime, *,
                      clock_status: ClockStatus | None = _CLOCK_OK) -> DateTime:
        """The date-time of ``value``; microseconds are truncated to hundredths.

        An aware ``value`` gives ``deviation = -utcoffset`` in minutes (a whole number of
        minutes within -720..720, ``ValueError`` otherwise), a naive one leaves the
        deviation not specified. When ``value.dst()`` is non-zero the
        ``DAYLIGHT_SAVING_ACTIVE`` bit is added to ``clock_status`` (unless it is None).
        """
        deviation = None
        offset = value.utcoffset()
        if offset is not None:
            seconds = offset.total_seconds()
            if seconds % 60:
                raise ValueError(f"UTC offset {offset} is not a whole number of minutes")
            deviation = -int(seconds // 60)
        if clock_status is not None and value.dst():
            clock_status = ClockStatus(clock_status) | ClockStatus.DAYLIGHT_SAVING_ACTIVE
        return cls(year=value.year, month=value.month, day_of_month=value.day,
                   day_of_week=value.isoweekday(), hour=value.hour, minute=value.minute,
                   second=value.second, hundredths=value.microsecond // 10_000,
                   deviation=deviation, clock_status=clock_status)
