"""Typed A-XDR values of a plan: ``{type: long-unsigned, value: 5}`` -> :class:`TypedValue`.

Ranges follow IEC 62056-6-2 4.1.5 (Integer8 .. Unsigned64, float32/float64); visible-string
is ISO 646 (printable ASCII); a bit-string is written as its bits (``"1010"``); an
octet-string is hex, or ``ascii:`` text, or ``date_time:`` for the 12-octet date-time form;
date-time, date and time take ISO 8601 text.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from typing import Any

from conformance.plan._context import Ctx
from conformance.plan._issues import DocPath, show_number
from conformance.plan.cosem import INTEGER_RANGES, DataTag, TypedValue, data_type

__all__ = ["DATE_TIME_RANGE", "FLOAT_LIMITS", "build_value", "date_time_range_problem",
           "parse_datetime", "shape_signature"]

_FLOAT32_MAX = 3.4028234663852886e38
#: The largest finite value of each floating-point type (IEEE 754 binary32 / binary64).
FLOAT_LIMITS = {DataTag.FLOAT32: _FLOAT32_MAX, DataTag.FLOAT64: sys.float_info.max}
_ALTERNATIVES = ("value", "ascii", "date_time")


#: The date-times a plan may hold: Python's calendar (years 1 to 9999) less a year at each
#: end, so that the time zone and daylight saving shifts the reference meter applies (up to
#: the Clock's deviations) and a running clock stay within it.
DATE_TIME_RANGE = (dt.datetime(2, 1, 1), dt.datetime(9998, 12, 31, 23, 59, 59, 999999))


def date_time_range_problem(value: dt.datetime) -> str | None:
    """Why ``value`` is outside :data:`DATE_TIME_RANGE` (its wall clock part), or ``None``."""
    lo, hi = DATE_TIME_RANGE
    if lo <= value.replace(tzinfo=None) <= hi:
        return None
    return f"must lie between {lo.date()} and {hi.date()}, got {value.isoformat()}"


def parse_datetime(text: str) -> dt.datetime:
    """An ISO 8601 date and time (``ValueError`` names the problem)."""
    if "T" not in text and " " not in text.strip():
        raise ValueError(f"expected an ISO 8601 date and time like 2024-06-01T12:00:00, "
                         f"got {text!r}")
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected an ISO 8601 date and time like 2024-06-01T12:00:00, "
                         f"got {text!r}") from None


def shape_signature(value: TypedValue) -> Any:
    """The type tree of a value (used to check that compact-array elements agree)."""
    if value.type is DataTag.STRUCTURE and isinstance(value.value, tuple):
        return (value.type, tuple(shape_signature(v) for v in value.value))
    if value.type in (DataTag.ARRAY, DataTag.COMPACT_ARRAY) and isinstance(value.value, tuple):
        return (value.type, shape_signature(value.value[0]) if value.value else None)
    return value.type


def build_value(ctx: Ctx, data: dict[str, Any], path: DocPath) -> TypedValue | None:
    """A typed value mapping (``type`` plus one of ``value``/``ascii``/``date_time``)."""
    if "type" not in data:
        ctx.error(path, "missing required key 'type'")
        return None
    kind = data_type(data["type"])
    given = [k for k in _ALTERNATIVES if k in data]
    if kind is DataTag.NULL_DATA:
        if any(data.get(k) is not None for k in given):
            ctx.error(path, "null-data has no value")
        return TypedValue(type=kind)
    for key in ("ascii", "date_time"):
        if key in data and kind is not DataTag.OCTET_STRING:
            ctx.error((*path, key), f"{key} is only used with type octet-string")
            return None
    if len(given) != 1:
        ctx.error(path, f"{kind.type_name} needs exactly one of "
                        f"{', '.join(_ALTERNATIVES) if kind is DataTag.OCTET_STRING else 'value'}"
                        + (f" (got {' and '.join(given)})" if given else ""))
        return None
    key = given[0]
    raw = data[key]
    at = (*path, key)
    try:
        content = _content(ctx, kind, key, raw, at)
    except ValueError as exc:
        ctx.error(at, str(exc))
        return None
    if content is _FAILED:
        return None
    return TypedValue(type=kind, value=content)


_FAILED: Any = object()


def _date_time(text: str) -> dt.datetime:
    value = parse_datetime(text)
    problem = date_time_range_problem(value)
    if problem:
        raise ValueError(f"a date-time {problem}")
    return value


def _content(ctx: Ctx, kind: DataTag, key: str, raw: Any, at: DocPath) -> Any:
    if kind in INTEGER_RANGES:
        lo, hi = INTEGER_RANGES[kind]
        if not lo <= raw <= hi:
            raise ValueError(f"{show_number(raw)} is out of range for {kind.type_name} "
                             f"({lo}..{hi})")
        return raw
    if kind is DataTag.BOOLEAN:
        return raw
    if kind in (DataTag.FLOAT32, DataTag.FLOAT64):
        # An integer may exceed every float (float() would raise OverflowError); NaN and
        # the infinities are values of both types.
        if abs(raw) > FLOAT_LIMITS[kind] and raw not in (math.inf, -math.inf):
            raise ValueError(f"{show_number(raw)} is out of range for {kind.type_name}")
        return float(raw)
    if kind is DataTag.BIT_STRING:
        if any(ch not in "01" for ch in raw):
            raise ValueError(f"a bit-string is written as its bits (0 and 1), got {raw!r}")
        return raw
    if kind is DataTag.VISIBLE_STRING:
        if any(not " " <= ch <= "~" for ch in raw):
            raise ValueError("a visible-string holds printable ASCII characters only")
        return raw
    if kind is DataTag.UTF8_STRING:
        return raw
    if kind is DataTag.OCTET_STRING:
        if key == "ascii":
            if not raw.isascii():
                raise ValueError("ascii text must be ASCII")
            return raw.encode("ascii")
        if key == "date_time":
            return _date_time(raw)
        data = ctx.hexbytes(raw, at, what="octet-string")
        return _FAILED if data is None else data
    if kind is DataTag.DATE_TIME:
        return _date_time(raw)
    if kind is DataTag.DATE:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"expected an ISO 8601 date like 2024-06-01, got {raw!r}") from None
    if kind is DataTag.TIME:
        try:
            value_t = dt.time.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"expected an ISO 8601 time like 12:30:00, got {raw!r}") from None
        if value_t.tzinfo is not None:
            raise ValueError("a COSEM time has no time zone")
        return value_t
    # array, structure, compact-array
    items: list[TypedValue] = []
    ok = True
    for i, item in enumerate(raw):
        built = build_value(ctx, item, (*at, i))
        if built is None:
            ok = False
        else:
            items.append(built)
    if not ok:
        return _FAILED
    if kind is DataTag.COMPACT_ARRAY and items:
        first = shape_signature(items[0])
        for i, item in enumerate(items[1:], start=1):
            if shape_signature(item) != first:
                ctx.error((*at, i), "compact-array elements must all have the type of "
                                    "element 0")
                return _FAILED
    return tuple(items)
