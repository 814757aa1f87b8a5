"""Sans-IO HDLC link machine of IEC 62056-46 (CLIENT = primary station, SERVER = secondary
station, normal response mode): link establishment with parameter negotiation, I frames
modulo 8 with the P/F discipline, segmentation with windows and RR/RNR, the LLC header,
DISC/DM, FRMR, UI frames, and timers driven by an injected clock.

``HdlcMachine(role, config)`` with ``receive_data(data, now=)``, ``next_event()``,
``send(event, now=)``, ``data_to_send()``, ``next_deadline()``, ``handle_timer(now)``;
the transitions live in :data:`TRANSITIONS` (one table for both roles; :func:`diagram`
draws it).
"""

from conformance.protocol.hdlc.config import (
    MAX_WINDOW_SIZE,
    HdlcConfig,
    NegotiatedParameters,
    Role,
    max_information_length,
)
from conformance.protocol.hdlc.deviations import ServerDeviations
from conformance.protocol.hdlc.events import (
    NEED_DATA,
    Connect,
    Connected,
    Data,
    DiscardReason,
    Disconnect,
    Disconnected,
    DisconnectReason,
    FrameDiscarded,
    FrameRejected,
    HdlcMachineEvent,
    NeedData,
    PeerBusy,
    Poll,
    ReceiverNotReady,
    ReceiverReady,
    SendEvent,
    Timeout,
    TimeoutKind,
    UnitData,
)
from conformance.protocol.hdlc.frames import FrameFilter, UndefinedFrame
from conformance.protocol.hdlc.machine import HdlcMachine
from conformance.protocol.hdlc.table import (
    TRANSITIONS,
    UNDEFINED_CONTROL,
    Action,
    HdlcState,
    Transition,
    diagram,
)

__all__ = [
    "MAX_WINDOW_SIZE",
    "NEED_DATA",
    "TRANSITIONS",
    "UNDEFINED_CONTROL",
    "Action",
    "Connect",
    "Connected",
    "Data",
    "DiscardReason",
    "Disconnect",
    "DisconnectReason",
    "Disconnected",
    "FrameDiscarded",
    "FrameFilter",
    "FrameRejected",
    "HdlcConfig",
    "HdlcMachine",
    "HdlcMachineEvent",
    "HdlcState",
    "NeedData",
    "NegotiatedParameters",
    "PeerBusy",
    "Poll",
    "ReceiverNotReady",
    "ReceiverReady",
    "Role",
    "SendEvent",
    "ServerDeviations",
    "Timeout",
    "TimeoutKind",
    "Transition",
    "UndefinedFrame",
    "UnitData",
    "diagram",
    "max_information_length",
]
