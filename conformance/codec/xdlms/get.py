"""GET service APDUs (IEC 62056-5-3 9.5, xDLMS ASN.1).

::

    Get-Request ::= CHOICE {                                              -- tag 0xC0
      get-request-normal [1] SEQUENCE { invoke-id-and-priority,
          cosem-attribute-descriptor, access-selection Selective-Access-Descriptor OPTIONAL },
      get-request-next [2] SEQUENCE { invoke-id-and-priority, block-number Unsigned32 },
      get-request-with-list [3] SEQUENCE { invoke-id-and-priority,
          attribute-descriptor-list SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection } }

    Get-Response ::= CHOICE {                                             -- tag 0xC4
      get-response-normal [1] SEQUENCE { invoke-id-and-priority, result Get-Data-Result },
      get-response-with-datablock [2] SEQUENCE { invoke-id-and-priority,
          result DataBlock-G },
      get-response-with-list [3] SEQUENCE { invoke-id-and-priority,
          result SEQUENCE OF Get-Data-Result } }

    DataBlock-G ::= SEQUENCE { last-block BOOLEAN, block-number Unsigned32,
        result CHOICE { raw-data [0] OCTET STRING,
                        data-access-result [1] Data-Access-Result } }

``invoke_id_and_priority`` is kept as the raw byte; see
:class:`~conformance.codec.xdlms.enums.InvokeIdAndPriority`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    GetDataResult,
    SelectiveAccessDescriptor,
    pull_access_selection,
    pull_counted,
    pull_descriptor_list,
    pull_get_data_result,
    push_access_selection,
    push_counted,
    push_get_data_result,
    push_head,
    unknown_choice,
)
from conformance.codec.xdlms.enums import DataAccessResult, pull_data_access_result
from conformance.errors import CodecError

__all__ = [
    "DataBlockG",
    "GetRequest",
    "GetRequestNext",
    "GetRequestNormal",
    "GetRequestWithList",
    "GetResponse",
    "GetResponseNormal",
    "GetResponseWithDatablock",
    "GetResponseWithList",
    "decode_get_request",
    "decode_get_response",
]


# -- DataBlock-G ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class DataBlockG:
    """``DataBlock-G``: one block of a long GET response (service-specific block transfer).

    ``result`` is the raw-data slice of the encoded result, or the reason the transfer
    stopped (``DataAccessResult``).
    """

    last_block: bool
    """TRUE in the final block."""
    block_number: int
    """Unsigned32, from 1, +1 per block."""
    result: bytes | DataAccessResult
    """raw-data [0] or data-access-result [1]."""
    raw_data_length: int | None = None
    """The A-XDR length written before raw-data; ``None`` = ``len(result)``. An explicit
    value is sent as given. Ignored for a data-access-result."""
    raw_data_length_octets: int | None = None
    """Force the long length form with this many octets; ``None`` = minimal (the decoder
    sets it when the peer used a non-minimal form)."""

    def encode(self, w: Writer) -> None:
        """Append the block."""
        w.push_u8(1 if self.last_block else 0)
        w.push_u32(self.block_number)
        result = self.result
        if isinstance(result, DataAccessResult):
            w.push_u8(1)
            w.push_u8(result)
        else:
            w.push_u8(0)
            push_counted(w, result, self.raw_data_length, self.raw_data_length_octets)

    @classmethod
    def decode(cls, r: Reader) -> DataBlockG:
        """Read the block."""
        last = r.pull_bool("last_block")
        number = r.pull_u32("block_number")
        start = r.offset
        choice = r.pull_u8("result")
        if choice == 0:
            raw, octets = pull_counted(r, "result.raw_data")
            return cls(last_block=last, block_number=number, result=raw,
                       raw_data_length_octets=octets)
        if choice == 1:
            dar = pull_data_access_result(r, "result.data_access_result")
            return cls(last_block=last, block_number=number, result=dar)
        raise CodecError(f"DataBlock-G result choice {choice} is neither raw-data (0) nor "
                         "data-access-result (1)", offset=start, path=r.path("result"))


# -- requests ---------------------------------------------------------------------------
class GetRequest(Apdu):
    """Base of the ``Get-Request`` alternatives (tag 0xC0)."""

    __slots__ = ()
    TAG: ClassVar[int] = 0xC0
    CHOICE: ClassVar[int]
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte; every alternative carries it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GetRequestNormal(GetRequest):
    """``get-request-normal`` [1]: read one attribute, optionally with selective access."""

    CHOICE: ClassVar[int] = 1
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    cosem_attribute_descriptor: CosemAttributeDescriptor
    """The attribute to read."""
    access_selection: SelectiveAccessDescriptor | None = None
    """Optional selective access (e.g. a profile range)."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC0, 1, self.invoke_id_and_priority)
        self.cosem_attribute_descriptor.encode(w)
        push_access_selection(w, self.access_selection)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetRequestNext(GetRequest):
    """``get-request-next`` [2]: ask for the next block of a long GET response."""

    CHOICE: ClassVar[int] = 2
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    block_number: int
    """Unsigned32: the number of the block last *received*."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC0, 2, self.invoke_id_and_priority)
        w.push_u32(self.block_number)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetRequestWithList(GetRequest):
    """``get-request-with-list`` [3]: read several attributes at once."""

    CHOICE: ClassVar[int] = 3
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    attribute_descriptor_list: tuple[CosemAttributeDescriptorWithSelection, ...]
    """The attributes, each with optional selective access."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC0, 3, self.invoke_id_and_priority)
        w.push_length(len(self.attribute_descriptor_list))
        for item in self.attribute_descriptor_list:
            item.encode(w)


