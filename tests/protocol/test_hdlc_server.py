"""The SERVER role fed raw frames: DM before SNRM, DISC in both states, parameter errors,
addresses, bad HCS/FCS, FRMR with each reason bit and the frame reject condition, wrong
N(S) (duplicate and gap), LLC checks, UI frames, polls held for the application."""

from __future__ import annotations

import pytest

from conformance.codec.crc import fcs16
from conformance.codec.hdlc import (
    FrmrInformation,
    HdlcAddress,
    HdlcControl,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
)
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.hdlc import (
    NEED_DATA,
    Connect,
    Connected,
    Data,
    DiscardReason,
    Disconnect,
    Disconnected,
    DisconnectReason,
    FrameDiscarded,
    HdlcMachine,
    HdlcMachineEvent,
    HdlcState,
    Poll,
    ReceiverNotReady,
    Role,
    UnitData,
)
from tests.protocol.test_hdlc_pair import CLIENT_ADDRESS, SERVER_ADDRESS, decode_all, server_config

T = HdlcFrameType
REQ = b"\xe6\xe6\x00"


def frame(kind: HdlcFrameType, *, pf: bool = True, ns: int | None = None,
          nr: int | None = None, info: bytes = b"", dst: HdlcAddress = SERVER_ADDRESS,
          src: HdlcAddress = CLIENT_ADDRESS, segmented: bool = False) -> bytes:
    """A client frame, encoded with flags."""
    control = HdlcControl(frame_type=kind, poll_final=pf, send_seq=ns, receive_seq=nr)
    return HdlcFrame(destination=dst, source=src, control=control, information=info,
                     segmented=segmented).to_bytes()


def feed(machine: HdlcMachine, data: bytes, now: float = 0.0) -> tuple[
        list[HdlcMachineEvent], list[RemoteProtocolError], list[HdlcFrame]]:
    """Events, errors and the frames answered after ``data``."""
    machine.receive_data(data, now=now)
    events: list[HdlcMachineEvent] = []
    errors: list[RemoteProtocolError] = []
    while True:
        try:
            event = machine.next_event()
        except RemoteProtocolError as exc:
            errors.append(exc)
            continue
        if event is NEED_DATA:
            break
        events.append(event)
    return events, errors, decode_all(machine.data_to_send())


def linked(**config: object) -> HdlcMachine:
    """A server after the SNRM of the public client."""
    server = HdlcMachine(Role.SERVER, server_config(**config))
    events, errors, answer = feed(server, frame(T.SNRM))
    assert isinstance(events[0], Connected) and not errors
    assert [f.frame_type for f in answer] == [T.UA]
    return server


@pytest.mark.parametrize("kind", [T.I, T.RR, T.RNR, T.UA, T.DM, T.FRMR])
@pytest.mark.parametrize("pf", [True, False])
def test_frames_before_snrm_are_answered_dm(kind: HdlcFrameType, pf: bool) -> None:
    server = HdlcMachine(Role.SERVER, server_config())
    numbered = kind in (T.I, T.RR, T.RNR)
    info = REQ + b"\xc0" if kind is T.I else b"\x00\x00\x00" if kind is T.FRMR else b""
    events, errors, answer = feed(server, frame(kind, pf=pf, ns=0 if kind is T.I else None,
                                                nr=0 if numbered else None, info=info))
    assert events == []
    assert [(f.frame_type, f.control.poll_final) for f in answer] == [(T.DM, pf)]
    assert answer[0].destination == CLIENT_ADDRESS and answer[0].source == SERVER_ADDRESS
    assert len(errors) == 1 and errors[0].response_hint == answer[0]
    assert "NDM" in str(errors[0])
    assert server.state is HdlcState.NDM


def test_disc_in_both_states() -> None:
    server = linked()
    events, errors, answer = feed(server, frame(T.DISC))
    assert [f.frame_type for f in answer] == [T.UA] and not errors
    assert events == [Disconnected(reason=DisconnectReason.PEER)]
    assert server.state is HdlcState.NDM and server.parameters is None
    events, errors, answer = feed(server, frame(T.DISC))
    assert [f.frame_type for f in answer] == [T.DM] and not errors and events == []


@pytest.mark.parametrize("information", [
    HdlcParameters(window_size_receive=0).to_bytes(),
    HdlcParameters(max_info_field_length_transmit=0).to_bytes(),
    b"\x81\x80\x03\x05\x01",  # group length says 3, 2 follow
    b"\x82\x80\x00",
])
def test_snrm_with_unusable_parameters_is_answered_dm(information: bytes) -> None:
    for server in (HdlcMachine(Role.SERVER, server_config()), linked()):
        events, errors, answer = feed(server, frame(T.SNRM, info=information))
        assert [f.frame_type for f in answer] == [T.DM]
        assert len(errors) == 1 and errors[0].response_hint == answer[0]
        assert server.state is HdlcState.NDM and not events


