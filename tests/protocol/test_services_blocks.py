"""Service-specific block transfer (IEC 62056-5-3 9.4.6.9 - 9.4.6.11) between the client
and server machines: GET datablocks, SET datablocks, ACTION pblocks in both directions for
many PDU sizes and data lengths, and every block-number fault detected on either side."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import Array, Data, OctetString, Unsigned, encode_data
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptorWithSelection,
    DataBlockSA,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.codec.xdlms.get import DataBlockG
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.services import (
    Action,
    ActionConfirm,
    ActionWithList,
    ActionWithListConfirm,
    ClientServices,
    Get,
    GetConfirm,
    GetWithList,
    GetWithListConfirm,
    ServerServices,
    ServicesState,
    Set,
    SetConfirm,
    SetWithList,
    SetWithListConfirm,
    Transfer,
)
from conformance.protocol.services.blocks import raw_capacity, split_into_blocks
from tests.protocol.test_services_pair import (
    EVERYTHING,
    LN_CONFORMANCE,
    FakeCiphering,
    Model,
    attribute,
    config,
    machines,
    method,
    only,
)
from tests.strategies import data_values

C = Conformance
DAR = DataAccessResult
NO_GBT = LN_CONFORMANCE | C.ATTRIBUTE0_SUPPORTED_WITH_SET
SIZES = st.integers(min_value=48, max_value=400)
PAYLOADS = st.one_of(st.binary(max_size=1500).map(lambda b: OctetString(value=b)),
                     data_values(max_leaves=20))


# -- every direction, many sizes ------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(value=PAYLOADS, client_max=SIZES, ciphered=st.booleans())
def test_get_response_blocks_for_any_size(value: Data, client_max: int, ciphered: bool) -> None:
    wire, model = machines(config(NO_GBT, client_max=client_max), ciphered=ciphered)
    model.put(attribute(), value)
    confirm = only(wire.exchange(Get(cosem_attribute_descriptor=attribute())))
    assert isinstance(confirm, GetConfirm) and confirm.result == value
    plain = get.GetResponseNormal(invoke_id_and_priority=0x41, result=value).to_bytes()
    whole = len(FakeCiphering().protect(plain) if ciphered else plain)
    assert (confirm.transfer.response_blocks > 0) == (whole > client_max)
    assert max(confirm.transfer.response_blocks, 1) == sum(
        1 for d, _ in wire.log if d == "s>c")
    assert wire.client.state is wire.server.state is ServicesState.IDLE


@settings(max_examples=60, deadline=None)
@given(value=PAYLOADS, server_max=SIZES, ciphered=st.booleans())
def test_set_request_blocks_for_any_size(value: Data, server_max: int, ciphered: bool) -> None:
    wire, model = machines(config(NO_GBT, server_max=server_max), ciphered=ciphered)
    confirm = only(wire.exchange(Set(cosem_attribute_descriptor=attribute(), value=value)))
    assert isinstance(confirm, SetConfirm) and confirm.result is DAR.SUCCESS
    assert model.values[(1, attribute().instance_id, 2)] == value
    served = wire.served[-1]
    assert served.request == set_.SetRequestNormal(
        invoke_id_and_priority=0x41, cosem_attribute_descriptor=attribute(), value=value)
    blocks = confirm.transfer.request_blocks
    assert served.transfer.request_blocks == blocks
    assert sum(1 for d, _ in wire.log if d == "c>s") == max(blocks, 1)
    if blocks:
        assert served.response == set_.SetResponseLastDatablock(
            invoke_id_and_priority=0x41, result=DAR.SUCCESS, block_number=blocks)


@settings(max_examples=50, deadline=None)
@given(value=PAYLOADS, client_max=SIZES, server_max=SIZES, ciphered=st.booleans())
def test_action_pblocks_both_ways(value: Data, client_max: int, server_max: int,
                                  ciphered: bool) -> None:
    wire, _ = machines(config(NO_GBT, client_max=client_max, server_max=server_max),
                       ciphered=ciphered)
    confirm = only(wire.exchange(Action(cosem_method_descriptor=method(),
                                        method_invocation_parameters=value)))
    assert isinstance(confirm, ActionConfirm)
    assert confirm.response == act.ActionResponseWithOptionalData(
        result=ActionResult.SUCCESS, return_parameters=value)
    assert wire.served[-1].request == act.ActionRequestNormal(
        invoke_id_and_priority=0x41, cosem_method_descriptor=method(),
        method_invocation_parameters=value)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(PAYLOADS, min_size=1, max_size=4), client_max=SIZES,
       server_max=st.integers(min_value=96, max_value=400))
def test_with_list_services_in_blocks(values: list[Data], client_max: int,
                                      server_max: int) -> None:
    """(The first block of a with-list request repeats every descriptor, so the server's
    limit starts higher here.)"""
    wire, _ = machines(config(NO_GBT, client_max=client_max, server_max=server_max))
    items = tuple(CosemAttributeDescriptorWithSelection(
        cosem_attribute_descriptor=attribute(f"0.0.96.1.{i}.255")) for i in range(len(values)))
    confirm = only(wire.exchange(SetWithList(attribute_descriptor_list=items,
                                             value_list=tuple(values))))
    assert isinstance(confirm, SetWithListConfirm)
    assert confirm.results == (DAR.SUCCESS,) * len(values)
    confirm = only(wire.exchange(GetWithList(attribute_descriptor_list=items)))
    assert isinstance(confirm, GetWithListConfirm) and confirm.results == tuple(values)
    methods = tuple(method(method_id=i + 1) for i in range(len(values)))
    confirm = only(wire.exchange(ActionWithList(cosem_method_descriptor_list=methods,
                                                method_invocation_parameters=tuple(values))))
    assert isinstance(confirm, ActionWithListConfirm)
    assert [r.return_parameters for r in confirm.responses] == values


def test_split_never_exceeds_the_limit_and_rejoins() -> None:
    raw = bytes(range(256)) * 5
    for limit in range(12, 300, 7):
        blocks = split_into_blocks(raw, limit, lambda last, n, chunk: set_.SetRequestWithDatablock(
            invoke_id_and_priority=0x41,
            datablock=DataBlockSA(last_block=last, block_number=n, raw_data=chunk)))
        assert blocks is not None
        assert all(len(b.to_bytes()) <= limit for b in blocks)
        assert b"".join(b.datablock.raw_data for b in blocks) == raw  # type: ignore[attr-defined]
        assert [b.datablock.block_number for b in blocks] == list(  # type: ignore[attr-defined]
            range(1, len(blocks) + 1))
        assert [b.datablock.last_block for b in blocks] == [  # type: ignore[attr-defined]
            False] * (len(blocks) - 1) + [True]
    assert raw_capacity(10, 9) == 0
    assert raw_capacity(130, 0) == 128  # 81 80 + 128 octets
    assert raw_capacity(129, 0) == 127  # 128 would need the two-octet length form
    assert split_into_blocks(raw, 9, lambda last, n, chunk: set_.SetRequestWithDatablock(
        invoke_id_and_priority=0x41,
        datablock=DataBlockSA(last_block=last, block_number=n, raw_data=chunk))) is None


# -- without block transfer -----------------------------------------------------------------
BIG = OctetString(value=bytes(600))


def test_client_refuses_a_long_request_without_block_transfer() -> None:
    wire, _ = machines(config(C.GET | C.SET | C.ACTION, server_max=128))
    with pytest.raises(LocalProtocolError, match="not in the negotiated conformance"):
        wire.client.send(Set(cosem_attribute_descriptor=attribute(), value=BIG))
    many = tuple(CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=attribute())
                 for _ in range(20))
    with pytest.raises(LocalProtocolError, match="multiple-references"):
        wire.client.send(GetWithList(attribute_descriptor_list=many))
    wire, _ = machines(config(C.GET | C.MULTIPLE_REFERENCES, server_max=128))
    with pytest.raises(LocalProtocolError, match="has no block form"):
        wire.client.send(GetWithList(attribute_descriptor_list=many))
    assert wire.client.state is ServicesState.IDLE and wire.log == []


def test_server_answers_other_reason_when_the_response_cannot_be_blocked() -> None:
    wire, model = machines(config(C.GET | C.ACTION | C.MULTIPLE_REFERENCES, client_max=128))
    model.put(attribute(), BIG)
    assert only(wire.exchange(Get(cosem_attribute_descriptor=attribute()))) == GetConfirm(
        invoke_id_and_priority=0x41, result=DAR.OTHER_REASON)
    items = (CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=attribute()),) * 2
    confirm = only(wire.exchange(GetWithList(attribute_descriptor_list=items)))
    assert isinstance(confirm, GetWithListConfirm)
    assert confirm.results == (DAR.OTHER_REASON, DAR.OTHER_REASON)
    confirm = only(wire.exchange(Action(cosem_method_descriptor=method(),
                                        method_invocation_parameters=Unsigned(value=1))))
    assert isinstance(confirm, ActionConfirm)  # short enough: served normally
    assert wire.served[0].response == get.GetResponseNormal(invoke_id_and_priority=0x41,
                                                            result=DAR.OTHER_REASON)


def test_long_response_uses_gbt_when_only_gbt_is_granted() -> None:
    wire, model = machines(config(C.GET | C.GENERAL_BLOCK_TRANSFER, client_max=64))
    model.put(attribute(), BIG)
    confirm = only(wire.exchange(Get(cosem_attribute_descriptor=attribute())))
    assert isinstance(confirm, GetConfirm) and confirm.result == BIG
    assert confirm.transfer.general_block_transfer and confirm.transfer.response_blocks == 0


# -- block-number faults seen by the client -------------------------------------------------
def _long_get_client() -> ClientServices:
    client = ClientServices(config(EVERYTHING))
    client.send(Get(cosem_attribute_descriptor=attribute()))
    return client


def _datablock(number: int, last: bool = False, raw: bytes = b"\x01\x02",
               invoke: int = 0x41) -> bytes:
    return get.GetResponseWithDatablock(invoke_id_and_priority=invoke, result=DataBlockG(
        last_block=last, block_number=number, result=raw)).to_bytes()


@pytest.mark.parametrize(("numbers", "message"), [
    ((2,), r"block-number 2 where 1 was expected \(1 block\(s\) skipped\)"),
    ((1, 3), r"block-number 3 where 2 was expected \(1 block\(s\) skipped\)"),
    ((1, 1), r"block-number 1 where 2 was expected \(the previous block repeated\)"),
    ((1, 2, 1), r"block-number 1 where 3 was expected \(the transfer restarted\)"),
    ((1, 2, 3, 3), r"block-number 3 where 4 was expected \(the previous block repeated\)"),
    ((1, 2, 3, 4, 2), r"where 5 was expected \(the numbering went back\)"),
    ((0,), r"block-number 0 where 1 was expected"),
])
def test_client_names_expected_and_received_get_block_numbers(numbers: tuple[int, ...],
                                                              message: str) -> None:
    client = _long_get_client()
    *good, bad = numbers
    for number in good:
        assert client.receive(_datablock(number)) == []
        assert client.data_to_send() == [get.GetRequestNext(
            invoke_id_and_priority=0x41, block_number=number).to_bytes()]
    with pytest.raises(RemoteProtocolError, match=message):
        client.receive(_datablock(bad))
    assert client.state is ServicesState.IDLE and client.data_to_send() == []


def test_client_reassembles_and_decodes_datablocks() -> None:
    client = _long_get_client()
    raw = encode_data(Array(items=tuple(Unsigned(value=i) for i in range(40))))
    client.receive(_datablock(1, raw=raw[:30]))
    client.receive(_datablock(2, raw=raw[30:50]))
    confirm = only(client.receive(_datablock(3, last=True, raw=raw[50:])))
    assert isinstance(confirm, GetConfirm) and confirm.transfer.response_blocks == 3
    assert confirm.result == Array(items=tuple(Unsigned(value=i) for i in range(40)))
    # Raw data that does not decode to one Data value is the meter's fault.
    client = _long_get_client()
    client.receive(_datablock(1, raw=raw[:30]))
    with pytest.raises(RemoteProtocolError, match="reassembled raw-data does not decode"):
        client.receive(_datablock(2, last=True, raw=raw[30:40]))


def test_client_checks_set_and_action_acknowledgements() -> None:
    client = ClientServices(config(EVERYTHING, server_max=64))
    client.send(Set(cosem_attribute_descriptor=attribute(), value=BIG))
    ack = set_.SetResponseDatablock(invoke_id_and_priority=0x41, block_number=2)
    with pytest.raises(RemoteProtocolError, match="block-number 2 where 1 was expected"):
        client.receive(ack.to_bytes())
    client.send(Set(cosem_attribute_descriptor=attribute(), value=BIG))  # invoke 0x42
    client.receive(set_.SetResponseDatablock(invoke_id_and_priority=0x42,
                                             block_number=1).to_bytes())
    sent = decode_apdu(client.data_to_send()[0])
    assert isinstance(sent, set_.SetRequestWithDatablock) and sent.datablock.block_number == 2
    # A success before the last block was sent is a violation; a failure ends the SET.
    with pytest.raises(RemoteProtocolError, match="success before the last block"):
        client.receive(set_.SetResponseLastDatablock(
            invoke_id_and_priority=0x42, result=DAR.SUCCESS, block_number=2).to_bytes())
    client.send(Set(cosem_attribute_descriptor=attribute(), value=BIG))  # invoke 0x43
    assert client.receive(set_.SetResponseLastDatablock(
        invoke_id_and_priority=0x43, result=DAR.TEMPORARY_FAILURE, block_number=1).to_bytes()
    ) == [SetConfirm(invoke_id_and_priority=0x43, result=DAR.TEMPORARY_FAILURE,
                     transfer=Transfer(request_blocks=1))]
    client.send(Action(cosem_method_descriptor=method(), method_invocation_parameters=BIG))
    with pytest.raises(RemoteProtocolError, match="ActionResponseNextPblock: block-number 3"):
        client.receive(act.ActionResponseNextPblock(invoke_id_and_priority=0x44,
                                                    block_number=3).to_bytes())


# -- block-number faults seen by the server -------------------------------------------------
def _server(model: Model | None = None, **kw: int) -> ServerServices:
    return ServerServices(config(EVERYTHING, **kw), model or Model())


def _hint(error: pytest.ExceptionInfo[RemoteProtocolError]) -> object:
    assert isinstance(error.value.response_hint, bytes)
    return decode_apdu(error.value.response_hint)


def test_server_checks_get_next() -> None:
    model = Model()
    model.put(attribute(), BIG)
    server = _server(model, client_max=64)
    next1 = get.GetRequestNext(invoke_id_and_priority=0x41, block_number=1).to_bytes()
    with pytest.raises(RemoteProtocolError, match="not allowed in state idle") as error:
        server.receive(next1)
    assert _hint(error) == get.GetResponseWithDatablock(invoke_id_and_priority=0x41, result=(
        DataBlockG(last_block=True, block_number=2, result=DAR.NO_LONG_GET_IN_PROGRESS)))
    request = get.GetRequestNormal(invoke_id_and_priority=0x41,
                                   cosem_attribute_descriptor=attribute()).to_bytes()
    server.receive(request)
    first = decode_apdu(server.data_to_send()[0])
    assert isinstance(first, get.GetResponseWithDatablock) and first.result.block_number == 1
    server.receive(next1)
    assert decode_apdu(server.data_to_send()[0]).result.block_number == 2  # type: ignore[attr-defined]
    with pytest.raises(RemoteProtocolError, match="block-number 1 where 2") as error:
        server.receive(next1)
    assert _hint(error) == get.GetResponseWithDatablock(invoke_id_and_priority=0x41, result=(
        DataBlockG(last_block=True, block_number=2, result=DAR.DATA_BLOCK_NUMBER_INVALID)))
    assert server.state is ServicesState.IDLE
    server.receive(request)
    server.data_to_send()
    with pytest.raises(RemoteProtocolError, match="continues the response to 0x41") as error:
        server.receive(get.GetRequestNext(invoke_id_and_priority=0x42,
                                          block_number=1).to_bytes())
    assert _hint(error).result.result is DAR.LONG_GET_ABORTED  # type: ignore[attr-defined]


def test_a_new_request_abandons_a_long_get() -> None:
    model = Model()
    model.put(attribute(), BIG)
    model.put(attribute("0.0.96.1.9.255"), Unsigned(value=3))
    server = _server(model, client_max=64)
    server.receive(get.GetRequestNormal(invoke_id_and_priority=0x41,
                                        cosem_attribute_descriptor=attribute()).to_bytes())
    assert server.state is ServicesState.RESPONSE_BLOCK_SENT
    server.data_to_send()
    server.receive(get.GetRequestNormal(
        invoke_id_and_priority=0x42,
        cosem_attribute_descriptor=attribute("0.0.96.1.9.255")).to_bytes())
    assert decode_apdu(server.data_to_send()[0]) == get.GetResponseNormal(
        invoke_id_and_priority=0x42, result=Unsigned(value=3))
    with pytest.raises(RemoteProtocolError, match="not allowed in state idle"):
        server.receive(get.GetRequestNext(invoke_id_and_priority=0x41,
                                          block_number=1).to_bytes())


def _set_block(number: int, last: bool = False, invoke: int = 0x41, raw: bytes = b"\x09\x03"
               ) -> bytes:
    return set_.SetRequestWithDatablock(invoke_id_and_priority=invoke, datablock=DataBlockSA(
        last_block=last, block_number=number, raw_data=raw)).to_bytes()


def _set_first(number: int = 1, raw: bytes = b"\x09\x03") -> bytes:
    return set_.SetRequestWithFirstDatablock(
        invoke_id_and_priority=0x41, cosem_attribute_descriptor=attribute(),
        datablock=DataBlockSA(last_block=False, block_number=number, raw_data=raw)).to_bytes()


def test_server_checks_set_datablocks() -> None:
    server = _server()
    with pytest.raises(RemoteProtocolError, match="request-block is not allowed") as error:
        server.receive(_set_block(2))
    assert _hint(error) == set_.SetResponseLastDatablock(
        invoke_id_and_priority=0x41, result=DAR.NO_LONG_SET_IN_PROGRESS, block_number=2)
    with pytest.raises(RemoteProtocolError, match="block-number 3 where 1") as error:
        server.receive(_set_first(3))
    assert _hint(error) == set_.SetResponseLastDatablock(
        invoke_id_and_priority=0x41, result=DAR.DATA_BLOCK_NUMBER_INVALID, block_number=3)
    server.receive(_set_first())
    assert decode_apdu(server.data_to_send()[0]) == set_.SetResponseDatablock(
        invoke_id_and_priority=0x41, block_number=1)
    with pytest.raises(RemoteProtocolError, match="block-number 3 where 2") as error:
        server.receive(_set_block(3))
    assert _hint(error).result is DAR.DATA_BLOCK_NUMBER_INVALID  # type: ignore[attr-defined]
    server.receive(_set_first())
    server.data_to_send()
    with pytest.raises(RemoteProtocolError, match="continues the transfer") as error:
        server.receive(_set_block(2, invoke=0x42))
    assert _hint(error).result is DAR.LONG_SET_ABORTED  # type: ignore[attr-defined]
    server.receive(_set_first(raw=b"\x09\x05\x01\x02"))
    server.data_to_send()
    with pytest.raises(RemoteProtocolError, match="does not decode") as error:
        server.receive(_set_block(2, last=True, raw=b"\x03"))  # octet-string of 5, 3 octets
    assert _hint(error) == set_.SetResponseLastDatablock(
        invoke_id_and_priority=0x41, result=DAR.OTHER_REASON, block_number=2)


def test_server_checks_action_pblocks() -> None:
    model = Model()
    server = _server(model, client_max=64)
    pblock = act.ActionRequestWithPblock(invoke_id_and_priority=0x41, pblock=DataBlockSA(
        last_block=True, block_number=2, raw_data=b"\x01"))
    with pytest.raises(RemoteProtocolError) as error:
        server.receive(pblock.to_bytes())
    assert _hint(error) == act.ActionResponseNormal(
        invoke_id_and_priority=0x41, single_response=act.ActionResponseWithOptionalData(
            result=ActionResult.NO_LONG_ACTION_IN_PROGRESS))
    first = act.ActionRequestWithFirstPblock(
        invoke_id_and_priority=0x41, cosem_method_descriptor=method(),
        pblock=DataBlockSA(last_block=False, block_number=1, raw_data=b"\x11"))
    server.receive(first.to_bytes())
    assert decode_apdu(server.data_to_send()[0]) == act.ActionResponseNextPblock(
        invoke_id_and_priority=0x41, block_number=1)
    served = server.receive(pblock.to_bytes())
    assert served[0].request == act.ActionRequestNormal(
        invoke_id_and_priority=0x41, cosem_method_descriptor=method(),
        method_invocation_parameters=Unsigned(value=1))
    assert served[0].transfer.request_blocks == 2
    next1 = act.ActionRequestNextPblock(invoke_id_and_priority=0x41, block_number=1)
    with pytest.raises(RemoteProtocolError) as error:
        server.receive(next1.to_bytes())
    assert _hint(error).single_response.result is (  # type: ignore[attr-defined]
        ActionResult.NO_LONG_ACTION_IN_PROGRESS)
    # A long return value goes in pblocks; a wrong next-pblock number aborts it.
    server.data_to_send()
    server.receive(act.ActionRequestNormal(invoke_id_and_priority=0x41,
                                           cosem_method_descriptor=method(),
                                           method_invocation_parameters=BIG).to_bytes())
    assert isinstance(decode_apdu(server.data_to_send()[0]), act.ActionResponseWithPblock)
    with pytest.raises(RemoteProtocolError, match="block-number 4 where 1") as error:
        server.receive(act.ActionRequestNextPblock(invoke_id_and_priority=0x41,
                                                   block_number=4).to_bytes())
    assert _hint(error).single_response.result is (  # type: ignore[attr-defined]
        ActionResult.LONG_ACTION_ABORTED)


def test_a_first_block_that_is_also_the_last_is_a_complete_request() -> None:
    model = Model()
    server = _server(model)
    apdu = set_.SetRequestWithFirstDatablock(
        invoke_id_and_priority=0x41, cosem_attribute_descriptor=attribute(),
        datablock=DataBlockSA(last_block=True, block_number=1, raw_data=b"\x11\x07"))
    served = server.receive(apdu.to_bytes())
    assert served[0].response == set_.SetResponseLastDatablock(
        invoke_id_and_priority=0x41, result=DAR.SUCCESS, block_number=1)
    assert model.values[(1, attribute().instance_id, 2)] == Unsigned(value=7)
