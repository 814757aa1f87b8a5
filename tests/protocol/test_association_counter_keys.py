"""Invocation counters per key (Green Book 9.2.7: the receiver keeps the last counter per
key), two regressions:

1. HLS-GMAC: the f() counter is one of EK's; a ded- APDU carrying f() has a counter of the
   dedicated key. Equal numbers of different keys are no IV reuse and must be accepted
   (pass 4 on the client, pass 3 on the server); equal numbers of the same key are not.
2. A counter belongs to a key, not to a key's name: a key replaced (e.g. by key_transfer)
   starts a new counter sequence, so a client that restarts its counter with the new key is
   accepted, while the old key keeps its floor.
"""

from __future__ import annotations

import pytest

from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import OctetString
from conformance.codec.xdlms.action import ActionResponseNormal
from conformance.codec.xdlms.enums import ActionResult
from conformance.errors import RemoteProtocolError, SecurityError
from conformance.protocol.association import (
    KEY_DIGEST_LENGTH,
    AssociateConfirm,
    AssociateRequest,
    AssociateResponse,
    AssociationState,
    CipheringMode,
    CounterKey,
    MemoryCounterStore,
    ReplyToHlsConfirm,
    ReplyToHlsIndication,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    key_digest,
    protection_of,
)
from conformance.protocol.association.hls import reply_to_hls_response
from conformance.security import (
    SecretKey,
    SecurityControl,
    SecurityKeys,
    hls_gmac,
    protect_apdu,
)
from conformance.security.keys import DEDICATED, EK_UNICAST
from tests.protocol.test_association_support import (
    CLIENT_ST,
    DEDICATED_16,
    LN_CIPHERED,
    SERVER_ST,
    M,
    Pair,
    associate,
    configs,
    pair,
)
from tests.security.helpers import GB_AK, GB_EK, assert_no_key_material

OTHER_EK = bytes.fromhex("F0E1D2C3B4A5968778695A4B3C2D1E0F")


class MeterLikeStore(MemoryCounterStore):
    """Like the reference meter with ``server.invocation_counter: 0``: a fresh global key
    starts at 0, a dedicated key (a store of the association's own) at 1."""

    def reserve(self, key: CounterKey) -> int:
        if key.key_name != DEDICATED and self.last_sent(key) is None:
            self._sent[key] = 0
            return 0
        return super().reserve(key)


def _gmac_dedicated_pair(**kwargs: object) -> Pair:
    return pair(*configs(context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_GMAC,
                         mode=CipheringMode.DEDICATED, dedicated=True), **kwargs)  # type: ignore[arg-type]


def _aarq(apdu: bytes) -> AARQ:
    decoded = decode_acse_apdu(apdu)
    assert isinstance(decoded, AARQ)
    return decoded


def _f_counter(f: bytes) -> int:
    """The invocation counter inside an HLS-GMAC f() (SC | IC | tag)."""
    return int.from_bytes(f[1:5], "big")


def test_client_accepts_f_ctos_counter_equal_to_its_ded_envelope_counter() -> None:
    """The reference meter's case: AARE glo-initiate-response EK 0, f(CtoS) EK 1, the
    ded-action-response dedicated key 1 -- the client used to refuse it."""
    p = _gmac_dedicated_pair(server_counters=MeterLikeStore())
    p.server.receive(p.client.send(AssociateRequest()))
    p.client.receive(p.server.send(AssociateResponse()))
    assert isinstance(p.server.receive(p.client.send(ReplyToHlsRequest())),
                      ReplyToHlsIndication)
    pass4 = p.server.send(ReplyToHlsResponse())
    info = protection_of(pass4)
    assert info.mode is CipheringMode.DEDICATED
    plain = p.client.ciphering.peek(pass4)
    assert plain is not None
    response = decode_apdu(plain)
    assert isinstance(response, ActionResponseNormal)
    f = response.single_response.return_parameters
    assert isinstance(f, OctetString)
    assert _f_counter(f.value) == info.invocation_counter == 1  # equal numbers, other keys
    assert isinstance(p.client.receive(pass4), ReplyToHlsConfirm)
    assert p.client.associated


def test_server_accepts_f_stoc_counter_equal_to_its_ded_envelope_counter() -> None:
    client_counters = MemoryCounterStore(last_sent={
        CounterKey.of(SecretKey(name=DEDICATED, value=DEDICATED_16), CLIENT_ST): 1})
    p = _gmac_dedicated_pair(client_counters=client_counters)
    p.server.receive(p.client.send(AssociateRequest()))  # EK counter 1
    p.client.receive(p.server.send(AssociateResponse()))
    pass3 = p.client.send(ReplyToHlsRequest())           # f(StoC) EK 2, ded envelope 2
    assert protection_of(pass3).mode is CipheringMode.DEDICATED
    assert protection_of(pass3).invocation_counter == 2
    assert isinstance(p.server.receive(pass3), ReplyToHlsIndication)
    assert isinstance(p.client.receive(p.server.send(ReplyToHlsResponse())), ReplyToHlsConfirm)


