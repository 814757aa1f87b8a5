"""The ciphered APDU codec: tag table, vectors, strict parsing, round trips."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec._buffer import Reader
from conformance.codec.apdu_base import decoder_for, registered_tags
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
    KeyInfo,
    Protection,
    SecurityHeader,
    WrappedKey,
    ciphered_tag_for,
    decode_ciphered,
)
from conformance.errors import CodecError, IncompleteError
from tests.vectors import hexbytes, vector

# -- the tag table (IEC 62056-5-3 8.5) -----------------------------------------------------

EXPECTED_NAMES = {
    0x21: "glo-initiateRequest", 0x25: "glo-readRequest", 0x26: "glo-writeRequest",
    0x28: "glo-initiateResponse", 0x2C: "glo-readResponse", 0x2D: "glo-writeResponse",
    0x2E: "glo-confirmedServiceError", 0x36: "glo-unconfirmedWriteRequest",
    0x38: "glo-informationReportRequest",
    0x41: "ded-initiateRequest", 0x45: "ded-readRequest", 0x46: "ded-writeRequest",
    0x48: "ded-initiateResponse", 0x4C: "ded-readResponse", 0x4D: "ded-writeResponse",
    0x4E: "ded-confirmedServiceError", 0x56: "ded-unconfirmedWriteRequest",
    0x58: "ded-informationReportRequest",
    0xC8: "glo-get-request", 0xC9: "glo-set-request", 0xCA: "glo-event-notification-request",
    0xCB: "glo-action-request", 0xCC: "glo-get-response", 0xCD: "glo-set-response",
    0xCF: "glo-action-response",
    0xD0: "ded-get-request", 0xD1: "ded-set-request", 0xD2: "ded-event-notification-request",
    0xD3: "ded-actionRequest", 0xD4: "ded-get-response", 0xD5: "ded-set-response",
    0xD7: "ded-action-response",
}
REQUESTS = {0x01, 0x05, 0x06, 0x16, 0x18, 0xC0, 0xC1, 0xC2, 0xC3}


def test_table_names_every_glo_and_ded_tag() -> None:
    assert {t: s.name for t, s in CIPHERED_SERVICES.items()} == EXPECTED_NAMES


@pytest.mark.parametrize("tag", sorted(EXPECTED_NAMES))
def test_table_entry_is_consistent(tag: int) -> None:
    s = CIPHERED_SERVICES[tag]
    assert s.tag == tag
    glo = s.protection is Protection.GLOBAL
    assert s.name.startswith("glo-" if glo else "ded-")
    # LN services: +8 (glo) / +16 (ded); SN and initiate services: +32 / +64.
    offset = (8 if glo else 16) if s.plain_tag >= 0xC0 else (0x20 if glo else 0x40)
    assert tag == s.plain_tag + offset
    assert s.is_request == (s.plain_tag in REQUESTS)
    assert s.is_response == (not s.is_request)
    assert ciphered_tag_for(s.plain_tag, s.protection) == tag
    assert tag in registered_tags()


def test_ciphered_tag_for_examples() -> None:
    assert ciphered_tag_for(0xC0, Protection.GLOBAL) == 0xC8
    assert ciphered_tag_for(0xC0, Protection.DEDICATED) == 0xD0
    assert ciphered_tag_for(0x01, Protection.DEDICATED) == 0x41
    assert ciphered_tag_for(0x08, Protection.DEDICATED) == 0x48
    assert ciphered_tag_for(0x0F, Protection.GLOBAL) is None  # data-notification
    assert ciphered_tag_for(0xD8, Protection.GLOBAL) is None  # exception-response


def test_general_tags_registered() -> None:
    assert {0xDB, 0xDC, 0xDD, 0xDF} <= registered_tags()


# -- vectors -------------------------------------------------------------------------------

SERVICE_VECTORS = {
    # id: (tag, SC, IC, length of ciphered text)
    "sec-gcm-s0-glo-get-auth": (0xC8, 0x10, 0x01234567, 25),
    "sec-gcm-s0-glo-get-authenc": (0xC8, 0x30, 0x01234567, 25),
    "sec-gcm-s0-glo-initiate-request": (0x21, 0x30, 0x01234567, 43),
    "sec-gcm-s0-st-4B414D1234567890-auth": (0xC8, 0x10, 0x01234567, 25),
    "sec-gcm-s0-st-4B414D1234567890-enc": (0xC8, 0x20, 0x01234567, 13),
    "sec-gcm-s0-real-glo-get-response-encrypted-only": (0xCC, 0x20, 0x2B, 1028),
}


@pytest.mark.parametrize("vid", sorted(SERVICE_VECTORS))
def test_service_vectors_decode_and_reencode(vid: str) -> None:
    data = hexbytes(vector(vid)["hex"])
    tag, sc, ic, text_len = SERVICE_VECTORS[vid]
    apdu = decode_ciphered(data)
    assert isinstance(apdu, CipheredApdu)
    assert (apdu.tag, apdu.security_header.security_control) == (tag, sc)
    assert apdu.security_header.invocation_counter == ic
    assert len(apdu.ciphered_text) == text_len
    assert apdu.to_bytes() == data
    # the registry decoder agrees, given a reader after the tag
    assert decoder_for(data[0])(Reader(data, start=1)) == apdu


def test_glo_get_authenc_fields_match_vector() -> None:
    v = vector("sec-gcm-s0-glo-get-authenc")
    apdu = decode_ciphered(hexbytes(v["hex"]))
    assert isinstance(apdu, CipheredApdu)
    assert apdu.service.name == "glo-get-request"
    assert len(apdu.ciphered_content) == v["expected"]["length"]
    exp = v["expected"]
    assert apdu.ciphered_text == hexbytes(exp["ciphertext_or_plaintext"] + exp["auth_tag_12"])


@pytest.mark.parametrize("vid,path", [
    ("rlre-glo-initiate-response", ("acse", "user_information")),
    ("aarq-ln-ciphering-lls-glo-initiate", ("user_information",)),
    ("rlrq-ciphered-user-info", ("user_information",)),
    ("aare-hls5-ciphered-malformed-plaintext", ("acse", "user_information")),
])
def test_acse_user_information_is_a_ciphered_initiate(vid: str, path: tuple[str, ...]) -> None:
    v = vector(vid)
    node = v["expected"]
    for key in path:
        node = node[key]
    ui = hexbytes(node)
    assert hexbytes(v["hex"]).endswith(ui)  # user-information is the last ACSE field
    apdu = decode_ciphered(ui)
    assert isinstance(apdu, CipheredApdu)
    assert apdu.service.name in {"glo-initiateRequest", "glo-initiateResponse"}
    assert apdu.to_bytes() == ui


def test_general_glo_data_notification_vector() -> None:
    v = vector("sec-general-glo-ciphering-data-notification")
    data = hexbytes(v["hex"])
    apdu = decode_ciphered(data)
    assert isinstance(apdu, GeneralGloCiphering)
    assert apdu.system_title == hexbytes(v["expected"]["system_title"])
    assert apdu.security_header == SecurityHeader(security_control=0x30,
                                                  invocation_counter=0x1E5)
    assert apdu.to_bytes() == data


def test_general_glo_without_system_title() -> None:
    v = vector("sec-general-glo-ciphering-no-system-title")
    exp = v["expected"]
    data = hexbytes(v["hex"])
    apdu = decode_ciphered(data)
    assert isinstance(apdu, GeneralGloCiphering)
    assert apdu.system_title == b""
    assert len(apdu.ciphered_content) == exp["ciphered_content_length"]
    assert apdu.security_header.security_control == int(exp["sc"], 16)
    assert apdu.security_header.invocation_counter == int(exp["ic"], 16)
    assert apdu.ciphered_text == hexbytes(exp["ciphertext_and_tag"])
    assert apdu.to_bytes() == data


def test_general_glo_three_byte_length_real_meter() -> None:
    v = vector("sec-general-glo-ciphering-suite1-enc-only-real-meter")
    data = hexbytes(v["hex"])
    apdu = decode_ciphered(data)
    assert isinstance(apdu, GeneralGloCiphering)
    assert data[10:13] == bytes.fromhex("820109")
    assert len(apdu.ciphered_content) == 0x109
    assert apdu.security_header.security_control == 0x21
    assert apdu.to_bytes() == data


def test_general_ciphering_vector_structure() -> None:
    v = vector("sec-general-ciphering-c1e1s-gb")
    exp = v["expected"]
    data = hexbytes(v["hex"])
    apdu = decode_ciphered(data)
    assert isinstance(apdu, GeneralCiphering)
    assert apdu.transaction_id == hexbytes(exp["transaction_id"])
    assert apdu.originator_system_title == hexbytes(exp["originator_system_title"])
    assert apdu.recipient_system_title == hexbytes(exp["recipient_system_title"])
    assert (apdu.date_time, apdu.other_information) == (b"", b"")
    assert isinstance(apdu.key_info, AgreedKey)
    assert apdu.key_info.key_parameters == b"\x01"
    assert apdu.key_info.key_ciphered_data[:64] == hexbytes(
        exp["key_info"]["ephemeral_public_key"])
    assert len(apdu.key_info.key_ciphered_data) == 128
    assert apdu.security_header == SecurityHeader(security_control=0x31, invocation_counter=0)
    assert len(apdu.ciphered_content) == exp["ciphered_content_length"]
    assert apdu.ciphered_text.endswith(hexbytes(exp["auth_tag_12"]))
    assert apdu.to_bytes() == data


# -- strict parsing ------------------------------------------------------------------------

ALL_VECTOR_APDUS = [hexbytes(vector(v)["hex"]) for v in sorted(SERVICE_VECTORS)] + [
    hexbytes(vector(v)["hex"]) for v in (
        "sec-general-glo-ciphering-data-notification", "sec-general-glo-ciphering-no-system-title",
        "sec-general-ciphering-c1e1s-gb")]


@pytest.mark.parametrize("data", ALL_VECTOR_APDUS, ids=lambda d: f"{d[:1].hex()}-{len(d)}")
def test_every_truncation_is_incomplete(data: bytes) -> None:
    step = max(1, len(data) // 60)
    for n in range(0, len(data), step):
        with pytest.raises(IncompleteError):
            decode_ciphered(data[:n])


@pytest.mark.parametrize("data", ALL_VECTOR_APDUS, ids=lambda d: f"{d[:1].hex()}-{len(d)}")
def test_trailing_bytes_are_rejected(data: bytes) -> None:
    with pytest.raises(CodecError, match="trailing") as info:
        decode_ciphered(data + b"\x00")
    assert info.value.offset == len(data)


def test_content_shorter_than_security_header() -> None:
    with pytest.raises(CodecError) as info:
        decode_ciphered(bytes.fromhex("C803300102"))
    err = info.value
    assert not isinstance(err, IncompleteError)
    assert err.path == "glo-get-request.ciphered_content"
    assert err.offset == 2
    assert "security header" in str(err)


def test_empty_general_ciphered_content_is_rejected() -> None:
    with pytest.raises(CodecError, match="security header") as info:
        decode_ciphered(bytes.fromhex("DB020102" "00"))
    assert info.value.path == "general-glo-ciphering.ciphered_content"
    assert info.value.offset == 5


def test_non_minimal_length_is_rejected() -> None:
    with pytest.raises(CodecError, match="minimal") as info:
        decode_ciphered(bytes.fromhex("C8810530000000") + b"\x01")
    assert (info.value.offset, info.value.path) == (1, "glo-get-request.ciphered_content")


def test_indefinite_length_is_rejected() -> None:
    with pytest.raises(CodecError, match="indefinite"):
        decode_ciphered(bytes.fromhex("C88030000000010000"))


def test_unknown_tag() -> None:
    with pytest.raises(CodecError, match="0xC0 is not a ciphered") as info:
        decode_ciphered(bytes.fromhex("C0010000080000010000FF0200"))
    assert info.value.offset == 0


GC_HEAD = bytes.fromhex("DD" "00" "00" "00" "00" "00")
GC_CONTENT = bytes.fromhex("05 3000000001")


@pytest.mark.parametrize("key_info,message,path,offset", [
    ("02", "presence flag", "general-ciphering.key_info", 6),
    ("0103", "unknown Key-Info choice [3]", "general-ciphering.key_info.choice", 7),
    ("010002", "not a valid KeyId", "general-ciphering.key_info.identified_key.key_id", 8),
    ("010101" "00", "not a valid KekId", "general-ciphering.key_info.wrapped_key.kek_id", 8),
])
def test_malformed_key_info(key_info: str, message: str, path: str, offset: int) -> None:
    with pytest.raises(CodecError, match=re.escape(message)) as info:
        decode_ciphered(GC_HEAD + bytes.fromhex(key_info) + GC_CONTENT)
    assert (info.value.path, info.value.offset) == (path, offset)


def test_key_info_variants_decode() -> None:
    for hexinfo, expected in [
        ("00", None),
        ("010000", IdentifiedKey(key_id=KeyId.GLOBAL_UNICAST_ENCRYPTION_KEY)),
        ("010001", IdentifiedKey(key_id=KeyId.GLOBAL_BROADCAST_ENCRYPTION_KEY)),
        ("01010002AABB", WrappedKey(kek_id=KekId.MASTER_KEY, key_ciphered_data=b"\xaa\xbb")),
        ("0102010200", AgreedKey(key_parameters=b"\x02", key_ciphered_data=b"")),
    ]:
        apdu = decode_ciphered(GC_HEAD + bytes.fromhex(hexinfo) + GC_CONTENT)
        assert isinstance(apdu, GeneralCiphering)
        assert apdu.key_info == expected
        assert apdu.to_bytes() == GC_HEAD + bytes.fromhex(hexinfo) + GC_CONTENT


def test_general_signing_layout_and_signed_data() -> None:
    apdu = GeneralSigning(transaction_id=b"\x01", originator_system_title=b"ABCDEFGH",
                          recipient_system_title=b"", date_time=b"", other_information=b"",
                          content=bytes.fromhex("C0010000080000010000FF0200"),
                          signature=bytes(range(64)))
    data = apdu.to_bytes()
    assert data == (bytes.fromhex("DF 01 01 08") + b"ABCDEFGH" + bytes.fromhex("00 00 00 0D")
                    + bytes.fromhex("C0010000080000010000FF0200") + b"\x40" + bytes(range(64)))
    assert data.startswith(apdu.signed_data())
    assert len(data) == len(apdu.signed_data()) + 65
    assert decode_ciphered(data) == apdu
    with pytest.raises(IncompleteError) as info:
        decode_ciphered(data[:-1])
    assert info.value.path == "general-signing.signature"


# -- explicit lengths (broken APDUs on purpose) --------------------------------------------

def test_explicit_length_is_sent_as_given() -> None:
    header = SecurityHeader(security_control=0x30, invocation_counter=1)
    apdu = CipheredApdu(tag=0xC8, security_header=header, ciphered_text=b"\x00" * 4, length=20)
    data = apdu.to_bytes()
    assert data[:2] == bytes.fromhex("C814")
    with pytest.raises(IncompleteError):
        decode_ciphered(data)
    short = CipheredApdu(tag=0xC8, security_header=header, ciphered_text=b"\x00" * 4, length=8)
    with pytest.raises(CodecError, match="trailing"):
        decode_ciphered(short.to_bytes())


def test_general_explicit_lengths() -> None:
    header = SecurityHeader(security_control=0x20, invocation_counter=1)
    apdu = GeneralGloCiphering(system_title=b"ABCDEFGH", security_header=header,
                               ciphered_text=b"\x01", system_title_length=9,
                               ciphered_content_length=3)
    assert apdu.to_bytes() == bytes.fromhex("DB09") + b"ABCDEFGH" + bytes.fromhex(
        "03 2000000001 01")


def test_constructor_rejects_impossible_values() -> None:
    with pytest.raises(ValueError):
        SecurityHeader(security_control=256, invocation_counter=0)
    with pytest.raises(ValueError):
        SecurityHeader(security_control=0, invocation_counter=1 << 32)
    with pytest.raises(ValueError):
        CipheredApdu(tag=0xC0, security_header=SecurityHeader(security_control=0,
                                                              invocation_counter=0),
                     ciphered_text=b"")


# -- Hypothesis round trips ----------------------------------------------------------------

octets = st.binary(max_size=300)
headers = st.builds(SecurityHeader, security_control=st.integers(0, 255),
                    invocation_counter=st.integers(0, 0xFFFFFFFF))
key_infos: st.SearchStrategy[KeyInfo | None] = st.one_of(
    st.none(),
    st.builds(IdentifiedKey, key_id=st.sampled_from(KeyId)),
    st.builds(WrappedKey, kek_id=st.sampled_from(KekId), key_ciphered_data=octets),
    st.builds(AgreedKey, key_parameters=st.binary(max_size=2), key_ciphered_data=octets),
)
apdus = st.one_of(
    st.builds(CipheredApdu, tag=st.sampled_from(sorted(CIPHERED_SERVICES)),
              security_header=headers, ciphered_text=octets),
    st.builds(GeneralGloCiphering, system_title=st.binary(max_size=8), security_header=headers,
              ciphered_text=octets),
    st.builds(GeneralDedCiphering, system_title=st.binary(max_size=8), security_header=headers,
              ciphered_text=octets),
    st.builds(GeneralCiphering, transaction_id=st.binary(max_size=8),
              originator_system_title=st.binary(max_size=8),
              recipient_system_title=st.binary(max_size=8),
              date_time=st.sampled_from([b"", bytes(12)]), other_information=octets,
              key_info=key_infos, security_header=headers, ciphered_text=octets),
    st.builds(GeneralSigning, transaction_id=st.binary(max_size=8),
              originator_system_title=st.binary(max_size=8),
              recipient_system_title=st.binary(max_size=8),
              date_time=st.sampled_from([b"", bytes(12)]), other_information=st.binary(max_size=4),
              content=octets, signature=st.binary(max_size=96)),
)


@given(apdus)
def test_every_ciphered_apdu_round_trips(apdu: CipheredApdu | GeneralCiphering) -> None:
    data = apdu.to_bytes()
    assert decode_ciphered(data) == apdu
    assert decoder_for(data[0])(Reader(data, start=1)) == apdu


@given(apdus, st.data())
def test_truncated_apdus_are_incomplete(apdu: CipheredApdu, data: st.DataObject) -> None:
    encoded = apdu.to_bytes()
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(IncompleteError):
        decode_ciphered(encoded[:cut])


@given(st.binary(max_size=64))
def test_garbage_is_rejected_or_canonical(data: bytes) -> None:
    try:
        apdu = decode_ciphered(data)
    except CodecError:
        return  # anything else (IndexError, struct.error, ...) fails the test
    assert apdu.to_bytes() == data
