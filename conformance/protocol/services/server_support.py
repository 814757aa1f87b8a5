"""Pieces of the server role that need no machine state: the handler interface the
simulator implements, serving one complete request through it, rebuilding a request that
came in blocks, and the answers the standard gives to a client's mistakes (IEC 62056-5-3
9.4.6; xDLMS ASN.1 in 9.5).

Choices where the standard leaves room (documented so that checks can rely on them):

- A request needing a service or mechanism not in the negotiated conformance, or a general-
  block-transfer APDU without the bit: ExceptionResponse service-not-allowed /
  service-not-supported. A request longer than the server-max-receive-pdu-size:
  service-not-allowed / pdu-too-long. An APDU that is not a request the server knows:
  service-unknown / service-not-supported; a malformed request: service-not-allowed /
  other-reason. A client leaving general block transfer mid-exchange: service-not-allowed /
  operation-not-possible.
- A block continuation with no long transfer in progress: no-long-get-in-progress,
  no-long-set-in-progress, no-long-action-in-progress; a wrong block number:
  data-block-number-invalid (GET, SET) or long-action-aborted (Action-Result has no block
  number code); a block of another invoke-id: long-get / long-set / long-action-aborted.
- A response too long for the client when no block transfer is granted: the result
  other-reason for each attribute or method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import Data, encode_data
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemMethodDescriptor,
    DataBlockSA,
    GetDataResult,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import (
    ActionResult,
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.get import DataBlockG
from conformance.protocol.services.blocks import (
    BlockFactory,
    decode_data_list,
    decode_single_data,
    encode_action_responses,
    encode_get_results,
)

__all__ = [
    "Answer",
    "RequestRefused",
    "ServiceHandler",
    "continuation_hint",
    "exception",
    "rebuild_request",
    "serve",
    "undecodable_blocks_hint",
]

DAR = DataAccessResult
AR = ActionResult


class ServiceHandler(Protocol):
    """What the server's object model answers (the simulator supplies it)."""

    def get(self, descriptor: CosemAttributeDescriptor,
            selective_access: SelectiveAccessDescriptor | None, /) -> GetDataResult:
        """GET one attribute: its value, or why it cannot be read."""

    def set(self, descriptor: CosemAttributeDescriptor,
            selective_access: SelectiveAccessDescriptor | None, value: Data, /
            ) -> DataAccessResult:
        """SET one attribute: success, or why not."""

    def action(self, descriptor: CosemMethodDescriptor, parameters: Data | None, /
               ) -> tuple[ActionResult, GetDataResult | None]:
        """ACTION on one method: its result and optional return parameters."""


class RequestRefused(Exception):
    """A request the server answers with ``hint`` instead of serving it."""

    def __init__(self, message: str, hint: Apdu) -> None:
        super().__init__(message)
        self.hint = hint


def exception(state: ExceptionStateError, service: ExceptionServiceError) -> ExceptionResponse:
    """An ExceptionResponse."""
    return ExceptionResponse(state_error=state, service_error=service)


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """How the server answers one complete request."""

    response: Apdu
    """The response APDU as a whole."""
    raw: bytes | None = None
    """What service-specific blocks would carry (``None``: the response has no block form)."""
    block: BlockFactory | None = None
    """Builds those blocks."""
    fallback: Apdu | None = None
    """The answer when the response is too long and cannot be blocked."""


def _get_block(invoke: int) -> BlockFactory:
    return lambda last, number, raw: get.GetResponseWithDatablock(
        invoke_id_and_priority=invoke,
        result=DataBlockG(last_block=last, block_number=number, result=raw))


def _action_block(invoke: int) -> BlockFactory:
    return lambda last, number, raw: act.ActionResponseWithPblock(
        invoke_id_and_priority=invoke,
        pblock=DataBlockSA(last_block=last, block_number=number, raw_data=raw))


def _outcome(handler: ServiceHandler, method: CosemMethodDescriptor,
             parameters: Data | None) -> act.ActionResponseWithOptionalData:
    result, returned = handler.action(method, parameters)
    return act.ActionResponseWithOptionalData(result=result, return_parameters=returned)


def _count(request: Apdu, descriptors: int, values: int, hint: Apdu) -> None:
    if descriptors != values:
        raise RequestRefused(f"{type(request).__name__}: {values} value(s) for "
                             f"{descriptors} descriptor(s)", hint)


