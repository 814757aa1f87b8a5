"""A-XDR Data: exact encodings per type, construction checks, strict decoding."""

from __future__ import annotations

import math

import pytest

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr import (
    MAX_DEPTH,
    Array,
    Bcd,
    BitString,
    Boolean,
    Data,
    DataTag,
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
    Structure,
    Unsigned,
    Utf8String,
    VisibleString,
    decode_data,
    encode_data,
    read_data,
    write_data,
)
from conformance.errors import CodecError, IncompleteError

# (value, exact encoding) pairs computed by hand from IEC 62056-6-2 4.1.5.
EXAMPLES: list[tuple[Data, str]] = [
    (NullData(), "00"),
    (DontCare(), "FF"),
    (Boolean(value=True), "0301"),
    (Boolean(value=False), "0300"),
    (BitString(value=""), "0400"),
    (BitString(value="1"), "040180"),
    (BitString(value="10100000"), "0408A0"),
    (BitString(value="101000001"), "0409A080"),
    (DoubleLong(value=-2), "05FFFFFFFE"),
    (DoubleLong(value=-(2**31)), "0580000000"),
    (DoubleLongUnsigned(value=0xDEADBEEF), "06DEADBEEF"),
    (OctetString(value=b""), "0900"),
    (OctetString(value=b"\x01\x02"), "09020102"),
    (VisibleString(value="ab"), "0A026162"),
    (Utf8String(value="é"), "0C02C3A9"),
    (Bcd(value=0x12), "0D12"),
    (Bcd(value=-103), "0D99"),
    (Integer(value=-1), "0FFF"),
    (Long(value=-256), "10FF00"),
    (Unsigned(value=255), "11FF"),
    (LongUnsigned(value=230), "1200E6"),
    (Long64(value=-1), "14FFFFFFFFFFFFFFFF"),
    (Long64Unsigned(value=2**64 - 1), "15FFFFFFFFFFFFFFFF"),
    (Enum(value=3), "1603"),
    (Float32(value=1.0), "173F800000"),
    (Float32(value=-2.5), "17C0200000"),
    (Float64(value=1.0), "183FF0000000000000"),
    (Array(items=()), "0100"),
    (Array(items=(Unsigned(value=1), Unsigned(value=2))), "0102110111 02".replace(" ", "")),
    (Structure(items=(Boolean(value=True), Array(items=(NullData(),)))), "02020301010100"),
]


@pytest.mark.parametrize(("value", "hex_"), EXAMPLES, ids=lambda x: repr(x)[:40])
def test_exact_encoding_and_decoding(value: Data, hex_: str) -> None:
    raw = bytes.fromhex(hex_)
    assert encode_data(value) == raw
    assert decode_data(raw) == value
    w = Writer()
    write_data(w, value)
    assert w.getvalue() == raw


def test_tags_are_the_standard_ones() -> None:
    assert [int(t) for t in DataTag] == [0, 1, 2, 3, 4, 5, 6, 9, 10, 12, 13, 15, 16, 17, 18,
                                         19, 20, 21, 22, 23, 24, 25, 26, 27, 255]
    assert DataTag.LONG64_UNSIGNED.type_name == "long64-unsigned"
    assert DataTag.NULL_DATA.type_name == "null-data"
    assert LongUnsigned.TAG is DataTag.LONG_UNSIGNED


def test_long_lengths_use_the_long_form() -> None:
    value = OctetString(value=bytes(range(256)) * 2)
    raw = encode_data(value)
    assert raw[:4] == bytes.fromhex("09820200")
    assert decode_data(raw) == value
    arr = Array(items=(Unsigned(value=7),) * 200)
    assert encode_data(arr)[:3] == bytes.fromhex("0181C8")
    assert decode_data(encode_data(arr)) == arr


def test_any_non_zero_boolean_octet_is_true() -> None:
    assert decode_data(bytes.fromhex("03FF")) == Boolean(value=True)


def test_float_specials() -> None:
    assert encode_data(Float32(value=math.inf)) == bytes.fromhex("177F800000")
    assert math.isnan(decode_data(bytes.fromhex("177FC00000")).value)  # type: ignore[attr-defined]
    assert decode_data(bytes.fromhex("1880000000000000 00".replace(" ", ""))) == Float64(
        value=-0.0)
    # Float32 rounds to single precision at construction so that it decodes equal.
    f = Float32(value=0.1)
    assert f.value != 0.1 and decode_data(encode_data(f)) == f


# -- construction checks (programming errors: ValueError / TypeError) -------------------
@pytest.mark.parametrize(("cls", "lo", "hi"), [
    (Integer, -128, 127), (Bcd, -128, 127), (Unsigned, 0, 255), (Enum, 0, 255),
    (Long, -(2**15), 2**15 - 1), (LongUnsigned, 0, 2**16 - 1),
    (DoubleLong, -(2**31), 2**31 - 1), (DoubleLongUnsigned, 0, 2**32 - 1),
    (Long64, -(2**63), 2**63 - 1), (Long64Unsigned, 0, 2**64 - 1),
])
def test_integer_ranges(cls: type[Data], lo: int, hi: int) -> None:
    assert cls(value=lo).value == lo  # type: ignore[call-arg,attr-defined]
    assert cls(value=hi).value == hi  # type: ignore[call-arg,attr-defined]
    for bad in (lo - 1, hi + 1):
        with pytest.raises(ValueError, match="outside"):
            cls(value=bad)  # type: ignore[call-arg]
    for wrong in (True, 1.0, "1"):
        with pytest.raises(TypeError):
            cls(value=wrong)  # type: ignore[call-arg]
    assert not issubclass(ValueError, CodecError)


