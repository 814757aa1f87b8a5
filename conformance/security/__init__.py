"""The security layer: pure functions over bytes, every primitive from ``cryptography``.

* :mod:`~conformance.security.suites` -- security suites 0, 1, 2;
* :mod:`~conformance.security.control` -- the security control byte;
* :mod:`~conformance.security.keys` -- symmetric keys that never print;
* :mod:`~conformance.security.gcm` -- AES-GCM protect/unprotect of ciphered text;
* :mod:`~conformance.security.protection` -- plaintext APDU <-> glo-/ded-/general-* APDUs;
* :mod:`~conformance.security.counter` -- the invocation counter rule;
* :mod:`~conformance.security.hls` -- LLS and HLS mechanisms 3 to 7;
* :mod:`~conformance.security.ecc` -- ECDH, ECDSA, raw key formats;
* :mod:`~conformance.security.kdf` -- key agreement schemes and the concatenation KDF;
* :mod:`~conformance.security.keywrap` -- AES key wrap (RFC 3394);
* :mod:`~conformance.security.signing` -- general-signing.

Failures raise :class:`~conformance.errors.SecurityError`, whose message names keys ("EK
(global unicast)", "AK"), system titles and invocation counters, never key values.
"""

from conformance.security.control import SecurityControl
from conformance.security.counter import (
    MAX_INVOCATION_COUNTER,
    InvocationCounterState,
    check_invocation_counter,
    next_invocation_counter,
)
from conformance.security.ecc import (
    ecdh_shared_secret,
    ecdsa_sign,
    ecdsa_verify,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_bytes,
    public_key_bytes,
    suite_of_key,
)
from conformance.security.gcm import (
    SYSTEM_TITLE_LENGTH,
    TAG_LENGTH,
    authentication_tag,
    decrypt_unauthenticated,
    gcm_decrypt,
    gcm_encrypt,
    make_iv,
    protect_text,
    unprotect_text,
)
from conformance.security.hls import (
    AuthenticationMechanism,
    Party,
    check_challenge,
    generate_challenge,
    hls_ecdsa,
    hls_ecdsa_message,
    hls_gmac,
    hls_md5,
    hls_sha1,
    hls_sha256,
    verify_hls_ecdsa,
    verify_hls_gmac,
    verify_hls_md5,
    verify_hls_sha1,
    verify_hls_sha256,
    verify_password,
)
from conformance.security.kdf import (
    KeyAgreementScheme,
    agree_key,
    concat_kdf,
    green_book_other_info,
    one_pass_key_ciphered_data,
    other_info,
    verify_one_pass_key_ciphered_data,
)
from conformance.security.keys import SecretKey, SecurityKeys
from conformance.security.keywrap import KeyTransferId, unwrap_key, wrap_key
from conformance.security.protection import (
    general_ciphering_aad,
    protect_apdu,
    protect_general_ciphering,
    protect_general_ded,
    protect_general_glo,
    unprotect,
    unprotect_apdu,
    unprotect_general,
    unprotect_general_ciphering,
)
from conformance.security.signing import sign_general_signing, verify_general_signing
from conformance.security.suites import SecuritySuite, SuiteParameters, suite_parameters

__all__ = [
    "MAX_INVOCATION_COUNTER",
    "SYSTEM_TITLE_LENGTH",
    "TAG_LENGTH",
    "AuthenticationMechanism",
    "InvocationCounterState",
    "KeyAgreementScheme",
    "KeyTransferId",
    "Party",
    "SecretKey",
    "SecurityControl",
    "SecurityKeys",
    "SecuritySuite",
    "SuiteParameters",
    "agree_key",
    "authentication_tag",
    "check_challenge",
    "check_invocation_counter",
    "concat_kdf",
    "decrypt_unauthenticated",
    "ecdh_shared_secret",
    "ecdsa_sign",
    "ecdsa_verify",
    "gcm_decrypt",
    "gcm_encrypt",
    "general_ciphering_aad",
    "generate_challenge",
    "generate_private_key",
    "green_book_other_info",
    "hls_ecdsa",
    "hls_ecdsa_message",
    "hls_gmac",
    "hls_md5",
    "hls_sha1",
    "hls_sha256",
    "load_private_key",
    "load_public_key",
    "make_iv",
    "next_invocation_counter",
    "one_pass_key_ciphered_data",
    "other_info",
    "private_key_bytes",
    "protect_apdu",
    "protect_general_ciphering",
    "protect_general_ded",
    "protect_general_glo",
    "protect_text",
    "public_key_bytes",
    "sign_general_signing",
    "suite_of_key",
    "suite_parameters",
    "unprotect",
    "unprotect_apdu",
    "unprotect_general",
    "unprotect_general_ciphering",
    "unprotect_text",
    "unwrap_key",
    "verify_general_signing",
    "verify_hls_ecdsa",
    "verify_hls_gmac",
    "verify_hls_md5",
    "verify_hls_sha1",
    "verify_hls_sha256",
    "verify_one_pass_key_ciphered_data",
    "verify_password",
    "wrap_key",
]
