"""Deterministic synthesis of Profile Generic buffers from a :class:`ProfileSpec`.

The reference meter serves these rows and the checks may recompute them, so both sides
agree without thousands of rows written in the plan. Row ``i`` (0 = oldest row present at
start) is captured at ``first + i * capture_period``, where the last start row falls on the
last period boundary not after the meter's start time. Rows beyond ``spec.rows`` continue
the same sequence (captures made while the meter runs).

Pseudo-random parts come from SHA-256 of ``"seed/column/row"``, so the values depend only
on the plan, never on the Python version or the order rows are asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from conformance.plan.cosem import (
    DataTag,
    GeneratorKind,
    ProfileSpec,
    TypedValue,
)

__all__ = ["ProfileGenerator"]


def _draw(seed: int, column: int, row: int) -> int:
    digest = hashlib.sha256(f"{seed}/{column}/{row}".encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big")


def _floor(moment: dt.datetime, period: int) -> dt.datetime:
    # Periods are aligned on the local wall clock (a 15-minute profile captures at :00,
    # :15, ...), counted from 1970-01-01 in the datetime's own (local) time.
    naive = moment.replace(tzinfo=None)
    seconds = int((naive - dt.datetime(1970, 1, 1)).total_seconds())
    floored = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds - seconds % period)
    return floored.replace(tzinfo=moment.tzinfo)


class ProfileGenerator:
    """Rows of one profile, for a meter started at ``start`` (its clock time)."""

    def __init__(self, spec: ProfileSpec, start: dt.datetime) -> None:
        self.spec = spec
        period = dt.timedelta(seconds=spec.capture_period)
        self.first = _floor(start, spec.capture_period) - period * max(spec.rows - 1, 0)
        self._counters: dict[int, list[int]] = {}

    def time(self, row: int) -> dt.datetime:
        """Capture time of row ``row``."""
        return self.first + dt.timedelta(seconds=self.spec.capture_period * row)

    def _counter(self, column: int, row: int) -> int:
        gen = self.spec.capture_objects[column].generator
        values = self._counters.setdefault(column, [])
        while len(values) <= row:
            i = len(values)
            base = values[-1] + gen.step if values else gen.start
            extra = _draw(self.spec.seed, column, i) % (gen.jitter + 1) if gen.jitter else 0
            # The first row is the start value plus its jitter; each later row adds step.
            values.append(base + extra)
        return values[row]

    def value(self, column: int, row: int) -> TypedValue:
        """The value of ``column`` in row ``row``."""
        col = self.spec.capture_objects[column]
        gen = col.generator
        if gen.kind is GeneratorKind.CLOCK:
            return TypedValue(type=DataTag.OCTET_STRING, value=self.time(row))
        if gen.kind is GeneratorKind.COUNTER:
            return TypedValue(type=col.type, value=self._counter(column, row))
        if gen.kind is GeneratorKind.GAUGE:
            draw = _draw(self.spec.seed, column, row)
            if col.type in (DataTag.FLOAT32, DataTag.FLOAT64):
                span = float(gen.maximum) - float(gen.minimum)
                return TypedValue(type=col.type,
                                  value=float(gen.minimum) + span * (draw / 2.0**64))
            lo, hi = int(gen.minimum), int(gen.maximum)
            return TypedValue(type=col.type, value=lo + draw % (hi - lo + 1))
        if gen.value is None:  # pragma: no cover - the loader always resolves it
            raise ValueError("constant generator without a value")
        return gen.value

    def row(self, row: int) -> tuple[TypedValue, ...]:
        """One row: a value per capture object."""
        return tuple(self.value(c, row) for c in range(len(self.spec.capture_objects)))

    def rows(self, start: int = 0, stop: int | None = None) -> list[tuple[TypedValue, ...]]:
        """Rows ``start .. stop-1`` (default: the rows present at start)."""
        end = self.spec.rows if stop is None else stop
        return [self.row(i) for i in range(start, end)]