def _get_request_normal(r: Reader) -> GetRequest:
    with r.scope("GetRequestNormal"):
        invoke = r.pull_u8("invoke_id_and_priority")
        with r.scope("cosem_attribute_descriptor"):
            descriptor = CosemAttributeDescriptor.decode(r)
        return GetRequestNormal(invoke_id_and_priority=invoke,
                                cosem_attribute_descriptor=descriptor,
                                access_selection=pull_access_selection(r))


def _get_request_next(r: Reader) -> GetRequest:
    with r.scope("GetRequestNext"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return GetRequestNext(invoke_id_and_priority=invoke,
                              block_number=r.pull_u32("block_number"))


def _get_request_with_list(r: Reader) -> GetRequest:
    with r.scope("GetRequestWithList"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return GetRequestWithList(
            invoke_id_and_priority=invoke,
            attribute_descriptor_list=pull_descriptor_list(r, "attribute_descriptor_list"))


_REQUESTS: dict[int, Callable[[Reader], GetRequest]] = {
    1: _get_request_normal, 2: _get_request_next, 3: _get_request_with_list}


@register(0xC0)
def decode_get_request(r: Reader) -> GetRequest:
    """Decode a Get-Request; ``r`` is positioned just after the tag 0xC0."""
    start = r.offset
    choice = r.pull_u8("GetRequest.choice")
    decoder = _REQUESTS.get(choice)
    if decoder is None:
        raise unknown_choice(r, "GetRequest", 0xC0, choice, start)
    return decoder(r)


# -- responses --------------------------------------------------------------------------
class GetResponse(Apdu):
    """Base of the ``Get-Response`` alternatives (tag 0xC4)."""

    __slots__ = ()
    TAG: ClassVar[int] = 0xC4
    CHOICE: ClassVar[int]
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte; every alternative carries it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GetResponseNormal(GetResponse):
    """``get-response-normal`` [1]: the value read, or why it could not be."""

    CHOICE: ClassVar[int] = 1
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte (echoes the request's)."""
    result: GetDataResult
    """``Data`` or ``DataAccessResult``."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC4, 1, self.invoke_id_and_priority)
        push_get_data_result(w, self.result)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetResponseWithDatablock(GetResponse):
    """``get-response-with-datablock`` [2]: one block of a long response."""

    CHOICE: ClassVar[int] = 2
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    result: DataBlockG
    """The block."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC4, 2, self.invoke_id_and_priority)
        self.result.encode(w)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetResponseWithList(GetResponse):
    """``get-response-with-list`` [3]: one result per requested attribute, in order."""

    CHOICE: ClassVar[int] = 3
    invoke_id_and_priority: int
    """Raw Invoke-Id-And-Priority byte."""
    result: tuple[GetDataResult, ...]
    """``Data`` or ``DataAccessResult`` per attribute."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        push_head(w, 0xC4, 3, self.invoke_id_and_priority)
        w.push_length(len(self.result))
        for item in self.result:
            push_get_data_result(w, item)


def _get_response_normal(r: Reader) -> GetResponse:
    with r.scope("GetResponseNormal"):
        invoke = r.pull_u8("invoke_id_and_priority")
        return GetResponseNormal(invoke_id_and_priority=invoke,
                                 result=pull_get_data_result(r, "result"))


def _get_response_with_datablock(r: Reader) -> GetResponse:
    with r.scope("GetResponseWithDatablock"):
        invoke = r.pull_u8("invoke_id_and_priority")
        with r.scope("result"):
            block = DataBlockG.decode(r)
        return GetResponseWithDatablock(invoke_id_and_priority=invoke, result=block)


def _get_response_with_list(r: Reader) -> GetResponse:
    with r.scope("GetResponseWithList"):
        invoke = r.pull_u8("invoke_id_and_priority")
        count = r.pull_length("result.count")
        results = tuple(pull_get_data_result(r, f"result[{i}]") for i in range(count))
        return GetResponseWithList(invoke_id_and_priority=invoke, result=results)


_RESPONSES: dict[int, Callable[[Reader], GetResponse]] = {
    1: _get_response_normal, 2: _get_response_with_datablock, 3: _get_response_with_list}


@register(0xC4)
def decode_get_response(r: Reader) -> GetResponse:
    """Decode a Get-Response; ``r`` is positioned just after the tag 0xC4."""
    start = r.offset
    choice = r.pull_u8("GetResponse.choice")
    decoder = _RESPONSES.get(choice)
    if decoder is None:
        raise unknown_choice(r, "GetResponse", 0xC4, choice, start)
    return decoder(r)
