"""HDLC frames: explicit overrides of computed fields, precise errors, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.crc import fcs16, fcs16_bytes
from conformance.codec.hdlc import (
    FLAG,
    MAX_FRAME_LENGTH,
    HdlcAddress,
    HdlcControl,
    HdlcFrame,
    HdlcFrameType,
)
from conformance.errors import ChecksumError, CodecError, IncompleteError
from tests.codec.test_hdlc_address import addresses
from tests.codec.test_hdlc_control import controls

SERVER = HdlcAddress.server(1, 17)
CLIENT = HdlcAddress.client(0x10)
SNRM = HdlcFrame(destination=SERVER, source=CLIENT,
                 control=HdlcControl(frame_type=HdlcFrameType.SNRM))
AARE_HEX = ("7EA0382102233034E7E6E7006129A109060760857405080101A203020100A305A103020100BE1004"
            "0E0800065F1F0400001E1D04C80007B86A7E")


def i_frame(info: bytes, **kwargs: object) -> HdlcFrame:
    return HdlcFrame(destination=SERVER, source=CLIENT, control=HdlcControl.i_frame(0, 0),
                     information=info, **kwargs)  # type: ignore[arg-type]


def test_snrm_matches_the_vector_bytes() -> None:
    assert SNRM.to_bytes() == bytes.fromhex("7EA00802232193BD647E")
    assert SNRM.to_bytes(flags=False) == bytes.fromhex("A00802232193BD64")
    assert SNRM.computed_length == 8 and SNRM.header_length == 6


def test_length_override_is_sent_as_given() -> None:
    data = SNRM.to_bytes(flags=False)
    broken = HdlcFrame(destination=SERVER, source=CLIENT, control=SNRM.control, length=9)
    out = broken.to_bytes(flags=False)
    assert out[:2] == b"\xa0\x09"
    assert out[2:-2] == data[2:-2]
    assert out[-2:] == fcs16_bytes(out[:-2])  # FCS computed over what is sent
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(out)
    assert info.value.path == "HdlcFrame.format"
    assert "(the FCS is valid" in info.value.message


def test_format_type_and_segmentation_bit() -> None:
    seg = i_frame(b"\x01\x02", segmented=True)
    assert seg.to_bytes(flags=False)[0] == 0xA8
    assert HdlcFrame.decode(seg.to_bytes()) == seg
    odd = i_frame(b"\x01\x02", format_type=0x9)
    data = odd.to_bytes(flags=False)
    assert data[0] >> 4 == 0x9
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(data)
    assert info.value.path == "HdlcFrame.format" and "0x9" in info.value.message


def test_hcs_and_fcs_overrides() -> None:
    frame = i_frame(b"\xc0\x01")
    good = frame.to_bytes(flags=False)
    header = frame.header_length
    bad_hcs = i_frame(b"\xc0\x01", hcs=0x1234).to_bytes(flags=False)
    assert bad_hcs[header:header + 2] == b"\x34\x12"
    assert bad_hcs[-2:] == fcs16_bytes(bad_hcs[:-2])  # FCS still computed
    bad_fcs = i_frame(b"\xc0\x01", fcs=0xBEEF).to_bytes(flags=False)
    assert bad_fcs[:-2] == good[:-2] and bad_fcs[-2:] == b"\xef\xbe"


def test_wrong_hcs_is_a_checksum_error_naming_it() -> None:
    frame = i_frame(b"\xc0\x01", hcs=0x1234)
    data = frame.to_bytes()
    with pytest.raises(ChecksumError) as info:
        HdlcFrame.decode(data)
    err = info.value
    assert err.path == "HdlcFrame.hcs"
    assert err.offset == 1 + frame.header_length  # position in the flagged input
    calc = fcs16(data[1:1 + frame.header_length])
    assert "34 12" in err.message and f"{calc & 0xFF:02X} {calc >> 8:02X}" in err.message


def test_wrong_fcs_is_a_checksum_error_naming_it() -> None:
    data = bytearray(bytes.fromhex(AARE_HEX))
    data[-2] ^= 0xFF  # FCS high octet (B8 6A -> B8 95)
    with pytest.raises(ChecksumError) as info:
        HdlcFrame.decode(bytes(data))
    err = info.value
    assert err.path == "HdlcFrame.fcs" and err.offset == len(data) - 3
    assert "B8 95" in err.message and "B8 6A" in err.message


def test_unchecked_decode_keeps_wrong_checksums_for_exact_reencoding() -> None:
    broken = i_frame(b"\xc0\x01\x7e", hcs=0x1111, fcs=0x2222)
    data = broken.to_bytes()
    with pytest.raises(ChecksumError):
        HdlcFrame.decode(data)
    decoded = HdlcFrame.decode(data, check_checksums=False)
    assert decoded == broken
    assert decoded.to_bytes() == data
    assert HdlcFrame.decode(SNRM.to_bytes(), check_checksums=False) == SNRM


def test_hcs_without_information_field() -> None:
    header = SNRM.to_bytes(flags=False)[:-2]
    header = bytes([0xA0, len(header) + 4]) + header[2:]
    with_hcs = header + fcs16_bytes(header)
    data = with_hcs + fcs16_bytes(with_hcs)
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(data)
    assert info.value.path == "HdlcFrame.hcs" and "no information field" in info.value.message
    # Two octets that are not a valid HCS: information without HCS, or a wrong HCS.
    odd = header + b"\x00\x00"
    data = odd + fcs16_bytes(odd)
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(data)
    assert info.value.path == "HdlcFrame.hcs" and not isinstance(info.value, ChecksumError)
    with pytest.raises(ValueError):
        HdlcFrame(destination=SERVER, source=CLIENT, control=SNRM.control, hcs=0)


def test_single_octet_between_control_and_fcs() -> None:
    body = bytes([0xA0, 0x09]) + SNRM.to_bytes(flags=False)[2:-2] + b"\x00"
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(body + fcs16_bytes(body))
    assert info.value.path == "HdlcFrame.hcs"


def test_header_longer_than_the_frame() -> None:
    # Length 7 but the destination address runs on: the header does not fit.
    body = bytes([0xA0, 0x07, 0x00, 0x02, 0x00])
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(body + fcs16_bytes(body))
    assert not isinstance(info.value, IncompleteError)
    assert info.value.path == "HdlcFrame.destination"


def test_length_below_minimum() -> None:
    body = bytes([0xA0, 0x06, 0x03, 0x21])
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(body + fcs16_bytes(body))
    assert info.value.path == "HdlcFrame.format" and "minimum" in info.value.message


def test_unknown_control_field() -> None:
    frame = HdlcFrame(destination=SERVER, source=CLIENT, control=SNRM.control, raw_control=0x09)
    data = frame.to_bytes(flags=False)
    assert data[5] == 0x09
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(data)
    assert info.value.path == "HdlcFrame.control" and info.value.offset == 5
    assert "REJ" in info.value.message


def test_flags_must_come_in_pairs() -> None:
    data = SNRM.to_bytes()
    with pytest.raises(IncompleteError) as info:
        HdlcFrame.decode(data[:-1])
    assert info.value.path == "HdlcFrame.closing_flag"
    with pytest.raises(CodecError):
        HdlcFrame.decode(data[1:])  # closing flag without opening flag: trailing octet


def test_truncated_unflagged_frame_is_incomplete() -> None:
    data = bytes.fromhex(AARE_HEX)[1:-1]
    with pytest.raises(IncompleteError) as info:
        HdlcFrame.decode(data[:-5])
    assert info.value.path == "HdlcFrame.format" and info.value.offset == 0


def test_flag_octets_inside_the_frame_are_data() -> None:
    frame = i_frame(bytes([FLAG]) * 5 + b"\x00" + bytes([FLAG]))
    assert HdlcFrame.decode(frame.to_bytes()) == frame
    assert HdlcFrame.decode(frame.to_bytes(flags=False)) == frame


def test_too_long_frame() -> None:
    info_max = MAX_FRAME_LENGTH - 6 - 4
    assert len(i_frame(b"\x00" * info_max).to_bytes(flags=False)) == MAX_FRAME_LENGTH
    with pytest.raises(ValueError):
        i_frame(b"\x00" * (info_max + 1)).to_bytes()
    # An explicit length lets a check send it anyway.
    data = i_frame(b"\x00" * (info_max + 1), length=MAX_FRAME_LENGTH).to_bytes(flags=False)
    assert len(data) == MAX_FRAME_LENGTH + 1 and data[:2] == b"\xa7\xff"


@pytest.mark.parametrize("kwargs", [{"length": 0x800}, {"length": -1}, {"format_type": 16},
                                    {"fcs": 0x10000}, {"hcs": -1}, {"raw_control": 256}])
def test_unwritable_values_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        i_frame(b"\x01", **kwargs)


def test_information_is_stored_as_bytes() -> None:
    frame = i_frame(bytearray(b"\x01\x02"))  # type: ignore[arg-type]
    assert type(frame.information) is bytes
    assert hash(frame) == hash(i_frame(b"\x01\x02"))


frames = st.builds(
    HdlcFrame, destination=addresses, source=addresses, control=controls,
    information=st.binary(max_size=300), segmented=st.booleans())


@given(frames)
def test_round_trip(frame: HdlcFrame) -> None:
    flagged = frame.to_bytes()
    assert flagged[0] == flagged[-1] == FLAG
    assert HdlcFrame.decode(flagged) == frame
    bare = frame.to_bytes(flags=False)
    assert bare == flagged[1:-1]
    assert HdlcFrame.decode(bare) == frame
    assert ((bare[0] & 7) << 8 | bare[1]) == len(bare) == frame.computed_length


@given(frames, st.data())
def test_every_truncation_raises_a_codec_error(frame: HdlcFrame, data: st.DataObject) -> None:
    encoded = frame.to_bytes(flags=data.draw(st.booleans()))
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(CodecError):
        HdlcFrame.decode(encoded[:cut])


@given(st.binary(max_size=40))
def test_arbitrary_octets_decode_exactly_or_raise_codec_error(data: bytes) -> None:
    for candidate in (data, bytes([0xA0, len(data) + 2]) + data, bytes([FLAG]) + data):
        try:
            frame = HdlcFrame.decode(candidate)
        except CodecError:
            continue
        assert frame.to_bytes(flags=candidate[0] == FLAG) == candidate
