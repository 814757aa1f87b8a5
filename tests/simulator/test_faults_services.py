"""The reference meter's services faults (GET/SET/ACTION, blocks, GBT, negotiated services),
one test each: the same exchange against a meter started with the fault and against a clean
one, the deviation read on the wire -- the client session's trace (and the violation the
client reports), or raw APDUs exchanged over the wrapper with the codec -- and the clean
meter's conformant answer, so each test fails if the fault does nothing or if the clean
meter misbehaves. Plus the ``--list-faults`` listing."""

from __future__ import annotations

import dataclasses
import io
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest

from conformance.cli import main
from conformance.client import Direction, Session, session_config
from conformance.client.deviations import Deviations
from conformance.codec.acse.aare import AARE
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.names import ApplicationContextName, AssociationResult
from conformance.codec.apdu import decode_apdu
from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import Data, OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.wrapper import HEADER_LENGTH, WrapperFrame
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
)
from conformance.codec.xdlms.enums import (
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.get import (
    GetRequestNext,
    GetRequestNormal,
    GetRequestWithList,
    GetResponseNormal,
    GetResponseWithDatablock,
    GetResponseWithList,
)
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest, InitiateResponse
from conformance.codec.xdlms.set import SetRequestNormal, SetResponseNormal
from conformance.errors import RemoteProtocolError
from conformance.plan import default_plan_path, load_plan
from conformance.protocol.services import BlockTransferMode, GetConfirm
from conformance.simulator.fault_catalogue.services import ServicesFault
from conformance.simulator.faults import FAULTS, FaultLayer
from conformance.simulator.server import start_meter

F = ServicesFault
R = TypeVar("R")
PLAN = load_plan(default_plan_path()).meters[0]
WAIT = 3.0
"""Longest wait for one answer, seconds."""
PDU = 256
"""The client-max-receive-pdu-size of these tests: the object list (about 1 100 octets)
needs five GET datablocks, or five GBT blocks."""
C = Conformance
PUBLIC = C.from_bytes(bytes.fromhex("007E1F"))
"""The public client's usual proposal (no general-block-transfer)."""
WITH_GBT = PUBLIC | C.GENERAL_BLOCK_TRANSFER
OBJECT_LIST = ("0.0.40.0.0.255", 15, 2)
DEVICE_NAME = ("0.0.42.0.0.255", 1, 2)


def _descriptor(reference: tuple[str, int, int]) -> CosemAttributeDescriptor:
    name, class_id, attribute = reference
    return CosemAttributeDescriptor(class_id=class_id, instance_id=ObisCode.parse(name),
                                    attribute_id=attribute)


@contextmanager
def meter(*faults: str) -> Iterator[str]:
    """A reference meter of the default plan with ``faults``; its wrapper URL."""
    with start_meter(PLAN, listen=["tcp://127.0.0.1:0"], faults=faults) as running:
        assert all(running.meter.faults.active(f) for f in faults)
        yield running.endpoints[0]


# -- the client session ---------------------------------------------------------------------
def _session(url: str, *, conformance: Conformance = PUBLIC,
             transfer: BlockTransferMode = BlockTransferMode.SERVICE_SPECIFIC) -> Session:
    config = session_config(PLAN, "public", transport=url, deviations=Deviations(
        conformance=conformance, max_receive_pdu_size=PDU))
    return Session(dataclasses.replace(config, block_transfer=transfer, gbt_window=1))


Outcome = tuple[Session, Data | RemoteProtocolError]


def _read(reference: tuple[str, int, int], **options: object) -> Callable[[str], Outcome]:
    """An exchange: a session (:func:`_session` with ``options``) connects, associates and
    GETs ``reference``; the session, and the value or the violation the client reported."""
    def exchange(url: str) -> Outcome:
        session = _session(url, **options)  # type: ignore[arg-type]
        try:
            with session:
                session.associate()
                return session, session.get(*reference)
        except RemoteProtocolError as exc:
            return session, exc
    return exchange


def _received(session: Session, after: int = 0) -> list[bytes]:
    """The APDUs the meter sent (each WPDU's APDU, GBT blocks one by one), from the
    ``after``-th on."""
    return [e.data for e in session.recorder.apdus(Direction.RECEIVED)
            if e.layer == "wrapper"][after:]


def _sent(session: Session) -> list[bytes]:
    return [e.data for e in session.recorder.apdus(Direction.SENT) if e.layer == "wrapper"]


def _both(exchange: Callable[[str], R], fault: ServicesFault) -> tuple[R, R]:
    """``exchange`` against a clean meter, then against a meter with ``fault``."""
    with meter() as url:
        clean = exchange(url)
    with meter(fault) as url:
        return clean, exchange(url)


# -- raw exchanges over the wrapper ---------------------------------------------------------
class Raw:
    """The public client's wrapper connection: APDUs built with the codec go out, the APDUs
    of the WPDUs that come back are returned as octets."""

    def __init__(self, url: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])),
                                             timeout=WAIT)
        self.buffer = bytearray()

    def close(self) -> None:
        self.sock.close()

    def send(self, apdu: Apdu | bytes) -> None:
        data = apdu if isinstance(apdu, bytes) else apdu.to_bytes()
        self.sock.sendall(WrapperFrame(source_wport=0x10, destination_wport=1,
                                       apdu=data).to_bytes())

    def receive(self) -> bytes:
        def complete() -> int:
            if len(self.buffer) < HEADER_LENGTH:
                return 0
            end = HEADER_LENGTH + int.from_bytes(self.buffer[6:8], "big")
            return end if len(self.buffer) >= end else 0
        while not (end := complete()):
            data = self.sock.recv(65536)
            assert data, "the meter closed the connection"
            self.buffer += data
        frame = WrapperFrame.decode(bytes(self.buffer[:end]))
        del self.buffer[:end]
        assert (frame.source_wport, frame.destination_wport) == (1, 0x10)
        return frame.apdu

    def request(self, apdu: Apdu) -> Apdu:
        self.send(apdu)
        return decode_apdu(self.receive())

    def associate(self, conformance: Conformance = PUBLIC) -> InitiateResponse:
        self.send(AARQ(
            application_context_name=ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING,
            user_information=InitiateRequest(proposed_conformance=conformance,
                                             client_max_receive_pdu_size=PDU).to_bytes()))
        aare = decode_acse_apdu(self.receive())
        assert isinstance(aare, AARE) and aare.result == AssociationResult.ACCEPTED
        assert aare.user_information is not None
        initiate = decode_apdu(aare.user_information)
        assert isinstance(initiate, InitiateResponse)
        return initiate


