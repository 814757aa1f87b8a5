"""Authentication mechanisms: LLS password and HLS ``f(challenge)`` (Green Book 9.2.7.4).

HLS pass 1: the client sends CtoS in the AARQ; pass 2: the server answers StoC in the AARE;
pass 3: the client sends f(StoC) with reply_to_HLS_authentication; pass 4: the server
returns f(CtoS). Challenges are 8 to 64 random bytes. f() per mechanism:

=====  =========  =====================================================================
id     name       f() computed by the client (server: swap the roles)
=====  =========  =====================================================================
1      LOW        the password itself (equality)
3      MD5        MD5(StoC || secret)
4      SHA-1      SHA-1(StoC || secret)
5      GMAC       SC || IC || GMAC(SC || AK || StoC), IV = own system title || IC
6      SHA-256    SHA-256(secret || ST-C || ST-S || StoC || CtoS);
                  server: SHA-256(secret || ST-S || ST-C || CtoS || StoC)
7      ECDSA      ECDSA(ST-C || ST-S || StoC || CtoS) with the client's signing key;
                  server: ECDSA(ST-S || ST-C || CtoS || StoC); signature r || s
=====  =========  =====================================================================

Convention: every ``verify_*`` returns on success and raises
:class:`~conformance.errors.SecurityError` on failure (it never returns ``False``); the
message names the mechanism and the party, never the secret. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from enum import Enum, IntEnum

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.errors import SecurityError
from conformance.security.control import SecurityControl
from conformance.security.ecc import ecdsa_sign, ecdsa_verify
from conformance.security.gcm import TAG_LENGTH, authentication_tag
from conformance.security.keys import SecurityKeys

__all__ = [
    "CHALLENGE_MAX",
    "CHALLENGE_MIN",
    "AuthenticationMechanism",
    "Party",
    "check_challenge",
    "generate_challenge",
    "hls_ecdsa",
    "hls_ecdsa_message",
    "hls_gmac",
    "hls_md5",
    "hls_sha1",
    "hls_sha256",
    "verify_hls_ecdsa",
    "verify_hls_gmac",
    "verify_hls_md5",
    "verify_hls_sha1",
    "verify_hls_sha256",
    "verify_password",
]

CHALLENGE_MIN = 8
"""Shortest challenge (bytes)."""
CHALLENGE_MAX = 64
"""Longest challenge (bytes)."""


class AuthenticationMechanism(IntEnum):
    """mechanism_id(n) of the authentication mechanism name 2.16.756.5.8.2.n."""

    LOWEST = 0
    LOW = 1
    HIGH = 2
    """Manufacturer specific: no standard f()."""
    HIGH_MD5 = 3
    HIGH_SHA1 = 4
    HIGH_GMAC = 5
    HIGH_SHA256 = 6
    HIGH_ECDSA = 7


class Party(Enum):
    """Who computes f(): the client answers StoC (pass 3), the server CtoS (pass 4)."""

    CLIENT = "client"
    SERVER = "server"


def generate_challenge(length: int = 16) -> bytes:
    """A random challenge of ``length`` bytes (8 to 64) from ``os.urandom``."""
    if not CHALLENGE_MIN <= length <= CHALLENGE_MAX:
        raise SecurityError(f"an HLS challenge is {CHALLENGE_MIN} to {CHALLENGE_MAX} bytes, "
                            f"not {length}")
    return os.urandom(length)


def check_challenge(challenge: bytes, *, name: str) -> None:
    """``SecurityError`` unless ``challenge`` (``name``: "CtoS" or "StoC") has 8-64 bytes."""
    if not CHALLENGE_MIN <= len(challenge) <= CHALLENGE_MAX:
        raise SecurityError(f"{name} is {len(challenge)} bytes long; HLS challenges are "
                            f"{CHALLENGE_MIN} to {CHALLENGE_MAX} bytes")


def _mismatch(mechanism: str, what: str) -> SecurityError:
    return SecurityError(f"HLS {mechanism}: {what} does not match the expected value")


# -- mechanism 1: password -----------------------------------------------------------------
def verify_password(received: bytes, expected: bytes) -> None:
    """LLS (mechanism 1): the received password must equal the expected one."""
    if not hmac.compare_digest(received, expected):
        raise SecurityError("LLS: the password does not match")


# -- mechanisms 3 and 4: MD5 / SHA-1 -------------------------------------------------------
def hls_md5(challenge: bytes, secret: bytes) -> bytes:
    """Mechanism 3: MD5(challenge || secret) (16 bytes)."""
    return hashlib.md5(challenge + secret, usedforsecurity=True).digest()


def verify_hls_md5(f: bytes, *, challenge: bytes, secret: bytes) -> None:
    """Check a mechanism-3 response to ``challenge``."""
    if not hmac.compare_digest(f, hls_md5(challenge, secret)):
        raise _mismatch("MD5 (mechanism 3)", "f(challenge)")


def hls_sha1(challenge: bytes, secret: bytes) -> bytes:
    """Mechanism 4: SHA-1(challenge || secret) (20 bytes)."""
    return hashlib.sha1(challenge + secret, usedforsecurity=True).digest()


def verify_hls_sha1(f: bytes, *, challenge: bytes, secret: bytes) -> None:
    """Check a mechanism-4 response to ``challenge``."""
    if not hmac.compare_digest(f, hls_sha1(challenge, secret)):
        raise _mismatch("SHA-1 (mechanism 4)", "f(challenge)")


# -- mechanism 5: GMAC ---------------------------------------------------------------------
def hls_gmac(challenge: bytes, *, keys: SecurityKeys, system_title: bytes,
             invocation_counter: int, security_suite_id: int = 0) -> bytes:
    """Mechanism 5: ``SC || IC || GMAC(SC || AK || challenge)`` (17 bytes) computed by the
    owner of ``system_title`` with its ``invocation_counter``; SC = 0x10 | suite."""
    sc = SecurityControl(security_suite_id=security_suite_id, authentication=True)
    tag = authentication_tag(challenge, security_control=sc,
                             invocation_counter=invocation_counter, system_title=system_title,
                             block_cipher_key=keys.block_cipher_key(),
                             authentication_key=keys.authentication())
    return bytes((sc.to_byte(),)) + invocation_counter.to_bytes(4, "big") + tag


def verify_hls_gmac(f: bytes, *, challenge: bytes, keys: SecurityKeys,
                    system_title: bytes) -> int:
    """Check a mechanism-5 response to ``challenge`` from the owner of ``system_title``;
    returns its invocation counter (for the caller's counter rule)."""
    if len(f) != 5 + TAG_LENGTH:
        raise SecurityError(f"HLS GMAC: f() is {len(f)} bytes, expected 17 "
                            "(SC, invocation counter, 12-byte tag)")
    sc = SecurityControl.from_byte(f[0])
    if not sc.authentication or sc.encryption or sc.broadcast_key or sc.compression:
        raise SecurityError(f"HLS GMAC: f() has {sc}; expected authentication only "
                            "(0x10 | suite)")
    ic = int.from_bytes(f[1:5], "big")
    expected = hls_gmac(challenge, keys=keys, system_title=system_title, invocation_counter=ic,
                        security_suite_id=sc.security_suite_id)
    if not hmac.compare_digest(f, expected):
        raise SecurityError(
            f"HLS GMAC (mechanism 5): tag mismatch (EK/AK (global unicast), system title "
            f"{system_title.hex().upper()}, invocation counter {ic} (0x{ic:08X}))")
    return ic


# -- mechanism 6: SHA-256 ------------------------------------------------------------------
def _ordered(party: Party, *, client_system_title: bytes, server_system_title: bytes,
             ctos: bytes, stoc: bytes) -> bytes:
    if party is Party.CLIENT:
        return client_system_title + server_system_title + stoc + ctos
    return server_system_title + client_system_title + ctos + stoc


def hls_sha256(secret: bytes, *, party: Party, client_system_title: bytes,
               server_system_title: bytes, ctos: bytes, stoc: bytes) -> bytes:
    """Mechanism 6 computed by ``party`` (see the module table). System titles are used as
    given: an empty one (e.g. no responding-AP-title without ciphering) adds no bytes."""
    return hashlib.sha256(secret + _ordered(
        party, client_system_title=client_system_title,
        server_system_title=server_system_title, ctos=ctos, stoc=stoc)).digest()


def verify_hls_sha256(f: bytes, *, secret: bytes, party: Party, client_system_title: bytes,
                      server_system_title: bytes, ctos: bytes, stoc: bytes) -> None:
    """Check a mechanism-6 response computed by ``party``."""
    expected = hls_sha256(secret, party=party, client_system_title=client_system_title,
                          server_system_title=server_system_title, ctos=ctos, stoc=stoc)
    if not hmac.compare_digest(f, expected):
        raise _mismatch("SHA-256 (mechanism 6)", f"f() of the {party.value}")


# -- mechanism 7: ECDSA --------------------------------------------------------------------
def hls_ecdsa_message(*, party: Party, client_system_title: bytes, server_system_title: bytes,
                      ctos: bytes, stoc: bytes) -> bytes:
    """What ``party`` signs for mechanism 7."""
    return _ordered(party, client_system_title=client_system_title,
                    server_system_title=server_system_title, ctos=ctos, stoc=stoc)


def hls_ecdsa(signing_key: ec.EllipticCurvePrivateKey, *, party: Party,
              client_system_title: bytes, server_system_title: bytes, ctos: bytes,
              stoc: bytes) -> bytes:
    """Mechanism 7: ``party``'s ECDSA signature ``r || s`` (P-256/SHA-256 or P-384/SHA-384,
    by the key's curve)."""
    return ecdsa_sign(signing_key, hls_ecdsa_message(
        party=party, client_system_title=client_system_title,
        server_system_title=server_system_title, ctos=ctos, stoc=stoc))


def verify_hls_ecdsa(f: bytes, *, public_key: ec.EllipticCurvePublicKey, party: Party,
                     client_system_title: bytes, server_system_title: bytes, ctos: bytes,
                     stoc: bytes) -> None:
    """Check a mechanism-7 signature made by ``party`` (with its public signing key)."""
    message = hls_ecdsa_message(party=party, client_system_title=client_system_title,
                                server_system_title=server_system_title, ctos=ctos, stoc=stoc)
    what = "f(StoC) of the client" if party is Party.CLIENT else "f(CtoS) of the server"
    ecdsa_verify(public_key, message, f, what=f"HLS ECDSA (mechanism 7): {what}")
