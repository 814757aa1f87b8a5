"""The reference meter's association faults (ACSE and HLS), one test each: the same exchange
against a meter started with the fault and against a clean one, the deviation read on the
wire (the client session's trace, or the raw APDUs of the client machines), and the clean
meter's conformant answer -- so each test fails if the fault does nothing or if the clean
meter misbehaves. Plus the ``--list-faults`` listing."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.cli import main
from conformance.client import AssociationRejected, Direction, Session, session_config
from conformance.client.trace import TraceEntry
from conformance.codec.acse.aare import AARE
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.names import (
    AcseServiceUserDiagnostic,
    ApplicationContextName,
    AssociationResult,
)
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import OctetString
from conformance.codec.xdlms.action import ActionResponseNormal
from conformance.codec.xdlms.confirmed_service_error import InitiateError
from conformance.codec.xdlms.enums import (
    ActionResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.get import GetRequestNormal, GetResponseNormal
from conformance.codec.xdlms.initiate import Conformance, InitiateResponse
from conformance.errors import ConformanceError, SecurityError
from conformance.plan import default_plan_path, load_plan
from conformance.protocol.association import (
    LN_CONFORMANCE,
    AssociateConfirm,
    AssociateRequest,
    AssociationState,
    ClientAssociation,
    Deviations,
    MemoryCounterStore,
    ReplyToHlsRequest,
    protection_of,
)
from conformance.security import SecurityKeys, hls_gmac
from conformance.simulator.faults import FAULTS, FaultLayer
from conformance.simulator.meter import Meter
from conformance.simulator.offer_faults import CONSTANT_STOC, SHORT_STOC_LENGTH
from conformance.simulator.server import start_meter
from conformance.transport import open_transport
from tests.simulator.server_client import (
    LOGICAL_DEVICE_NAME,
    WrapperClient,
    associate,
    association_config,
)

PLAN = load_plan(default_plan_path()).meters[0]
SERVER_TITLE = bytes.fromhex("4D4D4D0000000001")
LDN = "0.0.42.0.0.255"
ASSOCIATION_FAULTS = ["wrong-diagnostic-bad-password", "accept-bad-password",
                      "accept-unknown-context", "accept-dlms-version-5", "accept-small-pdu",
                      "grant-unproposed-conformance", "constant-stoc", "short-stoc",
                      "accept-wrong-f-stoc", "wrong-f-ctos", "serve-before-pass3"]


@contextmanager
def meter(*faults: str) -> Iterator[str]:
    """A reference meter of the default plan with ``faults``; its wrapper URL."""
    with start_meter(PLAN, listen=["tcp://127.0.0.1:0"], faults=faults) as running:
        yield running.endpoints[0]


def _session(url: str, name: str, **association: Any) -> Session:
    config = session_config(PLAN, name, transport=url)
    if association:
        config = dataclasses.replace(
            config, association=dataclasses.replace(config.association, **association))
    return Session(config)


def _try_associate(session: Session) -> ConformanceError | None:
    """Connect and associate; the error the session raised (None: associated)."""
    try:
        with session:
            session.associate()
    except ConformanceError as exc:
        return exc
    return None


def _last_aare(session: Session) -> AARE:
    entries = [e for e in session.recorder.apdus(Direction.RECEIVED) if e.data[:1] == b"\x61"]
    assert entries, "no AARE on the wire"
    aare = decode_acse_apdu(entries[-1].data)
    assert isinstance(aare, AARE)
    return aare


def _last_aarq(session: Session) -> AARQ:
    entries = [e for e in session.recorder.apdus(Direction.SENT) if e.data[:1] == b"\x60"]
    aarq = decode_acse_apdu(entries[-1].data)
    assert isinstance(aarq, AARQ)
    return aarq


def _initiate_response(aare: AARE) -> InitiateResponse:
    assert aare.user_information is not None
    response = decode_apdu(aare.user_information)
    assert isinstance(response, InitiateResponse)
    return response


def _stoc(aare: AARE) -> bytes:
    value = aare.responding_authentication_value
    assert isinstance(value, AuthenticationValueCharstring)
    return value.value


def _received_plaintexts(session: Session) -> list[TraceEntry]:
    return [e for e in session.recorder.apdus(Direction.RECEIVED) if e.plaintext is not None]


# -- ACSE -----------------------------------------------------------------------------------
def test_wrong_diagnostic_bad_password() -> None:
    diagnostics = {}
    for faults in ((), ("wrong-diagnostic-bad-password",)):
        with meter(*faults) as url:
            session = _session(url, "reader-bad-password")
            assert isinstance(_try_associate(session), AssociationRejected)
        aare = _last_aare(session)
        assert aare.result == AssociationResult.REJECTED_PERMANENT
        diagnostics[faults] = aare.result_source_diagnostic
    assert diagnostics[()] == AcseServiceUserDiagnostic.AUTHENTICATION_FAILURE
    assert diagnostics[("wrong-diagnostic-bad-password",)] \
        == AcseServiceUserDiagnostic.NO_REASON_GIVEN


def test_accept_bad_password() -> None:
    with meter("accept-bad-password") as url:
        session = _session(url, "reader-bad-password")
        with session:
            session.associate()
            assert session.get(LDN, 1, 2) == OctetString(value=b"DLC0000000000001")
    assert _last_aare(session).result == AssociationResult.ACCEPTED
    with meter() as url:
        clean = _session(url, "reader-bad-password")
        assert isinstance(_try_associate(clean), AssociationRejected)
        good = _session(url, "reader")
        assert _try_associate(good) is None  # the right password still works
    assert _last_aare(clean).result_source_diagnostic \
        == AcseServiceUserDiagnostic.AUTHENTICATION_FAILURE


def test_accept_unknown_context() -> None:
    sn = {"application_context_name":
          ApplicationContextName.SHORT_NAME_REFERENCING_NO_CIPHERING,
          "proposed_conformance": LN_CONFORMANCE}
    with meter("accept-unknown-context") as url:
        session = _session(url, "public", **sn)
        # the AARE names the meter's context, not the proposed one: the client refuses it
        assert _try_associate(session) is not None
    assert _last_aarq(session).application_context_name \
        == ApplicationContextName.SHORT_NAME_REFERENCING_NO_CIPHERING
    aare = _last_aare(session)
    assert aare.result == AssociationResult.ACCEPTED
    assert aare.application_context_name \
        == ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING
    with meter() as url:
        clean = _session(url, "public", **sn)
        assert isinstance(_try_associate(clean), AssociationRejected)
    aare = _last_aare(clean)
    assert aare.result == AssociationResult.REJECTED_PERMANENT
    assert aare.result_source_diagnostic \
        == AcseServiceUserDiagnostic.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED


def _initiate_error(aare: AARE) -> int:
    assert aare.result == AssociationResult.REJECTED_PERMANENT
    assert aare.user_information is not None
    assert aare.user_information[:2] == b"\x0e\x01"  # confirmed-service-error initiateError
    return aare.user_information[-1]


def test_accept_dlms_version_5() -> None:
    with meter("accept-dlms-version-5") as url:
        session = _session(url, "public", dlms_version=5)
        assert _try_associate(session) is None
    initiate = _initiate_response(_last_aare(session))
    assert initiate.negotiated_dlms_version_number == 6
    with meter() as url:
        clean = _session(url, "public", dlms_version=5)
        assert isinstance(_try_associate(clean), AssociationRejected)
        assert _try_associate(_session(url, "public")) is None  # version 6 is accepted
    assert _initiate_error(_last_aare(clean)) == InitiateError.DLMS_VERSION_TOO_LOW


def test_accept_small_pdu() -> None:
    with meter("accept-small-pdu") as url:
        session = _session(url, "public", client_max_receive_pdu_size=11)
        assert _try_associate(session) is None
    assert _last_aare(session).result == AssociationResult.ACCEPTED
    with meter() as url:
        clean = _session(url, "public", client_max_receive_pdu_size=11)
        assert isinstance(_try_associate(clean), AssociationRejected)
        assert _try_associate(_session(url, "public", client_max_receive_pdu_size=12)) is None
    assert _initiate_error(_last_aare(clean)) == InitiateError.PDU_SIZE_TOO_SHORT


def test_grant_unproposed_conformance() -> None:
    proposed = Conformance.GET | Conformance.BLOCK_TRANSFER_WITH_GET_OR_READ
    granted = {}
    for faults in ((), ("grant-unproposed-conformance",)):
        with meter(*faults) as url:
            session = _session(url, "public", proposed_conformance=proposed)
            _try_associate(session)
        granted[faults] = _initiate_response(_last_aare(session)).negotiated_conformance
    assert granted[()] == proposed
    excess = int(granted[("grant-unproposed-conformance",)]) & ~int(proposed)
    assert excess and Conformance(excess) & Conformance.SET  # e.g. set, never proposed
    assert granted[("grant-unproposed-conformance",)] == Conformance.from_bytes(
        bytes.fromhex("601E1D"))  # the meter's whole supported block (plan claims)


# -- HLS --------------------------------------------------------------------------------------
def _stocs(url: str, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        session = _session(url, "management")
        _try_associate(session)
        out.append(_stoc(_last_aare(session)))
    return out


def test_constant_stoc() -> None:
    with meter("constant-stoc") as url:
        faulty = _stocs(url, 2)
    assert faulty == [CONSTANT_STOC, CONSTANT_STOC]
    with meter() as url:
        clean = _stocs(url, 2)
    assert len(set(clean)) == 2 and all(len(s) == 16 for s in clean)
    assert CONSTANT_STOC not in clean


def test_short_stoc() -> None:
    with meter("short-stoc") as url:
        session = _session(url, "management")
        error = _try_associate(session)
    assert error is not None and "StoC" in str(error)  # the client refuses the challenge
    stoc = _stoc(_last_aare(session))
    assert len(stoc) == SHORT_STOC_LENGTH < 8
    with meter() as url:
        clean = _session(url, "management")
        assert _try_associate(clean) is None
    assert len(_stoc(_last_aare(clean))) == 16


def _pass4_result(url: str, deviations: Deviations, counters: MemoryCounterStore
                  ) -> tuple[ActionResponseNormal, bool]:
    """HLS-GMAC with the client machine sending ``deviations``; the pass 4 response and
    whether the client machine accepted it."""
    config = association_config(PLAN, "management", deviations=deviations)
    with open_transport(url) as transport:
        link = WrapperClient(transport, client_sap=1, server_wport=1)
        association = ClientAssociation(config, counters=counters)
        confirm = association.receive(link.request(association.send(AssociateRequest())))
        assert isinstance(confirm, AssociateConfirm) and confirm.authentication_required
        answer = link.request(association.send(ReplyToHlsRequest()))
        plain = association.ciphering.peek(answer)
        assert plain is not None
        response = decode_apdu(plain)
        assert isinstance(response, ActionResponseNormal)
        try:
            association.receive(answer)
        except SecurityError:
            return response, False
        return response, association.associated


def test_accept_wrong_f_stoc() -> None:
    wrong = Deviations(wrong_f=True)
    with meter("accept-wrong-f-stoc") as url:
        response, accepted = _pass4_result(url, wrong, MemoryCounterStore())
    assert response.single_response.result == ActionResult.SUCCESS and accepted
    with meter() as url:
        counters = MemoryCounterStore()
        clean, refused_ok = _pass4_result(url, wrong, counters)
        right, right_ok = _pass4_result(url, Deviations(), counters)
    assert clean.single_response.result == ActionResult.OTHER_REASON and not refused_ok
    assert clean.single_response.return_parameters is None
    assert right.single_response.result == ActionResult.SUCCESS and right_ok


def _expected_f_ctos(session: Session, f: bytes) -> bytes:
    """The f(CtoS) a conformant meter sends with the counter ``f`` carries."""
    ctos = _last_aarq(session).calling_authentication_value
    assert isinstance(ctos, AuthenticationValueCharstring)
    keys = PLAN.association("management").keys
    assert keys.ek is not None and keys.ak is not None
    return hls_gmac(ctos.value, keys=SecurityKeys(encryption_key=keys.ek.reveal(),
                                                  authentication_key=keys.ak.reveal()),
                    system_title=SERVER_TITLE, invocation_counter=int.from_bytes(f[1:5], "big"))


def _f_ctos(session: Session) -> bytes:
    responses = [r for r in (decode_apdu(e.plaintext) for e in _received_plaintexts(session)
                             if e.plaintext is not None and e.plaintext[0] == 0xC7)
                 if isinstance(r, ActionResponseNormal)]
    assert len(responses) == 1  # pass 4
    response = responses[0]
    assert response.single_response.result == ActionResult.SUCCESS
    f = response.single_response.return_parameters
    assert isinstance(f, OctetString)
    return f.value


def test_wrong_f_ctos() -> None:
    with meter("wrong-f-ctos") as url:
        session = _session(url, "management")
        error = _try_associate(session)
    assert isinstance(error, SecurityError) and "tag mismatch" in str(error)
    f = _f_ctos(session)
    expected = _expected_f_ctos(session, f)
    assert f != expected and f[:-1] == expected[:-1] and f[-1] ^ expected[-1] == 0x01
    with meter() as url:
        clean = _session(url, "management")
        assert _try_associate(clean) is None
    f = _f_ctos(clean)
    assert f == _expected_f_ctos(clean, f)


def _get_before_pass3(url: str, counters: MemoryCounterStore) -> bytes:
    """AARQ/AARE of the management client, then a GET before pass 3: the meter's answer
    (its plaintext when ciphered)."""
    with open_transport(url) as transport:
        link = WrapperClient(transport, client_sap=1, server_wport=1)
        association = ClientAssociation(association_config(PLAN, "management"),
                                        counters=counters)
        association.receive(link.request(association.send(AssociateRequest())))
        assert association.state is AssociationState.AUTHENTICATION_PENDING
        get = GetRequestNormal(invoke_id_and_priority=0xC1,
                               cosem_attribute_descriptor=LOGICAL_DEVICE_NAME).to_bytes()
        answer = link.request(association.ciphering.protect(get))
        if protection_of(answer).mode is None:
            return answer
        return association.ciphering.unprotect(answer)


def test_serve_before_pass3() -> None:
    with meter("serve-before-pass3") as url:
        counters = MemoryCounterStore()
        answer = decode_apdu(_get_before_pass3(url, counters))
        # pass 3 is still required for an authenticated association, and still works
        with open_transport(url) as transport:
            link = WrapperClient(transport, client_sap=1, server_wport=1)
            assert associate(link, association_config(PLAN, "management"),
                             counters=counters).get(LOGICAL_DEVICE_NAME).result \
                == OctetString(value=b"DLC0000000000001")
    assert isinstance(answer, GetResponseNormal)
    assert answer.result == OctetString(value=b"DLC0000000000001")
    with meter() as url:
        clean = decode_apdu(_get_before_pass3(url, MemoryCounterStore()))
    assert clean == ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                                      service_error=ExceptionServiceError.OPERATION_NOT_POSSIBLE)


# -- the catalogue ------------------------------------------------------------------------------
def test_list_faults_names_the_association_faults() -> None:
    out = io.StringIO()
    assert main(["simulate", "--list-faults"], out=out) == 0
    listing = out.getvalue()
    for name in ASSOCIATION_FAULTS:
        assert name in listing
        assert FAULTS[name].layer is FaultLayer.ASSOCIATION
        assert FAULTS[name].description in listing
    assert [n for n, s in FAULTS.items() if s.layer is FaultLayer.ASSOCIATION] \
        == ASSOCIATION_FAULTS


@pytest.mark.parametrize("name", ASSOCIATION_FAULTS)
def test_each_fault_reaches_the_offer(name: str) -> None:
    """The clean offers carry no deviation; each fault changes at least one offer."""
    clean, faulty = Meter(PLAN), Meter(PLAN, faults=[name])
    try:
        for sap in clean.associations:
            offered = clean.offered(sap)
            assert offered is not None
            assert not offered.server_deviations.active and not offered.deviations.active
        changed = [sap for sap in faulty.associations
                   if faulty.offered(sap) != clean.offered(sap)]
        assert changed  # the fault reaches at least one offer
    finally:
        clean.close()
        faulty.close()