@contextmanager
def raw(url: str, conformance: Conformance = PUBLIC) -> Iterator[Raw]:
    client = Raw(url)
    try:
        client.associate(conformance)
        yield client
    finally:
        client.close()


GET_OBJECT_LIST = GetRequestNormal(invoke_id_and_priority=0xC1,
                                   cosem_attribute_descriptor=_descriptor(OBJECT_LIST))


def _block(apdu: Apdu) -> tuple[int, bool, bytes]:
    assert isinstance(apdu, GetResponseWithDatablock), apdu
    block = apdu.result
    assert isinstance(block.result, bytes), block
    return block.block_number, block.last_block, block.result


def _long_get(client: Raw, *, most: int = 8) -> list[tuple[int, bool, bytes]]:
    """GET the object list, each block acknowledged with the number it carried, until the
    last block or ``most`` blocks: (block-number, last-block, raw-data) of each."""
    blocks = [_block(client.request(GET_OBJECT_LIST))]
    while not blocks[-1][1] and len(blocks) < most:
        blocks.append(_block(client.request(GetRequestNext(
            invoke_id_and_priority=0xC1, block_number=blocks[-1][0]))))
    return blocks


# -- the catalogue ----------------------------------------------------------------------------
def test_list_faults_lists_the_services_faults() -> None:
    out = io.StringIO()
    assert main(["simulate", "--list-faults"], out=out) == 0
    listed = {line.split()[0]: line.split(None, 2) for line in out.getvalue().splitlines()}
    for fault in ServicesFault:
        name, layer, description = listed[fault.value]
        assert layer == "services" and FAULTS[name].layer is FaultLayer.SERVICES
        assert description == FAULTS[name].description
    assert [n for n in FAULTS if n in set(ServicesFault)] == [f.value for f in ServicesFault]


