"""CRC-16/X.25, the HDLC frame check sequence (IEC 62056-46 clause 6.4.4.4.6; ISO/IEC 13239).

Reflected polynomial 0x8408 (0x1021), initial value 0xFFFF, final XOR 0xFFFF, transmitted
low byte first. Computed with :func:`binascii.crc_hqx` (the same polynomial, unreflected) on
bit-reversed input: reflect(crc_unreflected(reflect(bytes))) equals the reflected CRC, so
the whole computation runs in C.
"""

from __future__ import annotations

import binascii

__all__ = ["fcs16", "fcs16_bytes", "fcs16_reflected", "reflect"]

_REVERSE = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _reverse16(v: int) -> int:
    return (_REVERSE[v & 0xFF] << 8) | _REVERSE[v >> 8]


def reflect(data: bytes | bytearray | memoryview) -> bytes:
    """``data`` with the bits of every octet reversed, as :func:`fcs16_reflected` takes it.
    A frame reflected once serves every check sequence over a part of it (HCS and FCS)."""
    octets = data if isinstance(data, bytes | bytearray) else bytes(data)
    return bytes(octets.translate(_REVERSE))


def fcs16_reflected(reflected: bytes | memoryview) -> int:
    """CRC-16/X.25 of the octets whose :func:`reflect` is ``reflected`` (a memoryview slice
    of a reflected frame gives the CRC of that part of the frame without a copy)."""
    return _reverse16(binascii.crc_hqx(reflected, 0xFFFF)) ^ 0xFFFF


def fcs16(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/X.25 of ``data`` as an integer (before the low-byte-first wire ordering)."""
    return fcs16_reflected(reflect(data))


def fcs16_bytes(data: bytes | bytearray | memoryview) -> bytes:
    """CRC-16/X.25 of ``data`` in wire order (low byte first)."""
    return fcs16(data).to_bytes(2, "little")
