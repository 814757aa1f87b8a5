"""Our codec's objects as plain field dicts, in the vocabulary of :mod:`tests.interop.gurux_xml`.

This is the other half of every comparison: ``apdu_fields(our_object)`` must equal what
gurux read from the same bytes (or what the settings given to gurux's client say). It reads
our dataclasses attribute by attribute and never looks at gurux.

gurux prints visible-/utf8-strings in its own way, so strings are turned into gurux's
rendering with :func:`tests.interop.gurux_xml.gurux_string` (a documented transformation,
applied to our value, not a relaxation of the comparison).
"""

from __future__ import annotations

import struct
from typing import Any

from conformance.codec.acse import AARE, AARQ, RLRE, RLRQ
from conformance.codec.acse.names import AcseServiceProviderDiagnostic
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import decode_apdu
from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import (
    Array,
    CompactArray,
    Data,
    Date,
    DateTime,
    Float32,
    Float64,
    OctetString,
    Structure,
    Time,
    Utf8String,
    VisibleString,
    encode_data,
)
from conformance.codec.xdlms import action, get, notification
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.ciphered import CipheredApdu
from conformance.codec.xdlms.confirmed_service_error import ConfirmedServiceError
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    CosemMethodDescriptor,
    DataBlockSA,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import DataAccessResult
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.general_ciphering import GeneralDedCiphering, GeneralGloCiphering
from conformance.codec.xdlms.initiate import (
    Conformance,
    InitiateRequest,
    InitiateResponse,
    decode_initiate_request,
    decode_initiate_response,
)
from tests.interop.gurux_xml import DataValue, gurux_string

__all__ = ["apdu_fields", "conformance_bits", "data_fields", "decode", "user_information_fields"]


def decode(data: bytes) -> Apdu:
    """Decode one whole APDU with our codec (strict: no trailing bytes)."""
    return decode_apdu(data)


def data_fields(d: Data) -> DataValue:
    """``(A-XDR tag, value)`` of one of our ``Data`` values (see gurux_xml.DataValue)."""
    tag = int(d.TAG)
    if isinstance(d, Array | Structure):
        return (tag, tuple(data_fields(i) for i in d.items))
    if isinstance(d, OctetString):
        return (tag, d.value)
    if isinstance(d, VisibleString):
        return (tag, gurux_string(d.value.encode("ascii")))
    if isinstance(d, Utf8String):
        return (tag, gurux_string(d.value.encode("utf-8")))
    if isinstance(d, Float32 | Float64):
        return (tag, struct.pack(">f" if isinstance(d, Float32) else ">d", d.value))
    if isinstance(d, DateTime | Date | Time):
        return (tag, d.to_bytes())
    if isinstance(d, CompactArray):
        return (tag, encode_data(d)[1:])  # gurux's rendering is unreadable: never equal
    if tag == 13:  # bcd: gurux shows the raw octet
        return (tag, d.value & 0xFF)  # type: ignore[attr-defined]
    if tag in (0, 255):
        return (tag, None)
    return (tag, d.value)  # type: ignore[attr-defined]


def conformance_bits(c: Conformance) -> frozenset[int]:
    """Standard bit numbers set in a conformance block (bit n = 1 << (23 - n))."""
    return frozenset(n for n in range(24) if int(c) >> (23 - n) & 1)


def _attr(d: CosemAttributeDescriptor) -> tuple[int, bytes, int]:
    return (d.class_id, d.instance_id.to_bytes(), d.attribute_id)


def _method(d: CosemMethodDescriptor) -> tuple[int, bytes, int]:
    return (d.class_id, d.instance_id.to_bytes(), d.method_id)


def _selection(s: SelectiveAccessDescriptor | None) -> tuple[int, DataValue] | None:
    return None if s is None else (s.access_selector, data_fields(s.access_parameters))


def _with_selection(items: tuple[CosemAttributeDescriptorWithSelection, ...]
                    ) -> tuple[tuple[Any, ...], ...]:
    """gurux drops the access-selection of list items: a selection is kept as a 4th
    element so that it can never compare equal to gurux's 3-tuples."""
    return tuple(_attr(i.cosem_attribute_descriptor) if i.access_selection is None
                 else (*_attr(i.cosem_attribute_descriptor), _selection(i.access_selection))
                 for i in items)


