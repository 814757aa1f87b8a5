"""Profile generic (class 7) over a synthetic buffer of 10 000 rows: attributes, whole
buffer, entry and range selection with their edge cases, lifo, capture, reset, growth
with the clock, and changes of the buffer definition."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import (
    Array,
    Data,
    DoubleLongUnsigned,
    Enum,
    Integer,
    Long,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Unsigned,
    encode_data,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.codec.xdlms.get import GetRequestNormal
from conformance.codec.xdlms.selective import (
    CaptureObjectDefinition,
    EntryDescriptor,
    RangeDescriptor,
)
from conformance.plan.cosem import (
    CaptureObject,
    ColumnGenerator,
    DataTag,
    GeneratorKind,
    LogicalName,
    ProfileSpec,
    SortMethod,
    TypedValue,
)
from conformance.simulator.cosem import (
    Clock,
    DataObject,
    LogicalDevice,
    ProfileGeneric,
    Register,
    SyntheticRows,
)
from conformance.simulator.cosem.base import Shape
from tests.simulator.cosem_support import RW, T0, FakeTime, attr, ctx, ln, meth, rights
from tests.vectors import hexbytes, vector

D = DataAccessResult
A = ActionResult
PG = "1.0.99.1.0.255"
ROWS = 10_000
PERIOD = 900
CLOCK_COLUMN = CaptureObjectDefinition(class_id=8, logical_name=ln("0.0.1.0.0.255"),
                                       attribute_index=2)
ZERO = Integer(value=0)
"""data ::= integer (0) of reset and capture."""
ENERGY_COLUMN = CaptureObjectDefinition(class_id=3, logical_name=ln("1.0.1.8.0.255"),
                                        attribute_index=2)


def _column(class_id: int, name: str, gen: ColumnGenerator, kind: DataTag) -> CaptureObject:
    return CaptureObject(class_id=class_id, logical_name=LogicalName.parse(name), attribute=2,
                         generator=gen, type=kind)


def spec(rows: int = ROWS, entries: int = ROWS, sort: SortMethod = SortMethod.FIFO
         ) -> ProfileSpec:
    return ProfileSpec(capture_objects=(
        _column(8, "0.0.1.0.0.255", ColumnGenerator(kind=GeneratorKind.CLOCK),
                DataTag.OCTET_STRING),
        _column(3, "1.0.1.8.0.255", ColumnGenerator(kind=GeneratorKind.COUNTER, start=1000,
                                                    step=10), DataTag.DOUBLE_LONG_UNSIGNED),
        _column(3, "1.0.32.7.0.255", ColumnGenerator(kind=GeneratorKind.GAUGE, minimum=2250,
                                                     maximum=2450), DataTag.LONG_UNSIGNED),
        _column(1, "0.0.96.10.1.255", ColumnGenerator(
            kind=GeneratorKind.CONSTANT, value=TypedValue(type=DataTag.UNSIGNED, value=7)),
            DataTag.UNSIGNED),
    ), capture_period=PERIOD, rows=rows, profile_entries=entries, sort_method=sort, seed=1)


class Counting:
    """A RowSource wrapper counting what the profile asks for."""

    def __init__(self, inner: SyntheticRows) -> None:
        self.inner = inner
        self.rows = 0
        self.cells = 0

    def available(self) -> int:
        return self.inner.available()

    def row(self, index: int) -> tuple[Data, ...]:
        self.rows += 1
        return self.inner.row(index)

    def cell(self, index: int, column: int) -> Data:
        self.cells += 1
        return self.inner.cell(index, column)


class Meter:
    def __init__(self, *, rows: int = ROWS, entries: int = ROWS,
                 sort: SortMethod = SortMethod.FIFO, start: dt.datetime = T0) -> None:
        self.time = FakeTime(start)
        self.clock = Clock(ln("0.0.1.0.0.255"), time_source=self.time,
                           access={"m": rights(9, RW, 6)})
        the_spec = spec(rows, entries, sort)
        clock = self.clock
        self.source = Counting(SyntheticRows(
            the_spec, start=clock.wall_at(clock.now()), date_time=clock.wall_octets,
            now=lambda: clock.wall_at(clock.now())))
        columns = [CaptureObjectDefinition(
            class_id=c.class_id, logical_name=ObisCode.from_bytes(c.logical_name.to_bytes()),
            attribute_index=2) for c in the_spec.capture_objects]
        self.profile = ProfileGeneric(
            ln(PG), capture_objects=columns, capture_period=PERIOD, profile_entries=entries,
            sort_method=int(sort), rows=self.source, wall_to_utc=clock.wall_to_utc,
            access={"m": rights(8, RW, 2)})
        self.device = LogicalDevice([
            self.clock, self.profile,
            Register(ln("1.0.1.8.0.255"), value=DoubleLongUnsigned(value=424242),
                     scaler_unit=Structure(items=(ZERO, Enum(value=30)))),
            DataObject(ln("0.0.96.10.1.255"), value=Unsigned(value=9)),
        ])

    def get(self, index: int = 2, selection: SelectiveAccessDescriptor | None = None) -> Any:
        return self.device.get(ctx("m"), attr(7, PG, index), selection)

    def entries(self, *args: int) -> Any:
        return self.get(2, EntryDescriptor(*args[:0], **dict(zip(
            ("from_entry", "to_entry", "from_selected_value", "to_selected_value"),
            args, strict=False))).to_selective_access())

    def range(self, low: Data, high: Data, restricting: CaptureObjectDefinition = CLOCK_COLUMN,
              selected: tuple[CaptureObjectDefinition, ...] = ()) -> Any:
        return self.get(2, RangeDescriptor(restricting_object=restricting, from_value=low,
                                           to_value=high, selected_values=selected)
                        .to_selective_access())


def at(row: int, start: dt.datetime = T0, rows: int = ROWS) -> dt.datetime:
    """Capture instant of row ``row``."""
    return start + dt.timedelta(seconds=PERIOD * (row - rows + 1))


def stamp(moment: dt.datetime, deviation: int = 0) -> OctetString:
    """Date-time octets of ``moment`` shown at ``deviation``."""
    local = moment.replace(tzinfo=None) - dt.timedelta(minutes=deviation)
    return OctetString(value=local.year.to_bytes(2, "big") + bytes((
        local.month, local.day, local.isoweekday(), local.hour, local.minute, local.second, 0))
        + deviation.to_bytes(2, "big", signed=True) + b"\x00")


def clock_values(buffer: Array) -> list[dt.datetime]:
    out = []
    for row in buffer.items:
        assert isinstance(row, Structure)
        value = row.items[0]
        assert isinstance(value, OctetString)
        raw = value.value
        out.append(dt.datetime(int.from_bytes(raw[:2], "big"), raw[2], raw[3], raw[5], raw[6],
                               raw[7], tzinfo=dt.UTC))
    return out


@pytest.fixture(scope="module")
def meter() -> Meter:
    return Meter()


# -- attributes ---------------------------------------------------------------------------
def test_attributes_have_their_types(meter: Meter) -> None:
    objects = meter.get(3)
    assert isinstance(objects, Array) and len(objects.items) == 4
    assert encode_data(objects.items[0]) == bytes.fromhex(
        "0204" "120008" "09060000010000FF" "0F02" "120000")
    assert meter.get(4) == DoubleLongUnsigned(value=PERIOD)
    assert meter.get(5) == Enum(value=1)
    assert encode_data(meter.get(6)) == bytes.fromhex("0204120000090600000000000" "00F00120000")
    assert meter.get(7) == DoubleLongUnsigned(value=ROWS)
    assert meter.get(8) == DoubleLongUnsigned(value=ROWS)
    for index in range(2, 9):
        assert meter.profile.shape(index).matches(meter.get(index)), index


def test_whole_buffer(meter: Meter) -> None:
    buffer = meter.get()
    assert isinstance(buffer, Array) and len(buffer.items) == ROWS
    times = clock_values(buffer)
    assert times[0] == at(0) and times[-1] == T0
    assert all(b - a == dt.timedelta(seconds=PERIOD) for a, b in itertools.pairwise(times))
    first, last = buffer.items[0], buffer.items[-1]
    assert isinstance(first, Structure) and isinstance(last, Structure)
    assert first.items[1:] [::2] == (DoubleLongUnsigned(value=1000), Unsigned(value=7))
    assert last.items[1] == DoubleLongUnsigned(value=1000 + 10 * (ROWS - 1))
    assert all(2250 <= row.items[2].value <= 2450 for row in buffer.items)  # type: ignore
    assert Shape.of(first) == Shape.of(last)
    encoded = encode_data(buffer)
    assert encoded.startswith(bytes.fromhex("01822710" "0204" "090C") + stamp(at(0)).value)


# -- entry_descriptor ---------------------------------------------------------------------
def test_entry_selection_last_rows_touches_only_them() -> None:
    m = Meter()
    got = m.entries(ROWS - 9, 0, 1, 0)
    assert isinstance(got, Array) and len(got.items) == 10
    assert clock_values(got) == [at(i) for i in range(ROWS - 10, ROWS)]
    assert m.source.rows == 10


@pytest.mark.parametrize("args, count, first", [
    ((1, 0, 1, 0), ROWS, 0), ((1, 1, 1, 0), 1, 0), ((5, 5, 1, 0), 1, 4),
    ((9_999, 20_000, 1, 0), 2, 9_998), ((ROWS, 0, 1, 0), 1, ROWS - 1),
    ((ROWS + 1, 0, 1, 0), 0, None), ((20_000, 30_000, 1, 0), 0, None),
    ((5, 3, 1, 0), 0, None),
])
def test_entry_ranges(meter: Meter, args: tuple[int, ...], count: int, first: int | None
                      ) -> None:
    got = meter.entries(*args)
    assert isinstance(got, Array) and len(got.items) == count
    if first is not None:
        assert clock_values(got)[0] == at(first)


@pytest.mark.parametrize("columns, expected", [
    ((1, 0), (0, 1, 2, 3)), ((2, 3), (1, 2)), ((2, 0), (1, 2, 3)), ((4, 4), (3,)),
    ((1, 1), (0,))])
def test_entry_column_selection(meter: Meter, columns: tuple[int, int],
                                expected: tuple[int, ...]) -> None:
    whole = meter.entries(3, 4, 1, 0)
    got = meter.entries(3, 4, *columns)
    assert isinstance(got, Array) and len(got.items) == 2
    for full, part in zip(whole.items, got.items, strict=True):
        assert part.items == tuple(full.items[i] for i in expected)


@pytest.mark.parametrize("args", [
    (0, 10, 1, 0), (1, 10, 0, 0), (1, 10, 5, 0), (1, 10, 3, 2), (1, 10, 1, 5)])
def test_entry_selection_refusals(meter: Meter, args: tuple[int, ...]) -> None:
    assert meter.entries(*args) is D.OTHER_REASON


@pytest.mark.parametrize("parameters", [
    Structure(items=(DoubleLongUnsigned(value=1), DoubleLongUnsigned(value=0),
                     LongUnsigned(value=1))),
    Structure(items=(LongUnsigned(value=1), DoubleLongUnsigned(value=0), LongUnsigned(value=1),
                     LongUnsigned(value=0))),
    NullData()])
def test_entry_selection_of_the_wrong_shape(meter: Meter, parameters: Data) -> None:
    selection = SelectiveAccessDescriptor(access_selector=2, access_parameters=parameters)
    assert meter.get(2, selection) is D.TYPE_UNMATCHED


def test_unknown_selector(meter: Meter) -> None:
    for selector in (0, 3, 4, 255):
        selection = SelectiveAccessDescriptor(access_selector=selector,
                                              access_parameters=NullData())
        assert meter.get(2, selection) is D.OTHER_REASON
    # selective access on another attribute
    selection = EntryDescriptor().to_selective_access()
    assert meter.get(3, selection) is D.OTHER_REASON


# -- range_descriptor ---------------------------------------------------------------------
def test_range_on_the_clock_uses_a_binary_search() -> None:
    m = Meter()
    got = m.range(stamp(at(100)), stamp(at(109)))
    assert clock_values(got) == [at(i) for i in range(100, 110)]
    assert m.source.cells < 60  # two binary searches over 10 000 rows
    assert m.source.rows == 10


@pytest.mark.parametrize("low, high, first, count", [
    (at(100) + dt.timedelta(seconds=1), at(102), 101, 2),
    (at(100), at(100), 100, 1),
    (at(0) - dt.timedelta(days=400), at(0), 0, 1),
    (at(0) - dt.timedelta(days=1), T0 + dt.timedelta(days=1), 0, ROWS),
    (at(5), at(4), None, 0),
    (at(0) - dt.timedelta(days=2), at(0) - dt.timedelta(days=1), None, 0),
    (T0 + dt.timedelta(seconds=1), T0 + dt.timedelta(days=1), None, 0),
    (at(50) + dt.timedelta(seconds=1), at(51) - dt.timedelta(seconds=1), None, 0),
])
def test_range_edges(meter: Meter, low: dt.datetime, high: dt.datetime, first: int | None,
                     count: int) -> None:
    got = meter.range(stamp(low), stamp(high))
    assert isinstance(got, Array) and len(got.items) == count
    if first is not None:
        assert clock_values(got)[0] == at(first)


def test_range_values_with_a_deviation_or_none(meter: Meter) -> None:
    cet = meter.range(stamp(at(100), -60), stamp(at(103), -60))
    assert clock_values(cet) == [at(i) for i in range(100, 104)]
    unspecified = OctetString(value=stamp(at(100)).value[:9] + b"\x80\x00\x00")
    also = meter.range(unspecified, stamp(at(101)))
    assert clock_values(also) == [at(100), at(101)]


def test_range_selected_values_and_refusals(meter: Meter) -> None:
    got = meter.range(stamp(at(7)), stamp(at(8)), selected=(ENERGY_COLUMN, CLOCK_COLUMN))
    assert [row.items for row in got.items] == [
        (DoubleLongUnsigned(value=1070), stamp(at(7))),
        (DoubleLongUnsigned(value=1080), stamp(at(8)))]
    stranger = CaptureObjectDefinition(class_id=3, logical_name=ln("1.0.2.8.0.255"),
                                       attribute_index=2)
    assert meter.range(stamp(at(7)), stamp(at(8)), selected=(stranger,)) is D.OTHER_REASON
    assert meter.range(stamp(at(7)), stamp(at(8)), restricting=stranger) is D.OTHER_REASON
    assert meter.range(Unsigned(value=1), stamp(at(8))) is D.OTHER_REASON
    bad_date = OctetString(value=bytes.fromhex("FFFF0601FF0B000000000000"))
    assert meter.range(bad_date, stamp(at(8))) is D.OTHER_REASON
    selection = SelectiveAccessDescriptor(access_selector=1, access_parameters=Structure(
        items=(CLOCK_COLUMN.to_data(), stamp(at(7)), stamp(at(8)))))
    assert meter.get(2, selection) is D.TYPE_UNMATCHED


def test_range_on_a_numeric_column(meter: Meter) -> None:
    got = meter.range(DoubleLongUnsigned(value=1500), DoubleLongUnsigned(value=1520),
                      restricting=ENERGY_COLUMN)
    assert clock_values(got) == [at(50), at(51), at(52)]


def test_range_vector_from_the_shared_file() -> None:
    """Vector get-request-selective-access-range: 2017-10-01 00:00 to 01:00 at deviation
    -60 (23:00 to 00:00 UTC), all columns."""
    request = decode_apdu(hexbytes(vector("get-request-selective-access-range")["hex"]))
    assert isinstance(request, GetRequestNormal)
    start = dt.datetime(2017, 10, 1, 2, 0, tzinfo=dt.UTC)
    m = Meter(rows=20, entries=20, start=start)
    got = m.device.get(ctx("m"), request.cosem_attribute_descriptor, request.access_selection)
    assert isinstance(got, Array)
    assert clock_values(got) == [dt.datetime(2017, 9, 30, 23, 0, tzinfo=dt.UTC)
                                 + dt.timedelta(minutes=15 * i) for i in range(5)]


# -- sort method, capture, reset, growth ----------------------------------------------------
def test_lifo_puts_the_newest_first() -> None:
    m = Meter(rows=100, entries=100, sort=SortMethod.LIFO)
    assert m.get(5) == Enum(value=2)
    assert clock_values(m.entries(1, 2, 1, 1)) == [at(99, rows=100), at(98, rows=100)]
    assert clock_values(m.range(stamp(at(10, rows=100)), stamp(at(12, rows=100)))) == [
        at(12, rows=100), at(11, rows=100), at(10, rows=100)]


def test_capture_appends_current_values_and_drops_the_oldest() -> None:
    m = Meter(rows=100, entries=100)
    m.time.advance(60)
    assert m.device.action(ctx("m"), meth(7, PG, 2), ZERO) == (A.SUCCESS, None)
    assert m.get(7) == DoubleLongUnsigned(value=100)
    rows = m.get()
    assert clock_values(rows)[0] == at(1, rows=100)
    assert rows.items[-1].items == (stamp(T0 + dt.timedelta(seconds=60)),
                                    DoubleLongUnsigned(value=424242), NullData(),
                                    Unsigned(value=9))
    # the capture stops the synthetic growth
    m.time.advance(PERIOD * 5)
    assert m.get(7) == DoubleLongUnsigned(value=100)
    got = m.range(stamp(T0), stamp(T0 + dt.timedelta(seconds=60)))
    assert len(got.items) == 2


def test_capture_after_the_clock_went_back_still_selects_correctly() -> None:
    m = Meter(rows=10, entries=20)
    assert m.device.action(ctx("m"), meth(8, "0.0.1.0.0.255", 6), Long(value=900)) \
        == (A.SUCCESS, None)
    m.device.action(ctx("m"), meth(7, PG, 2), ZERO)
    assert m.device.set(ctx("m"), attr(8, "0.0.1.0.0.255", 2), None,
                        stamp(at(3, rows=10))) is D.SUCCESS
    m.device.action(ctx("m"), meth(7, PG, 2), ZERO)
    # 10 rows, one more as the shifted clock passed a boundary, then two captures
    assert m.get(7) == DoubleLongUnsigned(value=13)
    got = m.range(stamp(at(3, rows=10)), stamp(at(3, rows=10)))
    assert clock_values(got) == [at(3, rows=10), at(3, rows=10)]


def test_reset_empties_the_buffer() -> None:
    m = Meter(rows=50, entries=50)
    assert m.device.action(ctx("m"), meth(7, PG, 1), Unsigned(value=0)) \
        == (A.TYPE_UNMATCHED, None)
    assert m.get(7) == DoubleLongUnsigned(value=50)
    assert m.device.action(ctx("m"), meth(7, PG, 1), ZERO) == (A.SUCCESS, None)
    assert m.get(7) == DoubleLongUnsigned(value=0)
    assert m.get() == Array()
    assert m.entries(1, 0, 1, 0) == Array()
    assert m.range(stamp(at(0, rows=50)), stamp(T0)) == Array()
    m.time.advance(PERIOD * 3)
    assert m.get(7) == DoubleLongUnsigned(value=0)
    m.device.action(ctx("m"), meth(7, PG, 2), ZERO)
    assert m.get(7) == DoubleLongUnsigned(value=1)


def test_the_buffer_grows_with_the_running_clock() -> None:
    m = Meter(rows=100, entries=103)
    m.time.advance(PERIOD * 2 - 1)
    assert m.get(7) == DoubleLongUnsigned(value=101)
    m.time.advance(1)
    assert m.get(7) == DoubleLongUnsigned(value=102)
    m.time.advance(PERIOD * 50)
    assert m.get(7) == DoubleLongUnsigned(value=103)
    assert clock_values(m.entries(103, 0, 1, 1)) == [T0 + dt.timedelta(seconds=PERIOD * 52)]
    assert clock_values(m.entries(1, 1, 1, 1)) == [at(49, rows=100)]


def test_changing_the_definition_clears_the_buffer() -> None:
    m = Meter(rows=20, entries=20)
    assert m.device.set(ctx("m"), attr(7, PG, 4), None, DoubleLongUnsigned(value=60)) \
        is D.SUCCESS
    assert m.get(7) == DoubleLongUnsigned(value=20)
    assert m.device.set(ctx("m"), attr(7, PG, 5), None, Enum(value=3)) is D.OTHER_REASON
    assert m.device.set(ctx("m"), attr(7, PG, 5), None, Enum(value=2)) is D.SUCCESS
    assert m.get(7) == DoubleLongUnsigned(value=0)
    m.device.action(ctx("m"), meth(7, PG, 2), ZERO)
    assert m.device.set(ctx("m"), attr(7, PG, 3), None, Array(items=(
        ENERGY_COLUMN.to_data(),))) is D.SUCCESS
    assert m.get(7) == DoubleLongUnsigned(value=0)
    m.device.action(ctx("m"), meth(7, PG, 2), ZERO)
    assert m.get() == Array(items=(Structure(items=(DoubleLongUnsigned(value=424242),)),))
    assert m.device.set(ctx("m"), attr(7, PG, 8), None, DoubleLongUnsigned(value=5)) \
        is D.SUCCESS
    assert m.get(7) == DoubleLongUnsigned(value=0)
    assert m.device.set(ctx("m"), attr(7, PG, 7), None, DoubleLongUnsigned(value=5)) \
        is D.READ_WRITE_DENIED
    assert m.device.set(ctx("m"), attr(7, PG, 2), None, Array()) is D.READ_WRITE_DENIED
    assert m.device.set(ctx("m"), attr(7, PG, 3), None, Array(items=(Unsigned(value=1),))) \
        is D.TYPE_UNMATCHED
    assert m.device.set(ctx("m"), attr(7, PG, 6), None, ENERGY_COLUMN.to_data()) is D.SUCCESS
    assert m.get(6) == ENERGY_COLUMN.to_data()
