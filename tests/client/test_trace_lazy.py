"""The trace recorder splits and decodes what it recorded only when the trace is read:
the entries and their JSON-lines export are those of a recorder read after every single
record (sessions against the reference meter: LLS, HLS-GMAC ciphered, a dedicated key,
an AARQ split over HDLC segments, the per-exchange limit), counting frames decodes
nothing, entries carry the time of their chunk, and no entry's view holds a secret."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.client import HdlcSettings, Session, SessionConfig, session_config
from conformance.client._view import ApduDecoder, DecodedApdu
from conformance.client.trace import Direction, EntryKind, FramesMark, TraceRecorder
from conformance.codec.hdlc import HdlcAddress, HdlcControl, HdlcFrame
from conformance.plan import MeterPlan, load_plan
from conformance.security import SecurityKeys
from conformance.simulator.server import RunningMeter, start_meter
from conformance.transport import Framing
from tests.vectors import hexbytes, vector

LOGICAL_DEVICE_NAME = "0.0.42.0.0.255"
LOAD_PROFILE = "1.0.99.1.0.255"
CLIENT = HdlcAddress.client(0x10)
SERVER = HdlcAddress.server(1, 17, size=4)


class Ticks:
    """A clock that moves one second per reading (each recorder gets its own)."""

    def __init__(self) -> None:
        self._count = itertools.count(1000)

    def __call__(self) -> float:
        return float(next(self._count))


class Eager(TraceRecorder):
    """Reads itself after every record: splits and decodes each chunk at once."""

    def sent(self, data: bytes, *, framed: bool = True) -> None:
        super().sent(data, framed=framed)
        len(self)

    def received(self, data: bytes, *, framed: bool = True) -> None:
        super().received(data, framed=framed)
        len(self)

    def note(self, text: str, **details: Any) -> None:
        super().note(text, **details)
        len(self)

    def begin_exchange(self, what: str) -> None:
        super().begin_exchange(what)
        len(self)

    def end_exchange(self) -> None:
        super().end_exchange()
        len(self)


class Tee(TraceRecorder):
    """A lazy recorder that also records everything into ``twin``."""

    def __init__(self, twin: TraceRecorder, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.twin = twin

    def set_framing(self, framing: Framing | None) -> None:
        super().set_framing(framing)
        self.twin.set_framing(framing)

    def set_keys(self, keys: SecurityKeys | None, *, client_system_title: bytes | None = None,
                 server_system_title: bytes | None = None) -> None:
        super().set_keys(keys, client_system_title=client_system_title,
                         server_system_title=server_system_title)
        self.twin.set_keys(keys, client_system_title=client_system_title,
                           server_system_title=server_system_title)

    def add_secret(self, value: bytes) -> None:
        super().add_secret(value)
        self.twin.add_secret(value)

    def sent(self, data: bytes, *, framed: bool = True) -> None:
        super().sent(data, framed=framed)
        self.twin.sent(data, framed=framed)

    def received(self, data: bytes, *, framed: bool = True) -> None:
        super().received(data, framed=framed)
        self.twin.received(data, framed=framed)

    def note(self, text: str, **details: Any) -> None:
        super().note(text, **details)
        self.twin.note(text, **details)

    def begin_exchange(self, what: str) -> None:
        super().begin_exchange(what)
        self.twin.begin_exchange(what)

    def end_exchange(self) -> None:
        super().end_exchange()
        self.twin.end_exchange()


decoders: dict[int, list[bytes]] = {}
"""The APDUs each decoder decoded (by its id), while ``decodes`` is in use."""


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """The APDUs the recorders decode, as they decode them."""
    seen: list[bytes] = []
    decode = ApduDecoder.decode

    def counting(self: ApduDecoder, data: bytes, *, sent: bool) -> DecodedApdu:
        seen.append(data)
        decoders.setdefault(id(self), []).append(data)
        return decode(self, data, sent=sent)

    monkeypatch.setattr(ApduDecoder, "decode", counting)
    decoders.clear()
    yield seen
    decoders.clear()


@pytest.fixture(scope="module")
def plan_meter() -> MeterPlan:
    return load_plan("testplans/simulator.yaml").meters[0]


@pytest.fixture(scope="module")
def running(plan_meter: MeterPlan, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[RunningMeter]:
    with start_meter(plan_meter, listen=["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"],
                     state_dir=tmp_path_factory.mktemp("meter-state")) as meter:
        yield meter


def _config(plan_meter: MeterPlan, running: RunningMeter, name: str, framing: str,
            segment: int | None) -> SessionConfig:
    url = running.endpoints[0 if framing == "hdlc" else 1]
    config = session_config(plan_meter, name, transport=url)
    if segment is not None:
        config = dataclasses.replace(config, hdlc=HdlcSettings(
            max_info_field_length_transmit=segment, max_info_field_length_receive=segment))
    return config


CASES = [("reader", "hdlc", None, None), ("reader", "wrapper", None, None),
         ("management", "hdlc", None, None), ("management", "wrapper", None, None),
         ("management-dedicated", "hdlc", None, None),
         ("management-dedicated", "wrapper", None, None),
         ("reader", "hdlc", 36, None), ("management-dedicated", "hdlc", 36, None),
         ("reader", "hdlc", None, 25), ("management", "wrapper", None, 7)]


@pytest.mark.parametrize(("name", "framing", "segment", "limit"), CASES, ids=[
    f"{n}-{f}" + (f"-segments-{s}" if s else "") + (f"-limit-{x}" if x else "")
    for n, f, s, x in CASES])
def test_read_later_equals_read_at_once(plan_meter: MeterPlan, running: RunningMeter,
                                        tmp_path: Path, decodes: list[bytes], name: str,
                                        framing: str, segment: int | None,
                                        limit: int | None) -> None:
    config = _config(plan_meter, running, name, framing, segment)
    options: dict[str, Any] = {"framing": config.framing}
    if limit is not None:
        options["exchange_limit"] = limit
    eager = Eager(clock=Ticks(), **options)
    lazy = Tee(eager, clock=Ticks(), **options)
    with Session(config, recorder=lazy) as session:
        session.associate()
        session.get(LOGICAL_DEVICE_NAME, 1, 2)
        session.get(LOAD_PROFILE, 7, 2)  # 2,880 rows: many segments or blocks
        session.release()
    during = {key: len(value) for key, value in decoders.items()}
    if limit is None:  # only the eager recorder decoded during the session
        assert len(during) == 1 and next(iter(during.values())) > 0
    lazy.to_jsonl(tmp_path / "lazy.jsonl")
    eager.to_jsonl(tmp_path / "eager.jsonl")
    text = (tmp_path / "lazy.jsonl").read_text(encoding="utf-8")
    assert text == (tmp_path / "eager.jsonl").read_text(encoding="utf-8")
    counts = [len(value) for value in decoders.values()]
    assert len(counts) == 2 and counts[0] == counts[1] > 0  # the lazy one caught up
    assert lazy.entries == eager.entries and repr(lazy.entries) == repr(eager.entries)
    kinds = {json.loads(line)["kind"] for line in text.splitlines()}
    assert kinds >= {"bytes", "frame", "apdu", "note"}
    for direction in Direction:
        assert lazy.frames_seen(direction) == eager.frames_seen(direction) > 0
    if limit is not None:
        assert "trace limit" in text and '"omitted"' in text
    if name == "reader":
        assert "**" in text  # the LLS password, located by the decoder
    if name == "management-dedicated":
        dedicated = config.association.dedicated_key
        assert dedicated is not None and dedicated.hex().upper() not in text
        assert dedicated.hex().upper() not in repr(lazy.entries)


def _i_frame(ns: int, information: bytes) -> bytes:
    return HdlcFrame(destination=SERVER, source=CLIENT, control=HdlcControl.i_frame(ns, 0),
                     information=information).to_bytes()


def test_frames_are_counted_without_building_entries(decodes: list[bytes]) -> None:
    recorder = TraceRecorder(framing=Framing.HDLC)
    before = recorder.frames_mark()
    assert before.counts == {Direction.SENT: 0, Direction.RECEIVED: 0}  # nothing pending
    recorder.sent(_i_frame(0, bytes.fromhex("E6E600C0018100080000010000FF0200")))
    mark = recorder.frames_mark()
    assert mark.counts is None  # filled when the octets before it are split
    recorder.received(b"\x7e\xa0\x07")  # the start of a frame: no frame yet
    recorder.sent(_i_frame(1, bytes.fromhex("E6E600C0018100080000010000FF0200")) * 2)
    assert recorder.frames_seen(Direction.SENT) == 3
    assert recorder.frames_since(mark, Direction.SENT) == 2
    assert recorder.frames_since(before, Direction.SENT) == 3
    assert recorder.frames_since(mark, Direction.RECEIVED) == 0
    assert decodes == []  # counting decoded nothing
    assert [e.kind for e in recorder.entries].count(EntryKind.FRAME) == 3
    with pytest.raises(ValueError, match="another recorder"):
        recorder.frames_since(FramesMark(), Direction.SENT)


def test_reading_at_any_point_gives_the_same_trace() -> None:
    """The jdlms session of the vectors, chunked, with exchanges and a limit: reading
    after any record changes nothing."""
    frames = vector("hdlc-fcs-26-frame-session-jdlms")["hex"]
    records: list[tuple[str, Any]] = [("note", "start")]
    for n, frame in enumerate(frames):
        if n % 6 == 0:
            records.append(("begin", f"exchange {n}"))
        data = b"\x7e" + hexbytes(frame) + b"\x7e"
        for i in range(0, len(data), 9):
            records.append(("sent" if n % 2 == 0 else "received", data[i:i + 9]))
        if n % 6 == 5:
            records.append(("end", None))

    def replay(read_at: set[int]) -> list[dict[str, Any]]:
        recorder = TraceRecorder(framing=Framing.HDLC, clock=Ticks(), exchange_limit=12)
        for i, (what, value) in enumerate(records):
            if what == "note":
                recorder.note(value)
            elif what == "begin":
                recorder.begin_exchange(value)
            elif what == "end":
                recorder.end_exchange()
            else:
                getattr(recorder, what)(value)
            if i in read_at and i % 2:
                recorder.frames_seen(Direction.SENT)
            elif i in read_at:
                recorder.mark()
        return recorder.to_dicts()

    at_end = replay(set())
    assert any("trace limit" in item.get("text", "") for item in at_end)
    for read_at in ({0}, set(range(len(records))), set(range(3, len(records), 7)),
                    {len(records) // 2}):
        assert replay(read_at) == at_end


def test_entries_carry_the_time_of_their_chunk() -> None:
    recorder = TraceRecorder(framing=Framing.HDLC, clock=Ticks())
    recorder.note("first")  # 1000
    recorder.sent(_i_frame(0, bytes.fromhex("E6E600C0018100080000010000FF0200")))  # 1001
    recorder.begin_exchange("nothing")
    recorder.end_exchange()  # 1002
    recorder.received(b"\x00\x01")  # 1003: outside any frame
    times = [(e.kind, e.time) for e in recorder.entries]
    assert times == [(EntryKind.NOTE, 1000.0), (EntryKind.BYTES, 1001.0),
                     (EntryKind.FRAME, 1001.0), (EntryKind.APDU, 1001.0),
                     (EntryKind.BYTES, 1003.0)]
    recorder.set_framing(None)  # 1004: the two octets are reported as discarded
    assert [(e.kind, e.time) for e in recorder.entries[5:]] == [
        (EntryKind.DISCARDED, 1004.0)]


def test_an_entry_view_holds_no_dedicated_key() -> None:
    v = vector("aarq-ln-ciphering-lls-glo-initiate")
    keys = SecurityKeys(encryption_key=hexbytes(v["inputs"]["EK(GUEK)"]),
                        authentication_key=hexbytes(v["inputs"]["AK"]))
    recorder = TraceRecorder(framing=Framing.HDLC)
    recorder.set_keys(keys)
    info = b"\xe6\xe6\x00" + hexbytes(v["hex"])
    recorder.sent(HdlcFrame(destination=SERVER, source=CLIENT,
                            control=HdlcControl.i_frame(0, 0), information=info).to_bytes())
    (entry,) = recorder.apdus()
    plaintext = v["expected"]["decrypted_user_information"]
    dedicated = plaintext[6:38]
    assert entry.info["plaintext"] == plaintext.replace(dedicated, "**" * 16)
    assert entry.plaintext == hexbytes(plaintext)  # the real octets, for checks
    assert dedicated not in repr(entry) and dedicated not in json.dumps(dict(entry.info))
    assert recorder.to_dicts()[-1]["plaintext"] == entry.info["plaintext"]
    assert dedicated not in json.dumps(recorder.to_dicts())


def test_a_backlog_beyond_the_exchange_limit_is_split(decodes: list[bytes]) -> None:
    """A runaway meter's octets are not all kept until the trace is read: more records
    waiting than ``exchange_limit`` are split (the entries are the same)."""
    frame = _i_frame(0, bytes.fromhex("E6E600C0018100080000010000FF0200"))
    lazy = TraceRecorder(framing=Framing.HDLC, clock=Ticks(), exchange_limit=10)
    eager = Eager(framing=Framing.HDLC, clock=Ticks(), exchange_limit=10)
    for recorder in (lazy, eager):
        recorder.begin_exchange("runaway")
    decodes.clear()
    for _ in range(9):
        lazy.received(frame)
    assert decodes == []  # 10 records wait
    lazy.received(frame)  # the 11th
    assert len(decodes) == 1  # split: one APDU (the frames repeat N(S)=0)
    for _ in range(30):
        lazy.received(frame)
    for _ in range(40):
        eager.received(frame)
    for recorder in (lazy, eager):
        recorder.end_exchange()
    assert lazy.to_dicts() == eager.to_dicts()
    # Stored: the first frame with its APDU, then bytes and frame of each repeat (N(S)=0
    # again: not reassembled) until 10 entries.
    assert lazy.entries[-1].info["omitted"] == {"frame": 36, "bytes": 35}
