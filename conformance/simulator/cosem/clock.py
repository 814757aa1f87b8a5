"""Clock, class_id 8, version 0 (Blue Book 4.5.1).

The meter time is ``base + offset``: ``base`` is the injected time source (a callable
returning an aware UTC ``datetime``; frozen at its first value when the clock does not
run), ``offset`` what SET ``time`` and the adjust methods changed. The clock never reads
the host's wall clock itself.

Local time is ``UTC - time_zone`` minutes, and ``daylight_savings_deviation`` minutes more
while daylight saving is active (``daylight_savings_enabled`` and the UTC instant between
``daylight_savings_begin``, a normal-time wall clock moment, and ``daylight_savings_end``,
a daylight-saving wall clock moment); the ``time`` attribute then carries the total
deviation and the clock status bit 0x80 (see :mod:`.timeutil` for the sign).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from conformance.codec.axdr import (
    Boolean,
    ClockStatus,
    Data,
    DataTag,
    DateTime,
    Enum,
    Integer,
    Long,
    OctetString,
    Structure,
    Unsigned,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.simulator.cosem.base import (
    ActionOutcome,
    AttributeDef,
    CosemObject,
    Fault,
    MethodDef,
    RequestContext,
    check_integer_zero,
    simple,
)
from conformance.simulator.cosem.timeutil import (
    UTC,
    date_time_octets,
    parse_date_time,
    resolve_yearly,
    to_instant,
)

__all__ = ["Clock", "TimeSource"]

TimeSource = Callable[[], dt.datetime]
"""Returns the current time as an aware UTC ``datetime``."""

_DST_ACTIVE = int(ClockStatus.DAYLIGHT_SAVING_ACTIVE)
_DATE_TIME = simple(DataTag.OCTET_STRING, 12)
# Blue Book 4.5.1 value ranges.
_TIME_ZONE_RANGE = range(-720, 721)
_DST_DEVIATION_RANGE = range(-120, 121)
_SHIFT_RANGE = range(-900, 901)
_CLOCK_BASES = range(0, 6)  # not defined, crystal, 50 Hz, 60 Hz, GPS, radio controlled
# An unspecified DST begin/end: last Sunday of March 02:00 / of October 03:00 (EU rule).
DST_BEGIN_EU = bytes.fromhex("FFFF03FE07020000008000FF")
DST_END_EU = bytes.fromhex("FFFF0AFE07030000008000FF")


class Clock(CosemObject):
    """The meter's clock."""

    CLASS_ID = 8
    VERSION = 0
    ATTRIBUTES = (
        *CosemObject.ATTRIBUTES,
        AttributeDef(index=2, name="time", shape=_DATE_TIME),
        AttributeDef(index=3, name="time_zone", shape=simple(DataTag.LONG)),
        AttributeDef(index=4, name="status", shape=simple(DataTag.UNSIGNED)),
        AttributeDef(index=5, name="daylight_savings_begin", shape=_DATE_TIME),
        AttributeDef(index=6, name="daylight_savings_end", shape=_DATE_TIME),
        AttributeDef(index=7, name="daylight_savings_deviation", shape=simple(DataTag.INTEGER)),
        AttributeDef(index=8, name="daylight_savings_enabled", shape=simple(DataTag.BOOLEAN)),
        AttributeDef(index=9, name="clock_base", shape=simple(DataTag.ENUM)),
    )
    METHODS = (
        MethodDef(index=1, name="adjust_to_quarter"),
        MethodDef(index=2, name="adjust_to_measuring_period"),
        MethodDef(index=3, name="adjust_to_minute"),
        MethodDef(index=4, name="adjust_to_preset_time"),
        MethodDef(index=5, name="preset_adjusting_time"),
        MethodDef(index=6, name="shift_time"),
    )

    def __init__(self, logical_name: ObisCode, *, time_source: TimeSource,
                 start: dt.datetime | None = None, running: bool = True, time_zone: int = 0,
                 status: int = 0, daylight_savings_begin: bytes = DST_BEGIN_EU,
                 daylight_savings_end: bytes = DST_END_EU,
                 daylight_savings_deviation: int = 60, daylight_savings_enabled: bool = False,
                 clock_base: int = 1, measuring_period: int = 900, **kw: Any) -> None:
        """``start``: the meter time at construction (aware: that instant; naive: a local
        wall clock time under the clock's own settings; ``None``: the time source's
        time). ``measuring_period`` (seconds) is what adjust_to_measuring_period rounds to.
        """
        super().__init__(logical_name, **kw)
        self._source = time_source
        t0 = self._source_now()
        self._t0 = t0
        self.running = running
        self.measuring_period = measuring_period
        self._store(3, Long(value=time_zone))
        self._store(4, Unsigned(value=status & ~_DST_ACTIVE))
        self._store(5, OctetString(value=daylight_savings_begin))
        self._store(6, OctetString(value=daylight_savings_end))
        self._store(7, Integer(value=daylight_savings_deviation))
        self._store(8, Boolean(value=daylight_savings_enabled))
        self._store(9, Enum(value=clock_base))
        self._dst_cache: dict[tuple[object, ...], tuple[dt.datetime, dt.datetime] | None] = {}
        self._offset = dt.timedelta(0)
        self._preset: tuple[dt.datetime, dt.datetime, dt.datetime] | None = None
        if start is not None:
            target = start.astimezone(UTC) if start.tzinfo else self.wall_to_utc(start)
            self._offset = target - t0

    # -- time -----------------------------------------------------------------------------
    def _source_now(self) -> dt.datetime:
        now = self._source()
        if now.tzinfo is None:
            raise ValueError("the clock's time source must return an aware UTC datetime")
        return now.astimezone(UTC)

    def now(self) -> dt.datetime:
        """The meter time as an aware UTC ``datetime``."""
        base = self._source_now() if self.running else self._t0
        return base + self._offset

    def _setting(self, index: int) -> int:
        value = self._values[index]
        return int(value.value)  # type: ignore[attr-defined]

    @property
    def time_zone(self) -> int:
        """Attribute 3: minutes local normal time is behind UTC."""
        return self._setting(3)

    def _dst_bounds(self, year: int) -> tuple[dt.datetime, dt.datetime] | None:
        """Daylight saving begin and end of ``year`` as naive UTC (``None``: no daylight
        saving that year); cached per year and settings (profile buffers ask per row)."""
        key = (year, *(self._values[i] for i in (3, 5, 6, 7, 8)))
        cached = self._dst_cache.get(key, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        bounds = None
        begin_t = parse_date_time(self._values[5])
        end_t = parse_date_time(self._values[6])
        if self._values[8].value and begin_t is not None and end_t is not None:  # type: ignore
            begin = resolve_yearly(begin_t, year)
            end = resolve_yearly(end_t, year)
            if begin is not None and end is not None:
                # begin is a normal-time wall clock moment, end a daylight-saving one.
                zone = dt.timedelta(minutes=self.time_zone)
                bounds = (begin + zone, end + zone - dt.timedelta(minutes=self._setting(7)))
        if len(self._dst_cache) > 64:
            self._dst_cache.clear()
        self._dst_cache[key] = bounds
        return bounds

    def _dst_window(self, utc: dt.datetime) -> bool:
        if not self._values[8].value:  # type: ignore[attr-defined]
            return False
        normal = utc - dt.timedelta(minutes=self.time_zone)
        bounds = self._dst_bounds(normal.year)
        if bounds is None:
            return False
        begin_utc, end_utc = bounds
        naive = utc.replace(tzinfo=None)
        if begin_utc <= end_utc:
            return begin_utc <= naive < end_utc
        return naive >= begin_utc or naive < end_utc  # southern hemisphere

    def deviation_at(self, utc: dt.datetime) -> int:
        """The total deviation (time zone and daylight saving) in force at ``utc``."""
        if self._dst_window(utc):
            return self.time_zone - self._setting(7)
        return self.time_zone

    def status_at(self, utc: dt.datetime) -> int:
        """The clock status at ``utc``: attribute 4 with the daylight saving bit."""
        return self._setting(4) | (_DST_ACTIVE if self._dst_window(utc) else 0)

    def wall_at(self, utc: dt.datetime) -> dt.datetime:
        """The naive local wall clock time at ``utc``."""
        return utc.replace(tzinfo=None) - dt.timedelta(minutes=self.deviation_at(utc))

    def wall_to_utc(self, wall: dt.datetime) -> dt.datetime:
        """The UTC instant of a naive local wall clock time (in the daylight saving hour
        that repeats, the daylight saving reading wins)."""
        dst = (wall + dt.timedelta(minutes=self.time_zone - self._setting(7))).replace(tzinfo=UTC)
        if self._dst_window(dst):
            return dst
        return (wall + dt.timedelta(minutes=self.time_zone)).replace(tzinfo=UTC)

    def date_time_octets(self, utc: dt.datetime) -> bytes:
        """The 12 date-time octets the clock shows at ``utc``."""
        dst = self._dst_window(utc)
        deviation = self.time_zone - (self._setting(7) if dst else 0)
        wall = utc.replace(tzinfo=None) - dt.timedelta(minutes=deviation)
        return date_time_octets(wall, deviation, self._setting(4) | (_DST_ACTIVE if dst else 0))

    def wall_octets(self, wall: dt.datetime) -> bytes:
        """The 12 date-time octets of a local wall clock time (profile capture times)."""
        return self.date_time_octets(self.wall_to_utc(wall))

    def date_time(self) -> DateTime:
        """The current meter time as a date-time."""
        return DateTime.from_bytes(self.date_time_octets(self.now()))

    def _shift(self, delta: dt.timedelta) -> None:
        self._offset += delta

    # -- attributes -----------------------------------------------------------------------
    def read(self, ctx: RequestContext, index: int,
             selection: SelectiveAccessDescriptor | None) -> Data | DataAccessResult:
        if selection is None and index == 2:
            return OctetString(value=self.date_time_octets(self.now()))
        if selection is None and index == 4:
            return Unsigned(value=self.status_at(self.now()))
        return super().read(ctx, index, selection)

    def write(self, ctx: RequestContext, index: int, selection: SelectiveAccessDescriptor | None,
              value: Data) -> DataAccessResult:
        if selection is not None:
            return DataAccessResult.OTHER_REASON
        if index == 2:
            return self._set_time(ctx, value)
        number = getattr(value, "value", None)
        if index == 3 and number not in _TIME_ZONE_RANGE:
            return DataAccessResult.OTHER_REASON
        if index in (5, 6) and parse_date_time(value) is None:
            return DataAccessResult.OTHER_REASON
        if index == 7 and number not in _DST_DEVIATION_RANGE:
            return DataAccessResult.OTHER_REASON
        if index == 9 and number not in _CLOCK_BASES:
            return DataAccessResult.OTHER_REASON
        if index == 4 and isinstance(number, int):
            # The daylight saving bit is the clock's to compute.
            value = Unsigned(value=number & ~_DST_ACTIVE)
        return super().write(ctx, index, selection, value)

    def _instant(self, value: Data) -> dt.datetime | None:
        parsed = parse_date_time(value)
        return None if parsed is None else to_instant(parsed, self.wall_to_utc)

    def _set_time(self, ctx: RequestContext, value: Data) -> DataAccessResult:
        target = self._instant(value)
        if target is None:
            return DataAccessResult.OTHER_REASON
        if Fault.CLOCK_IGNORES_SET in ctx.faults:
            return DataAccessResult.SUCCESS  # the fault: success, time unchanged
        self._shift(target - self.now())
        return DataAccessResult.SUCCESS

    # -- methods --------------------------------------------------------------------------
    def invoke(self, ctx: RequestContext, index: int, parameters: Data | None) -> ActionOutcome:
        if index in (1, 2, 3, 4):
            problem = check_integer_zero(parameters)
            if problem is not None:
                return problem, None
        if index == 1:
            return self._round(900), None
        if index == 2:
            return self._round(self.measuring_period), None
        if index == 3:
            return self._round(60), None
        if index == 4:
            return self._adjust_to_preset(), None
        if index == 5:
            return self._preset_adjusting_time(parameters), None
        if index == 6:
            if not isinstance(parameters, Long):
                return ActionResult.TYPE_UNMATCHED, None
            if parameters.value not in _SHIFT_RANGE:
                return ActionResult.OTHER_REASON, None
            self._shift(dt.timedelta(seconds=parameters.value))
            return ActionResult.SUCCESS, None
        return ActionResult.OBJECT_UNAVAILABLE, None

    def _round(self, period: int) -> ActionResult:
        """Set the clock to the nearest (+/-) multiple of ``period`` seconds of local
        time: adjust_to_quarter (900), _to_measuring_period, _to_minute (60)."""
        if period <= 0:
            return ActionResult.OTHER_REASON
        now = self.now()
        wall = self.wall_at(now)
        midnight = wall.replace(hour=0, minute=0, second=0, microsecond=0)
        elapsed = (wall - midnight) / dt.timedelta(microseconds=1)
        unit = period * 1_000_000
        rounded = (elapsed + unit // 2) // unit * unit
        self._shift(dt.timedelta(microseconds=rounded - elapsed))
        return ActionResult.SUCCESS

    def _preset_adjusting_time(self, parameters: Data | None) -> ActionResult:
        # data ::= structure { preset_time, validity_interval_start,
        #                      validity_interval_end } (octet-string date-times)
        if not (isinstance(parameters, Structure) and len(parameters.items) == 3
                and all(_DATE_TIME.matches(v) for v in parameters.items)):
            return ActionResult.TYPE_UNMATCHED
        preset, start, end = (self._instant(v) for v in parameters.items)
        if preset is None or start is None or end is None or start > end:
            return ActionResult.OTHER_REASON
        self._preset = (preset, start, end)
        return ActionResult.SUCCESS

    def _adjust_to_preset(self) -> ActionResult:
        if self._preset is None:
            return ActionResult.OTHER_REASON
        preset, start, end = self._preset
        now = self.now()
        if not start <= now <= end:
            return ActionResult.OTHER_REASON
        self._shift(preset - now)
        self._preset = None
        return ActionResult.SUCCESS
