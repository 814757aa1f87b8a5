"""The shared AARQ / AARE / RLRQ / RLRE / HLS vectors reproduced by the machines: the
configuration that produces each request byte for byte, the server answers that match the
published ones, and the client's reading of published (real and broken) answers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.names import AcseServiceUserDiagnostic, AssociationResult
from conformance.codec.apdu import decode_apdu
from conformance.codec.xdlms.confirmed_service_error import ConfirmedServiceError
from conformance.codec.xdlms.enums import ActionResult
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import CodecError, RemoteProtocolError
from conformance.protocol.association import (
    AssociateConfirm,
    AssociateRequest,
    AssociateResponse,
    AssociationConfig,
    AssociationState,
    ClientAssociation,
    CounterKey,
    MemoryCounterStore,
    OfferedAssociation,
    ReleaseConfirm,
    ReleaseRequest,
    ReleaseResponse,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    SecurityPolicy,
    ServerAssociation,
    ServerConfig,
    key_digest,
)
from conformance.protocol.association.hls import reply_to_hls_request, reply_to_hls_response
from tests.protocol.test_association_support import LN_CIPHERED, M, pair
from tests.security.helpers import GB_EK, GB_KEYS
from tests.vectors import hexbytes, vector

GB_ST = hexbytes("4D4D4D0000BC614E")
GB_DEDICATED = hexbytes("00112233445566778899AABBCCDDEEFF")
EK_NAME = "EK (global unicast)"
EK_DIGEST = key_digest(GB_EK)


def _hex(vector_id: str) -> bytes:
    return hexbytes(vector(vector_id)["hex"])


def _fixed(value: bytes):  # type: ignore[no-untyped-def]
    return lambda n: value[:n]


class ScriptedCounters(MemoryCounterStore):
    """A store whose next reservations are scripted (to replay the published counters)."""

    def __init__(self, *script: int) -> None:
        super().__init__()
        self.script = list(script)

    def reserve(self, key: CounterKey) -> int:
        return self.script.pop(0) if self.script else super().reserve(key)


# -- requests the client builds -------------------------------------------------------------
@pytest.mark.parametrize(("vector_id", "fields"), [
    ("aarq-ln-no-security-gb", {}),
    ("aarq-ln-lls-gb", {"mechanism": M.LOW_LEVEL_SECURITY, "secret": b"12345678"}),
    ("aarq-ln-lls-real-ek280", {"mechanism": M.LOW_LEVEL_SECURITY, "secret": b"55555555",
                                "proposed_conformance": Conformance.from_bytes(
                                    hexbytes("00001D")),
                                "client_max_receive_pdu_size": 65535}),
])
def test_plain_aarq_vectors(vector_id: str, fields: dict[str, object]) -> None:
    client = ClientAssociation(AssociationConfig(**fields))  # type: ignore[arg-type]
    assert client.send(AssociateRequest()) == _hex(vector_id)


def _gb_client(counters: MemoryCounterStore) -> ClientAssociation:
    return ClientAssociation(AssociationConfig(
        application_context_name=LN_CIPHERED, mechanism=M.LOW_LEVEL_SECURITY,
        secret=b"12345678", system_title=GB_ST, keys=GB_KEYS,
        security_policy=SecurityPolicy.AUTHENTICATED_ENCRYPTED, dedicated_key=GB_DEDICATED),
        counters=counters)


def _gb_server() -> OfferedAssociation:
    return OfferedAssociation(
        application_context_name=LN_CIPHERED, mechanism=M.LOW_LEVEL_SECURITY,
        secret=b"12345678", system_title=GB_ST, keys=GB_KEYS,
        security_policy=SecurityPolicy.AUTHENTICATED_ENCRYPTED,
        supported_conformance=Conformance.from_bytes(hexbytes("007C1F")))


def test_green_book_ciphered_aarq_and_rlrq() -> None:
    """aarq-ln-ciphering-lls-glo-initiate and rlrq-ciphered-user-info: the published RLRQ
    reuses the AARQ's invocation counter, so the server refuses it as a replay."""
    client = _gb_client(ScriptedCounters(0x01234567, 0x01234567))
    server = ServerAssociation(ServerConfig(associations={0x10: _gb_server()}),
                               client_sap=0x10)
    aarq = client.send(AssociateRequest())
    assert aarq == _hex("aarq-ln-ciphering-lls-glo-initiate")
    indication = server.receive(aarq)
    assert indication.initiate_request.dedicated_key == GB_DEDICATED
    client.receive(server.send(AssociateResponse()))
    assert client.associated
    rlrq = client.send(ReleaseRequest(user_information=True))
    assert rlrq == _hex("rlrq-ciphered-user-info")
    with pytest.raises(RemoteProtocolError, match="replay") as info:
        server.receive(rlrq)
    assert info.value.response_hint is None  # an unauthenticated release is ignored
    assert server.state is AssociationState.ASSOCIATED


