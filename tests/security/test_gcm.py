"""AES-GCM protection: the suite 0 vectors, the negative ones, the suite 2 primitive, and the
protect/unprotect identity for every policy and suite."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.xdlms.ciphered import SecurityHeader
from conformance.errors import SecurityError
from conformance.security import (
    SecretKey,
    SecurityControl,
    authentication_tag,
    decrypt_unauthenticated,
    gcm_decrypt,
    gcm_encrypt,
    make_iv,
    protect_text,
    unprotect_text,
)
from tests.security.helpers import GB_AK, GB_EK, assert_no_key_material, keys_of
from tests.vectors import by_category, hexbytes, vector

AUTH_ENC = SecurityControl(authentication=True, encryption=True)
AUTH = SecurityControl(authentication=True)
ENC = SecurityControl(encryption=True)


def _ek(value: bytes) -> SecretKey:
    return SecretKey(name="EK (global unicast)", value=value)


def _ak(value: bytes) -> SecretKey:
    return SecretKey(name="AK", value=value)


def test_suite_0_vectors_are_the_ones_tested() -> None:
    """The suite 0 categories hold exactly the vectors tests/security exercises."""
    ids = {v["id"] for v in by_category("glo-ciphering / AES-GCM suite 0")}
    assert ids == {
        "rlre-glo-initiate-response", "sec-gcm-s0-dlms-cli-example", "sec-gcm-s0-glo-get-auth",
        "sec-gcm-s0-glo-get-authenc", "sec-gcm-s0-glo-initiate-request",
        "sec-gcm-s0-ic-01234566-auth", "sec-gcm-s0-ic-01234566-enc",
        "sec-gcm-s0-real-glo-get-response-encrypted-only", "sec-gcm-s0-real-kamstrup-authenc",
        "sec-gcm-s0-st-4B414D1234567890-auth", "sec-gcm-s0-st-4B414D1234567890-enc",
        "sec-gmac-s0-dlms-cli-auth-only", "sec-gcm-s0-negative-auth",
        "sec-gcm-s0-negative-authenc",
    }


def test_iv_of_green_book_example() -> None:
    v = vector("sec-gcm-s0-glo-get-authenc")["inputs"]
    assert make_iv(hexbytes(v["system_title"]), int(v["invocation_counter"], 16)) == hexbytes(
        v["iv"])


@pytest.mark.parametrize("bad", [b"", b"1234567", b"123456789"])
def test_iv_needs_an_8_byte_system_title(bad: bytes) -> None:
    with pytest.raises(SecurityError, match="8-byte system title"):
        make_iv(bad, 1)


def test_dlms_cli_example_full_and_truncated_tag() -> None:
    v = vector("sec-gcm-s0-dlms-cli-example")
    i, exp = v["inputs"], v["expected"]
    st_, ic = hexbytes(i["system_title"]), int(i["invocation_counter"], 16)
    text = protect_text(hexbytes(i["plaintext_apdu"]), security_control=AUTH_ENC,
                        invocation_counter=ic, system_title=st_,
                        block_cipher_key=_ek(hexbytes(i["EK"])),
                        authentication_key=_ak(hexbytes(i["AK"])))
    assert text == hexbytes(exp["ciphertext"] + exp["dlms_tag_12"])
    # the 12-byte DLMS tag is the leftmost part of the full GCM tag the tool printed
    full = AESGCM(hexbytes(i["EK"])).encrypt(make_iv(st_, ic), hexbytes(i["plaintext_apdu"]),
                                            hexbytes(i["aad"]))
    assert full == hexbytes(v["hex"]) == hexbytes(exp["ciphertext"] + exp["full_tag_16"])


@pytest.mark.parametrize("vid,sc", [("sec-gcm-s0-ic-01234566-auth", AUTH),
                                    ("sec-gcm-s0-ic-01234566-enc", ENC)])
def test_length_prefixed_content(vid: str, sc: SecurityControl) -> None:
    v = vector(vid)
    data = hexbytes(v["hex"])
    assert data[0] == v["expected"]["length_prefix"] == len(data) - 1
    header = SecurityHeader(security_control=data[1],
                            invocation_counter=int.from_bytes(data[2:6], "big"))
    assert header.security_control == sc.to_byte()
    keys = keys_of(v)
    ak = _ak(keys.authentication_key or b"")
    kwargs = dict(security_control=sc, invocation_counter=header.invocation_counter,
                  system_title=hexbytes(v["inputs"]["system_title"]),
                  block_cipher_key=_ek(GB_EK), authentication_key=ak)
    plain = hexbytes(v["expected"]["decrypted"])
    assert unprotect_text(data[6:], **kwargs) == plain  # type: ignore[arg-type]
    assert protect_text(plain, **kwargs) == data[6:]  # type: ignore[arg-type]


def test_real_kamstrup_sample() -> None:
    v = vector("sec-gcm-s0-real-kamstrup-authenc")
    data, iv = hexbytes(v["hex"]), hexbytes(v["inputs"]["iv"])
    assert data[1:5] == iv[8:]
    sc = SecurityControl.from_byte(data[0])
    assert sc == AUTH_ENC
    kwargs = dict(security_control=sc, invocation_counter=int.from_bytes(data[1:5], "big"),
                  system_title=iv[:8], block_cipher_key=_ek(hexbytes(v["inputs"]["EK"])),
                  authentication_key=_ak(hexbytes(v["inputs"]["AK"])))
    plain = unprotect_text(data[5:], **kwargs)  # type: ignore[arg-type]
    assert plain == hexbytes(v["expected"]["decrypted"])
    assert data[5:] == hexbytes(v["expected"]["ciphertext"] + v["expected"]["tag"])
    assert protect_text(plain, **kwargs) == data[5:]  # type: ignore[arg-type]


def test_gmac_of_arbitrary_data() -> None:
    v = vector("sec-gmac-s0-dlms-cli-auth-only")
    i = v["inputs"]
    tag = authentication_tag(hexbytes(i["data"]), security_control=AUTH,
                             invocation_counter=int(i["invocation_counter"], 16),
                             system_title=hexbytes(i["system_title"]),
                             block_cipher_key=_ek(hexbytes(i["EK"])),
                             authentication_key=_ak(hexbytes(i["AK"])))
    assert tag == hexbytes(v["hex"]) == hexbytes(v["expected"]["tag_12"])


def test_gmac_refuses_encryption() -> None:
    with pytest.raises(SecurityError, match="authentication without encryption"):
        authentication_tag(b"x", security_control=AUTH_ENC, invocation_counter=1,
                           system_title=bytes(8), block_cipher_key=_ek(GB_EK),
                           authentication_key=_ak(GB_AK))


@pytest.mark.parametrize("vid", ["sec-gcm-s0-negative-auth", "sec-gcm-s0-negative-authenc"])
def test_manipulated_content_is_rejected(vid: str) -> None:
    v = vector(vid)
    data = hexbytes(v["hex"])
    st_ = hexbytes(v["inputs"]["system_title"])
    with pytest.raises(SecurityError) as info:
        unprotect_text(data[5:], security_control=SecurityControl.from_byte(data[0]),
                       invocation_counter=int.from_bytes(data[1:5], "big"), system_title=st_,
                       block_cipher_key=_ek(GB_EK), authentication_key=_ak(GB_AK))
    message = str(info.value)
    assert "tag mismatch" in message
    assert "EK/AK (global unicast)" in message
    assert "4D4D4D0000BC614E" in message
    assert "0x01234567" in message
    assert_no_key_material(message + repr(info.value), GB_EK, GB_AK)


def test_suite_2_primitive() -> None:
    v = vector("sec-aes-gcm-256-primitive-suite2")
    i, exp = v["inputs"], v["expected"]
    key = SecretKey(name="EK (global unicast)", value=hexbytes(i["key"]))
    out = gcm_encrypt(hexbytes(i["plaintext"]), key=key, iv=hexbytes(i["iv"]),
                      aad=hexbytes(i["aad"]))
    assert out == hexbytes(exp["ciphertext"] + exp["tag_12"]) == hexbytes(v["hex"])
    assert exp["tag_16"].startswith(exp["tag_12"])
    assert gcm_decrypt(out, key=key, iv=hexbytes(i["iv"]),
                       aad=hexbytes(i["aad"])) == hexbytes(i["plaintext"])
    broken = out[:-1] + bytes((out[-1] ^ 1,))
    with pytest.raises(SecurityError, match="tag mismatch"):
        gcm_decrypt(broken, key=key, iv=hexbytes(i["iv"]), aad=hexbytes(i["aad"]))
    assert decrypt_unauthenticated(out[:-12], key=key, iv=hexbytes(i["iv"])) == hexbytes(
        i["plaintext"])


# -- key lengths, suites, unsupported bits -------------------------------------------------

def test_suite_2_needs_32_byte_keys() -> None:
    sc = SecurityControl(security_suite_id=2, authentication=True, encryption=True)
    with pytest.raises(SecurityError) as info:
        protect_text(b"\xc0", security_control=sc, invocation_counter=1, system_title=bytes(8),
                     block_cipher_key=_ek(GB_EK), authentication_key=_ak(GB_AK))
    assert str(info.value) == ("EK (global unicast) is 16 bytes long; security suite 2 "
                               "(AES-GCM-256) needs 32-byte keys")


def test_suite_0_rejects_a_32_byte_ak() -> None:
    with pytest.raises(SecurityError, match="AK is 32 bytes long; security suite 0"):
        protect_text(b"\xc0", security_control=AUTH, invocation_counter=1,
                     system_title=bytes(8), block_cipher_key=_ek(GB_EK),
                     authentication_key=_ak(GB_AK * 2))


def test_reserved_suite_and_compression_are_refused() -> None:
    with pytest.raises(SecurityError, match="security suite 3 is not defined"):
        protect_text(b"\xc0", security_control=SecurityControl(security_suite_id=3,
                                                               encryption=True),
                     invocation_counter=1, system_title=bytes(8), block_cipher_key=_ek(GB_EK),
                     authentication_key=None)
    with pytest.raises(SecurityError, match="compression"):
        unprotect_text(b"\xc0", security_control=SecurityControl(encryption=True,
                                                                 compression=True),
                       invocation_counter=1, system_title=bytes(8),
                       block_cipher_key=_ek(GB_EK), authentication_key=None)


def test_authentication_needs_ak() -> None:
    with pytest.raises(SecurityError, match="needs AK"):
        protect_text(b"\xc0", security_control=AUTH_ENC, invocation_counter=1,
                     system_title=bytes(8), block_cipher_key=_ek(GB_EK), authentication_key=None)


def test_text_shorter_than_tag() -> None:
    with pytest.raises(SecurityError, match="shorter than the 12-byte authentication tag"):
        unprotect_text(bytes(11), security_control=AUTH, invocation_counter=1,
                       system_title=bytes(8), block_cipher_key=_ek(GB_EK),
                       authentication_key=_ak(GB_AK))


def test_no_protection_passes_plaintext_through() -> None:
    kwargs = dict(security_control=SecurityControl(), invocation_counter=1,
                  system_title=bytes(8), block_cipher_key=_ek(GB_EK), authentication_key=None)
    assert protect_text(b"\xc0\x01", **kwargs) == b"\xc0\x01"  # type: ignore[arg-type]
    assert unprotect_text(b"\xc0\x01", **kwargs) == b"\xc0\x01"  # type: ignore[arg-type]


# -- properties ----------------------------------------------------------------------------

policies = st.sampled_from([(True, True), (True, False), (False, True), (False, False)])


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, object]:
    suite = draw(st.sampled_from([0, 1, 2]))
    length = 32 if suite == 2 else 16
    auth, enc = draw(policies)
    return dict(
        security_control=SecurityControl(security_suite_id=suite, authentication=auth,
                                         encryption=enc, broadcast_key=draw(st.booleans())),
        invocation_counter=draw(st.integers(0, 0xFFFFFFFF)),
        system_title=draw(st.binary(min_size=8, max_size=8)),
        block_cipher_key=_ek(draw(st.binary(min_size=length, max_size=length))),
        authentication_key=_ak(draw(st.binary(min_size=length, max_size=length))),
    )


@given(contexts(), st.binary(max_size=300))
def test_protect_then_unprotect_is_identity(ctx: dict[str, object], plaintext: bytes) -> None:
    text = protect_text(plaintext, **ctx)  # type: ignore[arg-type]
    sc = ctx["security_control"]
    assert isinstance(sc, SecurityControl)
    assert len(text) == len(plaintext) + (12 if sc.authentication else 0)
    if sc.encryption and len(plaintext) >= 8:
        assert text[:len(plaintext)] != plaintext
    assert unprotect_text(text, **ctx) == plaintext  # type: ignore[arg-type]


@given(contexts(), st.binary(min_size=1, max_size=64), st.data())
def test_any_bit_flip_of_authenticated_text_is_detected(
        ctx: dict[str, object], plaintext: bytes, data: st.DataObject) -> None:
    sc = ctx["security_control"]
    assert isinstance(sc, SecurityControl)
    ctx["security_control"] = SecurityControl(security_suite_id=sc.security_suite_id,
                                              authentication=True, encryption=sc.encryption)
    text = protect_text(plaintext, **ctx)  # type: ignore[arg-type]
    bit = data.draw(st.integers(0, len(text) * 8 - 1))
    flipped = bytearray(text)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(SecurityError, match="tag mismatch"):
        unprotect_text(bytes(flipped), **ctx)  # type: ignore[arg-type]
    # so is a different invocation counter or system title (both are in the IV)
    ic = ctx["invocation_counter"]
    assert isinstance(ic, int)
    with pytest.raises(SecurityError, match="tag mismatch"):
        unprotect_text(text, **{**ctx, "invocation_counter": ic ^ 1})  # type: ignore[arg-type]
