"""The general-* envelopes: general-glo-/ded-ciphering, general-ciphering, general-signing.

IEC 62056-5-3 8.5 (ASN.1) / Green Book 9.2.7:

* ``general-glo-ciphering [219]`` / ``general-ded-ciphering [220]``:
  ``SEQUENCE { system-title OCTET STRING, ciphered-content OCTET STRING }``;
* ``general-ciphering [221]``: transaction-id, originator-system-title,
  recipient-system-title, date-time, other-information (OCTET STRINGs),
  ``key-info Key-Info OPTIONAL``, ciphered-content;
* ``general-signing [223]``: the same five header strings, content, signature.

ciphered-content is ``SC | IC | ciphered text``; it is split into :class:`SecurityHeader`
and ``ciphered_text``. Lengths are computed unless an explicit value is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.xdlms._ciphered_base import (
    SecurityHeader,
    pull_content,
    pull_octet_string,
    push_octet_string,
)
from conformance.errors import CodecError

__all__ = [
    "GENERAL_DECODERS",
    "AgreedKey",
    "GeneralApdu",
    "GeneralCiphering",
    "GeneralDedCiphering",
    "GeneralGloCiphering",
    "GeneralSigning",
    "IdentifiedKey",
    "KekId",
    "KeyId",
    "KeyInfo",
    "WrappedKey",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class _SystemTitleCiphering(Apdu):
    NAME: ClassVar[str]

    system_title: bytes
    """The sender's system title (normally 8 bytes; may be empty when known from context)."""
    security_header: SecurityHeader
    """SC and invocation counter at the start of ciphered-content."""
    ciphered_text: bytes
    """The protected APDU including the 12-byte authentication tag when present."""
    system_title_length: int | None = None
    """Explicit length of system-title (``None``: computed)."""
    ciphered_content_length: int | None = None
    """Explicit length of ciphered-content (``None``: computed)."""

    @property
    def ciphered_content(self) -> bytes:
        """``SC | IC | ciphered text``."""
        return self.security_header.to_bytes() + self.ciphered_text

    def encode(self, w: Writer) -> None:
        """Append the APDU (tag included)."""
        w.push_u8(self.TAG)
        push_octet_string(w, self.system_title, self.system_title_length)
        push_octet_string(w, self.ciphered_content, self.ciphered_content_length)


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneralGloCiphering(_SystemTitleCiphering):
    """``general-glo-ciphering [219]`` (0xDB): system-title, ciphered-content."""

    TAG: ClassVar[int] = 0xDB
    NAME: ClassVar[str] = "general-glo-ciphering"


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneralDedCiphering(_SystemTitleCiphering):
    """``general-ded-ciphering [220]`` (0xDC): system-title, ciphered-content."""

    TAG: ClassVar[int] = 0xDC
    NAME: ClassVar[str] = "general-ded-ciphering"


def _decode_general_glo(r: Reader) -> GeneralGloCiphering:
    with r.scope(GeneralGloCiphering.NAME):
        st = pull_octet_string(r, "system_title")
        header, text = pull_content(r, "ciphered_content")
    return GeneralGloCiphering(system_title=st, security_header=header, ciphered_text=text)


def _decode_general_ded(r: Reader) -> GeneralDedCiphering:
    with r.scope(GeneralDedCiphering.NAME):
        st = pull_octet_string(r, "system_title")
        header, text = pull_content(r, "ciphered_content")
    return GeneralDedCiphering(system_title=st, security_header=header, ciphered_text=text)


# -- key-info (IEC 62056-5-3 8.5, General-Ciphering) ------------------------------------------
class KeyId(IntEnum):
    """``Key-Id ::= ENUMERATED`` of identified-key."""

    GLOBAL_UNICAST_ENCRYPTION_KEY = 0
    GLOBAL_BROADCAST_ENCRYPTION_KEY = 1


class KekId(IntEnum):
    """``Kek-Id ::= ENUMERATED`` of wrapped-key."""

    MASTER_KEY = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifiedKey:
    """``identified-key [0]``: the key is one of the global encryption keys."""

    CHOICE: ClassVar[int] = 0
    key_id: KeyId


@dataclass(frozen=True, slots=True, kw_only=True)
class WrappedKey:
    """``wrapped-key [1]``: the key, wrapped (RFC 3394) under the KEK, travels along."""

    CHOICE: ClassVar[int] = 1
    kek_id: KekId
    key_ciphered_data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreedKey:
    """``agreed-key [2]``: the key is agreed by ECDH; key-parameters 0x01 = C(1e,1s) with
    key-ciphered-data = ephemeral public key || its signature, 0x02 = C(0e,2s) (empty)."""

    CHOICE: ClassVar[int] = 2
    key_parameters: bytes
    key_ciphered_data: bytes


KeyInfo = IdentifiedKey | WrappedKey | AgreedKey


def _push_key_info(w: Writer, key_info: KeyInfo | None) -> None:
    w.push_optional_flag(key_info is not None)
    if key_info is None:
        return
    w.push_u8(key_info.CHOICE)
    if isinstance(key_info, IdentifiedKey):
        w.push_u8(key_info.key_id)
    elif isinstance(key_info, WrappedKey):
        w.push_u8(key_info.kek_id)
        push_octet_string(w, key_info.key_ciphered_data)
    else:
        push_octet_string(w, key_info.key_parameters)
        push_octet_string(w, key_info.key_ciphered_data)


def _pull_enum(r: Reader, enum: type[IntEnum], field: str) -> int:
    start = r.offset
    v = r.pull_u8(field)
    if v not in {m.value for m in enum}:
        raise CodecError(f"{v} is not a valid {enum.__name__}", offset=start, path=r.path(field))
    return v


