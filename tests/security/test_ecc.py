"""ECDH key agreement, the concatenation KDF, ECDSA and general-signing."""

from __future__ import annotations

import pytest

from conformance.codec.xdlms.ciphered import GeneralSigning, decode_ciphered
from conformance.errors import SecurityError
from conformance.security import (
    KeyAgreementScheme,
    agree_key,
    concat_kdf,
    ecdh_shared_secret,
    ecdsa_sign,
    ecdsa_verify,
    generate_private_key,
    green_book_other_info,
    load_private_key,
    load_public_key,
    one_pass_key_ciphered_data,
    private_key_bytes,
    public_key_bytes,
    sign_general_signing,
    suite_parameters,
    verify_general_signing,
    verify_one_pass_key_ciphered_data,
)
from tests.vectors import by_category, hexbytes, vector

S0, S1, S2 = suite_parameters(0), suite_parameters(1), suite_parameters(2)
ST_U = hexbytes("4D4D4D0000BC614E")
ST_V = hexbytes("4D4D4D0000000001")


def test_vector_categories_are_the_ones_tested() -> None:
    assert {v["id"] for v in by_category("ECDH key agreement (suite 1)")} == {
        "ecdh-c0e2s-static-unified-model-gb", "ecdh-c1e1s-p256-gb-table-c2",
        "ecdh-c2e0s-p256-shared-secret-and-kdf"}
    assert {v["id"] for v in by_category("ECDSA (suite")} == {
        "ecdsa-p256-gb-c1e1s-ephemeral-key-signature",
        "ecdsa-p256-gb-server-ephemeral-key-signature", "ecdsa-p384-suite2-primitive"}


# -- ECDH and the KDF ----------------------------------------------------------------------

def test_c2e0s_ephemeral_unified_model() -> None:
    v = vector("ecdh-c2e0s-p256-shared-secret-and-kdf")
    i = v["inputs"]
    server = load_private_key(hexbytes(i["server_ephemeral_private"]), S1)
    assert public_key_bytes(server) == hexbytes(i["server_ephemeral_public"])
    client_public = load_public_key(hexbytes(i["client_ephemeral_public"]), S1)
    z = ecdh_shared_secret(server, client_public)
    assert z == hexbytes(v["hex"]) == hexbytes(v["expected"]["Z"])
    info = green_book_other_info(KeyAgreementScheme.EPHEMERAL_UNIFIED_MODEL, suite=S1,
                                 party_u_system_title=ST_U, party_v_system_title=ST_V)
    assert info == hexbytes(i["kdf_otherinfo"])
    assert concat_kdf(z, suite=S1, other_info=info) == hexbytes(v["expected"]["derived_key_128"])
    assert agree_key(KeyAgreementScheme.EPHEMERAL_UNIFIED_MODEL, private_key=server,
                     peer_public_key=client_public, party_u_system_title=ST_U,
                     party_v_system_title=ST_V) == hexbytes(v["expected"]["derived_key_128"])


def test_c1e1s_one_pass_diffie_hellman_from_both_sides() -> None:
    v = vector("ecdh-c1e1s-p256-gb-table-c2")
    i = v["inputs"]
    u_eph = load_private_key(hexbytes(i["U_ephemeral_private"]), S1)
    v_static = load_private_key(hexbytes(i["V_static_private"]), S1)
    assert public_key_bytes(u_eph) == hexbytes(i["U_ephemeral_public"])
    assert public_key_bytes(v_static) == hexbytes(i["V_static_public"])
    z_u = ecdh_shared_secret(u_eph, load_public_key(hexbytes(i["V_static_public"]), S1))
    z_v = ecdh_shared_secret(v_static, load_public_key(hexbytes(i["U_ephemeral_public"]), S1))
    assert z_u == z_v == hexbytes(v["hex"])
    info = green_book_other_info(KeyAgreementScheme.ONE_PASS_DIFFIE_HELLMAN, suite=S1,
                                 party_u_system_title=ST_U, party_v_system_title=ST_V)
    assert info == hexbytes(i["kdf_otherinfo"])
    for own, peer in ((u_eph, v_static), (v_static, u_eph)):
        key = agree_key(KeyAgreementScheme.ONE_PASS_DIFFIE_HELLMAN, private_key=own,
                        peer_public_key=peer.public_key(), party_u_system_title=ST_U,
                        party_v_system_title=ST_V)
        assert key == hexbytes(v["expected"]["derived_key_128"])


