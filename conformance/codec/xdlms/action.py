"""ACTION service APDUs (IEC 62056-5-3 9.5, xDLMS ASN.1).

::

    Action-Request ::= CHOICE {                                           -- tag 0xC3
      action-request-normal [1] SEQUENCE { invoke-id-and-priority,
          cosem-method-descriptor, method-invocation-parameters Data OPTIONAL },
      action-request-next-pblock [2] SEQUENCE { invoke-id-and-priority,
          block-number Unsigned32 },
      action-request-with-list [3] SEQUENCE { invoke-id-and-priority,
          cosem-method-descriptor-list SEQUENCE OF Cosem-Method-Descriptor,
          method-invocation-parameters SEQUENCE OF Data },
      action-request-with-first-pblock [4] SEQUENCE { invoke-id-and-priority,
          cosem-method-descriptor, pblock DataBlock-SA },
      action-request-with-list-and-first-pblock [5] SEQUENCE { invoke-id-and-priority,
          cosem-method-descriptor-list, pblock DataBlock-SA },
      action-request-with-pblock [6] SEQUENCE { invoke-id-and-priority,
          pblock DataBlock-SA } }

    Action-Response ::= CHOICE {                                          -- tag 0xC7
      action-response-normal [1] SEQUENCE { invoke-id-and-priority,
          single-response Action-Response-With-Optional-Data },
      action-response-with-pblock [2] SEQUENCE { invoke-id-and-priority,
          pblock DataBlock-SA },
      action-response-with-list [3] SEQUENCE { invoke-id-and-priority,
          list-of-responses SEQUENCE OF Action-Response-With-Optional-Data },
      action-response-next-pblock [4] SEQUENCE { invoke-id-and-priority,
          block-number Unsigned32 } }

    Action-Response-With-Optional-Data ::= SEQUENCE { result Action-Result,
        return-parameters Get-Data-Result OPTIONAL }
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.axdr import Data, read_data, write_data
from conformance.codec.xdlms.descriptors import (
    CosemMethodDescriptor,
    DataBlockSA,
    GetDataResult,
    pull_data_list,
    pull_get_data_result,
    push_data_list,
    push_get_data_result,
    push_head,
    unknown_choice,
)
from conformance.codec.xdlms.enums import ActionResult, pull_action_result

__all__ = [
    "ActionRequest",
    "ActionRequestNextPblock",
    "ActionRequestNormal",
    "ActionRequestWithFirstPblock",
    "ActionRequestWithList",
    "ActionRequestWithListAndFirstPblock",
    "ActionRequestWithPblock",
    "ActionResponse",
    "ActionResponseNextPblock",
    "ActionResponseNormal",
    "ActionResponseWithList",
    "ActionResponseWithOptionalData",
    "ActionResponseWithPblock",
    "decode_action_request",
    "decode_action_response",
]


def _push_methods(w: Writer, methods: tuple[CosemMethodDescriptor, ...]) -> None:
    w.push_length(len(methods))
    for m in methods:
        m.encode(w)


def _pull_method(r: Reader, field: str = "cosem_method_descriptor") -> CosemMethodDescriptor:
    with r.scope(field):
        return CosemMethodDescriptor.decode(r)


def _pull_methods(r: Reader) -> tuple[CosemMethodDescriptor, ...]:
    count = r.pull_length("cosem_method_descriptor_list.count")
    return tuple(_pull_method(r, f"cosem_method_descriptor_list[{i}]") for i in range(count))


def _pull_pblock(r: Reader) -> DataBlockSA:
    with r.scope("pblock"):
        return DataBlockSA.decode(r)


# -- requests ---------------------------------------------------------------------------
class ActionRequest(Apdu):
    """Base of the ``Action-Request`` alternatives (tag 0xC3)."""

    __slots__ = ()
    TAG: ClassVar[int] = 0xC3
    CHOICE: ClassVar[int]
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte; every alternative carries it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRequestNormal(ActionRequest):
    """``action-request-normal`` [1]: invoke one method."""

    CHOICE: ClassVar[int] = 1
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    cosem_method_descriptor: CosemMethodDescriptor
    """The method."""
    method_invocation_parameters: Data | None = None
    """The method's argument; ``None`` = absent (not the same as null-data)."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC3, 1, self.invoke_id_and_priority)
        self.cosem_method_descriptor.encode(w)
        if self.method_invocation_parameters is None:
            w.push_u8(0)
        else:
            w.push_u8(1)
            write_data(w, self.method_invocation_parameters)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRequestNextPblock(ActionRequest):
    """``action-request-next-pblock`` [2]: ask for the next block of a long response."""

    CHOICE: ClassVar[int] = 2
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    block_number: int
    """Unsigned32: the number of the block last received."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC3, 2, self.invoke_id_and_priority)
        w.push_u32(self.block_number)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRequestWithList(ActionRequest):
    """``action-request-with-list`` [3]: invoke several methods at once."""

    CHOICE: ClassVar[int] = 3
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    cosem_method_descriptor_list: tuple[CosemMethodDescriptor, ...]
    """The methods."""
    method_invocation_parameters: tuple[Data, ...]
    """One argument per method, in the same order."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC3, 3, self.invoke_id_and_priority)
        _push_methods(w, self.cosem_method_descriptor_list)
        push_data_list(w, self.method_invocation_parameters)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRequestWithFirstPblock(ActionRequest):
    """``action-request-with-first-pblock`` [4]: start a long ACTION of one method."""

    CHOICE: ClassVar[int] = 4
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    cosem_method_descriptor: CosemMethodDescriptor
    """The method."""
    pblock: DataBlockSA
    """The first block of the encoded argument."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC3, 4, self.invoke_id_and_priority)
        self.cosem_method_descriptor.encode(w)
        self.pblock.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRequestWithListAndFirstPblock(ActionRequest):
    """``action-request-with-list-and-first-pblock`` [5]: start a long ACTION of a list."""

    CHOICE: ClassVar[int] = 5
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    cosem_method_descriptor_list: tuple[CosemMethodDescriptor, ...]
    """The methods."""
    pblock: DataBlockSA
    """The first block of the encoded argument list."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC3, 5, self.invoke_id_and_priority)
        _push_methods(w, self.cosem_method_descriptor_list)
        self.pblock.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRequestWithPblock(ActionRequest):
    """``action-request-with-pblock`` [6]: a following block of a long ACTION."""

    CHOICE: ClassVar[int] = 6
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    pblock: DataBlockSA
    """The block."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC3, 6, self.invoke_id_and_priority)
        self.pblock.encode(w)


def _action_request_normal(r: Reader) -> ActionRequest:
    with r.scope("ActionRequestNormal"):
        invoke = r.pull_u8("invoke_id_and_priority")
        method = _pull_method(r)
        parameters = None
        if r.pull_optional_flag("method_invocation_parameters"):
            with r.scope("method_invocation_parameters"):
                parameters = read_data(r)
        return ActionRequestNormal(invoke_id_and_priority=invoke,
                                   cosem_method_descriptor=method,
                                   method_invocation_parameters=parameters)


def _action_request_next_pblock(r: Reader) -> ActionRequest:
    with r.scope("ActionRequestNextPblock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return ActionRequestNextPblock(invoke_id_and_priority=invoke,
                                       block_number=r.pull_u32("block_number"))


def _action_request_with_list(r: Reader) -> ActionRequest:
    with r.scope("ActionRequestWithList"):
        invoke = r.pull_u8("invoke_id_and_priority")
        methods = _pull_methods(r)
        return ActionRequestWithList(
            invoke_id_and_priority=invoke, cosem_method_descriptor_list=methods,
            method_invocation_parameters=pull_data_list(r, "method_invocation_parameters"))


def _action_request_with_first_pblock(r: Reader) -> ActionRequest:
    with r.scope("ActionRequestWithFirstPblock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        method = _pull_method(r)
        return ActionRequestWithFirstPblock(invoke_id_and_priority=invoke,
                                            cosem_method_descriptor=method,
                                            pblock=_pull_pblock(r))


def _action_request_with_list_and_first_pblock(r: Reader) -> ActionRequest:
    with r.scope("ActionRequestWithListAndFirstPblock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        methods = _pull_methods(r)
        return ActionRequestWithListAndFirstPblock(invoke_id_and_priority=invoke,
                                                   cosem_method_descriptor_list=methods,
                                                   pblock=_pull_pblock(r))


def _action_request_with_pblock(r: Reader) -> ActionRequest:
    with r.scope("ActionRequestWithPblock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return ActionRequestWithPblock(invoke_id_and_priority=invoke, pblock=_pull_pblock(r))


_REQUESTS: dict[int, Callable[[Reader], ActionRequest]] = {
    1: _action_request_normal, 2: _action_request_next_pblock, 3: _action_request_with_list,
    4: _action_request_with_first_pblock, 5: _action_request_with_list_and_first_pblock,
    6: _action_request_with_pblock}


@register(0xC3)
def decode_action_request(r: Reader) -> ActionRequest:
    """Decode an Action-Request; ``r`` is positioned just after the tag 0xC3."""
    start = r.offset
    choice = r.pull_u8("ActionRequest.choice")
    decoder = _REQUESTS.get(choice)
    if decoder is None:
        raise unknown_choice(r, "ActionRequest", 0xC3, choice, start)
    return decoder(r)


# -- responses --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResponseWithOptionalData:
    """``Action-Response-With-Optional-Data``: a method's result and optional return."""

    result: ActionResult
    """Success or why the method failed."""
    return_parameters: GetDataResult | None = None
    """``Data`` returned by the method, a ``DataAccessResult``, or ``None`` (absent)."""

    def encode(self, w: Writer) -> None:
        """Append the structure."""
        w.push_u8(self.result)
        if self.return_parameters is None:
            w.push_u8(0)
        else:
            w.push_u8(1)
            push_get_data_result(w, self.return_parameters)

    @classmethod
    def decode(cls, r: Reader) -> ActionResponseWithOptionalData:
        """Read the structure."""
        result = pull_action_result(r, "result")
        parameters = None
        if r.pull_optional_flag("return_parameters"):
            parameters = pull_get_data_result(r, "return_parameters")
        return cls(result=result, return_parameters=parameters)