def _pull_key_info(r: Reader) -> KeyInfo | None:
    if not r.pull_optional_flag("key_info"):
        return None
    with r.scope("key_info"):
        start = r.offset
        choice = r.pull_u8("choice")
        if choice == IdentifiedKey.CHOICE:
            with r.scope("identified_key"):
                return IdentifiedKey(key_id=KeyId(_pull_enum(r, KeyId, "key_id")))
        if choice == WrappedKey.CHOICE:
            with r.scope("wrapped_key"):
                kek = KekId(_pull_enum(r, KekId, "kek_id"))
                return WrappedKey(kek_id=kek,
                                  key_ciphered_data=pull_octet_string(r, "key_ciphered_data"))
        if choice == AgreedKey.CHOICE:
            with r.scope("agreed_key"):
                params = pull_octet_string(r, "key_parameters")
                return AgreedKey(key_parameters=params,
                                 key_ciphered_data=pull_octet_string(r, "key_ciphered_data"))
        raise CodecError(f"unknown Key-Info choice [{choice}]", offset=start,
                         path=r.path("choice"))


# -- general-ciphering / general-signing ---------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class GeneralCiphering(Apdu):
    """``general-ciphering [221]`` (0xDD)."""

    TAG: ClassVar[int] = 0xDD
    NAME: ClassVar[str] = "general-ciphering"

    transaction_id: bytes
    originator_system_title: bytes
    recipient_system_title: bytes
    date_time: bytes
    """Empty, or a 12-byte COSEM date-time."""
    other_information: bytes
    key_info: KeyInfo | None
    security_header: SecurityHeader
    ciphered_text: bytes
    """The protected APDU including the 12-byte authentication tag when present."""
    ciphered_content_length: int | None = None
    """Explicit length of ciphered-content (``None``: computed)."""

    @property
    def ciphered_content(self) -> bytes:
        """``SC | IC | ciphered text``."""
        return self.security_header.to_bytes() + self.ciphered_text

    def header_fields(self) -> bytes:
        """The five leading octet strings as encoded (transaction-id .. other-information)."""
        w = Writer()
        for value in (self.transaction_id, self.originator_system_title,
                      self.recipient_system_title, self.date_time, self.other_information):
            push_octet_string(w, value)
        return w.getvalue()

    def encode(self, w: Writer) -> None:
        """Append the APDU (tag included)."""
        w.push_u8(self.TAG)
        w.push_bytes(self.header_fields())
        _push_key_info(w, self.key_info)
        push_octet_string(w, self.ciphered_content, self.ciphered_content_length)


def _decode_general_ciphering(r: Reader) -> GeneralCiphering:
    with r.scope(GeneralCiphering.NAME):
        tid = pull_octet_string(r, "transaction_id")
        orig = pull_octet_string(r, "originator_system_title")
        recip = pull_octet_string(r, "recipient_system_title")
        dt = pull_octet_string(r, "date_time")
        other = pull_octet_string(r, "other_information")
        key_info = _pull_key_info(r)
        header, text = pull_content(r, "ciphered_content")
    return GeneralCiphering(transaction_id=tid, originator_system_title=orig,
                            recipient_system_title=recip, date_time=dt,
                            other_information=other, key_info=key_info,
                            security_header=header, ciphered_text=text)


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneralSigning(Apdu):
    """``general-signing [223]`` (0xDF): content signed with ECDSA (raw r || s)."""

    TAG: ClassVar[int] = 0xDF
    NAME: ClassVar[str] = "general-signing"

    transaction_id: bytes
    originator_system_title: bytes
    recipient_system_title: bytes
    date_time: bytes
    other_information: bytes
    content: bytes
    """The signed APDU (plaintext or itself ciphered)."""
    signature: bytes
    """ECDSA signature r || s (64 bytes P-256, 96 bytes P-384); empty before signing."""
    content_length: int | None = None
    """Explicit length of content (``None``: computed)."""
    signature_length: int | None = None
    """Explicit length of signature (``None``: computed)."""

    def signed_data(self) -> bytes:
        """What the signature covers: the APDU from its tag up to and including content
        (Green Book 9.2.7, digital signature: every field but the signature)."""
        w = Writer()
        w.push_u8(self.TAG)
        for value in (self.transaction_id, self.originator_system_title,
                      self.recipient_system_title, self.date_time, self.other_information):
            push_octet_string(w, value)
        push_octet_string(w, self.content, self.content_length)
        return w.getvalue()

    def encode(self, w: Writer) -> None:
        """Append the APDU (tag included)."""
        w.push_bytes(self.signed_data())
        push_octet_string(w, self.signature, self.signature_length)


def _decode_general_signing(r: Reader) -> GeneralSigning:
    with r.scope(GeneralSigning.NAME):
        fields = [pull_octet_string(r, f) for f in (
            "transaction_id", "originator_system_title", "recipient_system_title",
            "date_time", "other_information", "content", "signature")]
    tid, orig, recip, dt, other, content, signature = fields
    return GeneralSigning(transaction_id=tid, originator_system_title=orig,
                          recipient_system_title=recip, date_time=dt, other_information=other,
                          content=content, signature=signature)


GeneralApdu = GeneralGloCiphering | GeneralDedCiphering | GeneralCiphering | GeneralSigning
"""Every general-* envelope."""

GENERAL_DECODERS: Mapping[int, Callable[[Reader], GeneralApdu]] = MappingProxyType({
    GeneralGloCiphering.TAG: _decode_general_glo,
    GeneralDedCiphering.TAG: _decode_general_ded,
    GeneralCiphering.TAG: _decode_general_ciphering,
    GeneralSigning.TAG: _decode_general_signing,
})
"""Tag -> typed decoder (given a reader positioned after the tag)."""

for _tag, _decoder in GENERAL_DECODERS.items():
    register(_tag)(_decoder)
