"""The per-association ciphering policy: forms, policies, suites, the counter rules (sender
reserves before sending, receiver wants strictly greater), answering in kind, the
deliberate deviations, and the errors of each role."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.codec.apdu import decode_apdu
from conformance.codec.xdlms.ciphered import GeneralCiphering, decode_ciphered
from conformance.codec.xdlms.enums import ExceptionServiceError, ExceptionStateError
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.errors import (
    CodecError,
    LocalProtocolError,
    RemoteProtocolError,
    SecurityError,
)
from conformance.protocol.association import (
    Ciphering,
    CipheringMode,
    CounterKey,
    Deviations,
    InvocationCounterStore,
    MemoryCounterStore,
    ProtectionInfo,
    Role,
    SecurityPolicy,
    check_response_protection,
    key_digest,
    protection_of,
)
from conformance.security import SecurityControl, SecuritySuite, protect_general_ciphering
from tests.protocol.test_association_support import (
    CLIENT_ST,
    GET,
    GET_RESPONSE,
    LN,
    LN_CIPHERED,
    SERVER_ST,
    configs,
    dedicated_for,
)
from tests.security.helpers import GB_AK, GB_EK, GB_KEYS, assert_no_key_material
from tests.vectors import hexbytes, vector

EK_NAME = "EK (global unicast)"
EK_DIGEST = key_digest(GB_EK)
DATA_NOTIFICATION = bytes.fromhex("0F00000001000600000001")
EXCEPTION = ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                              service_error=ExceptionServiceError.OTHER_REASON).to_bytes()
GBT = bytes.fromhex("E0C000010000" + "03" + "C00100")
AAD = SecurityPolicy.AUTHENTICATED_ENCRYPTED


def _ek(system_title: bytes) -> CounterKey:
    """The counter of the test EK sent with ``system_title``."""
    return CounterKey(key_name=EK_NAME, system_title=system_title, key_digest=EK_DIGEST)


class RecordingStore(MemoryCounterStore):
    """Records the order of reservations, to check write-before-send."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.log: list[tuple[CounterKey, int]] = []

    def reserve(self, key: CounterKey) -> int:
        counter = super().reserve(key)
        self.log.append((key, counter))
        return counter


def pair_of(*, policy: SecurityPolicy = AAD, suite: SecuritySuite = SecuritySuite.SUITE_0,
            mode: CipheringMode = CipheringMode.GLOBAL, dedicated: bool = False,
            client: dict[str, object] | None = None, server: dict[str, object] | None = None,
            client_counters: InvocationCounterStore | None = None,
            server_counters: InvocationCounterStore | None = None
            ) -> tuple[Ciphering, Ciphering]:
    """A client and a server policy as a ciphered association leaves them."""
    client_config, offered = configs(context=LN_CIPHERED, policy=policy, suite=suite,
                                     mode=mode, dedicated=dedicated or mode.dedicated,
                                     client=client, server=server)
    c = Ciphering(role=Role.CLIENT, settings=client_config,
                  counters=client_counters or MemoryCounterStore())
    s = Ciphering(role=Role.SERVER, settings=offered,
                  counters=server_counters or MemoryCounterStore())
    c.set_peer_system_title(SERVER_ST)
    s.set_peer_system_title(CLIENT_ST)
    if dedicated or mode.dedicated:
        s.set_dedicated_key(dedicated_for(suite))
    return c, s


def _hint(info: pytest.ExceptionInfo[RemoteProtocolError]) -> ExceptionResponse:
    response = decode_apdu(info.value.response_hint)
    assert isinstance(response, ExceptionResponse)
    assert response.state_error is ExceptionStateError.SERVICE_NOT_ALLOWED
    return response


