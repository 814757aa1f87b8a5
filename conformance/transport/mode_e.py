"""IEC 62056-21 protocol mode E sign-on (Annex E), client side and server side.

An optical port (or a current loop) starts at 300 baud, 7E1 (IEC 62056-21 5.2, 5.4)::

    HHU (client)                                   tariff device (server)
    /?[address]!CR LF          300 baud 7E1  -->
                               <--  /XXXZ\\2ident CR LF   (after tr: 200 ms .. 1500 ms)
    ACK 2 Z 2 CR LF            300 baud 7E1  -->
    both ends switch to the baud rate Z, 8N1, and HDLC (IEC 62056-46) starts with SNRM.

``\\2`` in the identification announces the binary (HDLC) mode; ``V = 2`` in the
acknowledgement selects the HDLC protocol procedure and ``Y = 2`` the binary mode (6.3.3).
Nothing here decodes HDLC: after the switch the transport is handed back to the caller.

Timing (IEC 62056-21 clause 6): the tariff device answers a message after the reaction
time ``tr``, 200 ms to 1500 ms (20 ms minimum when the third letter of its manufacturer id
is lower case, 6.3.2); characters of one message follow each other within 1500 ms.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from conformance.errors import CodecError, RemoteProtocolError
from conformance.transport.base import IncompleteReceive, LineSettings, Parity, SerialLine
from conformance.transport.iec21 import (
    ACKNOWLEDGEMENT_LENGTH,
    BAUD_RATES,
    MAX_IDENTIFICATION_LENGTH,
    MAX_REQUEST_LENGTH,
    AcknowledgementMessage,
    IdentificationMessage,
    RequestMessage,
    SevenBitMode,
    decode_seven_bit,
    encode_seven_bit,
    parse_acknowledgement,
    parse_identification,
    parse_request,
)

__all__ = [
    "REACTION_TIME_MAX",
    "REACTION_TIME_MIN",
    "REACTION_TIME_MIN_SHORT",
    "ClientSignOn",
    "ServerSignOn",
    "answer_sign_on",
    "binary_line_settings",
    "sign_on",
    "sign_on_line_settings",
]

REACTION_TIME_MIN = 0.200
"""tr minimum, seconds."""
REACTION_TIME_MIN_SHORT = 0.020
"""tr minimum when the manufacturer id ends in a lower-case letter."""
REACTION_TIME_MAX = 1.500
"""tr maximum, seconds."""
SIGN_ON_BAUDRATE = 300
"""Protocol mode E starts at 300 baud, like mode C."""
_TRANSMIT_300 = 10 / SIGN_ON_BAUDRATE  # one 10-bit character at 300 baud, seconds
IDENTIFICATION_TIMEOUT = REACTION_TIME_MAX + MAX_IDENTIFICATION_LENGTH * _TRANSMIT_300
"""Default wait for the whole identification: tr max plus its transmission at 300 baud."""
ACKNOWLEDGEMENT_TIMEOUT = REACTION_TIME_MAX + ACKNOWLEDGEMENT_LENGTH * _TRANSMIT_300
"""Default wait of the server for the acknowledgement."""
SWITCH_DELAY = 0.3
"""Default pause of the client after switching to the new baud rate and before handing
the line to HDLC: the meter switches after reading the acknowledgement, within its reaction
time; 300 ms covers tr min (200 ms) with margin. Configurable, since meters differ."""


def sign_on_line_settings(mode: SevenBitMode) -> LineSettings:
    """300 baud 7E1, or 8N1 when the parity bit is emulated in bit 7 (same frame)."""
    if mode is SevenBitMode.EMULATED:
        return LineSettings(baudrate=SIGN_ON_BAUDRATE, bytesize=8, parity=Parity.NONE)
    return LineSettings(baudrate=SIGN_ON_BAUDRATE, bytesize=7, parity=Parity.EVEN)


def binary_line_settings(baud_rate_id: str) -> LineSettings:
    """The line after the switch: the baud rate ``Z`` stands for, 8N1 (Annex E)."""
    return LineSettings(baudrate=BAUD_RATES[baud_rate_id], bytesize=8, parity=Parity.NONE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSignOn:
    """What a client learned from a successful sign-on."""

    identification: IdentificationMessage
    """The meter's identification message."""
    acknowledgement: AcknowledgementMessage
    """The acknowledgement sent (its ``baud_rate_id`` is the rate now in use)."""
    line_settings: LineSettings
    """The line settings after the switch."""
    reaction_time: float
    """Seconds from the end of the request to the first identification byte as seen
    here (approximate: includes the OS and the transmission of that first byte)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSignOn:
    """What a server saw during a successful sign-on."""

    request: RequestMessage
    """The request message answered."""
    acknowledgement: AcknowledgementMessage
    """The client's acknowledgement."""
    line_settings: LineSettings
    """The line settings after the switch."""


