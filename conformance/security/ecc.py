"""Elliptic-curve primitives of security suites 1 (P-256, SHA-256) and 2 (P-384, SHA-384).

Green Book 9.2 (ECDSA and ECDH of suites 1 and 2): public keys travel as the raw
concatenation ``x || y`` (64 / 96 bytes, no 0x04 prefix), private keys as the raw scalar
(32 / 48 bytes), ECDSA signatures as ``r || s`` (64 / 96 bytes) over the suite's hash of
the message. ECDH gives the shared secret Z = the x-coordinate of the shared point
(SP 800-56A 5.7.1.2, ECC CDH).

Every primitive comes from ``cryptography``. Failures raise
:class:`~conformance.errors.SecurityError`; verification functions return ``None`` on
success and raise on failure (never return ``False``).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from conformance.errors import SecurityError
from conformance.security.suites import SuiteParameters, suite_parameters

__all__ = [
    "ecdh_shared_secret",
    "ecdsa_sign",
    "ecdsa_verify",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "private_key_bytes",
    "public_key_bytes",
    "suite_of_key",
]


def _coord(suite: SuiteParameters) -> int:
    if suite.coordinate_length is None:
        raise SecurityError(f"{suite} defines no elliptic curve (ECDH/ECDSA need suite 1 or 2)")
    return suite.coordinate_length


def suite_of_key(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> SuiteParameters:
    """Suite 1 for a P-256 key, suite 2 for a P-384 key, ``SecurityError`` otherwise."""
    if isinstance(key.curve, ec.SECP256R1):
        return suite_parameters(1)
    if isinstance(key.curve, ec.SECP384R1):
        return suite_parameters(2)
    raise SecurityError(f"curve {key.curve.name} belongs to no DLMS security suite")


def load_public_key(raw: bytes, suite: SuiteParameters) -> ec.EllipticCurvePublicKey:
    """A public key from its raw ``x || y`` form; ``SecurityError`` for a wrong length or a
    point not on the suite's curve."""
    n = _coord(suite)
    if len(raw) != 2 * n:
        raise SecurityError(f"a {suite.curve_name} public key is {2 * n} bytes (x || y), got "
                            f"{len(raw)}")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(suite.curve(), b"\x04" + raw)
    except ValueError:
        raise SecurityError(f"the {suite.curve_name} public key {raw.hex().upper()} is not a "
                            "point on the curve") from None


def public_key_bytes(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> bytes:
    """The raw ``x || y`` form of a public key (or of a private key's public key)."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    n = _coord(suite_of_key(public))
    numbers = public.public_numbers()
    return numbers.x.to_bytes(n, "big") + numbers.y.to_bytes(n, "big")


def load_private_key(raw: bytes, suite: SuiteParameters) -> ec.EllipticCurvePrivateKey:
    """A private key from its raw scalar; ``SecurityError`` for a wrong length or a scalar
    out of range (the message never shows the scalar)."""
    n = _coord(suite)
    if len(raw) != n:
        raise SecurityError(f"a {suite.curve_name} private key is {n} bytes, got {len(raw)}")
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), suite.curve())
    except ValueError:
        raise SecurityError(f"the {suite.curve_name} private key scalar is out of "
                            "range") from None


def private_key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The raw scalar of a private key (handle with care: it is secret)."""
    n = _coord(suite_of_key(key))
    return key.private_numbers().private_value.to_bytes(n, "big")


def generate_private_key(suite: SuiteParameters) -> ec.EllipticCurvePrivateKey:
    """A fresh key pair on the suite's curve (e.g. an ephemeral ECDH key)."""
    return ec.generate_private_key(suite.curve())


def ecdh_shared_secret(private_key: ec.EllipticCurvePrivateKey,
                       peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Z, the x-coordinate of ``private_key * peer_public_key`` (ECC CDH primitive)."""
    if type(private_key.curve) is not type(peer_public_key.curve):
        raise SecurityError(f"ECDH between {private_key.curve.name} and "
                            f"{peer_public_key.curve.name} keys is impossible")
    return private_key.exchange(ec.ECDH(), peer_public_key)


def ecdsa_sign(private_key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """ECDSA signature ``r || s`` of ``message`` with the hash of the key's suite."""
    suite = suite_of_key(private_key)
    n = _coord(suite)
    der = private_key.sign(message, ec.ECDSA(suite.hash()))
    r, s = decode_dss_signature(der)
    return r.to_bytes(n, "big") + s.to_bytes(n, "big")


def ecdsa_verify(public_key: ec.EllipticCurvePublicKey, message: bytes, signature: bytes,
                 *, what: str = "ECDSA signature") -> None:
    """Return if ``signature`` (``r || s``) signs ``message``, else ``SecurityError``
    (``what`` names the signature in the message, e.g. "f(StoC)")."""
    suite = suite_of_key(public_key)
    n = _coord(suite)
    if len(signature) != 2 * n:
        raise SecurityError(f"{what}: a {suite.curve_name} signature is {2 * n} bytes "
                            f"(r || s), got {len(signature)}")
    der = encode_dss_signature(int.from_bytes(signature[:n], "big"),
                               int.from_bytes(signature[n:], "big"))
    try:
        public_key.verify(der, message, ec.ECDSA(suite.hash()))
    except InvalidSignature:
        raise SecurityError(f"{what} does not verify with the {suite.curve_name} public key "
                            f"{public_key_bytes(public_key).hex().upper()}") from None
