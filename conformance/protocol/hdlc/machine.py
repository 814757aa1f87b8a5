"""The sans-IO HDLC link machine of IEC 62056-46, CLIENT or SERVER role, in the h11 /
aioquic style.

::

    machine = HdlcMachine(Role.CLIENT, config)
    transport.write(machine.send(Connect(), now=clock()))
    machine.receive_data(transport.read(), now=clock())
    while (event := machine.next_event()) is not NEED_DATA:
        ...                                   # Connected, Data, Timeout, ...
    transport.write(machine.data_to_send())   # automatic answers (RR, UA, FRMR, ...)
    # when nothing arrives: wait until machine.next_deadline(), then
    machine.handle_timer(clock())

* ``send(event, now=...)`` performs a user event (see :mod:`.events`) and returns the
  octets to transmit (with any automatic output not yet collected); an event the table
  does not allow, or that the link cannot carry now, raises LocalProtocolError and changes
  nothing.
* ``next_event()`` consumes received octets frame by frame. A peer's violation raises
  RemoteProtocolError *after* the machine has reached its state (the table's ``on_error``)
  and queued its answer; ``response_hint`` is that answer (FRMR, DM, RR) for the server.
  The machine stays usable: call ``next_event()`` again.
* Octets for the machine's automatic answers accumulate in ``data_to_send()``.
* The clock is passed in; the machine never reads it. Timers: see :mod:`.timers`.

Frames with a bad HCS/FCS, malformed frames and frames for another station change nothing
and are reported as :class:`~.events.FrameDiscarded` (IEC 62056-46: such frames are
discarded silently; the event only makes that visible to traces and checks).
"""

from __future__ import annotations

from collections import deque

from conformance.codec.hdlc import (
    NEED_DATA,
    BytesDiscarded,
    HdlcAddress,
    HdlcDeframer,
    HdlcFrame,
    HdlcFrameType,
)
from conformance.errors import (
    ChecksumError,
    IncompleteError,
    LocalProtocolError,
    RemoteProtocolError,
)
from conformance.protocol.hdlc import _client, _server
from conformance.protocol.hdlc._link import (
    FrameHandler,
    Link,
    SendHandler,
    TimerHandler,
    UndefinedHandler,
    destined_to,
    is_broadcast,
    same_station,
)
from conformance.protocol.hdlc._transfer import deliver_ui, receive_numbered, receive_ui
from conformance.protocol.hdlc.config import HdlcConfig, NegotiatedParameters, Role
from conformance.protocol.hdlc.events import (
    DiscardReason,
    FrameDiscarded,
    HdlcMachineEvent,
    SendEvent,
    Timeout,
    TimeoutKind,
)
from conformance.protocol.hdlc.frames import (
    FrameFilter,
    UndefinedFrame,
    decode_undefined_control_frame,
)
from conformance.protocol.hdlc.table import (
    TRANSITIONS,
    UNDEFINED_CONTROL,
    Action,
    HdlcState,
    Transition,
    Trigger,
)

__all__ = ["HdlcMachine"]


def _discard_unexpected(link: Link, transition: Transition,
                        frame: HdlcFrame | UndefinedFrame) -> None:
    name = (str(frame.control) if isinstance(frame, HdlcFrame)
            else f"undefined control field 0x{frame.control:02X}")
    link.events.append(FrameDiscarded(
        reason=DiscardReason.UNEXPECTED, frame=frame if isinstance(frame, HdlcFrame) else None,
        detail=f"{name} not expected by the {link.role.value} in state {link.state.value}"))


_COMMON_FRAME: dict[Action, FrameHandler] = {
    Action.RECEIVE_I: receive_numbered,
    Action.RECEIVE_SUPERVISORY: receive_numbered,
    Action.RECEIVE_UI: receive_ui,
    Action.DISCARD_UNEXPECTED: _discard_unexpected,
}
SEND_ACTIONS: dict[Role, dict[Action, SendHandler]] = {
    Role.CLIENT: _client.send_actions, Role.SERVER: _server.send_actions}
FRAME_ACTIONS: dict[Role, dict[Action, FrameHandler]] = {
    Role.CLIENT: {**_COMMON_FRAME, **_client.receive_actions},
    Role.SERVER: {**_COMMON_FRAME, **_server.receive_actions}}
UNDEFINED_ACTIONS: dict[Role, dict[Action, UndefinedHandler]] = {
    Role.CLIENT: {Action.DISCARD_UNEXPECTED: _discard_unexpected, **_client.undefined_actions},
    Role.SERVER: {Action.DISCARD_UNEXPECTED: _discard_unexpected, **_server.undefined_actions}}
TIMER_ACTIONS: dict[Role, dict[Action, TimerHandler]] = {
    Role.CLIENT: _client.timer_actions, Role.SERVER: _server.timer_actions}

_FrameRows = dict[tuple[HdlcState, HdlcFrameType], tuple[Transition, FrameHandler]]


