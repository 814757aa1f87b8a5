"""The server role's deviation hooks (:class:`ServerDeviations`, and ``Deviations.wrong_f``),
from which the reference meter builds its association and security faults: each hook
changes exactly its rule, shown against the same exchange without it (the conformant
refusal), and none changes anything when off."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.codec.acse.aare import AARE
from conformance.codec.acse.names import AcseServiceUserDiagnostic, ApplicationContextName
from conformance.codec.apdu import decode_apdu
from conformance.codec.xdlms.initiate import InitiateResponse
from conformance.errors import RemoteProtocolError, SecurityError
from conformance.protocol.association import (
    LN_CONFORMANCE,
    AssociateConfirm,
    AssociateIndication,
    AssociateRequest,
    AssociateResponse,
    AssociationState,
    CipheringMode,
    Deviations,
    ReplyToHlsConfirm,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    SecurityPolicy,
    ServerDeviations,
    protection_of,
)
from tests.protocol.test_association_support import (
    CLIENT_ST,
    GET,
    GET_RESPONSE,
    LN,
    LN_CIPHERED,
    SERVER_ST,
    M,
    Pair,
    associate,
    configs,
    pair,
)

U = AcseServiceUserDiagnostic


def _pair(server: ServerDeviations | None = None, *, client: dict[str, Any] | None = None,
          **kwargs: Any) -> Pair:
    fields: dict[str, Any] = {} if server is None else {"server_deviations": server}
    return pair(*configs(client=client, server=fields, **kwargs))


def _aare(p: Pair) -> tuple[AARE, AssociateIndication | None]:
    """AARQ to the server; the AARE it answers (accepting or rejecting)."""
    try:
        indication = p.server.receive(p.client.send(AssociateRequest()))
    except RemoteProtocolError as refusal:
        assert isinstance(refusal.response_hint, bytes)
        aare = decode_apdu(refusal.response_hint)
        assert isinstance(aare, AARE)
        return aare, None
    assert isinstance(indication, AssociateIndication)
    aare = decode_apdu(p.server.send(AssociateResponse()))
    assert isinstance(aare, AARE)
    return aare, indication


def _diagnostic(p: Pair) -> int:
    return int(_aare(p)[0].result_source_diagnostic)


def test_defaults_and_validation() -> None:
    assert not ServerDeviations().active
    assert ServerDeviations(accept_plain_requests=True).active
    assert configs()[1].server_deviations == ServerDeviations()
    with pytest.raises(ValueError, match="lowest_client_max_receive_pdu_size"):
        ServerDeviations(lowest_client_max_receive_pdu_size=0)
    with pytest.raises(ValueError, match="lowest_dlms_version"):
        ServerDeviations(lowest_dlms_version=256)
    with pytest.raises(ValueError):
        ServerDeviations(password_failure_diagnostic=99)  # type: ignore[arg-type]


# -- AARQ acceptance ----------------------------------------------------------------------------
def test_accept_any_application_context() -> None:
    sn = {"application_context_name": ApplicationContextName.SHORT_NAME_REFERENCING_NO_CIPHERING,
          "proposed_conformance": LN_CONFORMANCE}
    assert _diagnostic(_pair(client=sn)) == U.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED
    aare, indication = _aare(_pair(ServerDeviations(accept_any_application_context=True),
                                   client=sn))
    assert indication is not None and aare.result_source_diagnostic == U.NULL
    assert aare.application_context_name == LN  # the offered one


@pytest.mark.parametrize("hook, diagnostic", [
    (ServerDeviations(), U.AUTHENTICATION_FAILURE),
    (ServerDeviations(password_failure_diagnostic=U.NO_REASON_GIVEN), U.NO_REASON_GIVEN),
    (ServerDeviations(accept_any_password=True), U.NULL),
])
def test_wrong_password(hook: ServerDeviations, diagnostic: U) -> None:
    p = _pair(hook, mechanism=M.LOW_LEVEL_SECURITY, client={"secret": b"87654321"})
    assert _diagnostic(p) == diagnostic
    # the right password is accepted either way
    assert _diagnostic(_pair(hook, mechanism=M.LOW_LEVEL_SECURITY)) == U.NULL


@pytest.mark.parametrize("client, hook", [
    ({"dlms_version": 5}, ServerDeviations(lowest_dlms_version=5)),
    ({"client_max_receive_pdu_size": 11}, ServerDeviations(lowest_client_max_receive_pdu_size=1)),
])
def test_lower_limits(client: dict[str, Any], hook: ServerDeviations) -> None:
    refused, _ = _aare(_pair(client=client))
    assert refused.result_source_diagnostic == U.NO_REASON_GIVEN
    assert refused.user_information is not None and refused.user_information[:2] == b"\x0e\x01"
    aare, indication = _aare(_pair(hook, client=client))
    assert indication is not None and aare.result_source_diagnostic == U.NULL
    assert aare.user_information is not None
    response = decode_apdu(aare.user_information)
    assert isinstance(response, InitiateResponse) and response.negotiated_dlms_version_number == 6


# -- HLS --------------------------------------------------------------------------------------
def _pass4(p: Pair) -> object:
    p.server.receive(p.client.send(AssociateRequest()))
    p.client.receive(p.server.send(AssociateResponse()))
    try:
        p.server.receive(p.client.send(ReplyToHlsRequest()))
    except RemoteProtocolError as refusal:
        assert isinstance(refusal.response_hint, bytes)
        return p.client.receive(refusal.response_hint)
    return p.client.receive(p.server.send(ReplyToHlsResponse()))


@pytest.mark.parametrize("mechanism", [M.HIGH_LEVEL_SECURITY_SHA256,
                                       M.HIGH_LEVEL_SECURITY_GMAC])
def test_accept_any_f_stoc(mechanism: M) -> None:
    wrong = {"deviations": Deviations(wrong_f=True)}
    with pytest.raises(SecurityError, match="refused"):
        _pass4(_pair(client=wrong, context=LN_CIPHERED, mechanism=mechanism))
    p = _pair(ServerDeviations(accept_any_f_stoc=True), client=wrong, context=LN_CIPHERED,
              mechanism=mechanism)
    assert isinstance(_pass4(p), ReplyToHlsConfirm) and p.server.associated


def test_wrong_f_ctos_from_the_server() -> None:
    p = pair(*configs(mechanism=M.HIGH_LEVEL_SECURITY_SHA256,
                      server={"deviations": Deviations(wrong_f=True)}))
    with pytest.raises(SecurityError, match=r"SHA-256|mismatch"):
        _pass4(p)
    assert p.client.state is AssociationState.AUTHENTICATION_PENDING


def test_serve_before_authentication() -> None:
    for hook in (ServerDeviations(), ServerDeviations(serve_before_authentication=True)):
        p = _pair(hook, context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_SHA256)
        p.server.receive(p.client.send(AssociateRequest()))
        p.client.receive(p.server.send(AssociateResponse()))
        get = p.client.ciphering.protect(GET)
        # without the hook the machine claims every xDLMS APDU while pending (and refuses
        # all but reply_to_HLS_authentication); with it, it leaves the GET to the caller
        assert p.server.accepts(get) is not hook.serve_before_authentication
        assert p.server.accepts(b"\xcb\xff\x00") is True  # undecipherable: the machine's
        pass3 = p.client.send(ReplyToHlsRequest())
        assert p.server.accepts(pass3)
        p.server.receive(pass3)
        assert isinstance(p.client.receive(p.server.send(ReplyToHlsResponse())),
                          ReplyToHlsConfirm)
        assert not p.server.accepts(get)  # associated: the services' APDU


def test_responding_ap_title() -> None:
    other = bytes.fromhex("4D4D4D00000000FE")
    p = _pair(ServerDeviations(responding_ap_title=other), context=LN_CIPHERED)
    p.server.receive(p.client.send(AssociateRequest()))
    aare = p.server.send(AssociateResponse())
    decoded = decode_apdu(aare)
    assert isinstance(decoded, AARE) and decoded.responding_ap_title == other
    assert p.server.ciphering.own_system_title == SERVER_ST  # the IVs keep the real one
    with pytest.raises(SecurityError, match="tag mismatch"):
        p.client.receive(aare)
    clean = _pair(context=LN_CIPHERED)
    assert _aare(clean)[0].responding_ap_title == SERVER_ST


# -- ciphering --------------------------------------------------------------------------------
def _associated(hook: ServerDeviations | None = None, **kwargs: Any) -> Pair:
    p = _pair(hook, context=LN_CIPHERED, **kwargs)
    associate(p)
    return p


def test_accept_replayed_counter() -> None:
    for hook in (ServerDeviations(), ServerDeviations(accept_replayed_counter=True)):
        p = _associated(hook)
        request = p.client.ciphering.protect(GET)
        assert p.server.ciphering.unprotect(request) == GET
        last = p.server.counters.last_accepted(p.server.ciphering.peer_counter_key(CLIENT_ST))
        if hook.accept_replayed_counter:
            assert p.server.ciphering.unprotect(request) == GET
        else:
            with pytest.raises(RemoteProtocolError, match="not greater"):
                p.server.ciphering.unprotect(request)
        # the floor never moves back
        assert p.server.counters.last_accepted(
            p.server.ciphering.peer_counter_key(CLIENT_ST)) == last


@pytest.mark.parametrize("policy", [SecurityPolicy.AUTHENTICATED,
                                    SecurityPolicy.AUTHENTICATED_ENCRYPTED])
def test_accept_wrong_tag(policy: SecurityPolicy) -> None:
    for hook in (ServerDeviations(), ServerDeviations(accept_wrong_tag=True)):
        p = _associated(hook, policy=policy)
        request = p.client.ciphering.protect(GET)
        tampered = request[:-1] + bytes((request[-1] ^ 0x01,))
        if hook.accept_wrong_tag:
            assert p.server.ciphering.unprotect(tampered) == GET
        else:
            with pytest.raises(RemoteProtocolError, match="tag mismatch"):
                p.server.ciphering.unprotect(tampered)


def test_accept_plain_requests() -> None:
    with pytest.raises(RemoteProtocolError, match="plain APDU"):
        _associated().server.ciphering.unprotect(GET)
    p = _associated(ServerDeviations(accept_plain_requests=True))
    assert p.server.ciphering.unprotect(GET) == GET
    # the response is still protected as the policy says
    assert protection_of(p.server.ciphering.protect(GET_RESPONSE)).policy \
        is SecurityPolicy.AUTHENTICATED_ENCRYPTED


@pytest.mark.parametrize("weaker", [SecurityPolicy.AUTHENTICATED, SecurityPolicy.NONE])
def test_response_security_policy(weaker: SecurityPolicy) -> None:
    p = _pair(ServerDeviations(response_security_policy=weaker), context=LN_CIPHERED)
    indication, confirm = associate(p)  # the association's own APDUs are unaffected
    assert isinstance(confirm, AssociateConfirm) and indication is not None
    assert p.server.ciphering.unprotect(p.client.ciphering.protect(GET)) == GET
    response = p.server.ciphering.protect(GET_RESPONSE)
    if weaker is SecurityPolicy.NONE:
        assert response == GET_RESPONSE
        with pytest.raises(RemoteProtocolError, match="plain APDU"):
            p.client.ciphering.unprotect(response)
    else:
        assert protection_of(response).policy is SecurityPolicy.AUTHENTICATED
        with pytest.raises(RemoteProtocolError, match="weaker than"):
            p.client.ciphering.unprotect(response)
    clean = _associated()
    clean.server.ciphering.unprotect(clean.client.ciphering.protect(GET))
    assert protection_of(clean.server.ciphering.protect(GET_RESPONSE)).policy \
        is SecurityPolicy.AUTHENTICATED_ENCRYPTED


@pytest.mark.parametrize("mode", [CipheringMode.GLOBAL, CipheringMode.DEDICATED])
def test_repeat_response_counter(mode: CipheringMode) -> None:
    p = _pair(ServerDeviations(repeat_response_counter=True), context=LN_CIPHERED,
              mode=mode, dedicated=True, mechanism=M.HIGH_LEVEL_SECURITY_GMAC)
    associate(p)  # AARE, f(CtoS) and pass 4 with new counters
    counters = []
    for _ in range(3):
        p.server.ciphering.unprotect(p.client.ciphering.protect(GET))
        counters.append(protection_of(p.server.ciphering.protect(GET_RESPONSE))
                        .invocation_counter)
    assert len(set(counters)) == 1
    clean = _associated(mode=mode, dedicated=True)
    fresh: list[int] = []
    for _ in range(3):
        clean.server.ciphering.unprotect(clean.client.ciphering.protect(GET))
        response = clean.server.ciphering.protect(GET_RESPONSE)
        counter = protection_of(response).invocation_counter
        assert counter is not None
        fresh.append(counter)
        assert decode_apdu(clean.client.ciphering.unprotect(response)) \
            == decode_apdu(GET_RESPONSE)
    assert fresh == sorted(set(fresh)) and len(fresh) == 3


def test_peek_records_nothing() -> None:
    p = _associated()
    request = p.client.ciphering.protect(GET)
    key = p.server.ciphering.peer_counter_key(CLIENT_ST)
    before = p.server.counters.last_accepted(key)
    assert p.server.ciphering.peek(request) == GET
    assert p.server.counters.last_accepted(key) == before
    assert p.server.ciphering.unprotect(request) == GET  # still fresh
    assert p.server.ciphering.peek(GET) == GET  # plain: as it is
    assert p.server.ciphering.peek(request[:-1] + bytes((request[-1] ^ 1,))) is None
    assert p.server.ciphering.peek(b"\xc8\x05") is None  # malformed envelope

