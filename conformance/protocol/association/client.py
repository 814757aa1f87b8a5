"""The CLIENT role of the association machine (IEC 62056-5-3 / Green Book 9.4.2, 9.2.7.4).

::

    assoc = ClientAssociation(config)
    aarq = assoc.send(AssociateRequest())
    confirm = assoc.receive(aare)               # AssociateConfirm
    if assoc.state is AssociationState.AUTHENTICATION_PENDING:
        request = assoc.send(ReplyToHlsRequest())
        assoc.receive(response)                 # ReplyToHlsConfirm or SecurityError
    ...
    rlrq = assoc.send(ReleaseRequest())
    assoc.receive(rlre)                         # ReleaseConfirm
"""

from __future__ import annotations

from conformance.codec.acse.aare import AARE
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
from conformance.codec.xdlms.action import ActionResponseNormal
from conformance.codec.xdlms.confirmed_service_error import (
    ConfirmedServiceError,
    decode_confirmed_service_error,
)
from conformance.codec.xdlms.enums import ActionResult
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.initiate import (
    DLMS_VERSION,
    InitiateRequest,
    InitiateResponse,
    decode_initiate_response,
)
from conformance.errors import CodecError, LocalProtocolError, RemoteProtocolError, SecurityError
from conformance.protocol.association.ciphering import ACSE_TAGS
from conformance.protocol.association.config import (
    SYSTEM_TITLE_MECHANISMS,
    SYSTEM_TITLE_REQUIRED,
    AssociationConfig,
)
from conformance.protocol.association.counters import InvocationCounterStore
from conformance.protocol.association.events import (
    AssociateConfirm,
    AssociateRequest,
    NegotiatedParameters,
    ReceivedEvent,
    ReleaseConfirm,
    ReleaseRequest,
    ReplyToHlsConfirm,
    ReplyToHlsRequest,
    SentEvent,
)
from conformance.protocol.association.hls import (
    HlsExchange,
    compute_f,
    reply_to_hls_request,
    verify_f,
)
from conformance.protocol.association.machine import Association
from conformance.protocol.association.protection_info import CIPHERED_TAGS
from conformance.protocol.association.table import AssociationState, Primitive, Role
from conformance.security import Party, check_challenge

__all__ = ["ClientAssociation"]

_GENERAL_SIGNING = 0xDF


