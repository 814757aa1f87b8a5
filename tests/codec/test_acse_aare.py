"""AARE: result and diagnostics, every component, overrides, strict decoding, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec._buffer import Reader
from conformance.codec.acse import (
    AARE,
    ACSE_REQUIREMENTS_AUTHENTICATION,
    AcseServiceProviderDiagnostic,
    AcseServiceUserDiagnostic,
    ApplicationContextName,
    AssociationResult,
    AuthenticationValueCharstring,
    MechanismName,
    decode_acse_apdu,
)
from conformance.codec.apdu_base import decoder_for
from conformance.codec.xdlms.confirmed_service_error import (
    ConfirmedService,
    ConfirmedServiceError,
    InitiateError,
    ServiceErrorType,
)
from conformance.codec.xdlms.initiate import Conformance, InitiateResponse
from conformance.errors import CodecError, IncompleteError
from tests.codec.test_acse_aarq import (
    auth_values,
    bit_strings,
    context_names,
    ints,
    mechanisms,
    octets,
    user_information,
)

LN = ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING
CTX_LN = "A109060760857405080101"
ACCEPTED = "A203020100"
USER_NULL = "A305A103020100"
RESPONSE = bytes.fromhex("0800065F1F040000501F01F40007")


def aare_hex(*parts: str) -> bytes:
    """``61 len`` + the given component encodings."""
    body = bytes.fromhex("".join(parts))
    return bytes((0x61, len(body))) + body


def error_of(data: bytes) -> CodecError:
    """The CodecError decoding ``data`` raises."""
    with pytest.raises(CodecError) as info:
        decode_acse_apdu(data)
    return info.value


def test_every_component_encodes_as_the_standard_says() -> None:
    aare = AARE(
        application_context_name=LN,
        result=AssociationResult.ACCEPTED,
        result_source_diagnostic=AcseServiceUserDiagnostic.AUTHENTICATION_REQUIRED,
        responding_ap_title=bytes.fromhex("454C5300003D2EAF"),
        responding_ae_qualifier=b"\x01",
        responding_ap_invocation_id=7,
        responding_ae_invocation_id=8,
        responder_acse_requirements=ACSE_REQUIREMENTS_AUTHENTICATION,
        mechanism_name=MechanismName.HIGH_LEVEL_SECURITY_GMAC,
        responding_authentication_value=AuthenticationValueCharstring(value=b"P6wRJ21F"),
        implementation_information=b"x",
        user_information=RESPONSE)
    data = aare.to_bytes()
    assert data == aare_hex(
        CTX_LN, ACCEPTED, "A305A10302010E", "A40A0408454C5300003D2EAF", "A503040101",
        "A603020107", "A703020108", "88020780", "890760857405080205",
        "AA0A8008503677524A323146", "9D0178", "BE10040E" + RESPONSE.hex())
    assert decode_acse_apdu(data) == aare


@pytest.mark.parametrize("diagnostic,encoded", [
    (AcseServiceUserDiagnostic.NULL, "A305A103020100"),
    (AcseServiceUserDiagnostic.AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED, "A305A10302010B"),
    (AcseServiceUserDiagnostic.AUTHENTICATION_MECHANISM_NAME_REQUIRED, "A305A10302010C"),
    (AcseServiceUserDiagnostic.AUTHENTICATION_FAILURE, "A305A10302010D"),
    (AcseServiceUserDiagnostic.AUTHENTICATION_REQUIRED, "A305A10302010E"),
    (AcseServiceProviderDiagnostic.NULL, "A305A203020100"),
    (AcseServiceProviderDiagnostic.NO_REASON_GIVEN, "A305A203020101"),
    (AcseServiceProviderDiagnostic.NO_COMMON_ACSE_VERSION, "A305A203020102"),
])
def test_result_source_diagnostic_choice(
        diagnostic: AcseServiceUserDiagnostic | AcseServiceProviderDiagnostic,
        encoded: str) -> None:
    aare = AARE(application_context_name=LN, result=AssociationResult.REJECTED_PERMANENT,
                result_source_diagnostic=diagnostic)
    data = aare.to_bytes()
    assert data == aare_hex(CTX_LN, "A203020101", encoded)
    decoded = decode_acse_apdu(data)
    assert decoded == aare
    assert isinstance(decoded, AARE)
    assert type(decoded.result_source_diagnostic) is type(diagnostic)


def test_registered_for_tag_61() -> None:
    data = aare_hex(CTX_LN, ACCEPTED, USER_NULL)
    r = Reader(data, start=1)
    assert decoder_for(0x61)(r) == AARE(application_context_name=LN,
                                        result=AssociationResult.ACCEPTED,
                                        result_source_diagnostic=AcseServiceUserDiagnostic.NULL)


@pytest.mark.parametrize("parts,offset,path,message", [
    ([CTX_LN, "A203020103", USER_NULL], 17, "AARE.result",
     "result (Association-result) value 3 is not defined (0..2)"),
    ([CTX_LN, ACCEPTED, "A305A10302010F"], 24, "AARE.result_source_diagnostic.acse_service_user",
     "acse-service-user value 15 is not defined (0..14)"),
    ([CTX_LN, ACCEPTED, "A305A203020103"], 24,
     "AARE.result_source_diagnostic.acse_service_provider",
     "acse-service-provider value 3 is not defined (0..2)"),
    ([CTX_LN, ACCEPTED, "A305A003020100"], 20, "AARE.result_source_diagnostic",
     "unknown Associate-source-diagnostic alternative [0] (0xA0)"),
    ([CTX_LN, ACCEPTED, "A3058103020100"], 20,
     "AARE.result_source_diagnostic", "alternative [1] (0x81)"),
    ([CTX_LN, ACCEPTED, "A30AA103020100A103020100"], 25, "AARE.result_source_diagnostic",
     "trailing"),
    ([CTX_LN, USER_NULL], 13, "AARE.result", "lacks the mandatory result [2]"),
    ([CTX_LN, ACCEPTED], 18, "AARE.result_source_diagnostic",
     "lacks the mandatory result-source-diagnostic [3]"),
    ([CTX_LN, USER_NULL, ACCEPTED], 20, "AARE.result",
     "result [2] out of order (after result-source-diagnostic [3])"),
    ([CTX_LN, ACCEPTED, USER_NULL, "AB00"], 25, "AARE", "unknown AARE field [11] (0xAB)"),
    ([CTX_LN, ACCEPTED, USER_NULL, "8A020780"], 25, "AARE.responding_authentication_value",
     "must be encoded as [10] (0xAA), found [10] (0x8A)"),
    ([CTX_LN, ACCEPTED, USER_NULL, "AC00"], 25, "AARE", "unknown AARE field [12] (0xAC)"),
    ([CTX_LN, ACCEPTED, USER_NULL, "89020780", "88020780"], 29,
     "AARE.responder_acse_requirements", "out of order (after mechanism-name [9])"),
    ([CTX_LN, ACCEPTED, USER_NULL, "BE00"], 27, "AARE.user_information", "truncated"),
    ([CTX_LN, "A2050201"], 14, "AARE.result",
     "[2] (0xA2) length 5 overruns the enclosing AARE (2 byte(s) left)"),
])
def test_strict_decoding(parts: list[str], offset: int, path: str, message: str) -> None:
    err = error_of(aare_hex(*parts))
    assert not isinstance(err, IncompleteError)
    assert message in err.message
    assert (err.offset, err.path) == (offset, path)


def test_plain_user_information() -> None:
    def with_ui(ui: bytes | None) -> AARE:
        return AARE(application_context_name=LN, result=AssociationResult.ACCEPTED,
                    result_source_diagnostic=AcseServiceUserDiagnostic.NULL,
                    user_information=ui)

    assert with_ui(None).plain_user_information() is None
    assert with_ui(RESPONSE).plain_user_information() == InitiateResponse(
        negotiated_conformance=Conformance.from_bytes(bytes.fromhex("00501F")),
        server_max_receive_pdu_size=500)
    assert with_ui(bytes.fromhex("0E010603")).plain_user_information() == \
        ConfirmedServiceError(service=ConfirmedService.INITIATE_ERROR,
                              error_type=ServiceErrorType.INITIATE,
                              value=InitiateError.PDU_SIZE_TOO_SHORT)
    for tag in (0x28, 0x48, 0x2E, 0x4E, 0xDB, 0xDC, 0xDD, 0xDF):
        aare = with_ui(bytes((tag, 0)))
        assert aare.user_information_ciphered and aare.plain_user_information() is None
    with pytest.raises(CodecError) as info:
        with_ui(bytes.fromhex("01000000065F1F0400007E1F04B0")).plain_user_information()
    assert "0x01" in info.value.message and info.value.path == "AARE.user_information"
    with pytest.raises(CodecError) as info:
        with_ui(bytes.fromhex("0E010605")).plain_user_information()
    assert info.value.path == "AARE.user_information.ConfirmedServiceError.value"
    assert info.value.offset == 3


def test_length_overrides() -> None:
    kw = {"application_context_name": LN, "result": AssociationResult.ACCEPTED,
          "result_source_diagnostic": AcseServiceUserDiagnostic.NULL,
          "user_information": RESPONSE}
    good = AARE(**kw).to_bytes()  # type: ignore[arg-type]
    assert good.hex().upper() == "6129" + CTX_LN + ACCEPTED + USER_NULL + "BE10040E" + \
        RESPONSE.hex().upper()
    assert AARE(**kw, length=0x41).to_bytes()[:2] == b"\x61\x41"  # type: ignore[arg-type]
    broken = AARE(**kw, user_information_length=0x0F,  # type: ignore[arg-type]
                  user_information_octets_length=0x0E).to_bytes()
    assert broken[-18:-14] == b"\xbe\x0f\x04\x0e"
    err = error_of(broken)
    assert not isinstance(err, IncompleteError)
    assert (err.offset, err.path) == (len(broken) - 15, "AARE.user_information")
    assert "length 14 overruns the enclosing user-information (13 byte(s) left)" in err.message


aares = st.builds(
    AARE, protocol_version=st.none() | bit_strings, application_context_name=context_names,
    result=st.sampled_from(AssociationResult),
    result_source_diagnostic=st.sampled_from(AcseServiceUserDiagnostic) | st.sampled_from(
        AcseServiceProviderDiagnostic),
    responding_ap_title=octets,
    responding_ae_qualifier=st.none() | st.binary(min_size=200, max_size=200) | octets,
    responding_ap_invocation_id=ints, responding_ae_invocation_id=ints,
    responder_acse_requirements=st.none() | bit_strings, mechanism_name=mechanisms,
    responding_authentication_value=auth_values, implementation_information=octets,
    user_information=user_information)


@given(aares)
def test_round_trip(aare: AARE) -> None:
    data = aare.to_bytes()
    assert decode_acse_apdu(data) == aare
    with pytest.raises(IncompleteError):
        decode_acse_apdu(data[:-1])


@pytest.mark.parametrize("kwargs,exc", [
    ({"result": 3}, ValueError),
    ({"result_source_diagnostic": 0}, TypeError),
    ({"application_context_name": "LN"}, TypeError),
    ({"responding_ap_title": bytearray(8)}, TypeError),
    ({"user_information_octets_length": -2}, ValueError),
])
def test_construction_is_validated(kwargs: dict[str, object], exc: type[Exception]) -> None:
    base: dict[str, object] = {"application_context_name": LN,
                               "result": AssociationResult.ACCEPTED,
                               "result_source_diagnostic": AcseServiceUserDiagnostic.NULL}
    with pytest.raises(exc):
        AARE(**{**base, **kwargs})  # type: ignore[arg-type]
