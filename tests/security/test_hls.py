"""LLS and HLS mechanisms 3 to 7: every "HLS mechanism" vector, both directions, refusals."""

from __future__ import annotations

import pytest

from conformance.errors import SecurityError
from conformance.security import (
    AuthenticationMechanism,
    Party,
    SecurityKeys,
    check_challenge,
    generate_challenge,
    generate_private_key,
    hls_ecdsa,
    hls_ecdsa_message,
    hls_gmac,
    hls_md5,
    hls_sha1,
    hls_sha256,
    load_private_key,
    load_public_key,
    suite_parameters,
    verify_hls_ecdsa,
    verify_hls_gmac,
    verify_hls_md5,
    verify_hls_sha1,
    verify_hls_sha256,
    verify_password,
)
from tests.security.helpers import assert_no_key_material, keys_of
from tests.vectors import by_category, hexbytes, vector


def test_every_hls_vector_is_tested_here() -> None:
    assert {v["id"] for v in by_category("HLS mechanism")} == {
        "hls3-md5-f-stoc-real-iskra", "hls5-gmac-f-stoc-gb", "hls5-gmac-f-ctos-gb",
        "hls6-sha256-f-stoc-gurux-forum", "hls7-ecdsa-f-stoc-ctt"}


def test_mechanism_ids() -> None:
    assert [m.value for m in AuthenticationMechanism] == list(range(8))
    assert int(AuthenticationMechanism.HIGH_GMAC) == 5


# -- challenges ---------------------------------------------------------------------------

@pytest.mark.parametrize("length", [8, 16, 32, 64])
def test_generated_challenges(length: int) -> None:
    a, b = generate_challenge(length), generate_challenge(length)
    assert len(a) == len(b) == length
    assert a != b
    check_challenge(a, name="CtoS")


@pytest.mark.parametrize("length", [0, 7, 65])
def test_challenge_length_limits(length: int) -> None:
    with pytest.raises(SecurityError, match="8 to 64"):
        generate_challenge(length)
    with pytest.raises(SecurityError, match=f"StoC is {length} bytes long"):
        check_challenge(bytes(length), name="StoC")


# -- mechanism 1 -----------------------------------------------------------------------------

def test_password() -> None:
    verify_password(b"12345678", b"12345678")
    with pytest.raises(SecurityError) as info:
        verify_password(b"12345679", b"12345678")
    assert "1234567" not in str(info.value)


# -- mechanism 3 and 4 -------------------------------------------------------------------------

def test_md5_real_iskra() -> None:
    v = vector("hls3-md5-f-stoc-real-iskra")
    stoc, secret = hexbytes(v["inputs"]["StoC"]), hexbytes(v["inputs"]["hls_secret"])
    f = hls_md5(stoc, secret)
    assert f == hexbytes(v["hex"]) == hexbytes(v["expected"]["f_StoC"])
    verify_hls_md5(f, challenge=stoc, secret=secret)
    with pytest.raises(SecurityError, match=r"MD5 \(mechanism 3\)") as info:
        verify_hls_md5(f, challenge=stoc[::-1], secret=secret)
    assert_no_key_material(str(info.value), secret)


def test_sha1_definition_and_refusal() -> None:
    import hashlib

    stoc, secret = b"challenge-bytes!", b"secret"
    f = hls_sha1(stoc, secret)
    assert f == hashlib.sha1(stoc + secret).digest()
    assert len(f) == 20
    verify_hls_sha1(f, challenge=stoc, secret=secret)
    with pytest.raises(SecurityError, match=r"SHA-1 \(mechanism 4\)"):
        verify_hls_sha1(f, challenge=stoc, secret=b"Secret")


# -- mechanism 5 -------------------------------------------------------------------------------

def test_gmac_client_f_stoc() -> None:
    v = vector("hls5-gmac-f-stoc-gb")
    i = v["inputs"]
    st_c = hexbytes(i["client_system_title"])
    f = hls_gmac(b"P6wRJ21F", keys=keys_of(v), system_title=st_c, invocation_counter=1)
    assert hexbytes(i["StoC"].split()[0]) == b"P6wRJ21F"
    assert f == hexbytes(v["hex"]) == hexbytes(v["expected"]["f_StoC"].replace(" ", ""))
    assert verify_hls_gmac(f, challenge=b"P6wRJ21F", keys=keys_of(v), system_title=st_c) == 1


def test_gmac_server_f_ctos_and_negative_variant() -> None:
    v = vector("hls5-gmac-f-ctos-gb")
    i = v["inputs"]
    st_s = hexbytes(i["server_system_title"])
    keys = keys_of(v)
    f = hls_gmac(b"K56iVagY", keys=keys, system_title=st_s, invocation_counter=0x01234567)
    assert f == hexbytes(v["hex"])
    assert verify_hls_gmac(f, challenge=b"K56iVagY", keys=keys, system_title=st_s) == 0x01234567
    bad = hexbytes(v["expected"]["negative_variant"].split()[0])
    with pytest.raises(SecurityError) as info:
        verify_hls_gmac(bad, challenge=b"K56iVagY", keys=keys, system_title=st_s)
    message = str(info.value)
    assert "EK/AK (global unicast)" in message and "4D4D4D0000BC614E" in message
    assert "0x01234567" in message
    assert_no_key_material(message, keys.encryption_key, keys.authentication_key)
    # the client's system title in place of the server's fails too (IV = sender's title)
    with pytest.raises(SecurityError, match="tag mismatch"):
        verify_hls_gmac(f, challenge=b"K56iVagY", keys=keys,
                        system_title=hexbytes("4D4D4D0000000001"))


