"""Actions of the CLIENT (primary station) rows of the transition table."""

from __future__ import annotations

from conformance.codec.hdlc import FrmrInformation, HdlcFrame, HdlcFrameType, HdlcParameters
from conformance.errors import CodecError, LocalProtocolError, RemoteProtocolError
from conformance.protocol.hdlc._link import (
    FrameHandler,
    Link,
    SendHandler,
    TimerHandler,
    UndefinedHandler,
    check_apdu,
)
from conformance.protocol.hdlc._transfer import client_continue
from conformance.protocol.hdlc.config import max_information_length
from conformance.protocol.hdlc.events import (
    Connect,
    Connected,
    Disconnected,
    DisconnectReason,
    FrameRejected,
    SendEvent,
    Timeout,
    TimeoutKind,
)
from conformance.protocol.hdlc.frames import UndefinedFrame, control_octet
from conformance.protocol.hdlc.negotiation import (
    accept_ua,
    decode_parameters,
    proposal_from_config,
)
from conformance.protocol.hdlc.segmentation import split_segments
from conformance.protocol.hdlc.table import Action, Transition

__all__ = ["receive_actions", "send_actions", "timer_actions", "undefined_actions"]


def _hold_turn(link: Link, what: str) -> None:
    if link.polling:
        raise LocalProtocolError(f"cannot send {what}: a frame with P=1 is still awaiting its "
                                 "answer (NRM: wait for the F bit or the response timeout)")


# -- send ----------------------------------------------------------------------------------
def send_snrm(link: Link, transition: Transition, event: SendEvent) -> None:
    """SNRM with the proposal; every transfer of a previous link is dropped."""
    _hold_turn(link, "SNRM")
    if not isinstance(event, Connect):  # pragma: no cover - the table maps types
        raise LocalProtocolError("SEND_SNRM needs a Connect event")
    proposal = event.parameters if event.parameters is not None else proposal_from_config(
        link.config)
    link.proposal = HdlcParameters() if event.omit_information else proposal
    link.reset_transfer()
    link.parameters = None
    link.emit_u(HdlcFrameType.SNRM, True, b"" if event.omit_information else proposal.to_bytes())
    link.start_poll()


def send_disc(link: Link, transition: Transition, event: SendEvent) -> None:
    """DISC; pending transfers are dropped."""
    _hold_turn(link, "DISC")
    link.reset_transfer()
    link.emit_u(HdlcFrameType.DISC, True)
    link.start_poll()


def send_data(link: Link, transition: Transition, event: SendEvent) -> None:
    """Segment one APDU (LLC header first) and send the first window, P=1 on its last
    frame."""
    apdu = check_apdu(event)
    _hold_turn(link, "data")
    if link.send.queue:
        raise LocalProtocolError("the previous APDU is still being sent")
    if link.recv.in_progress:
        raise LocalProtocolError("a segmented APDU from the server is still arriving; fetch "
                                 "its segments (Poll) before sending")
    size = link.negotiated.max_info_field_length_transmit
    link.send.queue.extend(split_segments(link.llc_out + apdu, size))
    client_continue(link, explicit=True)


def send_ui(link: Link, transition: Transition, event: SendEvent) -> None:
    """One UI frame, P=0 (no answer solicited)."""
    apdu = check_apdu(event)
    _hold_turn(link, "UI")
    info = link.llc_out + apdu
    limit = max_information_length(link.config.server_address)
    if len(info) > limit:
        raise LocalProtocolError(f"UI information of {len(info)} octets exceeds the "
                                 f"{limit} a frame can carry")
    link.emit_u(HdlcFrameType.UI, False, info)


def send_poll(link: Link, transition: Transition, event: SendEvent) -> None:
    """RR (RNR while busy) with P=1."""
    _hold_turn(link, "a poll")
    link.emit_s(True)
    link.start_poll()


def set_busy(link: Link, transition: Transition, event: SendEvent) -> None:
    """Local receiver busy: later acknowledgements are RNR, no segments are fetched."""
    link.local_busy = True


