"""IEC 62056-21 sign-on messages and the 7-bit character format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.errors import CodecError, IncompleteError
from conformance.transport.iec21 import (
    BAUD_RATES,
    AcknowledgementMessage,
    IdentificationMessage,
    RequestMessage,
    SevenBitMode,
    baud_rate_id,
    decode_seven_bit,
    encode_seven_bit,
    parse_acknowledgement,
    parse_identification,
    parse_request,
)

# -- the 7-bit format (5.4: 7 data bits, even parity) ------------------------------------------


def test_even_parity_in_bit_7_by_hand() -> None:
    # '/' 0x2F = 0101111 (five ones) -> parity 1 -> 0xAF; '?' 0x3F (six) -> 0x3F;
    # '!' 0x21 (two) -> 0x21; CR 0x0D (three) -> 0x8D; LF 0x0A (two) -> 0x0A
    assert encode_seven_bit(b"/?!\r\n", SevenBitMode.EMULATED) == bytes.fromhex("AF3F218D0A")
    # ACK 0x06 (two) -> 0x06; '2' 0x32 (three) -> 0xB2; '5' 0x35 (four) -> 0x35
    assert encode_seven_bit(b"\x06252\r\n", SevenBitMode.EMULATED) == \
        bytes.fromhex("06B235B28D0A")
    for mode in (SevenBitMode.NATIVE, SevenBitMode.MASKED):
        assert encode_seven_bit(b"/?!\r\n", mode) == b"/?!\r\n"


def test_encode_refuses_eight_bit_data() -> None:
    with pytest.raises(ValueError, match="byte 1"):
        encode_seven_bit(b"a\x80", SevenBitMode.NATIVE)


def test_decode_emulated_checks_then_strips_parity() -> None:
    assert decode_seven_bit(bytes.fromhex("AF3F218D0A"), SevenBitMode.EMULATED) == b"/?!\r\n"
    with pytest.raises(CodecError) as info:
        decode_seven_bit(bytes.fromhex("AF3F210D0A"), SevenBitMode.EMULATED, path="request")
    assert info.value.offset == 3 and info.value.path == "request"
    assert "parity" in str(info.value)


def test_decode_native_rejects_bit_7() -> None:
    assert decode_seven_bit(b"/?!\r\n", SevenBitMode.NATIVE) == b"/?!\r\n"
    with pytest.raises(CodecError) as info:
        decode_seven_bit(bytes.fromhex("2F3F218D0A"), SevenBitMode.NATIVE)
    assert info.value.offset == 3 and "bit 7" in str(info.value)


def test_decode_masked_strips_without_checking() -> None:
    assert decode_seven_bit(bytes.fromhex("AF3FA18D0A"), SevenBitMode.MASKED) == b"/?!\r\n"


@given(st.binary().map(lambda b: bytes(x & 0x7F for x in b)))
def test_seven_bit_round_trip(text: bytes) -> None:
    for mode in SevenBitMode:
        wire = encode_seven_bit(text, mode)
        assert decode_seven_bit(wire, mode) == text
        assert all(bin(b).count("1") % 2 == 0 for b in encode_seven_bit(text,
                                                                        SevenBitMode.EMULATED))


def test_baud_rate_codes() -> None:
    assert BAUD_RATES == {"0": 300, "1": 600, "2": 1200, "3": 2400, "4": 4800, "5": 9600,
                          "6": 19200}
    assert baud_rate_id(9600) == "5" and baud_rate_id(300) == "0"
    with pytest.raises(ValueError):
        baud_rate_id(115200)


# -- request message (6.3.1) -------------------------------------------------------------------


def test_request_encoding() -> None:
    assert RequestMessage().encode() == b"/?!\r\n"
    assert RequestMessage(device_address="12345678").encode() == b"/?12345678!\r\n"
    with pytest.raises(ValueError):
        RequestMessage(device_address="a!b").encode()
    with pytest.raises(ValueError):
        RequestMessage(device_address="1" * 33).encode()


def test_request_parsing() -> None:
    assert parse_request(b"/?!\r\n") == RequestMessage()
    assert parse_request(b"/?Meter 42!\r\n") == RequestMessage(device_address="Meter 42")
    assert parse_request(b"/?" + b"9" * 32 + b"!\r\n").device_address == "9" * 32


@pytest.mark.parametrize(("data", "offset", "path", "kind"), [
    (b"?/!\r\n", 0, "request_message.start_character", CodecError),
    (b"/!\r\n", 1, "request_message.transmission_request_command", CodecError),
    (b"/?12_4!\r\n", 4, "request_message.device_address", CodecError),
    (b"/?" + b"1" * 33 + b"!\r\n", 2, "request_message.device_address", CodecError),
    (b"/?!\n", 3, "request_message.end_of_line", CodecError),
    (b"/?!\r\nX", 5, "request_message", CodecError),
    (b"/?12", 4, "request_message.device_address", IncompleteError),
    (b"/?!\r", 4, "request_message.end_of_line", IncompleteError),
    (b"", 0, "request_message.start_character", IncompleteError),
])
def test_request_errors(data: bytes, offset: int, path: str, kind: type[CodecError]) -> None:
    with pytest.raises(kind) as info:
        parse_request(data)
    assert (info.value.offset, info.value.path) == (offset, path)
    assert type(info.value) is kind


address_text = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ",
                       max_size=32)


@given(address_text)
def test_request_round_trip(address: str) -> None:
    message = RequestMessage(device_address=address)
    assert parse_request(message.encode()) == message


# -- identification message (6.3.2) -------------------------------------------------------------


def test_identification_of_a_mode_e_meter() -> None:
    message = parse_identification(b"/ISk5\\2MT382-1000\r\n")
    assert message == IdentificationMessage(manufacturer_id="ISk", baud_rate_id="5",
                                            enhanced_ids="2", identification="MT382-1000")
    assert message.supports_mode_e and message.baud_rate == 9600
    assert message.short_reaction_time
    assert message.encode() == b"/ISk5\\2MT382-1000\r\n"


def test_identification_without_mode_e_and_other_modes() -> None:
    plain = parse_identification(b"/LGZ4ZMD3104100\r\n")
    assert not plain.supports_mode_e and plain.enhanced_ids == ""
    assert plain.baud_rate == 4800 and not plain.short_reaction_time
    mode_b = parse_identification(b"/ABCEident\r\n")  # 'E' is a mode B code
    assert mode_b.baud_rate is None
    several = parse_identification(b"/XYZ6\\2\\0id\r\n")
    assert several.enhanced_ids == "20" and several.supports_mode_e
    empty = parse_identification(b"/XYZ6\\2\r\n")
    assert empty.identification == ""
    assert parse_identification(b"/XYZ6\\2" + b"x" * 16 + b"\r\n").identification == "x" * 16


@pytest.mark.parametrize(("data", "offset", "path", "kind"), [
    (b"ISK5\\2X\r\n", 0, "identification_message.start_character", CodecError),
    (b"/iSK5\\2X\r\n", 1, "identification_message.manufacturer_id", CodecError),
    (b"/I1K5\\2X\r\n", 2, "identification_message.manufacturer_id", CodecError),
    (b"/IS55\\2X\r\n", 3, "identification_message.manufacturer_id", CodecError),
    (b"/ISK/\\2X\r\n", 4, "identification_message.baud_rate_id", CodecError),
    (b"/ISK\\\\2X\r\n", 4, "identification_message.baud_rate_id", CodecError),
    (b"/ISK5\\@X\r\n", 6, "identification_message.enhanced_id", CodecError),
    (b"/ISK5\\2A!B\r\n", 8, "identification_message.identification", CodecError),
    (b"/ISK5\\2A\x01B\r\n", 8, "identification_message.identification", CodecError),
    (b"/ISK5\\2" + b"x" * 17 + b"\r\n", 7, "identification_message.identification",
     CodecError),
    (b"/ISK5\\2X\r\r", 9, "identification_message.end_of_line", CodecError),
    (b"/ISK5\\2X\r\n\r\n", 10, "identification_message", CodecError),
    (b"/IS", 1, "identification_message.manufacturer_id", IncompleteError),
    (b"/ISK5\\", 6, "identification_message.enhanced_id", IncompleteError),
    (b"/ISK5\\2MT3", 10, "identification_message.identification", IncompleteError),
])
def test_identification_errors(data: bytes, offset: int, path: str,
                               kind: type[CodecError]) -> None:
    with pytest.raises(kind) as info:
        parse_identification(data)
    assert (info.value.offset, info.value.path) == (offset, path)
    assert type(info.value) is kind


@pytest.mark.parametrize("kwargs", [
    {"manufacturer_id": "AB"}, {"manufacturer_id": "aBC"}, {"manufacturer_id": "A1C"},
    {"baud_rate_id": "/"}, {"baud_rate_id": "55"}, {"enhanced_ids": "A"},
    {"identification": "x" * 17}, {"identification": "a/b"}, {"identification": "\\2"},
])
def test_identification_encoding_is_checked(kwargs: dict[str, str]) -> None:
    fields = {"manufacturer_id": "ABC", "baud_rate_id": "5", **kwargs}
    with pytest.raises(ValueError):
        IdentificationMessage(**fields).encode()


upper = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ident_chars = [chr(c) for c in range(0x20, 0x7F) if chr(c) not in "/!"]


@st.composite
def identifications(draw: st.DrawFn) -> IdentificationMessage:
    third = draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
    ident = draw(st.text(alphabet=ident_chars, max_size=16).filter(
        lambda s: not s.startswith("\\")))
    return IdentificationMessage(
        manufacturer_id=draw(upper) + draw(upper) + third,
        baud_rate_id=draw(st.sampled_from("0123456789ABCDEFGHI")),
        enhanced_ids=draw(st.text(alphabet="0123456789", max_size=3)),
        identification=ident)


@given(identifications())
def test_identification_round_trip(message: IdentificationMessage) -> None:
    assert parse_identification(message.encode()) == message


# -- acknowledgement / option select message (6.3.3) ---------------------------------------------


def test_acknowledgement_mode_e() -> None:
    ack = AcknowledgementMessage(protocol_control="2", baud_rate_id="5", mode_control="2")
    assert ack.encode() == b"\x06252\r\n"
    assert ack.is_mode_e and ack.baud_rate == 9600
    assert parse_acknowledgement(b"\x06262\r\n").baud_rate == 19200
    data_readout = parse_acknowledgement(b"\x06050\r\n")
    assert not data_readout.is_mode_e and data_readout.mode_control == "0"
    assert parse_acknowledgement(b"\x0615Z\r\n").mode_control == "Z"  # manufacturer-specific


@pytest.mark.parametrize(("data", "offset", "path", "reason"), [
    (b"\x15252\r\n", 0, "acknowledgement_message.acknowledge_character", "expected"),
    (b"\x06352\r\n", 1, "acknowledgement_message.protocol_control", "reserved"),
    (b"\x06X52\r\n", 1, "acknowledgement_message.protocol_control", "invalid"),
    (b"\x06272\r\n", 2, "acknowledgement_message.baud_rate_id", "reserved"),
    (b"\x062A2\r\n", 2, "acknowledgement_message.baud_rate_id", "invalid"),
    (b"\x06256\r\n", 3, "acknowledgement_message.mode_control", "reserved"),
    (b"\x0625a\r\n", 3, "acknowledgement_message.mode_control", "invalid"),
    (b"\x06252\n\r", 4, "acknowledgement_message.end_of_line", "expected"),
    (b"\x06252\r\n\x7e", 6, "acknowledgement_message", "trailing"),
])
def test_acknowledgement_errors(data: bytes, offset: int, path: str, reason: str) -> None:
    with pytest.raises(CodecError, match=reason) as info:
        parse_acknowledgement(data)
    assert (info.value.offset, info.value.path) == (offset, path)


def test_acknowledgement_truncated() -> None:
    for cut in range(6):
        with pytest.raises(IncompleteError):
            parse_acknowledgement(b"\x06252\r\n"[:cut])


@pytest.mark.parametrize("kwargs", [{"protocol_control": "3"}, {"baud_rate_id": "7"},
                                    {"mode_control": "6"}, {"mode_control": "22"}])
def test_acknowledgement_encoding_is_checked(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        AcknowledgementMessage(**kwargs).encode()


@given(st.sampled_from("012"), st.sampled_from(sorted(BAUD_RATES)),
       st.sampled_from("012345ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
def test_acknowledgement_round_trip(v: str, z: str, y: str) -> None:
    message = AcknowledgementMessage(protocol_control=v, baud_rate_id=z, mode_control=y)
    assert parse_acknowledgement(message.encode()) == message


@given(st.binary(max_size=40))
def test_parsers_never_crash(data: bytes) -> None:
    for parse in (parse_request, parse_identification, parse_acknowledgement):
        try:
            parse(data)
        except CodecError as exc:
            assert exc.offset is not None and 0 <= exc.offset <= len(data)
