"""Read gurux's SIMPLE_XML into plain values, field by field, for comparison with our codec.

Frames (``messageToXml``) are read by :mod:`tests.interop.gurux_xml_frame`. Every reader
returns a ``dict`` keyed by the standard's component names in snake_case
(``invoke_id_and_priority``, ``cosem_attribute_descriptor``...) with an ``"apdu"`` key
holding the standard name of the CHOICE alternative (``"get-request-normal"``). Values are
plain: ``int``, ``bool``, ``bytes``, tuples, and A-XDR data as :data:`DataValue`.

Readers are strict: an element gurux wrote that the reader does not know raises
:class:`~tests.interop.gurux_peer.GuruxFailure`, so nothing gurux decoded is silently
left out of a comparison. Names are turned back into numbers with gurux's own tables
(``Authentication.toString``, ``TranslatorSimpleTags``), never with ours.

gurux renderings to know about (1.0.203):

- Numbers are hex (``hex=True``) except HDLC SNRM/UA parameters, which are decimal.
- visible-string and utf8-string are printed as text when every byte is 0 or 32..127
  (trailing NUL bytes stripped), else as space-separated hex; the text is NOT XML-escaped,
  so a string holding ``<``, ``&`` or ``"`` makes gurux write broken XML. See
  :func:`gurux_string`.
- dont-care (255) is not printed at all; compact-array contents are printed as decimal
  numbers run together without separators (unreadable); date (26) makes the translator
  raise ``AttributeError``.
- ``<ProposedQualityOfService>`` in an InitiateRequest holds the *response-allowed*
  component (gurux reads the second OPTIONAL field under that name); a real
  proposed-quality-of-service makes gurux misparse the rest.
- result-source-diagnostic is always printed as ``<ACSEServiceUser>``, even when the AARE
  carries the acse-service-provider alternative.
- general-ded-ciphering (0xDC) is printed as ``<GeneralGloCiphering>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from gurux_dlms.enums import Authentication, TranslatorOutputType
from gurux_dlms.GXDLMS import GXDLMS
from gurux_dlms.TranslatorSimpleTags import TranslatorSimpleTags as _Tags

from tests.interop.gurux_peer import GuruxFailure

__all__ = [
    "CIPHERED_NAMES",
    "DataValue",
    "bytes_value",
    "children",
    "gurux_string",
    "hdlc_address_int",
    "hex_value",
    "only",
    "parse_xml",
    "read_data",
    "read_element",
    "read_pdu",
    "value",
]

DataValue = tuple[int, Any]
"""``(A-XDR tag, value)``: ints for integers/enum/bcd, ``bool``, ``bytes`` for
octet-string, float32/64 (IEEE bytes) and date-time/date/time, the gurux text of strings
(:func:`gurux_string`), ``str`` of ``0``/``1`` for bit-string, a tuple of DataValue for
array/structure, ``None`` for null-data."""

_INT_TAGS: dict[str, tuple[int, int, bool]] = {
    # gurux name: (A-XDR tag, width in bits, signed)
    "Int32": (5, 32, True), "UInt32": (6, 32, False), "BCD": (13, 8, False),
    "Int8": (15, 8, True), "Int16": (16, 16, True), "UInt8": (17, 8, False),
    "UInt16": (18, 16, False), "Int64": (20, 64, True), "UInt64": (21, 64, False),
    "Enum": (22, 8, False),
}
_BYTES_TAGS = {"OctetString": 9, "Float32": 23, "Float64": 24, "DateTime": 25, "Date": 26,
               "Time": 27}
_MECHANISMS = {Authentication.toString(v): v for v in range(8)}
_CONTEXTS = {"LN": 1, "SN": 2, "LN_WITH_CIPHERING": 3, "SN_WITH_CIPHERING": 4}
_DAR = {GXDLMS.errorCodeToString(TranslatorOutputType.SIMPLE_XML, v): v
        for v in (0, 1, 2, 3, 4, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 250)}
CIPHERED_NAMES = {  # gurux tag -> the xDLMS-APDU CHOICE name of IEC 62056-5-3 (sic "actionRequest")
    "glo_InitiateRequest": "glo-initiateRequest", "glo_InitiateResponse": "glo-initiateResponse",
    "glo_GetRequest": "glo-get-request", "glo_GetResponse": "glo-get-response",
    "glo_SetRequest": "glo-set-request", "glo_SetResponse": "glo-set-response",
    "glo_ActionRequest": "glo-action-request", "glo_ActionResponse": "glo-action-response",
    "ded_GetRequest": "ded-get-request", "ded_GetResponse": "ded-get-response",
    "ded_SetRequest": "ded-set-request", "ded_SetResponse": "ded-set-response",
    "ded_ActionRequest": "ded-actionRequest", "ded_ActionResponse": "ded-action-response",
    "glo_GloConfirmedServiceError": "glo-confirmedServiceError",
    "ded_GloConfirmedServiceError": "ded-confirmedServiceError",
}


def gurux_string(raw: bytes) -> str:
    """How gurux prints a visible-string or utf8-string value (``GXByteBuffer.getString``):
    as text when every byte is 0 or 32..127 (trailing NULs stripped), else as hex."""
    if all(b == 0 or 32 <= b <= 127 for b in raw):
        return raw.decode("ascii").rstrip("\x00")
    return " ".join(f"{b:02X}" for b in raw)


def hdlc_address_int(raw: bytes) -> int:
    """gurux's integer for an HDLC address field (``_GXCommon.getHDLCAddress``): the 7-bit
    groups of the 1, 2 or 4 bytes concatenated, so upper << 7 | lower for two bytes and
    upper << 14 | lower for four."""
    value = 0
    for b in raw:
        value = (value << 7) | (b >> 1)
    return value


def parse_xml(xml: str) -> ET.Element:
    """Parse gurux output; broken XML or gurux's ``<Data="...">`` (unknown APDU) fails."""
    text = xml.strip()
    if text.startswith("<Data="):
        raise GuruxFailure(f"gurux did not recognise the APDU: {text[:80]}")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise GuruxFailure(f"gurux wrote invalid XML ({exc}): {text[:200]}") from exc


