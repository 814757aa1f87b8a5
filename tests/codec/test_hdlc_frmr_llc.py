"""FRMR information field and the LLC header."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.hdlc import (
    LLC_REQUEST,
    LLC_RESPONSE,
    FrmrInformation,
    HdlcControl,
    HdlcFrameType,
    LlcHeader,
    add_llc,
    recognise_llc,
    strip_llc,
)
from conformance.errors import CodecError, IncompleteError

# -- FRMR -------------------------------------------------------------------------------------


def test_frmr_layout() -> None:
    # Rejected REJ (0x09, undefined in IEC 62056-46): W; V(S)=3, V(R)=5, C/R=0.
    info = FrmrInformation(rejected_control=0x09, send_state=3, receive_state=5, w=True)
    assert info.to_bytes() == bytes((0x09, (5 << 5) | (3 << 1), 0x01))
    assert FrmrInformation.decode(info.to_bytes()) == info
    assert info.rejected is None  # not a frame type of IEC 62056-46


def test_frmr_flags_and_rejected_control() -> None:
    data = bytes((0x32, 0xFE, 0x1F))
    info = FrmrInformation.decode(data)
    assert (info.send_state, info.receive_state, info.rejected_was_response) == (7, 7, True)
    assert (info.w, info.x, info.y, info.z, info.v) == (True,) * 5
    assert info.rejected == HdlcControl.i_frame(1, 1)
    assert info.rejected is not None and info.rejected.frame_type is HdlcFrameType.I
    assert info.to_bytes() == data


@pytest.mark.parametrize(("data", "path", "offset"), [
    (bytes((0x10, 0x01, 0x00)), "FrmrInformation.state_variables", 1),
    (bytes((0x10, 0x00, 0x20)), "FrmrInformation.reason", 2),
    (bytes((0x10, 0x00, 0x00, 0x00)), "FrmrInformation", 3),
])
def test_frmr_malformed(data: bytes, path: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        FrmrInformation.decode(data)
    assert info.value.path == path and info.value.offset == offset


def test_frmr_truncated() -> None:
    for cut in range(3):
        with pytest.raises(IncompleteError):
            FrmrInformation.decode(bytes((0x10, 0x00, 0x00))[:cut])


@pytest.mark.parametrize("kwargs", [{"rejected_control": 256, "send_state": 0, "receive_state": 0},
                                    {"rejected_control": 0, "send_state": 8, "receive_state": 0},
                                    {"rejected_control": 0, "send_state": 0, "receive_state": -1}])
def test_frmr_unwritable(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        FrmrInformation(**kwargs)


@given(st.builds(FrmrInformation, rejected_control=st.integers(0, 255),
                 send_state=st.integers(0, 7), receive_state=st.integers(0, 7),
                 rejected_was_response=st.booleans(), w=st.booleans(), x=st.booleans(),
                 y=st.booleans(), z=st.booleans(), v=st.booleans()))
def test_frmr_round_trip(info: FrmrInformation) -> None:
    assert FrmrInformation.decode(info.to_bytes()) == info


# -- LLC --------------------------------------------------------------------------------------


def test_llc_constants() -> None:
    assert LLC_REQUEST == bytes.fromhex("E6E600") == LlcHeader.REQUEST.value
    assert LLC_RESPONSE == bytes.fromhex("E6E700") == LlcHeader.RESPONSE.value


def test_add_recognise_strip() -> None:
    apdu = bytes.fromhex("C001C100070700636300FF0400")
    info = add_llc(apdu, LlcHeader.REQUEST)
    assert info == LLC_REQUEST + apdu
    assert recognise_llc(info) is LlcHeader.REQUEST
    assert strip_llc(info) == (LlcHeader.REQUEST, apdu)
    assert strip_llc(info, LlcHeader.REQUEST) == (LlcHeader.REQUEST, apdu)
    resp = add_llc(b"\xc4", LlcHeader.RESPONSE)
    assert recognise_llc(resp) is LlcHeader.RESPONSE
    assert strip_llc(resp) == (LlcHeader.RESPONSE, b"\xc4")
    assert strip_llc(LLC_RESPONSE) == (LlcHeader.RESPONSE, b"")


def test_missing_llc_header_is_recognised_and_reported() -> None:
    aarq = bytes.fromhex("601DA109060760857405080101")
    assert recognise_llc(aarq) is None
    assert recognise_llc(b"\xe6") is None
    with pytest.raises(CodecError) as info:
        strip_llc(aarq)
    assert info.value.path == "LLC.destination_lsap" and info.value.offset == 0
    assert "missing" in info.value.message


@pytest.mark.parametrize(("data", "path", "offset"), [
    (bytes.fromhex("E6E500C0"), "LLC.source_lsap", 1),
    (bytes.fromhex("E6E601C0"), "LLC.quality", 2),
])
def test_malformed_llc(data: bytes, path: str, offset: int) -> None:
    assert recognise_llc(data) is None
    with pytest.raises(CodecError) as info:
        strip_llc(data)
    assert info.value.path == path and info.value.offset == offset


def test_wrong_direction() -> None:
    with pytest.raises(CodecError) as info:
        strip_llc(LLC_REQUEST + b"\x61", LlcHeader.RESPONSE)
    assert info.value.path == "LLC.source_lsap" and "request" in info.value.message


def test_truncated_llc() -> None:
    for cut in range(3):
        with pytest.raises(IncompleteError):
            strip_llc(LLC_REQUEST[:cut])
