"""THE transition tables of the services machine, each one for both roles.

Both ends of an exchange walk the same states: a client moves when it *sends* a request
and when it *receives* the answer, a server the other way round. What moves them is a
role-independent :class:`ServicePrimitive` with one :data:`SENDER`; so the same table
tells a client what it may send and receive, and a server likewise. Diagrams and the
exhaustive tests read these tables.

Service level (IEC 62056-5-3 9.4.6: GET, SET, ACTION with service-specific block
transfer; one confirmed service at a time)::

    IDLE --request--> REQUEST_PENDING --response / exception-response--> IDLE
    IDLE --unconfirmed-request--> IDLE
    IDLE --request-first-block--> REQUEST_BLOCK_SENT            (SET datablock, ACTION pblock)
    REQUEST_BLOCK_SENT --request-block-ack--> REQUEST_BLOCK_ACKNOWLEDGED
    REQUEST_BLOCK_ACKNOWLEDGED --request-block--> REQUEST_BLOCK_SENT
    REQUEST_BLOCK_ACKNOWLEDGED --request-last-block--> REQUEST_PENDING
    REQUEST_BLOCK_SENT --response--> IDLE                      (server ends it with an error)
    REQUEST_PENDING --response-first-block--> RESPONSE_BLOCK_SENT   (GET datablock, pblock)
    RESPONSE_BLOCK_SENT --next-block-request--> RESPONSE_BLOCK_REQUESTED
    RESPONSE_BLOCK_REQUESTED --response-block--> RESPONSE_BLOCK_SENT
    RESPONSE_BLOCK_REQUESTED --response-last-block--> IDLE
    *_BLOCK_ACKNOWLEDGED / RESPONSE_BLOCK_SENT --request...--> (a new request abandons
                                                                the long transfer)
    any state --notification--> same state                     (EventNotification, push)

General block transfer (Green Book 9.4.6.13) is a sublayer under the services: it
carries whole APDUs of an exchange in numbered blocks, and its phases move on
:class:`GbtEvent` s::

    IDLE --send-window--> SENDING --recv-ack--> SENDING --send-final-window--> SENT
    SENDING / SENT --recv-final-ack--> SENT          (every block of this side acknowledged)
    SENT --recv-ack--> SENT --send-window--> SENDING  (lost blocks asked for again)
    IDLE / SENT --recv-data--> RECEIVING --send-ack--> RECEIVING --recv-final--> RECEIVED
    RECEIVED --send-window / send-final-window--> SENDING / SENT
    any phase --end--> IDLE
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType

from conformance.protocol.services.config import Role

__all__ = [
    "GBT_TRANSITIONS",
    "SENDER",
    "TRANSITIONS",
    "GbtEvent",
    "GbtPhase",
    "ServicePrimitive",
    "ServicesState",
    "gbt_next_phase",
    "gbt_state_diagram",
    "next_state",
    "state_diagram",
]


class ServicesState(Enum):
    """Where the exchange stands (the same for both ends)."""

    IDLE = "idle"
    """No confirmed service in progress."""
    REQUEST_PENDING = "request pending"
    """A complete confirmed request was sent / received; the server's answer is due."""
    REQUEST_BLOCK_SENT = "request block sent"
    """A block (not the last) of a long SET / ACTION request was sent / received; its
    acknowledgement (set-response-datablock, action-response-next-pblock) is due."""
    REQUEST_BLOCK_ACKNOWLEDGED = "request block acknowledged"
    """That block was acknowledged: the client's next block is due."""
    RESPONSE_BLOCK_SENT = "response block sent"
    """A block (not the last) of a long GET / ACTION response was sent / received; the
    client's get-request-next / action-request-next-pblock is due."""
    RESPONSE_BLOCK_REQUESTED = "response block requested"
    """The next block was asked for; the server's next block is due."""


class ServicePrimitive(Enum):
    """What happened, the same for the sender and the receiver."""

    REQUEST = "request"
    """A complete confirmed GET / SET / ACTION request (normal or with-list)."""
    UNCONFIRMED_REQUEST = "unconfirmed-request"
    """A SET / ACTION request with service-class unconfirmed: no answer follows."""
    REQUEST_FIRST_BLOCK = "request-first-block"
    """set-request-with-(list-and-)first-datablock / action-request-with-(list-and-)first-
    pblock, not the last block."""
    REQUEST_BLOCK = "request-block"
    """set-request-with-datablock / action-request-with-pblock, not the last block."""
    REQUEST_LAST_BLOCK = "request-last-block"
    """The same with last-block TRUE: the request is complete."""
    REQUEST_BLOCK_ACK = "request-block-ack"
    """set-response-datablock / action-response-next-pblock."""
    RESPONSE = "response"
    """The (final) response: get/set/action-response normal or with-list,
    set-response-last-datablock(-with-list)."""
    EXCEPTION_RESPONSE = "exception-response"
    """ExceptionResponse (IEC 62056-5-3 9.5): the request could not be served."""
    RESPONSE_FIRST_BLOCK = "response-first-block"
    """get-response-with-datablock / action-response-with-pblock block 1, not the last."""
    NEXT_BLOCK_REQUEST = "next-block-request"
    """get-request-next / action-request-next-pblock."""
    RESPONSE_BLOCK = "response-block"
    """A following response block, not the last."""
    RESPONSE_LAST_BLOCK = "response-last-block"
    """The last response block (or a DataBlock-G carrying a data-access-result)."""
    NOTIFICATION = "notification"
    """EventNotificationRequest or Data-Notification: unsolicited, unconfirmed."""