def test_green_book_rlre_with_glo_initiate_response() -> None:
    server_counters = MemoryCounterStore(last_sent={
        CounterKey(key_name=EK_NAME, system_title=GB_ST, key_digest=EK_DIGEST): 0x01234565})
    server = ServerAssociation(ServerConfig(associations={0x10: _gb_server()}),
                               client_sap=0x10, counters=server_counters)
    client = _gb_client(MemoryCounterStore())
    server.receive(client.send(AssociateRequest()))
    client.receive(server.send(AssociateResponse()))  # the AARE uses 0x01234566
    server.receive(client.send(ReleaseRequest(user_information=True)))
    rlre = server.send(ReleaseResponse())
    assert rlre == _hex("rlre-glo-initiate-response")
    confirm = client.receive(rlre)
    assert isinstance(confirm, ReleaseConfirm) and confirm.initiate_response is not None
    assert confirm.initiate_response.negotiated_conformance == Conformance.from_bytes(
        hexbytes("007C1F"))


def test_plain_release_vectors() -> None:
    p = pair(AssociationConfig(), OfferedAssociation())
    p.server.receive(p.client.send(AssociateRequest()))
    p.client.receive(p.server.send(AssociateResponse()))
    assert p.client.send(ReleaseRequest()) == _hex("rlrq-normal")
    p.server.receive(_hex("rlrq-normal"))
    assert p.server.send(ReleaseResponse()) == _hex("rlre-normal")
    assert isinstance(p.client.receive(_hex("rlre-normal")), ReleaseConfirm)


def test_rlre_with_plain_initiate_response() -> None:
    p = pair(AssociationConfig(), OfferedAssociation())
    p.server.receive(p.client.send(AssociateRequest()))
    p.client.receive(p.server.send(AssociateResponse()))
    p.client.send(ReleaseRequest(user_information=True))
    confirm = p.client.receive(_hex("rlre-with-initiate-response"))
    assert isinstance(confirm, ReleaseConfirm)
    assert confirm.initiate_response is not None
    assert confirm.initiate_response.negotiated_quality_of_service == 0


# -- answers the server builds -------------------------------------------------------------
def test_aare_accepted_gb() -> None:
    p = pair(AssociationConfig(), OfferedAssociation(
        supported_conformance=Conformance.from_bytes(hexbytes("00501F")),
        server_max_receive_pdu_size=500))
    p.server.receive(p.client.send(AssociateRequest()))
    aare = p.server.send(AssociateResponse())
    assert aare == _hex("aare-accepted-gb")
    confirm = p.client.receive(aare)
    assert isinstance(confirm, AssociateConfirm) and confirm.negotiated is not None
    assert confirm.negotiated.server_max_receive_pdu_size == 500


def test_aare_rejected_dlms_version_too_low_gb() -> None:
    p = pair(AssociationConfig(dlms_version=5), OfferedAssociation())
    with pytest.raises(RemoteProtocolError) as info:
        p.server.receive(p.client.send(AssociateRequest()))
    assert info.value.response_hint == _hex("aare-rejected-dlms-version-too-low-gb")


# -- answers the client reads --------------------------------------------------------------
def _pending(config: AssociationConfig) -> ClientAssociation:
    client = ClientAssociation(config)
    client.send(AssociateRequest())
    return client


@pytest.mark.parametrize(("vector_id", "result", "diagnostic"), [
    ("aare-rejected-app-context-not-supported-gb", AssociationResult.REJECTED_PERMANENT,
     AcseServiceUserDiagnostic.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED),
    ("aare-rejected-transient-ek", AssociationResult.REJECTED_TRANSIENT,
     AcseServiceUserDiagnostic.NULL),
    ("aare-rejected-dlms-version-too-low-gb", AssociationResult.REJECTED_PERMANENT,
     AcseServiceUserDiagnostic.NO_REASON_GIVEN),
])
def test_client_reads_rejections(vector_id: str, result: AssociationResult,
                                 diagnostic: AcseServiceUserDiagnostic) -> None:
    client = _pending(AssociationConfig())
    confirm = client.receive(_hex(vector_id))
    assert isinstance(confirm, AssociateConfirm)
    assert (confirm.result, confirm.result_source_diagnostic) == (result, diagnostic)
    assert client.state is AssociationState.IDLE and client.negotiated is None
    if vector_id.startswith("aare-rejected-dlms"):
        assert isinstance(confirm.confirmed_service_error, ConfirmedServiceError)
        assert int(confirm.confirmed_service_error.value) == 1
    else:
        assert confirm.initiate_response is not None


def test_client_refuses_an_acceptance_carrying_a_service_error() -> None:
    client = _pending(AssociationConfig())
    with pytest.raises(RemoteProtocolError, match="ConfirmedServiceError"):
        client.receive(_hex("aare-confirmed-service-error-initiate-other-ek"))
    assert client.state is AssociationState.ASSOCIATION_PENDING


