"""Builders shared by the association tests (this module holds no tests of its own).

A *pair* is a client and a server machine configured for the same association; ``associate``
runs the exchange between them (AARQ, AARE and, for HLS, passes 3 and 4) and ``release``
the release, each APDU handed over as bytes exactly as a link would carry it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.protocol.association import (
    AssociateConfirm,
    AssociateIndication,
    AssociateRequest,
    AssociateResponse,
    AssociationConfig,
    AssociationState,
    CipheringMode,
    ClientAssociation,
    MemoryCounterStore,
    OfferedAssociation,
    ReleaseConfirm,
    ReleaseRequest,
    ReleaseResponse,
    ReplyToHlsConfirm,
    ReplyToHlsIndication,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    SecurityPolicy,
    ServerAssociation,
    ServerConfig,
)
from conformance.security import (
    SecurityKeys,
    SecuritySuite,
    generate_private_key,
    suite_parameters,
)
from tests.security.helpers import GB_AK, GB_CLIENT_ST, GB_EK, GB_SERVER_ST

LN = ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING
SN = ApplicationContextName.SHORT_NAME_REFERENCING_NO_CIPHERING
LN_CIPHERED = ApplicationContextName.LOGICAL_NAME_REFERENCING_WITH_CIPHERING
SN_CIPHERED = ApplicationContextName.SHORT_NAME_REFERENCING_WITH_CIPHERING
M = MechanismName
CLIENT_SAP = 0x10
PASSWORD = b"12345678"
HLS_SECRET = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
EK32 = bytes(range(0x20, 0x40))
AK32 = bytes(range(0x40, 0x60))
DEDICATED_16 = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
DEDICATED_32 = bytes(range(0x80, 0xA0))
CLIENT_ST = GB_CLIENT_ST
SERVER_ST = GB_SERVER_ST
GET = bytes.fromhex("C001C100080000010000FF0200")
"""get-request-normal of the clock's time (class 8, 0.0.1.0.0.255, attribute 2)."""
GET_RESPONSE = bytes.fromhex("C401C1000906000102030405")
"""get-response-normal with an octet-string."""


def keys_for(suite: SecuritySuite) -> SecurityKeys:
    """EK and AK of the right size for ``suite``."""
    if suite == SecuritySuite.SUITE_2:
        return SecurityKeys(encryption_key=EK32, authentication_key=AK32)
    return SecurityKeys(encryption_key=GB_EK, authentication_key=GB_AK)


def dedicated_for(suite: SecuritySuite) -> bytes:
    """A dedicated key of the right size for ``suite``."""
    return DEDICATED_32 if suite == SecuritySuite.SUITE_2 else DEDICATED_16


@functools.cache
def signing_keys(suite: SecuritySuite) -> tuple[ec.EllipticCurvePrivateKey,
                                                ec.EllipticCurvePrivateKey]:
    """(client, server) ECDSA keys on the suite's curve (generated once per run)."""
    params = suite_parameters(suite)
    return generate_private_key(params), generate_private_key(params)


def counting_source(start: int = 0x41) -> Any:
    """A deterministic challenge source: bytes start, start+1, ..."""
    state = {"next": start}

    def source(n: int) -> bytes:
        first = state["next"]
        state["next"] = (first + n) & 0xFF
        return bytes((first + i) & 0xFF for i in range(n))

    return source


