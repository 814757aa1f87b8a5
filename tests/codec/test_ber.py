"""BER primitives (X.690): identifiers, definite lengths, TLV reading with offsets,
INTEGER, BIT STRING and OBJECT IDENTIFIER."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec._buffer import Reader, Writer
from conformance.codec.ber import (
    BitString,
    ObjectIdentifier,
    Tag,
    TagClass,
    UniversalTag,
    decode_graphic_string,
    decode_integer,
    decode_octet_string,
    encode_graphic_string,
    encode_integer,
    encode_octet_string,
    encode_tlv,
    pull_tag,
    pull_tlv,
    pull_tlvs,
    push_tlv,
)
from conformance.errors import CodecError, IncompleteError

tags = st.builds(lambda c, k, n: Tag(tag_class=c, constructed=k, number=n),
                 st.sampled_from(TagClass), st.booleans(),
                 st.one_of(st.integers(0, 40), st.integers(0, (1 << 28) - 1)))


# -- identifiers ----------------------------------------------------------------------------
@pytest.mark.parametrize("tag,encoded", [
    (Tag.application(0, constructed=True), "60"),
    (Tag.application(3, constructed=True), "63"),
    (Tag.context(0), "80"),
    (Tag.context(1, constructed=True), "A1"),
    (Tag.context(10), "8A"),
    (Tag.context(29), "9D"),
    (Tag.context(30, constructed=True), "BE"),
    (Tag.universal(UniversalTag.OCTET_STRING), "04"),
    (Tag.universal(UniversalTag.SEQUENCE, constructed=True), "30"),
    (Tag.application(31), "5F1F"),  # the xDLMS conformance block
    (Tag.context(200), "9F8148"),
    (Tag(tag_class=TagClass.PRIVATE, constructed=True, number=127), "FF7F"),
    (Tag.context(128), "9F8100"),
])
def test_tag_encoding(tag: Tag, encoded: str) -> None:
    assert tag.to_bytes().hex().upper() == encoded
    r = Reader(bytes.fromhex(encoded))
    assert pull_tag(r) == tag
    assert r.at_end()


@given(tags)
def test_tag_round_trip(tag: Tag) -> None:
    r = Reader(tag.to_bytes())
    assert pull_tag(r) == tag
    assert r.at_end()


def test_tag_str_names_the_tag_and_octets() -> None:
    assert str(Tag.context(1, constructed=True)) == "[1] (0xA1)"
    assert str(Tag.application(31)) == "[APPLICATION 31] (0x5F1F)"
    assert str(Tag.universal(4)) == "UNIVERSAL OCTET_STRING (0x04)"
    assert str(Tag.universal(21)) == "[UNIVERSAL 21] (0x15)"


@pytest.mark.parametrize("data,offset,message", [
    ("1F80 01", 1, "leading 0x80"),       # X.690 8.1.2.4.2 c)
    ("1F1E", 0, "one-octet form"),        # number 30 must use the low form
    ("1F8181818101", 0, "longer than 4"),
])
def test_malformed_tags(data: str, offset: int, message: str) -> None:
    with pytest.raises(CodecError) as info:
        pull_tag(Reader(bytes.fromhex(data)))
    assert info.value.offset == offset
    assert message in info.value.message


@pytest.mark.parametrize("data", ["", "1F", "1F81", "BF8181"])
def test_truncated_tags(data: str) -> None:
    with pytest.raises(IncompleteError):
        pull_tag(Reader(bytes.fromhex(data)))


def test_tag_number_range() -> None:
    with pytest.raises(ValueError):
        Tag.context(-1)
    with pytest.raises(ValueError):
        Tag.context(1 << 28)


# -- lengths and TLVs -----------------------------------------------------------------------
@pytest.mark.parametrize("size,header", [(0, "0400"), (127, "047F"), (128, "048180"),
                                         (200, "0481C8"), (255, "0481FF"),
                                         (256, "04820100"), (70000, "0483011170")])
def test_definite_lengths_short_and_long(size: int, header: str) -> None:
    value = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    encoded = encode_tlv(Tag.universal(4), value)
    assert encoded.hex().upper().startswith(header)
    tlv = pull_tlv(Reader(encoded))
    assert tlv.value == value
    assert tlv.value_offset == len(header) // 2
    w = Writer()
    push_tlv(w, Tag.universal(4), value)
    assert w.getvalue() == encoded


def test_non_minimal_long_form_is_accepted() -> None:
    # X.690 8.1.3.5 lets the sender use the long form for any length (BER, not DER).
    tlv = pull_tlv(Reader(bytes.fromhex("0481020102")))
    assert tlv.value == b"\x01\x02"


def test_indefinite_length_is_rejected() -> None:
    with pytest.raises(CodecError) as info:
        pull_tlv(Reader(bytes.fromhex("3080020100 0000")))
    assert info.value.offset == 1
    assert "indefinite" in info.value.message


def test_length_override_is_written_as_given() -> None:
    assert encode_tlv(Tag.universal(4), b"\x01\x02", length=5).hex() == "04050102"
    w = Writer()
    push_tlv(w, Tag.universal(4), b"", length=200)
    assert w.getvalue().hex() == "0481c8"


def test_overrun_at_top_level_is_incomplete() -> None:
    with pytest.raises(IncompleteError) as info:
        pull_tlv(Reader(bytes.fromhex("0405 0102")))
    assert info.value.offset == 1


def test_overrun_inside_a_known_parent_is_malformed() -> None:
    r = Reader(bytes.fromhex("0405 0102"), base=10, path="AARQ")
    with pytest.raises(CodecError) as info:
        pull_tlv(r, "calling_ap_title", within="calling-AP-title")
    err = info.value
    assert not isinstance(err, IncompleteError)
    assert err.offset == 11
    assert err.path == "AARQ.calling_ap_title"
    assert "overruns the enclosing calling-AP-title" in err.message


@pytest.mark.parametrize("data", ["04", "0481", "1F"])
def test_header_cut_inside_a_known_parent_is_malformed(data: str) -> None:
    with pytest.raises(CodecError) as info:
        pull_tlv(Reader(bytes.fromhex(data)), within="parent")
    assert not isinstance(info.value, IncompleteError)
    assert "inside parent" in info.value.message


def test_pull_tlvs_reports_absolute_offsets() -> None:
    data = bytes.fromhex("AA BB 80 01 00 A1 03 02 01 05 BE 00")
    r = Reader(data, start=2, base=100)
    tlvs = pull_tlvs(r, "x", within="test")
    assert [(t.tag.to_bytes().hex(), t.offset, t.value_offset, t.value.hex())
            for t in tlvs] == [("80", 102, 104, "00"), ("a1", 105, 107, "020105"),
                               ("be", 110, 112, "")]
    assert tlvs[1].end_offset == 110
    inner = pull_tlv(tlvs[1].reader("p"))
    assert inner.offset == 107 and inner.value == b"\x05"


def test_tlv_expect() -> None:
    tlv = pull_tlv(Reader(bytes.fromhex("0401AA")))
    tlv.expect(Tag.universal(4), "p")
    with pytest.raises(CodecError) as info:
        tlv.expect(Tag.universal(2), "p")
    assert "expected UNIVERSAL INTEGER (0x02), found UNIVERSAL OCTET_STRING (0x04)" \
        in info.value.message


# -- INTEGER --------------------------------------------------------------------------------
@pytest.mark.parametrize("value,content", [(0, "00"), (1, "01"), (127, "7F"), (128, "0080"),
                                           (256, "0100"), (-1, "FF"), (-128, "80"),
                                           (-129, "FF7F"), (65535, "00FFFF")])
def test_integer_encoding(value: int, content: str) -> None:
    assert encode_integer(value).hex().upper() == content
    assert decode_integer(bytes.fromhex(content), offset=0, path="") == value


@given(st.integers(-(1 << 80), 1 << 80))
def test_integer_round_trip(value: int) -> None:
    assert decode_integer(encode_integer(value), offset=0, path="") == value


@pytest.mark.parametrize("content,message", [("", "no content"), ("0001", "minimally"),
                                             ("FF80", "minimally")])
def test_integer_malformed(content: str, message: str) -> None:
    with pytest.raises(CodecError) as info:
        decode_integer(bytes.fromhex(content), offset=7, path="p")
    assert info.value.offset == 7 and message in info.value.message


# -- BIT STRING -----------------------------------------------------------------------------
def test_bit_string_named_bits() -> None:
    auth = BitString.from_bits([0])
    assert auth.to_content().hex() == "0780"
    assert len(auth) == 1 and auth.bit(0) and not auth.bit(1)
    assert BitString.from_bits([]).to_content().hex() == "00"
    assert BitString.from_bits([1, 9]).to_content().hex() == "064040"
    assert BitString.from_bits([0], size=24).to_content().hex() == "00800000"
    assert BitString.from_bits([3, 4, 14, 18], size=24).set_bits() == (3, 4, 14, 18)


def test_bit_string_validation() -> None:
    with pytest.raises(ValueError):
        BitString(data=b"", unused_bits=1)
    with pytest.raises(ValueError):
        BitString(data=b"\x00", unused_bits=8)
    with pytest.raises(ValueError):
        BitString.from_bits([8], size=8)
    with pytest.raises(ValueError):
        BitString.from_bits([-1])


@pytest.mark.parametrize("content,message", [("", "no initial octet"), ("08FF", "above 7"),
                                             ("03", "0 unused bits")])
def test_bit_string_malformed(content: str, message: str) -> None:
    with pytest.raises(CodecError) as info:
        BitString.from_content(bytes.fromhex(content), offset=3, path="p")
    assert info.value.offset == 3 and message in info.value.message


@given(st.binary(min_size=1, max_size=8), st.integers(0, 7))
def test_bit_string_round_trip(data: bytes, unused: int) -> None:
    bits = BitString(data=data, unused_bits=unused)
    assert BitString.from_content(bits.to_content(), offset=0, path="") == bits


# -- OBJECT IDENTIFIER ----------------------------------------------------------------------
@pytest.mark.parametrize("dotted,content", [
    ("2.16.756.5.8.1.1", "60857405080101"),
    ("2.16.756.5.8.2.7", "60857405080207"),
    ("1.2.840.10045.4.3.2", "2A8648CE3D040302"),
    ("0.39", "27"),
    ("2.999.3", "883703"),
])
def test_object_identifier(dotted: str, content: str) -> None:
    oid = ObjectIdentifier.parse(dotted)
    assert str(oid) == dotted
    assert oid.to_content().hex().upper() == content
    assert ObjectIdentifier.from_content(bytes.fromhex(content), offset=0, path="") == oid


@pytest.mark.parametrize("content,offset,message", [
    ("", 0, "no content"),
    ("6080857405", 1, "leading 0x80"),
    ("60857485", 3, "ends inside"),
])
def test_object_identifier_malformed(content: str, offset: int, message: str) -> None:
    with pytest.raises(CodecError) as info:
        ObjectIdentifier.from_content(bytes.fromhex(content), offset=0, path="oid")
    assert info.value.offset == offset and message in info.value.message


@pytest.mark.parametrize("arcs", [(1,), (3, 1), (1, 40), (0, 1, -2)])
def test_object_identifier_invalid_arcs(arcs: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        ObjectIdentifier(arcs=arcs)


oids = st.builds(lambda first, second, rest: ObjectIdentifier(arcs=(first, second, *rest)),
                 st.integers(0, 1), st.integers(0, 39),
                 st.lists(st.integers(0, 1 << 40), max_size=8)) | st.builds(
    lambda second, rest: ObjectIdentifier(arcs=(2, second, *rest)),
    st.integers(0, 100000), st.lists(st.integers(0, 1 << 40), max_size=8))


@given(oids)
def test_object_identifier_round_trip(oid: ObjectIdentifier) -> None:
    assert ObjectIdentifier.from_content(oid.to_content(), offset=0, path="") == oid


# -- OCTET STRING / GraphicString -----------------------------------------------------------
def test_string_helpers() -> None:
    assert encode_octet_string(b"\x01\x02").hex() == "04020102"
    assert encode_octet_string(b"", length=3).hex() == "0403"
    assert encode_graphic_string(b"abc").hex() == "1903616263"
    assert decode_octet_string(pull_tlv(Reader(bytes.fromhex("0401FF"))), "p") == b"\xff"
    assert decode_graphic_string(pull_tlv(Reader(bytes.fromhex("190141"))), "p") == b"A"
    segmented = pull_tlv(Reader(bytes.fromhex("2403040100")))
    with pytest.raises(CodecError) as info:
        decode_octet_string(segmented, "p")
    assert "found UNIVERSAL OCTET_STRING (0x24)" in info.value.message
    with pytest.raises(CodecError):
        decode_graphic_string(pull_tlv(Reader(bytes.fromhex("0401FF"))), "p")
