"""Every vector of the category "A-XDR data types" (../shared/vectors/public.json)."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr import (
    CompactArray,
    Data,
    DataTag,
    Date,
    DateTime,
    OctetString,
    Time,
    decode_data,
    encode_data,
    from_json,
    read_data,
    to_json,
)
from conformance.codec.obis import ObisCode
from conformance.errors import CodecError, IncompleteError
from tests.vectors import by_category, hexbytes, vector

AXDR = by_category("A-XDR data types")
DECODED = [v for v in AXDR if "decoded" in v["expected"]]


def test_the_category_holds_the_vectors_this_file_knows() -> None:
    ids = {v["id"] for v in AXDR}
    assert len(AXDR) == 12
    assert {"axdr-length-encoding", "axdr-obis-octet-string"} <= ids
    assert len(DECODED) == 10
    assert all(v["verified"] for v in AXDR)


def _normalise(expected: Any) -> Any:
    """The vector's JSON with compact-array type descriptions (written as a Python tuple
    repr, e.g. "('simple', 18)") turned into the JSON list form ``to_json`` produces."""
    if isinstance(expected, list):
        return [_normalise(x) for x in expected]
    if not isinstance(expected, dict):
        return expected
    out = {k: _normalise(v) for k, v in expected.items()}
    if out.get("type") == "compact-array":

        def lists(x: Any) -> Any:
            return [lists(i) for i in x] if isinstance(x, list | tuple) else x

        out["type_description"] = lists(ast.literal_eval(expected["type_description"]))
    return out


@pytest.mark.parametrize("v", DECODED, ids=lambda v: v["id"])
def test_decoded_value_matches_the_expected_structure(v: dict[str, Any]) -> None:
    raw = hexbytes(v["hex"])
    expected = _normalise(v["expected"]["decoded"])
    value = decode_data(raw)
    assert value.TAG.type_name == expected["type"]
    if expected["type"] in ("date", "time"):
        # The vector writes these as their bare octets in hex.
        assert value.to_bytes().hex().upper() == expected["value"]  # type: ignore[attr-defined]
    else:
        assert to_json(value) == expected
    assert from_json(expected) == value
    assert encode_data(value) == raw


@pytest.mark.parametrize("v", DECODED, ids=lambda v: v["id"])
def test_vector_whole_byte_by_byte_and_with_trailing_bytes(v: dict[str, Any]) -> None:
    raw = hexbytes(v["hex"])
    value = decode_data(raw)
    r = Reader(raw + b"\x00\xff")
    assert read_data(r) == value
    assert r.remaining() == 2
    with pytest.raises(CodecError, match="trailing"):
        decode_data(raw + b"\x00")
    for cut in range(len(raw)):
        with pytest.raises(IncompleteError):
            decode_data(raw[:cut])


@pytest.mark.parametrize("vid", ["axdr-date-time-2", "axdr-date-time-3"])
def test_date_time_vectors_iso8601_and_bare_octets(vid: str) -> None:
    v = vector(vid)
    value = decode_data(hexbytes(v["hex"]))
    assert isinstance(value, DateTime)
    assert value.to_datetime().isoformat() == v["expected"]["iso8601"]
    # The source test carries the bare 12 octets (no tag): same value.
    assert DateTime.from_bytes(hexbytes(v["hex"])[1:]) == value
    assert value.to_bytes() == hexbytes(v["hex"])[1:]


def test_date_time_2_deviation_sign_convention() -> None:
    value = decode_data(hexbytes(vector("axdr-date-time-2")["hex"]))
    assert isinstance(value, DateTime)
    assert value.deviation == -60  # 0xFFC4
    offset = value.to_datetime().utcoffset()
    assert offset is not None and offset.total_seconds() == 3600  # +01:00


def test_date_time_3_unspecified_deviation_is_naive() -> None:
    value = decode_data(hexbytes(vector("axdr-date-time-3")["hex"]))
    assert isinstance(value, DateTime)
    assert value.deviation is None and value.day_of_week == 0xFF
    assert value.to_datetime().tzinfo is None


def test_date_and_time_vectors_fields() -> None:
    d = decode_data(hexbytes(vector("axdr-date")["hex"]))
    assert d == Date(year=2024, month=11, day_of_month=21, day_of_week=0xFF)
    assert isinstance(d, Date) and d.to_date().isoformat() == "2024-11-21"
    t = decode_data(hexbytes(vector("axdr-time")["hex"]))
    assert t == Time(hour=8, minute=30, second=15, hundredths=23)
    assert isinstance(t, Time) and t.to_time().isoformat() == "08:30:15.230000"


def test_load_profile_capture_times_are_date_time_octet_strings() -> None:
    value = decode_data(hexbytes(vector("axdr-array-of-structure-load-profile")["hex"]))
    rows = value.items  # type: ignore[attr-defined]
    assert len(rows) == 24
    for hour, row in enumerate(rows):
        stamp, status, energy = row.items
        assert isinstance(stamp, OctetString)
        dt = DateTime.from_bytes(stamp.value)
        assert (dt.year, dt.month, dt.day_of_month, dt.hour) == (2018, 2, 12, hour)
        assert dt.deviation is None
        assert status.TAG == DataTag.UNSIGNED and status.value == 0
        assert energy.TAG == DataTag.DOUBLE_LONG_UNSIGNED
        assert energy.value == 100000 + 416 * hour
        # The description says "Mon"; the octets say day of week 5 (2018-02-12 is a
        # Monday): the date-time decodes, and the inconsistency is visible.
        assert dt.day_of_week == 5 and dt.day_of_week_matches is False


def test_compact_array_vectors_decode_to_described_items() -> None:
    ca = decode_data(hexbytes(vector("axdr-compact-array-long-unsigned")["hex"]))
    assert isinstance(ca, CompactArray)
    assert [i.value for i in ca.items] == [0x1111, 0x2222, 0x3333, 0x4444, 0x5555]  # type: ignore[attr-defined]
    ca2 = decode_data(hexbytes(vector("axdr-compact-array-structure-octetstring")["hex"]))
    assert isinstance(ca2, CompactArray) and len(ca2.items) == 4
    for row in ca2.items:
        stamp = row.items[0]  # type: ignore[attr-defined]
        assert DateTime.from_bytes(stamp.value).year == 2000


def test_length_encoding_vector() -> None:
    v = vector("axdr-length-encoding")
    for text in v["hex"]:
        raw = hexbytes(text)
        r = Reader(raw)
        assert r.pull_length() == v["expected"][text]
        assert r.at_end()
        w = Writer()
        w.push_length(v["expected"][text])
        if text != "820F0F":
            assert w.getvalue() == raw
    # 3855 written minimally is 82 0F 0F as well.
    w = Writer()
    w.push_length(3855)
    assert w.getvalue() == bytes.fromhex("820F0F")
    # An octet-string of 235 octets uses the 81 EB form.
    assert encode_data(OctetString(value=bytes(235)))[:3] == bytes.fromhex("0981EB")


def test_obis_vector() -> None:
    v = vector("axdr-obis-octet-string")
    raw = hexbytes(v["hex"])
    code = ObisCode.from_bytes(raw)
    assert code.dotted == v["expected"]["obis"]
    assert code == ObisCode.parse(v["expected"]["obis"])
    assert encode_data(code.to_data()) == hexbytes(v["expected"]["as_data"])
    data: Data = decode_data(hexbytes(v["expected"]["as_data"]))
    assert ObisCode.from_data(data) == code
