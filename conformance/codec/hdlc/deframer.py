"""Sans-IO HDLC stream deframer (IEC 62056-46 6.4.1 flag and frame format fields).

Feed octets in any pieces with :meth:`HdlcDeframer.receive_data`, then call
:meth:`HdlcDeframer.next_event` until it returns :data:`NEED_DATA`. Events:

* :class:`FrameReceived` with a valid :class:`HdlcFrame`;
* :class:`BytesDiscarded` with the reason: octets outside any frame, or an invalid frame
  (bad HCS/FCS, malformed header, missing closing flag); a receiver discards such frames
  silently (6.4.4), this event only makes that visible to traces and checks.

Frames are delimited by their length field, never by searching for 0x7E: the octet may
occur inside a frame (DLMS/COSEM HDLC uses no byte stuffing). A frame may only start after
a flag; one flag may close a frame and open the next; repeated flags are skipped. After an
invalid candidate the deframer resynchronises: on the frame's closing flag when the frame
was delimited reliably (valid FCS, or valid HCS and only the FCS wrong), else on the next
0x7E after the candidate's first octet. A candidate whose header is invalid is rejected as
soon as its header has arrived, without waiting for the length it announces.
"""

from __future__ import annotations

from conformance.codec._buffer import Reader
from conformance.codec.crc import fcs16
from conformance.codec.hdlc.address import HdlcAddress
from conformance.codec.hdlc.control import HdlcControl
from conformance.codec.hdlc.events import NEED_DATA, BytesDiscarded, FrameReceived, NeedData
from conformance.codec.hdlc.frame import (
    FLAG,
    FORMAT_TYPE_3,
    MIN_FRAME_LENGTH,
    HdlcFrame,
    decode_frame_octets,
)
from conformance.errors import ChecksumError, CodecError, IncompleteError, LocalProtocolError

__all__ = ["MAX_GARBAGE", "HdlcDeframer", "HdlcEvent"]

MAX_GARBAGE = 4096
"""Octets outside any frame are reported at the latest when this many have accumulated."""

HdlcEvent = FrameReceived[HdlcFrame] | BytesDiscarded | NeedData
_PATH = "HdlcFrame"
_MAX_HEADER = 13  # format 2 + addresses 4 + 4 + control 1 + HCS 2


def _parse_header(head: bytes) -> int | CodecError | NeedData:
    """Length of the header (format, addresses, control) at the start of ``head``, the
    error if it is malformed, or ``NEED_DATA`` if ``head`` is too short to tell."""
    r = Reader(head, start=2, path=_PATH)
    try:
        HdlcAddress.decode(r, "destination")
        HdlcAddress.decode(r, "source")
        at = r.offset
        HdlcControl.from_byte(r.pull_u8("control"), offset=at, path=f"{_PATH}.control")
    except IncompleteError:
        return NEED_DATA
    except CodecError as exc:
        return exc
    return r.pos


def _hcs_error(head: bytes, header_end: int) -> ChecksumError | None:
    found = head[header_end] | (head[header_end + 1] << 8)
    calc = fcs16(head[:header_end])
    if found == calc:
        return None
    return ChecksumError(f"HCS mismatch: frame carries {found & 0xFF:02X} {found >> 8:02X}, "
                         f"CRC-16/X.25 of the header is {calc & 0xFF:02X} {calc >> 8:02X}",
                         offset=header_end, path=f"{_PATH}.hcs")


def _check_header(head: bytes, length: int) -> CodecError | NeedData | None:
    """Validate the header of a frame that has not fully arrived. ``head`` holds the first
    octets from the format field (up to 13). ``NEED_DATA`` if more octets are needed to
    decide, the error if the header is invalid, ``None`` if it is valid (HCS included when
    the length announces an information field)."""
    header_end = _parse_header(head)
    if not isinstance(header_end, int):
        return header_end
    if length <= header_end + 4:
        return None  # no room for HCS + information: a short frame, decode will judge it
    if len(head) < header_end + 2:
        return NEED_DATA
    return _hcs_error(head, header_end)


def _header_verified(raw: bytes, length: int) -> bool:
    """True when the complete frame ``raw`` has an information field and a valid HCS, so
    its length field (covered by the HCS) can be trusted even though the FCS is wrong."""
    header_end = _parse_header(raw[:_MAX_HEADER])
    return (isinstance(header_end, int) and length > header_end + 4
            and _hcs_error(raw, header_end) is None)


