"""IEC 62056-21 sign-on messages and the 7-bit character format: pure functions, no I/O.

Only what protocol mode E (IEC 62056-21:2002 Annex E) needs before HDLC starts:

- request message (6.3.1): ``/ ? [device address] ! CR LF``
- identification message (6.3.2): ``/ X X X Z [\\W ...] ident CR LF``
- acknowledgement / option select message (6.3.3): ``ACK V Z Y CR LF``

Characters in this phase are 7-bit ISO 646 with one even parity bit (5.4: 1 start bit,
7 data bits, 1 even parity bit, 1 stop bit). :class:`SevenBitMode` says where that parity
bit is handled; :func:`encode_seven_bit` and :func:`decode_seven_bit` do it.

Malformed messages raise :class:`~conformance.errors.CodecError` with the byte offset and
the field path; messages cut short raise :class:`~conformance.errors.IncompleteError`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conformance.codec._buffer import Reader
from conformance.errors import CodecError

__all__ = [
    "ACK",
    "BAUD_RATES",
    "AcknowledgementMessage",
    "IdentificationMessage",
    "RequestMessage",
    "SevenBitMode",
    "baud_rate_id",
    "decode_seven_bit",
    "encode_seven_bit",
    "parse_acknowledgement",
    "parse_identification",
    "parse_request",
]

ACK = 0x06
CR_LF = b"\r\n"

BAUD_RATES: dict[str, int] = {
    "0": 300, "1": 600, "2": 1200, "3": 2400, "4": 4800, "5": 9600, "6": 19200,
}
"""Baud rate identification ``Z`` of protocol modes C and E (6.3.2 / 6.3.3); ``7``-``9``
are reserved."""

PROTOCOL_CONTROL = {"0": "normal protocol procedure", "1": "secondary protocol procedure",
                    "2": "HDLC protocol procedure (mode E)"}
"""Protocol control character ``V`` of the acknowledgement (6.3.3); ``3``-``9`` reserved."""

MODE_CONTROL_RESERVED = frozenset("6789")
"""Mode control character ``Y`` (6.3.3): ``0`` data readout, ``1`` programming mode, ``2``
binary mode (HDLC), ``3``-``5`` and ``A``-``Z`` manufacturer-specific, ``6``-``9`` reserved."""

MAX_DEVICE_ADDRESS = 32
"""Device address: at most 32 characters (6.3.1)."""
MAX_IDENT = 16
"""Identification: at most 16 printable characters (6.3.2)."""
MAX_REQUEST_LENGTH = 2 + MAX_DEVICE_ADDRESS + 3
MAX_IDENTIFICATION_LENGTH = 64
"""A bound for reading an identification line: 5 fixed characters, a few ``\\W``
sequences and 16 identification characters fit with room to spare."""
ACKNOWLEDGEMENT_LENGTH = 6


class SevenBitMode(enum.Enum):
    """Where the even parity bit of the 7-bit sign-on phase is handled."""

    NATIVE = "native"
    """The port itself runs 7E1: bytes are sent as 7-bit characters and a received byte
    must have bit 7 clear (the UART consumed the parity bit)."""
    EMULATED = "emulated"
    """The port runs 8N1 (a pseudo-terminal, which ignores parity, or a converter fixed
    at 8 bits): the parity bit travels in bit 7. It is added on send and checked, then
    removed, on receive; 7E1 and 8N1 have the same 10-bit frame on the wire."""
    MASKED = "masked"
    """The port runs 7E1 but some drivers hand the parity bit up in bit 7: bit 7 is
    removed on receive without being checked."""


def _even_parity_bit(value: int) -> int:
    return (value & 0x7F).bit_count() & 1


def encode_seven_bit(text: bytes, mode: SevenBitMode) -> bytes:
    """The bytes to write for 7-bit ``text`` in ``mode`` (parity in bit 7 when
    :attr:`SevenBitMode.EMULATED`)."""
    for i, b in enumerate(text):
        if b & 0x80:
            raise ValueError(f"byte {i} (0x{b:02X}) is not a 7-bit character")
    if mode is SevenBitMode.EMULATED:
        return bytes(b | (_even_parity_bit(b) << 7) for b in text)
    return bytes(text)


def decode_seven_bit(data: bytes, mode: SevenBitMode, *, path: str = "") -> bytes:
    """The 7-bit characters carried by received ``data``: strict per ``mode`` (5.4: even
    parity); a violation is a :class:`CodecError` at the offending byte."""
    if mode is SevenBitMode.MASKED:
        return bytes(b & 0x7F for b in data)
    for i, b in enumerate(data):
        if mode is SevenBitMode.EMULATED:
            if (b >> 7) != _even_parity_bit(b):
                raise CodecError(f"even parity error in character 0x{b:02X}",
                                 offset=i, path=path)
        elif b & 0x80:
            raise CodecError(f"byte 0x{b:02X} has bit 7 set on a 7-bit line (is the other "
                             f"end sending the parity bit as data?)", offset=i, path=path)
    if mode is SevenBitMode.EMULATED:
        return bytes(b & 0x7F for b in data)
    return bytes(data)


def baud_rate_id(baudrate: int) -> str:
    """The mode C/E baud rate identification character for ``baudrate``."""
    for code, rate in BAUD_RATES.items():
        if rate == baudrate:
            return code
    raise ValueError(f"{baudrate} baud has no IEC 62056-21 mode C/E code "
                     f"(one of {sorted(BAUD_RATES.values())})")


# -- request message (6.3.1) ----------------------------------------------------------------
def _address_char_ok(c: int) -> bool:
    # 6.3.1: the device address uses 0..9, A..Z, a..z and space
    return c == 0x20 or 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _printable(c: int) -> bool:
    return 0x20 <= c <= 0x7E


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestMessage:
    """``/ ? device-address ! CR LF``: the HHU asks a tariff device to identify itself."""

    device_address: str = ""
    """Optional, manufacturer-specific, at most 32 characters from 0-9 A-Z a-z and
    space; empty: any tariff device on the line answers."""

    def encode(self) -> bytes:
        """The message as 7-bit ASCII (before any parity handling)."""
        address = self.device_address.encode("ascii")
        if len(address) > MAX_DEVICE_ADDRESS or not all(map(_address_char_ok, address)):
            raise ValueError(f"invalid device address {self.device_address!r} (6.3.1: at most "
                             f"{MAX_DEVICE_ADDRESS} of 0-9 A-Z a-z space)")
        return b"/?" + address + b"!" + CR_LF


def _expect(r: Reader, value: bytes, field: str) -> None:
    start = r.offset
    got = r.pull_bytes(len(value), field)
    if got != value:
        raise CodecError(f"expected {value!r}, got {got!r}", offset=start, path=r.path(field))


def _expect_end_of_line(r: Reader) -> None:
    _expect(r, b"\r", "end_of_line")
    _expect(r, b"\n", "end_of_line")
    r.expect_end("CR LF")


def parse_request(data: bytes) -> RequestMessage:
    """Parse a complete request message (7-bit characters, CR LF included)."""
    r = Reader(data, path="request_message")
    _expect(r, b"/", "start_character")
    _expect(r, b"?", "transmission_request_command")
    start = r.offset
    address = bytearray()
    while True:
        c = r.pull_u8("device_address")
        if c == 0x21:  # '!' end character
            break
        if not _address_char_ok(c):
            raise r.error(f"character 0x{c:02X} not allowed in a device address",
                          "device_address", offset=r.offset - 1)
        address.append(c)
        if len(address) > MAX_DEVICE_ADDRESS:
            raise r.error(f"device address longer than {MAX_DEVICE_ADDRESS} characters",
                          "device_address", offset=start)
    _expect_end_of_line(r)
    return RequestMessage(device_address=address.decode("ascii"))


# -- identification message (6.3.2) ------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class IdentificationMessage:
    """``/ X X X Z \\W ident CR LF``: the tariff device names itself and its maximum baud
    rate; ``\\2`` announces the binary (HDLC) mode E."""

    manufacturer_id: str
    """Three letters, the first two upper case; a lower-case third letter announces a
    minimum reaction time of 20 ms instead of 200 ms."""
    baud_rate_id: str
    """``Z``: in modes C and E the highest baud rate offered (:data:`BAUD_RATES`)."""
    enhanced_ids: str = "2"
    """The ``W`` of each ``\\W`` escape sequence, in order (``"2"``: HDLC available)."""
    identification: str = ""
    """Manufacturer-specific, at most 16 printable characters except ``/`` and ``!``."""

    @property
    def baud_rate(self) -> int | None:
        """The baud rate ``Z`` stands for in modes C and E (``None`` for other modes)."""
        return BAUD_RATES.get(self.baud_rate_id)

    @property
    def supports_mode_e(self) -> bool:
        """True when the message announces the binary mode (``\\2``)."""
        return "2" in self.enhanced_ids

    @property
    def short_reaction_time(self) -> bool:
        """True when the third manufacturer letter is lower case (tr min 20 ms)."""
        return len(self.manufacturer_id) == 3 and self.manufacturer_id[2].islower()

    def encode(self) -> bytes:
        """The message as 7-bit ASCII (before any parity handling)."""
        m = self.manufacturer_id
        if len(m) != 3 or _manufacturer_error(m.encode("ascii", "replace")) is not None:
            raise ValueError(f"manufacturer id must be 3 letters (first two upper case), "
                             f"got {m!r}")
        z = self.baud_rate_id
        if len(z) != 1 or not _printable(ord(z)) or z in "/!\\":
            raise ValueError(f"invalid baud rate identification {z!r}")
        if not all(w.isdigit() and w.isascii() for w in self.enhanced_ids):
            raise ValueError(f"enhanced identification characters must be digits, "
                             f"got {self.enhanced_ids!r}")
        ident = self.identification.encode("ascii")
        if len(ident) > MAX_IDENT or any(not _printable(c) or c in b"/!" for c in ident):
            raise ValueError(f"invalid identification {self.identification!r} (6.3.2: at most "
                             f"{MAX_IDENT} printable characters except / and !)")
        if ident[:1] == b"\\":
            raise ValueError("identification must not start with '\\' (it would read as an "
                             "escape sequence)")
        escapes = "".join("\\" + w for w in self.enhanced_ids)
        return f"/{m}{z}{escapes}".encode("ascii") + ident + CR_LF


def _manufacturer_error(m: bytes) -> tuple[int, str] | None:
    # 6.3.2: three upper-case letters; a lower-case third letter means tr min = 20 ms
    for i, c in enumerate(m):
        if not (0x41 <= c <= 0x5A or (i == 2 and 0x61 <= c <= 0x7A)):
            kind = "a letter" if i == 2 else "an upper-case letter"
            return i, f"manufacturer id character 0x{c:02X} is not {kind}"
    return None


def parse_identification(data: bytes) -> IdentificationMessage:
    """Parse a complete identification message (7-bit characters, CR LF included)."""
    r = Reader(data, path="identification_message")
    _expect(r, b"/", "start_character")
    start = r.offset
    manufacturer = r.pull_bytes(3, "manufacturer_id")
    bad = _manufacturer_error(manufacturer)
    if bad is not None:
        raise CodecError(bad[1], offset=start + bad[0], path=r.path("manufacturer_id"))
    z = r.pull_u8("baud_rate_id")
    if not _printable(z) or z in b"/!\\":
        raise r.error(f"invalid baud rate identification 0x{z:02X}", "baud_rate_id",
                      offset=r.offset - 1)
    enhanced = bytearray()
    while not r.at_end() and r.peek_u8() == 0x5C:  # '\' escape: enhanced capability
        r.pull_u8("enhanced_id")
        w = r.pull_u8("enhanced_id")
        if not 0x30 <= w <= 0x39:
            # 6.3.2 item 24 (enhanced identification character): 2 = HDLC, 0-1 and
            # 3-9 reserved (DLMS UA list of standard items)
            raise r.error(f"enhanced identification character 0x{w:02X} is not a digit",
                          "enhanced_id", offset=r.offset - 1)
        enhanced.append(w)
    start = r.offset
    ident = bytearray()
    while True:
        c = r.pull_u8("identification")
        if c == 0x0D:
            r.pos -= 1
            break
        if not _printable(c) or c in b"/!":
            raise r.error(f"character 0x{c:02X} not allowed in the identification",
                          "identification", offset=r.offset - 1)
        ident.append(c)
        if len(ident) > MAX_IDENT:
            raise r.error(f"identification longer than {MAX_IDENT} characters",
                          "identification", offset=start)
    _expect_end_of_line(r)
    return IdentificationMessage(manufacturer_id=manufacturer.decode("ascii"),
                                 baud_rate_id=chr(z), enhanced_ids=enhanced.decode("ascii"),
                                 identification=ident.decode("ascii"))


# -- acknowledgement / option select message (6.3.3) -------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class AcknowledgementMessage:
    """``ACK V Z Y CR LF``; mode E is ``ACK 2 Z 2 CR LF``."""

    protocol_control: str = "2"
    """``V``: ``0`` normal, ``1`` secondary, ``2`` HDLC protocol procedure."""
    baud_rate_id: str = "5"
    """``Z``: the baud rate both ends switch to (:data:`BAUD_RATES`)."""
    mode_control: str = "2"
    """``Y``: ``0`` data readout, ``1`` programming, ``2`` binary mode (HDLC)."""

    @property
    def baud_rate(self) -> int:
        """The baud rate ``Z`` selects."""
        return BAUD_RATES[self.baud_rate_id]

    @property
    def is_mode_e(self) -> bool:
        """True for ``ACK 2 Z 2``: HDLC protocol procedure in binary mode."""
        return self.protocol_control == "2" and self.mode_control == "2"

    def encode(self) -> bytes:
        """The message as 7-bit ASCII (before any parity handling)."""
        if self.protocol_control not in PROTOCOL_CONTROL:
            raise ValueError(f"invalid protocol control character {self.protocol_control!r}")
        if self.baud_rate_id not in BAUD_RATES:
            raise ValueError(f"invalid baud rate identification {self.baud_rate_id!r}")
        if not _mode_control_ok(self.mode_control):
            raise ValueError(f"invalid mode control character {self.mode_control!r}")
        body = self.protocol_control + self.baud_rate_id + self.mode_control
        return bytes((ACK,)) + body.encode("ascii") + CR_LF


def _mode_control_ok(y: str) -> bool:
    return len(y) == 1 and (y in "012345" or "A" <= y <= "Z")


def parse_acknowledgement(data: bytes) -> AcknowledgementMessage:
    """Parse a complete acknowledgement / option select message (CR LF included)."""
    r = Reader(data, path="acknowledgement_message")
    _expect(r, bytes((ACK,)), "acknowledge_character")
    v = chr(r.pull_u8("protocol_control"))
    if v not in PROTOCOL_CONTROL:
        raise r.error(f"protocol control character {v!r} is "
                      f"{'reserved' if v.isdigit() else 'invalid'}", "protocol_control",
                      offset=r.offset - 1)
    z = chr(r.pull_u8("baud_rate_id"))
    if z not in BAUD_RATES:
        raise r.error(f"baud rate identification {z!r} is "
                      f"{'reserved' if z.isdigit() else 'invalid'}", "baud_rate_id",
                      offset=r.offset - 1)
    y = chr(r.pull_u8("mode_control"))
    if not _mode_control_ok(y):
        raise r.error(f"mode control character {y!r} is "
                      f"{'reserved' if y in MODE_CONTROL_RESERVED else 'invalid'}",
                      "mode_control", offset=r.offset - 1)
    _expect_end_of_line(r)
    return AcknowledgementMessage(protocol_control=v, baud_rate_id=z, mode_control=y)
