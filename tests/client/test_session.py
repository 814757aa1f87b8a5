"""The session end to end against the test meter (server roles of the protocol machines):
every mechanism and suite, the ciphering forms and policies, the wrapper and HDLC over TCP,
the invocation counter read, GET/SET/ACTION and their refusals, release, the lifecycle."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.client import (
    AssociationRejected,
    CounterRead,
    DataAccessError,
    Direction,
    ExceptionResponseError,
    Session,
)
from conformance.codec.acse.names import AcseServiceUserDiagnostic, MechanismName
from conformance.codec.axdr import DoubleLongUnsigned, OctetString, Unsigned
from conformance.codec.xdlms.action import ActionResponseWithOptionalData
from conformance.codec.xdlms.descriptors import CosemMethodDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.errors import LocalProtocolError, SecurityError
from conformance.protocol.association import (
    AssociationConfig,
    AssociationState,
    CipheringMode,
    SecurityPolicy,
)
from conformance.security import SecuritySuite
from conformance.transport import Framing
from tests.client.harness import COUNTER_LN, ENERGY_LN, served, settings

M = MechanismName
S = SecuritySuite
MECHANISMS = [
    (M.LOWEST_LEVEL_SECURITY, S.SUITE_0, False),
    (M.LOW_LEVEL_SECURITY, S.SUITE_0, False),
    (M.HIGH_LEVEL_SECURITY_MD5, S.SUITE_0, False),
    (M.HIGH_LEVEL_SECURITY_SHA1, S.SUITE_0, False),
    (M.HIGH_LEVEL_SECURITY_GMAC, S.SUITE_0, False),
    (M.HIGH_LEVEL_SECURITY_GMAC, S.SUITE_0, True),
    (M.HIGH_LEVEL_SECURITY_GMAC, S.SUITE_1, True),
    (M.HIGH_LEVEL_SECURITY_GMAC, S.SUITE_2, True),
    (M.HIGH_LEVEL_SECURITY_SHA256, S.SUITE_1, True),
    (M.HIGH_LEVEL_SECURITY_ECDSA, S.SUITE_1, True),
    (M.HIGH_LEVEL_SECURITY_ECDSA, S.SUITE_2, True),
]


def _apdu_types(session: Session, direction: Direction) -> list[str]:
    return [e.info["apdu"]["type"] for e in session.recorder.apdus(direction)
            if "apdu" in e.info]


@pytest.mark.parametrize("mechanism, suite, ciphered", MECHANISMS)
def test_every_mechanism_and_suite(mechanism: M, suite: S, ciphered: bool) -> None:
    association, offered = settings(mechanism, suite=suite, ciphered=ciphered)
    with served(association, offered) as (session, meter):
        session.connect()
        confirm = session.associate()
        assert session.associated and confirm.accepted
        assert confirm.authentication_required == (mechanism >= M.HIGH_LEVEL_SECURITY_MD5)
        assert session.get(ENERGY_LN, 3, 2) == DoubleLongUnsigned(value=12345678)
        session.release()
        assert not session.associated
        session.disconnect()
        assert meter.log.errors == [] and meter.log.releases == 1
    sent = _apdu_types(session, Direction.SENT)
    assert sent[0] == "AARQ" and sent[-1] == "RLRQ"
    aarq = session.recorder.apdus(Direction.SENT)[0].info
    if mechanism != M.LOWEST_LEVEL_SECURITY:
        assert aarq["apdu"]["mechanism_name"] == mechanism.name.lower().replace("_", "-")
    if mechanism >= M.HIGH_LEVEL_SECURITY_MD5:
        # HLS pass 3 and 4 are in the trace, deciphered when the context ciphers.
        pass3 = session.recorder.apdus(Direction.SENT)[1].info
        view = pass3["deciphered"] if ciphered else pass3["apdu"]
        assert view["type"] == "ActionRequestNormal"
        assert view["cosem_method_descriptor"]["instance_id"] == "0-0:40.0.0*255"
    if ciphered:
        ui = aarq["user_information"]
        assert ui["ciphered"]["service"] == "glo-initiateRequest"
        assert ui["deciphered"]["type"] == "InitiateRequest"


@pytest.mark.parametrize("mode, request_tag", [
    (CipheringMode.GLOBAL, 0xC8), (CipheringMode.DEDICATED, 0xD0),
    (CipheringMode.GENERAL_GLO, 0xDB), (CipheringMode.GENERAL_DED, 0xDC),
    (CipheringMode.GENERAL_CIPHERING, 0xDD)])
def test_ciphering_forms(mode: CipheringMode, request_tag: int) -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True, mode=mode)
    with served(association, offered) as (session, meter):
        session.connect()
        session.associate()
        assert session.get(ENERGY_LN, 3, 2) == DoubleLongUnsigned(value=12345678)
    get = session.recorder.apdus(Direction.SENT)[2]
    assert get.data[0] == request_tag
    assert get.info["deciphered"]["type"] == "GetRequestNormal"
    assert get.plaintext is not None and get.plaintext[0] == 0xC0
    assert meter.log.errors == []


@pytest.mark.parametrize("policy, sc", [(SecurityPolicy.AUTHENTICATED, 0x10),
                                        (SecurityPolicy.ENCRYPTED, 0x20),
                                        (SecurityPolicy.AUTHENTICATED_ENCRYPTED, 0x30)])
def test_security_policies(policy: SecurityPolicy, sc: int) -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True, policy=policy)
    with served(association, offered) as (session, _):
        session.connect()
        session.associate()
        session.get(ENERGY_LN, 3, 2)
    for entry in session.recorder.apdus()[2:]:
        if entry.data[0] in (0xC8, 0xCC):
            assert entry.data[2] == sc  # tag, length, security control byte


@pytest.mark.parametrize("framing", [Framing.WRAPPER, Framing.HDLC])
def test_over_tcp(framing: Framing) -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True)
    with served(association, offered, framing=framing, tcp=True) as (session, meter):
        with session:
            session.associate()
            assert session.get(ENERGY_LN, 3, 2) == DoubleLongUnsigned(value=12345678)
        assert meter.log.releases == 1
    assert session.transport is None  # the session opened the URL, so it closed it
    frames = session.recorder.frames(Direction.SENT)
    if framing is Framing.WRAPPER:
        assert frames[0].info["wrapper"] == {"version": 1, "source_wport": 1,
                                             "destination_wport": 1, "length": 95}
    else:
        assert frames[0].info["frame"]["type"] == "SNRM"
        assert frames[-1].info["frame"]["type"] == "DISC"


def test_rejected_association_carries_the_diagnostic() -> None:
    association, offered = settings(M.LOW_LEVEL_SECURITY)
    wrong = AssociationConfig(mechanism=M.LOW_LEVEL_SECURITY, secret=b"87654321")
    with served(wrong, offered) as (session, _):
        session.connect()
        with pytest.raises(AssociationRejected) as info:
            session.associate()
        assert not session.associated
        # The meter is still there: the right password works on the same link.
        session.config = dataclasses.replace(session.config, association=association)
        session.associate()
        assert session.associated
    error = info.value
    assert error.diagnostic == AcseServiceUserDiagnostic.AUTHENTICATION_FAILURE
    assert error.code == 13 and "authentication-failure" in str(error)
    assert error.aare.result_source_diagnostic == error.diagnostic


def test_failed_hls_is_a_security_error() -> None:
    _, offered = settings(M.HIGH_LEVEL_SECURITY_SHA1)
    wrong, _ = settings(M.HIGH_LEVEL_SECURITY_SHA1, secret=b"not the secret")
    with served(wrong, offered) as (session, meter):
        session.connect()
        with pytest.raises(SecurityError, match=r"^loopback client end: HLS pass 3 refused"):
            session.associate()
        assert not session.associated
    assert any("pass 3" in e or "f(StoC)" in e or "HLS" in e for e in meter.log.errors)


def test_services_results_and_refusals() -> None:
    with served() as (session, meter):
        session.connect()
        session.associate()
        serial = session.get("0.0.96.1.0.255", 1, 2)
        assert serial == OctetString(value=b"12345678")
        with pytest.raises(DataAccessError) as missing:
            session.get("0.0.96.1.1.255", 1, 2)
        assert missing.value.result is DataAccessResult.OBJECT_UNDEFINED
        assert missing.value.code == 4
        assert session.get_with_list([(ENERGY_LN, 3, 2), ("0.0.96.1.1.255", 1, 2)]) == (
            DoubleLongUnsigned(value=12345678), DataAccessResult.OBJECT_UNDEFINED)
        session.set(ENERGY_LN, 3, 2, DoubleLongUnsigned(value=7))
        assert session.get(ENERGY_LN, 3, 2) == DoubleLongUnsigned(value=7)
        with pytest.raises(DataAccessError, match="read-write-denied"):
            session.set("0.0.96.1.1.255", 1, 2, Unsigned(value=1))
        assert session.set_with_list([((ENERGY_LN, 3, 2), DoubleLongUnsigned(value=8)),
                                      (("0.0.96.1.1.255", 1, 2), Unsigned(value=1))]) == (
            DataAccessResult.SUCCESS, DataAccessResult.READ_WRITE_DENIED)
        assert session.action(ENERGY_LN, 3, 1, Unsigned(value=0)) == Unsigned(value=0)
        assert session.action(ENERGY_LN, 3, 1) is None
        method = CosemMethodDescriptor(class_id=3, instance_id=ENERGY_LN, method_id=1)
        assert session.action_with_list([(method, Unsigned(value=3))]) == (
            ActionResponseWithOptionalData(result=ActionResult.SUCCESS,
                                           return_parameters=Unsigned(value=3)),)
        with pytest.raises(Exception, match="object-undefined"):
            session.action(ENERGY_LN, 3, 11)
        assert meter.log.errors == []


def test_exception_response_raises() -> None:
    def refuse(request: object, meter: object) -> object:
        from conformance.codec.xdlms.enums import ExceptionServiceError, ExceptionStateError
        from conformance.codec.xdlms.exception import ExceptionResponse
        return ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                                 service_error=ExceptionServiceError.OPERATION_NOT_POSSIBLE)

    with served(handler=refuse) as (session, _):  # type: ignore[arg-type]
        session.connect()
        session.associate()
        with pytest.raises(ExceptionResponseError) as info:
            session.get(ENERGY_LN, 3, 2)
    # ExceptionResponse service-error [1] operation-not-possible (IEC 62056-5-3 9.5).
    assert "service-not-allowed" in str(info.value) and info.value.code == 1


def test_invocation_counter_read_first_then_counter_plus_one() -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True)
    read = CounterRead(logical_name=COUNTER_LN)
    with served(association, offered, invocation_counter=read) as (session, meter):
        session.connect()  # reads the counter through the public client first
        assert session.invocation_counter == 41
        with pytest.raises(LocalProtocolError, match="before connect"):
            session.read_invocation_counter()
        session.associate()
    aarqs = [e for e in session.recorder.apdus(Direction.SENT)
             if e.info["apdu"]["type"] == "AARQ"]
    assert aarqs[0].info["apdu"]["mechanism_name"] is None  # the public client
    header = aarqs[1].info["user_information"]["ciphered"]["security_header"]
    assert header["invocation_counter"] == 42
    snrms = [f for f in session.recorder.frames(Direction.SENT)
             if f.info["frame"]["type"] == "SNRM"]
    assert [f.info["frame"]["source"] for f in snrms] == ["0x10", "0x01"]
    assert meter.log.associations == 2


def test_configured_first_invocation_counter() -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True)
    with served(association, offered, invocation_counter=100) as (session, _):
        session.connect()
        session.associate()
        assert session.invocation_counter == 100
    aarq = session.recorder.apdus(Direction.SENT)[0]
    assert aarq.info["user_information"]["ciphered"]["security_header"][
        "invocation_counter"] == 100


def test_release_with_and_without_user_information() -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True)
    with served(association, offered) as (session, _):
        session.connect()
        session.associate()
        session.release()
        session.associate()
        session.release(user_information=False)
    rlrqs = [e for e in session.recorder.apdus(Direction.SENT)
             if e.info["apdu"]["type"] == "RLRQ"]
    assert rlrqs[0].info["user_information"]["deciphered"]["type"] == "InitiateRequest"
    assert "user_information" not in rlrqs[1].info
    rlre = session.recorder.apdus(Direction.RECEIVED)[-1].info
    assert rlre["apdu"]["type"] == "RLRE"


def test_local_misuse_is_refused() -> None:
    with served() as (session, _):
        with pytest.raises(LocalProtocolError, match="connect"):
            session.associate()
        session.connect()
        with pytest.raises(LocalProtocolError, match="associate"):
            session.get(ENERGY_LN, 3, 2)
        with pytest.raises(LocalProtocolError, match="no association"):
            session.release()
        with pytest.raises(LocalProtocolError, match="CounterRead"):
            session.read_invocation_counter()


def test_context_manager_releases_and_disconnects() -> None:
    with served() as (session, meter):
        with session:
            session.associate()
        assert meter.log.releases == 1
        assert session.link is None and session.association is not None
        assert session.association.state is AssociationState.IDLE
    notes = [e.text for e in session.recorder.entries if e.text]
    assert notes[-2:] == ["released", "HDLC: link released"]


def test_context_manager_on_error_aborts_without_release() -> None:
    with served() as (session, meter):
        with pytest.raises(RuntimeError), session:
            session.associate()
            raise RuntimeError("check failed")
        assert meter.log.releases == 0
        assert session.association is not None
        assert session.association.state is AssociationState.IDLE
    assert session.recorder.frames(Direction.SENT)[-1].info["frame"]["type"] == "DISC"