# -- the Green Book vectors ------------------------------------------------------------------
@pytest.mark.parametrize(("vector_id", "policy", "title"), [
    ("sec-gcm-s0-glo-get-authenc", AAD, "4D4D4D0000BC614E"),
    ("sec-gcm-s0-glo-get-auth", SecurityPolicy.AUTHENTICATED, "4D4D4D0000BC614E"),
    ("sec-gcm-s0-st-4B414D1234567890-enc", SecurityPolicy.ENCRYPTED, "4B414D1234567890"),
    ("sec-gcm-s0-st-4B414D1234567890-auth", SecurityPolicy.AUTHENTICATED, "4B414D1234567890"),
])
def test_glo_get_request_vectors(vector_id: str, policy: SecurityPolicy, title: str) -> None:
    st = hexbytes(title)
    store = MemoryCounterStore(last_sent={_ek(st):
                                          0x01234566})
    client, server = pair_of(policy=policy, client={"system_title": st, "keys": GB_KEYS},
                             client_counters=store)
    server.set_peer_system_title(st)
    plain = hexbytes(vector(vector_id)["inputs"]["plaintext_apdu"])
    apdu = client.protect(plain)
    assert apdu == hexbytes(vector(vector_id)["hex"])
    assert server.unprotect(apdu) == plain
    # the same APDU again is a replay: refused with the counter the server expects
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(apdu)
    response = _hint(info)
    assert response.service_error is ExceptionServiceError.INVOCATION_COUNTER_ERROR
    assert response.invocation_counter == 0x01234568
    assert isinstance(info.value.__cause__, SecurityError)


@pytest.mark.parametrize("vector_id", ["sec-gcm-s0-negative-auth", "sec-gcm-s0-negative-authenc"])
def test_manipulated_green_book_content_is_refused(vector_id: str) -> None:
    content = hexbytes(vector(vector_id)["hex"])
    apdu = bytes((0xC8, len(content))) + content
    _, server = pair_of(policy=SecurityPolicy.AUTHENTICATED, server={"keys": GB_KEYS})
    server.set_peer_system_title(hexbytes("4D4D4D0000BC614E"))
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(apdu)
    assert _hint(info).service_error is ExceptionServiceError.DECIPHERING_ERROR
    client_side = Ciphering(role=Role.CLIENT, settings=replace(
        configs(context=LN_CIPHERED, policy=SecurityPolicy.AUTHENTICATED)[0], keys=GB_KEYS),
        counters=MemoryCounterStore())
    client_side.set_peer_system_title(hexbytes("4D4D4D0000BC614E"))
    with pytest.raises(SecurityError, match="tag mismatch") as error:
        client_side.unprotect(apdu)
    assert_no_key_material(str(error.value), GB_EK, GB_AK)


# -- forms, policies, suites -----------------------------------------------------------------
FORMS = [(policy, mode)
         for policy in (SecurityPolicy.AUTHENTICATED, SecurityPolicy.ENCRYPTED, AAD)
         for mode in CipheringMode
         if policy.encryption or not mode.dedicated]  # a dedicated key needs encryption


@pytest.mark.parametrize("suite", list(SecuritySuite), ids=lambda s: f"suite{int(s)}")
@pytest.mark.parametrize(("policy", "mode"), FORMS, ids=[f"{p.name}-{m.value}" for p, m in FORMS])
def test_round_trip_every_form(suite: SecuritySuite, policy: SecurityPolicy,
                               mode: CipheringMode) -> None:
    client, server = pair_of(policy=policy, suite=suite, mode=mode)
    for n in range(1, 4):
        request = client.protect(GET)
        info = protection_of(request)
        assert info.mode is mode and info.invocation_counter == n
        assert info.security_control == policy.security_control(int(suite))
        assert (GET in request) is (not policy.encryption)
        assert server.unprotect(request) == GET
        response = server.protect(GET_RESPONSE)
        assert protection_of(response).mode is mode
        assert client.unprotect(response) == GET_RESPONSE


@pytest.mark.parametrize(("mode", "tag"), [
    (CipheringMode.GLOBAL, 0xDB), (CipheringMode.DEDICATED, 0xDC),
    (CipheringMode.GENERAL_CIPHERING, 0xDD)])
def test_apdus_without_a_service_specific_form(mode: CipheringMode, tag: int) -> None:
    client, server = pair_of(mode=mode)
    apdu = client.protect(DATA_NOTIFICATION)
    assert apdu[0] == tag
    assert server.unprotect(apdu) == DATA_NOTIFICATION


@pytest.mark.parametrize("plain", [EXCEPTION, GBT], ids=["exception-response", "gbt"])
def test_never_protected_apdus_pass_through(plain: bytes) -> None:
    client, server = pair_of()
    assert client.protect(plain) == plain
    assert server.protect(plain) == plain
    assert client.unprotect(plain) == plain
    assert server.unprotect(plain) == plain


