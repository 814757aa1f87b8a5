"""Read gurux's XML of a whole HDLC or WRAPPER frame (``messageToXml``) into plain fields.

See :mod:`tests.interop.gurux_peer` for gurux's labelling of addresses and wPorts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from tests.interop.gurux_peer import GuruxFailure, GuruxMessage
from tests.interop.gurux_xml import (
    CIPHERED_NAMES,
    bytes_value,
    children,
    hex_value,
    only,
    parse_xml,
    read_element,
    value,
)

__all__ = ["read_frame"]


def _hdlc_parameters(e: ET.Element) -> dict[str, int]:
    names = {"MaxInfoTX": "max_info_field_length_transmit",
             "MaxInfoRX": "max_info_field_length_receive",
             "WindowSizeTX": "window_size_transmit", "WindowSizeRX": "window_size_receive"}
    out = {}
    for c in e:
        if c.tag not in names:
            raise GuruxFailure(f"unexpected <{c.tag}> in <{e.tag}>")
        out[names[c.tag]] = int(value(c))  # decimal, unlike everything else
    return out


def read_frame(msg: GuruxMessage) -> dict[str, Any]:
    """One frame as gurux read it: framing fields plus ``"apdu"`` (a field dict), or
    ``"next_frame"`` (the raw info of a non-final segment), or ``"command"``."""
    root = parse_xml(msg.xml)
    out: dict[str, Any] = {"framing": msg.interface}
    if msg.interface == "wrapper":
        k = children(root, "TargetAddress", "SourceAddress", "PDU")
        # Translator quirk (gurux_peer docstring): Target = source wPort, Source = destination.
        out["source_wport"] = hex_value(k["TargetAddress"])
        out["destination_wport"] = hex_value(k["SourceAddress"])
        out["apdu"] = read_element(only(k["PDU"]))
        return out
    k = children(root, "TargetAddress", "SourceAddress", "FrameType", "PDU", "NextFrame",
                  "Command", "Snrm", "Ua", "DisconnectRequest", "DisconnectMode",
                  "UnacceptableFrame", *_other_roots())
    out["destination_address"] = hex_value(k.pop("TargetAddress"))
    out["source_address"] = hex_value(k.pop("SourceAddress"))
    out["control"] = hex_value(k.pop("FrameType"))
    out["segmented"] = bool(msg.more_data & 0x02)
    for tag, c in k.items():
        if tag == "PDU":
            inner = only(c)
            if inner.tag in ("Snrm", "Ua"):
                out["hdlc_parameters"] = _hdlc_parameters(inner)
            else:
                out["apdu"] = read_element(inner)
        elif tag == "NextFrame":
            out["next_frame"] = bytes_value(c)
        elif tag == "Command":
            out["command"] = value(c)
        elif tag in ("Snrm", "Ua", "DisconnectRequest", "DisconnectMode", "UnacceptableFrame"):
            out["command"] = tag
        else:  # a reassembled APDU printed without <PDU> (completePdu mode)
            out["apdu"] = read_element(c)
    return out


def _other_roots() -> tuple[str, ...]:
    return ("GetRequest", "GetResponse", "SetRequest", "SetResponse", "ActionRequest",
            "ActionResponse", "AssociationRequest", "AssociationResponse", "ReleaseRequest",
            "ReleaseResponse", "GeneralBlockTransfer", "DataNotification",
            "EventNotificationRequest", "ExceptionResponse", "ConfirmedServiceError",
            "GeneralGloCiphering", *CIPHERED_NAMES)
