"""HDLC parameter negotiation in the SNRM / UA information field (IEC 62056-46 6.4.4,
HDLC parameter negotiation; ISO/IEC 13239 parameter negotiation fields).

::

    81 (format identifier) | 80 (group identifier) | group length |
        05 PL maximum_information_field_length_transmit   (PL 1 or 2)
        06 PL maximum_information_field_length_receive    (PL 1 or 2)
        07 04 window_size_transmit                        (4 octets)
        08 04 window_size_receive                         (4 octets)

An absent parameter, and a parameter sent with a zero-length value (seen in the field,
vector ``hdlc-params-zero-length-values``), means its default: 128 octets, window 1. The
SNRM carries the client's view, the UA the server's own (its "transmit" is what it will
send). A value is encoded on the fewest octets that hold it (1 octet up to 255, else 2 for
the maximum information field lengths; always 4 for the window sizes); ``*_width`` fields
force another width (0 = zero-length value) so checks can send the odd encodings meters
use. Decoded non-minimal widths are kept in those fields so re-encoding is exact.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conformance.codec._buffer import Reader, Writer
from conformance.errors import CodecError, IncompleteError

__all__ = [
    "DEFAULT_MAX_INFO_FIELD_LENGTH",
    "DEFAULT_WINDOW_SIZE",
    "FORMAT_IDENTIFIER",
    "GROUP_IDENTIFIER",
    "HdlcParameterId",
    "HdlcParameters",
]

FORMAT_IDENTIFIER = 0x81
"""Format identifier of the parameter negotiation information field."""
GROUP_IDENTIFIER = 0x80
"""Group identifier of the HDLC parameter set."""
DEFAULT_MAX_INFO_FIELD_LENGTH = 128
"""Default maximum information field length (transmit and receive), in octets."""
DEFAULT_WINDOW_SIZE = 1
"""Default window size (transmit and receive), in frames."""
_PATH = "HdlcParameters"


class HdlcParameterId(enum.IntEnum):
    """Parameter identifiers of the HDLC parameter group."""

    MAX_INFO_FIELD_LENGTH_TRANSMIT = 0x05
    MAX_INFO_FIELD_LENGTH_RECEIVE = 0x06
    WINDOW_SIZE_TRANSMIT = 0x07
    WINDOW_SIZE_RECEIVE = 0x08


_IDS = tuple(HdlcParameterId)
_FIELDS = {
    HdlcParameterId.MAX_INFO_FIELD_LENGTH_TRANSMIT: "max_info_field_length_transmit",
    HdlcParameterId.MAX_INFO_FIELD_LENGTH_RECEIVE: "max_info_field_length_receive",
    HdlcParameterId.WINDOW_SIZE_TRANSMIT: "window_size_transmit",
    HdlcParameterId.WINDOW_SIZE_RECEIVE: "window_size_receive",
}
_WINDOWS = frozenset({HdlcParameterId.WINDOW_SIZE_TRANSMIT, HdlcParameterId.WINDOW_SIZE_RECEIVE})
# Value lengths a conforming peer may send: 1 or 2 octets for the maximum information field
# lengths, 4 for the window sizes, and the zero-length "use the default" form for both.
_ALLOWED_WIDTHS = {pid: ((0, 4) if pid in _WINDOWS else (0, 1, 2)) for pid in _IDS}


def _minimal_width(pid: HdlcParameterId, value: int) -> int:
    if pid in _WINDOWS:
        return 4
    return 1 if value <= 0xFF else 2


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcParameters:
    """The HDLC parameters of an SNRM or UA information field.

    A value of ``None`` with width ``None`` means the parameter is absent; ``None`` with
    width ``0`` means it is present with a zero-length value. Either way the default
    applies: see the ``effective_*`` properties. ``ValueError`` for a value that does not
    fit its width.
    """

    max_info_field_length_transmit: int | None = None
    """Maximum information field length - transmit (PI 05), octets."""
    max_info_field_length_receive: int | None = None
    """Maximum information field length - receive (PI 06), octets."""
    window_size_transmit: int | None = None
    """Window size - transmit (PI 07), frames."""
    window_size_receive: int | None = None
    """Window size - receive (PI 08), frames."""
    max_info_field_length_transmit_width: int | None = None
    """Octets of the PI 05 value; ``None`` = minimal (1 or 2), 0 = zero-length value."""
    max_info_field_length_receive_width: int | None = None
    """Octets of the PI 06 value; ``None`` = minimal (1 or 2), 0 = zero-length value."""
    window_size_transmit_width: int | None = None
    """Octets of the PI 07 value; ``None`` = 4, 0 = zero-length value."""
    window_size_receive_width: int | None = None
    """Octets of the PI 08 value; ``None`` = 4, 0 = zero-length value."""
    group_length: int | None = None
    """Group length octet; ``None`` = computed from the parameters."""

    def __post_init__(self) -> None:
        for pid in _IDS:
            value, width = self._get(pid)
            name = _FIELDS[pid]
            if width is not None and not 0 <= width <= 4:
                raise ValueError(f"{name}_width must be 0..4, got {width}")
            if value is None:
                if width not in (None, 0):
                    raise ValueError(f"{name}_width {width} given without a value")
                continue
            if value < 0:
                raise ValueError(f"{name} must not be negative")
            if width == 0:
                raise ValueError(f"{name} has a value but a zero-length width")
            limit = 1 << (8 * (width if width is not None else 4 if pid in _WINDOWS else 2))
            if value >= limit:
                raise ValueError(f"{name} {value} does not fit in its width")
        if self.group_length is not None and not 0 <= self.group_length <= 0xFF:
            raise ValueError(f"group_length {self.group_length} is not an octet")

    def _get(self, pid: HdlcParameterId) -> tuple[int | None, int | None]:
        if pid is HdlcParameterId.MAX_INFO_FIELD_LENGTH_TRANSMIT:
            return self.max_info_field_length_transmit, self.max_info_field_length_transmit_width
        if pid is HdlcParameterId.MAX_INFO_FIELD_LENGTH_RECEIVE:
            return self.max_info_field_length_receive, self.max_info_field_length_receive_width
        if pid is HdlcParameterId.WINDOW_SIZE_TRANSMIT:
            return self.window_size_transmit, self.window_size_transmit_width
        return self.window_size_receive, self.window_size_receive_width

    # -- effective values (defaults applied) ---------------------------------------------------
    @property
    def effective_max_info_field_length_transmit(self) -> int:
        """PI 05 value, or the default 128 when absent or zero-length."""
        v = self.max_info_field_length_transmit
        return DEFAULT_MAX_INFO_FIELD_LENGTH if v is None else v

    @property
    def effective_max_info_field_length_receive(self) -> int:
        """PI 06 value, or the default 128 when absent or zero-length."""
        v = self.max_info_field_length_receive
        return DEFAULT_MAX_INFO_FIELD_LENGTH if v is None else v

    @property
    def effective_window_size_transmit(self) -> int:
        """PI 07 value, or the default 1 when absent or zero-length."""
        v = self.window_size_transmit
        return DEFAULT_WINDOW_SIZE if v is None else v

    @property
    def effective_window_size_receive(self) -> int:
        """PI 08 value, or the default 1 when absent or zero-length."""
        v = self.window_size_receive
        return DEFAULT_WINDOW_SIZE if v is None else v

    # -- encoding ----------------------------------------------------------------------------
    def _parameters(self) -> bytes:
        out = bytearray()
        for pid in _IDS:
            value, width = self._get(pid)
            if value is None and width is None:
                continue
            if value is None:
                out += bytes((pid, 0))
                continue
            if width is None:
                width = _minimal_width(pid, value)
            out += bytes((pid, width))
            out += value.to_bytes(width, "big")
        return bytes(out)

    def encode(self, w: Writer) -> None:
        """Append the information field (format identifier .. last parameter) to ``w``."""
        params = self._parameters()
        w.push_u8(FORMAT_IDENTIFIER)
        w.push_u8(GROUP_IDENTIFIER)
        w.push_u8(len(params) if self.group_length is None else self.group_length)
        w.push_bytes(params)

    def to_bytes(self) -> bytes:
        """The encoded information field."""
        w = Writer()
        self.encode(w)
        return w.getvalue()

    # -- decoding ----------------------------------------------------------------------------
    @classmethod
    def from_information(cls, information: bytes) -> HdlcParameters:
        """Parameters of an SNRM/UA information field; an empty field (no parameters at all)
        gives every default."""
        return cls() if not information else cls.decode(information)

    @classmethod
    def decode(cls, data: bytes | bytearray | memoryview) -> HdlcParameters:
        """Decode a whole information field; offsets in errors count from its start.

        CodecError for a wrong format or group identifier, a group length that does not
        match the octets present, an unknown or repeated parameter identifier, or a value
        length the standard does not allow; IncompleteError for truncated input.
        """
        data = bytes(data)
        r = Reader(data, path=_PATH)
        at = r.offset
        if (fi := r.pull_u8("format_identifier")) != FORMAT_IDENTIFIER:
            raise CodecError(f"format identifier 0x{fi:02X}, expected 0x81", offset=at,
                             path=f"{_PATH}.format_identifier")
        at = r.offset
        if (gi := r.pull_u8("group_identifier")) != GROUP_IDENTIFIER:
            raise CodecError(f"group identifier 0x{gi:02X}, expected 0x80", offset=at,
                             path=f"{_PATH}.group_identifier")
        at = r.offset
        group_length = r.pull_u8("group_length")
        if group_length != r.remaining():
            kind = IncompleteError if group_length > r.remaining() else CodecError
            raise kind(f"group length says {group_length} octets, {r.remaining()} follow",
                       offset=at, path=f"{_PATH}.group_length")
        values: dict[str, int | None] = {}
        seen: set[int] = set()
        while not r.at_end():
            at = r.offset
            pi = r.pull_u8("parameter_identifier")
            if pi not in _FIELDS:
                raise CodecError(f"unknown HDLC parameter identifier 0x{pi:02X}", offset=at,
                                 path=f"{_PATH}.parameter_identifier")
            pid = HdlcParameterId(pi)
            name = _FIELDS[pid]
            if pid in seen:
                raise CodecError(f"parameter 0x{pi:02X} ({name}) repeated", offset=at,
                                 path=f"{_PATH}.{name}")
            seen.add(pid)
            at = r.offset
            width = r.pull_u8(f"{name}.length")
            if width not in _ALLOWED_WIDTHS[pid]:
                allowed = " or ".join(str(x) for x in _ALLOWED_WIDTHS[pid])
                raise CodecError(f"{name} value of {width} octets (allowed: {allowed})",
                                 offset=at, path=f"{_PATH}.{name}")
            if width == 0:
                values[name] = None
                values[f"{name}_width"] = 0
                continue
            value = r.pull_uint(width, name)
            values[name] = value
            if width != _minimal_width(pid, value):
                values[f"{name}_width"] = width
        return cls(**values)

    def __str__(self) -> str:
        return (f"max info tx {self.effective_max_info_field_length_transmit} "
                f"rx {self.effective_max_info_field_length_receive}, window tx "
                f"{self.effective_window_size_transmit} rx {self.effective_window_size_receive}")
