"""The HDLC machines against the shared vectors: the 26-frame jDLMS session replayed into
both roles (client frames into a SERVER machine, server frames into a CLIENT machine, in
order, with the right N(S)/N(R), and our frames equal to the vector's byte for byte), SNRM
and I frames reproduced exactly, real UAs negotiated, a UI push taken and produced."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from conformance.codec.hdlc import FLAG, HdlcAddress, HdlcFrame, HdlcParameters
from conformance.errors import RemoteProtocolError
from conformance.protocol.hdlc import (
    Connect,
    Connected,
    Data,
    DiscardReason,
    FrameDiscarded,
    HdlcConfig,
    HdlcMachine,
    HdlcState,
    Role,
    UnitData,
)
from tests.protocol.test_hdlc_pair import Pair, drain
from tests.vectors import hexbytes, vector

SESSION = [hexbytes(h) for h in vector("hdlc-fcs-26-frame-session-jdlms")["hex"]]


def flags(frame: bytes) -> bytes:
    """A vector frame given without flags, with them."""
    return frame if frame[:1] == bytes([FLAG]) else bytes([FLAG]) + frame + bytes([FLAG])


def apdu_of(frame: bytes) -> bytes:
    """The APDU of an I/UI frame (LLC header removed)."""
    return HdlcFrame.decode(flags(frame)).information[3:]


def one(events: Sequence[object], kind: type) -> object:
    """The only event of ``kind``."""
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    return found[0]


def test_jdlms_session_first_part_four_octet_server_address() -> None:
    """Frames 0-3: SNRM/UA with the 4-octet server address 1/17, AARQ/AARE."""
    client = HdlcMachine(Role.CLIENT, HdlcConfig(
        server_address=HdlcAddress.server(1, 17, size=4), client_address=HdlcAddress.client(16)))
    # The server is configured with the 2-octet form: the client's 4-octet form designates
    # the same station, and the server answers in the form it was addressed with.
    server = HdlcMachine(Role.SERVER, HdlcConfig(server_address=HdlcAddress.server(1, 17)))
    assert client.send(Connect(omit_information=True), now=0) == flags(SESSION[0])
    server.receive_data(flags(SESSION[0]), now=0)
    connected = one(drain(server), Connected)
    assert isinstance(connected, Connected)
    ua_vector = HdlcParameters.decode(HdlcFrame.decode(flags(SESSION[1])).information)
    assert connected.answered.effective_max_info_field_length_transmit == (
        ua_vector.effective_max_info_field_length_transmit)
    assert connected.answered.effective_window_size_receive == (
        ua_vector.effective_window_size_receive)
    assert HdlcFrame.decode(server.data_to_send()).source == HdlcAddress.server(1, 17, size=4)
    client.receive_data(flags(SESSION[1]), now=0)
    assert isinstance(one(drain(client), Connected), Connected)
    assert client.send(Data(apdu=apdu_of(SESSION[2])), now=0) == flags(SESSION[2])
    server.receive_data(flags(SESSION[2]), now=0)
    assert drain(server) == [Data(apdu=apdu_of(SESSION[2]))]
    assert server.send(Data(apdu=apdu_of(SESSION[3])), now=0) == flags(SESSION[3])
    client.receive_data(flags(SESSION[3]), now=0)
    assert drain(client) == [Data(apdu=apdu_of(SESSION[3]))]
    assert (client.send_sequence, client.receive_sequence) == (1, 1)
    assert (server.send_sequence, server.receive_sequence) == (1, 1)


def test_jdlms_session_second_part_replayed_into_both_roles() -> None:
    """Frames 4-25 (client 0x3A, server 0x4A) start at N(S)=N(R)=2: two exchanges of our
    own bring a linked pair there, then every vector frame is produced byte for byte by
    one machine and accepted by the other, the sequence numbers wrapping modulo 8."""
    pair = Pair.make(HdlcConfig(server_address=HdlcAddress.server(0x4A),
                                client_address=HdlcAddress.client(0x3A)),
                     answer=lambda apdu: b"\x00")
    pair.connect()
    pair.exchange(b"\x01")
    pair.exchange(b"\x02")
    client, server = pair.client, pair.server
    for request, response in zip(SESSION[4::2], SESSION[5::2], strict=True):
        req = HdlcFrame.decode(flags(request))
        assert req.control.send_seq == client.send_sequence
        assert req.control.receive_seq == client.receive_sequence
        assert client.send(Data(apdu=apdu_of(request)), now=0) == flags(request)
        server.receive_data(flags(request), now=0)
        assert drain(server) == [Data(apdu=apdu_of(request))]
        assert server.send(Data(apdu=apdu_of(response)), now=0) == flags(response)
        client.receive_data(flags(response), now=0)
        assert drain(client) == [Data(apdu=apdu_of(response))]
    assert client.send_sequence == server.receive_sequence == (2 + 11) % 8


@pytest.mark.parametrize(("vector_id", "client_sap", "server"), [
    ("hdlc-snrm-2byte-server-addr", 16, HdlcAddress.server(1, 17)),
    ("hdlc-snrm-4byte-elster", 32, HdlcAddress.server(1, 6182)),
])
def test_snrm_without_information_field(vector_id: str, client_sap: int,
                                        server: HdlcAddress) -> None:
    client = HdlcMachine(Role.CLIENT, HdlcConfig(server_address=server,
                                                 client_address=HdlcAddress.client(client_sap)))
    snrm = flags(hexbytes(vector(vector_id)["hex"]))
    assert client.send(Connect(omit_information=True), now=0) == snrm
    meter = HdlcMachine(Role.SERVER, HdlcConfig(server_address=server))
    meter.receive_data(snrm, now=0)
    connected = one(drain(meter), Connected)
    assert isinstance(connected, Connected)
    assert connected.proposed == HdlcParameters()  # no field: every default


@pytest.mark.parametrize(("vector_id", "proposal", "expected"), [
    # (client view: max info tx, rx, window tx, rx)
    ("hdlc-ua-real-iskra", None, (126, 126, 1, 1)),
    ("hdlc-ua-real-landis-gyr-e650", None, (62, 128, 1, 1)),
    ("hdlc-ua-4byte-elster", None, (128, 128, 1, 1)),
    ("hdlc-ua-4byte-address-client16", None, (128, 128, 1, 1)),
    ("hdlc-ua-fiorentini-no-info", None, (128, 128, 1, 1)),
    ("hdlc-ua-params-9A", 200, (154, 154, 1, 1)),
])
def test_real_ua_frames_negotiate(vector_id: str, proposal: int | None,
                                  expected: tuple[int, int, int, int]) -> None:
    ua = HdlcFrame.decode(flags(hexbytes(vector(vector_id)["hex"])))
    config = HdlcConfig(server_address=ua.source, client_address=ua.destination,
                        max_info_field_length_transmit=proposal or 128,
                        max_info_field_length_receive=proposal or 128)
    client = HdlcMachine(Role.CLIENT, config)
    client.send(Connect(), now=0)
    client.receive_data(ua.to_bytes(), now=0)
    assert isinstance(one(drain(client), Connected), Connected)
    params = client.parameters
    assert params is not None
    assert (params.max_info_field_length_transmit, params.max_info_field_length_receive,
            params.window_size_transmit, params.window_size_receive) == expected


def test_ua_above_the_default_proposal_is_a_violation() -> None:
    """hdlc-ua-params-9A states 154 octets: above a proposal of 128 (the default)."""
    ua = HdlcFrame.decode(flags(hexbytes(vector("hdlc-ua-params-9A")["hex"])))
    client = HdlcMachine(Role.CLIENT, HdlcConfig(server_address=ua.source,
                                                 client_address=ua.destination))
    client.send(Connect(), now=0)
    client.receive_data(ua.to_bytes(), now=0)
    with pytest.raises(RemoteProtocolError, match="above the client's proposed"):
        client.next_event()
    assert client.state is HdlcState.FRAME_REJECT
    assert client.parameters is None


def test_aare_i_frame_from_the_green_book() -> None:
    """hdlc-iframe-aare-gb answers the client's first I frame: N(S)=0, N(R)=1, F=1."""
    frame = HdlcFrame.decode(flags(hexbytes(vector("hdlc-iframe-aare-gb")["hex"])))
    pair = Pair.make(HdlcConfig(server_address=frame.source, client_address=frame.destination))
    pair.connect()
    pair.client.send(Data(apdu=b"\x60\x00"), now=0)
    pair.client.receive_data(frame.to_bytes(), now=0)
    assert drain(pair.client) == [Data(apdu=frame.information[3:])]
    assert not pair.client.awaiting_response


