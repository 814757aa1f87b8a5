"""Plaintext APDU <-> every ciphered APDU form: vectors, key selection, round trips, flips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.xdlms.ciphered import (
    CIPHERED_SERVICES,
    AgreedKey,
    CipheredApdu,
    GeneralCiphering,
    GeneralDedCiphering,
    GeneralGloCiphering,
    GeneralSigning,
    IdentifiedKey,
    KekId,
    KeyId,
    Protection,
    WrappedKey,
    decode_ciphered,
)
from conformance.codec.xdlms.initiate import (
    Conformance,
    decode_initiate_request,
    decode_initiate_response,
)
from conformance.errors import CodecError, ConformanceError, LocalProtocolError, SecurityError
from conformance.security import (
    SecretKey,
    SecurityControl,
    SecurityKeys,
    protect_apdu,
    protect_general_ciphering,
    protect_general_ded,
    protect_general_glo,
    unprotect,
    unprotect_apdu,
    unprotect_general,
    unprotect_general_ciphering,
    wrap_key,
)
from tests.security.helpers import GB_AK, GB_CLIENT_ST, GB_EK, GB_KEYS, GB_SERVER_ST, keys_of
from tests.vectors import hexbytes, vector

AUTH_ENC = SecurityControl(authentication=True, encryption=True)
GET_CLOCK = hexbytes("C0010000080000010000FF0200")


# -- service-specific vectors --------------------------------------------------------------

@pytest.mark.parametrize("vid", ["sec-gcm-s0-glo-get-auth", "sec-gcm-s0-glo-get-authenc",
                                 "sec-gcm-s0-st-4B414D1234567890-auth",
                                 "sec-gcm-s0-st-4B414D1234567890-enc"])
def test_glo_get_request_vectors(vid: str) -> None:
    v = vector(vid)
    data = hexbytes(v["hex"])
    st_ = hexbytes(v["inputs"]["system_title"])
    sc = SecurityControl.from_byte(data[2])
    apdu = protect_apdu(hexbytes(v["inputs"]["plaintext_apdu"]), keys=keys_of(v),
                        security_control=sc, invocation_counter=0x01234567, system_title=st_)
    assert apdu.to_bytes() == data
    decoded = decode_ciphered(data)
    assert isinstance(decoded, CipheredApdu)
    plain = unprotect_apdu(decoded, keys=keys_of(v), system_title=st_,
                           expected_security_control=sc)
    assert plain == hexbytes(v["inputs"]["plaintext_apdu"]) == GET_CLOCK


def test_glo_initiate_request_vector() -> None:
    v = vector("sec-gcm-s0-glo-initiate-request")
    data = hexbytes(v["hex"])
    plaintext = hexbytes(v["inputs"]["plaintext_apdu"])
    apdu = protect_apdu(plaintext, keys=GB_KEYS, security_control=AUTH_ENC,
                        invocation_counter=0x01234567, system_title=GB_SERVER_ST)
    assert apdu.tag == 0x21
    assert apdu.to_bytes() == data
    assert apdu.ciphered_text == hexbytes(v["expected"]["ciphertext"]
                                          + v["expected"]["auth_tag_12"])
    decoded = decode_ciphered(data)
    assert isinstance(decoded, CipheredApdu)
    request = decode_initiate_request(unprotect_apdu(decoded, keys=GB_KEYS,
                                                     system_title=GB_SERVER_ST))
    exp = v["expected"]["decrypted"]
    assert request.dedicated_key == hexbytes(exp["dedicated_key"])
    assert request.response_allowed is True
    assert request.proposed_dlms_version_number == exp["dlms_version"]
    assert request.proposed_conformance == Conformance.from_bytes(hexbytes(exp["conformance"]))
    assert request.client_max_receive_pdu_size == exp["max_receive_pdu_size"]


def test_real_encrypted_only_get_response() -> None:
    v = vector("sec-gcm-s0-real-glo-get-response-encrypted-only")
    apdu = decode_ciphered(hexbytes(v["hex"]))
    assert isinstance(apdu, CipheredApdu)
    keys = SecurityKeys(encryption_key=hexbytes(v["inputs"]["EK"]))  # no AK needed
    plain = unprotect_apdu(apdu, keys=keys, system_title=hexbytes(v["inputs"]["system_title"]),
                           expected_security_control=SecurityControl(encryption=True))
    assert plain == hexbytes(v["expected"]["decrypted"])
    # get-response-with-datablock, invoke C1, last-block false, block 1, raw-data of 1016
    assert plain[:12] == hexbytes("C402C1" "00" "00000001" "00" "8203F8")
    assert len(plain) == 12 + v["expected"]["decoded_header"]["raw_data_len"]


# -- user-information of AARQ / RLRQ / RLRE / AARE -----------------------------------------

@pytest.mark.parametrize("vid,ui_path", [
    ("aarq-ln-ciphering-lls-glo-initiate", ("user_information",)),
    ("rlrq-ciphered-user-info", ("user_information",)),
])
def test_client_user_information_deciphers_to_initiate_request(
        vid: str, ui_path: tuple[str, ...]) -> None:
    v = vector(vid)
    ui = hexbytes(v["expected"][ui_path[0]])
    st_ = hexbytes(v["inputs"].get("calling_ap_title", v["inputs"].get("system_title")))
    apdu = decode_ciphered(ui)
    assert isinstance(apdu, CipheredApdu)
    plain = unprotect_apdu(apdu, keys=keys_of(v), system_title=st_)
    assert plain == hexbytes(vector("initiate-request-dedicated-key-gb")["hex"])
    if "decrypted_user_information" in v["expected"]:
        assert plain == hexbytes(v["expected"]["decrypted_user_information"])
    assert decode_initiate_request(plain).dedicated_key == hexbytes(
        "00112233445566778899AABBCCDDEEFF")


def test_rlre_user_information_deciphers_to_initiate_response() -> None:
    v = vector("rlre-glo-initiate-response")
    apdu = decode_ciphered(hexbytes(v["expected"]["acse"]["user_information"]))
    assert isinstance(apdu, CipheredApdu)
    plain = unprotect_apdu(apdu, keys=keys_of(v),
                           system_title=hexbytes(v["inputs"]["system_title"]),
                           expected_security_control=AUTH_ENC)
    assert plain == hexbytes(v["expected"]["decrypted_user_information"])
    response = decode_initiate_response(plain)
    exp = v["expected"]["decoded"]
    assert response.negotiated_dlms_version_number == exp["dlms_version"]
    assert response.negotiated_conformance == Conformance.from_bytes(
        hexbytes(exp["conformance"]))
    assert response.server_max_receive_pdu_size == exp["max_receive_pdu_size"]
    assert response.vaa_name == int(exp["vaa_name"], 16)


def test_aare_with_authentic_but_malformed_plaintext() -> None:
    v = vector("aare-hls5-ciphered-malformed-plaintext")
    apdu = decode_ciphered(hexbytes(v["expected"]["acse"]["user_information"]))
    assert isinstance(apdu, CipheredApdu)
    st_ = hexbytes(v["inputs"]["server_system_title"])
    # the tag is valid: the content deciphers ...
    plain = unprotect_apdu(apdu, keys=keys_of(v), system_title=st_, check_content=False)
    assert plain == hexbytes(v["expected"]["decrypted"])
    # ... but it is not an InitiateResponse (first octet 0x10), and that is reported
    with pytest.raises(CodecError) as info:
        unprotect_apdu(apdu, keys=keys_of(v), system_title=st_)
    assert info.value.path == "glo-initiateResponse.plaintext"
    assert info.value.offset == 0
    assert "0x10" in str(info.value) and "initiateResponse (0x08)" in str(info.value)
    with pytest.raises(CodecError):
        decode_initiate_response(plain)


# -- general-glo-ciphering -----------------------------------------------------------------

def test_general_glo_data_notification() -> None:
    v = vector("sec-general-glo-ciphering-data-notification")
    data = hexbytes(v["hex"])
    apdu = decode_ciphered(data)
    assert isinstance(apdu, GeneralGloCiphering)
    plain = unprotect_general(apdu, keys=keys_of(v))
    assert plain == hexbytes(v["expected"]["plaintext"])
    again = protect_general_glo(plain, keys=keys_of(v), security_control=AUTH_ENC,
                                invocation_counter=0x1E5,
                                system_title=hexbytes(v["inputs"]["system_title"]))
    assert again.to_bytes() == data


def test_general_glo_suite_1_real_meter() -> None:
    v = vector("sec-general-glo-ciphering-suite1-enc-only-real-meter")
    data = hexbytes(v["hex"])
    apdu = decode_ciphered(data)
    assert isinstance(apdu, GeneralGloCiphering)
    sc = SecurityControl(security_suite_id=1, encryption=True)
    keys = SecurityKeys(encryption_key=hexbytes(v["inputs"]["EK"]))
    plain = unprotect_general(apdu, keys=keys, expected_security_control=sc)
    assert plain == hexbytes(v["expected"]["decrypted"])
    assert plain[:5] == hexbytes("0F" + v["expected"]["decoded"]["long_invoke_id_and_priority"])
    again = protect_general_glo(plain, keys=keys, security_control=sc,
                                invocation_counter=0x00295B9A, system_title=apdu.system_title)
    assert again.to_bytes() == data


def test_general_glo_without_system_title_needs_one_from_context() -> None:
    apdu = decode_ciphered(hexbytes(vector("sec-general-glo-ciphering-no-system-title")["hex"]))
    assert isinstance(apdu, GeneralGloCiphering)
    with pytest.raises(SecurityError, match="carries no system title"):
        unprotect_general(apdu, keys=GB_KEYS)
    sent = protect_general_glo(GET_CLOCK, keys=GB_KEYS, security_control=AUTH_ENC,
                               invocation_counter=7, system_title=GB_CLIENT_ST,
                               send_system_title=False)
    assert sent.system_title == b""
    assert unprotect_general(sent, keys=GB_KEYS, system_title=GB_CLIENT_ST) == GET_CLOCK
    with pytest.raises(SecurityError, match="tag mismatch"):
        unprotect_general(sent, keys=GB_KEYS, system_title=GB_SERVER_ST)


# -- general-ciphering (suite 1, key agreement): only what the vectors verified ------------

def test_general_ciphering_c1e1s_verified_parts() -> None:
    from conformance.security import (
        KeyAgreementScheme,
        agree_key,
        decrypt_unauthenticated,
        load_private_key,
        load_public_key,
        public_key_bytes,
        suite_parameters,
        verify_one_pass_key_ciphered_data,
    )

    suite1 = suite_parameters(1)
    v = vector("sec-general-ciphering-c1e1s-gb")
    ecdh = vector("ecdh-c1e1s-p256-gb-table-c2")["inputs"]
    apdu = decode_ciphered(hexbytes(v["hex"]))
    assert isinstance(apdu, GeneralCiphering) and isinstance(apdu.key_info, AgreedKey)
    # the signature of the ephemeral key (verified) and the ephemeral key itself
    signer = load_public_key(hexbytes(v["inputs"]["U_signing_public_key"]), suite1)
    ephemeral = verify_one_pass_key_ciphered_data(apdu.key_info.key_ciphered_data,
                                                  suite=suite1, signing_public_key=signer)
    assert public_key_bytes(ephemeral) == hexbytes(ecdh["U_ephemeral_public"])
    # the recipient (party V) derives the block cipher key (verified)
    key = agree_key(KeyAgreementScheme.ONE_PASS_DIFFIE_HELLMAN,
                    private_key=load_private_key(hexbytes(ecdh["V_static_private"]), suite1),
                    peer_public_key=ephemeral,
                    party_u_system_title=apdu.originator_system_title,
                    party_v_system_title=apdu.recipient_system_title)
    assert key == hexbytes(v["inputs"]["block_cipher_key(derived)"])
    # the ciphertext (verified; the tag is not reproducible, so it is not checked)
    iv = apdu.originator_system_title + apdu.security_header.invocation_counter.to_bytes(4, "big")
    assert iv == hexbytes(v["inputs"]["iv"])
    plain = decrypt_unauthenticated(apdu.ciphered_text[:-12],
                                    key=SecretKey(name="agreed key", value=key), iv=iv)
    assert plain == hexbytes(v["expected"]["decrypted"])


def test_general_ciphering_c0e2s_ciphertext() -> None:
    from conformance.security import decrypt_unauthenticated

    v = vector("sec-general-ciphering-c0e2s-gb-ciphertext")
    i = v["inputs"]
    plain = decrypt_unauthenticated(hexbytes(v["expected"]["ciphertext"]),
                                    key=SecretKey(name="agreed key", value=hexbytes(i["key"])),
                                    iv=hexbytes(i["iv"]))
    assert plain == hexbytes(i["plaintext"])


def test_general_ciphering_key_choice() -> None:
    kek = bytes(range(16, 32))
    keys = SecurityKeys(encryption_key=GB_EK, broadcast_key=GB_EK[::-1],
                        authentication_key=GB_AK, master_key=kek)
    common = dict(keys=keys, security_control=AUTH_ENC, invocation_counter=3,
                  transaction_id=b"\x01" * 8, originator_system_title=GB_CLIENT_ST,
                  recipient_system_title=GB_SERVER_ST)
    data_key = bytes(16)
    wrapped = WrappedKey(kek_id=KekId.MASTER_KEY,
                         key_ciphered_data=wrap_key(data_key,
                                                    kek=SecretKey(name="KEK", value=kek)))
    texts = set()
    for info in (None, IdentifiedKey(key_id=KeyId.GLOBAL_UNICAST_ENCRYPTION_KEY),
                 IdentifiedKey(key_id=KeyId.GLOBAL_BROADCAST_ENCRYPTION_KEY), wrapped):
        apdu = protect_general_ciphering(GET_CLOCK, key_info=info, **common)  # type: ignore[arg-type]
        decoded = decode_ciphered(apdu.to_bytes())
        assert isinstance(decoded, GeneralCiphering)
        assert unprotect_general_ciphering(decoded, keys=keys) == GET_CLOCK
        texts.add(apdu.ciphered_text)
    assert len(texts) == 3  # no key-info and identified unicast use the same key
    agreed = protect_general_ciphering(
        GET_CLOCK, key_info=AgreedKey(key_parameters=b"\x02", key_ciphered_data=b""),
        agreed_key=bytes(range(16)), **common)  # type: ignore[arg-type]
    assert unprotect(agreed, keys=keys, agreed_key=bytes(range(16))) == GET_CLOCK
    with pytest.raises(SecurityError, match="agreed by ECDH is needed"):
        unprotect(agreed, keys=keys)
    with pytest.raises(SecurityError, match="names another key"):
        protect_general_ciphering(GET_CLOCK, key_info=wrapped, agreed_key=bytes(16),
                                  **common)  # type: ignore[arg-type]
    other_kek = SecurityKeys(encryption_key=GB_EK, authentication_key=GB_AK,
                             master_key=bytes(16))
    apdu = protect_general_ciphering(GET_CLOCK, key_info=wrapped, **common)  # type: ignore[arg-type]
    with pytest.raises(SecurityError, match="integrity check failed with master key"):
        unprotect_general_ciphering(apdu, keys=other_kek)


def test_general_ciphering_header_fields_are_authenticated() -> None:
    apdu = protect_general_ciphering(GET_CLOCK, keys=GB_KEYS, security_control=AUTH_ENC,
                                     invocation_counter=3, transaction_id=b"\x01",
                                     originator_system_title=GB_CLIENT_ST,
                                     recipient_system_title=GB_SERVER_ST)
    for field, value in [("transaction_id", b"\x02"), ("recipient_system_title", GB_CLIENT_ST),
                         ("date_time", bytes(12)), ("other_information", b"\x00")]:
        changed = GeneralCiphering(**{**{f: getattr(apdu, f) for f in (
            "transaction_id", "originator_system_title", "recipient_system_title", "date_time",
            "other_information", "key_info", "security_header", "ciphered_text")},
            field: value})
        with pytest.raises(SecurityError, match="tag mismatch"):
            unprotect_general_ciphering(changed, keys=GB_KEYS)


# -- key selection and refusals ------------------------------------------------------------

def test_ded_apdus_use_the_dedicated_key() -> None:
    dedicated = bytes(range(0x80, 0x90))
    keys = GB_KEYS.with_dedicated_key(dedicated)
    apdu = protect_apdu(GET_CLOCK, keys=keys, security_control=AUTH_ENC, invocation_counter=9,
                        system_title=GB_CLIENT_ST, protection=Protection.DEDICATED)
    assert apdu.tag == 0xD0 and apdu.service.name == "ded-get-request"
    glo = protect_apdu(GET_CLOCK, keys=keys, security_control=AUTH_ENC, invocation_counter=9,
                       system_title=GB_CLIENT_ST)
    assert glo.ciphered_text != apdu.ciphered_text
    assert unprotect_apdu(apdu, keys=keys, system_title=GB_CLIENT_ST) == GET_CLOCK
    with pytest.raises(SecurityError, match="no dedicated key is configured"):
        unprotect_apdu(apdu, keys=GB_KEYS, system_title=GB_CLIENT_ST)
    with pytest.raises(SecurityError) as info:
        unprotect_apdu(apdu, keys=GB_KEYS.with_dedicated_key(GB_EK), system_title=GB_CLIENT_ST)
    assert "tag mismatch (dedicated key with AK" in str(info.value)
    ded = protect_general_ded(GET_CLOCK, keys=keys, security_control=AUTH_ENC,
                              invocation_counter=10, system_title=GB_CLIENT_ST)
    assert isinstance(decode_ciphered(ded.to_bytes()), GeneralDedCiphering)
    assert unprotect(ded, keys=keys) == GET_CLOCK


def test_broadcast_bit_selects_the_broadcast_key() -> None:
    keys = SecurityKeys(encryption_key=GB_EK, broadcast_key=bytes(16), authentication_key=GB_AK)
    sc = SecurityControl(authentication=True, encryption=True, broadcast_key=True)
    apdu = protect_apdu(GET_CLOCK, keys=keys, security_control=sc, invocation_counter=1,
                        system_title=GB_SERVER_ST)
    assert apdu.security_header.security_control == 0x70
    assert unprotect_apdu(apdu, keys=keys, system_title=GB_SERVER_ST) == GET_CLOCK
    with pytest.raises(SecurityError, match="no EK \\(global broadcast\\) is configured"):
        unprotect_apdu(apdu, keys=GB_KEYS, system_title=GB_SERVER_ST)
    with pytest.raises(SecurityError, match="broadcast key bit"):
        protect_apdu(GET_CLOCK, keys=keys.with_dedicated_key(bytes(16)), security_control=sc,
                     invocation_counter=1, system_title=GB_SERVER_ST,
                     protection=Protection.DEDICATED)


def test_apdus_without_a_service_specific_form() -> None:
    with pytest.raises(LocalProtocolError, match="0x0F has no glo- ciphered form"):
        protect_apdu(hexbytes("0F00000001000100"), keys=GB_KEYS, security_control=AUTH_ENC,
                     invocation_counter=1, system_title=GB_SERVER_ST)
    with pytest.raises(LocalProtocolError, match="empty"):
        protect_general_glo(b"", keys=GB_KEYS, security_control=AUTH_ENC, invocation_counter=1,
                            system_title=GB_SERVER_ST)


def test_expected_security_control_is_enforced() -> None:
    sent = protect_apdu(GET_CLOCK, keys=GB_KEYS, security_control=SecurityControl(
        encryption=True), invocation_counter=1, system_title=GB_SERVER_ST)
    with pytest.raises(SecurityError) as info:
        unprotect_apdu(sent, keys=GB_KEYS, system_title=GB_SERVER_ST,
                       expected_security_control=AUTH_ENC)
    assert str(info.value) == ("security control mismatch: expected SC 0x30 (suite 0, "
                               "authenticated encryption), received SC 0x20 (suite 0, "
                               "encryption)")


def test_unprotect_needs_the_senders_system_title() -> None:
    apdu = protect_apdu(GET_CLOCK, keys=GB_KEYS, security_control=AUTH_ENC,
                        invocation_counter=1, system_title=GB_SERVER_ST)
    with pytest.raises(SecurityError, match="system title is needed"):
        unprotect(apdu, keys=GB_KEYS)
    assert unprotect(apdu, keys=GB_KEYS, system_title=GB_SERVER_ST) == GET_CLOCK


# -- properties: every form round-trips; any flip is caught --------------------------------

plain_tags = sorted({s.plain_tag for s in CIPHERED_SERVICES.values()})
plaintexts = st.builds(lambda tag, rest: bytes((tag,)) + rest, st.sampled_from(plain_tags),
                       st.binary(max_size=200))
protected_scs = st.builds(
    lambda suite, auth, enc: SecurityControl(security_suite_id=suite, authentication=auth,
                                             encryption=enc),
    st.sampled_from([0, 1, 2]), st.booleans(), st.booleans())
FORMS = ["glo", "ded", "general-glo", "general-ded", "general-ciphering"]


def _keys(suite: int) -> SecurityKeys:
    n = 32 if suite == 2 else 16
    return SecurityKeys(encryption_key=bytes(range(n)), authentication_key=bytes(range(1, n + 1)),
                        dedicated_key=bytes(range(2, n + 2)))


def _protect(form: str, plaintext: bytes, sc: SecurityControl, ic: int
             ) -> CipheredApdu | GeneralGloCiphering | GeneralDedCiphering | GeneralCiphering:
    keys = _keys(sc.security_suite_id)
    common = dict(keys=keys, security_control=sc, invocation_counter=ic)
    if form in ("glo", "ded"):
        return protect_apdu(plaintext, system_title=GB_CLIENT_ST, protection=Protection(form),
                            **common)  # type: ignore[arg-type]
    if form == "general-glo":
        return protect_general_glo(plaintext, system_title=GB_CLIENT_ST,
                                   **common)  # type: ignore[arg-type]
    if form == "general-ded":
        return protect_general_ded(plaintext, system_title=GB_CLIENT_ST,
                                   **common)  # type: ignore[arg-type]
    return protect_general_ciphering(plaintext, transaction_id=b"\x00\x01",
                                     originator_system_title=GB_CLIENT_ST,
                                     recipient_system_title=GB_SERVER_ST,
                                     **common)  # type: ignore[arg-type]


@given(st.sampled_from(FORMS), plaintexts, protected_scs, st.integers(0, 0xFFFFFFFF))
def test_every_form_round_trips_through_bytes(form: str, plaintext: bytes, sc: SecurityControl,
                                              ic: int) -> None:
    data = _protect(form, plaintext, sc, ic).to_bytes()
    apdu = decode_ciphered(data)
    assert not isinstance(apdu, GeneralSigning)
    assert unprotect(apdu, keys=_keys(sc.security_suite_id), system_title=GB_CLIENT_ST,
                     expected_security_control=sc) == plaintext


@given(st.sampled_from(FORMS), plaintexts, protected_scs, st.data())
def test_any_bit_flip_of_an_authenticated_apdu_is_rejected(
        form: str, plaintext: bytes, sc: SecurityControl, data: st.DataObject) -> None:
    sc = SecurityControl(security_suite_id=sc.security_suite_id, authentication=True,
                         encryption=sc.encryption)
    apdu = _protect(form, plaintext, sc, 5)
    encoded = apdu.to_bytes()
    # the ciphered content (SC | IC | text | tag) is the last part of every form
    content_start = len(encoded) - len(apdu.ciphered_content)
    bit = data.draw(st.integers(0, len(encoded) * 8 - 1))
    flipped = bytearray(encoded)
    flipped[bit // 8] ^= 1 << (bit % 8)
    keys = _keys(sc.security_suite_id)
    if bit // 8 >= content_start:
        # inside the protected content: always a security failure
        decoded = decode_ciphered(bytes(flipped))
        assert not isinstance(decoded, GeneralSigning)
        with pytest.raises(SecurityError):
            unprotect(decoded, keys=keys, system_title=GB_CLIENT_ST,
                      expected_security_control=sc)
        return
    # the envelope (tag, lengths, system titles, transaction-id ...): never accepted
    try:
        decoded = decode_ciphered(bytes(flipped))
    except CodecError:
        return
    if isinstance(decoded, GeneralSigning):
        return  # 0xDB ^ 0x04 = 0xDF: now a general-signing APDU, not a ciphered one
    with pytest.raises(ConformanceError):
        unprotect(decoded, keys=keys, system_title=GB_CLIENT_ST, expected_security_control=sc)
