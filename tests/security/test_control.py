"""The security control byte and the suites."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.errors import SecurityError
from conformance.security import SecurityControl, SecuritySuite, suite_parameters


@given(st.integers(0, 255))
def test_every_byte_round_trips(value: int) -> None:
    sc = SecurityControl.from_byte(value)
    assert sc.to_byte() == value
    assert sc.security_suite_id == value & 0x0F
    assert (sc.authentication, sc.encryption, sc.broadcast_key, sc.compression) == (
        bool(value & 0x10), bool(value & 0x20), bool(value & 0x40), bool(value & 0x80))


@pytest.mark.parametrize("value,text", [
    (0x00, "SC 0x00 (suite 0, no protection)"),
    (0x10, "SC 0x10 (suite 0, authentication)"),
    (0x20, "SC 0x20 (suite 0, encryption)"),
    (0x31, "SC 0x31 (suite 1, authenticated encryption)"),
    (0x72, "SC 0x72 (suite 2, authenticated encryption, broadcast key)"),
    (0xA0, "SC 0xA0 (suite 0, encryption, compressed)"),
])
def test_readable_form(value: int, text: str) -> None:
    assert str(SecurityControl.from_byte(value)) == text


def test_invalid_values() -> None:
    with pytest.raises(ValueError):
        SecurityControl.from_byte(256)
    with pytest.raises(ValueError):
        SecurityControl(security_suite_id=16)


def test_suites() -> None:
    s0, s1, s2 = (suite_parameters(i) for i in range(3))
    assert (s0.key_length, s1.key_length, s2.key_length) == (16, 16, 32)
    assert (s0.cipher_name, s1.cipher_name, s2.cipher_name) == (
        "AES-GCM-128", "AES-GCM-128", "AES-GCM-256")
    assert (s1.curve_name, s1.hash_name, s1.coordinate_length) == ("P-256", "SHA-256", 32)
    assert (s2.curve_name, s2.hash_name, s2.coordinate_length) == ("P-384", "SHA-384", 48)
    assert s1.curve().name == "secp256r1" and s2.curve().name == "secp384r1"
    assert s1.hash().name == "sha256" and s2.hash().name == "sha384"
    assert not s0.has_public_key_algorithms and s2.has_public_key_algorithms
    assert s2.suite is SecuritySuite.SUITE_2
    with pytest.raises(SecurityError, match="no elliptic curve"):
        s0.curve()
    with pytest.raises(SecurityError, match="no hash"):
        s0.hash()
    with pytest.raises(SecurityError, match="security suite 3 is not defined"):
        suite_parameters(3)
    assert SecurityControl.from_byte(0x32).suite() == s2
