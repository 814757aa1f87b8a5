"""Every shared vector of the HDLC categories, reproduced through the HDLC codec.

Categories: "HDLC frame incl. HCS/FCS", "HDLC frame incl. HCS/FCS (negative)" and "HDLC
SNRM/UA parameter negotiation". Each vector is dispatched on the shape of its ``expected``;
a vector of an unknown shape fails, so new vectors cannot be skipped silently.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.codec.crc import fcs16_bytes
from conformance.codec.hdlc import (
    FLAG,
    HdlcAddress,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
    LlcHeader,
    recognise_llc,
    strip_llc,
)
from conformance.errors import ChecksumError, CodecError, IncompleteError
from tests.vectors import by_category, hexbytes

CATEGORIES = ("HDLC frame incl. HCS/FCS", "HDLC SNRM/UA parameter negotiation")
VECTORS = by_category(*CATEGORIES)
SESSION_ID = "hdlc-fcs-26-frame-session-jdlms"


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["id"] for v in vectors]


def test_the_categories_are_present() -> None:
    ids = set(_ids(VECTORS))
    assert len(VECTORS) == 18
    assert {SESSION_ID, "hdlc-negative-length-field-mismatch", "hdlc-params-elster",
            "hdlc-params-zero-length-values", "hdlc-address-encodings"} <= ids


def check_address(addr: HdlcAddress, expected: dict[str, Any]) -> None:
    if "logical" in expected:
        assert addr.size == 1
        assert addr.upper == expected["logical"]
        assert addr.lower is None
    else:
        assert addr.upper == expected["upper"]
        assert addr.lower == expected["lower"]
    if "bytes" in expected:
        assert addr.to_bytes() == hexbytes(expected["bytes"])
        assert addr.size == len(hexbytes(expected["bytes"]))


def check_frame(frame: HdlcFrame, raw: bytes, exp: dict[str, Any]) -> None:
    """Assert every field of a vector's ``expected.hdlc`` against a decoded frame."""
    content = raw[1:-1] if raw[0] == FLAG else raw
    assert frame.segmented is exp["segmented"]
    assert frame.computed_length == exp["length"] == len(content)
    assert ((content[0] & 0x07) << 8 | content[1]) == exp["length"]
    check_address(frame.destination, exp["dest"])
    check_address(frame.source, exp["src"])
    assert frame.control.to_byte() == int(exp["control"], 16)
    assert frame.frame_type is HdlcFrameType[exp["type"]]
    assert frame.control.poll_final is bool(exp["pf"])
    if "ns" in exp:
        assert frame.control.send_seq == exp["ns"]
    if "nr" in exp:
        assert frame.control.receive_seq == exp["nr"]
    # decode() verifies both check sequences; verified ones are left as "computed" (None).
    assert exp["fcs_ok"] is True
    assert frame.fcs is None
    assert content[-2:] == fcs16_bytes(content[:-2])
    if exp["hcs_ok"] is None:
        assert frame.information == b""
        assert frame.hcs is None
    else:
        assert exp["hcs_ok"] is True
        assert frame.hcs is None
        header = frame.header_length
        assert content[header:header + 2] == fcs16_bytes(content[:header])
    assert frame.information == hexbytes(exp["info"])
    assert frame.length is None and frame.format_type is None


def _frame_vector(v: dict[str, Any]) -> None:
    raw = hexbytes(v["hex"])
    frame = HdlcFrame.decode(raw)
    check_frame(frame, raw, v["expected"]["hdlc"])
    flagged = raw[0] == FLAG
    assert frame.to_bytes(flags=flagged) == raw
    assert HdlcFrame.decode(frame.to_bytes(flags=not flagged)) == frame
    exp = v["expected"]
    if "llc" in exp:
        header, apdu = strip_llc(frame.information)
        assert header.value == hexbytes(exp["llc"])
        assert recognise_llc(frame.information) is header
        assert apdu == frame.information[3:]
        assert header is (LlcHeader.RESPONSE if exp["llc"] == "E6E700" else LlcHeader.REQUEST)
    if "parameters" in exp:
        params = HdlcParameters.decode(frame.information)
        _check_parameters(params, exp["parameters"], defaults_applied=True)
        assert params.to_bytes() == frame.information


def _check_parameters(params: HdlcParameters, exp: dict[str, Any], *,
                      defaults_applied: bool) -> None:
    pairs = (("max_info_tx", params.max_info_field_length_transmit,
              params.effective_max_info_field_length_transmit, 128),
             ("max_info_rx", params.max_info_field_length_receive,
              params.effective_max_info_field_length_receive, 128),
             ("window_tx", params.window_size_transmit, params.effective_window_size_transmit, 1),
             ("window_rx", params.window_size_receive, params.effective_window_size_receive, 1))
    for key, raw_value, effective, default in pairs:
        if defaults_applied:
            assert effective == exp[key], key
        else:
            assert raw_value == exp[key], key
            assert effective == (default if exp[key] is None else exp[key]), key


