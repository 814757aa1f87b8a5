"""The application layer of one client SAP on one connection: the SERVER role of the
association machine (AARQ/AARE, HLS passes 3 and 4, RLRQ/RLRE, ciphering) and of the
services machine (GET/SET/ACTION, blocks, GBT), served by the meter's COSEM model.

Routing of a received APDU (IEC 62056-5-3; Green Book 9.4.2):

* ACSE APDUs, and every xDLMS APDU until the association is established (HLS pass 3
  included), go to the association machine; a new AARQ while no association exists builds a
  fresh machine from the meter's current offer (:meth:`Meter.server_config`);
* once associated, xDLMS APDUs go to the services machine, which protects and unprotects
  them through the association's ciphering and asks the COSEM model through
  :class:`CosemHandler`;
* whatever a machine refuses is answered as its ``response_hint`` says (a rejecting AARE,
  an exception-response, a failed ACTION, or nothing) and logged.

An AARQ from a client SAP the meter offers nothing to is rejected (rejected-permanent,
acse-service-user no-reason-given); other APDUs from it are discarded.
"""

from __future__ import annotations

import logging

from conformance.codec.acse.aare import AARE
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.names import AcseServiceUserDiagnostic, AssociationResult
from conformance.codec.axdr import Data
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemMethodDescriptor,
    GetDataResult,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.errors import (
    CodecError,
    ConformanceError,
    LocalProtocolError,
    RemoteProtocolError,
    SecurityError,
)
from conformance.plan import Protection
from conformance.protocol.association import (
    Abort,
    AssociateIndication,
    AssociateResponse,
    AssociationState,
    Ciphering,
    ReleaseIndication,
    ReleaseResponse,
    ReplyToHlsIndication,
    ReplyToHlsResponse,
    SecurityPolicy,
    ServerAssociation,
)
from conformance.protocol.services import ServerServices, ServicesConfig
from conformance.security.keywrap import KeyTransferId
from conformance.simulator.cosem import AssociationHooks, RequestContext, SecuritySetup
from conformance.simulator.meter import Meter
from conformance.simulator.services_faults import services_deviations
from conformance.simulator.state import AssociationCounters, StateFileError

__all__ = ["Application", "CosemHandler"]

_log = logging.getLogger(__name__)

_PROTECTION = {
    SecurityPolicy.NONE: Protection.NONE,
    SecurityPolicy.AUTHENTICATED: Protection.AUTHENTICATED,
    SecurityPolicy.ENCRYPTED: Protection.ENCRYPTED,
    SecurityPolicy.AUTHENTICATED_ENCRYPTED: Protection.AUTHENTICATED_AND_ENCRYPTED,
}


class _Hooks(AssociationHooks):
    """What the COSEM model tells the association: changes take effect with the next
    association (its offer is rebuilt from the objects for every AARQ)."""

    def __init__(self, where: str) -> None:
        self.where = where

    def keys_changed(self, setup: SecuritySetup, key_ids: tuple[KeyTransferId, ...]) -> None:
        _log.info("%s: %s changed key(s) %s; in force from the next association", self.where,
                  setup, ", ".join(k.name for k in key_ids))

    def security_policy_changed(self, setup: SecuritySetup) -> None:
        _log.info("%s: %s security policy is now %s; in force from the next association",
                  self.where, setup, setup.security_policy)


class CosemHandler:
    """The services machine's :class:`~conformance.protocol.services.ServiceHandler`:
    every request goes to the meter's logical device with the association's context (its
    name, and the protection of the request APDU as the ciphering saw it)."""

    def __init__(self, meter: Meter, association: str, ciphering: Ciphering,
                 hooks: AssociationHooks) -> None:
        self._meter = meter
        self._association = association
        self._ciphering = ciphering
        self._hooks = hooks

    def _context(self) -> RequestContext:
        protection = _PROTECTION[self._ciphering.last_received.policy]
        return RequestContext(association=self._association, protection=protection,
                              hooks=self._hooks)

    def get(self, descriptor: CosemAttributeDescriptor,
            selective_access: SelectiveAccessDescriptor | None, /) -> GetDataResult:
        """GET through the logical device."""
        return self._meter.device.get(self._context(), descriptor, selective_access)

    def set(self, descriptor: CosemAttributeDescriptor,
            selective_access: SelectiveAccessDescriptor | None, value: Data, /
            ) -> DataAccessResult:
        """SET through the logical device."""
        return self._meter.device.set(self._context(), descriptor, selective_access, value)

    def action(self, descriptor: CosemMethodDescriptor, parameters: Data | None, /
               ) -> tuple[ActionResult, GetDataResult | None]:
        """ACTION through the logical device."""
        return self._meter.device.action(self._context(), descriptor, parameters)


