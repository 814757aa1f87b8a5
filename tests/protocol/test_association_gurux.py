"""Our server machine against the independent gurux-dlms client (test-only peer): the
gurux AARQ is accepted, gurux accepts our AARE, and for HLS our server verifies gurux's
f(StoC) (pass 3) and gurux verifies our f(CtoS) (pass 4), plain and ciphered."""

from __future__ import annotations

import pytest
from gurux_dlms import GXByteBuffer, GXReplyData

from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.errors import RemoteProtocolError
from conformance.protocol.association import (
    AssociateResponse,
    AssociationState,
    OfferedAssociation,
    ReplyToHlsResponse,
    SecurityPolicy,
    ServerAssociation,
    ServerConfig,
)
from conformance.security import SecurityKeys
from tests.interop.gurux_client import AK, EK, PASSWORD, SERVER_ST, STOC, new_client, quiet

pytestmark = pytest.mark.gurux

CASES = [(0, 0), (1, 0), (3, 0), (4, 0), (5, 0), (6, 0), (1, 0x30), (5, 0x30), (6, 0x30)]


def _server(mechanism: int, security: int) -> ServerAssociation:
    offered = OfferedAssociation(
        application_context_name=ApplicationContextName(3 if security else 1),
        mechanism=MechanismName(mechanism),
        secret=PASSWORD if mechanism in (1, 3, 4, 6) else None, system_title=SERVER_ST,
        keys=SecurityKeys(encryption_key=EK, authentication_key=AK),
        security_policy=(SecurityPolicy.AUTHENTICATED_ENCRYPTED if security
                         else SecurityPolicy.NONE),
        challenge_length=len(STOC), challenge_source=lambda n: STOC)
    return ServerAssociation(ServerConfig(associations={0x10: offered}), client_sap=0x10)


def _bytes(frames: object) -> bytes:
    return b"".join(bytes(f) for f in frames)  # type: ignore[attr-defined]


def _parse_pass4(client: object, apdu: bytes) -> None:
    reply = GXReplyData()
    with quiet():
        client.getData(GXByteBuffer(apdu), reply)  # type: ignore[attr-defined]
        client.parseApplicationAssociationResponse(reply.data)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("mechanism", "security"), CASES,
                         ids=[f"mechanism{m}-{'ciphered' if s else 'plain'}" for m, s in CASES])
def test_gurux_client_associates_with_our_server(mechanism: int, security: int) -> None:
    client = new_client(mechanism=mechanism, security=security)
    server = _server(mechanism, security)
    with quiet():
        aarq = _bytes(client.aarqRequest())
    indication = server.receive(aarq)
    with quiet():
        client.parseAareResponse(GXByteBuffer(server.send(AssociateResponse())))
    if indication.authentication_required:
        with quiet():
            pass3 = _bytes(client.getApplicationAssociationRequest())
        server.receive(pass3)
        _parse_pass4(client, server.send(ReplyToHlsResponse()))
    assert server.state is AssociationState.ASSOCIATED


def test_gurux_refuses_a_tampered_f_ctos() -> None:
    client = new_client(mechanism=3)
    server = _server(3, 0)
    with quiet():
        server.receive(_bytes(client.aarqRequest()))
        client.parseAareResponse(GXByteBuffer(server.send(AssociateResponse())))
        server.receive(_bytes(client.getApplicationAssociationRequest()))
    pass4 = server.send(ReplyToHlsResponse())
    with pytest.raises(Exception, match="do not match"):
        _parse_pass4(client, pass4[:-1] + bytes((pass4[-1] ^ 0x01,)))


def test_our_server_refuses_gurux_with_another_password() -> None:
    client = new_client(mechanism=1)
    client.password = b"87654321"
    server = _server(1, 0)
    with quiet():
        aarq = _bytes(client.aarqRequest())
    with pytest.raises(RemoteProtocolError) as info:
        server.receive(aarq)
    with quiet(), pytest.raises(Exception):  # noqa: B017 - gurux raises a bare Exception
        client.parseAareResponse(GXByteBuffer(info.value.response_hint))
