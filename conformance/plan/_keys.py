"""The ``keys`` of an association: sizes per security suite, EC keys checked and normalised.

Green Book security suites: suite 0 AES-GCM-128; suite 1 AES-GCM-128, ECDH/ECDSA P-256,
SHA-256; suite 2 AES-GCM-256, ECDH/ECDSA P-384, SHA-384. Symmetric keys (EK, AK, KEK,
dedicated key) therefore have 16 bytes in suites 0 and 1 and 32 bytes in suite 2. Private
keys are normalised to PKCS#8 PEM, public keys to SubjectPublicKeyInfo PEM, so consumers
read one form whatever the plan used (PEM or the raw hex of the Green Book examples).
"""

from __future__ import annotations

import re
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.plan._context import Ctx
from conformance.plan._issues import DocPath
from conformance.plan.model import Keys
from conformance.plan.secrets import Secret, SecretKind

__all__ = ["SYMMETRIC_KEYS", "build_keys", "key_size"]

SYMMETRIC_KEYS = ("ek", "ak", "kek", "dedicated")
_PRIVATE_PEM = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----")

_CURVES: dict[int, tuple[type[ec.EllipticCurve], str, int]] = {
    1: (ec.SECP256R1, "P-256", 32),
    2: (ec.SECP384R1, "P-384", 48),
}


def key_size(suite: int) -> int:
    """Bytes of a symmetric key in ``suite`` (AES-128 for 0 and 1, AES-256 for 2)."""
    return 32 if suite == 2 else 16


def _curve_problem(curve: ec.EllipticCurve, suite: int) -> str | None:
    want_cls, want_name, _ = _CURVES[suite]
    if isinstance(curve, want_cls):
        return None
    names = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
    return (f"expected a {want_name} key for suite {suite}, got "
            f"{names.get(curve.name, curve.name)}")


def _private_key(ctx: Ctx, secret: Secret, suite: int, path: DocPath) -> Secret | None:
    data = secret.reveal()
    key: Any
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except TypeError:
            ctx.error(path, "encrypted PEM private keys are not supported")
            return None
        except (ValueError, UnsupportedAlgorithm):
            ctx.error(path, "not a valid PEM private key")
            return None
    else:
        curve_cls, name, size = _CURVES[suite]
        if len(data) != size:
            ctx.error(path, f"expected a {size}-byte {name} private key in hex for suite "
                            f"{suite}, got {len(data)} bytes")
            return None
        try:
            key = ec.derive_private_key(int.from_bytes(data, "big"), curve_cls())
        except ValueError:
            ctx.error(path, f"not a valid {name} private key")
            return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        ctx.error(path, "expected an elliptic-curve (ECDSA) private key")
        return None
    problem = _curve_problem(key.curve, suite)
    if problem:
        ctx.error(path, problem)
        return None
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return Secret(pem, source=secret.source)


def _public_key(ctx: Ctx, spec: str, suite: int, path: DocPath) -> bytes | None:
    resolved = ctx.secret(spec, SecretKind.PEM, path)
    if resolved is None:
        return None
    data = resolved.reveal()
    key: Any
    curve_cls, name, size = _CURVES[suite]
    if b"-----BEGIN" in data:
        if _PRIVATE_PEM.search(data):
            ctx.error(path, "expected a public key, got a private key: give the private key "
                            "in the *_signing_key field")
            return None
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            ctx.error(path, "not a valid PEM public key")
            return None
    else:
        point = data if len(data) == 2 * size + 1 else b"\x04" + data
        if len(point) != 2 * size + 1 or point[0] != 4:
            ctx.error(path, f"expected a {name} public key for suite {suite}: "
                            f"{2 * size} bytes of hex (X || Y), got {len(data)}")
            return None
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(curve_cls(), point)
        except ValueError:
            ctx.error(path, f"not a point on {name}")
            return None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        ctx.error(path, "expected an elliptic-curve (ECDSA) public key")
        return None
    problem = _curve_problem(key.curve, suite)
    if problem:
        ctx.error(path, problem)
        return None
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _public_of(private: Secret) -> bytes:
    key = serialization.load_pem_private_key(private.reveal(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def build_keys(ctx: Ctx, data: dict[str, Any], path: DocPath, suite: int | None) -> Keys:
    """The ``keys`` mapping of an association whose suite is ``suite``."""
    if data and suite is None:
        ctx.error(path, "keys need a security suite: set suite (0, 1 or 2)")
        return Keys()
    the_suite = suite if suite is not None else 0
    values: dict[str, Any] = {}
    for name in SYMMETRIC_KEYS:
        if name not in data:
            continue
        secret = ctx.secret(data[name], SecretKind.KEY, (*path, name))
        if secret is None:
            continue
        want = key_size(the_suite)
        got = len(secret.reveal())
        if got != want:
            ctx.error((*path, name), f"expected {want} bytes of hex for suite {the_suite}, "
                                     f"got {got}")
            continue
        values[name] = secret
    ec_fields = [f for f in ("client_signing_key", "client_signing_public_key",
                             "server_signing_key", "server_signing_public_key") if f in data]
    if ec_fields and the_suite not in _CURVES:
        for f in ec_fields:
            ctx.error((*path, f), f"ECDSA keys need security suite 1 or 2, not {the_suite}")
        return Keys(**values)
    for party in ("client", "server"):
        priv_name, pub_name = f"{party}_signing_key", f"{party}_signing_public_key"
        private = None
        if priv_name in data:
            raw = ctx.secret(data[priv_name], SecretKind.PEM, (*path, priv_name))
            private = _private_key(ctx, raw, the_suite, (*path, priv_name)) if raw else None
            if private is not None:
                values[priv_name] = private
        public = None
        if pub_name in data:
            public = _public_key(ctx, data[pub_name], the_suite, (*path, pub_name))
        if private is not None:
            derived = _public_of(private)
            if public is not None and public != derived:
                ctx.error((*path, pub_name), f"does not match {priv_name}")
                continue
            public = derived
        if public is not None:
            values[pub_name] = public
    return Keys(**values)