class ActionResponse(Apdu):
    """Base of the ``Action-Response`` alternatives (tag 0xC7)."""

    __slots__ = ()
    TAG: ClassVar[int] = 0xC7
    CHOICE: ClassVar[int]
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte; every alternative carries it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResponseNormal(ActionResponse):
    """``action-response-normal`` [1]: the outcome of one method."""

    CHOICE: ClassVar[int] = 1
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    single_response: ActionResponseWithOptionalData
    """Result and optional return parameters."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC7, 1, self.invoke_id_and_priority)
        self.single_response.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResponseWithPblock(ActionResponse):
    """``action-response-with-pblock`` [2]: one block of a long ACTION response."""

    CHOICE: ClassVar[int] = 2
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    pblock: DataBlockSA
    """The block."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC7, 2, self.invoke_id_and_priority)
        self.pblock.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResponseWithList(ActionResponse):
    """``action-response-with-list`` [3]: one outcome per method of a with-list request."""

    CHOICE: ClassVar[int] = 3
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    list_of_responses: tuple[ActionResponseWithOptionalData, ...]
    """The outcomes, in request order."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC7, 3, self.invoke_id_and_priority)
        w.push_length(len(self.list_of_responses))
        for item in self.list_of_responses:
            item.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResponseNextPblock(ActionResponse):
    """``action-response-next-pblock`` [4]: acknowledges a block of a long ACTION request."""

    CHOICE: ClassVar[int] = 4
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    block_number: int
    """Unsigned32: the number of the block received."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC7, 4, self.invoke_id_and_priority)
        w.push_u32(self.block_number)


