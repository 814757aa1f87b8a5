"""Our client session against the reference meter (``conformance.simulator``, started
in-process from the default plan) over every transport the meter offers: the IEC 62056-47
wrapper and HDLC over TCP, and a pseudo-terminal with and without the IEC 62056-21 mode E
sign-on; for every association of the plan, hence every mechanism (none, low, HLS-GMAC,
HLS-SHA256, HLS-ECDSA) and every security suite (0, 1, 2) the meter claims.

Each session reads what the meter's COSEM model holds and compares it, value and type:
the logical device name, the clock, registers with their scaler_unit, the invocation
counter objects, and the whole load profile in blocks. The trace then shows that a ciphered
association really ran on its suite and policy: every APDU after the AARQ, both ways, is
ciphered with security control ``0x30 | suite`` (Green Book 9.2.7: authenticated
encryption, suite id in bits 0-3).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.client import (
    AssociationRejected,
    DataAccessError,
    Direction,
    ModeESignOn,
    Session,
    SessionConfig,
    session_config,
)
from conformance.codec.acse import AARE, AARQ, RLRE, RLRQ
from conformance.codec.acse.names import AcseServiceUserDiagnostic, MechanismName
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import Data, DateTime, DoubleLongUnsigned, OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.enums import DataAccessResult
from conformance.errors import RemoteProtocolError, SecurityError
from conformance.plan import MeterPlan, default_plan_path, load_plan
from conformance.simulator.cosem import ProfileGeneric
from conformance.simulator.server import RunningMeter, start_meter

LOGICAL_DEVICE_NAME = "0.0.42.0.0.255"
CLOCK = "0.0.1.0.0.255"
REGISTERS = ("1.0.1.8.0.255", "1.0.32.7.0.255")
PROFILE = "1.0.99.1.0.255"
MANAGEMENT_COUNTER = "0.0.43.1.1.255"
TRANSPORTS = ("wrapper", "hdlc", "pty", "pty-mode-e")
ACCEPTED = ("public", "reader", "management", "management-dedicated", "hls-sha256",
            "hls-ecdsa")
AUTHENTICATED_ENCRYPTED = 0x30
"""Security control bits 4 (authentication) and 5 (encryption) (Green Book 9.2.7)."""


@pytest.fixture(scope="module")
def plan_meter() -> MeterPlan:
    return load_plan(default_plan_path()).meters[0]


@pytest.fixture(scope="module")
def running(plan_meter: MeterPlan, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[RunningMeter]:
    with start_meter(plan_meter, listen=["tcp://127.0.0.1:0", "hdlc+tcp://127.0.0.1:0",
                                         "pty://", "pty://?mode_e=1"],
                     state_dir=tmp_path_factory.mktemp("meter-state")) as meter:
        yield meter


def config_for(plan: MeterPlan, running: RunningMeter, transport: str,
               name: str) -> SessionConfig:
    """The plan's association ``name`` reaching the meter over ``transport``."""
    endpoint = running.endpoints[TRANSPORTS.index(transport)]
    config = session_config(plan, name, transport=endpoint)
    if transport == "pty-mode-e":
        config = dataclasses.replace(config, mode_e=ModeESignOn(switch_delay=0.02))
    return config


def model(running: RunningMeter, class_id: int, ln: str, attribute: int) -> Data:
    with running.meter.lock:
        value = running.meter.device.internal_value(class_id, ObisCode.parse(ln), attribute)
    assert value is not None, f"the model has no {ln} attribute {attribute}"
    return value


def counter_object(plan: MeterPlan, name: str) -> str:
    source = plan.association(name).invocation_counter
    if source is None or source.logical_name is None:
        return MANAGEMENT_COUNTER
    return source.logical_name.dotted


