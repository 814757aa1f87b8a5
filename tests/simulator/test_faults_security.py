"""The reference meter's security faults (ciphering and invocation counters, Green Book
9.2.7), one test each: the same exchange against a meter started with the fault and against
a clean one, the deviation read on the wire (the client session's trace, or the raw APDUs
of the client machines) and the clean meter's conformant answer. Plus the counters of a key
renewed by key_transfer (counters per key, not per key name), and ``--list-faults``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.client import Direction, Session, session_config
from conformance.codec.acse.aare import AARE
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.names import AssociationResult
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import Array, DoubleLongUnsigned, Enum, OctetString, Structure
from conformance.codec.xdlms.ciphered import CipheredApdu, decode_ciphered
from conformance.codec.xdlms.confirmed_service_error import ApplicationReferenceError
from conformance.codec.xdlms.enums import ExceptionServiceError, ExceptionStateError
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.get import GetRequestNormal, GetResponseNormal
from conformance.errors import ConformanceError, RemoteProtocolError, SecurityError
from conformance.plan import default_plan_path, load_plan
from conformance.protocol.association import (
    AssociateConfirm,
    AssociateRequest,
    ClientAssociation,
    CounterKey,
    MemoryCounterStore,
    protection_of,
)
from conformance.protocol.services import Get
from conformance.security import SecretKey, SecurityKeys, unprotect, wrap_key
from conformance.security.keys import EK_UNICAST, KEK
from conformance.security.keywrap import KeyTransferId
from conformance.simulator.faults import FAULTS, FaultLayer
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
LDN_VALUE = OctetString(value=b"DLC0000000000001")
MANAGEMENT_EK = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
MANAGEMENT_AK = bytes.fromhex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
CLIENT_TITLE = bytes.fromhex("4D4D4D0000BC614E")
CLIENT_KEY = CounterKey.of(SecretKey(name=EK_UNICAST, value=MANAGEMENT_EK), CLIENT_TITLE)
NEW_EK = bytes.fromhex("F0E1D2C3B4A5968778695A4B3C2D1E0F")
SECURITY_FAULTS = ["accept-replayed-counter", "repeat-own-counter", "accept-tampered-tag",
                   "serve-plain-in-ciphered", "weaker-response-protection",
                   "reset-counters-on-restart", "wrong-system-title"]


@contextmanager
def meter(*faults: str, state_dir: Path | None = None) -> Iterator[str]:
    """A reference meter of the default plan with ``faults``; its wrapper URL."""
    with start_meter(PLAN, listen=["tcp://127.0.0.1:0"], faults=faults,
                     state_dir=state_dir) as running:
        yield running.endpoints[0]


def _session(url: str, name: str = "management") -> Session:
    return Session(session_config(PLAN, name, transport=url))


def _get_twice(session: Session) -> ConformanceError | None:
    """Associate and GET the logical device name twice; the error raised (None: none)."""
    try:
        with session:
            session.associate()
            for _ in range(2):
                assert session.get(LDN, 1, 2) == LDN_VALUE
    except ConformanceError as exc:
        return exc
    return None


def _get_responses(session: Session) -> list[tuple[int, int]]:
    """(security control byte, invocation counter) of each ciphered GET response."""
    out = []
    for entry in session.recorder.apdus(Direction.RECEIVED):
        if entry.plaintext is not None and entry.plaintext[:1] == b"\xc4":
            info = protection_of(entry.data)
            assert info.security_control is not None and info.invocation_counter is not None
            out.append((info.security_control.to_byte(), info.invocation_counter))
    return out


def _get_requests(session: Session) -> list[int]:
    """The security control byte of each ciphered GET request."""
    out = []
    for entry in session.recorder.apdus(Direction.SENT):
        if entry.plaintext is not None and entry.plaintext[:1] == b"\xc0":
            sc = protection_of(entry.data).security_control
            assert sc is not None
            out.append(sc.to_byte())
    return out


# -- requests the meter must refuse -----------------------------------------------------------
def _after_association(url: str, mangle: str) -> tuple[bytes, bytes | None]:
    """The management association (client machines), then a GET sent as ``mangle`` says:
    ``replay`` (a ciphered GET sent twice: the second answer), ``tamper`` (its last tag bit
    flipped) or ``plain`` (unciphered). The answer on the wire and its plaintext."""
    with open_transport(url) as transport:
        link = WrapperClient(transport, client_sap=1, server_wport=1)
        associated = associate(link, association_config(PLAN, "management"))
        ciphering = associated.association.ciphering
        get = associated.services.send(Get(cosem_attribute_descriptor=LOGICAL_DEVICE_NAME))[0]
        if mangle == "replay":
            first = decode_apdu(ciphering.unprotect(link.request(get)))
            assert isinstance(first, GetResponseNormal) and first.result == LDN_VALUE
            answer = link.request(get)
        elif mangle == "tamper":
            answer = link.request(get[:-1] + bytes((get[-1] ^ 0x01,)))
        else:
            answer = link.request(GetRequestNormal(
                invoke_id_and_priority=0xC1,
                cosem_attribute_descriptor=LOGICAL_DEVICE_NAME).to_bytes())
        return answer, ciphering.peek(answer)


def _served(answer: bytes, plain: bytes | None) -> None:
    assert protection_of(answer).mode is not None  # a ciphered answer...
    assert plain is not None
    response = decode_apdu(plain)
    assert isinstance(response, GetResponseNormal) and response.result == LDN_VALUE


def _refused(answer: bytes, service_error: ExceptionServiceError) -> ExceptionResponse:
    response = decode_apdu(answer)
    assert isinstance(response, ExceptionResponse)
    assert response.state_error == ExceptionStateError.SERVICE_NOT_ALLOWED
    assert response.service_error == service_error
    return response


def test_accept_replayed_counter() -> None:
    with meter("accept-replayed-counter") as url:
        _served(*_after_association(url, "replay"))
    with meter() as url:
        answer, _ = _after_association(url, "replay")
    refusal = _refused(answer, ExceptionServiceError.INVOCATION_COUNTER_ERROR)
    assert refusal.invocation_counter is not None and refusal.invocation_counter > 1


def test_accept_tampered_tag() -> None:
    with meter("accept-tampered-tag") as url:
        _served(*_after_association(url, "tamper"))
    with meter() as url:
        answer, _ = _after_association(url, "tamper")
    _refused(answer, ExceptionServiceError.DECIPHERING_ERROR)


def test_serve_plain_in_ciphered() -> None:
    with meter("serve-plain-in-ciphered") as url:
        _served(*_after_association(url, "plain"))
    with meter() as url:
        answer, _ = _after_association(url, "plain")
    _refused(answer, ExceptionServiceError.OPERATION_NOT_POSSIBLE)


# -- what the meter sends ---------------------------------------------------------------------
def test_repeat_own_counter() -> None:
    with meter("repeat-own-counter") as url:
        session = _session(url)
        error = _get_twice(session)
    assert isinstance(error, SecurityError) and "not greater" in str(error)
    (_, first), (_, second) = _get_responses(session)
    assert first == second  # the same IV (system title || counter) twice with EK
    with meter() as url:
        clean = _session(url)
        assert _get_twice(clean) is None
    (_, first), (_, second) = _get_responses(clean)
    assert second > first


def test_weaker_response_protection() -> None:
    with meter("weaker-response-protection") as url:
        session = _session(url)
        error = _get_twice(session)
    assert isinstance(error, RemoteProtocolError) and "weaker than" in str(error)
    assert _get_requests(session)[0] == 0x30
    assert [sc for sc, _ in _get_responses(session)] == [0x10]  # authentication only
    with meter() as url:
        clean = _session(url)
        assert _get_twice(clean) is None
    assert _get_requests(clean) == [0x30, 0x30]
    assert [sc for sc, _ in _get_responses(clean)] == [0x30, 0x30]


def _aare(session: Session) -> AARE:
    entries = [e for e in session.recorder.apdus(Direction.RECEIVED) if e.data[:1] == b"\x61"]
    aare = decode_acse_apdu(entries[-1].data)
    assert isinstance(aare, AARE)
    return aare


def test_wrong_system_title() -> None:
    with meter("wrong-system-title") as url:
        session = _session(url)  # the plan gives the session the server system title
        error = _get_twice(session)
        assert isinstance(error, RemoteProtocolError) and "responding-AP-title" in str(error)
        with pytest.raises(SecurityError, match="tag mismatch"):
            # a client learning the server system title from the AARE
            _aarq_answer(url, MemoryCounterStore(last_sent={CLIENT_KEY: 10}))
    aare = _aare(session)
    announced = aare.responding_ap_title
    assert announced is not None and len(announced) == 8 and announced != SERVER_TITLE
    # the meter ciphers with its real system title: the IV is not the announced one
    assert aare.user_information is not None
    envelope = decode_ciphered(aare.user_information)
    assert isinstance(envelope, CipheredApdu)
    keys = SecurityKeys(encryption_key=MANAGEMENT_EK, authentication_key=MANAGEMENT_AK)
    assert unprotect(envelope, keys=keys, system_title=SERVER_TITLE)[:1] == b"\x08"
    with meter() as url:
        clean = _session(url)
        assert _get_twice(clean) is None
        assert _aarq_answer(url, MemoryCounterStore(last_sent={CLIENT_KEY: 10})).result \
            == AssociationResult.ACCEPTED
    assert _aare(clean).responding_ap_title == SERVER_TITLE


# -- counters across restarts and key changes ------------------------------------------------
def _aarq_answer(url: str, counters: MemoryCounterStore, *,
                 ek: bytes = MANAGEMENT_EK) -> AssociateConfirm:
    """AARQ/AARE of the management client with its counters in ``counters``."""
    keys = SecurityKeys(encryption_key=ek,
                        authentication_key=MANAGEMENT_AK)
    with open_transport(url) as transport:
        link = WrapperClient(transport, client_sap=1, server_wport=1)
        association = ClientAssociation(association_config(PLAN, "management", keys=keys),
                                        counters=counters)
        confirm = association.receive(link.request(association.send(AssociateRequest())))
    assert isinstance(confirm, AssociateConfirm)
    return confirm


def _aare_counter(confirm: AssociateConfirm) -> int:
    ui = confirm.aare.user_information
    assert ui is not None
    counter = protection_of(ui).invocation_counter
    assert counter is not None
    return counter


def test_reset_counters_on_restart(tmp_path: Path) -> None:
    for faults in (("reset-counters-on-restart",), ()):
        state = tmp_path / ("faulty" if faults else "clean")
        with meter(*faults, state_dir=state) as url:
            first = _aarq_answer(url, MemoryCounterStore())
            assert first.result == AssociationResult.ACCEPTED
        with meter(*faults, state_dir=state) as url:
            # a client that starts its counter afresh, as after the meter's restart
            again = _aarq_answer(url, MemoryCounterStore())
        if faults:
            assert again.result == AssociationResult.ACCEPTED  # its counter 1 again
            assert _aare_counter(again) == _aare_counter(first)  # the meter's IV again
        else:
            assert again.result == AssociationResult.REJECTED_PERMANENT
            error = again.confirmed_service_error
            assert error is not None \
                and error.value == ApplicationReferenceError.DECIPHERING_ERROR
            # the meter itself carries on: a client continuing its counter sees a new IV
            with meter(state_dir=state) as url:
                later = _aarq_answer(url, MemoryCounterStore(last_sent={CLIENT_KEY: 1}))
            assert later.result == AssociationResult.ACCEPTED
            assert _aare_counter(later) > _aare_counter(first)


def _key_transfer(url: str) -> None:
    """The management client replaces its EK (Security setup key_transfer)."""
    kek = SecretKey(name=KEK, value=MANAGEMENT_EK)
    wrapped = wrap_key(NEW_EK, kek=kek)
    with _session(url) as session:
        session.associate()
        session.action("0.0.43.0.1.255", 64, 2, Array(items=(Structure(items=(
            Enum(value=int(KeyTransferId.GLOBAL_UNICAST_ENCRYPTION_KEY)),
            OctetString(value=wrapped))),)))


def _frame_counter(url: str) -> int:
    with _session(url, "public") as session:
        session.associate()
        value = session.get("0.0.43.1.1.255", 1, 2)
    assert isinstance(value, DoubleLongUnsigned)
    return value.value


def test_a_renewed_key_starts_new_counters(tmp_path: Path) -> None:
    """Counters belong to keys, not to key names: after key_transfer a client that
    restarts its counter with the new EK is accepted and the meter's own counter of the new
    key starts afresh; after a restart (keys back to the plan's) the old EK's floor holds."""
    with meter(state_dir=tmp_path) as url:
        old = _aarq_answer(url, MemoryCounterStore())
        assert old.result == AssociationResult.ACCEPTED
        _key_transfer(url)
        assert _frame_counter(url) == 0  # nothing accepted with the new EK yet
        renewed = _aarq_answer(url, MemoryCounterStore(), ek=NEW_EK)
        assert renewed.result == AssociationResult.ACCEPTED
        assert _aare_counter(renewed) == 0  # the meter's first counter of the new key
        assert _frame_counter(url) == 1
    with meter(state_dir=tmp_path) as url:  # the plan's keys again, their counters kept
        assert _frame_counter(url) > 1
        stale = _aarq_answer(url, MemoryCounterStore())
        continuing = _aarq_answer(url, MemoryCounterStore(last_sent={CLIENT_KEY: 100}))
    assert stale.result == AssociationResult.REJECTED_PERMANENT
    assert continuing.result == AssociationResult.ACCEPTED
    assert _aare_counter(continuing) > _aare_counter(old) + 1  # the old key's sequence


# -- the catalogue ------------------------------------------------------------------------------
def test_list_faults_names_the_security_faults() -> None:
    out = io.StringIO()
    assert main(["simulate", "--list-faults"], out=out) == 0
    listing = out.getvalue()
    for name in SECURITY_FAULTS:
        assert name in listing and FAULTS[name].description in listing
        assert FAULTS[name].layer is FaultLayer.SECURITY
    assert [n for n, s in FAULTS.items() if s.layer is FaultLayer.SECURITY] == SECURITY_FAULTS


def test_the_plan_keys_are_the_ones_used_here() -> None:
    keys = PLAN.association("management").keys
    assert keys.ek is not None and keys.ek.reveal() == MANAGEMENT_EK
    assert keys.ak is not None and keys.ak.reveal() == MANAGEMENT_AK
    assert keys.kek is not None and keys.kek.reveal() == MANAGEMENT_EK
    assert PLAN.server.system_title == SERVER_TITLE
    assert PLAN.association("management").client_system_title == CLIENT_TITLE
