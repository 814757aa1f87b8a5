"""Clock (class 8): time from an injected source, time zone and daylight saving, SET rules,
the adjust / preset / shift methods, and the clock-ignores-set fault."""

from __future__ import annotations

import datetime as dt

import pytest

from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import (
    Boolean,
    Data,
    DateTime,
    Enum,
    Integer,
    Long,
    OctetString,
    Structure,
    Unsigned,
    encode_data,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.codec.xdlms.get import GetRequestNormal
from conformance.codec.xdlms.set import SetRequestNormal
from conformance.simulator.cosem import Clock, Fault, LogicalDevice
from tests.simulator.cosem_support import RW, T0, FakeTime, attr, ctx, ln, meth, rights
from tests.vectors import hexbytes, vector

CLOCK = "0.0.1.0.0.255"
D = DataAccessResult
A = ActionResult


def make(time: FakeTime | None = None, **kw: object) -> tuple[Clock, LogicalDevice, FakeTime]:
    source = time or FakeTime()
    clock = Clock(ln(CLOCK), time_source=source, access={"m": rights(9, RW, 6)},
                  **kw)  # type: ignore[arg-type]
    return clock, LogicalDevice([clock]), source


def octets(text: str) -> OctetString:
    return OctetString(value=bytes.fromhex(text))


def time_of(device: LogicalDevice, *, faults: frozenset[str] = frozenset()) -> bytes:
    value = device.get(ctx("m", faults=faults), attr(8, CLOCK, 2))
    assert isinstance(value, OctetString)
    return value.value


def act(device: LogicalDevice, index: int, parameters: Data | None = None) -> object:
    return device.action(ctx("m"), meth(8, CLOCK, index), parameters)


def dt_octets(text: str) -> OctetString:
    """Date-time octets of ISO text with deviation 0 (a UTC clock), status 0."""
    when = dt.datetime.fromisoformat(text)
    return OctetString(value=DateTime.from_datetime(when.replace(tzinfo=dt.UTC)).to_bytes())


# -- reading ------------------------------------------------------------------------------
def test_every_attribute_has_its_type() -> None:
    _, device, _ = make()
    expected = {
        2: OctetString(value=bytes.fromhex("07E8060106" "0C000000" "0000" "00")),
        3: Long(value=0), 4: Unsigned(value=0),
        5: octets("FFFF03FE07020000008000FF"), 6: octets("FFFF0AFE07030000008000FF"),
        7: Integer(value=60), 8: Boolean(value=False), 9: Enum(value=1),
        1: OctetString(value=bytes.fromhex("0000010000FF")),
    }
    for index, value in expected.items():
        got = device.get(ctx("m"), attr(8, CLOCK, index))
        assert got == value, index
        assert encode_data(got) == encode_data(value)  # type: ignore[arg-type]


def test_get_vector_reads_the_clock() -> None:
    request = decode_apdu(hexbytes(vector("get-request-normal-clock-gb")["hex"]))
    assert isinstance(request, GetRequestNormal)
    _, device, _ = make()
    got = device.get(ctx("m"), request.cosem_attribute_descriptor, request.access_selection)
    assert encode_data(got) == bytes.fromhex("090C07E80601060C0000000000" "00")  # type: ignore


def test_running_clock_follows_the_source_and_a_stopped_one_does_not() -> None:
    _, device, source = make()
    source.advance(61.57)
    assert time_of(device) == bytes.fromhex("07E80601060C01013900000000"[:24])
    _, frozen, source2 = make(running=False)
    source2.advance(3600)
    assert time_of(frozen) == bytes.fromhex("07E80601060C000000000000")


def test_start_time_and_time_zone() -> None:
    # time_zone -60: local = UTC + 1 h (Central European Time), deviation 0xFFC4
    _, device, _ = make(time_zone=-60)
    assert time_of(device) == bytes.fromhex("07E80601060D000000FFC400")
    # a naive start is a local time
    _, device, _ = make(time_zone=-60, start=dt.datetime(2024, 1, 1, 0, 0))
    assert time_of(device) == bytes.fromhex("07E8010101000000" "00FFC400")
    # an aware start is an instant
    _, device, _ = make(start=dt.datetime(2020, 1, 6, 0, 3, tzinfo=dt.timezone(
        dt.timedelta(hours=1))))
    # 2020-01-06 00:03 at UTC+1 is Sunday 2020-01-05 23:03 on this UTC clock
    assert time_of(device) == bytes.fromhex("07E401050717030000000000")


def test_naive_time_source_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Clock(ln(CLOCK), time_source=lambda: dt.datetime(2024, 1, 1))


@pytest.mark.parametrize("utc, active", [
    ("2024-03-31T00:59:59", False), ("2024-03-31T01:00:00", True),
    ("2024-06-01T12:00:00", True), ("2024-10-27T00:59:59", True),
    ("2024-10-27T01:00:00", False), ("2024-12-24T12:00:00", False)])
def test_daylight_saving_eu_rule(utc: str, active: bool) -> None:
    moment = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    clock, device, _ = make(FakeTime(moment), time_zone=-60, daylight_savings_enabled=True)
    got = DateTime.from_bytes(time_of(device))
    assert got.deviation == (-120 if active else -60)
    assert int(got.clock_status or 0) == (0x80 if active else 0)
    assert got.to_datetime() == moment
    assert device.get(ctx("m"), attr(8, CLOCK, 4)) == Unsigned(value=0x80 if active else 0)
    wall = clock.wall_at(moment)
    if utc == "2024-10-27T01:00:00":  # 02:00 happens twice: the daylight saving one wins
        assert clock.wall_to_utc(wall) == moment - dt.timedelta(hours=1)
    else:
        assert clock.wall_to_utc(wall) == moment


# -- SET ----------------------------------------------------------------------------------
def test_set_time_from_the_vector_with_its_deviation() -> None:
    request = decode_apdu(hexbytes(vector("set-request-normal-clock")["hex"]))
    assert isinstance(request, SetRequestNormal)
    clock, device, source = make()
    assert device.set(ctx("m"), request.cosem_attribute_descriptor, None, request.value) \
        is D.SUCCESS
    # 2021-01-24 14:48:57.80 at deviation -60 is 13:48:57.80 UTC
    assert clock.now() == dt.datetime(2021, 1, 24, 13, 48, 57, 800000, tzinfo=dt.UTC)
    source.advance(10)
    assert time_of(device) == bytes.fromhex("07E50118070D310750000000")


def test_set_time_without_deviation_is_local_time() -> None:
    clock, device, _ = make(time_zone=-60)
    value = octets("07E80C18FF0A0000FF800000")  # 2024-12-24 10:00, deviation unspecified
    assert device.set(ctx("m"), attr(8, CLOCK, 2), None, value) is D.SUCCESS
    assert clock.now() == dt.datetime(2024, 12, 24, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("value, result", [
    ("07E80D18FF0A000000000000", D.OTHER_REASON),     # month 13
    ("FFFF0C18FF0A000000000000", D.OTHER_REASON),     # year not specified
    ("07E80C18FFFF000000000000", D.OTHER_REASON),     # hour not specified
    ("07E80C18FF0A0000000000", D.TYPE_UNMATCHED),     # 11 octets
])
def test_set_time_refuses_unusable_values(value: str, result: DataAccessResult) -> None:
    clock, device, _ = make()
    assert device.set(ctx("m"), attr(8, CLOCK, 2), None, octets(value)) is result
    assert device.set(ctx("m"), attr(8, CLOCK, 2), None, Unsigned(value=1)) \
        is D.TYPE_UNMATCHED
    assert clock.now() == T0


def test_clock_ignores_set_fault_changes_only_set_time() -> None:
    faults = frozenset({Fault.CLOCK_IGNORES_SET})
    clock, device, _ = make()
    c = ctx("m", faults=faults)
    new = dt_octets("2030-01-01T00:00:00")
    assert device.set(c, attr(8, CLOCK, 2), None, new) is D.SUCCESS
    assert clock.now() == T0  # success, yet unchanged
    assert device.set(c, attr(8, CLOCK, 2), None, octets("07E80D18FF0A000000000000")) \
        is D.OTHER_REASON  # still refuses what it cannot use
    assert device.set(c, attr(8, CLOCK, 3), None, Long(value=-60)) is D.SUCCESS
    assert device.get(c, attr(8, CLOCK, 3)) == Long(value=-60)
    assert device.action(c, meth(8, CLOCK, 6), Long(value=60)) == (A.SUCCESS, None)
    assert clock.now() == T0 + dt.timedelta(seconds=60)
    assert device.set(ctx("m"), attr(8, CLOCK, 2), None, new) is D.SUCCESS
    assert clock.now() == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("index, good, bad", [
    (3, Long(value=-720), Long(value=721)),
    (5, octets("FFFF04010702000000800000"), octets("FFFF0D010702000000800000")),
    (7, Integer(value=-120), Integer(value=121)),
    (8, Boolean(value=True), None),
    (9, Enum(value=5), Enum(value=6)),
])
def test_set_settings_with_their_ranges(index: int, good: Data, bad: Data | None) -> None:
    _, device, _ = make()
    assert device.set(ctx("m"), attr(8, CLOCK, index), None, good) is D.SUCCESS
    assert device.get(ctx("m"), attr(8, CLOCK, index)) == good
    if bad is not None:
        assert device.set(ctx("m"), attr(8, CLOCK, index), None, bad) is D.OTHER_REASON
        assert device.get(ctx("m"), attr(8, CLOCK, index)) == good


def test_status_keeps_the_daylight_saving_bit_computed() -> None:
    _, device, _ = make()
    assert device.set(ctx("m"), attr(8, CLOCK, 4), None, Unsigned(value=0x82)) is D.SUCCESS
    assert device.get(ctx("m"), attr(8, CLOCK, 4)) == Unsigned(value=0x02)
    assert time_of(device)[11] == 0x02


# -- methods ------------------------------------------------------------------------------
@pytest.mark.parametrize("index, start, expected", [
    (1, "12:07:29.99", "12:00:00"), (1, "12:07:30", "12:15:00"), (1, "23:53", "00:00:00+1"),
    (2, "12:04:59", "12:00:00"), (2, "12:05:00", "12:10:00"),
    (3, "12:00:29.99", "12:00:00"), (3, "12:00:30", "12:01:00"), (3, "12:00:00", "12:00:00"),
])
def test_adjust_methods_round_to_the_nearest(index: int, start: str, expected: str) -> None:
    at = dt.datetime.combine(T0.date(), dt.time.fromisoformat(start), tzinfo=dt.UTC)
    clock, device, _ = make(FakeTime(at), measuring_period=600)
    assert act(device, index, Integer(value=0)) == (A.SUCCESS, None)
    day = T0.date() + dt.timedelta(days=1 if expected.endswith("+1") else 0)
    want = dt.datetime.combine(day, dt.time.fromisoformat(expected.removesuffix("+1")),
                               tzinfo=dt.UTC)
    assert clock.now() == want


@pytest.mark.parametrize("index", [1, 2, 3, 4])
def test_adjust_parameters_are_integer_zero(index: int) -> None:
    clock, device, _ = make()
    assert act(device, index, None) == (A.TYPE_UNMATCHED, None)
    assert act(device, index, Unsigned(value=0)) == (A.TYPE_UNMATCHED, None)
    assert act(device, index, Integer(value=1)) == (A.OTHER_REASON, None)
    assert clock.now() == T0


def test_shift_time() -> None:
    clock, device, _ = make()
    assert act(device, 6, Long(value=900)) == (A.SUCCESS, None)
    assert act(device, 6, Long(value=-300)) == (A.SUCCESS, None)
    assert clock.now() == T0 + dt.timedelta(seconds=600)
    assert act(device, 6, Long(value=901)) == (A.OTHER_REASON, None)
    assert act(device, 6, Long(value=-901)) == (A.OTHER_REASON, None)
    assert act(device, 6, Integer(value=1)) == (A.TYPE_UNMATCHED, None)
    assert clock.now() == T0 + dt.timedelta(seconds=600)


def test_preset_then_adjust_to_preset_time() -> None:
    clock, device, source = make()
    assert act(device, 4, Integer(value=0)) == (A.OTHER_REASON, None)  # nothing preset
    preset = Structure(items=(dt_octets("2024-06-01T13:00:00"),
                              dt_octets("2024-06-01T11:00:00"),
                              dt_octets("2024-06-01T12:30:00")))
    assert act(device, 5, preset) == (A.SUCCESS, None)
    assert clock.now() == T0
    source.advance(3600)  # 13:00, outside the validity interval
    assert act(device, 4, Integer(value=0)) == (A.OTHER_REASON, None)
    source.advance(-3600)
    assert act(device, 4, Integer(value=0)) == (A.SUCCESS, None)
    assert clock.now() == dt.datetime(2024, 6, 1, 13, 0, tzinfo=dt.UTC)
    assert act(device, 4, Integer(value=0)) == (A.OTHER_REASON, None)  # used up


def test_preset_adjusting_time_parameters() -> None:
    _, device, _ = make()
    a, b = dt_octets("2024-06-01T13:00:00"), dt_octets("2024-06-01T11:00:00")
    assert act(device, 5, Structure(items=(a, a, b))) == (A.OTHER_REASON, None)  # start > end
    assert act(device, 5, Structure(items=(a, b))) == (A.TYPE_UNMATCHED, None)
    assert act(device, 5, Structure(items=(a, b, Unsigned(value=0)))) == (A.TYPE_UNMATCHED, None)
    bad = octets("FFFF0601FF0B000000000000")
    assert act(device, 5, Structure(items=(a, bad, b))) == (A.OTHER_REASON, None)
    assert act(device, 5, None) == (A.TYPE_UNMATCHED, None)
