"""How an APDU is protected, read from its envelope without deciphering it.

Used for the rule that a response carries at least the protection of its request (Green
Book 9.2.7: the server answers in kind, with at least the request's security) and by
checks that compare what a meter sent with what it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.codec.xdlms.ciphered import (
    CIPHERED_SERVICES,
    CipheredApdu,
    GeneralCiphering,
    GeneralDedCiphering,
    GeneralGloCiphering,
    Protection,
    decode_ciphered,
)
from conformance.errors import RemoteProtocolError
from conformance.protocol.association.policy import CipheringMode, SecurityPolicy
from conformance.security import SecurityControl

__all__ = [
    "CIPHERED_TAGS",
    "PLAIN",
    "ProtectionInfo",
    "check_response_protection",
    "protection_of",
]

_GENERAL_MODES: dict[int, CipheringMode] = {
    GeneralGloCiphering.TAG: CipheringMode.GENERAL_GLO,
    GeneralDedCiphering.TAG: CipheringMode.GENERAL_DED,
    GeneralCiphering.TAG: CipheringMode.GENERAL_CIPHERING,
}
CIPHERED_TAGS = frozenset(CIPHERED_SERVICES) | frozenset(_GENERAL_MODES)
"""Tags of every ciphered APDU form the ciphering policy handles (general-signing aside)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtectionInfo:
    """The protection of one APDU: its ciphered form and security control byte (both
    ``None`` for a plain APDU)."""

    mode: CipheringMode | None = None
    security_control: SecurityControl | None = None
    invocation_counter: int | None = None

    @property
    def policy(self) -> SecurityPolicy:
        """The protection applied (NONE for a plain APDU)."""
        sc = self.security_control
        return SecurityPolicy.NONE if sc is None else SecurityPolicy.of(sc)

    def __str__(self) -> str:
        if self.mode is None or self.security_control is None:
            return "plain"
        return f"{self.mode.value} with {self.security_control}"


PLAIN = ProtectionInfo()
"""A plain APDU."""


def envelope_mode(envelope: CipheredApdu | GeneralGloCiphering | GeneralDedCiphering
                  | GeneralCiphering) -> CipheringMode:
    """The ciphering mode an envelope uses."""
    if isinstance(envelope, CipheredApdu):
        dedicated = envelope.service.protection is Protection.DEDICATED
        return CipheringMode.DEDICATED if dedicated else CipheringMode.GLOBAL
    return _GENERAL_MODES[envelope.TAG]


def protection_of(apdu: bytes) -> ProtectionInfo:
    """The protection of ``apdu`` (``CodecError`` for a malformed ciphered envelope)."""
    if not apdu or apdu[0] not in CIPHERED_TAGS:
        return PLAIN
    envelope = decode_ciphered(apdu)
    if not isinstance(envelope, CipheredApdu | GeneralGloCiphering | GeneralDedCiphering
                      | GeneralCiphering):  # pragma: no cover - CIPHERED_TAGS excludes DF
        return PLAIN
    header = envelope.security_header
    return ProtectionInfo(mode=envelope_mode(envelope),
                          security_control=SecurityControl.from_byte(header.security_control),
                          invocation_counter=header.invocation_counter)


def check_response_protection(request: ProtectionInfo, response: ProtectionInfo) -> None:
    """``RemoteProtocolError`` unless ``response`` applies at least the protection of
    ``request`` (authentication and encryption bits) with the same key family."""
    if not response.policy.covers(request.policy):
        raise RemoteProtocolError(f"the response is protected with {response.policy.value}, "
                                  f"less than its request ({request.policy.value})")
    if (request.mode is not None and response.mode is not None
            and request.mode.dedicated != response.mode.dedicated):
        raise RemoteProtocolError(f"the response uses {response.mode.value} ciphering, the "
                                  f"request {request.mode.value}: the key families differ")
