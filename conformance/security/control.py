"""The security control byte SC (Green Book 9.2.7, security header).

::

    bit 7   6        5   4   3..0
        C   Key_Set  E   A   Security_Suite_Id

A = authentication applied, E = encryption applied, Key_Set = 0 unicast / 1 broadcast
encryption key, C = compression (ITU-T V.44). The byte is the first octet of every
ciphered content and of the HLS-GMAC response ``f()``, and it is part of the GCM
additional authenticated data.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.security.suites import SuiteParameters, suite_parameters

__all__ = ["SecurityControl"]

_SUITE_MASK = 0x0F
_AUTHENTICATION = 0x10
_ENCRYPTION = 0x20
_BROADCAST_KEY = 0x40
_COMPRESSION = 0x80


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityControl:
    """The security control byte as a value object."""

    security_suite_id: int = 0
    """Bits 0-3: the security suite (0, 1, 2 defined; 3-15 reserved but representable)."""
    authentication: bool = False
    """Bit 4 (A): an authentication tag is computed with AK."""
    encryption: bool = False
    """Bit 5 (E): the APDU is encrypted."""
    broadcast_key: bool = False
    """Bit 6 (Key_Set): the global broadcast key instead of the global unicast key."""
    compression: bool = False
    """Bit 7 (C): the APDU is compressed (ITU-T V.44) before protection."""

    def __post_init__(self) -> None:
        if not 0 <= self.security_suite_id <= _SUITE_MASK:
            raise ValueError("security_suite_id must be 0 to 15")

    @classmethod
    def from_byte(cls, value: int) -> SecurityControl:
        """Split a security control byte into its fields."""
        if not 0 <= value <= 0xFF:
            raise ValueError("a security control byte is 0 to 255")
        return cls(security_suite_id=value & _SUITE_MASK,
                   authentication=bool(value & _AUTHENTICATION),
                   encryption=bool(value & _ENCRYPTION),
                   broadcast_key=bool(value & _BROADCAST_KEY),
                   compression=bool(value & _COMPRESSION))

    def to_byte(self) -> int:
        """The byte on the wire."""
        return (self.security_suite_id
                | (_AUTHENTICATION if self.authentication else 0)
                | (_ENCRYPTION if self.encryption else 0)
                | (_BROADCAST_KEY if self.broadcast_key else 0)
                | (_COMPRESSION if self.compression else 0))

    def suite(self) -> SuiteParameters:
        """The suite's parameters; ``SecurityError`` for a reserved suite id."""
        return suite_parameters(self.security_suite_id)

    @property
    def policy(self) -> str:
        """"no protection", "authentication", "encryption" or "authenticated encryption"."""
        if self.authentication and self.encryption:
            return "authenticated encryption"
        if self.authentication:
            return "authentication"
        if self.encryption:
            return "encryption"
        return "no protection"

    def __str__(self) -> str:
        extras = ", broadcast key" if self.broadcast_key else ""
        extras += ", compressed" if self.compression else ""
        return (f"SC 0x{self.to_byte():02X} (suite {self.security_suite_id}, "
                f"{self.policy}{extras})")
