"""Decode one complete ACSE APDU from bytes (the tag selects AARQ, AARE, RLRQ or RLRE)."""

from __future__ import annotations

from collections.abc import Callable

from conformance.codec._buffer import Reader
from conformance.codec.acse.aare import AARE, decode_aare
from conformance.codec.acse.aarq import AARQ, decode_aarq
from conformance.codec.acse.release import RLRE, RLRQ, decode_rlre, decode_rlrq
from conformance.errors import CodecError

__all__ = ["AcseApdu", "decode_acse_apdu"]

AcseApdu = AARQ | AARE | RLRQ | RLRE
"""Any of the four ACSE APDUs DLMS/COSEM uses."""

_DECODERS: dict[int, Callable[[Reader], AcseApdu]] = {
    AARQ.TAG: decode_aarq, AARE.TAG: decode_aare, RLRQ.TAG: decode_rlrq,
    RLRE.TAG: decode_rlre}


def decode_acse_apdu(data: bytes, *, base: int = 0) -> AcseApdu:
    """Decode ``data`` as exactly one ACSE APDU; any other tag, a truncated APDU
    (``IncompleteError``) or trailing bytes (``CodecError``) are rejected. ``base`` is
    added to the offsets reported in errors."""
    r = Reader(data, base=base)
    at = r.offset
    tag = r.pull_u8("tag")
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise CodecError(f"0x{tag:02X} is not an ACSE APDU tag (AARQ 0x60, AARE 0x61, "
                         "RLRQ 0x62, RLRE 0x63)", offset=at, path="apdu")
    apdu = decoder(r)
    r.expect_end("the ACSE APDU")
    return apdu