def value(e: ET.Element) -> str:
    """The ``Value`` attribute (gurux's SIMPLE_XML carries every scalar there)."""
    v = e.get("Value")
    if v is None:
        raise GuruxFailure(f"<{e.tag}> has no Value attribute")
    return v


def hex_value(e: ET.Element) -> int:
    """``Value`` read as a hex number."""
    return int(value(e), 16)


def bytes_value(e: ET.Element) -> bytes:
    """``Value`` read as hex octets."""
    return bytes.fromhex(value(e))


def _signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) else v


def children(e: ET.Element, *expected: str) -> dict[str, ET.Element]:
    """Children by tag; any tag outside ``expected`` (or a repeated one) fails."""
    out: dict[str, ET.Element] = {}
    for c in e:
        if c.tag not in expected or c.tag in out:
            raise GuruxFailure(f"unexpected <{c.tag}> in <{e.tag}>")
        out[c.tag] = c
    return out


def only(e: ET.Element) -> ET.Element:
    """The single child of ``e`` (anything else fails)."""
    kids = list(e)
    if len(kids) != 1:
        raise GuruxFailure(f"<{e.tag}> has {len(kids)} children, expected one")
    return kids[0]


def _counted(e: ET.Element, base: int = 16) -> list[ET.Element]:
    """Children of an element whose ``Qty`` attribute must count them (hex, except
    SET-response-with-list where gurux prints it in decimal)."""
    kids = list(e)
    qty = e.get("Qty")
    if qty is None or int(qty, base) != len(kids):
        raise GuruxFailure(f"<{e.tag} Qty={qty}> has {len(kids)} children")
    return kids


def read_data(e: ET.Element) -> DataValue:
    """One A-XDR ``Data`` element of gurux's XML as a :data:`DataValue`."""
    tag = e.tag
    if tag == "None":
        return (0, None)
    if tag in ("Array", "Structure"):
        return (1 if tag == "Array" else 2, tuple(read_data(c) for c in _counted(e)))
    if tag == "Boolean":
        return (3, {"True": True, "False": False}[value(e)])
    if tag == "BitString":
        return (4, value(e))
    if tag in ("String", "StringUTF8"):
        return (10 if tag == "String" else 12, value(e))
    if tag in _INT_TAGS:
        axdr, bits, signed = _INT_TAGS[tag]
        v = hex_value(e)
        return (axdr, _signed(v, bits) if signed else v)
    if tag in _BYTES_TAGS:
        return (_BYTES_TAGS[tag], bytes_value(e))
    if tag == "CompactArray":
        kids = children(e, "ContentsDescription", "ArrayContents")
        types = tuple(c.tag for c in kids["ContentsDescription"])
        return (19, (types, (kids["ArrayContents"].text or "").strip()))
    raise GuruxFailure(f"unknown gurux data tag <{tag}>")


