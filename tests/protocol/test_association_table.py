"""The one transition table of both roles, and the machines held to it exhaustively: in
every state each role may send exactly what the table allows, and nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.errors import LocalProtocolError
from conformance.protocol.association import (
    SENDER,
    TRANSITIONS,
    Abort,
    AssociateRequest,
    AssociateResponse,
    AssociationState,
    Primitive,
    ReleaseRequest,
    ReleaseResponse,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    Role,
    SentEvent,
    next_state,
)
from conformance.protocol.association.table import state_diagram
from tests.protocol.test_association_support import M, Pair, make_pair

S = AssociationState


def test_every_state_is_reachable_and_can_return_to_idle() -> None:
    reached = {S.IDLE}
    frontier = [S.IDLE]
    while frontier:
        state = frontier.pop()
        for (origin, _), target in TRANSITIONS.items():
            if origin is state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(S)
    for state in S:
        assert next_state(state, Primitive.ABORT) is S.IDLE


def test_every_primitive_has_one_sender_and_is_used() -> None:
    assert set(SENDER) == set(Primitive)
    used = {primitive for _, primitive in TRANSITIONS}
    assert used == set(Primitive)
    assert SENDER[Primitive.ABORT] is None
    assert Role.CLIENT.peer is Role.SERVER and Role.SERVER.peer is Role.CLIENT


def test_state_diagram_shows_every_transition() -> None:
    diagram = state_diagram()
    assert diagram.startswith("stateDiagram-v2\n")
    for (state, primitive), target in TRANSITIONS.items():
        if primitive is not Primitive.ABORT:
            assert f"{state.name} --> {target.name}: {primitive.value}" in diagram
    assert "abort (local)" in diagram


def test_requests_and_responses_alternate() -> None:
    for (state, primitive), target in TRANSITIONS.items():
        if primitive is Primitive.ABORT:
            continue
        sender = SENDER[primitive]
        following = [p for (s, p) in TRANSITIONS if s is target and p is not Primitive.ABORT]
        if target in (S.ASSOCIATION_PENDING, S.HLS_REPLY_PENDING, S.RELEASE_PENDING):
            # a request is pending: only its answer moves on, and the other role sends it
            assert following and all(SENDER[p] is not sender for p in following), (
                state, primitive)


def _drive(p: Pair, state: AssociationState) -> None:
    """Bring both machines of an HLS pair to ``state``."""
    steps: list[Callable[[], object]] = [
        lambda: p.server.receive(p.client.send(AssociateRequest())),
        lambda: p.client.receive(p.server.send(AssociateResponse())),
        lambda: p.server.receive(p.client.send(ReplyToHlsRequest())),
        lambda: p.client.receive(p.server.send(ReplyToHlsResponse())),
        lambda: p.server.receive(p.client.send(ReleaseRequest())),
    ]
    order = [S.IDLE, S.ASSOCIATION_PENDING, S.AUTHENTICATION_PENDING, S.HLS_REPLY_PENDING,
             S.ASSOCIATED, S.RELEASE_PENDING]
    for step in steps[:order.index(state)]:
        step()
    assert p.client.state is p.server.state is state


EVENTS: list[tuple[SentEvent, Primitive]] = [
    (AssociateRequest(), Primitive.ASSOCIATE_REQUEST),
    (ReplyToHlsRequest(), Primitive.HLS_REPLY_REQUEST),
    (ReleaseRequest(), Primitive.RELEASE_REQUEST),
    (AssociateResponse(), Primitive.ASSOCIATE_AUTHENTICATION_REQUIRED),
    (ReplyToHlsResponse(), Primitive.HLS_REPLY_ACCEPTED),
    (ReleaseResponse(), Primitive.RELEASE_RESPONSE),
    (Abort(), Primitive.ABORT),
]


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.name)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize(("event", "primitive"), EVENTS,
                         ids=[type(e).__name__ for e, _ in EVENTS])
def test_send_follows_the_table(state: AssociationState, role: Role, event: SentEvent,
                                primitive: Primitive) -> None:
    p = make_pair(mechanism=M.HIGH_LEVEL_SECURITY_SHA1)
    _drive(p, state)
    machine = p.client if role is Role.CLIENT else p.server
    allowed = (SENDER[primitive] in (None, role)
               and next_state(state, primitive) is not None)
    if allowed:
        data = machine.send(event)
        assert isinstance(data, bytes)
        assert machine.state is next_state(state, primitive)
        assert (data == b"") is (primitive is Primitive.ABORT)
    else:
        with pytest.raises(LocalProtocolError):
            machine.send(event)
        assert machine.state is state
