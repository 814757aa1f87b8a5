"""AES-GCM protection of xDLMS APDUs (Green Book 9.2.7; NIST SP 800-38D).

* IV = sender system title (8 bytes) || invocation counter (4 bytes, big-endian);
* the tag is the leftmost 12 bytes of the GCM tag;
* authentication only:   nothing encrypted, tag over ``SC || AK || [extra] || plaintext``
  (the plaintext is sent in clear, followed by the tag);
* encryption only:       GCM encryption, no tag;
* authenticated encryption: AAD = ``SC || AK || [extra]``, ciphertext || tag;
* no protection (neither bit): the plaintext as it is.

``extra`` is empty except for general-ciphering (see
:func:`conformance.security.protection.general_ciphering_aad`). The key of the block
cipher and AK must have the suite's key length (16 bytes suites 0/1, 32 bytes suite 2).

Every primitive comes from ``cryptography``: AES-GCM (``AESGCM``, one object per key value,
kept in a small bounded cache); encryption without a tag is GCM's keystream, i.e. AES-CTR
started at inc32(J0) = IV || 00000002 (SP 800-38D 7.1, 96-bit IV).

Errors are :class:`~conformance.errors.SecurityError` naming the keys, the system title and
the invocation counter, never a key value.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conformance.errors import SecurityError
from conformance.security.control import SecurityControl
from conformance.security.keys import SecretKey
from conformance.security.suites import SuiteParameters

__all__ = [
    "SYSTEM_TITLE_LENGTH",
    "TAG_LENGTH",
    "authentication_tag",
    "decrypt_unauthenticated",
    "gcm_decrypt",
    "gcm_encrypt",
    "make_iv",
    "protect_text",
    "unprotect_text",
]

TAG_LENGTH = 12
"""Bytes of the DLMS authentication tag (the GCM tag truncated to 96 bits)."""
SYSTEM_TITLE_LENGTH = 8
"""Bytes of a system title."""


def make_iv(system_title: bytes, invocation_counter: int) -> bytes:
    """The 12-byte GCM initialisation vector ``system title || invocation counter``."""
    if len(system_title) != SYSTEM_TITLE_LENGTH:
        raise SecurityError(f"the GCM IV needs an 8-byte system title, got "
                            f"{len(system_title)} byte(s) ({system_title.hex().upper()})")
    if not 0 <= invocation_counter <= 0xFFFFFFFF:
        raise SecurityError(f"invocation counter {invocation_counter} does not fit 4 bytes")
    return system_title + invocation_counter.to_bytes(4, "big")


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    # GCTR of SP 800-38D 6.5 started at inc32(J0); J0 = IV || 0^31 || 1 for a 96-bit IV.
    ctx = Cipher(algorithms.AES(key), modes.CTR(iv + b"\x00\x00\x00\x02")).encryptor()
    return ctx.update(data) + ctx.finalize()


# AESGCM objects by key value: building one per call costs more than the AES-GCM of a
# typical APDU. Bounded (a long run with many dedicated keys must not grow it without
# limit); it holds the keys only inside the AESGCM objects and is never printed.
_AEAD_CACHE: dict[bytes, AESGCM] = {}
_AEAD_CACHE_LIMIT = 64
_FULL_TAG = 16  # AESGCM appends the untruncated 16-byte GCM tag


def _aead(key: bytes) -> AESGCM:
    """The (cached) AESGCM object of ``key`` (16 or 32 bytes, checked by the callers)."""
    key = key if type(key) is bytes else bytes(key)
    gcm = _AEAD_CACHE.get(key)
    if gcm is None:
        if len(_AEAD_CACHE) >= _AEAD_CACHE_LIMIT:
            _AEAD_CACHE.clear()
        gcm = _AEAD_CACHE[key] = AESGCM(key)
    return gcm


def _gcm_tag(key: bytes, iv: bytes, aad: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
    sealed = _aead(key).encrypt(iv, plaintext, aad)
    return sealed[:-_FULL_TAG], sealed[-_FULL_TAG:-_FULL_TAG + TAG_LENGTH]


def _gcm_open(key: bytes, iv: bytes, aad: bytes, ciphertext: bytes, tag: bytes) -> bytes | None:
    """Authenticated decryption (SP 800-38D 7.2) with the 12-byte DLMS tag: the plaintext,
    or ``None`` when ``tag`` does not match.

    ``AESGCM.decrypt`` takes only full 16-byte tags, hence GCM is run forwards. GCTR (SP
    800-38D 6.5) is its own inverse: encrypting the ciphertext yields the plaintext, and
    encrypting that plaintext with ``aad`` yields the ciphertext again together with the
    tag over (``aad``, ciphertext), i.e. the tag the sender computed; its first 12 octets
    are compared with ``tag`` in constant time.
    """
    gcm = _aead(key)
    plaintext = gcm.encrypt(iv, ciphertext, None)[:-_FULL_TAG]
    expected = gcm.encrypt(iv, plaintext, aad)[-_FULL_TAG:-_FULL_TAG + TAG_LENGTH]
    return plaintext if hmac.compare_digest(expected, tag) else None


def _check_primitive(key: SecretKey, iv: bytes) -> None:
    if len(key.value) not in (16, 32):
        raise SecurityError(f"{key.name} is {len(key.value)} bytes long; AES-GCM in DLMS "
                            "uses 16- or 32-byte keys")
    if len(iv) != 12:
        raise SecurityError(f"the GCM IV is 12 bytes, got {len(iv)}")


def gcm_encrypt(plaintext: bytes, *, key: SecretKey, iv: bytes, aad: bytes) -> bytes:
    """The AES-GCM primitive as DLMS uses it: ``ciphertext || 12-byte tag``."""
    _check_primitive(key, iv)
    ciphertext, tag = _gcm_tag(key.value, iv, aad, plaintext)
    return ciphertext + tag


def gcm_decrypt(data: bytes, *, key: SecretKey, iv: bytes, aad: bytes) -> bytes:
    """Inverse of :func:`gcm_encrypt`; ``SecurityError`` naming ``key`` on a tag mismatch."""
    _check_primitive(key, iv)
    if len(data) < TAG_LENGTH:
        raise SecurityError(f"{len(data)} byte(s) cannot hold the {TAG_LENGTH}-byte tag")
    plaintext = _gcm_open(key.value, iv, aad, data[:-TAG_LENGTH], data[-TAG_LENGTH:])
    if plaintext is None:
        raise SecurityError(f"authentication tag mismatch ({key.name}, IV "
                            f"{iv.hex().upper()})")
    return plaintext


# Suite id -> parameters, filled as suites are met (a reserved id raises every time).
_SUITES: dict[int, SuiteParameters] = {}


class _Context:
    """The checked inputs of one protect/unprotect operation."""

    __slots__ = ("aad_prefix", "authentication_key", "block_cipher_key", "cipher_key",
                 "invocation_counter", "iv", "sc", "system_title")

    def __init__(self, sc: SecurityControl, invocation_counter: int, system_title: bytes,
                 block_cipher_key: SecretKey, authentication_key: SecretKey | None,
                 extra_aad: bytes) -> None:
        self.sc = sc
        self.invocation_counter = invocation_counter
        self.system_title = system_title
        self.block_cipher_key = block_cipher_key
        self.authentication_key = authentication_key
        if sc.compression:
            raise SecurityError(f"{sc}: compression (ITU-T V.44) is not supported")
        suite = _SUITES.get(sc.security_suite_id)
        if suite is None:
            suite = _SUITES[sc.security_suite_id] = sc.suite()
        self.iv = make_iv(system_title, invocation_counter)
        self.cipher_key = block_cipher_key.check_for(suite)
        self.aad_prefix = b""
        if sc.authentication:
            if authentication_key is None:
                raise SecurityError(f"{sc} needs AK, which is not configured")
            ak = authentication_key.check_for(suite)
            self.aad_prefix = bytes((sc.to_byte(),)) + ak + extra_aad

    def where(self) -> str:
        """Keys (by name), system title, counter and SC, for error messages (built only
        when an error is raised)."""
        name = self.block_cipher_key.name
        label = name
        if self.sc.authentication and self.authentication_key is not None:
            label = (name.replace("EK", "EK/AK", 1) if name.startswith("EK")
                     else f"{name} with {self.authentication_key.name}")
        ic = self.invocation_counter
        return (f"{label}, system title {self.system_title.hex().upper()}, "
                f"invocation counter {ic} (0x{ic:08X}), {self.sc}")


def protect_text(plaintext: bytes, *, security_control: SecurityControl,
                 invocation_counter: int, system_title: bytes, block_cipher_key: SecretKey,
                 authentication_key: SecretKey | None, extra_aad: bytes = b"") -> bytes:
    """The ciphered text (payload || tag) protecting ``plaintext`` as ``security_control``
    says; the caller prepends the security header ``SC || IC``."""
    ctx = _Context(security_control, invocation_counter, system_title, block_cipher_key,
                   authentication_key, extra_aad)
    sc = security_control
    if sc.authentication and sc.encryption:
        ciphertext, tag = _gcm_tag(ctx.cipher_key, ctx.iv, ctx.aad_prefix, plaintext)
        return ciphertext + tag
    if sc.authentication:
        _, tag = _gcm_tag(ctx.cipher_key, ctx.iv, ctx.aad_prefix + plaintext, b"")
        return plaintext + tag
    if sc.encryption:
        return _ctr(ctx.cipher_key, ctx.iv, plaintext)
    return plaintext


def _verify(ctx: _Context, aad: bytes, ciphertext: bytes, tag: bytes) -> bytes:
    plaintext = _gcm_open(ctx.cipher_key, ctx.iv, aad, ciphertext, tag)
    if plaintext is None:
        raise SecurityError(f"authentication tag mismatch ({ctx.where()})")
    return plaintext


def unprotect_text(ciphered_text: bytes, *, security_control: SecurityControl,
                   invocation_counter: int, system_title: bytes, block_cipher_key: SecretKey,
                   authentication_key: SecretKey | None, extra_aad: bytes = b"") -> bytes:
    """The plaintext of ``ciphered_text`` (payload || tag); ``SecurityError`` when the tag
    does not match or the inputs do not suit the suite (no key value in the message)."""
    ctx = _Context(security_control, invocation_counter, system_title, block_cipher_key,
                   authentication_key, extra_aad)
    sc = security_control
    if sc.authentication:
        if len(ciphered_text) < TAG_LENGTH:
            raise SecurityError(f"ciphered text of {len(ciphered_text)} byte(s) is shorter "
                                f"than the {TAG_LENGTH}-byte authentication tag ({ctx.where()})")
        body, tag = ciphered_text[:-TAG_LENGTH], ciphered_text[-TAG_LENGTH:]
        if sc.encryption:
            return _verify(ctx, ctx.aad_prefix, body, tag)
        _verify(ctx, ctx.aad_prefix + body, b"", tag)
        return body
    if sc.encryption:
        return _ctr(ctx.cipher_key, ctx.iv, ciphered_text)
    return ciphered_text


def authentication_tag(data: bytes, *, security_control: SecurityControl,
                       invocation_counter: int, system_title: bytes,
                       block_cipher_key: SecretKey, authentication_key: SecretKey) -> bytes:
    """The 12-byte GMAC tag over ``SC || AK || data`` (authentication only; used by
    HLS-GMAC). ``security_control`` must have A set and E clear."""
    if not security_control.authentication or security_control.encryption:
        raise SecurityError(f"a GMAC needs authentication without encryption, got "
                            f"{security_control}")
    return protect_text(data, security_control=security_control,
                        invocation_counter=invocation_counter, system_title=system_title,
                        block_cipher_key=block_cipher_key,
                        authentication_key=authentication_key)[-TAG_LENGTH:]


def decrypt_unauthenticated(ciphertext: bytes, *, key: SecretKey, iv: bytes) -> bytes:
    """GCM decryption *without* checking any tag (the GCM keystream applied to
    ``ciphertext``). For diagnosis only: it tells "wrong key or IV" (garbage) from "right
    key, wrong additional data" (a valid APDU although the tag fails)."""
    _check_primitive(key, iv)
    return _ctr(key.value, iv, ciphertext)
