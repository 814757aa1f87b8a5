"""Client and server machines associating with each other: every mechanism, every context,
suites 0/1/2, every policy and ciphered form, dedicated key, release plain and ciphered."""

from __future__ import annotations

import pytest

from conformance.codec.acse.aare import AARE
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.names import AcseServiceUserDiagnostic
from conformance.codec.acse.release import RLRE, RLRQ
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.action import ActionRequestNormal, ActionResponseNormal
from conformance.codec.xdlms.ciphered import decode_ciphered
from conformance.codec.xdlms.get import GetResponseNormal
from conformance.codec.xdlms.initiate import VAA_NAME_LN, VAA_NAME_SN, Conformance
from conformance.protocol.association import (
    Abort,
    AssociateRequest,
    AssociateResponse,
    AssociationState,
    CipheringMode,
    ReleaseRequest,
    ReleaseResponse,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    SecurityPolicy,
    protection_of,
)
from conformance.security import SecurityControl, SecuritySuite
from tests.protocol.test_association_support import (
    CLIENT_ST,
    GET,
    GET_RESPONSE,
    LN,
    LN_CIPHERED,
    SERVER_ST,
    SN,
    SN_CIPHERED,
    M,
    associate,
    configs,
    make_pair,
    pair,
    release,
)

HLS = [M.HIGH_LEVEL_SECURITY_MD5, M.HIGH_LEVEL_SECURITY_SHA1, M.HIGH_LEVEL_SECURITY_GMAC,
       M.HIGH_LEVEL_SECURITY_SHA256, M.HIGH_LEVEL_SECURITY_ECDSA]
SUITES = [SecuritySuite.SUITE_0, SecuritySuite.SUITE_1, SecuritySuite.SUITE_2]
POLICIES = [SecurityPolicy.AUTHENTICATED, SecurityPolicy.ENCRYPTED,
            SecurityPolicy.AUTHENTICATED_ENCRYPTED]


def _suite_for(mechanism: M) -> SecuritySuite:
    return SecuritySuite.SUITE_1 if mechanism == M.HIGH_LEVEL_SECURITY_ECDSA \
        else SecuritySuite.SUITE_0


@pytest.mark.parametrize("context", [LN, SN, LN_CIPHERED, SN_CIPHERED], ids=lambda c: c.name)
@pytest.mark.parametrize("mechanism", [M.LOWEST_LEVEL_SECURITY, M.LOW_LEVEL_SECURITY],
                         ids=lambda m: m.name)
def test_lowest_and_low_in_every_context(context: object, mechanism: M) -> None:
    p = make_pair(context=context, mechanism=mechanism)
    indication, confirm = associate(p)
    assert confirm.result_source_diagnostic is AcseServiceUserDiagnostic.NULL
    assert not indication.authentication_required
    negotiated = p.client.negotiated
    assert negotiated == p.server.negotiated
    assert negotiated is not None and negotiated.conformance_within_proposal
    ln = context in (LN, LN_CIPHERED)
    assert negotiated.vaa_name == (VAA_NAME_LN if ln else VAA_NAME_SN)
    aare = confirm.aare
    ciphered = context in (LN_CIPHERED, SN_CIPHERED)
    assert aare.responding_ap_title == (SERVER_ST if ciphered else None)
    assert indication.aarq.calling_ap_title == (CLIENT_ST if ciphered else None)
    assert aare.user_information_ciphered is ciphered
    assert indication.aarq.user_information_ciphered is ciphered
    if mechanism == M.LOW_LEVEL_SECURITY:
        assert aare.mechanism_name == M.LOW_LEVEL_SECURITY
        assert aare.responding_authentication_value is None
    release(p)


@pytest.mark.parametrize("context", [LN, LN_CIPHERED], ids=lambda c: c.name)
@pytest.mark.parametrize("mechanism", HLS, ids=lambda m: m.name)
def test_every_hls_mechanism(context: object, mechanism: M) -> None:
    p = make_pair(context=context, mechanism=mechanism, suite=_suite_for(mechanism))
    indication, confirm = associate(p)
    assert indication.authentication_required
    assert confirm.result_source_diagnostic is AcseServiceUserDiagnostic.AUTHENTICATION_REQUIRED
    assert confirm.stoc is not None and len(confirm.stoc) == 16
    assert p.client.associated and p.server.associated
    release(p)


