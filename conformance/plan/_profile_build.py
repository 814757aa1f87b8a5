"""``profile:`` of a Profile Generic object -> :class:`ProfileSpec`, once every object is
known (each column's type is the type of the attribute it captures)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from conformance.plan._context import Ctx
from conformance.plan._issues import DocPath, show_number
from conformance.plan._values import DATE_TIME_RANGE, FLOAT_LIMITS, build_value
from conformance.plan.classes import CLASSES
from conformance.plan.cosem import (
    INTEGER_RANGES,
    CaptureObject,
    ColumnGenerator,
    CosemObject,
    DataTag,
    GeneratorKind,
    LogicalName,
    ProfileSpec,
    SortMethod,
    TypedValue,
)

__all__ = ["build_profile"]

_GENERATOR_KEYS = {
    GeneratorKind.CLOCK: set(),
    GeneratorKind.COUNTER: {"start", "step", "jitter"},
    GeneratorKind.GAUGE: {"minimum", "maximum"},
    GeneratorKind.CONSTANT: {"value"},
}
_COUNTER_TYPES = {t for t in INTEGER_RANGES if t not in (DataTag.ENUM, DataTag.BCD)}


def _column(ctx: Ctx, data: dict[str, Any], path: DocPath, rows: _Rows,
            objects: dict[LogicalName, CosemObject],
            refused: set[LogicalName]) -> CaptureObject | None:
    ln = ctx.logical_name(data["logical_name"], (*path, "logical_name"))
    if ln is None:
        return None
    class_id = data["class_id"]
    attribute = data.get("attribute", 2)
    data_index = data.get("data_index", 0)
    target = objects.get(ln)
    if target is None and ln in refused:
        return None  # the object's own mistake is reported
    if target is None:
        ctx.error((*path, "logical_name"), f"capture object {ln.dotted} is not among the meter's "
                                           "objects")
        return None
    if target.class_id != class_id:
        ctx.error((*path, "class_id"), f"object {ln.dotted} has class {target.class_id}, "
                                       f"not {class_id}")
        return None
    try:
        attr = target.attribute(attribute)
    except KeyError:
        ctx.error((*path, "attribute"), f"object {ln.dotted} has no attribute {attribute}")
        return None
    is_clock = class_id == 8 and attribute == 2
    value: TypedValue | None = attr.value
    if is_clock:
        # Clock time: a date-time carried as octet-string(12) (Blue Book class 8).
        value = None
        column_type = DataTag.OCTET_STRING
        if data_index:
            ctx.error((*path, "data_index"), "the clock time is captured whole (data_index 0)")
            return None
    elif value is None:
        info = CLASSES.get(class_id)
        if attribute == 1 or (info is not None and attribute in info.derived):
            ctx.error((*path, "attribute"), f"attribute {attribute} of {ln.dotted} is derived "
                                            "by the meter: a profile cannot synthesise it")
        # else its value was refused (or left out): that mistake is reported already
        return None
    else:
        if data_index:
            items = value.value if isinstance(value.value, tuple) else ()
            if not 1 <= data_index <= len(items):
                ctx.error((*path, "data_index"), f"attribute {attribute} of {ln.dotted} has no "
                                                 f"element {data_index}")
                return None
            value = items[data_index - 1]
        column_type = value.type
    gen = _generator(ctx, data.get("generator"), (*path, "generator"), column_type, is_clock,
                     value, rows)
    if gen is None:
        return None
    return CaptureObject(class_id=class_id, logical_name=ln, attribute=attribute,
                         data_index=data_index, generator=gen, type=column_type)


def _generator(ctx: Ctx, data: dict[str, Any] | None, path: DocPath, column_type: DataTag,
               is_clock: bool, current: TypedValue | None,
               rows: _Rows) -> ColumnGenerator | None:
    if data is None:
        if is_clock:
            return ColumnGenerator(kind=GeneratorKind.CLOCK)
        ctx.error(path[:-1], "needs a generator (counter, gauge or constant)")
        return None
    kind = GeneratorKind(data["kind"])
    for key in data:
        if key != "kind" and key not in _GENERATOR_KEYS[kind]:
            ctx.error((*path, key), f"{key!r} is not used by a {kind.value} generator")
    name = column_type.type_name
    if kind is GeneratorKind.CLOCK:
        if not is_clock:
            ctx.error((*path, "kind"), "a clock generator only fills the clock's time "
                                       "(class 8, attribute 2)")
            return None
        return ColumnGenerator(kind=kind)
    if is_clock:
        ctx.error((*path, "kind"), "the clock's time column uses the clock generator")
        return None
    if kind is GeneratorKind.COUNTER:
        if column_type not in _COUNTER_TYPES:
            ctx.error((*path, "kind"), f"a counter needs an integer column, this one is {name}")
            return None
        start, step, jitter = data.get("start", 0), data.get("step", 0), data.get("jitter", 0)
        lo, hi = INTEGER_RANGES[column_type]
        # Row 0 is start plus its jitter, each later row adds step plus its jitter; the
        # meter serves every row it may hold (those at start and the captures made while
        # it runs).
        count = rows.most
        last = start + max(count - 1, 0) * step + count * jitter
        if not lo <= start <= hi:
            ctx.error((*path, "start"), f"{show_number(start)} is out of range for {name} "
                                        f"({lo}..{hi})")
            return None
        if last > hi:
            ctx.error(path, f"the counter may reach {show_number(last)} within {rows.words}, "
                            f"beyond the range of {name} (..{hi})")
            return None
        return ColumnGenerator(kind=kind, start=start, step=step, jitter=jitter)
    if kind is GeneratorKind.GAUGE:
        return _gauge(ctx, data, path, column_type)
    value = current
    if "value" in data:
        value = build_value(ctx, data["value"], (*path, "value"))
        if value is None:
            return None
        if value.type is not column_type:
            ctx.error((*path, "value"), f"the column is {name}, the value is "
                                        f"{value.type.type_name}")
            return None
    return ColumnGenerator(kind=kind, value=value)


def _gauge(ctx: Ctx, data: dict[str, Any], path: DocPath,
           column_type: DataTag) -> ColumnGenerator | None:
    lo_v, hi_v = data.get("minimum", 0), data.get("maximum", 0)
    name = column_type.type_name
    for key, value in (("minimum", lo_v), ("maximum", hi_v)):
        if isinstance(value, float) and not math.isfinite(value):
            ctx.error((*path, key), f"a gauge needs a finite {key}, got {value}")
            return None
    if lo_v > hi_v:
        ctx.error(path, f"minimum {show_number(lo_v)} is above maximum {show_number(hi_v)}")
        return None
    if column_type in INTEGER_RANGES:
        lo, hi = INTEGER_RANGES[column_type]
        # Whole numbers only (5.0 is read as 5); no float() of a long integer: it overflows.
        if not all(isinstance(v, int) or v.is_integer() for v in (lo_v, hi_v)):
            ctx.error(path, f"an {name} gauge needs whole minimum and maximum")
            return None
        if lo_v < lo or hi_v > hi:
            ctx.error(path, f"minimum..maximum must lie within {lo}..{hi} for {name}")
            return None
        return ColumnGenerator(kind=GeneratorKind.GAUGE, minimum=int(lo_v), maximum=int(hi_v))
    if column_type not in (DataTag.FLOAT32, DataTag.FLOAT64):
        ctx.error((*path, "kind"), f"a gauge needs a numeric column, this one is {name}")
        return None
    # Every drawn value lies within minimum..maximum (drawn as minimum + a fraction of
    # maximum - minimum): the bounds and their distance must fit the column's type.
    limit = FLOAT_LIMITS[column_type]
    if not -limit <= lo_v <= hi_v <= limit or not math.isfinite(float(hi_v) - float(lo_v)):
        ctx.error(path, f"minimum..maximum must lie within -{limit:g}..{limit:g} for {name}"
                        + ("" if column_type is DataTag.FLOAT32 else
                           ", at most that far apart"))
        return None
    return ColumnGenerator(kind=GeneratorKind.GAUGE, minimum=float(lo_v), maximum=float(hi_v))


@dataclass(frozen=True, slots=True)
class _Rows:
    """How many rows a profile may hold: ``start`` present at start, and up to ``entries``
    more captured while the meter runs (only when it has rows at start)."""

    start: int
    entries: int

    @property
    def most(self) -> int:
        return self.start + self.entries if self.start else 0

    @property
    def words(self) -> str:
        if not self.start:
            return "0 rows"
        return (f"{self.most} rows ({self.start} at start and up to {self.entries} captured "
                "while the meter runs)")


#: The oldest capture time a profile may have (the capture times are date-times of the
#: plan: :data:`~conformance.plan._values.DATE_TIME_RANGE`).
EARLIEST_CAPTURE = DATE_TIME_RANGE[0]


def _calendar(ctx: Ctx, path: DocPath, period: int, rows: int,
              clock: dt.datetime | None) -> None:
    """The oldest row lies ``rows - 1`` periods before the last period boundary not after
    the clock's time at start (:class:`~conformance.plan.profile.ProfileGenerator`): it
    must be a date-time the calendar holds."""
    start = (clock or dt.datetime.now()).replace(tzinfo=None)
    epoch = dt.datetime(1970, 1, 1)  # periods are aligned on it (plan.profile._floor)
    seconds = (start - epoch) // dt.timedelta(seconds=1)
    first = seconds - seconds % period - max(rows - 1, 0) * period
    if first >= (EARLIEST_CAPTURE - epoch) // dt.timedelta(seconds=1):
        return
    years = f"{(seconds - first) / (365.2425 * 86400):,.0f} years"
    when = "now" if clock is None else start.isoformat()
    if rows > 1:
        ctx.error((*path, "rows"), f"rows x capture_period reaches back before the calendar: "
                                   f"the oldest of {rows} rows captured every {period} s up "
                                   f"to the clock's time ({when}) would be {years} older, "
                                   f"before {EARLIEST_CAPTURE.date()}")
    else:
        ctx.error((*path, "capture_period"), f"capture_period reaches back before the "
                                             f"calendar: the last boundary of {period} s "
                                             f"periods (counted from 1970-01-01) before the "
                                             f"clock's time ({when}) is {years} earlier, "
                                             f"before {EARLIEST_CAPTURE.date()}")


def build_profile(ctx: Ctx, data: dict[str, Any], path: DocPath,
                  objects: dict[LogicalName, CosemObject], refused: set[LogicalName],
                  clock: dt.datetime | None) -> ProfileSpec | None:
    """The ``profile`` mapping of a class 7 object; ``refused``: objects whose mistakes are
    reported already; ``clock``: the meter's time at start (the plan's clock time;
    ``None``: now)."""
    rows = data["rows"]
    entries = data.get("profile_entries", max(rows, 1))
    if entries < rows:
        ctx.error((*path, "profile_entries"), f"the buffer holds {entries} entries, fewer "
                                              f"than rows ({rows})")
    _calendar(ctx, path, data["capture_period"], rows, clock)
    columns = []
    for j, cdata in enumerate(data["capture_objects"]):
        column = _column(ctx, cdata, (*path, "capture_objects", j), _Rows(rows, entries),
                         objects, refused)
        if column is not None:
            columns.append(column)
    if len(columns) != len(data["capture_objects"]):
        return None
    return ProfileSpec(capture_objects=tuple(columns), capture_period=data["capture_period"],
                       rows=rows, profile_entries=entries,
                       sort_method=SortMethod[data.get("sort_method", "fifo").upper()],
                       seed=data.get("seed", 0))
