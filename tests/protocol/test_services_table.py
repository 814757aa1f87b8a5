"""The transition tables, and each machine driven by random event sequences: whatever it
is sent or receives, it ends in a legal state or raises the right protocol error (never any
other exception), and never emits an APDU longer than the peer accepts."""

from __future__ import annotations

from collections import deque

from hypothesis import event, given, settings
from hypothesis import strategies as st

from conformance.codec.apdu import decode_apdu
from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import NullData, OctetString, Unsigned
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptorWithSelection,
    DataBlockSA,
)
from conformance.codec.xdlms.enums import (
    ActionResult,
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
    ServiceClass,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.notification import DataNotification, EventNotificationRequest
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.services import (
    GBT_TRANSITIONS,
    SENDER,
    TRANSITIONS,
    Action,
    ActionWithList,
    BlockTransferMode,
    ClientRequest,
    ClientServices,
    GbtEvent,
    GbtPhase,
    Get,
    GetWithList,
    Notify,
    RequestMissingBlocks,
    Role,
    ServerServices,
    ServicePrimitive,
    ServicesState,
    Set,
    SetWithList,
)
from conformance.protocol.services.table import (
    gbt_next_phase,
    gbt_state_diagram,
    next_state,
    state_diagram,
)
from tests.protocol.test_services_pair import EVERYTHING, Model, Wire, attribute, config, method

S = ServicesState
P = ServicePrimitive
DAR = DataAccessResult
CLIENT_TURN = {S.IDLE, S.REQUEST_BLOCK_ACKNOWLEDGED, S.RESPONSE_BLOCK_SENT}
SERVER_TURN = {S.REQUEST_PENDING, S.REQUEST_BLOCK_SENT, S.RESPONSE_BLOCK_REQUESTED}


# -- the tables -----------------------------------------------------------------------------
def test_every_primitive_has_one_sender_and_one_speaker_at_a_time() -> None:
    assert set(SENDER) == set(P)
    for (state, primitive), _ in TRANSITIONS.items():
        if primitive is P.NOTIFICATION:
            continue
        turn = CLIENT_TURN if SENDER[primitive] is Role.CLIENT else SERVER_TURN
        assert state in turn, (state, primitive)
    assert set(S) == CLIENT_TURN | SERVER_TURN and not CLIENT_TURN & SERVER_TURN


def _reachable(start: S) -> set[S]:
    seen, todo = {start}, deque([start])
    while todo:
        state = todo.popleft()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_state_is_reachable_and_leads_back_to_idle() -> None:
    assert _reachable(S.IDLE) == set(S)
    for state in S:
        assert S.IDLE in _reachable(state)
    assert next_state(S.IDLE, P.RESPONSE) is None
    assert next_state(S.REQUEST_PENDING, P.REQUEST) is None
    for state in S:
        assert next_state(state, P.NOTIFICATION) is state


def test_gbt_table() -> None:
    for phase in GbtPhase:
        assert gbt_next_phase(phase, GbtEvent.END) is GbtPhase.IDLE
    targets = {target for target in GBT_TRANSITIONS.values()}
    assert targets == set(GbtPhase)
    # Data of the peer is never taken while this side's APDU is incomplete.
    assert gbt_next_phase(GbtPhase.SENDING, GbtEvent.RECV_DATA) is None
    assert gbt_next_phase(GbtPhase.RECEIVING, GbtEvent.SEND_WINDOW) is None


def test_state_diagrams_draw_every_transition() -> None:
    diagram = state_diagram()
    assert diagram.startswith("stateDiagram-v2\n    [*] --> IDLE\n")
    edges = [line for line in diagram.splitlines() if " --> " in line and "[*]" not in line]
    assert len(edges) == sum(1 for (_, p) in TRANSITIONS if p is not P.NOTIFICATION)
    assert "    REQUEST_PENDING --> IDLE: response (server)" in edges
    assert "    IDLE --> REQUEST_PENDING: request (client)" in edges
    gbt = gbt_state_diagram()
    assert "    SENDING --> SENT: send-final-window" in gbt
    assert len([line for line in gbt.splitlines() if " --> " in line]) == 1 + sum(
        1 for (_, e) in GBT_TRANSITIONS if e is not GbtEvent.END)


# -- random sequences: client ------------------------------------------------------------------
# Biased toward what a cooperative peer would send (the client's first invoke-ids, block 1
# and 2) so that sequences get deep into long transfers, with faults mixed in.
INVOKES = st.sampled_from([0x41, 0x41, 0x41, 0x42, 0xC1, 0x01])
NUMBERS = st.sampled_from([1, 1, 1, 2, 2, 3, 0, 4])
SMALL = st.sampled_from([b"", b"\x11", b"\x11\x07", b"\x09\x02\x01", bytes(70)])
VALUES = st.sampled_from([NullData(), Unsigned(value=3), OctetString(value=bytes(120))])
ITEMS = st.integers(1, 3).map(lambda n: tuple(
    CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=attribute(f"0.0.96.1.{i}.255"))
    for i in range(n)))


