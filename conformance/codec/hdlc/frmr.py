"""FRMR information field (IEC 62056-46 6.4.3 FRMR response; ISO/IEC 13239 FRMR, modulo 8).

Three octets, bits numbered in transmission order (LSB of each octet first)::

    octet 1  rejected frame control field
    octet 2  bit 0: 0 | bits 1-3: V(S) | bit 4: C/R | bits 5-7: V(R)
    octet 3  bit 0: W | bit 1: X | bit 2: Y | bit 3: Z | bit 4: V | bits 5-7: 0

W: the control field is undefined or not implemented; X: the frame had an information
field not permitted with it (W is set too); Y: the information field exceeded the maximum
length; Z: the control field carried an invalid N(R); V: an invalid N(S) (ISO/IEC 13239).
The padding bits must be zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.codec._buffer import Reader, Writer
from conformance.codec.hdlc.control import HdlcControl
from conformance.errors import CodecError

__all__ = ["FrmrInformation"]

_PATH = "FrmrInformation"


@dataclass(frozen=True, slots=True, kw_only=True)
class FrmrInformation:
    """The information field of an FRMR response. ``ValueError`` for out-of-range values."""

    rejected_control: int
    """Control octet of the rejected frame, as received."""
    send_state: int
    """V(S): the sender of the FRMR's current send state variable (0..7)."""
    receive_state: int
    """V(R): the sender of the FRMR's current receive state variable (0..7)."""
    rejected_was_response: bool = False
    """C/R: the rejected frame was a response (only meaningful in balanced modes)."""
    w: bool = False
    """Control field undefined or not implemented."""
    x: bool = False
    """Information field not permitted with this frame (W set as well)."""
    y: bool = False
    """Information field longer than the maximum accepted."""
    z: bool = False
    """Invalid N(R) in the rejected frame."""
    v: bool = False
    """Invalid N(S) in the rejected frame."""

    def __post_init__(self) -> None:
        if not 0 <= self.rejected_control <= 0xFF:
            raise ValueError("rejected_control must be an octet")
        for name, value in (("send_state", self.send_state),
                            ("receive_state", self.receive_state)):
            if not 0 <= value <= 7:
                raise ValueError(f"{name} must be 0..7 (modulo 8), got {value}")

    @property
    def rejected(self) -> HdlcControl | None:
        """The rejected control field decoded, or ``None`` if it is not a frame type of
        IEC 62056-46 (the usual reason for W)."""
        try:
            return HdlcControl.from_byte(self.rejected_control)
        except CodecError:
            return None

    def to_bytes(self) -> bytes:
        """The three information octets."""
        second = (self.send_state << 1) | (0x10 if self.rejected_was_response else 0) | (
            self.receive_state << 5)
        third = (int(self.w) | (int(self.x) << 1) | (int(self.y) << 2) | (int(self.z) << 3)
                 | (int(self.v) << 4))
        return bytes((self.rejected_control, second, third))

    def encode(self, w: Writer) -> None:
        """Append the three information octets to ``w``."""
        w.push_bytes(self.to_bytes())

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> FrmrInformation:
        """Decode the information field of an FRMR frame (exactly 3 octets); CodecError for
        set padding bits or trailing octets, IncompleteError for fewer octets."""
        r = Reader(bytes(data), path=_PATH)
        rejected = r.pull_u8("rejected_control")
        at = r.offset
        second = r.pull_u8("state_variables")
        if second & 0x01:
            raise CodecError("padding bit 0 of the second octet must be 0", offset=at,
                             path=f"{_PATH}.state_variables")
        at = r.offset
        third = r.pull_u8("reason")
        if third & 0xE0:
            raise CodecError(f"padding bits 5-7 of the reason octet must be 0, got 0x{third:02X}",
                             offset=at, path=f"{_PATH}.reason")
        r.expect_end("the FRMR information field (3 octets, modulo 8)")
        return cls(rejected_control=rejected, send_state=(second >> 1) & 7,
                   receive_state=second >> 5, rejected_was_response=bool(second & 0x10),
                   w=bool(third & 0x01), x=bool(third & 0x02), y=bool(third & 0x04),
                   z=bool(third & 0x08), v=bool(third & 0x10))