class ClientAssociation(Association):
    """The client's association machine."""

    ROLE = Role.CLIENT

    def __init__(self, config: AssociationConfig, *,
                 counters: InvocationCounterStore | None = None) -> None:
        """``counters`` keeps the invocation counters across associations (in memory when
        omitted)."""
        super().__init__(config, counters)
        self._config = config
        self._ctos = b""
        self._proposed = config.conformance
        self._client_pdu = config.client_max_receive_pdu_size
        self._calling_title: bytes | None = None
        self._hls_invoke: int | None = None

    @property
    def config(self) -> AssociationConfig:
        """The client configuration."""
        return self._config

    def _accepts_xdlms(self, apdu: bytes) -> bool:
        return self._state is AssociationState.HLS_REPLY_PENDING

    # -- sending -------------------------------------------------------------------------
    def _send(self, event: SentEvent) -> bytes:
        if isinstance(event, AssociateRequest):
            return self._send_aarq()
        if isinstance(event, ReplyToHlsRequest):
            return self._send_pass3(event)
        if isinstance(event, ReleaseRequest):
            return self._send_rlrq(event)
        raise LocalProtocolError(f"a client does not send {type(event).__name__}")

    def _initiate_request(self) -> InitiateRequest:
        deviations = self._config.deviations
        return InitiateRequest(
            dedicated_key=self._config.dedicated_key,
            proposed_dlms_version_number=self._config.dlms_version,
            proposed_conformance=deviations.conformance or self._config.conformance,
            client_max_receive_pdu_size=(self._config.client_max_receive_pdu_size
                                         if deviations.max_receive_pdu_size is None
                                         else deviations.max_receive_pdu_size))

    def _user_information(self, initiate: InitiateRequest) -> bytes:
        plain = initiate.to_bytes()
        if not self._config.ciphered:
            return plain
        # Green Book 9.2.7 / 9.4.2: in a ciphered context the InitiateRequest travels as
        # glo-initiate-request (or in a general-glo / general-ciphering envelope).
        return self._ciphering.protect(plain, mode=self._config.initiate_ciphering)

    def _challenge(self) -> bytes:
        forced = self._config.deviations.challenge
        if forced is not None:
            return forced
        ctos = self._config.challenge_source(self._config.challenge_length)
        try:
            check_challenge(ctos, name="CtoS")
        except SecurityError as exc:
            raise LocalProtocolError(f"the challenge source: {exc}") from None
        return ctos

    def _send_aarq(self) -> bytes:
        self._check_send(Primitive.ASSOCIATE_REQUEST)
        config = self._config
        mech = config.mechanism
        authenticated = mech != MechanismName.LOWEST_LEVEL_SECURITY
        value = None
        if config.hls:
            self._ctos = self._challenge()
            value = AuthenticationValueCharstring(value=self._ctos)
        elif mech == MechanismName.LOW_LEVEL_SECURITY and config.secret is not None:
            value = AuthenticationValueCharstring(value=config.secret)
        initiate = self._initiate_request()
        self._proposed = initiate.proposed_conformance
        self._client_pdu = initiate.client_max_receive_pdu_size
        title = (self._ciphering.own_system_title
                 if config.ciphered or mech in SYSTEM_TITLE_MECHANISMS else None)
        self._calling_title = title
        ui = config.deviations.user_information
        aarq = AARQ(
            application_context_name=config.application_context_name,
            calling_ap_title=title,
            calling_ae_qualifier=(config.calling_ae_qualifier
                                  if mech == MechanismName.HIGH_LEVEL_SECURITY_ECDSA else None),
            sender_acse_requirements=ACSE_REQUIREMENTS_AUTHENTICATION if authenticated else None,
            mechanism_name=mech if authenticated else None,
            calling_authentication_value=value,
            user_information=self._user_information(initiate) if ui is None else ui)
        self._move(Primitive.ASSOCIATE_REQUEST)
        return aarq.to_bytes()

    def _send_pass3(self, event: ReplyToHlsRequest) -> bytes:
        self._check_send(Primitive.HLS_REPLY_REQUEST)
        if self._exchange is None:  # AUTHENTICATION_PENDING always has one
            raise LocalProtocolError("no HLS exchange is pending")
        f = compute_f(Party.CLIENT, self._exchange, self._config, self._ciphering)
        apdu = self._ciphering.protect(
            reply_to_hls_request(event.invoke_id_and_priority, f).to_bytes())
        self._hls_invoke = event.invoke_id_and_priority
        self._move(Primitive.HLS_REPLY_REQUEST)
        return apdu

    def _send_rlrq(self, event: ReleaseRequest) -> bytes:
        self._check_send(Primitive.RELEASE_REQUEST)
        ui = self._user_information(self._initiate_request()) if event.user_information \
            else None
        rlrq = RLRQ(reason=event.reason, user_information=ui)
        self._move(Primitive.RELEASE_REQUEST)
        return rlrq.to_bytes()

    # -- receiving -----------------------------------------------------------------------
    def _receive(self, apdu: bytes) -> ReceivedEvent:
        if not apdu:
            raise CodecError("empty APDU", offset=0, path="apdu")
        state = self._state
        if state is AssociationState.ASSOCIATION_PENDING and apdu[0] == AARE.TAG:
            return self._on_aare(apdu)
        if state is AssociationState.HLS_REPLY_PENDING and apdu[0] not in ACSE_TAGS:
            return self._on_pass4(apdu)
        if state is AssociationState.RELEASE_PENDING and apdu[0] == RLRE.TAG:
            return self._on_rlre(apdu)
        raise RemoteProtocolError(f"unexpected APDU (tag 0x{apdu[0]:02X}) in state "
                                  f"{state.value}")

    def _plain_user_information(self, ui: bytes, *, ciphered_required: bool) -> bytes:
        if ui and (ui[0] in CIPHERED_TAGS or ui[0] == _GENERAL_SIGNING):
            if not self._config.ciphered:
                raise RemoteProtocolError("ciphered user-information in a context without "
                                          "ciphering")
            return self._ciphering.unprotect(ui)
        if ciphered_required:
            raise RemoteProtocolError("plain user-information where the ciphered context "
                                      "requires a ciphered one (Green Book 9.2.7)")
        return ui

    @staticmethod
    def _decode_ui(plain: bytes, path: str
                   ) -> tuple[InitiateResponse | None, ConfirmedServiceError | None]:
        if plain and plain[0] == InitiateResponse.TAG:
            return decode_initiate_response(plain, path=path), None
        if plain and plain[0] == ConfirmedServiceError.TAG:
            return None, decode_confirmed_service_error(plain, path=path)
        found = f"0x{plain[0]:02X}" if plain else "nothing"
        raise CodecError(f"user-information holds {found}, not an InitiateResponse (0x08) "
                         "or a ConfirmedServiceError (0x0E)", offset=0, path=path)

    def _on_aare(self, apdu: bytes) -> AssociateConfirm:
        aare = decode_acse_apdu(apdu)
        if not isinstance(aare, AARE):  # the caller checked the tag
            raise RemoteProtocolError("expected an AARE")
        config = self._config
        accepted = aare.result == AssociationResult.ACCEPTED
        title = aare.responding_ap_title
        if title is not None and len(title) != 8:
            raise RemoteProtocolError(f"responding-AP-title is {len(title)} bytes, not an "
                                      "8-byte system title")
        expected = config.peer_system_title
        if title is not None and expected is not None and title != expected:
            raise RemoteProtocolError(f"responding-AP-title {title.hex().upper()} is not the "
                                      f"server system title {expected.hex().upper()}")
        if accepted and title is None and expected is None and (
                config.ciphered or config.mechanism in SYSTEM_TITLE_REQUIRED):
            raise RemoteProtocolError("the AARE lacks the responding-AP-title (the server "
                                      "system title) that the context or mechanism needs")
        self._ciphering.set_peer_system_title(title or expected)
        initiate, error = None, None
        if aare.user_information is not None:
            plain = self._plain_user_information(
                aare.user_information, ciphered_required=config.ciphered and accepted)
            initiate, error = self._decode_ui(plain, "AARE.user_information")
        stoc: bytes | None = None
        negotiated: NegotiatedParameters | None = None
        primitive = Primitive.ASSOCIATE_REJECTED
        if accepted:
            primitive, stoc, response = self._check_accepted(aare, initiate, error)
            negotiated = self._negotiated_parameters(response)
        self._check_receive(primitive)
        self._move(primitive)
        if stoc is not None:
            self._exchange = HlsExchange(
                mechanism=config.mechanism, ctos=self._ctos, stoc=stoc,
                client_system_title=self._calling_title or b"",
                server_system_title=self._ciphering.peer_system_title or b"")
        self._negotiated = negotiated
        return AssociateConfirm(
            aare=aare, result=aare.result, result_source_diagnostic=aare.result_source_diagnostic,
            initiate_response=initiate, confirmed_service_error=error, negotiated=negotiated,
            responding_ap_title=title, stoc=stoc)

    def _check_accepted(self, aare: AARE, initiate: InitiateResponse | None,
                        error: ConfirmedServiceError | None
                        ) -> tuple[Primitive, bytes | None, InitiateResponse]:
        """Green Book 9.4.2: what an accepting AARE must say for this request."""
        config = self._config
        if error is not None:
            raise RemoteProtocolError(f"the AARE accepts the association but carries a "
                                      f"ConfirmedServiceError ({error.value!r})")
        if initiate is None:
            raise RemoteProtocolError("the AARE accepts the association without an "
                                      "InitiateResponse")
        if aare.application_context_name != config.application_context_name:
            raise RemoteProtocolError(
                f"the AARE accepts application context {aare.application_context_name!r}, "
                f"not the requested {config.application_context_name.name}")
        if aare.mechanism_name is not None and aare.mechanism_name != config.mechanism:
            raise RemoteProtocolError(f"the AARE names mechanism {aare.mechanism_name!r}, "
                                      f"not the requested {config.mechanism.name}")
        if initiate.negotiated_dlms_version_number != DLMS_VERSION:
            raise RemoteProtocolError(
                f"negotiated-dlms-version-number is "
                f"{initiate.negotiated_dlms_version_number}, not {DLMS_VERSION}")
        diagnostic = aare.result_source_diagnostic
        if not config.hls:
            if diagnostic != AcseServiceUserDiagnostic.NULL:
                raise RemoteProtocolError(f"the AARE accepts with diagnostic {diagnostic!r}; "
                                          f"mechanism {config.mechanism.name} expects null")
            return Primitive.ASSOCIATE_ACCEPTED, None, initiate
        if diagnostic is not AcseServiceUserDiagnostic.AUTHENTICATION_REQUIRED:
            raise RemoteProtocolError(f"HLS requested but the AARE accepts with diagnostic "
                                      f"{diagnostic!r}, not authentication-required (14)")
        value = aare.responding_authentication_value
        if not isinstance(value, AuthenticationValueCharstring):
            raise RemoteProtocolError("the AARE lacks the StoC challenge "
                                      "(responding-authentication-value charstring)")
        try:
            check_challenge(value.value, name="StoC")
        except SecurityError as exc:
            raise RemoteProtocolError(str(exc)) from exc
        return Primitive.ASSOCIATE_AUTHENTICATION_REQUIRED, value.value, initiate

    def _negotiated_parameters(self, initiate: InitiateResponse) -> NegotiatedParameters:
        return NegotiatedParameters(
            application_context_name=self._config.application_context_name,
            mechanism=self._config.mechanism, proposed_conformance=self._proposed,
            negotiated_conformance=initiate.negotiated_conformance,
            client_max_receive_pdu_size=self._client_pdu,
            server_max_receive_pdu_size=initiate.server_max_receive_pdu_size,
            dlms_version=initiate.negotiated_dlms_version_number, vaa_name=initiate.vaa_name,
            client_system_title=self._calling_title,
            server_system_title=self._ciphering.peer_system_title,
            dedicated_key=self._config.dedicated_key is not None)

    def _on_pass4(self, apdu: bytes) -> ReplyToHlsConfirm:
        exchange = self._exchange
        if exchange is None:  # HLS_REPLY_PENDING always has one
            raise LocalProtocolError("no HLS exchange is pending")
        floor = None
        if exchange.mechanism == MechanismName.HIGH_LEVEL_SECURITY_GMAC:
            floor = self._counters.last_accepted(
                self._ciphering.peer_counter_key(exchange.server_system_title))
        plain = self._ciphering.unprotect(apdu)
        response = decode_apdu(plain)
        if isinstance(response, ExceptionResponse):
            self._move(Primitive.HLS_REPLY_REFUSED)
            raise RemoteProtocolError(
                f"reply_to_HLS_authentication answered with an exception-response "
                f"({response.state_error.name}, {response.service_error.name})")
        if not isinstance(response, ActionResponseNormal):
            raise RemoteProtocolError(f"expected the action-response-normal of "
                                      f"reply_to_HLS_authentication, got "
                                      f"{type(response).__name__}")
        invoke = response.invoke_id_and_priority
        if invoke != self._hls_invoke:
            raise RemoteProtocolError(f"the ACTION response has invoke-id-and-priority "
                                      f"0x{invoke:02X}, the request 0x{self._hls_invoke:02X}")
        result = response.single_response.result
        f = response.single_response.return_parameters
        try:
            if result != ActionResult.SUCCESS:
                raise SecurityError(f"HLS pass 3 refused: the server answered "
                                    f"reply_to_HLS_authentication with {result.name}")
            if not isinstance(f, OctetString):
                raise SecurityError("HLS pass 4: the response carries no f(CtoS) "
                                    "octet-string")
            verify_f(Party.SERVER, f.value, exchange, self._config, self._ciphering,
                     counter_floor=floor)
        except SecurityError:
            self._move(Primitive.HLS_REPLY_REFUSED)
            raise
        self._move(Primitive.HLS_REPLY_ACCEPTED)
        return ReplyToHlsConfirm(invoke_id_and_priority=invoke, result=result)

    def _on_rlre(self, apdu: bytes) -> ReleaseConfirm:
        rlre = decode_acse_apdu(apdu)
        if not isinstance(rlre, RLRE):  # the caller checked the tag
            raise RemoteProtocolError("expected an RLRE")
        initiate = None
        if rlre.user_information is not None:
            plain = self._plain_user_information(rlre.user_information,
                                                 ciphered_required=self._config.ciphered)
            initiate, error = self._decode_ui(plain, "RLRE.user_information")
            if error is not None:
                raise RemoteProtocolError("the RLRE carries a ConfirmedServiceError")
        self._check_receive(Primitive.RELEASE_RESPONSE)
        self._move(Primitive.RELEASE_RESPONSE)
        return ReleaseConfirm(rlre=rlre, reason=rlre.reason, initiate_response=initiate)