class HdlcDeframer:
    """Splits a byte stream into HDLC frames (see the module docstring)."""

    __slots__ = ("_after_flag", "_base", "_buf", "_checked", "_eof", "_garbage_error",
                 "_garbage_start", "_pos")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._pos = 0  # next octet of _buf to examine
        self._after_flag = False  # the octet before _pos is a flag: a frame may start
        self._garbage_start: int | None = None  # index in _buf where discarding began
        self._garbage_error: CodecError | None = None
        self._checked = -1  # stream offset of the candidate whose header is verified
        self._eof = False

    # -- input ------------------------------------------------------------------------------
    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Append received octets (any amount, including none)."""
        if self._eof:
            raise LocalProtocolError("receive_data() after receive_eof()")
        self._buf += data

    def receive_eof(self) -> None:
        """The stream has ended: octets of an unfinished frame are reported as discarded
        (IncompleteError) by the next calls to :meth:`next_event`."""
        self._eof = True

    @property
    def offset(self) -> int:
        """Stream offset of the next octet to examine."""
        return self._base + self._pos

    @property
    def buffered(self) -> int:
        """Octets received but not yet turned into events."""
        start = self._pos if self._garbage_start is None else self._garbage_start
        return len(self._buf) - start

    # -- output -----------------------------------------------------------------------------
    def next_event(self) -> HdlcEvent:
        """The next event, or :data:`NEED_DATA`."""
        self._compact()
        buf = self._buf
        n = len(buf)
        while True:
            pos = self._pos
            if not self._after_flag:
                event = self._hunt(n)
                if event is None:
                    continue
                return event
            while pos < n and buf[pos] == FLAG:  # repeated flags (usually none)
                pos += 1
            self._pos = pos
            avail = n - pos
            if avail < 2:
                return self._need_data(pos, n)
            f0 = buf[pos]
            off = self._base + pos
            if f0 >> 4 != FORMAT_TYPE_3:
                self._start_hunt(pos, CodecError(
                    f"frame format type 0x{f0 >> 4:X} is not 0xA (frame format type 3)",
                    offset=off, path=f"{_PATH}.format"))
                continue
            length = ((f0 & 0x07) << 8) | buf[pos + 1]
            if length < MIN_FRAME_LENGTH:
                self._start_hunt(pos, CodecError(
                    f"frame length {length} is below the minimum of {MIN_FRAME_LENGTH} octets",
                    offset=off, path=f"{_PATH}.format"))
                continue
            if avail <= length:  # the frame or its closing flag has not fully arrived
                if self._checked != off:
                    problem = _check_header(bytes(buf[pos:pos + _MAX_HEADER]), length)
                    if isinstance(problem, CodecError):
                        self._start_hunt(pos, problem.with_context(shift=off))
                        continue
                    if problem is None:
                        self._checked = off
                return self._need_data(pos, n)
            event = self._complete(pos, length, off)
            if event is not None:
                return event

    # -- internals --------------------------------------------------------------------------
    def _complete(self, pos: int, length: int, off: int) -> HdlcEvent | None:
        """Event for the complete candidate at ``pos``; ``None`` when it switched to
        hunting and the caller should go on."""
        buf = self._buf
        raw = bytes(buf[pos:pos + length])
        closing_ok = buf[pos + length] == FLAG
        try:
            frame = decode_frame_octets(raw, 0, length)
        except CodecError as exc:
            error = exc.with_context(shift=off)
            if error.path == f"{_PATH}.fcs" and not _header_verified(raw, length):
                # FCS wrong and the length field not verified by an HCS: resynchronise on
                # the next flag rather than trusting the length.
                self._start_hunt(pos, error)
                return None
        else:
            if closing_ok:
                self._pos = pos + length + 1
                self._after_flag = True
                return FrameReceived(frame=frame, raw=raw, offset=off)
            error = CodecError("closing flag 0x7E missing after the frame", offset=off + length,
                               path=f"{_PATH}.closing_flag")
        # The frame is reliably delimited: discard exactly its octets.
        self._pos = pos + length + (1 if closing_ok else 0)
        self._after_flag = closing_ok
        if not closing_ok:
            self._garbage_start = self._pos
            self._garbage_error = None
        return BytesDiscarded(data=raw, offset=off, error=error)

    def _start_hunt(self, pos: int, error: CodecError) -> None:
        self._after_flag = False
        self._garbage_start = pos
        self._garbage_error = error
        self._pos = pos

    def _hunt(self, n: int) -> HdlcEvent | None:
        """Look for the next flag; ``None`` when the caller should continue parsing."""
        buf = self._buf
        start = self._pos if self._garbage_start is None else self._garbage_start
        j = buf.find(FLAG, self._pos)
        if j < 0:
            self._pos = n
            if n - start >= MAX_GARBAGE or (self._eof and n > start):
                return self._discard_garbage(start, n)
            self._garbage_start = start
            return NEED_DATA
        self._pos = j + 1
        self._after_flag = True
        if j > start:
            return self._discard_garbage(start, j)
        self._garbage_start = None
        self._garbage_error = None
        return None

    def _discard_garbage(self, start: int, end: int) -> BytesDiscarded:
        off = self._base + start
        error = self._garbage_error or CodecError(
            f"{end - start} octet(s) outside any frame (no opening flag before them)",
            offset=off, path=_PATH)
        self._garbage_start = None if self._after_flag else end
        self._garbage_error = None
        return BytesDiscarded(data=bytes(self._buf[start:end]), offset=off, error=error)

    def _need_data(self, pos: int, n: int) -> HdlcEvent:
        if self._eof and pos < n:
            off = self._base + pos
            self._pos = n
            return BytesDiscarded(data=bytes(self._buf[pos:n]), offset=off, error=IncompleteError(
                f"stream ended inside a frame ({n - pos} octet(s) received)", offset=off,
                path=_PATH))
        return NEED_DATA

    def _compact(self) -> None:
        cut = self._pos if self._garbage_start is None else self._garbage_start
        if cut:
            del self._buf[:cut]
            self._base += cut
            self._pos -= cut
            if self._garbage_start is not None:
                self._garbage_start -= cut
