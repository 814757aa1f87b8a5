"""Plan value types: logical names, conformance blocks, access modes, profile synthesis,
and the YAML reader's handling of anchors, merge keys and odd keys."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.plan import (
    CONFORMANCE_BITS,
    AttributeAccess,
    CaptureObject,
    ColumnGenerator,
    ConformanceBlock,
    DataTag,
    GeneratorKind,
    LogicalName,
    ProfileGenerator,
    ProfileSpec,
    TypedValue,
)
from conformance.plan.cosem import PLAN_DATA_TYPES, data_type
from tests.plan._helpers import BASE, load, problems


@pytest.mark.parametrize("text", ["1.0.1.8.0.255", "1-0:1.8.0*255", "1-0:1.8.0.255",
                                  "1-0:1.8.0", "0100010800FF", " 1.0.1.8.0.255 "])
def test_logical_name_forms(text: str) -> None:
    ln = LogicalName.parse(text)
    assert ln.groups == (1, 0, 1, 8, 0, 255)
    assert ln.dotted == "1.0.1.8.0.255"
    assert ln.to_bytes() == bytes.fromhex("0100010800FF")


@pytest.mark.parametrize(("text", "message"), [
    ("1.0.1.8.0", "an OBIS code has 6 value groups, '1.0.1.8.0' has 5"),
    ("1.0.1.8.0.255.1", "an OBIS code has 6 value groups, '1.0.1.8.0.255.1' has 7"),
    ("1.0.1.x.0.255", "OBIS value group D of '1.0.1.x.0.255' is not a number"),
    ("1.0.1.8.0.-1", "expected an OBIS code like 1-0:1.8.0*255, got '1.0.1.8.0.-1'"),
    ("1.0.1.8.0.\uff12", "OBIS value group F of '1.0.1.8.0.\uff12' is not a number"),
    ("1.0.1.8.0.256", "OBIS value group F of '1.0.1.8.0.256' must be 0..255, got 256"),
    ("1-0-1:8.0.0", "expected an OBIS code like 1-0:1.8.0*255, got '1-0-1:8.0.0'"),
    ("1-0:1.8*255", "expected an OBIS code like 1-0:1.8.0*255, got '1-0:1.8*255'"),
    ("", "an OBIS code has 6 value groups, '' has 1"),
])
def test_logical_name_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        LogicalName.parse(text)
    assert str(info.value) == message


@given(st.binary(min_size=6, max_size=6))
def test_logical_name_round_trips(data: bytes) -> None:
    ln = LogicalName.from_bytes(data)
    assert LogicalName.parse(str(ln)) == LogicalName.parse(ln.dotted) == ln
    assert LogicalName.parse(data.hex()) == ln
    assert ln.to_bytes() == data


def test_logical_name_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match=r"group A = 256 is outside 0\.\.255"):
        LogicalName(a=256, b=0, c=0, d=0, e=0, f=0)
    with pytest.raises(ValueError, match="needs 6 byte"):
        LogicalName.from_bytes(b"\x00")


def test_conformance_block() -> None:
    block = ConformanceBlock(value=0x007E1F)  # the notes' example 00 7E 1F
    assert block.names == (
        "priority-mgmt-supported", "attribute0-supported-with-get",
        "block-transfer-with-get-or-read", "block-transfer-with-set-or-write",
        "block-transfer-with-action", "multiple-references", "get", "set", "selective-access",
        "event-notification", "action")
    assert block.hex == "007E1F"
    assert block.to_bytes() == b"\x00\x7e\x1f"
    assert "get" in block and "read" not in block and "nonsense" not in block
    assert ConformanceBlock.from_names(block.names) == block
    # Bit 0 is the most significant bit of the first octet; reserved bits have no name.
    assert ConformanceBlock(value=0x800000).names == ("bit-0",)
    assert ConformanceBlock.from_names(["general-protection"]).value == 0x400000
    assert ConformanceBlock.from_names(["action"]).value == 0x000001
    with pytest.raises(ValueError, match="24 bits"):
        ConformanceBlock(value=1 << 24)


@given(st.sets(st.sampled_from(sorted(CONFORMANCE_BITS))))
def test_conformance_names_round_trip(names: set[str]) -> None:
    block = ConformanceBlock.from_names(names)
    assert set(block.names) == names
    assert bin(block.value).count("1") == len(names)


def test_conformance_in_plans() -> None:
    text = BASE + "      proposed_conformance: 00 7E 1F\n  claims: {conformance: [get, set]}\n"
    meter = load(text).meters[0]
    assert meter.association("public").proposed_conformance.value == 0x007E1F
    claims = meter.claims
    assert claims.conformance == ConformanceBlock.from_names(["get", "set"])
    assert claims.services == ("get", "set")  # derived from the block


def test_default_proposals_follow_the_context() -> None:
    text = BASE + "    - {name: sn, client_address: 17, context: sn}\n"
    meter = load(text).meters[0]
    assert meter.association("public").proposed_conformance.hex == "007E1F"
    assert set(meter.association("sn").proposed_conformance.names) == {
        "read", "write", "unconfirmed-write", "multiple-references", "information-report",
        "parameterized-access"}


def test_access_modes() -> None:
    assert [m for m in AttributeAccess if m.can_read] == [
        AttributeAccess.READ_ONLY, AttributeAccess.READ_AND_WRITE,
        AttributeAccess.AUTHENTICATED_READ_ONLY, AttributeAccess.AUTHENTICATED_READ_AND_WRITE]
    assert [m for m in AttributeAccess if m.can_write] == [
        AttributeAccess.WRITE_ONLY, AttributeAccess.READ_AND_WRITE,
        AttributeAccess.AUTHENTICATED_WRITE_ONLY, AttributeAccess.AUTHENTICATED_READ_AND_WRITE]
    assert data_type("long64-unsigned") is DataTag.LONG64_UNSIGNED
    assert DataTag.DOUBLE_LONG_UNSIGNED.type_name == "double-long-unsigned"
    with pytest.raises(KeyError):  # a tag, but no attribute holds it
        data_type("dont-care")
    assert DataTag.DONT_CARE not in PLAN_DATA_TYPES and len(PLAN_DATA_TYPES) == 24


def _spec(*generators: ColumnGenerator, rows: int = 50, period: int = 900,
          types: tuple[DataTag, ...] = ()) -> ProfileSpec:
    columns = tuple(
        CaptureObject(class_id=3, logical_name=LogicalName.parse("1.0.1.8.0.255"),
                      generator=g, type=types[i] if types else DataTag.DOUBLE_LONG_UNSIGNED)
        for i, g in enumerate(generators))
    return ProfileSpec(capture_objects=columns, capture_period=period, rows=rows,
                       profile_entries=rows, seed=7)


def _number(value: TypedValue) -> float:
    assert isinstance(value.value, int | float)
    return value.value


def test_profile_generator_is_deterministic() -> None:
    counter = ColumnGenerator(kind=GeneratorKind.COUNTER, start=100, step=10, jitter=5)
    gauge = ColumnGenerator(kind=GeneratorKind.GAUGE, minimum=-3, maximum=3)
    floats = ColumnGenerator(kind=GeneratorKind.GAUGE, minimum=0.5, maximum=1.5)
    const = ColumnGenerator(kind=GeneratorKind.CONSTANT,
                            value=TypedValue(type=DataTag.ENUM, value=4))
    spec = _spec(counter, gauge, floats, const,
                 types=(DataTag.DOUBLE_LONG_UNSIGNED, DataTag.LONG, DataTag.FLOAT64,
                        DataTag.ENUM))
    start = dt.datetime(2024, 6, 1, 12, 7, 30)
    rows = ProfileGenerator(spec, start).rows()
    again = ProfileGenerator(spec, start)
    # Asking for late rows first gives the same values (no order dependence).
    assert again.row(49) == rows[49]
    assert again.rows() == rows
    values = [_number(r[0]) for r in rows]
    assert 100 <= values[0] <= 105
    steps = [b - a for a, b in itertools.pairwise(values)]
    assert all(10 <= s <= 15 for s in steps) and len(set(steps)) > 1
    assert all(-3 <= _number(r[1]) <= 3 for r in rows)
    assert all(0.5 <= _number(r[2]) < 1.5 for r in rows)
    assert {r[3] for r in rows} == {TypedValue(type=DataTag.ENUM, value=4)}
    assert [r[1].type for r in rows[:1]] == [DataTag.LONG]


def test_profile_capture_times() -> None:
    clock = ColumnGenerator(kind=GeneratorKind.CLOCK)
    spec = _spec(clock, rows=4, period=900)
    tz = dt.timezone(dt.timedelta(hours=2))
    gen = ProfileGenerator(spec, dt.datetime(2024, 6, 1, 12, 7, 30, tzinfo=tz))
    times = [row[0].value for row in gen.rows()]
    assert times == [dt.datetime(2024, 6, 1, 11, 15, tzinfo=tz),
                     dt.datetime(2024, 6, 1, 11, 30, tzinfo=tz),
                     dt.datetime(2024, 6, 1, 11, 45, tzinfo=tz),
                     dt.datetime(2024, 6, 1, 12, 0, tzinfo=tz)]
    assert gen.row(4)[0].value == dt.datetime(2024, 6, 1, 12, 15, tzinfo=tz)  # next capture
    assert gen.row(0)[0].type is DataTag.OCTET_STRING
    assert ProfileGenerator(_spec(clock, rows=0), dt.datetime(2024, 1, 1)).rows() == []


def test_yaml_anchors_and_merge_keys() -> None:
    text = BASE + """\
    - &lls {name: reader, client_address: 32, mechanism: low, password: "secret"}
    - <<: *lls
      name: reader2
      client_address: 33
"""
    meter = load(text).meters[0]
    assert meter.association("reader2").mechanism == meter.association("reader").mechanism
    assert meter.association("reader2").password == meter.association("reader").password


def test_yaml_structural_oddities() -> None:
    assert "plans/x.yaml:3: meter.loop: recursive YAML alias" in problems(
        "meter: &a\n  name: m\n  loop: *a\n")
    assert "plans/x.yaml:2: meter: mapping keys must be plain strings, not a list" in \
        problems("meter:\n  ? [a]\n  : 1\n")
    assert "plans/x.yaml:2: meter: expected a mapping for merging, but found scalar" in \
        problems("meter:\n  <<: [1]\n")
