"""The SERVER role's deviation hooks (ServerDeviations), each against the same exchange
without it: the UA parameters, DISC and I frames in NDM, another server address, segment
length, window, repeated segment on RR, N(R) of I frames, LLC header, HCS, FCS; the
validation of the values and the refusal for the client role."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.codec.crc import fcs16
from conformance.codec.hdlc import HdlcAddress, HdlcFrame, HdlcParameters
from conformance.errors import ChecksumError, RemoteProtocolError
from conformance.protocol.hdlc import (
    NEED_DATA,
    Connected,
    Data,
    HdlcConfig,
    HdlcMachine,
    HdlcState,
    Role,
    ServerDeviations,
)
from tests.protocol.test_hdlc_pair import CLIENT_ADDRESS, SERVER_ADDRESS, server_config
from tests.protocol.test_hdlc_server import T, feed, frame

REQ = b"\xe6\xe6\x00"
RESP = b"\xe6\xe7\x00"
SMALL = HdlcParameters(max_info_field_length_transmit=64, max_info_field_length_receive=64,
                       window_size_transmit=1, window_size_receive=1)


def server(deviations: ServerDeviations | None = None, **config: object) -> HdlcMachine:
    return HdlcMachine(Role.SERVER, server_config(
        server_deviations=deviations or ServerDeviations(), **config))


def linked(deviations: ServerDeviations | None = None, params: HdlcParameters = SMALL,
           **config: object) -> HdlcMachine:
    machine = server(deviations, **config)
    events, errors, _ = feed(machine, frame(T.SNRM, info=params.to_bytes()))
    assert isinstance(events[0], Connected) and not errors
    return machine


def request_answer(machine: HdlcMachine, answer: bytes, ns: int = 0,
                   nr: int = 0) -> list[HdlcFrame]:
    """One I frame from the client, the application's answer; the frames sent."""
    events, errors, _ = feed(machine, frame(T.I, ns=ns, nr=nr, info=REQ + b"\xc0\x01"))
    assert events == [Data(apdu=b"\xc0\x01")] and not errors
    return [HdlcFrame.decode(f) for f in _frames(machine.send(Data(apdu=answer), now=0))]


