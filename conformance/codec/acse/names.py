"""Names and code lists of the ACSE APDUs as DLMS/COSEM uses them.

- Application context names ``{joint-iso-ccitt(2) country(16) country-name(756)
  identified-organization(5) DLMS-UA(8) application-context(1) context_id(x)}``
  (Green Book 9.4.2.2.2, IEC 62056-5-3 7.3.7.1);
- authentication mechanism names ``{2 16 756 5 8 mechanism-name(2) mechanism_id(x)}``
  (Green Book 9.4.2.2.3);
- Association-result, Associate-source-diagnostic and the release reasons
  (ISO/IEC 8650-1 / X.227 ACSE ASN.1, as profiled by IEC 62056-5-3 8.2);
- ACSE-requirements named bits.

OIDs the standard does not name are kept as :class:`ObjectIdentifier`, so nothing a meter
sends is lost: ``application_context_name(oid)`` returns the enum member when there is one.
"""

from __future__ import annotations

from enum import IntEnum

from conformance.codec.ber import BitString, ObjectIdentifier

__all__ = [
    "ACSE_REQUIREMENTS_AUTHENTICATION",
    "APPLICATION_CONTEXT_ARC",
    "MECHANISM_NAME_ARC",
    "PROTOCOL_VERSION_1",
    "AcseRequirementsBit",
    "AcseServiceProviderDiagnostic",
    "AcseServiceUserDiagnostic",
    "ApplicationContextName",
    "AssociationResult",
    "MechanismName",
    "ReleaseRequestReason",
    "ReleaseResponseReason",
    "application_context_name",
    "mechanism_name",
    "oid_of",
]

APPLICATION_CONTEXT_ARC = (2, 16, 756, 5, 8, 1)
"""DLMS UA application-context arc: ``60 85 74 05 08 01`` + context_id."""
MECHANISM_NAME_ARC = (2, 16, 756, 5, 8, 2)
"""DLMS UA authentication mechanism-name arc: ``60 85 74 05 08 02`` + mechanism_id."""


class ApplicationContextName(IntEnum):
    """COSEM application contexts (Green Book 9.4.2.2.2); the value is the context_id."""

    LOGICAL_NAME_REFERENCING_NO_CIPHERING = 1
    SHORT_NAME_REFERENCING_NO_CIPHERING = 2
    LOGICAL_NAME_REFERENCING_WITH_CIPHERING = 3
    SHORT_NAME_REFERENCING_WITH_CIPHERING = 4

    @property
    def oid(self) -> ObjectIdentifier:
        """The full OBJECT IDENTIFIER."""
        return ObjectIdentifier(arcs=(*APPLICATION_CONTEXT_ARC, int(self)))

    @property
    def logical_name_referencing(self) -> bool:
        """True for the LN contexts (1 and 3)."""
        return self in (ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING,
                        ApplicationContextName.LOGICAL_NAME_REFERENCING_WITH_CIPHERING)

    @property
    def ciphered(self) -> bool:
        """True for the contexts with ciphering (3 and 4)."""
        return self >= ApplicationContextName.LOGICAL_NAME_REFERENCING_WITH_CIPHERING


class MechanismName(IntEnum):
    """COSEM authentication mechanisms (Green Book 9.4.2.2.3); the value is mechanism_id."""

    LOWEST_LEVEL_SECURITY = 0
    LOW_LEVEL_SECURITY = 1
    HIGH_LEVEL_SECURITY = 2
    HIGH_LEVEL_SECURITY_MD5 = 3
    HIGH_LEVEL_SECURITY_SHA1 = 4
    HIGH_LEVEL_SECURITY_GMAC = 5
    HIGH_LEVEL_SECURITY_SHA256 = 6
    HIGH_LEVEL_SECURITY_ECDSA = 7

    @property
    def oid(self) -> ObjectIdentifier:
        """The full OBJECT IDENTIFIER."""
        return ObjectIdentifier(arcs=(*MECHANISM_NAME_ARC, int(self)))