def _action_response_normal(r: Reader) -> ActionResponse:
    with r.scope("ActionResponseNormal"):
        invoke = r.pull_u8("invoke_id_and_priority")
        with r.scope("single_response"):
            single = ActionResponseWithOptionalData.decode(r)
        return ActionResponseNormal(invoke_id_and_priority=invoke, single_response=single)


def _action_response_with_pblock(r: Reader) -> ActionResponse:
    with r.scope("ActionResponseWithPblock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return ActionResponseWithPblock(invoke_id_and_priority=invoke, pblock=_pull_pblock(r))


def _action_response_with_list(r: Reader) -> ActionResponse:
    with r.scope("ActionResponseWithList"):
        invoke = r.pull_u8("invoke_id_and_priority")
        count = r.pull_length("list_of_responses.count")
        items = []
        for i in range(count):
            with r.scope(f"list_of_responses[{i}]"):
                items.append(ActionResponseWithOptionalData.decode(r))
        return ActionResponseWithList(invoke_id_and_priority=invoke,
                                      list_of_responses=tuple(items))


def _action_response_next_pblock(r: Reader) -> ActionResponse:
    with r.scope("ActionResponseNextPblock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return ActionResponseNextPblock(invoke_id_and_priority=invoke,
                                        block_number=r.pull_u32("block_number"))


_RESPONSES: dict[int, Callable[[Reader], ActionResponse]] = {
    1: _action_response_normal, 2: _action_response_with_pblock,
    3: _action_response_with_list, 4: _action_response_next_pblock}


@register(0xC7)
def decode_action_response(r: Reader) -> ActionResponse:
    """Decode an Action-Response; ``r`` is positioned just after the tag 0xC7."""
    start = r.offset
    choice = r.pull_u8("ActionResponse.choice")
    decoder = _RESPONSES.get(choice)
    if decoder is None:
        raise unknown_choice(r, "ActionResponse", 0xC7, choice, start)
    return decoder(r)
