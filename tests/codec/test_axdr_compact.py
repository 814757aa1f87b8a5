"""compact-array [19] and TypeDescription (IEC 62056-6-2 4.1.5)."""

from __future__ import annotations

import pytest
from hypothesis import given

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr import (
    MAX_COMPACT_VALUES,
    Array,
    ArrayTypeDescription,
    BitString,
    CompactArray,
    DataTag,
    DateTime,
    LongUnsigned,
    NullData,
    OctetString,
    SimpleTypeDescription,
    Structure,
    StructureTypeDescription,
    TypeDescription,
    Unsigned,
    VisibleString,
    decode_data,
    description_from_json,
    encode_data,
    read_type_description,
    write_type_description,
)
from conformance.errors import CodecError, IncompleteError
from tests.strategies import compact_arrays, type_descriptions

U8 = SimpleTypeDescription(tag=DataTag.UNSIGNED)
U16 = SimpleTypeDescription(tag=DataTag.LONG_UNSIGNED)
OCTETS = SimpleTypeDescription(tag=DataTag.OCTET_STRING)


def _u8(v: int) -> Unsigned:
    return Unsigned(value=v)


def test_array_of_simple() -> None:
    ca = CompactArray(contents_description=U16,
                      items=(LongUnsigned(value=1), LongUnsigned(value=0x0203)))
    assert encode_data(ca) == bytes.fromhex("1312 04 0001 0203".replace(" ", ""))
    assert decode_data(encode_data(ca)) == ca


def test_nested_array_and_structure_descriptions() -> None:
    # Element: structure{octet-string, array(2) of unsigned, bit-string}
    td = StructureTypeDescription(items=(
        OCTETS, ArrayTypeDescription(number_of_elements=2, type_description=U8),
        SimpleTypeDescription(tag=DataTag.BIT_STRING)))
    row = Structure(items=(OctetString(value=b"\xab"), Array(items=(_u8(1), _u8(2))),
                           BitString(value="101")))
    ca = CompactArray(contents_description=td, items=(row, row))
    raw = encode_data(ca)
    # description 02 03 09 01 0002 11 04; each row 01 AB | 01 02 | 03 A0 (6 octets)
    assert raw == bytes.fromhex("13 020309010002 1104 0C 01AB010203A0 01AB010203A0"
                                .replace(" ", ""))
    assert decode_data(raw) == ca


def test_type_description_encoding() -> None:
    td = ArrayTypeDescription(number_of_elements=0x0102, type_description=StructureTypeDescription(
        items=(U8, SimpleTypeDescription(tag=DataTag.DATE_TIME))))
    w = Writer()
    write_type_description(w, td)
    assert w.getvalue() == bytes.fromhex("01 0102 02 02 11 19".replace(" ", ""))
    r = Reader(w.getvalue())
    assert read_type_description(r) == td and r.at_end()
    assert td.to_json() == ["array", 0x0102, ["structure", [["simple", 17], ["simple", 25]]]]
    assert description_from_json(td.to_json()) == td
    assert description_from_json(("simple", 18)) == U16


def test_description_of_values() -> None:
    row = Structure(items=(_u8(1), Array(items=(VisibleString(value="a"),))))
    td = TypeDescription.of(row)
    assert td == StructureTypeDescription(items=(U8, ArrayTypeDescription(
        number_of_elements=1, type_description=SimpleTypeDescription(
            tag=DataTag.VISIBLE_STRING))))
    assert td.describes(row)
    assert not td.describes(Structure(items=(_u8(1), Array(items=()))))
    assert CompactArray.of((row, row)).contents_description == td
    with pytest.raises(ValueError, match="differs"):
        TypeDescription.of(Array(items=(_u8(1), LongUnsigned(value=1))))
    with pytest.raises(ValueError, match="no items"):
        CompactArray.of(())


def test_construction_checks_items_against_description() -> None:
    with pytest.raises(ValueError, match=r"items\[1\] does not match"):
        CompactArray(contents_description=U8, items=(_u8(1), LongUnsigned(value=1)))
    with pytest.raises(ValueError, match="does not match"):
        CompactArray(contents_description=ArrayTypeDescription(
            number_of_elements=2, type_description=U8), items=(Array(items=(_u8(1),)),))
    with pytest.raises(ValueError, match="no octets"):
        CompactArray(contents_description=SimpleTypeDescription(tag=DataTag.NULL_DATA),
                     items=(NullData(),))
    with pytest.raises(ValueError, match="no octets"):
        CompactArray(contents_description=StructureTypeDescription(items=()))
    with pytest.raises(ValueError, match="simple"):
        SimpleTypeDescription(tag=DataTag.ARRAY)
    with pytest.raises(ValueError, match="Unsigned16"):
        ArrayTypeDescription(number_of_elements=0x10000, type_description=U8)
    with pytest.raises(TypeError):
        StructureTypeDescription(items=[U8])  # type: ignore[arg-type]


