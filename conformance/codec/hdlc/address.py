"""HDLC address fields (IEC 62056-46 6.4.1 destination/source address fields, 6.4.2 MAC
addressing).

Each address octet carries 7 address bits in its upper bits; the least significant bit is
the extension bit, 1 on the last octet of the address (ISO/IEC 13239 address extension).
A client address is always one octet. A server address is one, two or four octets:

* 1 octet: the upper HDLC address (logical device) only, 7 bits;
* 2 octets: upper (7 bits) then lower (physical device) HDLC address (7 bits);
* 4 octets: upper (14 bits, two octets) then lower (14 bits, two octets).

A three-octet address, or more than four octets, does not exist in IEC 62056-46 and is
rejected. The reserved special addresses of 6.4.2 are provided as named constants below;
they are valid addresses (conformance checks send them on purpose), so construction does
not reject them.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.codec._buffer import Reader, Writer
from conformance.errors import CodecError

__all__ = [
    "ALL_STATION",
    "ALL_STATION_EXTENDED",
    "CALLING",
    "CALLING_EXTENDED",
    "CLIENT_MANAGEMENT_PROCESS",
    "MANAGEMENT_LOGICAL_DEVICE",
    "NO_STATION",
    "PUBLIC_CLIENT",
    "HdlcAddress",
]

# -- reserved special HDLC addresses (IEC 62056-46 6.4.2) ---------------------------------
NO_STATION = 0x00
"""No-station: received by no one (client, server upper and server lower address)."""
CLIENT_MANAGEMENT_PROCESS = 0x01
"""Client address of the client management process."""
PUBLIC_CLIENT = 0x10
"""Client address of the public client (lowest security level)."""
MANAGEMENT_LOGICAL_DEVICE = 0x01
"""Server upper HDLC address of the management logical device."""
CALLING = 0x7E
"""CALLING logical / physical device, one-octet part (upper or lower address of 7 bits)."""
CALLING_EXTENDED = 0x3FFE
"""CALLING logical / physical device, two-octet part (upper or lower address of 14 bits)."""
ALL_STATION = 0x7F
"""All-station (broadcast): client address, or a server upper/lower part of 7 bits."""
ALL_STATION_EXTENDED = 0x3FFF
"""All-station (broadcast) for a server upper/lower part of 14 bits (4-octet address)."""

_SIZES = (1, 2, 4)
_PART_LIMIT = {1: 0x7F, 2: 0x7F, 4: 0x3FFF}

# Decoded addresses are immutable, so equal octet strings can share one object; the cache
# keeps the deframer's hot path free of per-octet Python work. Bounded to stay small.
_CACHE: dict[bytes, HdlcAddress] = {}
_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcAddress:
    """A client or server HDLC address.

    ``upper`` is the whole address for a one-octet address (client SAP or server logical
    device address), else the upper HDLC address (logical device). ``lower`` is the lower
    HDLC address (physical device), ``None`` for a one-octet address. ``size`` is the
    number of octets on the wire (1, 2 or 4); ``None`` chooses the smallest size that holds
    the values and is replaced by that size at construction, so ``size`` is always set on
    an instance. ``ValueError`` for values out of range for the size.
    """

    upper: int
    """Logical device address (or the whole one-octet address)."""
    lower: int | None = None
    """Physical device address; ``None`` for a one-octet address."""
    size: int | None = None
    """Octets on the wire: 1, 2 or 4 (``None``: smallest that fits, filled in)."""

    def __post_init__(self) -> None:
        size = self.size
        if size is None:
            if self.lower is None:
                size = 1
            elif self.upper <= 0x7F and self.lower <= 0x7F:
                size = 2
            else:
                size = 4
            object.__setattr__(self, "size", size)
        if size not in _SIZES:
            raise ValueError(f"HDLC address size must be 1, 2 or 4 octets, not {size}")
        if (self.lower is None) != (size == 1):
            raise ValueError("a 1-octet HDLC address has no lower part; 2 and 4 octets need one")
        limit = _PART_LIMIT[size]
        if not 0 <= self.upper <= limit:
            raise ValueError(f"upper HDLC address {self.upper} out of range 0..{limit} "
                             f"for a {size}-octet address")
        if self.lower is not None and not 0 <= self.lower <= limit:
            raise ValueError(f"lower HDLC address {self.lower} out of range 0..{limit} "
                             f"for a {size}-octet address")

    # -- convenience constructors -----------------------------------------------------------
    @classmethod
    def client(cls, sap: int) -> HdlcAddress:
        """A one-octet client address (``sap`` 0..0x7F, e.g. 0x10 for the public client)."""
        return cls(upper=sap, size=1)

    @classmethod
    def server(cls, logical: int, physical: int | None = None, *,
               size: int | None = None) -> HdlcAddress:
        """A server address: logical device (upper) and optional physical device (lower)."""
        return cls(upper=logical, lower=physical, size=size)

    # -- wire format -------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The address octets, extension bit set on the last one."""
        size = self.size
        if size == 1:
            return bytes(((self.upper << 1) | 1,))
        lower = self.lower if self.lower is not None else 0
        if size == 2:
            return bytes((self.upper << 1, (lower << 1) | 1))
        return bytes(((self.upper >> 7) << 1, (self.upper & 0x7F) << 1,
                      (lower >> 7) << 1, ((lower & 0x7F) << 1) | 1))

    def encode(self, w: Writer) -> None:
        """Append the address octets to ``w``."""
        w.push_bytes(self.to_bytes())

    @classmethod
    def decode(cls, r: Reader, field: str = "address") -> HdlcAddress:
        """Read one address from ``r``: octets up to and including the first with the
        extension bit (LSB) set. CodecError for 3 octets or no terminating bit within 4
        octets; IncompleteError when the input ends before the terminating octet."""
        start = r.pos
        data = r.data
        end = min(r.end, start + 4)
        size = 0
        for i in range(start, end):
            if data[i] & 1:
                size = i - start + 1
                break
        if size == 0:
            if end - start < 4:
                # Not terminated within the available octets: let the reader say how
                # much is missing (IncompleteError).
                r.pull_bytes(end - start + 1, field)
            raise CodecError(
                "HDLC address has no terminating octet (extension bit) within 4 octets",
                offset=r.offset, path=r.path(field))
        if size == 3:
            raise CodecError("HDLC address of 3 octets is not allowed (1, 2 or 4 only)",
                             offset=r.offset, path=r.path(field))
        raw = r.pull_bytes(size, field)
        return cls._from_octets(raw)

    @classmethod
    def at(cls, data: bytes, pos: int, end: int) -> tuple[HdlcAddress, int] | None:
        """Fast path of :meth:`decode` for a frame decoder: the address starting at
        ``data[pos]`` and the position after it, when it is complete before ``end`` and is
        1, 2 or 4 octets long; ``None`` otherwise (then :meth:`decode` reports the fault)."""
        if pos < end and data[pos] & 1:
            size = 1
        elif pos + 1 < end and data[pos + 1] & 1:
            size = 2
        elif pos + 3 < end and not data[pos + 2] & 1 and data[pos + 3] & 1:
            size = 4
        else:
            return None
        return cls._from_octets(data[pos:pos + size]), pos + size

    @classmethod
    def from_bytes(cls, data: bytes, field: str = "address") -> HdlcAddress:
        """Decode a complete address given alone (trailing octets are an error)."""
        r = Reader(data)
        addr = cls.decode(r, field)
        r.expect_end(f"{field} {addr}")
        return addr

    @classmethod
    def _from_octets(cls, raw: bytes) -> HdlcAddress:
        # ``raw`` is well delimited (1, 2 or 4 octets, extension bit only on the last one):
        # :meth:`decode` has checked it.
        addr = _CACHE.get(raw)
        if addr is not None:
            return addr
        size = len(raw)
        if size == 1:
            addr = cls(upper=raw[0] >> 1, size=1)
        elif size == 2:
            addr = cls(upper=raw[0] >> 1, lower=raw[1] >> 1, size=2)
        else:
            addr = cls(upper=((raw[0] >> 1) << 7) | (raw[1] >> 1),
                       lower=((raw[2] >> 1) << 7) | (raw[3] >> 1), size=4)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[bytes(raw)] = addr
        return addr

    def __str__(self) -> str:
        if self.lower is None:
            return f"0x{self.upper:02X}"
        return f"{self.upper}/{self.lower} ({self.size} octets)"