def _descriptor(e: ET.Element, member: str = "AttributeId") -> tuple[int, bytes, int]:
    k = children(e, "ClassId", "InstanceId", member)
    return (hex_value(k["ClassId"]), bytes_value(k["InstanceId"]), hex_value(k[member]))


def _conformance(e: ET.Element) -> frozenset[int]:
    """ConformanceBit names -> standard bit numbers (gurux's flag 1 << n is bit n)."""
    bits = set()
    for c in e:
        if c.tag != "ConformanceBit":
            raise GuruxFailure(f"unexpected <{c.tag}> in <{e.tag}>")
        flag = int(_Tags.value_ofConformance(c.get("Name", "")))
        bits.add(flag.bit_length() - 1)
    return frozenset(bits)


def _get_data_result(e: ET.Element) -> tuple[str, Any]:
    if e.tag == "Data":
        return ("data", read_data(only(e)))
    if e.tag in ("DataAccessError", "DataAccessResult"):
        return ("data-access-result", _DAR[value(e)])
    if e.tag == "RawData":
        return ("raw-data", bytes_value(e))
    raise GuruxFailure(f"unexpected <{e.tag}> as a result")


def _access_selection(e: ET.Element | None) -> tuple[int, DataValue] | None:
    if e is None:
        return None
    k = children(e, "AccessSelector", "AccessParameters")
    return (hex_value(k["AccessSelector"]), read_data(only(k["AccessParameters"])))


def _datablock(e: ET.Element) -> dict[str, Any]:
    k = children(e, "LastBlock", "BlockNumber", "RawData")
    return {"last_block": bool(hex_value(k["LastBlock"])),
            "block_number": hex_value(k["BlockNumber"]), "raw_data": bytes_value(k["RawData"])}


def _descriptor_list(e: ET.Element) -> tuple[tuple[int, bytes, int], ...]:
    out = []
    for c in _counted(e):
        if c.tag != "AttributeDescriptorWithSelection":
            raise GuruxFailure(f"unexpected <{c.tag}> in <{e.tag}>")
        out.append(_descriptor(children(c, "AttributeDescriptor")["AttributeDescriptor"]))
    return tuple(out)


def _service(e: ET.Element) -> dict[str, Any]:
    """The inner element of GetRequest/GetResponse/SetRequest/... (one CHOICE)."""
    names = {
        "GetRequestNormal": "get-request-normal", "GetRequestForNextDataBlock": "get-request-next",
        "GetRequestWithList": "get-request-with-list", "GetResponseNormal": "get-response-normal",
        "GetResponsewithDataBlock": "get-response-with-datablock",
        "GetResponseWithList": "get-response-with-list", "SetRequestNormal": "set-request-normal",
        "SetRequestFirstDataBlock": "set-request-with-first-datablock",
        "SetRequestWithDataBlock": "set-request-with-datablock",
        "SetRequestWithList": "set-request-with-list", "SetResponseNormal": "set-response-normal",
        "SetResponseDataBlock": "set-response-datablock",
        "SetResponseWithLastDataBlock": "set-response-last-datablock",
        "SetResponseWithList": "set-response-with-list",
        "ActionRequestNormal": "action-request-normal",
        "ActionResponseNormal": "action-response-normal",
        "ActionResponseNextBlock": "action-response-next-pblock",
    }
    if e.tag not in names:
        raise GuruxFailure(f"gurux service <{e.tag}> is not read")
    out: dict[str, Any] = {"apdu": names[e.tag]}
    k = children(e, "InvokeIdAndPriority", "AttributeDescriptor", "AccessSelection",
                  "BlockNumber", "AttributeDescriptorList", "Result", "DataBlock", "Value",
                  "ValueList", "MethodDescriptor", "MethodInvocationParameters",
                  "ReturnParameters")
    out["invoke_id_and_priority"] = hex_value(k.pop("InvokeIdAndPriority"))
    if "AttributeDescriptor" in k:
        out["cosem_attribute_descriptor"] = _descriptor(k.pop("AttributeDescriptor"))
        out["access_selection"] = _access_selection(k.pop("AccessSelection", None))
    if "MethodDescriptor" in k:
        out["cosem_method_descriptor"] = _descriptor(k.pop("MethodDescriptor"), "MethodId")
        p = k.pop("MethodInvocationParameters", None)
        out["method_invocation_parameters"] = None if p is None else read_data(only(p))
    if "BlockNumber" in k:
        out["block_number"] = hex_value(k.pop("BlockNumber"))
    if "AttributeDescriptorList" in k:
        out["attribute_descriptor_list"] = _descriptor_list(k.pop("AttributeDescriptorList"))
    if "DataBlock" in k:
        out["datablock"] = _datablock(k.pop("DataBlock"))
    if "Value" in k:
        out["value"] = read_data(only(k.pop("Value")))
    if "ValueList" in k:
        out["value_list"] = tuple(read_data(c) for c in _counted(k.pop("ValueList")))
    if "ReturnParameters" in k:
        out["return_parameters"] = _get_data_result(only(k.pop("ReturnParameters")))
    if "Result" in k:
        out.update(_result(e.tag, k.pop("Result")))
    return out