def clear_busy(link: Link, transition: Transition, event: SendEvent) -> None:
    """Local receiver ready: fetch the waiting segments, if any."""
    link.local_busy = False
    client_continue(link)


# -- receive ---------------------------------------------------------------------------------
def ua_received(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """UA to SNRM: the link is established unless the parameters exceed the proposal."""
    link.end_poll()
    try:
        answered = decode_parameters(frame.information, "UA")
        negotiated = accept_ua(link.proposal, answered, max_information=max_information_length(
            link.config.server_address))
    except RemoteProtocolError as exc:
        link.fail(transition, f"{exc}; the link needs SNRM or DISC")
    link.reset_transfer()
    link.parameters = negotiated
    link.events.append(Connected(parameters=negotiated, proposed=link.proposal,
                                 answered=answered, peer=frame.source))


def _disconnected(link: Link, reason: DisconnectReason) -> None:
    link.enter_ndm()
    link.events.append(Disconnected(reason=reason))


def connect_refused(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """DM to SNRM: the server refuses the link."""
    _disconnected(link, DisconnectReason.REFUSED)


def disconnect_confirmed(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """UA (or DM: the server was not connected) to DISC."""
    _disconnected(link, DisconnectReason.LOCAL if frame.frame_type is HdlcFrameType.UA
                  else DisconnectReason.ALREADY_DISCONNECTED)


def peer_disconnected(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """DM on an established link: the server is in NDM (e.g. after its inactivity
    timeout)."""
    _disconnected(link, DisconnectReason.DISCONNECTED_MODE)


def frmr_received(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """FRMR: report it; only SNRM or DISC clears the condition."""
    link.end_poll()
    try:
        information = FrmrInformation.decode(frame.information)
    except CodecError as exc:
        link.fail(transition, f"FRMR with a malformed information field: {exc}")
    link.events.append(FrameRejected(information=information))


def command_exception(link: Link, transition: Transition,
                      frame: HdlcFrame | UndefinedFrame) -> None:
    """A command (SNRM, DISC) or an undefined control field from the server on an
    established link: the client must reset the link (ISO/IEC 13239: a primary resets on
    an invalid response)."""
    name = (frame.frame_type.name if isinstance(frame, HdlcFrame)
            else f"undefined control field 0x{control_octet(frame):02X}")
    link.fail(transition, f"the server sent {name} (not a response of IEC 62056-46 6.4.3); "
                          "the link needs SNRM or DISC")


def response_timeout(link: Link, transition: Transition, kind: TimeoutKind) -> None:
    """No answer to the frame with P=1: the client holds the right to send again (retry
    with Poll, Connect or Disconnect)."""
    link.end_poll()
    link.events.append(Timeout(kind=kind))


def busy_poll(link: Link, transition: Transition, kind: TimeoutKind) -> None:
    """The busy timer expired: poll the server again (RR, or RNR while locally busy, with
    P=1) unless a poll is already outstanding."""
    if not link.polling:
        link.emit_s(True)
        link.start_poll()


send_actions: dict[Action, SendHandler] = {
    Action.SEND_SNRM: send_snrm,
    Action.SEND_DISC: send_disc,
    Action.SEND_DATA: send_data,
    Action.SEND_UI: send_ui,
    Action.SEND_POLL: send_poll,
    Action.SET_BUSY: set_busy,
    Action.CLEAR_BUSY: clear_busy,
}
receive_actions: dict[Action, FrameHandler] = {
    Action.ACCEPT_UA: ua_received,
    Action.CONNECT_REFUSED: connect_refused,
    Action.DISCONNECT_CONFIRMED: disconnect_confirmed,
    Action.PEER_DISCONNECTED: peer_disconnected,
    Action.RECEIVE_FRMR: frmr_received,
    Action.COMMAND_EXCEPTION: command_exception,
}
undefined_actions: dict[Action, UndefinedHandler] = {Action.COMMAND_EXCEPTION: command_exception}
timer_actions: dict[Action, TimerHandler] = {Action.RESPONSE_TIMEOUT: response_timeout,
                                             Action.BUSY_POLL: busy_poll}
