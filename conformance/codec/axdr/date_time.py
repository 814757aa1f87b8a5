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
from dataclasses import dataclass
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr.clock_fields import (
    CLOCK_OK,
    CLOCK_STATUS_NOT_SPECIFIED,
    CLOCK_STATUSES,
    DATE_LAYOUT,
    DATE_NAMES,
    DAYLIGHT_SAVINGS_BEGIN,
    DAYLIGHT_SAVINGS_END,
    DEVIATION_NOT_SPECIFIED,
    DT_LAYOUT,
    DT_NAMES,
    LAST_DAY_OF_MONTH,
    NOT_SPECIFIED,
    SECOND_LAST_DAY_OF_MONTH,
    TIME_LAYOUT,
    TIME_NAMES,
    YEAR_NOT_SPECIFIED,
    ClockStatus,
    check_deviation,
    check_fields,
    check_octets,
    dow_matches,
    to_date,
    to_time,
    trusted_fields,
)
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
        check_fields("Date", self, DATE_NAMES)

    @classmethod
    def read(cls, r: Reader) -> Date:
        """Read the five octets (no tag) from ``r``; ``CodecError`` for a bad field."""
        start = r.offset
        values = DATE_LAYOUT.unpack(r.pull_bytes(5, "date"))
        check_octets(r, start, "date", DATE_NAMES, values, 0)
        return trusted_fields(cls, DATE_NAMES, values)

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
        return to_date("Date", self.year, self.month, self.day_of_month)

    @property
    def day_of_week_matches(self) -> bool | None:
        """Whether a specified day of week is that of the (fully specified) date; None
        when either is not specified."""
        return dow_matches(self.year, self.month, self.day_of_month, self.day_of_week)

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
        check_fields("Time", self, TIME_NAMES)

    @classmethod
    def read(cls, r: Reader) -> Time:
        """Read the four octets (no tag) from ``r``; ``CodecError`` for a bad field."""
        start = r.offset
        values = TIME_LAYOUT.unpack(r.pull_bytes(4, "time"))
        check_octets(r, start, "time", TIME_NAMES, values, 0)
        return trusted_fields(cls, TIME_NAMES, values)

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
        return to_time("Time", self.hour, self.minute, self.second, self.hundredths)

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
        check_fields("DateTime", self, DATE_NAMES + TIME_NAMES)
        check_deviation("DateTime", self.deviation)
        cs = self.clock_status
        if cs is not None:
            if not isinstance(cs, int) or isinstance(cs, bool):
                raise TypeError("DateTime.clock_status must be ClockStatus or None")
            if not 0 <= cs < CLOCK_STATUS_NOT_SPECIFIED:
                raise ValueError(f"DateTime.clock_status {cs} is outside 0..254 "
                                 "(0xFF is written as None: not specified)")
            if type(cs) is not ClockStatus:
                object.__setattr__(self, "clock_status", ClockStatus(cs))

    @classmethod
    def read(cls, r: Reader) -> DateTime:
        """Read the twelve octets (no tag) from ``r``; ``CodecError`` for a bad field."""
        start = r.offset
        values = DT_LAYOUT.unpack(r.pull_bytes(12, "date-time"))
        check_octets(r, start, "date-time", DT_NAMES[:8], values, 5)
        dev = values[8]
        if dev == DEVIATION_NOT_SPECIFIED:
            deviation = None
        elif -720 <= dev <= 720:
            deviation = dev
        else:
            raise CodecError(f"date-time deviation {dev} is outside -720..720 and is not "
                             "0x8000", offset=start + 9, path=r.path("date-time.deviation"))
        cs = values[9]
        status = None if cs == CLOCK_STATUS_NOT_SPECIFIED else CLOCK_STATUSES[cs]
        return trusted_fields(cls, DT_NAMES, (*values[:8], deviation, status))

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
        dev = DEVIATION_NOT_SPECIFIED if self.deviation is None else self.deviation
        cs = CLOCK_STATUS_NOT_SPECIFIED if self.clock_status is None else self.clock_status
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
        return dow_matches(self.year, self.month, self.day_of_month, self.day_of_week)

    def to_datetime(self) -> _dt.datetime:
        """The instant as a ``datetime``.

        Year, month, day, hour, minute and second must be specified (``ValueError``
        otherwise); hundredths "not specified" reads as 0. The result is aware (offset
        ``-deviation`` minutes) when the deviation is specified, naive otherwise. Neither
        the day of week (see :attr:`day_of_week_matches`) nor the clock status is used.
        """
        d = to_date("DateTime", self.year, self.month, self.day_of_month)
        t = to_time("DateTime", self.hour, self.minute, self.second, self.hundredths)
        tz = None
        if self.deviation is not None:
            tz = _dt.timezone(_dt.timedelta(minutes=-self.deviation))
        return _dt.datetime.combine(d, t, tzinfo=tz)

    @classmethod
    def from_datetime(cls, value: _dt.datetime, *,
                      clock_status: ClockStatus | None = CLOCK_OK) -> DateTime:
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
