"""Hypothesis strategies shared by the test suite (import them for round-trip tests).

- :func:`data_values`: any ``Data`` value, nested arrays / structures / compact arrays
  included, bounded in depth and size so that a test stays fast.
- :func:`scalar_values`, :func:`simple_values_of`, :func:`date_times`, :func:`dates`, :func:`times`,
  :func:`type_descriptions`, :func:`compact_arrays`, :func:`values_of`.
- :func:`obis_codes`.

Floats are drawn without NaN (NaN != NaN would break ``decode(encode(x)) == x``).
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.codec.axdr import (
    DAYLIGHT_SAVINGS_BEGIN,
    DAYLIGHT_SAVINGS_END,
    LAST_DAY_OF_MONTH,
    NOT_SPECIFIED,
    SECOND_LAST_DAY_OF_MONTH,
    YEAR_NOT_SPECIFIED,
    Array,
    ArrayTypeDescription,
    Bcd,
    BitString,
    Boolean,
    ClockStatus,
    CompactArray,
    Data,
    DataTag,
    Date,
    DateTime,
    DontCare,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Float32,
    Float64,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    SimpleTypeDescription,
    Structure,
    StructureTypeDescription,
    Time,
    TypeDescription,
    Unsigned,
    Utf8String,
    VisibleString,
)
from conformance.codec.obis import ObisCode

__all__ = [
    "compact_arrays",
    "data_values",
    "date_times",
    "dates",
    "obis_codes",
    "scalar_values",
    "simple_values_of",
    "times",
    "type_descriptions",
    "values_of",
]

_INT_TYPES: dict[DataTag, tuple[type[Data], int, int]] = {
    DataTag.DOUBLE_LONG: (DoubleLong, -(2**31), 2**31 - 1),
    DataTag.DOUBLE_LONG_UNSIGNED: (DoubleLongUnsigned, 0, 2**32 - 1),
    DataTag.BCD: (Bcd, -128, 127),
    DataTag.INTEGER: (Integer, -128, 127),
    DataTag.LONG: (Long, -(2**15), 2**15 - 1),
    DataTag.UNSIGNED: (Unsigned, 0, 255),
    DataTag.LONG_UNSIGNED: (LongUnsigned, 0, 2**16 - 1),
    DataTag.LONG64: (Long64, -(2**63), 2**63 - 1),
    DataTag.LONG64_UNSIGNED: (Long64Unsigned, 0, 2**64 - 1),
    DataTag.ENUM: (Enum, 0, 255),
}


def _wild(values: st.SearchStrategy[int], *extra: int) -> st.SearchStrategy[int]:
    return st.one_of(values, st.sampled_from((NOT_SPECIFIED, *extra)))


def dates() -> st.SearchStrategy[Date]:
    """Dates with every wildcard and special value the standard allows."""
    return st.builds(
        Date,
        year=st.one_of(st.integers(0, 0xFFFE), st.just(YEAR_NOT_SPECIFIED)),
        month=_wild(st.integers(1, 12), DAYLIGHT_SAVINGS_END, DAYLIGHT_SAVINGS_BEGIN),
        day_of_month=_wild(st.integers(1, 31), SECOND_LAST_DAY_OF_MONTH, LAST_DAY_OF_MONTH),
        day_of_week=_wild(st.integers(1, 7)))


def times() -> st.SearchStrategy[Time]:
    """Times with wildcards."""
    return st.builds(Time, hour=_wild(st.integers(0, 23)), minute=_wild(st.integers(0, 59)),
                     second=_wild(st.integers(0, 59)), hundredths=_wild(st.integers(0, 99)))


def date_times() -> st.SearchStrategy[DateTime]:
    """Date-times with wildcards, any deviation and any clock status (or none)."""
    return st.builds(
        lambda d, t, dev, cs: DateTime(
            year=d.year, month=d.month, day_of_month=d.day_of_month,
            day_of_week=d.day_of_week, hour=t.hour, minute=t.minute, second=t.second,
            hundredths=t.hundredths, deviation=dev, clock_status=cs),
        dates(), times(), st.none() | st.integers(-720, 720),
        st.none() | st.integers(0, 0xFE).map(ClockStatus))


def simple_values_of(tag: DataTag) -> st.SearchStrategy[Data]:
    """Values of one simple (non-container) type."""
    if tag in _INT_TYPES:
        cls, lo, hi = _INT_TYPES[tag]
        return st.integers(lo, hi).map(lambda v: cls(value=v))  # type: ignore[call-arg]
    strategies: dict[DataTag, st.SearchStrategy[Data]] = {
        DataTag.NULL_DATA: st.just(NullData()),
        DataTag.DONT_CARE: st.just(DontCare()),
        DataTag.BOOLEAN: st.booleans().map(lambda v: Boolean(value=v)),
        DataTag.BIT_STRING: st.text("01", max_size=40).map(lambda v: BitString(value=v)),
        DataTag.OCTET_STRING: st.binary(max_size=24).map(lambda v: OctetString(value=v)),
        DataTag.VISIBLE_STRING: st.text(st.characters(max_codepoint=0x7F), max_size=24)
        .map(lambda v: VisibleString(value=v)),
        DataTag.UTF8_STRING: st.text(max_size=12).map(lambda v: Utf8String(value=v)),
        DataTag.FLOAT32: st.floats(width=32, allow_nan=False).map(lambda v: Float32(value=v)),
        DataTag.FLOAT64: st.floats(allow_nan=False).map(lambda v: Float64(value=v)),
        DataTag.DATE_TIME: date_times(),
        DataTag.DATE: dates(),
        DataTag.TIME: times(),
    }
    return strategies[tag]


_SIMPLE_TAGS = sorted(set(DataTag) - {DataTag.ARRAY, DataTag.STRUCTURE,
                                      DataTag.COMPACT_ARRAY})


def scalar_values() -> st.SearchStrategy[Data]:
    """A value of any simple (non-container) type."""
    return st.sampled_from(_SIMPLE_TAGS).flatmap(simple_values_of)


def type_descriptions(max_depth: int = 3) -> st.SearchStrategy[TypeDescription]:
    """Compact-array element descriptions (never empty: see ``CompactArray``), small
    enough that one element stays a handful of values."""
    simple = st.sampled_from(_SIMPLE_TAGS).map(lambda t: SimpleTypeDescription(tag=t))

    def extend(inner: st.SearchStrategy[TypeDescription]
               ) -> st.SearchStrategy[TypeDescription]:
        return st.one_of(
            st.builds(lambda n, td: ArrayTypeDescription(number_of_elements=n,
                                                         type_description=td),
                      st.integers(0, 3), inner),
            st.lists(inner, max_size=3).map(
                lambda ms: StructureTypeDescription(items=tuple(ms))))

    tree = st.recursive(simple, extend, max_leaves=6)
    if max_depth <= 1:
        tree = simple
    return tree.filter(lambda td: not td.is_empty and td.depth <= max_depth)


def values_of(td: TypeDescription) -> st.SearchStrategy[Data]:
    """Values matching the description ``td`` exactly."""
    if isinstance(td, SimpleTypeDescription):
        return simple_values_of(td.tag)
    if isinstance(td, ArrayTypeDescription):
        element = values_of(td.type_description)
        return st.lists(element, min_size=td.number_of_elements,
                        max_size=td.number_of_elements).map(
            lambda items: Array(items=tuple(items)))
    assert isinstance(td, StructureTypeDescription)
    return st.tuples(*(values_of(m) for m in td.items)).map(
        lambda items: Structure(items=tuple(items)))


def compact_arrays(max_items: int = 4) -> st.SearchStrategy[CompactArray]:
    """Compact arrays of up to ``max_items`` elements of a drawn description."""
    return type_descriptions().flatmap(
        lambda td: st.lists(values_of(td), max_size=max_items).map(
            lambda items: CompactArray(contents_description=td, items=tuple(items))))


def data_values(max_leaves: int = 12, max_items: int = 4) -> st.SearchStrategy[Data]:
    """Any ``Data`` value: scalars, arrays, structures (nested) and compact arrays."""

    def extend(children: st.SearchStrategy[Data]) -> st.SearchStrategy[Data]:
        items = st.lists(children, max_size=max_items).map(tuple)
        return st.one_of(items.map(lambda t: Array(items=t)),
                         items.map(lambda t: Structure(items=t)))

    leaves = st.one_of(scalar_values(), compact_arrays(max_items))
    return st.recursive(leaves, extend, max_leaves=max_leaves)


def obis_codes() -> st.SearchStrategy[ObisCode]:
    """Any OBIS code."""
    g = st.integers(0, 255)
    return st.builds(ObisCode, a=g, b=g, c=g, d=g, e=g, f=g)
