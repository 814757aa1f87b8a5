"""Events of the HDLC link machine, in the h11 style: frozen keyword-only dataclasses named
in the vocabulary of IEC 62056-46 / ISO/IEC 13239.

Events the user *sends* (``machine.send(event, now=...)``):

* :class:`Connect` (client): SNRM with the proposed parameters; also resets a link.
* :class:`Disconnect` (client): DISC.
* :class:`Data` (both): one APDU, segmented into I frames, LLC header added.
* :class:`UnitData` (both): one APDU in a UI frame (data notification push).
* :class:`Poll` (client): RR (RNR when locally busy) with the P bit.
* :class:`ReceiverReady` / :class:`ReceiverNotReady` (both): local flow control.

Events the machine *returns* from ``next_event()``: :class:`Connected`,
:class:`Disconnected`, :class:`Data`, :class:`UnitData`, :class:`FrameRejected`,
:class:`PeerBusy`, :class:`FrameDiscarded`, :class:`Timeout`, or :data:`NEED_DATA`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conformance.codec.hdlc import (
    NEED_DATA,
    FrmrInformation,
    HdlcAddress,
    HdlcFrame,
    HdlcParameters,
    NeedData,
)
from conformance.errors import CodecError
from conformance.protocol.hdlc.config import NegotiatedParameters

__all__ = [
    "NEED_DATA",
    "Connect",
    "Connected",
    "Data",
    "DiscardReason",
    "Disconnect",
    "DisconnectReason",
    "Disconnected",
    "FrameDiscarded",
    "FrameRejected",
    "HdlcMachineEvent",
    "NeedData",
    "PeerBusy",
    "Poll",
    "ReceiverNotReady",
    "ReceiverReady",
    "SendEvent",
    "Timeout",
    "TimeoutKind",
    "UnitData",
]


# -- sent by the user ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Connect:
    """Client: send SNRM (set normal response mode). Legal in every state while the client
    holds the right to send; an SNRM on an established link resets it (sequence numbers
    back to 0, buffers dropped)."""

    parameters: HdlcParameters | None = None
    """Parameters proposed in the information field; ``None`` = the four values of the
    machine's :class:`~conformance.protocol.hdlc.config.HdlcConfig`."""
    omit_information: bool = False
    """Send the SNRM without information field: the server assumes every default."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Disconnect:
    """Client: send DISC."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Data:
    """One APDU carried in I frames (DL-DATA). Sent by both roles; returned when a whole
    APDU has been reassembled."""

    apdu: bytes
    """The APDU octets, LLC header excluded."""
    llc_error: str | None = None
    """Received only, with ``strict_llc=False``: why the LLC header was wrong or missing
    (``apdu`` is then the information octets after a wrong header, or all of them when
    the header is missing). Must be ``None`` when sending."""

    def __post_init__(self) -> None:
        if type(self.apdu) is not bytes:
            object.__setattr__(self, "apdu", bytes(self.apdu))


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitData:
    """One APDU in a UI frame (unnumbered information, e.g. a data-notification push)."""

    apdu: bytes
    """The APDU octets, LLC header excluded."""
    llc_error: str | None = None
    """As for :class:`Data`."""

    def __post_init__(self) -> None:
        if type(self.apdu) is not bytes:
            object.__setattr__(self, "apdu", bytes(self.apdu))


@dataclass(frozen=True, slots=True, kw_only=True)
class Poll:
    """Client: poll the server with RR (RNR while locally busy) and the P bit, to fetch the
    next segments, a retransmission, or the server's state after a timeout."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverReady:
    """Local receiver ready again (clears :class:`ReceiverNotReady`). A server holding a
    poll answers it with RR; a client waiting to fetch segments polls for them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverNotReady:
    """Local receiver busy: acknowledgements become RNR, the client stops fetching segments;
    a server holding a poll answers it with RNR."""


SendEvent = Connect | Disconnect | Data | UnitData | Poll | ReceiverReady | ReceiverNotReady


# -- returned by next_event() ---------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Connected:
    """The link is established (client: UA received; server: SNRM answered with UA)."""

    parameters: NegotiatedParameters
    """Parameters in force, in this station's view."""
    proposed: HdlcParameters
    """The SNRM proposal (as sent by the client, as received by the server)."""
    answered: HdlcParameters
    """The UA parameters (as received by the client, as sent by the server)."""
    peer: HdlcAddress
    """The other station's address."""


class DisconnectReason(enum.Enum):
    """Why the link left the connected states."""

    LOCAL = "UA received in answer to our DISC"
    ALREADY_DISCONNECTED = "DM received in answer to our DISC"
    REFUSED = "DM received in answer to our SNRM"
    DISCONNECTED_MODE = "DM received on an established link"
    PEER = "DISC received and answered with UA"
    INACTIVITY = "inactivity timeout"


@dataclass(frozen=True, slots=True, kw_only=True)
class Disconnected:
    """The link is in NDM now."""

    reason: DisconnectReason
    """What ended it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameRejected:
    """Client: the server answered FRMR; the link needs SNRM or DISC."""

    information: FrmrInformation
    """The rejected control field, the server's V(S)/V(R) and the W/X/Y/Z/V reason bits."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerBusy:
    """The peer's receiver changed state: RNR received (``busy``) or RR after RNR."""

    busy: bool
    """True after RNR."""


class DiscardReason(enum.Enum):
    """Why a received frame (or octets) changed nothing."""

    CHECKSUM = "bad HCS or FCS"
    MALFORMED = "not a valid frame"
    TRUNCATED = "incomplete frame dropped"
    OTHER_ADDRESS = "addressed to another station, or from a station not linked"
    SEQUENCE = "I frame with an out-of-sequence N(S): information not accepted"
    UNEXPECTED = "frame not expected in this state"
    UNSOLICITED = "response received while no poll was outstanding"
    FRAME_REJECT_CONDITION = "command received in the frame reject condition"


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameDiscarded:
    """Octets or a frame that caused no state change (traces and checks see it)."""

    reason: DiscardReason
    """The category."""
    detail: str
    """A human-readable explanation."""
    data: bytes = b""
    """The octets concerned (the frame without flags when it was delimited)."""
    frame: HdlcFrame | None = None
    """The decoded frame, when there was one."""
    error: CodecError | None = None
    """The decoding error, when there was one."""


class TimeoutKind(enum.Enum):
    """The timers of the machine."""

    INTER_OCTET = "inter-octet"
    """A partial frame waited too long for its remaining octets (it is dropped)."""
    INACTIVITY = "inactivity"
    """Server: nothing received for the inactivity time (the link falls back to NDM)."""
    RESPONSE = "response"
    """Client: the answer to a frame with the P bit did not arrive (may send again)."""
    BUSY = "busy"
    """Client: the server is busy (RNR) while the client has frames to send or segments
    to fetch; on expiry the client polls it again with RR (no event is reported)."""

    # Members are singletons equal only to themselves: the identity hash (in C) is as
    # good as Enum's hash of the name (in Python); the timers are keyed by kind on every
    # frame received.
    __hash__ = object.__hash__


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout:
    """A timer expired (reported by ``next_event()`` after ``handle_timer(now)``)."""

    kind: TimeoutKind
    """Which timer."""


HdlcMachineEvent = (Connected | Disconnected | Data | UnitData | FrameRejected | PeerBusy
             | FrameDiscarded | Timeout | NeedData)
