"""The server's validation of an AARQ (IEC 62056-5-3 / Green Book 9.4.2.2; X.227).

In order, diagnostics of the acse-service-user unless noted:

1. application-context-name other than the offered one -> rejected-permanent, 2
   (application-context-name-not-supported);
2. protocol-version without version1 -> acse-service-provider 2 (no-common-acse-version);
3. mechanism-name absent while the server authenticates -> 12 (...-required); unknown or not
   the offered one -> 11 (...-not-recognised); present without the authentication bit of
   sender-acse-requirements -> 1 (no-reason-given);
4. calling-AP-title missing where the context or mechanism needs the client system title
   (and none is configured), not 8 bytes, or not the configured one -> 3
   (calling-AP-title-not-recognized);
5. LLS password wrong or absent, HLS challenge absent or not 8..64 bytes -> 13
   (authentication-failure);
6. user-information absent -> 1 (no-reason-given); undecodable or not protected as the
   context says -> 1 with ConfirmedServiceError initiate-error / initiate / other; not
   decipherable (tag, key, replayed counter, weaker policy) -> 1 with initiate-error /
   application-reference / deciphering-error;
7. InitiateRequest: DLMS version below 6 -> initiate dlms-version-too-low; no service bit in
   common (:data:`SERVICE_BITS`) -> incompatible-conformance; client-max-receive-pdu-size
   below :data:`MIN_PDU_SIZE` (0 means unlimited) -> pdu-size-too-short; a dedicated key
   outside an encrypted InitiateRequest of a ciphered context -> initiate other.

Every refusal is an :class:`AarqRefusal` carrying what the rejecting AARE says; the server
machine turns it into the AARE and a ``RemoteProtocolError``. The offer's
:class:`~.policy.ServerDeviations` (the reference meter's faults) loosen checks 1, 5 and 7,
each in one branch marked ``FAULT HOOK``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.codec.acse.aare import AssociateSourceDiagnostic
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.names import (
    AcseRequirementsBit,
    AcseServiceProviderDiagnostic,
    AcseServiceUserDiagnostic,
    MechanismName,
)
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.xdlms.confirmed_service_error import (
    ApplicationReferenceError,
    ConfirmedService,
    ConfirmedServiceError,
    InitiateError,
    ServiceErrorType,
)
from conformance.codec.xdlms.initiate import (
    DLMS_VERSION,
    VAA_NAME_LN,
    VAA_NAME_SN,
    Conformance,
    InitiateRequest,
    decode_initiate_request,
)
from conformance.errors import CodecError, ConformanceError, RemoteProtocolError, SecurityError
from conformance.protocol.association.ciphering import Ciphering
from conformance.protocol.association.config import SYSTEM_TITLE_REQUIRED, OfferedAssociation
from conformance.protocol.association.events import NegotiatedParameters
from conformance.protocol.association.protection_info import CIPHERED_TAGS
from conformance.security import check_challenge, verify_password

__all__ = ["MIN_PDU_SIZE", "SERVICE_BITS", "AarqRefusal", "Acceptance", "validate_aarq"]

MIN_PDU_SIZE = 12
"""The smallest client-max-receive-pdu-size accepted (0 means unlimited)."""
SERVICE_BITS = (Conformance.READ | Conformance.WRITE | Conformance.UNCONFIRMED_WRITE
                | Conformance.INFORMATION_REPORT | Conformance.DATA_NOTIFICATION
                | Conformance.ACCESS | Conformance.GET | Conformance.SET
                | Conformance.EVENT_NOTIFICATION | Conformance.ACTION)
"""The conformance bits that name services; the others (block transfer, multiple
references, selective access, priority management...) are options of those services, so a
proposal sharing none of these bits with the server is incompatible."""

_U = AcseServiceUserDiagnostic


class AarqRefusal(Exception):
    """An AARQ to reject: the AARE's diagnostic, the xDLMS error for its user-information
    (``cipher_error``: protect it, the request having been deciphered), the underlying
    error and whether the client allows a response at all."""

    def __init__(self, message: str, diagnostic: AssociateSourceDiagnostic,
                 error: ConfirmedServiceError | None = None, *, cipher_error: bool = False,
                 cause: ConformanceError | None = None) -> None:
        super().__init__(message)
        self.diagnostic = diagnostic
        self.error = error
        self.cipher_error = cipher_error
        self.cause = cause
        self.response_allowed = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Acceptance:
    """An acceptable AARQ: its InitiateRequest, what the AARE grants, the CtoS challenge."""

    initiate_request: InitiateRequest
    negotiated: NegotiatedParameters
    ctos: bytes = field(repr=False)
    """Empty unless HLS."""


def initiate_error(error_type: ServiceErrorType, value: int) -> ConfirmedServiceError:
    """initiateError with ``error_type`` / ``value``."""
    return ConfirmedServiceError(service=ConfirmedService.INITIATE_ERROR,
                                 error_type=error_type, value=value)


def validate_aarq(aarq: AARQ, *, offered: OfferedAssociation, ciphering: Ciphering,
                  responding_title: bytes | None) -> Acceptance:
    """Check ``aarq`` against what the server offers; ``AarqRefusal`` when it is rejected.
    ``ciphering`` learns the client's system title and dedicated key on the way."""
    tolerances = offered.server_deviations
    # Unless FAULT HOOK: another application context accepted (imitates meters that
    # ignore the application-context-name).
    if aarq.application_context_name != offered.application_context_name \
            and not tolerances.accept_any_application_context:
        raise AarqRefusal(f"application context {aarq.application_context_name!r} is not "
                          "offered", _U.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED)
    version = aarq.protocol_version
    if version is not None and not version.bit(0):
        raise AarqRefusal("protocol-version lacks version1",
                          AcseServiceProviderDiagnostic.NO_COMMON_ACSE_VERSION)
    _check_mechanism(aarq, offered)
    _check_calling_title(aarq, offered, ciphering)
    ctos = _check_authentication_value(aarq, offered)
    initiate = _initiate_request(aarq, offered, ciphering)
    try:
        negotiated = _negotiate(aarq, initiate, offered, ciphering, responding_title)
    except AarqRefusal as refusal:
        refusal.response_allowed = initiate.response_allowed
        raise
    return Acceptance(initiate_request=initiate, negotiated=negotiated, ctos=ctos)