def _result(service: str, e: ET.Element) -> dict[str, Any]:
    if service == "GetResponseNormal":
        return {"result": _get_data_result(only(e))}
    if service == "GetResponsewithDataBlock":
        k = children(e, "LastBlock", "BlockNumber", "Result")
        return {"last_block": bool(hex_value(k["LastBlock"])),
                "block_number": hex_value(k["BlockNumber"]),
                "result": _get_data_result(only(k["Result"]))}
    if service == "GetResponseWithList":
        return {"result": tuple(_get_data_result(c) for c in _counted(e))}
    if service == "SetResponseWithList":
        return {"result": tuple(_DAR[value(c)] for c in _counted(e, 10))}
    return {"result": _DAR[value(e)]}


def _initiate(e: ET.Element) -> dict[str, Any]:
    request = e.tag == "InitiateRequest"
    out: dict[str, Any] = {"apdu": "initiate-request" if request else "initiate-response"}
    if request:
        k = children(e, "DedicatedKey", "ProposedQualityOfService", "ProposedDlmsVersionNumber",
                      "ProposedConformance", "ProposedMaxPduSize")
        out["dedicated_key"] = bytes_value(k["DedicatedKey"]) if "DedicatedKey" in k else None
        # gurux names the response-allowed component "ProposedQualityOfService" (decimal).
        ra = k.get("ProposedQualityOfService")
        out["response_allowed"] = True if ra is None else value(ra) != "0"
        out["proposed_dlms_version_number"] = hex_value(k["ProposedDlmsVersionNumber"])
        out["proposed_conformance"] = _conformance(k["ProposedConformance"])
        out["client_max_receive_pdu_size"] = hex_value(k["ProposedMaxPduSize"])
        return out
    k = children(e, "NegotiatedQualityOfService", "NegotiatedDlmsVersionNumber",
                  "NegotiatedConformance", "NegotiatedMaxPduSize", "VaaName")
    qos = k.get("NegotiatedQualityOfService")
    out["negotiated_quality_of_service"] = None if qos is None else hex_value(qos)
    out["negotiated_dlms_version_number"] = hex_value(k["NegotiatedDlmsVersionNumber"])
    out["negotiated_conformance"] = _conformance(k["NegotiatedConformance"])
    out["server_max_receive_pdu_size"] = hex_value(k["NegotiatedMaxPduSize"])
    out["vaa_name"] = hex_value(k["VaaName"])
    return out


def _confirmed_service_error(e: ET.Element) -> dict[str, Any]:
    k = children(e, "Service", "ServiceError")
    inner = only(k["ServiceError"])
    kind = _Tags.getServiceError(inner.tag)
    code = _Tags.getError(kind, value(inner))
    return {"apdu": "confirmed-service-error", "service": hex_value(k["Service"]),
            "service_error": (int(kind), int(code))}


def _user_information(e: ET.Element) -> Any:
    if e.tag in ("InitiateRequest", "InitiateResponse"):
        return _initiate(e)
    if e.tag == "ConfirmedServiceError":
        return _confirmed_service_error(e)
    if e.tag in CIPHERED_NAMES:
        return {"apdu": CIPHERED_NAMES[e.tag], "ciphered_content": bytes_value(e)}
    raise GuruxFailure(f"unexpected <{e.tag}> as user-information")


_ACSE_FIELDS: dict[str, tuple[str, Callable[[ET.Element], Any]]] = {
    "ProtocolVersion": ("protocol_version", value),
    "ApplicationContextName": ("application_context_name", lambda e: _CONTEXTS[value(e)]),
    "CalledAPTitle": ("called_ap_title", bytes_value),
    "CallingAPTitle": ("calling_ap_title", bytes_value),
    "RespondingAPTitle": ("responding_ap_title", bytes_value),
    "SenderACSERequirements": ("sender_acse_requirements", lambda e: value(e) == "1"),
    "ResponderACSERequirement": ("responder_acse_requirements", lambda e: value(e) == "1"),
    "MechanismName": ("mechanism_name", lambda e: _MECHANISMS[value(e)]),
    "CallingAuthentication": ("calling_authentication_value", bytes_value),
    "RespondingAuthentication": ("responding_authentication_value", bytes_value),
    "AssociationResult": ("result", hex_value),
    "ResultSourceDiagnostic": ("result_source_diagnostic",
                               lambda e: ("acse-service-user", hex_value(only(e)))),
    "Reason": ("reason", value),
}


