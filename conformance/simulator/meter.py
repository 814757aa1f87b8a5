"""The reference meter built from a test plan: its COSEM logical device, the associations
it offers (keyed by client SAP), its HDLC and wrapper addressing, its active faults and its
invocation counters.

A :class:`Meter` is shared by every connection of a running meter: the COSEM model is
guarded by its lock (:attr:`Meter.lock`, one request at a time), the counters by
:class:`~conformance.simulator.state.CounterState` itself; the association and services
machines belong to one connection each.

The associations offered
------------------------
Every plan association expected to be *accepted* is offered to its client SAP (the HDLC
client address, the wrapper source wPort). A plan may describe negative tests with the same
SAP (``expect: rejected``, e.g. a wrong password): those are the client's mistakes, not the
meter's configuration, and are not offered. Two accepted associations on one SAP are a plan
error. The offer is rebuilt from the live COSEM objects for every AARQ, so a secret changed
through the Association LN object (SET ``secret``, ``change_HLS_secret``) or keys changed
through the Security setup object (``key_transfer``, ``key_agreement``,
``security_activate``) apply from the next association on.

* application context, mechanism, security suite, conformance (``claims.conformance``, else
  what the association proposes) and server-max-receive-pdu-size (``claims``) from the plan;
* password (LLS) or HLS secret: the Association LN object's ``secret`` (initially the plan's);
* keys, security policy (its *request* bits: what the meter requires and answers in kind),
  signing keys: the association's Security setup object (initially the plan's);
* system titles: ``server.system_title`` (or the association's ``server_system_title``);
  the client's from ``client_system_title``.

The invocation counter objects 0.0.43.1.x.255 show the last counter the meter accepted
from that association's client with its current EK (0 before the first, and again after
key_transfer replaced EK: counters belong to keys): its next counter must be greater
(dlms-notes failure 2).

Association and security faults are applied to the offer by
:func:`~conformance.simulator.offer_faults.with_faults`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.codec.hdlc import LLC_REQUEST, HdlcAddress
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import ConformanceError, PlanError
from conformance.plan import Association, Expectation, MeterPlan, Protection
from conformance.protocol.association import (
    CounterKey,
    OfferedAssociation,
    SecurityPolicy,
    ServerConfig,
)
from conformance.protocol.hdlc import (
    MAX_WINDOW_SIZE,
    HdlcConfig,
    ServerDeviations,
    max_information_length,
)
from conformance.protocol.wrapper import WrapperDeviations
from conformance.security import SecurityKeys, SecuritySuite
from conformance.simulator.cosem import (
    AssociationLN,
    Clock,
    LogicalDevice,
    SecuritySetup,
    TimeSource,
    build_logical_device,
    system_time,
)
from conformance.simulator.cosem.security_setup import SecurityPolicy as SetupPolicy
from conformance.simulator.fault_catalogue.link import LinkFault
from conformance.simulator.fault_catalogue.security import SecurityFault
from conformance.simulator.faults import FaultSet
from conformance.simulator.offer_faults import with_faults
from conformance.simulator.state import CounterState
from conformance.transport import IdentificationMessage

__all__ = ["Meter"]

_log = logging.getLogger(__name__)

_POLICIES = {
    Protection.NONE: SecurityPolicy.NONE,
    Protection.AUTHENTICATED: SecurityPolicy.AUTHENTICATED,
    Protection.ENCRYPTED: SecurityPolicy.ENCRYPTED,
    Protection.AUTHENTICATED_AND_ENCRYPTED: SecurityPolicy.AUTHENTICATED_ENCRYPTED,
}
_DEFAULT_MODE_E_MANUFACTURER = "CNF"
"""Manufacturer id of the mode E identification when the plan gives none."""
_MODE_E_BAUD_IDS = {300: "0", 600: "1", 1200: "2", 2400: "3", 4800: "4", 9600: "5",
                    19200: "6"}


class Meter:
    """One reference meter (see the module docstring).

    ``faults`` are fault names (:mod:`conformance.simulator.faults`), ``state_dir`` keeps
    the invocation counters across restarts (``None``: in memory), ``time_source`` drives
    the COSEM clock (tests inject a fixed one). :class:`PlanError` when the plan describes
    a meter this simulator cannot be; close the meter with :meth:`close`.
    """

    def __init__(self, plan: MeterPlan, *, faults: Iterable[str] = (),
                 state_dir: str | os.PathLike[str] | None = None,
                 time_source: TimeSource = system_time) -> None:
        self.plan = plan
        """The plan the meter was built from."""
        self._faults = FaultSet(faults)
        self.associations: Mapping[int, Association] = MappingProxyType(_offered(plan))
        """The plan association offered to each client SAP."""
        if plan.server.system_title is None and any(
                a.ciphered or a.mechanism.is_hls for a in self.associations.values()):
            raise PlanError(f"meter {plan.name!r}: the reference meter needs "
                            "server.system_title for its ciphered/HLS associations")
        self.hdlc_address = HdlcAddress.server(
            plan.addressing.server_logical, plan.addressing.server_physical,
            size=plan.addressing.server_address_size)
        """The meter's HDLC server address."""
        self.counters = CounterState(
            plan.name, state_dir=state_dir, first=plan.server.invocation_counter,
            restore=not self._faults.active(SecurityFault.RESET_COUNTERS_ON_RESTART))
        """Invocation counters (persisted with a state directory)."""
        try:
            self.device: LogicalDevice = build_logical_device(
                plan, time_source=time_source, counter_source=self._client_counter,
                faults=self._faults.names)
            """The COSEM logical device."""
            for sap in self.associations:
                self.offered(sap)  # every offer must be buildable now, not at the AARQ
        except BaseException:
            self.counters.close()
            raise

    @property
    def lock(self) -> threading.RLock:
        """The COSEM model's lock: one request of one connection at a time."""
        return self.device.lock

    # -- identity ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The plan's meter name."""
        return self.plan.name

    @property
    def faults(self) -> FaultSet:
        """The active faults: ``meter.faults.active("name")`` where a deviation happens."""
        return self._faults

    def set_faults(self, names: Iterable[str]) -> None:
        """Switch to the fault set ``names`` (takes effect with the next request; link
        faults with the next connection)."""
        faults = FaultSet(names)
        with self.lock:
            self._faults = faults
            self.device.faults = faults.names
        _log.info("meter %s: faults %s", self.name, faults)

    @property
    def clock(self) -> Clock | None:
        """The COSEM clock object, if the plan has one."""
        return next((o for o in self.device if isinstance(o, Clock)), None)

    # -- links ------------------------------------------------------------------------------
    @property
    def wrapper_port(self) -> int:
        """The meter's wrapper wPort (the logical device)."""
        return self.plan.addressing.server_wport

    @property
    def inactivity_timeout(self) -> float:
        """Seconds without traffic before an HDLC link falls back to NDM."""
        return float(self.plan.transport.timeouts.inactivity)

    @property
    def max_receive_pdu_size(self) -> int:
        """server-max-receive-pdu-size (``claims``; 65535 when not claimed)."""
        size = self.plan.claims.max_receive_pdu_size
        return 0xFFFF if size is None else size

    def hdlc_config(self) -> HdlcConfig:
        """The HDLC server configuration: this meter's address, any client, the HDLC
        parameters the plan claims (``claims.hdlc``, else the defaults 128 octets / window
        1), the plan's inactivity timeout, the deviations of the active HDLC faults."""
        claimed = self.plan.claims.hdlc
        config = HdlcConfig(server_address=self.hdlc_address,
                            inactivity_timeout=self.inactivity_timeout or None,
                            server_deviations=self._hdlc_deviations())
        if claimed is None:
            return config
        return dataclasses.replace(
            config, max_info_field_length_transmit=claimed.max_info_field_tx,
            max_info_field_length_receive=claimed.max_info_field_rx,
            window_size_transmit=claimed.window_tx, window_size_receive=claimed.window_rx)

    def _hdlc_deviations(self) -> ServerDeviations:
        """The HDLC faults (:class:`LinkFault`) as the machine's server deviations (the
        FAULT HOOKs of :mod:`conformance.protocol.hdlc`); no-llc wins over wrong-llc."""
        on = self._faults.active
        llc = b"" if on(LinkFault.NO_LLC) else LLC_REQUEST if on(LinkFault.WRONG_LLC) else None
        return ServerDeviations(
            ua_states_capabilities=on(LinkFault.UA_EXCEEDS_PROPOSAL),
            segment_length=(max_information_length(self.hdlc_address)
                            if on(LinkFault.OVERSIZED_FRAMES) else None),
            wrong_fcs=on(LinkFault.BAD_FCS), wrong_hcs=on(LinkFault.BAD_HCS), llc_header=llc,
            i_frame_receive_sequence_offset=7 if on(LinkFault.WRONG_NR) else 0,
            serve_i_frames_when_disconnected=on(LinkFault.ANSWERS_BEFORE_SNRM),
            ua_to_disc_when_disconnected=on(LinkFault.UA_FOR_DISC_WHEN_DISCONNECTED),
            transmit_window=MAX_WINDOW_SIZE if on(LinkFault.WINDOW_OVERRUN) else None,
            repeat_segment_on_rr=on(LinkFault.IGNORES_RR),
            answer_any_server_address=on(LinkFault.ANSWERS_FOREIGN_ADDRESS))

    def wrapper_deviations(self) -> WrapperDeviations:
        """The wrapper faults (:class:`LinkFault`) as the wrapper machine's deviations
        (the FAULT HOOKs of :mod:`conformance.protocol.wrapper`)."""
        on = self._faults.active
        return WrapperDeviations(
            version=0x0002 if on(LinkFault.WRONG_WRAPPER_VERSION) else None,
            length_offset=-1 if on(LinkFault.WRAPPER_LENGTH_MISMATCH) else 0,
            swap_wports=on(LinkFault.SWAPPED_WPORTS))

    @property
    def identification(self) -> IdentificationMessage:
        """The IEC 62056-21 mode E identification message: the plan's serial transport
        ``mode_e`` settings when it has them, else manufacturer ``CNF``, 9600 baud, the
        meter name (at most 16 characters) as identification."""
        mode_e = getattr(self.plan.transport, "mode_e", None)
        manufacturer = getattr(mode_e, "manufacturer", None) or _DEFAULT_MODE_E_MANUFACTURER
        baudrate = getattr(mode_e, "baudrate", None) or 9600
        ident = getattr(mode_e, "identification", None)
        if ident is None:
            ident = "".join(c for c in self.name if c.isascii() and c.isprintable()
                            and c not in "/!")[:16].lstrip("\\")
        try:
            return IdentificationMessage(manufacturer_id=manufacturer,
                                         baud_rate_id=_MODE_E_BAUD_IDS[baudrate],
                                         identification=ident)
        except KeyError:
            raise PlanError(f"meter {self.name!r}: mode E baud rate {baudrate} is not one "
                            f"of {sorted(_MODE_E_BAUD_IDS)}") from None

    # -- associations ------------------------------------------------------------------------
    def association_name(self, client_sap: int) -> str | None:
        """The plan association offered to ``client_sap`` (``None``: none)."""
        assoc = self.associations.get(client_sap)
        return None if assoc is None else assoc.name

    def server_config(self, client_sap: int) -> ServerConfig:
        """The association machine's configuration for one AARQ from ``client_sap``: the
        offer built from the live COSEM objects (empty when nothing is offered)."""
        offered = self.offered(client_sap)
        return ServerConfig(associations={} if offered is None else {client_sap: offered})

    def offered(self, client_sap: int) -> OfferedAssociation | None:
        """What the meter offers ``client_sap`` now (see the module docstring)."""
        assoc = self.associations.get(client_sap)
        if assoc is None:
            return None
        with self.lock:
            link = self.device.association_object(assoc.name)
            setup = next((o for o in self.device if isinstance(o, SecuritySetup)
                          and o.association == assoc.name), None)
        try:
            return with_faults(_offer(self.plan, assoc, link if isinstance(link, AssociationLN)
                                      else None, setup), self._faults)
        except (ValueError, ConformanceError) as exc:
            raise PlanError(f"meter {self.name!r}, association {assoc.name!r}: the meter "
                            f"cannot offer it: {exc}") from None

    def _client_counter(self, association: str) -> int:
        """The invocation counter objects' value: the last counter accepted from the
        association's client with its current EK (0 before the first, and after a new EK)."""
        sap = next((s for s, a in self.associations.items() if a.name == association), None)
        title = None if sap is None else self.associations[sap].client_system_title
        offered = None if sap is None or title is None else self.offered(sap)
        if offered is None or offered.keys.encryption_key is None or title is None:
            return 0
        last = self.counters.last_accepted(CounterKey.of(offered.keys.block_cipher_key(),
                                                         title))
        return 0 if last is None else last

    def close(self) -> None:
        """Release the state directory (every counter is already on disk)."""
        self.counters.close()

    def __repr__(self) -> str:
        return (f"Meter({self.name!r}, {len(self.associations)} association(s), "
                f"faults: {self._faults})")


