"""xDLMS InitiateRequest (tag 0x01) and InitiateResponse (tag 0x08) and the conformance
block (IEC 62056-5-3 9.5 xDLMS ASN.1, Green Book 9.5 / 11.2).

::

    InitiateRequest ::= SEQUENCE {
      dedicated-key                 OCTET STRING OPTIONAL,
      response-allowed              BOOLEAN DEFAULT TRUE,
      proposed-quality-of-service   [0] IMPLICIT Integer8 OPTIONAL,
      proposed-dlms-version-number  Unsigned8,
      proposed-conformance          Conformance,  -- shall be encoded in BER
      client-max-receive-pdu-size   Unsigned16 }

    InitiateResponse ::= SEQUENCE {
      negotiated-quality-of-service  [0] IMPLICIT Integer8 OPTIONAL,
      negotiated-dlms-version-number Unsigned8,
      negotiated-conformance         Conformance,  -- shall be encoded in BER
      server-max-receive-pdu-size    Unsigned16,
      vaa-name                       ObjectName }

    Conformance ::= [APPLICATION 31] IMPLICIT BIT STRING (SIZE(24))

Both are A-XDR encoded (OPTIONAL and DEFAULT components carry a 0x00/0x01 presence octet),
except the conformance block which is always the seven octets ``5F 1F 04 00 b1 b2 b3``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntFlag
from typing import ClassVar, Literal, SupportsIndex

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.ber import Tag, pull_tag
from conformance.errors import CodecError

__all__ = [
    "DLMS_VERSION",
    "VAA_NAME_LN",
    "VAA_NAME_SN",
    "Conformance",
    "InitiateRequest",
    "InitiateResponse",
    "conformance_names",
    "decode_initiate_request",
    "decode_initiate_response",
    "pull_conformance",
    "push_conformance",
]

DLMS_VERSION = 6
"""The DLMS version number of IEC 62056-5-3 (Green Book 9.1.4.3)."""
VAA_NAME_LN = 0x0007
"""vaa-name with LN referencing: the dummy value 0x0007 (Green Book 9.5, InitiateResponse)."""
VAA_NAME_SN = 0xFA00
"""vaa-name with SN referencing: the base_name of the Association SN object."""


class Conformance(IntFlag):
    """The xDLMS conformance block (Green Book 9.5, ``Conformance`` named bits).

    Bit *n* of the standard is the *n*-th bit of the BIT STRING, bit 0 being the MSB of
    the first octet; as an integer the block reads big-endian, so bit *n* has the value
    ``1 << (23 - n)``. Bits 3, 4, 5, 14, 15 and 18 are the SN referencing services; bits
    0 and 7 are reserved. ``Conformance.from_bytes(bytes.fromhex("007E1F"))`` and
    ``.to_bytes()`` convert from/to the three octets.
    """

    RESERVED_ZERO = 1 << 23
    GENERAL_PROTECTION = 1 << 22
    GENERAL_BLOCK_TRANSFER = 1 << 21
    READ = 1 << 20
    WRITE = 1 << 19
    UNCONFIRMED_WRITE = 1 << 18
    DELTA_VALUE_ENCODING = 1 << 17
    RESERVED_SEVEN = 1 << 16
    ATTRIBUTE0_SUPPORTED_WITH_SET = 1 << 15
    PRIORITY_MGMT_SUPPORTED = 1 << 14
    ATTRIBUTE0_SUPPORTED_WITH_GET = 1 << 13
    BLOCK_TRANSFER_WITH_GET_OR_READ = 1 << 12
    BLOCK_TRANSFER_WITH_SET_OR_WRITE = 1 << 11
    BLOCK_TRANSFER_WITH_ACTION = 1 << 10
    MULTIPLE_REFERENCES = 1 << 9
    INFORMATION_REPORT = 1 << 8
    DATA_NOTIFICATION = 1 << 7
    ACCESS = 1 << 6
    PARAMETERIZED_ACCESS = 1 << 5
    GET = 1 << 4
    SET = 1 << 3
    SELECTIVE_ACCESS = 1 << 2
    EVENT_NOTIFICATION = 1 << 1
    ACTION = 1 << 0

    @classmethod
    def from_bytes(  # type: ignore[override]
            cls, octets: bytes, byteorder: Literal["little", "big"] = "big", *,
            signed: bool = False) -> Conformance:
        """From the three octets of the BIT STRING value (``ValueError`` otherwise); the
        extra arguments only keep ``int.from_bytes`` compatibility and must stay default."""
        if len(octets) != 3 or byteorder != "big" or signed:
            raise ValueError(f"a conformance block is 3 big-endian unsigned octets, "
                             f"got {len(octets)}")
        return cls(int.from_bytes(octets, "big"))

    def to_bytes(self, length: SupportsIndex = 3,
                 byteorder: Literal["little", "big"] = "big", *,
                 signed: bool = False) -> bytes:
        """The three octets of the BIT STRING value (``int.to_bytes`` with defaults
        ``3, "big"``)."""
        return int(self).to_bytes(length, byteorder, signed=signed)

    @classmethod
    def from_bit_numbers(cls, numbers: Iterable[int]) -> Conformance:
        """The block with the standard's bit numbers ``numbers`` (0..23) set."""
        value = 0
        for n in numbers:
            if not 0 <= n <= 23:
                raise ValueError(f"conformance bit number {n} is outside 0..23")
            value |= 1 << (23 - n)
        return cls(value)

    def bit_numbers(self) -> tuple[int, ...]:
        """The standard's numbers of the set bits, ascending."""
        return tuple(n for n in range(24) if int(self) & (1 << (23 - n)))

    @staticmethod
    def bit_name(number: int) -> str:
        """The standard's name of bit ``number``, e.g. ``"priority-mgmt-supported"``."""
        return _BIT_NAMES[number]

    def names(self) -> tuple[str, ...]:
        """The standard's names of the set bits in bit order (see :func:`conformance_names`)."""
        return conformance_names(self)