@pytest.mark.parametrize("f,message", [
    (bytes(16), "17"),
    (bytes.fromhex("30 00000001") + bytes(12), "authentication only"),
    (bytes.fromhex("50 00000001") + bytes(12), "authentication only"),
])
def test_gmac_malformed_f(f: bytes, message: str) -> None:
    keys = SecurityKeys(encryption_key=bytes(16), authentication_key=bytes(16))
    with pytest.raises(SecurityError, match=message):
        verify_hls_gmac(f, challenge=b"12345678", keys=keys, system_title=bytes(8))


def test_gmac_suite_2() -> None:
    keys = SecurityKeys(encryption_key=bytes(range(32)), authentication_key=bytes(32))
    f = hls_gmac(b"12345678", keys=keys, system_title=bytes(8), invocation_counter=5,
                 security_suite_id=2)
    assert f[0] == 0x12 and len(f) == 17
    assert verify_hls_gmac(f, challenge=b"12345678", keys=keys, system_title=bytes(8)) == 5
    with pytest.raises(SecurityError, match="needs 16-byte keys"):
        hls_gmac(b"12345678", keys=keys, system_title=bytes(8), invocation_counter=5)


# -- mechanism 6 -------------------------------------------------------------------------------

def test_sha256_gurux_forum_vector() -> None:
    v = vector("hls6-sha256-f-stoc-gurux-forum")
    i = v["inputs"]
    args = dict(secret=hexbytes(i["hls_secret"].split()[0]), client_system_title=hexbytes(
        i["ST_C"]), server_system_title=b"", stoc=hexbytes(i["StoC"]), ctos=hexbytes(i["CtoS"]))
    f = hls_sha256(party=Party.CLIENT, **args)
    assert f == hexbytes(v["hex"])
    verify_hls_sha256(f, party=Party.CLIENT, **args)
    with pytest.raises(SecurityError, match="f\\(\\) of the client"):
        verify_hls_sha256(hexbytes(v["expected"]["wrong_value_from_buggy_client"]),
                          party=Party.CLIENT, **args)


def test_sha256_server_order() -> None:
    import hashlib

    st_c, st_s, ctos, stoc = b"CCCCCCCC", b"SSSSSSSS", b"c" * 16, b"s" * 16
    f = hls_sha256(b"k", party=Party.SERVER, client_system_title=st_c,
                   server_system_title=st_s, ctos=ctos, stoc=stoc)
    assert f == hashlib.sha256(b"k" + st_s + st_c + ctos + stoc).digest()
    with pytest.raises(SecurityError, match="of the client"):
        verify_hls_sha256(f, secret=b"k", party=Party.CLIENT, client_system_title=st_c,
                          server_system_title=st_s, ctos=ctos, stoc=stoc)


# -- mechanism 7 -------------------------------------------------------------------------------

def test_ecdsa_ctt_vector() -> None:
    v = vector("hls7-ecdsa-f-stoc-ctt")
    i = v["inputs"]
    suite1 = suite_parameters(1)
    titles = dict(client_system_title=hexbytes(i["ST_C"]),
                  server_system_title=hexbytes(i["ST_S"]), ctos=hexbytes(i["CtoS"]),
                  stoc=hexbytes(i["StoC"]))
    assert hls_ecdsa_message(party=Party.CLIENT, **titles) == hexbytes(i["message"])
    public = load_public_key(hexbytes(i["client_signing_public"]), suite1)
    verify_hls_ecdsa(hexbytes(v["hex"]), public_key=public, party=Party.CLIENT, **titles)
    # our own signature with the same key verifies too (ECDSA is randomised: not equal)
    private = load_private_key(hexbytes(i["client_signing_private"]), suite1)
    ours = hls_ecdsa(private, party=Party.CLIENT, **titles)
    assert len(ours) == 64
    verify_hls_ecdsa(ours, public_key=public, party=Party.CLIENT, **titles)
    # the server's order is different, so the client's signature does not pass for it
    with pytest.raises(SecurityError, match=r"f\(CtoS\) of the server"):
        verify_hls_ecdsa(hexbytes(v["hex"]), public_key=public, party=Party.SERVER, **titles)


def test_ecdsa_suite_2_round_trip() -> None:
    key = generate_private_key(suite_parameters(2))
    titles = dict(client_system_title=b"CCCCCCCC", server_system_title=b"SSSSSSSS",
                  ctos=b"c" * 8, stoc=b"s" * 64)
    f = hls_ecdsa(key, party=Party.SERVER, **titles)
    assert len(f) == 96
    verify_hls_ecdsa(f, public_key=key.public_key(), party=Party.SERVER,
                     **titles)
    with pytest.raises(SecurityError, match="96 bytes"):
        verify_hls_ecdsa(f[:64], public_key=key.public_key(), party=Party.SERVER,
                         **titles)
