"""A minimal test client for the reference meter: the codec and the CLIENT role of the
protocol machines over a transport, with bounded waits (no conformance.client code, so the
meter is checked against the machines and the codec directly)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.codec.hdlc import NEED_DATA, HdlcAddress
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor
from conformance.errors import TransportTimeout
from conformance.plan import MeterPlan
from conformance.protocol import wrapper
from conformance.protocol.association import (
    AssociateRequest,
    AssociationConfig,
    AssociationState,
    ClientAssociation,
    Deviations,
    InvocationCounterStore,
    ReleaseRequest,
    ReplyToHlsRequest,
    SecurityPolicy,
)
from conformance.protocol.hdlc import (
    Connect,
    Connected,
    Data,
    Disconnect,
    Disconnected,
    HdlcConfig,
    HdlcMachine,
    Role,
)
from conformance.protocol.services import ClientServices, Get, GetConfirm, ServicesConfig
from conformance.security import SecurityKeys, SecuritySuite
from conformance.transport import Transport

LOGICAL_DEVICE_NAME = CosemAttributeDescriptor(
    class_id=1, instance_id=ObisCode.parse("0.0.42.0.0.255"), attribute_id=2)
"""Logical device name, value (class 1, 0.0.42.0.0.255, attribute 2)."""
WAIT = 3.0
"""Longest wait for one answer, seconds."""


class HdlcClient:
    """An HDLC primary station on ``transport`` talking to ``server``."""

    def __init__(self, transport: Transport, *, client_sap: int, server: HdlcAddress,
                 wait: float = WAIT) -> None:
        self.transport = transport
        self.wait = wait
        self.machine = HdlcMachine(Role.CLIENT, HdlcConfig(
            server_address=server, client_address=HdlcAddress.client(client_sap)))

    def _await(self, wanted: tuple[type, ...]) -> object:
        deadline = time.monotonic() + self.wait
        while True:
            event = self.machine.next_event()
            if event is NEED_DATA:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TransportTimeout(f"no {wanted} within {self.wait} s")
                try:
                    data = self.transport.recv(4096, min(remaining, 0.2))
                except TransportTimeout:
                    continue
                self.machine.receive_data(data, now=time.monotonic())
                out = self.machine.data_to_send()
                if out:
                    self.transport.send(out)
                continue
            if isinstance(event, wanted):
                return event

    def connect(self) -> Connected:
        self.transport.send(self.machine.send(Connect(), now=time.monotonic()))
        event = self._await((Connected,))
        assert isinstance(event, Connected)
        return event

    def request(self, apdu: bytes) -> bytes:
        self.transport.send(self.machine.send(Data(apdu=apdu), now=time.monotonic()))
        event = self._await((Data,))
        assert isinstance(event, Data)
        return event.apdu

    def disconnect(self) -> None:
        self.transport.send(self.machine.send(Disconnect(), now=time.monotonic()))
        self._await((Disconnected,))


class WrapperClient:
    """A wrapper end with wPort ``client_sap`` talking to the meter's ``server_wport``."""

    def __init__(self, transport: Transport, *, client_sap: int, server_wport: int,
                 wait: float = WAIT) -> None:
        self.transport = transport
        self.wait = wait
        self.machine = wrapper.WrapperMachine(wrapper.WrapperConfig(
            local_wport=client_sap, remote_wport=server_wport))

    def request(self, apdu: bytes) -> bytes:
        self.transport.send(self.machine.send(wrapper.Data(apdu=apdu)))
        deadline = time.monotonic() + self.wait
        while True:
            event = self.machine.next_event()
            if isinstance(event, wrapper.Data):
                return event.apdu
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransportTimeout(f"no WPDU within {self.wait} s")
            try:
                self.machine.receive_data(self.transport.recv(4096, min(remaining, 0.2)))
            except TransportTimeout:
                continue


Link = HdlcClient | WrapperClient


def association_config(meter: MeterPlan, name: str, **overrides: object) -> AssociationConfig:
    """The client configuration of plan association ``name`` (symmetric mechanisms)."""
    assoc = meter.association(name)
    keys = assoc.keys
    policy = {"none": SecurityPolicy.NONE, "authenticated": SecurityPolicy.AUTHENTICATED,
              "encrypted": SecurityPolicy.ENCRYPTED,
              "authenticated-and-encrypted": SecurityPolicy.AUTHENTICATED_ENCRYPTED}[
        assoc.policy.request.value]
    secret = assoc.password or assoc.secret
    settings: dict[str, object] = {
        "application_context_name": ApplicationContextName(assoc.context.number),
        "mechanism": MechanismName(int(assoc.mechanism)),
        "secret": None if secret is None else secret.reveal(),
        "system_title": assoc.client_system_title,
        "peer_system_title": None,
        "keys": SecurityKeys(
            encryption_key=None if keys.ek is None else keys.ek.reveal(),
            authentication_key=None if keys.ak is None else keys.ak.reveal()),
        "security_suite": SecuritySuite(assoc.suite or 0),
        "security_policy": policy,
        "client_max_receive_pdu_size": 1200,
    }
    settings.update(overrides)
    return AssociationConfig(**settings)  # type: ignore[arg-type]


@dataclass
class Associated:
    """An established association driven through ``link``."""

    link: Link
    association: ClientAssociation
    services: ClientServices

    def get(self, descriptor: CosemAttributeDescriptor) -> GetConfirm:
        apdus = self.services.send(Get(cosem_attribute_descriptor=descriptor))
        events: list[object] = []
        for apdu in apdus:
            answer = self.link.request(apdu)
            events.extend(self.services.receive(answer))
            for more in self.services.data_to_send():
                events.extend(self.services.receive(self.link.request(more)))
        confirm = events[-1]
        assert isinstance(confirm, GetConfirm), confirm
        return confirm

    def release(self) -> None:
        rlre = self.link.request(self.association.send(ReleaseRequest()))
        self.association.receive(rlre)
        assert self.association.state is AssociationState.IDLE


def associate(link: Link, config: AssociationConfig, *,
              counters: InvocationCounterStore | None = None) -> Associated:
    """AARQ/AARE (and the HLS passes 3 and 4) through ``link``; raises what the machines
    raise when the meter refuses."""
    association = ClientAssociation(config, counters=counters)
    confirm = association.receive(link.request(association.send(AssociateRequest())))
    assert confirm.accepted, confirm  # type: ignore[union-attr]
    if association.state is AssociationState.AUTHENTICATION_PENDING:
        association.receive(link.request(association.send(ReplyToHlsRequest())))
    assert association.associated
    negotiated = association.negotiated
    assert negotiated is not None
    services = ClientServices(ServicesConfig(
        conformance=negotiated.negotiated_conformance,
        client_max_receive_pdu_size=negotiated.client_max_receive_pdu_size,
        server_max_receive_pdu_size=negotiated.server_max_receive_pdu_size),
        protection=association.ciphering)
    return Associated(link=link, association=association, services=services)


__all__ = ["LOGICAL_DEVICE_NAME", "Associated", "Deviations", "HdlcClient", "WrapperClient",
           "associate", "association_config"]
