"""Helpers shared by the security tests: keys from vector inputs, key-leak assertions."""

from __future__ import annotations

from typing import Any

from conformance.security import SecurityKeys
from tests.vectors import hexbytes

GB_EK = hexbytes("000102030405060708090A0B0C0D0E0F")
GB_AK = hexbytes("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
GB_KEYS = SecurityKeys(encryption_key=GB_EK, authentication_key=GB_AK)
GB_SERVER_ST = hexbytes("4D4D4D0000BC614E")
GB_CLIENT_ST = hexbytes("4D4D4D0000000001")


def keys_of(v: dict[str, Any]) -> SecurityKeys:
    """EK (named "EK(GUEK)" or "EK") and AK from a vector's inputs."""
    inputs = v["inputs"]
    ek = inputs.get("EK(GUEK)", inputs.get("EK"))
    ak = inputs.get("AK")
    return SecurityKeys(encryption_key=hexbytes(ek),
                        authentication_key=hexbytes(ak) if ak else None)


def assert_no_key_material(text: str, *keys: bytes | None) -> None:
    """No key appears in ``text`` as hex (either case) or as a bytes repr."""
    lowered = text.lower()
    for key in keys:
        if key is None:
            continue
        assert key.hex() not in lowered, f"key hex leaked into: {text!r}"
        assert repr(key)[2:-1] not in text, f"key bytes leaked into: {text!r}"