def _named(oid: ObjectIdentifier, arc: tuple[int, ...], top: int) -> int | None:
    a = oid.arcs
    if len(a) == len(arc) + 1 and a[:-1] == arc and 0 <= a[-1] <= top:
        return a[-1]
    return None


def application_context_name(oid: ObjectIdentifier) -> ApplicationContextName | ObjectIdentifier:
    """The named application context for ``oid``, or ``oid`` itself when unknown."""
    n = _named(oid, APPLICATION_CONTEXT_ARC, 4)
    return oid if n is None or n == 0 else ApplicationContextName(n)


def mechanism_name(oid: ObjectIdentifier) -> MechanismName | ObjectIdentifier:
    """The named authentication mechanism for ``oid``, or ``oid`` itself when unknown."""
    n = _named(oid, MECHANISM_NAME_ARC, 7)
    return oid if n is None else MechanismName(n)


def oid_of(name: ApplicationContextName | MechanismName | ObjectIdentifier) -> ObjectIdentifier:
    """The OBJECT IDENTIFIER of a named context/mechanism (or the OID itself)."""
    return name if isinstance(name, ObjectIdentifier) else name.oid


class AssociationResult(IntEnum):
    """Association-result ::= INTEGER (X.227; AARE result [2])."""

    ACCEPTED = 0
    REJECTED_PERMANENT = 1
    REJECTED_TRANSIENT = 2


class AcseServiceUserDiagnostic(IntEnum):
    """Associate-source-diagnostic acse-service-user [1] INTEGER (X.227, Green Book 9.4.2)."""

    NULL = 0
    NO_REASON_GIVEN = 1
    APPLICATION_CONTEXT_NAME_NOT_SUPPORTED = 2
    CALLING_AP_TITLE_NOT_RECOGNIZED = 3
    CALLING_AP_INVOCATION_IDENTIFIER_NOT_RECOGNIZED = 4
    CALLING_AE_QUALIFIER_NOT_RECOGNIZED = 5
    CALLING_AE_INVOCATION_IDENTIFIER_NOT_RECOGNIZED = 6
    CALLED_AP_TITLE_NOT_RECOGNIZED = 7
    CALLED_AP_INVOCATION_IDENTIFIER_NOT_RECOGNIZED = 8
    CALLED_AE_QUALIFIER_NOT_RECOGNIZED = 9
    CALLED_AE_INVOCATION_IDENTIFIER_NOT_RECOGNIZED = 10
    AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED = 11
    AUTHENTICATION_MECHANISM_NAME_REQUIRED = 12
    AUTHENTICATION_FAILURE = 13
    AUTHENTICATION_REQUIRED = 14


class AcseServiceProviderDiagnostic(IntEnum):
    """Associate-source-diagnostic acse-service-provider [2] INTEGER (X.227)."""

    NULL = 0
    NO_REASON_GIVEN = 1
    NO_COMMON_ACSE_VERSION = 2


class ReleaseRequestReason(IntEnum):
    """Release-request-reason ::= INTEGER (X.227; RLRQ reason [0])."""

    NORMAL = 0
    URGENT = 1
    USER_DEFINED = 30


class ReleaseResponseReason(IntEnum):
    """Release-response-reason ::= INTEGER (X.227; RLRE reason [0])."""

    NORMAL = 0
    NOT_FINISHED = 1
    USER_DEFINED = 30


class AcseRequirementsBit(IntEnum):
    """ACSE-requirements ::= BIT STRING named bits (ISO/IEC 8650-1); DLMS uses only
    ``authentication`` (sender-/responder-acse-requirements ``8A 02 07 80``)."""

    AUTHENTICATION = 0
    ASO_CONTEXT_NEGOTIATION = 1
    HIGHER_LEVEL_ASSOCIATION = 2
    NESTED_ASSOCIATION = 3


ACSE_REQUIREMENTS_AUTHENTICATION = BitString.from_bits([AcseRequirementsBit.AUTHENTICATION])
"""The ACSE-requirements value with only ``authentication`` set: content ``07 80``."""

PROTOCOL_VERSION_1 = BitString.from_bits([0])
"""T-protocol-version {version1}: the DEFAULT of protocol-version [0], content ``07 80``."""
