"""Internal state of one HDLC station and the helpers every action uses (frame output
through the one encoding point, events, LLC unpacking, error raising). The actions live
in ``_client.py``, ``_server.py`` and ``_transfer.py``; the public API in ``machine.py``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import NoReturn

from conformance.codec.hdlc import (
    ALL_STATION,
    ALL_STATION_EXTENDED,
    LLC_REQUEST,
    LLC_RESPONSE,
    FrmrInformation,
    HdlcAddress,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
    LlcHeader,
    recognise_llc,
    strip_llc,
)
from conformance.errors import CodecError, LocalProtocolError, RemoteProtocolError
from conformance.protocol.hdlc.config import HdlcConfig, NegotiatedParameters, Role
from conformance.protocol.hdlc.deviations import ServerDeviations
from conformance.protocol.hdlc.events import (
    Data,
    HdlcMachineEvent,
    SendEvent,
    TimeoutKind,
    UnitData,
)
from conformance.protocol.hdlc.frames import (
    FrameFilter,
    UndefinedFrame,
    i_frame,
    s_frame,
    u_frame,
)
from conformance.protocol.hdlc.segmentation import Assembler, ReceiveState, SendState
from conformance.protocol.hdlc.table import HdlcState, Transition
from conformance.protocol.hdlc.timers import Timers

__all__ = ["FrameHandler", "Link", "SendHandler", "TimerHandler", "UndefinedHandler",
           "check_apdu", "destined_to", "is_broadcast", "same_station"]

_LLC_OVERHEAD = 3


def same_station(a: HdlcAddress, b: HdlcAddress) -> bool:
    """Equal upper and lower addresses (the 2- and 4-octet forms of one server address
    designate the same station)."""
    return a.upper == b.upper and a.lower == b.lower


def _all_station(address: HdlcAddress) -> int:
    return ALL_STATION_EXTENDED if address.size == 4 else ALL_STATION


def is_broadcast(address: HdlcAddress) -> bool:
    """An all-station address or part (IEC 62056-46 6.4.2): all logical devices (upper),
    all physical devices (lower), or both; 0x7F in a one-octet part, 0x3FFF in a two-octet
    part. Nothing addressed so is ever answered."""
    all_station = _all_station(address)
    return address.upper == all_station or address.lower == all_station


def destined_to(destination: HdlcAddress, station: HdlcAddress) -> bool:
    """``destination`` designates ``station``: each part equal or all-station (a one-octet
    address has no lower part, so it never designates a station that has one)."""
    all_station = _all_station(destination)
    if destination.upper not in (station.upper, all_station):
        return False
    if destination.lower is None or station.lower is None:
        return destination.lower is None and station.lower is None
    return destination.lower in (station.lower, all_station)


class Link:
    """Everything one station remembers (see the attribute comments)."""

    def __init__(self, role: Role, config: HdlcConfig, frame_filter: FrameFilter | None) -> None:
        if role is Role.CLIENT and config.client_address is None:
            raise ValueError("the client role needs config.client_address")
        if role is Role.CLIENT and config.server_deviations.active:
            raise ValueError("server_deviations apply to the server role only (the client "
                             "deviates through its frame filter)")
        self.role = role
        self.is_client = role is Role.CLIENT
        """True in the client role."""
        self.config = config
        self.frame_filter = frame_filter
        self.state = HdlcState.NDM
        self.events: deque[HdlcMachineEvent] = deque()
        self.out = bytearray()  # octets to transmit, collected by data_to_send()
        self.timers = Timers()
        self.now = 0.0  # the last time the user told us
        limit = config.max_apdu_length + _LLC_OVERHEAD
        self.send = SendState()
        self.recv = ReceiveState(limit)
        self.ui = Assembler(limit)  # UI frames with the S bit
        self.parameters: NegotiatedParameters | None = None
        self.proposal = HdlcParameters()  # client: what the last SNRM proposed
        # Addresses on the wire: the server answers in the form the client used.
        self.local = (config.client_address if role is Role.CLIENT and config.client_address
                      else config.server_address)
        self.peer: HdlcAddress | None = (config.server_address if role is Role.CLIENT
                                         else None)
        self.local_busy = False  # we sent / would send RNR
        self.remote_busy = False  # the peer sent RNR
        self.polling = False  # client: a frame with P=1 awaits the frame with F=1
        self.holding_poll = False  # server: polled; the application's answer is awaited
        self.ui_queue: deque[bytes] = deque()  # server in NRM: UI information to send
        self.frmr: FrmrInformation | None = None  # server: the FRMR being repeated
        # Server deviations (None: conformant; see deviations.py and the FAULT HOOKs).
        self.deviations: ServerDeviations | None = (
            config.server_deviations if config.server_deviations.active else None)
        self.last_segment: tuple[int, bytes, bool] | None = None  # N(S), info, S of the
        # last I frame sent (only kept for the repeat_segment_on_rr deviation)
        # RR/RNR frames already built, with their octets: a long transfer polls every
        # segment with one of a handful of them. Keyed by (type, N(R), P/F) and the
        # identities of the two addresses (held by the cached frame, so never reused).
        self._supervisory: dict[tuple[HdlcFrameType, int, bool, int, int],
                                tuple[HdlcFrame, bytes]] = {}

    # -- role helpers ---------------------------------------------------------------------
    @property
    def llc_out(self) -> bytes:
        """LLC header of what this station sends (IEC 62056-46 LLC: E6 E6 00 command,
        E6 E7 00 response)."""
        if self.deviations is not None and self.deviations.llc_header is not None:
            # FAULT HOOK: another LLC header, or none, before every APDU sent (imitates
            # meters that omit E6 E7 00 or answer with the request header E6 E6 00).
            return self.deviations.llc_header
        return LLC_REQUEST if self.is_client else LLC_RESPONSE

    @property
    def transmit_window(self) -> int:
        """I frames sent per poll: the negotiated window size (transmit), unless a server
        deviation overrides it."""
        if self.deviations is not None and self.deviations.transmit_window is not None:
            # FAULT HOOK: more I frames per poll than the negotiated window (imitates
            # meters that send every segment at once without waiting for RR).
            return self.deviations.transmit_window
        return self.negotiated.window_size_transmit

    @property
    def segment_length(self) -> int:
        """Longest information field of an I frame sent: the negotiated maximum
        (transmit), unless a server deviation overrides it."""
        if self.deviations is not None and self.deviations.segment_length is not None:
            # FAULT HOOK: I frames above the negotiated maximum information field length
            # (imitates meters that do not segment as negotiated).
            return self.deviations.segment_length
        return self.negotiated.max_info_field_length_transmit

    @property
    def negotiated(self) -> NegotiatedParameters:
        """Parameters in force (only called while connected)."""
        if self.parameters is None:  # pragma: no cover - guarded by the table's states
            raise RuntimeError("no negotiated parameters outside a link")
        return self.parameters

    def destination(self) -> HdlcAddress:
        """Where this station's frames go."""
        if self.peer is not None:
            return self.peer
        if self.config.client_address is not None:
            return self.config.client_address
        return HdlcAddress.client(ALL_STATION)

    # -- output: the one place frames are encoded -------------------------------------------
    def emit(self, frame: HdlcFrame, encoded: bytes | None = None) -> HdlcFrame:
        """Encode ``frame`` (through the frame filter) into the output; returns the frame
        the machine meant to send (what a RemoteProtocolError hint names). ``encoded``:
        ``frame.to_bytes()`` when already known."""
        # Server deviations of the octets sent (FAULT HOOKs in ServerDeviations.outgoing).
        sent: HdlcFrame | None = frame if self.deviations is None \
            else self.deviations.outgoing(frame)
        if self.frame_filter is not None and sent is not None:
            sent = self.frame_filter(sent)
        if sent is not None:
            self.out += encoded if encoded is not None and sent is frame else sent.to_bytes()
        if frame.control.receive_seq is not None:
            self.recv.acknowledged = frame.control.receive_seq
            self.recv.gap = False
        return frame

    def emit_i(self, send_seq: int, information: bytes, segmented: bool,
               final: bool) -> HdlcFrame:
        """An I frame carrying our V(R) as N(R)."""
        if self.deviations is not None:
            self.last_segment = (send_seq, information, segmented)
        return self.emit(i_frame(self.destination(), self.local, send_seq=send_seq,
                                 receive_seq=self.recv.vr, poll_final=final,
                                 information=information, segmented=segmented))

    def emit_s(self, final: bool) -> HdlcFrame:
        """RR (RNR while locally busy) carrying our V(R)."""
        kind = HdlcFrameType.RNR if self.local_busy else HdlcFrameType.RR
        destination, local, vr = self.destination(), self.local, self.recv.vr
        key = (kind, vr, final, id(destination), id(local))
        cached = self._supervisory.get(key)
        if cached is None:
            if len(self._supervisory) >= 64:  # addresses changed many times
                self._supervisory.clear()
            frame = s_frame(kind, destination, local, receive_seq=vr, poll_final=final)
            cached = self._supervisory[key] = (frame, frame.to_bytes())
        return self.emit(*cached)

    def emit_u(self, kind: HdlcFrameType, final: bool, information: bytes = b"", *,
               destination: HdlcAddress | None = None,
               source: HdlcAddress | None = None) -> HdlcFrame:
        """An unnumbered frame, by default between this station and its peer."""
        return self.emit(u_frame(kind, destination or self.destination(),
                                 source or self.local, poll_final=final,
                                 information=information))

    def emit_frmr(self) -> HdlcFrame:
        """The FRMR of the current frame reject condition, F=1."""
        info = self.frmr.to_bytes() if self.frmr is not None else b""
        return self.emit_u(HdlcFrameType.FRMR, True, info)

    # -- client poll bookkeeping ------------------------------------------------------------
    def start_poll(self) -> None:
        """A frame with P=1 was sent: await the F bit, run the response timer."""
        self.polling = True
        self.timers.cancel(TimeoutKind.BUSY)
        self.timers.start(TimeoutKind.RESPONSE, self.now, self.config.response_timeout)

    def end_poll(self) -> None:
        """The frame with the F bit arrived (or the wait was abandoned)."""
        self.polling = False
        self.timers.cancel(TimeoutKind.RESPONSE)

    # -- state resets -----------------------------------------------------------------------
    def reset_transfer(self) -> None:
        """Sequence numbers to 0, transfers and flow control forgotten (SNRM, DISC)."""
        self.send.reset()
        self.recv.reset()
        self.ui.reset()
        self.local_busy = self.remote_busy = False
        self.holding_poll = False
        self.ui_queue.clear()
        self.frmr = None
        self.last_segment = None

    def enter_ndm(self) -> None:
        """Back to NDM: no link, no parameters, no link timers."""
        self.state = HdlcState.NDM
        self.reset_transfer()
        self.parameters = None
        self.end_poll()
        self.timers.cancel(TimeoutKind.INACTIVITY)
        if not self.is_client:
            self.peer = None
            self.local = self.config.server_address

    # -- LLC ----------------------------------------------------------------------------------
    def unpack(self, information: bytes, what: str) -> tuple[bytes, str | None]:
        """Split the LLC header from a received APDU: (APDU, None), or with a wrong or
        missing header (APDU as well as can be told, the reason). IEC 62056-46 LLC: a
        server expects E6 E6 00, a client E6 E7 00."""
        expected = LlcHeader.RESPONSE if self.is_client else LlcHeader.REQUEST
        try:
            return strip_llc(information, expected)[1], None
        except CodecError as exc:
            apdu = information[3:] if recognise_llc(information) is not None else information
            return apdu, f"{what}: LLC header wrong or missing: {exc}"

    # -- errors -------------------------------------------------------------------------------
    def fail(self, transition: Transition, message: str,
             hint: HdlcFrame | None = None) -> NoReturn:
        """An exception condition caused by the peer: enter ``transition.on_error`` and
        raise RemoteProtocolError (``hint``: the frame the server answered with)."""
        if transition.on_error is HdlcState.NDM:
            self.enter_ndm()
        elif transition.on_error is not None:
            self.state = transition.on_error
        if self.is_client:
            self.end_poll()
        raise RemoteProtocolError(message, response_hint=hint)


def check_apdu(event: SendEvent) -> bytes:
    """The APDU of a Data/UnitData event to send (LocalProtocolError for ``llc_error``)."""
    if not isinstance(event, Data | UnitData):  # pragma: no cover - the table maps types
        raise LocalProtocolError(f"{type(event).__name__} carries no APDU")
    if event.llc_error is not None:
        raise LocalProtocolError("llc_error is set by the receiving machine; send a Data or "
                                 "UnitData without it (deviations go through frame_filter)")
    return event.apdu


SendHandler = Callable[[Link, Transition, SendEvent], None]
"""An action for a user event."""
FrameHandler = Callable[[Link, Transition, HdlcFrame], None]
"""An action for a received frame."""
UndefinedHandler = Callable[[Link, Transition, HdlcFrame | UndefinedFrame], None]
"""An action that also accepts a frame with an undefined control field."""
TimerHandler = Callable[[Link, Transition, TimeoutKind], None]
"""An action for an expired timer."""
