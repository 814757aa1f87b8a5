"""The SERVER role of the association machine (IEC 62056-5-3 / Green Book 9.4.2, 9.2.7.4).

::

    assoc = ServerAssociation(server_config, client_sap=0x10)
    try:
        indication = assoc.receive(aarq)          # AssociateIndication
        aare = assoc.send(AssociateResponse())
    except RemoteProtocolError as refusal:
        aare = refusal.response_hint              # the rejecting AARE (or None)

Every refusal is a :class:`RemoteProtocolError` whose ``response_hint`` holds the bytes to
answer with and whose ``__cause__`` says why. AARQ validation, in order (X.227 / Green Book
9.4.2.2, diagnostics of the acse-service-user unless noted):

1. application-context-name other than the offered one -> rejected-permanent, 2
   (application-context-name-not-supported);
2. protocol-version without version1 -> acse-service-provider 2 (no-common-acse-version);
3. mechanism-name absent while the server authenticates -> 12 (...-required); unknown or not
   the offered one -> 11 (...-not-recognised); present without the authentication bit of
   sender-acse-requirements -> 1 (no-reason-given);
4. calling-AP-title missing where the context or mechanism needs the client system title,
   not 8 bytes, or not the configured one -> 3 (calling-AP-title-not-recognized);
5. LLS password wrong or absent, HLS challenge absent or not 8..64 bytes -> 13
   (authentication-failure);
6. user-information absent, undecodable, or not protected as the context says ->
   no-reason-given (1) with ConfirmedServiceError initiate-error (application-reference
   deciphering-error when it cannot be deciphered, initiate other otherwise);
7. InitiateRequest: DLMS version below 6 -> initiate dlms-version-too-low; no service bit
   in common (:data:`SERVICE_BITS`) -> incompatible-conformance; client-max-receive-pdu-size
   below 12 (and not 0 = unlimited) -> pdu-size-too-short (all rejected-permanent,
   no-reason-given). A client that asked for no response (response-allowed FALSE) gets none.

Accepted: negotiated conformance = proposed AND supported; HLS answers
authentication-required (14) with StoC, then only reply_to_HLS_authentication is served.
"""

from __future__ import annotations

from typing import NoReturn

