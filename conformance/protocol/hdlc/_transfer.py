"""Data transfer in NRM, both roles (IEC 62056-46 6.4.4; ISO/IEC 13239 normal response
mode, modulo 8): receiving I, RR, RNR and UI frames, the exception checks that lead to
FRMR, answering polls (server) and continuing a transfer after the F bit (client).

Poll discipline: the client sends only while it holds the right to (no frame with P=1
outstanding) and ends every burst with P=1; the server transmits only when polled and
ends its answer with F=1. A server that has just delivered a whole APDU keeps the poll
until its application answers (:class:`~conformance.protocol.hdlc.events.Data`, or
:class:`~conformance.protocol.hdlc.events.ReceiverReady` for "no answer").
"""

from __future__ import annotations

from typing import NoReturn

from conformance.codec.hdlc import FrmrInformation, HdlcFrame, HdlcFrameType
from conformance.errors import RemoteProtocolError
from conformance.protocol.hdlc._link import Link
from conformance.protocol.hdlc.events import (
    Data,
    DiscardReason,
    FrameDiscarded,
    PeerBusy,
    TimeoutKind,
    UnitData,
)
from conformance.protocol.hdlc.frames import UndefinedFrame, control_octet, poll_final, u_frame
from conformance.protocol.hdlc.segmentation import NsCheck, Reassembly
from conformance.protocol.hdlc.table import HdlcState, Transition

__all__ = ["answer_poll", "client_continue", "deliver_ui", "receive_numbered", "receive_ui",
           "reject"]

_FRMR_CLAUSE = "IEC 62056-46 6.4.3 FRMR; ISO/IEC 13239 frame reject"


def reject(link: Link, transition: Transition, frame: HdlcFrame | UndefinedFrame,
           message: str, *, w: bool = False, x: bool = False, y: bool = False,
           z: bool = False, v: bool = False) -> NoReturn:
    """An exception condition caused by ``frame``. Server: enter the frame reject
    condition, answer FRMR (now if the frame polled, else at the next poll) and raise with
    the FRMR as hint. Client: enter the frame reject condition (the link must be reset)
    and raise."""
    if link.is_client:
        link.fail(transition, f"server frame rejected: {message}")
    info = FrmrInformation(rejected_control=control_octet(frame), send_state=link.send.vs,
                           receive_state=link.recv.vr, w=w, x=x, y=y, z=z, v=v)
    link.frmr = info
    link.state = HdlcState.FRAME_REJECT
    link.holding_poll = False
    if poll_final(frame):
        hint = link.emit_frmr()
    else:  # NRM: a secondary transmits only when polled; the FRMR waits for the poll
        hint = u_frame(HdlcFrameType.FRMR, link.destination(), link.local, poll_final=True,
                       information=info.to_bytes())
    raise RemoteProtocolError(f"{message}: answered FRMR ({_FRMR_CLAUSE})", response_hint=hint)


