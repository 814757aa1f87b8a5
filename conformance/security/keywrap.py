"""AES key wrap (RFC 3394) for key transfer under the master key (Green Book 9.2, key
transport; Security setup, class_id 64, methods global_key_transfer / key_transfer).

A key is wrapped under the KEK (the master key) with the default IV A6A6A6A6A6A6A6A6;
AES-128 wrap for suites 0 and 1, AES-256 wrap for suite 2. The primitive is
``cryptography``'s ``aes_key_wrap``.
"""

from __future__ import annotations

from enum import IntEnum

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)

from conformance.errors import SecurityError
from conformance.security.keys import SecretKey
from conformance.security.suites import SuiteParameters

__all__ = ["KeyTransferId", "unwrap_key", "wrap_key"]


class KeyTransferId(IntEnum):
    """``key_id`` of the Security setup key transfer (which key is being replaced)."""

    GLOBAL_UNICAST_ENCRYPTION_KEY = 0
    GLOBAL_BROADCAST_ENCRYPTION_KEY = 1
    AUTHENTICATION_KEY = 2
    MASTER_KEY = 3


def _kek(kek: SecretKey, suite: SuiteParameters | None) -> bytes:
    if suite is not None:
        return kek.check_for(suite)
    if len(kek.value) not in (16, 32):
        raise SecurityError(f"{kek.name} is {len(kek.value)} bytes long; AES key wrap in DLMS "
                            "uses a 16- or 32-byte KEK")
    return kek.value


def wrap_key(key_data: bytes, *, kek: SecretKey, suite: SuiteParameters | None = None) -> bytes:
    """``key_data`` wrapped under ``kek`` (8 bytes longer). With ``suite``, both lengths
    must be the suite's key length."""
    kek_bytes = _kek(kek, suite)
    if suite is not None and len(key_data) != suite.key_length:
        raise SecurityError(f"the key to wrap is {len(key_data)} bytes long; {suite} needs "
                            f"{suite.key_length}-byte keys")
    if len(key_data) < 16 or len(key_data) % 8:
        raise SecurityError(f"RFC 3394 wraps a key of 16 bytes or more in 8-byte blocks, got "
                            f"{len(key_data)} byte(s)")
    return aes_key_wrap(kek_bytes, key_data)


def unwrap_key(wrapped: bytes, *, kek: SecretKey, suite: SuiteParameters | None = None) -> bytes:
    """The key inside ``wrapped``; ``SecurityError`` when the integrity check fails (wrong
    KEK or damaged data) or the lengths are wrong."""
    kek_bytes = _kek(kek, suite)
    if len(wrapped) < 24 or len(wrapped) % 8:
        raise SecurityError(f"a wrapped key is 24 bytes or more in 8-byte blocks, got "
                            f"{len(wrapped)} byte(s)")
    try:
        key = aes_key_unwrap(kek_bytes, wrapped)
    except InvalidUnwrap:
        raise SecurityError(f"key unwrap integrity check failed with {kek.name} (RFC 3394 "
                            "2.2.3: wrong KEK or damaged wrapped key)") from None
    if suite is not None and len(key) != suite.key_length:
        raise SecurityError(f"the unwrapped key is {len(key)} bytes long; {suite} needs "
                            f"{suite.key_length}-byte keys")
    return key
