"""OBIS codes (IEC 62056-6-1)."""

from __future__ import annotations

import pytest
from hypothesis import given

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr import LongUnsigned, OctetString
from conformance.codec.obis import ObisCode
from conformance.errors import CodecError, IncompleteError
from tests.strategies import obis_codes

ENERGY = ObisCode(a=1, b=0, c=1, d=8, e=0, f=255)


@pytest.mark.parametrize("text", [
    "1-0:1.8.0*255", "1-0:1.8.0.255", "1.0.1.8.0.255", "1-0:1.8.0", "0100010800FF",
    "0100010800ff", "  1-0:1.8.0*255\n",
])
def test_parse_forms(text: str) -> None:
    assert ObisCode.parse(text) == ENERGY


def test_parse_other_codes() -> None:
    assert ObisCode.parse("0.0.96.1.10.255") == ObisCode(a=0, b=0, c=96, d=1, e=10, f=255)
    assert ObisCode.parse("0-0:40.0.0*255").to_bytes() == bytes.fromhex("0000280000FF")
    assert ObisCode.parse("1-1:99.1.0*101").f == 101
    assert ObisCode.parse("1-0:1.8.0*0").f == 0


@pytest.mark.parametrize("text", [
    "", "1-0:1.8", "1.0.1.8.0", "1.0.1.8.0.255.1", "1-0:1.8.0*256", "256.0.1.8.0.255",
    "1-0:1.8.0*", "a-0:1.8.0", "0100010800F", "0100010800FF00", "1-0:1.8.0*-1",
    "1 - 0:1.8.0",
])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="OBIS") as info:
        ObisCode.parse(text)
    assert not isinstance(info.value, CodecError)
    assert repr(text) in str(info.value)


def test_parse_names_the_group_above_255() -> None:
    with pytest.raises(ValueError, match=r"value group F of .* got 256"):
        ObisCode.parse("1-0:1.8.0*256")


def test_text_forms() -> None:
    assert str(ENERGY) == "1-0:1.8.0*255"
    assert ENERGY.dotted == "1.0.1.8.0.255"
    assert ObisCode(a=0, b=0, c=1, d=0, e=0) == ObisCode.parse("0-0:1.0.0")


def test_bytes() -> None:
    assert ENERGY.to_bytes() == bytes.fromhex("0100010800FF")
    assert ObisCode.from_bytes(bytes.fromhex("0100010800FF")) == ENERGY
    with pytest.raises(IncompleteError):
        ObisCode.from_bytes(bytes.fromhex("0100010800"))
    with pytest.raises(CodecError, match="trailing"):
        ObisCode.from_bytes(bytes.fromhex("0100010800FF00"))
    r = Reader(bytes.fromhex("00 0100010800FF 02".replace(" ", "")), start=1)
    assert ObisCode.read(r) == ENERGY and r.remaining() == 1
    w = Writer()
    ENERGY.write(w)
    assert w.getvalue() == ENERGY.to_bytes()


def test_as_data() -> None:
    assert ENERGY.to_data() == OctetString(value=bytes.fromhex("0100010800FF"))
    assert ObisCode.from_data(ENERGY.to_data()) == ENERGY
    with pytest.raises(CodecError, match="6 octets"):
        ObisCode.from_data(OctetString(value=b"\x01"))
    with pytest.raises(CodecError, match="octet-string"):
        ObisCode.from_data(LongUnsigned(value=1))


def test_construction_checks() -> None:
    with pytest.raises(ValueError, match="C = 256"):
        ObisCode(a=1, b=0, c=256, d=8, e=0)
    with pytest.raises(TypeError):
        ObisCode(a=1, b=0, c="1", d=8, e=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ObisCode.parse(b"1.0.1.8.0.255")  # type: ignore[arg-type]


def test_ordering_and_hashing() -> None:
    codes = [ObisCode.parse("1-0:2.8.0"), ENERGY, ObisCode.parse("0-0:1.0.0")]
    assert sorted(codes)[0] == ObisCode.parse("0-0:1.0.0")
    assert len({ENERGY, ObisCode.parse("1.0.1.8.0.255")}) == 1


@given(obis_codes())
def test_round_trips(code: ObisCode) -> None:
    assert ObisCode.parse(str(code)) == code
    assert ObisCode.parse(code.dotted) == code
    assert ObisCode.parse(code.to_bytes().hex()) == code
    assert ObisCode.from_bytes(code.to_bytes()) == code
    assert ObisCode.from_data(code.to_data()) == code
