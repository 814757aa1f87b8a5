"""The reference meter in-process: start/stop on port 0, a raw HDLC and wrapper exchange
built with the codec, several clients at once, malformed input, unknown clients, the HDLC
inactivity timeout."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from conformance.codec.acse.aare import AARE
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.names import (
    AcseServiceUserDiagnostic,
    ApplicationContextName,
    AssociationResult,
)
from conformance.codec.acse.release import RLRE, RLRQ
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import OctetString
from conformance.codec.hdlc import (
    LLC_REQUEST,
    LLC_RESPONSE,
    NEED_DATA,
    FrameReceived,
    HdlcAddress,
    HdlcControl,
    HdlcDeframer,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
)
from conformance.codec.wrapper import WrapperFrame
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.get import GetRequestNormal, GetResponseNormal
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest, decode_initiate_response
from conformance.errors import TransportError
from conformance.plan import MeterPlan, default_plan_path, load_plan
from conformance.simulator.server import (
    DEFAULT_LISTEN,
    RunningMeter,
    default_listen,
    find_default_plan,
    select_meter,
    start_meter,
)
from conformance.transport import EndpointError
from tests.simulator.server_client import (
    LOGICAL_DEVICE_NAME,
    HdlcClient,
    WrapperClient,
    associate,
    association_config,
)

SERVER = HdlcAddress.server(1, 16, size=4)
PUBLIC = HdlcAddress.client(0x10)
PROPOSED = Conformance.from_bytes(bytes.fromhex("007E1F"))
GRANTED_BY_PLAN = Conformance.from_bytes(bytes.fromhex("601E1D"))


@pytest.fixture(scope="module")
def plan() -> MeterPlan:
    return load_plan(default_plan_path()).meters[0]


@pytest.fixture
def meter(plan: MeterPlan) -> Iterator[RunningMeter]:
    with start_meter(plan, listen=["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"]) as running:
        yield running


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


class RawHdlc:
    """Frames built and read with the codec only."""

    def __init__(self, port: int, client: HdlcAddress = PUBLIC) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=3)
        self.client = client
        self.deframer = HdlcDeframer()

    def send(self, frame: HdlcFrame | bytes) -> None:
        self.sock.sendall(frame if isinstance(frame, bytes) else frame.to_bytes())

    def frame(self) -> HdlcFrame:
        while True:
            event = self.deframer.next_event()
            if isinstance(event, FrameReceived):
                assert isinstance(event.frame, HdlcFrame)
                return event.frame
            assert event is NEED_DATA, event
            data = self.sock.recv(4096)
            assert data, "the meter closed the connection"
            self.deframer.receive_data(data)

    def i_frame(self, ns: int, nr: int, apdu: bytes) -> HdlcFrame:
        self.send(HdlcFrame(destination=SERVER, source=self.client,
                            control=HdlcControl.i_frame(ns, nr), information=LLC_REQUEST + apdu))
        return self.frame()

    def close(self) -> None:
        self.sock.close()


def test_starts_fast_and_stops_cleanly(plan: MeterPlan) -> None:
    started = time.monotonic()
    running = start_meter(plan, listen=["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"])
    assert time.monotonic() - started < 1.0
    try:
        hdlc, wrapper = running.endpoints
        assert hdlc.startswith("hdlc+tcp://127.0.0.1:") and _port(hdlc) > 0
        assert wrapper.startswith("tcp://127.0.0.1:") and _port(wrapper) > 0
        assert running.running and "reference-meter running" in repr(running)
        client = socket.create_connection(("127.0.0.1", _port(hdlc)), timeout=2)
        deadline = time.monotonic() + 2
        while running.connections != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert running.connections == 1
    finally:
        stopping = time.monotonic()
        running.stop()
        assert time.monotonic() - stopping < 1.0
    assert not running.running and running.wait(0)
    assert client.recv(10) == b""  # the meter closed its end
    client.close()
    running.stop()  # idempotent
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", _port(hdlc)), timeout=0.5)
    # the state is released: the same meter starts again at once
    start_meter(plan, listen=["tcp://127.0.0.1:0"]).stop()


def test_raw_hdlc_exchange(meter: RunningMeter) -> None:
    raw = RawHdlc(_port(meter.endpoints[0]))
    try:
        raw.send(HdlcFrame(destination=SERVER, source=PUBLIC,
                           control=HdlcControl(frame_type=HdlcFrameType.SNRM),
                           information=HdlcParameters(max_info_field_length_transmit=128,
                                                      max_info_field_length_receive=128)
                           .to_bytes()))
        ua = raw.frame()
        assert ua.frame_type is HdlcFrameType.UA and ua.control.poll_final
        assert ua.destination == PUBLIC and ua.source == SERVER
        answered = HdlcParameters.decode(ua.information)
        assert answered.max_info_field_length_transmit == 128  # never above the proposal
        assert answered.window_size_receive == 1

        aarq = AARQ(application_context_name=(
            ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING),
            user_information=InitiateRequest(proposed_conformance=PROPOSED,
                                             client_max_receive_pdu_size=0xFFFF).to_bytes())
        reply = raw.i_frame(0, 0, aarq.to_bytes())
        assert reply.control == HdlcControl.i_frame(0, 1)
        assert reply.information.startswith(LLC_RESPONSE)
        aare = decode_acse_apdu(reply.information[3:])
        assert isinstance(aare, AARE) and aare.result is AssociationResult.ACCEPTED
        assert aare.result_source_diagnostic is AcseServiceUserDiagnostic.NULL
        assert aare.mechanism_name is None and aare.responding_authentication_value is None
        assert aare.user_information is not None
        initiate = decode_initiate_response(aare.user_information)
        assert initiate.negotiated_conformance == PROPOSED & GRANTED_BY_PLAN
        assert initiate.server_max_receive_pdu_size == 1024
        assert initiate.vaa_name == 0x0007

        get = GetRequestNormal(invoke_id_and_priority=0xC1,
                               cosem_attribute_descriptor=LOGICAL_DEVICE_NAME)
        reply = raw.i_frame(1, 1, get.to_bytes())
        assert reply.control == HdlcControl.i_frame(1, 2)
        assert reply.information == LLC_RESPONSE + bytes.fromhex("C401C10009") + bytes(
            [16]) + b"DLC0000000000001"
        response = decode_apdu(reply.information[3:])
        assert response == GetResponseNormal(invoke_id_and_priority=0xC1,
                                             result=OctetString(value=b"DLC0000000000001"))

        reply = raw.i_frame(2, 2, RLRQ().to_bytes())
        rlre = decode_acse_apdu(reply.information[3:])
        assert isinstance(rlre, RLRE) and reply.control == HdlcControl.i_frame(2, 3)

        raw.send(HdlcFrame(destination=SERVER, source=PUBLIC,
                           control=HdlcControl(frame_type=HdlcFrameType.DISC)))
        assert raw.frame().frame_type is HdlcFrameType.UA
        raw.send(HdlcFrame(destination=SERVER, source=PUBLIC,
                           control=HdlcControl(frame_type=HdlcFrameType.DISC)))
        assert raw.frame().frame_type is HdlcFrameType.DM  # already disconnected
    finally:
        raw.close()


def test_raw_wrapper_exchange(meter: RunningMeter) -> None:
    with socket.create_connection(("127.0.0.1", _port(meter.endpoints[1])), timeout=3) as sock:
        aarq = AARQ(application_context_name=(
            ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING),
            user_information=InitiateRequest(proposed_conformance=PROPOSED,
                                             client_max_receive_pdu_size=0xFFFF).to_bytes())
        get = GetRequestNormal(invoke_id_and_priority=0xC2,
                               cosem_attribute_descriptor=LOGICAL_DEVICE_NAME)
        for apdu, check in ((aarq.to_bytes(), AARE), (get.to_bytes(), GetResponseNormal),
                            (RLRQ().to_bytes(), RLRE)):
            sock.sendall(WrapperFrame(source_wport=0x10, destination_wport=1,
                                      apdu=apdu).to_bytes())
            head = sock.recv(8)
            frame = WrapperFrame.decode(head + sock.recv(int.from_bytes(head[6:8], "big")))
            assert (frame.source_wport, frame.destination_wport) == (1, 0x10)
            decoded = decode_apdu(frame.apdu) if check is GetResponseNormal \
                else decode_acse_apdu(frame.apdu)
            assert isinstance(decoded, check)
            if isinstance(decoded, GetResponseNormal):
                assert decoded.result == OctetString(value=b"DLC0000000000001")
        # A WPDU for another logical device is discarded: the next answer is the AARE.
        sock.sendall(WrapperFrame(source_wport=0x10, destination_wport=9, apdu=get.to_bytes())
                     .to_bytes())
        sock.sendall(WrapperFrame(source_wport=0x10, destination_wport=1,
                                  apdu=aarq.to_bytes()).to_bytes())
        head = sock.recv(8)
        assert isinstance(decode_acse_apdu(sock.recv(int.from_bytes(head[6:8], "big"))), AARE)


def test_clients_at_once_with_their_own_addresses(meter: RunningMeter, plan: MeterPlan) -> None:
    from conformance.transport import open_transport

    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def session(url: str, name: str) -> None:
        try:
            assoc = plan.association(name)
            with open_transport(url) as transport:
                link: HdlcClient | WrapperClient
                if url.startswith("hdlc"):
                    link = HdlcClient(transport, client_sap=assoc.client_address, server=SERVER)
                    link.connect()
                else:
                    link = WrapperClient(transport, client_sap=assoc.client_address,
                                         server_wport=1)
                barrier.wait(5)
                associated = associate(link, association_config(plan, name))
                for _ in range(5):
                    confirm = associated.get(LOGICAL_DEVICE_NAME)
                    assert confirm.result == OctetString(value=b"DLC0000000000001")
                associated.release()
                if isinstance(link, HdlcClient):
                    link.disconnect()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    hdlc, wrapper = meter.endpoints
    threads = [threading.Thread(target=session, args=args) for args in (
        (hdlc, "public"), (hdlc, "reader"), (wrapper, "public"), (hdlc, "management"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)


def test_malformed_input_disturbs_no_other_connection(meter: RunningMeter,
                                                      plan: MeterPlan) -> None:
    from conformance.transport import open_transport

    bad = RawHdlc(_port(meter.endpoints[0]))
    good_transport = open_transport(meter.endpoints[0])
    try:
        good = HdlcClient(good_transport, client_sap=0x10, server=SERVER)
        good.connect()
        associated = associate(good, association_config(plan, "public"))
        garbage = [
            bytes(range(256)),
            b"\x7e\xa0\x07\x03\x21\x93\x0f\x01\x7e",  # bad checksums
            b"\x7e" * 50,
            HdlcFrame(destination=SERVER, source=PUBLIC,  # I frame without a link: DM
                      control=HdlcControl.i_frame(0, 0),
                      information=LLC_REQUEST + b"\xc0\x01").to_bytes(),
        ]
        for chunk in garbage:
            bad.send(chunk)
            confirm = associated.get(LOGICAL_DEVICE_NAME)
            assert confirm.result == OctetString(value=b"DLC0000000000001")
        assert bad.frame().frame_type is HdlcFrameType.DM
        # now a link, and APDUs that are not what they claim to be
        bad.send(HdlcFrame(destination=SERVER, source=PUBLIC,
                           control=HdlcControl(frame_type=HdlcFrameType.SNRM)))
        assert bad.frame().frame_type is HdlcFrameType.UA
        reply = bad.i_frame(0, 0, b"\x60\x80\x01")  # a truncated AARQ
        aare = decode_acse_apdu(reply.information[3:])
        assert isinstance(aare, AARE) and aare.result is AssociationResult.REJECTED_PERMANENT
        reply = bad.i_frame(1, 1, b"\xc0\x01\xc1\x00")  # GET without an association
        assert reply.frame_type is HdlcFrameType.RR  # discarded: the poll is released
        reply = bad.i_frame(2, 1, b"\xff\xff\xff")  # N(R) of the last RR: 1
        assert reply.frame_type is HdlcFrameType.RR
        confirm = associated.get(LOGICAL_DEVICE_NAME)
        assert confirm.result == OctetString(value=b"DLC0000000000001")
        # an association on the bad link, then a malformed GET: exception-response
        aarq = AARQ(application_context_name=(
            ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING),
            user_information=InitiateRequest(proposed_conformance=PROPOSED,
                                             client_max_receive_pdu_size=0xFFFF).to_bytes())
        reply = bad.i_frame(3, 1, aarq.to_bytes())
        assert isinstance(decode_acse_apdu(reply.information[3:]), AARE)
        reply = bad.i_frame(4, 2, b"\xc0\x01\xc1\x00\x01")  # descriptor cut short
        assert isinstance(decode_apdu(reply.information[3:]), ExceptionResponse)
        associated.release()
        good.disconnect()
    finally:
        bad.close()
        good_transport.close()
    assert meter.running


def test_unknown_client_sap_is_rejected(meter: RunningMeter, plan: MeterPlan) -> None:
    from conformance.transport import open_transport

    with open_transport(meter.endpoints[0]) as transport:
        link = HdlcClient(transport, client_sap=0x55, server=SERVER)
        link.connect()
        aarq = AARQ(application_context_name=(
            ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING),
            user_information=InitiateRequest(proposed_conformance=PROPOSED,
                                             client_max_receive_pdu_size=0xFFFF).to_bytes())
        aare = decode_acse_apdu(link.request(aarq.to_bytes()))
        assert isinstance(aare, AARE)
        assert aare.result is AssociationResult.REJECTED_PERMANENT
        assert aare.result_source_diagnostic is AcseServiceUserDiagnostic.NO_REASON_GIVEN


def test_hdlc_inactivity_timeout_drops_the_link(plan: MeterPlan) -> None:
    timeouts = dataclasses.replace(plan.transport.timeouts, inactivity=0.3)
    quick = dataclasses.replace(plan, transport=dataclasses.replace(plan.transport,
                                                                    timeouts=timeouts))
    with start_meter(quick, listen=["hdlc+tcp://127.0.0.1:0"]) as running:
        raw = RawHdlc(_port(running.endpoints[0]))
        try:
            raw.send(HdlcFrame(destination=SERVER, source=PUBLIC,
                               control=HdlcControl(frame_type=HdlcFrameType.SNRM)))
            assert raw.frame().frame_type is HdlcFrameType.UA
            time.sleep(0.6)
            raw.send(HdlcFrame(destination=SERVER, source=PUBLIC,
                               control=HdlcControl(frame_type=HdlcFrameType.RR,
                                                   receive_seq=0)))
            assert raw.frame().frame_type is HdlcFrameType.DM  # the link is gone
        finally:
            raw.close()


def test_listen_defaults_and_plan_lookup(plan: MeterPlan, tmp_path: object) -> None:
    assert default_listen(plan) == (DEFAULT_LISTEN,)
    assert DEFAULT_LISTEN == "hdlc+tcp://127.0.0.1:4059"
    wrapped = dataclasses.replace(plan, transport=dataclasses.replace(
        plan.transport, framing=type(plan.transport.framing)("wrapper")))
    assert default_listen(wrapped) == ("tcp://127.0.0.1:4059",)
    assert find_default_plan() == default_plan_path()
    test_plan = load_plan(default_plan_path())
    assert select_meter(test_plan) is test_plan.meters[0]
    with pytest.raises(KeyError, match="no meter 'x'"):
        select_meter(test_plan, "x")


def test_start_errors_release_everything(plan: MeterPlan, tmp_path: object) -> None:
    with pytest.raises(EndpointError):
        start_meter(plan, listen=["udp://127.0.0.1:1"])
    with pytest.raises(KeyError):
        start_meter(plan, listen=["tcp://127.0.0.1:0"], faults=["no-such-fault"])
    with start_meter(plan, listen=["tcp://127.0.0.1:0"], state_dir=str(tmp_path)) as running:
        with pytest.raises(TransportError):
            start_meter(plan, listen=[running.endpoints[0]])  # port taken
        with pytest.raises(Exception, match="in use by another running meter"):
            start_meter(plan, listen=["tcp://127.0.0.1:0"], state_dir=str(tmp_path))
    # the failed starts left nothing behind: the state dir is free again
    start_meter(plan, listen=["tcp://127.0.0.1:0"], state_dir=str(tmp_path)).stop()
    with pytest.raises(ValueError, match="at least one listen URL"):
        start_meter(plan, listen=[])