def _result(r: Data | DataAccessResult) -> tuple[str, Any]:
    if isinstance(r, DataAccessResult):
        return ("data-access-result", int(r))
    return ("data", data_fields(r))


def _block(b: DataBlockSA) -> dict[str, Any]:
    return {"last_block": b.last_block, "block_number": b.block_number, "raw_data": b.raw_data}


def _service_fields(a: Apdu) -> dict[str, Any] | None:
    iip = {"invoke_id_and_priority": getattr(a, "invoke_id_and_priority", None)}
    if isinstance(a, get.GetRequestNormal):
        return {"apdu": "get-request-normal", **iip,
                "cosem_attribute_descriptor": _attr(a.cosem_attribute_descriptor),
                "access_selection": _selection(a.access_selection)}
    if isinstance(a, get.GetRequestNext):
        return {"apdu": "get-request-next", **iip, "block_number": a.block_number}
    if isinstance(a, get.GetRequestWithList):
        return {"apdu": "get-request-with-list", **iip,
                "attribute_descriptor_list": _with_selection(a.attribute_descriptor_list)}
    if isinstance(a, get.GetResponseNormal):
        return {"apdu": "get-response-normal", **iip, "result": _result(a.result)}
    if isinstance(a, get.GetResponseWithDatablock):
        b = a.result
        res = (("data-access-result", int(b.result)) if isinstance(b.result, DataAccessResult)
               else ("raw-data", b.result))
        return {"apdu": "get-response-with-datablock", **iip, "last_block": b.last_block,
                "block_number": b.block_number, "result": res}
    if isinstance(a, get.GetResponseWithList):
        return {"apdu": "get-response-with-list", **iip,
                "result": tuple(_result(r) for r in a.result)}
    if isinstance(a, set_.SetRequestNormal):
        return {"apdu": "set-request-normal", **iip,
                "cosem_attribute_descriptor": _attr(a.cosem_attribute_descriptor),
                "access_selection": _selection(a.access_selection),
                "value": data_fields(a.value)}
    if isinstance(a, set_.SetRequestWithFirstDatablock):
        return {"apdu": "set-request-with-first-datablock", **iip,
                "cosem_attribute_descriptor": _attr(a.cosem_attribute_descriptor),
                "access_selection": _selection(a.access_selection),
                "datablock": _block(a.datablock)}
    if isinstance(a, set_.SetRequestWithDatablock):
        return {"apdu": "set-request-with-datablock", **iip, "datablock": _block(a.datablock)}
    if isinstance(a, set_.SetRequestWithList):
        return {"apdu": "set-request-with-list", **iip,
                "attribute_descriptor_list": _with_selection(a.attribute_descriptor_list),
                "value_list": tuple(data_fields(v) for v in a.value_list)}
    if isinstance(a, set_.SetRequestWithListAndFirstDatablock):
        return {"apdu": "set-request-with-list-and-first-datablock", **iip,
                "attribute_descriptor_list": _with_selection(a.attribute_descriptor_list),
                "datablock": _block(a.datablock)}
    if isinstance(a, set_.SetResponseNormal):
        return {"apdu": "set-response-normal", **iip, "result": int(a.result)}
    if isinstance(a, set_.SetResponseDatablock):
        return {"apdu": "set-response-datablock", **iip, "block_number": a.block_number}
    if isinstance(a, set_.SetResponseLastDatablock):
        return {"apdu": "set-response-last-datablock", **iip, "result": int(a.result),
                "block_number": a.block_number}
    if isinstance(a, set_.SetResponseLastDatablockWithList):
        return {"apdu": "set-response-last-datablock-with-list", **iip,
                "result": tuple(int(r) for r in a.result), "block_number": a.block_number}
    if isinstance(a, set_.SetResponseWithList):
        return {"apdu": "set-response-with-list", **iip,
                "result": tuple(int(r) for r in a.result)}
    return _action_fields(a, iip)


