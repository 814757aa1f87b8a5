"""gurux-dlms reads the APDUs OUR encoder builds: field by field, not just "no exception".

For every case (deterministic, see :mod:`tests.interop.generate`): our bytes decode back
to our object, gurux's translator reads the same bytes, and the fields gurux found equal
the fields of our object (:func:`tests.interop.ours.apdu_fields`). Ciphered APDUs are
deciphered by gurux's own AES-GCM and the plaintext must be ours, read field by field too.

Cases gurux cannot read are kept as strict xfails naming gurux's deviation; they may only
fail with :class:`GuruxFailure` / :class:`GuruxMismatch`, so a failure of OUR encoder in
such a case is still a real failure.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.codec.acse import AARE, AARQ, RLRE, RLRQ
from tests.interop.cases import service_cases
from tests.interop.cases_acse import acse_cases, ciphered_cases
from tests.interop.compare import GuruxMismatch, assert_same
from tests.interop.generate import KEYS, OurCase
from tests.interop.gurux_peer import GuruxFailure, GuruxKeys, gurux_decipher, gurux_pdu_to_xml
from tests.interop.gurux_xml import read_pdu
from tests.interop.ours import apdu_fields, decode

pytestmark = pytest.mark.gurux

_DEDICATED_TAGS = frozenset({0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD7, 0xDC})


def _params(cases: list[OurCase]) -> list[Any]:
    out = []
    for i, c in enumerate(cases):
        marks = ([pytest.mark.xfail(strict=True, raises=(GuruxFailure, GuruxMismatch),
                                    reason=c.gurux_issue)] if c.gurux_issue else [])
        out.append(pytest.param(c, id=f"{i:03d}-{c.name}", marks=marks))
    return out


PLAIN = service_cases() + acse_cases()
CIPHERED = ciphered_cases()


def test_case_counts() -> None:
    """The brief asks for at least 200 APDUs and frames from our encoder; this file holds
    the APDUs (frames are in test_gurux_frames.py)."""
    assert len(PLAIN) + len(CIPHERED) >= 200
    assert len({c.apdu.to_bytes() for c in PLAIN + CIPHERED}) == len(PLAIN) + len(CIPHERED)


@pytest.mark.parametrize("case", _params(PLAIN))
def test_gurux_reads_our_apdu(case: OurCase) -> None:
    raw = case.apdu.to_bytes()
    assert decode(raw) == case.apdu  # our own round trip first: a broken encoder fails here
    assert_same(apdu_fields(case.apdu), read_pdu(gurux_pdu_to_xml(raw)), case.name)


def _ciphered_part(case: OurCase) -> bytes:
    """The ciphered APDU: the whole APDU, or the user-information of an ACSE APDU."""
    a = case.apdu
    if isinstance(a, AARQ | AARE | RLRQ | RLRE):
        assert a.user_information is not None
        return a.user_information
    return a.to_bytes()


@pytest.mark.parametrize("case", _params(CIPHERED))
def test_gurux_reads_and_deciphers_our_ciphered_apdu(case: OurCase) -> None:
    raw = case.apdu.to_bytes()
    assert decode(raw) == case.apdu
    assert case.plaintext is not None
    assert_same(apdu_fields(case.apdu), read_pdu(gurux_pdu_to_xml(raw)), case.name)
    ciphered = _ciphered_part(case)
    dedicated = ciphered[0] in _DEDICATED_TAGS
    key = KEYS.dedicated_key if dedicated else KEYS.encryption_key
    assert key is not None and KEYS.authentication_key is not None
    plain = gurux_decipher(ciphered, GuruxKeys(block_cipher_key=key,
                                               authentication_key=KEYS.authentication_key,
                                               system_title=case.sender_title))
    if plain.plaintext != case.plaintext.to_bytes():
        raise GuruxMismatch(f"gurux deciphered {plain.plaintext.hex()}, "
                            f"we protected {case.plaintext.to_bytes().hex()}")
    header = decode(ciphered).security_header  # type: ignore[attr-defined]
    if (plain.security_control, plain.invocation_counter) != (
            header.security_control, header.invocation_counter):
        raise GuruxMismatch(f"gurux read SC/IC {plain.security_control:02X}/"
                            f"{plain.invocation_counter:08X}, we sent {header}")
    assert_same(apdu_fields(case.plaintext), read_pdu(gurux_pdu_to_xml(plain.plaintext)),
                f"{case.name} plaintext")
