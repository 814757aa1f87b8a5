"""to_python / from_python / to_json / from_json."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given

from conformance.codec.axdr import (
    Array,
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
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    SimpleTypeDescription,
    Structure,
    Time,
    Unsigned,
    Utf8String,
    VisibleString,
    from_json,
    from_python,
    to_json,
    to_python,
)
from tests.strategies import data_values


def test_to_python() -> None:
    value = Structure(items=(
        NullData(), Boolean(value=True), LongUnsigned(value=5), OctetString(value=b"\x01"),
        VisibleString(value="x"), BitString(value="01"), Float64(value=1.5),
        Array(items=(DontCare(),)), Time(hour=1, minute=2, second=3, hundredths=4)))
    assert to_python(value) == [None, True, 5, b"\x01", "x", "01", 1.5, [None],
                                {"hour": 1, "minute": 2, "second": 3, "hundredths": 4}]
    ca = CompactArray(contents_description=SimpleTypeDescription(tag=DataTag.UNSIGNED),
                      items=(Unsigned(value=1), Unsigned(value=2)))
    assert to_python(ca) == [1, 2]


def test_to_json_forms() -> None:
    assert to_json(LongUnsigned(value=5)) == {"type": "long-unsigned", "value": 5}
    assert to_json(OctetString(value=b"\x0a\xff")) == {"type": "octet-string", "value": "0AFF"}
    assert to_json(NullData()) == {"type": "null-data", "value": None}
    assert to_json(Array(items=(Enum(value=1),))) == {
        "type": "array", "value": [{"type": "enum", "value": 1}]}
    dtv = DateTime(year=2020, month=1, day_of_month=6, hour=0, minute=3, second=0,
                   hundredths=0, deviation=-60, clock_status=ClockStatus(0))
    assert to_json(dtv) == {"type": "date-time", "value": {
        "year": 2020, "month": 1, "day": 6, "dow": 255, "hour": 0, "minute": 3, "second": 0,
        "hundredths": 0, "deviation": -60, "clock_status": 0}}
    assert to_json(Date(year=2024))["value"] == {"year": 2024, "month": 255, "day": 255,
                                                 "dow": 255}
    assert to_json(DateTime())["value"]["clock_status"] is None


def test_from_json_accepts_calendar_hex() -> None:
    assert from_json({"type": "date", "value": "07E80B15FF"}) == Date(
        year=2024, month=11, day_of_month=21)
    assert from_json({"type": "time", "value": "081E0F17"}) == Time(
        hour=8, minute=30, second=15, hundredths=23)
    assert from_json({"type": "date-time", "value": "07E40106FF00030000FFC400"}).deviation \
        == -60  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [
    {"value": 1}, {"type": "long-unsigned-x", "value": 1}, {"type": "array", "value": 3},
    {"type": "octet-string", "value": 3}, {"type": "long-unsigned", "value": -1},
    {"type": "compact-array", "type_description": ["simple"], "value": []},
    {"type": "compact-array", "type_description": ["simple", 17], "value": [300]},
    {"type": "compact-array", "type_description": ["structure", [["simple", 17]]],
     "value": [[1, 2]]},
    {"type": "null-data", "value": 0}, "long-unsigned",
])
def test_from_json_rejects_bad_input(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        from_json(bad)


@pytest.mark.parametrize(("plain", "expected"), [
    (None, NullData()),
    (True, Boolean(value=True)),
    (0, DoubleLongUnsigned(value=0)),
    (2**32 - 1, DoubleLongUnsigned(value=2**32 - 1)),
    (2**32, Long64Unsigned(value=2**32)),
    (-1, DoubleLong(value=-1)),
    (-(2**31) - 1, Long64(value=-(2**31) - 1)),
    (1.5, Float64(value=1.5)),
    ("abc", VisibleString(value="abc")),
    ("é", Utf8String(value="é")),
    (b"\x00", OctetString(value=b"\x00")),
    ([1, "a"], Array(items=(DoubleLongUnsigned(value=1), VisibleString(value="a")))),
    ((1, None), Structure(items=(DoubleLongUnsigned(value=1), NullData()))),
    (dt.date(2024, 11, 21), Date(year=2024, month=11, day_of_month=21, day_of_week=4)),
    (dt.time(8, 30), Time(hour=8, minute=30, second=0, hundredths=0)),
])
def test_from_python_untagged_rule(plain: object, expected: Data) -> None:
    assert from_python(plain) == expected


def test_from_python_untagged_datetime_and_failures() -> None:
    v = from_python(dt.datetime(2024, 1, 1, 0, 0))
    assert isinstance(v, DateTime) and v.deviation is None
    with pytest.raises(TypeError):
        from_python({1: 2})
    with pytest.raises(ValueError):
        from_python(2**64)


def test_from_python_tagged() -> None:
    assert from_python(5, DataTag.LONG_UNSIGNED) == LongUnsigned(value=5)
    assert from_python(5, DataTag.ENUM) == Enum(value=5)
    assert from_python(0.1, DataTag.FLOAT32) == Float32(value=0.1)
    assert from_python("101", DataTag.BIT_STRING) == BitString(value="101")
    assert from_python(None, DataTag.DONT_CARE) == DontCare()
    assert from_python([1, 2], DataTag.STRUCTURE) == Structure(
        items=(DoubleLongUnsigned(value=1), DoubleLongUnsigned(value=2)))
    ca = from_python([Unsigned(value=1), Unsigned(value=2)], DataTag.COMPACT_ARRAY)
    assert isinstance(ca, CompactArray) and ca.items == (Unsigned(value=1), Unsigned(value=2))
    assert from_python(bytes.fromhex("07E80B15FF"), DataTag.DATE) == Date(
        year=2024, month=11, day_of_month=21)
    assert from_python({"hour": 1}, DataTag.TIME) == Time(hour=1)
    assert from_python(Unsigned(value=1), DataTag.UNSIGNED) == Unsigned(value=1)
    with pytest.raises(ValueError, match="not a"):
        from_python(Unsigned(value=1), DataTag.LONG)
    with pytest.raises(ValueError):
        from_python(70000, DataTag.LONG_UNSIGNED)
    with pytest.raises(TypeError):
        from_python(1, DataTag.DATE_TIME)
    with pytest.raises(ValueError):
        from_python("zz", DataTag.DATE_TIME)


@given(data_values())
def test_json_round_trip(value: Data) -> None:
    form = to_json(value)
    assert from_json(json.loads(json.dumps(form))) == value
