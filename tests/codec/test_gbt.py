"""General-Block-Transfer (0xE0): shared vectors, length forms, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.apdu_base import registered_tags
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.get import GetResponseWithDatablock
from conformance.errors import CodecError, IncompleteError
from tests.codec.test_descriptors import (
    assert_malformed_prefixes_and_trailer,
    assert_round_trip,
    decode_whole,
    raw_and_form,
)
from tests.vectors import by_category, hexbytes

VECTORS = by_category("GBT (general-block-transfer)")


def _frames() -> list[tuple[str, dict[str, Any], bytes]]:
    """(id, expected, bytes) for every frame of every GBT vector."""
    out = []
    for v in VECTORS:
        if isinstance(v["hex"], list):
            # Multi-frame vector: one expected entry per frame, in order.
            for (name, exp), text in zip(v["expected"].items(), v["hex"], strict=True):
                out.append((f"{v['id']}:{name}", exp, hexbytes(text)))
        else:
            out.append((v["id"], v["expected"], hexbytes(v["hex"])))
    return out


FRAMES = _frames()


def test_vector_category_present() -> None:
    assert len(VECTORS) == 2 and len(FRAMES) == 3
    assert 0xE0 in registered_tags()


@pytest.mark.parametrize(("name", "exp", "data"), FRAMES, ids=[f[0] for f in FRAMES])
def test_vectors(name: str, exp: dict[str, Any], data: bytes) -> None:
    apdu = decode_whole(data)
    assert exp["apdu"] == "GeneralBlockTransfer" and isinstance(apdu, GeneralBlockTransfer)
    assert apdu.last_block is exp["last_block"]
    assert apdu.streaming is exp["streaming"]
    assert apdu.window == exp["window"]
    assert apdu.block_number == exp["block_number"]
    assert apdu.block_number_ack == exp["block_number_ack"]
    assert apdu.block_data.hex().upper() == exp["block_data"]
    assert apdu.to_bytes() == data


@pytest.mark.parametrize(("name", "exp", "data"), FRAMES, ids=[f[0] for f in FRAMES])
def test_vector_truncations_and_trailing_bytes(name: str, exp: dict[str, Any],
                                               data: bytes) -> None:
    assert_malformed_prefixes_and_trailer(data)


def test_non_minimal_length_form_is_kept() -> None:
    apdu = decode_whole(hexbytes(VECTORS[1]["hex"]))
    assert isinstance(apdu, GeneralBlockTransfer)
    assert apdu.block_data_length_octets == 2  # 82 00 0A although 0A would do
    minimal = GeneralBlockTransfer(last_block=False, streaming=False, window=5,
                                   block_number=1, block_number_ack=0,
                                   block_data=apdu.block_data)
    assert minimal.to_bytes().hex().upper() == ("E0" "05" "0001" "0000" "0A"
                                              + apdu.block_data.hex().upper())


def test_block_data_carries_the_start_of_an_apdu() -> None:
    apdu = decode_whole(hexbytes(VECTORS[1]["hex"]))
    assert isinstance(apdu, GeneralBlockTransfer)
    assert apdu.block_data[0] == GetResponseWithDatablock.TAG


def test_block_control_bits() -> None:
    apdu = GeneralBlockTransfer(last_block=True, streaming=True, window=63, block_number=0xFFFF,
                                block_number_ack=0x1234, block_data=b"\x01")
    assert apdu.block_control == 0xFF
    assert apdu.to_bytes().hex() == "e0" "ff" "ffff" "1234" "01" "01"
    assert_round_trip(apdu)
    with pytest.raises(ValueError):
        GeneralBlockTransfer(last_block=False, streaming=False, window=64, block_number=1,
                             block_number_ack=0)


def test_length_override_is_sent_as_given() -> None:
    apdu = GeneralBlockTransfer(last_block=True, streaming=False, window=1, block_number=1,
                                block_number_ack=0, block_data=b"\xC4\x01",
                                block_data_length=4)
    data = apdu.to_bytes()
    assert data.hex() == "e0" "81" "0001" "0000" "04" "c401"
    with pytest.raises(IncompleteError) as info:
        decode_whole(data)
    assert info.value.path == "GeneralBlockTransfer.block_data"
    assert info.value.offset == 7


def test_indefinite_length_rejected() -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex("E0810001000080"))
    assert info.value.path == "GeneralBlockTransfer.block_data"
    assert info.value.offset == 6


@st.composite
def gbts(draw: st.DrawFn) -> GeneralBlockTransfer:
    data, octets = draw(raw_and_form(max_size=400))
    u16 = st.integers(0, 0xFFFF)
    return GeneralBlockTransfer(last_block=draw(st.booleans()), streaming=draw(st.booleans()),
                                window=draw(st.integers(0, 63)), block_number=draw(u16),
                                block_number_ack=draw(u16), block_data=data,
                                block_data_length_octets=octets)


@given(gbts())
def test_round_trip(apdu: GeneralBlockTransfer) -> None:
    assert_round_trip(apdu)


@settings(max_examples=20)
@given(gbts())
def test_generated_truncations(apdu: GeneralBlockTransfer) -> None:
    assert_malformed_prefixes_and_trailer(apdu.to_bytes())
