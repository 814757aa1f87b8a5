"""What each role refuses: services the negotiated conformance does not grant (refused
locally by the client, answered as the standard says by the server, flagged when a meter
uses them), invoke-id mismatches, responses of the wrong kind, APDUs too long, unknown or
malformed APDUs; and the response hints a server gives."""

from __future__ import annotations

import pytest

from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import NullData, OctetString, Unsigned
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptorWithSelection,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import (
    ActionResult,
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
    Priority,
    ServiceClass,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.initiate import Conformance
from conformance.codec.xdlms.notification import DataNotification, EventNotificationRequest
from conformance.errors import CodecError, LocalProtocolError, RemoteProtocolError, SecurityError
from conformance.protocol.services import (
    Action,
    ActionWithList,
    ClientRequest,
    ClientServices,
    ExceptionConfirm,
    Get,
    GetWithList,
    LateResponse,
    Notify,
    ServerServices,
    ServicesState,
    Set,
    SetWithList,
)
from tests.protocol.test_services_pair import (
    EVERYTHING,
    LN_CONFORMANCE,
    FakeCiphering,
    Model,
    attribute,
    config,
    method,
)
from tests.vectors import hexbytes, vector

C = Conformance
DAR = DataAccessResult
SNA = ExceptionStateError.SERVICE_NOT_ALLOWED
SELECTIVE = SelectiveAccessDescriptor(access_selector=1, access_parameters=NullData())
ITEM = CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=attribute())


def exception(state: ExceptionStateError, service: ExceptionServiceError) -> ExceptionResponse:
    return ExceptionResponse(state_error=state, service_error=service)


# -- the client refuses locally -------------------------------------------------------------
@pytest.mark.parametrize(("granted", "request_event", "missing"), [
    (C.SET | C.ACTION, Get(cosem_attribute_descriptor=attribute()), "get"),
    (C.GET, Get(cosem_attribute_descriptor=attribute(), access_selection=SELECTIVE),
     "selective-access"),
    (C.GET, Get(cosem_attribute_descriptor=attribute(attribute_id=0)),
     "attribute0-supported-with-get"),
    (C.GET, GetWithList(attribute_descriptor_list=(ITEM,)), "multiple-references"),
    (C.GET, Set(cosem_attribute_descriptor=attribute(), value=NullData()), "set"),
    (C.SET, Set(cosem_attribute_descriptor=attribute(attribute_id=0), value=NullData()),
     "attribute0-supported-with-set"),
    (C.SET, SetWithList(attribute_descriptor_list=(ITEM,), value_list=(NullData(),)),
     "multiple-references"),
    (C.GET, Action(cosem_method_descriptor=method()), "action"),
    (C.ACTION, ActionWithList(cosem_method_descriptor_list=(method(),),
                              method_invocation_parameters=(NullData(),)),
     "multiple-references"),
])
def test_client_refuses_services_not_granted(granted: C, request_event: ClientRequest,
                                             missing: str) -> None:
    client = ClientServices(config(granted))
    with pytest.raises(LocalProtocolError, match=f"needs {missing}"):
        client.send(request_event)
    assert client.state is ServicesState.IDLE and client.data_to_send() == []


def test_client_refuses_while_busy_and_malformed_lists() -> None:
    client = ClientServices(config())
    client.send(Get(cosem_attribute_descriptor=attribute()))
    with pytest.raises(LocalProtocolError, match="an exchange is in progress"):
        client.send(Get(cosem_attribute_descriptor=attribute()))
    assert client.state is ServicesState.REQUEST_PENDING
    client = ClientServices(config())
    with pytest.raises(LocalProtocolError, match="at least one item"):
        client.send(GetWithList(attribute_descriptor_list=()))
    with pytest.raises(LocalProtocolError, match="2 value_list for 1 descriptors"):
        client.send(SetWithList(attribute_descriptor_list=(ITEM,),
                                value_list=(NullData(), NullData())))
    with pytest.raises(LocalProtocolError, match="0 method_invocation_parameters"):
        client.send(ActionWithList(cosem_method_descriptor_list=(method(),),
                                   method_invocation_parameters=()))
    with pytest.raises(LocalProtocolError, match="unconfirmed services cannot use block"):
        ClientServices(config(server_max=64)).send(Set(
            cosem_attribute_descriptor=attribute(), value=OctetString(value=bytes(100)),
            service_class=ServiceClass.UNCONFIRMED))
    with pytest.raises(ValueError, match=r"invoke_id must be in 0\.\.15"):
        Get(cosem_attribute_descriptor=attribute(), invoke_id=16)


