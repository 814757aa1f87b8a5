"""Actions of the SERVER (secondary station) rows of the transition table."""

from __future__ import annotations

from conformance.codec.hdlc import HdlcFrame, HdlcFrameType, HdlcParameters
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.hdlc._link import (
    FrameHandler,
    Link,
    SendHandler,
    TimerHandler,
    UndefinedHandler,
    check_apdu,
)
from conformance.protocol.hdlc._transfer import answer_poll, receive_numbered, reject
from conformance.protocol.hdlc.config import (
    HdlcConfig,
    NegotiatedParameters,
    Role,
    max_information_length,
)
from conformance.protocol.hdlc.events import (
    Connected,
    DiscardReason,
    Disconnected,
    DisconnectReason,
    FrameDiscarded,
    SendEvent,
    Timeout,
    TimeoutKind,
)
from conformance.protocol.hdlc.frames import UndefinedFrame, control_octet, poll_final
from conformance.protocol.hdlc.negotiation import answer_snrm, decode_parameters
from conformance.protocol.hdlc.segmentation import split_segments
from conformance.protocol.hdlc.table import TRANSITIONS, Action, HdlcState, Transition

__all__ = ["receive_actions", "send_actions", "timer_actions", "undefined_actions"]


def _name(frame: HdlcFrame | UndefinedFrame) -> str:
    if isinstance(frame, HdlcFrame):
        return frame.frame_type.name
    return f"frame with undefined control field 0x{control_octet(frame):02X}"


# -- send ----------------------------------------------------------------------------------
def send_data(link: Link, transition: Transition, event: SendEvent) -> None:
    """Segment one APDU (LLC header first). Sent at once when the server holds a poll,
    else queued until the client polls (NRM: a secondary transmits only when polled)."""
    apdu = check_apdu(event)
    link.send.queue.extend(split_segments(link.llc_out + apdu, link.segment_length))
    if link.holding_poll:
        answer_poll(link)


def send_ui(link: Link, transition: Transition, event: SendEvent) -> None:
    """One UI frame: in NDM at once (a push, F=1); in NRM queued and sent before the I
    frames of the next answer to a poll (a poll held for the application stays held)."""
    apdu = check_apdu(event)
    info = link.llc_out + apdu
    limit = max_information_length(link.config.server_address)
    if len(info) > limit:
        raise LocalProtocolError(f"UI information of {len(info)} octets exceeds the "
                                 f"{limit} a frame can carry")
    if link.state is HdlcState.NRM:
        link.ui_queue.append(info)
    else:
        link.emit_u(HdlcFrameType.UI, True, info)


def set_busy(link: Link, transition: Transition, event: SendEvent) -> None:
    """Local receiver busy: polls are answered RNR (a held poll at once)."""
    link.local_busy = True
    if link.holding_poll:
        answer_poll(link)


def clear_busy(link: Link, transition: Transition, event: SendEvent) -> None:
    """Local receiver ready; a held poll is answered (RR: "no answer from the
    application")."""
    link.local_busy = False
    if link.holding_poll:
        answer_poll(link)