# -- negotiated parameters --------------------------------------------------------------------
def test_exceed_client_max_pdu() -> None:
    (clean, value), (faulty, error) = _both(_read(OBJECT_LIST), F.EXCEED_CLIENT_MAX_PDU)
    assert not isinstance(value, Exception)
    answers = _received(clean, 1)  # after the AARE
    assert len(answers) == 6 and all(len(a) <= PDU for a in answers)  # 5 blocks, the RLRE
    assert [a[:2] for a in answers[:5]] == [b"\xc4\x02"] * 5

    assert isinstance(error, RemoteProtocolError) and "exceeds" in str(error)
    whole = _received(faulty, 1)[0]
    assert len(whole) > PDU
    response = decode_apdu(whole)
    assert isinstance(response, GetResponseNormal) and response.result == value


def test_serve_unnegotiated_services() -> None:
    """GET with-list without multiple-references, SET without set: the clean meter refuses
    both with service-not-allowed / service-not-supported, the faulty one serves them."""
    granted = C.GET | C.BLOCK_TRANSFER_WITH_GET_OR_READ
    with_list = GetRequestWithList(invoke_id_and_priority=0xC1, attribute_descriptor_list=(
        CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=_descriptor(
            DEVICE_NAME)),
        CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=_descriptor(
            ("0.0.96.1.0.255", 1, 2)))))
    set_name = SetRequestNormal(invoke_id_and_priority=0xC2,
                                cosem_attribute_descriptor=_descriptor(DEVICE_NAME),
                                value=OctetString(value=b"other"))

    def exchange(url: str) -> tuple[Apdu, Apdu]:
        with raw(url, granted) as client:
            return client.request(with_list), client.request(set_name)

    clean, faulty = _both(exchange, F.SERVE_UNNEGOTIATED_SERVICES)
    refused = ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                                service_error=ExceptionServiceError.SERVICE_NOT_SUPPORTED)
    assert clean == (refused, refused)
    listed, written = faulty
    assert listed == GetResponseWithList(invoke_id_and_priority=0xC1, result=(
        OctetString(value=b"DLC0000000000001"), OctetString(value=b"12345678")))
    # Served by the model, which enforces the public client's read-only access.
    assert written == SetResponseNormal(invoke_id_and_priority=0xC2,
                                        result=DataAccessResult.READ_WRITE_DENIED)


def test_wrong_invoke_id() -> None:
    (clean, value), (faulty, error) = _both(_read(DEVICE_NAME), F.WRONG_INVOKE_ID)
    assert value == OctetString(value=b"DLC0000000000001")
    request, answer = _sent(clean)[1], _received(clean, 1)[0]
    assert answer[:2] == b"\xc4\x01" and answer[2] == request[2]

    assert isinstance(error, RemoteProtocolError) and "invoke" in str(error).lower()
    request, answer = _sent(faulty)[1], _received(faulty, 1)[0]
    assert answer[:2] == b"\xc4\x01"
    assert answer[2] == (request[2] & 0xF0) | ((request[2] + 1) & 0x0F)
    assert answer[3:] == _received(clean, 1)[0][3:]  # only the invoke-id differs


# -- service-specific block transfer ----------------------------------------------------------
def _numbering(fault: ServicesFault) -> tuple[list[tuple[int, bool, bytes]],
                                              list[tuple[int, bool, bytes]]]:
    def exchange(url: str) -> list[tuple[int, bool, bytes]]:
        with raw(url) as client:
            return _long_get(client)
    clean, faulty = _both(exchange, fault)
    assert [(n, last) for n, last, _ in clean] == [(1, False), (2, False), (3, False),
                                                  (4, False), (5, True)]
    return clean, faulty