def test_client_still_refuses_f_ctos_reusing_the_counter_of_its_glo_envelope() -> None:
    """Same number, same key (EK) and system title: the same IV twice."""
    p = pair(*configs(context=LN_CIPHERED, mechanism=M.HIGH_LEVEL_SECURITY_GMAC))
    aarq = p.client.send(AssociateRequest())
    ctos = _aarq(aarq).calling_authentication_value
    assert isinstance(ctos, AuthenticationValueCharstring)
    p.server.receive(aarq)
    confirm = p.client.receive(p.server.send(AssociateResponse()))
    assert isinstance(confirm, AssociateConfirm)
    p.client.send(ReplyToHlsRequest(invoke_id_and_priority=0xC1))
    keys = p.client.config.keys
    f = hls_gmac(ctos.value, keys=keys, system_title=SERVER_ST, invocation_counter=20)
    response = reply_to_hls_response(0xC1, ActionResult.SUCCESS, f).to_bytes()
    sc = SecurityControl(authentication=True, encryption=True)
    apdu = protect_apdu(response, keys=keys, security_control=sc, invocation_counter=20,
                        system_title=SERVER_ST).to_bytes()
    with pytest.raises(SecurityError, match="reuses invocation counter 20"):
        p.client.receive(apdu)
    assert p.client.state is AssociationState.AUTHENTICATION_PENDING


# -- counters belong to keys --------------------------------------------------------------
def test_counter_key_identifies_the_key_without_holding_it() -> None:
    old = CounterKey.of(SecretKey(name=EK_UNICAST, value=GB_EK), CLIENT_ST)
    same = CounterKey.of(SecretKey(name=EK_UNICAST, value=bytes(GB_EK)), CLIENT_ST)
    new = CounterKey.of(SecretKey(name=EK_UNICAST, value=OTHER_EK), CLIENT_ST)
    assert old == same and hash(old) == hash(same)
    assert old != new and old.key_name == new.key_name
    assert len(old.key_digest) == KEY_DIGEST_LENGTH and old.key_digest == key_digest(GB_EK)
    assert old.key_digest not in GB_EK and GB_EK not in old.key_digest
    for text in (repr(old), str(old)):
        assert_no_key_material(text, GB_EK)
        assert old.key_digest.hex() not in text.lower()
    assert str(old) == f"{EK_UNICAST}, system title {CLIENT_ST.hex().upper()}"
    with pytest.raises(ValueError, match="key_digest must be 8 octets"):
        CounterKey(key_name=EK_UNICAST, system_title=CLIENT_ST, key_digest=b"\x00")
    assert sorted([new, old]) in ([old, new], [new, old])  # ordered (state files sort)


def _ciphered_pair(ek: bytes, server_counters: MemoryCounterStore,
                   client_counters: MemoryCounterStore | None = None) -> Pair:
    keys = {"keys": SecurityKeys(encryption_key=ek, authentication_key=GB_AK)}
    return pair(*configs(context=LN_CIPHERED, client=keys, server=keys),
                client_counters=client_counters, server_counters=server_counters)


def test_a_new_key_starts_a_new_counter_sequence_on_both_sides() -> None:
    server = MemoryCounterStore()
    first = _ciphered_pair(GB_EK, server)
    associate(first)
    ek_client = CounterKey.of(SecretKey(name=EK_UNICAST, value=GB_EK), CLIENT_ST)
    assert server.last_accepted(ek_client) == 1
    # the same key again with a client that restarts its counter: a replay
    again = _ciphered_pair(GB_EK, server)
    with pytest.raises(RemoteProtocolError, match="not greater"):
        again.server.receive(again.client.send(AssociateRequest()))
    # a new key (as after key_transfer): the client restarts at 1 and is accepted, and the
    # server's own counter of the new key starts afresh too
    renewed = _ciphered_pair(OTHER_EK, server)
    associate(renewed)
    new_client = CounterKey.of(SecretKey(name=EK_UNICAST, value=OTHER_EK), CLIENT_ST)
    new_server = CounterKey.of(SecretKey(name=EK_UNICAST, value=OTHER_EK), SERVER_ST)
    assert server.last_accepted(new_client) == 1
    assert server.last_sent(new_server) == 1
    assert server.last_accepted(ek_client) == 1  # the old key keeps its floor
    aare_counter = renewed.client_counters.last_accepted(new_server)
    assert aare_counter == 1
    # and a client seeded with the old key's counter does not carry it to the new key
    seeded = MemoryCounterStore(last_sent={ek_client: 40})
    p = _ciphered_pair(OTHER_EK, MemoryCounterStore(), client_counters=seeded)
    aarq = p.client.send(AssociateRequest())
    ui = _aarq(aarq).user_information
    assert ui is not None and protection_of(ui).invocation_counter == 1
