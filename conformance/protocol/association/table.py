"""THE transition table of the association machine, one for both roles.

Both ends of an association walk the same states (IEC 62056-5-3 / Green Book 9.4.2: the
A-ASSOCIATE and A-RELEASE services, and the four HLS passes of Green Book 9.2.7.4): a
client moves when it *sends* an AARQ, a server when it *receives* it. What moves the
machines is a :class:`Primitive`, the role-independent name of what happened; each
primitive has one :data:`SENDER` role, so the same table tells a client what it may send
and a server what it may receive. Diagrams and the exhaustive tests read this table.

::

    IDLE --associate-request--> ASSOCIATION_PENDING
    ASSOCIATION_PENDING --associate-accepted--> ASSOCIATED
    ASSOCIATION_PENDING --associate-authentication-required--> AUTHENTICATION_PENDING  (HLS)
    ASSOCIATION_PENDING --associate-rejected--> IDLE
    AUTHENTICATION_PENDING --hls-reply-request--> HLS_REPLY_PENDING            (pass 3)
    HLS_REPLY_PENDING --hls-reply-accepted--> ASSOCIATED                        (pass 4)
    HLS_REPLY_PENDING --hls-reply-refused--> AUTHENTICATION_PENDING
    ASSOCIATED / AUTHENTICATION_PENDING --release-request--> RELEASE_PENDING
    RELEASE_PENDING --release-response--> IDLE
    any state --abort--> IDLE                     (the link is gone: A-ABORT, local)
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType

from conformance.protocol.role import Role

__all__ = ["SENDER", "TRANSITIONS", "AssociationState", "Primitive", "Role", "next_state",
           "state_diagram"]


class AssociationState(Enum):
    """Where an association stands (the same for both ends)."""

    IDLE = "idle"
    """No application association (before the AARQ, after the RLRE or an abort)."""
    ASSOCIATION_PENDING = "association pending"
    """The AARQ has been sent (client) / received (server); the AARE is due."""
    AUTHENTICATION_PENDING = "authentication pending"
    """Accepted with authentication-required (HLS pass 2): until pass 3 succeeds only
    reply_to_HLS_authentication may be invoked (Green Book 9.2.7.4)."""
    HLS_REPLY_PENDING = "HLS reply pending"
    """reply_to_HLS_authentication (pass 3) sent / received; its response (pass 4) is due."""
    ASSOCIATED = "associated"
    """The association is established (and authenticated): xDLMS services may run."""
    RELEASE_PENDING = "release pending"
    """The RLRQ has been sent / received; the RLRE is due."""


class Primitive(Enum):
    """What happened, the same for the sender and the receiver."""

    ASSOCIATE_REQUEST = "associate-request"
    """AARQ (A-ASSOCIATE.request / .indication)."""
    ASSOCIATE_ACCEPTED = "associate-accepted"
    """AARE accepted, no authentication pending."""
    ASSOCIATE_AUTHENTICATION_REQUIRED = "associate-authentication-required"
    """AARE accepted with diagnostic authentication-required (14) and StoC (HLS pass 2)."""
    ASSOCIATE_REJECTED = "associate-rejected"
    """AARE rejected-permanent or rejected-transient."""
    HLS_REPLY_REQUEST = "hls-reply-request"
    """ACTION reply_to_HLS_authentication with f(StoC) (HLS pass 3)."""
    HLS_REPLY_ACCEPTED = "hls-reply-accepted"
    """Its ACTION response: success with f(CtoS), verified (HLS pass 4)."""
    HLS_REPLY_REFUSED = "hls-reply-refused"
    """Its ACTION response: not successful, or an f(CtoS) that does not verify."""
    RELEASE_REQUEST = "release-request"
    """RLRQ (A-RELEASE.request / .indication)."""
    RELEASE_RESPONSE = "release-response"
    """RLRE (A-RELEASE.response / .confirm)."""
    ABORT = "abort"
    """The supporting layer is gone (A-ABORT); local to each side, nothing is sent."""


S = AssociationState
P = Primitive

TRANSITIONS: Mapping[tuple[AssociationState, Primitive], AssociationState] = MappingProxyType({
    (S.IDLE, P.ASSOCIATE_REQUEST): S.ASSOCIATION_PENDING,
    (S.ASSOCIATION_PENDING, P.ASSOCIATE_ACCEPTED): S.ASSOCIATED,
    (S.ASSOCIATION_PENDING, P.ASSOCIATE_AUTHENTICATION_REQUIRED): S.AUTHENTICATION_PENDING,
    (S.ASSOCIATION_PENDING, P.ASSOCIATE_REJECTED): S.IDLE,
    (S.AUTHENTICATION_PENDING, P.HLS_REPLY_REQUEST): S.HLS_REPLY_PENDING,
    (S.HLS_REPLY_PENDING, P.HLS_REPLY_ACCEPTED): S.ASSOCIATED,
    (S.HLS_REPLY_PENDING, P.HLS_REPLY_REFUSED): S.AUTHENTICATION_PENDING,
    (S.ASSOCIATED, P.RELEASE_REQUEST): S.RELEASE_PENDING,
    (S.AUTHENTICATION_PENDING, P.RELEASE_REQUEST): S.RELEASE_PENDING,
    (S.RELEASE_PENDING, P.RELEASE_RESPONSE): S.IDLE,
    **{(state, P.ABORT): S.IDLE for state in S},
})
"""(state, primitive) -> next state; a pair that is absent is not allowed."""

SENDER: Mapping[Primitive, Role | None] = MappingProxyType({
    P.ASSOCIATE_REQUEST: Role.CLIENT,
    P.ASSOCIATE_ACCEPTED: Role.SERVER,
    P.ASSOCIATE_AUTHENTICATION_REQUIRED: Role.SERVER,
    P.ASSOCIATE_REJECTED: Role.SERVER,
    P.HLS_REPLY_REQUEST: Role.CLIENT,
    P.HLS_REPLY_ACCEPTED: Role.SERVER,
    P.HLS_REPLY_REFUSED: Role.SERVER,
    P.RELEASE_REQUEST: Role.CLIENT,
    P.RELEASE_RESPONSE: Role.SERVER,
    P.ABORT: None,
})
"""Which role sends each primitive (``None``: local to either side)."""


def next_state(state: AssociationState, primitive: Primitive) -> AssociationState | None:
    """The state after ``primitive`` in ``state``; ``None`` when the table forbids it."""
    return TRANSITIONS.get((state, primitive))


def state_diagram() -> str:
    """The table as a Mermaid ``stateDiagram-v2`` (for the documentation); each edge is
    labelled with its primitive and the role that sends it."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.IDLE.name}"]
    for (state, primitive), target in TRANSITIONS.items():
        if primitive is P.ABORT and state is not S.IDLE:
            continue
        sender = SENDER[primitive]
        who = "local" if sender is None else sender.value
        lines.append(f"    {state.name} --> {target.name}: {primitive.value} ({who})")
    lines.append(f"    note right of {S.IDLE.name}: abort (local) leads here from every state")
    return "\n".join(lines) + "\n"