def _frames(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        length = ((data[pos + 1] & 0x07) << 8) | data[pos + 2]
        out.append(data[pos:pos + length + 2])
        pos += length + 2
    return out


def test_no_deviation_is_the_default_and_inactive() -> None:
    assert not ServerDeviations().active
    assert server_config().server_deviations == ServerDeviations()
    assert ServerDeviations(wrong_fcs=True).active


@pytest.mark.parametrize("kwargs, message", [
    ({"segment_length": 0}, "segment_length"),
    ({"transmit_window": 8}, "transmit_window"),
    ({"transmit_window": 0}, "transmit_window"),
    ({"i_frame_receive_sequence_offset": 8}, "0..7"),
    ({"llc_header": b"\xe6\xe7\x00\x00"}, "at most 3"),
])
def test_values_the_link_cannot_use(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerDeviations(**kwargs)  # type: ignore[arg-type]


def test_segment_length_bounded_by_the_frame_and_server_role_only() -> None:
    with pytest.raises(ValueError, match=r"segment_length must be 1\.\.2035"):
        server_config(server_deviations=ServerDeviations(segment_length=2036))
    copied = ServerDeviations(llc_header=bytearray(b"\xe6"))  # type: ignore[arg-type]
    assert type(copied.llc_header) is bytes and copied.llc_header == b"\xe6"
    config = HdlcConfig(server_address=SERVER_ADDRESS, client_address=CLIENT_ADDRESS,
                        server_deviations=ServerDeviations(wrong_hcs=True))
    with pytest.raises(ValueError, match="server role only"):
        HdlcMachine(Role.CLIENT, config)


def test_ua_states_capabilities_but_negotiated_values_stay() -> None:
    capable = {"max_info_field_length_transmit": 512, "max_info_field_length_receive": 512,
               "window_size_transmit": 7, "window_size_receive": 7}
    for deviations, stated in ((None, SMALL), (ServerDeviations(ua_states_capabilities=True),
                                               HdlcParameters(**capable))):
        machine = server(deviations, **capable)
        events, _, answer = feed(machine, frame(T.SNRM, info=SMALL.to_bytes()))
        assert answer[0].frame_type is T.UA
        assert HdlcParameters.decode(answer[0].information) == stated
        connected = events[0]
        assert isinstance(connected, Connected) and connected.answered == stated
        assert machine.parameters is not None
        assert machine.parameters.max_info_field_length_transmit == 64
        assert machine.parameters.window_size_transmit == 1


def test_disc_when_disconnected_answered_ua_or_dm() -> None:
    for deviations, kind in ((None, T.DM),
                             (ServerDeviations(ua_to_disc_when_disconnected=True), T.UA)):
        machine = server(deviations)
        events, errors, answer = feed(machine, frame(T.DISC))
        assert [f.frame_type for f in answer] == [kind] and not events and not errors
        assert answer[0].source == SERVER_ADDRESS and answer[0].destination == CLIENT_ADDRESS
        assert machine.state is HdlcState.NDM


def test_i_frame_when_disconnected_served_or_dm() -> None:
    machine = server()
    events, errors, answer = feed(machine, frame(T.I, ns=0, nr=0, info=REQ + b"\xc0\x01"))
    assert [f.frame_type for f in answer] == [T.DM] and errors and not events
    machine = server(ServerDeviations(serve_i_frames_when_disconnected=True))
    events, errors, answer = feed(machine, frame(T.I, ns=0, nr=0, info=REQ + b"\xc0\x01"))
    assert not errors and answer == [] and machine.state is HdlcState.NRM
    connected, data = events
    assert isinstance(connected, Connected) and connected.peer == CLIENT_ADDRESS
    assert connected.proposed == HdlcParameters() == connected.answered
    assert connected.parameters.max_info_field_length_transmit == 128
    assert data == Data(apdu=b"\xc0\x01") and machine.holding_poll
    sent = HdlcFrame.decode(machine.send(Data(apdu=b"\xc4\x01"), now=0))
    assert sent.frame_type is T.I and sent.control.send_seq == 0
    assert sent.control.receive_seq == 1 and sent.information == RESP + b"\xc4\x01"


def test_frames_for_another_server_address() -> None:
    other = HdlcAddress.server(1, 18)
    machine = server()
    events, errors, answer = feed(machine, frame(T.SNRM, dst=other))
    assert answer == [] and machine.state is HdlcState.NDM
    machine = server(ServerDeviations(answer_any_server_address=True))
    events, errors, answer = feed(machine, frame(T.SNRM, dst=other))
    assert [f.frame_type for f in answer] == [T.UA] and answer[0].source == other
    assert isinstance(events[0], Connected) and not errors
    # all-station addresses are still never answered
    machine = server(ServerDeviations(answer_any_server_address=True))
    _, _, answer = feed(machine, frame(T.SNRM, dst=HdlcAddress.server(0x7F, 0x7F)))
    assert answer == []


def test_segment_length_and_window() -> None:
    apdu = bytes(200)
    sizes = [len(f.information) for f in request_answer(linked(), apdu)]
    assert sizes == [64]  # window 1: one segment per poll
    frames = request_answer(linked(ServerDeviations(segment_length=150)), apdu)
    assert [len(f.information) for f in frames] == [150]
    frames = request_answer(linked(ServerDeviations(transmit_window=7)), apdu)
    assert [len(f.information) for f in frames] == [64, 64, 64, 11]
    assert [f.control.send_seq for f in frames] == [0, 1, 2, 3]
    assert [f.control.poll_final for f in frames] == [False, False, False, True]
    assert [f.segmented for f in frames] == [True, True, True, False]


def test_rr_for_the_next_segment_answered_with_the_same_one() -> None:
    for deviations, expected in ((None, (1, 64)),
                                 (ServerDeviations(repeat_segment_on_rr=True), (0, 64))):
        machine = linked(deviations)
        first = request_answer(machine, bytes(200))
        assert [f.control.send_seq for f in first] == [0]
        _, _, answer = feed(machine, frame(T.RR, nr=1))
        assert [(f.control.send_seq, len(f.information)) for f in answer] == [expected]
        assert answer[0].control.poll_final
    # a repeated segment keeps the next one queued: an RR still repeats, the link holds
    _, _, again = feed(machine, frame(T.RR, nr=1))
    assert again[0].control.send_seq == 0 and again[0].information == first[0].information


def test_n_r_of_i_frames_offset_state_unchanged() -> None:
    for deviations, nr in ((None, 1),
                           (ServerDeviations(i_frame_receive_sequence_offset=7), 0)):
        machine = linked(deviations)
        sent = request_answer(machine, b"\xc4\x01")
        assert [f.control.receive_seq for f in sent] == [nr]
        assert machine.receive_sequence == 1
    # RR frames are unchanged: a repeated I frame (N(S) 0 again) is answered RR N(R)=1
    _, _, answer = feed(machine, frame(T.RR, nr=1))
    assert answer[0].frame_type is T.RR and answer[0].control.receive_seq == 1


@pytest.mark.parametrize("llc", [b"", REQ])
def test_llc_header_replaced(llc: bytes) -> None:
    assert request_answer(linked(), b"\xc4\x01")[0].information == RESP + b"\xc4\x01"
    sent = request_answer(linked(ServerDeviations(llc_header=llc)), b"\xc4\x01")
    assert sent[0].information == llc + b"\xc4\x01"


def test_wrong_hcs_only_with_information_field() -> None:
    machine = server(ServerDeviations(wrong_hcs=True))
    raw = _frames(feed_raw(machine, frame(T.SNRM)))[0]
    with pytest.raises(ChecksumError, match="HCS mismatch"):
        HdlcFrame.decode(raw)
    ua = HdlcFrame.decode(raw, check_checksums=False)
    assert ua.hcs is not None and ua.fcs is None  # the FCS is right over the wrong HCS
    assert ua.hcs == fcs16(raw[1:1 + ua.header_length]) ^ 1
    raw = _frames(feed_raw(machine, frame(T.DISC)))[0]
    assert HdlcFrame.decode(raw).frame_type is T.UA  # no information field: no HCS


def test_wrong_fcs_on_every_frame() -> None:
    machine = server(ServerDeviations(wrong_fcs=True))
    for command in (frame(T.SNRM), frame(T.DISC), frame(T.DISC)):
        raw = _frames(feed_raw(machine, command))[0]
        with pytest.raises(ChecksumError, match="FCS mismatch"):
            HdlcFrame.decode(raw)
        decoded = HdlcFrame.decode(raw, check_checksums=False)
        assert decoded.hcs is None and decoded.fcs == fcs16(raw[1:-3]) ^ 1


def test_frame_filter_sees_the_deviated_frame() -> None:
    seen: list[HdlcFrame] = []

    def keep(f: HdlcFrame) -> HdlcFrame:
        seen.append(f)
        return dataclasses.replace(f)

    machine = HdlcMachine(Role.SERVER, server_config(
        server_deviations=ServerDeviations(wrong_fcs=True)), frame_filter=keep)
    raw = _frames(feed_raw(machine, frame(T.SNRM)))[0]
    assert seen[0].fcs is not None and HdlcFrame.decode(raw, check_checksums=False) == seen[0]


def feed_raw(machine: HdlcMachine, data: bytes) -> bytes:
    """The octets the server sends after ``data`` (events and errors dropped)."""
    machine.receive_data(data, now=0)
    while True:
        try:
            if machine.next_event() is NEED_DATA:
                return machine.data_to_send()
        except RemoteProtocolError:
            continue
