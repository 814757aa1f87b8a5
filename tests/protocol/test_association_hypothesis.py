"""Hypothesis drives a client and a server machine with random sequences of sends,
deliveries, losses, replays, corruptions, garbage and aborts. Whatever happens, each call
either succeeds as the transition table says or raises the right error: a forbidden send is
a LocalProtocolError that changes nothing; a server refuses only with RemoteProtocolError
(its hint, when any, is a decodable APDU the simulator can send); a client fails only with
RemoteProtocolError, SecurityError or CodecError. Never another exception."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.apdu import decode_apdu
from conformance.errors import (
    CodecError,
    LocalProtocolError,
    RemoteProtocolError,
    SecurityError,
)
from conformance.protocol.association import (
    SENDER,
    Abort,
    AssociateConfirm,
    AssociateIndication,
    AssociateRequest,
    AssociateResponse,
    Association,
    AssociationState,
    CipheringMode,
    Primitive,
    ReleaseConfirm,
    ReleaseIndication,
    ReleaseRequest,
    ReleaseResponse,
    ReplyToHlsConfirm,
    ReplyToHlsIndication,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    Role,
    SentEvent,
    next_state,
)
from conformance.security import SecuritySuite
from tests.protocol.test_association_support import LN, LN_CIPHERED, SN, M, Pair, make_pair

SCENARIOS = [
    {"context": LN},
    {"context": SN, "mechanism": M.LOW_LEVEL_SECURITY},
    {"context": LN, "mechanism": M.HIGH_LEVEL_SECURITY_MD5},
    {"context": LN, "mechanism": M.HIGH_LEVEL_SECURITY_GMAC},
    {"context": LN_CIPHERED, "mechanism": M.HIGH_LEVEL_SECURITY_GMAC},
    {"context": LN_CIPHERED, "mechanism": M.LOW_LEVEL_SECURITY, "dedicated": True,
     "mode": CipheringMode.DEDICATED},
    {"context": LN_CIPHERED, "mechanism": M.HIGH_LEVEL_SECURITY_ECDSA,
     "suite": SecuritySuite.SUITE_1, "mode": CipheringMode.GENERAL_GLO},
]

SENDS: dict[str, tuple[Role, SentEvent]] = {
    "client-associate": (Role.CLIENT, AssociateRequest()),
    "client-hls": (Role.CLIENT, ReplyToHlsRequest()),
    "client-release": (Role.CLIENT, ReleaseRequest()),
    "client-release-ui": (Role.CLIENT, ReleaseRequest(user_information=True)),
    "client-abort": (Role.CLIENT, Abort()),
    "server-accept": (Role.SERVER, AssociateResponse()),
    "server-hls": (Role.SERVER, ReplyToHlsResponse()),
    "server-release": (Role.SERVER, ReleaseResponse()),
    "server-abort": (Role.SERVER, Abort()),
    "client-wrong-role": (Role.CLIENT, AssociateResponse()),
    "server-wrong-role": (Role.SERVER, ReleaseRequest()),
}
LINK = ["deliver", "drop", "replay", "corrupt", "truncate", "garbage"]
ACTIONS = st.one_of(st.just("step"), st.just("step"), st.just("step"),
                    st.sampled_from(sorted(SENDS)),
                    st.tuples(st.sampled_from(LINK), st.sampled_from(list(Role)),
                              st.integers(0, 1 << 16), st.binary(max_size=40)))
""""step" moves the normal exchange on (so that the random walk goes deep), the named
sends are any event of either role, the tuples act on the link."""
NEXT_CLIENT = {AssociationState.IDLE: "client-associate",
               AssociationState.AUTHENTICATION_PENDING: "client-hls",
               AssociationState.ASSOCIATED: "client-release-ui"}
NEXT_SERVER = {AssociationState.ASSOCIATION_PENDING: "server-accept",
               AssociationState.HLS_REPLY_PENDING: "server-hls",
               AssociationState.RELEASE_PENDING: "server-release"}
RECEIVED = {
    Role.SERVER: {AssociateIndication: AssociationState.ASSOCIATION_PENDING,
                  ReplyToHlsIndication: AssociationState.HLS_REPLY_PENDING,
                  ReleaseIndication: AssociationState.RELEASE_PENDING},
    Role.CLIENT: {ReplyToHlsConfirm: AssociationState.ASSOCIATED,
                  ReleaseConfirm: AssociationState.IDLE},
}


@dataclass
class Wire:
    """APDUs in flight towards each role, and every APDU ever sent (for replays)."""

    queues: dict[Role, list[bytes]] = field(default_factory=lambda: {r: [] for r in Role})
    history: dict[Role, list[bytes]] = field(default_factory=lambda: {r: [] for r in Role})

    def put(self, to: Role, data: bytes) -> None:
        if data:
            self.queues[to].append(data)
            self.history[to].append(data)


def _primitive(machine: Association, event: SentEvent) -> Primitive:
    if isinstance(event, AssociateRequest):
        return Primitive.ASSOCIATE_REQUEST
    if isinstance(event, AssociateResponse):
        return (Primitive.ASSOCIATE_AUTHENTICATION_REQUIRED if machine.settings.hls
                else Primitive.ASSOCIATE_ACCEPTED)
    if isinstance(event, ReplyToHlsRequest):
        return Primitive.HLS_REPLY_REQUEST
    if isinstance(event, ReplyToHlsResponse):
        return Primitive.HLS_REPLY_ACCEPTED
    if isinstance(event, ReleaseRequest):
        return Primitive.RELEASE_REQUEST
    if isinstance(event, ReleaseResponse):
        return Primitive.RELEASE_RESPONSE
    return Primitive.ABORT


def _send(p: Pair, wire: Wire, role: Role, event: SentEvent) -> None:
    machine = p.client if role is Role.CLIENT else p.server
    before = machine.state
    primitive = _primitive(machine, event)
    allowed = SENDER[primitive] in (None, role) and next_state(before, primitive) is not None
    try:
        data = machine.send(event)
    except LocalProtocolError:
        assert not allowed, (role, event, before)
        assert machine.state is before
        return
    assert allowed, (role, event, before)
    assert machine.state is next_state(before, primitive)
    wire.put(role.peer, data)


def _receive(p: Pair, wire: Wire, role: Role, data: bytes) -> None:
    machine = p.client if role is Role.CLIENT else p.server
    try:
        event = machine.receive(data)
    except RemoteProtocolError as exc:
        hint = exc.response_hint
        if role is Role.SERVER and hint is not None:
            assert isinstance(hint, bytes)
            decode_apdu(hint)  # a well-formed APDU
            wire.put(Role.CLIENT, hint)
        return
    except (SecurityError, CodecError):
        assert role is Role.CLIENT
        return
    if isinstance(event, AssociateConfirm):
        expected = (AssociationState.IDLE if not event.accepted
                    else AssociationState.AUTHENTICATION_PENDING
                    if event.authentication_required else AssociationState.ASSOCIATED)
        assert machine.state is expected
    else:
        assert machine.state is RECEIVED[role][type(event)]


def _link(p: Pair, wire: Wire, action: str, to: Role, number: int, junk: bytes) -> None:
    queue = wire.queues[to]
    if action == "garbage":
        _receive(p, wire, to, junk)
        return
    if action == "replay":
        if wire.history[to]:
            _receive(p, wire, to, wire.history[to][number % len(wire.history[to])])
        return
    if not queue:
        return
    data = queue.pop(0)
    if action == "drop":
        return
    if action == "corrupt":
        at = number % len(data)
        data = data[:at] + bytes((data[at] ^ (1 + number % 255),)) + data[at + 1:]
    elif action == "truncate":
        data = data[:number % len(data)]
    _receive(p, wire, to, data)


def _step(p: Pair, wire: Wire) -> None:
    for to in (Role.SERVER, Role.CLIENT):
        if wire.queues[to]:
            _link(p, wire, "deliver", to, 0, b"")
            return
    name = NEXT_SERVER.get(p.server.state) or NEXT_CLIENT.get(p.client.state)
    if name is not None:
        _send(p, wire, *SENDS[name])


def _check_invariants(p: Pair) -> None:
    for machine in (p.client, p.server):
        assert isinstance(machine.state, AssociationState)
        if machine.state is AssociationState.IDLE:
            assert machine.negotiated is None
        if machine.state in (AssociationState.ASSOCIATED, AssociationState.HLS_REPLY_PENDING,
                             AssociationState.AUTHENTICATION_PENDING):
            assert machine.negotiated is not None


@settings(max_examples=300, deadline=None)
@given(scenario=st.sampled_from(SCENARIOS), actions=st.lists(ACTIONS, min_size=10, max_size=60))
def test_random_event_sequences(scenario: dict[str, object],
                                actions: list[str | tuple[str, Role, int, bytes]]) -> None:
    p = make_pair(**scenario)  # type: ignore[arg-type]
    wire = Wire()
    for action in actions:
        if action == "step":
            _step(p, wire)
        elif isinstance(action, str):
            role, event = SENDS[action]
            _send(p, wire, role, event)
        else:
            _link(p, wire, *action)
        _check_invariants(p)


@settings(max_examples=50, deadline=None)
@given(scenario=st.sampled_from(SCENARIOS))
def test_the_happy_path_always_works(scenario: dict[str, object]) -> None:
    p = make_pair(**scenario)  # type: ignore[arg-type]
    wire = Wire()
    script = ["client-associate", "server-accept", "client-hls", "server-hls",
              "client-release-ui", "server-release"]
    for name in script:
        role, event = SENDS[name]
        if _primitive(p.client if role is Role.CLIENT else p.server, event) in (
                Primitive.HLS_REPLY_REQUEST, Primitive.HLS_REPLY_ACCEPTED) \
                and not p.client.settings.hls:
            continue
        _send(p, wire, role, event)
        _link(p, wire, "deliver", role.peer, 0, b"")
    assert p.client.state is p.server.state is AssociationState.IDLE