def sign_on(line: SerialLine, *, device_address: str = "", baud_rate_id: str | None = None,
            seven_bit: SevenBitMode = SevenBitMode.NATIVE,
            identification_timeout: float = IDENTIFICATION_TIMEOUT,
            switch_delay: float = SWITCH_DELAY,
            sleep: Callable[[float], None] = time.sleep) -> ClientSignOn:
    """Run the client (HHU) side of the mode E sign-on on ``line`` and leave it at the
    agreed baud rate, 8N1, ready for HDLC.

    ``baud_rate_id`` overrides the rate acknowledged (default: the one the meter offers).
    An echo of the request (half-duplex optical heads) is skipped. Raises
    :class:`~conformance.errors.TransportTimeout` when the meter stays silent,
    :class:`~conformance.errors.CodecError` for a malformed identification and
    :class:`~conformance.errors.RemoteProtocolError` when it does not offer mode E.
    """
    request = RequestMessage(device_address=device_address).encode()
    line.apply_line_settings(sign_on_line_settings(seven_bit))
    line.discard_input()
    line.send(encode_seven_bit(request, seven_bit))
    line.flush()
    sent_at = time.monotonic()
    deadline = sent_at + identification_timeout
    while True:
        first_byte_at, raw = _read_line(line, deadline, MAX_IDENTIFICATION_LENGTH,
                                        "identification_message")
        text = decode_seven_bit(raw, seven_bit, path="identification_message")
        if text != request:
            break  # else our own request echoed back: the answer is still to come
    identification = parse_identification(text)
    if not identification.supports_mode_e:
        raise RemoteProtocolError(f"{line.describe()}: the meter does not offer protocol "
                                  f"mode E (no \\2 in {text!r})")
    if identification.baud_rate is None:
        raise RemoteProtocolError(
            f"{line.describe()}: baud rate identification {identification.baud_rate_id!r} "
            f"is not a mode C/E code (0..6) in {text!r}")
    chosen = baud_rate_id if baud_rate_id is not None else identification.baud_rate_id
    acknowledgement = AcknowledgementMessage(protocol_control="2", baud_rate_id=chosen,
                                             mode_control="2")
    line.send(encode_seven_bit(acknowledgement.encode(), seven_bit))
    settings = binary_line_settings(chosen)
    line.apply_line_settings(settings)  # drains the acknowledgement at 300 baud first
    sleep(switch_delay)
    return ClientSignOn(identification=identification, acknowledgement=acknowledgement,
                        line_settings=settings, reaction_time=first_byte_at - sent_at)


def answer_sign_on(line: SerialLine, *, identification: IdentificationMessage,
                   device_address: str | None = None, reaction_time: float | None = None,
                   seven_bit: SevenBitMode = SevenBitMode.NATIVE,
                   request_timeout: float = 60.0,
                   acknowledgement_timeout: float = ACKNOWLEDGEMENT_TIMEOUT,
                   sleep: Callable[[float], None] = time.sleep) -> ServerSignOn:
    """Run the tariff-device side of the mode E sign-on on ``line`` and leave it at the
    acknowledged baud rate, 8N1, ready for HDLC.

    Requests addressed to another device (``device_address`` set, the request's address
    neither empty nor equal) are ignored, as 6.3.1 wants. ``reaction_time`` defaults to
    the standard's minimum for the manufacturer id. Raises
    :class:`~conformance.errors.TransportTimeout` when no request (within
    ``request_timeout``) or no acknowledgement arrives,
    :class:`~conformance.errors.CodecError` for malformed messages and
    :class:`~conformance.errors.RemoteProtocolError` for an acknowledgement that does not
    select mode E at an offered baud rate.
    """
    if not identification.supports_mode_e or identification.baud_rate is None:
        raise ValueError("a mode E identification needs \\2 and a baud rate code 0..6")
    if reaction_time is None:
        reaction_time = (REACTION_TIME_MIN_SHORT if identification.short_reaction_time
                         else REACTION_TIME_MIN)
    answer = encode_seven_bit(identification.encode(), seven_bit)
    line.apply_line_settings(sign_on_line_settings(seven_bit))
    deadline = time.monotonic() + request_timeout
    while True:
        _, raw = _read_line(line, deadline, MAX_REQUEST_LENGTH, "request_message")
        request = parse_request(decode_seven_bit(raw, seven_bit, path="request_message"))
        if device_address is None or request.device_address in ("", device_address):
            break
    sleep(reaction_time)
    line.send(answer)
    line.flush()
    _, raw = _read_line(line, time.monotonic() + acknowledgement_timeout,
                        ACKNOWLEDGEMENT_LENGTH, "acknowledgement_message")
    acknowledgement = parse_acknowledgement(
        decode_seven_bit(raw, seven_bit, path="acknowledgement_message"))
    if not acknowledgement.is_mode_e:
        raise RemoteProtocolError(
            f"{line.describe()}: acknowledgement {raw!r} does not select mode E (ACK 2 Z 2)")
    if acknowledgement.baud_rate > BAUD_RATES[identification.baud_rate_id]:
        raise RemoteProtocolError(
            f"{line.describe()}: acknowledgement selects {acknowledgement.baud_rate} baud, "
            f"above the {identification.baud_rate} baud offered")
    settings = binary_line_settings(acknowledgement.baud_rate_id)
    line.apply_line_settings(settings)
    return ServerSignOn(request=request, acknowledgement=acknowledgement,
                        line_settings=settings)


def _read_line(line: SerialLine, deadline: float, limit: int,
               what: str) -> tuple[float, bytes]:
    """One message up to LF, and when its first byte arrived. LF (0x0A) has even weight,
    so its parity bit is 0 and it reads the same in every :class:`SevenBitMode`."""
    first = line.recv(1, max(0.0, deadline - time.monotonic()))
    first_at = time.monotonic()
    if first == b"\n":
        return first_at, first
    try:
        rest = line.recv_until(b"\n", max(0.0, deadline - time.monotonic()),
                               limit=limit - 1)
    except IncompleteReceive as exc:
        received = first + exc.received
        raise IncompleteReceive(f"{line.describe()}: the {what} stopped after "
                                f"{len(received)} byte(s), no LF before the deadline",
                                received=received) from None
    except CodecError as exc:
        raise CodecError(f"no LF within {limit} bytes: not a sign-on message",
                         offset=limit, path=what) from exc
    return first_at, first + rest