def _server_apdus() -> st.SearchStrategy[Apdu]:
    dar = st.sampled_from([DAR.SUCCESS, DAR.OTHER_REASON])
    outcome = st.builds(act.ActionResponseWithOptionalData,
                        result=st.sampled_from([ActionResult.SUCCESS, ActionResult.OTHER_REASON]),
                        return_parameters=st.none() | VALUES)
    blockg = st.builds(get.DataBlockG, last_block=st.sampled_from([False, False, True]),
                       block_number=NUMBERS,
                       result=st.sampled_from([b"\x11", b"\x11\x07", b"\x09\x02\x01", b"",
                                               DAR.HARDWARE_FAULT]))
    blocksa = st.builds(DataBlockSA, last_block=st.booleans(), block_number=NUMBERS,
                        raw_data=SMALL)
    datablock = st.builds(get.GetResponseWithDatablock, invoke_id_and_priority=INVOKES,
                          result=blockg)
    pblock = st.builds(act.ActionResponseWithPblock, invoke_id_and_priority=INVOKES,
                       pblock=blocksa)
    choices: list[st.SearchStrategy[Apdu]] = [
        datablock, datablock, datablock, datablock, datablock, datablock, pblock, pblock,
        st.builds(get.GetResponseNormal, invoke_id_and_priority=INVOKES, result=VALUES | dar),
        st.builds(get.GetResponseWithList, invoke_id_and_priority=INVOKES,
                  result=st.lists(VALUES, max_size=3).map(tuple)),
        st.builds(set_.SetResponseNormal, invoke_id_and_priority=INVOKES, result=dar),
        st.builds(set_.SetResponseDatablock, invoke_id_and_priority=INVOKES,
                  block_number=NUMBERS),
        st.builds(set_.SetResponseLastDatablock, invoke_id_and_priority=INVOKES, result=dar,
                  block_number=NUMBERS),
        st.builds(set_.SetResponseWithList, invoke_id_and_priority=INVOKES,
                  result=st.lists(dar, max_size=3).map(tuple)),
        st.builds(act.ActionResponseNormal, invoke_id_and_priority=INVOKES,
                  single_response=outcome),
        st.builds(act.ActionResponseWithPblock, invoke_id_and_priority=INVOKES, pblock=blocksa),
        st.builds(act.ActionResponseNextPblock, invoke_id_and_priority=INVOKES,
                  block_number=NUMBERS),
        st.builds(act.ActionResponseWithList, invoke_id_and_priority=INVOKES,
                  list_of_responses=st.lists(outcome, max_size=3).map(tuple)),
        st.just(ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                                  service_error=ExceptionServiceError.OTHER_REASON)),
        st.just(EventNotificationRequest(cosem_attribute_descriptor=attribute(),
                                         attribute_value=Unsigned(value=1))),
        st.just(DataNotification(long_invoke_id_and_priority=1, notification_body=NullData())),
    ]
    return st.sampled_from(choices).flatmap(lambda strategy: strategy)  # weighted


def _gbt_blocks(inner: st.SearchStrategy[Apdu]) -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda last, streaming, window, number, ack, data: GeneralBlockTransfer(
            last_block=last, streaming=streaming, window=window, block_number=number,
            block_number_ack=ack, block_data=data).to_bytes(),
        st.booleans(), st.booleans(), st.integers(0, 3), NUMBERS, NUMBERS,
        st.one_of(st.just(b""), SMALL, inner.map(lambda a: a.to_bytes())))


def _received(inner: st.SearchStrategy[Apdu]) -> st.SearchStrategy[bytes]:
    plain = inner.map(lambda a: a.to_bytes())
    return st.sampled_from([plain, plain, plain, _gbt_blocks(inner), st.binary(max_size=12)]
                           ).flatmap(lambda strategy: strategy)