class Application:
    """Association and services of one client SAP on one connection."""

    def __init__(self, meter: Meter, client_sap: int, *, where: str) -> None:
        self.meter = meter
        self.client_sap = client_sap
        self.where = f"{where} client {client_sap}"
        self._association: ServerAssociation | None = None
        self._services: ServerServices | None = None

    @property
    def association(self) -> ServerAssociation | None:
        """The association machine (``None`` before the first AARQ)."""
        return self._association

    @property
    def associated(self) -> bool:
        """True while an association is established (and authenticated)."""
        return self._association is not None and self._association.associated

    def handle(self, apdu: bytes) -> list[bytes]:
        """Serve one APDU from the client; the APDUs to answer with, in order. When the
        meter cannot answer at all (no invocation counter can be persisted or is left, an
        answer no frame can carry), nothing is sent and the reason is logged."""
        if not apdu:
            return []
        try:
            return self._handle(apdu)
        except (LocalProtocolError, SecurityError, StateFileError) as exc:
            _log.warning("%s: APDU 0x%02X left unanswered: %s", self.where, apdu[0], exc)
            return []

    def _handle(self, apdu: bytes) -> list[bytes]:
        association = self._association
        idle = association is None or association.state is AssociationState.IDLE
        if idle and apdu[0] == AARQ.TAG:
            association = self._new_association(apdu)
            if association is None:
                return self._reject_unknown_client(apdu)
        if association is None:
            _log.info("%s: APDU 0x%02X of %d octets discarded: no association is offered to "
                      "this client", self.where, apdu[0], len(apdu))
            return []
        if association.accepts(apdu):
            return self._to_association(association, apdu)
        services = self._services
        if services is None:  # associated always has services
            return []
        try:
            services.receive(apdu)
        except RemoteProtocolError as exc:
            _log.info("%s: request refused: %s", self.where, exc)
            answer = exc.response_hint
            return ([answer] if isinstance(answer, bytes) and answer else []) \
                + services.data_to_send()
        return services.data_to_send()

    def abort(self, reason: str) -> None:
        """The supporting layer is gone: forget the association (A-ABORT)."""
        association = self._association
        if association is not None and association.state is not AssociationState.IDLE:
            association.send(Abort())
            _log.info("%s: association aborted: %s", self.where, reason)
        self._services = None

    # -- internals -----------------------------------------------------------------------
    def _new_association(self, aarq: bytes) -> ServerAssociation | None:
        if self.meter.association_name(self.client_sap) is None:
            return None
        self._services = None
        self._association = ServerAssociation(
            self.meter.server_config(self.client_sap), client_sap=self.client_sap,
            counters=AssociationCounters(self.meter.counters))
        return self._association

    def _to_association(self, association: ServerAssociation, apdu: bytes) -> list[bytes]:
        try:
            event = association.receive(apdu)
        except RemoteProtocolError as exc:
            _log.info("%s: %s", self.where, exc)
            self._services = None if not association.associated else self._services
            hint = exc.response_hint
            return [hint] if isinstance(hint, bytes) and hint else []
        name = self.meter.association_name(self.client_sap)
        if isinstance(event, AssociateIndication):
            answer = association.send(AssociateResponse())
            if association.associated:
                self._start_services(association)
                _log.info("%s: association %r established", self.where, name)
            else:
                _log.info("%s: association %r accepted, HLS authentication pending",
                          self.where, name)
                if association.offered.server_deviations.serve_before_authentication:
                    # FAULT HOOK: requests served before pass 3 (serve-before-pass3; imitates
                    # meters serving after the AARE): the machine leaves every request but
                    # reply_to_HLS_authentication to the services, started now.
                    self._start_services(association)
            return [answer] if answer else []
        if isinstance(event, ReplyToHlsIndication):
            answer = association.send(ReplyToHlsResponse())
            self._start_services(association)
            _log.info("%s: association %r authenticated (HLS pass 4)", self.where, name)
            return [answer]
        if isinstance(event, ReleaseIndication):
            answer = association.send(ReleaseResponse())
            self._services = None
            _log.info("%s: association %r released", self.where, name)
            return [answer]
        _log.warning("%s: unexpected %s from the association machine", self.where,
                     type(event).__name__)
        return []

    def _start_services(self, association: ServerAssociation) -> None:
        negotiated = association.negotiated
        name = self.meter.association_name(self.client_sap)
        if negotiated is None or name is None:  # an established association has both
            return
        config = ServicesConfig(
            conformance=negotiated.negotiated_conformance,
            client_max_receive_pdu_size=negotiated.client_max_receive_pdu_size,
            server_max_receive_pdu_size=negotiated.server_max_receive_pdu_size)
        handler = CosemHandler(self.meter, name, association.ciphering, _Hooks(self.where))
        self._services = ServerServices(config, handler, protection=association.ciphering,
                                        deviations=services_deviations(self.meter.faults))

    def _reject_unknown_client(self, apdu: bytes) -> list[bytes]:
        try:
            aarq = decode_acse_apdu(apdu)
        except CodecError as exc:
            _log.info("%s: malformed AARQ from a client the meter does not know: %s",
                      self.where, exc)
            return []
        if not isinstance(aarq, AARQ):
            return []
        _log.info("%s: AARQ rejected: no association is offered to this client SAP",
                  self.where)
        try:
            return [AARE(application_context_name=aarq.application_context_name,
                         result=AssociationResult.REJECTED_PERMANENT,
                         result_source_diagnostic=AcseServiceUserDiagnostic.NO_REASON_GIVEN
                         ).to_bytes()]
        except (ConformanceError, ValueError) as exc:  # an unencodable context name
            _log.info("%s: no AARE for that AARQ: %s", self.where, exc)
            return []
