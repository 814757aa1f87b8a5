"""Symmetric key material, held so that it never prints.

Green Book 9.2 (cryptographic keys): the *global unicast encryption key* (GUEK, "EK") and the
*global broadcast encryption key* (GBEK) are block-cipher keys; the *dedicated key* (sent
in a ciphered InitiateRequest) replaces the EK for ded- APDUs; the *authentication key*
(AK) only enters the GCM additional authenticated data; the *master key* (KEK) wraps keys
(RFC 3394) for key_transfer and is never used on the wire.

Every field holding a key has ``repr=False``; errors name keys ("EK (global unicast)",
"AK"), never their value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from conformance.errors import SecurityError
from conformance.security.suites import SuiteParameters

__all__ = ["SecretKey", "SecurityKeys"]

_AES_KEY_LENGTHS = (16, 32)  # AES-128 (suites 0, 1) and AES-256 (suite 2)

EK_UNICAST = "EK (global unicast)"
EK_BROADCAST = "EK (global broadcast)"
DEDICATED = "dedicated key"
AK = "AK"
KEK = "master key (KEK)"


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretKey:
    """One key with the name errors use for it; the value never appears in ``repr``."""

    name: str
    """How messages refer to the key, e.g. ``"EK (global unicast)"``."""
    value: bytes = field(repr=False)
    """The key bytes."""

    def __str__(self) -> str:
        return self.name

    def check_for(self, suite: SuiteParameters) -> bytes:
        """The key bytes if their length suits ``suite``, else ``SecurityError``."""
        if len(self.value) != suite.key_length:
            raise SecurityError(
                f"{self.name} is {len(self.value)} bytes long; {suite} needs "
                f"{suite.key_length}-byte keys")
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityKeys:
    """The symmetric keys of one association (any may be absent)."""

    encryption_key: bytes | None = field(default=None, repr=False)
    """Global unicast encryption key (GUEK, "EK")."""
    broadcast_key: bytes | None = field(default=None, repr=False)
    """Global broadcast encryption key (GBEK)."""
    authentication_key: bytes | None = field(default=None, repr=False)
    """Authentication key (AK), part of the GCM additional authenticated data."""
    dedicated_key: bytes | None = field(default=None, repr=False)
    """Dedicated key of the current association (ded- and general-ded- APDUs)."""
    master_key: bytes | None = field(default=None, repr=False)
    """Master key (KEK): wraps keys for key_transfer and wrapped-key key-info."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and len(value) not in _AES_KEY_LENGTHS:
                raise SecurityError(
                    f"{_NAMES[f.name]} is {len(value)} bytes long; DLMS keys are 16 bytes "
                    "(AES-128, suites 0 and 1) or 32 bytes (AES-256, suite 2)")

    def __repr__(self) -> str:
        present = [_NAMES[f.name] for f in fields(self) if getattr(self, f.name) is not None]
        return f"SecurityKeys(present: {', '.join(present) or 'none'})"

    def _get(self, attr: str) -> SecretKey:
        value = getattr(self, attr)
        if value is None:
            raise SecurityError(f"no {_NAMES[attr]} is configured")
        return SecretKey(name=_NAMES[attr], value=value)

    def block_cipher_key(self, *, dedicated: bool = False, broadcast: bool = False) -> SecretKey:
        """The key of the block cipher: the dedicated key, else the broadcast or unicast
        global encryption key; ``SecurityError`` when it is not configured."""
        if dedicated:
            if broadcast:
                # Green Book 9.2.7: Key_Set selects one of the *global* keys.
                raise SecurityError("the broadcast key bit is set but the APDU is protected "
                                    "with the dedicated key")
            return self._get("dedicated_key")
        return self._get("broadcast_key" if broadcast else "encryption_key")

    def authentication(self) -> SecretKey:
        """AK; ``SecurityError`` when it is not configured."""
        return self._get("authentication_key")

    def kek(self) -> SecretKey:
        """The master key (KEK); ``SecurityError`` when it is not configured."""
        return self._get("master_key")

    def with_dedicated_key(self, dedicated_key: bytes | None) -> SecurityKeys:
        """A copy holding ``dedicated_key`` (e.g. the one of a new InitiateRequest)."""
        return replace(self, dedicated_key=dedicated_key)


_NAMES = {
    "encryption_key": EK_UNICAST,
    "broadcast_key": EK_BROADCAST,
    "authentication_key": AK,
    "dedicated_key": DEDICATED,
    "master_key": KEK,
}