def test_aarq_i_frame_from_gurux_reproduced() -> None:
    raw = hexbytes(vector("hdlc-iframe-aarq-hls6-gurux")["hex"])
    frame = HdlcFrame.decode(raw)
    pair = Pair.make(HdlcConfig(server_address=frame.destination, client_address=frame.source))
    pair.connect()
    assert pair.client.send(Data(apdu=frame.information[3:]), now=0) == raw


def test_get_i_frame_with_four_octet_destination_reproduced() -> None:
    """hdlc-iframe-get-4byte-dest-elster is N(S)=5, N(R)=5: after five exchanges."""
    raw = flags(hexbytes(vector("hdlc-iframe-get-4byte-dest-elster")["hex"]))
    frame = HdlcFrame.decode(raw)
    pair = Pair.make(HdlcConfig(server_address=frame.destination, client_address=frame.source),
                     answer=lambda apdu: b"\xc4")
    pair.connect()
    for _ in range(5):
        pair.exchange(b"\xc0")
    assert pair.client.send(Data(apdu=frame.information[3:]), now=0) == raw


def test_data_notification_ui_push_taken_and_produced() -> None:
    raw = hexbytes(vector("hdlc-ui-frame-data-notification-long")["hex"])
    frame = HdlcFrame.decode(raw)
    apdu = frame.information[3:]
    # a client listening in NDM takes the push
    client = HdlcMachine(Role.CLIENT, HdlcConfig(server_address=frame.source,
                                                 client_address=frame.destination))
    client.receive_data(raw, now=0)
    assert drain(client) == [UnitData(apdu=apdu)]
    assert client.state is HdlcState.NDM and client.data_to_send() == b""
    # a meter in NDM pushes exactly this frame
    meter = HdlcMachine(Role.SERVER, HdlcConfig(server_address=frame.source,
                                                client_address=frame.destination))
    assert meter.send(UnitData(apdu=apdu), now=0) == raw


def test_length_field_mismatch_is_never_accepted() -> None:
    """hdlc-negative-length-field-mismatch: the length says 11, 10 octets are present; the
    frame waits for an octet that never comes and the inter-octet timeout drops it."""
    raw = flags(hexbytes(vector("hdlc-negative-length-field-mismatch")["hex"]))
    server = HdlcMachine(Role.SERVER, HdlcConfig(server_address=HdlcAddress.server(17, 5481)))
    server.receive_data(raw, now=0)
    assert drain(server) == []
    deadline = server.next_deadline()
    assert deadline is not None
    server.handle_timer(deadline)
    events = drain(server)
    assert any(isinstance(e, FrameDiscarded) and e.reason is DiscardReason.TRUNCATED
               for e in events)
    assert server.state is HdlcState.NDM and server.data_to_send() == b""