def _err(hex_: str) -> CodecError:
    with pytest.raises(CodecError) as info:
        decode_data(bytes.fromhex(hex_.replace(" ", "")))
    return info.value


def test_contents_ending_inside_an_element_is_a_mismatch() -> None:
    # long-unsigned elements, 3 octets of contents.
    err = _err("13 12 03 0001 02")
    assert type(err) is CodecError  # not IncompleteError: the contents length was met
    assert "element 1" in err.message
    assert err.path == "compact-array[1].long-unsigned"
    assert err.offset == 5
    # structure{octet-string, unsigned}: the octet-string length overruns the contents.
    err = _err("13 02 02 09 11 03 05 AA BB")
    assert type(err) is CodecError and err.path == "compact-array[0].structure[0].octet-string"


def test_contents_that_do_not_fit_the_description() -> None:
    # date-time elements with a month of 13.
    bad = DateTime(year=2024, month=1).to_bytes()
    bad = bad[:2] + b"\x0d" + bad[3:]
    err = _err("13 19 0C" + bad.hex())
    assert err.path == "compact-array[0].date-time.month" and err.offset == 5
    # visible-string elements holding a non-ASCII octet.
    err = _err("13 0A 02 01 80")
    assert "not ASCII" in err.message and err.path == "compact-array[0].visible-string"


@pytest.mark.parametrize(("hex_", "message"), [
    ("13 13 00", "cannot be nested"),
    ("13 07 00", "unknown data type tag 7"),
    ("13 1C 00", "unknown data type tag 28"),
    ("13 00 00", "no octets"),
    ("13 FF 00", "no octets"),
    ("13 02 02 00 FF 00", "no octets"),
    ("13 01 0000 11 00", "no octets"),
    ("13 02 01 01 0001 1F 00", "unknown data type tag 31"),
])
def test_bad_descriptions(hex_: str, message: str) -> None:
    err = _err(hex_)
    assert message in err.message


def test_bad_description_paths() -> None:
    err = _err("13 02 02 11 01 0001 1F 00")
    assert err.path == "type-description.structure[1].type-description.array.type-description"
    assert err.offset == 7


def test_truncation_is_incomplete() -> None:
    raw = bytes.fromhex("1302030911113C0C07D00101FF000000FF80000000000C07D00101FF000000FF8000"
                        "0000000C07D00101FF000000FF80000000000C07D00101FF000000FF8000000000")
    for cut in range(len(raw)):
        with pytest.raises(IncompleteError):
            decode_data(raw[:cut])


def test_expansion_bound() -> None:
    # Each element: structure{array(65535) of array(65535) of unsigned...} is refused as
    # soon as one element would exceed the bound, before reading it.
    td = StructureTypeDescription(items=(U8, ArrayTypeDescription(
        number_of_elements=0xFFFF, type_description=ArrayTypeDescription(
            number_of_elements=0xFFFF, type_description=SimpleTypeDescription(
                tag=DataTag.NULL_DATA)))))
    assert td.value_count > MAX_COMPACT_VALUES and not td.is_empty
    w = Writer()
    write_type_description(w, td)
    raw = b"\x13" + w.getvalue() + b"\x01\x05"
    err = _err(raw.hex())
    assert "more than" in err.message


def test_depth_bound_in_descriptions() -> None:
    deep = bytes.fromhex("010001") * 70 + b"\x11"
    err = _err("13" + deep.hex() + "00")
    assert "deeper" in err.message


@given(compact_arrays())
def test_round_trip(ca: CompactArray) -> None:
    raw = encode_data(ca)
    assert decode_data(raw) == ca
    assert encode_data(decode_data(raw)) == raw


@given(type_descriptions())
def test_description_round_trip(td: TypeDescription) -> None:
    w = Writer()
    write_type_description(w, td)
    r = Reader(w.getvalue())
    assert read_type_description(r) == td and r.at_end()
    assert description_from_json(td.to_json()) == td
