"""No key value ever appears in a repr, a str or an exception message."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance.codec.xdlms.ciphered import KekId, Protection, WrappedKey
from conformance.errors import SecurityError
from conformance.security import (
    Party,
    SecretKey,
    SecurityControl,
    SecurityKeys,
    decrypt_unauthenticated,
    gcm_decrypt,
    hls_gmac,
    load_private_key,
    protect_apdu,
    protect_general_ciphering,
    protect_general_glo,
    suite_parameters,
    unprotect_apdu,
    unprotect_general,
    unprotect_general_ciphering,
    unwrap_key,
    verify_hls_gmac,
    verify_hls_md5,
    verify_hls_sha256,
    verify_password,
    wrap_key,
)
from tests.security.helpers import assert_no_key_material

GET = bytes.fromhex("C0010000080000010000FF0200")
ST = bytes.fromhex("4D4D4D0000BC614E")
AUTH_ENC = SecurityControl(authentication=True, encryption=True)

keys16 = st.binary(min_size=16, max_size=16).filter(lambda k: len(set(k)) > 4)


def _all(keys: SecurityKeys) -> list[bytes | None]:
    return [keys.encryption_key, keys.broadcast_key, keys.authentication_key,
            keys.dedicated_key, keys.master_key]


@given(keys16, keys16, keys16, keys16, keys16)
def test_reprs_hide_every_key(ek: bytes, bk: bytes, ak: bytes, dk: bytes, kek: bytes) -> None:
    keys = SecurityKeys(encryption_key=ek, broadcast_key=bk, authentication_key=ak,
                        dedicated_key=dk, master_key=kek)
    texts = [repr(keys), str(keys), repr(keys.block_cipher_key()), str(keys.authentication()),
             repr(keys.kek()), repr(SecretKey(name="x", value=ek))]
    for text in texts:
        assert_no_key_material(text, *_all(keys))
    assert repr(keys) == ("SecurityKeys(present: EK (global unicast), EK (global broadcast), "
                          "AK, dedicated key, master key (KEK))")


def _failures(keys: SecurityKeys, wrong: SecurityKeys) -> list[Callable[[], object]]:
    """Operations that must fail, each with keys or secrets in play."""
    glo = protect_apdu(GET, keys=keys, security_control=AUTH_ENC, invocation_counter=1,
                       system_title=ST)
    ded = protect_apdu(GET, keys=keys, security_control=AUTH_ENC, invocation_counter=1,
                       system_title=ST, protection=Protection.DEDICATED)
    general = protect_general_glo(GET, keys=keys, security_control=SecurityControl(
        authentication=True), invocation_counter=1, system_title=ST)
    kek = keys.kek()
    wrapped = WrappedKey(kek_id=KekId.MASTER_KEY,
                         key_ciphered_data=wrap_key(keys.encryption_key or b"", kek=kek))
    gc = protect_general_ciphering(GET, keys=keys, security_control=AUTH_ENC,
                                   invocation_counter=1, transaction_id=b"\x01",
                                   originator_system_title=ST, recipient_system_title=ST,
                                   key_info=wrapped)
    f = hls_gmac(b"12345678", keys=keys, system_title=ST, invocation_counter=3)
    secret = keys.authentication_key or b""
    return [
        lambda: unprotect_apdu(glo, keys=wrong, system_title=ST),
        lambda: unprotect_apdu(ded, keys=wrong, system_title=ST),
        lambda: unprotect_general(general, keys=wrong),
        lambda: unprotect_general_ciphering(gc, keys=wrong),
        lambda: verify_hls_gmac(f, challenge=b"12345679", keys=keys, system_title=ST),
        lambda: verify_hls_md5(bytes(16), challenge=b"12345678", secret=secret),
        lambda: verify_hls_sha256(bytes(32), secret=secret, party=Party.CLIENT,
                                  client_system_title=ST, server_system_title=ST,
                                  ctos=b"c" * 8, stoc=b"s" * 8),
        lambda: verify_password(secret[::-1], secret),
        lambda: unwrap_key(wrapped.key_ciphered_data, kek=wrong.kek()),
        lambda: gcm_decrypt(glo.ciphered_text, key=wrong.block_cipher_key(), iv=ST + bytes(4),
                            aad=b""),
        lambda: protect_apdu(GET, keys=keys, security_control=SecurityControl(
            security_suite_id=2, encryption=True), invocation_counter=1, system_title=ST),
        lambda: SecurityKeys(encryption_key=(keys.encryption_key or b"")[:15]),
        lambda: decrypt_unauthenticated(b"", key=SecretKey(name="EK", value=secret[:15]),
                                        iv=bytes(12)),
        lambda: load_private_key(secret + secret, suite_parameters(2)),
    ]


@given(keys16, keys16, keys16, keys16, keys16)
def test_exceptions_never_show_key_values(ek: bytes, ak: bytes, dk: bytes, kek: bytes,
                                          other: bytes) -> None:
    assume(other not in (ek, dk, kek) and ak != ak[::-1])
    keys = SecurityKeys(encryption_key=ek, authentication_key=ak, dedicated_key=dk,
                        master_key=kek)
    wrong = SecurityKeys(encryption_key=other, authentication_key=ak, dedicated_key=other,
                         master_key=other)
    for failing in _failures(keys, wrong):
        with pytest.raises(SecurityError) as info:
            failing()
        err = info.value
        text = f"{err}\n{err!r}\n{err.args!r}"
        assert_no_key_material(text, *_all(keys), other, ak[:15], ek[:15])
        assert err.__cause__ is None
