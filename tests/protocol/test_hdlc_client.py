"""The CLIENT role fed raw server frames: UA/DM answers, FRMR reported, exception
conditions (wrong N(R), too long, invalid N(S), commands from the server), unsolicited
frames, duplicates, LLC checks, illegal sends, and the frame_filter deviation hook."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.codec.hdlc import (
    FrmrInformation,
    HdlcAddress,
    HdlcControl,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
)
from conformance.errors import LocalProtocolError
from conformance.protocol.hdlc import (
    Connect,
    Connected,
    Data,
    DiscardReason,
    Disconnect,
    Disconnected,
    DisconnectReason,
    FrameDiscarded,
    FrameRejected,
    HdlcMachine,
    HdlcState,
    Poll,
    ReceiverNotReady,
    ReceiverReady,
    Role,
    SendEvent,
    UnitData,
)
from tests.protocol.test_hdlc_pair import (
    CLIENT_ADDRESS,
    SERVER_ADDRESS,
    Pair,
    client_config,
    decode_all,
    drain,
    server_config,
)
from tests.protocol.test_hdlc_server import feed

T = HdlcFrameType
RESP = b"\xe6\xe7\x00"


def reply(kind: HdlcFrameType, *, pf: bool = True, ns: int | None = None,
          nr: int | None = None, info: bytes = b"", src: HdlcAddress = SERVER_ADDRESS,
          dst: HdlcAddress = CLIENT_ADDRESS, segmented: bool = False) -> bytes:
    """A server frame, encoded with flags."""
    control = HdlcControl(frame_type=kind, poll_final=pf, send_seq=ns, receive_seq=nr)
    return HdlcFrame(destination=dst, source=src, control=control, information=info,
                     segmented=segmented).to_bytes()


def ua(**params: int) -> bytes:
    """A UA stating ``params`` (every default when none)."""
    return reply(T.UA, info=HdlcParameters(**params).to_bytes() if params else b"")


def connected(**config: object) -> HdlcMachine:
    """A client after SNRM/UA with the default parameters."""
    client = HdlcMachine(Role.CLIENT, client_config(**config))
    server = HdlcMachine(Role.SERVER, server_config())
    server.receive_data(client.send(Connect(), now=0), now=0)
    drain(server)
    events, errors, _ = feed(client, server.data_to_send())
    assert isinstance(events[0], Connected) and not errors
    return client


def requested(**config: object) -> HdlcMachine:
    """A connected client that has sent one request (N(S)=0) and awaits the answer."""
    client = connected(**config)
    client.send(Data(apdu=b"\xc0\x01"), now=0)
    assert client.awaiting_response
    return client


def test_dm_answers() -> None:
    client = HdlcMachine(Role.CLIENT, client_config())
    client.send(Connect(), now=0)
    events, _, _ = feed(client, reply(T.DM))
    assert events == [Disconnected(reason=DisconnectReason.REFUSED)]
    assert client.state is HdlcState.NDM and not client.awaiting_response
    client = connected()
    events, _, _ = feed(client, reply(T.DM, pf=False))  # e.g. after the server's timeout
    assert events == [Disconnected(reason=DisconnectReason.DISCONNECTED_MODE)]
    assert client.parameters is None
    client.send(Disconnect(), now=0)  # DISC while disconnected: the server says DM
    events, _, _ = feed(client, reply(T.DM))
    assert events == [Disconnected(reason=DisconnectReason.ALREADY_DISCONNECTED)]
    client = connected()
    client.send(Disconnect(), now=0)
    events, _, _ = feed(client, reply(T.UA))
    assert events == [Disconnected(reason=DisconnectReason.LOCAL)]


def test_frmr_is_reported_and_only_snrm_or_disc_follow() -> None:
    client = requested()
    info = FrmrInformation(rejected_control=0x10, send_state=0, receive_state=0, y=True)
    events, errors, answer = feed(client, reply(T.FRMR, info=info.to_bytes()))
    assert events == [FrameRejected(information=info)] and not errors and answer == []
    assert client.state is HdlcState.FRAME_REJECT and not client.awaiting_response
    for event in (Data(apdu=b"\x01"), Poll(), UnitData(apdu=b"\x01")):
        with pytest.raises(LocalProtocolError):
            client.send(event, now=0)
    assert decode_all(client.send(Connect(), now=0))[0].frame_type is T.SNRM
    client = requested()
    _, errors, _ = feed(client, reply(T.FRMR, info=b"\x10\x01"))  # two octets
    assert len(errors) == 1 and client.state is HdlcState.FRAME_REJECT


@pytest.mark.parametrize(("data", "message"), [
    (reply(T.I, ns=0, nr=2, info=RESP), "invalid N(R)"),
    (reply(T.RR, nr=5), "invalid N(R)"),
    (reply(T.I, ns=0, nr=1, info=bytes(129)), "above the negotiated maximum"),
    (reply(T.RR, nr=1, info=b"\x00"), "information field"),
    (reply(T.I, ns=3, nr=1, info=RESP), "invalid N(S)"),
    (reply(T.SNRM), "SNRM"),
    (reply(T.DISC), "DISC"),
])
def test_exception_conditions_require_a_reset(data: bytes, message: str) -> None:
    client = requested()
    events, errors, answer = feed(client, data)
    assert events == [] and answer == []
    assert len(errors) == 1 and message in str(errors[0])
    assert client.state is HdlcState.FRAME_REJECT and not client.awaiting_response
    with pytest.raises(LocalProtocolError):
        client.send(Data(apdu=b"\x01"), now=0)


def test_undefined_control_from_the_server() -> None:
    client = requested()
    fixed = HdlcFrame(destination=CLIENT_ADDRESS, source=SERVER_ADDRESS,  # REJ, F=1
                      control=HdlcControl(frame_type=T.RR, receive_seq=0),
                      raw_control=0x19).to_bytes()
    _, errors, _ = feed(client, fixed)
    assert len(errors) == 1 and "0x19" in str(errors[0])
    assert client.state is HdlcState.FRAME_REJECT
    idle = HdlcMachine(Role.CLIENT, client_config())
    events, errors, _ = feed(idle, fixed)
    assert [e.reason for e in events] == [DiscardReason.UNEXPECTED]  # type: ignore[union-attr]
    assert not errors


def test_unsolicited_and_unexpected_frames_change_nothing() -> None:
    client = connected()
    events, errors, answer = feed(client, reply(T.I, ns=0, nr=0, info=RESP + b"\x01"))
    assert [e.reason for e in events] == [DiscardReason.UNSOLICITED]  # type: ignore[union-attr]
    assert client.receive_sequence == 0 and not errors and answer == []
    for data in (reply(T.UA), reply(T.RR, nr=0)):
        events, _, _ = feed(client, data)
        assert isinstance(events[0], FrameDiscarded)
    idle = HdlcMachine(Role.CLIENT, client_config())
    for data in (reply(T.I, ns=0, nr=0, info=RESP), reply(T.UA), reply(T.DM), reply(T.FRMR)):
        events, errors, _ = feed(idle, data)
        assert [e.reason for e in events] == [  # type: ignore[union-attr]
            DiscardReason.UNEXPECTED] and not errors
    assert idle.state is HdlcState.NDM


def test_frames_of_other_stations_are_ignored() -> None:
    client = requested()
    for data in (reply(T.I, ns=0, nr=1, info=RESP, src=HdlcAddress.server(1, 18)),
                 reply(T.I, ns=0, nr=1, info=RESP, dst=HdlcAddress.client(0x20))):
        events, errors, _ = feed(client, data)
        assert [e.reason for e in events] == [  # type: ignore[union-attr]
            DiscardReason.OTHER_ADDRESS] and not errors
    assert client.awaiting_response and client.receive_sequence == 0


def test_duplicate_response_is_discarded_and_polls() -> None:
    client = requested(window_size_receive=2)  # the server's frames may come in pairs
    response = reply(T.I, ns=0, nr=1, info=RESP + b"\xc4")
    events, _, _ = feed(client, response)
    assert events == [Data(apdu=b"\xc4")]
    client.send(Data(apdu=b"\xc0\x02"), now=0)
    # the server retransmits its old frame (F=1): not accepted, and the client says V(R)
    events, errors, answer = feed(client, reply(T.I, ns=0, nr=2, info=RESP + b"\xc4"))
    assert [e.reason for e in events] == [DiscardReason.SEQUENCE]  # type: ignore[union-attr]
    assert [(f.frame_type, f.control.receive_seq, f.control.poll_final) for f in answer] == [
        (T.RR, 1, True)]
    assert not errors and client.awaiting_response


@pytest.mark.parametrize("strict", [True, False])
def test_llc_of_responses_checked(strict: bool) -> None:
    client = requested(strict_llc=strict)
    events, errors, _ = feed(client, reply(T.I, ns=0, nr=1, info=b"\xe6\xe6\x00\xc4"))
    if strict:
        assert events == [] and len(errors) == 1 and "LLC" in str(errors[0])
    else:
        (event,) = events
        assert isinstance(event, Data) and event.apdu == b"\xc4" and event.llc_error
    assert client.state is HdlcState.NRM and not client.awaiting_response


def test_ua_parameters_checked() -> None:
    proposal = dict(max_info_field_length_transmit=64, max_info_field_length_receive=64)
    for data, ok in ((ua(max_info_field_length_transmit=64, max_info_field_length_receive=32,
                         window_size_transmit=1, window_size_receive=1), True),
                     (ua(), False),  # absent: 128, above the proposal of 64
                     (ua(max_info_field_length_transmit=65, max_info_field_length_receive=64,
                         window_size_transmit=1, window_size_receive=1), False),
                     (ua(max_info_field_length_transmit=64, max_info_field_length_receive=64,
                         window_size_transmit=2, window_size_receive=1), False),
                     (reply(T.UA, info=b"\x81\x80\x02\x05"), False)):
        client = HdlcMachine(Role.CLIENT, client_config(**proposal))
        client.send(Connect(), now=0)
        events, errors, _ = feed(client, data)
        assert client.state is (HdlcState.NRM if ok else HdlcState.FRAME_REJECT)
        assert bool(errors) is not ok and bool(events) is ok
    params = HdlcParameters(max_info_field_length_transmit=300)
    client = HdlcMachine(Role.CLIENT, client_config())
    snrm = decode_all(client.send(Connect(parameters=params), now=0))[0]
    assert snrm.information == params.to_bytes()


def test_illegal_client_sends_change_nothing() -> None:
    client = HdlcMachine(Role.CLIENT, client_config())
    event: SendEvent
    for event in (Data(apdu=b"\x01"), Poll(), ReceiverReady()):
        with pytest.raises(LocalProtocolError, match="not allowed"):
            client.send(event, now=0)
    client.send(Connect(), now=0)
    for event in (Connect(), Disconnect(), Data(apdu=b"\x01")):
        with pytest.raises(LocalProtocolError):
            client.send(event, now=0)
    assert client.state is HdlcState.AWAITING_CONNECT
    client = requested(max_info_field_length_receive=16)
    for event in (Data(apdu=b"\x02"), Poll(), Disconnect()):
        with pytest.raises(LocalProtocolError, match="P=1"):
            client.send(event, now=0)
    # first of two response segments to a busy client: it holds the right to send, but a
    # new request must wait for the rest of the response
    client.send(ReceiverNotReady(), now=0)
    feed(client, reply(T.I, ns=0, nr=1, info=RESP + bytes(13), segmented=True))
    assert not client.awaiting_response
    with pytest.raises(LocalProtocolError, match="still arriving"):
        client.send(Data(apdu=b"\x03"), now=0)
    with pytest.raises(LocalProtocolError, match="llc_error"):
        client.send(Data(apdu=b"\x03", llc_error="x"), now=0)
    idle = connected()
    with pytest.raises(LocalProtocolError, match="exceeds"):
        idle.send(UnitData(apdu=bytes(2040)), now=0)
    assert idle.data_to_send() == b"" and idle.state is HdlcState.NRM


def test_client_unit_data_is_sent_without_poll() -> None:
    client = HdlcMachine(Role.CLIENT, client_config())
    (frame,) = decode_all(client.send(UnitData(apdu=b"\x01\x02"), now=0))
    assert frame.frame_type is T.UI and not frame.control.poll_final
    assert frame.information == b"\xe6\xe6\x00\x01\x02"
    assert not client.awaiting_response and client.next_deadline() is None


def test_frame_filter_deviations() -> None:
    def no_llc(frame: HdlcFrame) -> HdlcFrame | None:
        if frame.frame_type is T.I:
            return dataclasses.replace(frame, information=frame.information[3:])
        return frame

    pair = Pair.make(answer=lambda apdu: apdu)
    pair.client = HdlcMachine(Role.CLIENT, client_config(), frame_filter=no_llc)
    pair.connect()
    pair.client_send(Data(apdu=b"\xc0\x01"))
    pair.pump()
    assert len(pair.server_errors) == 1 and "LLC" in str(pair.server_errors[0])
    assert [f.frame_type for _, f in pair.wire[-2:]] == [T.I, T.RR]

    lost = Pair.make()
    lost.client = HdlcMachine(Role.CLIENT, client_config(), frame_filter=lambda f: None)
    lost.client_send(Connect())
    assert lost.wire == [] and lost.client.awaiting_response

    def bad_fcs(frame: HdlcFrame) -> HdlcFrame:
        return dataclasses.replace(frame, fcs=0x1234)

    damaged = Pair.make()
    damaged.client = HdlcMachine(Role.CLIENT, client_config(), frame_filter=bad_fcs)
    damaged.client_send(Connect())
    damaged.pump()
    assert [e.reason for e in damaged.server_events] == [  # type: ignore[union-attr]
        DiscardReason.CHECKSUM]
    assert damaged.server.state is HdlcState.NDM


def test_odd_proposal_agreed_but_never_beyond_the_link() -> None:
    """A proposal beyond the link (made on purpose by a check) may be agreed by a server;
    the client still sends at most 7 frames per window and frames that fit 11 bits."""
    odd = HdlcParameters(max_info_field_length_transmit=5000, max_info_field_length_receive=128,
                         window_size_transmit=9, window_size_receive=1)
    client = HdlcMachine(Role.CLIENT, client_config())
    client.send(Connect(parameters=odd), now=0)
    events, errors, _ = feed(client, ua(max_info_field_length_transmit=128,
                                        max_info_field_length_receive=5000,
                                        window_size_transmit=1, window_size_receive=9))
    assert isinstance(events[0], Connected) and not errors
    params = client.parameters
    assert params is not None
    assert (params.max_info_field_length_transmit, params.window_size_transmit) == (2035, 7)
    frames = decode_all(client.send(Data(apdu=bytes(20_000)), now=0))
    assert len(frames) == 7 and all(len(f.information) == 2035 for f in frames)
    assert [f.control.send_seq for f in frames] == list(range(7))
