"""Key agreement: ECDH schemes of SP 800-56A and the concatenation KDF (Green Book 9.2,
key agreement, and its Annex C examples; IEC 62056-5-3:2023 Annex I).

Three schemes, each a single ECC CDH computation Z = ECDH(own private, peer public):

* C(2e, 0s) *ephemeral unified model*: both parties use ephemeral keys (Security setup
  method key_agreement);
* C(1e, 1s) *one-pass Diffie-Hellman*: party U (the originator) an ephemeral key, party V
  (the recipient) its static key-agreement key (general-ciphering, key-parameters 0x01;
  key-ciphered-data = U's ephemeral public key || U's ECDSA signature of it);
* C(0e, 2s) *static unified model*: both static key-agreement keys (general-ciphering,
  key-parameters 0x02; key-ciphered-data empty; the transaction-id makes the key fresh).

The key is ``ConcatKDF(Z, OtherInfo)`` (SP 800-56A 5.8.1, ``cryptography``'s
ConcatKDFHash) with the suite's hash and key length, and
``OtherInfo = AlgorithmID || PartyUInfo || PartyVInfo [|| SuppPubInfo [|| SuppPrivInfo]]``:
AlgorithmID is the encoded OID of the algorithm the key is for (AES-GCM by default),
PartyUInfo the system title of U, PartyVInfo the system title of V; for C(0e, 2s)
PartyVInfo is ``len(transaction-id) || transaction-id || system title of V``. SuppPubInfo
and SuppPrivInfo are empty in DLMS (as the Green Book / Gurux vectors confirm).
"""

from __future__ import annotations

from enum import IntEnum

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

from conformance.errors import SecurityError
from conformance.security.ecc import (
    ecdh_shared_secret,
    ecdsa_sign,
    ecdsa_verify,
    load_public_key,
    public_key_bytes,
    suite_of_key,
)
from conformance.security.gcm import SYSTEM_TITLE_LENGTH
from conformance.security.suites import SecuritySuite, SuiteParameters

__all__ = [
    "ALGORITHM_ID_AES_GCM_128",
    "ALGORITHM_ID_AES_GCM_256",
    "ALGORITHM_ID_AES_WRAP_128",
    "ALGORITHM_ID_AES_WRAP_256",
    "KeyAgreementScheme",
    "agree_key",
    "concat_kdf",
    "default_algorithm_id",
    "green_book_other_info",
    "one_pass_key_ciphered_data",
    "other_info",
    "verify_one_pass_key_ciphered_data",
]

# Cryptographic algorithm ids, OID 2.16.756.5.8.3.x, BER-encoded (Green Book 9.2).
ALGORITHM_ID_AES_GCM_128 = bytes.fromhex("60857405080300")
ALGORITHM_ID_AES_GCM_256 = bytes.fromhex("60857405080301")
ALGORITHM_ID_AES_WRAP_128 = bytes.fromhex("60857405080302")
ALGORITHM_ID_AES_WRAP_256 = bytes.fromhex("60857405080303")


class KeyAgreementScheme(IntEnum):
    """SP 800-56A schemes used by DLMS; 1 and 2 are the agreed-key key-parameters values."""

    EPHEMERAL_UNIFIED_MODEL = 0
    """C(2e, 0s, ECC CDH)."""
    ONE_PASS_DIFFIE_HELLMAN = 1
    """C(1e, 1s, ECC CDH)."""
    STATIC_UNIFIED_MODEL = 2
    """C(0e, 2s, ECC CDH)."""


def default_algorithm_id(suite: SuiteParameters) -> bytes:
    """AES-GCM-128 for suite 1, AES-GCM-256 for suite 2."""
    return (ALGORITHM_ID_AES_GCM_256 if suite.suite is SecuritySuite.SUITE_2
            else ALGORITHM_ID_AES_GCM_128)


def other_info(*, algorithm_id: bytes, party_u_info: bytes, party_v_info: bytes,
               supp_pub_info: bytes = b"", supp_priv_info: bytes = b"") -> bytes:
    """SP 800-56A 5.8.1.2 OtherInfo, the fields concatenated as given."""
    return algorithm_id + party_u_info + party_v_info + supp_pub_info + supp_priv_info


