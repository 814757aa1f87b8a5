"""A :class:`~conformance.client.config.SessionConfig` from a test plan: the meter's
transport, framing, addresses, HDLC proposal and timeouts, and one association's
context, mechanism, secrets, keys, security policy and invocation counter source.

::

    plan = load_plan("testplans/simulator.yaml")
    config = session_config(plan.meters[0], "management", transport=loopback.client)
    with Session(config) as session:
        session.associate()

Secrets are revealed from the plan's :class:`~conformance.plan.secrets.Secret` only into
the association configuration (whose fields never print). Anything the client cannot
do with the plan raises :class:`~conformance.errors.PlanError` naming the meter and the
association.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.client.config import (
    DEFAULT_EXCHANGE_TIMEOUT,
    CounterRead,
    HdlcSettings,
    ModeESignOn,
    SessionConfig,
    Timeouts,
)
from conformance.client.deviations import Deviations
from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.codec.hdlc import HdlcAddress
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import PlanError
from conformance.plan import (
    Association,
    HdlcTcpTransport,
    Mechanism,
    MeterPlan,
    Protection,
    SerialTransport,
    SimulatorTransport,
    TcpTransport,
)
from conformance.plan import Framing as PlanFraming
from conformance.plan.secrets import Secret
from conformance.protocol.association.config import AssociationConfig
from conformance.protocol.association.policy import CipheringMode, SecurityPolicy
from conformance.security import SecurityKeys, SecuritySuite, suite_parameters
from conformance.transport import Framing, Transport

__all__ = ["association_config", "session_config", "transport_url"]

_POLICIES = {
    Protection.NONE: SecurityPolicy.NONE,
    Protection.AUTHENTICATED: SecurityPolicy.AUTHENTICATED,
    Protection.ENCRYPTED: SecurityPolicy.ENCRYPTED,
    Protection.AUTHENTICATED_AND_ENCRYPTED: SecurityPolicy.AUTHENTICATED_ENCRYPTED,
}
_SECRET_MECHANISMS = frozenset({Mechanism.MD5, Mechanism.SHA1, Mechanism.SHA256})


def _reveal(secret: Secret | None) -> bytes | None:
    return None if secret is None else secret.reveal()


def transport_url(meter: MeterPlan) -> str:
    """The transport URL of a plan's meter (``PlanError`` for the in-process reference
    meter, which has none: pass its transport object to :func:`session_config`)."""
    t = meter.transport
    if isinstance(t, TcpTransport | HdlcTcpTransport):
        host = f"[{t.host}]" if ":" in t.host else t.host
        scheme = "tcp" if isinstance(t, TcpTransport) else "hdlc+tcp"
        return f"{scheme}://{host}:{t.port}"
    if isinstance(t, SerialTransport):
        query = urlencode({"baudrate": t.baudrate, "bytesize": t.bytesize,
                           "parity": t.parity.value, "stopbits": f"{t.stopbits:g}"})
        url = t.url if "://" in t.url else f"serial://{t.url}"  # a device path or COM3
        return f"{url}{'&' if '?' in url else '?'}{query}"
    raise PlanError(f"meter {meter.name!r}: the simulator transport runs in-process; start "
                    "the reference meter and pass its transport to session_config()")


def _policy(meter: MeterPlan, assoc: Association) -> SecurityPolicy:
    request = _POLICIES[assoc.policy.request]
    response = _POLICIES[assoc.policy.response]
    if not response.covers(request):
        raise PlanError(f"meter {meter.name!r}, association {assoc.name!r}: the response "
                        f"protection ({assoc.policy.response.value}) is weaker than the "
                        f"request's ({assoc.policy.request.value}); Green Book 9.2.7 wants a "
                        "response protected at least like its request")
    # The client protects its requests with the request policy and accepts any response
    # that covers it (the association machine checks each response).
    return request


def _signing_keys(assoc: Association) -> tuple[ec.EllipticCurvePrivateKey | None,
                                               ec.EllipticCurvePublicKey | None]:
    private: ec.EllipticCurvePrivateKey | None = None
    public: ec.EllipticCurvePublicKey | None = None
    if assoc.keys.client_signing_key is not None:
        key = serialization.load_pem_private_key(assoc.keys.client_signing_key.reveal(),
                                                 password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            private = key
    if assoc.keys.server_signing_public_key is not None:
        pub = serialization.load_pem_public_key(assoc.keys.server_signing_public_key)
        if isinstance(pub, ec.EllipticCurvePublicKey):
            public = pub
    return private, public


def association_config(meter: MeterPlan, name: str, *,
                       challenge_source: Callable[[int], bytes] | None = None
                       ) -> AssociationConfig:
    """The client's :class:`AssociationConfig` for the plan's association ``name``.

    With ``use_dedicated_key`` and no fixed ``keys.dedicated``, a fresh random dedicated
    key is drawn (each call draws a new one). ``PlanError`` when the client cannot
    associate with these settings (e.g. mechanism 2, whose f() is manufacturer specific).
    """
    assoc = _association(meter, name)
    suite = assoc.suite if assoc.suite is not None else 0
    mech = assoc.mechanism
    secret = (_reveal(assoc.password) if mech is Mechanism.LOW
              else _reveal(assoc.secret) if mech in _SECRET_MECHANISMS else None)
    keys = assoc.keys
    dedicated: bytes | None = None
    if assoc.use_dedicated_key:
        dedicated = _reveal(keys.dedicated) or os.urandom(
            suite_parameters(SecuritySuite(suite)).key_length)
    signing_key, peer_key = _signing_keys(assoc)
    server_title = assoc.server_system_title or meter.server.system_title
    try:
        return AssociationConfig(
            application_context_name=ApplicationContextName(assoc.context.number),
            mechanism=MechanismName(int(mech)),
            secret=secret,
            system_title=assoc.client_system_title,
            peer_system_title=server_title,
            keys=SecurityKeys(encryption_key=_reveal(keys.ek),
                              authentication_key=_reveal(keys.ak),
                              master_key=_reveal(keys.kek)),
            security_suite=SecuritySuite(suite),
            security_policy=_policy(meter, assoc) if assoc.ciphered else SecurityPolicy.NONE,
            ciphering_mode=CipheringMode.DEDICATED if dedicated else CipheringMode.GLOBAL,
            signing_key=signing_key, peer_signing_key=peer_key,
            dedicated_key=dedicated,
            proposed_conformance=Conformance(assoc.proposed_conformance.value),
            client_max_receive_pdu_size=assoc.max_pdu_size,
            dlms_version=assoc.dlms_version,
            challenge_source=challenge_source or os.urandom)
    except (ValueError, TypeError) as exc:
        raise PlanError(f"meter {meter.name!r}, association {assoc.name!r}: {exc}") from None


def _association(meter: MeterPlan, name: str) -> Association:
    try:
        return meter.association(name)
    except KeyError as exc:
        raise PlanError(str(exc.args[0])) from None


def _counter_source(meter: MeterPlan, assoc: Association) -> CounterRead | int | None:
    src = assoc.invocation_counter
    if src is None:
        return None
    if src.association is not None:
        reader = _association(meter, src.association)
        if reader.ciphered:
            raise PlanError(f"meter {meter.name!r}, association {assoc.name!r}: the counter "
                            f"is read through {reader.name!r}, a ciphered association; the "
                            "reading association must not need a counter itself")
        if src.logical_name is None:
            raise PlanError(f"meter {meter.name!r}, association {assoc.name!r}: "
                            "invocation_counter.logical_name is needed to read the counter")
        ln = src.logical_name
        return CounterRead(
            logical_name=ObisCode(a=ln.a, b=ln.b, c=ln.c, d=ln.d, e=ln.e, f=ln.f),
            class_id=src.class_id, attribute=src.attribute, client_sap=reader.client_address,
            association=association_config(meter, reader.name))
    return src.initial


def _timeouts(response: float, inter_frame: float) -> Timeouts:
    """The plan's timeouts. The plan has no overall exchange deadline (its ``inactivity``
    is the meter's HDLC inactivity timeout, another thing): the default is kept, raised to
    the plan's response timeout when that is longer, so that one slow answer still gets
    its whole response timeout."""
    return Timeouts(response=response, inter_frame=inter_frame,
                    exchange=max(DEFAULT_EXCHANGE_TIMEOUT, response))


def session_config(meter: MeterPlan, association: str, *,
                   transport: str | Transport | None = None,
                   deviations: Deviations | None = None,
                   challenge_source: Callable[[int], bytes] | None = None) -> SessionConfig:
    """The :class:`SessionConfig` to reach ``meter`` as its association ``association``.

    ``transport`` replaces the plan's (required for the in-process reference meter: its URL
    or transport object). The framing is the URL's (``tcp://`` wrapper, the others HDLC),
    or the plan's for a transport object.
    """
    assoc = _association(meter, association)
    framing: Framing | None = (Framing.WRAPPER
                               if meter.transport.framing is PlanFraming.WRAPPER
                               else Framing.HDLC)
    if transport is None:
        if isinstance(meter.transport, SimulatorTransport):
            raise PlanError(f"meter {meter.name!r}: the simulator transport runs in-process; "
                            "pass the reference meter's transport")
        transport = transport_url(meter)
    if isinstance(transport, str):
        framing = None  # the URL says (SessionConfig reads it)
    where = transport if isinstance(transport, str) else transport.describe()
    a = meter.addressing
    plan_timeouts = meter.transport.timeouts
    mode_e = None
    if isinstance(meter.transport, SerialTransport) and meter.transport.mode_e is not None:
        m = meter.transport.mode_e
        mode_e = ModeESignOn(device_address=m.device_address or "",
                             expected_baudrate=m.baudrate)
    try:
        return SessionConfig(
            transport=transport, framing=framing, client_sap=assoc.client_address,
            server_address=HdlcAddress.server(a.server_logical, a.server_physical,
                                              size=a.server_address_size),
            server_wport=a.server_wport,
            hdlc=HdlcSettings(max_info_field_length_transmit=meter.hdlc.max_info_field_tx,
                              max_info_field_length_receive=meter.hdlc.max_info_field_rx,
                              window_size_transmit=meter.hdlc.window_tx,
                              window_size_receive=meter.hdlc.window_rx),
            association=association_config(meter, association,
                                           challenge_source=challenge_source),
            invocation_counter=_counter_source(meter, assoc),
            mode_e=mode_e,
            timeouts=_timeouts(plan_timeouts.response, plan_timeouts.inter_frame),
            deviations=deviations or Deviations(),
            name=f"{meter.name} ({where})")
    except (ValueError, TypeError) as exc:
        raise PlanError(f"meter {meter.name!r}, association {assoc.name!r}: {exc}") from None
