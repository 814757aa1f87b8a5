"""HDLC codec of IEC 62056-46 (frame format type 3): addresses, control field, frames with
HCS/FCS, SNRM/UA parameter negotiation, FRMR information, the LLC header and a sans-IO
stream deframer. Pure bytes <-> frozen dataclasses; no state except in the deframer's
buffer, no I/O, no clock.
"""

from conformance.codec.hdlc.address import (
    ALL_STATION,
    ALL_STATION_EXTENDED,
    CALLING,
    CALLING_EXTENDED,
    CLIENT_MANAGEMENT_PROCESS,
    MANAGEMENT_LOGICAL_DEVICE,
    NO_STATION,
    PUBLIC_CLIENT,
    HdlcAddress,
)
from conformance.codec.hdlc.control import HdlcControl, HdlcFrameType
from conformance.codec.hdlc.deframer import MAX_GARBAGE, HdlcDeframer, HdlcEvent
from conformance.codec.hdlc.events import NEED_DATA, BytesDiscarded, FrameReceived, NeedData
from conformance.codec.hdlc.frame import (
    FLAG,
    FORMAT_TYPE_3,
    MAX_FRAME_LENGTH,
    MIN_FRAME_LENGTH,
    HdlcFrame,
)
from conformance.codec.hdlc.frmr import FrmrInformation
from conformance.codec.hdlc.llc import (
    LLC_REQUEST,
    LLC_RESPONSE,
    LlcHeader,
    add_llc,
    recognise_llc,
    strip_llc,
)
from conformance.codec.hdlc.parameters import (
    DEFAULT_MAX_INFO_FIELD_LENGTH,
    DEFAULT_WINDOW_SIZE,
    HdlcParameterId,
    HdlcParameters,
)

__all__ = [
    "ALL_STATION",
    "ALL_STATION_EXTENDED",
    "CALLING",
    "CALLING_EXTENDED",
    "CLIENT_MANAGEMENT_PROCESS",
    "DEFAULT_MAX_INFO_FIELD_LENGTH",
    "DEFAULT_WINDOW_SIZE",
    "FLAG",
    "FORMAT_TYPE_3",
    "LLC_REQUEST",
    "LLC_RESPONSE",
    "MANAGEMENT_LOGICAL_DEVICE",
    "MAX_FRAME_LENGTH",
    "MAX_GARBAGE",
    "MIN_FRAME_LENGTH",
    "NEED_DATA",
    "NO_STATION",
    "PUBLIC_CLIENT",
    "BytesDiscarded",
    "FrameReceived",
    "FrmrInformation",
    "HdlcAddress",
    "HdlcControl",
    "HdlcDeframer",
    "HdlcEvent",
    "HdlcFrame",
    "HdlcFrameType",
    "HdlcParameterId",
    "HdlcParameters",
    "LlcHeader",
    "NeedData",
    "add_llc",
    "recognise_llc",
    "strip_llc",
]