def test_addresses_not_ours_are_ignored() -> None:
    fixed = HdlcMachine(Role.SERVER, server_config(client_address=HdlcAddress.client(1)))
    events, errors, answer = feed(fixed, frame(T.SNRM))  # from the public client
    assert [e.reason for e in events] == [DiscardReason.OTHER_ADDRESS]  # type: ignore[union-attr]
    assert not errors and not answer and fixed.state is HdlcState.NDM
    server = linked()
    for data in (frame(T.I, ns=0, nr=0, info=REQ + b"\x01", src=HdlcAddress.client(0x20)),
                 frame(T.SNRM, src=HdlcAddress.client(0x20)),
                 frame(T.I, ns=0, nr=0, info=REQ + b"\x01", dst=HdlcAddress.server(2, 17)),
                 frame(T.RR, nr=0, dst=HdlcAddress.server(1)),
                 frame(T.RR, nr=0, src=HdlcAddress.server(16, 1))):
        events, errors, answer = feed(server, data)
        assert [e.reason for e in events] == [  # type: ignore[union-attr]
            DiscardReason.OTHER_ADDRESS]
        assert not errors and not answer
    assert server.state is HdlcState.NRM and server.receive_sequence == 0
    # the four-octet form of 1/17 is the same station
    _, _, answer = feed(server, frame(T.RR, nr=0, dst=HdlcAddress.server(1, 17, size=4)))
    assert [f.frame_type for f in answer] == [T.RR]


def test_bad_hcs_or_fcs_is_discarded_silently() -> None:
    server = linked()
    good = frame(T.I, ns=0, nr=0, info=REQ + b"\xc0\x01")
    for position in (6, len(good) - 3, len(good) - 2):  # HCS, information, FCS
        bad = bytearray(good)
        bad[position] ^= 0x01
        events, errors, answer = feed(server, bytes(bad))
        assert len(events) == 1 and isinstance(events[0], FrameDiscarded)
        assert events[0].reason is DiscardReason.CHECKSUM
        assert not errors and not answer
        assert server.state is HdlcState.NRM and server.receive_sequence == 0
    events, _, _ = feed(server, good)
    assert events == [Data(apdu=b"\xc0\x01")]


def _raw(control: int, info: bytes = b"") -> bytes:
    """A frame from the public client with any control octet (valid HCS and FCS)."""
    head = bytearray(b"\xa0\x00") + SERVER_ADDRESS.to_bytes() + CLIENT_ADDRESS.to_bytes()
    head.append(control)
    body = head + (fcs16(head).to_bytes(2, "little") + info if info else b"")
    body[1] = len(body) + 2
    if info:  # the HCS covers the length octet: recompute it
        body[7:9] = fcs16(body[:7]).to_bytes(2, "little")
    return b"\x7e" + bytes(body) + fcs16(body).to_bytes(2, "little") + b"\x7e"


@pytest.mark.parametrize("whole", [True, False])
@pytest.mark.parametrize("control", [0x19, 0x3F, 0xFF])  # REJ, SABM, none
def test_undefined_control_field_is_answered_frmr_w(control: int, whole: bool) -> None:
    server = linked()
    data = _raw(control)
    if whole:
        events, errors, answer = feed(server, data)
    else:
        events, errors, answer = [], [], []
        for octet in data:
            e, r, a = feed(server, bytes([octet]))
            events += e
            errors += r
            answer += a
    assert [f.frame_type for f in answer] == [T.FRMR] and answer[0].control.poll_final
    info = FrmrInformation.decode(answer[0].information)
    assert (info.rejected_control, info.w, info.x, info.y, info.z, info.v) == (
        control, True, False, False, False, False)
    assert (info.send_state, info.receive_state) == (0, 0)
    assert len(errors) == 1 and errors[0].response_hint == answer[0]
    assert server.state is HdlcState.FRAME_REJECT and events == []


def test_frmr_reason_bits() -> None:
    cases = [
        (frame(T.RR, nr=0, info=b"\x01"), 0x11, dict(w=True, x=True)),
        (frame(T.I, ns=0, nr=0, info=bytes(129)), 0x10, dict(y=True)),
        (frame(T.I, ns=0, nr=3, info=REQ), 0x70, dict(z=True)),
        (frame(T.RR, nr=1), 0x31, dict(z=True)),
        (frame(T.I, ns=4, nr=0, info=REQ), 0x18, dict(v=True)),
        (frame(T.UA), 0x73, dict(w=True)),
        (frame(T.DM), 0x1F, dict(w=True)),
    ]
    for data, control, bits in cases:
        server = linked()
        events, errors, answer = feed(server, data)
        assert events == []
        (frmr,) = answer
        info = FrmrInformation.decode(frmr.information)
        expected = {"w": False, "x": False, "y": False, "z": False, "v": False, **bits}
        assert info.rejected_control == control
        assert {k: getattr(info, k) for k in "wxyzv"} == expected, data.hex()
        assert len(errors) == 1 and errors[0].response_hint == frmr
        assert server.state is HdlcState.FRAME_REJECT


