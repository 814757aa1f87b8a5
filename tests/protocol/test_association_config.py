"""Configuration checks of the association machine: inconsistent settings are refused at
construction with a message naming the problem (never a key)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.codec.xdlms.enums import ActionResult
from conformance.protocol.association import (
    LN_CONFORMANCE,
    SN_CONFORMANCE,
    AssociationConfig,
    CipheringMode,
    Deviations,
    OfferedAssociation,
    SecurityPolicy,
    ServerConfig,
    default_conformance,
)
from conformance.security import SecurityKeys, SecuritySuite
from tests.protocol.test_association_support import (
    CLIENT_ST,
    LN,
    LN_CIPHERED,
    SN,
    M,
    configs,
    keys_for,
    signing_keys,
)
from tests.security.helpers import GB_AK, GB_EK, GB_KEYS, assert_no_key_material

CIPHERED: dict[str, Any] = {
    "application_context_name": LN_CIPHERED, "system_title": CLIENT_ST, "keys": GB_KEYS,
    "security_policy": SecurityPolicy.AUTHENTICATED_ENCRYPTED}


@pytest.mark.parametrize(("fields", "match"), [
    ({"mechanism": M.HIGH_LEVEL_SECURITY}, "manufacturer specific"),
    ({"mechanism": M.HIGH_LEVEL_SECURITY_MD5, "secret": b"s",
      "application_context_name": SN}, "SN referencing"),
    ({"mechanism": M.LOW_LEVEL_SECURITY}, "needs a secret"),
    ({"mechanism": M.HIGH_LEVEL_SECURITY_SHA256}, "needs a secret"),
    ({"mechanism": M.HIGH_LEVEL_SECURITY_GMAC, "keys": GB_KEYS}, "own system title"),
    ({"mechanism": M.HIGH_LEVEL_SECURITY_GMAC, "system_title": CLIENT_ST,
      "keys": SecurityKeys(encryption_key=GB_EK)}, r"EK \(global unicast\) and AK"),
    ({"mechanism": M.HIGH_LEVEL_SECURITY_ECDSA, "system_title": CLIENT_ST}, "signing key"),
    ({**CIPHERED, "system_title": None}, "own system title"),
    ({**CIPHERED, "security_policy": SecurityPolicy.NONE}, "security policy"),
    ({**CIPHERED, "keys": SecurityKeys(authentication_key=GB_AK)}, "needs EK"),
    ({**CIPHERED, "keys": SecurityKeys(encryption_key=GB_EK)}, "needs AK"),
    ({"security_policy": SecurityPolicy.AUTHENTICATED}, "policy NONE"),
    ({**CIPHERED, "security_suite": SecuritySuite.SUITE_2}, "32-byte keys"),
    ({"system_title": b"short"}, "8 bytes"),
    ({"peer_system_title": b"much too long"}, "8 bytes"),
    ({"challenge_length": 7}, "challenge_length"),
    ({"challenge_length": 65}, "challenge_length"),
    ({"client_max_receive_pdu_size": 0x10000}, "client_max_receive_pdu_size"),
    ({"dlms_version": 256}, "dlms_version"),
    ({"dedicated_key": bytes(16)}, "ciphered context"),
    ({**CIPHERED, "dedicated_key": bytes(16),
      "security_policy": SecurityPolicy.AUTHENTICATED}, "encrypted"),
    ({**CIPHERED, "dedicated_key": bytes(32)}, "dedicated_key is 32 bytes"),
    ({**CIPHERED, "ciphering_mode": CipheringMode.DEDICATED}, "needs a dedicated key"),
    ({**CIPHERED, "initiate_ciphering": CipheringMode.DEDICATED}, "global key"),
    ({**CIPHERED, "keys": SecurityKeys(encryption_key=GB_EK, authentication_key=GB_AK,
                                       dedicated_key=bytes(16))}, "not in keys"),
])
def test_client_config_refused(fields: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        AssociationConfig(**fields)
    assert_no_key_material(str(info.value), GB_EK, GB_AK)


def test_ecdsa_keys_must_fit_the_suite() -> None:
    client_key, server_key = signing_keys(SecuritySuite.SUITE_1)
    p384, _ = signing_keys(SecuritySuite.SUITE_2)
    base: dict[str, Any] = {"mechanism": M.HIGH_LEVEL_SECURITY_ECDSA, "system_title": CLIENT_ST,
                            "signing_key": client_key,
                            "peer_signing_key": server_key.public_key()}
    with pytest.raises(ValueError, match=r"suite 1 \(P-256\) or 2"):
        AssociationConfig(**base)
    with pytest.raises(ValueError, match="suite 2, the association uses suite 1"):
        AssociationConfig(**{**base, "security_suite": SecuritySuite.SUITE_1,
                             "peer_signing_key": p384.public_key()})
    AssociationConfig(**{**base, "security_suite": SecuritySuite.SUITE_1})


@pytest.mark.parametrize(("fields", "match"), [
    ({"hls_failure_result": ActionResult.SUCCESS}, "must not be success"),
    ({"ciphering_mode": CipheringMode.DEDICATED}, "global key"),
    ({"keys": SecurityKeys(dedicated_key=bytes(16))}, "InitiateRequest"),
    ({"server_max_receive_pdu_size": -1}, "server_max_receive_pdu_size"),
    ({"supported_conformance": 1 << 24}, "supported_conformance"),
])
def test_offered_association_refused(fields: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        OfferedAssociation(**fields)


def test_server_config() -> None:
    offered = OfferedAssociation()
    config = ServerConfig(associations={0x10: offered})
    assert config.offered(0x10) is offered and config.offered(0x01) is None
    with pytest.raises(TypeError):
        config.associations[0x11] = offered  # type: ignore[index]
    with pytest.raises(ValueError, match="SAP"):
        ServerConfig(associations={0x80: offered})
    with pytest.raises(TypeError, match="OfferedAssociation"):
        ServerConfig(associations={0x10: AssociationConfig()})  # type: ignore[dict-item]


def test_deviations_ranges() -> None:
    assert not Deviations().active and Deviations(tamper_tag=True).active
    for fields in ({"invocation_counter": 1 << 32}, {"security_control": 256},
                   {"max_receive_pdu_size": -1}):
        with pytest.raises(ValueError):
            Deviations(**fields)  # type: ignore[arg-type]


def test_default_conformance_by_context() -> None:
    assert default_conformance(LN) == LN_CONFORMANCE
    assert default_conformance(SN) == SN_CONFORMANCE
    assert AssociationConfig().conformance == LN_CONFORMANCE
    assert OfferedAssociation(application_context_name=SN).conformance == SN_CONFORMANCE
    assert SN_CONFORMANCE.names() == ("read", "write", "unconfirmed-write",
                                      "multiple-references", "information-report",
                                      "parameterized-access")


def test_secrets_never_in_repr() -> None:
    client, offered = configs(context=LN_CIPHERED, mechanism=M.LOW_LEVEL_SECURITY,
                              dedicated=True, client={"keys": keys_for(SecuritySuite.SUITE_0)})
    for text in (repr(client), repr(offered)):
        assert "12345678" not in text
        assert_no_key_material(text, GB_EK, GB_AK, client.dedicated_key)