def _action_fields(a: Apdu, iip: dict[str, Any]) -> dict[str, Any] | None:
    if isinstance(a, action.ActionRequestNormal):
        p = a.method_invocation_parameters
        return {"apdu": "action-request-normal", **iip,
                "cosem_method_descriptor": _method(a.cosem_method_descriptor),
                "method_invocation_parameters": None if p is None else data_fields(p)}
    if isinstance(a, action.ActionRequestNextPblock):
        return {"apdu": "action-request-next-pblock", **iip, "block_number": a.block_number}
    if isinstance(a, action.ActionRequestWithList):
        return {"apdu": "action-request-with-list", **iip,
                "cosem_method_descriptor_list": tuple(
                    _method(m) for m in a.cosem_method_descriptor_list),
                "method_invocation_parameters": tuple(
                    data_fields(p) for p in a.method_invocation_parameters)}
    if isinstance(a, action.ActionRequestWithFirstPblock):
        return {"apdu": "action-request-with-first-pblock", **iip,
                "cosem_method_descriptor": _method(a.cosem_method_descriptor),
                "pblock": _block(a.pblock)}
    if isinstance(a, action.ActionRequestWithListAndFirstPblock):
        return {"apdu": "action-request-with-list-and-first-pblock", **iip,
                "cosem_method_descriptor_list": tuple(
                    _method(m) for m in a.cosem_method_descriptor_list),
                "pblock": _block(a.pblock)}
    if isinstance(a, action.ActionRequestWithPblock):
        return {"apdu": "action-request-with-pblock", **iip, "pblock": _block(a.pblock)}
    if isinstance(a, action.ActionResponseNormal):
        out = {"apdu": "action-response-normal", **iip,
               "result": int(a.single_response.result)}
        if a.single_response.return_parameters is not None:
            out["return_parameters"] = _result(a.single_response.return_parameters)
        return out
    if isinstance(a, action.ActionResponseWithPblock):
        return {"apdu": "action-response-with-pblock", **iip, "pblock": _block(a.pblock)}
    if isinstance(a, action.ActionResponseWithList):
        return {"apdu": "action-response-with-list", **iip, "list_of_responses": tuple(
            (int(r.result), None if r.return_parameters is None else _result(r.return_parameters))
            for r in a.list_of_responses)}
    if isinstance(a, action.ActionResponseNextPblock):
        return {"apdu": "action-response-next-pblock", **iip, "block_number": a.block_number}
    return None


def _initiate(x: InitiateRequest | InitiateResponse) -> dict[str, Any]:
    if isinstance(x, InitiateRequest):
        out: dict[str, Any] = {
            "apdu": "initiate-request", "dedicated_key": x.dedicated_key,
            "response_allowed": x.response_allowed,
            "proposed_dlms_version_number": x.proposed_dlms_version_number,
            "proposed_conformance": conformance_bits(x.proposed_conformance),
            "client_max_receive_pdu_size": x.client_max_receive_pdu_size}
        if x.proposed_quality_of_service is not None:  # gurux cannot show it: never equal
            out["proposed_quality_of_service"] = x.proposed_quality_of_service
        return out
    return {"apdu": "initiate-response",
            "negotiated_quality_of_service": x.negotiated_quality_of_service,
            "negotiated_dlms_version_number": x.negotiated_dlms_version_number,
            "negotiated_conformance": conformance_bits(x.negotiated_conformance),
            "server_max_receive_pdu_size": x.server_max_receive_pdu_size,
            "vaa_name": x.vaa_name}


def _confirmed_service_error(e: ConfirmedServiceError) -> dict[str, Any]:
    return {"apdu": "confirmed-service-error", "service": int(e.service),
            "service_error": (int(e.error_type), int(e.value))}


def user_information_fields(data: bytes, *, response: bool) -> dict[str, Any]:
    """The user-information octets of an ACSE APDU as a field dict."""
    if data[0] in (0x01, 0x08):
        return _initiate(decode_initiate_request(data) if data[0] == 0x01
                         else decode_initiate_response(data))
    apdu = decode(data)
    fields = apdu_fields(apdu)
    if fields is None:
        raise AssertionError(f"no field mapping for user-information {type(apdu).__name__}")
    return fields


