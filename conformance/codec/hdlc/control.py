"""HDLC control field (IEC 62056-46 6.4.1 control field, 6.4.3 command and response frames).

Bit layout, most significant bit first (the LSB is transmitted first), modulo 8:

* I:    ``RRR P SSS 0``  (N(R), P/F, N(S))
* RR:   ``RRR P 0001``   RNR: ``RRR P 0101``
* SNRM: ``100 P 0011`` (0x83 / 0x93)   DISC: ``010 P 0011`` (0x43 / 0x53)
* UA:   ``011 F 0011`` (0x63 / 0x73)   DM:   ``000 F 1111`` (0x0F / 0x1F)
* FRMR: ``100 F 0111`` (0x87 / 0x97)   UI:   ``000 P 0011`` (0x03 / 0x13)

IEC 62056-46 6.4.3 selects exactly these nine frame types from ISO/IEC 13239; any other
control octet (REJ, SREJ, SABM, XID, TEST, ...) is reported as a CodecError.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conformance.errors import CodecError

__all__ = ["HdlcControl", "HdlcFrameType"]


class HdlcFrameType(enum.IntEnum):
    """The frame types of IEC 62056-46 6.4.3; the value is the control octet with P/F,
    N(S) and N(R) all zero."""

    I = 0x00  # noqa: E741 - the standard's name for the information frame
    RR = 0x01
    RNR = 0x05
    SNRM = 0x83
    DISC = 0x43
    UA = 0x63
    DM = 0x0F
    FRMR = 0x87
    UI = 0x03

    @property
    def has_send_seq(self) -> bool:
        """True for frames carrying N(S) (I frames only)."""
        return self is HdlcFrameType.I

    @property
    def has_receive_seq(self) -> bool:
        """True for frames carrying N(R) (I, RR, RNR)."""
        return self in _NUMBERED


_NUMBERED = frozenset({HdlcFrameType.I, HdlcFrameType.RR, HdlcFrameType.RNR})
_UNNUMBERED = {t.value: t for t in HdlcFrameType if t.value & 0x03 == 0x03}
_PF = 0x10

# Names of ISO/IEC 13239 control octets that IEC 62056-46 does not use, for error texts.
_FOREIGN = {0x09: "REJ", 0x0D: "SREJ", 0x2F: "SABM", 0x6F: "SABME", 0xCF: "SNRME",
            0x8F: "RSET", 0xAF: "XID", 0xE3: "TEST", 0x23: "UP"}


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcControl:
    """A control field: frame type, P/F bit and the sequence numbers the type carries.

    ``send_seq`` (N(S)) is set for I frames only; ``receive_seq`` (N(R)) for I, RR and RNR;
    both are ``None`` for unnumbered frames. Values are modulo 8 (0..7). ``ValueError`` for
    an inconsistent combination (a control octet that cannot be written).
    """

    frame_type: HdlcFrameType
    """I, RR, RNR, SNRM, DISC, UA, DM, FRMR or UI."""
    poll_final: bool = True
    """The P (command) / F (response) bit."""
    send_seq: int | None = None
    """N(S), I frames only."""
    receive_seq: int | None = None
    """N(R), I, RR and RNR frames only."""

    def __post_init__(self) -> None:
        ft = self.frame_type
        for name, value, wanted in (("send_seq", self.send_seq, ft.has_send_seq),
                                    ("receive_seq", self.receive_seq, ft.has_receive_seq)):
            if wanted:
                if value is None or not 0 <= value <= 7:
                    raise ValueError(f"{ft.name} frame needs {name} in 0..7, got {value}")
            elif value is not None:
                raise ValueError(f"{ft.name} frame has no {name}")

    @classmethod
    def i_frame(cls, send_seq: int, receive_seq: int, poll_final: bool = True) -> HdlcControl:
        """An I frame control field."""
        return cls(frame_type=HdlcFrameType.I, poll_final=poll_final, send_seq=send_seq,
                   receive_seq=receive_seq)

    def to_byte(self) -> int:
        """The control octet."""
        b = int(self.frame_type) | (_PF if self.poll_final else 0)
        if self.send_seq is not None:
            b |= self.send_seq << 1
        if self.receive_seq is not None:
            b |= self.receive_seq << 5
        return b

    @classmethod
    def from_byte(cls, value: int, *, offset: int | None = None,
                  path: str = "control") -> HdlcControl:
        """Decode a control octet; CodecError (at ``offset``/``path``) for a control field
        that is not one of the IEC 62056-46 frame types."""
        ctl = _TABLE[value & 0xFF] if 0 <= value <= 0xFF else None
        if ctl is None:
            raise CodecError(_unknown_message(value), offset=offset, path=path)
        return ctl

    def __str__(self) -> str:
        parts = [self.frame_type.name]
        if self.send_seq is not None:
            parts.append(f"N(S)={self.send_seq}")
        if self.receive_seq is not None:
            parts.append(f"N(R)={self.receive_seq}")
        parts.append(f"P/F={int(self.poll_final)}")
        return " ".join(parts)


def _unknown_message(value: int) -> str:
    if not 0 <= value <= 0xFF:
        return f"control field {value} is not an octet"
    name = _FOREIGN.get(value & 0xEF if value & 0x03 == 0x03 else value & 0x0F)
    what = f" ({name}, not used by IEC 62056-46)" if name else ""
    return f"unknown HDLC control field 0x{value:02X}{what}"


def _build(value: int) -> HdlcControl | None:
    pf = bool(value & _PF)
    if value & 0x01 == 0:
        return HdlcControl(frame_type=HdlcFrameType.I, poll_final=pf,
                           send_seq=(value >> 1) & 7, receive_seq=value >> 5)
    if value & 0x03 == 0x01:
        kind = value & 0x0F
        if kind == HdlcFrameType.RR:
            return HdlcControl(frame_type=HdlcFrameType.RR, poll_final=pf,
                               receive_seq=value >> 5)
        if kind == HdlcFrameType.RNR:
            return HdlcControl(frame_type=HdlcFrameType.RNR, poll_final=pf,
                               receive_seq=value >> 5)
        return None
    ft = _UNNUMBERED.get(value & ~_PF & 0xFF)
    return None if ft is None else HdlcControl(frame_type=ft, poll_final=pf)


_TABLE: tuple[HdlcControl | None, ...] = tuple(_build(v) for v in range(256))
