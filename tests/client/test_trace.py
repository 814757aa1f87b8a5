"""The trace recorder: frames and APDUs found in the byte streams (whole, byte by byte),
deciphering, secrets masked (even split across frames), JSON lines, clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.client.trace import Direction, EntryKind, TraceRecorder
from conformance.codec.hdlc import HdlcAddress, HdlcControl, HdlcFrame
from conformance.codec.wrapper import WrapperFrame
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.security import SecurityKeys
from conformance.transport import Framing
from tests.vectors import hexbytes, vector

CLIENT = HdlcAddress.client(0x10)
SERVER = HdlcAddress.server(1, 17, size=4)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


def _flagged(hex_frame: str) -> bytes:
    return b"\x7e" + hexbytes(hex_frame) + b"\x7e"


def _i_frames(info: bytes, size: int, *, first_ns: int = 0) -> list[bytes]:
    """``info`` (LLC + APDU) in client I frames of at most ``size`` octets."""
    parts = [info[i:i + size] for i in range(0, len(info), size)]
    return [HdlcFrame(destination=SERVER, source=CLIENT,
                      control=HdlcControl.i_frame((first_ns + n) % 8, 0),
                      information=part, segmented=n < len(parts) - 1).to_bytes()
            for n, part in enumerate(parts)]


def _jdlms_session(recorder: TraceRecorder, frames: list[str], *, byte_by_byte: bool) -> None:
    for n, frame in enumerate(frames):
        data = _flagged(frame)
        record = recorder.sent if n % 2 == 0 else recorder.received
        for piece in ([data[i:i + 1] for i in range(len(data))] if byte_by_byte else [data]):
            record(piece)


@pytest.mark.parametrize("byte_by_byte", [False, True])
def test_jdlms_session_frames_and_apdus(byte_by_byte: bool) -> None:
    # The vector holds two sessions: SNRM/UA/AARQ/AARE, then GET/SET traffic of another
    # link whose first I frames carry N(S)=2 (the recorder follows a link it joins late).
    frames = vector("hdlc-fcs-26-frame-session-jdlms")["hex"]
    first, second = TraceRecorder(framing=Framing.HDLC), TraceRecorder(framing=Framing.HDLC)
    _jdlms_session(first, frames[:4], byte_by_byte=byte_by_byte)
    _jdlms_session(second, frames[4:], byte_by_byte=byte_by_byte)
    assert [f.info["frame"]["type"] for f in first.frames()] == ["SNRM", "UA", "I", "I"]
    assert first.frames()[1].info["frame"]["parameters"]["window_size_transmit"] == 1
    assert len(second.frames()) == 22
    apdus = first.apdus() + second.apdus()
    types = [a.info["apdu"]["type"] for a in apdus]
    assert types[:2] == ["AARQ", "AARE"]
    assert types[2:] == ["GetRequestNormal", "GetResponseNormal", "GetRequestNormal",
                         "GetResponseNormal", "SetRequestNormal", "SetResponseNormal"] + [
        "GetRequestNormal", "GetResponseNormal", "SetRequestNormal", "SetResponseNormal"] + [
        "GetRequestNormal", "GetResponseNormal"] * 6
    assert apdus[0].info["user_information"]["type"] == "InitiateRequest"
    assert apdus[0].direction is Direction.SENT and apdus[1].direction is Direction.RECEIVED
    assert all(a.info["llc"] == ("request" if a.direction is Direction.SENT else "response")
               for a in apdus)
    # Every frame entry carries the exact octets between the flags, with its stream offset.
    sent = b"".join(_flagged(f) for f in frames[4::2])
    for frame in second.frames(Direction.SENT):
        assert frame.offset is not None
        assert sent[frame.offset:frame.offset + len(frame.data)] == frame.data


def test_segmented_apdu_reassembled_and_spans() -> None:
    apdu = bytes.fromhex(vector("aarq-ln-lls-real-ek280")["hex"])
    recorder = TraceRecorder(framing=Framing.HDLC)
    for frame in _i_frames(b"\xe6\xe6\x00" + apdu, 20):
        recorder.sent(frame)
    entries = recorder.apdus()
    assert len(entries) == 1 and entries[0].data == apdu
    segments = [f.info.get("segment") for f in recorder.frames()]
    assert len(apdu) + 3 == 59  # three segments of at most 20 octets
    assert segments == ["first", "middle", "last"]
    assert sum(length for _, _, length in entries[0].spans) == len(apdu)


def test_repeated_i_frame_shown_not_reassembled_twice() -> None:
    recorder = TraceRecorder(framing=Framing.HDLC)
    frame = _i_frames(bytes.fromhex("E6E600C0018100080000010000FF0200"), 128)[0]
    recorder.sent(frame)
    recorder.sent(frame)  # a retransmission with the same N(S)
    assert len(recorder.apdus()) == 1
    assert "not reassembled" in recorder.frames()[1].info["sequence"]


def test_missing_llc_header_is_flagged() -> None:
    recorder = TraceRecorder(framing=Framing.HDLC)
    recorder.sent(_i_frames(bytes.fromhex("C0018100080000010000FF0200"), 128)[0])
    (entry,) = recorder.apdus()
    assert entry.info["llc"] is None and "no LLC header" in entry.info["warning"]
    assert entry.info["apdu"]["type"] == "GetRequestNormal"


def test_corrupted_frame_is_discarded_with_reason() -> None:
    data = bytearray(_flagged(vector("hdlc-fcs-26-frame-session-jdlms")["hex"][4]))
    data[-3] ^= 0xFF  # inside the FCS
    recorder = TraceRecorder(framing=Framing.HDLC)
    recorder.received(bytes(data))
    kinds = [e.kind for e in recorder.entries]
    assert EntryKind.DISCARDED in kinds and EntryKind.APDU not in kinds
    discarded = next(e for e in recorder.entries if e.kind is EntryKind.DISCARDED)
    assert discarded.info["error"]["kind"] == "ChecksumError"


@pytest.mark.parametrize("vector_id", ["wrapper-aare-qos", "wrapper-header-jdlms-v0001"])
def test_wrapper_frames(vector_id: str) -> None:
    data = hexbytes(vector(vector_id)["hex"])
    recorder = TraceRecorder(framing=Framing.WRAPPER)
    for i in range(len(data)):
        recorder.received(data[i:i + 1])
    (frame,) = recorder.frames()
    assert frame.info["wrapper"]["version"] == 1 and frame.data == data
    (apdu,) = recorder.apdus()
    assert apdu.data == data[8:] and apdu.spans == ((0, 8, len(data) - 8),)


def test_wrapper_with_illegal_version_is_discarded() -> None:
    recorder = TraceRecorder(framing=Framing.WRAPPER)
    recorder.received(hexbytes(vector("wrapper-header-jdlms-v1001")["hex"]))
    assert [e.kind for e in recorder.entries] == [EntryKind.BYTES, EntryKind.DISCARDED]


def test_gbt_blocks_reassembled_into_the_carried_apdu() -> None:
    response = bytes.fromhex("C401C1000600003039")
    blocks = [GeneralBlockTransfer(last_block=n == 2, streaming=False, window=1,
                                   block_number=n + 1, block_number_ack=0,
                                   block_data=response[n * 4:(n + 1) * 4]).to_bytes()
              for n in range(3)]
    recorder = TraceRecorder(framing=Framing.WRAPPER)
    for block in blocks:
        recorder.received(WrapperFrame(source_wport=1, destination_wport=16,
                                       apdu=block).to_bytes())
    apdus = recorder.apdus()
    assert [a.layer for a in apdus] == ["wrapper"] * 3 + ["gbt"]
    assert apdus[-1].data == response and apdus[-1].info["gbt_blocks"] == 3
    assert apdus[-1].info["apdu"]["result"]["value"] == 12345


def test_lls_password_split_across_frames_is_masked_everywhere(tmp_path: Path) -> None:
    v = vector("aarq-ln-lls-real-ek280")
    apdu = hexbytes(v["hex"])
    password = v["expected"]["authentication_value"]
    at = apdu.index(bytes.fromhex(password))
    size = at + 3 + 3  # the LLC header, then the AARQ cut after the third password octet
    recorder = TraceRecorder(framing=Framing.HDLC)
    frames = _i_frames(b"\xe6\xe6\x00" + apdu, size)
    for frame in frames:
        for i in range(0, len(frame), 7):  # chunks cutting through the password too
            recorder.sent(frame[i:i + 7])
    path = tmp_path / "trace.jsonl"
    recorder.to_jsonl(path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    text = path.read_text()
    assert password not in text
    frame_hex = [e["hex"] for e in lines if e["kind"] == "frame"]
    assert [h.count("**") for h in frame_hex][:2] == [3, 5]  # split over two frames
    # The octets are masked where they were: 8 masked octets over the byte chunks.
    masked = "".join(e["hex"] for e in lines if e["kind"] == "bytes")
    assert masked.count("**") == 8
    apdu_entry = next(e for e in lines if e["kind"] == "apdu")
    assert apdu_entry["calling_authentication_value"] == "<password, 8 octets>"
    assert apdu_entry["hex"].count("**") == 8
    # The real octets stay available in memory for checks (never printed).
    assert recorder.apdus()[0].data == apdu
    assert password not in repr(recorder.entries)


def test_ciphered_aarq_deciphered_dedicated_key_and_keys_masked() -> None:
    v = vector("aarq-ln-ciphering-lls-glo-initiate")
    keys = SecurityKeys(encryption_key=hexbytes(v["inputs"]["EK(GUEK)"]),
                        authentication_key=hexbytes(v["inputs"]["AK"]))
    recorder = TraceRecorder(framing=Framing.HDLC)
    recorder.set_keys(keys)
    recorder.sent(_i_frames(b"\xe6\xe6\x00" + hexbytes(v["hex"]), 128)[0])
    (entry,) = recorder.to_dicts()[-1:]
    plaintext = v["expected"]["decrypted_user_information"]
    dedicated = plaintext[6:38]
    assert entry["plaintext"] == plaintext.replace(dedicated, "**" * 16)
    deciphered = entry["user_information"]["deciphered"]
    assert deciphered["type"] == "InitiateRequest"
    assert deciphered["dedicated_key"] == "<dedicated key, 16 octets>"
    text = json.dumps(recorder.to_dicts())
    for secret in (dedicated, v["inputs"]["EK(GUEK)"], v["inputs"]["AK"], "3132333435363738"):
        assert secret not in text
    assert recorder.apdus()[0].plaintext == hexbytes(plaintext)


def test_without_keys_ciphered_content_is_not_deciphered() -> None:
    v = vector("aarq-ln-ciphering-lls-glo-initiate")
    recorder = TraceRecorder(framing=Framing.HDLC)
    recorder.sent(_i_frames(b"\xe6\xe6\x00" + hexbytes(v["hex"]), 128)[0])
    entry = recorder.to_dicts()[-1]
    assert entry["user_information"]["deciphered"] == {"note": "not deciphered: no keys"}
    assert "plaintext" not in entry


def test_configured_secret_masked_in_undecodable_bytes() -> None:
    recorder = TraceRecorder(framing=Framing.HDLC, secrets=[b"sesame-42"])
    recorder.sent(b"garbage sesame-42 garbage")
    out = recorder.to_dicts()
    assert b"sesame-42".hex().upper() not in json.dumps(out)
    assert out[0]["hex"].count("**") == 9


def test_unframed_octets_and_offsets_after_sign_on() -> None:
    recorder = TraceRecorder(framing=Framing.HDLC)
    recorder.sent(b"/?!\r\n", framed=False)
    recorder.sent(_flagged(vector("hdlc-fcs-26-frame-session-jdlms")["hex"][0]))
    entries = recorder.entries
    assert entries[0].layer == "iec62056-21" and entries[1].layer == "hdlc"
    (frame,) = recorder.frames()
    assert frame.offset == 6  # five sign-on octets, then the opening flag


def test_notes_clock_marks_and_export() -> None:
    clock = Clock()
    recorder = TraceRecorder(framing=None, clock=clock)
    recorder.note("connect", transport="loopback")
    mark = recorder.mark()
    recorder.sent(b"\x01\x02")
    out = recorder.to_dicts()
    assert out[0] == {"seq": 0, "time": 100.5, "elapsed": 0.0, "kind": "note",
                      "text": "connect", "transport": "loopback"}
    assert out[1]["time"] == 101.0 and out[1]["elapsed"] == 0.5
    assert recorder.to_dicts(mark) == out[1:]
    assert list(recorder) == out and len(recorder) == 2
    assert out[1]["kind"] == "bytes" and out[1]["hex"] == "0102"
