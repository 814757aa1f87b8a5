"""Pieces of the client role that need no machine state: building the requests of the
.request events, splitting long SET / ACTION requests into blocks, which response answers
which request, and turning responses into .confirm events (IEC 62056-5-3 9.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import TypeVar

from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import encode_data
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.descriptors import DataBlockSA
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult, InvokeIdAndPriority
from conformance.errors import LocalProtocolError
from conformance.protocol.services.blocks import (
    decode_action_responses,
    decode_get_results,
    decode_single_data,
    encode_data_list,
    split_into_blocks,
)
from conformance.protocol.services.events import (
    Action,
    ActionConfirm,
    ActionWithList,
    ActionWithListConfirm,
    ClientRequest,
    ConfirmEvent,
    Get,
    GetConfirm,
    GetWithList,
    GetWithListConfirm,
    Set,
    SetConfirm,
    SetWithList,
    SetWithListConfirm,
    Transfer,
)

__all__ = [
    "ANSWERS",
    "RequestKind",
    "build_request",
    "decode_blocked_response",
    "invoke_problem",
    "request_blocks",
    "simple_confirm",
]

T = TypeVar("T")


class RequestKind(Enum):
    """The confirmed service a client waits for."""

    GET = "GET"
    GET_LIST = "GET-with-list"
    SET = "SET"
    SET_LIST = "SET-with-list"
    ACTION = "ACTION"
    ACTION_LIST = "ACTION-with-list"


K = RequestKind

ANSWERS: Mapping[tuple[RequestKind, bool], tuple[type[Apdu], ...]] = MappingProxyType({
    (K.GET, False): (get.GetResponseNormal, get.GetResponseWithDatablock),
    (K.GET_LIST, False): (get.GetResponseWithList, get.GetResponseWithDatablock),
    (K.SET, False): (set_.SetResponseNormal,),
    (K.SET, True): (set_.SetResponseDatablock, set_.SetResponseLastDatablock),
    (K.SET_LIST, False): (set_.SetResponseWithList,),
    (K.SET_LIST, True): (set_.SetResponseDatablock, set_.SetResponseLastDatablockWithList),
    (K.ACTION, False): (act.ActionResponseNormal, act.ActionResponseWithPblock),
    (K.ACTION, True): (act.ActionResponseNextPblock, act.ActionResponseNormal,
                       act.ActionResponseWithPblock),
    (K.ACTION_LIST, False): (act.ActionResponseWithList, act.ActionResponseWithPblock),
    (K.ACTION_LIST, True): (act.ActionResponseNextPblock, act.ActionResponseWithList,
                            act.ActionResponseWithPblock),
})
"""(request kind, request sent in blocks) -> the response APDUs that may answer it."""


# -- requests ---------------------------------------------------------------------------------
def build_request(event: ClientRequest, invoke: int) -> tuple[RequestKind, Apdu, int]:
    """The request APDU of ``event``, its kind and its number of items (0: normal)."""
    if isinstance(event, Get):
        return K.GET, get.GetRequestNormal(
            invoke_id_and_priority=invoke,
            cosem_attribute_descriptor=event.cosem_attribute_descriptor,
            access_selection=event.access_selection), 0
    if isinstance(event, GetWithList):
        items = _non_empty(event.attribute_descriptor_list, "GetWithList")
        return K.GET_LIST, get.GetRequestWithList(invoke_id_and_priority=invoke,
                                                  attribute_descriptor_list=items), len(items)
    if isinstance(event, Set):
        return K.SET, set_.SetRequestNormal(
            invoke_id_and_priority=invoke,
            cosem_attribute_descriptor=event.cosem_attribute_descriptor,
            access_selection=event.access_selection, value=event.value), 0
    if isinstance(event, SetWithList):
        items = _non_empty(event.attribute_descriptor_list, "SetWithList")
        _same_length(len(items), len(event.value_list), "SetWithList", "value_list")
        return K.SET_LIST, set_.SetRequestWithList(
            invoke_id_and_priority=invoke, attribute_descriptor_list=items,
            value_list=event.value_list), len(items)
    if isinstance(event, Action):
        return K.ACTION, act.ActionRequestNormal(
            invoke_id_and_priority=invoke, cosem_method_descriptor=event.cosem_method_descriptor,
            method_invocation_parameters=event.method_invocation_parameters), 0
    if isinstance(event, ActionWithList):
        methods = _non_empty(event.cosem_method_descriptor_list, "ActionWithList")
        _same_length(len(methods), len(event.method_invocation_parameters), "ActionWithList",
                     "method_invocation_parameters")
        return K.ACTION_LIST, act.ActionRequestWithList(
            invoke_id_and_priority=invoke, cosem_method_descriptor_list=methods,
            method_invocation_parameters=event.method_invocation_parameters), len(methods)
    raise LocalProtocolError(f"a client cannot send {type(event).__name__}")


def _non_empty(items: tuple[T, ...], what: str) -> tuple[T, ...]:
    if not items:
        raise LocalProtocolError(f"{what} needs at least one item")
    return items


def _same_length(expected: int, got: int, what: str, field: str) -> None:
    if expected != got:
        raise LocalProtocolError(f"{what}: {got} {field} for {expected} descriptors")


def _sa(last: bool, number: int, chunk: bytes) -> DataBlockSA:
    return DataBlockSA(last_block=last, block_number=number, raw_data=chunk)


def request_blocks(apdu: Apdu, limit: int) -> list[Apdu] | None:
    """The SET datablocks / ACTION pblocks carrying ``apdu``, none longer than ``limit``
    octets; ``None`` for a request that has no block form (GET, an ACTION without
    parameters) or when no block fits."""
    if isinstance(apdu, set_.SetRequestNormal):
        n = apdu
        return split_into_blocks(
            encode_data(n.value), limit,
            lambda last, num, raw: set_.SetRequestWithFirstDatablock(
                invoke_id_and_priority=n.invoke_id_and_priority,
                cosem_attribute_descriptor=n.cosem_attribute_descriptor,
                access_selection=n.access_selection, datablock=_sa(last, num, raw)),
            lambda last, num, raw: set_.SetRequestWithDatablock(
                invoke_id_and_priority=n.invoke_id_and_priority, datablock=_sa(last, num, raw)))
    if isinstance(apdu, set_.SetRequestWithList):
        s = apdu
        return split_into_blocks(
            encode_data_list(s.value_list), limit,
            lambda last, num, raw: set_.SetRequestWithListAndFirstDatablock(
                invoke_id_and_priority=s.invoke_id_and_priority,
                attribute_descriptor_list=s.attribute_descriptor_list,
                datablock=_sa(last, num, raw)),
            lambda last, num, raw: set_.SetRequestWithDatablock(
                invoke_id_and_priority=s.invoke_id_and_priority, datablock=_sa(last, num, raw)))
    if isinstance(apdu, act.ActionRequestNormal) \
            and apdu.method_invocation_parameters is not None:
        a = apdu
        return split_into_blocks(
            encode_data(apdu.method_invocation_parameters), limit,
            lambda last, num, raw: act.ActionRequestWithFirstPblock(
                invoke_id_and_priority=a.invoke_id_and_priority,
                cosem_method_descriptor=a.cosem_method_descriptor, pblock=_sa(last, num, raw)),
            lambda last, num, raw: act.ActionRequestWithPblock(
                invoke_id_and_priority=a.invoke_id_and_priority, pblock=_sa(last, num, raw)))
    if isinstance(apdu, act.ActionRequestWithList):
        al = apdu
        return split_into_blocks(
            encode_data_list(al.method_invocation_parameters), limit,
            lambda last, num, raw: act.ActionRequestWithListAndFirstPblock(
                invoke_id_and_priority=al.invoke_id_and_priority,
                cosem_method_descriptor_list=al.cosem_method_descriptor_list,
                pblock=_sa(last, num, raw)),
            lambda last, num, raw: act.ActionRequestWithPblock(
                invoke_id_and_priority=al.invoke_id_and_priority, pblock=_sa(last, num, raw)))
    return None


# -- responses --------------------------------------------------------------------------------
def invoke_problem(expected: int, received: int) -> str:
    """Why the Invoke-Id-And-Priority ``received`` does not echo ``expected``."""
    e = InvokeIdAndPriority.from_int(expected)
    r = InvokeIdAndPriority.from_int(received)
    differences = []
    if e.invoke_id != r.invoke_id:
        differences.append(f"invoke-id {r.invoke_id} instead of {e.invoke_id}")
    if e.priority is not r.priority:
        differences.append(f"priority {r.priority.name.lower()} instead of "
                           f"{e.priority.name.lower()}")
    if e.service_class is not r.service_class:
        differences.append(f"service-class {r.service_class.name.lower()} instead of "
                           f"{e.service_class.name.lower()}")
    if e.reserved != r.reserved:
        differences.append(f"reserved bits {r.reserved} instead of {e.reserved}")
    return (f"invoke-id-and-priority 0x{received:02X} does not echo the request's "
            f"0x{expected:02X}: {'; '.join(differences)}")


def _count(what: str, expected: int, got: int) -> None:
    if expected != got:
        raise ValueError(f"{what} carries {got} result(s) for {expected} requested item(s)")


def _early(what: str, all_success: bool, early: bool) -> None:
    if early and all_success:
        raise ValueError(f"{what} reports success before the last block of the request "
                         "was sent")


def simple_confirm(apdu: Apdu, count: int, early: bool, transfer: Transfer) -> ConfirmEvent:
    """The .confirm of a final response that is not a block. ``early``: the request's
    blocks were not all sent, so only a failure may end it. ``ValueError`` (the message
    of a violation) for a result count that does not match or an early success."""
    invoke = getattr(apdu, "invoke_id_and_priority", 0)
    name = type(apdu).__name__
    ok = DataAccessResult.SUCCESS
    if isinstance(apdu, get.GetResponseNormal):
        return GetConfirm(invoke_id_and_priority=invoke, result=apdu.result, transfer=transfer)
    if isinstance(apdu, get.GetResponseWithList):
        _count(name, count, len(apdu.result))
        return GetWithListConfirm(invoke_id_and_priority=invoke, results=apdu.result,
                                  transfer=transfer)
    if isinstance(apdu, set_.SetResponseNormal | set_.SetResponseLastDatablock):
        _early(name, apdu.result is ok, early)
        return SetConfirm(invoke_id_and_priority=invoke, result=apdu.result,
                          transfer=transfer)
    if isinstance(apdu, set_.SetResponseWithList | set_.SetResponseLastDatablockWithList):
        _count(name, count, len(apdu.result))
        _early(name, all(r is ok for r in apdu.result), early)
        return SetWithListConfirm(invoke_id_and_priority=invoke, results=apdu.result,
                                  transfer=transfer)
    if isinstance(apdu, act.ActionResponseNormal):
        _early(name, apdu.single_response.result is ActionResult.SUCCESS, early)
        return ActionConfirm(invoke_id_and_priority=invoke, response=apdu.single_response,
                             transfer=transfer)
    if isinstance(apdu, act.ActionResponseWithList):
        _count(name, count, len(apdu.list_of_responses))
        _early(name, all(r.result is ActionResult.SUCCESS for r in apdu.list_of_responses),
               early)
        return ActionWithListConfirm(invoke_id_and_priority=invoke,
                                     responses=apdu.list_of_responses, transfer=transfer)
    raise ValueError(f"{name} is not a final response")


def decode_blocked_response(kind: RequestKind, invoke: int, raw: bytes, count: int,
                            transfer: Transfer) -> ConfirmEvent:
    """The .confirm of a response reassembled from GET datablocks / ACTION pblocks
    (``CodecError`` when ``raw`` does not decode, ``ValueError`` for a wrong count)."""
    if kind is K.GET:
        return GetConfirm(invoke_id_and_priority=invoke, result=decode_single_data(raw),
                          transfer=transfer)
    if kind is K.GET_LIST:
        results = decode_get_results(raw)
        _count("the reassembled get-response", count, len(results))
        return GetWithListConfirm(invoke_id_and_priority=invoke, results=results,
                                  transfer=transfer)
    if kind is K.ACTION:
        return ActionConfirm(invoke_id_and_priority=invoke, transfer=transfer,
                             response=act.ActionResponseWithOptionalData(
                                 result=ActionResult.SUCCESS,
                                 return_parameters=decode_single_data(raw)))
    if kind is K.ACTION_LIST:
        responses = decode_action_responses(raw)
        _count("the reassembled action-response", count, len(responses))
        return ActionWithListConfirm(invoke_id_and_priority=invoke, responses=responses,
                                     transfer=transfer)
    raise ValueError(f"a {kind.value} request has no blocked response")