def _check_exception(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """The FRMR conditions of ISO/IEC 13239 for an I, RR or RNR frame, in the order of the
    reason bits: information not permitted (W+X), too long (Y), invalid N(R) (Z), invalid
    N(S) (V)."""
    ctl = frame.control
    params = link.negotiated
    if frame.frame_type is not HdlcFrameType.I and frame.information:
        reject(link, transition, frame, f"{frame.frame_type.name} frame with an information "
               "field", w=True, x=True)
    if len(frame.information) > params.max_info_field_length_receive:
        reject(link, transition, frame, f"information field of {len(frame.information)} "
               f"octets, above the negotiated maximum of "
               f"{params.max_info_field_length_receive}", y=True)
    nr = ctl.receive_seq if ctl.receive_seq is not None else 0
    if not link.send.nr_valid(nr):
        reject(link, transition, frame, f"invalid N(R)={nr}: a valid N(R) lies between "
               f"{link.send.va} (last acknowledged) and V(S)={link.send.vs}", z=True)
    if ctl.send_seq is not None and link.recv.classify(
            ctl.send_seq, params.window_size_receive) is NsCheck.INVALID:
        reject(link, transition, frame, f"invalid N(S)={ctl.send_seq}: V(R)={link.recv.vr}, "
               f"receive window {params.window_size_receive}", v=True)


def _deliver(link: Link, whole: bytes | Reassembly, what: str, unit: bool) -> str | None:
    """Turn reassembled octets into a Data/UnitData event; the violation text instead when
    the APDU is too long or (strict LLC) its LLC header is wrong."""
    if whole is Reassembly.INCOMPLETE:
        return None
    if whole is Reassembly.OVERFLOW:
        return (f"{what}: APDU longer than the configured maximum of "
                f"{link.config.max_apdu_length} octets (dropped)")
    apdu, llc_error = link.unpack(whole, what)
    if llc_error is not None and link.config.strict_llc:
        return f"{llc_error} (APDU dropped)"
    link.events.append(UnitData(apdu=apdu, llc_error=llc_error) if unit
                       else Data(apdu=apdu, llc_error=llc_error))
    return None


def _has_output(link: Link) -> bool:
    send = link.send
    window = link.transmit_window
    return bool(link.ui_queue) or (not link.remote_busy and (
        send.retransmit or (bool(send.queue) and len(send.unacked) < window)))


def answer_poll(link: Link) -> HdlcFrame:
    """Server: answer the poll it holds: queued UI frames, then I frames (retransmissions
    first) up to the window, else RR/RNR; F=1 on the last frame. Returns that frame."""
    ui = list(link.ui_queue)
    link.ui_queue.clear()
    iframes = [] if link.remote_busy else link.send.take(link.transmit_window)
    total = len(ui) + max(len(iframes), 1)
    count = 0
    last: HdlcFrame | None = None
    for info in ui:
        count += 1
        last = link.emit_u(HdlcFrameType.UI, count == total, info)
    for ns, info, segmented in iframes:
        count += 1
        last = link.emit_i(ns, info, segmented, count == total)
    if not iframes:
        last = link.emit_s(True)
    link.holding_poll = False
    if last is None:  # pragma: no cover - an RR is always sent when no I frame is
        raise RuntimeError("answer_poll sent nothing")
    return last


def _repeats_segment(link: Link, frame: HdlcFrame) -> bool:
    """Server deviation ``repeat_segment_on_rr``: ``frame`` is an RR that acknowledged
    every I frame sent and polls for the next segment of the APDU being sent."""
    deviations = link.deviations
    return (deviations is not None and deviations.repeat_segment_on_rr
            and frame.frame_type is HdlcFrameType.RR and link.last_segment is not None
            and bool(link.send.queue) and not link.send.unacked and not link.ui_queue)


def _repeat_last_segment(link: Link) -> HdlcFrame:
    """FAULT HOOK: the RR asking for the next segment is answered with the last I frame
    again, same N(S) and segment, F=1 (imitates meters that ignore the N(R) of an RR and
    retransmit instead of sending the next segment). The machine's state is unchanged:
    the next segment stays queued."""
    if link.last_segment is None:  # pragma: no cover - guarded by _repeats_segment
        raise RuntimeError("no I frame to repeat")
    ns, info, segmented = link.last_segment
    link.holding_poll = False
    return link.emit_i(ns, info, segmented, True)


def client_continue(link: Link, *, explicit: bool = False) -> None:
    """Client holding the right to send: next I frames of the window (retransmissions
    first), else a poll (RR, P=1) for the next segments of the server's APDU or for the
    frames after a sequence gap, else nothing.
    ``explicit``: the user just queued data, so poll even if the server said RNR."""
    if link.polling or link.state is not HdlcState.NRM:
        return
    frames = [] if link.remote_busy else link.send.take(link.negotiated.window_size_transmit)
    if frames:
        for i, (ns, info, segmented) in enumerate(frames):
            link.emit_i(ns, info, segmented, i == len(frames) - 1)
        link.start_poll()
    elif link.remote_busy and not explicit and (
            link.send.queue or link.recv.in_progress or link.recv.gap):
        # Busy condition (ISO/IEC 13239): poll the server again later, not at once.
        link.timers.start(TimeoutKind.BUSY, link.now, link.config.busy_poll_interval)
    elif ((link.recv.in_progress or link.recv.gap) and not link.local_busy) or (
            link.send.queue and (explicit or not link.remote_busy)):
        link.emit_s(True)
        link.start_poll()


def receive_numbered(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """RECEIVE_I / RECEIVE_SUPERVISORY: an I, RR or RNR frame on an established link."""
    ctl = frame.control
    if link.is_client and not link.polling:
        link.events.append(FrameDiscarded(
            reason=DiscardReason.UNSOLICITED, frame=frame, data=frame.to_bytes(flags=False),
            detail=f"{ctl} received while no frame with P=1 was outstanding (NRM: the "
                   "server transmits only when polled)"))
        return
    _check_exception(link, transition, frame)
    link.send.acknowledge(ctl.receive_seq if ctl.receive_seq is not None else 0)
    violation: str | None = None
    delivered = False
    if ctl.send_seq is not None:
        if link.recv.classify(ctl.send_seq, link.negotiated.window_size_receive) \
                is NsCheck.ACCEPT:
            whole = link.recv.accept(frame.information, frame.segmented)
            violation = _deliver(link, whole, f"I frame N(S)={ctl.send_seq}", unit=False)
            delivered = isinstance(whole, bytes) and violation is None
        else:
            link.recv.gap = True
            link.events.append(FrameDiscarded(
                reason=DiscardReason.SEQUENCE, frame=frame, data=frame.to_bytes(flags=False),
                detail=f"N(S)={ctl.send_seq} while V(R)={link.recv.vr}: information field "
                       "discarded, N(R) and P/F acted upon (ISO/IEC 13239 sequence error)"))
    elif (frame.frame_type is HdlcFrameType.RNR) != link.remote_busy:
        link.remote_busy = not link.remote_busy
        link.events.append(PeerBusy(busy=link.remote_busy))
    hint: HdlcFrame | None = None
    if ctl.poll_final:
        link.send.checkpoint()
        if link.is_client:
            link.end_poll()
            client_continue(link)
        elif (delivered or link.holding_poll) and not _has_output(link):
            link.holding_poll = True  # the application's answer goes with the F bit
        elif _repeats_segment(link, frame):
            hint = _repeat_last_segment(link)
        else:
            hint = answer_poll(link)
    if violation is not None:
        raise RemoteProtocolError(violation, response_hint=hint)


def deliver_ui(link: Link, frame: HdlcFrame) -> str | None:
    """Reassemble a UI frame (S bit honoured) and deliver its APDU; the violation text
    when it cannot be delivered."""
    whole = link.ui.add(frame.information, frame.segmented)
    return _deliver(link, whole, "UI frame", unit=True)


def receive_ui(link: Link, transition: Transition, frame: HdlcFrame) -> None:
    """RECEIVE_UI: deliver; in NRM a UI frame with the P/F bit also takes part in the poll
    discipline (the server answers the poll, the client's poll is answered)."""
    violation = deliver_ui(link, frame)
    hint: HdlcFrame | None = None
    if frame.control.poll_final and link.state is HdlcState.NRM:
        if link.is_client:
            if link.polling:
                link.end_poll()
                client_continue(link)
        elif not (link.holding_poll and not _has_output(link)):
            hint = answer_poll(link)
    if violation is not None:
        raise RemoteProtocolError(violation, response_hint=hint)