def conformance_names(conformance: Conformance) -> tuple[str, ...]:
    """The standard's names of the bits set in ``conformance``, in bit order, e.g.
    ``("priority-mgmt-supported", "get", ...)`` for ``00 50 1F``."""
    return tuple(_BIT_NAMES[n] for n in conformance.bit_numbers())


# Green Book 9.5, Conformance ::= [APPLICATION 31] IMPLICIT BIT STRING { ... }
_BIT_NAMES: tuple[str, ...] = (
    "reserved-zero", "general-protection", "general-block-transfer", "read", "write",
    "unconfirmed-write", "delta-value-encoding", "reserved-seven",
    "attribute0-supported-with-set", "priority-mgmt-supported",
    "attribute0-supported-with-get", "block-transfer-with-get-or-read",
    "block-transfer-with-set-or-write", "block-transfer-with-action", "multiple-references",
    "information-report", "data-notification", "access", "parameterized-access", "get",
    "set", "selective-access", "event-notification", "action",
)

_CONFORMANCE_TAG = Tag.application(31)  # [APPLICATION 31] IMPLICIT BIT STRING: 5F 1F
_CONFORMANCE_HEAD = b"\x5f\x1f\x04\x00"  # that tag, length 4, 0 unused bits


def pull_conformance(r: Reader, field: str) -> Conformance:
    """The BER-encoded conformance block ``5F 1F 04 00 b1 b2 b3`` (Green Book 9.5: the
    Conformance type is [APPLICATION 31] IMPLICIT BIT STRING (SIZE(24)))."""
    p = r.pos
    if r.end - p >= 7 and r.data[p:p + 4] == _CONFORMANCE_HEAD:
        # Fast path: the one valid head, and the three octets of bits present.
        r.pos = p + 7
        return Conformance(int.from_bytes(r.data[p + 4:p + 7], "big"))
    with r.scope(field):
        start = r.offset
        tag = pull_tag(r, "tag")
        if tag != _CONFORMANCE_TAG:
            raise CodecError(f"conformance block must start with {_CONFORMANCE_TAG}, "
                             f"found {tag}", offset=start, path=r.path())
        at = r.offset
        n = r.pull_length("length")
        if n != 4:
            raise CodecError(f"conformance block length must be 4 (SIZE(24) BIT STRING), "
                             f"got {n}", offset=at, path=r.path("length"))
        at = r.offset
        unused = r.pull_u8("unused_bits")
        if unused != 0:
            raise CodecError(f"conformance block must have 0 unused bits, got {unused}",
                             offset=at, path=r.path("unused_bits"))
        return Conformance(r.pull_uint(3, "bits"))