def _params_vector(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    params = HdlcParameters.decode(data)
    _check_parameters(params, v["expected"], defaults_applied=False)
    assert params.to_bytes() == data
    assert HdlcParameters.decode(params.to_bytes()) == params


def _address_vector(v: dict[str, Any]) -> None:
    assert sorted(v["hex"]) == sorted(v["expected"])
    for text in v["hex"]:
        data = hexbytes(text)
        addr = HdlcAddress.from_bytes(data)
        check_address(addr, {**v["expected"][text], "bytes": text})
        exp = v["expected"][text]
        rebuilt = (HdlcAddress.client(exp["logical"]) if "logical" in exp
                   else HdlcAddress.server(exp["upper"], exp["lower"], size=len(data)))
        assert rebuilt == addr
        assert rebuilt.to_bytes() == data


def _crc_vector(v: dict[str, Any]) -> None:
    assert fcs16_bytes(hexbytes(v["inputs"]["data"])) == hexbytes(v["expected"]["crc_wire_order"])
    assert hexbytes(v["hex"]) == hexbytes(v["expected"]["crc_wire_order"])


def _length_mismatch_vector(v: dict[str, Any]) -> None:
    raw = hexbytes(v["hex"])
    exp = v["expected"]
    assert exp["strict_decode"].startswith("fails")
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(raw)
    err = info.value
    assert not isinstance(err, (IncompleteError, ChecksumError))
    assert err.path == "HdlcFrame.format" and err.offset == 0
    assert "11" in err.message and "10" in err.message
    # With flags the same frame is rejected the same way (offset moves by the flag).
    with pytest.raises(CodecError) as info:
        HdlcFrame.decode(bytes([FLAG]) + raw + bytes([FLAG]))
    assert info.value.path == "HdlcFrame.format" and info.value.offset == 1
    assert not isinstance(info.value, (IncompleteError, ChecksumError))
    # The facts the vector states: FCS valid over the 8 preceding octets, physical 5481.
    assert fcs16_bytes(raw[:8]) == raw[8:] == hexbytes(exp["fcs_over_first_8_octets"])
    dest = HdlcAddress.from_bytes(raw[2:6])
    assert dest.size == 4 and dest.upper == 17
    assert dest.lower == exp["destination_physical_address"]


def _session_vector(v: dict[str, Any]) -> None:
    assert len(v["hex"]) == len(v["expected"]["frames"]) == 26
    for text, exp in zip(v["hex"], v["expected"]["frames"], strict=True):
        raw = hexbytes(text)
        assert raw == hexbytes(exp["frame"])
        frame = HdlcFrame.decode(raw)
        assert frame.frame_type is HdlcFrameType[exp["type"]]
        assert frame.destination.to_bytes() == hexbytes(exp["dest"])
        assert frame.source.to_bytes() == hexbytes(exp["src"])
        assert frame.control.to_byte() == int(exp["control"], 16)
        assert frame.information == hexbytes(exp["info"])
        assert frame.hcs is None and frame.fcs is None
        assert raw[-2:] == fcs16_bytes(raw[:-2])
        if frame.information:
            h = frame.header_length
            assert raw[h:h + 2] == fcs16_bytes(raw[:h])
        assert frame.to_bytes(flags=False) == raw
        assert frame.to_bytes() == bytes([FLAG]) + raw + bytes([FLAG])


def _dispatch(v: dict[str, Any]) -> None:
    exp = v["expected"]
    if "hdlc" in exp:
        _frame_vector(v)
    elif "frames" in exp:
        _session_vector(v)
    elif "crc_wire_order" in exp:
        _crc_vector(v)
    elif "max_info_tx" in exp:
        _params_vector(v)
    elif "strict_decode" in exp:
        _length_mismatch_vector(v)
    elif isinstance(v["hex"], list) and all(isinstance(e, dict) for e in exp.values()):
        _address_vector(v)
    else:
        pytest.fail(f"vector {v['id']} has a shape this test does not know: {sorted(exp)}")


@pytest.mark.parametrize("v", VECTORS, ids=_ids(VECTORS))
def test_vector(v: dict[str, Any]) -> None:
    _dispatch(v)


def _all_frames() -> list[tuple[str, bytes]]:
    out = []
    for v in VECTORS:
        if "hdlc" in v["expected"]:
            out.append((v["id"], hexbytes(v["hex"])))
        elif "frames" in v["expected"]:
            out.extend((f"{v['id']}[{i}]", hexbytes(h)) for i, h in enumerate(v["hex"]))
    return out


FRAMES = _all_frames()


@pytest.mark.parametrize(("name", "raw"), FRAMES, ids=[n for n, _ in FRAMES])
def test_every_truncation_is_a_codec_error(name: str, raw: bytes) -> None:
    for variant in (raw, raw[1:-1] if raw[0] == FLAG else bytes([FLAG]) + raw + bytes([FLAG])):
        for cut in range(len(variant)):
            with pytest.raises(CodecError):
                HdlcFrame.decode(variant[:cut])


@pytest.mark.parametrize(("name", "raw"), FRAMES, ids=[n for n, _ in FRAMES])
def test_every_single_octet_corruption_is_detected(name: str, raw: bytes) -> None:
    content = raw[1:-1] if raw[0] == FLAG else raw
    for i in range(len(content)):
        for delta in (0x01, 0x80, 0xFF):
            broken = bytearray(content)
            broken[i] ^= delta
            with pytest.raises(CodecError):
                HdlcFrame.decode(bytes(broken))


@pytest.mark.parametrize(("name", "raw"), FRAMES, ids=[n for n, _ in FRAMES])
def test_trailing_octets_are_rejected(name: str, raw: bytes) -> None:
    content = raw[1:-1] if raw[0] == FLAG else raw
    for extra in (b"\x00", b"\x7e", b"\x7e\x7e", b"\xa0\x07"):
        with pytest.raises(CodecError) as info:
            HdlcFrame.decode(content + extra)
        assert info.value.path == "HdlcFrame.format"