def test_server_refuses_to_push_what_is_not_granted() -> None:
    server = ServerServices(config(LN_CONFORMANCE & ~C.EVENT_NOTIFICATION), Model())
    with pytest.raises(LocalProtocolError, match="needs event-notification"):
        server.send(Notify(notification=EventNotificationRequest(
            cosem_attribute_descriptor=attribute(), attribute_value=NullData())))
    with pytest.raises(LocalProtocolError, match="needs data-notification"):
        server.send(Notify(notification=DataNotification(long_invoke_id_and_priority=1,
                                                         notification_body=NullData())))
    with pytest.raises(LocalProtocolError, match="cannot send Get"):
        server.send(Get(cosem_attribute_descriptor=attribute()))  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError, match="general-block-transfer is not negotiated"):
        ServerServices(config(LN_CONFORMANCE, client_max=20), Model()).send(Notify(
            notification=EventNotificationRequest(cosem_attribute_descriptor=attribute(),
                                                  attribute_value=OctetString(value=bytes(40)))))


# -- the client flags the meter -------------------------------------------------------------
def _pending(granted: C = EVERYTHING, request: ClientRequest | None = None,
             **kw: int) -> ClientServices:
    client = ClientServices(config(granted, **kw))
    client.send(request or Get(cosem_attribute_descriptor=attribute()))
    return client


def test_client_flags_responses_to_services_not_granted() -> None:
    """dlms-notes failure 11: the meter answers services it did not grant."""
    client = _pending(C.GET)
    block = get.GetResponseWithDatablock(invoke_id_and_priority=0x41, result=get.DataBlockG(
        last_block=False, block_number=1, result=b"\x01"))
    with pytest.raises(RemoteProtocolError, match="needs block-transfer-with-get-or-read: not "
                                                  "in the negotiated conformance"):
        client.receive(block.to_bytes())
    assert client.state is ServicesState.IDLE
    client = _pending(C.GET)
    with pytest.raises(RemoteProtocolError, match="SetResponseNormal, which needs set"):
        client.receive(set_.SetResponseNormal(invoke_id_and_priority=0x41,
                                              result=DAR.SUCCESS).to_bytes())
    client = ClientServices(config(C.GET))
    with pytest.raises(RemoteProtocolError, match="needs data-notification"):
        client.receive(hexbytes(vector("data-notification-no-datetime")["hex"]))


@pytest.mark.parametrize(("invoke", "message"), [
    (0x42, "invoke-id 2 instead of 1"),
    (0xC1, "priority high instead of normal"),
    (0x01, "service-class unconfirmed instead of confirmed"),
    (0x71, "reserved bits 3 instead of 0"),
])
def test_client_flags_invoke_id_mismatches(invoke: int, message: str) -> None:
    client = _pending()
    answer = get.GetResponseNormal(invoke_id_and_priority=invoke, result=Unsigned(value=1))
    with pytest.raises(RemoteProtocolError, match=f"0x{invoke:02X} does not echo the "
                                                  f"request's 0x41: {message}"):
        client.receive(answer.to_bytes())
    assert client.state is ServicesState.IDLE


def test_client_checks_the_invoke_id_of_every_block() -> None:
    client = _pending()
    client.receive(get.GetResponseWithDatablock(invoke_id_and_priority=0x41, result=(
        get.DataBlockG(last_block=False, block_number=1, result=b"\x11"))).to_bytes())
    client.data_to_send()
    with pytest.raises(RemoteProtocolError, match="invoke-id 3 instead of 1"):
        client.receive(get.GetResponseWithDatablock(invoke_id_and_priority=0x43, result=(
            get.DataBlockG(last_block=True, block_number=2, result=b"\x01"))).to_bytes())