def _offered(plan: MeterPlan) -> dict[int, Association]:
    table: dict[int, Association] = {}
    for assoc in plan.associations:
        if assoc.expect is not Expectation.ACCEPTED:
            continue
        other = table.get(assoc.client_address)
        if other is not None:
            raise PlanError(f"meter {plan.name!r}: associations {other.name!r} and "
                            f"{assoc.name!r} are both accepted at client SAP "
                            f"{assoc.client_address}; the meter can offer only one")
        table[assoc.client_address] = assoc
    if not table:
        raise PlanError(f"meter {plan.name!r}: no association is expected to be accepted; "
                        "the reference meter would offer nothing")
    return table


def _offer(plan: MeterPlan, assoc: Association, link: AssociationLN | None,
           setup: SecuritySetup | None) -> OfferedAssociation:
    claims = plan.claims
    if link is not None:
        secret: bytes | None = link.secret or None
    else:
        stored = assoc.password or assoc.secret
        secret = None if stored is None else stored.reveal()
    if setup is not None:
        keys = setup.keys
        policy = _setup_policy(setup.security_policy)
        signing = setup.server_signing_key
        peer_key = setup.client_signing_public_key
    else:
        keys = SecurityKeys(
            encryption_key=None if assoc.keys.ek is None else assoc.keys.ek.reveal(),
            authentication_key=None if assoc.keys.ak is None else assoc.keys.ak.reveal(),
            master_key=None if assoc.keys.kek is None else assoc.keys.kek.reveal())
        policy = _POLICIES[assoc.policy.request]
        signing = _private_key(assoc)
        peer_key = _public_key(assoc.keys.client_signing_public_key)
    conformance = claims.conformance or assoc.proposed_conformance
    return OfferedAssociation(
        application_context_name=ApplicationContextName(assoc.context.number),
        mechanism=MechanismName(int(assoc.mechanism)),
        secret=secret,
        system_title=assoc.server_system_title or plan.server.system_title,
        peer_system_title=assoc.client_system_title,
        keys=dataclasses.replace(keys, dedicated_key=None),
        security_suite=SecuritySuite(assoc.suite or 0),
        security_policy=policy if assoc.ciphered else SecurityPolicy.NONE,
        signing_key=signing, peer_signing_key=peer_key,
        supported_conformance=Conformance(conformance.value),
        server_max_receive_pdu_size=(0xFFFF if claims.max_receive_pdu_size is None
                                     else claims.max_receive_pdu_size))


def _setup_policy(bits: SetupPolicy) -> SecurityPolicy:
    """The request bits of a Security setup (version 1) policy as the machine's policy."""
    auth = bool(bits & SetupPolicy.AUTHENTICATED_REQUEST)
    enc = bool(bits & SetupPolicy.ENCRYPTED_REQUEST)
    if auth and enc:
        return SecurityPolicy.AUTHENTICATED_ENCRYPTED
    if auth:
        return SecurityPolicy.AUTHENTICATED
    return SecurityPolicy.ENCRYPTED if enc else SecurityPolicy.NONE


def _private_key(assoc: Association) -> ec.EllipticCurvePrivateKey | None:
    secret = assoc.keys.server_signing_key
    if secret is None:
        return None
    key = serialization.load_pem_private_key(secret.reveal(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("server_signing_key is not an EC private key")
    return key


def _public_key(pem: bytes | None) -> ec.EllipticCurvePublicKey | None:
    if pem is None:
        return None
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("client_signing_public_key is not an EC public key")
    return key