def test_context_without_ciphering_is_plain_both_ways() -> None:
    client_config, offered = configs(context=LN)
    client = Ciphering(role=Role.CLIENT, settings=client_config, counters=MemoryCounterStore())
    server = Ciphering(role=Role.SERVER, settings=offered, counters=MemoryCounterStore())
    assert client.protect(GET) == GET and server.unprotect(GET) == GET
    ciphered, _ = pair_of()
    apdu = ciphered.protect(GET)
    with pytest.raises(RemoteProtocolError, match="without ciphering"):
        client.unprotect(apdu)
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(apdu)
    assert _hint(info).service_error is ExceptionServiceError.OPERATION_NOT_POSSIBLE


def test_acse_apdus_are_not_for_the_policy() -> None:
    client, server = pair_of()
    with pytest.raises(LocalProtocolError):
        client.protect(bytes.fromhex("6203800100"))
    with pytest.raises(LocalProtocolError):
        client.protect(b"")
    # Received where an xDLMS APDU was due (a meter answering a GET with an RLRE): the
    # peer's mistake; the server answers it with an exception-response.
    with pytest.raises(RemoteProtocolError, match="ACSE APDU"):
        client.unprotect(bytes.fromhex("6303800100"))
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(bytes.fromhex("6203800100"))
    assert info.value.response_hint[:1] == b"\xd8"


@pytest.mark.parametrize(("required", "sent"), [
    (AAD, SecurityPolicy.AUTHENTICATED), (AAD, SecurityPolicy.ENCRYPTED),
    (SecurityPolicy.AUTHENTICATED, SecurityPolicy.ENCRYPTED),
    (SecurityPolicy.ENCRYPTED, SecurityPolicy.AUTHENTICATED),
])
def test_weaker_protection_is_refused(required: SecurityPolicy, sent: SecurityPolicy) -> None:
    client, server = pair_of(policy=required,
                             client={"deviations": Deviations(
                                 security_control=sent.security_control(0).to_byte())})
    with pytest.raises(RemoteProtocolError, match="weaker") as info:
        server.unprotect(client.protect(GET))
    assert _hint(info).service_error is ExceptionServiceError.OPERATION_NOT_POSSIBLE


def test_plain_apdu_refused_where_protection_is_required() -> None:
    client, server = pair_of()
    with pytest.raises(RemoteProtocolError, match="plain APDU") as info:
        server.unprotect(GET)
    assert _hint(info).service_error is ExceptionServiceError.OPERATION_NOT_POSSIBLE
    with pytest.raises(RemoteProtocolError, match="plain APDU"):
        client.unprotect(GET_RESPONSE)


def test_stronger_protection_is_accepted_and_answered_in_kind() -> None:
    client, server = pair_of(policy=SecurityPolicy.AUTHENTICATED,
                             client={"deviations": Deviations(security_control=0x30)})
    assert server.unprotect(client.protect(GET)) == GET
    response = server.protect(GET_RESPONSE)
    sc = protection_of(response).security_control
    assert sc is not None and sc.authentication and sc.encryption
    assert client.unprotect(response) == GET_RESPONSE


def test_client_checks_the_response_protection() -> None:
    client, server = pair_of(policy=SecurityPolicy.AUTHENTICATED,
                             client={"deviations": Deviations(security_control=0x30)})
    server.unprotect(client.protect(GET))
    weaker = server.protect(GET_RESPONSE, mode=CipheringMode.GLOBAL)  # policy SC 0x10
    with pytest.raises(RemoteProtocolError, match="less than its request"):
        client.unprotect(weaker)
    client, server = pair_of(mode=CipheringMode.DEDICATED)
    server.unprotect(client.protect(GET))
    other_family = server.protect(GET_RESPONSE, mode=CipheringMode.GLOBAL)
    with pytest.raises(RemoteProtocolError, match="key families"):
        client.unprotect(other_family)


