"""HDLC frame format type 3 (IEC 62056-46 6.4.1; ISO/IEC 13239 Annex H.4).

::

    7E | format (2) | destination (1,2,4) | source (1,2,4) | control | HCS (2) | info | FCS (2) | 7E

* Format field (6.4.1): ``1010 S LLLLLLLLLLL``: format type 0xA (frame format type 3), the
  segmentation bit S, and an 11-bit frame length counting every octet between the flags.
* HCS: CRC-16/X.25 over format, addresses and control; present only when an information
  field follows (a frame without information field carries only the FCS).
* FCS: CRC-16/X.25 over everything between the flags except the FCS itself. Both check
  sequences are sent low octet first.

Computed fields (``format_type``, ``length``, ``hcs``, ``fcs``) are ``None`` = "compute";
an explicit value is written as given, which is how checks build broken frames. A decoded
frame whose checksums verify has all of them ``None``, so ``decode(encode(f)) == f``.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.codec._buffer import Reader, Writer
from conformance.codec.crc import fcs16, fcs16_reflected, reflect
from conformance.codec.hdlc.address import HdlcAddress
from conformance.codec.hdlc.control import HdlcControl, HdlcFrameType
from conformance.errors import ChecksumError, CodecError, IncompleteError

__all__ = [
    "FLAG",
    "FORMAT_TYPE_3",
    "MAX_FRAME_LENGTH",
    "MIN_FRAME_LENGTH",
    "HdlcFrame",
    "decode_frame_octets",
]

FLAG = 0x7E
"""Opening / closing flag (6.4.1); one flag may close a frame and open the next."""
FORMAT_TYPE_3 = 0xA
"""Format type sub-field value 1010b: HDLC frame format type 3."""
MAX_FRAME_LENGTH = 0x7FF
"""Largest value of the 11-bit frame length sub-field."""
MIN_FRAME_LENGTH = 7
"""Format (2) + destination (1) + source (1) + control (1) + FCS (2)."""
_SEGMENTATION_BIT = 0x08
_PATH = "HdlcFrame"


def _wire(crc: int) -> str:
    """A CRC value as the two octets on the wire (low octet first)."""
    return f"{crc & 0xFF:02X} {crc >> 8:02X}"


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcFrame:
    """One HDLC frame (frame format type 3).

    ``hcs`` and ``fcs`` hold CRC values as :func:`conformance.codec.crc.fcs16` returns them
    (sent low octet first). ``raw_control`` replaces the control octet on the wire, to send
    a control field IEC 62056-46 does not define (FRMR tests); ``control`` is then only
    documentation. ``ValueError`` for values that cannot be written.
    """

    destination: HdlcAddress
    """Destination address (the server when the client sends, the client otherwise)."""
    source: HdlcAddress
    """Source address."""
    control: HdlcControl
    """Frame type, P/F bit, N(S), N(R)."""
    information: bytes = b""
    """Information field (empty: no information field and no HCS)."""
    segmented: bool = False
    """Segmentation bit S of the format field: more segments of this APDU follow."""
    format_type: int | None = None
    """Format type sub-field (4 bits); ``None`` = 0xA (frame format type 3)."""
    length: int | None = None
    """Frame length sub-field (11 bits); ``None`` = the actual length."""
    hcs: int | None = None
    """Header check sequence; ``None`` = computed. Only with an information field."""
    fcs: int | None = None
    """Frame check sequence; ``None`` = computed."""
    raw_control: int | None = None
    """Control octet sent instead of ``control.to_byte()``; ``None`` = from ``control``."""

    def __post_init__(self) -> None:
        if type(self.information) is not bytes:
            object.__setattr__(self, "information", bytes(self.information))
        if self.format_type is not None and not 0 <= self.format_type <= 0xF:
            raise ValueError(f"format_type {self.format_type} does not fit in 4 bits")
        if self.length is not None and not 0 <= self.length <= MAX_FRAME_LENGTH:
            raise ValueError(f"length {self.length} does not fit in 11 bits")
        for name, crc in (("hcs", self.hcs), ("fcs", self.fcs)):
            if crc is not None and not 0 <= crc <= 0xFFFF:
                raise ValueError(f"{name} {crc} does not fit in 16 bits")
        if self.hcs is not None and not self.information:
            raise ValueError("an HCS is only sent when an information field follows")
        if self.raw_control is not None and not 0 <= self.raw_control <= 0xFF:
            raise ValueError(f"raw_control {self.raw_control} is not an octet")

    # -- derived values -------------------------------------------------------------------------
    @property
    def frame_type(self) -> HdlcFrameType:
        """Shortcut for ``control.frame_type``."""
        return self.control.frame_type

    @property
    def header_length(self) -> int:
        """Octets of format, addresses and control (the octets the HCS covers)."""
        return 3 + (self.destination.size or 1) + (self.source.size or 1)

    @property
    def computed_length(self) -> int:
        """The frame length the format field should carry (octets between the flags)."""
        info = len(self.information)
        return self.header_length + (2 + info if info else 0) + 2

    # -- encoding -------------------------------------------------------------------------------
    def encode(self, w: Writer, *, flags: bool = True) -> None:
        """Append the frame to ``w``, with opening and closing flags unless ``flags`` is
        false. ``ValueError`` if the frame is too long for the 11-bit length and no
        explicit ``length`` is given."""
        length = self.length
        if length is None:
            length = self.computed_length
            if length > MAX_FRAME_LENGTH:
                raise ValueError(f"frame of {length} octets exceeds the 11-bit length field "
                                 f"(max {MAX_FRAME_LENGTH}); segment the information field")
        ftype = FORMAT_TYPE_3 if self.format_type is None else self.format_type
        control = self.control.to_byte() if self.raw_control is None else self.raw_control
        frame = bytearray(((ftype << 4) | (_SEGMENTATION_BIT if self.segmented else 0)
                           | (length >> 8), length & 0xFF))
        frame += self.destination.to_bytes()
        frame += self.source.to_bytes()
        frame.append(control)
        if self.information:
            hcs = fcs16(frame) if self.hcs is None else self.hcs
            frame += hcs.to_bytes(2, "little")
            frame += self.information
        fcs = fcs16(frame) if self.fcs is None else self.fcs
        frame += fcs.to_bytes(2, "little")
        if flags:
            w.push_u8(FLAG)
            w.push_bytes(frame)
            w.push_u8(FLAG)
        else:
            w.push_bytes(frame)

    def to_bytes(self, *, flags: bool = True) -> bytes:
        """The encoded frame (see :meth:`encode`)."""
        w = Writer()
        self.encode(w, flags=flags)
        return w.getvalue()

    # -- decoding -------------------------------------------------------------------------------
    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview, *,
               check_checksums: bool = True) -> HdlcFrame:
        """Decode exactly one frame, given with both flags or with neither.

        The frame is delimited by its length field, never by searching for 0x7E (which may
        occur inside a frame). Offsets in errors count from the start of ``data``.

        * ``IncompleteError``: the input ends before the frame does (or the closing flag is
          missing);
        * ``CodecError`` at the format field: format type other than 0xA, a length field
          that does not match the octets present, or below the minimum; CodecError for
          malformed addresses, an unknown control field, an HCS without information field;
        * ``ChecksumError`` naming the HCS or FCS, with the octets found and expected.

        With ``check_checksums=False`` a wrong HCS/FCS is kept in ``hcs``/``fcs`` instead
        of raising, so a broken frame from a trace can be shown and re-encoded exactly.
        """
        data = bytes(data)
        n = len(data)
        if n == 0:
            raise IncompleteError("no octets: an HDLC frame needs at least 7", offset=0,
                                  path=f"{_PATH}.format")
        if data[0] == FLAG:
            if n < 2 or data[-1] != FLAG:
                raise IncompleteError("closing flag 0x7E missing", offset=n,
                                      path=f"{_PATH}.closing_flag")
            return decode_frame_octets(data, 1, n - 1, check_checksums=check_checksums)
        return decode_frame_octets(data, 0, n, check_checksums=check_checksums)

    def __str__(self) -> str:
        info = f", {len(self.information)} info octets" if self.information else ""
        seg = ", segmented" if self.segmented else ""
        return f"HDLC {self.control} {self.source} -> {self.destination}{info}{seg}"


_CONTROL_PATH = f"{_PATH}.control"
_new = object.__new__
_set = object.__setattr__


def _fcs_valid(data: bytes, start: int, end: int) -> bool:
    return end - start >= 3 and fcs16(data[start:end - 2]) == data[end - 2] | (data[end - 1] << 8)


def decode_frame_octets(data: bytes, start: int, end: int, *,
                        check_checksums: bool = True) -> HdlcFrame:
    """Decode the frame occupying ``data[start:end]`` (format field .. FCS, no flags);
    offsets in errors are positions in ``data``. Used by :meth:`HdlcFrame.decode` and the
    stream deframer."""
    avail = end - start
    if avail < 2:
        raise IncompleteError(f"truncated: format field needs 2 octets, {avail} present",
                              offset=start, path=f"{_PATH}.format")
    f0 = data[start]
    # 6.4.1: format type sub-field 1010b identifies frame format type 3.
    if f0 >> 4 != FORMAT_TYPE_3:
        raise CodecError(f"frame format type 0x{f0 >> 4:X} is not 0xA (frame format type 3)",
                         offset=start, path=f"{_PATH}.format")
    length = ((f0 & 0x07) << 8) | data[start + 1]
    if length != avail:
        fcs_ok = _fcs_valid(data, start, end)
        if length > avail and not fcs_ok:
            raise IncompleteError(f"frame length field says {length} octets, only {avail} "
                                  "present", offset=start, path=f"{_PATH}.format")
        hint = " (the FCS is valid over the octets present)" if fcs_ok else ""
        raise CodecError(f"frame length field says {length} octets but the frame has "
                         f"{avail}{hint}", offset=start, path=f"{_PATH}.format")
    if length < MIN_FRAME_LENGTH:
        raise CodecError(f"frame length {length} is below the minimum of {MIN_FRAME_LENGTH} "
                         "octets", offset=start, path=f"{_PATH}.format")

    # FCS first: a frame damaged in transit is reported as such, not as a bad address.
    fcs_at = end - 2
    fcs_found = data[fcs_at] | (data[fcs_at + 1] << 8)
    # The octets bit-reversed once for both check sequences (the HCS covers a prefix).
    reflected = memoryview(reflect(data[start:fcs_at]))
    fcs_calc = fcs16_reflected(reflected)
    fcs_override: int | None = None
    if fcs_found != fcs_calc:
        if check_checksums:
            raise ChecksumError(f"FCS mismatch: frame carries {_wire(fcs_found)}, CRC-16/X.25 "
                                f"of the {length - 2} preceding octets is {_wire(fcs_calc)}",
                                offset=fcs_at, path=f"{_PATH}.fcs")
        fcs_override = fcs_found

    destination, source, header_end = _header(data, start, fcs_at, length)
    control_at = header_end - 1
    control = HdlcControl.from_byte(data[control_at], offset=control_at, path=_CONTROL_PATH)

    hcs_override: int | None = None
    information = b""
    if header_end < fcs_at:
        hcs_at = header_end  # offsets in errors are positions in ``data``
        if fcs_at - hcs_at < 2:
            raise CodecError("1 octet between control field and FCS: neither an HCS nor an "
                             "HCS plus information field", offset=hcs_at, path=f"{_PATH}.hcs")
        hcs_found = data[hcs_at] | (data[hcs_at + 1] << 8)
        hcs_calc = fcs16_reflected(reflected[:header_end - start])
        if hcs_at + 2 == fcs_at:
            # 6.4.1: a frame without information field carries no HCS.
            if hcs_found == hcs_calc:
                raise CodecError("HCS present but no information field follows (a frame "
                                 "without information field carries only the FCS)",
                                 offset=hcs_at, path=f"{_PATH}.hcs")
            raise CodecError("2 octets between control field and FCS: an information field "
                             f"without HCS, or a wrong HCS (CRC-16/X.25 of the header is "
                             f"{_wire(hcs_calc)}) without information field",
                             offset=hcs_at, path=f"{_PATH}.hcs")
        if hcs_found != hcs_calc:
            if check_checksums:
                raise ChecksumError(f"HCS mismatch: frame carries {_wire(hcs_found)}, "
                                    f"CRC-16/X.25 of the {header_end - start} header octets "
                                    f"is {_wire(hcs_calc)}", offset=hcs_at, path=f"{_PATH}.hcs")
            hcs_override = hcs_found
        information = data[hcs_at + 2:fcs_at]

    return _decoded_frame(destination, source, control, bytes(information),
                          bool(f0 & _SEGMENTATION_BIT), hcs_override, fcs_override)


def _decoded_frame(destination: HdlcAddress, source: HdlcAddress, control: HdlcControl,
                   information: bytes, segmented: bool, hcs: int | None, fcs: int | None
                   ) -> HdlcFrame:
    """An :class:`HdlcFrame` built without ``__post_init__``: its checks cannot fail for a
    decoded frame (``information`` is bytes; ``hcs``/``fcs`` are two octets read from the
    frame, ``hcs`` only with an information field; the other computed fields are None),
    and skipping them saves a sizeable part of the decoding time of a short frame."""
    frame = _new(HdlcFrame)
    _set(frame, "destination", destination)
    _set(frame, "source", source)
    _set(frame, "control", control)
    _set(frame, "information", information)
    _set(frame, "segmented", segmented)
    _set(frame, "format_type", None)
    _set(frame, "length", None)
    _set(frame, "hcs", hcs)
    _set(frame, "fcs", fcs)
    _set(frame, "raw_control", None)
    return frame


def _header(data: bytes, start: int, fcs_at: int, length: int
            ) -> tuple[HdlcAddress, HdlcAddress, int]:
    """Destination, source and the position after the control octet of the frame at
    ``data[start:fcs_at + 2]``."""
    # Fast path: both addresses well formed and the control octet present, read by
    # position; otherwise the field readers below name the fault.
    dst = HdlcAddress.at(data, start + 2, fcs_at)
    if dst is not None:
        src = HdlcAddress.at(data, dst[1], fcs_at)
        if src is not None and src[1] < fcs_at:
            return dst[0], src[0], src[1] + 1
    r = Reader(data, start=start + 2, end=fcs_at, path=_PATH)
    try:
        destination = HdlcAddress.decode(r, "destination")
        source = HdlcAddress.decode(r, "source")
        r.pull_u8("control")
    except IncompleteError as exc:
        # The frame is complete (its length was checked): the header does not fit in it.
        raise CodecError(f"frame of {length} octets too short for its header: {exc.message}",
                         offset=exc.offset, path=exc.path) from None
    return destination, source, r.pos
