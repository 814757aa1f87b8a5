"""The DLMS/COSEM security suites (Green Book 9.2, security suites).

======  ===================  ==============  ============  ==========  =======
suite   authenticated enc.   key transport   signature     agreement   hash
======  ===================  ==============  ============  ==========  =======
0       AES-GCM-128          AES-128 wrap    --            --          --
1       AES-GCM-128          AES-128 wrap    ECDSA P-256   ECDH P-256  SHA-256
2       AES-GCM-256          AES-256 wrap    ECDSA P-384   ECDH P-384  SHA-384
======  ===================  ==============  ============  ==========  =======

The suite id travels in bits 0-3 of the security control byte; ids 3 to 15 are reserved.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.errors import SecurityError

__all__ = ["SecuritySuite", "SuiteParameters", "suite_parameters"]


class SecuritySuite(IntEnum):
    """Security suite id (Green Book 9.2)."""

    SUITE_0 = 0
    """AES-GCM-128, AES-128 key wrap."""
    SUITE_1 = 1
    """AES-GCM-128, AES-128 key wrap, ECDH/ECDSA on P-256, SHA-256."""
    SUITE_2 = 2
    """AES-GCM-256, AES-256 key wrap, ECDH/ECDSA on P-384, SHA-384."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteParameters:
    """The algorithms of one security suite."""

    suite: SecuritySuite
    """The suite id."""
    cipher_name: str
    """"AES-GCM-128" or "AES-GCM-256"."""
    key_length: int
    """Length in bytes of every symmetric key (EK, AK, dedicated key, KEK): 16 or 32."""
    curve_name: str | None
    """"P-256" / "P-384", ``None`` for suite 0 (no public-key algorithms)."""
    hash_name: str | None
    """"SHA-256" / "SHA-384", ``None`` for suite 0."""
    coordinate_length: int | None
    """Bytes of one curve coordinate or scalar (32 / 48); a public key is twice that."""

    def __str__(self) -> str:
        return f"security suite {int(self.suite)} ({self.cipher_name})"

    @property
    def has_public_key_algorithms(self) -> bool:
        """True for suites 1 and 2 (ECDH, ECDSA, the concatenation KDF)."""
        return self.curve_name is not None

    def curve(self) -> ec.EllipticCurve:
        """The NIST curve of ECDH/ECDSA; ``SecurityError`` for suite 0."""
        if self.suite is SecuritySuite.SUITE_1:
            return ec.SECP256R1()
        if self.suite is SecuritySuite.SUITE_2:
            return ec.SECP384R1()
        raise SecurityError(f"{self} defines no elliptic curve (ECDH/ECDSA need suite 1 or 2)")

    def hash(self) -> hashes.HashAlgorithm:
        """The hash of ECDSA and of the KDF; ``SecurityError`` for suite 0."""
        if self.suite is SecuritySuite.SUITE_1:
            return hashes.SHA256()
        if self.suite is SecuritySuite.SUITE_2:
            return hashes.SHA384()
        raise SecurityError(f"{self} defines no hash function (it needs suite 1 or 2)")


_SUITES = {
    SecuritySuite.SUITE_0: SuiteParameters(
        suite=SecuritySuite.SUITE_0, cipher_name="AES-GCM-128", key_length=16,
        curve_name=None, hash_name=None, coordinate_length=None),
    SecuritySuite.SUITE_1: SuiteParameters(
        suite=SecuritySuite.SUITE_1, cipher_name="AES-GCM-128", key_length=16,
        curve_name="P-256", hash_name="SHA-256", coordinate_length=32),
    SecuritySuite.SUITE_2: SuiteParameters(
        suite=SecuritySuite.SUITE_2, cipher_name="AES-GCM-256", key_length=32,
        curve_name="P-384", hash_name="SHA-384", coordinate_length=48),
}


def suite_parameters(suite: int) -> SuiteParameters:
    """The parameters of suite ``suite``; ``SecurityError`` for a reserved id (3 to 15)."""
    try:
        return _SUITES[SecuritySuite(suite)]
    except ValueError:
        raise SecurityError(
            f"security suite {suite} is not defined (the Green Book defines 0, 1 and 2)"
        ) from None