def test_skip_datablock_number() -> None:
    clean, faulty = _numbering(F.SKIP_DATABLOCK_NUMBER)
    assert [(n, last) for n, last, _ in faulty] == [(1, False), (2, False), (4, False),
                                                   (5, False), (6, True)]
    assert [data for *_, data in faulty] == [data for *_, data in clean]


def test_restart_datablock_numbers() -> None:
    clean, faulty = _numbering(F.RESTART_DATABLOCK_NUMBERS)
    assert [(n, last) for n, last, _ in faulty] == [(1, False), (2, False), (1, False),
                                                   (2, False), (3, True)]
    assert [data for *_, data in faulty] == [data for *_, data in clean]


def test_last_block_never_set() -> None:
    def exchange(url: str) -> tuple[list[tuple[int, bool, bytes]], Apdu]:
        with raw(url) as client:
            blocks = _long_get(client, most=7)
            # Another request ends the transfer (the client gave up).
            return blocks, client.request(GetRequestNormal(
                invoke_id_and_priority=0xC2, cosem_attribute_descriptor=_descriptor(
                    DEVICE_NAME)))
    (clean, clean_next), (faulty, faulty_next) = _both(exchange, F.LAST_BLOCK_NEVER_SET)
    assert [(n, last) for n, last, _ in clean] == [(1, False), (2, False), (3, False),
                                                  (4, False), (5, True)]
    assert [(n, last) for n, last, _ in faulty] == [(n, False) for n in range(1, 8)]
    assert [data for *_, data in faulty[:5]] == [data for *_, data in clean]
    assert [data for *_, data in faulty[5:]] == [b"", b""]
    assert faulty_next == clean_next == GetResponseNormal(
        invoke_id_and_priority=0xC2, result=OctetString(value=b"DLC0000000000001"))


def test_accept_wrong_block_number() -> None:
    """After block 1, a get-request-next acknowledging block 5."""
    def exchange(url: str) -> tuple[Apdu, list[tuple[int, bool, bytes]]]:
        with raw(url) as client:
            assert _block(client.request(GET_OBJECT_LIST))[:2] == (1, False)
            answer = client.request(GetRequestNext(invoke_id_and_priority=0xC1,
                                                   block_number=5))
            return answer, _long_get(client)
    (clean, reference), (faulty, _) = _both(exchange, F.ACCEPT_WRONG_BLOCK_NUMBER)
    assert isinstance(clean, GetResponseWithDatablock)
    assert (clean.result.last_block, clean.result.result) == (
        True, DataAccessResult.DATA_BLOCK_NUMBER_INVALID)
    assert _block(faulty) == reference[1]  # block 2, as if block 1 had been acknowledged


# -- general block transfer -------------------------------------------------------------------
IN_GBT: dict[str, object] = {"conformance": WITH_GBT,
                             "transfer": BlockTransferMode.GENERAL_ALWAYS}
"""A client that negotiates general-block-transfer and sends every request in GBT."""


def _gbt(apdu: bytes) -> GeneralBlockTransfer:
    block = decode_apdu(apdu)
    assert isinstance(block, GeneralBlockTransfer), apdu.hex()
    return block


def test_gbt_not_negotiated() -> None:
    """A client without general-block-transfer and a response that needs blocks."""
    (clean, value), (faulty, error) = _both(_read(OBJECT_LIST), F.GBT_NOT_NEGOTIATED)
    assert not isinstance(value, Exception)
    assert all(a[0] != 0xE0 for a in _received(clean))
    assert [a[:2] for a in _received(clean, 1)[:5]] == [b"\xc4\x02"] * 5

    assert isinstance(error, RemoteProtocolError) and "not negotiated" in str(error)
    first = _gbt(_received(faulty, 1)[0])
    assert (first.block_number, first.last_block) == (1, False)

    with meter(F.GBT_NOT_NEGOTIATED) as url, raw(url) as client:
        # A client that goes along: its acknowledgement brings the next block.
        assert _gbt(client.request(GET_OBJECT_LIST).to_bytes()).block_number == 1
        client.send(GeneralBlockTransfer(last_block=True, streaming=False, window=1,
                                         block_number=1, block_number_ack=1))
        assert _gbt(client.receive()).block_number == 2


