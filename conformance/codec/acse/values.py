"""Authentication-value: the CHOICE carried by calling-authentication-value [12] (AARQ)
and responding-authentication-value [10] (AARE), X.227 / IEC 62056-5-3 8.2::

    Authentication-value ::= CHOICE {
      charstring [0] IMPLICIT GraphicString,
      bitstring  [1] IMPLICIT BIT STRING,
      external   [2] IMPLICIT EXTERNAL,
      other      [3] IMPLICIT SEQUENCE {
        other-mechanism-name  Mechanism-name,
        other-mechanism-value ANY DEFINED BY other-mechanism-name } }

DLMS uses ``charstring``: the LLS password, or the HLS challenge (CtoS in the AARQ, StoC in
the AARE), e.g. ``AC 0A 80 08 <8 octets>``. The values may be secrets, so they never
appear in ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.codec._buffer import Reader
from conformance.codec.ber import (
    BitString,
    ObjectIdentifier,
    Tag,
    TagClass,
    UniversalTag,
    encode_tlv,
    pull_tlv,
    pull_tlvs,
)
from conformance.errors import CodecError

__all__ = [
    "AUTHENTICATION_VALUE_TYPES",
    "AuthenticationValue",
    "AuthenticationValueBitstring",
    "AuthenticationValueCharstring",
    "AuthenticationValueExternal",
    "AuthenticationValueOther",
    "decode_authentication_value",
    "encode_authentication_value",
]

_CHARSTRING = Tag.context(0)
_BITSTRING = Tag.context(1)
_EXTERNAL = Tag.context(2, constructed=True)
_OTHER = Tag.context(3, constructed=True)
_OID = Tag.universal(UniversalTag.OBJECT_IDENTIFIER)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticationValueCharstring:
    """charstring [0] IMPLICIT GraphicString: LLS password or HLS challenge octets."""

    value: bytes = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticationValueBitstring:
    """bitstring [1] IMPLICIT BIT STRING."""

    value: BitString = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticationValueExternal:
    """external [2] IMPLICIT EXTERNAL: the content octets of the EXTERNAL (a sequence of
    BER elements), kept undecoded."""

    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticationValueOther:
    """other [3]: a mechanism OID and one BER element (the ANY value), kept encoded."""

    other_mechanism_name: ObjectIdentifier
    other_mechanism_value: bytes = field(repr=False)


AuthenticationValue = (AuthenticationValueCharstring | AuthenticationValueBitstring
                       | AuthenticationValueExternal | AuthenticationValueOther)
"""One alternative of the Authentication-value CHOICE."""

AUTHENTICATION_VALUE_TYPES = (AuthenticationValueCharstring, AuthenticationValueBitstring,
                              AuthenticationValueExternal, AuthenticationValueOther)
"""The four alternatives, for ``isinstance`` checks."""


def encode_authentication_value(value: AuthenticationValue) -> bytes:
    """The chosen alternative's TLV (the content of the EXPLICIT [12] / [10] wrapper)."""
    if isinstance(value, AuthenticationValueCharstring):
        return encode_tlv(_CHARSTRING, value.value)
    if isinstance(value, AuthenticationValueBitstring):
        return encode_tlv(_BITSTRING, value.value.to_content())
    if isinstance(value, AuthenticationValueExternal):
        return encode_tlv(_EXTERNAL, value.content)
    inner = encode_tlv(_OID, value.other_mechanism_name.to_content())
    return encode_tlv(_OTHER, inner + value.other_mechanism_value)


def _check_one_element(r: Reader, what: str) -> None:
    start = r.offset
    elements = pull_tlvs(r, "element", within=what)
    if len(elements) != 1:
        at = elements[1].offset if elements else start
        raise CodecError(f"{what} must be exactly one BER element, found {len(elements)}",
                         offset=at, path=r.path())


def decode_authentication_value(r: Reader, what: str) -> AuthenticationValue:
    """Decode the one CHOICE element that fills the reader ``r`` (the content of the
    EXPLICIT wrapper named ``what``); anything else there is an error."""
    tlv = pull_tlv(r, "choice", within=what)
    r.expect_end(what)
    path = r.path()
    if tlv.tag == _CHARSTRING:
        return AuthenticationValueCharstring(value=tlv.value)
    if tlv.tag == _BITSTRING:
        return AuthenticationValueBitstring(value=BitString.from_content(
            tlv.value, offset=tlv.value_offset, path=f"{path}.bitstring"))
    if tlv.tag == _EXTERNAL:
        pull_tlvs(tlv.reader(f"{path}.external"), "element", within="external")
        return AuthenticationValueExternal(content=tlv.value)
    if tlv.tag == _OTHER:
        inner = tlv.reader(f"{path}.other")
        oid_tlv = pull_tlv(inner, "other_mechanism_name", within="other")
        oid_tlv.expect(_OID, inner.path("other_mechanism_name"))
        oid = ObjectIdentifier.from_content(oid_tlv.value, offset=oid_tlv.value_offset,
                                            path=inner.path("other_mechanism_name"))
        start = inner.pos
        with inner.scope("other_mechanism_value"):
            _check_one_element(inner, "other-mechanism-value")
        return AuthenticationValueOther(other_mechanism_name=oid,
                                        other_mechanism_value=inner.data[start:inner.end])
    if tlv.tag.tag_class is TagClass.CONTEXT_SPECIFIC and tlv.tag.number <= 3:
        form = "constructed" if tlv.tag.constructed else "primitive"
        raise tlv.error(f"Authentication-value alternative [{tlv.tag.number}] has the wrong "
                        f"form ({form}, found {tlv.tag})", path)
    raise tlv.error(f"unknown Authentication-value alternative {tlv.tag} "
                    "(charstring [0], bitstring [1], external [2], other [3])", path)
