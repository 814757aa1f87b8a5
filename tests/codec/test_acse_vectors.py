"""The shared ACSE vectors: every expected field, byte-exact re-encoding, every truncation,
trailing bytes, and the two real malformed AAREs reported precisely."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.codec.acse import (
    AARE,
    AARQ,
    RLRE,
    RLRQ,
    AcseServiceProviderDiagnostic,
    AcseServiceUserDiagnostic,
    AuthenticationValueCharstring,
    ReleaseRequestReason,
    ReleaseResponseReason,
    decode_acse_apdu,
    oid_of,
)
from conformance.codec.xdlms.confirmed_service_error import ConfirmedServiceError
from conformance.codec.xdlms.initiate import (
    InitiateRequest,
    InitiateResponse,
    decode_initiate_request,
    decode_initiate_response,
)
from conformance.errors import CodecError, IncompleteError
from tests.vectors import by_category, hexbytes, vector

ACSE_CATEGORIES = ("AARQ", "AARE", "AARE incl. rejection diagnostics", "AARQ/RLRQ (release)",
                   "AARE/RLRE (release)")
GLO_ACSE_IDS = ("aarq-ln-ciphering-lls-glo-initiate", "rlre-glo-initiate-response",
                "rlrq-ciphered-user-info")


def _acse_vectors() -> list[dict[str, Any]]:
    found = [v for v in by_category(*ACSE_CATEGORIES) if v["category"] in ACSE_CATEGORIES]
    ids = {v["id"] for v in found}
    found += [vector(i) for i in GLO_ACSE_IDS if i not in ids]
    return found


VECTORS = _acse_vectors()
IDS = [v["id"] for v in VECTORS]


def test_vector_selection_is_complete() -> None:
    assert len(VECTORS) == 17
    assert set(GLO_ACSE_IDS) <= set(IDS)


def _expected(v: dict[str, Any]) -> dict[str, Any]:
    exp: dict[str, Any] = v["expected"].get("acse", v["expected"])
    return exp


def check_initiate_request(req: InitiateRequest, exp: dict[str, Any]) -> None:
    """Assert every field the vectors give for an InitiateRequest."""
    for key, value in exp.items():
        if key == "apdu":
            assert value == "InitiateRequest"
        elif key == "response_allowed":
            assert req.response_allowed is value
        elif key == "dlms_version":
            assert req.proposed_dlms_version_number == value
        elif key == "conformance":
            assert req.proposed_conformance.to_bytes().hex().upper() == value
        elif key == "max_receive_pdu_size":
            assert req.client_max_receive_pdu_size == value
        elif key == "dedicated_key":
            assert req.dedicated_key is not None
            assert req.dedicated_key.hex().upper() == value
        else:
            pytest.fail(f"unchecked InitiateRequest field {key}")


def check_initiate_response(resp: InitiateResponse, exp: dict[str, Any]) -> None:
    """Assert every field the vectors give for an InitiateResponse."""
    assert "negotiated_qos" in exp or resp.negotiated_quality_of_service is None
    for key, value in exp.items():
        if key == "apdu":
            assert value == "InitiateResponse"
        elif key == "negotiated_qos":
            assert resp.negotiated_quality_of_service == value
        elif key == "dlms_version":
            assert resp.negotiated_dlms_version_number == value
        elif key == "conformance":
            assert resp.negotiated_conformance.to_bytes().hex().upper() == value
        elif key == "max_receive_pdu_size":
            assert resp.server_max_receive_pdu_size == value
        elif key == "vaa_name":
            assert f"{resp.vaa_name:04X}" == value
        else:
            pytest.fail(f"unchecked InitiateResponse field {key}")


def check_xdlms(apdu: object, exp: dict[str, Any]) -> None:
    """Dispatch on the expected APDU name."""
    if exp["apdu"] == "InitiateRequest":
        assert isinstance(apdu, InitiateRequest)
        check_initiate_request(apdu, exp)
    elif exp["apdu"] == "InitiateResponse":
        assert isinstance(apdu, InitiateResponse)
        check_initiate_response(apdu, exp)
    else:
        assert exp["apdu"] == "ConfirmedServiceError"
        assert isinstance(apdu, ConfirmedServiceError)
        assert (apdu.service, apdu.error_type, apdu.value) == (
            exp["service"], exp["error_type"], exp["value"])


def _auth_hex(value: object) -> str:
    assert isinstance(value, AuthenticationValueCharstring)
    return value.value.hex().upper()


def check_acse(apdu: object, exp: dict[str, Any]) -> None:
    """Assert every ACSE field of ``exp`` on ``apdu`` (unknown keys fail the test)."""
    assert type(apdu).__name__ == exp["apdu"]
    for key, value in exp.items():
        if key == "apdu":
            continue
        if key == "application_context_name":
            assert isinstance(apdu, AARQ | AARE)
            assert oid_of(apdu.application_context_name).to_content().hex().upper() == value
        elif key == "calling_ap_title":
            assert isinstance(apdu, AARQ)
            assert apdu.calling_ap_title is not None
            assert apdu.calling_ap_title.hex().upper() == value
        elif key == "responding_ap_title":
            assert isinstance(apdu, AARE)
            assert apdu.responding_ap_title is not None
            assert apdu.responding_ap_title.hex().upper() == value
        elif key == "acse_requirements":
            bits = apdu.sender_acse_requirements if isinstance(apdu, AARQ) else \
                apdu.responder_acse_requirements if isinstance(apdu, AARE) else None
            assert bits is not None
            assert bits.to_content().hex().upper() == value
            assert bits.bit(0)  # authentication
        elif key == "mechanism_name":
            assert isinstance(apdu, AARQ | AARE)
            assert apdu.mechanism_name is not None
            assert oid_of(apdu.mechanism_name).to_content().hex().upper() == value
        elif key == "authentication_value":
            auth = apdu.calling_authentication_value if isinstance(apdu, AARQ) else \
                apdu.responding_authentication_value if isinstance(apdu, AARE) else None
            assert _auth_hex(auth) == value
        elif key == "result":
            assert isinstance(apdu, AARE)
            assert apdu.result == value
        elif key == "result_source_diagnostic":
            assert isinstance(apdu, AARE)
            kind = {"acse-service-user": AcseServiceUserDiagnostic,
                    "acse-service-provider": AcseServiceProviderDiagnostic}[value]
            assert isinstance(apdu.result_source_diagnostic, kind)
        elif key == "diagnostic":
            assert isinstance(apdu, AARE)
            assert apdu.result_source_diagnostic == value
        elif key == "user_information":
            assert isinstance(apdu, AARQ | AARE | RLRQ | RLRE)
            assert apdu.user_information is not None
            assert apdu.user_information.hex().upper() == value
        elif key == "user_information_decoded":
            if isinstance(apdu, AARQ | RLRQ):
                check_xdlms(apdu.initiate_request(), value)
            elif isinstance(apdu, AARE):
                check_xdlms(apdu.plain_user_information(), value)
            else:
                assert isinstance(apdu, RLRE)
                check_xdlms(apdu.initiate_response(), value)
        elif key == "protocol_version_or_reason":
            assert isinstance(apdu, RLRQ | RLRE)
            assert apdu.reason_octets is not None
            assert apdu.reason_octets.hex().upper() == value
        elif key == "decrypted_user_information":
            # The plaintext the vector gives (deciphering is tested with the security
            # layer) is the plain xDLMS APDU of the same direction.
            if isinstance(apdu, AARQ | RLRQ):
                decode_initiate_request(hexbytes(value))
            else:
                decode_initiate_response(hexbytes(value))
        elif key == "reason":
            assert isinstance(apdu, RLRQ)
            assert value == "normal (0)"
            assert apdu.reason is ReleaseRequestReason.NORMAL
        else:
            pytest.fail(f"unchecked ACSE field {key}")


@pytest.mark.parametrize("v", VECTORS, ids=IDS)
def test_vector_decodes_to_expected_fields(v: dict[str, Any]) -> None:
    apdu = decode_acse_apdu(hexbytes(v["hex"]))
    check_acse(apdu, _expected(v))
    if "user_information" not in _expected(v):
        assert apdu.user_information is None


@pytest.mark.parametrize("v", VECTORS, ids=IDS)
def test_vector_reencodes_byte_exact(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    assert decode_acse_apdu(data).to_bytes() == data


@pytest.mark.parametrize("v", VECTORS, ids=IDS)
def test_every_truncation_is_a_codec_error(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    # Cut anywhere, the tag, the outer length or the content it announces is missing:
    # always "need more bytes", never a crash or a wrong decode.
    for n in range(len(data)):
        with pytest.raises(IncompleteError):
            decode_acse_apdu(data[:n])


@pytest.mark.parametrize("v", VECTORS, ids=IDS)
def test_trailing_bytes_are_rejected(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    with pytest.raises(CodecError) as info:
        decode_acse_apdu(data + b"\x00")
    assert not isinstance(info.value, IncompleteError)
    assert info.value.offset == 1  # the outer length no longer covers the content


def test_ciphered_user_information_is_kept_raw() -> None:
    for vid in GLO_ACSE_IDS:
        apdu = decode_acse_apdu(hexbytes(vector(vid)["hex"]))
        assert apdu.user_information_ciphered
    aarq = decode_acse_apdu(hexbytes(vector("aarq-ln-ciphering-lls-glo-initiate")["hex"]))
    assert isinstance(aarq, AARQ)
    assert aarq.initiate_request() is None  # ciphered: the security layer's business


def test_glo_vectors_plaintexts_decode() -> None:
    """The deciphered user-information given by the vectors (deciphering is tested with
    the security layer) decodes with the xDLMS decoders."""
    aarq = vector("aarq-ln-ciphering-lls-glo-initiate")["expected"]
    req = decode_initiate_request(hexbytes(aarq["decrypted_user_information"]))
    assert req.dedicated_key == bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    check_initiate_request(req, {"response_allowed": True, "dlms_version": 6,
                                 "conformance": "007E1F", "max_receive_pdu_size": 1200})
    rlre = vector("rlre-glo-initiate-response")["expected"]
    resp = decode_initiate_response(hexbytes(rlre["decrypted_user_information"]))
    check_initiate_response(resp, rlre["decoded"])


def test_release_reasons() -> None:
    assert decode_acse_apdu(hexbytes(vector("rlrq-normal")["hex"])) == RLRQ(
        reason=ReleaseRequestReason.NORMAL)
    assert decode_acse_apdu(hexbytes(vector("rlre-normal")["hex"])) == RLRE(
        reason=ReleaseResponseReason.NORMAL)


# -- ACSE APDUs embedded in wrapper / HDLC vectors ------------------------------------------
def test_wrapper_rlre_iskra_nonstandard_reason() -> None:
    """``80 03 02 01 00``: accepted, the nested INTEGER read as the reason, the exact
    content kept (the vector's protocol_version_or_reason is the raw content)."""
    v = vector("wrapper-rlre-iskra-nonstandard-reason")
    data = hexbytes(v["hex"])[8:]
    rlre = decode_acse_apdu(data)
    check_acse(rlre, v["expected"]["apdu"])
    assert isinstance(rlre, RLRE)
    assert rlre.reason is ReleaseResponseReason.NORMAL
    assert rlre.reason_content == b"\x02\x01\x00"
    assert rlre.to_bytes() == data


def test_wrapper_aare_with_qos() -> None:
    v = vector("wrapper-aare-qos")
    data = hexbytes(v["hex"])[8:]
    aare = decode_acse_apdu(data)
    check_acse(aare, v["expected"]["apdu"])
    assert isinstance(aare, AARE)
    check_xdlms(aare.plain_user_information(), v["expected"]["initiate_response"])
    assert aare.to_bytes() == data


@pytest.mark.parametrize("vid,key", [("hdlc-iframe-aare-gb", "apdu"),
                                     ("hdlc-iframe-aarq-hls6-gurux", "aarq")])
def test_hdlc_embedded_acse(vid: str, key: str) -> None:
    v = vector(vid)
    data = hexbytes(v["expected"]["hdlc"]["info"])[3:]  # after the LLC header
    apdu = decode_acse_apdu(data)
    check_acse(apdu, v["expected"][key])
    assert apdu.to_bytes() == data


# -- negative / robustness --------------------------------------------------------------------
def test_ek240_original_malformed_outer_length() -> None:
    """Strict decode fails first on the outer length: 65 announced, 66 present (byte 1)."""
    data = hexbytes(vector("aare-lls-real-ek240-original-malformed")["hex"])
    with pytest.raises(CodecError) as info:
        decode_acse_apdu(data)
    err = info.value
    assert not isinstance(err, IncompleteError)
    assert err.offset == 1
    assert err.path == "AARE.length"
    assert "length 65" in err.message and "66" in err.message


def test_ek240_original_malformed_inner_lengths() -> None:
    """With the outer length fixed, the next fault is ``AA 02 80 08``: the charstring
    announces 8 octets inside a 2-octet responding-authentication-value."""
    data = bytearray(hexbytes(vector("aare-lls-real-ek240-original-malformed")["hex"]))
    data[1] = 66
    with pytest.raises(CodecError) as info:
        decode_acse_apdu(bytes(data))
    err = info.value
    aa = data.index(0xAA)
    assert not isinstance(err, IncompleteError)
    assert err.offset == aa + 3  # the length octet 08 of "80 08"
    assert err.path == "AARE.responding_authentication_value"
    assert "length 8 overruns" in err.message
    assert "responding-authentication-value" in err.message


def test_hls5_ciphered_malformed_plaintext() -> None:
    """The ACSE layer decodes; the deciphered plaintext is not an InitiateResponse: the
    device ciphered ``10 04 0E`` + InitiateResponse. The decoder says so at its byte 0."""
    v = vector("aare-hls5-ciphered-malformed-plaintext")
    aare = decode_acse_apdu(hexbytes(v["hex"]))
    check_acse(aare, v["expected"]["acse"])
    assert isinstance(aare, AARE)
    assert aare.user_information_ciphered
    assert aare.plain_user_information() is None
    plaintext = hexbytes(v["expected"]["decrypted"])
    with pytest.raises(CodecError) as info:
        decode_initiate_response(plaintext, path="AARE.user_information")
    err = info.value
    assert err.offset == 0
    assert err.path == "AARE.user_information"
    assert "0x08" in err.message and "0x10" in err.message
    # The InitiateResponse the device meant is behind the three stray octets.
    assert decode_initiate_response(plaintext[3:]).server_max_receive_pdu_size == 380


@pytest.mark.parametrize("vid", ["aare-lls-real-ek240-original-malformed",
                                 "aare-hls5-ciphered-malformed-plaintext",
                                 "wrapper-rlre-iskra-nonstandard-reason"])
def test_truncations_of_the_robustness_vectors(vid: str) -> None:
    data = hexbytes(vector(vid)["hex"])
    if vid.startswith("wrapper-"):
        data = data[8:]
    for n in range(len(data)):
        with pytest.raises(CodecError):
            decode_acse_apdu(data[:n])


def test_base_shifts_reported_offsets() -> None:
    data = hexbytes(vector("aare-lls-real-ek240-original-malformed")["hex"])
    with pytest.raises(CodecError) as info:
        decode_acse_apdu(data, base=8)  # e.g. after an 8-octet wrapper header
    assert info.value.offset == 9
