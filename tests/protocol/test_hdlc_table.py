"""The one transition table of the HDLC machine: complete for every received frame type in
every state of both roles, every row backed by an action of its role, the server never in
a client-only state, and send events without a row refused with LocalProtocolError."""

from __future__ import annotations

import pytest

from conformance.codec.hdlc import HdlcFrameType
from conformance.errors import LocalProtocolError
from conformance.protocol.hdlc import (
    TRANSITIONS,
    UNDEFINED_CONTROL,
    Action,
    Connect,
    Data,
    Disconnect,
    HdlcMachine,
    HdlcState,
    Poll,
    ReceiverNotReady,
    ReceiverReady,
    Role,
    SendEvent,
    TimeoutKind,
    UnitData,
)
from conformance.protocol.hdlc.machine import (
    FRAME_ACTIONS,
    SEND_ACTIONS,
    TIMER_ACTIONS,
    UNDEFINED_ACTIONS,
)
from conformance.protocol.hdlc.table import RECEIVE_TRIGGERS, diagram, rows, trigger_name
from tests.protocol.test_hdlc_pair import client_config, server_config

STATES = {
    Role.CLIENT: set(HdlcState),
    Role.SERVER: {HdlcState.NDM, HdlcState.NRM, HdlcState.FRAME_REJECT},
}
SEND_EVENTS = (Connect, Disconnect, Data, UnitData, Poll, ReceiverReady, ReceiverNotReady)


@pytest.mark.parametrize("role", list(Role))
def test_every_received_frame_has_a_row_in_every_state(role: Role) -> None:
    for state in STATES[role]:
        for trigger in RECEIVE_TRIGGERS:
            assert (role, state, trigger) in TRANSITIONS, (role, state, trigger)
    assert len(RECEIVE_TRIGGERS) == len(HdlcFrameType) + 1


@pytest.mark.parametrize("role", list(Role))
def test_rows_stay_in_the_role_and_have_actions(role: Role) -> None:
    for state, trigger, transition in rows(role):
        assert state in STATES[role]
        assert transition.target in STATES[role]
        assert transition.on_error is None or transition.on_error in STATES[role]
        if isinstance(trigger, HdlcFrameType):
            assert transition.action in FRAME_ACTIONS[role], (state, trigger)
        elif trigger is UNDEFINED_CONTROL:
            assert transition.action in UNDEFINED_ACTIONS[role], (state, trigger)
        elif isinstance(trigger, TimeoutKind):
            assert (transition.action in TIMER_ACTIONS[role]
                    or transition.action is Action.DROP_PARTIAL_FRAME)
        else:
            assert trigger in SEND_EVENTS
            assert transition.action in SEND_ACTIONS[role], (state, trigger)


def test_every_action_is_used() -> None:
    used = {t.action for t in TRANSITIONS.values()}
    assert used == set(Action)


def test_roles_share_the_table() -> None:
    roles = {role for role, _, _ in TRANSITIONS}
    assert roles == set(Role)
    # the server never sends commands; the client only in its role
    for event in (Connect, Disconnect, Poll):
        assert not any(r is Role.SERVER and t is event for r, _, t in TRANSITIONS)
        assert all((Role.CLIENT, s, event) in TRANSITIONS for s in (HdlcState.NRM,))
    # inter-octet timeouts apply everywhere, inactivity to the server only, response to
    # the client only
    for role in Role:
        for state in STATES[role]:
            assert (role, state, TimeoutKind.INTER_OCTET) in TRANSITIONS
    assert not any(r is Role.CLIENT and t is TimeoutKind.INACTIVITY for r, _, t in TRANSITIONS)
    assert not any(r is Role.SERVER and t is TimeoutKind.RESPONSE for r, _, t in TRANSITIONS)


@pytest.mark.parametrize("role", list(Role))
def test_send_events_without_a_row_are_local_errors(role: Role) -> None:
    config = client_config() if role is Role.CLIENT else server_config()
    machine = HdlcMachine(role, config)
    instances: dict[type, SendEvent] = {
        Connect: Connect(), Disconnect: Disconnect(), Data: Data(apdu=b"\x01"),
        UnitData: UnitData(apdu=b"\x01"), Poll: Poll(), ReceiverReady: ReceiverReady(),
        ReceiverNotReady: ReceiverNotReady()}
    for kind, event in instances.items():
        if (role, HdlcState.NDM, kind) not in TRANSITIONS:
            with pytest.raises(LocalProtocolError, match="not allowed"):
                machine.send(event, now=0)
            assert machine.state is HdlcState.NDM


def test_diagram_is_read_from_the_table() -> None:
    server = diagram(Role.SERVER).splitlines()
    assert server[0] == "stateDiagram-v2"
    assert "    NDM --> NRM: SNRM" in server
    assert "    NRM --> NDM: SNRM on error, DISC, inactivity timeout" in server
    assert not any("AWAITING" in line for line in server)
    client = diagram(Role.CLIENT)
    assert "AWAITING_CONNECT --> NRM: UA" in client
    assert "AWAITING_DISCONNECT --> NDM: UA, DM" in client
    assert trigger_name(Data) == "send Data" and trigger_name(UNDEFINED_CONTROL) == (
        "undefined control") and trigger_name(TimeoutKind.RESPONSE) == "response timeout"