def test_client_reads_ek240_lls_answer_and_rejects_the_malformed_original() -> None:
    config = AssociationConfig(mechanism=M.LOW_LEVEL_SECURITY, secret=b"55555555",
                               proposed_conformance=Conformance.from_bytes(hexbytes("00001D")))
    client = _pending(config)
    confirm = client.receive(_hex("aare-lls-real-ek240-corrected"))
    assert isinstance(confirm, AssociateConfirm) and confirm.negotiated is not None
    assert confirm.negotiated.server_max_receive_pdu_size == 400
    assert confirm.conformance_within_proposal is True
    client = _pending(config)
    with pytest.raises(CodecError):
        client.receive(_hex("aare-lls-real-ek240-original-malformed"))
    assert client.state is AssociationState.ASSOCIATION_PENDING


def test_client_rejects_the_elster_malformed_glo_initiate_response() -> None:
    config = AssociationConfig(
        application_context_name=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_GMAC,
        system_title=hexbytes("4D4D4D0000000001"), keys=GB_KEYS,
        security_policy=SecurityPolicy.AUTHENTICATED_ENCRYPTED)
    client = _pending(config)
    with pytest.raises(CodecError, match="0x10"):
        client.receive(_hex("aare-hls5-ciphered-malformed-plaintext"))
    assert client.state is AssociationState.ASSOCIATION_PENDING


def test_iskra_md5_challenge_answered_with_the_published_f() -> None:
    client = _pending(AssociationConfig(mechanism=M.HIGH_LEVEL_SECURITY_MD5,
                                        secret=hexbytes("00112233445566778899AABBCCDDEEFF")))
    confirm = client.receive(_hex("aare-hls3-md5-real-iskra"))
    assert isinstance(confirm, AssociateConfirm) and confirm.authentication_required
    assert confirm.stoc == b"L3/bcVDG6PpPlUdU"
    request = client.send(ReplyToHlsRequest())
    f = _hex("hls3-md5-f-stoc-real-iskra")
    assert request == reply_to_hls_request(0xC1, f).to_bytes()
    assert request.endswith(f)


def test_green_book_hls_gmac_end_to_end() -> None:
    """aarq-hls5-gb, hls5-gmac-f-stoc-gb and hls5-gmac-f-ctos-gb: the client's AARQ is the
    published one plus the calling-AP-title (sent with mechanism 5), the server accepts the
    published AARQ when it knows the client's system title, and both f() are the published
    values."""
    client_st = hexbytes(vector("hls5-gmac-f-stoc-gb")["inputs"]["client_system_title"])
    server_counters = MemoryCounterStore(last_sent={
        CounterKey(key_name=EK_NAME, system_title=GB_ST, key_digest=EK_DIGEST): 0x01234566})
    client_config = AssociationConfig(
        mechanism=M.HIGH_LEVEL_SECURITY_GMAC, system_title=client_st, keys=GB_KEYS,
        challenge_length=8, challenge_source=_fixed(b"K56iVagY"))
    offered = OfferedAssociation(
        mechanism=M.HIGH_LEVEL_SECURITY_GMAC, system_title=GB_ST, keys=GB_KEYS,
        peer_system_title=client_st, challenge_length=8, challenge_source=_fixed(b"P6wRJ21F"),
        supported_conformance=Conformance.from_bytes(hexbytes("007E1F")))
    p = pair(client_config, offered, server_counters=server_counters)
    aarq = p.client.send(AssociateRequest())
    decoded = decode_apdu(aarq)
    assert isinstance(decoded, AARQ) and decoded.calling_ap_title == client_st
    assert replace(decoded, calling_ap_title=None).to_bytes() == _hex("aarq-hls5-gb")
    # the server also accepts the published AARQ as it is
    other = pair(client_config, offered)
    assert other.server.receive(_hex("aarq-hls5-gb")).authentication_required
    p.server.receive(aarq)
    p.client.receive(p.server.send(AssociateResponse()))
    pass3 = p.client.send(ReplyToHlsRequest())
    assert pass3 == reply_to_hls_request(0xC1, _hex("hls5-gmac-f-stoc-gb")).to_bytes()
    p.server.receive(pass3)
    pass4 = p.server.send(ReplyToHlsResponse())
    assert pass4 == reply_to_hls_response(0xC1, ActionResult.SUCCESS,
                                          _hex("hls5-gmac-f-ctos-gb")).to_bytes()
    p.client.receive(pass4)
    assert p.client.associated and p.server.associated


@pytest.mark.parametrize(("vector_id", "invoke", "request_"), [
    ("action-request-kaifa-hls-pass3", 0xC1, True),
    ("action-response-kaifa-hls-pass4", 0xC1, False),
    ("action-response-with-data-hls", 0xC0, False),
])
def test_hls_action_apdus_match_real_meters(vector_id: str, invoke: int,
                                            request_: bool) -> None:
    data = _hex(vector_id)
    f = data[-17:]
    built = (reply_to_hls_request(invoke, f) if request_
             else reply_to_hls_response(invoke, ActionResult.SUCCESS, f))
    assert built.to_bytes() == data
