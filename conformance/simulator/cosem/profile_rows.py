"""A synthetic Profile generic buffer from a plan's :class:`~conformance.plan.ProfileSpec`:
the rows of :class:`conformance.plan.ProfileGenerator` (so the checks can recompute what
the meter serves) as ``Data``, computed on demand.

The rows present at start end at the last capture period boundary not after the meter's
start time. While the meter's clock runs, one more row exists at each further boundary
(the captures the meter would have made), at most ``profile_entries`` more than at start;
a plan with no rows at start does not grow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from conformance.codec.axdr import Data, OctetString
from conformance.plan.cosem import GeneratorKind, ProfileSpec
from conformance.plan.profile import ProfileGenerator
from conformance.simulator.cosem.values import DateTimeOctets, naive_date_time, to_data

__all__ = ["SyntheticRows"]


class SyntheticRows:
    """Rows of a synthesised buffer (implements :class:`.profile.RowSource`)."""

    def __init__(self, spec: ProfileSpec, *, start: dt.datetime,
                 date_time: DateTimeOctets = naive_date_time,
                 now: Callable[[], dt.datetime] | None = None) -> None:
        """``start``: the meter's local wall clock time at start (naive); ``date_time``:
        the octets of a capture time; ``now``: the meter's current local wall clock time
        (``None``: the buffer does not grow)."""
        self.spec = spec
        self.generator = ProfileGenerator(spec, start)
        self._now = now
        self._count = spec.rows
        self._limit = spec.rows + spec.profile_entries
        self._columns: list[Callable[[int], Data]] = [
            self._column(c, date_time) for c in range(len(spec.capture_objects))]

    def _column(self, column: int, date_time: DateTimeOctets) -> Callable[[int], Data]:
        generator = self.generator
        kind = self.spec.capture_objects[column].generator.kind
        if kind is GeneratorKind.CLOCK:
            return lambda row: OctetString(value=date_time(generator.time(row)))
        if kind is GeneratorKind.CONSTANT:
            constant = to_data(generator.value(column, 0), date_time)
            return lambda row: constant
        return lambda row: to_data(generator.value(column, row), date_time)

    def available(self) -> int:
        """Rows existing now."""
        if self._now is not None and self.spec.rows > 0 and self._count < self._limit:
            last = self.generator.time(self.spec.rows - 1)
            elapsed = (self._now() - last) // dt.timedelta(seconds=self.spec.capture_period)
            self._count = min(self._limit, max(self._count, self.spec.rows + elapsed))
        return self._count

    def row(self, index: int) -> tuple[Data, ...]:
        """Row ``index`` (0 = the oldest)."""
        return tuple(column(index) for column in self._columns)

    def cell(self, index: int, column: int) -> Data:
        """Column ``column`` of row ``index``."""
        return self._columns[column](index)
