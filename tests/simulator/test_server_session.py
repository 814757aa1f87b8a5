"""The reference meter against the suite's blocking client session, as the checks will
use it: every association of the default plan ends as the plan expects, over HDLC and
the wrapper, and a long profile read goes through block transfer and HDLC segmentation."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from conformance.client import AssociationRejected, Session, session_config
from conformance.codec.axdr import Array, OctetString
from conformance.plan import Expectation, Framing, MeterPlan, default_plan_path, load_plan
from conformance.simulator.server import RunningMeter, start_meter

PLAN = load_plan(default_plan_path()).meters[0]


@pytest.fixture(scope="module")
def meter() -> Iterator[RunningMeter]:
    with start_meter(PLAN, listen=["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"]) as running:
        yield running


def _framed(framing: str) -> tuple[MeterPlan, int]:
    if framing == "hdlc":
        return PLAN, 0
    transport = dataclasses.replace(PLAN.transport, framing=Framing.WRAPPER)
    return dataclasses.replace(PLAN, transport=transport), 1


@pytest.mark.parametrize("framing", ["hdlc", "wrapper"])
@pytest.mark.parametrize("name", [a.name for a in PLAN.associations])
def test_every_plan_association(meter: RunningMeter, framing: str, name: str) -> None:
    plan, index = _framed(framing)
    assoc = plan.association(name)
    config = session_config(plan, name, transport=meter.endpoints[index])
    with Session(config) as session:
        session.connect()
        if assoc.expect is Expectation.REJECTED:
            with pytest.raises(AssociationRejected, match=str(assoc.expect_diagnostic)):
                session.associate()
        else:
            session.associate()
            assert session.get("0.0.42.0.0.255", 1, 2) == OctetString(
                value=b"DLC0000000000001")
            session.release()
        session.disconnect()


@pytest.mark.parametrize("framing", ["hdlc", "wrapper"])
def test_long_profile_read(meter: RunningMeter, framing: str) -> None:
    plan, index = _framed(framing)
    with Session(session_config(plan, "management", transport=meter.endpoints[index])) \
            as session:
        session.connect()
        session.associate()
        buffer = session.get("1.0.99.1.0.255", 7, 2)
        assert isinstance(buffer, Array) and len(buffer.items) == 2880
        session.release()
        session.disconnect()