def serve(handler: ServiceHandler, request: Apdu, request_blocks: int = 0) -> Answer:
    """Call ``handler`` for a complete GET / SET / ACTION request (normal or with-list) and
    build the answer. ``request_blocks``: the number of datablocks a SET came in (its
    response is then set-response-last-datablock(-with-list))."""
    invoke = getattr(request, "invoke_id_and_priority", 0)
    if isinstance(request, get.GetRequestNormal):
        result = handler.get(request.cosem_attribute_descriptor, request.access_selection)
        return Answer(
            response=get.GetResponseNormal(invoke_id_and_priority=invoke, result=result),
            raw=None if isinstance(result, DataAccessResult) else encode_data(result),
            block=_get_block(invoke),
            fallback=get.GetResponseNormal(invoke_id_and_priority=invoke,
                                           result=DAR.OTHER_REASON))
    if isinstance(request, get.GetRequestWithList):
        results = tuple(handler.get(item.cosem_attribute_descriptor, item.access_selection)
                        for item in request.attribute_descriptor_list)
        return Answer(
            response=get.GetResponseWithList(invoke_id_and_priority=invoke, result=results),
            raw=encode_get_results(results), block=_get_block(invoke),
            fallback=get.GetResponseWithList(
                invoke_id_and_priority=invoke, result=(DAR.OTHER_REASON,) * len(results)))
    if isinstance(request, set_.SetRequestNormal):
        outcome = handler.set(request.cosem_attribute_descriptor, request.access_selection,
                              request.value)
        if request_blocks:
            return Answer(response=set_.SetResponseLastDatablock(
                invoke_id_and_priority=invoke, result=outcome, block_number=request_blocks))
        return Answer(response=set_.SetResponseNormal(invoke_id_and_priority=invoke,
                                                      result=outcome))
    if isinstance(request, set_.SetRequestWithList):
        items = request.attribute_descriptor_list
        refusal = (set_.SetResponseLastDatablockWithList(
            invoke_id_and_priority=invoke, result=(DAR.OTHER_REASON,) * len(items),
            block_number=request_blocks) if request_blocks else set_.SetResponseWithList(
            invoke_id_and_priority=invoke, result=(DAR.OTHER_REASON,) * len(items)))
        _count(request, len(items), len(request.value_list), refusal)
        outcomes = tuple(handler.set(item.cosem_attribute_descriptor, item.access_selection,
                                     value)
                         for item, value in zip(items, request.value_list, strict=True))
        if request_blocks:
            return Answer(response=set_.SetResponseLastDatablockWithList(
                invoke_id_and_priority=invoke, result=outcomes, block_number=request_blocks))
        return Answer(response=set_.SetResponseWithList(invoke_id_and_priority=invoke,
                                                        result=outcomes))
    if isinstance(request, act.ActionRequestNormal):
        single = _outcome(handler, request.cosem_method_descriptor,
                          request.method_invocation_parameters)
        returned = single.return_parameters
        blockable = single.result is AR.SUCCESS and isinstance(returned, Data)
        return Answer(
            response=act.ActionResponseNormal(invoke_id_and_priority=invoke,
                                              single_response=single),
            raw=encode_data(returned) if blockable and isinstance(returned, Data) else None,
            block=_action_block(invoke),
            fallback=act.ActionResponseNormal(
                invoke_id_and_priority=invoke,
                single_response=act.ActionResponseWithOptionalData(result=AR.OTHER_REASON)))
    if isinstance(request, act.ActionRequestWithList):
        methods = request.cosem_method_descriptor_list
        failed = (act.ActionResponseWithOptionalData(result=AR.OTHER_REASON),) * len(methods)
        _count(request, len(methods), len(request.method_invocation_parameters),
               act.ActionResponseWithList(invoke_id_and_priority=invoke,
                                          list_of_responses=failed))
        responses = tuple(_outcome(handler, method, parameters) for method, parameters
                          in zip(methods, request.method_invocation_parameters, strict=True))
        return Answer(
            response=act.ActionResponseWithList(invoke_id_and_priority=invoke,
                                                list_of_responses=responses),
            raw=encode_action_responses(responses), block=_action_block(invoke),
            fallback=act.ActionResponseWithList(invoke_id_and_priority=invoke,
                                                list_of_responses=failed))
    raise RequestRefused(f"{type(request).__name__} is not a complete request",
                         exception(ExceptionStateError.SERVICE_UNKNOWN,
                                   ExceptionServiceError.SERVICE_NOT_SUPPORTED))