def push_conformance(w: Writer, conformance: Conformance) -> None:
    """Append ``5F 1F 04 00`` and the three conformance octets."""
    w.push_bytes(_CONFORMANCE_HEAD)
    w.push_bytes(conformance.to_bytes())


def _check_range(owner: str, name: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise ValueError(f"{owner}.{name} {value} is outside {lo}..{hi}")


def _pull_qos(r: Reader, field: str) -> int | None:
    # [0] IMPLICIT Integer8 OPTIONAL: A-XDR presence octet, then one signed octet.
    if r.pull_optional_flag(field):
        return r.pull_i8(field)
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class InitiateRequest(Apdu):
    """xDLMS-Initiate.request (tag 0x01), carried in the AARQ user-information."""

    TAG: ClassVar[int] = 0x01

    dedicated_key: bytes | None = field(default=None, repr=False)
    """Key for ded-* ciphering in this association (never shown in repr)."""
    response_allowed: bool = True
    """BOOLEAN DEFAULT TRUE; False means the client expects no AARE (unconfirmed AA)."""
    response_allowed_explicit: bool = False
    """Encode the DEFAULT component as ``01 01`` although it is TRUE (the decoder sets
    this when it meets that encoding, so re-encoding is byte-exact)."""
    proposed_quality_of_service: int | None = None
    """Integer8; not used in COSEM (the server shall accept any value)."""
    proposed_dlms_version_number: int = DLMS_VERSION
    proposed_conformance: Conformance
    client_max_receive_pdu_size: int
    """Unsigned16; 0 means no limit (Green Book 9.1.4.3.2)."""

    def __post_init__(self) -> None:
        if self.response_allowed_explicit and not self.response_allowed:
            raise ValueError("response_allowed_explicit only applies when "
                             "response_allowed is TRUE (FALSE is always encoded)")
        if self.dedicated_key is not None:
            _check_range("InitiateRequest", "len(dedicated_key)", len(self.dedicated_key),
                         0, 0xFFFF_FFFF)
        if self.proposed_quality_of_service is not None:
            _check_range("InitiateRequest", "proposed_quality_of_service",
                         self.proposed_quality_of_service, -128, 127)
        _check_range("InitiateRequest", "proposed_dlms_version_number",
                     self.proposed_dlms_version_number, 0, 255)
        _check_range("InitiateRequest", "client_max_receive_pdu_size",
                     self.client_max_receive_pdu_size, 0, 0xFFFF)
        _check_range("InitiateRequest", "proposed_conformance",
                     int(self.proposed_conformance), 0, 0xFFFFFF)

    def encode(self, w: Writer) -> None:
        """Append the A-XDR encoding, tag 0x01 included."""
        w.push_u8(self.TAG)
        if self.dedicated_key is None:
            w.push_optional_flag(False)
        else:
            w.push_optional_flag(True)
            w.push_counted(self.dedicated_key)
        if self.response_allowed and not self.response_allowed_explicit:
            w.push_optional_flag(False)  # DEFAULT TRUE: not encoded
        else:
            w.push_optional_flag(True)
            w.push_u8(1 if self.response_allowed else 0)
        if self.proposed_quality_of_service is None:
            w.push_optional_flag(False)
        else:
            w.push_optional_flag(True)
            w.push_int(self.proposed_quality_of_service, 1)
        w.push_u8(self.proposed_dlms_version_number)
        push_conformance(w, self.proposed_conformance)
        w.push_u16(self.client_max_receive_pdu_size)


@dataclass(frozen=True, slots=True, kw_only=True)
class InitiateResponse(Apdu):
    """xDLMS-Initiate.response (tag 0x08), carried in the AARE user-information."""

    TAG: ClassVar[int] = 0x08

    negotiated_quality_of_service: int | None = None
    """Integer8 OPTIONAL; not used in COSEM."""
    negotiated_dlms_version_number: int = DLMS_VERSION
    negotiated_conformance: Conformance
    server_max_receive_pdu_size: int
    """Unsigned16; the largest APDU the server accepts."""
    vaa_name: int = VAA_NAME_LN
    """ObjectName (two octets): 0x0007 for LN referencing, 0xFA00 (the Association SN
    base name) for SN referencing. Kept unsigned as base names are quoted that way."""

    def __post_init__(self) -> None:
        if self.negotiated_quality_of_service is not None:
            _check_range("InitiateResponse", "negotiated_quality_of_service",
                         self.negotiated_quality_of_service, -128, 127)
        _check_range("InitiateResponse", "negotiated_dlms_version_number",
                     self.negotiated_dlms_version_number, 0, 255)
        _check_range("InitiateResponse", "server_max_receive_pdu_size",
                     self.server_max_receive_pdu_size, 0, 0xFFFF)
        _check_range("InitiateResponse", "vaa_name", self.vaa_name, 0, 0xFFFF)
        _check_range("InitiateResponse", "negotiated_conformance",
                     int(self.negotiated_conformance), 0, 0xFFFFFF)

    def encode(self, w: Writer) -> None:
        """Append the A-XDR encoding, tag 0x08 included."""
        w.push_u8(self.TAG)
        if self.negotiated_quality_of_service is None:
            w.push_optional_flag(False)
        else:
            w.push_optional_flag(True)
            w.push_int(self.negotiated_quality_of_service, 1)
        w.push_u8(self.negotiated_dlms_version_number)
        push_conformance(w, self.negotiated_conformance)
        w.push_u16(self.server_max_receive_pdu_size)
        w.push_u16(self.vaa_name)


def _decode_initiate_request(r: Reader) -> InitiateRequest:
    with r.scope("InitiateRequest"):
        key = r.pull_counted("dedicated_key") if r.pull_optional_flag("dedicated_key") \
            else None
        explicit = r.pull_optional_flag("response_allowed")
        allowed = r.pull_bool("response_allowed") if explicit else True
        qos = _pull_qos(r, "proposed_quality_of_service")
        version = r.pull_u8("proposed_dlms_version_number")
        conformance = pull_conformance(r, "proposed_conformance")
        size = r.pull_u16("client_max_receive_pdu_size")
    return InitiateRequest(
        dedicated_key=key, response_allowed=allowed,
        response_allowed_explicit=explicit and allowed, proposed_quality_of_service=qos,
        proposed_dlms_version_number=version, proposed_conformance=conformance,
        client_max_receive_pdu_size=size)


def _decode_initiate_response(r: Reader) -> InitiateResponse:
    with r.scope("InitiateResponse"):
        qos = _pull_qos(r, "negotiated_quality_of_service")
        version = r.pull_u8("negotiated_dlms_version_number")
        conformance = pull_conformance(r, "negotiated_conformance")
        size = r.pull_u16("server_max_receive_pdu_size")
        vaa = r.pull_u16("vaa_name")
    return InitiateResponse(
        negotiated_quality_of_service=qos, negotiated_dlms_version_number=version,
        negotiated_conformance=conformance, server_max_receive_pdu_size=size, vaa_name=vaa)


register(InitiateRequest.TAG)(_decode_initiate_request)
register(InitiateResponse.TAG)(_decode_initiate_response)


def _decode_tagged(data: bytes, tag: int, name: str, base: int, path: str) -> Reader:
    r = Reader(data, base=base, path=path or None)
    start = r.offset
    found = r.pull_u8(f"{name} tag")
    if found != tag:
        raise CodecError(f"expected the {name} tag 0x{tag:02X}, found 0x{found:02X}",
                         offset=start, path=r.path())
    return r


def decode_initiate_request(data: bytes, *, base: int = 0, path: str = "") -> InitiateRequest:
    """Decode a complete InitiateRequest (tag included); trailing bytes are an error.

    ``base`` is added to reported offsets and ``path`` prefixes error paths (for example
    ``"AARQ.user_information"`` when the bytes come from an AARQ)."""
    r = _decode_tagged(data, InitiateRequest.TAG, "InitiateRequest", base, path)
    req = _decode_initiate_request(r)
    r.expect_end("InitiateRequest")
    return req


def decode_initiate_response(data: bytes, *, base: int = 0,
                             path: str = "") -> InitiateResponse:
    """Decode a complete InitiateResponse (tag included); trailing bytes are an error."""
    r = _decode_tagged(data, InitiateResponse.TAG, "InitiateResponse", base, path)
    resp = _decode_initiate_response(r)
    r.expect_end("InitiateResponse")
    return resp