@pytest.mark.parametrize(("build", "exc"), [
    (lambda: BitString(value="012"), ValueError),
    (lambda: BitString(value=b"01"), TypeError),
    (lambda: Boolean(value=1), TypeError),
    (lambda: OctetString(value="ab"), TypeError),
    (lambda: VisibleString(value="é"), ValueError),
    (lambda: VisibleString(value=b"a"), TypeError),
    (lambda: Utf8String(value="\ud800"), ValueError),
    (lambda: Float32(value=1e39), ValueError),
    (lambda: Float32(value="1"), TypeError),
    (lambda: Float64(value=None), TypeError),
    (lambda: Array(items=[Unsigned(value=1)]), TypeError),
    (lambda: Structure(items=(1,)), TypeError),
])
def test_bad_construction(build: object, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        build()  # type: ignore[operator]


def test_values_are_frozen_hashable_and_typed() -> None:
    v = LongUnsigned(value=5)
    with pytest.raises(AttributeError):
        v.value = 6  # type: ignore[misc]
    assert v != Unsigned(value=5)
    assert len({Array(items=(v,)), Array(items=(LongUnsigned(value=5),))}) == 1
    assert OctetString(value=bytearray(b"ab")).value == b"ab"


def test_bit_string_helpers() -> None:
    b = BitString.from_bytes(b"\xa0\x80", 9)
    assert b.value == "101000001" and len(b) == 9 and b.to_bytes() == b"\xa0\x80"
    assert BitString.from_bytes(b"\x0f").value == "00001111"
    with pytest.raises(ValueError):
        BitString.from_bytes(b"\x00", 9)


def test_bcd_digits() -> None:
    assert Bcd(value=0x42).digits == "42"
    assert Bcd(value=-103).digits == "99"
    with pytest.raises(ValueError, match="BCD"):
        _ = Bcd(value=0x1A).digits


# -- strict decoding ----------------------------------------------------------------------
def _error(hex_: str) -> CodecError:
    with pytest.raises(CodecError) as info:
        decode_data(bytes.fromhex(hex_))
    return info.value


@pytest.mark.parametrize("tag", [7, 8, 11, 14, 28, 0x80, 0xFE])
def test_unknown_tag_names_tag_and_offset(tag: int) -> None:
    err = _error(f"0202 1100 {tag:02X}")
    assert type(err) is CodecError
    assert f"unknown data type tag {tag}" in err.message
    assert err.offset == 4
    assert err.path == "structure[1].tag"


def test_path_grows_through_containers() -> None:
    # structure{unsigned, unsigned, array{visible-string 0xFF}}
    err = _error("0203 1101 1102 0101 0A01FF")
    assert err.path == "structure[2].array[0].visible-string"
    assert err.offset == 10 and "not ASCII" in err.message


def test_reader_scope_prefixes_the_data_path() -> None:
    r = Reader(bytes.fromhex("0201 0101 12"), path="GetResponse")
    with r.scope("result"), pytest.raises(IncompleteError) as info:
        read_data(r)
    assert info.value.path == "GetResponse.result.structure[0].array[0].long-unsigned"
    assert info.value.offset == 5


@pytest.mark.parametrize(("hex_", "what", "offset"), [
    ("0C02C328", "UTF-8", 2),
    ("0A02417F", None, None),  # 0x7F is ASCII (DEL): accepted
    ("040381", "padding", 2),
    ("0409A0C0", "padding", 3),
    ("0480", "indefinite", 1),
    ("098501000000", "length", 1),
])
def test_malformed_content(hex_: str, what: str | None, offset: int | None) -> None:
    if what is None:
        decode_data(bytes.fromhex(hex_))
        return
    err = _error(hex_)
    assert what in err.message
    assert err.offset == offset


def test_truncation_is_incomplete_at_every_cut() -> None:
    for value, hex_ in EXAMPLES:
        raw = bytes.fromhex(hex_)
        for cut in range(len(raw)):
            with pytest.raises(IncompleteError):
                decode_data(raw[:cut])
        assert decode_data(raw) == value


def test_trailing_bytes_are_an_error() -> None:
    err = _error("1100 00")
    assert "trailing" in err.message and err.offset == 2


def test_length_beyond_input_is_incomplete_not_a_crash() -> None:
    with pytest.raises(IncompleteError):
        decode_data(bytes.fromhex("0184FFFFFFFF00"))
    with pytest.raises(IncompleteError):
        decode_data(bytes.fromhex("0984FFFFFFFF00"))


def _nested(depth: int) -> bytes:
    return bytes.fromhex("0101") * depth + bytes.fromhex("00")


def test_encoder_does_not_bound_depth() -> None:
    # Checks may send deliberately deep data; only the decoder refuses it.
    value: Data = NullData()
    for _ in range(MAX_DEPTH + 5):
        value = Array(items=(value,))
    assert encode_data(value) == _nested(MAX_DEPTH + 5)


def test_depth_bound() -> None:
    ok = decode_data(_nested(MAX_DEPTH))
    assert encode_data(ok) == _nested(MAX_DEPTH)
    err = _error(_nested(MAX_DEPTH + 1).hex())
    assert "deeper than 64" in err.message
    assert err.offset == 2 * MAX_DEPTH + 1
    # Far deeper input fails the same way instead of exhausting the stack.
    with pytest.raises(CodecError, match="deeper"):
        decode_data(bytes.fromhex("0201") * 100_000)


def test_write_data_refuses_a_non_encodable_object() -> None:
    with pytest.raises(TypeError, match="no A-XDR encoding"):
        encode_data(Data())
    with pytest.raises(TypeError, match="no A-XDR encoding"):
        encode_data(5)  # type: ignore[arg-type]
    assert encode_data(Unsigned(value=1)) == b"\x11\x01"