@pytest.mark.parametrize("suite", [SecuritySuite.SUITE_1, SecuritySuite.SUITE_2],
                         ids=["P-256", "P-384"])
@pytest.mark.parametrize("context", [LN, LN_CIPHERED], ids=lambda c: c.name)
def test_hls_ecdsa_on_both_curves(suite: SecuritySuite, context: object) -> None:
    p = make_pair(context=context, mechanism=M.HIGH_LEVEL_SECURITY_ECDSA, suite=suite)
    associate(p)
    release(p)


def test_hls_pass3_and_pass4_carry_the_reply_to_hls_method() -> None:
    p = make_pair(mechanism=M.HIGH_LEVEL_SECURITY_SHA256)
    p.server.receive(p.client.send(AssociateRequest()))
    p.client.receive(p.server.send(AssociateResponse()))
    request = p.client.send(ReplyToHlsRequest(invoke_id_and_priority=0xC5))
    decoded = decode_apdu(request)
    assert isinstance(decoded, ActionRequestNormal)
    descriptor = decoded.cosem_method_descriptor
    assert (descriptor.class_id, descriptor.method_id) == (15, 1)
    assert descriptor.instance_id == ObisCode(a=0, b=0, c=40, d=0, e=0, f=255)
    assert isinstance(decoded.method_invocation_parameters, OctetString)
    assert len(decoded.method_invocation_parameters.value) == 32
    assert p.client.state is AssociationState.HLS_REPLY_PENDING
    p.server.receive(request)
    assert p.server.state is AssociationState.HLS_REPLY_PENDING
    response = decode_apdu(p.server.send(ReplyToHlsResponse()))
    assert isinstance(response, ActionResponseNormal)
    assert response.invoke_id_and_priority == 0xC5
    assert isinstance(response.single_response.return_parameters, OctetString)


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: f"suite{int(s)}")
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("mode", list(CipheringMode), ids=lambda m: m.value)
def test_ciphered_association_and_services(suite: SecuritySuite, policy: SecurityPolicy,
                                           mode: CipheringMode) -> None:
    dedicated = mode.dedicated or policy.encryption
    if mode.dedicated and not policy.encryption:
        with pytest.raises(ValueError, match="dedicated key"):
            configs(context=LN_CIPHERED, suite=suite, policy=policy, mode=mode,
                    dedicated=True)
        return
    p = make_pair(context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_GMAC, suite=suite,
                  policy=policy, mode=mode, dedicated=dedicated)
    indication, _ = associate(p)
    sc = SecurityControl(security_suite_id=int(suite), authentication=policy.authentication,
                         encryption=policy.encryption)
    ui = indication.aarq.user_information
    assert ui is not None and ui[0] == 0x21  # glo-initiate-request
    assert protection_of(ui).security_control == sc
    assert (indication.initiate_request.dedicated_key is not None) is dedicated
    assert p.server.ciphering.has_dedicated_key is dedicated
    # the services layer: request and response through the ciphering policy
    request = p.client.ciphering.protect(GET)
    info = protection_of(request)
    assert info.mode is mode and info.security_control == sc
    if mode is CipheringMode.GLOBAL:
        assert request[0] == 0xC8
    elif mode is CipheringMode.DEDICATED:
        assert request[0] == 0xD0
    assert p.server.ciphering.unprotect(request) == GET
    response = p.server.ciphering.protect(GET_RESPONSE)
    assert protection_of(response).mode is mode  # answered in kind
    assert p.client.ciphering.unprotect(response) == GET_RESPONSE
    assert isinstance(decode_apdu(GET_RESPONSE), GetResponseNormal)
    release(p, user_information=True)


def test_dedicated_key_protects_ded_apdus_and_dies_with_the_association() -> None:
    p = make_pair(context=LN_CIPHERED, mode=CipheringMode.DEDICATED, dedicated=True)
    associate(p)
    request = p.client.ciphering.protect(GET)
    assert request[0] == 0xD0  # ded-get-request
    assert p.server.ciphering.unprotect(request) == GET
    release(p)
    assert not p.server.ciphering.has_dedicated_key
    associate(p)  # a new association works with fresh counters of the new key
    assert p.server.ciphering.unprotect(p.client.ciphering.protect(GET)) == GET