def test_a_late_response_to_an_abandoned_request_is_not_a_violation() -> None:
    # Request 1 timed out; the session restarts the machine and sends request 2. Request
    # 1's answer arriving now is its late answer (IEC 62056-5-3 9.4.6.2: the invoke-id pairs
    # a response with its request), reported and ignored; request 2's answer confirms.
    client = _pending().restarted()
    client.send(Get(cosem_attribute_descriptor=attribute()))
    late = get.GetResponseNormal(invoke_id_and_priority=0x41, result=Unsigned(value=1))
    assert client.receive(late.to_bytes()) == [LateResponse(apdu=late,
                                                            invoke_id_and_priority=0x41)]
    assert client.state is ServicesState.REQUEST_PENDING
    answer = get.GetResponseNormal(invoke_id_and_priority=0x42, result=Unsigned(value=2))
    (confirm,) = client.receive(answer.to_bytes())
    assert not isinstance(confirm, LateResponse)
    assert client.state is ServicesState.IDLE


def test_only_abandoned_invoke_ids_are_late_and_only_until_reused() -> None:
    client = _pending().restarted().restarted()  # 1 abandoned; nothing pending the 2nd time
    client.send(Get(cosem_attribute_descriptor=attribute()))  # invoke-id 2
    # invoke-id 3 was never abandoned: a wrong invoke-id stays a violation
    with pytest.raises(RemoteProtocolError, match="invoke-id 3 instead of 2"):
        client.receive(get.GetResponseNormal(invoke_id_and_priority=0x43,
                                             result=Unsigned(value=1)).to_bytes())
    client = client.restarted()  # 1 and 2 abandoned
    for _ in range(14):  # invoke-ids 3 .. 15, 0: each answered
        client.send(Get(cosem_attribute_descriptor=attribute()))
        pending = client._pending
        assert pending is not None
        client.receive(get.GetResponseNormal(invoke_id_and_priority=pending.invoke,
                                             result=Unsigned(value=1)).to_bytes())
    client.send(Get(cosem_attribute_descriptor=attribute()))  # invoke-id 1 again
    client.receive(get.GetResponseNormal(invoke_id_and_priority=0x41,
                                         result=Unsigned(value=1)).to_bytes())
    client.send(Get(cosem_attribute_descriptor=attribute()))  # invoke-id 2, reused too
    # a response with invoke-id 1 is no longer late: that request was answered
    with pytest.raises(RemoteProtocolError, match="invoke-id 1 instead of 2"):
        client.receive(get.GetResponseNormal(invoke_id_and_priority=0x41,
                                             result=Unsigned(value=1)).to_bytes())


@pytest.mark.parametrize(("request_event", "answer", "message"), [
    (Get(cosem_attribute_descriptor=attribute()),
     set_.SetResponseNormal(invoke_id_and_priority=0x41, result=DAR.SUCCESS),
     "answered a GET request with SetResponseNormal"),
    (Get(cosem_attribute_descriptor=attribute()),
     get.GetResponseWithList(invoke_id_and_priority=0x41, result=(Unsigned(value=1),)),
     "answered a GET request with GetResponseWithList"),
    (GetWithList(attribute_descriptor_list=(ITEM, ITEM)),
     get.GetResponseWithList(invoke_id_and_priority=0x41, result=(Unsigned(value=1),)),
     r"carries 1 result\(s\) for 2 requested item\(s\)"),
    (SetWithList(attribute_descriptor_list=(ITEM,), value_list=(NullData(),)),
     set_.SetResponseWithList(invoke_id_and_priority=0x41, result=()),
     r"carries 0 result\(s\) for 1"),
    (ActionWithList(cosem_method_descriptor_list=(method(),),
                    method_invocation_parameters=(NullData(),)),
     act.ActionResponseNormal(invoke_id_and_priority=0x41,
                              single_response=act.ActionResponseWithOptionalData(
                                  result=ActionResult.SUCCESS)),
     "answered a ACTION-with-list request with ActionResponseNormal"),
    (Set(cosem_attribute_descriptor=attribute(), value=NullData()),
     set_.SetResponseDatablock(invoke_id_and_priority=0x41, block_number=1),
     "request-block-ack is not allowed in state request pending"),
])
def test_client_flags_responses_of_the_wrong_kind(request_event: ClientRequest,
                                                  answer: object, message: str) -> None:
    client = _pending(request=request_event)
    with pytest.raises(RemoteProtocolError, match=message):
        client.receive(answer.to_bytes())  # type: ignore[attr-defined]
    assert client.state is ServicesState.IDLE