def _frame_rows(role: Role) -> _FrameRows:
    """The rows of ``role`` for received frames with their actions, by (state, frame
    type): one lookup per frame (the table and FRAME_ACTIONS, read once)."""
    return {(state, trigger): (transition, FRAME_ACTIONS[role][transition.action])
            for (r, state, trigger), transition in TRANSITIONS.items()
            if r is role and isinstance(trigger, HdlcFrameType)}


FRAME_ROWS: dict[Role, _FrameRows] = {role: _frame_rows(role) for role in Role}


def _foreign_address_taken(link: Link, destination: HdlcAddress) -> bool:
    """Server deviation ``answer_any_server_address``: a frame for another (not
    all-station) server address is taken as ours."""
    # FAULT HOOK: frames for another server address are answered, in the address form
    # the client used (imitates meters that do not check the destination address, e.g.
    # on a point-to-point line).
    deviations = link.deviations
    return (deviations is not None and deviations.answer_any_server_address
            and not is_broadcast(destination))


class HdlcMachine:
    """One HDLC station (see the module docstring).

    ``frame_filter`` (a deviation hook for negative checks) sees every frame the machine
    encodes and may return another frame or ``None`` (nothing sent); the machine's state
    follows what it meant to send.
    """

    __slots__ = ("_deframers", "_frame_rows", "_link")

    def __init__(self, role: Role, config: HdlcConfig, *,
                 frame_filter: FrameFilter | None = None) -> None:
        self._link = Link(role, config, frame_filter)
        self._frame_rows = FRAME_ROWS[role]
        # The current deframer last; older ones were closed by an inter-octet timeout
        # and are drained first.
        self._deframers: deque[HdlcDeframer] = deque([HdlcDeframer()])

    # -- read-only view ------------------------------------------------------------------------
    @property
    def role(self) -> Role:
        """CLIENT or SERVER."""
        return self._link.role

    @property
    def config(self) -> HdlcConfig:
        """The configuration."""
        return self._link.config

    @property
    def state(self) -> HdlcState:
        """The current state."""
        return self._link.state

    @property
    def parameters(self) -> NegotiatedParameters | None:
        """The negotiated parameters in this station's view; ``None`` without a link."""
        return self._link.parameters

    @property
    def peer_address(self) -> HdlcAddress | None:
        """The other station (the server: the client linked, in the form it used)."""
        return self._link.peer

    @property
    def send_sequence(self) -> int:
        """V(S): the N(S) of the next new I frame."""
        return self._link.send.vs

    @property
    def receive_sequence(self) -> int:
        """V(R): the N(S) expected next."""
        return self._link.recv.vr

    @property
    def awaiting_response(self) -> bool:
        """Client: a frame with P=1 awaits the F bit (nothing may be sent meanwhile)."""
        return self._link.polling

    @property
    def holding_poll(self) -> bool:
        """Server: polled, and the application's answer to the APDU just delivered is
        awaited (``send(Data)`` or ``send(ReceiverReady())`` answers)."""
        return self._link.holding_poll

    @property
    def local_busy(self) -> bool:
        """This station said (or would say) RNR."""
        return self._link.local_busy

    @property
    def peer_busy(self) -> bool:
        """The peer's last RR/RNR was RNR."""
        return self._link.remote_busy

    @property
    def transfer_pending(self) -> bool:
        """Segments to send, frames unacknowledged, or an APDU partly received."""
        link = self._link
        return link.send.pending or link.recv.in_progress

    # -- input ------------------------------------------------------------------------------------
    def receive_data(self, data: bytes | bytearray | memoryview, *, now: float) -> None:
        """Octets received at time ``now`` (restarts the inter-octet and, on a link, the
        inactivity timer)."""
        link = self._link
        link.now = now
        if not data:
            return
        self._deframers[-1].receive_data(data)
        link.timers.start(TimeoutKind.INTER_OCTET, now, link.config.inter_octet_timeout)
        if link.state in (HdlcState.NRM, HdlcState.FRAME_REJECT) and not link.is_client:
            link.timers.start(TimeoutKind.INACTIVITY, now, link.config.inactivity_timeout)

    def next_event(self) -> HdlcMachineEvent:
        """The next event, or NEED_DATA (see the module docstring)."""
        link = self._link
        while not link.events:
            deframer = self._deframers[0]
            event = deframer.next_event()
            if event is NEED_DATA:
                if len(self._deframers) > 1:
                    self._deframers.popleft()
                    continue
                if deframer.buffered == 0:
                    link.timers.cancel(TimeoutKind.INTER_OCTET)
                return NEED_DATA
            if isinstance(event, BytesDiscarded):
                self._discarded(event)
            else:
                self._frame(event.frame, event.raw)
        return link.events.popleft()

    def data_to_send(self) -> bytes:
        """The octets of automatic answers produced since the last call (and not yet
        returned by ``send``)."""
        out = bytes(self._link.out)
        self._link.out.clear()
        return out

    # -- user events ---------------------------------------------------------------------------
    def send(self, event: SendEvent, *, now: float) -> bytes:
        """Perform ``event`` at time ``now``; the octets to transmit (see the module
        docstring). LocalProtocolError when the table or the link state forbids it."""
        link = self._link
        link.now = now
        transition = self._transition(type(event))
        if transition is None:
            raise LocalProtocolError(f"{type(event).__name__} is not allowed for the "
                                     f"{link.role.value} in state {link.state.value}")
        before = link.state
        link.state = transition.target
        try:
            SEND_ACTIONS[link.role][transition.action](link, transition, event)
        except LocalProtocolError:
            link.state = before
            raise
        return self.data_to_send()

    # -- timers ----------------------------------------------------------------------------------
    def next_deadline(self) -> float | None:
        """When ``handle_timer`` should be called next; ``None`` when no timer runs."""
        return self._link.timers.next_deadline()

    def handle_timer(self, now: float) -> None:
        """Fire the timers due at ``now``; their events come out of ``next_event()``."""
        link = self._link
        link.now = now
        for kind in link.timers.expire(now):
            transition = self._transition(kind)
            if transition is None:
                continue  # a timer left over from a state that no longer runs it
            link.state = transition.target
            if transition.action is Action.DROP_PARTIAL_FRAME:
                self._drop_partial_frame()
            else:
                TIMER_ACTIONS[link.role][transition.action](link, transition, kind)

    # -- internals ---------------------------------------------------------------------------------
    def _transition(self, trigger: Trigger) -> Transition | None:
        link = self._link
        return TRANSITIONS.get((link.role, link.state, trigger))

    def _drop_partial_frame(self) -> None:
        """Inter-octet timeout: the current deframer is closed (its partial frame comes out
        as FrameDiscarded TRUNCATED) and a new one takes the next octets."""
        current = self._deframers[-1]
        if current.buffered == 0:
            return
        current.receive_eof()
        self._deframers.append(HdlcDeframer())
        self._link.events.append(Timeout(kind=TimeoutKind.INTER_OCTET))

    def _discarded(self, event: BytesDiscarded) -> None:
        error = event.error
        if error.path.endswith(".control"):
            frame = decode_undefined_control_frame(event.data)
            if frame is not None:
                if self._addressed_to_us(frame) and not is_broadcast(frame.destination):
                    self._dispatch_undefined(frame)
                else:
                    self._other_address(frame, event.data)
                return
        if isinstance(error, ChecksumError):
            reason = DiscardReason.CHECKSUM
        elif isinstance(error, IncompleteError):
            reason = DiscardReason.TRUNCATED
        else:
            reason = DiscardReason.MALFORMED
        self._link.events.append(FrameDiscarded(reason=reason, detail=str(error),
                                                data=event.data, error=error))

    def _addressed_to_us(self, frame: HdlcFrame | UndefinedFrame) -> bool:
        link = self._link
        client_address = frame.destination if link.is_client else frame.source
        if client_address.size != 1:
            return False  # a client address is one octet (IEC 62056-46 6.4.2)
        if link.is_client:
            return (link.peer is not None and same_station(frame.source, link.peer)
                    and destined_to(frame.destination, link.local))
        if not destined_to(frame.destination, link.config.server_address) \
                and not _foreign_address_taken(link, frame.destination):
            return False
        if link.state is HdlcState.NDM:
            wanted = link.config.client_address
            return wanted is None or frame.source == wanted
        return link.peer is not None and frame.source == link.peer

    def _other_address(self, frame: HdlcFrame | UndefinedFrame, raw: bytes) -> None:
        self._link.events.append(FrameDiscarded(
            reason=DiscardReason.OTHER_ADDRESS, data=raw,
            frame=frame if isinstance(frame, HdlcFrame) else None,
            detail=f"frame {frame.source} -> {frame.destination} is not for this "
                   f"{self._link.role.value} (or from a station it is not linked with)"))

    def _frame(self, frame: HdlcFrame, raw: bytes) -> None:
        if not self._addressed_to_us(frame):
            self._other_address(frame, raw)
            return
        link = self._link
        if is_broadcast(frame.destination):
            # All-station address (IEC 62056-46 6.4.2): UI information is taken, nothing
            # is ever answered.
            if frame.frame_type is HdlcFrameType.UI:
                violation = deliver_ui(link, frame)
                if violation is not None:
                    raise RemoteProtocolError(violation)
            else:
                self._other_address(frame, raw)
            return
        row = self._frame_rows.get((link.state, frame.frame_type))
        if row is None:  # pragma: no cover - every frame type has a row (tested)
            raise RuntimeError(f"no row for {frame.frame_type.name} in {link.state}")
        transition, action = row
        link.state = transition.target
        action(link, transition, frame)

    def _dispatch_undefined(self, frame: UndefinedFrame) -> None:
        link = self._link
        transition = self._transition(UNDEFINED_CONTROL)
        if transition is None:  # pragma: no cover - every state has a row (tested)
            raise RuntimeError(f"no row for an undefined control field in {link.state}")
        link.state = transition.target
        UNDEFINED_ACTIONS[link.role][transition.action](link, transition, frame)
