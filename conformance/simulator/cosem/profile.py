"""Profile generic, class_id 7, version 1 (Blue Book 4.3.6).

The buffer is a sequence of rows in capture order: first the rows of an optional
:class:`RowSource` (a deterministic generator: row ``i`` computed on demand, so 100 000
rows cost no memory), then the rows taken by the ``capture`` method. The oldest rows are
dropped when more than ``profile_entries`` are held. The buffer order (entry 1 first) is
the capture order for ``sort_method`` fifo (1) and its reverse for lifo (2); the other
sort methods (largest, smallest, nearest/farthest from zero) are not implemented and a SET
to them is refused with ``other-reason``.

Selective access on ``buffer`` (attribute 2), computed without materialising the buffer:

* selector 1 ``range_descriptor``: the rows whose restricting column lies in
  ``from_value .. to_value``; a date-time column (the Clock's ``time``) is compared as
  instants (a binary search while the capture times only grow), an integer column
  numerically; ``selected_values`` picks columns (empty: all).
* selector 2 ``entry_descriptor``: entries ``from_entry .. to_entry`` and columns
  ``from_selected_value .. to_selected_value``, counted from 1, 0 in ``to_*`` meaning the
  last one. Entries beyond ``entries_in_use`` are simply not there (an empty array when
  ``from_entry`` is beyond it); ``from_entry`` or ``from_selected_value`` 0, a column
  range beyond the capture objects or reversed columns are ``other-reason``.

Parameters of the wrong shape or type are ``type-unmatched``; a restricting object or a
selected value that is not a capture object is ``other-reason``. Changing
``capture_objects``, ``sort_method``, ``sort_object`` or ``profile_entries`` clears the
buffer; ``reset`` clears it; ``capture`` appends the current values of the capture objects
(null-data for one the logical device cannot read).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from conformance.codec.axdr import (
    Array,
    Data,
    DataTag,
    DoubleLongUnsigned,
    Enum,
    NullData,
    Structure,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.codec.xdlms.selective import (
    CaptureObjectDefinition,
    EntryDescriptor,
    RangeDescriptor,
    profile_generic_selection,
)
from conformance.errors import CodecError
from conformance.plan.cosem import AttributeAccess
from conformance.simulator.cosem.base import (
    ActionOutcome,
    AttributeDef,
    CosemObject,
    MethodDef,
    RequestContext,
    Shape,
    check_integer_zero,
    simple,
)
from conformance.simulator.cosem.profile_select import column_key, range_keys
from conformance.simulator.cosem.timeutil import UTC, WallToUtc

__all__ = ["FIFO", "LIFO", "ProfileGeneric", "RowSource"]

FIFO = 1
LIFO = 2
_DEFINITION = Shape(tag=DataTag.STRUCTURE, items=(
    simple(DataTag.LONG_UNSIGNED), simple(DataTag.OCTET_STRING, 6), simple(DataTag.INTEGER),
    simple(DataTag.LONG_UNSIGNED)))
_DLU = simple(DataTag.DOUBLE_LONG_UNSIGNED)
_NO_SORT_OBJECT = CaptureObjectDefinition(class_id=0, logical_name=ObisCode(
    a=0, b=0, c=0, d=0, e=0, f=0), attribute_index=0, data_index=0)
_NULL = NullData()
Row = tuple[Data, ...]


def _utc(wall: dt.datetime) -> dt.datetime:
    return wall.replace(tzinfo=UTC)


class RowSource(Protocol):
    """Rows computed on demand (a synthetic buffer), in capture order."""

    def available(self) -> int:
        """How many rows exist now (may grow as the meter time advances)."""

    def row(self, index: int) -> Row:
        """Row ``index`` (0 = the oldest): one value per capture object."""

    def cell(self, index: int, column: int) -> Data:
        """One value of row ``index``."""


class ProfileGeneric(CosemObject):
    """A load profile: a buffer of captured rows."""

    CLASS_ID = 7
    VERSION = 1
    ATTRIBUTES = (
        *CosemObject.ATTRIBUTES,
        AttributeDef(index=2, name="buffer", shape=simple(DataTag.ARRAY),
                     capability=AttributeAccess.READ_ONLY, selectors=(1, 2)),
        AttributeDef(index=3, name="capture_objects",
                     shape=Shape(tag=DataTag.ARRAY, element=_DEFINITION)),
        AttributeDef(index=4, name="capture_period", shape=_DLU),
        AttributeDef(index=5, name="sort_method", shape=simple(DataTag.ENUM)),
        AttributeDef(index=6, name="sort_object", shape=_DEFINITION),
        AttributeDef(index=7, name="entries_in_use", shape=_DLU,
                     capability=AttributeAccess.READ_ONLY),
        AttributeDef(index=8, name="profile_entries", shape=_DLU),
    )
    METHODS = (MethodDef(index=1, name="reset"), MethodDef(index=2, name="capture"))

    def __init__(self, logical_name: ObisCode, *,
                 capture_objects: Sequence[CaptureObjectDefinition], capture_period: int,
                 profile_entries: int, sort_method: int = FIFO,
                 sort_object: CaptureObjectDefinition | None = None,
                 rows: RowSource | None = None, wall_to_utc: WallToUtc | None = None,
                 **kw: Any) -> None:
        """``rows``: the synthetic rows present at start; ``wall_to_utc``: how the meter
        reads a date-time without deviation (the Clock's rules; default UTC)."""
        super().__init__(logical_name, **kw)
        if sort_method not in (FIFO, LIFO):
            raise ValueError(f"sort_method {sort_method} is not implemented (1 fifo, 2 lifo)")
        self.capture_objects = tuple(capture_objects)
        self.capture_period = capture_period
        self.profile_entries = profile_entries
        self.sort_method = sort_method
        self.sort_object = sort_object or _NO_SORT_OBJECT
        self._source = rows
        self._frozen: int | None = None  # source rows once the buffer was changed
        self._captured: list[Row] = []
        self._captured_offset = 0  # captured rows already dropped from the list
        self._dropped = 0  # rows (capture order) removed from the front
        self._monotonic = True  # capture times never went backwards
        self._wall_to_utc = wall_to_utc or _utc

    # -- the buffer in capture order ----------------------------------------------------
    def _source_count(self) -> int:
        if self._source is None:
            return 0
        if self._frozen is None:
            return self._source.available()
        return self._frozen

    def _bounds(self) -> tuple[int, int, int]:
        """(source rows, first absolute index in use, total rows ever)."""
        source = self._source_count()
        total = source + self._captured_offset + len(self._captured)
        first = max(self._dropped, total - self.profile_entries)
        return source, first, total

    @property
    def entries_in_use(self) -> int:
        """Attribute 7: rows in the buffer."""
        _, first, total = self._bounds()
        return total - first

    def _row(self, absolute: int, source: int) -> Row:
        if absolute < source:
            return self._source.row(absolute)  # type: ignore[union-attr]
        return self._captured[absolute - source - self._captured_offset]

    def _cell(self, absolute: int, source: int, column: int) -> Data:
        if absolute < source:
            return self._source.cell(absolute, column)  # type: ignore[union-attr]
        return self._captured[absolute - source - self._captured_offset][column]

    def _absolute(self, position: int, first: int, total: int) -> int:
        """Capture-order index of buffer position ``position`` (0-based)."""
        return first + position if self.sort_method == FIFO else total - 1 - position

    def rows(self, positions: Sequence[int], columns: Sequence[int] | None = None) -> Array:
        """The buffer entries at ``positions`` (0-based buffer order) as ``Data``,
        restricted to ``columns`` (indices into the capture objects; ``None``: all)."""
        source, first, total = self._bounds()
        make = Structure
        items = []
        for position in positions:
            row = self._row(self._absolute(position, first, total), source)
            items.append(make(items=row if columns is None else tuple(row[c] for c in columns)))
        return Array(items=tuple(items))

    def clear(self) -> None:
        """Empty the buffer (reset, or a change of its definition)."""
        self._source = None
        self._frozen = None
        self._captured = []
        self._captured_offset = 0
        self._dropped = 0
        self._monotonic = True

    def capture(self) -> None:
        """Method 2: append the current values of the capture objects."""
        source, first, total = self._bounds()
        self._frozen = source
        values = []
        for definition in self.capture_objects:
            value = None if self.device is None else self.device.internal_value(
                definition.class_id, definition.logical_name, definition.attribute_index,
                definition.data_index)
            values.append(_NULL if value is None else value)
        row = tuple(values)
        clock = self._clock_column()
        if clock is not None and total > first:
            previous = self._key(self._cell(total - 1, source, clock), True)
            current = self._key(row[clock], True)
            if previous is None or current is None or current < previous:
                self._monotonic = False
        self._captured.append(row)
        _, first, total = self._bounds()
        self._dropped = first
        trim = first - source - self._captured_offset
        if trim > 0:
            del self._captured[:trim]
            self._captured_offset += trim

    def _key(self, value: Data, clock_column: bool) -> Any:
        return column_key(value, clock_column=clock_column, wall_to_utc=self._wall_to_utc)

    def _clock_column(self) -> int | None:
        for i, c in enumerate(self.capture_objects):
            if c.class_id == 8 and c.attribute_index == 2 and c.data_index == 0:
                return i
        return None

    # -- attributes -----------------------------------------------------------------------
    def read(self, ctx: RequestContext, index: int,
             selection: SelectiveAccessDescriptor | None) -> Data | DataAccessResult:
        if index == 2:
            if selection is None:
                return self.rows(range(self.entries_in_use))
            return self._select(selection)
        if selection is not None:
            return super().read(ctx, index, selection)
        if index == 3:
            return Array(items=tuple(c.to_data() for c in self.capture_objects))
        if index == 4:
            return DoubleLongUnsigned(value=self.capture_period)
        if index == 5:
            return Enum(value=self.sort_method)
        if index == 6:
            return self.sort_object.to_data()
        if index == 7:
            return DoubleLongUnsigned(value=self.entries_in_use)
        if index == 8:
            return DoubleLongUnsigned(value=self.profile_entries)
        return super().read(ctx, index, selection)

    def write(self, ctx: RequestContext, index: int, selection: SelectiveAccessDescriptor | None,
              value: Data) -> DataAccessResult:
        if selection is not None or index in (1, 2, 7):
            return DataAccessResult.READ_WRITE_DENIED
        number = getattr(value, "value", None)
        if index == 3 and isinstance(value, Array):
            try:
                columns = tuple(CaptureObjectDefinition.from_data(c) for c in value.items)
            except CodecError:
                return DataAccessResult.OTHER_REASON
            self.capture_objects = columns
            self.clear()
        elif index == 4 and isinstance(number, int):
            self.capture_period = number
        elif index == 5 and isinstance(number, int):
            if number not in (FIFO, LIFO):  # 3-6 (sorted buffers) not implemented
                return DataAccessResult.OTHER_REASON
            self.sort_method = number
            self.clear()
        elif index == 6:
            try:
                self.sort_object = CaptureObjectDefinition.from_data(value)
            except CodecError:
                return DataAccessResult.OTHER_REASON
            self.clear()
        elif index == 8 and isinstance(number, int):
            self.profile_entries = number
            self.clear()
        else:
            return DataAccessResult.TYPE_UNMATCHED
        return DataAccessResult.SUCCESS

    # -- selective access -----------------------------------------------------------------
    def _select(self, selection: SelectiveAccessDescriptor) -> Data | DataAccessResult:
        if selection.access_selector not in (1, 2):
            return DataAccessResult.OTHER_REASON
        try:
            descriptor = profile_generic_selection(selection)
        except CodecError:
            return DataAccessResult.TYPE_UNMATCHED
        if isinstance(descriptor, EntryDescriptor):
            return self._select_entries(descriptor)
        return self._select_range(descriptor)

    def _column(self, definition: CaptureObjectDefinition) -> int | None:
        try:
            return self.capture_objects.index(definition)
        except ValueError:
            return None

    def _select_entries(self, d: EntryDescriptor) -> Data | DataAccessResult:
        n = self.entries_in_use
        width = len(self.capture_objects)
        if d.from_entry == 0 or d.from_selected_value == 0:
            return DataAccessResult.OTHER_REASON
        last_column = width if d.to_selected_value == 0 else d.to_selected_value
        if d.from_selected_value > last_column or last_column > width:
            return DataAccessResult.OTHER_REASON
        last = n if d.to_entry == 0 else min(d.to_entry, n)
        columns = None if (d.from_selected_value, last_column) == (1, width) \
            else range(d.from_selected_value - 1, last_column)
        return self.rows(range(d.from_entry - 1, last), columns)

    def _select_range(self, d: RangeDescriptor) -> Data | DataAccessResult:
        column = self._column(d.restricting_object)
        columns: list[int] | None = None
        if d.selected_values:
            columns = []
            for definition in d.selected_values:
                c = self._column(definition)
                if c is None:
                    return DataAccessResult.OTHER_REASON
                columns.append(c)
        if column is None:
            return DataAccessResult.OTHER_REASON
        is_clock = column == self._clock_column()
        keys = range_keys(d.from_value, d.to_value, clock_column=is_clock,
                          wall_to_utc=self._wall_to_utc)
        if keys is None:
            return DataAccessResult.OTHER_REASON
        low, high = keys
        source, first, total = self._bounds()

        def key(absolute: int) -> Any:
            return self._key(self._cell(absolute, source, column), is_clock)

        hits: Sequence[int]
        if is_clock and self._monotonic:
            hits = _bisect_range(key, first, total, low, high)
        else:
            hits = [a for a in range(first, total) if _between(key(a), low, high)]
        if self.sort_method == FIFO:
            positions = [a - first for a in hits]
        else:
            positions = [total - 1 - a for a in reversed(hits)]
        return self.rows(positions, columns)

    # -- methods --------------------------------------------------------------------------
    def invoke(self, ctx: RequestContext, index: int, parameters: Data | None) -> ActionOutcome:
        if index in (1, 2):
            problem = check_integer_zero(parameters)
            if problem is not None:
                return problem, None
            if index == 1:
                self.clear()
            else:
                self.capture()
            return ActionResult.SUCCESS, None
        return super().invoke(ctx, index, parameters)


def _between(value: Any, low: Any, high: Any) -> bool:
    return value is not None and low <= value <= high


def _bisect_range(key: Callable[[int], Any], first: int, total: int, low: Any, high: Any
                  ) -> range:
    """Capture-order indices in ``first .. total-1`` whose (non-decreasing) key lies in
    ``low .. high``, found by binary search."""
    start = bisect.bisect_left(range(first, total), low, key=key) + first
    stop = bisect.bisect_right(range(first, total), high, key=key) + first
    return range(start, max(start, stop))