def _acse(e: ET.Element) -> dict[str, Any]:
    names = {"AssociationRequest": "AARQ", "AssociationResponse": "AARE",
             "ReleaseRequest": "RLRQ", "ReleaseResponse": "RLRE"}
    out: dict[str, Any] = {"apdu": names[e.tag]}
    for c in e:
        if c.tag in _ACSE_FIELDS:
            key, conv = _ACSE_FIELDS[c.tag]
            if key in out:
                raise GuruxFailure(f"repeated <{c.tag}> in <{e.tag}>")
            out[key] = conv(c)
        elif "user_information" not in out:
            out["user_information"] = _user_information(c)
        else:
            raise GuruxFailure(f"unexpected <{c.tag}> in <{e.tag}>")
    if "reason" in out:
        conv_reason = (_Tags.value_ofReleaseRequestReason if e.tag == "ReleaseRequest"
                       else _Tags.value_ofReleaseResponseReason)
        out["reason"] = int(conv_reason(out["reason"]))
    return out


def _other(e: ET.Element) -> dict[str, Any]:
    tag = e.tag
    if tag == "GeneralBlockTransfer":
        k = children(e, "BlockControl", "BlockNumber", "BlockNumberAck", "BlockData")
        bc = hex_value(k["BlockControl"])
        return {"apdu": "general-block-transfer", "last_block": bool(bc & 0x80),
                "streaming": bool(bc & 0x40), "window": bc & 0x3F,
                "block_number": hex_value(k["BlockNumber"]),
                "block_number_ack": hex_value(k["BlockNumberAck"]),
                "block_data": bytes_value(k["BlockData"])}
    if tag == "DataNotification":
        k = children(e, "LongInvokeIdAndPriority", "DateTime", "NotificationBody")
        dt = value(k["DateTime"])
        return {"apdu": "data-notification",
                "long_invoke_id_and_priority": hex_value(k["LongInvokeIdAndPriority"]),
                "date_time": bytes.fromhex(dt) if dt else None,
                "notification_body": read_data(only(only(k["NotificationBody"])))}
    if tag == "EventNotificationRequest":
        k = children(e, "Time", "AttributeDescriptor", "AttributeValue")
        return {"apdu": "event-notification-request",
                "time": bytes_value(k["Time"]) if "Time" in k else None,
                "cosem_attribute_descriptor": _descriptor(k["AttributeDescriptor"]),
                "attribute_value": read_data(only(k["AttributeValue"]))}
    if tag == "ExceptionResponse":
        k = children(e, "StateError", "ServiceError")
        return {"apdu": "exception-response",
                "state_error": int(_Tags.valueofStateError(value(k["StateError"]))),
                "service_error": int(_Tags.valueOfExceptionServiceError(value(k["ServiceError"])))}
    if tag == "ConfirmedServiceError":
        return _confirmed_service_error(e)
    if tag == "GeneralGloCiphering":
        k = children(e, "SystemTitle", "CipheredService")
        return {"apdu": "general-glo-ciphering", "system_title": bytes_value(k["SystemTitle"]),
                "ciphered_content": bytes_value(k["CipheredService"])}
    if tag in CIPHERED_NAMES:
        return {"apdu": CIPHERED_NAMES[tag], "ciphered_content": bytes_value(e)}
    raise GuruxFailure(f"gurux APDU <{tag}> is not read")


def read_element(e: ET.Element) -> dict[str, Any]:
    """One APDU element of gurux's XML as a field dict."""
    if e.tag in ("GetRequest", "GetResponse", "SetRequest", "SetResponse", "ActionRequest",
                 "ActionResponse"):
        return _service(only(e))
    if e.tag in ("AssociationRequest", "AssociationResponse", "ReleaseRequest",
                 "ReleaseResponse"):
        return _acse(e)
    if e.tag in ("InitiateRequest", "InitiateResponse"):
        return _initiate(e)
    return _other(e)


def read_pdu(xml: str) -> dict[str, Any]:
    """gurux's XML of one APDU (from ``pduToXml``) as a field dict."""
    return read_element(parse_xml(xml))