def rebuild_request(head: Apdu, raw: bytes) -> Apdu:
    """The complete request a first block ``head`` and the concatenated raw-data of all
    blocks stand for (``CodecError`` when ``raw`` does not decode)."""
    invoke = getattr(head, "invoke_id_and_priority", 0)
    if isinstance(head, set_.SetRequestWithFirstDatablock):
        return set_.SetRequestNormal(invoke_id_and_priority=invoke,
                                     cosem_attribute_descriptor=head.cosem_attribute_descriptor,
                                     access_selection=head.access_selection,
                                     value=decode_single_data(raw))
    if isinstance(head, set_.SetRequestWithListAndFirstDatablock):
        return set_.SetRequestWithList(invoke_id_and_priority=invoke,
                                       attribute_descriptor_list=head.attribute_descriptor_list,
                                       value_list=decode_data_list(raw))
    if isinstance(head, act.ActionRequestWithFirstPblock):
        return act.ActionRequestNormal(invoke_id_and_priority=invoke,
                                       cosem_method_descriptor=head.cosem_method_descriptor,
                                       method_invocation_parameters=decode_single_data(raw))
    if isinstance(head, act.ActionRequestWithListAndFirstPblock):
        return act.ActionRequestWithList(
            invoke_id_and_priority=invoke,
            cosem_method_descriptor_list=head.cosem_method_descriptor_list,
            method_invocation_parameters=decode_data_list(raw))
    raise TypeError(f"{type(head).__name__} does not start a block transfer")


def _list_length(head: Apdu | None) -> int | None:
    if isinstance(head, set_.SetRequestWithListAndFirstDatablock):
        return len(head.attribute_descriptor_list)
    if isinstance(head, act.ActionRequestWithListAndFirstPblock):
        return len(head.cosem_method_descriptor_list)
    return None


def continuation_hint(apdu: Apdu, get_code: DataAccessResult, action_code: ActionResult,
                      head: Apdu | None = None, set_code: DataAccessResult | None = None
                      ) -> Apdu:
    """The answer to a block continuation (get-request-next, set-request-with-datablock,
    action-request-with-pblock / next-pblock) that cannot continue: ``get_code`` for GET,
    ``set_code`` (default ``get_code``) for SET, ``action_code`` for ACTION. ``head`` is the
    first block of the transfer in progress, if any (a with-list SET is answered with a
    result per attribute)."""
    invoke = getattr(apdu, "invoke_id_and_priority", 0)
    if isinstance(apdu, get.GetRequestNext):
        return get.GetResponseWithDatablock(
            invoke_id_and_priority=invoke,
            result=DataBlockG(last_block=True, block_number=apdu.block_number + 1
                              if apdu.block_number < 0xFFFF_FFFF else apdu.block_number,
                              result=get_code))
    if isinstance(apdu, set_.SetRequestWithDatablock):
        code = get_code if set_code is None else set_code
        number = apdu.datablock.block_number
        count = _list_length(head)
        if count is not None:
            return set_.SetResponseLastDatablockWithList(
                invoke_id_and_priority=invoke, result=(code,) * count, block_number=number)
        return set_.SetResponseLastDatablock(invoke_id_and_priority=invoke, result=code,
                                             block_number=number)
    if isinstance(apdu, act.ActionRequestWithPblock | act.ActionRequestNextPblock):
        count = _list_length(head)
        failed = act.ActionResponseWithOptionalData(result=action_code)
        if count is not None and isinstance(apdu, act.ActionRequestWithPblock):
            return act.ActionResponseWithList(invoke_id_and_priority=invoke,
                                              list_of_responses=(failed,) * count)
        return act.ActionResponseNormal(invoke_id_and_priority=invoke, single_response=failed)
    return exception(ExceptionStateError.SERVICE_NOT_ALLOWED,
                     ExceptionServiceError.OPERATION_NOT_POSSIBLE)


def undecodable_blocks_hint(head: Apdu, blocks: int) -> Apdu:
    """The answer to a long SET / ACTION whose reassembled data does not decode."""
    invoke = getattr(head, "invoke_id_and_priority", 0)
    if isinstance(head, set_.SetRequestWithListAndFirstDatablock):
        return set_.SetResponseLastDatablockWithList(
            invoke_id_and_priority=invoke,
            result=(DAR.OTHER_REASON,) * len(head.attribute_descriptor_list),
            block_number=blocks)
    if isinstance(head, set_.SetRequest):
        return set_.SetResponseLastDatablock(invoke_id_and_priority=invoke,
                                             result=DAR.OTHER_REASON, block_number=blocks)
    failed = act.ActionResponseWithOptionalData(result=AR.OTHER_REASON)
    if isinstance(head, act.ActionRequestWithListAndFirstPblock):
        return act.ActionResponseWithList(
            invoke_id_and_priority=invoke,
            list_of_responses=(failed,) * len(head.cosem_method_descriptor_list))
    return act.ActionResponseNormal(invoke_id_and_priority=invoke, single_response=failed)