def _check_mechanism(aarq: AARQ, offered: OfferedAssociation) -> None:
    wanted = offered.mechanism
    mech = aarq.mechanism_name
    if mech is None:
        if wanted != MechanismName.LOWEST_LEVEL_SECURITY:
            raise AarqRefusal(f"no mechanism-name; {wanted.name} is required",
                              _U.AUTHENTICATION_MECHANISM_NAME_REQUIRED)
        return
    requirements = aarq.sender_acse_requirements
    if requirements is None or not requirements.bit(AcseRequirementsBit.AUTHENTICATION):
        # X.227: mechanism-name belongs to the authentication functional unit.
        raise AarqRefusal("mechanism-name without the authentication bit of "
                          "sender-acse-requirements", _U.NO_REASON_GIVEN)
    if mech != wanted:
        raise AarqRefusal(f"mechanism {mech!r} is not the offered {wanted.name}",
                          _U.AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED)


def _check_calling_title(aarq: AARQ, offered: OfferedAssociation, ciphering: Ciphering) -> None:
    title = aarq.calling_ap_title
    known = offered.peer_system_title
    needed = offered.ciphered or offered.mechanism in SYSTEM_TITLE_REQUIRED
    if title is None:
        if needed and known is None:
            raise AarqRefusal("calling-AP-title (the client system title) is missing",
                              _U.CALLING_AP_TITLE_NOT_RECOGNIZED)
    elif len(title) != 8:
        raise AarqRefusal(f"calling-AP-title is {len(title)} bytes, not a system title",
                          _U.CALLING_AP_TITLE_NOT_RECOGNIZED)
    elif known is not None and title != known:
        raise AarqRefusal(f"calling-AP-title {title.hex().upper()} is not the client's",
                          _U.CALLING_AP_TITLE_NOT_RECOGNIZED)
    ciphering.set_peer_system_title(title or known)


def _check_authentication_value(aarq: AARQ, offered: OfferedAssociation) -> bytes:
    value = aarq.calling_authentication_value
    octets = value.value if isinstance(value, AuthenticationValueCharstring) else None
    tolerances = offered.server_deviations
    if offered.mechanism == MechanismName.LOW_LEVEL_SECURITY:
        try:
            verify_password(octets if octets is not None else b"", offered.secret or b"")
        except SecurityError as exc:
            # FAULT HOOK: wrong password accepted, or FAULT HOOK: refused with another
            # diagnostic than authentication-failure (imitates meters seen doing either).
            if not tolerances.accept_any_password:
                diagnostic = tolerances.password_failure_diagnostic
                raise AarqRefusal("LLS password refused", _U.AUTHENTICATION_FAILURE
                                  if diagnostic is None else diagnostic,
                                  cause=exc) from None
    if not offered.hls:
        return b""
    if octets is None:
        raise AarqRefusal("no CtoS challenge (calling-authentication-value charstring)",
                          _U.AUTHENTICATION_FAILURE)
    try:
        check_challenge(octets, name="CtoS")
    except SecurityError as exc:
        raise AarqRefusal(str(exc), _U.AUTHENTICATION_FAILURE, cause=exc) from None
    return octets