def _acse_fields(a: Apdu) -> dict[str, Any] | None:
    if isinstance(a, AARQ | AARE):
        out: dict[str, Any] = {"apdu": "AARQ" if isinstance(a, AARQ) else "AARE"}
        if a.protocol_version is not None:
            out["protocol_version"] = "".join(
                format(b, "08b") for b in a.protocol_version.data)[:len(a.protocol_version)]
        out["application_context_name"] = int(a.application_context_name)  # type: ignore[arg-type]
        if isinstance(a, AARE):
            out["result"] = int(a.result)
            provider = isinstance(a.result_source_diagnostic, AcseServiceProviderDiagnostic)
            out["result_source_diagnostic"] = (
                "acse-service-provider" if provider else "acse-service-user",
                int(a.result_source_diagnostic))
        for ours, theirs in (("calling_ap_title", "calling_ap_title"),
                             ("responding_ap_title", "responding_ap_title"),
                             ("called_ap_title", "called_ap_title")):
            v = getattr(a, ours, None)
            if v is not None:
                out[theirs] = v
        if isinstance(a, AARQ):
            req, key = a.sender_acse_requirements, "sender_acse_requirements"
        else:
            req, key = a.responder_acse_requirements, "responder_acse_requirements"
        if req is not None:  # bit 0 = authentication (the only bit gurux shows)
            out[key] = bool(req.data and req.data[0] & 0x80)
        if a.mechanism_name is not None:
            out["mechanism_name"] = int(a.mechanism_name)  # type: ignore[arg-type]
        av = (a.calling_authentication_value if isinstance(a, AARQ)
              else a.responding_authentication_value)
        if av is not None:
            key = ("calling_authentication_value" if isinstance(a, AARQ)
                   else "responding_authentication_value")
            out[key] = av.value if isinstance(av, AuthenticationValueCharstring) else av
        if a.user_information is not None:
            out["user_information"] = user_information_fields(
                a.user_information, response=isinstance(a, AARE))
        return out
    if isinstance(a, RLRQ | RLRE):
        out = {"apdu": "RLRQ" if isinstance(a, RLRQ) else "RLRE"}
        if a.reason is not None:
            out["reason"] = int(a.reason)
        if a.user_information is not None:
            out["user_information"] = user_information_fields(
                a.user_information, response=isinstance(a, RLRE))
        return out
    return None


def apdu_fields(a: Apdu) -> dict[str, Any] | None:
    """The field dict of any of our APDUs, or None when there is no mapping."""
    fields = _service_fields(a) or _acse_fields(a)
    if fields is not None:
        return fields
    if isinstance(a, GeneralBlockTransfer):
        return {"apdu": "general-block-transfer", "last_block": a.last_block,
                "streaming": a.streaming, "window": a.window, "block_number": a.block_number,
                "block_number_ack": a.block_number_ack, "block_data": a.block_data}
    if isinstance(a, notification.DataNotification):
        return {"apdu": "data-notification",
                "long_invoke_id_and_priority": a.long_invoke_id_and_priority,
                "date_time": None if a.date_time is None else a.date_time.to_bytes(),
                "notification_body": data_fields(a.notification_body)}
    if isinstance(a, notification.EventNotificationRequest):
        return {"apdu": "event-notification-request",
                "time": None if a.time is None else a.time.to_bytes(),
                "cosem_attribute_descriptor": _attr(a.cosem_attribute_descriptor),
                "attribute_value": data_fields(a.attribute_value)}
    if isinstance(a, ConfirmedServiceError):
        return _confirmed_service_error(a)
    if isinstance(a, ExceptionResponse):  # gurux does not show the invocation counter
        out = {"apdu": "exception-response", "state_error": int(a.state_error),
               "service_error": int(a.service_error)}
        if a.invocation_counter is not None:
            out["invocation_counter"] = a.invocation_counter
        return out
    if isinstance(a, InitiateRequest | InitiateResponse):
        return _initiate(a)
    if isinstance(a, CipheredApdu):
        h = a.security_header
        return {"apdu": a.service.name, "ciphered_content": bytes((h.security_control,))
                + h.invocation_counter.to_bytes(4, "big") + a.ciphered_text}
    if isinstance(a, GeneralGloCiphering | GeneralDedCiphering):
        h = a.security_header
        name = ("general-glo-ciphering" if isinstance(a, GeneralGloCiphering)
                else "general-ded-ciphering")
        return {"apdu": name, "system_title": a.system_title,
                "ciphered_content": bytes((h.security_control,))
                + h.invocation_counter.to_bytes(4, "big") + a.ciphered_text}
    return None