def _client_events() -> st.SearchStrategy[object]:
    confirmed = st.sampled_from([ServiceClass.CONFIRMED, ServiceClass.CONFIRMED,
                                 ServiceClass.UNCONFIRMED])
    ids = st.sampled_from([1, 1, 1, None])  # mostly 0x41, which the answers mostly carry
    return st.one_of(
        st.builds(Get, cosem_attribute_descriptor=st.just(attribute()), invoke_id=ids),
        st.builds(GetWithList, attribute_descriptor_list=ITEMS, invoke_id=ids),
        st.builds(Set, cosem_attribute_descriptor=st.just(attribute()), value=VALUES,
                  service_class=confirmed, invoke_id=ids),
        ITEMS.flatmap(lambda items: st.builds(
            SetWithList, attribute_descriptor_list=st.just(items), invoke_id=ids,
            value_list=st.lists(VALUES, min_size=len(items), max_size=len(items)).map(tuple))),
        st.builds(Action, cosem_method_descriptor=st.just(method()), invoke_id=ids,
                  method_invocation_parameters=st.none() | VALUES, service_class=confirmed),
        st.builds(ActionWithList, cosem_method_descriptor_list=st.just((method(),)),
                  method_invocation_parameters=VALUES.map(lambda v: (v,)), invoke_id=ids),
        st.just(RequestMissingBlocks()),
    )


MODES = st.sampled_from(list(BlockTransferMode))


@settings(max_examples=300, deadline=None)
@given(mode=MODES, window=st.integers(1, 3), data=st.data())
def test_client_under_random_sequences(mode: BlockTransferMode, window: int,
                                       data: st.DataObject) -> None:
    client = ClientServices(config(EVERYTHING, client_max=60, server_max=40, gbt_window=window,
                                   block_transfer=mode))
    rounds = data.draw(st.lists(st.tuples(
        _client_events().map(lambda e: ("send", e)),
        st.lists(_received(_server_apdus()).map(lambda b: ("receive", b)), max_size=6)),
        min_size=1, max_size=6))
    steps = [step for send, receives in rounds for step in (send, *receives)]
    for kind, item in steps:
        before = (client.state, client.gbt_phase)
        if kind == "send":
            try:
                out = client.send(item)  # type: ignore[arg-type]
            except LocalProtocolError:
                assert (client.state, client.gbt_phase) == before
                continue
            assert all(len(apdu) <= 40 for apdu in out)
        else:
            assert isinstance(item, bytes)
            try:
                events = client.receive(item)
            except RemoteProtocolError as error:
                assert error.response_hint is None
                assert client.state is S.IDLE and client.gbt_phase is GbtPhase.IDLE
                continue
            if before[0] is S.IDLE and item[:1] not in (b"\xe0", b"\x0f", b"\xc2"):
                raise AssertionError(f"accepted {item.hex()} with no request pending")
            if events and not all(type(e).__name__ == "NotificationIndication"
                                  for e in events):
                assert client.state is S.IDLE
        # A client never stops on its own turn: it answers blocks by itself.
        assert client.state in SERVER_TURN | {S.IDLE}
        assert all(len(apdu) <= 40 for apdu in client.data_to_send())
        event(f"client reached {client.state.value} / {client.gbt_phase.value}")


# -- random sequences: server ------------------------------------------------------------------
def _client_apdus() -> st.SearchStrategy[Apdu]:
    blocksa = st.builds(DataBlockSA, last_block=st.booleans(), block_number=NUMBERS,
                        raw_data=SMALL)
    item = st.just(CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=attribute()))
    return st.one_of(
        st.builds(get.GetRequestNormal, invoke_id_and_priority=INVOKES,
                  cosem_attribute_descriptor=st.sampled_from([attribute(), attribute(
                      "0.0.96.1.1.255")])),
        st.builds(get.GetRequestNext, invoke_id_and_priority=INVOKES, block_number=NUMBERS),
        st.builds(get.GetRequestWithList, invoke_id_and_priority=INVOKES,
                  attribute_descriptor_list=st.lists(item, max_size=3).map(tuple)),
        st.builds(set_.SetRequestNormal, invoke_id_and_priority=INVOKES,
                  cosem_attribute_descriptor=st.just(attribute()), value=VALUES),
        st.builds(set_.SetRequestWithFirstDatablock, invoke_id_and_priority=INVOKES,
                  cosem_attribute_descriptor=st.just(attribute()), datablock=blocksa),
        st.builds(set_.SetRequestWithDatablock, invoke_id_and_priority=INVOKES,
                  datablock=blocksa),
        st.builds(set_.SetRequestWithList, invoke_id_and_priority=INVOKES,
                  attribute_descriptor_list=st.lists(item, max_size=2).map(tuple),
                  value_list=st.lists(VALUES, max_size=2).map(tuple)),
        st.builds(set_.SetRequestWithListAndFirstDatablock, invoke_id_and_priority=INVOKES,
                  attribute_descriptor_list=st.lists(item, max_size=2).map(tuple),
                  datablock=blocksa),
        st.builds(act.ActionRequestNormal, invoke_id_and_priority=INVOKES,
                  cosem_method_descriptor=st.just(method()),
                  method_invocation_parameters=st.none() | VALUES),
        st.builds(act.ActionRequestWithFirstPblock, invoke_id_and_priority=INVOKES,
                  cosem_method_descriptor=st.just(method()), pblock=blocksa),
        st.builds(act.ActionRequestWithPblock, invoke_id_and_priority=INVOKES, pblock=blocksa),
        st.builds(act.ActionRequestNextPblock, invoke_id_and_priority=INVOKES,
                  block_number=NUMBERS),
        st.builds(act.ActionRequestWithList, invoke_id_and_priority=INVOKES,
                  cosem_method_descriptor_list=st.lists(st.just(method()), max_size=2)
                  .map(tuple), method_invocation_parameters=st.lists(VALUES, max_size=2)
                  .map(tuple)),
        st.builds(get.GetResponseNormal, invoke_id_and_priority=INVOKES, result=VALUES),
    )


