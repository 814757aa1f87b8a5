"""The transition table of the HDLC link machine: ONE table for both roles.

A row is keyed by ``(role, state, trigger)``. A trigger is a user event class (the user
sends it), a received frame type (:class:`~conformance.codec.hdlc.HdlcFrameType`), a
received frame whose control field IEC 62056-46 does not define
(:data:`UNDEFINED_CONTROL`), or a timer (:class:`TimeoutKind`). The row names the action
the machine performs and the state it reaches; ``on_error`` is the state after the action
found an exception condition caused by the peer (it then raises RemoteProtocolError).

A send event with no row is illegal in that state: LocalProtocolError. Every received
frame type and every timer has a row in every state of both roles (tests check it), so a
peer can never drive the machine outside the table.

States follow ISO/IEC 13239 as used by IEC 62056-46: NDM (normal disconnected mode), NRM
(normal response mode), the frame reject condition (an exception only SNRM or DISC
clears), and, for the client, the waits for the answer to SNRM and DISC.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from conformance.codec.hdlc import HdlcFrameType
from conformance.protocol.hdlc.config import Role
from conformance.protocol.hdlc.events import (
    Connect,
    Data,
    Disconnect,
    Poll,
    ReceiverNotReady,
    ReceiverReady,
    TimeoutKind,
    UnitData,
)

__all__ = [
    "RECEIVE_TRIGGERS",
    "TRANSITIONS",
    "UNDEFINED_CONTROL",
    "Action",
    "HdlcState",
    "Transition",
    "Trigger",
    "diagram",
    "rows",
    "trigger_name",
]


class HdlcState(enum.Enum):
    """States of the link."""

    NDM = "NDM"
    """Normal disconnected mode: no link (UI frames still pass)."""
    AWAITING_CONNECT = "awaiting UA to SNRM"
    """Client: SNRM sent, UA (or DM) awaited."""
    NRM = "NRM"
    """Normal response mode: the link is established, I frames flow."""
    AWAITING_DISCONNECT = "awaiting UA to DISC"
    """Client: DISC sent, UA (or DM) awaited."""
    FRAME_REJECT = "frame reject condition"
    """An exception condition (FRMR sent by the server, or received / detected by the
    client): only SNRM or DISC clears it."""

    # Members are singletons equal only to themselves: the identity hash (in C) is as
    # good as Enum's hash of the name (in Python) and keeps the per-frame lookups cheap.
    __hash__ = object.__hash__


class _Undefined(enum.Enum):
    UNDEFINED_CONTROL = "frame with an undefined control field"


UNDEFINED_CONTROL = _Undefined.UNDEFINED_CONTROL
"""Trigger: a frame with a valid FCS whose control field IEC 62056-46 does not define."""

SendTrigger = (type[Connect] | type[Disconnect] | type[Data] | type[UnitData] | type[Poll]
               | type[ReceiverReady] | type[ReceiverNotReady])
Trigger = SendTrigger | HdlcFrameType | _Undefined | TimeoutKind


class Action(enum.Enum):
    """What the machine does for a row (implemented in ``_client.py`` / ``_server.py``)."""

    # user events
    SEND_SNRM = "send SNRM"
    SEND_DISC = "send DISC"
    SEND_DATA = "segment the APDU into I frames"
    SEND_UI = "send a UI frame"
    SEND_POLL = "send RR/RNR with P=1"
    SET_BUSY = "local receiver busy"
    CLEAR_BUSY = "local receiver ready"
    # client receptions
    ACCEPT_UA = "check the negotiated parameters, link established"
    CONNECT_REFUSED = "DM in answer to SNRM"
    DISCONNECT_CONFIRMED = "UA or DM in answer to DISC"
    PEER_DISCONNECTED = "DM on an established link"
    RECEIVE_FRMR = "report the FRMR"
    COMMAND_EXCEPTION = "a command or undefined frame from the server"
    # server receptions
    ACCEPT_SNRM = "negotiate, answer UA, reset sequence numbers"
    ACCEPT_DISC = "answer UA, back to NDM"
    ANSWER_DM = "answer DM"
    ANSWER_DM_VIOLATION = "answer DM and report the frame"
    REJECT_FRAME = "enter the frame reject condition (FRMR W)"
    REPEAT_FRMR = "repeat the FRMR when polled"
    # both roles
    RECEIVE_I = "check N(R)/N(S), reassemble, answer polls"
    RECEIVE_SUPERVISORY = "check N(R), flow control, answer polls"
    RECEIVE_UI = "deliver the UI information"
    DISCARD_UNEXPECTED = "report the frame, change nothing"
    # timers
    RESPONSE_TIMEOUT = "report; the client may send again"
    BUSY_POLL = "poll the busy server again (RR, P=1)"
    INACTIVITY_TIMEOUT = "drop the link to NDM"
    DROP_PARTIAL_FRAME = "drop the incomplete frame"


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """One row of the table."""

    action: Action
    """What the machine does."""
    target: HdlcState
    """The state reached when the action succeeds."""
    on_error: HdlcState | None = None
    """The state after the action detected an exception condition (a frame the standard
    answers with FRMR, or that forces the client to reset the link); ``None`` = the row
    has none. Other reported violations (a wrong LLC header, an APDU too long) leave the
    state at ``target``."""


_T = HdlcFrameType
_FRAMES = (_T.I, _T.RR, _T.RNR, _T.SNRM, _T.DISC, _T.UA, _T.DM, _T.FRMR, _T.UI,
           UNDEFINED_CONTROL)
RECEIVE_TRIGGERS: tuple[HdlcFrameType | _Undefined, ...] = _FRAMES
"""Every received-frame trigger (each has a row in every state of both roles)."""

_S = HdlcState
_A = Action
TRANSITIONS: dict[tuple[Role, HdlcState, Trigger], Transition] = {}


def _row(role: Role, states: tuple[HdlcState, ...], triggers: tuple[Trigger, ...],
         action: Action, target: HdlcState | None = None,
         on_error: HdlcState | None = None) -> None:
    for state in states:
        for trigger in triggers:
            TRANSITIONS[(role, state, trigger)] = Transition(
                action=action, target=state if target is None else target, on_error=on_error)


_ALL = tuple(HdlcState)
_SERVER_STATES = (_S.NDM, _S.NRM, _S.FRAME_REJECT)

# -- CLIENT (primary station) -----------------------------------------------------------------
_C = Role.CLIENT
# Mode-setting commands are legal in every state (SNRM resets an established link).
_row(_C, _ALL, (Connect,), _A.SEND_SNRM, _S.AWAITING_CONNECT)
_row(_C, _ALL, (Disconnect,), _A.SEND_DISC, _S.AWAITING_DISCONNECT)
_row(_C, (_S.NRM,), (Data,), _A.SEND_DATA)
_row(_C, (_S.NDM, _S.NRM), (UnitData,), _A.SEND_UI)
_row(_C, (_S.NRM,), (Poll,), _A.SEND_POLL)
_row(_C, (_S.NRM,), (ReceiverNotReady,), _A.SET_BUSY)
_row(_C, (_S.NRM,), (ReceiverReady,), _A.CLEAR_BUSY)
# UI frames pass in every state (data-notification push needs no link).
_row(_C, _ALL, _FRAMES, _A.DISCARD_UNEXPECTED)
_row(_C, _ALL, (_T.UI,), _A.RECEIVE_UI)
_row(_C, (_S.AWAITING_CONNECT,), (_T.UA,), _A.ACCEPT_UA, _S.NRM, on_error=_S.FRAME_REJECT)
_row(_C, (_S.AWAITING_CONNECT,), (_T.DM,), _A.CONNECT_REFUSED, _S.NDM)
_row(_C, (_S.AWAITING_DISCONNECT,), (_T.UA, _T.DM), _A.DISCONNECT_CONFIRMED, _S.NDM)
_row(_C, (_S.AWAITING_CONNECT, _S.NRM, _S.AWAITING_DISCONNECT), (_T.FRMR,), _A.RECEIVE_FRMR,
     _S.FRAME_REJECT, on_error=_S.FRAME_REJECT)
_row(_C, (_S.NRM,), (_T.I,), _A.RECEIVE_I, on_error=_S.FRAME_REJECT)
_row(_C, (_S.NRM,), (_T.RR, _T.RNR), _A.RECEIVE_SUPERVISORY, on_error=_S.FRAME_REJECT)
_row(_C, (_S.NRM,), (_T.DM,), _A.PEER_DISCONNECTED, _S.NDM)
# A server never sends commands; in NRM that is an exception condition (the client must
# reset the link), elsewhere the frame is only reported.
_row(_C, (_S.NRM,), (_T.SNRM, _T.DISC, UNDEFINED_CONTROL), _A.COMMAND_EXCEPTION,
     _S.FRAME_REJECT, on_error=_S.FRAME_REJECT)
_row(_C, (_S.AWAITING_CONNECT, _S.NRM, _S.AWAITING_DISCONNECT), (TimeoutKind.RESPONSE,),
     _A.RESPONSE_TIMEOUT)
_row(_C, (_S.NRM,), (TimeoutKind.BUSY,), _A.BUSY_POLL)
_row(_C, _ALL, (TimeoutKind.INTER_OCTET,), _A.DROP_PARTIAL_FRAME)

# -- SERVER (secondary station) ---------------------------------------------------------------
_V = Role.SERVER
_row(_V, (_S.NRM,), (Data,), _A.SEND_DATA)
_row(_V, (_S.NDM, _S.NRM), (UnitData,), _A.SEND_UI)
_row(_V, (_S.NRM,), (ReceiverNotReady,), _A.SET_BUSY)
_row(_V, (_S.NRM,), (ReceiverReady,), _A.CLEAR_BUSY)
# NDM: SNRM connects, DISC is answered DM, any other command is answered DM and reported.
_row(_V, _SERVER_STATES, (_T.SNRM,), _A.ACCEPT_SNRM, _S.NRM, on_error=_S.NDM)
_row(_V, (_S.NDM,), (_T.DISC,), _A.ANSWER_DM)
_row(_V, (_S.NDM,), (_T.I, _T.RR, _T.RNR, _T.UA, _T.DM, _T.FRMR, UNDEFINED_CONTROL),
     _A.ANSWER_DM_VIOLATION, on_error=_S.NDM)
_row(_V, (_S.NDM, _S.NRM), (_T.UI,), _A.RECEIVE_UI)
# NRM
_row(_V, (_S.NRM, _S.FRAME_REJECT), (_T.DISC,), _A.ACCEPT_DISC, _S.NDM)
_row(_V, (_S.NRM,), (_T.I,), _A.RECEIVE_I, on_error=_S.FRAME_REJECT)
_row(_V, (_S.NRM,), (_T.RR, _T.RNR), _A.RECEIVE_SUPERVISORY, on_error=_S.FRAME_REJECT)
# Responses (UA, DM, FRMR) are not commands a secondary implements: FRMR with W.
_row(_V, (_S.NRM,), (_T.UA, _T.DM, _T.FRMR, UNDEFINED_CONTROL), _A.REJECT_FRAME,
     _S.FRAME_REJECT, on_error=_S.FRAME_REJECT)
# Frame reject condition: the FRMR is repeated to every poll until SNRM or DISC.
_row(_V, (_S.FRAME_REJECT,), (_T.I, _T.RR, _T.RNR, _T.UA, _T.DM, _T.FRMR, _T.UI,
                              UNDEFINED_CONTROL), _A.REPEAT_FRMR)
_row(_V, (_S.NRM, _S.FRAME_REJECT), (TimeoutKind.INACTIVITY,), _A.INACTIVITY_TIMEOUT, _S.NDM)
_row(_V, _SERVER_STATES, (TimeoutKind.INTER_OCTET,), _A.DROP_PARTIAL_FRAME)


def rows(role: Role) -> Iterator[tuple[HdlcState, Trigger, Transition]]:
    """The rows of one role (for documentation, diagrams and exhaustive tests)."""
    for (r, state, trigger), transition in TRANSITIONS.items():
        if r is role:
            yield state, trigger, transition


def trigger_name(trigger: Trigger) -> str:
    """A short name: ``send Data``, ``I``, ``undefined control``, ``response timeout``."""
    if isinstance(trigger, HdlcFrameType):
        return trigger.name
    if isinstance(trigger, _Undefined):
        return "undefined control"
    if isinstance(trigger, TimeoutKind):
        return f"{trigger.value} timeout"
    return f"send {trigger.__name__}"


def diagram(role: Role) -> str:
    """The state changes of ``role`` as a Mermaid ``stateDiagram-v2`` (rows that keep the
    state are left out; exception conditions are drawn with ``on error``)."""
    lines = ["stateDiagram-v2", "    [*] --> NDM"]
    edges: dict[tuple[str, str], list[str]] = {}
    for state, trigger, transition in rows(role):
        for target, suffix in ((transition.target, ""), (transition.on_error, " on error")):
            if target is not None and target is not state and not (
                    suffix and target is transition.target):
                edges.setdefault((state.name, target.name), []).append(
                    trigger_name(trigger) + suffix)
    for (source, destination), labels in edges.items():
        lines.append(f"    {source} --> {destination}: {', '.join(labels)}")
    return "\n".join(lines)