def test_client_flags_unsolicited_and_malformed_apdus() -> None:
    client = ClientServices(config())
    response = get.GetResponseNormal(invoke_id_and_priority=0x41, result=Unsigned(value=1))
    with pytest.raises(RemoteProtocolError, match="response is not allowed in state idle"):
        client.receive(response.to_bytes())
    # A response to an unconfirmed request is unsolicited too.
    client.send(Set(cosem_attribute_descriptor=attribute(), value=NullData(),
                    service_class=ServiceClass.UNCONFIRMED))
    with pytest.raises(RemoteProtocolError, match="not allowed in state idle"):
        client.receive(set_.SetResponseNormal(invoke_id_and_priority=0x02,
                                              result=DAR.SUCCESS).to_bytes())
    refusal = exception(SNA, ExceptionServiceError.OTHER_REASON)
    with pytest.raises(RemoteProtocolError, match="exception-response is not allowed"):
        client.receive(refusal.to_bytes())
    with pytest.raises(RemoteProtocolError, match="not the response to a request"):
        client.receive(hexbytes(vector("get-request-normal-c1")["hex"]))
    with pytest.raises(RemoteProtocolError, match="empty APDU"):
        client.receive(b"")
    with pytest.raises(RemoteProtocolError, match="malformed APDU") as error:
        client.receive(bytes.fromhex("C401C10006000013"))  # double-long-unsigned cut short
    assert isinstance(error.value.__cause__, CodecError)
    assert error.value.__cause__.offset == 5
    nested = GeneralBlockTransfer(last_block=True, streaming=False, window=1, block_number=1,
                                  block_number_ack=0, block_data=bytes.fromhex("E080000100000100"))
    with pytest.raises(RemoteProtocolError, match="carried another one"):
        client.receive(nested.to_bytes())


def test_client_confirms_an_exception_response_and_flags_long_apdus() -> None:
    client = _pending()
    refusal = exception(SNA, ExceptionServiceError.INVOCATION_COUNTER_ERROR)
    assert client.receive(refusal.to_bytes()) == [
        ExceptionConfirm(invoke_id_and_priority=0x41, exception=refusal)]
    client = _pending(client_max=16)
    long = get.GetResponseNormal(invoke_id_and_priority=0x41,
                                 result=OctetString(value=bytes(20)))
    with pytest.raises(RemoteProtocolError, match="APDU of 26 octets exceeds this side's max "
                                                  "receive PDU size 16"):
        client.receive(long.to_bytes())


def test_protection_errors_propagate_and_leave_the_state() -> None:
    client = ClientServices(config(), protection=FakeCiphering())
    client.send(Get(cosem_attribute_descriptor=attribute()))
    with pytest.raises(SecurityError, match="plain APDU"):
        client.receive(get.GetResponseNormal(invoke_id_and_priority=0x41,
                                             result=NullData()).to_bytes())
    assert client.state is ServicesState.REQUEST_PENDING


# -- the server answers as the standard says ------------------------------------------------
def _refused(server: ServerServices, apdu: bytes, message: str) -> object:
    with pytest.raises(RemoteProtocolError, match=message) as error:
        server.receive(apdu)
    assert server.state is ServicesState.IDLE and server.data_to_send() == []
    hint = error.value.response_hint
    assert isinstance(hint, bytes)
    return decode_apdu(hint)


def test_server_refuses_services_not_granted() -> None:
    server = ServerServices(config(C.SET | C.ACTION), Model())
    request = hexbytes(vector("get-request-normal-c1")["hex"])
    assert _refused(server, request, "needs get: not in the negotiated") == exception(
        SNA, ExceptionServiceError.SERVICE_NOT_SUPPORTED)
    server = ServerServices(config(C.GET), Model())
    with_list = get.GetRequestWithList(invoke_id_and_priority=0xC1,
                                       attribute_descriptor_list=(ITEM,)).to_bytes()
    assert _refused(server, with_list, "needs multiple-references") == exception(
        SNA, ExceptionServiceError.SERVICE_NOT_SUPPORTED)
    selective = get.GetRequestNormal(invoke_id_and_priority=0xC1,
                                     cosem_attribute_descriptor=attribute(),
                                     access_selection=SELECTIVE).to_bytes()
    assert _refused(server, selective, "needs selective-access") == exception(
        SNA, ExceptionServiceError.SERVICE_NOT_SUPPORTED)


