"""SET service APDUs (IEC 62056-5-3 9.5, xDLMS ASN.1).

::

    Set-Request ::= CHOICE {                                              -- tag 0xC1
      set-request-normal [1] SEQUENCE { invoke-id-and-priority,
          cosem-attribute-descriptor, access-selection OPTIONAL, value Data },
      set-request-with-first-datablock [2] SEQUENCE { invoke-id-and-priority,
          cosem-attribute-descriptor, access-selection OPTIONAL, datablock DataBlock-SA },
      set-request-with-datablock [3] SEQUENCE { invoke-id-and-priority,
          datablock DataBlock-SA },
      set-request-with-list [4] SEQUENCE { invoke-id-and-priority,
          attribute-descriptor-list SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection,
          value-list SEQUENCE OF Data },
      set-request-with-list-and-first-datablock [5] SEQUENCE { invoke-id-and-priority,
          attribute-descriptor-list, datablock DataBlock-SA } }

    Set-Response ::= CHOICE {                                             -- tag 0xC5
      set-response-normal [1] SEQUENCE { invoke-id-and-priority, result Data-Access-Result },
      set-response-datablock [2] SEQUENCE { invoke-id-and-priority, block-number Unsigned32 },
      set-response-last-datablock [3] SEQUENCE { invoke-id-and-priority,
          result Data-Access-Result, block-number Unsigned32 },
      set-response-last-datablock-with-list [4] SEQUENCE { invoke-id-and-priority,
          result SEQUENCE OF Data-Access-Result, block-number Unsigned32 },
      set-response-with-list [5] SEQUENCE { invoke-id-and-priority,
          result SEQUENCE OF Data-Access-Result } }

The codec does not require ``value-list`` to be as long as ``attribute-descriptor-list``:
both are well-formed A-XDR either way, and a server answers the mismatch with a result
(so a check can send one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.axdr import Data, read_data, write_data
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    DataBlockSA,
    SelectiveAccessDescriptor,
    pull_access_selection,
    pull_data_list,
    pull_descriptor_list,
    push_access_selection,
    push_data_list,
    push_head,
    unknown_choice,
)
from conformance.codec.xdlms.enums import DataAccessResult, pull_data_access_result

__all__ = [
    "SetRequest",
    "SetRequestNormal",
    "SetRequestWithDatablock",
    "SetRequestWithFirstDatablock",
    "SetRequestWithList",
    "SetRequestWithListAndFirstDatablock",
    "SetResponse",
    "SetResponseDatablock",
    "SetResponseLastDatablock",
    "SetResponseLastDatablockWithList",
    "SetResponseNormal",
    "SetResponseWithList",
    "decode_set_request",
    "decode_set_response",
]


def _push_descriptor_list(w: Writer,
                          items: tuple[CosemAttributeDescriptorWithSelection, ...]) -> None:
    w.push_length(len(items))
    for item in items:
        item.encode(w)


def _push_results(w: Writer, results: tuple[DataAccessResult, ...]) -> None:
    w.push_length(len(results))
    for result in results:
        w.push_u8(result)


def _pull_results(r: Reader, field: str) -> tuple[DataAccessResult, ...]:
    count = r.pull_length(f"{field}.count")
    return tuple(pull_data_access_result(r, f"{field}[{i}]") for i in range(count))


# -- requests ---------------------------------------------------------------------------
class SetRequest(Apdu):
    """Base of the ``Set-Request`` alternatives (tag 0xC1)."""

    __slots__ = ()
    TAG: ClassVar[int] = 0xC1
    CHOICE: ClassVar[int]
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte; every alternative carries it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRequestNormal(SetRequest):
    """``set-request-normal`` [1]: write one attribute."""

    CHOICE: ClassVar[int] = 1
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    cosem_attribute_descriptor: CosemAttributeDescriptor
    """The attribute to write."""
    value: Data
    """The new value."""
    access_selection: SelectiveAccessDescriptor | None = None
    """Optional selective access."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC1, 1, self.invoke_id_and_priority)
        self.cosem_attribute_descriptor.encode(w)
        push_access_selection(w, self.access_selection)
        write_data(w, self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRequestWithFirstDatablock(SetRequest):
    """``set-request-with-first-datablock`` [2]: start writing one attribute in blocks."""

    CHOICE: ClassVar[int] = 2
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    cosem_attribute_descriptor: CosemAttributeDescriptor
    """The attribute to write."""
    datablock: DataBlockSA
    """The first block (block-number 1) of the encoded value."""
    access_selection: SelectiveAccessDescriptor | None = None
    """Optional selective access."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC1, 2, self.invoke_id_and_priority)
        self.cosem_attribute_descriptor.encode(w)
        push_access_selection(w, self.access_selection)
        self.datablock.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRequestWithDatablock(SetRequest):
    """``set-request-with-datablock`` [3]: a following block of a long SET."""

    CHOICE: ClassVar[int] = 3
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    datablock: DataBlockSA
    """The block."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC1, 3, self.invoke_id_and_priority)
        self.datablock.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRequestWithList(SetRequest):
    """``set-request-with-list`` [4]: write several attributes at once."""

    CHOICE: ClassVar[int] = 4
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    attribute_descriptor_list: tuple[CosemAttributeDescriptorWithSelection, ...]
    """The attributes."""
    value_list: tuple[Data, ...]
    """One value per attribute, in the same order."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC1, 4, self.invoke_id_and_priority)
        _push_descriptor_list(w, self.attribute_descriptor_list)
        push_data_list(w, self.value_list)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRequestWithListAndFirstDatablock(SetRequest):
    """``set-request-with-list-and-first-datablock`` [5]: start a long SET of a list
    (the blocks carry the encoded ``value-list``)."""

    CHOICE: ClassVar[int] = 5
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    attribute_descriptor_list: tuple[CosemAttributeDescriptorWithSelection, ...]
    """The attributes."""
    datablock: DataBlockSA
    """The first block."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC1, 5, self.invoke_id_and_priority)
        _push_descriptor_list(w, self.attribute_descriptor_list)
        self.datablock.encode(w)


def _attribute(r: Reader) -> tuple[CosemAttributeDescriptor, SelectiveAccessDescriptor | None]:
    with r.scope("cosem_attribute_descriptor"):
        descriptor = CosemAttributeDescriptor.decode(r)
    return descriptor, pull_access_selection(r)


def _datablock(r: Reader) -> DataBlockSA:
    with r.scope("datablock"):
        return DataBlockSA.decode(r)


def _set_request_normal(r: Reader) -> SetRequest:
    with r.scope("SetRequestNormal"):
        invoke = r.pull_u8("invoke_id_and_priority")
        descriptor, selection = _attribute(r)
        with r.scope("value"):
            value = read_data(r)
        return SetRequestNormal(invoke_id_and_priority=invoke,
                                cosem_attribute_descriptor=descriptor,
                                access_selection=selection, value=value)


def _set_request_with_first_datablock(r: Reader) -> SetRequest:
    with r.scope("SetRequestWithFirstDatablock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        descriptor, selection = _attribute(r)
        return SetRequestWithFirstDatablock(invoke_id_and_priority=invoke,
                                            cosem_attribute_descriptor=descriptor,
                                            access_selection=selection,
                                            datablock=_datablock(r))


def _set_request_with_datablock(r: Reader) -> SetRequest:
    with r.scope("SetRequestWithDatablock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return SetRequestWithDatablock(invoke_id_and_priority=invoke, datablock=_datablock(r))


def _set_request_with_list(r: Reader) -> SetRequest:
    with r.scope("SetRequestWithList"):
        invoke = r.pull_u8("invoke_id_and_priority")
        descriptors = pull_descriptor_list(r, "attribute_descriptor_list")
        return SetRequestWithList(invoke_id_and_priority=invoke,
                                  attribute_descriptor_list=descriptors,
                                  value_list=pull_data_list(r, "value_list"))


def _set_request_with_list_and_first_datablock(r: Reader) -> SetRequest:
    with r.scope("SetRequestWithListAndFirstDatablock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        descriptors = pull_descriptor_list(r, "attribute_descriptor_list")
        return SetRequestWithListAndFirstDatablock(invoke_id_and_priority=invoke,
                                                   attribute_descriptor_list=descriptors,
                                                   datablock=_datablock(r))


_REQUESTS: dict[int, Callable[[Reader], SetRequest]] = {
    1: _set_request_normal, 2: _set_request_with_first_datablock,
    3: _set_request_with_datablock, 4: _set_request_with_list,
    5: _set_request_with_list_and_first_datablock}


@register(0xC1)
def decode_set_request(r: Reader) -> SetRequest:
    """Decode a Set-Request; ``r`` is positioned just after the tag 0xC1."""
    start = r.offset
    choice = r.pull_u8("SetRequest.choice")
    decoder = _REQUESTS.get(choice)
    if decoder is None:
        raise unknown_choice(r, "SetRequest", 0xC1, choice, start)
    return decoder(r)


# -- responses --------------------------------------------------------------------------
class SetResponse(Apdu):
    """Base of the ``Set-Response`` alternatives (tag 0xC5)."""

    __slots__ = ()
    TAG: ClassVar[int] = 0xC5
    CHOICE: ClassVar[int]
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte; every alternative carries it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetResponseNormal(SetResponse):
    """``set-response-normal`` [1]: the result of a normal SET."""

    CHOICE: ClassVar[int] = 1
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    result: DataAccessResult
    """Success or why the attribute was not written."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC5, 1, self.invoke_id_and_priority)
        w.push_u8(self.result)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetResponseDatablock(SetResponse):
    """``set-response-datablock`` [2]: acknowledges a block that was not the last."""

    CHOICE: ClassVar[int] = 2
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    block_number: int
    """Unsigned32: the number of the block received."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC5, 2, self.invoke_id_and_priority)
        w.push_u32(self.block_number)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetResponseLastDatablock(SetResponse):
    """``set-response-last-datablock`` [3]: the result of a long SET of one attribute."""

    CHOICE: ClassVar[int] = 3
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    result: DataAccessResult
    """The result of the whole SET."""
    block_number: int
    """Unsigned32: the number of the last block received."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC5, 3, self.invoke_id_and_priority)
        w.push_u8(self.result)
        w.push_u32(self.block_number)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetResponseLastDatablockWithList(SetResponse):
    """``set-response-last-datablock-with-list`` [4]: the results of a long SET of a list."""

    CHOICE: ClassVar[int] = 4
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    result: tuple[DataAccessResult, ...]
    """One result per attribute."""
    block_number: int
    """Unsigned32: the number of the last block received."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC5, 4, self.invoke_id_and_priority)
        _push_results(w, self.result)
        w.push_u32(self.block_number)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetResponseWithList(SetResponse):
    """``set-response-with-list`` [5]: one result per attribute of a SET with list."""

    CHOICE: ClassVar[int] = 5
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    result: tuple[DataAccessResult, ...]
    """One result per attribute."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC5, 5, self.invoke_id_and_priority)
        _push_results(w, self.result)


def _set_response_normal(r: Reader) -> SetResponse:
    with r.scope("SetResponseNormal"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return SetResponseNormal(invoke_id_and_priority=invoke,
                                 result=pull_data_access_result(r, "result"))


def _set_response_datablock(r: Reader) -> SetResponse:
    with r.scope("SetResponseDatablock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return SetResponseDatablock(invoke_id_and_priority=invoke,
                                    block_number=r.pull_u32("block_number"))


def _set_response_last_datablock(r: Reader) -> SetResponse:
    with r.scope("SetResponseLastDatablock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        result = pull_data_access_result(r, "result")
        return SetResponseLastDatablock(invoke_id_and_priority=invoke, result=result,
                                        block_number=r.pull_u32("block_number"))


def _set_response_last_datablock_with_list(r: Reader) -> SetResponse:
    with r.scope("SetResponseLastDatablockWithList"):
        invoke = r.pull_u8("invoke_id_and_priority")
        results = _pull_results(r, "result")
        return SetResponseLastDatablockWithList(invoke_id_and_priority=invoke,
                                                result=results,
                                                block_number=r.pull_u32("block_number"))


def _set_response_with_list(r: Reader) -> SetResponse:
    with r.scope("SetResponseWithList"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return SetResponseWithList(invoke_id_and_priority=invoke,
                                   result=_pull_results(r, "result"))


_RESPONSES: dict[int, Callable[[Reader], SetResponse]] = {
    1: _set_response_normal, 2: _set_response_datablock, 3: _set_response_last_datablock,
    4: _set_response_last_datablock_with_list, 5: _set_response_with_list}


@register(0xC5)
def decode_set_response(r: Reader) -> SetResponse:
    """Decode a Set-Response; ``r`` is positioned just after the tag 0xC5."""
    start = r.offset
    choice = r.pull_u8("SetResponse.choice")
    decoder = _RESPONSES.get(choice)
    if decoder is None:
        raise unknown_choice(r, "SetResponse", 0xC5, choice, start)
    return decoder(r)