from conformance.codec.acse.aare import AARE, AssociateSourceDiagnostic
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.names import (
    ACSE_REQUIREMENTS_AUTHENTICATION,
    AcseRequirementsBit,
    AcseServiceProviderDiagnostic,
    AcseServiceUserDiagnostic,
    AssociationResult,
    MechanismName,
)
from conformance.codec.acse.release import RLRE, RLRQ
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import OctetString
from conformance.codec.xdlms.action import ActionRequestNormal
from conformance.codec.xdlms.confirmed_service_error import (
    ApplicationReferenceError,
    ConfirmedService,
    ConfirmedServiceError,
    InitiateError,
    ServiceErrorType,
)
from conformance.codec.xdlms.enums import (
    ActionResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.initiate import (
    DLMS_VERSION,
    VAA_NAME_LN,
    VAA_NAME_SN,
    Conformance,
    InitiateRequest,
    InitiateResponse,
    decode_initiate_request,
)
from conformance.errors import (
    CodecError,
    ConformanceError,
    LocalProtocolError,
    RemoteProtocolError,
    SecurityError,
)
from conformance.protocol.association.config import (
    SYSTEM_TITLE_MECHANISMS,
    SYSTEM_TITLE_REQUIRED,
    OfferedAssociation,
    ServerConfig,
)
from conformance.protocol.association.counters import InvocationCounterStore
from conformance.protocol.association.events import (
    AssociateIndication,
    AssociateResponse,
    NegotiatedParameters,
    ReceivedEvent,
    ReleaseIndication,
    ReleaseResponse,
    ReplyToHlsIndication,
    ReplyToHlsResponse,
    SentEvent,
)
from conformance.protocol.association.hls import (
    HlsExchange,
    compute_f,
    is_reply_to_hls,
    reply_to_hls_response,
    verify_f,
)
from conformance.protocol.association.machine import Association
from conformance.protocol.association.protection_info import CIPHERED_TAGS
from conformance.protocol.association.table import AssociationState, Primitive, Role
from conformance.security import Party, check_challenge, verify_password

__all__ = ["MIN_PDU_SIZE", "SERVICE_BITS", "ServerAssociation"]

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


class _Refusal(Exception):
    """Internal: an AARQ to reject, with the AARE's diagnostic and xDLMS error."""

    def __init__(self, message: str, diagnostic: AssociateSourceDiagnostic,
                 error: ConfirmedServiceError | None = None, *, cipher_error: bool = False,
                 cause: ConformanceError | None = None) -> None:
        super().__init__(message)
        self.diagnostic = diagnostic
        self.error = error
        self.cipher_error = cipher_error
        self.cause = cause


def _initiate_error(error_type: ServiceErrorType, value: int) -> ConfirmedServiceError:
    return ConfirmedServiceError(service=ConfirmedService.INITIATE_ERROR,
                                 error_type=error_type, value=value)


class ServerAssociation(Association):
    """The server's association machine for one client SAP."""

    ROLE = Role.SERVER

    def __init__(self, config: ServerConfig, *, client_sap: int,
                 counters: InvocationCounterStore | None = None) -> None:
        """``LocalProtocolError`` when ``config`` offers no association to
        ``client_sap``; ``counters`` keeps the counters across associations."""
        offered = config.offered(client_sap)
        if offered is None:
            raise LocalProtocolError(f"no association is offered to client SAP {client_sap}")
        super().__init__(offered, counters)
        self._offered = offered
        self._client_sap = client_sap
        self._response_allowed = True
        self._hls_invoke = 0
        self._release_initiate = False

    @property
    def offered(self) -> OfferedAssociation:
        """What this server offers to the client SAP."""
        return self._offered

    @property
    def client_sap(self) -> int:
        """The client SAP this machine serves."""
        return self._client_sap

    def _accepts_xdlms(self) -> bool:
        return self._state is not AssociationState.ASSOCIATED

    def _refuse(self, message: str, hint: bytes | None,
                cause: BaseException | None = None) -> NoReturn:
        raise RemoteProtocolError(message, response_hint=hint) from cause

    # -- receiving -----------------------------------------------------------------------
    def _receive(self, apdu: bytes) -> ReceivedEvent:
        if not apdu:
            self._refuse("empty APDU", None)
        tag = apdu[0]
        if tag == AARQ.TAG:
            return self._on_aarq(apdu)
        if tag == RLRQ.TAG:
            return self._on_rlrq(apdu)
        if tag in (AARE.TAG, RLRE.TAG):
            self._refuse(f"a client does not send APDU tag 0x{tag:02X}", None)
        if self._state is AssociationState.AUTHENTICATION_PENDING:
            return self._on_pass3(apdu)
        self._refuse(f"unexpected xDLMS APDU (tag 0x{tag:02X}) in state "
                     f"{self._state.value}", None)

    # -- AARQ ----------------------------------------------------------------------------
    def _on_aarq(self, apdu: bytes) -> AssociateIndication:
        if self._state is not AssociationState.IDLE:
            self._refuse(f"AARQ in state {self._state.value}: an association exists",
                         self._aare_reject(_U.NO_REASON_GIVEN))
        try:
            aarq = decode_acse_apdu(apdu)
        except CodecError as exc:
            self._refuse(f"malformed AARQ: {exc}", self._aare_reject(_U.NO_REASON_GIVEN),
                         exc)
        if not isinstance(aarq, AARQ):  # the tag selected the decoder
            self._refuse("expected an AARQ", None)
        try:
            indication = self._validate(aarq)
        except _Refusal as refusal:
            self._move(Primitive.ASSOCIATE_REQUEST)
            allowed = self._response_allowed
            hint = self._aare_reject(refusal.diagnostic, refusal.error,
                                     cipher_error=refusal.cipher_error)
            self._move(Primitive.ASSOCIATE_REJECTED)
            self._refuse(f"AARQ rejected: {refusal}", hint if allowed else None,
                         refusal.cause)
        self._move(Primitive.ASSOCIATE_REQUEST)
        return indication

    def _validate(self, aarq: AARQ) -> AssociateIndication:
        offered = self._offered
        self._response_allowed = True
        if aarq.application_context_name != offered.application_context_name:
            raise _Refusal(f"application context {aarq.application_context_name!r} is not "
                           f"offered", _U.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED)
        version = aarq.protocol_version
        if version is not None and not version.bit(0):
            raise _Refusal("protocol-version lacks version1",
                           AcseServiceProviderDiagnostic.NO_COMMON_ACSE_VERSION)
        self._check_mechanism(aarq)
        self._check_calling_title(aarq)
        ctos = self._check_authentication_value(aarq)
        initiate = self._initiate_request(aarq)
        self._response_allowed = initiate.response_allowed
        negotiated = self._negotiate(aarq, initiate)
        self._negotiated = negotiated
        hls = offered.hls
        if hls:
            stoc = offered.deviations.challenge
            if stoc is None:
                stoc = offered.challenge_source(offered.challenge_length)
                try:
                    check_challenge(stoc, name="StoC")
                except SecurityError as exc:
                    raise LocalProtocolError(f"the challenge source: {exc}") from None
            self._exchange = HlsExchange(
                mechanism=offered.mechanism, ctos=ctos, stoc=stoc,
                client_system_title=self._ciphering.peer_system_title or b"",
                server_system_title=self._responding_title() or b"")
        return AssociateIndication(aarq=aarq, initiate_request=initiate, negotiated=negotiated,
                                   authentication_required=hls,
                                   response_allowed=initiate.response_allowed)

    def _check_mechanism(self, aarq: AARQ) -> None:
        offered = self._offered.mechanism
        mech = aarq.mechanism_name
        if mech is None:
            if offered != MechanismName.LOWEST_LEVEL_SECURITY:
                raise _Refusal(f"no mechanism-name; {offered.name} is required",
                               _U.AUTHENTICATION_MECHANISM_NAME_REQUIRED)
            return
        requirements = aarq.sender_acse_requirements
        if requirements is None or not requirements.bit(AcseRequirementsBit.AUTHENTICATION):
            # X.227: mechanism-name belongs to the authentication functional unit.
            raise _Refusal("mechanism-name without the authentication bit of "
                           "sender-acse-requirements", _U.NO_REASON_GIVEN)
        if mech != offered:
            raise _Refusal(f"mechanism {mech!r} is not the offered {offered.name}",
                           _U.AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED)

    def _check_calling_title(self, aarq: AARQ) -> None:
        offered = self._offered
        title = aarq.calling_ap_title
        needed = offered.ciphered or offered.mechanism in SYSTEM_TITLE_REQUIRED
        if title is None:
            if needed and offered.peer_system_title is None:
                raise _Refusal("calling-AP-title (the client system title) is missing",
                               _U.CALLING_AP_TITLE_NOT_RECOGNIZED)
        elif len(title) != 8:
            raise _Refusal(f"calling-AP-title is {len(title)} bytes, not a system title",
                           _U.CALLING_AP_TITLE_NOT_RECOGNIZED)
        elif offered.peer_system_title is not None and title != offered.peer_system_title:
            raise _Refusal(f"calling-AP-title {title.hex().upper()} is not the client's",
                           _U.CALLING_AP_TITLE_NOT_RECOGNIZED)
        self._ciphering.set_peer_system_title(title or offered.peer_system_title)

    def _check_authentication_value(self, aarq: AARQ) -> bytes:
        offered = self._offered
        value = aarq.calling_authentication_value
        octets = value.value if isinstance(value, AuthenticationValueCharstring) else None
        if offered.mechanism == MechanismName.LOW_LEVEL_SECURITY:
            try:
                verify_password(octets if octets is not None else b"",
                                offered.secret or b"")
            except SecurityError as exc:
                raise _Refusal("LLS password refused", _U.AUTHENTICATION_FAILURE,
                               cause=exc) from None
        if not offered.hls:
            return b""
        if octets is None:
            raise _Refusal("no CtoS challenge (calling-authentication-value charstring)",
                           _U.AUTHENTICATION_FAILURE)
        try:
            check_challenge(octets, name="CtoS")
        except SecurityError as exc:
            raise _Refusal(str(exc), _U.AUTHENTICATION_FAILURE, cause=exc) from None
        return octets

    def _initiate_request(self, aarq: AARQ) -> InitiateRequest:
        ui = aarq.user_information
        other = _initiate_error(ServiceErrorType.INITIATE, InitiateError.OTHER)
        if ui is None or not ui:
            raise _Refusal("no InitiateRequest in user-information", _U.NO_REASON_GIVEN)
        ciphered = ui[0] in CIPHERED_TAGS
        if ciphered != self._offered.ciphered:
            raise _Refusal("the InitiateRequest is " + ("ciphered in a context without "
                           "ciphering" if ciphered else "plain in a ciphered context"),
                           _U.NO_REASON_GIVEN, other)
        plain = ui
        if ciphered:
            try:
                plain = self._ciphering.unprotect(ui)
            except RemoteProtocolError as exc:
                raise _Refusal(f"the InitiateRequest cannot be deciphered: {exc}",
                               _U.NO_REASON_GIVEN, _initiate_error(
                                   ServiceErrorType.APPLICATION_REFERENCE,
                                   ApplicationReferenceError.DECIPHERING_ERROR),
                               cause=exc) from None
        try:
            return decode_initiate_request(plain, path="AARQ.user_information")
        except CodecError as exc:
            raise _Refusal(f"malformed InitiateRequest: {exc}", _U.NO_REASON_GIVEN, other,
                           cipher_error=ciphered, cause=exc) from None

    def _negotiate(self, aarq: AARQ, initiate: InitiateRequest) -> NegotiatedParameters:
        offered = self._offered
        ciphered = bool(aarq.user_information_ciphered)

        def refuse(message: str, value: InitiateError) -> _Refusal:
            return _Refusal(message, _U.NO_REASON_GIVEN,
                            _initiate_error(ServiceErrorType.INITIATE, value),
                            cipher_error=ciphered)

        # Green Book 9.4.2.2 / IEC 62056-5-3 9.3.2: xDLMS-Initiate negotiation.
        if initiate.proposed_dlms_version_number < DLMS_VERSION:
            raise refuse(f"proposed DLMS version {initiate.proposed_dlms_version_number} is "
                         f"below {DLMS_VERSION}", InitiateError.DLMS_VERSION_TOO_LOW)
        granted = Conformance(int(initiate.proposed_conformance) & int(offered.conformance))
        if not granted & SERVICE_BITS:
            raise refuse(f"no service in common (proposed {initiate.proposed_conformance!r}, "
                         f"supported {offered.conformance!r})",
                         InitiateError.INCOMPATIBLE_CONFORMANCE)
        size = initiate.client_max_receive_pdu_size
        if 0 < size < MIN_PDU_SIZE:
            raise refuse(f"client-max-receive-pdu-size {size} is below {MIN_PDU_SIZE}",
                         InitiateError.PDU_SIZE_TOO_SHORT)
        key = initiate.dedicated_key
        if key is not None:
            try:
                self._ciphering.set_dedicated_key(key)
            except SecurityError as exc:
                raise refuse(str(exc), InitiateError.OTHER) from None
        return NegotiatedParameters(
            application_context_name=offered.application_context_name,
            mechanism=offered.mechanism, proposed_conformance=initiate.proposed_conformance,
            negotiated_conformance=granted, client_max_receive_pdu_size=size,
            server_max_receive_pdu_size=offered.server_max_receive_pdu_size,
            dlms_version=DLMS_VERSION, vaa_name=self._vaa_name(),
            client_system_title=self._ciphering.peer_system_title,
            server_system_title=self._responding_title(), dedicated_key=key is not None)

    def _vaa_name(self) -> int:
        return (VAA_NAME_LN if self._offered.application_context_name.logical_name_referencing
                else VAA_NAME_SN)

    # -- AARE ----------------------------------------------------------------------------
    def _responding_title(self) -> bytes | None:
        offered = self._offered
        if offered.ciphered or offered.mechanism in SYSTEM_TITLE_MECHANISMS:
            return self._ciphering.own_system_title
        return None

    def _aare_reject(self, diagnostic: AssociateSourceDiagnostic,
                     error: ConfirmedServiceError | None = None, *,
                     cipher_error: bool = False) -> bytes:
        ui = None
        if error is not None:
            ui = self._ciphering.protect(error.to_bytes()) if cipher_error \
                else error.to_bytes()
        return AARE(application_context_name=self._offered.application_context_name,
                    result=AssociationResult.REJECTED_PERMANENT,
                    result_source_diagnostic=diagnostic,
                    responding_ap_title=self._responding_title(),
                    user_information=ui).to_bytes()

    def _initiate_response(self, negotiated: NegotiatedParameters) -> bytes:
        deviations = self._offered.deviations
        response = InitiateResponse(
            negotiated_dlms_version_number=negotiated.dlms_version,
            negotiated_conformance=(deviations.conformance
                                    or negotiated.negotiated_conformance),
            server_max_receive_pdu_size=(
                negotiated.server_max_receive_pdu_size
                if deviations.max_receive_pdu_size is None
                else deviations.max_receive_pdu_size),
            vaa_name=negotiated.vaa_name).to_bytes()
        return self._ciphering.protect(response) if self._offered.ciphered else response

    def _send(self, event: SentEvent) -> bytes:
        if isinstance(event, AssociateResponse):
            return self._send_aare()
        if isinstance(event, ReplyToHlsResponse):
            return self._send_pass4()
        if isinstance(event, ReleaseResponse):
            return self._send_rlre(event)
        raise LocalProtocolError(f"a server does not send {type(event).__name__}")

    def _send_aare(self) -> bytes:
        offered = self._offered
        primitive = (Primitive.ASSOCIATE_AUTHENTICATION_REQUIRED if offered.hls
                     else Primitive.ASSOCIATE_ACCEPTED)
        self._check_send(primitive)
        negotiated = self._negotiated
        if negotiated is None:  # ASSOCIATION_PENDING always has it
            raise LocalProtocolError("no association is pending")
        if not self._response_allowed:
            self._move(primitive)
            return b""
        mech = offered.mechanism
        authenticated = mech != MechanismName.LOWEST_LEVEL_SECURITY
        stoc = self._exchange.stoc if self._exchange is not None else None
        ui = offered.deviations.user_information
        aare = AARE(
            application_context_name=offered.application_context_name,
            result=AssociationResult.ACCEPTED,
            result_source_diagnostic=(_U.AUTHENTICATION_REQUIRED if offered.hls else _U.NULL),
            responding_ap_title=self._responding_title(),
            responding_ae_qualifier=(offered.responding_ae_qualifier
                                     if mech == MechanismName.HIGH_LEVEL_SECURITY_ECDSA
                                     else None),
            responder_acse_requirements=(ACSE_REQUIREMENTS_AUTHENTICATION if authenticated
                                         else None),
            mechanism_name=mech if authenticated else None,
            responding_authentication_value=(None if stoc is None
                                             else AuthenticationValueCharstring(value=stoc)),
            user_information=self._initiate_response(negotiated) if ui is None else ui)
        self._move(primitive)
        return aare.to_bytes()

    # -- HLS passes 3 and 4 --------------------------------------------------------------
    def _protected_hint(self, plain: bytes) -> bytes:
        return self._ciphering.protect(plain)

    def _on_pass3(self, apdu: bytes) -> ReplyToHlsIndication:
        exchange = self._exchange
        if exchange is None:  # AUTHENTICATION_PENDING always has one
            raise LocalProtocolError("no HLS exchange is pending")
        floor = None
        if exchange.mechanism == MechanismName.HIGH_LEVEL_SECURITY_GMAC:
            floor = self._counters.last_accepted(
                self._ciphering.peer_counter_key(exchange.client_system_title))
        plain = self._ciphering.unprotect(apdu)
        envelope_counter = self._ciphering.last_received.invocation_counter
        try:
            request = decode_apdu(plain)
        except CodecError as exc:
            self._refuse(f"malformed APDU while authentication is pending: {exc}",
                         ExceptionResponse(state_error=ExceptionStateError.SERVICE_UNKNOWN,
                                           service_error=ExceptionServiceError.OTHER_REASON
                                           ).to_bytes(), exc)
        if not is_reply_to_hls(request):
            # Green Book 9.2.7.4: until pass 3 succeeds only reply_to_HLS_authentication
            # of the current association may be invoked.
            if isinstance(request, ActionRequestNormal):
                hint = self._protected_hint(reply_to_hls_response(
                    request.invoke_id_and_priority, ActionResult.READ_WRITE_DENIED).to_bytes())
            else:
                hint = ExceptionResponse(
                    state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                    service_error=ExceptionServiceError.OPERATION_NOT_POSSIBLE).to_bytes()
            self._refuse(f"{type(request).__name__} while HLS authentication is pending: "
                         "only reply_to_HLS_authentication is allowed", hint)
        if not isinstance(request, ActionRequestNormal):  # is_reply_to_hls checked it
            self._refuse("expected reply_to_HLS_authentication", None)
        invoke = request.invoke_id_and_priority
        self._move(Primitive.HLS_REPLY_REQUEST)
        parameter = request.method_invocation_parameters
        try:
            if not isinstance(parameter, OctetString):
                raise SecurityError("reply_to_HLS_authentication carries no f(StoC) "
                                    "octet-string")
            verify_f(Party.CLIENT, parameter.value, exchange, self._offered, self._ciphering,
                     counter_floor=floor, envelope_counter=envelope_counter)
        except SecurityError as exc:
            self._move(Primitive.HLS_REPLY_REFUSED)
            hint = self._protected_hint(reply_to_hls_response(
                invoke, self._offered.hls_failure_result).to_bytes())
            self._refuse(f"HLS pass 3 refused: {exc}", hint, exc)
        self._hls_invoke = invoke
        return ReplyToHlsIndication(invoke_id_and_priority=invoke)

    def _send_pass4(self) -> bytes:
        self._check_send(Primitive.HLS_REPLY_ACCEPTED)
        exchange = self._exchange
        if exchange is None:  # HLS_REPLY_PENDING always has one
            raise LocalProtocolError("no HLS exchange is pending")
        f = compute_f(Party.SERVER, exchange, self._offered, self._ciphering)
        apdu = self._ciphering.protect(
            reply_to_hls_response(self._hls_invoke, ActionResult.SUCCESS, f).to_bytes())
        self._move(Primitive.HLS_REPLY_ACCEPTED)
        return apdu

    # -- release -------------------------------------------------------------------------
    def _on_rlrq(self, apdu: bytes) -> ReleaseIndication:
        self._check_receive(Primitive.RELEASE_REQUEST)
        try:
            rlrq = decode_acse_apdu(apdu)
        except CodecError as exc:
            self._refuse(f"malformed RLRQ: {exc}", None, exc)
        if not isinstance(rlrq, RLRQ):  # the tag selected the decoder
            self._refuse("expected an RLRQ", None)
        initiate = None
        ui = rlrq.user_information
        if ui is not None:
            ciphered = bool(ui) and ui[0] in CIPHERED_TAGS
            if ciphered != self._offered.ciphered:
                self._refuse("the RLRQ user-information is not protected as the context "
                             "says; the release is ignored", None)
            try:
                plain = self._ciphering.unprotect(ui) if ciphered else ui
                initiate = decode_initiate_request(plain, path="RLRQ.user_information")
            except (RemoteProtocolError, CodecError) as exc:
                # An RLRQ that does not authenticate does not release the association.
                self._refuse(f"RLRQ user-information refused: {exc}", None, exc)
        self._release_initiate = initiate is not None
        self._move(Primitive.RELEASE_REQUEST)
        return ReleaseIndication(rlrq=rlrq, reason=rlrq.reason, initiate_request=initiate)

    def _send_rlre(self, event: ReleaseResponse) -> bytes:
        self._check_send(Primitive.RELEASE_RESPONSE)
        ui = None
        if self._release_initiate and self._negotiated is not None:
            ui = self._initiate_response(self._negotiated)
        rlre = RLRE(reason=event.reason, user_information=ui)
        self._release_initiate = False
        self._move(Primitive.RELEASE_RESPONSE)
        return rlre.to_bytes()