def test_check_response_protection_function() -> None:
    aad = ProtectionInfo(mode=CipheringMode.GLOBAL,
                         security_control=SecurityControl(authentication=True, encryption=True))
    auth = ProtectionInfo(mode=CipheringMode.GLOBAL,
                          security_control=SecurityControl(authentication=True))
    check_response_protection(auth, aad)
    check_response_protection(aad, aad)
    with pytest.raises(RemoteProtocolError):
        check_response_protection(aad, auth)
    with pytest.raises(RemoteProtocolError):
        check_response_protection(auth, protection_of(GET_RESPONSE))
    assert str(protection_of(GET)) == "plain"


def test_suite_mismatch_is_refused() -> None:
    client, server = pair_of(client={"deviations": Deviations(security_control=0x31)})
    apdu = client.protect(GET)
    assert apdu[2] == 0x31  # forced into the header
    with pytest.raises(RemoteProtocolError, match="security suite") as info:
        server.unprotect(apdu)
    assert _hint(info).service_error is ExceptionServiceError.DECIPHERING_ERROR


def test_reserved_suite_byte_is_written_as_forced() -> None:
    client, server = pair_of(client={"deviations": Deviations(security_control=0x33)})
    apdu = client.protect(GET)
    assert decode_ciphered(apdu).security_header.security_control == 0x33
    with pytest.raises(RemoteProtocolError):
        server.unprotect(apdu)


def test_suite_key_sizes() -> None:
    with pytest.raises(ValueError, match="32-byte keys"):
        configs(context=LN_CIPHERED, suite=SecuritySuite.SUITE_2,
                client={"keys": GB_KEYS})
    client, server = pair_of(suite=SecuritySuite.SUITE_2, dedicated=True)
    with pytest.raises(SecurityError, match="needs 32"):
        server.set_dedicated_key(bytes(16))
    assert server.unprotect(client.protect(GET)) == GET


# -- counters -------------------------------------------------------------------------------
def test_counter_reserved_before_the_bytes_are_returned() -> None:
    store = RecordingStore()
    client, _ = pair_of(client_counters=store)
    first = client.protect(GET)
    assert store.log == [(_ek(CLIENT_ST), 1)]
    assert protection_of(first).invocation_counter == 1

    class FailingStore(MemoryCounterStore):
        def reserve(self, key: CounterKey) -> int:
            raise OSError("disk full")

    failing, _ = pair_of(client_counters=FailingStore())
    with pytest.raises(OSError, match="disk full"):
        failing.protect(GET)  # nothing is sent without a persisted counter


def test_counters_per_key() -> None:
    store = RecordingStore()
    client, _ = pair_of(mode=CipheringMode.DEDICATED, client_counters=store)
    client.protect(GET)
    client.protect(GET, mode=CipheringMode.GLOBAL)
    client.protect(GET)
    assert [(key.key_name, n) for key, n in store.log] == [
        ("dedicated key", 1), (EK_NAME, 1), ("dedicated key", 2)]
    assert isinstance(store, InvocationCounterStore)


def test_exhausted_counter() -> None:
    store = MemoryCounterStore(last_sent={
        _ek(CLIENT_ST): 0xFFFFFFFF})
    client, _ = pair_of(client_counters=store)
    with pytest.raises(SecurityError, match="exhausted"):
        client.protect(GET)


def test_receiver_wants_strictly_greater_counters() -> None:
    client, server = pair_of(client={"deviations": Deviations(invocation_counter=5)})
    forced = client.protect(GET)
    assert protection_of(forced).invocation_counter == 5
    assert client.counters.last_accepted(
        _ek(CLIENT_ST)) is None
    assert isinstance(client.counters, MemoryCounterStore)
    assert client.counters.last_sent(
        _ek(CLIENT_ST)) is None  # store untouched
    assert server.unprotect(forced) == GET
    for counter in (5, 4, 0):
        replayed, _ = pair_of(client={"deviations": Deviations(invocation_counter=counter)})
        with pytest.raises(RemoteProtocolError, match="replay"):
            server.unprotect(replayed.protect(GET))
    newer, _ = pair_of(client={"deviations": Deviations(invocation_counter=6)})
    assert server.unprotect(newer.protect(GET)) == GET
    # the client role gets the SecurityError itself
    client, server = pair_of()
    response = server.protect(GET_RESPONSE)
    client.unprotect(response)
    with pytest.raises(SecurityError, match="replay"):
        client.unprotect(response)