@pytest.mark.parametrize("context", [LN, LN_CIPHERED], ids=lambda c: c.name)
@pytest.mark.parametrize("user_information", [False, True], ids=["plain", "with-initiate"])
def test_release(context: object, user_information: bool) -> None:
    p = make_pair(context=context, mechanism=M.LOW_LEVEL_SECURITY)
    associate(p)
    rlrq_bytes = p.client.send(ReleaseRequest(user_information=user_information))
    rlrq = decode_apdu(rlrq_bytes)
    assert isinstance(rlrq, RLRQ)
    assert (rlrq.user_information is not None) is user_information
    if user_information:
        assert rlrq.user_information_ciphered is (context == LN_CIPHERED)
    indication = p.server.receive(rlrq_bytes)
    assert (getattr(indication, "initiate_request", None) is not None) is user_information
    rlre_bytes = p.server.send(ReleaseResponse())
    rlre = decode_apdu(rlre_bytes)
    assert isinstance(rlre, RLRE)
    assert (rlre.user_information is not None) is user_information
    confirm = p.client.receive(rlre_bytes)
    assert (getattr(confirm, "initiate_response", None) is not None) is user_information
    assert p.client.state is p.server.state is AssociationState.IDLE
    assert p.client.negotiated is None and p.server.negotiated is None


def test_repeated_associations_keep_counters_increasing() -> None:
    p = make_pair(context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_GMAC)
    seen = []
    for _ in range(3):
        indication, _ = associate(p)
        ui = indication.aarq.user_information
        assert ui is not None
        seen.append(decode_ciphered(ui).security_header.invocation_counter)
        release(p, user_information=True)
    assert seen == sorted(seen) and len(set(seen)) == 3


def test_abort_returns_both_sides_to_idle() -> None:
    p = make_pair(context=LN_CIPHERED, dedicated=True)
    associate(p)
    assert p.client.send(Abort()) == b""
    assert p.server.send(Abort()) == b""
    assert p.client.state is p.server.state is AssociationState.IDLE
    assert not p.server.ciphering.has_dedicated_key
    associate(p)


def test_negotiated_conformance_is_the_intersection() -> None:
    proposed = Conformance.from_bytes(bytes.fromhex("007E1F"))
    supported = Conformance.from_bytes(bytes.fromhex("00501F"))
    p = pair(*configs(client={"proposed_conformance": proposed},
                      server={"supported_conformance": supported,
                              "server_max_receive_pdu_size": 500}))
    _, confirm = associate(p)
    negotiated = confirm.negotiated
    assert negotiated is not None
    assert negotiated.negotiated_conformance == proposed & supported
    assert negotiated.server_max_receive_pdu_size == 500
    assert negotiated.client_max_receive_pdu_size == 1200
    assert confirm.conformance_within_proposal is True


def test_aare_fields_for_hls_and_ciphering() -> None:
    p = make_pair(context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_GMAC)
    indication, confirm = associate(p)
    aarq = indication.aarq
    assert isinstance(aarq, AARQ) and isinstance(confirm.aare, AARE)
    assert aarq.sender_acse_requirements is not None
    assert aarq.mechanism_name == M.HIGH_LEVEL_SECURITY_GMAC
    assert confirm.aare.responder_acse_requirements is not None
    assert confirm.aare.mechanism_name == M.HIGH_LEVEL_SECURITY_GMAC
    assert confirm.responding_ap_title == SERVER_ST


@pytest.mark.parametrize(("form", "tag"), [(CipheringMode.GENERAL_GLO, 0xDB),
                                           (CipheringMode.GENERAL_CIPHERING, 0xDD)],
                         ids=["general-glo", "general-ciphering"])
def test_initiate_request_in_a_general_envelope(form: CipheringMode, tag: int) -> None:
    p = make_pair(context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_GMAC, dedicated=True,
                  client={"initiate_ciphering": form})
    indication, confirm = associate(p)
    assert indication.aarq.user_information is not None
    assert indication.aarq.user_information[0] == tag
    assert confirm.aare.user_information is not None
    assert confirm.aare.user_information[0] == tag  # answered in kind
    assert indication.initiate_request.dedicated_key is not None
    release(p, user_information=True)
