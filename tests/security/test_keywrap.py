"""AES key wrap (RFC 3394) under the master key."""

from __future__ import annotations

import pytest

from conformance.errors import SecurityError
from conformance.security import KeyTransferId, SecretKey, suite_parameters, unwrap_key, wrap_key
from tests.security.helpers import assert_no_key_material
from tests.vectors import by_category, hexbytes, vector


def _kek(value: bytes) -> SecretKey:
    return SecretKey(name="master key (KEK)", value=value)


@pytest.mark.parametrize("vid,suite_id", [("keywrap-rfc3394-aes128", 0),
                                          ("keywrap-rfc3394-aes256", 2)])
def test_vectors(vid: str, suite_id: int) -> None:
    assert vid in {v["id"] for v in by_category("AES key wrap")}
    v = vector(vid)
    kek, key = _kek(hexbytes(v["inputs"]["KEK"])), hexbytes(v["inputs"]["key_data"])
    suite = suite_parameters(suite_id)
    wrapped = wrap_key(key, kek=kek, suite=suite)
    assert wrapped == hexbytes(v["hex"]) == hexbytes(v["expected"]["wrapped_key"])
    assert unwrap_key(wrapped, kek=kek, suite=suite) == hexbytes(v["expected"]["unwrap_returns"])
    assert unwrap_key(wrapped, kek=kek) == key


def test_wrong_kek_and_damaged_data() -> None:
    v = vector("keywrap-rfc3394-aes128")
    good = hexbytes(v["inputs"]["KEK"])
    wrapped = hexbytes(v["hex"])
    for kek, data in ((bytes(16), wrapped), (good, wrapped[:-1] + bytes((wrapped[-1] ^ 1,)))):
        with pytest.raises(SecurityError, match="integrity check failed with master key") as info:
            unwrap_key(data, kek=_kek(kek))
        assert_no_key_material(str(info.value), kek, hexbytes(v["inputs"]["key_data"]))


def test_length_refusals() -> None:
    kek = _kek(bytes(16))
    with pytest.raises(SecurityError, match="needs 32-byte keys"):
        wrap_key(bytes(16), kek=kek, suite=suite_parameters(2))
    with pytest.raises(SecurityError, match="the key to wrap is 32 bytes long"):
        wrap_key(bytes(32), kek=kek, suite=suite_parameters(1))
    with pytest.raises(SecurityError, match="8-byte blocks"):
        wrap_key(bytes(12), kek=kek)
    with pytest.raises(SecurityError, match="24 bytes or more"):
        unwrap_key(bytes(16), kek=kek)
    with pytest.raises(SecurityError, match="16- or 32-byte KEK"):
        wrap_key(bytes(16), kek=_kek(bytes(24)))


def test_key_transfer_ids() -> None:
    assert [int(k) for k in KeyTransferId] == [0, 1, 2, 3]
