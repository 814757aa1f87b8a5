"""What the client checks in the server's answers (AARE, HLS pass 4, RLRE), and the local
errors of both roles."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.codec.acse.aare import AARE
from conformance.codec.acse.names import AcseServiceUserDiagnostic
from conformance.codec.acse.release import RLRE
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import decode_apdu
from conformance.codec.xdlms.action import ActionResponseNormal, ActionResponseWithOptionalData
from conformance.codec.xdlms.confirmed_service_error import (
    ConfirmedService,
    ConfirmedServiceError,
    InitiateError,
    ServiceErrorType,
)
from conformance.codec.xdlms.enums import (
    ActionResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.initiate import Conformance, InitiateResponse
from conformance.errors import (
    CodecError,
    LocalProtocolError,
    RemoteProtocolError,
    SecurityError,
)
from conformance.protocol.association import (
    Abort,
    AssociateConfirm,
    AssociateRequest,
    AssociateResponse,
    AssociationState,
    Deviations,
    ReleaseRequest,
    ReleaseResponse,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
)
from tests.protocol.test_association_support import (
    GET_RESPONSE,
    LN,
    LN_CIPHERED,
    SN,
    M,
    Pair,
    associate,
    configs,
    make_pair,
    pair,
)

U = AcseServiceUserDiagnostic


def _aare(p: Pair) -> AARE:
    p.server.receive(p.client.send(AssociateRequest()))
    aare = decode_apdu(p.server.send(AssociateResponse()))
    assert isinstance(aare, AARE)
    return aare


def _refuses(p: Pair, aare: AARE, match: str) -> None:
    with pytest.raises(RemoteProtocolError, match=match):
        p.client.receive(aare.to_bytes())
    assert p.client.state is AssociationState.ASSOCIATION_PENDING


def test_accepted_without_initiate_response() -> None:
    p = make_pair()
    _refuses(p, replace(_aare(p), user_information=None), "without an InitiateResponse")


def test_accepted_with_another_context_or_mechanism() -> None:
    p = make_pair()
    _refuses(p, replace(_aare(p), application_context_name=SN), "application context")
    p = make_pair(mechanism=M.HIGH_LEVEL_SECURITY_MD5)
    _refuses(p, replace(_aare(p), mechanism_name=M.HIGH_LEVEL_SECURITY_SHA1), "mechanism")


def test_hls_diagnostics_must_match_the_mechanism() -> None:
    p = make_pair(mechanism=M.HIGH_LEVEL_SECURITY_MD5)
    _refuses(p, replace(_aare(p), result_source_diagnostic=U.NULL), "authentication-required")
    p = make_pair(mechanism=M.LOW_LEVEL_SECURITY)
    _refuses(p, replace(_aare(p), result_source_diagnostic=U.AUTHENTICATION_REQUIRED),
             "expects null")


@pytest.mark.parametrize("stoc", [None, b"1234567", b"x" * 65], ids=["absent", "7", "65"])
def test_stoc_must_be_8_to_64_bytes(stoc: bytes | None) -> None:
    p = make_pair(mechanism=M.HIGH_LEVEL_SECURITY_SHA1)
    value = None if stoc is None else AuthenticationValueCharstring(value=stoc)
    _refuses(p, replace(_aare(p), responding_authentication_value=value), "StoC")


def test_server_challenge_deviation_reaches_the_client() -> None:
    p = pair(*configs(mechanism=M.HIGH_LEVEL_SECURITY_SHA1,
                      server={"deviations": Deviations(challenge=b"short")}))
    _refuses(p, _aare(p), "StoC is 5 bytes")


def test_negotiated_version_must_be_6() -> None:
    p = make_pair()
    v5 = InitiateResponse(negotiated_dlms_version_number=5,
                          negotiated_conformance=Conformance(0x1F), server_max_receive_pdu_size=9)
    _refuses(p, replace(_aare(p), user_information=v5.to_bytes()), "dlms-version")


def test_ciphered_context_wants_ciphered_user_information() -> None:
    p = make_pair(context=LN_CIPHERED)
    plain = InitiateResponse(negotiated_conformance=Conformance(0x1F),
                             server_max_receive_pdu_size=9)
    _refuses(p, replace(_aare(p), user_information=plain.to_bytes()), "plain user-information")
    ciphered = make_pair(context=LN_CIPHERED)
    aare = _aare(ciphered)
    p = make_pair()
    _aare(p)
    _refuses(p, replace(aare, application_context_name=LN), "without ciphering")


def test_responding_title_checks() -> None:
    p = make_pair(context=LN_CIPHERED)
    _refuses(p, replace(_aare(p), responding_ap_title=b"1234567"), "7 bytes")
    p = make_pair(context=LN_CIPHERED)
    _refuses(p, replace(_aare(p), responding_ap_title=None), "responding-AP-title")
    p = pair(*configs(context=LN_CIPHERED, client={"peer_system_title": b"EXPECTED"}))
    _refuses(p, _aare(p), "is not the server system title")


def test_granted_beyond_the_proposal_is_flagged_not_hidden() -> None:
    everything = Conformance(0xFFFFFF)
    p = pair(*configs(server={"deviations": Deviations(conformance=everything,
                                                       max_receive_pdu_size=5)}))
    _, confirm = associate(p)
    assert confirm.conformance_within_proposal is False
    negotiated = confirm.negotiated
    assert negotiated is not None
    assert negotiated.negotiated_conformance == everything
    assert negotiated.excess_conformance == Conformance(
        0xFFFFFF & ~int(negotiated.proposed_conformance))
    assert negotiated.server_max_receive_pdu_size == 5


def test_unexpected_apdus() -> None:
    p = make_pair()
    with pytest.raises(RemoteProtocolError, match="state idle"):
        p.client.receive(bytes.fromhex("6303800100"))
    p.client.send(AssociateRequest())
    with pytest.raises(RemoteProtocolError, match="tag 0xC4"):
        p.client.receive(GET_RESPONSE)
    with pytest.raises(CodecError):
        p.client.receive(b"")
    with pytest.raises(CodecError):
        p.client.receive(bytes.fromhex("6103A10100"))
    assert not p.client.accepts(GET_RESPONSE) and p.client.accepts(bytes.fromhex("61"))


def test_rejected_aare_with_ciphered_error() -> None:
    p = pair(*configs(context=LN_CIPHERED, client={"dlms_version": 5}))
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(p.client.send(AssociateRequest()))
    confirm = p.client.receive(info.value.response_hint)
    assert isinstance(confirm, AssociateConfirm)
    assert confirm.confirmed_service_error == ConfirmedServiceError(
        service=ConfirmedService.INITIATE_ERROR, error_type=ServiceErrorType.INITIATE,
        value=InitiateError.DLMS_VERSION_TOO_LOW)


# -- pass 4 --------------------------------------------------------------------------------
def _at_pass4(mechanism: M = M.HIGH_LEVEL_SECURITY_MD5) -> Pair:
    p = make_pair(mechanism=mechanism)
    p.server.receive(p.client.send(AssociateRequest()))
    p.client.receive(p.server.send(AssociateResponse()))
    p.server.receive(p.client.send(ReplyToHlsRequest()))
    return p


def test_pass4_invoke_id_mismatch() -> None:
    p = _at_pass4()
    response = decode_apdu(p.server.send(ReplyToHlsResponse()))
    assert isinstance(response, ActionResponseNormal)
    with pytest.raises(RemoteProtocolError, match="invoke-id"):
        p.client.receive(replace(response, invoke_id_and_priority=0xC2).to_bytes())
    assert p.client.state is AssociationState.HLS_REPLY_PENDING
    p.client.receive(response.to_bytes())
    assert p.client.associated


def test_pass4_exception_response_or_other_apdu() -> None:
    p = _at_pass4()
    assert p.client.accepts(GET_RESPONSE)
    with pytest.raises(RemoteProtocolError, match="action-response-normal"):
        p.client.receive(GET_RESPONSE)
    assert p.client.state is AssociationState.HLS_REPLY_PENDING
    refusal = ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                                service_error=ExceptionServiceError.OPERATION_NOT_POSSIBLE)
    with pytest.raises(RemoteProtocolError, match="exception-response"):
        p.client.receive(refusal.to_bytes())
    assert p.client.state is AssociationState.AUTHENTICATION_PENDING


def test_pass4_success_without_f() -> None:
    p = _at_pass4()
    bare = ActionResponseNormal(invoke_id_and_priority=0xC1,
                                single_response=ActionResponseWithOptionalData(
                                    result=ActionResult.SUCCESS))
    with pytest.raises(SecurityError, match="no f"):
        p.client.receive(bare.to_bytes())
    assert p.client.state is AssociationState.AUTHENTICATION_PENDING


# -- release -------------------------------------------------------------------------------
def test_rlre_user_information_checks() -> None:
    error = ConfirmedServiceError(service=ConfirmedService.INITIATE_ERROR,
                                  error_type=ServiceErrorType.INITIATE,
                                  value=InitiateError.OTHER).to_bytes()
    for context, ui, match in [(LN, error, "ConfirmedServiceError"),
                               (LN_CIPHERED, bytes.fromhex("0800065F1F0400007C1F04000007"),
                                "plain user-information")]:
        p = make_pair(context=context)
        associate(p)
        p.client.send(ReleaseRequest())
        with pytest.raises(RemoteProtocolError, match=match):
            p.client.receive(RLRE(user_information=ui).to_bytes())
        assert p.client.state is AssociationState.RELEASE_PENDING


# -- local errors --------------------------------------------------------------------------
def test_local_errors() -> None:
    p = make_pair()
    with pytest.raises(LocalProtocolError, match="release-request in state idle"):
        p.client.send(ReleaseRequest())
    with pytest.raises(LocalProtocolError, match="hls-reply-request"):
        p.client.send(ReplyToHlsRequest())
    with pytest.raises(LocalProtocolError, match="a client does not send"):
        p.client.send(AssociateResponse())  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError, match="a server does not send"):
        p.server.send(AssociateRequest())
    with pytest.raises(LocalProtocolError, match="associate-accepted"):
        p.server.send(AssociateResponse())
    with pytest.raises(LocalProtocolError):
        p.server.send(ReleaseResponse())
    associate(p)
    with pytest.raises(LocalProtocolError, match="associate-request in state associated"):
        p.client.send(AssociateRequest())
    assert p.client.state is AssociationState.ASSOCIATED
    p.client.send(Abort())
    assert p.client.state is AssociationState.IDLE


def test_challenge_source_must_give_8_to_64_bytes() -> None:
    p = pair(*configs(mechanism=M.HIGH_LEVEL_SECURITY_MD5,
                      client={"challenge_source": lambda n: b"x" * 4}))
    with pytest.raises(LocalProtocolError, match="challenge source"):
        p.client.send(AssociateRequest())
    assert p.client.state is AssociationState.IDLE
    p = pair(*configs(mechanism=M.HIGH_LEVEL_SECURITY_MD5,
                      server={"challenge_source": lambda n: b"x" * 65}))
    with pytest.raises(LocalProtocolError, match="challenge source"):
        p.server.receive(p.client.send(AssociateRequest()))
