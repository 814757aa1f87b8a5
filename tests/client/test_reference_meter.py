"""The session against the reference meter (``conformance.simulator``, started in-process
from the default plan): every association of the plan over HDLC and the wrapper, the
invocation counter read before the secured associations, a long read in blocks, mode E
over a pseudo-terminal, and a JSON-lines trace without secrets."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.client import (
    AssociationRejected,
    Direction,
    ModeESignOn,
    Session,
    session_config,
)
from conformance.codec.acse.names import AcseServiceUserDiagnostic
from conformance.codec.axdr import OctetString
from conformance.plan import MeterPlan, load_plan
from conformance.simulator.server import RunningMeter, start_meter

SERIAL_NUMBER = "0.0.96.1.0.255"
LOAD_PROFILE = "1.0.99.1.0.255"


@pytest.fixture(scope="module")
def plan_meter() -> MeterPlan:
    return load_plan("testplans/simulator.yaml").meters[0]


@pytest.fixture(scope="module")
def running(plan_meter: MeterPlan, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[RunningMeter]:
    with start_meter(plan_meter, listen=["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"],
                     state_dir=tmp_path_factory.mktemp("meter-state")) as meter:
        yield meter


ACCEPTED = ["public", "reader", "management", "management-dedicated", "hls-sha256",
            "hls-ecdsa"]


@pytest.mark.parametrize("endpoint", [0, 1], ids=["hdlc", "wrapper"])
@pytest.mark.parametrize("name", ACCEPTED)
def test_every_association_of_the_plan(plan_meter: MeterPlan, running: RunningMeter,
                                       name: str, endpoint: int) -> None:
    config = session_config(plan_meter, name, transport=running.endpoints[endpoint])
    with Session(config) as session:
        session.associate()
        assert session.get(SERIAL_NUMBER, 1, 2) == OctetString(value=b"12345678")
    sent = [e.info["apdu"]["type"] for e in session.recorder.apdus(Direction.SENT)
            if "apdu" in e.info]
    assert sent[-1] == "RLRQ"
    if plan_meter.association(name).ciphered:
        assert session.invocation_counter is not None  # read through the public client
        assert sent[:3] == ["AARQ", "GetRequestNormal", "RLRQ"]


def test_wrong_password_is_rejected(plan_meter: MeterPlan, running: RunningMeter) -> None:
    config = session_config(plan_meter, "reader-bad-password",
                            transport=running.endpoints[0])
    with Session(config) as session, pytest.raises(AssociationRejected) as info:
        session.associate()
    assert info.value.diagnostic == AcseServiceUserDiagnostic.AUTHENTICATION_FAILURE


def test_counter_grows_between_sessions(plan_meter: MeterPlan, running: RunningMeter
                                        ) -> None:
    config = session_config(plan_meter, "management", transport=running.endpoints[0])
    counters = []
    for _ in range(2):
        with Session(config) as session:
            session.associate()
            counters.append(session.invocation_counter)
    assert counters[0] is not None and counters[1] is not None
    assert counters[1] > counters[0]


def test_long_read_in_blocks(plan_meter: MeterPlan, running: RunningMeter) -> None:
    config = session_config(plan_meter, "management", transport=running.endpoints[0])
    with Session(config) as session:
        session.associate()
        profile = session.get(LOAD_PROFILE, 7, 2)
        assert session.last_confirm is not None
        transfer = session.last_confirm.transfer  # type: ignore[union-attr]
    assert len(profile.items) == 2880  # type: ignore[attr-defined]
    assert transfer.response_blocks >= 2


def test_trace_of_secured_sessions_holds_no_secret(plan_meter: MeterPlan,
                                                   running: RunningMeter,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    for name in ("reader", "management-dedicated"):
        config = session_config(plan_meter, name, transport=running.endpoints[0])
        with Session(config) as session:
            session.associate()
            session.get(SERIAL_NUMBER, 1, 2)
        session.recorder.to_jsonl(path)
        text = path.read_text()
        for line in text.splitlines():
            json.loads(line)
        keys = plan_meter.association(name).keys
        for secret in (keys.ek, keys.ak, keys.kek, keys.dedicated):
            if secret is not None:
                assert secret.reveal().hex().upper() not in text
        if name == "reader":
            # The password (masked in the AARQ, and wherever its octets occur: here also
            # in the serial number, which happens to hold the same octets).
            assert b"12345678".hex().upper() not in text
            assert '"calling_authentication_value": "<password, 8 octets>"' in text
        else:
            assert '"deciphered": {"type": "GetResponseNormal"' in text


def test_mode_e_over_a_pseudo_terminal(plan_meter: MeterPlan,
                                       tmp_path: Path) -> None:
    with start_meter(plan_meter, listen=["pty://?mode_e=1"],
                     state_dir=tmp_path) as meter:
        config = dataclasses.replace(
            session_config(plan_meter, "management", transport=meter.endpoints[0]),
            mode_e=ModeESignOn(switch_delay=0.05))
        with Session(config) as session:
            session.associate()
            assert session.get(SERIAL_NUMBER, 1, 2) == OctetString(value=b"12345678")
            assert session.sign_on is not None
            assert session.sign_on.identification.supports_mode_e
    layers = [e.layer for e in session.recorder.entries if e.layer]
    # A sign-on before each HDLC link: the counter read's, then the management one's.
    changes = [layer for i, layer in enumerate(layers) if i == 0 or layers[i - 1] != layer]
    assert changes[:4] == ["iec62056-21", "hdlc", "iec62056-21", "hdlc"]