# -- what a session reads ----------------------------------------------------------------
def check_reads(session: Session, running: RunningMeter, plan: MeterPlan, name: str) -> None:
    assert session.get(LOGICAL_DEVICE_NAME, 1, 2) == model(running, 1, LOGICAL_DEVICE_NAME, 2)
    clock = running.meter.clock
    assert clock is not None
    before = clock.now()
    shown = session.get(CLOCK, 8, 2)
    after = clock.now()
    assert isinstance(shown, OctetString)
    instant = DateTime.from_bytes(shown.value).to_datetime()
    assert before - dt.timedelta(milliseconds=10) <= instant <= after
    for ln in REGISTERS:
        if name == "public":  # the plan: registers are "public: no-access"
            with pytest.raises(DataAccessError) as refused:
                session.get(ln, 3, 2)
            assert refused.value.result is DataAccessResult.READ_WRITE_DENIED
            continue
        assert session.get(ln, 3, 2) == model(running, 3, ln, 2)
        assert session.get(ln, 3, 3) == model(running, 3, ln, 3)  # scaler_unit
    _check_counter(session, running, plan, name)
    _check_profile(session, running, name)


def _check_counter(session: Session, running: RunningMeter, plan: MeterPlan,
                   name: str) -> None:
    ln = counter_object(plan, name)
    if name not in ("public", "management"):  # the plan: only those two read counters
        with pytest.raises(DataAccessError) as refused:
            session.get(ln, 1, 2)
        assert refused.value.result is DataAccessResult.OBJECT_UNDEFINED
        return
    value = session.get(ln, 1, 2)
    assert value == model(running, 1, ln, 2)
    if name == "management":  # its own counter: the one of this very GET was accepted
        association = session.association
        assert association is not None
        assert value.value == association.ciphering.last_sent.invocation_counter  # type: ignore[attr-defined]


def _check_profile(session: Session, running: RunningMeter, name: str) -> None:
    if name == "public":
        with pytest.raises(DataAccessError) as refused:
            session.get(PROFILE, 7, 2)
        assert refused.value.result is DataAccessResult.READ_WRITE_DENIED
        return
    rows = session.get(PROFILE, 7, 2)
    confirm = session.last_confirm
    assert confirm is not None and confirm.transfer.response_blocks >= 2  # type: ignore[union-attr]
    profile = running.meter.device[PROFILE]
    assert isinstance(profile, ProfileGeneric)
    with running.meter.lock:
        expected = profile.rows(range(profile.entries_in_use))
    assert rows == expected and len(expected.items) == 2880


def security_controls(session: Session) -> list[int | None]:
    """The security control byte of every APDU of the session's own association (from its
    AARQ on, both ways), ``None`` for a plain one; ACSE APDUs by their ciphered
    user-information."""
    apdus = session.recorder.apdus()
    start = max(i for i, e in enumerate(apdus)
                if e.direction is Direction.SENT and isinstance(decode_apdu(e.data), AARQ))
    out: list[int | None] = []
    for entry in apdus[start:]:
        apdu = decode_apdu(entry.data)
        if isinstance(apdu, AARQ | AARE | RLRQ | RLRE):
            if apdu.user_information is None:
                out.append(None)
                continue
            apdu = decode_apdu(apdu.user_information)
        header = getattr(apdu, "security_header", None)
        out.append(None if header is None else header.security_control)
    return out


# -- the tests ---------------------------------------------------------------------------
def test_the_plan_covers_every_claimed_mechanism_and_suite(plan_meter: MeterPlan) -> None:
    accepted = [plan_meter.association(n) for n in ACCEPTED]
    assert plan_meter.claims.mechanisms is not None and plan_meter.claims.suites is not None
    assert set(plan_meter.claims.mechanisms) <= {a.mechanism for a in accepted}
    assert set(plan_meter.claims.suites) <= {a.suite for a in accepted if a.ciphered}
    assert set(ACCEPTED) == {a.name for a in plan_meter.associations
                             if a.expect.value == "accepted"}


