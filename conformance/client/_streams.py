"""One direction of a recorded byte stream split into frames and APDUs, for the trace
recorder: HDLC frames (IEC 62056-46) with the reassembly of segmented I frames and the LLC
header removed, WPDUs (IEC 62056-47), and APDUs carried in general block transfer
(IEC 62056-5-3 9.4.6.13). Pure bookkeeping over the codec's deframers; no clock, no I/O.

The recorder mirrors the receiver's sequence rule (ISO/IEC 13239): an I frame joins the
APDU being reassembled only when its N(S) is the one expected next, so a repeated frame or
one sent with a deliberately wrong N(S) is shown but not reassembled twice.

Two stages, so that frames can be counted without decoding them: :class:`Delimiter`
splits the octets into frames (the codec's deframers: HCS, FCS and header checked) and
:class:`FrameStream` turns its output into items (frame summaries, reassembled APDUs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.client._view import error_view, frame_view
from conformance.codec.apdu import decode_apdu
from conformance.codec.hdlc import (
    LLC_REQUEST,
    LLC_RESPONSE,
    BytesDiscarded,
    FrameReceived,
    HdlcDeframer,
    HdlcFrame,
    HdlcFrameType,
    recognise_llc,
)
from conformance.codec.wrapper import HEADER_LENGTH, WrapperDeframer, WrapperFrame
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.errors import CodecError
from conformance.transport import Framing

__all__ = ["Delimited", "Delimiter", "FrameStream", "Span", "StreamItem", "frames_in"]

Span = tuple[int, int, int]
"""``(apdu_offset, stream_offset, length)``: APDU octets ``apdu_offset ..`` lie at
``stream_offset ..`` in the stream."""

Delimited = tuple[int, list[FrameReceived[Any] | BytesDiscarded]]
"""What :class:`Delimiter` found in some octets: the stream offset of its deframer's
offset 0, and the deframer's events."""

_RESETS_SENT = frozenset({HdlcFrameType.SNRM, HdlcFrameType.DISC})
_RESETS_RECEIVED = frozenset({HdlcFrameType.UA, HdlcFrameType.DM})


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamItem:
    """A frame, discarded octets, or a complete APDU found in the stream."""

    kind: str
    """``"frame"``, ``"discarded"`` or ``"apdu"`` (an :class:`~.trace.EntryKind` value)."""
    layer: str
    data: bytes
    offset: int | None = None
    info: dict[str, Any] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()


def frames_in(delimited: Delimited) -> int:
    """The number of frames (HDLC frames, WPDUs) in ``delimited``."""
    return sum(1 for event in delimited[1] if isinstance(event, FrameReceived))


class Delimiter:
    """The frames of one direction, found by the codec's deframers (first stage)."""

    def __init__(self, framing: Framing | None, *, base: int = 0) -> None:
        """``base``: the direction's stream offset of the first octet this object sees."""
        self._deframer: HdlcDeframer | WrapperDeframer | None = (
            HdlcDeframer() if framing is Framing.HDLC
            else WrapperDeframer() if framing is Framing.WRAPPER else None)
        # Direction offset of the deframer's offset 0: ``base`` plus the octets skipped
        # (not fed to the deframer; sign-on octets come before any frame).
        self._skipped = base

    def skip(self, n: int) -> None:
        """``n`` octets of this direction that are not part of the frame stream."""
        self._skipped += n

    def feed(self, data: bytes) -> Delimited:
        """Octets of the stream."""
        if self._deframer is not None:
            self._deframer.receive_data(data)
        return self._drain()

    def finish(self) -> Delimited:
        """End of the stream: an unfinished frame is reported as discarded."""
        if self._deframer is not None:
            self._deframer.receive_eof()
        return self._drain()

    def _drain(self) -> Delimited:
        events: list[FrameReceived[Any] | BytesDiscarded] = []
        deframer = self._deframer
        while deframer is not None:
            event = deframer.next_event()
            if not isinstance(event, FrameReceived | BytesDiscarded):
                break
            events.append(event)
        return self._skipped, events


