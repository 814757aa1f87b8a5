"""HDLC control field: every frame type, P/F, N(S), N(R); unknown control octets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.hdlc import HdlcControl, HdlcFrameType
from conformance.errors import CodecError

# The octets of dlms-notes (P/F set): SNRM 93, DISC 53, UA 73, DM 1F, FRMR 97, UI 13.
UNNUMBERED = {HdlcFrameType.SNRM: 0x93, HdlcFrameType.DISC: 0x53, HdlcFrameType.UA: 0x73,
              HdlcFrameType.DM: 0x1F, HdlcFrameType.FRMR: 0x97, HdlcFrameType.UI: 0x13}


@pytest.mark.parametrize(("frame_type", "octet"), UNNUMBERED.items())
def test_unnumbered_frames(frame_type: HdlcFrameType, octet: int) -> None:
    ctl = HdlcControl(frame_type=frame_type)
    assert ctl.to_byte() == octet
    assert HdlcControl.from_byte(octet) == ctl
    no_pf = HdlcControl(frame_type=frame_type, poll_final=False)
    assert no_pf.to_byte() == octet & ~0x10
    assert HdlcControl.from_byte(octet & ~0x10) == no_pf


def test_i_frame_layout() -> None:
    # RRR P SSS 0: N(R)=5, P=1, N(S)=5 -> 1011 1010 = BA (vector hdlc-iframe-get-4byte-dest-elster)
    ctl = HdlcControl.from_byte(0xBA)
    assert ctl == HdlcControl.i_frame(5, 5)
    assert (ctl.frame_type, ctl.send_seq, ctl.receive_seq, ctl.poll_final) == (
        HdlcFrameType.I, 5, 5, True)
    assert HdlcControl.i_frame(7, 0, poll_final=False).to_byte() == 0x0E
    assert HdlcControl.i_frame(0, 7, poll_final=False).to_byte() == 0xE0


@pytest.mark.parametrize(("frame_type", "low"), [(HdlcFrameType.RR, 0x1), (HdlcFrameType.RNR, 0x5)])
def test_supervisory_frames(frame_type: HdlcFrameType, low: int) -> None:
    for nr in range(8):
        for pf in (False, True):
            ctl = HdlcControl(frame_type=frame_type, poll_final=pf, receive_seq=nr)
            octet = (nr << 5) | (0x10 if pf else 0) | low
            assert ctl.to_byte() == octet
            assert HdlcControl.from_byte(octet) == ctl


def test_every_octet_decodes_or_is_refused() -> None:
    known = 0
    for octet in range(256):
        try:
            ctl = HdlcControl.from_byte(octet, offset=7, path="HdlcFrame.control")
        except CodecError as exc:
            assert exc.offset == 7 and exc.path == "HdlcFrame.control"
            assert f"0x{octet:02X}" in exc.message
            continue
        known += 1
        assert ctl.to_byte() == octet
    # 128 I + RR and RNR (8 N(R) x 2 P/F each) + 6 unnumbered x 2 (P/F)
    assert known == 128 + 2 * 16 + 6 * 2


@pytest.mark.parametrize(("octet", "name"), [(0x09, "REJ"), (0x0D, "SREJ"), (0x3F, "SABM"),
                                             (0xAF, "XID"), (0xF3, "TEST")])
def test_foreign_hdlc_frames_are_named(octet: int, name: str) -> None:
    with pytest.raises(CodecError) as info:
        HdlcControl.from_byte(octet)
    assert name in info.value.message


def test_out_of_range_value() -> None:
    with pytest.raises(CodecError):
        HdlcControl.from_byte(0x100)


@pytest.mark.parametrize("kwargs", [
    {"frame_type": HdlcFrameType.I},
    {"frame_type": HdlcFrameType.I, "send_seq": 8, "receive_seq": 0},
    {"frame_type": HdlcFrameType.I, "send_seq": 0, "receive_seq": -1},
    {"frame_type": HdlcFrameType.RR},
    {"frame_type": HdlcFrameType.RR, "receive_seq": 1, "send_seq": 1},
    {"frame_type": HdlcFrameType.SNRM, "receive_seq": 0},
    {"frame_type": HdlcFrameType.UA, "send_seq": 0},
])
def test_inconsistent_fields_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        HdlcControl(**kwargs)  # type: ignore[arg-type]


controls = st.one_of(
    st.builds(HdlcControl.i_frame, st.integers(0, 7), st.integers(0, 7), st.booleans()),
    st.builds(HdlcControl, frame_type=st.sampled_from([HdlcFrameType.RR, HdlcFrameType.RNR]),
              poll_final=st.booleans(), receive_seq=st.integers(0, 7)),
    st.builds(HdlcControl, frame_type=st.sampled_from(list(UNNUMBERED)),
              poll_final=st.booleans()),
)


@given(controls)
def test_round_trip(ctl: HdlcControl) -> None:
    assert HdlcControl.from_byte(ctl.to_byte()) == ctl