@pytest.mark.parametrize("name", ACCEPTED)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_association_over_every_transport(plan_meter: MeterPlan, running: RunningMeter,
                                               transport: str, name: str) -> None:
    assoc = plan_meter.association(name)
    with Session(config_for(plan_meter, running, transport, name)) as session:
        confirm = session.associate()
        assert confirm.accepted
        negotiated = session.negotiated
        assert negotiated is not None
        assert negotiated.mechanism is MechanismName(int(assoc.mechanism))
        assert negotiated.application_context_name.value == assoc.context.number
        assert negotiated.dedicated_key is bool(assoc.use_dedicated_key)
        assert confirm.authentication_required is assoc.mechanism.is_hls
        check_reads(session, running, plan_meter, name)
        session.release()
    if transport == "pty-mode-e":
        assert session.sign_on is not None and session.sign_on.identification.supports_mode_e
    controls = security_controls(session)
    if assoc.ciphered:
        assert session.invocation_counter is not None  # read through the public client
        assert controls and set(controls) == {AUTHENTICATED_ENCRYPTED | int(assoc.suite or 0)}
    else:
        assert set(controls) == {None}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_wrong_password_is_rejected(plan_meter: MeterPlan, running: RunningMeter,
                                      transport: str) -> None:
    config = config_for(plan_meter, running, transport, "reader-bad-password")
    with Session(config) as session, pytest.raises(AssociationRejected) as rejected:
        session.associate()
    assert rejected.value.diagnostic is AcseServiceUserDiagnostic.AUTHENTICATION_FAILURE


def test_counters_carry_on_across_transports(plan_meter: MeterPlan,
                                            running: RunningMeter) -> None:
    """One meter, one counter per client key whatever the transport: each session starts
    above the last counter the previous one (on another transport) used."""
    last = -1
    for transport in TRANSPORTS:
        with Session(config_for(plan_meter, running, transport, "management")) as session:
            session.associate()
            assert session.invocation_counter is not None
            assert session.invocation_counter >= last
            session.get(LOGICAL_DEVICE_NAME, 1, 2)
            association = session.association
            assert association is not None
            used = association.ciphering.last_sent.invocation_counter
            assert used is not None and used > session.invocation_counter
            last = used
    # the meter's frame counter object shows the last counter it accepted: the RLRQ's
    assert model(running, 1, MANAGEMENT_COUNTER, 2) == DoubleLongUnsigned(value=last + 1)


def test_long_read_in_small_blocks_over_mode_e(plan_meter: MeterPlan,
                                              running: RunningMeter) -> None:
    """The profile in many datablocks (client-max-receive-pdu-size 256), each in several
    HDLC segments, on the pseudo-terminal behind mode E."""
    config = config_for(plan_meter, running, "pty-mode-e", "reader")
    config = dataclasses.replace(config, association=dataclasses.replace(
        config.association, client_max_receive_pdu_size=256))
    with Session(config) as session:
        session.associate()
        rows = session.get(PROFILE, 7, 2)
        confirm = session.last_confirm
        session.release()
    assert confirm is not None and confirm.transfer.response_blocks > 300  # type: ignore[union-attr]
    profile = running.meter.device[PROFILE]
    assert isinstance(profile, ProfileGeneric)
    with running.meter.lock:
        assert rows == profile.rows(range(profile.entries_in_use))


@pytest.mark.parametrize(("fault", "error", "message"), [
    ("repeat-own-counter", SecurityError, "not greater than the last accepted"),
    ("weaker-response-protection", RemoteProtocolError, "weaker than the security policy"),
])
@pytest.mark.parametrize("transport", ["wrapper", "hdlc"])
def test_responses_gurux_accepts_are_refused(plan_meter: MeterPlan, tmp_path: Path,
                                             transport: str, fault: str,
                                             error: type[Exception], message: str) -> None:
    """The meter's faults that gurux 1.0.203 lets through (see
    ``tests/interop/test_gurux_client_vs_meter.py``): a response repeating its invocation
    counter, an authenticated-only response under authenticated encryption (Green Book
    9.2.7). Our session refuses the second (resp. first) GET's response."""
    with start_meter(plan_meter, listen=["tcp://127.0.0.1:0", "hdlc+tcp://127.0.0.1:0"],
                     faults=[fault], state_dir=tmp_path) as meter:
        url = meter.endpoints[0 if transport == "wrapper" else 1]
        session = Session(session_config(plan_meter, "management", transport=url))
        try:
            session.connect()
            session.associate()
            with pytest.raises(error, match=message):
                for _ in range(2):
                    session.get(LOGICAL_DEVICE_NAME, 1, 2)
        finally:
            session.disconnect()  # no RLRQ: the meter's RLRE would carry the fault too
