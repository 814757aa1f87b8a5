"""Decode any DLMS/COSEM APDU (ACSE or xDLMS, plain or ciphered) from its bytes.

Importing this module imports every APDU module of the codec, so each has registered its
tag(s) with :mod:`conformance.codec.apdu_base`. ``decode_apdu`` reads the tag, hands the
rest to the registered decoder and rejects trailing bytes: one buffer is exactly one APDU.
"""

from __future__ import annotations

# Imported for their registrations (tag -> decoder), in the order of IEC 62056-5-3 8.5.
import conformance.codec.acse  # (AARQ 0x60, AARE 0x61, RLRQ 0x62, RLRE 0x63)
import conformance.codec.xdlms.action  # (C3, C7)
import conformance.codec.xdlms.ciphered  # (glo-/ded- service APDUs)
import conformance.codec.xdlms.confirmed_service_error  # (0E)
import conformance.codec.xdlms.exception  # (D8)
import conformance.codec.xdlms.gbt  # (E0)
import conformance.codec.xdlms.general_ciphering  # (DB, DC, DD, DF)
import conformance.codec.xdlms.get  # (C0, C4)
import conformance.codec.xdlms.initiate  # (01, 08)
import conformance.codec.xdlms.notification  # (C2, 0F)
import conformance.codec.xdlms.set  # noqa: F401  (C1, C5)
from conformance.codec._buffer import Reader
from conformance.codec.apdu_base import Apdu, decoder_for, registered_tags

__all__ = ["Apdu", "decode_apdu", "encode_apdu", "registered_tags"]


def decode_apdu(data: bytes, *, base: int = 0) -> Apdu:
    """Decode ``data`` as exactly one APDU.

    Raises :class:`~conformance.errors.CodecError` (with byte offset and field path) for an
    unknown tag, malformed content or trailing bytes, and
    :class:`~conformance.errors.IncompleteError` when the APDU is cut short. ``base`` is
    added to every reported offset (the APDU's position in a larger frame or trace).
    """
    r = Reader(data, base=base)
    at = r.offset
    tag = r.pull_u8("tag")
    apdu = decoder_for(tag, offset=at)(r)
    r.expect_end(type(apdu).__name__)
    return apdu


def encode_apdu(apdu: Apdu) -> bytes:
    """The bytes of ``apdu`` (computed fields filled in unless given explicitly)."""
    return apdu.to_bytes()