def test_mix_gbt_get_next() -> None:
    """The client sends its GET in a general-block-transfer block; the response needs
    blocks."""
    (clean, value), (faulty, error) = _both(_read(OBJECT_LIST, **IN_GBT), F.MIX_GBT_GET_NEXT)
    assert not isinstance(value, Exception)
    confirm = clean.last_confirm
    assert isinstance(confirm, GetConfirm) and confirm.transfer.general_block_transfer
    answers = _received(clean, 1)[:-1]  # before the RLRE
    assert len(answers) == 5 and all(a[0] == 0xE0 for a in answers)

    assert isinstance(error, RemoteProtocolError) and "GetResponseWithDatablock" in str(error)
    assert _sent(faulty)[1][0] == 0xE0  # the request went in GBT
    assert _block(decode_apdu(_received(faulty, 1)[0]))[:2] == (1, False)


def test_ignore_gbt_window() -> None:
    """A client with window 1 sends its GET in GBT; the response needs five blocks."""
    (clean, value), (faulty, error) = _both(_read(OBJECT_LIST, **IN_GBT), F.IGNORE_GBT_WINDOW)
    assert not isinstance(value, Exception)
    blocks = [_gbt(a) for a in _received(clean, 1)[:-1]]
    assert [(b.block_number, b.streaming) for b in blocks] == [(n, False) for n in range(1, 6)]
    acks = [_gbt(a) for a in _sent(clean)[2:-1]]  # after the AARQ and the request
    assert [a.block_number_ack for a in acks] == [1, 2, 3, 4]

    assert isinstance(error, RemoteProtocolError) and "window is 1" in str(error)
    blocks = [_gbt(a) for a in _received(faulty, 1)[:2]]  # the client stopped at the 2nd
    assert [(b.block_number, b.streaming) for b in blocks] == [(1, True), (2, True)]
    assert len(_sent(faulty)) == 2  # AARQ and request: no acknowledgement in between

    with meter(F.IGNORE_GBT_WINDOW) as url, raw(url, WITH_GBT) as client:
        # A client that never acknowledges gets the whole response in one burst.
        client.send(GeneralBlockTransfer(last_block=True, streaming=False, window=1,
                                         block_number=1, block_number_ack=0,
                                         block_data=GET_OBJECT_LIST.to_bytes()))
        blocks = [_gbt(client.receive()) for _ in range(5)]
    assert [(b.block_number, b.streaming, b.last_block) for b in blocks] == [
        (1, True, False), (2, True, False), (3, True, False), (4, True, False),
        (5, False, True)]
    assert decode_apdu(b"".join(b.block_data for b in blocks)) == GetResponseNormal(
        invoke_id_and_priority=0xC1, result=value)


@pytest.mark.parametrize("fault", [f for f in ServicesFault if f is not F.WRONG_INVOKE_ID])
def test_short_get_unchanged_by_the_other_faults(fault: ServicesFault) -> None:
    """Each fault deviates in its own case only: a short GET of a client that negotiated
    what it uses is answered as by the clean meter (every answer shows wrong-invoke-id)."""
    request = GetRequestNormal(invoke_id_and_priority=0xC3,
                               cosem_attribute_descriptor=_descriptor(DEVICE_NAME))
    with meter(fault) as url, raw(url) as client:
        assert client.request(request) == GetResponseNormal(
            invoke_id_and_priority=0xC3, result=OctetString(value=b"DLC0000000000001"))