def test_frame_reject_condition_until_snrm_or_disc() -> None:
    server = linked()
    feed(server, frame(T.I, ns=0, nr=0, info=REQ + b"\x01"))  # accepted: V(R)=1
    server.send(Data(apdu=b"\x02"), now=0)  # V(S)=1
    _, errors, (frmr,) = feed(server, frame(T.RR, nr=5))
    info = FrmrInformation.decode(frmr.information)
    assert (info.send_state, info.receive_state, info.z) == (1, 1, True)
    # every poll gets the same FRMR, frames without P get nothing
    for data in (frame(T.RR, nr=1), frame(T.I, ns=1, nr=1, info=REQ), _raw(0x19)):
        events, errors, answer = feed(server, data)
        assert answer == [frmr] and not errors
        assert isinstance(events[0], FrameDiscarded)
        assert events[0].reason is DiscardReason.FRAME_REJECT_CONDITION
    states = []
    _, _, answer = feed(server, frame(T.RR, pf=False, nr=1))
    assert answer == []
    states.append(server.state)
    events, _, answer = feed(server, frame(T.SNRM))
    assert [f.frame_type for f in answer] == [T.UA] and isinstance(events[0], Connected)
    assert server.receive_sequence == 0
    states.append(server.state)
    feed(server, frame(T.UA))
    states.append(server.state)
    events, _, answer = feed(server, frame(T.DISC))
    assert [f.frame_type for f in answer] == [T.UA]
    states.append(server.state)
    assert states == [HdlcState.FRAME_REJECT, HdlcState.NRM, HdlcState.FRAME_REJECT,
                      HdlcState.NDM]


def test_frmr_waits_for_the_poll() -> None:
    server = linked()
    events, errors, answer = feed(server, frame(T.I, pf=False, ns=0, nr=2, info=REQ))
    assert events == [] and answer == [] and len(errors) == 1
    hint = errors[0].response_hint
    assert isinstance(hint, HdlcFrame) and hint.frame_type is T.FRMR
    _, _, answer = feed(server, frame(T.RR, nr=0))
    assert answer == [hint]


def test_duplicate_i_frame_gets_the_last_response_again() -> None:
    server = linked()
    request = frame(T.I, ns=0, nr=0, info=REQ + b"\xc0\x01")
    events, _, answer = feed(server, request)
    assert events == [Data(apdu=b"\xc0\x01")] and answer == [] and server.holding_poll
    response = decode_all(server.send(Data(apdu=b"\xc4\x01"), now=0))
    assert [(f.control.send_seq, f.control.receive_seq) for f in response] == [(0, 1)]
    # the response was lost: the client sends its request again (N(S)=0 again)
    events, errors, answer = feed(server, request)
    assert [e.reason for e in events] == [DiscardReason.SEQUENCE]  # type: ignore[union-attr]
    assert answer == response and not errors
    assert server.receive_sequence == 1


def test_out_of_sequence_i_frame_is_answered_with_the_expected_nr() -> None:
    # the client proposes a transmit window of 3 (the default would be 1)
    server = HdlcMachine(Role.SERVER, server_config(window_size_receive=3))
    feed(server, frame(T.SNRM, info=HdlcParameters(window_size_transmit=3).to_bytes()))
    events, errors, answer = feed(server, frame(T.I, ns=1, nr=0, info=REQ, segmented=True))
    assert [e.reason for e in events] == [DiscardReason.SEQUENCE]  # type: ignore[union-attr]
    assert [(f.frame_type, f.control.receive_seq, f.control.poll_final) for f in answer] == [
        (T.RR, 0, True)]
    assert server.receive_sequence == 0 and not errors