S = ServicesState
P = ServicePrimitive

# States where the client may start a new request: none in progress, or it is the
# client's turn in a long transfer (sending another request abandons that transfer).
_CLIENT_TURN = (S.IDLE, S.REQUEST_BLOCK_ACKNOWLEDGED, S.RESPONSE_BLOCK_SENT)

TRANSITIONS: Mapping[tuple[ServicesState, ServicePrimitive], ServicesState] = \
    MappingProxyType({
        **{(state, P.REQUEST): S.REQUEST_PENDING for state in _CLIENT_TURN},
        **{(state, P.UNCONFIRMED_REQUEST): S.IDLE for state in _CLIENT_TURN},
        **{(state, P.REQUEST_FIRST_BLOCK): S.REQUEST_BLOCK_SENT for state in _CLIENT_TURN},
        (S.REQUEST_BLOCK_SENT, P.REQUEST_BLOCK_ACK): S.REQUEST_BLOCK_ACKNOWLEDGED,
        (S.REQUEST_BLOCK_SENT, P.RESPONSE): S.IDLE,
        (S.REQUEST_BLOCK_SENT, P.EXCEPTION_RESPONSE): S.IDLE,
        (S.REQUEST_BLOCK_ACKNOWLEDGED, P.REQUEST_BLOCK): S.REQUEST_BLOCK_SENT,
        (S.REQUEST_BLOCK_ACKNOWLEDGED, P.REQUEST_LAST_BLOCK): S.REQUEST_PENDING,
        (S.REQUEST_PENDING, P.RESPONSE): S.IDLE,
        (S.REQUEST_PENDING, P.EXCEPTION_RESPONSE): S.IDLE,
        (S.REQUEST_PENDING, P.RESPONSE_FIRST_BLOCK): S.RESPONSE_BLOCK_SENT,
        (S.RESPONSE_BLOCK_SENT, P.NEXT_BLOCK_REQUEST): S.RESPONSE_BLOCK_REQUESTED,
        (S.RESPONSE_BLOCK_REQUESTED, P.RESPONSE_BLOCK): S.RESPONSE_BLOCK_SENT,
        (S.RESPONSE_BLOCK_REQUESTED, P.RESPONSE_LAST_BLOCK): S.IDLE,
        (S.RESPONSE_BLOCK_REQUESTED, P.EXCEPTION_RESPONSE): S.IDLE,
        **{(state, P.NOTIFICATION): state for state in S},
    })
"""(state, primitive) -> next state; a pair that is absent is not allowed."""

SENDER: Mapping[ServicePrimitive, Role] = MappingProxyType({
    P.REQUEST: Role.CLIENT,
    P.UNCONFIRMED_REQUEST: Role.CLIENT,
    P.REQUEST_FIRST_BLOCK: Role.CLIENT,
    P.REQUEST_BLOCK: Role.CLIENT,
    P.REQUEST_LAST_BLOCK: Role.CLIENT,
    P.NEXT_BLOCK_REQUEST: Role.CLIENT,
    P.REQUEST_BLOCK_ACK: Role.SERVER,
    P.RESPONSE: Role.SERVER,
    P.EXCEPTION_RESPONSE: Role.SERVER,
    P.RESPONSE_FIRST_BLOCK: Role.SERVER,
    P.RESPONSE_BLOCK: Role.SERVER,
    P.RESPONSE_LAST_BLOCK: Role.SERVER,
    P.NOTIFICATION: Role.SERVER,
})
"""Which role sends each primitive."""


def next_state(state: ServicesState, primitive: ServicePrimitive) -> ServicesState | None:
    """The state after ``primitive`` in ``state``; ``None`` when the table forbids it."""
    return TRANSITIONS.get((state, primitive))