def _initiate_request(aarq: AARQ, offered: OfferedAssociation,
                      ciphering: Ciphering) -> InitiateRequest:
    ui = aarq.user_information
    other = initiate_error(ServiceErrorType.INITIATE, InitiateError.OTHER)
    if not ui:
        raise AarqRefusal("no InitiateRequest in user-information", _U.NO_REASON_GIVEN)
    ciphered = ui[0] in CIPHERED_TAGS
    if ciphered != offered.ciphered:
        raise AarqRefusal("the InitiateRequest is " + (
            "ciphered in a context without ciphering" if ciphered
            else "plain in a ciphered context (Green Book 9.2.7)"), _U.NO_REASON_GIVEN, other)
    plain = ui
    if ciphered:
        try:
            plain = ciphering.unprotect(ui)
        except RemoteProtocolError as exc:
            raise AarqRefusal(f"the InitiateRequest cannot be deciphered: {exc}",
                              _U.NO_REASON_GIVEN, initiate_error(
                                  ServiceErrorType.APPLICATION_REFERENCE,
                                  ApplicationReferenceError.DECIPHERING_ERROR),
                              cause=exc) from None
    try:
        return decode_initiate_request(plain, path="AARQ.user_information")
    except CodecError as exc:
        raise AarqRefusal(f"malformed InitiateRequest: {exc}", _U.NO_REASON_GIVEN, other,
                          cipher_error=ciphered, cause=exc) from None


def _negotiate(aarq: AARQ, initiate: InitiateRequest, offered: OfferedAssociation,
               ciphering: Ciphering, responding_title: bytes | None) -> NegotiatedParameters:
    ciphered = aarq.user_information_ciphered

    def refuse(message: str, value: InitiateError) -> AarqRefusal:
        return AarqRefusal(message, _U.NO_REASON_GIVEN,
                           initiate_error(ServiceErrorType.INITIATE, value),
                           cipher_error=ciphered)

    # Green Book 9.4.2.2 / IEC 62056-5-3 9.3.2: the xDLMS-Initiate negotiation.
    # FAULT HOOK: lower DLMS version / PDU size accepted (imitates meters accepting them).
    tolerances = offered.server_deviations
    lowest_version = tolerances.lowest_dlms_version
    lowest_version = DLMS_VERSION if lowest_version is None else lowest_version
    lowest_size = tolerances.lowest_client_max_receive_pdu_size or MIN_PDU_SIZE
    if initiate.proposed_dlms_version_number < lowest_version:
        raise refuse(f"proposed DLMS version {initiate.proposed_dlms_version_number} is "
                     f"below {DLMS_VERSION}", InitiateError.DLMS_VERSION_TOO_LOW)
    granted = Conformance(int(initiate.proposed_conformance) & int(offered.conformance))
    if not granted & SERVICE_BITS:
        raise refuse(f"no service in common (proposed {initiate.proposed_conformance!r}, "
                     f"supported {offered.conformance!r})",
                     InitiateError.INCOMPATIBLE_CONFORMANCE)
    size = initiate.client_max_receive_pdu_size
    if 0 < size < lowest_size:
        raise refuse(f"client-max-receive-pdu-size {size} is below {MIN_PDU_SIZE}",
                     InitiateError.PDU_SIZE_TOO_SHORT)
    key = initiate.dedicated_key
    if key is not None:
        if not ciphered or not ciphering.last_received.policy.encryption:
            # Green Book 9.2.7: the dedicated key travels only in an encrypted
            # InitiateRequest; one sent otherwise is disclosed and refused.
            raise refuse("a dedicated key outside an encrypted InitiateRequest",
                         InitiateError.OTHER)
        try:
            ciphering.set_dedicated_key(key)
        except SecurityError as exc:
            raise refuse(str(exc), InitiateError.OTHER) from None
    return NegotiatedParameters(
        application_context_name=offered.application_context_name,
        mechanism=offered.mechanism, proposed_conformance=initiate.proposed_conformance,
        negotiated_conformance=granted, client_max_receive_pdu_size=size,
        server_max_receive_pdu_size=offered.server_max_receive_pdu_size,
        dlms_version=DLMS_VERSION,
        vaa_name=(VAA_NAME_LN if offered.application_context_name.logical_name_referencing
                  else VAA_NAME_SN),
        client_system_title=ciphering.peer_system_title, server_system_title=responding_title,
        dedicated_key=key is not None)