@pytest.mark.parametrize(("information", "strict", "apdu", "message"), [
    (b"\xc0\x01\x00", True, None, "missing"),
    (b"\xe6\xe7\x00\xc0", True, None, "response header"),
    (b"\xc0\x01\x00", False, b"\xc0\x01\x00", "missing"),
    (b"\xe6\xe7\x00\xc0", False, b"\xc0", "response header"),
])
def test_llc_header_checked(information: bytes, strict: bool, apdu: bytes | None,
                            message: str) -> None:
    server = linked(strict_llc=strict)
    events, errors, answer = feed(server, frame(T.I, ns=0, nr=0, info=information))
    assert server.receive_sequence == 1  # the frame itself was fine
    if strict:
        assert events == [] and len(errors) == 1 and "LLC" in str(errors[0])
        assert message in str(errors[0]) or "destination LSAP" in str(errors[0])
        # no APDU for the application: the poll is answered RR at once
        assert [(f.frame_type, f.control.receive_seq) for f in answer] == [(T.RR, 1)]
        assert errors[0].response_hint == answer[0]
    else:
        (event,) = events
        assert isinstance(event, Data) and event.apdu == apdu and event.llc_error
        assert not errors and answer == [] and server.holding_poll


def test_ui_frames() -> None:
    server = HdlcMachine(Role.SERVER, server_config())
    events, errors, answer = feed(server, frame(T.UI, pf=False, info=REQ + b"\x01"))
    assert events == [UnitData(apdu=b"\x01")] and answer == [] and not errors
    broadcast = HdlcAddress.server(0x7F, 0x7F)
    for state_server in (server, linked()):
        events, _, answer = feed(state_server, frame(T.UI, info=REQ + b"\x02", dst=broadcast))
        assert events == [UnitData(apdu=b"\x02")] and answer == []
        events, _, answer = feed(state_server, frame(T.RR, nr=0, dst=broadcast))
        assert [e.reason for e in events] == [  # type: ignore[union-attr]
            DiscardReason.OTHER_ADDRESS] and answer == []
    server = linked()
    events, _, answer = feed(server, frame(T.UI, info=REQ + b"\x03"))  # P=1: a poll
    assert events == [UnitData(apdu=b"\x03")] and [f.frame_type for f in answer] == [T.RR]
    # a server push in NRM waits for a poll
    assert server.send(UnitData(apdu=b"\x0f\x00"), now=0) == b""
    _, _, answer = feed(server, frame(T.RR, nr=0))
    assert [(f.frame_type, f.control.poll_final) for f in answer] == [(T.UI, False),
                                                                      (T.RR, True)]
    assert answer[0].information == b"\xe6\xe7\x00\x0f\x00"


def test_all_station_parts() -> None:
    server = linked()
    for destination, ours in ((HdlcAddress.server(0x7F, 17), True),
                              (HdlcAddress.server(1, 0x7F), True),
                              (HdlcAddress.server(0x3FFF, 0x3FFF, size=4), True),
                              (HdlcAddress.server(0x7F, 18), False),
                              (HdlcAddress.server(0x7F), False),  # no lower part
                              (HdlcAddress.server(2, 0x7F), False)):
        events, errors, answer = feed(server, frame(T.UI, info=REQ + b"\x05", dst=destination))
        assert answer == [] and not errors
        if ours:
            assert events == [UnitData(apdu=b"\x05")]
        else:
            assert [e.reason for e in events] == [  # type: ignore[union-attr]
                DiscardReason.OTHER_ADDRESS]


def test_ui_push_waits_with_the_application_answer() -> None:
    server = linked()
    feed(server, frame(T.I, ns=0, nr=0, info=REQ + b"\x01"))
    assert server.send(UnitData(apdu=b"\x0f"), now=0) == b""
    assert server.holding_poll
    answer = decode_all(server.send(Data(apdu=b"\xc4"), now=0))
    assert [(f.frame_type, f.control.poll_final) for f in answer] == [(T.UI, False),
                                                                      (T.I, True)]


def test_held_poll_answered_by_the_application() -> None:
    server = linked()
    feed(server, frame(T.I, ns=0, nr=0, info=REQ + b"\x01"))
    assert server.holding_poll
    _, _, answer = feed(server, frame(T.RR, nr=0))  # a poll while the answer is awaited
    assert answer == [] and server.holding_poll
    answer = decode_all(server.send(ReceiverNotReady(), now=0))
    assert [(f.frame_type, f.control.receive_seq) for f in answer] == [(T.RNR, 1)]
    assert not server.holding_poll and server.local_busy


def test_illegal_server_sends() -> None:
    server = HdlcMachine(Role.SERVER, server_config())
    for event in (Connect(), Disconnect(), Poll(), Data(apdu=b"\x01"), ReceiverNotReady()):
        with pytest.raises(LocalProtocolError):
            server.send(event, now=0)
    assert server.state is HdlcState.NDM
    linked_server = linked()
    for bad in (Data(apdu=b"\x01", llc_error="x"), UnitData(apdu=bytes(2100))):
        with pytest.raises(LocalProtocolError):
            linked_server.send(bad, now=0)
    assert linked_server.state is HdlcState.NRM and linked_server.data_to_send() == b""
