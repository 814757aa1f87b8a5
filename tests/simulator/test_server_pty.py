"""The meter on a pseudo-terminal, opened by the client with pyserial on the slave path,
with and without the IEC 62056-21 mode E sign-on."""

from __future__ import annotations

import time

import pytest

from conformance.codec.axdr import OctetString
from conformance.codec.hdlc import HdlcAddress
from conformance.errors import TransportTimeout
from conformance.plan import MeterPlan, default_plan_path, load_plan
from conformance.simulator.server import start_meter
from conformance.transport import SerialTransport, sign_on
from conformance.transport.mode_e import binary_line_settings
from tests.simulator.server_client import (
    LOGICAL_DEVICE_NAME,
    HdlcClient,
    associate,
    association_config,
)

SERVER = HdlcAddress.server(1, 16, size=4)


@pytest.fixture(scope="module")
def plan() -> MeterPlan:
    return load_plan(default_plan_path()).meters[0]


def _read_name(port: SerialTransport, plan: MeterPlan) -> None:
    link = HdlcClient(port, client_sap=0x10, server=SERVER)
    link.connect()
    associated = associate(link, association_config(plan, "public"))
    assert associated.get(LOGICAL_DEVICE_NAME).result == OctetString(value=b"DLC0000000000001")
    associated.release()
    link.disconnect()


def test_pty_without_mode_e(plan: MeterPlan) -> None:
    with start_meter(plan, listen=["pty://"]) as running:
        (endpoint,) = running.endpoints
        assert endpoint.startswith("pty:///dev/")
        path = endpoint[len("pty://"):]
        assert running.listeners[0].describe() == (
            f"{endpoint} (HDLC on a pseudo-terminal: open {path})")
        for _ in range(2):  # clients open and close the line; the meter stays
            with SerialTransport(path) as port:
                _read_name(port, plan)


def test_pty_with_mode_e(plan: MeterPlan) -> None:
    with start_meter(plan, listen=["pty://?mode_e=1"]) as running:
        path = running.endpoints[0][len("pty://"):]
        assert "mode E sign-on at 300 baud then 9600 baud" in running.listeners[0].describe()
        with SerialTransport(path) as port:
            # HDLC before the sign-on goes unanswered
            link = HdlcClient(port, client_sap=0x10, server=SERVER, wait=0.5)
            with pytest.raises(TransportTimeout):
                link.connect()
            port.discard_input()
            for _ in range(2):  # after DISC the optical port waits for a sign-on again
                started = time.monotonic()
                done = sign_on(port, sleep=lambda _: None)
                assert time.monotonic() - started < 2.0
                assert done.identification.manufacturer_id == "CNF"
                assert done.identification.identification == "reference-meter"
                assert done.line_settings == binary_line_settings("5")
                _read_name(port, plan)
