"""RLRQ / RLRE: the A-RELEASE request and response APDUs (tags 0x62 / 0x63; X.227 /
IEC 62056-5-3 8.2, Green Book 9.4.2.2.4)::

    RLRQ-apdu ::= [APPLICATION 2] IMPLICIT SEQUENCE {
      reason           [0]  IMPLICIT Release-request-reason OPTIONAL,
      user-information [30] EXPLICIT Association-information OPTIONAL }

    RLRE-apdu ::= [APPLICATION 3] IMPLICIT SEQUENCE {
      reason           [0]  IMPLICIT Release-response-reason OPTIONAL,
      user-information [30] EXPLICIT Association-information OPTIONAL }

The standard reason encoding is ``80 01 00``. Some meters (Iskra, vector
``wrapper-rlre-iskra-nonstandard-reason``) nest a universal INTEGER inside the implicit tag:
``80 03 02 01 00``. The decoder accepts that form, reads the inner value into ``reason``
and keeps the exact content octets in ``reason_content`` (``02 01 00``) so a check can
report the deviation and re-encoding gives back the same bytes. Any other content that is
not a defined reason is a ``CodecError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.acse import _fields as f
from conformance.codec.acse.names import ReleaseRequestReason, ReleaseResponseReason
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.ber import Tag, Tlv, decode_integer, encode_integer, encode_tlv
from conformance.codec.xdlms.initiate import (
    InitiateRequest,
    InitiateResponse,
    decode_initiate_request,
    decode_initiate_response,
)
from conformance.errors import CodecError

__all__ = ["RLRE", "RLRQ", "decode_rlre", "decode_rlrq"]

REASON = f.FieldSpec(0, "reason", "reason", False)
USER_INFORMATION = f.FieldSpec(30, "user_information", "user-information", True)
FIELDS = (REASON, USER_INFORMATION)
_TABLES = {apdu: f.FieldTable(apdu, FIELDS) for apdu in ("RLRQ", "RLRE")}

_R = TypeVar("_R", ReleaseRequestReason, ReleaseResponseReason)


def _check(apdu: RLRQ | RLRE, enum: type[ReleaseRequestReason] | type[ReleaseResponseReason],
           owner: str) -> None:
    if apdu.reason is not None:
        enum(apdu.reason)  # ValueError for an undefined reason
    elif apdu.reason_content is not None:
        raise ValueError(f"{owner}.reason_content needs a reason")
    f.check_optional(owner, "reason_content", apdu.reason_content, bytes)
    f.check_optional(owner, "user_information", apdu.user_information, bytes)
    f.check_lengths(owner, length=apdu.length,
                    user_information_length=apdu.user_information_length,
                    user_information_octets_length=apdu.user_information_octets_length)


def _encode(w: Writer, tag: int, reason: int | None, reason_content: bytes | None,
            user_information: bytes | None, length: int | None,
            wrapper_length: int | None, octets_length: int | None) -> None:
    content = b""
    if reason is not None:
        raw = encode_integer(reason) if reason_content is None else reason_content
        content += encode_tlv(Tag.context(0), raw)
    content += f.enc_user_information(user_information, wrapper_length=wrapper_length,
                                      octets_length=octets_length)
    f.push_apdu(w, tag, content, length)


def _reason(enum: type[_R], tlv: Tlv, path: str, what: str) -> tuple[_R, bytes | None]:
    content = tlv.value
    if len(content) >= 3 and content[0] == 0x02 and content[1] == len(content) - 2:
        # Non-standard: a universal INTEGER TLV inside the IMPLICIT [0] (Iskra).
        at = tlv.value_offset + 2
        value = decode_integer(content[2:], offset=at, path=path)
        kept: bytes | None = content
    else:
        at = tlv.value_offset
        value = decode_integer(content, offset=at, path=path)
        kept = None
    try:
        return enum(value), kept
    except ValueError:
        names = ", ".join(f"{m.name.lower().replace('_', '-')} ({int(m)})" for m in enum)
        raise CodecError(f"reason {value} is not a defined {what} ({names})", offset=at,
                         path=path) from None


def _decode_fields(r: Reader, apdu: str, enum: type[_R], what: str
                   ) -> tuple[_R | None, bytes | None, bytes | None]:
    content = f.pull_apdu_content(r, apdu)
    fs = f.collect_fields(content, _TABLES[apdu])
    reason: _R | None = None
    kept: bytes | None = None
    tlv = fs.get(REASON.name)
    if tlv is not None:
        reason, kept = _reason(enum, tlv, content.path(REASON.name), what)
    user_information = f.optional(fs, USER_INFORMATION, content,
                                  lambda t, p: f.octet_string(t, p, "user-information"))
    return reason, kept, user_information


class _Release(Apdu):
    """What RLRQ and RLRE share (IEC 62056-5-3 9.5): reason [0] and user-information [30],
    encoded alike; each has its own reason enumeration and user-information APDU."""

    __slots__ = ()

    reason: ReleaseRequestReason | ReleaseResponseReason | None
    reason_content: bytes | None
    user_information: bytes | None
    length: int | None
    user_information_length: int | None
    user_information_octets_length: int | None

    @property
    def reason_octets(self) -> bytes | None:
        """The content octets of reason [0] as encoded (None when absent)."""
        if self.reason is None:
            return None
        return encode_integer(self.reason) if self.reason_content is None \
            else self.reason_content

    def encode(self, w: Writer) -> None:
        """Append the BER encoding, tag included."""
        _encode(w, self.TAG, self.reason, self.reason_content, self.user_information,
                self.length, self.user_information_length, self.user_information_octets_length)

    @property
    def user_information_ciphered(self) -> bool:
        """True when user-information holds a ciphered APDU."""
        return f.is_ciphered(self.user_information)


@dataclass(frozen=True, slots=True, kw_only=True)
class RLRQ(_Release):
    """A-RELEASE request. ``reason_content`` and the three lengths are computed when
    ``None`` and encoded as given otherwise."""

    TAG: ClassVar[int] = 0x62

    reason: ReleaseRequestReason | None = None
    reason_content: bytes | None = None
    """Exact content octets of reason [0] when not the standard INTEGER (see module doc)."""
    user_information: bytes | None = None
    """InitiateRequest octets (usually ciphered) when the association is released with
    ciphering (Green Book 9.4.2.2.4)."""
    length: int | None = None
    user_information_length: int | None = None
    user_information_octets_length: int | None = None

    def __post_init__(self) -> None:
        _check(self, ReleaseRequestReason, "RLRQ")

    def initiate_request(self) -> InitiateRequest | None:
        """The user-information as a plain InitiateRequest; None when absent or ciphered."""
        return f.decode_plain(self.user_information, "RLRQ.user_information", {
            InitiateRequest.TAG: lambda d, p: decode_initiate_request(d, path=p)})


@dataclass(frozen=True, slots=True, kw_only=True)
class RLRE(_Release):
    """A-RELEASE response. ``reason_content`` and the three lengths are computed when
    ``None`` and encoded as given otherwise."""

    TAG: ClassVar[int] = 0x63

    reason: ReleaseResponseReason | None = None
    reason_content: bytes | None = None
    """Exact content octets of reason [0] when not the standard INTEGER (see module doc)."""
    user_information: bytes | None = None
    """InitiateResponse octets (usually ciphered)."""
    length: int | None = None
    user_information_length: int | None = None
    user_information_octets_length: int | None = None

    def __post_init__(self) -> None:
        _check(self, ReleaseResponseReason, "RLRE")

    def initiate_response(self) -> InitiateResponse | None:
        """The user-information as a plain InitiateResponse; None when absent or ciphered."""
        return f.decode_plain(self.user_information, "RLRE.user_information", {
            InitiateResponse.TAG: lambda d, p: decode_initiate_response(d, path=p)})


def decode_rlrq(r: Reader) -> RLRQ:
    """Decode an RLRQ; ``r`` is positioned just after the tag 0x62."""
    with r.scope("RLRQ"):
        reason, kept, ui = _decode_fields(r, "RLRQ", ReleaseRequestReason,
                                          "Release-request-reason")
    return RLRQ(reason=reason, reason_content=kept, user_information=ui)


def decode_rlre(r: Reader) -> RLRE:
    """Decode an RLRE; ``r`` is positioned just after the tag 0x63."""
    with r.scope("RLRE"):
        reason, kept, ui = _decode_fields(r, "RLRE", ReleaseResponseReason,
                                          "Release-response-reason")
    return RLRE(reason=reason, reason_content=kept, user_information=ui)


register(RLRQ.TAG)(decode_rlrq)
register(RLRE.TAG)(decode_rlre)