def state_diagram() -> str:
    """:data:`TRANSITIONS` as a Mermaid ``stateDiagram-v2`` (for the documentation); each
    edge is labelled with its primitive and the role that sends it. Notifications, allowed
    in every state and changing none, are one note."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.IDLE.name}"]
    for (state, primitive), target in TRANSITIONS.items():
        if primitive is not P.NOTIFICATION:
            lines.append(f"    {state.name} --> {target.name}: {primitive.value} "
                         f"({SENDER[primitive].value})")
    lines.append(f"    note right of {S.IDLE.name}: notification (server) in every state")
    return "\n".join(lines) + "\n"


# -- general block transfer ---------------------------------------------------------------
class GbtPhase(Enum):
    """Where the general block transfer of the current exchange stands (both ends)."""

    IDLE = "idle"
    """No exchange uses general block transfer."""
    SENDING = "sending"
    """This side's APDU is going out in blocks; some are not sent yet (an acknowledgement
    of the peer is awaited before the next window)."""
    SENT = "sent"
    """Every block of this side's APDU was sent; the peer may still ask for lost blocks,
    or answer with its own APDU."""
    RECEIVING = "receiving"
    """The peer's APDU is coming in; its last block has not been received in order yet."""
    RECEIVED = "received"
    """The peer's APDU is complete; it is this side's turn."""


class GbtEvent(Enum):
    """What moves the general-block-transfer phases."""

    SEND_WINDOW = "send-window"
    """Blocks of this side's APDU were sent; more remain."""
    SEND_FINAL_WINDOW = "send-final-window"
    """Blocks up to the last one of this side's APDU were sent."""
    SEND_ACK = "send-ack"
    """An acknowledgement (block without data) was sent."""
    RECV_ACK = "recv-ack"
    """An acknowledgement of the peer arrived; blocks of this side's APDU remain to be
    (re)sent."""
    RECV_FINAL_ACK = "recv-final-ack"
    """An acknowledgement of the last block of this side's APDU arrived."""
    RECV_DATA = "recv-data"
    """A block of the peer's APDU arrived; the APDU is not complete."""
    RECV_FINAL = "recv-final"
    """The peer's APDU became complete."""
    END = "end"
    """The exchange is over (or aborted)."""


G = GbtPhase
E = GbtEvent

GBT_TRANSITIONS: Mapping[tuple[GbtPhase, GbtEvent], GbtPhase] = MappingProxyType({
    (G.IDLE, E.SEND_WINDOW): G.SENDING,
    (G.IDLE, E.SEND_FINAL_WINDOW): G.SENT,
    (G.IDLE, E.RECV_DATA): G.RECEIVING,
    (G.IDLE, E.RECV_FINAL): G.RECEIVED,
    (G.SENDING, E.RECV_ACK): G.SENDING,
    (G.SENDING, E.SEND_WINDOW): G.SENDING,
    (G.SENDING, E.SEND_FINAL_WINDOW): G.SENT,
    (G.SENDING, E.RECV_FINAL_ACK): G.SENT,
    (G.SENT, E.RECV_ACK): G.SENT,
    (G.SENT, E.RECV_FINAL_ACK): G.SENT,
    (G.SENT, E.SEND_WINDOW): G.SENDING,
    (G.SENT, E.SEND_FINAL_WINDOW): G.SENT,
    (G.SENT, E.RECV_DATA): G.RECEIVING,
    (G.SENT, E.RECV_FINAL): G.RECEIVED,
    (G.RECEIVING, E.RECV_DATA): G.RECEIVING,
    (G.RECEIVING, E.SEND_ACK): G.RECEIVING,
    (G.RECEIVING, E.RECV_FINAL): G.RECEIVED,
    (G.RECEIVED, E.SEND_WINDOW): G.SENDING,
    (G.RECEIVED, E.SEND_FINAL_WINDOW): G.SENT,
    **{(phase, E.END): G.IDLE for phase in G},
})
"""(phase, event) -> next phase; a pair that is absent is not allowed."""


def gbt_next_phase(phase: GbtPhase, event: GbtEvent) -> GbtPhase | None:
    """The phase after ``event`` in ``phase``; ``None`` when the table forbids it."""
    return GBT_TRANSITIONS.get((phase, event))


def gbt_state_diagram() -> str:
    """:data:`GBT_TRANSITIONS` as a Mermaid ``stateDiagram-v2`` (the end of an exchange,
    possible in every phase, is one note)."""
    lines = ["stateDiagram-v2", f"    [*] --> {G.IDLE.name}"]
    for (phase, event), target in GBT_TRANSITIONS.items():
        if event is not E.END:
            lines.append(f"    {phase.name} --> {target.name}: {event.value}")
    lines.append(f"    note right of {G.IDLE.name}: end (of the exchange) from every phase")
    return "\n".join(lines) + "\n"