def _system_title(value: bytes, role: str) -> bytes:
    if len(value) != SYSTEM_TITLE_LENGTH:
        raise SecurityError(f"the system title of {role} must be 8 bytes, got {len(value)}")
    return value


def green_book_other_info(scheme: KeyAgreementScheme, *, suite: SuiteParameters,
                          party_u_system_title: bytes, party_v_system_title: bytes,
                          transaction_id: bytes | None = None,
                          algorithm_id: bytes | None = None) -> bytes:
    """OtherInfo of ``scheme`` as the Green Book lays it out (see the module docstring);
    ``transaction_id`` is required by (and only used in) the static unified model."""
    u = _system_title(party_u_system_title, "party U")
    v = _system_title(party_v_system_title, "party V")
    alg = default_algorithm_id(suite) if algorithm_id is None else algorithm_id
    if scheme is KeyAgreementScheme.STATIC_UNIFIED_MODEL:
        if transaction_id is None:
            raise SecurityError("C(0e, 2s) key agreement needs the transaction-id")
        if len(transaction_id) > 0x7F:
            raise SecurityError("a transaction-id longer than 127 bytes is not supported")
        v = bytes((len(transaction_id),)) + transaction_id + v
    elif transaction_id is not None:
        raise SecurityError(f"{scheme.name}: the transaction-id is not part of its OtherInfo")
    return other_info(algorithm_id=alg, party_u_info=u, party_v_info=v)


def concat_kdf(z: bytes, *, suite: SuiteParameters, other_info: bytes,
               length: int | None = None) -> bytes:
    """``length`` bytes (default: the suite's key length) derived from the shared secret
    ``z`` with the suite's hash (SP 800-56A 5.8.1)."""
    kdf = ConcatKDFHash(algorithm=suite.hash(),
                        length=suite.key_length if length is None else length,
                        otherinfo=other_info)
    return kdf.derive(z)


def agree_key(scheme: KeyAgreementScheme, *, private_key: ec.EllipticCurvePrivateKey,
              peer_public_key: ec.EllipticCurvePublicKey, party_u_system_title: bytes,
              party_v_system_title: bytes, transaction_id: bytes | None = None,
              algorithm_id: bytes | None = None) -> bytes:
    """The symmetric key agreed by ``scheme``; each party passes its own private key and
    the peer's public key (ephemeral or static as the scheme says) and the same system
    titles of U (originator / client) and V (recipient / server). The suite follows from
    the keys' curve."""
    suite = suite_of_key(private_key)
    z = ecdh_shared_secret(private_key, peer_public_key)
    info = green_book_other_info(scheme, suite=suite, party_u_system_title=party_u_system_title,
                                 party_v_system_title=party_v_system_title,
                                 transaction_id=transaction_id, algorithm_id=algorithm_id)
    return concat_kdf(z, suite=suite, other_info=info)


def one_pass_key_ciphered_data(ephemeral_key: ec.EllipticCurvePrivateKey,
                               signing_key: ec.EllipticCurvePrivateKey) -> bytes:
    """key-ciphered-data of an agreed-key C(1e, 1s): the ephemeral public key ``x || y``
    followed by its ECDSA signature with the originator's signing key."""
    if suite_of_key(ephemeral_key).suite is not suite_of_key(signing_key).suite:
        raise SecurityError("the ephemeral and the signing key are on different curves")
    q = public_key_bytes(ephemeral_key)
    return q + ecdsa_sign(signing_key, q)


def verify_one_pass_key_ciphered_data(data: bytes, *, suite: SuiteParameters,
                                      signing_public_key: ec.EllipticCurvePublicKey
                                      ) -> ec.EllipticCurvePublicKey:
    """The originator's ephemeral public key from C(1e, 1s) key-ciphered-data, after
    checking its signature; ``SecurityError`` for a wrong length or signature."""
    n = suite.coordinate_length
    if n is None:
        raise SecurityError(f"{suite} has no key agreement")
    if len(data) != 4 * n:
        raise SecurityError(f"C(1e, 1s) key-ciphered-data is {4 * n} bytes (public key and "
                            f"signature) in {suite}, got {len(data)}")
    q, signature = data[:2 * n], data[2 * n:]
    ecdsa_verify(signing_public_key, q, signature, what="signature of the ephemeral public key")
    return load_public_key(q, suite)
