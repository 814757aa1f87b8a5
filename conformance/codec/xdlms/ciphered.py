"""Ciphered xDLMS APDUs (IEC 62056-5-3 8.5, the xDLMS-APDU CHOICE; Green Book 9.2.7).

Service-specific ciphering: every ``glo-xxx`` / ``ded-xxx`` alternative is an
``[tag] IMPLICIT OCTET STRING`` holding ``SC | IC | payload [| T]``, i.e.
``tag | length (A-XDR) | security header (SC, IC) | ciphered text (incl. the auth tag)``.
:data:`CIPHERED_SERVICES` names every tag and the plaintext APDU it carries.

The general-* envelopes live in :mod:`conformance.codec.xdlms.general_ciphering` and are
re-exported here, so this module is the one entry point of the ciphered-APDU codec
(:func:`decode_ciphered` decodes any of them).

The codec is pure: no keys, no cryptography (see :mod:`conformance.security`). Lengths are
computed unless an explicit value is given (then sent as given, to build broken APDUs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.xdlms._ciphered_base import (
    SecurityHeader,
    pull_content,
    push_octet_string,
)
from conformance.codec.xdlms.general_ciphering import (
    GENERAL_DECODERS,
    AgreedKey,
    GeneralApdu,
    GeneralCiphering,
    GeneralDedCiphering,
    GeneralGloCiphering,
    GeneralSigning,
    IdentifiedKey,
    KekId,
    KeyId,
    KeyInfo,
    WrappedKey,
)
from conformance.errors import CodecError

__all__ = [
    "CIPHERED_SERVICES",
    "AgreedKey",
    "CipheredApdu",
    "CipheredApduType",
    "CipheredService",
    "GeneralApdu",
    "GeneralCiphering",
    "GeneralDedCiphering",
    "GeneralGloCiphering",
    "GeneralSigning",
    "IdentifiedKey",
    "KekId",
    "KeyId",
    "KeyInfo",
    "Protection",
    "SecurityHeader",
    "WrappedKey",
    "ciphered_tag_for",
    "decode_ciphered",
]


class Protection(Enum):
    """Which key family a service-specific ciphered APDU uses (Green Book 9.2.7)."""

    GLOBAL = "glo"
    """Global key (unicast or broadcast encryption key, per the SC key-set bit)."""
    DEDICATED = "ded"
    """The dedicated key conveyed in the (ciphered) InitiateRequest."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CipheredService:
    """One ``glo-``/``ded-`` alternative of the xDLMS-APDU CHOICE (IEC 62056-5-3 8.5)."""

    tag: int
    """The ciphered APDU's tag, e.g. 0xC8."""
    name: str
    """Its ASN.1 name, e.g. ``"glo-get-request"``."""
    plain_tag: int
    """Tag of the plaintext APDU it carries, e.g. 0xC0."""
    plain_name: str
    """ASN.1 name of the plaintext APDU, e.g. ``"get-request"``."""
    protection: Protection
    """Global or dedicated key."""
    is_request: bool
    """True for requests (incl. unconfirmed ones such as event-notification-request)."""

    @property
    def is_response(self) -> bool:
        """True for responses (incl. confirmedServiceError)."""
        return not self.is_request


# (plain tag, plain name, request?, glo tag, glo name, ded tag, ded name), IEC 62056-5-3 8.5.
# SN services are ciphered at tag + 32 (glo) / + 64 (ded), LN services at + 8 / + 16.
# "ded-actionRequest" is spelled like that in the standard's ASN.1.
_TABLE = (
    (0x01, "initiateRequest", True, 0x21, "glo-initiateRequest", 0x41, "ded-initiateRequest"),
    (0x05, "readRequest", True, 0x25, "glo-readRequest", 0x45, "ded-readRequest"),
    (0x06, "writeRequest", True, 0x26, "glo-writeRequest", 0x46, "ded-writeRequest"),
    (0x08, "initiateResponse", False, 0x28, "glo-initiateResponse", 0x48,
     "ded-initiateResponse"),
    (0x0C, "readResponse", False, 0x2C, "glo-readResponse", 0x4C, "ded-readResponse"),
    (0x0D, "writeResponse", False, 0x2D, "glo-writeResponse", 0x4D, "ded-writeResponse"),
    (0x0E, "confirmedServiceError", False, 0x2E, "glo-confirmedServiceError", 0x4E,
     "ded-confirmedServiceError"),
    (0x16, "unconfirmedWriteRequest", True, 0x36, "glo-unconfirmedWriteRequest", 0x56,
     "ded-unconfirmedWriteRequest"),
    (0x18, "informationReportRequest", True, 0x38, "glo-informationReportRequest", 0x58,
     "ded-informationReportRequest"),
    (0xC0, "get-request", True, 0xC8, "glo-get-request", 0xD0, "ded-get-request"),
    (0xC1, "set-request", True, 0xC9, "glo-set-request", 0xD1, "ded-set-request"),
    (0xC2, "event-notification-request", True, 0xCA, "glo-event-notification-request", 0xD2,
     "ded-event-notification-request"),
    (0xC3, "action-request", True, 0xCB, "glo-action-request", 0xD3, "ded-actionRequest"),
    (0xC4, "get-response", False, 0xCC, "glo-get-response", 0xD4, "ded-get-response"),
    (0xC5, "set-response", False, 0xCD, "glo-set-response", 0xD5, "ded-set-response"),
    (0xC7, "action-response", False, 0xCF, "glo-action-response", 0xD7, "ded-action-response"),
)