def test_memory_store_validation() -> None:
    key = _ek(CLIENT_ST)
    with pytest.raises(ValueError):
        MemoryCounterStore(last_sent={key: 1 << 32})
    store = MemoryCounterStore(last_accepted={key: 7})
    with pytest.raises(SecurityError):
        store.accept(key, 7)
    assert repr(store) == "MemoryCounterStore(sent=0 key(s), accepted=1 key(s))"
    assert str(key) == f"{EK_NAME}, system title {CLIENT_ST.hex().upper()}"


# -- deviations and system titles ------------------------------------------------------------
def test_tampered_tag_is_refused() -> None:
    client, server = pair_of(client={"deviations": Deviations(tamper_tag=True)})
    apdu = client.protect(GET)
    honest, _ = pair_of()
    expected = honest.protect(GET)
    assert apdu[:-1] == expected[:-1] and apdu[-1] == expected[-1] ^ 0x01
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(apdu)
    assert _hint(info).service_error is ExceptionServiceError.DECIPHERING_ERROR


@pytest.mark.parametrize("mode", [CipheringMode.GLOBAL, CipheringMode.GENERAL_GLO,
                                  CipheringMode.GENERAL_CIPHERING], ids=lambda m: m.value)
def test_wrong_system_title_is_refused(mode: CipheringMode) -> None:
    client, server = pair_of(mode=mode,
                             client={"deviations": Deviations(system_title=b"IMPOSTOR")})
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(client.protect(GET))
    assert _hint(info).service_error is ExceptionServiceError.DECIPHERING_ERROR


def test_unknown_peer_system_title() -> None:
    client_config, _ = configs(context=LN_CIPHERED)
    client = Ciphering(role=Role.CLIENT, settings=client_config, counters=MemoryCounterStore())
    _, server = pair_of()
    with pytest.raises(SecurityError, match="unknown"):
        client.unprotect(server.protect(GET_RESPONSE))


def test_general_ciphering_to_another_recipient_is_refused() -> None:
    client, server = pair_of(mode=CipheringMode.GENERAL_CIPHERING)
    apdu = client.protect(GET)
    envelope = decode_ciphered(apdu)
    assert isinstance(envelope, GeneralCiphering)
    assert envelope.recipient_system_title == SERVER_ST
    other = protect_general_ciphering(
        GET, keys=client.keys, security_control=client.security_control,
        invocation_counter=50, transaction_id=bytes(8), originator_system_title=CLIENT_ST,
        recipient_system_title=b"SOMEONE!")
    with pytest.raises(RemoteProtocolError, match="addressed to"):
        server.unprotect(other.to_bytes())


def test_malformed_and_unsupported_envelopes() -> None:
    client, server = pair_of()
    with pytest.raises(CodecError):
        client.unprotect(bytes.fromhex("C80530000000"))
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(bytes.fromhex("C80530000000"))
    assert isinstance(info.value.__cause__, CodecError)
    with pytest.raises(RemoteProtocolError, match="general-signing"):
        client.unprotect(bytes.fromhex("DF0000000000000000"))
    with pytest.raises(CodecError):
        client.unprotect(b"")
    with pytest.raises(RemoteProtocolError):
        server.unprotect(b"")


def test_dedicated_mode_without_a_dedicated_key() -> None:
    client, server = pair_of()
    with pytest.raises(LocalProtocolError, match="dedicated key"):
        client.protect(GET, mode=CipheringMode.DEDICATED)
    other, _ = pair_of(mode=CipheringMode.DEDICATED)
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(other.protect(GET))
    assert _hint(info).service_error is ExceptionServiceError.DECIPHERING_ERROR


def test_no_key_material_in_errors_or_repr() -> None:
    client, server = pair_of(client={"keys": GB_KEYS, "deviations": Deviations(tamper_tag=True)},
                             server={"keys": GB_KEYS})
    with pytest.raises(RemoteProtocolError) as info:
        server.unprotect(client.protect(GET))
    assert_no_key_material(str(info.value), GB_EK, GB_AK)
    assert_no_key_material(repr(client.keys), GB_EK, GB_AK)
    config, _ = configs(context=LN_CIPHERED, dedicated=True, client={"keys": GB_KEYS})
    assert_no_key_material(repr(config), GB_EK, GB_AK, dedicated_for(SecuritySuite.SUITE_0))