def test_c0e2s_static_unified_model() -> None:
    v = vector("ecdh-c0e2s-static-unified-model-gb")
    i = v["inputs"]
    u = load_private_key(hexbytes(i["U_static_private"]), S1)
    peer = load_public_key(hexbytes(i["V_static_public"]), S1)
    assert ecdh_shared_secret(u, peer) == hexbytes(v["expected"]["Z"])
    info = green_book_other_info(KeyAgreementScheme.STATIC_UNIFIED_MODEL, suite=S1,
                                 party_u_system_title=ST_U, party_v_system_title=ST_V,
                                 transaction_id=hexbytes(i["transaction_id"]))
    assert info == hexbytes(i["kdf_otherinfo"])
    key = agree_key(KeyAgreementScheme.STATIC_UNIFIED_MODEL, private_key=u, peer_public_key=peer,
                    party_u_system_title=ST_U, party_v_system_title=ST_V,
                    transaction_id=hexbytes(i["transaction_id"]))
    assert key == hexbytes(v["expected"]["derived_key_128"])
    with pytest.raises(SecurityError, match="needs the transaction-id"):
        agree_key(KeyAgreementScheme.STATIC_UNIFIED_MODEL, private_key=u, peer_public_key=peer,
                  party_u_system_title=ST_U, party_v_system_title=ST_V)


def test_other_info_refusals() -> None:
    with pytest.raises(SecurityError, match="party V must be 8 bytes"):
        green_book_other_info(KeyAgreementScheme.ONE_PASS_DIFFIE_HELLMAN, suite=S1,
                              party_u_system_title=ST_U, party_v_system_title=b"")
    with pytest.raises(SecurityError, match="not part of its OtherInfo"):
        green_book_other_info(KeyAgreementScheme.ONE_PASS_DIFFIE_HELLMAN, suite=S1,
                              party_u_system_title=ST_U, party_v_system_title=ST_V,
                              transaction_id=b"\x01")


@pytest.mark.parametrize("suite_id", [1, 2])
def test_suite_agreement_is_symmetric_and_sized(suite_id: int) -> None:
    params = suite_parameters(suite_id)
    a, b = generate_private_key(params), generate_private_key(params)
    k1 = agree_key(KeyAgreementScheme.EPHEMERAL_UNIFIED_MODEL, private_key=a,
                   peer_public_key=b.public_key(), party_u_system_title=ST_U,
                   party_v_system_title=ST_V)
    k2 = agree_key(KeyAgreementScheme.EPHEMERAL_UNIFIED_MODEL, private_key=b,
                   peer_public_key=a.public_key(), party_u_system_title=ST_U,
                   party_v_system_title=ST_V)
    assert k1 == k2 and len(k1) == params.key_length
    assert load_private_key(private_key_bytes(a), params).private_numbers() == a.private_numbers()


def test_mixed_curves_and_suite_0_are_refused() -> None:
    with pytest.raises(SecurityError, match="impossible"):
        ecdh_shared_secret(generate_private_key(S1), generate_private_key(S2).public_key())
    with pytest.raises(SecurityError, match="suite 0"):
        generate_private_key(S0)


# -- key formats ----------------------------------------------------------------------------

def test_public_key_format_errors() -> None:
    good = public_key_bytes(generate_private_key(S1))
    with pytest.raises(SecurityError, match="64 bytes"):
        load_public_key(good[:-1], S1)
    with pytest.raises(SecurityError, match="not a point on the curve"):
        load_public_key(good[:-1] + bytes((good[-1] ^ 1,)), S1)
    with pytest.raises(SecurityError, match="96 bytes"):
        load_public_key(good, S2)


def test_private_key_format_errors_do_not_show_the_scalar() -> None:
    with pytest.raises(SecurityError, match="32 bytes, got 31"):
        load_private_key(bytes(31), S1)
    with pytest.raises(SecurityError) as info:
        load_private_key(bytes(32), S1)
    assert "out of range" in str(info.value) and "00" * 32 not in str(info.value)


