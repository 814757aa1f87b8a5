"""Matching client and server association settings, and a session served by the test
meter over the loopback pair (or TCP on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.client import Session, SessionConfig
from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.codec.axdr import Data, DoubleLongUnsigned, OctetString
from conformance.codec.hdlc import HdlcAddress
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.initiate import Conformance
from conformance.protocol.association import (
    AssociationConfig,
    CipheringMode,
    OfferedAssociation,
    SecurityPolicy,
    ServerConfig,
)
from conformance.protocol.hdlc import HdlcConfig
from conformance.protocol.services.config import BlockTransferMode
from conformance.security import (
    SecurityKeys,
    SecuritySuite,
    generate_private_key,
    suite_parameters,
)
from conformance.transport import Framing, LoopbackPair, TcpListener
from tests.client.meter import Handler, Key, TestMeter
from tests.client.scripted import Collector, FakeClock, ScriptedTransport

CLIENT_TITLE = bytes.fromhex("4D4D4D0000BC614E")
SERVER_TITLE = bytes.fromhex("4D4D4D0000000001")
SERVER_ADDRESS = HdlcAddress.server(1, 16, size=4)
COUNTER_LN = ObisCode.parse("0.0.43.1.1.255")
ENERGY_LN = ObisCode.parse("1.0.1.8.0.255")
VALUES: dict[Key, Data] = {
    (1, COUNTER_LN, 2): DoubleLongUnsigned(value=41),
    (3, ENERGY_LN, 2): DoubleLongUnsigned(value=12345678),
    (1, ObisCode.parse("0.0.96.1.0.255"), 2): OctetString(value=b"12345678"),
}
_SECRET_MECHANISMS = {MechanismName.LOW_LEVEL_SECURITY, MechanismName.HIGH_LEVEL_SECURITY_MD5,
                      MechanismName.HIGH_LEVEL_SECURITY_SHA1,
                      MechanismName.HIGH_LEVEL_SECURITY_SHA256}
_SIGNING: dict[int, tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePrivateKey]] = {}


def _signing(suite: SecuritySuite) -> tuple[ec.EllipticCurvePrivateKey,
                                            ec.EllipticCurvePrivateKey]:
    if suite not in _SIGNING:
        params = suite_parameters(suite)
        _SIGNING[suite] = (generate_private_key(params), generate_private_key(params))
    return _SIGNING[suite]


def settings(mechanism: MechanismName = MechanismName.LOWEST_LEVEL_SECURITY, *,
             suite: SecuritySuite = SecuritySuite.SUITE_0, ciphered: bool = False,
             policy: SecurityPolicy = SecurityPolicy.AUTHENTICATED_ENCRYPTED,
             mode: CipheringMode = CipheringMode.GLOBAL, secret: bytes = b"12345678",
             conformance: Conformance | None = None, server_pdu: int = 1024,
             **client: Any) -> tuple[AssociationConfig, OfferedAssociation]:
    """A client association and the server offer that accepts it."""
    size = suite_parameters(suite).key_length
    keys = SecurityKeys(encryption_key=bytes(range(size)),
                        authentication_key=bytes(range(0xD0, 0xD0 + size)))
    needs_keys = ciphered or mechanism == MechanismName.HIGH_LEVEL_SECURITY_GMAC
    context = (ApplicationContextName.LOGICAL_NAME_REFERENCING_WITH_CIPHERING if ciphered
               else ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING)
    common: dict[str, Any] = {
        "application_context_name": context, "mechanism": mechanism,
        "secret": secret if mechanism in _SECRET_MECHANISMS else None,
        "keys": keys if needs_keys else SecurityKeys(), "security_suite": suite,
        "security_policy": policy if ciphered else SecurityPolicy.NONE}
    ecdsa: dict[str, Any] = {}
    server_ecdsa: dict[str, Any] = {}
    if mechanism == MechanismName.HIGH_LEVEL_SECURITY_ECDSA:
        client_key, server_key = _signing(suite)
        ecdsa = {"signing_key": client_key, "peer_signing_key": server_key.public_key()}
        server_ecdsa = {"signing_key": server_key, "peer_signing_key": client_key.public_key()}
    titled = ciphered or mechanism in (MechanismName.HIGH_LEVEL_SECURITY_GMAC,
                                       MechanismName.HIGH_LEVEL_SECURITY_SHA256,
                                       MechanismName.HIGH_LEVEL_SECURITY_ECDSA)
    dedicated = bytes(range(0x40, 0x40 + size)) if mode.dedicated else None
    association = AssociationConfig(
        **common, **ecdsa, system_title=CLIENT_TITLE if titled else None,
        peer_system_title=SERVER_TITLE if titled else None, ciphering_mode=mode,
        dedicated_key=dedicated, challenge_source=lambda n: bytes(range(1, n + 1)),
        proposed_conformance=conformance, **client)
    offered = OfferedAssociation(
        **common, **server_ecdsa, system_title=SERVER_TITLE if titled else None,
        peer_system_title=CLIENT_TITLE if titled else None,
        ciphering_mode=CipheringMode.GLOBAL if mode.dedicated else mode,
        challenge_source=lambda n: bytes(range(0x80, 0x80 + n)),
        supported_conformance=conformance, server_max_receive_pdu_size=server_pdu)
    return association, offered


@contextlib.contextmanager
def served(association: AssociationConfig | None = None,
           offered: OfferedAssociation | None = None, *, framing: Framing = Framing.HDLC,
           tcp: bool = False, client_sap: int = 1, values: dict[Key, Data] | None = None,
           handler: Handler | None = None, meter_hdlc: HdlcConfig | None = None,
           meter_blocks: BlockTransferMode = BlockTransferMode.SERVICE_SPECIFIC,
           synchronous: bool = False, **config: Any
           ) -> Iterator[tuple[Session, TestMeter]]:
    """A session (not connected yet) and the test meter serving it; the public client
    (SAP 16, lowest level) is always offered too. ``synchronous``: the meter answers
    inside the session's send and the session runs on a fake clock (a silent meter then
    costs no real time)."""
    if association is None:
        association, offered = settings()
    assert offered is not None
    server = ServerConfig(associations={0x10: OfferedAssociation(), client_sap: offered})
    hdlc = meter_hdlc or HdlcConfig(server_address=SERVER_ADDRESS,
                                    max_info_field_length_transmit=512,
                                    max_info_field_length_receive=512)
    with contextlib.ExitStack() as stack:
        clock: FakeClock | None = None
        collector = Collector()
        if synchronous:
            clock = FakeClock()
            transport = ScriptedTransport(clock, lambda data: (meter.feed(data),
                                                               collector.take())[1])
            meter_end = collector
        elif tcp:
            listener = stack.enter_context(TcpListener())
            scheme = "tcp" if framing is Framing.WRAPPER else "hdlc+tcp"
            transport: Any = f"{scheme}://127.0.0.1:{listener.port}"
            meter_end: Any = lambda: listener.accept(5)  # noqa: E731
        else:
            pair = stack.enter_context(LoopbackPair())
            transport, meter_end = pair.client, pair.server
        meter = TestMeter(meter_end, framing=framing, server=server,
                          hdlc=hdlc if framing is Framing.HDLC else None,
                          values=dict(VALUES if values is None else values), handler=handler,
                          block_transfer=meter_blocks)
        if not synchronous:
            stack.enter_context(meter)
        session_config = SessionConfig(transport=transport, framing=framing,
                                       client_sap=client_sap, server_address=SERVER_ADDRESS,
                                       association=association, **config)
        session = Session(session_config, **({} if clock is None else {"clock": clock}))
        try:
            yield session, meter
        finally:
            with contextlib.suppress(Exception):
                session.disconnect()


def replace_association(session: Session, **changes: Any) -> None:
    """Change the session's association settings (tests only)."""
    session.config = dataclasses.replace(
        session.config, association=dataclasses.replace(session.config.association,
                                                        **changes))
