"""Security setup (class 64, version 1): attributes, security_activate, key_transfer with
the shared RFC 3394 vectors, key_agreement (suite 1), key pairs and certificates."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from conformance.codec.axdr import (
    Array,
    Data,
    Enum,
    OctetString,
    Structure,
    Unsigned,
    encode_data,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.security.ecc import generate_private_key
from conformance.security.kdf import (
    KeyAgreementScheme,
    agree_key,
    one_pass_key_ciphered_data,
    verify_one_pass_key_ciphered_data,
)
from conformance.security.keys import SecurityKeys
from conformance.security.keywrap import KeyTransferId
from conformance.security.suites import suite_parameters
from conformance.simulator.cosem import (
    AssociationHooks,
    LogicalDevice,
    SecurityPolicy,
    SecuritySetup,
)
from tests.simulator.cosem_support import RW, attr, ctx, ln, meth, rights
from tests.vectors import vector

A = ActionResult
NAME = "0.0.43.0.1.255"
CLIENT_ST = bytes.fromhex("4D4D4D0000BC614E")
SERVER_ST = bytes.fromhex("4D4D4D0000000001")
EK = bytes(range(16))
AK = bytes.fromhex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")


class Hooks(AssociationHooks):
    def __init__(self) -> None:
        self.keys: list[tuple[KeyTransferId, ...]] = []
        self.policies: list[int] = []

    def keys_changed(self, setup: SecuritySetup, key_ids: tuple[KeyTransferId, ...]) -> None:
        self.keys.append(key_ids)

    def security_policy_changed(self, setup: SecuritySetup) -> None:
        self.policies.append(int(setup.security_policy))


def make(suite: int = 0, policy: int = 0x0C, keys: SecurityKeys | None = None,
         **kw: object) -> tuple[SecuritySetup, LogicalDevice, Hooks]:
    setup = SecuritySetup(ln(NAME), association="m", security_policy=policy,
                          security_suite=suite, client_system_title=CLIENT_ST,
                          server_system_title=SERVER_ST,
                          keys=keys if keys is not None else SecurityKeys(
                              encryption_key=EK, authentication_key=AK, master_key=EK),
                          access={"m": rights(6, RW, 8)}, **kw)  # type: ignore[arg-type]
    return setup, LogicalDevice([setup]), Hooks()


def call(dev: LogicalDevice, hooks: Hooks, index: int, parameters: Data | None) -> object:
    return dev.action(ctx("m", hooks=hooks), meth(64, NAME, index), parameters)


def transfer(*items: tuple[int, bytes]) -> Array:
    return Array(items=tuple(Structure(items=(Enum(value=k), OctetString(value=v)))
                             for k, v in items))


def test_attributes() -> None:
    _, dev, _ = make(policy=0x6C)
    expected = {1: "090600002B0001FF", 2: "166C", 3: "1600", 4: "09084D4D4D0000BC614E",
                5: "09084D4D4D0000000001", 6: "0100"}
    for index, text in expected.items():
        got = dev.get(ctx("m"), attr(64, NAME, index))
        assert encode_data(got) == bytes.fromhex(text), index  # type: ignore[arg-type]
    for index in range(2, 7):
        assert dev.set(ctx("m"), attr(64, NAME, index), None, Enum(value=0)) \
            is DataAccessResult.READ_WRITE_DENIED
    assert "key" not in repr(make()[0]).lower()


# -- key_transfer -------------------------------------------------------------------------
@pytest.mark.parametrize("vector_id, suite", [("keywrap-rfc3394-aes128", 0),
                                              ("keywrap-rfc3394-aes256", 2)])
def test_key_transfer_with_the_shared_vectors(vector_id: str, suite: int) -> None:
    v = vector(vector_id)
    kek = bytes.fromhex(v["inputs"]["KEK"])
    wrapped = bytes.fromhex(v["expected"]["wrapped_key"])
    plain = bytes.fromhex(v["expected"]["unwrap_returns"])
    setup, dev, hooks = make(suite, keys=SecurityKeys(master_key=kek))
    assert call(dev, hooks, 2, transfer((0, wrapped), (2, wrapped))) == (A.SUCCESS, None)
    assert setup.keys.encryption_key == plain
    assert setup.keys.authentication_key == plain
    assert setup.keys.master_key == kek
    assert hooks.keys == [(KeyTransferId.GLOBAL_UNICAST_ENCRYPTION_KEY,
                           KeyTransferId.AUTHENTICATION_KEY)]


def test_a_new_master_key_wraps_the_next_transfer() -> None:
    v = vector("keywrap-rfc3394-aes128")
    kek = bytes.fromhex(v["inputs"]["KEK"])
    new_kek = bytes.fromhex(v["expected"]["unwrap_returns"])
    setup, dev, hooks = make(keys=SecurityKeys(master_key=kek))
    assert call(dev, hooks, 2, transfer((3, bytes.fromhex(v["hex"])))) == (A.SUCCESS, None)
    assert setup.keys.master_key == new_kek
    # the same wrapped key no longer unwraps under the new KEK
    assert call(dev, hooks, 2, transfer((1, bytes.fromhex(v["hex"])))) \
        == (A.OTHER_REASON, None)
    assert setup.keys.broadcast_key is None


@pytest.mark.parametrize("items, result", [
    (((0, "GOOD"), (2, "BAD")), A.OTHER_REASON),     # all or nothing
    (((4, "GOOD"),), A.OTHER_REASON),                  # undefined key id
    (((0, "GOOD"), (0, "GOOD")), A.OTHER_REASON),     # repeated key id
    ((), A.OTHER_REASON),                              # nothing to transfer
    (((0, "SHORT"),), A.OTHER_REASON),                 # not a wrapped key
    (((0, "AES256"),), A.OTHER_REASON),                # a 32-byte key in suite 0
])
def test_key_transfer_refusals(items: tuple[tuple[int, str], ...], result: ActionResult
                               ) -> None:
    v128, v256 = vector("keywrap-rfc3394-aes128"), vector("keywrap-rfc3394-aes256")
    kek = bytes.fromhex(v128["inputs"]["KEK"])
    data = {"GOOD": bytes.fromhex(v128["hex"]), "BAD": bytes.fromhex(v128["hex"])[::-1],
            "SHORT": bytes(16), "AES256": bytes.fromhex(v256["hex"])}
    setup, dev, hooks = make(keys=SecurityKeys(encryption_key=EK, master_key=kek))
    assert call(dev, hooks, 2, transfer(*((k, data[n]) for k, n in items))) == (result, None)
    assert setup.keys.encryption_key == EK
    assert hooks.keys == []


def test_key_transfer_parameter_types_and_missing_kek() -> None:
    v = vector("keywrap-rfc3394-aes128")
    setup, dev, hooks = make(keys=SecurityKeys(encryption_key=EK))
    assert call(dev, hooks, 2, transfer((0, bytes.fromhex(v["hex"])))) == (A.OTHER_REASON, None)
    assert setup.keys.encryption_key == EK
    for bad in (None, OctetString(value=b""), Array(items=(Enum(value=0),)),
                Array(items=(Structure(items=(Unsigned(value=0), OctetString(value=b""))),))):
        assert call(dev, hooks, 2, bad) == (A.TYPE_UNMATCHED, None)


# -- security_activate --------------------------------------------------------------------
def test_security_activate_only_strengthens() -> None:
    setup, dev, hooks = make(policy=0x0C)
    assert call(dev, hooks, 1, Enum(value=0x0C)) == (A.SUCCESS, None)
    assert hooks.policies == []
    assert call(dev, hooks, 1, Enum(value=0x6C)) == (A.SUCCESS, None)
    assert setup.security_policy == (SecurityPolicy.AUTHENTICATED_REQUEST
                                     | SecurityPolicy.ENCRYPTED_REQUEST
                                     | SecurityPolicy.AUTHENTICATED_RESPONSE
                                     | SecurityPolicy.ENCRYPTED_RESPONSE)
    assert hooks.policies == [0x6C]
    for weaker in (0x0C, 0x2C, 0x00):
        assert call(dev, hooks, 1, Enum(value=weaker)) == (A.OTHER_REASON, None)
    assert call(dev, hooks, 1, Enum(value=0x6D)) == (A.OTHER_REASON, None)  # unused bit 0
    assert call(dev, hooks, 1, Enum(value=0xEC)) == (A.OTHER_REASON, None)  # no signing keys
    assert call(dev, hooks, 1, Unsigned(value=0x6C)) == (A.TYPE_UNMATCHED, None)
    assert dev.get(ctx("m"), attr(64, NAME, 2)) == Enum(value=0x6C)
    _, bare, hooks2 = make(policy=0, keys=SecurityKeys(master_key=EK))
    assert call(bare, hooks2, 1, Enum(value=0x04)) == (A.OTHER_REASON, None)  # no EK / AK
    with pytest.raises(ValueError, match="unused"):
        make(policy=0x02)


# -- key_agreement ------------------------------------------------------------------------
def test_key_agreement_suite_1() -> None:
    suite = suite_parameters(1)
    client_signing, server_signing = generate_private_key(suite), generate_private_key(suite)
    setup, dev, hooks = make(1, server_signing_key=server_signing,
                             client_signing_public_key=client_signing.public_key())
    ephemeral = generate_private_key(suite)
    parameters = transfer((0, one_pass_key_ciphered_data(ephemeral, client_signing)))
    result, answer = call(dev, hooks, 3, parameters)  # type: ignore[misc]
    assert result is A.SUCCESS
    assert isinstance(answer, Array) and len(answer.items) == 1
    key_id, data = answer.items[0].items  # type: ignore[attr-defined]
    assert key_id == Enum(value=0)
    peer = verify_one_pass_key_ciphered_data(data.value, suite=suite,
                                             signing_public_key=server_signing.public_key())
    agreed = agree_key(KeyAgreementScheme.EPHEMERAL_UNIFIED_MODEL, private_key=ephemeral,
                       peer_public_key=peer, party_u_system_title=CLIENT_ST,
                       party_v_system_title=SERVER_ST)
    assert setup.keys.encryption_key == agreed and len(agreed) == 16
    assert hooks.keys == [(KeyTransferId.GLOBAL_UNICAST_ENCRYPTION_KEY,)]
    # a signature by another key, the master key, or suite 0: refused
    forged = transfer((2, one_pass_key_ciphered_data(ephemeral, generate_private_key(suite))))
    assert call(dev, hooks, 3, forged) == (A.OTHER_REASON, None)
    assert call(dev, hooks, 3, transfer((3, data.value))) == (A.OTHER_REASON, None)
    _, dev0, hooks0 = make(0, server_signing_key=server_signing,
                           client_signing_public_key=client_signing.public_key())
    assert call(dev0, hooks0, 3, parameters) == (A.OTHER_REASON, None)
    assert call(dev, hooks, 3, Enum(value=0)) == (A.TYPE_UNMATCHED, None)


# -- key pairs and certificates ----------------------------------------------------------
def _certificate(common_name: str, *, key: object | None = None, ca: bool = False,
                 agreement: bool = False, serial: int = 0x1234) -> bytes:
    private = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(private.public_key())  # type: ignore[attr-defined]
               .serial_number(serial).not_valid_before(start)
               .not_valid_after(start + dt.timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not agreement, key_agreement=agreement,
                   content_commitment=False, key_encipherment=False, data_encipherment=False,
                   key_cert_sign=ca, crl_sign=False, encipher_only=False,
                   decipher_only=False), critical=True))
    algorithm = None if isinstance(private, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    certificate = builder.sign(private, algorithm)  # type: ignore[arg-type]
    return certificate.public_bytes(serialization.Encoding.DER)


def _by_entity(entity: int, ctype: int, title: bytes) -> Structure:
    return Structure(items=(Enum(value=0), Structure(items=(
        Enum(value=entity), Enum(value=ctype), OctetString(value=title)))))


def test_generate_key_pair_and_certificate_request() -> None:
    setup, dev, hooks = make(1)
    assert setup.server_signing_key is None
    assert call(dev, hooks, 5, Enum(value=0)) == (A.OTHER_REASON, None)  # no key pair yet
    assert call(dev, hooks, 4, Enum(value=0)) == (A.SUCCESS, None)
    key = setup.server_signing_key
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    result, csr_data = call(dev, hooks, 5, Enum(value=0))  # type: ignore[misc]
    assert result is A.SUCCESS
    csr = x509.load_der_x509_csr(csr_data.value)
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == "CN=4D4D4D0000000001"
    assert csr.public_key().public_numbers() == key.public_key().public_numbers()  # type: ignore
    assert call(dev, hooks, 4, Enum(value=3)) == (A.OTHER_REASON, None)
    assert call(dev, hooks, 4, Unsigned(value=0)) == (A.TYPE_UNMATCHED, None)
    _, dev0, hooks0 = make(0)
    assert call(dev0, hooks0, 4, Enum(value=1)) == (A.OTHER_REASON, None)


def test_import_export_remove_certificates() -> None:
    _, dev, hooks = make(1)
    client = _certificate(CLIENT_ST.hex().upper())
    server = _certificate(SERVER_ST.hex().upper(), agreement=True, serial=0x99)
    ca = _certificate("Test CA", ca=True, serial=0x01)
    for der in (client, server, ca):
        assert call(dev, hooks, 6, OctetString(value=der)) == (A.SUCCESS, None)
    listed = dev.get(ctx("m"), attr(64, NAME, 6))
    assert isinstance(listed, Array)
    info = [(i.items[0].value, i.items[1].value, i.items[2].value)  # type: ignore[attr-defined]
            for i in listed.items]
    assert info == [(1, 0, b"\x12\x34"), (0, 1, b"\x99"), (2, 0, b"\x01")]
    subject = listed.items[0].items[4]  # type: ignore[attr-defined]
    assert subject == OctetString(value=x509.load_der_x509_certificate(client).subject
                                  .public_bytes())
    assert call(dev, hooks, 7, _by_entity(1, 0, CLIENT_ST)) \
        == (A.SUCCESS, OctetString(value=client))
    issuer = x509.load_der_x509_certificate(server).issuer.public_bytes()
    by_serial = Structure(items=(Enum(value=1), Structure(items=(
        OctetString(value=b"\x99"), OctetString(value=issuer)))))
    assert call(dev, hooks, 7, by_serial) == (A.SUCCESS, OctetString(value=server))
    assert call(dev, hooks, 7, _by_entity(0, 0, SERVER_ST)) == (A.OTHER_REASON, None)
    assert call(dev, hooks, 8, by_serial) == (A.SUCCESS, None)
    assert call(dev, hooks, 8, by_serial) == (A.OTHER_REASON, None)
    assert call(dev, hooks, 7, Structure(items=(Enum(value=2), Structure()))) \
        == (A.OTHER_REASON, None)
    assert call(dev, hooks, 7, Structure(items=(Enum(value=0), Structure()))) \
        == (A.TYPE_UNMATCHED, None)
    assert call(dev, hooks, 7, OctetString(value=b"")) == (A.TYPE_UNMATCHED, None)
    # re-importing the same serial and issuer replaces the entry
    assert call(dev, hooks, 6, OctetString(value=client)) == (A.SUCCESS, None)
    assert len(dev.get(ctx("m"), attr(64, NAME, 6)).items) == 2  # type: ignore[union-attr]


def test_import_certificate_refusals() -> None:
    _, dev, hooks = make(1)
    assert call(dev, hooks, 6, OctetString(value=b"\x30\x03garbage")) == (A.OTHER_REASON, None)
    edwards = _certificate("EE", key=ed25519.Ed25519PrivateKey.generate())
    assert call(dev, hooks, 6, OctetString(value=edwards)) == (A.OTHER_REASON, None)
    assert call(dev, hooks, 6, Enum(value=0)) == (A.TYPE_UNMATCHED, None)
    assert dev.get(ctx("m"), attr(64, NAME, 6)) == Array()
