"""Building the frames the link machine sends, and recognising a received frame whose
control field IEC 62056-46 does not define. Pure functions: no state, no I/O.

These are the one place where the machine's frames are made; a check that needs a frame
the machine would never send (out-of-order traffic) builds it with the same helpers or
with :class:`~conformance.codec.hdlc.HdlcFrame` directly and sends it raw; the machine's
own frames can be altered on the way out by its ``frame_filter``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.codec._buffer import Reader
from conformance.codec.crc import fcs16
from conformance.codec.hdlc import (
    FORMAT_TYPE_3,
    MIN_FRAME_LENGTH,
    HdlcAddress,
    HdlcControl,
    HdlcFrame,
    HdlcFrameType,
)
from conformance.errors import CodecError

__all__ = [
    "FrameFilter",
    "UndefinedFrame",
    "control_octet",
    "decode_undefined_control_frame",
    "i_frame",
    "poll_final",
    "s_frame",
    "u_frame",
]

FrameFilter = Callable[[HdlcFrame], HdlcFrame | None]
"""A deviation hook: gets every frame the machine is about to encode and returns the frame
to send instead (e.g. without LLC header, with a wrong N(S) or FCS), or ``None`` to send
nothing (a lost frame). The machine's state does not change with what the filter does."""

_PF = 0x10


def i_frame(destination: HdlcAddress, source: HdlcAddress, *, send_seq: int, receive_seq: int,
            poll_final: bool, information: bytes, segmented: bool) -> HdlcFrame:
    """An I frame: N(S), N(R), P/F, one segment with its S bit."""
    return HdlcFrame(destination=destination, source=source,
                     control=HdlcControl.i_frame(send_seq, receive_seq, poll_final),
                     information=information, segmented=segmented)


def s_frame(frame_type: HdlcFrameType, destination: HdlcAddress, source: HdlcAddress, *,
            receive_seq: int, poll_final: bool) -> HdlcFrame:
    """A supervisory frame (RR or RNR) with N(R) and P/F."""
    if frame_type not in (HdlcFrameType.RR, HdlcFrameType.RNR):
        raise ValueError(f"{frame_type.name} is not a supervisory frame")
    return HdlcFrame(destination=destination, source=source,
                     control=HdlcControl(frame_type=frame_type, poll_final=poll_final,
                                         receive_seq=receive_seq))


def u_frame(frame_type: HdlcFrameType, destination: HdlcAddress, source: HdlcAddress, *,
            poll_final: bool, information: bytes = b"") -> HdlcFrame:
    """An unnumbered frame (SNRM, DISC, UA, DM, FRMR, UI) with P/F and an optional
    information field."""
    if frame_type.has_receive_seq:
        raise ValueError(f"{frame_type.name} is not an unnumbered frame")
    return HdlcFrame(destination=destination, source=source,
                     control=HdlcControl(frame_type=frame_type, poll_final=poll_final),
                     information=information)


def control_octet(frame: HdlcFrame | UndefinedFrame) -> int:
    """The control octet as it was (or will be) on the wire."""
    if isinstance(frame, UndefinedFrame):
        return frame.control
    return frame.control.to_byte() if frame.raw_control is None else frame.raw_control


def poll_final(frame: HdlcFrame | UndefinedFrame) -> bool:
    """The P/F bit of a decoded or undefined frame."""
    if isinstance(frame, UndefinedFrame):
        return frame.poll_final
    return frame.control.poll_final


@dataclass(frozen=True, slots=True, kw_only=True)
class UndefinedFrame:
    """A frame with a valid FCS (and HCS) whose control octet is none of the frame types of
    IEC 62056-46 6.4.3: the server answers it with FRMR (W)."""

    destination: HdlcAddress
    """Destination address."""
    source: HdlcAddress
    """Source address."""
    control: int
    """The control octet."""
    information: bytes = b""
    """Information field, if any."""

    @property
    def poll_final(self) -> bool:
        """Bit 4 of the control octet (the P/F position of every HDLC control format)."""
        return bool(self.control & _PF)


def decode_undefined_control_frame(data: bytes) -> UndefinedFrame | None:
    """``data`` (format field .. FCS, no flags) as an :class:`UndefinedFrame`, or ``None``
    when it is not exactly one frame with a valid FCS, valid addresses and (with an
    information field) a valid HCS. Used on octets the deframer discarded because of their
    control field, so that a corrupted frame is never mistaken for an undefined one."""
    n = len(data)
    if n < MIN_FRAME_LENGTH or data[0] >> 4 != FORMAT_TYPE_3:
        return None
    length = ((data[0] & 0x07) << 8) | data[1]
    if length != n or fcs16(data[:n - 2]) != data[n - 2] | (data[n - 1] << 8):
        return None
    r = Reader(data, start=2, end=n - 2)
    try:
        destination = HdlcAddress.decode(r, "destination")
        source = HdlcAddress.decode(r, "source")
        control = r.pull_u8("control")
    except CodecError:
        return None
    information = b""
    if not r.at_end():
        header_end = r.pos
        if r.remaining() < 3 or fcs16(data[:header_end]) != data[header_end] | (
                data[header_end + 1] << 8):
            return None
        information = data[header_end + 2:n - 2]
    return UndefinedFrame(destination=destination, source=source, control=control,
                          information=information)