def configs(*, context: ApplicationContextName = LN,
            mechanism: MechanismName = M.LOWEST_LEVEL_SECURITY,
            suite: SecuritySuite = SecuritySuite.SUITE_0,
            policy: SecurityPolicy | None = None, mode: CipheringMode = CipheringMode.GLOBAL,
            dedicated: bool = False, client: dict[str, Any] | None = None,
            server: dict[str, Any] | None = None
            ) -> tuple[AssociationConfig, OfferedAssociation]:
    """Matching client and server settings; ``client`` / ``server`` override fields."""
    if policy is None:
        policy = (SecurityPolicy.AUTHENTICATED_ENCRYPTED if context.ciphered
                  else SecurityPolicy.NONE)
    common: dict[str, Any] = {
        "application_context_name": context, "mechanism": mechanism,
        "security_suite": suite, "security_policy": policy, "ciphering_mode": mode,
        "keys": keys_for(suite), "challenge_source": counting_source()}
    if mechanism == M.LOW_LEVEL_SECURITY:
        common["secret"] = PASSWORD
    elif mechanism in (M.HIGH_LEVEL_SECURITY_MD5, M.HIGH_LEVEL_SECURITY_SHA1,
                       M.HIGH_LEVEL_SECURITY_SHA256):
        common["secret"] = HLS_SECRET
    client_fields: dict[str, Any] = dict(common, system_title=CLIENT_ST)
    server_fields: dict[str, Any] = dict(common, system_title=SERVER_ST)
    if mode.dedicated:
        server_fields["ciphering_mode"] = CipheringMode.GLOBAL
    if mechanism == M.HIGH_LEVEL_SECURITY_ECDSA:
        client_key, server_key = signing_keys(suite)
        client_fields.update(signing_key=client_key, peer_signing_key=server_key.public_key())
        server_fields.update(signing_key=server_key, peer_signing_key=client_key.public_key())
    if dedicated:
        client_fields["dedicated_key"] = dedicated_for(suite)
    client_fields.update(client or {})
    server_fields.update(server or {})
    return AssociationConfig(**client_fields), OfferedAssociation(**server_fields)


@dataclass
class Pair:
    """A client and a server machine with their own counter stores."""

    client: ClientAssociation
    server: ServerAssociation
    client_counters: MemoryCounterStore
    server_counters: MemoryCounterStore


def pair(client_config: AssociationConfig, offered: OfferedAssociation, *,
         client_counters: MemoryCounterStore | None = None,
         server_counters: MemoryCounterStore | None = None) -> Pair:
    """Machines for ``client_config`` and ``offered`` (offered to :data:`CLIENT_SAP`)."""
    cc = client_counters or MemoryCounterStore()
    sc = server_counters or MemoryCounterStore()
    server = ServerAssociation(ServerConfig(associations={CLIENT_SAP: offered}),
                               client_sap=CLIENT_SAP, counters=sc)
    return Pair(client=ClientAssociation(client_config, counters=cc), server=server,
                client_counters=cc, server_counters=sc)


def make_pair(**kwargs: Any) -> Pair:
    """:func:`pair` of :func:`configs` (same keyword arguments)."""
    return pair(*configs(**kwargs))


def associate(p: Pair) -> tuple[AssociateIndication, AssociateConfirm]:
    """AARQ and AARE (asserting acceptance), then HLS passes 3 and 4 when required."""
    indication = p.server.receive(p.client.send(AssociateRequest()))
    assert isinstance(indication, AssociateIndication)
    confirm = p.client.receive(p.server.send(AssociateResponse()))
    assert isinstance(confirm, AssociateConfirm)
    assert confirm.accepted, confirm
    if confirm.authentication_required:
        assert p.client.state is AssociationState.AUTHENTICATION_PENDING
        assert p.server.state is AssociationState.AUTHENTICATION_PENDING
        hls = p.server.receive(p.client.send(ReplyToHlsRequest()))
        assert isinstance(hls, ReplyToHlsIndication)
        done = p.client.receive(p.server.send(ReplyToHlsResponse()))
        assert isinstance(done, ReplyToHlsConfirm)
    assert p.client.state is AssociationState.ASSOCIATED
    assert p.server.state is AssociationState.ASSOCIATED
    return indication, confirm


def release(p: Pair, *, user_information: bool = False) -> ReleaseConfirm:
    """RLRQ and RLRE; both machines end IDLE."""
    p.server.receive(p.client.send(ReleaseRequest(user_information=user_information)))
    confirm = p.client.receive(p.server.send(ReleaseResponse()))
    assert isinstance(confirm, ReleaseConfirm)
    assert p.client.state is AssociationState.IDLE
    assert p.server.state is AssociationState.IDLE
    return confirm
