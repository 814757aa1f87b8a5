"""xDLMS InitiateRequest / InitiateResponse and the conformance block."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec._buffer import Reader
from conformance.codec.apdu_base import decoder_for
from conformance.codec.xdlms.initiate import (
    VAA_NAME_SN,
    Conformance,
    InitiateRequest,
    InitiateResponse,
    conformance_names,
    decode_initiate_request,
    decode_initiate_response,
)
from conformance.errors import CodecError, IncompleteError
from tests.codec.test_acse_vectors import check_initiate_request, check_initiate_response
from tests.vectors import by_category, hexbytes, vector

INITIATE = [v for v in by_category("InitiateRequest/Response")
            if v["id"] != "conformance-block-encodings"]


@pytest.mark.parametrize("v", INITIATE, ids=[v["id"] for v in INITIATE])
def test_vectors(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    if exp["apdu"] == "InitiateRequest":
        req = decode_initiate_request(data)
        check_initiate_request(req, exp)
        assert req.to_bytes() == data
    else:
        resp = decode_initiate_response(data)
        check_initiate_response(resp, exp)
        assert resp.to_bytes() == data
    # Through the APDU registry too (tags 0x01 and 0x08).
    r = Reader(data, start=1)
    assert decoder_for(data[0])(r).to_bytes() == data
    assert r.at_end()


@pytest.mark.parametrize("v", INITIATE, ids=[v["id"] for v in INITIATE])
def test_truncations_and_trailing_bytes(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    decode = decode_initiate_request if data[0] == 0x01 else decode_initiate_response
    for n in range(len(data)):
        with pytest.raises(IncompleteError):
            decode(data[:n])
    with pytest.raises(CodecError) as info:
        decode(data + b"\x00")
    assert info.value.offset == len(data)
    assert "trailing" in info.value.message


def test_conformance_block_encodings() -> None:
    """Every block of the vector decodes to exactly the listed bit names and numbers."""
    v = vector("conformance-block-encodings")
    assert Conformance.from_bytes(hexbytes(v["hex"])[4:]) == Conformance.from_bytes(
        bytes.fromhex("007E1F"))
    for key, listed in v["expected"].items():
        block = Conformance.from_bytes(bytes.fromhex(key.split()[0]))
        expected = [(name.split("(")[0], int(name.split("(")[1].rstrip(")"))) for name in listed]
        assert list(zip(conformance_names(block), block.bit_numbers(), strict=True)) == expected
        assert block.names() == tuple(name for name, _ in expected)
        assert block.to_bytes().hex().upper() == key.split()[0]
        assert Conformance.from_bit_numbers(n for _, n in expected) == block


def test_conformance_bits_and_sn_services() -> None:
    sn = Conformance.from_bytes(bytes.fromhex("180220"))
    assert sn == (Conformance.READ | Conformance.WRITE | Conformance.MULTIPLE_REFERENCES
                  | Conformance.PARAMETERIZED_ACCESS)
    assert Conformance.GENERAL_PROTECTION.bit_numbers() == (1,)
    assert Conformance.ACTION.to_bytes() == b"\x00\x00\x01"
    assert Conformance.RESERVED_ZERO.to_bytes() == b"\x80\x00\x00"
    assert [Conformance.bit_name(n) for n in (0, 6, 7, 16, 17)] == [
        "reserved-zero", "delta-value-encoding", "reserved-seven", "data-notification",
        "access"]
    full = Conformance.from_bytes(b"\xff\xff\xff")
    assert full.bit_numbers() == tuple(range(24))
    assert len(set(conformance_names(full))) == 24
    with pytest.raises(ValueError):
        Conformance.from_bytes(b"\x00\x00")
    with pytest.raises(ValueError):
        Conformance.from_bit_numbers([24])


@pytest.mark.parametrize("block,offset,field,message", [
    ("5F200400007E1F", 5, "proposed_conformance", "must start with [APPLICATION 31]"),
    ("5F1E0400007E1F", 5, "proposed_conformance.tag", "one-octet form"),
    ("7F1F0400007E1F", 5, "proposed_conformance", "must start with"),
    ("5F1F0500007E1F00", 7, "proposed_conformance.length", "must be 4"),
    ("5F1F0401007E1F", 8, "proposed_conformance.unused_bits", "0 unused bits"),
])
def test_conformance_block_strictness(block: str, offset: int, field: str,
                                      message: str) -> None:
    data = bytes.fromhex("0100000006" + block + "04B0")
    with pytest.raises(CodecError) as info:
        decode_initiate_request(data)
    assert info.value.offset == offset
    assert info.value.path == f"InitiateRequest.{field}"
    assert message in info.value.message


def test_presence_flags_are_strict() -> None:
    with pytest.raises(CodecError) as info:
        decode_initiate_request(bytes.fromhex("01020000065F1F0400007E1F04B0"))
    assert info.value.offset == 1
    assert info.value.path == "InitiateRequest.dedicated_key"
    with pytest.raises(CodecError) as info:
        decode_initiate_response(bytes.fromhex("0802065F1F0400007E1F04B00007"))
    assert info.value.path == "InitiateResponse.negotiated_quality_of_service"


def test_wrong_tag_is_reported_at_byte_zero() -> None:
    with pytest.raises(CodecError) as info:
        decode_initiate_request(bytes.fromhex("0800065F1F040000501F01F40007"), base=20,
                                path="AARQ.user_information")
    assert info.value.offset == 20
    assert info.value.path == "AARQ.user_information"
    assert "expected the InitiateRequest tag 0x01, found 0x08" in info.value.message


def test_response_allowed_encodings() -> None:
    conf = Conformance.GET
    unconfirmed = InitiateRequest(response_allowed=False, proposed_conformance=conf,
                                  client_max_receive_pdu_size=0)
    assert unconfirmed.to_bytes().hex() == "01000100" + "00065f1f0400000010" + "0000"
    explicit = decode_initiate_request(bytes.fromhex("0100010100065F1F040000001004B0"))
    assert explicit.response_allowed and explicit.response_allowed_explicit
    assert explicit.to_bytes().hex().upper() == "0100010100065F1F040000001004B0"
    non_one = decode_initiate_request(bytes.fromhex("010001FF00065F1F040000001004B0"))
    assert non_one.response_allowed  # BOOLEAN: any non-zero octet is TRUE
    with pytest.raises(ValueError):
        InitiateRequest(response_allowed=False, response_allowed_explicit=True,
                        proposed_conformance=conf, client_max_receive_pdu_size=0)


def test_quality_of_service_is_signed() -> None:
    req = InitiateRequest(proposed_quality_of_service=-1, proposed_conformance=Conformance(0),
                          client_max_receive_pdu_size=1200)
    assert req.to_bytes().hex() == "01000001ff065f1f04000000000" + "4b0"
    assert decode_initiate_request(req.to_bytes()) == req


def test_dedicated_key_is_not_in_repr() -> None:
    key = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    req = InitiateRequest(dedicated_key=key, proposed_conformance=Conformance.GET,
                          client_max_receive_pdu_size=1200)
    assert "00112233" not in repr(req) and str(key) not in repr(req)
    assert "dedicated_key" not in repr(req)


def test_sn_vaa_name() -> None:
    resp = InitiateResponse(negotiated_conformance=Conformance.READ | Conformance.WRITE,
                            server_max_receive_pdu_size=0x190, vaa_name=VAA_NAME_SN)
    assert resp.to_bytes().hex().upper() == "0800065F1F040018000001 90FA00".replace(" ", "")


@pytest.mark.parametrize("kwargs", [
    {"proposed_quality_of_service": 128}, {"proposed_dlms_version_number": 256},
    {"client_max_receive_pdu_size": 0x10000}, {"client_max_receive_pdu_size": -1},
])
def test_request_field_ranges(kwargs: dict[str, int]) -> None:
    base: dict[str, Any] = {"proposed_conformance": Conformance(0),
                            "client_max_receive_pdu_size": 0}
    with pytest.raises(ValueError):
        InitiateRequest(**{**base, **kwargs})


@pytest.mark.parametrize("kwargs", [
    {"negotiated_quality_of_service": -129}, {"negotiated_dlms_version_number": -1},
    {"server_max_receive_pdu_size": 0x10000}, {"vaa_name": 0x10000},
])
def test_response_field_ranges(kwargs: dict[str, int]) -> None:
    base: dict[str, Any] = {"negotiated_conformance": Conformance(0),
                            "server_max_receive_pdu_size": 0}
    with pytest.raises(ValueError):
        InitiateResponse(**{**base, **kwargs})


conformances = st.integers(0, 0xFFFFFF).map(Conformance)
qos = st.none() | st.integers(-128, 127)


@st.composite
def initiate_requests(draw: st.DrawFn) -> InitiateRequest:
    allowed = draw(st.booleans())
    return InitiateRequest(
        dedicated_key=draw(st.none() | st.binary(max_size=300)),
        response_allowed=allowed,
        response_allowed_explicit=allowed and draw(st.booleans()),
        proposed_quality_of_service=draw(qos),
        proposed_dlms_version_number=draw(st.integers(0, 255)),
        proposed_conformance=draw(conformances),
        client_max_receive_pdu_size=draw(st.integers(0, 0xFFFF)))


initiate_responses = st.builds(
    InitiateResponse, negotiated_quality_of_service=qos,
    negotiated_dlms_version_number=st.integers(0, 255), negotiated_conformance=conformances,
    server_max_receive_pdu_size=st.integers(0, 0xFFFF), vaa_name=st.integers(0, 0xFFFF))


@given(initiate_requests())
def test_request_round_trip(req: InitiateRequest) -> None:
    assert decode_initiate_request(req.to_bytes()) == req


@given(initiate_responses)
def test_response_round_trip(resp: InitiateResponse) -> None:
    assert decode_initiate_response(resp.to_bytes()) == resp


@given(st.binary(max_size=40))
def test_arbitrary_bytes_raise_only_codec_errors(data: bytes) -> None:
    for decode in (decode_initiate_request, decode_initiate_response):
        with contextlib.suppress(CodecError):
            decode(data)