CIPHERED_SERVICES: Mapping[int, CipheredService] = MappingProxyType({
    s.tag: s
    for plain, pname, req, gtag, gname, dtag, dname in _TABLE
    for s in (
        CipheredService(tag=gtag, name=gname, plain_tag=plain, plain_name=pname,
                        protection=Protection.GLOBAL, is_request=req),
        CipheredService(tag=dtag, name=dname, plain_tag=plain, plain_name=pname,
                        protection=Protection.DEDICATED, is_request=req),
    )
})
"""Every service-specific ciphered APDU tag -> its description."""

_BY_PLAIN: Mapping[tuple[int, Protection], int] = MappingProxyType(
    {(s.plain_tag, s.protection): s.tag for s in CIPHERED_SERVICES.values()})


def ciphered_tag_for(plain_tag: int, protection: Protection) -> int | None:
    """The glo-/ded- tag protecting a plaintext APDU tag (0xC0 -> 0xC8 / 0xD0), or ``None``
    when the APDU has no service-specific ciphered form (e.g. data-notification, which
    only travels in general-glo-/general-ded-ciphering)."""
    return _BY_PLAIN.get((plain_tag, protection))


# -- service-specific glo-/ded- APDUs ------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class CipheredApdu(Apdu):
    """A service-specific ciphered APDU: ``tag | length | SC | IC | ciphered text``.

    One class serves every tag of :data:`CIPHERED_SERVICES` (the ``tag`` field says which),
    so it has no class-level ``TAG``.
    """

    tag: int
    """One of :data:`CIPHERED_SERVICES` (e.g. 0xC8 glo-get-request)."""
    security_header: SecurityHeader
    """SC and invocation counter."""
    ciphered_text: bytes
    """The protected payload including the 12-byte authentication tag when present."""
    length: int | None = None
    """Length of the octet string; ``None`` computes it (5 + len(ciphered_text))."""

    def __post_init__(self) -> None:
        if self.tag not in CIPHERED_SERVICES:
            raise ValueError(f"0x{self.tag:02X} is not a glo-/ded- ciphered APDU tag")

    @property
    def service(self) -> CipheredService:
        """The description of this APDU's tag."""
        return CIPHERED_SERVICES[self.tag]

    @property
    def ciphered_content(self) -> bytes:
        """``SC | IC | ciphered text``, the octet string's value."""
        return self.security_header.to_bytes() + self.ciphered_text

    def encode(self, w: Writer) -> None:
        """Append the APDU (tag included)."""
        w.push_u8(self.tag)
        push_octet_string(w, self.ciphered_content, self.length)


def _decode_service(r: Reader, tag: int) -> CipheredApdu:
    # Fast path: a one-octet length (the minimal form below 0x80) covering at least the
    # security header and present in full; other lengths and every fault go through
    # pull_content below, which reports them.
    p = r.pos
    if p < r.end:
        data = r.data
        n = data[p]
        if SecurityHeader.SIZE <= n < 0x80 and p + 1 + n <= r.end:
            r.pos = p + 1 + n
            header = SecurityHeader(security_control=data[p + 1],
                                    invocation_counter=int.from_bytes(data[p + 2:p + 6], "big"))
            return CipheredApdu(tag=tag, security_header=header,
                                ciphered_text=data[p + 6:p + 1 + n])
    with r.scope(CIPHERED_SERVICES[tag].name):
        header, text = pull_content(r, "ciphered_content")
    return CipheredApdu(tag=tag, security_header=header, ciphered_text=text)


def _register_service(tag: int) -> None:
    def decode(r: Reader) -> Apdu:
        return _decode_service(r, tag)

    register(tag)(decode)


for _tag in CIPHERED_SERVICES:
    _register_service(_tag)


CipheredApduType = CipheredApdu | GeneralGloCiphering | GeneralDedCiphering | GeneralCiphering
"""Every APDU whose content is ``SC | IC | ciphered text``."""


def decode_ciphered(data: bytes) -> CipheredApdu | GeneralApdu:
    """Decode one ciphered or signed APDU occupying all of ``data`` (trailing bytes are an
    error); ``CodecError`` for any other tag."""
    r = Reader(data)
    tag = r.pull_u8("tag")
    apdu: CipheredApdu | GeneralApdu
    if tag in CIPHERED_SERVICES:
        apdu = _decode_service(r, tag)
    elif tag in GENERAL_DECODERS:
        apdu = GENERAL_DECODERS[tag](r)
    else:
        raise CodecError(f"0x{tag:02X} is not a ciphered or signed APDU tag", offset=0,
                         path="apdu")
    r.expect_end("the APDU")
    return apdu
