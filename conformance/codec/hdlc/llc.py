"""LLC sub-layer header (IEC 62056-46 5.3.2 LPDU structure; ISO/IEC 8802-2).

The first I frame (or UI frame) of each APDU starts with three octets: destination LSAP
0xE6, source LSAP 0xE6 for a command (client to server) or 0xE7 for a response (LSB = the
command/response bit), and the LLC quality octet 0x00. Field reports show meters that
answer garbage, or nothing, when the client leaves it out (dlms-notes, failure 1).
"""

from __future__ import annotations

import enum

from conformance.errors import CodecError, IncompleteError

__all__ = [
    "DESTINATION_LSAP",
    "LLC_QUALITY",
    "LLC_REQUEST",
    "LLC_RESPONSE",
    "LlcHeader",
    "add_llc",
    "recognise_llc",
    "strip_llc",
]

DESTINATION_LSAP = 0xE6
"""Destination LSAP of DLMS/COSEM."""
LLC_QUALITY = 0x00
"""LLC quality octet (reserved, always 0x00)."""
LLC_REQUEST = b"\xe6\xe6\x00"
"""LLC header of a command (client to server)."""
LLC_RESPONSE = b"\xe6\xe7\x00"
"""LLC header of a response (server to client)."""
_PATH = "LLC"


class LlcHeader(enum.Enum):
    """The two LLC headers of IEC 62056-46; ``value`` is the three octets."""

    REQUEST = LLC_REQUEST
    RESPONSE = LLC_RESPONSE


def add_llc(apdu: bytes, header: LlcHeader) -> bytes:
    """``header`` followed by ``apdu``."""
    return header.value + bytes(apdu)


def recognise_llc(information: bytes) -> LlcHeader | None:
    """Which LLC header ``information`` starts with, or ``None`` when it starts with
    neither (for example an APDU sent without LLC header)."""
    head = bytes(information[:3])
    if head == LLC_REQUEST:
        return LlcHeader.REQUEST
    if head == LLC_RESPONSE:
        return LlcHeader.RESPONSE
    return None


def strip_llc(information: bytes, expected: LlcHeader | None = None) -> tuple[LlcHeader, bytes]:
    """Split ``information`` into its LLC header and the APDU octets after it.

    CodecError naming the wrong octet when the header is missing or malformed, or when it
    is not ``expected`` (a request header on a response, or the reverse);
    IncompleteError when fewer than 3 octets are given.
    """
    data = bytes(information)
    if len(data) < 3:
        raise IncompleteError(f"truncated: the LLC header needs 3 octets, {len(data)} present",
                              offset=len(data), path=_PATH)
    if data[0] != DESTINATION_LSAP:
        raise CodecError(f"destination LSAP 0x{data[0]:02X}, expected 0xE6 (LLC header "
                         "missing?)", offset=0, path=f"{_PATH}.destination_lsap")
    if data[1] not in (0xE6, 0xE7):
        raise CodecError(f"source LSAP 0x{data[1]:02X}, expected 0xE6 (command) or 0xE7 "
                         "(response)", offset=1, path=f"{_PATH}.source_lsap")
    if data[2] != LLC_QUALITY:
        raise CodecError(f"LLC quality 0x{data[2]:02X}, expected 0x00", offset=2,
                         path=f"{_PATH}.quality")
    header = LlcHeader.REQUEST if data[1] == 0xE6 else LlcHeader.RESPONSE
    if expected is not None and header is not expected:
        raise CodecError(f"LLC {header.name.lower()} header where a {expected.name.lower()} "
                         "header is expected", offset=1, path=f"{_PATH}.source_lsap")
    return header, data[3:]
