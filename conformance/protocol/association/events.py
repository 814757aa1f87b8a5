"""Events of the association machine, named after the ACSE service primitives.

A sender passes a ``*Request`` / ``*Response`` event to ``send()``; the peer's
``receive()`` returns the matching ``*Indication`` / ``*Confirm`` event carrying what the
APDU said, decoded (IEC 62056-5-3 / Green Book 9.4.2: A-ASSOCIATE, A-RELEASE; 9.2.7.4:
reply_to_HLS_authentication, HLS passes 3 and 4).

=========================  =================  ===============================
client sends               server receives    primitive
=========================  =================  ===============================
AssociateRequest           AssociateIndication  associate-request
ReplyToHlsRequest          ReplyToHlsIndication hls-reply-request
ReleaseRequest             ReleaseIndication  release-request
=========================  =================  ===============================

=========================  =================  ===============================
server sends               client receives    primitive
=========================  =================  ===============================
AssociateResponse          AssociateConfirm   associate-accepted / -rejected /
                                              -authentication-required
ReplyToHlsResponse         ReplyToHlsConfirm  hls-reply-accepted / -refused
ReleaseResponse            ReleaseConfirm     release-response
=========================  =================  ===============================

``Abort`` is local: either side sends it when the supporting layer is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.codec.acse.aare import AARE, AssociateSourceDiagnostic
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.names import (
    AcseServiceUserDiagnostic,
    ApplicationContextName,
    AssociationResult,
    MechanismName,
    ReleaseRequestReason,
    ReleaseResponseReason,
)
from conformance.codec.acse.release import RLRE, RLRQ
from conformance.codec.xdlms.confirmed_service_error import ConfirmedServiceError
from conformance.codec.xdlms.enums import ActionResult
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest, InitiateResponse
from conformance.protocol.association.table import Primitive

__all__ = [
    "Abort",
    "AssociateConfirm",
    "AssociateIndication",
    "AssociateRequest",
    "AssociateResponse",
    "Event",
    "NegotiatedParameters",
    "ReceivedEvent",
    "ReleaseConfirm",
    "ReleaseIndication",
    "ReleaseRequest",
    "ReleaseResponse",
    "ReplyToHlsConfirm",
    "ReplyToHlsIndication",
    "ReplyToHlsRequest",
    "ReplyToHlsResponse",
    "SentEvent",
]


# -- sent -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class AssociateRequest:
    """Client: send the AARQ built from the configuration."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AssociateResponse:
    """Server: send the AARE that accepts the indicated association (the rejections are
    raised by ``receive()`` with the AARE as ``response_hint``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyToHlsRequest:
    """Client: HLS pass 3, ACTION reply_to_HLS_authentication (method 1 of the current
    Association LN object 0.0.40.0.0.255, class 15) with f(StoC)."""

    invoke_id_and_priority: int = 0xC1
    """Raw Invoke-Id-And-Priority byte of the ACTION request."""

    def __post_init__(self) -> None:
        if not 0 <= self.invoke_id_and_priority <= 0xFF:
            raise ValueError("invoke_id_and_priority is one byte")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyToHlsResponse:
    """Server: HLS pass 4, the ACTION response with f(CtoS) (the refusal of a wrong
    f(StoC) is raised by ``receive()`` with the failed response as ``response_hint``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseRequest:
    """Client: send an RLRQ."""

    reason: ReleaseRequestReason | None = ReleaseRequestReason.NORMAL
    """Release-request-reason (None: absent)."""
    user_information: bool = False
    """Carry the InitiateRequest (ciphered in a ciphered context), Green Book 9.4.2.2.4."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseResponse:
    """Server: send the RLRE (with an InitiateResponse when the RLRQ carried an
    InitiateRequest)."""

    reason: ReleaseResponseReason | None = ReleaseResponseReason.NORMAL
    """Release-response-reason (None: absent)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Abort:
    """Either side: the supporting layer is gone (HDLC DISC, TCP closed); back to IDLE."""


SentEvent = (AssociateRequest | AssociateResponse | ReplyToHlsRequest | ReplyToHlsResponse
             | ReleaseRequest | ReleaseResponse | Abort)
"""Every event ``send()`` takes."""


# -- negotiated -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class NegotiatedParameters:
    """What the association agreed (Green Book 9.4.2, xDLMS InitiateRequest/Response)."""

    application_context_name: ApplicationContextName
    mechanism: MechanismName
    proposed_conformance: Conformance
    """The client's proposed-conformance."""
    negotiated_conformance: Conformance
    """The server's negotiated-conformance as sent."""
    client_max_receive_pdu_size: int
    server_max_receive_pdu_size: int
    dlms_version: int
    """negotiated-dlms-version-number."""
    vaa_name: int
    client_system_title: bytes | None
    server_system_title: bytes | None
    dedicated_key: bool = False
    """True when the InitiateRequest established a dedicated key (the key itself lives in
    the ciphering object only)."""

    @property
    def conformance_within_proposal(self) -> bool:
        """False when the server granted a bit the client did not propose (failure #11)."""
        return not int(self.negotiated_conformance) & ~int(self.proposed_conformance)

    @property
    def excess_conformance(self) -> Conformance:
        """Bits granted without having been proposed (empty when conformant)."""
        return Conformance(int(self.negotiated_conformance)
                           & ~int(self.proposed_conformance) & 0xFFFFFF)


# -- received ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class AssociateIndication:
    """Server: an acceptable AARQ arrived; ``send(AssociateResponse())`` answers it."""

    aarq: AARQ
    initiate_request: InitiateRequest
    """Deciphered when the AARQ carried a ciphered one."""
    negotiated: NegotiatedParameters
    """What the AARE will grant."""
    authentication_required: bool
    """True for HLS: the AARE says authentication-required and carries StoC."""
    response_allowed: bool
    """False: the client asked for no AARE (``send`` then returns no bytes)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AssociateConfirm:
    """Client: the AARE, decoded and checked."""

    aare: AARE
    result: AssociationResult
    result_source_diagnostic: AssociateSourceDiagnostic
    initiate_response: InitiateResponse | None
    """Deciphered when ciphered; None when the AARE carried none."""
    confirmed_service_error: ConfirmedServiceError | None
    """The xDLMS refusal of a rejected association (e.g. dlms-version-too-low)."""
    negotiated: NegotiatedParameters | None
    """None unless accepted."""
    responding_ap_title: bytes | None
    """The server system title."""
    stoc: bytes | None = field(default=None, repr=False)
    """The HLS challenge StoC (pass 2)."""

    @property
    def accepted(self) -> bool:
        """True when the association was accepted (possibly pending authentication)."""
        return self.result == AssociationResult.ACCEPTED

    @property
    def authentication_required(self) -> bool:
        """True when HLS passes 3 and 4 must follow."""
        return (self.accepted and self.result_source_diagnostic
                == AcseServiceUserDiagnostic.AUTHENTICATION_REQUIRED)

    @property
    def conformance_within_proposal(self) -> bool | None:
        """False when the server granted more than proposed (None unless accepted)."""
        return None if self.negotiated is None else self.negotiated.conformance_within_proposal


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyToHlsIndication:
    """Server: pass 3 arrived and f(StoC) verified; ``send(ReplyToHlsResponse())`` answers
    with f(CtoS)."""

    invoke_id_and_priority: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyToHlsConfirm:
    """Client: pass 4 arrived and f(CtoS) verified; the association is authenticated."""

    invoke_id_and_priority: int
    result: ActionResult


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseIndication:
    """Server: an RLRQ arrived; ``send(ReleaseResponse())`` answers it."""

    rlrq: RLRQ
    reason: ReleaseRequestReason | None
    initiate_request: InitiateRequest | None
    """Deciphered when ciphered; None when the RLRQ carried none."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseConfirm:
    """Client: the RLRE arrived; the association is released."""

    rlre: RLRE
    reason: ReleaseResponseReason | None
    initiate_response: InitiateResponse | None


ReceivedEvent = (AssociateIndication | AssociateConfirm | ReplyToHlsIndication
                 | ReplyToHlsConfirm | ReleaseIndication | ReleaseConfirm)
"""Every event ``receive()`` returns."""

Event = SentEvent | ReceivedEvent
"""Any event of the machine."""

SENT_PRIMITIVES: dict[type, Primitive] = {
    AssociateRequest: Primitive.ASSOCIATE_REQUEST,
    ReplyToHlsRequest: Primitive.HLS_REPLY_REQUEST,
    ReleaseRequest: Primitive.RELEASE_REQUEST,
    ReleaseResponse: Primitive.RELEASE_RESPONSE,
    Abort: Primitive.ABORT,
}
"""The primitive of the sent events whose outcome is fixed (AssociateResponse and
ReplyToHlsResponse depend on what was received)."""
