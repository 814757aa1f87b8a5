"""The SERVER role's deviation hooks of the services machine (ServerDeviations), each
against the same exchange without it, APDUs fed to the server as octets: the client's PDU
size ignored, services served without their conformance bits, the invoke-id offset, the
numbering and last-block of response blocks (GET and ACTION), a wrong next block number
taken, GBT without the bit, datablocks after a GBT request, GBT bursts; what each leaves
conformant; the validation of the values."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.codec.apdu import decode_apdu
from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import OctetString
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptorWithSelection
from conformance.codec.xdlms.enums import (
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import RemoteProtocolError
from conformance.protocol.services import (
    NO_DEVIATIONS,
    ServerDeviations,
    ServerServices,
    ServicesConfig,
    ServicesState,
)
from tests.protocol.test_services_pair import LN_CONFORMANCE, Model, attribute, method

C = Conformance
GBT = LN_CONFORMANCE | C.GENERAL_BLOCK_TRANSFER
LONG = OctetString(value=bytes(range(256)) * 2)
"""A value whose GET response needs five blocks of 128 octets."""
GET_LONG = get.GetRequestNormal(invoke_id_and_priority=0xC1,
                                cosem_attribute_descriptor=attribute())


def server(deviations: ServerDeviations = NO_DEVIATIONS, conformance: Conformance = GBT,
           client_max: int = 128) -> ServerServices:
    model = Model()
    model.put(attribute(), LONG)
    model.put(attribute("0.0.96.1.1.255"), OctetString(value=b"short"))
    return ServerServices(ServicesConfig(conformance=conformance,
                                         client_max_receive_pdu_size=client_max,
                                         server_max_receive_pdu_size=0),
                          model, deviations=deviations)


def ask(machine: ServerServices, apdu: Apdu | bytes) -> list[Apdu]:
    machine.receive(apdu if isinstance(apdu, bytes) else apdu.to_bytes())
    return [decode_apdu(a) for a in machine.data_to_send()]


def blocks(machine: ServerServices, *, most: int = 8) -> list[get.DataBlockG]:
    """GET the long value, each block acknowledged with the number it carried."""
    out = []
    for answer in ask(machine, GET_LONG):
        assert isinstance(answer, get.GetResponseWithDatablock)
        out.append(answer.result)
    while not out[-1].last_block and len(out) < most:
        (answer,) = ask(machine, get.GetRequestNext(invoke_id_and_priority=0xC1,
                                                    block_number=out[-1].block_number))
        assert isinstance(answer, get.GetResponseWithDatablock)
        out.append(answer.result)
    return out


def in_gbt(request: Apdu, window: int = 1) -> GeneralBlockTransfer:
    return GeneralBlockTransfer(last_block=True, streaming=False, window=window,
                                block_number=1, block_number_ack=0,
                                block_data=request.to_bytes())


def numbering(found: list[get.DataBlockG]) -> list[tuple[int, bool]]:
    return [(b.block_number, b.last_block) for b in found]


# -- the values ---------------------------------------------------------------------------------
@pytest.mark.parametrize("field, value", [
    ("response_invoke_id_offset", 16), ("response_invoke_id_offset", -1),
    ("skipped_response_block_number", 0), ("response_block_numbers_restart_at", 1),
    ("skipped_response_block_number", 1 << 32), ("gbt_blocks_per_burst", 0),
    ("gbt_blocks_per_burst", 0x10000)])
def test_values_that_cannot_be_sent(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        ServerDeviations(**{field: value})  # type: ignore[arg-type]


def test_default_is_no_deviation() -> None:
    assert not NO_DEVIATIONS.active and server().deviations is NO_DEVIATIONS
    for field in dataclasses.fields(ServerDeviations):
        value = {bool: True, int: 2}.get(type(getattr(NO_DEVIATIONS, field.name)), 2)
        assert ServerDeviations(**{field.name: value}).active  # type: ignore[arg-type]


# -- negotiated parameters ------------------------------------------------------------------------
def test_client_max_receive_pdu_size_ignored() -> None:
    assert numbering(blocks(server())) == [(1, False), (2, False), (3, False), (4, False),
                                           (5, True)]
    deviating = server(ServerDeviations(ignore_client_max_receive_pdu_size=True))
    (whole,) = ask(deviating, GET_LONG)
    assert whole == get.GetResponseNormal(invoke_id_and_priority=0xC1, result=LONG)
    # In a GBT exchange: one block carrying the whole response.
    (block,) = ask(deviating, in_gbt(GET_LONG))
    assert isinstance(block, GeneralBlockTransfer) and block.last_block
    assert decode_apdu(block.block_data) == whole
    assert len(ask(server(), in_gbt(GET_LONG))) == 1  # window 1: the first of five


def test_services_not_granted_served() -> None:
    items = tuple(CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=attribute(
        ln)) for ln in ("0.0.96.1.1.255", "0.0.96.1.1.255"))
    request = get.GetRequestWithList(invoke_id_and_priority=0xC2,
                                     attribute_descriptor_list=items)
    granted = C.GET
    with pytest.raises(RemoteProtocolError) as refused:
        server(conformance=granted).receive(request.to_bytes())
    assert decode_apdu(refused.value.response_hint or b"") == ExceptionResponse(
        state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
        service_error=ExceptionServiceError.SERVICE_NOT_SUPPORTED)
    deviating = server(ServerDeviations(serve_services_not_granted=True), granted)
    assert ask(deviating, request) == [get.GetResponseWithList(
        invoke_id_and_priority=0xC2, result=(OctetString(value=b"short"),) * 2)]
    # A general-block-transfer request is still refused without the bit.
    with pytest.raises(RemoteProtocolError, match="not negotiated"):
        deviating.receive(in_gbt(GET_LONG).to_bytes())


def test_invoke_id_offset() -> None:
    deviating = server(ServerDeviations(response_invoke_id_offset=1))
    found = blocks(deviating)  # the client's next blocks carry its own invoke-id: taken
    assert numbering(found) == numbering(blocks(server()))
    deviating.receive(GET_LONG.to_bytes())
    assert [a[2] for a in deviating.data_to_send()] == [0xC2]
    wrapped = get.GetRequestNormal(invoke_id_and_priority=0x4F,
                                   cosem_attribute_descriptor=attribute("0.0.96.1.1.255"))
    (answer,) = ask(deviating, wrapped)
    assert isinstance(answer, get.GetResponseNormal)
    assert answer.invoke_id_and_priority == 0x40  # modulo 16, the other bits kept
    # The hints too: a get-request-next with no long GET in progress.
    with pytest.raises(RemoteProtocolError) as hint:
        deviating.receive(get.GetRequestNext(invoke_id_and_priority=0xC5,
                                             block_number=1).to_bytes())
    (hinted,) = [decode_apdu(hint.value.response_hint or b"")]
    assert isinstance(hinted, get.GetResponseWithDatablock)
    assert hinted.invoke_id_and_priority == 0xC6
    assert hinted.result.result is DataAccessResult.NO_LONG_GET_IN_PROGRESS


# -- service-specific blocks ----------------------------------------------------------------------
@pytest.mark.parametrize("deviations, numbers", [
    (ServerDeviations(skipped_response_block_number=2), [1, 3, 4, 5, 6]),
    (ServerDeviations(skipped_response_block_number=5), [1, 2, 3, 4, 6]),
    (ServerDeviations(response_block_numbers_restart_at=2), [1, 1, 2, 3, 4]),
    (ServerDeviations(skipped_response_block_number=2, response_block_numbers_restart_at=4),
     [1, 3, 1, 2, 3]),
])
def test_response_block_numbers(deviations: ServerDeviations, numbers: list[int]) -> None:
    clean, deviating = blocks(server()), blocks(server(deviations))
    assert numbering(deviating) == [(n, i == 4) for i, n in enumerate(numbers)]
    assert [b.result for b in deviating] == [b.result for b in clean]


def test_action_pblocks_follow_the_same_hooks() -> None:
    deviating = server(ServerDeviations(skipped_response_block_number=2,
                                        accept_any_next_block_number=True))
    request = act.ActionRequestNormal(invoke_id_and_priority=0xC1,
                                      cosem_method_descriptor=method(),
                                      method_invocation_parameters=LONG)
    numbers: list[tuple[int, bool]] = []
    for _ in range(5):
        (answer,) = (ask(deviating, request) if not numbers else ask(
            deviating, act.ActionRequestNextPblock(invoke_id_and_priority=0xC1,
                                                   block_number=99)))
        assert isinstance(answer, act.ActionResponseWithPblock)
        numbers.append((answer.pblock.block_number, answer.pblock.last_block))
    assert numbers == [(1, False), (3, False), (4, False), (5, False), (6, True)]
    clean = server()
    ask(clean, request)
    with pytest.raises(RemoteProtocolError, match="block-number 99 where 1"):
        clean.receive(act.ActionRequestNextPblock(invoke_id_and_priority=0xC1,
                                                  block_number=99).to_bytes())


def test_wrong_next_block_number_taken() -> None:
    wrong = get.GetRequestNext(invoke_id_and_priority=0xC1, block_number=7)
    clean = server()
    ask(clean, GET_LONG)
    with pytest.raises(RemoteProtocolError) as refused:
        clean.receive(wrong.to_bytes())
    assert decode_apdu(refused.value.response_hint or b"") == get.GetResponseWithDatablock(
        invoke_id_and_priority=0xC1, result=get.DataBlockG(
            last_block=True, block_number=8, result=DataAccessResult.DATA_BLOCK_NUMBER_INVALID))
    deviating = server(ServerDeviations(accept_any_next_block_number=True))
    ask(deviating, GET_LONG)
    (answer,) = ask(deviating, wrong)
    assert isinstance(answer, get.GetResponseWithDatablock)
    assert answer.result == blocks(server())[1]


def test_last_block_never_set() -> None:
    deviating = server(ServerDeviations(never_last_response_block=True))
    found = blocks(deviating, most=8)
    assert numbering(found) == [(n, False) for n in range(1, 9)]
    assert [b.result for b in found[:5]] == [b.result for b in blocks(server())]
    assert [b.result for b in found[5:]] == [b""] * 3
    assert deviating.state is ServicesState.RESPONSE_BLOCK_SENT
    # Another request abandons the transfer.
    short = get.GetRequestNormal(invoke_id_and_priority=0xC2,
                                 cosem_attribute_descriptor=attribute("0.0.96.1.1.255"))
    assert ask(deviating, short) == [get.GetResponseNormal(
        invoke_id_and_priority=0xC2, result=OctetString(value=b"short"))]
    assert deviating.state.value == ServicesState.IDLE.value  # (mypy narrowed it above)


# -- general block transfer -----------------------------------------------------------------------
def test_gbt_without_conformance() -> None:
    no_gbt = LN_CONFORMANCE
    assert numbering(blocks(server(conformance=no_gbt)))[0] == (1, False)  # datablocks
    deviating = server(ServerDeviations(gbt_without_conformance=True), no_gbt)
    (first,) = ask(deviating, GET_LONG)
    assert isinstance(first, GeneralBlockTransfer) and first.block_number == 1
    sent = [first]
    while not sent[-1].last_block:  # the client's acknowledgements are taken
        (block,) = ask(deviating, GeneralBlockTransfer(
            last_block=True, streaming=False, window=1, block_number=len(sent),
            block_number_ack=sent[-1].block_number))
        assert isinstance(block, GeneralBlockTransfer)
        sent.append(block)
    assert decode_apdu(b"".join(b.block_data for b in sent)) == get.GetResponseNormal(
        invoke_id_and_priority=0xC1, result=LONG)
    # Short responses stay plain; GBT requests are still refused.
    short = get.GetRequestNormal(invoke_id_and_priority=0xC2,
                                 cosem_attribute_descriptor=attribute("0.0.96.1.1.255"))
    assert isinstance(ask(deviating, short)[0], get.GetResponseNormal)
    with pytest.raises(RemoteProtocolError, match="not negotiated"):
        deviating.receive(in_gbt(GET_LONG).to_bytes())
    # With the bit granted the meter answers as the clean one (datablocks).
    granted = server(ServerDeviations(gbt_without_conformance=True))
    assert numbering(blocks(granted)) == numbering(blocks(server()))


def test_datablocks_after_gbt_request() -> None:
    (clean,) = ask(server(), in_gbt(GET_LONG))
    assert isinstance(clean, GeneralBlockTransfer)
    deviating = server(ServerDeviations(datablocks_after_gbt_request=True))
    (first,) = ask(deviating, in_gbt(GET_LONG))
    assert isinstance(first, get.GetResponseWithDatablock)
    assert first.result == blocks(server())[0]
    found = [first.result]
    while not found[-1].last_block:  # continued with get-request-next, plain
        (answer,) = ask(deviating, get.GetRequestNext(invoke_id_and_priority=0xC1,
                                                      block_number=found[-1].block_number))
        assert isinstance(answer, get.GetResponseWithDatablock)
        found.append(answer.result)
    assert numbering(found) == numbering(blocks(server()))
    # A response that fits stays in GBT.
    short = get.GetRequestNormal(invoke_id_and_priority=0xC2,
                                 cosem_attribute_descriptor=attribute("0.0.96.1.1.255"))
    (block,) = ask(deviating, in_gbt(short))
    assert isinstance(block, GeneralBlockTransfer)


def test_gbt_blocks_per_burst() -> None:
    assert len(ask(server(), in_gbt(GET_LONG, window=2))) == 2  # the client's window
    burst = ask(server(ServerDeviations(gbt_blocks_per_burst=3)), in_gbt(GET_LONG, window=2))
    assert [(b.block_number, b.streaming) for b in burst  # type: ignore[attr-defined]
            ] == [(1, True), (2, True), (3, False)]
    everything = ask(server(ServerDeviations(gbt_blocks_per_burst=63)), in_gbt(GET_LONG))
    assert [b.last_block for b in everything] == [  # type: ignore[attr-defined]
        False, False, False, False, True]
