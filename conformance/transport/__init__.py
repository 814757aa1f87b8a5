"""Byte pipes to a meter: TCP, serial lines (any pyserial URL), pseudo-terminals and an
in-process loopback pair with fault hooks; plus the IEC 62056-21 mode E sign-on that opens
an optical port for HDLC.

Nothing in this package decodes HDLC, the wrapper or DLMS: transports carry bytes, and
:func:`parse_endpoint` tells the caller which framing runs above (``tcp://`` wrapper,
``hdlc+tcp://`` and serial lines HDLC). See :mod:`conformance.transport.base` for the
interface and the error tree.
"""

from conformance.transport.base import (
    ConnectionClosed,
    EndpointError,
    IncompleteReceive,
    LineSettings,
    Parity,
    SerialLine,
    Transport,
)
from conformance.transport.factory import (
    Endpoint,
    Framing,
    Kind,
    listen,
    open_transport,
    parse_endpoint,
)
from conformance.transport.iec21 import (
    AcknowledgementMessage,
    IdentificationMessage,
    RequestMessage,
    SevenBitMode,
)
from conformance.transport.loopback import Faults, LoopbackEnd, LoopbackPair
from conformance.transport.mode_e import ClientSignOn, ServerSignOn, answer_sign_on, sign_on
from conformance.transport.pty import PtyMasterTransport, PtyPair
from conformance.transport.serial import SerialTransport
from conformance.transport.tcp import DLMS_TCP_PORT, TcpListener, TcpTransport

__all__ = [
    "DLMS_TCP_PORT",
    "AcknowledgementMessage",
    "ClientSignOn",
    "ConnectionClosed",
    "Endpoint",
    "EndpointError",
    "Faults",
    "Framing",
    "IdentificationMessage",
    "IncompleteReceive",
    "Kind",
    "LineSettings",
    "LoopbackEnd",
    "LoopbackPair",
    "Parity",
    "PtyMasterTransport",
    "PtyPair",
    "RequestMessage",
    "SerialLine",
    "SerialTransport",
    "ServerSignOn",
    "SevenBitMode",
    "TcpListener",
    "TcpTransport",
    "Transport",
    "answer_sign_on",
    "listen",
    "open_transport",
    "parse_endpoint",
    "sign_on",
]