# -- receive ---------------------------------------------------------------------------------
def snrm_received(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """SNRM: negotiate (IEC 62056-46 6.4.4), answer UA, sequence numbers to 0. An SNRM on
    an established link resets it the same way."""
    try:
        proposal = decode_parameters(frame.information, "SNRM")
    except RemoteProtocolError as exc:
        link.enter_ndm()
        dm = link.emit_u(HdlcFrameType.DM, frame.control.poll_final,
                         destination=frame.source, source=frame.destination)
        link.fail(transition, f"{exc}: answered DM", hint=dm)
    negotiated, answered = answer_snrm(link.config, proposal)
    if link.deviations is not None and link.deviations.ua_states_capabilities:
        # FAULT HOOK: the UA states the server's capabilities, above a smaller proposal
        # (imitates meters that answer fixed parameters whatever the client proposed);
        # the negotiated values stay in force.
        answered = _capabilities(link.config)
    _establish(link, frame, negotiated, proposal, answered)
    link.emit_u(HdlcFrameType.UA, frame.control.poll_final, answered.to_bytes())


def _capabilities(config: HdlcConfig) -> HdlcParameters:
    """The server's four configured values as UA parameters (its view)."""
    return HdlcParameters(
        max_info_field_length_transmit=config.max_info_field_length_transmit,
        max_info_field_length_receive=config.max_info_field_length_receive,
        window_size_transmit=config.window_size_transmit,
        window_size_receive=config.window_size_receive)


def _establish(link: Link, frame: HdlcFrame, negotiated: NegotiatedParameters,
               proposal: HdlcParameters, answered: HdlcParameters) -> None:
    """The link with ``frame.source`` is up: sequence numbers 0, parameters in force,
    answers in the address form the client used, inactivity timer running."""
    link.reset_transfer()
    link.peer = frame.source
    link.local = frame.destination
    link.parameters = negotiated
    link.timers.start(TimeoutKind.INACTIVITY, link.now, link.config.inactivity_timeout)
    link.events.append(Connected(parameters=negotiated, proposed=proposal, answered=answered,
                                 peer=frame.source))


def disc_received(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """DISC on a link: answer UA, back to NDM."""
    link.emit_u(HdlcFrameType.UA, frame.control.poll_final)
    link.enter_ndm()
    link.events.append(Disconnected(reason=DisconnectReason.PEER))


def answer_dm(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """DISC in NDM: answer DM (already disconnected)."""
    if link.deviations is not None and link.deviations.ua_to_disc_when_disconnected:
        # FAULT HOOK: UA instead of DM (imitates meters that confirm every DISC, linked
        # or not).
        link.emit_u(HdlcFrameType.UA, frame.control.poll_final, destination=frame.source,
                    source=frame.destination)
        return
    link.emit_u(HdlcFrameType.DM, frame.control.poll_final, destination=frame.source,
                source=frame.destination)


def answer_dm_violation(link: Link, transition: Transition,
                        frame: HdlcFrame | UndefinedFrame) -> None:
    """Any other frame in NDM: answer DM (the server is disconnected) and report it."""
    if (isinstance(frame, HdlcFrame) and frame.frame_type is HdlcFrameType.I
            and link.deviations is not None
            and link.deviations.serve_i_frames_when_disconnected):
        _serve_without_link(link, frame)
        return
    dm = link.emit_u(HdlcFrameType.DM, poll_final(frame), destination=frame.source,
                     source=frame.destination)
    link.fail(transition, f"{_name(frame)} received in NDM (no link): answered DM", hint=dm)


def _serve_without_link(link: Link, frame: HdlcFrame) -> None:
    """FAULT HOOK: an I frame in NDM is served as if SNRM had established the link with
    the default parameters (imitates meters that answer I frames without a link instead of
    DM). Connected reports the implicit link (no SNRM proposal, no UA sent: both
    parameter sets empty), then the frame is received as in NRM."""
    negotiated, _ = answer_snrm(link.config, HdlcParameters())
    _establish(link, frame, negotiated, HdlcParameters(), HdlcParameters())
    link.state = HdlcState.NRM
    receive_numbered(link, TRANSITIONS[(Role.SERVER, HdlcState.NRM, HdlcFrameType.I)], frame)


def reject_frame(link: Link, transition: Transition,
                 frame: HdlcFrame | UndefinedFrame) -> None:
    """A response type (UA, DM, FRMR) or an undefined control field received as a command:
    FRMR with W (control field undefined or not implemented)."""
    reject(link, transition, frame, f"{_name(frame)} is not a command of IEC 62056-46 6.4.3",
           w=True)


def repeat_frmr(link: Link, transition: Transition, frame: HdlcFrame | UndefinedFrame) -> None:
    """Frame reject condition: every poll gets the same FRMR until SNRM or DISC."""
    if poll_final(frame):
        link.emit_frmr()
    link.events.append(FrameDiscarded(
        reason=DiscardReason.FRAME_REJECT_CONDITION,
        frame=frame if isinstance(frame, HdlcFrame) else None,
        detail=f"{_name(frame)} in the frame reject condition"
               + (": FRMR repeated" if poll_final(frame) else "")))


def inactivity_timeout(link: Link, transition: Transition, kind: TimeoutKind) -> None:
    """Nothing received for the inactivity time: the link falls back to NDM."""
    link.enter_ndm()
    link.events.append(Timeout(kind=kind))
    link.events.append(Disconnected(reason=DisconnectReason.INACTIVITY))


send_actions: dict[Action, SendHandler] = {
    Action.SEND_DATA: send_data,
    Action.SEND_UI: send_ui,
    Action.SET_BUSY: set_busy,
    Action.CLEAR_BUSY: clear_busy,
}
receive_actions: dict[Action, FrameHandler] = {
    Action.ACCEPT_SNRM: snrm_received,
    Action.ACCEPT_DISC: disc_received,
    Action.ANSWER_DM: answer_dm,
    Action.ANSWER_DM_VIOLATION: answer_dm_violation,
    Action.REJECT_FRAME: reject_frame,
    Action.REPEAT_FRMR: repeat_frmr,
}
undefined_actions: dict[Action, UndefinedHandler] = {
    Action.ANSWER_DM_VIOLATION: answer_dm_violation,
    Action.REJECT_FRAME: reject_frame,
    Action.REPEAT_FRMR: repeat_frmr,
}
timer_actions: dict[Action, TimerHandler] = {Action.INACTIVITY_TIMEOUT: inactivity_timeout}