@settings(max_examples=300, deadline=None)
@given(mode=MODES, window=st.integers(1, 3), data=st.data())
def test_server_under_random_sequences(mode: BlockTransferMode, window: int,
                                       data: st.DataObject) -> None:
    model = Model()
    model.put(attribute(), OctetString(value=bytes(150)))
    server = ServerServices(config(EVERYTHING, client_max=40, server_max=60, gbt_window=window,
                                   block_transfer=mode), model)
    steps = data.draw(st.lists(st.one_of(
        _received(_client_apdus()).map(lambda b: ("receive", b)),
        st.just(("send", RequestMissingBlocks())),
        st.just(("send", Notify(notification=DataNotification(
            long_invoke_id_and_priority=1, notification_body=OctetString(value=bytes(50))))))),
        min_size=1, max_size=25))
    for kind, item in steps:
        before = (server.state, server.gbt_phase)
        if kind == "send":
            try:
                out = server.send(item)  # type: ignore[arg-type]
            except LocalProtocolError:
                assert (server.state, server.gbt_phase) == before
                continue
        else:
            assert isinstance(item, bytes)
            try:
                server.receive(item)
            except RemoteProtocolError as error:
                assert isinstance(error.response_hint, bytes)
                assert len(error.response_hint) <= 40
                decode_apdu(error.response_hint)
                assert server.state is S.IDLE and server.data_to_send() == []
                continue
            out = server.data_to_send()
        for apdu in out:
            assert len(apdu) <= 40
            decode_apdu(apdu)
        # A server never stops on its own turn: it answers within receive().
        assert server.state in CLIENT_TURN
        event(f"server reached {server.state.value} / {server.gbt_phase.value}")


# -- a cooperative pair with one APDU corrupted in flight ----------------------------------------
def _corrupt(apdu: bytes, how: int, position: int, value: int) -> bytes | None:
    if how == 0:
        return None
    if how == 1 and apdu:
        index = position % len(apdu)
        return apdu[:index] + bytes([value]) + apdu[index + 1:]
    if how == 2:
        return apdu[:position % (len(apdu) + 1)]
    return apdu + bytes([value])


@settings(max_examples=200, deadline=None)
@given(mode=MODES, size=st.integers(0, 300), which=st.integers(0, 12),
       direction=st.sampled_from(["c>s", "s>c"]), how=st.integers(0, 3),
       position=st.integers(0, 400), value=st.integers(0, 255),
       request=st.sampled_from(["get", "set", "action"]))
def test_pair_with_one_apdu_corrupted(mode: BlockTransferMode, size: int, which: int,
                                      direction: str, how: int, position: int, value: int,
                                      request: str) -> None:
    def mangle(index: int, apdu: bytes) -> bytes | None:
        return _corrupt(apdu, how, position, value) if index == which else apdu

    model = Model()
    big = OctetString(value=bytes(i & 0xFF for i in range(size)))
    model.put(attribute(), big)
    cfg = config(EVERYTHING, client_max=48, server_max=48, gbt_window=2, block_transfer=mode)
    client = ClientServices(cfg)
    server = ServerServices(cfg, model)
    filters = {"to_server": mangle} if direction == "c>s" else {"to_client": mangle}
    wire = Wire(client, server, **filters)
    requests: dict[str, ClientRequest] = {
        "get": Get(cosem_attribute_descriptor=attribute()),
        "set": Set(cosem_attribute_descriptor=attribute(), value=big),
        "action": Action(cosem_method_descriptor=method(), method_invocation_parameters=big)}
    event_ = requests[request]
    try:
        events = wire.exchange(event_)
    except RemoteProtocolError as error:
        raised_by_server = error.response_hint is not None
        machine = server if raised_by_server else client
        assert machine.state is S.IDLE and machine.gbt_phase is GbtPhase.IDLE
        event("protocol error")
        return
    # Either the corruption was harmless, or an APDU was lost and a side still waits.
    assert client.state in SERVER_TURN | {S.IDLE}
    assert server.state in CLIENT_TURN
    event("completed" if events else "waiting")
