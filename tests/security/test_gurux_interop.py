"""Cross-check against an independent peer: Gurux (gurux-dlms 1.0.203, test-only, GPL: used,
never copied) protects the same plaintexts; both sides must produce the same bytes and our
side must read Gurux's output."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.xdlms.ciphered import (
    CIPHERED_SERVICES,
    CipheredApdu,
    GeneralDedCiphering,
    GeneralGloCiphering,
    Protection,
    decode_ciphered,
)
from conformance.security import (
    SecurityControl,
    SecurityKeys,
    protect_apdu,
    protect_general_ded,
    protect_general_glo,
    unprotect,
)

gurux = pytest.importorskip("gurux_dlms")
from gurux_dlms.AesGcmParameter import AesGcmParameter  # type: ignore[import-untyped]  # noqa: E402
from gurux_dlms.enums.Security import Security  # type: ignore[import-untyped]  # noqa: E402
from gurux_dlms.GXDLMSChippering import GXDLMSChippering  # type: ignore[import-untyped]  # noqa: E402
from gurux_dlms.objects.enums.SecuritySuite import SecuritySuite  # type: ignore[import-untyped]  # noqa: E402

pytestmark = pytest.mark.gurux

ST = bytes.fromhex("4D4D4D0000BC614E")
PLAIN_TAGS = sorted({s.plain_tag for s in CIPHERED_SERVICES.values()})


def _gurux(tag: int, plaintext: bytes, sc: SecurityControl, ic: int, key: bytes,
           ak: bytes) -> bytes:
    p = AesGcmParameter(tag, ST, key, ak)
    p.security = Security(sc.to_byte() & 0x30)
    p.securitySuite = SecuritySuite(sc.security_suite_id)
    p.broadcast = sc.broadcast_key
    p.invocationCounter = ic
    return bytes(GXDLMSChippering.encryptAesGcm(p, plaintext))


@given(st.sampled_from(["glo", "ded", "general-glo", "general-ded"]),
       st.sampled_from(PLAIN_TAGS), st.binary(max_size=300), st.sampled_from([0, 1, 2]),
       st.sampled_from([0x10, 0x20, 0x30]), st.booleans(), st.integers(0, 0xFFFFFFFF))
def test_same_bytes_as_gurux(form: str, plain_tag: int, body: bytes, suite: int,
                             policy: int, broadcast: bool, ic: int) -> None:
    n = 32 if suite == 2 else 16
    keys = SecurityKeys(encryption_key=bytes(range(n)), broadcast_key=bytes(range(7, 7 + n)),
                        authentication_key=bytes(range(0xD0, 0xD0 + n)),
                        dedicated_key=bytes(range(0x40, 0x40 + n)))
    dedicated = form.endswith("ded")
    broadcast = broadcast and not dedicated
    sc = SecurityControl(security_suite_id=suite, authentication=bool(policy & 0x10),
                         encryption=bool(policy & 0x20), broadcast_key=broadcast)
    plaintext = bytes((plain_tag,)) + body
    ours: CipheredApdu | GeneralGloCiphering | GeneralDedCiphering
    common = dict(keys=keys, security_control=sc, invocation_counter=ic, system_title=ST)
    if form in ("glo", "ded"):
        ours = protect_apdu(plaintext, protection=Protection(form),
                            **common)  # type: ignore[arg-type]
        tag = ours.tag
    elif form == "general-glo":
        ours = protect_general_glo(plaintext, **common)  # type: ignore[arg-type]
        tag = 0xDB
    else:
        ours = protect_general_ded(plaintext, **common)  # type: ignore[arg-type]
        tag = 0xDC
    key = keys.block_cipher_key(dedicated=dedicated, broadcast=broadcast).value
    theirs = _gurux(tag, plaintext, sc, ic, key, keys.authentication_key or b"")
    assert ours.to_bytes() == theirs
    decoded = decode_ciphered(theirs)
    assert isinstance(decoded, CipheredApdu | GeneralGloCiphering | GeneralDedCiphering)
    assert unprotect(decoded, keys=keys, system_title=ST, expected_security_control=sc) == (
        plaintext)