class FrameStream:
    """The frames and APDUs of one direction (second stage: what a :class:`Delimiter`
    found, summarised and reassembled)."""

    def __init__(self, framing: Framing | None, *, sent: bool) -> None:
        self._layer = "hdlc" if framing is Framing.HDLC else "wrapper"
        self._sent = sent
        # The N(S) expected next; None until the link state is known (a trace may start
        # on an established link: the first I frame then sets it).
        self._vr: int | None = None
        self._segments: list[tuple[int, bytes]] = []  # (stream offset, information)
        self._gbt = bytearray()
        self._gbt_next = 0  # 0: no general block transfer in progress
        self._gbt_blocks = 0

    def items(self, delimited: Delimited) -> list[StreamItem]:
        """The items of the frames and discarded octets in ``delimited``."""
        out: list[StreamItem] = []
        shift, events = delimited
        for event in events:
            if isinstance(event, FrameReceived):
                offset = event.offset + shift
                if isinstance(event.frame, HdlcFrame):
                    out += self._hdlc_frame(event.frame, event.raw, offset)
                elif isinstance(event.frame, WrapperFrame):
                    out += self._wpdu(event.frame, event.raw, offset)
            else:
                out.append(StreamItem(kind="discarded", layer=self._layer, data=event.data,
                                      offset=event.offset + shift,
                                      info={"error": error_view(event.error)}))
        return out

    # -- HDLC ----------------------------------------------------------------------------
    def _hdlc_frame(self, frame: HdlcFrame, raw: bytes, offset: int) -> list[StreamItem]:
        info: dict[str, Any] = {"frame": frame_view(frame)}
        items: list[StreamItem] = []
        ftype = frame.frame_type
        if ftype in (_RESETS_SENT if self._sent else _RESETS_RECEIVED):
            self._vr = 0
            self._segments.clear()
        info_at = offset + frame.header_length + 2  # after the HCS
        if ftype is HdlcFrameType.I:
            ns = frame.control.send_seq or 0  # always set on an I frame
            if self._vr is None:
                self._vr = ns
            if ns != self._vr:
                info["sequence"] = (f"N(S)={ns} where N(S)={self._vr} is expected: repeated "
                                    "or out of sequence, not reassembled")
            else:
                self._vr = (ns + 1) % 8
                self._segments.append((info_at, frame.information))
                items += self._segment_done(frame, info)
        elif ftype is HdlcFrameType.UI and frame.information:
            items += self._apdu_of([(info_at, frame.information)], info)
        return [StreamItem(kind="frame", layer="hdlc", data=raw, offset=offset, info=info),
                *items]

    def _segment_done(self, frame: HdlcFrame, info: dict[str, Any]) -> list[StreamItem]:
        count = len(self._segments)
        if frame.segmented:
            info["segment"] = "first" if count == 1 else "middle"
            return []
        if count > 1:
            info["segment"] = "last"
        segments, self._segments = self._segments, []
        return self._apdu_of(segments, info)

    def _apdu_of(self, segments: list[tuple[int, bytes]],
                 frame_info: dict[str, Any]) -> list[StreamItem]:
        whole = b"".join(part for _, part in segments)
        expected = LLC_REQUEST if self._sent else LLC_RESPONSE
        llc = recognise_llc(whole)
        apdu_info: dict[str, Any] = {}
        skip = 0
        if llc is None:
            apdu_info["llc"] = None
            apdu_info["warning"] = (f"no LLC header ({expected.hex(' ').upper()}) before "
                                    "the APDU (IEC 62056-46 LLC sub-layer)")
        else:
            skip = 3
            apdu_info["llc"] = llc.name.lower()
            if llc.value != expected:
                apdu_info["warning"] = (f"LLC header {llc.value.hex(' ').upper()} where "
                                        f"{expected.hex(' ').upper()} is expected")
        frame_info["llc"] = apdu_info["llc"]
        apdu = whole[skip:]
        if not apdu:
            return []
        spans: list[Span] = []
        position = -skip  # APDU offset of the segment's first octet
        for stream_at, part in segments:
            start = max(0, -position)
            if start < len(part):
                spans.append((position + start, stream_at + start, len(part) - start))
            position += len(part)
        return [StreamItem(kind="apdu", layer="hdlc", data=apdu, info=apdu_info,
                           spans=tuple(spans))]

    # -- wrapper -------------------------------------------------------------------------
    def _wpdu(self, frame: WrapperFrame, raw: bytes, offset: int) -> list[StreamItem]:
        info: dict[str, Any] = {"wrapper": {
            "version": frame.version, "source_wport": frame.source_wport,
            "destination_wport": frame.destination_wport, "length": len(frame.apdu)}}
        items = [StreamItem(kind="frame", layer="wrapper", data=raw, offset=offset,
                            info=info)]
        if frame.apdu:
            items.append(StreamItem(
                kind="apdu", layer="wrapper", data=frame.apdu,
                spans=((0, offset + HEADER_LENGTH, len(frame.apdu)),)))
        return items

    # -- general block transfer ------------------------------------------------------------
    def gbt_apdu(self, apdu: bytes) -> StreamItem | None:
        """Follow a general-block-transfer APDU of this direction; the APDU its blocks
        carry once the last block has arrived."""
        if not apdu or apdu[0] != GeneralBlockTransfer.TAG:
            return None
        try:
            block = decode_apdu(apdu)
        except CodecError:
            return None
        if not isinstance(block, GeneralBlockTransfer):  # pragma: no cover - tag checked
            return None
        if block.block_number == 1:
            self._gbt.clear()
            self._gbt_next = 1
            self._gbt_blocks = 0
        if self._gbt_next == 0 or block.block_number != self._gbt_next:
            return None  # an acknowledgement, a repeated block, or no transfer running
        self._gbt += block.block_data
        self._gbt_next += 1
        self._gbt_blocks += 1
        if not block.last_block:
            return None
        data, blocks = bytes(self._gbt), self._gbt_blocks
        self._gbt.clear()
        self._gbt_next = 0
        if not data:
            return None
        return StreamItem(kind="apdu", layer="gbt", data=data, info={"gbt_blocks": blocks})
