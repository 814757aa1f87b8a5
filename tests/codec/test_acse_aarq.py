"""AARQ: every component, the computed-length overrides, strict decoding, round trips."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec._buffer import Reader, encode_length
from conformance.codec.acse import (
    AARQ,
    ACSE_REQUIREMENTS_AUTHENTICATION,
    PROTOCOL_VERSION_1,
    ApplicationContextName,
    AuthenticationValue,
    AuthenticationValueBitstring,
    AuthenticationValueCharstring,
    AuthenticationValueExternal,
    AuthenticationValueOther,
    MechanismName,
    application_context_name,
    decode_acse_apdu,
    mechanism_name,
)
from conformance.codec.apdu_base import decoder_for
from conformance.codec.ber import BitString, ObjectIdentifier, Tag, encode_tlv
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest
from conformance.errors import CodecError, IncompleteError

LN = ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING
CTX_LN = "A109060760857405080101"
UI = bytes.fromhex("01000000065F1F0400007E1F04B0")
UI_TLV = "BE10040E" + UI.hex().upper()


def aarq_hex(*parts: str) -> bytes:
    """``60 len`` + the given component encodings."""
    body = bytes.fromhex("".join(parts))
    return bytes((0x60, len(body))) + body


def error_of(data: bytes) -> CodecError:
    """The CodecError decoding ``data`` raises (fails the test if none)."""
    with pytest.raises(CodecError) as info:
        decode_acse_apdu(data)
    return info.value


def test_every_component_encodes_as_the_standard_says() -> None:
    cert = bytes(range(200))
    aarq = AARQ(
        protocol_version=PROTOCOL_VERSION_1,
        application_context_name=ApplicationContextName.LOGICAL_NAME_REFERENCING_WITH_CIPHERING,
        called_ap_title=b"\x01\x02",
        called_ae_qualifier=b"\x03",
        called_ap_invocation_id=5,
        called_ae_invocation_id=300,
        calling_ap_title=bytes.fromhex("4D4D4D0000BC614E"),
        calling_ae_qualifier=cert,
        calling_ap_invocation_id=-1,
        calling_ae_invocation_id=0,
        sender_acse_requirements=ACSE_REQUIREMENTS_AUTHENTICATION,
        mechanism_name=MechanismName.HIGH_LEVEL_SECURITY_ECDSA,
        calling_authentication_value=AuthenticationValueCharstring(value=b"K56iVagY"),
        implementation_information=b"abc",
        user_information=UI,
    )
    expected = bytes.fromhex(
        "80020780" "A109060760857405080103" "A20404020102"
        + "A303040103" "A403020105" "A5040202012C" "A60A04084D4D4D0000BC614E"
        + "A781CB0481C8" + cert.hex()
        + "A8030201FF" "A903020100" "8A020780" "8B0760857405080207"
        + "AC0A80084B35366956616759" "9D03616263" + UI_TLV)
    data = aarq.to_bytes()
    assert data == b"\x60\x82" + len(expected).to_bytes(2, "big") + expected
    assert decode_acse_apdu(data) == aarq


def test_protocol_version_default_is_absent() -> None:
    aarq = AARQ(application_context_name=LN, user_information=UI)
    assert aarq.to_bytes() == aarq_hex(CTX_LN, UI_TLV)
    assert decode_acse_apdu(aarq_hex("80020780", CTX_LN)) == AARQ(
        protocol_version=PROTOCOL_VERSION_1, application_context_name=LN)


def test_registered_for_tag_60() -> None:
    data = aarq_hex(CTX_LN)
    r = Reader(data, start=1)
    assert decoder_for(0x60)(r) == AARQ(application_context_name=LN)
    assert r.at_end()


# -- computed-length overrides (dlms-notes failure #10) --------------------------------------
def test_length_overrides_are_sent_as_given() -> None:
    good = AARQ(application_context_name=LN, user_information=UI).to_bytes()
    assert good.hex().upper() == "601D" + CTX_LN + UI_TLV
    outer = AARQ(application_context_name=LN, user_information=UI, length=0x30).to_bytes()
    assert outer == b"\x60\x30" + good[2:]
    wrapper = AARQ(application_context_name=LN, user_information=UI,
                   user_information_length=0x0F).to_bytes()
    assert wrapper.hex().upper() == "601D" + CTX_LN + "BE0F040E" + UI.hex().upper()
    octets = AARQ(application_context_name=LN, user_information=UI,
                  user_information_octets_length=0x0F).to_bytes()
    assert octets.hex().upper() == "601D" + CTX_LN + "BE10040F" + UI.hex().upper()
    long_form = AARQ(application_context_name=LN, user_information=UI,
                     user_information_octets_length=200).to_bytes()
    assert long_form.hex().upper() == "601E" + CTX_LN + "BE110481C8" + UI.hex().upper()


def test_broken_lengths_are_reported_precisely() -> None:
    def build(length: int | None = None, user_information_length: int | None = None,
              user_information_octets_length: int | None = None) -> bytes:
        return AARQ(application_context_name=LN, user_information=UI, length=length,
                    user_information_length=user_information_length,
                    user_information_octets_length=user_information_octets_length).to_bytes()

    err = error_of(build(length=0x1E))
    assert isinstance(err, IncompleteError) and err.offset == 1
    err = error_of(build(length=0x1C))
    assert not isinstance(err, IncompleteError)
    assert (err.offset, err.path) == (1, "AARQ.length")
    err = error_of(build(user_information_length=0x11))
    assert not isinstance(err, IncompleteError)
    assert (err.offset, err.path) == (14, "AARQ.user_information")
    assert "overruns the enclosing AARQ" in err.message
    err = error_of(build(user_information_octets_length=0x0F))
    assert (err.offset, err.path) == (16, "AARQ.user_information")
    assert "overruns the enclosing user-information" in err.message
    err = error_of(build(user_information_octets_length=0x0D))
    assert not isinstance(err, IncompleteError)
    assert err.path == "AARQ.user_information"


# -- strictness -------------------------------------------------------------------------------
@pytest.mark.parametrize("parts,offset,path,message", [
    (["A60A04084D4D4D0000BC614E", CTX_LN], 14, "AARQ.application_context_name",
     "application-context-name [1] out of order (after calling-AP-title [6])"),
    ([CTX_LN, CTX_LN], 13, "AARQ.application_context_name",
     "application-context-name [1] repeated"),
    ([CTX_LN, "8A020780", "8A020780"], 17, "AARQ.sender_acse_requirements", "repeated"),
    ([CTX_LN, "AD00"], 13, "AARQ", "unknown AARQ field [13] (0xAD)"),
    ([CTX_LN, "3000"], 13, "AARQ", "unknown AARQ field UNIVERSAL SEQUENCE (0x30)"),
    ([CTX_LN, "7E00"], 13, "AARQ", "unknown AARQ field [APPLICATION 30] (0x7E)"),
    ([CTX_LN, "9F1F00"], 13, "AARQ", "unknown AARQ field [31] (0x9F1F)"),
    (["8109060760857405080101"], 2, "AARQ.application_context_name",
     "must be encoded as [1] (0xA1), found [1] (0x81)"),
    ([CTX_LN, "AA020780"], 13, "AARQ.sender_acse_requirements", "found [10] (0xAA)"),
    (["8A020780"], 2, "AARQ.application_context_name",
     "lacks the mandatory application-context-name [1]"),
    ([], 2, "AARQ.application_context_name", "lacks the mandatory"),
    (["A10B0607608574050801010500"], 13,
     "AARQ.application_context_name", "trailing"),
    (["A103020101"], 4, "AARQ.application_context_name",
     "expected UNIVERSAL OBJECT_IDENTIFIER"),
    ([CTX_LN, "A603020105"], 15, "AARQ.calling_ap_title",
     "expected UNIVERSAL OCTET_STRING (0x04), found UNIVERSAL INTEGER (0x02)"),
    ([CTX_LN, "A80402020005"], 17, "AARQ.calling_ap_invocation_id", "minimally"),
    ([CTX_LN, "BE0424020400"], 15, "AARQ.user_information",
     "expected UNIVERSAL OCTET_STRING (0x04), found UNIVERSAL OCTET_STRING (0x24)"),
    ([CTX_LN, "8B00"], 15, "AARQ.mechanism_name", "no content"),
    ([CTX_LN, "8A0108"], 15, "AARQ.sender_acse_requirements", "above 7"),
    ([CTX_LN, "AC00"], 15, "AARQ.calling_authentication_value.choice", "truncated"),
    ([CTX_LN, "AC028400"], 15, "AARQ.calling_authentication_value",
     "unknown Authentication-value alternative [4] (0x84)"),
    ([CTX_LN, "AC02A000"], 15, "AARQ.calling_authentication_value",
     "alternative [0] has the wrong form"),
    ([CTX_LN, "AC0480008000"], 17, "AARQ.calling_authentication_value", "trailing"),
])
def test_strict_decoding(parts: list[str], offset: int, path: str, message: str) -> None:
    err = error_of(aarq_hex(*parts))
    assert not isinstance(err, IncompleteError)
    assert message in err.message
    assert (err.offset, err.path) == (offset, path)


def test_indefinite_and_oversized_outer_lengths() -> None:
    err = error_of(bytes.fromhex("6080") + bytes.fromhex(CTX_LN) + b"\x00\x00")
    assert "indefinite" in err.message and err.offset == 1
    err = error_of(bytes.fromhex("6085") + bytes(5))
    assert "5 length bytes" in err.message


def test_non_acse_tag_is_rejected() -> None:
    err = error_of(bytes.fromhex("C001C1000800000100"))
    assert err.offset == 0 and "not an ACSE APDU tag" in err.message


# -- names ------------------------------------------------------------------------------------
def test_unknown_oids_are_kept() -> None:
    other = ObjectIdentifier.parse("2.16.756.5.8.1.5")
    assert application_context_name(other) == other
    assert application_context_name(ObjectIdentifier.parse("2.16.756.5.8.1.0")) == \
        ObjectIdentifier.parse("2.16.756.5.8.1.0")
    assert application_context_name(LN.oid) is LN
    assert mechanism_name(ObjectIdentifier.parse("2.16.756.5.8.2.8")) == \
        ObjectIdentifier.parse("2.16.756.5.8.2.8")
    assert mechanism_name(ObjectIdentifier.parse("2.16.756.5.8.2.0")) is \
        MechanismName.LOWEST_LEVEL_SECURITY
    aarq = AARQ(application_context_name=other,
                mechanism_name=ObjectIdentifier.parse("1.2.3"))
    assert decode_acse_apdu(aarq.to_bytes()) == aarq
    assert LN.logical_name_referencing and not LN.ciphered
    sn_c = ApplicationContextName.SHORT_NAME_REFERENCING_WITH_CIPHERING
    assert sn_c.ciphered and not sn_c.logical_name_referencing


# -- authentication value ---------------------------------------------------------------------
@pytest.mark.parametrize("value,encoded", [
    (AuthenticationValueCharstring(value=b"12345678"), "AC0A80083132333435363738"),
    (AuthenticationValueBitstring(value=BitString(data=b"\xa0", unused_bits=4)),
     "AC04810204A0"),
    (AuthenticationValueExternal(content=bytes.fromhex("020101")), "AC05A203020101"),
    (AuthenticationValueOther(other_mechanism_name=ObjectIdentifier.parse("1.2.3"),
                              other_mechanism_value=bytes.fromhex("0401FF")),
     "AC09A30706022A030401FF"),
])
def test_authentication_value_alternatives(value: AuthenticationValue, encoded: str) -> None:
    aarq = AARQ(application_context_name=LN, calling_authentication_value=value)
    data = aarq.to_bytes()
    assert data == aarq_hex(CTX_LN, encoded)
    assert decode_acse_apdu(data) == aarq


@pytest.mark.parametrize("auth,path,message", [
    ("AC04A3020500", "AARQ.calling_authentication_value.other.other_mechanism_name",
     "expected UNIVERSAL OBJECT_IDENTIFIER"),
    ("AC06A30406022A03", "AARQ.calling_authentication_value.other.other_mechanism_value",
     "exactly one BER element, found 0"),
    ("AC0AA30806022A0304000400",
     "AARQ.calling_authentication_value.other.other_mechanism_value",
     "exactly one BER element, found 2"),
    ("AC0381010A", "AARQ.calling_authentication_value.bitstring", "above 7"),
])
def test_authentication_value_malformed(auth: str, path: str, message: str) -> None:
    err = error_of(aarq_hex(CTX_LN, auth))
    assert err.path == path and message in err.message


def test_secrets_are_not_in_repr() -> None:
    aarq = AARQ(application_context_name=LN,
                calling_authentication_value=AuthenticationValueCharstring(value=b"s3cr3t!!"))
    assert "s3cr3t" not in repr(aarq)
    assert "s3cr3t" not in repr(aarq.calling_authentication_value)


# -- user-information helper ----------------------------------------------------------------
def test_initiate_request_helper() -> None:
    assert AARQ(application_context_name=LN).initiate_request() is None
    req = AARQ(application_context_name=LN, user_information=UI).initiate_request()
    assert req == InitiateRequest(proposed_conformance=Conformance.from_bytes(
        bytes.fromhex("007E1F")), client_max_receive_pdu_size=1200)
    ciphered = AARQ(application_context_name=LN, user_information=b"\xdb\x08" + bytes(8))
    assert ciphered.user_information_ciphered and ciphered.initiate_request() is None
    with pytest.raises(CodecError) as info:
        AARQ(application_context_name=LN, user_information=b"\x10\x04").initiate_request()
    assert (info.value.offset, info.value.path) == (0, "AARQ.user_information")
    assert "0x10" in info.value.message
    with pytest.raises(CodecError) as info:
        AARQ(application_context_name=LN, user_information=b"").initiate_request()
    assert "empty" in info.value.message
    with pytest.raises(IncompleteError) as info:
        AARQ(application_context_name=LN, user_information=UI[:-1]).initiate_request()
    assert info.value.path == "AARQ.user_information.InitiateRequest.client_max_receive_pdu_size"


# -- round trips ------------------------------------------------------------------------------
oids = st.lists(st.integers(0, 1 << 32), min_size=0, max_size=5).map(
    lambda rest: ObjectIdentifier(arcs=(2, 16, 756, 5, 8, *rest)))
context_names = st.sampled_from(ApplicationContextName) | oids.map(application_context_name)
mechanisms = st.none() | st.sampled_from(MechanismName) | oids.map(mechanism_name)
bit_strings = st.builds(lambda d, u: BitString(data=d, unused_bits=u if d else 0),
                        st.binary(max_size=4), st.integers(0, 7))
octets = st.none() | st.binary(max_size=40) | st.binary(min_size=120, max_size=300)
ints = st.none() | st.integers(-(1 << 40), 1 << 40)
auth_values = st.none() | st.one_of(
    st.binary(max_size=64).map(lambda b: AuthenticationValueCharstring(value=b)),
    bit_strings.map(lambda b: AuthenticationValueBitstring(value=b)),
    st.binary(max_size=20).map(lambda b: AuthenticationValueExternal(
        content=b"\x04" + bytes((len(b),)) + b)),
    st.builds(lambda oid, b: AuthenticationValueOther(
        other_mechanism_name=oid, other_mechanism_value=b"\x04" + bytes((len(b),)) + b),
        oids, st.binary(max_size=20)))
user_information = st.none() | st.binary(min_size=1, max_size=60) | st.binary(
    min_size=200, max_size=1200)

aarqs = st.builds(
    AARQ, protocol_version=st.none() | bit_strings, application_context_name=context_names,
    called_ap_title=octets, called_ae_qualifier=octets, called_ap_invocation_id=ints,
    called_ae_invocation_id=ints, calling_ap_title=octets,
    calling_ae_qualifier=st.none() | st.binary(min_size=200, max_size=200) | octets,
    calling_ap_invocation_id=ints, calling_ae_invocation_id=ints,
    sender_acse_requirements=st.none() | bit_strings, mechanism_name=mechanisms,
    calling_authentication_value=auth_values, implementation_information=octets,
    user_information=user_information)


@given(aarqs)
def test_round_trip(aarq: AARQ) -> None:
    data = aarq.to_bytes()
    assert decode_acse_apdu(data) == aarq
    with pytest.raises(IncompleteError):
        decode_acse_apdu(data[:-1])


def test_long_form_lengths_with_certificate_and_large_user_information() -> None:
    aarq = AARQ(application_context_name=LN, calling_ae_qualifier=bytes(200),
                user_information=bytes.fromhex("DB") + bytes(1000))
    data = aarq.to_bytes()
    assert data[:2] == b"\x60\x82"
    assert bytes.fromhex("A781CB0481C8") in data
    assert bytes.fromhex("BE8203ED048203E9") in data
    assert decode_acse_apdu(data) == aarq


@given(st.binary(max_size=80))
def test_arbitrary_content_raises_only_codec_errors(body: bytes) -> None:
    for tag in (0x60, 0x61, 0x62, 0x63):
        for data in (bytes((tag,)) + body, bytes((tag, len(body) & 0x7F)) + body):
            with contextlib.suppress(CodecError):
                decode_acse_apdu(data)


@given(st.data())
def test_mutated_vectors_raise_only_codec_errors(data: st.DataObject) -> None:
    base = bytearray(aarq_hex("80020780", CTX_LN, "A60A04084D4D4D0000BC614E", "8A020780",
                              "8B0760857405080201", "AC0A80083132333435363738", UI_TLV))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(base) - 1))
        base[i] = data.draw(st.integers(0, 255))
    with contextlib.suppress(CodecError):
        decode_acse_apdu(bytes(base))


def test_deep_nesting_is_checked_without_recursion() -> None:
    """A crafted [1] holding 3000 nested SEQUENCEs is well-formed BER: the structural check
    walks it iteratively, then the semantic check rejects it (no RecursionError)."""
    nested = b""
    for _ in range(3000):
        nested = encode_tlv(Tag.universal(16, constructed=True), nested)
    data = AARQ(application_context_name=LN).to_bytes()
    wrapper = encode_tlv(Tag.context(1, constructed=True), nested)
    body = wrapper + data[2 + len(bytes.fromhex(CTX_LN)):]
    err = error_of(b"\x60" + encode_length(len(body)) + body)
    assert "expected UNIVERSAL OBJECT_IDENTIFIER" in err.message
    broken = bytearray(nested)
    broken[-3] = 0x05  # the innermost-but-one length overruns its parent
    body = encode_tlv(Tag.context(1, constructed=True), bytes(broken))
    err = error_of(b"\x60" + encode_length(len(body)) + body)
    assert not isinstance(err, IncompleteError)
    assert "overruns the enclosing application-context-name" in err.message


@pytest.mark.parametrize("kwargs,exc", [
    ({"application_context_name": 1}, TypeError),
    ({"application_context_name": LN, "mechanism_name": 5}, TypeError),
    ({"application_context_name": LN, "calling_ap_title": "4D4D"}, TypeError),
    ({"application_context_name": LN, "called_ap_invocation_id": True}, TypeError),
    ({"application_context_name": LN, "sender_acse_requirements": b"\x07\x80"}, TypeError),
    ({"application_context_name": LN, "calling_authentication_value": b"12345678"},
     TypeError),
    ({"application_context_name": LN, "length": -1}, ValueError),
    ({"application_context_name": LN, "user_information_length": 1.5}, TypeError),
])
def test_construction_is_validated(kwargs: dict[str, object], exc: type[Exception]) -> None:
    with pytest.raises(exc):
        AARQ(**kwargs)  # type: ignore[arg-type]
