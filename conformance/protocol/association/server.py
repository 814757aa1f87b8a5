"""The SERVER role of the association machine (IEC 62056-5-3 / Green Book 9.4.2, 9.2.7.4).

::

    assoc = ServerAssociation(server_config, client_sap=0x10)
    try:
        indication = assoc.receive(aarq)          # AssociateIndication
        aare = assoc.send(AssociateResponse())
    except RemoteProtocolError as refusal:
        aare = refusal.response_hint              # the rejecting AARE (or None)

Every refusal is a :class:`RemoteProtocolError` whose ``response_hint`` holds the bytes to
answer with (``None`` when the standard wants silence) and whose ``__cause__`` says why.
The AARQ checks and their diagnostics are listed in
:mod:`~conformance.protocol.association.acceptance`. Accepted: negotiated conformance =
proposed AND supported; HLS answers authentication-required (14) with StoC, and until pass
3 verifies only reply_to_HLS_authentication is served (anything else: a failed ACTION
response read-write-denied, or an exception-response service-not-allowed /
operation-not-possible); a wrong f(StoC) fails the ACTION with ``hls_failure_result`` and
leaves the association unauthenticated.

The offer's :class:`~.policy.ServerDeviations` (the reference meter's faults) loosen some of
these rules, each in one branch marked ``FAULT HOOK``.
"""

from __future__ import annotations

from typing import NoReturn

from conformance.codec.acse.aare import AARE, AssociateSourceDiagnostic
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.names import (
    ACSE_REQUIREMENTS_AUTHENTICATION,
    AcseServiceUserDiagnostic,
    AssociationResult,
    MechanismName,
)
from conformance.codec.acse.release import RLRE, RLRQ
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import OctetString
from conformance.codec.xdlms.action import ActionRequestNormal
from conformance.codec.xdlms.confirmed_service_error import ConfirmedServiceError
from conformance.codec.xdlms.enums import (
    ActionResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.initiate import InitiateResponse, decode_initiate_request
from conformance.errors import CodecError, LocalProtocolError, RemoteProtocolError, SecurityError
from conformance.protocol.association.acceptance import AarqRefusal, validate_aarq
from conformance.protocol.association.config import (
    SYSTEM_TITLE_MECHANISMS,
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
from conformance.security import Party, check_challenge

__all__ = ["ServerAssociation"]

_U = AcseServiceUserDiagnostic


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

    def _accepts_xdlms(self, apdu: bytes) -> bool:
        if self._state is AssociationState.ASSOCIATED:
            return False
        if self._state is AssociationState.AUTHENTICATION_PENDING \
                and self._offered.server_deviations.serve_before_authentication:
            # FAULT HOOK: only reply_to_HLS_authentication is claimed; the caller serves the
            # other requests before pass 3 (imitates meters that serve them after the AARE).
            plain = self._ciphering.peek(apdu)
            if plain is not None:
                try:
                    return is_reply_to_hls(decode_apdu(plain))
                except CodecError:
                    return True
        return True

    def _move(self, primitive: Primitive) -> None:
        super()._move(primitive)
        if self._state is AssociationState.ASSOCIATED:
            self._ciphering.association_established()

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
        except AarqRefusal as refusal:
            self._move(Primitive.ASSOCIATE_REQUEST)
            allowed = refusal.response_allowed
            hint = self._aare_reject(refusal.diagnostic, refusal.error,
                                     cipher_error=refusal.cipher_error)
            self._move(Primitive.ASSOCIATE_REJECTED)
            self._refuse(f"AARQ rejected: {refusal}", hint if allowed else None,
                         refusal.cause)
        self._move(Primitive.ASSOCIATE_REQUEST)
        return indication

    def _validate(self, aarq: AARQ) -> AssociateIndication:
        offered = self._offered
        acceptance = validate_aarq(aarq, offered=offered, ciphering=self._ciphering,
                                   responding_title=self._responding_title())
        initiate = acceptance.initiate_request
        self._response_allowed = initiate.response_allowed
        self._negotiated = acceptance.negotiated
        if offered.hls:
            stoc = offered.deviations.challenge
            if stoc is None:
                stoc = offered.challenge_source(offered.challenge_length)
                try:
                    check_challenge(stoc, name="StoC")
                except SecurityError as exc:
                    raise LocalProtocolError(f"the challenge source: {exc}") from None
            self._exchange = HlsExchange(
                mechanism=offered.mechanism, ctos=acceptance.ctos, stoc=stoc,
                client_system_title=self._ciphering.peer_system_title or b"",
                server_system_title=self._responding_title() or b"")
        return AssociateIndication(aarq=aarq, initiate_request=initiate,
                                   negotiated=acceptance.negotiated,
                                   authentication_required=offered.hls,
                                   response_allowed=initiate.response_allowed)

    # -- AARE ----------------------------------------------------------------------------
    def _responding_title(self) -> bytes | None:
        offered = self._offered
        if offered.ciphered or offered.mechanism in SYSTEM_TITLE_MECHANISMS:
            return self._ciphering.own_system_title
        return None

    def _announced_title(self) -> bytes | None:
        """The AARE's responding-AP-title."""
        title = self._responding_title()
        announced = self._offered.server_deviations.responding_ap_title
        if title is not None and announced is not None:
            # FAULT HOOK: the AP-title is not the system title of the IVs (imitates meters
            # announcing another system title than the one they cipher with).
            return announced
        return title

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
                    responding_ap_title=self._announced_title(),
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
            responding_ap_title=self._announced_title(),
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
            # Unless FAULT HOOK: f(StoC) not verified (imitates meters whose pass 3 always
            # succeeds).
            if not self._offered.server_deviations.accept_any_f_stoc:
                verify_f(Party.CLIENT, parameter.value, exchange, self._offered,
                         self._ciphering, counter_floor=floor)
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