# -- ECDSA ---------------------------------------------------------------------------------

@pytest.mark.parametrize("vid", ["ecdsa-p256-gb-c1e1s-ephemeral-key-signature",
                                 "ecdsa-p256-gb-server-ephemeral-key-signature"])
def test_p256_signatures(vid: str) -> None:
    v = vector(vid)
    i = v["inputs"]
    public = load_public_key(hexbytes(i["signing_public_key"]), S1)
    message, signature = hexbytes(i["message"]), hexbytes(v["hex"])
    ecdsa_verify(public, message, signature)
    if "signing_private_key" in i:
        private = load_private_key(hexbytes(i["signing_private_key"]), S1)
        assert public_key_bytes(private) == hexbytes(i["signing_public_key"])
        ecdsa_verify(public, message, ecdsa_sign(private, message))
    with pytest.raises(SecurityError, match="does not verify"):
        ecdsa_verify(public, message[:-1] + bytes((message[-1] ^ 1,)), signature)


def test_p384_primitive_and_tampered_variant() -> None:
    v = vector("ecdsa-p384-suite2-primitive")
    i = v["inputs"]
    private = load_private_key(hexbytes(i["private_key"]), S2)
    assert public_key_bytes(private) == hexbytes(i["public_key"])
    public = load_public_key(hexbytes(i["public_key"]), S2)
    message = hexbytes(i["message"])
    assert message == i["message_ascii"].encode()
    signature = hexbytes(v["hex"])
    ecdsa_verify(public, message, signature)
    assert signature.hex().endswith("a402")
    tampered = signature[:-2] + bytes.fromhex("a502")
    with pytest.raises(SecurityError, match="P-384"):
        ecdsa_verify(public, message, tampered)
    ours = ecdsa_sign(private, message)
    assert len(ours) == 96
    ecdsa_verify(public, message, ours)


def test_one_pass_key_ciphered_data_round_trip_and_refusal() -> None:
    signer, ephemeral = generate_private_key(S1), generate_private_key(S1)
    data = one_pass_key_ciphered_data(ephemeral, signer)
    assert len(data) == 128 and data[:64] == public_key_bytes(ephemeral)
    got = verify_one_pass_key_ciphered_data(data, suite=S1, signing_public_key=signer.public_key())
    assert public_key_bytes(got) == public_key_bytes(ephemeral)
    with pytest.raises(SecurityError, match="signature of the ephemeral public key"):
        verify_one_pass_key_ciphered_data(data, suite=S1,
                                          signing_public_key=ephemeral.public_key())
    with pytest.raises(SecurityError, match="128 bytes"):
        verify_one_pass_key_ciphered_data(data[:-1], suite=S1,
                                          signing_public_key=signer.public_key())


# -- general-signing ---------------------------------------------------------------------------

@pytest.mark.parametrize("suite_id", [1, 2])
def test_general_signing(suite_id: int) -> None:
    params = suite_parameters(suite_id)
    key = generate_private_key(params)
    apdu = sign_general_signing(hexbytes("C0010000080000010000FF0200"), signing_key=key,
                                transaction_id=b"\x00" * 8, originator_system_title=ST_U,
                                recipient_system_title=ST_V)
    assert len(apdu.signature) == 2 * (params.coordinate_length or 0)
    decoded = decode_ciphered(apdu.to_bytes())
    assert isinstance(decoded, GeneralSigning)
    verify_general_signing(decoded, public_key=key.public_key())
    ecdsa_verify(key.public_key(), apdu.to_bytes()[:-len(apdu.signature) - 1], apdu.signature)
    forged = GeneralSigning(transaction_id=decoded.transaction_id,
                            originator_system_title=decoded.originator_system_title,
                            recipient_system_title=ST_U, date_time=decoded.date_time,
                            other_information=decoded.other_information,
                            content=decoded.content, signature=decoded.signature)
    with pytest.raises(SecurityError, match="general-signing signature of 4D4D4D0000BC614E"):
        verify_general_signing(forged, public_key=key.public_key())
