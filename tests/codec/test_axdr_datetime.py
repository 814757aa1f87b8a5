"""COSEM date, time and date-time (Blue Book 4.1.6.1): wildcards, specials, deviation
sign, clock status, conversions, strict field checks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.axdr import (
    DAYLIGHT_SAVINGS_BEGIN,
    DAYLIGHT_SAVINGS_END,
    LAST_DAY_OF_MONTH,
    NOT_SPECIFIED,
    SECOND_LAST_DAY_OF_MONTH,
    YEAR_NOT_SPECIFIED,
    ClockStatus,
    Date,
    DateTime,
    Time,
    decode_data,
    encode_data,
)
from conformance.errors import CodecError, IncompleteError
from tests.strategies import date_times, dates, times


def test_all_fields_default_to_not_specified() -> None:
    assert DateTime().to_bytes() == bytes.fromhex("FFFF FFFF FF FFFFFFFF 8000 FF".replace(" ", ""))
    assert Date().to_bytes() == bytes.fromhex("FFFFFFFFFF")
    assert Time().to_bytes() == bytes.fromhex("FFFFFFFF")
    assert encode_data(DateTime()) == bytes.fromhex("19FFFFFFFFFFFFFFFFFF8000FF")
    assert decode_data(bytes.fromhex("19FFFFFFFFFFFFFFFFFF8000FF")) == DateTime()


def test_specials_round_trip() -> None:
    # Every year on the last day of the month in which DST begins, 02:00.
    value = DateTime(month=DAYLIGHT_SAVINGS_BEGIN, day_of_month=LAST_DAY_OF_MONTH, hour=2,
                     minute=0, second=0, hundredths=0)
    raw = value.to_bytes()
    assert raw.hex().upper() == "FFFFFEFEFF020000008000FF"
    assert DateTime.from_bytes(raw) == value
    d = Date(month=DAYLIGHT_SAVINGS_END, day_of_month=SECOND_LAST_DAY_OF_MONTH)
    assert d.to_bytes() == bytes.fromhex("FFFFFDFDFF")
    assert Date.from_bytes(d.to_bytes()) == d


def test_deviation_sign_and_extremes() -> None:
    cet = DateTime(year=2024, month=1, day_of_month=1, hour=12, minute=0, second=0,
                   deviation=-60, clock_status=ClockStatus(0))
    assert cet.to_bytes()[9:11] == bytes.fromhex("FFC4")
    assert cet.to_datetime().isoformat() == "2024-01-01T12:00:00+01:00"
    west = DateTime(year=2024, month=1, day_of_month=1, hour=12, minute=0, second=0,
                    deviation=300)
    assert west.to_datetime().isoformat() == "2024-01-01T12:00:00-05:00"
    for edge in (-720, 720):
        v = DateTime(deviation=edge)
        assert DateTime.from_bytes(v.to_bytes()) == v
    with pytest.raises(ValueError, match="deviation"):
        DateTime(deviation=721)
    with pytest.raises(ValueError, match="deviation"):
        DateTime(deviation=-32768)


def test_clock_status_flags() -> None:
    cs = ClockStatus.INVALID_VALUE | ClockStatus.DAYLIGHT_SAVING_ACTIVE
    v = DateTime(clock_status=cs)
    assert v.to_bytes()[-1] == 0x81
    back = DateTime.from_bytes(v.to_bytes())
    assert back.clock_status == cs and ClockStatus.DAYLIGHT_SAVING_ACTIVE in back.clock_status
    assert int(ClockStatus.DOUBTFUL_VALUE) == 2 and int(ClockStatus.DIFFERENT_CLOCK_BASE) == 4
    assert int(ClockStatus.INVALID_CLOCK_STATUS) == 8
    # Reserved bits are kept as given; 0xFF is "not specified" (None).
    raw = bytes.fromhex("07E80101FF0C000000800070")
    assert int(DateTime.from_bytes(raw).clock_status or 0) == 0x70
    assert DateTime.from_bytes(raw[:-1] + b"\xff").clock_status is None
    assert DateTime(clock_status=5).clock_status is ClockStatus(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clock_status"):
        DateTime(clock_status=ClockStatus(0xFF))


@pytest.mark.parametrize(("field", "value"), [
    ("month", 0), ("month", 13), ("month", 0xFC), ("day_of_month", 0), ("day_of_month", 32),
    ("day_of_month", 0xE0), ("day_of_month", 0xFC), ("day_of_week", 0), ("day_of_week", 8),
    ("hour", 24), ("minute", 60), ("second", 60), ("hundredths", 100), ("year", 0x10000),
    ("day_of_week", -1),
])
def test_out_of_range_fields(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        DateTime(**{field: value})  # type: ignore[arg-type]


def test_field_types_and_negative_values() -> None:
    with pytest.raises(ValueError, match=r"year -1 is not allowed \(allowed: 0\.\.65535\)"):
        DateTime(year=-1)
    with pytest.raises(TypeError, match="month must be int"):
        DateTime(month=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="hour must be int"):
        Time(hour=True)
    with pytest.raises(TypeError, match="deviation"):
        DateTime(deviation="60")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="clock_status"):
        DateTime(clock_status="x")  # type: ignore[arg-type]


@pytest.mark.parametrize(("raw", "field", "offset"), [
    ("19 07E8 0D 01 FF 00000000 8000 00", "month", 3),
    ("19 07E8 01 00 FF 00000000 8000 00", "day_of_month", 4),
    ("19 07E8 01 E5 FF 00000000 8000 00", "day_of_month", 4),
    ("19 07E8 01 01 08 00000000 8000 00", "day_of_week", 5),
    ("19 07E8 01 01 FF 18000000 8000 00", "hour", 6),
    ("19 07E8 01 01 FF 003C0000 8000 00", "minute", 7),
    ("19 07E8 01 01 FF 00003C00 8000 00", "second", 8),
    ("19 07E8 01 01 FF 00000064 8000 00", "hundredths", 9),
    ("19 07E8 01 01 FF 00000000 02D1 00", "deviation", 10),
    ("19 07E8 01 01 FF 00000000 FD2F 00", "deviation", 10),
    ("1A 07E8 00 01 FF", "month", 3),
    ("1B 18 00 00 00", "hour", 1),
])
def test_decoding_rejects_bad_fields_precisely(raw: str, field: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_data(bytes.fromhex(raw.replace(" ", "")))
    assert type(info.value) is CodecError
    assert info.value.path.endswith(field)
    assert info.value.offset == offset


def test_bare_octets_sizes_are_exact() -> None:
    good = bytes.fromhex("07E40106FF00030000FFC400")
    with pytest.raises(IncompleteError):
        DateTime.from_bytes(good[:11])
    with pytest.raises(CodecError, match="trailing"):
        DateTime.from_bytes(good + b"\x00")
    with pytest.raises(IncompleteError):
        Date.from_bytes(bytes.fromhex("07E80B15"))
    with pytest.raises(CodecError, match="trailing"):
        Time.from_bytes(bytes.fromhex("081E0F1700"))


def test_to_datetime_requires_a_fully_specified_instant() -> None:
    with pytest.raises(ValueError, match="year"):
        DateTime(month=1, day_of_month=1, hour=0, minute=0, second=0).to_datetime()
    with pytest.raises(ValueError, match="day_of_month"):
        DateTime(year=2024, month=1, day_of_month=LAST_DAY_OF_MONTH, hour=0, minute=0,
                 second=0).to_datetime()
    with pytest.raises(ValueError, match="minute"):
        DateTime(year=2024, month=1, day_of_month=1, hour=0, second=0).to_datetime()
    with pytest.raises(ValueError, match="calendar"):
        DateTime(year=2023, month=2, day_of_month=29, hour=0, minute=0,
                 second=0).to_datetime()
    # Hundredths not specified read as 0.
    assert DateTime(year=2024, month=2, day_of_month=29, hour=1, minute=2,
                    second=3).to_datetime() == dt.datetime(2024, 2, 29, 1, 2, 3)


def test_day_of_week_consistency_is_reported_not_enforced() -> None:
    thursday = DateTime(year=2024, month=11, day_of_month=21, day_of_week=4, hour=0,
                        minute=0, second=0)
    assert thursday.day_of_week_matches is True
    wrong = DateTime(year=2024, month=11, day_of_month=21, day_of_week=1, hour=0, minute=0,
                     second=0)
    assert wrong.day_of_week_matches is False
    assert wrong.to_datetime() == thursday.to_datetime()
    assert DateTime(year=2024, month=11, day_of_month=21).day_of_week_matches is None
    assert Date(year=2024, month=11, day_of_month=21, day_of_week=4).day_of_week_matches


def test_from_datetime() -> None:
    aware = dt.datetime(2020, 1, 6, 0, 3, 0, 129_999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    v = DateTime.from_datetime(aware)
    assert v.to_bytes().hex().upper() == "07E40106010003000CFFC400"
    assert v.to_datetime() == aware.replace(microsecond=120_000)
    naive = DateTime.from_datetime(dt.datetime(2018, 2, 12))
    assert naive.deviation is None and naive.day_of_week == 1
    assert DateTime.from_datetime(dt.datetime(2018, 2, 12), clock_status=None).clock_status \
        is None
    with pytest.raises(ValueError, match="whole number of minutes"):
        DateTime.from_datetime(dt.datetime(2020, 1, 1, tzinfo=dt.timezone(
            dt.timedelta(seconds=30))))
    with pytest.raises(ValueError, match="deviation"):
        DateTime.from_datetime(dt.datetime(2020, 1, 1, tzinfo=dt.timezone(
            dt.timedelta(hours=14))))


def test_from_datetime_sets_daylight_saving_active() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    summer = DateTime.from_datetime(dt.datetime(2024, 7, 1, 12, tzinfo=berlin))
    assert summer.deviation == -120
    assert summer.clock_status == ClockStatus.DAYLIGHT_SAVING_ACTIVE
    winter = DateTime.from_datetime(dt.datetime(2024, 1, 1, 12, tzinfo=berlin))
    assert winter.deviation == -60 and winter.clock_status == ClockStatus(0)


def test_date_and_time_conversions() -> None:
    assert Date.from_date(dt.date(2024, 11, 21)) == Date(year=2024, month=11,
                                                         day_of_month=21, day_of_week=4)
    assert Date(year=2024, month=11, day_of_month=21).to_date() == dt.date(2024, 11, 21)
    with pytest.raises(ValueError, match="month"):
        Date(year=2024, day_of_month=1).to_date()
    assert Time.from_time(dt.time(8, 30, 15, 239_999)) == Time(hour=8, minute=30, second=15,
                                                               hundredths=23)
    assert Time(hour=8, minute=30, second=15).to_time() == dt.time(8, 30, 15)
    with pytest.raises(ValueError, match="hour"):
        Time(minute=1, second=1).to_time()
    v = DateTime(year=2024, month=3, day_of_month=31, hour=2)
    assert v.date == Date(year=2024, month=3, day_of_month=31)
    assert v.time == Time(hour=2)


@given(date_times())
def test_date_time_round_trip(value: DateTime) -> None:
    assert DateTime.from_bytes(value.to_bytes()) == value
    assert decode_data(encode_data(value)) == value
    assert len(value.to_bytes()) == 12


@given(dates(), times())
def test_date_and_time_round_trip(d: Date, t: Time) -> None:
    assert Date.from_bytes(d.to_bytes()) == d and decode_data(encode_data(d)) == d
    assert Time.from_bytes(t.to_bytes()) == t and decode_data(encode_data(t)) == t


@given(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31),
                    timezones=st.none() | st.builds(
                        dt.timezone, st.integers(-720, 720).map(
                            lambda m: dt.timedelta(minutes=m)))))
def test_python_datetime_round_trip(value: dt.datetime) -> None:
    cosem = DateTime.from_datetime(value)
    assert cosem.to_datetime() == value.replace(microsecond=value.microsecond // 10_000
                                                * 10_000)
    assert cosem.day_of_week_matches is True
    assert NOT_SPECIFIED not in (cosem.hour, cosem.hundredths)
    assert cosem.year != YEAR_NOT_SPECIFIED