@pytest.mark.parametrize(("apdu", "message", "state", "service"), [
    ("C401C1000600001391", "not a request this server serves",
     ExceptionStateError.SERVICE_UNKNOWN, ExceptionServiceError.SERVICE_NOT_SUPPORTED),
    ("C009C1", "malformed APDU: unknown GetRequest choice 9",
     ExceptionStateError.SERVICE_UNKNOWN, ExceptionServiceError.SERVICE_NOT_SUPPORTED),
    ("0A0102", "unknown APDU tag 0x0A",
     ExceptionStateError.SERVICE_UNKNOWN, ExceptionServiceError.SERVICE_NOT_SUPPORTED),
    ("C001C100010000", "malformed APDU", SNA, ExceptionServiceError.OTHER_REASON),
    ("", "empty APDU",
     ExceptionStateError.SERVICE_UNKNOWN, ExceptionServiceError.SERVICE_NOT_SUPPORTED),
    ("C2000001000060010AFF021105", "not a request",
     ExceptionStateError.SERVICE_UNKNOWN, ExceptionServiceError.SERVICE_NOT_SUPPORTED),
])
def test_server_answers_unknown_and_malformed_apdus(apdu: str, message: str,
                                                    state: ExceptionStateError,
                                                    service: ExceptionServiceError) -> None:
    server = ServerServices(config(), Model())
    assert _refused(server, bytes.fromhex(apdu), message) == exception(state, service)


def test_server_answers_too_long_requests_and_list_mismatches() -> None:
    server = ServerServices(config(server_max=20), Model())
    big = set_.SetRequestNormal(invoke_id_and_priority=0xC1,
                                cosem_attribute_descriptor=attribute(),
                                value=OctetString(value=bytes(30))).to_bytes()
    assert _refused(server, big, "exceeds this side's max receive PDU size 20") == exception(
        SNA, ExceptionServiceError.PDU_TOO_LONG)
    server = ServerServices(config(), Model())
    mismatch = set_.SetRequestWithList(invoke_id_and_priority=0xC1,
                                       attribute_descriptor_list=(ITEM, ITEM),
                                       value_list=(NullData(),)).to_bytes()
    assert _refused(server, mismatch, r"1 value\(s\) for 2 descriptor") == (
        set_.SetResponseWithList(invoke_id_and_priority=0xC1, result=(DAR.OTHER_REASON,) * 2))
    mismatch = act.ActionRequestWithList(invoke_id_and_priority=0xC1,
                                         cosem_method_descriptor_list=(method(),),
                                         method_invocation_parameters=()).to_bytes()
    refused = _refused(server, mismatch, r"0 value\(s\) for 1 descriptor")
    assert isinstance(refused, act.ActionResponseWithList)
    assert [r.result for r in refused.list_of_responses] == [ActionResult.OTHER_REASON]


def test_server_hints_are_protected_like_responses() -> None:
    ciphering = FakeCiphering()
    server = ServerServices(config(), Model(), protection=ciphering)
    next_block = ciphering.protect(get.GetRequestNext(invoke_id_and_priority=0xC1,
                                                      block_number=1).to_bytes())
    with pytest.raises(RemoteProtocolError) as error:
        server.receive(next_block)
    hint = error.value.response_hint
    assert isinstance(hint, bytes) and hint[0] == 0xDB
    assert decode_apdu(ciphering.unprotect(hint)) == get.GetResponseWithDatablock(
        invoke_id_and_priority=0xC1, result=get.DataBlockG(
            last_block=True, block_number=2, result=DAR.NO_LONG_GET_IN_PROGRESS))
    with pytest.raises(RemoteProtocolError) as error:
        server.receive(ciphering.protect(bytes.fromhex("C009C1")))
    assert error.value.response_hint == exception(  # exception-responses stay plain
        ExceptionStateError.SERVICE_UNKNOWN, ExceptionServiceError.SERVICE_NOT_SUPPORTED
    ).to_bytes()


