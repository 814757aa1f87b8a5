"""Date-time helpers of the object model (Blue Book 4.1.6.1 date-time; 4.5.1 Clock).

Sign convention (that of :mod:`conformance.codec.axdr.date_time`, fixed by the shared
vector ``axdr-date-time-2``): the deviation is the number of minutes local time is *behind*
UTC, ``local = UTC - deviation``; Central European Time is deviation -60. The Clock's
``time_zone`` uses the same convention.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable

from conformance.codec.axdr import (
    LAST_DAY_OF_MONTH,
    NOT_SPECIFIED,
    SECOND_LAST_DAY_OF_MONTH,
    YEAR_NOT_SPECIFIED,
    Data,
    DateTime,
    OctetString,
)
from conformance.errors import CodecError

__all__ = [
    "UTC",
    "WallToUtc",
    "date_time_octets",
    "parse_date_time",
    "resolve_yearly",
    "to_instant",
    "to_wall",
]

UTC = dt.UTC
WallToUtc = Callable[[dt.datetime], dt.datetime]
"""Maps a naive local (wall clock) time to the aware UTC instant."""
_LAYOUT = struct.Struct(">HBBBBBBBhB")
_DEVIATION_NOT_SPECIFIED = -0x8000


def date_time_octets(wall: dt.datetime, deviation: int | None, clock_status: int) -> bytes:
    """The 12 octets of the date-time ``wall`` (a naive local time; hundredths from the
    microseconds, day of week computed) with ``deviation`` (``None``: not specified) and
    ``clock_status``. Faster than building a :class:`DateTime` (profile buffers)."""
    return _LAYOUT.pack(wall.year, wall.month, wall.day, wall.isoweekday(), wall.hour,
                        wall.minute, wall.second, wall.microsecond // 10_000,
                        _DEVIATION_NOT_SPECIFIED if deviation is None else deviation,
                        clock_status)


def parse_date_time(value: Data) -> DateTime | None:
    """The date-time held in an octet-string of 12 octets, ``None`` when ``value`` is not
    one or its fields are out of range."""
    if not isinstance(value, OctetString) or len(value.value) != 12:
        return None
    try:
        return DateTime.from_bytes(value.value)
    except CodecError:
        return None


def to_wall(value: DateTime) -> dt.datetime | None:
    """The naive local time of ``value``; ``None`` when the date or the hour, minute or
    second is not specified (hundredths "not specified" read as 0)."""
    if (value.year == YEAR_NOT_SPECIFIED or NOT_SPECIFIED in
            (value.month, value.day_of_month, value.hour, value.minute, value.second)):
        return None
    try:
        return value.to_datetime().replace(tzinfo=None)
    except ValueError:
        return None


def to_instant(value: DateTime, local_to_utc: WallToUtc) -> dt.datetime | None:
    """The UTC instant of ``value``: through its deviation when specified, else through
    ``local_to_utc`` (the meter's own time zone and daylight saving rules)."""
    wall = to_wall(value)
    if wall is None:
        return None
    if value.deviation is None:
        return local_to_utc(wall)
    return (wall + dt.timedelta(minutes=value.deviation)).replace(tzinfo=UTC)


def resolve_yearly(template: DateTime, year: int) -> dt.datetime | None:
    """The moment of ``year`` a daylight savings begin/end date-time designates (Blue
    Book 4.1.6.1 / 4.5.1): year "not specified" repeats every year; day of month 0xFE /
    0xFD is the last / second-last day; a specified day of week moves the day forward to
    that weekday (backwards for the last-day forms), so ``FE`` with day of week 7 is the
    last Sunday. ``None`` when the template cannot designate one moment a year."""
    if template.year not in (YEAR_NOT_SPECIFIED, year):
        return None
    month = template.month
    if not 1 <= month <= 12:
        return None
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    last = (first_next - dt.timedelta(days=1)).day
    dom = template.day_of_month
    backwards = dom in (LAST_DAY_OF_MONTH, SECOND_LAST_DAY_OF_MONTH)
    if dom == LAST_DAY_OF_MONTH:
        day = last
    elif dom == SECOND_LAST_DAY_OF_MONTH:
        day = last - 1
    elif 1 <= dom <= last:
        day = dom
    else:
        return None
    date = dt.date(year, month, day)
    dow = template.day_of_week
    if dow != NOT_SPECIFIED:
        step = -1 if backwards else 1
        while date.isoweekday() != dow:
            date += dt.timedelta(days=step)
    hour = 0 if template.hour == NOT_SPECIFIED else template.hour
    minute = 0 if template.minute == NOT_SPECIFIED else template.minute
    second = 0 if template.second == NOT_SPECIFIED else template.second
    return dt.datetime(date.year, date.month, date.day, hour, minute, second)
