"""Every way a server refuses an association or an HLS pass, with the exact answer the
standard wants, and how the client reads that answer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.codec.acse.aare import AARE
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.names import (
    AcseServiceProviderDiagnostic,
    AcseServiceUserDiagnostic,
    AssociationResult,
)
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import decode_apdu
from conformance.codec.ber import BitString, ObjectIdentifier
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.action import ActionRequestNormal, ActionResponseNormal
from conformance.codec.xdlms.confirmed_service_error import (
    ApplicationReferenceError,
    ConfirmedService,
    ConfirmedServiceError,
    InitiateError,
    ServiceErrorType,
)
from conformance.codec.xdlms.descriptors import CosemMethodDescriptor
from conformance.codec.xdlms.enums import (
    ActionResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest
from conformance.errors import LocalProtocolError, RemoteProtocolError, SecurityError
from conformance.protocol.association import (
    SN_CONFORMANCE,
    AssociateConfirm,
    AssociateRequest,
    AssociateResponse,
    AssociationState,
    Deviations,
    MemoryCounterStore,
    ReleaseRequest,
    ReleaseResponse,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    SecurityPolicy,
    ServerAssociation,
    ServerConfig,
    protection_of,
)
from conformance.protocol.association.counters import CounterKey, key_digest
from conformance.protocol.association.hls import reply_to_hls_request
from conformance.security import SecurityControl, SecuritySuite, hls_gmac, protect_apdu
from tests.protocol.test_association_support import (
    CLIENT_ST,
    GET,
    LN,
    LN_CIPHERED,
    SERVER_ST,
    M,
    Pair,
    associate,
    configs,
    make_pair,
    pair,
    release,
    signing_keys,
)
from tests.security.helpers import GB_EK

U = AcseServiceUserDiagnostic
EK_NAME = "EK (global unicast)"
EK_DIGEST = key_digest(GB_EK)


def _refused(p: Pair, aarq: bytes) -> tuple[RemoteProtocolError, AARE]:
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(aarq)
    assert p.server.state is AssociationState.IDLE
    hint = info.value.response_hint
    assert isinstance(hint, bytes)
    aare = decode_apdu(hint)
    assert isinstance(aare, AARE)
    assert aare.result == AssociationResult.REJECTED_PERMANENT
    return info.value, aare


def _client_reads(p: Pair, aare: AARE) -> AssociateConfirm:
    confirm = p.client.receive(aare.to_bytes())
    assert isinstance(confirm, AssociateConfirm)
    assert not confirm.accepted
    assert p.client.state is AssociationState.IDLE
    return confirm


def _aarq(p: Pair) -> AARQ:
    aarq = decode_apdu(p.client.send(AssociateRequest()))
    assert isinstance(aarq, AARQ)
    return aarq


def _initiate_error(error_type: ServiceErrorType, value: int) -> ConfirmedServiceError:
    return ConfirmedServiceError(service=ConfirmedService.INITIATE_ERROR,
                                 error_type=error_type, value=value)


# -- ACSE-level rejections ------------------------------------------------------------------
def test_application_context_not_offered() -> None:
    client, _ = configs(context=LN)
    _, offered = configs(context=LN_CIPHERED)
    p = pair(client, offered)
    _, aare = _refused(p, p.client.send(AssociateRequest()))
    assert aare.result_source_diagnostic is U.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED
    assert aare.application_context_name == LN_CIPHERED  # what the server offers
    assert aare.user_information is None
    confirm = _client_reads(p, aare)
    assert confirm.result_source_diagnostic is U.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED


def test_protocol_version_without_version1() -> None:
    p = make_pair()
    bad = replace(_aarq(p), protocol_version=BitString.from_bits([1])).to_bytes()
    _, aare = _refused(p, bad)
    assert aare.result_source_diagnostic is AcseServiceProviderDiagnostic.NO_COMMON_ACSE_VERSION


@pytest.mark.parametrize(("client_mech", "server_mech", "diagnostic"), [
    (M.LOWEST_LEVEL_SECURITY, M.LOW_LEVEL_SECURITY, U.AUTHENTICATION_MECHANISM_NAME_REQUIRED),
    (M.LOW_LEVEL_SECURITY, M.HIGH_LEVEL_SECURITY_MD5,
     U.AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED),
    (M.HIGH_LEVEL_SECURITY_MD5, M.LOWEST_LEVEL_SECURITY,
     U.AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED),
])
def test_mechanism_required_or_not_recognised(client_mech: M, server_mech: M,
                                              diagnostic: U) -> None:
    client, _ = configs(mechanism=client_mech)
    _, offered = configs(mechanism=server_mech)
    p = pair(client, offered)
    _, aare = _refused(p, p.client.send(AssociateRequest()))
    assert aare.result_source_diagnostic is diagnostic
    _client_reads(p, aare)


def test_unknown_mechanism_oid_is_not_recognised() -> None:
    p = make_pair(mechanism=M.LOW_LEVEL_SECURITY)
    unknown = ObjectIdentifier(arcs=(2, 16, 756, 5, 8, 2, 9))
    _, aare = _refused(p, replace(_aarq(p), mechanism_name=unknown).to_bytes())
    assert aare.result_source_diagnostic is U.AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED


def test_mechanism_name_without_acse_requirements() -> None:
    p = make_pair(mechanism=M.LOW_LEVEL_SECURITY)
    _, aare = _refused(p, replace(_aarq(p), sender_acse_requirements=None).to_bytes())
    assert aare.result_source_diagnostic is U.NO_REASON_GIVEN


@pytest.mark.parametrize("password", [b"1234567", b"123456789", b"87654321", None])
def test_lls_wrong_or_missing_password(password: bytes | None) -> None:
    p = make_pair(mechanism=M.LOW_LEVEL_SECURITY)
    value = None if password is None else AuthenticationValueCharstring(value=password)
    error, aare = _refused(p, replace(_aarq(p), calling_authentication_value=value).to_bytes())
    assert aare.result_source_diagnostic is U.AUTHENTICATION_FAILURE
    assert isinstance(error.__cause__, SecurityError)
    assert "12345678" not in str(error) and "1234567" not in str(error)
    _client_reads(p, aare)


@pytest.mark.parametrize("ctos", [b"x" * 7, b"x" * 65, b""], ids=["7", "65", "empty"])
def test_hls_challenge_outside_8_to_64(ctos: bytes) -> None:
    client, offered = configs(mechanism=M.HIGH_LEVEL_SECURITY_SHA256,
                              client={"deviations": Deviations(challenge=ctos)})
    p = pair(client, offered)
    aarq = _aarq(p)
    assert isinstance(aarq.calling_authentication_value, AuthenticationValueCharstring)
    assert aarq.calling_authentication_value.value == ctos  # the deviation is sent as is
    _, aare = _refused(p, aarq.to_bytes())
    assert aare.result_source_diagnostic is U.AUTHENTICATION_FAILURE


def test_hls_challenge_missing() -> None:
    p = make_pair(mechanism=M.HIGH_LEVEL_SECURITY_MD5)
    _, aare = _refused(p, replace(_aarq(p), calling_authentication_value=None).to_bytes())
    assert aare.result_source_diagnostic is U.AUTHENTICATION_FAILURE


def test_calling_ap_title_missing_wrong_length_or_unknown() -> None:
    p = make_pair(context=LN_CIPHERED)
    _, aare = _refused(p, replace(_aarq(p), calling_ap_title=None).to_bytes())
    assert aare.result_source_diagnostic is U.CALLING_AP_TITLE_NOT_RECOGNIZED
    assert aare.responding_ap_title == SERVER_ST
    p = make_pair(context=LN_CIPHERED)
    _, aare = _refused(p, replace(_aarq(p), calling_ap_title=CLIENT_ST[:7]).to_bytes())
    assert aare.result_source_diagnostic is U.CALLING_AP_TITLE_NOT_RECOGNIZED
    # the "wrong system title" deviation against a server that knows the client's
    client, offered = configs(context=LN_CIPHERED,
                              client={"deviations": Deviations(system_title=b"WRONGST!")},
                              server={"peer_system_title": CLIENT_ST})
    p = pair(client, offered)
    aarq = _aarq(p)
    assert aarq.calling_ap_title == b"WRONGST!"
    _, aare = _refused(p, aarq.to_bytes())
    assert aare.result_source_diagnostic is U.CALLING_AP_TITLE_NOT_RECOGNIZED
    _client_reads(p, aare)


# -- xDLMS-level rejections (ConfirmedServiceError) ------------------------------------------
@pytest.mark.parametrize(("client_fields", "server_fields", "error"), [
    ({"dlms_version": 5}, {}, InitiateError.DLMS_VERSION_TOO_LOW),
    ({"proposed_conformance": SN_CONFORMANCE}, {}, InitiateError.INCOMPATIBLE_CONFORMANCE),
    ({"client_max_receive_pdu_size": 11}, {}, InitiateError.PDU_SIZE_TOO_SHORT),
    ({"proposed_conformance": Conformance(0)}, {}, InitiateError.INCOMPATIBLE_CONFORMANCE),
    ({"proposed_conformance": Conformance.MULTIPLE_REFERENCES | Conformance.GET},
     {"supported_conformance": Conformance.MULTIPLE_REFERENCES | Conformance.SET},
     InitiateError.INCOMPATIBLE_CONFORMANCE),
], ids=["dlms-version-too-low", "incompatible-conformance", "pdu-size-too-short",
        "empty-conformance", "only-options-in-common"])
@pytest.mark.parametrize("context", [LN, LN_CIPHERED], ids=lambda c: c.name)
def test_initiate_errors(client_fields: dict[str, object], server_fields: dict[str, object],
                         error: InitiateError, context: object) -> None:
    p = pair(*configs(context=context, client=client_fields, server=server_fields))
    _, aare = _refused(p, p.client.send(AssociateRequest()))
    assert aare.result_source_diagnostic is U.NO_REASON_GIVEN
    expected = _initiate_error(ServiceErrorType.INITIATE, error)
    if context == LN:
        assert aare.user_information == expected.to_bytes()
    else:
        assert aare.user_information is not None and aare.user_information[0] == 0x2E
    confirm = _client_reads(p, aare)
    assert confirm.confirmed_service_error == expected


@pytest.mark.parametrize("size", [0, 12, 0xFFFF])
def test_pdu_sizes_accepted(size: int) -> None:
    p = pair(*configs(client={"client_max_receive_pdu_size": size}))
    indication, _ = associate(p)
    assert indication.negotiated.client_max_receive_pdu_size == size


@pytest.mark.parametrize("deviations", [
    Deviations(tamper_tag=True),
    Deviations(security_control=0x10),
], ids=["tampered-tag", "weaker-policy"])
def test_undecipherable_initiate_request(deviations: Deviations) -> None:
    client, offered = configs(context=LN_CIPHERED, client={"deviations": deviations})
    p = pair(client, offered)
    error, aare = _refused(p, p.client.send(AssociateRequest()))
    assert aare.result_source_diagnostic is U.NO_REASON_GIVEN
    assert aare.user_information == _initiate_error(
        ServiceErrorType.APPLICATION_REFERENCE,
        ApplicationReferenceError.DECIPHERING_ERROR).to_bytes()
    assert isinstance(error.__cause__, RemoteProtocolError)


def test_wrong_keys_cannot_decipher() -> None:
    client, offered = configs(context=LN_CIPHERED)
    client = replace(client, keys=replace(client.keys, encryption_key=bytes(16)))
    p = pair(client, offered)
    _, aare = _refused(p, p.client.send(AssociateRequest()))
    assert aare.user_information == _initiate_error(
        ServiceErrorType.APPLICATION_REFERENCE,
        ApplicationReferenceError.DECIPHERING_ERROR).to_bytes()
    # the plain ConfirmedServiceError still reaches the client
    assert _client_reads(p, aare).confirmed_service_error is not None


def test_replayed_aarq_is_refused() -> None:
    p = make_pair(context=LN_CIPHERED)
    aarq = p.client.send(AssociateRequest())
    p.server.receive(aarq)
    p.client.receive(p.server.send(AssociateResponse()))
    release(p)
    error, aare = _refused(p, aarq)
    assert aare.user_information is not None
    assert isinstance(error.__cause__, RemoteProtocolError)
    assert isinstance(error.__cause__.__cause__, SecurityError)
    assert "replay" in str(error)


@pytest.mark.parametrize(("context", "user_information"), [
    (LN_CIPHERED, InitiateRequest(proposed_conformance=Conformance(0x7E1F),
                                  client_max_receive_pdu_size=1200).to_bytes()),
    (LN, bytes.fromhex("21303001234567801302FF8A7874133D414CED25B42534D28DB0047720606B175B"
                       "D52211BE6841DB204D39EE6FDB8E356855")),
    (LN, b"\x01\x00"),
], ids=["plain-in-ciphered", "ciphered-in-plain", "malformed"])
def test_initiate_request_in_the_wrong_form(context: object, user_information: bytes) -> None:
    client, offered = configs(context=context,
                              client={"deviations": Deviations(
                                  user_information=user_information)})
    p = pair(client, offered)
    _, aare = _refused(p, p.client.send(AssociateRequest()))
    assert aare.result_source_diagnostic is U.NO_REASON_GIVEN
    assert aare.user_information == _initiate_error(ServiceErrorType.INITIATE,
                                                    InitiateError.OTHER).to_bytes()


def test_user_information_missing() -> None:
    p = make_pair()
    _, aare = _refused(p, replace(_aarq(p), user_information=None).to_bytes())
    assert aare.result_source_diagnostic is U.NO_REASON_GIVEN
    assert aare.user_information is None


def test_malformed_aarq() -> None:
    p = make_pair()
    error, aare = _refused(p, p.client.send(AssociateRequest())[:-1])
    assert aare.result_source_diagnostic is U.NO_REASON_GIVEN
    assert error.__cause__ is not None


def test_aarq_while_associated_keeps_the_association() -> None:
    p = make_pair(mechanism=M.LOW_LEVEL_SECURITY)
    associate(p)
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(_aarq(make_pair(mechanism=M.LOW_LEVEL_SECURITY)).to_bytes())
    aare = decode_apdu(info.value.response_hint)
    assert isinstance(aare, AARE) and aare.result == AssociationResult.REJECTED_PERMANENT
    assert p.server.state is AssociationState.ASSOCIATED


def test_no_response_allowed() -> None:
    silent = InitiateRequest(response_allowed=False, proposed_conformance=Conformance(0x7E1F),
                             client_max_receive_pdu_size=1200).to_bytes()
    p = pair(*configs(client={"deviations": Deviations(user_information=silent)}))
    indication = p.server.receive(p.client.send(AssociateRequest()))
    assert not indication.response_allowed
    assert p.server.send(AssociateResponse()) == b""
    assert p.server.state is AssociationState.ASSOCIATED
    # a refused one is refused silently
    silent_v5 = InitiateRequest(response_allowed=False, proposed_dlms_version_number=5,
                                proposed_conformance=Conformance(0x7E1F),
                                client_max_receive_pdu_size=1200).to_bytes()
    p = pair(*configs(client={"deviations": Deviations(user_information=silent_v5)}))
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(p.client.send(AssociateRequest()))
    assert info.value.response_hint is None


# -- HLS ----------------------------------------------------------------------------------
def _to_pass3(p: Pair) -> bytes:
    p.server.receive(p.client.send(AssociateRequest()))
    p.client.receive(p.server.send(AssociateResponse()))
    return p.client.send(ReplyToHlsRequest())


@pytest.mark.parametrize("mechanism", [M.HIGH_LEVEL_SECURITY_MD5, M.HIGH_LEVEL_SECURITY_SHA1,
                                       M.HIGH_LEVEL_SECURITY_SHA256])
@pytest.mark.parametrize("context", [LN, LN_CIPHERED], ids=lambda c: c.name)
def test_wrong_f_stoc_refused(mechanism: M, context: object) -> None:
    p = pair(*configs(context=context, mechanism=mechanism,
                      client={"secret": b"not the secret"}))
    request = _to_pass3(p)
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(request)
    assert isinstance(info.value.__cause__, SecurityError)
    assert p.server.state is AssociationState.AUTHENTICATION_PENDING
    hint = info.value.response_hint
    plain = p.client.ciphering.unprotect(hint) if context == LN_CIPHERED else hint
    response = decode_apdu(plain)
    assert isinstance(response, ActionResponseNormal)
    assert response.single_response.result == ActionResult.OTHER_REASON
    assert response.single_response.return_parameters is None
    fresh = pair(*configs(context=context, mechanism=mechanism,
                          client={"secret": b"not the secret"}))
    fresh_request = _to_pass3(fresh)
    with pytest.raises(RemoteProtocolError) as again:
        fresh.server.receive(fresh_request)
    with pytest.raises(SecurityError, match="refused"):
        fresh.client.receive(again.value.response_hint)
    assert fresh.client.state is AssociationState.AUTHENTICATION_PENDING
    assert not fresh.client.associated
    # only a release remains possible (or another try)
    fresh.server.receive(fresh.client.send(ReleaseRequest()))
    fresh.client.receive(fresh.server.send(ReleaseResponse()))
    assert fresh.client.state is fresh.server.state is AssociationState.IDLE


def test_wrong_f_stoc_gmac_with_another_ak() -> None:
    client, offered = configs(mechanism=M.HIGH_LEVEL_SECURITY_GMAC)
    client = replace(client, keys=replace(client.keys, authentication_key=bytes(16)))
    p = pair(client, offered)
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(_to_pass3(p))
    assert "GMAC" in str(info.value)


def test_hls_failure_result_is_configurable() -> None:
    p = pair(*configs(mechanism=M.HIGH_LEVEL_SECURITY_MD5, client={"secret": b"x"},
                      server={"hls_failure_result": ActionResult.READ_WRITE_DENIED}))
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(_to_pass3(p))
    response = decode_apdu(info.value.response_hint)
    assert isinstance(response, ActionResponseNormal)
    assert response.single_response.result == ActionResult.READ_WRITE_DENIED


@pytest.mark.parametrize("context", [LN, LN_CIPHERED], ids=lambda c: c.name)
def test_wrong_f_ctos_detected_by_the_client(context: object) -> None:
    # ECDSA: the server signs with a key the client does not expect.
    client, offered = configs(context=context, mechanism=M.HIGH_LEVEL_SECURITY_ECDSA,
                              suite=SecuritySuite.SUITE_1)
    other, _ = signing_keys(SecuritySuite.SUITE_2)
    impostor, _ = signing_keys(SecuritySuite.SUITE_1)
    assert other is not impostor
    p = pair(client, replace(offered, signing_key=impostor))
    p.server.receive(_to_pass3(p))
    assert p.server.state is AssociationState.HLS_REPLY_PENDING
    with pytest.raises(SecurityError, match="ECDSA"):
        p.client.receive(p.server.send(ReplyToHlsResponse()))
    assert p.client.state is AssociationState.AUTHENTICATION_PENDING


def test_tampered_f_ctos_detected_by_the_client() -> None:
    p = make_pair(mechanism=M.HIGH_LEVEL_SECURITY_MD5)
    p.server.receive(_to_pass3(p))
    response = p.server.send(ReplyToHlsResponse())
    with pytest.raises(SecurityError, match="MD5"):
        p.client.receive(response[:-1] + bytes((response[-1] ^ 0xFF,)))
    assert p.client.state is AssociationState.AUTHENTICATION_PENDING


def test_gmac_counter_in_f_stoc_must_exceed_the_last_accepted() -> None:
    server_counters = MemoryCounterStore(last_accepted={
        CounterKey(key_name=EK_NAME, system_title=CLIENT_ST, key_digest=EK_DIGEST): 100})
    p = pair(*configs(mechanism=M.HIGH_LEVEL_SECURITY_GMAC), server_counters=server_counters)
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(_to_pass3(p))  # the client's fresh store sends counter 1
    assert "replay" in str(info.value)


def test_gmac_f_reusing_its_envelope_counter_is_refused() -> None:
    p = make_pair(context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_GMAC)
    p.server.receive(p.client.send(AssociateRequest()))
    confirm = p.client.receive(p.server.send(AssociateResponse()))
    assert isinstance(confirm, AssociateConfirm) and confirm.stoc is not None
    keys = p.client.config.keys
    f = hls_gmac(confirm.stoc, keys=keys, system_title=CLIENT_ST, invocation_counter=10)
    action = reply_to_hls_request(0xC1, f).to_bytes()
    sc = SecurityControl(authentication=True, encryption=True)
    apdu = protect_apdu(action, keys=keys, security_control=sc, invocation_counter=10,
                        system_title=CLIENT_ST).to_bytes()
    with pytest.raises(RemoteProtocolError, match="reuses invocation counter 10") as info:
        p.server.receive(apdu)
    assert isinstance(info.value.__cause__, SecurityError)
    assert p.server.state is AssociationState.AUTHENTICATION_PENDING


def test_only_reply_to_hls_while_authentication_is_pending() -> None:
    p = make_pair(context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_SHA256)
    p.server.receive(p.client.send(AssociateRequest()))
    p.client.receive(p.server.send(AssociateResponse()))
    assert p.server.accepts(GET)
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(p.client.ciphering.protect(GET))
    assert decode_apdu(info.value.response_hint) == ExceptionResponse(
        state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
        service_error=ExceptionServiceError.OPERATION_NOT_POSSIBLE)
    other_method = ActionRequestNormal(
        invoke_id_and_priority=0xC2, cosem_method_descriptor=CosemMethodDescriptor(
            class_id=15, instance_id=ObisCode(a=0, b=0, c=40, d=0, e=0, f=255),
            method_id=2)).to_bytes()
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(p.client.ciphering.protect(other_method))
    response = decode_apdu(p.client.ciphering.unprotect(info.value.response_hint))
    assert isinstance(response, ActionResponseNormal)
    assert response.single_response.result == ActionResult.READ_WRITE_DENIED
    assert p.server.state is AssociationState.AUTHENTICATION_PENDING
    p.server.receive(p.client.send(ReplyToHlsRequest()))
    p.client.receive(p.server.send(ReplyToHlsResponse()))
    assert p.server.associated and not p.server.accepts(GET)


def test_unknown_client_sap() -> None:
    with pytest.raises(LocalProtocolError, match="SAP 1"):
        ServerAssociation(ServerConfig(associations={}), client_sap=1)


def test_dedicated_key_only_in_an_encrypted_initiate_request() -> None:
    with_key = InitiateRequest(dedicated_key=bytes(16), proposed_conformance=Conformance(0x7E1F),
                               client_max_receive_pdu_size=1200).to_bytes()
    p = pair(*configs(client={"deviations": Deviations(user_information=with_key)}))
    _, aare = _refused(p, p.client.send(AssociateRequest()))
    other = _initiate_error(ServiceErrorType.INITIATE, InitiateError.OTHER)
    assert aare.user_information == other.to_bytes()
    # authenticated only: the key would travel in clear
    p = pair(*configs(context=LN_CIPHERED, dedicated=True,
                      client={"deviations": Deviations(security_control=0x10)},
                      server={"security_policy": SecurityPolicy.AUTHENTICATED}))
    _, aare = _refused(p, p.client.send(AssociateRequest()))
    ui = aare.user_information
    assert ui is not None and ui[0] == 0x2E  # glo-confirmedServiceError, answered in kind
    sc = protection_of(ui).security_control
    assert sc is not None and sc.to_byte() == 0x10
    with pytest.raises(RemoteProtocolError, match="weaker"):  # the client's own policy
        p.client.receive(aare.to_bytes())