def test_server_cannot_answer_below_the_smallest_response() -> None:
    model = Model()
    model.put(attribute(), OctetString(value=bytes(10)))
    server = ServerServices(config(C.GET, client_max=4), model)
    with pytest.raises(LocalProtocolError, match="the peer accepts at most 4"):
        server.receive(get.GetRequestNormal(invoke_id_and_priority=0xC1,
                                            cosem_attribute_descriptor=attribute()).to_bytes())
    assert server.state is ServicesState.IDLE and server.data_to_send() == []


def test_server_serves_get_whatever_the_service_class_and_priority() -> None:
    model = Model()
    model.put(attribute(), Unsigned(value=5))
    server = ServerServices(config(), model)
    for invoke in (0x01, 0x81, 0xC1, 0x4F):
        server.receive(get.GetRequestNormal(invoke_id_and_priority=invoke,
                                            cosem_attribute_descriptor=attribute()).to_bytes())
        assert server.data_to_send() == [get.GetResponseNormal(
            invoke_id_and_priority=invoke, result=Unsigned(value=5)).to_bytes()]


def test_client_sets_priority_and_service_class_bits() -> None:
    client = ClientServices(config())
    sent = client.send(Action(cosem_method_descriptor=method(), invoke_id=5,
                              priority=Priority.HIGH, service_class=ServiceClass.UNCONFIRMED))
    assert sent[0][2] == 0x85
    assert client.state is ServicesState.IDLE


class _RefusingPolicy:
    """A protection policy that refuses everything it receives, as the association's
    ciphering does for a plain APDU in a ciphered context (server role: with its hint)."""

    def __init__(self, hint: bytes | None) -> None:
        self.hint = hint

    def protect(self, apdu: bytes, /) -> bytes:
        return bytes(apdu)

    def unprotect(self, apdu: bytes, /) -> bytes:
        raise RemoteProtocolError("plain APDU where the policy requires protection",
                                  response_hint=self.hint)


def test_a_policy_violation_of_the_protection_aborts_the_exchange() -> None:
    client = ClientServices(config(), protection=_RefusingPolicy(None))
    client.send(Get(cosem_attribute_descriptor=attribute()))
    with pytest.raises(RemoteProtocolError, match="policy requires"):
        client.receive(get.GetResponseNormal(invoke_id_and_priority=0x41,
                                             result=NullData()).to_bytes())
    assert client.state is ServicesState.IDLE
    hint = exception(SNA, ExceptionServiceError.OPERATION_NOT_POSSIBLE).to_bytes()
    model = Model()
    model.put(attribute(), OctetString(value=bytes(100)))
    server = ServerServices(config(client_max=40), model, protection=_RefusingPolicy(hint))
    with pytest.raises(RemoteProtocolError) as error:
        server.receive(b"\xc0")
    assert error.value.response_hint == hint and server.state is ServicesState.IDLE


def test_short_notifications_go_plain_during_a_transfer_even_when_gbt_is_preferred() -> None:
    from conformance.protocol.services import BlockTransferMode
    model = Model()
    model.put(attribute(), OctetString(value=bytes(100)))
    server = ServerServices(config(client_max=48, block_transfer=BlockTransferMode
                                   .GENERAL_ALWAYS), model)
    server.receive(get.GetRequestNormal(invoke_id_and_priority=0x41,
                                        cosem_attribute_descriptor=attribute()).to_bytes())
    assert server.data_to_send()[0][0] == 0xE0  # the response goes in GBT
    short = EventNotificationRequest(cosem_attribute_descriptor=attribute(),
                                     attribute_value=Unsigned(value=1))
    assert server.send(Notify(notification=short)) == [short.to_bytes()]
    long = DataNotification(long_invoke_id_and_priority=1,
                            notification_body=OctetString(value=bytes(60)))
    with pytest.raises(LocalProtocolError, match="must wait until the exchange"):
        server.send(Notify(notification=long))
