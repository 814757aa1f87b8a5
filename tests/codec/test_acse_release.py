"""RLRQ / RLRE: reasons (standard and the Iskra nested-INTEGER form), user-information,
overrides, strict decoding, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec._buffer import Reader
from conformance.codec.acse import (
    RLRE,
    RLRQ,
    ReleaseRequestReason,
    ReleaseResponseReason,
    decode_acse_apdu,
)
from conformance.codec.apdu_base import decoder_for
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest, InitiateResponse
from conformance.errors import CodecError, IncompleteError
from tests.codec.test_acse_aarq import user_information

REQUEST = bytes.fromhex("01000000065F1F0400007E1F04B0")
RESPONSE = bytes.fromhex("080100065F1F0400001E1D04C80007")


def error_of(data: bytes) -> CodecError:
    """The CodecError decoding ``data`` raises."""
    with pytest.raises(CodecError) as info:
        decode_acse_apdu(data)
    return info.value


@pytest.mark.parametrize("apdu,encoded", [
    (RLRQ(), "6200"),
    (RLRQ(reason=ReleaseRequestReason.NORMAL), "6203800100"),
    (RLRQ(reason=ReleaseRequestReason.URGENT), "6203800101"),
    (RLRQ(reason=ReleaseRequestReason.USER_DEFINED), "620380011E"),
    (RLRE(reason=ReleaseResponseReason.NOT_FINISHED), "6303800101"),
    (RLRE(reason=ReleaseResponseReason.USER_DEFINED, user_information=RESPONSE),
     "6316" "80011E" "BE11040F" + RESPONSE.hex().upper()),
    (RLRQ(user_information=REQUEST), "6212BE10040E" + REQUEST.hex().upper()),
])
def test_encodings(apdu: RLRQ | RLRE, encoded: str) -> None:
    assert apdu.to_bytes().hex().upper() == encoded
    assert decode_acse_apdu(bytes.fromhex(encoded)) == apdu


def test_registered_for_tags_62_and_63() -> None:
    r = Reader(bytes.fromhex("6203800101"), start=1)
    assert decoder_for(0x62)(r) == RLRQ(reason=ReleaseRequestReason.URGENT)
    r = Reader(bytes.fromhex("6303800100"), start=1)
    assert decoder_for(0x63)(r) == RLRE(reason=ReleaseResponseReason.NORMAL)


def test_nested_integer_reason_is_kept_exactly() -> None:
    """Iskra: ``80 03 02 01 00`` (vector wrapper-rlre-iskra-nonstandard-reason)."""
    for tag, cls, normal in ((0x62, RLRQ, ReleaseRequestReason.NORMAL),
                             (0x63, RLRE, ReleaseResponseReason.NORMAL)):
        data = bytes((tag,)) + bytes.fromhex("058003020100")
        apdu = decode_acse_apdu(data)
        assert isinstance(apdu, cls)
        assert apdu.reason is normal
        assert apdu.reason_content == bytes.fromhex("020100")
        assert apdu.reason_octets == bytes.fromhex("020100")
        assert apdu.to_bytes() == data
    standard = RLRE(reason=ReleaseResponseReason.NORMAL)
    assert standard.reason_content is None and standard.reason_octets == b"\x00"
    assert RLRE().reason_octets is None


def test_reason_content_override_needs_a_reason() -> None:
    with pytest.raises(ValueError):
        RLRQ(reason_content=b"\x00")
    with pytest.raises(ValueError):
        RLRE(reason_content=b"\x00")
    broken = RLRQ(reason=ReleaseRequestReason.NORMAL, reason_content=b"\x00\x00")
    assert broken.to_bytes().hex() == "620480020000"
    err = error_of(broken.to_bytes())
    assert (err.offset, err.path) == (4, "RLRQ.reason") and "minimally" in err.message


@pytest.mark.parametrize("data,offset,path,message", [
    ("6203800102", 4, "RLRQ.reason",
     "reason 2 is not a defined Release-request-reason (normal (0), urgent (1), "
     "user-defined (30))"),
    ("6303800102", 4, "RLRE.reason", "not-finished (1)"),
    ("62058003020105", 6, "RLRQ.reason", "reason 5 is not a defined"),
    ("62028000", 4, "RLRQ.reason", "no content"),
    ("6203A00100", 2, "RLRQ.reason", "must be encoded as [0] (0x80), found [0] (0xA0)"),
    ("6205BE00800100", 4, "RLRQ.reason", "out of order (after user-information [30])"),
    ("6206800100800100", 5, "RLRQ.reason", "repeated"),
    ("6203810100", 2, "RLRQ", "unknown RLRQ field [1] (0x81)"),
    ("6204BE020500", 4, "RLRQ.user_information",
     "expected UNIVERSAL OCTET_STRING (0x04), found UNIVERSAL NULL (0x05)"),
    ("6205BE03040200", 5, "RLRQ.user_information", "length 2 overruns the enclosing"),
])
def test_strict_decoding(data: str, offset: int, path: str, message: str) -> None:
    err = error_of(bytes.fromhex(data))
    assert not isinstance(err, IncompleteError)
    assert message in err.message
    assert (err.offset, err.path) == (offset, path)


def test_user_information_helpers() -> None:
    assert RLRQ().initiate_request() is None
    assert RLRQ(user_information=REQUEST).initiate_request() == InitiateRequest(
        proposed_conformance=Conformance.from_bytes(bytes.fromhex("007E1F")),
        client_max_receive_pdu_size=1200)
    assert RLRE(user_information=RESPONSE).initiate_response() == InitiateResponse(
        negotiated_quality_of_service=0,
        negotiated_conformance=Conformance.from_bytes(bytes.fromhex("001E1D")),
        server_max_receive_pdu_size=1224)
    ciphered = RLRE(user_information=bytes.fromhex("2800"))
    assert ciphered.user_information_ciphered and ciphered.initiate_response() is None
    assert RLRQ(user_information=bytes.fromhex("2100")).user_information_ciphered
    with pytest.raises(CodecError) as info:
        RLRE(user_information=REQUEST).initiate_response()
    assert info.value.path == "RLRE.user_information"
    with pytest.raises(CodecError) as info:
        RLRQ(user_information=RESPONSE).initiate_request()
    assert info.value.path == "RLRQ.user_information"


def test_length_overrides() -> None:
    rlrq = RLRQ(reason=ReleaseRequestReason.NORMAL, user_information=REQUEST, length=0x7F,
                user_information_length=0x0F, user_information_octets_length=0x0D)
    assert rlrq.to_bytes().hex().upper() == "627F800100BE0F040D" + REQUEST.hex().upper()
    err = error_of(RLRE(reason=ReleaseResponseReason.NORMAL, length=2).to_bytes())
    assert (err.offset, err.path) == (1, "RLRE.length")


def test_truncations_and_trailing_bytes() -> None:
    data = RLRE(reason=ReleaseResponseReason.NORMAL, user_information=RESPONSE).to_bytes()
    for n in range(len(data)):
        with pytest.raises(IncompleteError):
            decode_acse_apdu(data[:n])
    err = error_of(data + b"\x00")
    assert not isinstance(err, IncompleteError) and err.offset == 1




@st.composite
def rlrqs(draw: st.DrawFn) -> RLRQ:
    reason = draw(st.none() | st.sampled_from(ReleaseRequestReason))
    content = draw(st.none() | st.just(bytes((2, 1, reason)))) if reason is not None else None
    return RLRQ(reason=reason, reason_content=content,
                user_information=draw(user_information))


@st.composite
def rlres(draw: st.DrawFn) -> RLRE:
    reason = draw(st.none() | st.sampled_from(ReleaseResponseReason))
    content = draw(st.none() | st.just(bytes((2, 1, reason)))) if reason is not None else None
    return RLRE(reason=reason, reason_content=content,
                user_information=draw(user_information))


@given(rlrqs())
def test_rlrq_round_trip(rlrq: RLRQ) -> None:
    assert decode_acse_apdu(rlrq.to_bytes()) == rlrq


@given(rlres())
def test_rlre_round_trip(rlre: RLRE) -> None:
    assert decode_acse_apdu(rlre.to_bytes()) == rlre


@pytest.mark.parametrize("cls,kwargs,exc", [
    (RLRQ, {"reason": 2}, ValueError),
    (RLRE, {"reason": 31}, ValueError),
    (RLRQ, {"user_information": "01"}, TypeError),
    (RLRE, {"length": -1}, ValueError),
])
def test_construction_is_validated(cls: type[RLRQ] | type[RLRE], kwargs: dict[str, object],
                                   exc: type[Exception]) -> None:
    with pytest.raises(exc):
        cls(**kwargs)  # type: ignore[arg-type]
