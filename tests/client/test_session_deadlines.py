"""Runaway meters end in bounded time: only real progress restarts the response timeout
(never a repeated HDLC segment, a repeated GBT block, RR/RNR or octets that complete
nothing), every exchange has an overall deadline (``Timeouts.exchange``) that names it,
how long it ran and how many frames it saw, and the trace keeps at most
``exchange_limit`` entries per exchange. Fake clock everywhere but the last tests, which
run the reference meter with the ``ignores-rr`` fault for about a second each."""

from __future__ import annotations

import dataclasses
import itertools
import re
import time
from collections.abc import Callable, Iterator

import pytest

from conformance.client import (
    Direction,
    EntryKind,
    Session,
    SessionConfig,
    Timeouts,
    TraceRecorder,
    session_config,
)
from conformance.client.config import DEFAULT_EXCHANGE_TIMEOUT
from conformance.codec.apdu import Apdu
from conformance.codec.axdr import DoubleLongUnsigned, OctetString
from conformance.codec.hdlc import HdlcAddress, HdlcControl, HdlcFrame, HdlcFrameType
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.get import (
    DataBlockG,
    GetRequestNext,
    GetRequestNormal,
    GetResponseNormal,
    GetResponseWithDatablock,
)
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import LocalProtocolError, TransportTimeout
from conformance.plan import MeterPlan, load_plan
from conformance.protocol.association import LN_CONFORMANCE, OfferedAssociation, ServerConfig
from conformance.protocol.hdlc import (
    HdlcConfig,
    ReceiverNotReady,
    ReceiverReady,
    ServerDeviations,
)
from conformance.simulator.server import RunningMeter, start_meter
from conformance.transport import Framing
from tests.client.harness import ENERGY_LN, served, settings
from tests.client.meter import TestMeter, serve_values
from tests.client.scripted import (
    FakeClock,
    HdlcResponder,
    ScriptedTransport,
    public_association,
    silent,
)

PUBLIC = ServerConfig(associations={0x10: OfferedAssociation()})
SERVER = SessionConfig(transport="hdlc+tcp://h:1").server_address
METER_HDLC = HdlcConfig(server_address=SERVER)
PROFILE = ObisCode.parse("1.0.99.1.0.255")
SERIAL = "0.0.96.1.0.255"
GET_SERIAL = re.escape("GET 0-0:96.1.0*255 class 1 attribute 2")
PROFILE_WHAT = "GET 1-0:99.1.0*255 class 7 attribute 2"
GET_PROFILE = re.escape(PROFILE_WHAT)
LATENCY = 0.01  # fake seconds per read that finds octets: a runaway advances the clock


def _session(respond: Callable[[bytes], bytes], *, framing: Framing = Framing.HDLC,
             timeouts: Timeouts | None = None, recorder: TraceRecorder | None = None,
             transport: ScriptedTransport | None = None) -> Session:
    clock = transport.clock if transport is not None else FakeClock()
    transport = transport or ScriptedTransport(clock, respond, latency=LATENCY)
    config = SessionConfig(transport=transport, framing=framing,
                           timeouts=timeouts or Timeouts(response=2.0, inter_frame=0.5))
    return Session(config, clock=clock, recorder=recorder)


def _long_serial(association: Callable[[bytes], list[bytes]]
                 ) -> Callable[[bytes], list[bytes]]:
    """An ``on_apdu`` answering GET with 300 octets (three HDLC segments of 128)."""
    def on_apdu(apdu: bytes) -> list[bytes]:
        if apdu[0] == 0xC0:
            return [GetResponseNormal(invoke_id_and_priority=apdu[2],
                                      result=OctetString(value=bytes(300))).to_bytes()]
        return association(apdu)
    return on_apdu


def _out_of_step(session: Session) -> None:
    with pytest.raises(LocalProtocolError, match="out of step"):
        session.get(SERIAL, 1, 2)


# -- the response timeout restarts only on progress ------------------------------------------
def test_repeated_segment_is_no_progress() -> None:
    """ignores-rr, scripted: the meter answers each RR with the same segment (same N(S));
    the GET ends after one response timeout, not never."""
    meter = HdlcConfig(server_address=SERVER,
                       server_deviations=ServerDeviations(repeat_segment_on_rr=True))
    session = _session(HdlcResponder(meter, _long_serial(public_association(PUBLIC))))
    session.connect()
    session.associate()
    clock = session.config.transport.clock  # type: ignore[union-attr]
    started = clock.now
    with pytest.raises(TransportTimeout, match=rf"^no response to {GET_SERIAL} after 2\.0 s"):
        session.get(SERIAL, 1, 2)
    assert 2.0 <= clock.now - started <= 2.0 + 2 * LATENCY
    repeats = [e for e in session.recorder.frames(Direction.RECEIVED)
               if "sequence" in e.info]
    assert len(repeats) > 100  # the meter kept repeating; none of it restarted the timer
    _out_of_step(session)
    session.connect()  # a new SNRM puts the stations in step again
    assert session.link is not None and session.link.connected


def test_rnr_forever_is_no_progress() -> None:
    """After the first segment of the answer the meter says RNR to every poll."""
    responder = HdlcResponder(METER_HDLC, _long_serial(public_association(PUBLIC)))
    busy = False

    def respond(data: bytes) -> bytes:
        nonlocal busy
        if busy:
            return HdlcFrame(destination=HdlcAddress.client(0x10), source=SERVER,
                             control=HdlcControl(frame_type=HdlcFrameType.RNR,
                                                 receive_seq=responder.machine
                                                 .receive_sequence)).to_bytes()
        out = responder(data)
        busy = any(f.frame_type is HdlcFrameType.I and f.segmented for f in _frames(out))
        return out

    session = _session(respond)
    session.connect()
    session.associate()
    with pytest.raises(TransportTimeout, match=rf"^no response to {GET_SERIAL} after 2\.0 s"):
        session.get(SERIAL, 1, 2)
    rnr = [e for e in session.recorder.frames(Direction.RECEIVED)
           if e.info["frame"]["type"] == "RNR"]
    # The busy meter is polled again once per inter-frame time (0.5 s), not at once: four
    # polls in the 2 s response timeout, never a flood (ISO/IEC 13239 busy condition).
    assert len(rnr) == 4
    polls = [e.time for e in session.recorder.frames(Direction.SENT)
             if e.info["frame"]["type"] == "RR" and e.time >= rnr[0].time]
    assert len(polls) == 3 and all(b - a >= 0.5 for a, b in itertools.pairwise(polls))
    notes = [e.text for e in session.recorder.entries if e.kind is EntryKind.NOTE]
    assert notes.count("HDLC: the meter is busy (RNR)") == 1
    _out_of_step(session)


def _frames(data: bytes) -> Iterator[HdlcFrame]:
    while data:
        end = (((data[1] & 0x07) << 8) | data[2]) + 2
        yield HdlcFrame.decode(data[:end])
        data = data[end:]


class _Trickle(ScriptedTransport):
    """Answers through ``respond`` until ``after`` sends, then trickles ``source`` one
    octet per read (0.1 fake seconds each), for ever."""

    def __init__(self, clock: FakeClock, respond: Callable[[bytes], bytes], *, after: int,
                 source: bytes) -> None:
        super().__init__(clock, respond)
        self.after = after
        self.source = source
        self.trickled = 0

    def _send(self, data: bytes) -> None:
        if len(self.sent) + 1 < self.after:
            super()._send(data)
        else:
            self.sent.append(data)

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        if len(self.sent) < self.after:
            return super()._recv(max_bytes, timeout)
        self.clock.advance(0.1)
        octet = self.source[min(self.trickled, len(self.source) - 1)]
        self.trickled += 1
        return bytes((octet,))


@pytest.mark.parametrize("framing", [Framing.WRAPPER, Framing.HDLC])
def test_trickling_octets_are_no_progress(framing: Framing) -> None:
    """The meter answers the AARQ with a WPDU (an HDLC frame) announcing its longest
    length, then one octet every 0.1 s: the AARE wait ends after the response timeout."""
    clock = FakeClock()
    if framing is Framing.WRAPPER:
        transport = _Trickle(clock, silent, after=1, source=bytes.fromhex("0001000100106000")
                             + bytes(1))
    else:
        transport = _Trickle(clock, HdlcResponder(METER_HDLC, lambda apdu: []), after=2,
                             source=bytes.fromhex("7EA7FF") + bytes(1))
    session = _session(silent, framing=framing, transport=transport)
    session.connect()
    started = clock.now
    with pytest.raises(TransportTimeout, match=r"^no AARE to AARQ after 2\.0 s"):
        session.associate()
    assert clock.now - started == pytest.approx(2.0, abs=0.11)
    assert transport.trickled >= 19


# -- general block transfer and datablocks that never end -------------------------------------
GBT = LN_CONFORMANCE | Conformance.GENERAL_BLOCK_TRANSFER


def _gbt_meter(*, repeat: bool) -> Callable[[Apdu, TestMeter], Apdu | None]:
    """GET of the profile answered in GBT blocks that never reach last-block: each
    acknowledgement gets the next block, or (``repeat``) block 1 again."""
    number = 0

    def handler(request: Apdu, meter: TestMeter) -> Apdu | None:
        nonlocal number
        if isinstance(request, GetRequestNormal) \
                and request.cosem_attribute_descriptor.instance_id != PROFILE:
            return serve_values(request, meter)
        ack = request.block_number if isinstance(request, GeneralBlockTransfer) else 0
        if not (repeat and number):
            number += 1
        return GeneralBlockTransfer(last_block=False, streaming=False, window=1,
                                    block_number=number, block_number_ack=0 if repeat else ack,
                                    block_data=bytes(40))
    return handler


@pytest.mark.parametrize("framing", [Framing.WRAPPER, Framing.HDLC])
def test_repeated_gbt_block_is_no_progress(framing: Framing) -> None:
    """Each repeat of block 1 comes in new I frames (new N(S)): the link does not count a
    whole APDU as progress, the exchange sees it is the same block."""
    association, offered = settings(conformance=GBT)
    with served(association, offered, framing=framing, synchronous=True,
                handler=_gbt_meter(repeat=True)) as (session, meter):
        clock = session.config.transport.clock  # type: ignore[union-attr]
        session.config.transport.latency = LATENCY  # type: ignore[union-attr]
        session.connect()
        session.associate()
        started = clock.now
        with pytest.raises(TransportTimeout,
                           match=rf"^no response to {GET_PROFILE} after 5\.0 s"):
            session.get(PROFILE, 7, 2)
        assert 5.0 <= clock.now - started <= 5.0 + 2 * LATENCY
        assert len(meter.log.requests) > 100  # one acknowledgement per repeated block


@pytest.mark.parametrize("framing", [Framing.WRAPPER, Framing.HDLC])
def test_endless_gbt_meets_the_exchange_deadline(framing: Framing) -> None:
    """New blocks for ever are progress: the exchange deadline ends the GET, naming it,
    how long it ran and the frames it saw. HDLC is then out of step until connect()."""
    association, offered = settings(conformance=GBT)
    timeouts = Timeouts(response=2.0, exchange=3.0)
    with served(association, offered, framing=framing, synchronous=True, timeouts=timeouts,
                handler=_gbt_meter(repeat=False)) as (session, _):
        clock = session.config.transport.clock  # type: ignore[union-attr]
        session.config.transport.latency = LATENCY  # type: ignore[union-attr]
        session.connect()
        session.associate()
        started, mark = clock.now, session.recorder.mark()
        with pytest.raises(TransportTimeout) as info:
            session.get(PROFILE, 7, 2)
        assert 3.0 <= clock.now - started <= 3.0 + 2 * LATENCY
        match = re.fullmatch(
            rf"{GET_PROFILE} did not finish within the exchange deadline of 3\.0 s "
            r"\(timeouts\.exchange\) from scripted meter: it ran 3\.0\d s, (\d+) frame\(s\) "
            r"received, (\d+) sent", str(info.value))
        assert match is not None, str(info.value)
        received, sent = int(match[1]), int(match[2])
        assert received >= 100 and sent >= 100
        assert received == len(session.recorder.frames(Direction.RECEIVED, start=mark))
        assert sent == len(session.recorder.frames(Direction.SENT, start=mark))
        if framing is Framing.HDLC:
            # Out of step until SNRM, which also ends the association; then all is well.
            _out_of_step(session)
            session.connect()
            session.associate()
            assert session.get(ENERGY_LN, 3, 2) == DoubleLongUnsigned(value=12345678)
        else:  # the wrapper has no link state: the association stays
            assert session.associated


def _endless_datablocks(request: Apdu, meter: TestMeter) -> Apdu | None:
    """GET datablocks whose last-block is never set (the ``last-block-never-set``
    fault, scripted)."""
    if isinstance(request, GetRequestNext):
        number = request.block_number + 1
    elif isinstance(request, GetRequestNormal) \
            and request.cosem_attribute_descriptor.instance_id == PROFILE:
        number = 1
    else:
        return serve_values(request, meter)
    return GetResponseWithDatablock(
        invoke_id_and_priority=request.invoke_id_and_priority,
        result=DataBlockG(last_block=False, block_number=number, result=bytes(60)))


def test_endless_datablocks_meet_the_exchange_deadline() -> None:
    """Each block is new (progress); the deadline ends the GET. The trace keeps 40
    entries of it (``exchange_limit=40``) and counts the rest."""
    timeouts = Timeouts(response=2.0, exchange=3.0)
    with served(synchronous=True, timeouts=timeouts,
                handler=_endless_datablocks) as (session, meter):
        clock = session.config.transport.clock  # type: ignore[union-attr]
        session.config.transport.latency = LATENCY  # type: ignore[union-attr]
        recorder = TraceRecorder(framing=Framing.HDLC, clock=clock, exchange_limit=40)
        session.recorder = recorder  # before connect(): the session records into it
        session.connect()
        session.associate()
        mark = recorder.mark()
        with pytest.raises(TransportTimeout, match=rf"^{GET_PROFILE} did not finish within "
                                                   r"the exchange deadline of 3\.0 s"):
            session.get(PROFILE, 7, 2)
        nexts = [r for r in meter.log.requests if isinstance(r, GetRequestNext)]
        assert len(nexts) >= 100
        _out_of_step(session)
        # The trace kept 40 entries of the GET, a note where it stopped, one at the end.
        entries = recorder.entries[mark:]
        assert len(entries) == 42
        stopped, summary = entries[40], entries[41]
        assert stopped.text == (f"trace limit: {PROFILE_WHAT} has 40 entries; the "
                                "following ones are not recorded until it ends")
        assert re.fullmatch(rf"trace limit: \d+ entries of {GET_PROFILE} not recorded "
                            r"\(40 per exchange\)", summary.text)
        omitted = summary.info["omitted"]
        assert set(omitted) >= {"bytes", "frame", "apdu"}
        assert summary.info["frames_received"] >= len(nexts)
        assert recorder.frames_seen(Direction.RECEIVED) > len(recorder.frames(
            Direction.RECEIVED)) + len(nexts) // 2
        session.connect()  # the next exchange is recorded again
        assert len(recorder.entries) > mark + 42


# -- the overall deadline covers every exchange ------------------------------------------------
def _answers(stage: str) -> Callable[[bytes], bytes]:
    if stage == "connect":
        return silent
    if stage == "association":
        return HdlcResponder(METER_HDLC, lambda apdu: [])
    return HdlcResponder(METER_HDLC, public_association(PUBLIC))  # no RLRE


@pytest.mark.parametrize("stage, what", [
    ("connect", "connect (SNRM/UA)"), ("association", "association (AARQ/AARE)"),
    ("release", "release (RLRQ/RLRE)")])
def test_every_exchange_has_the_deadline(stage: str, what: str) -> None:
    """A deadline shorter than the response timeout ends connect, the association and the
    release, each named, and leaves the link out of step."""
    session = _session(_answers(stage), timeouts=Timeouts(response=5.0, exchange=1.0))
    if stage != "connect":
        session.connect()
    if stage == "release":
        session.associate()
    calls: dict[str, Callable[[], object]] = {
        "connect": session.connect, "association": session.associate,
        "release": session.release}
    call = calls[stage]
    with pytest.raises(TransportTimeout) as info:
        call()
    assert str(info.value) == (
        f"{what} did not finish within the exchange deadline of 1.0 s (timeouts.exchange) "
        "from scripted meter: it ran 1.00 s, 0 frame(s) received, 1 sent")
    assert session.link is not None and not session.link.connected


# -- configuration and recorder ---------------------------------------------------------------
def test_timeouts_exchange_is_checked_and_defaults_to_30_s() -> None:
    assert Timeouts().exchange == DEFAULT_EXCHANGE_TIMEOUT == 30.0
    for bad in (0, -1.0, float("inf"), True):
        with pytest.raises(ValueError, match=r"Timeouts\.exchange must be a positive"):
            Timeouts(exchange=bad)


@pytest.fixture(scope="module")
def plan_meter() -> MeterPlan:
    return load_plan("testplans/simulator.yaml").meters[0]


@pytest.mark.parametrize("response, exchange", [(2.0, 30.0), (45.0, 45.0)])
def test_plan_sessions_get_the_default_deadline(plan_meter: MeterPlan, response: float,
                                                exchange: float) -> None:
    """The plan has no exchange deadline: the default, never below the plan's response
    timeout."""
    transport = dataclasses.replace(plan_meter.transport, timeouts=dataclasses.replace(
        plan_meter.transport.timeouts, response=response))
    meter = dataclasses.replace(plan_meter, transport=transport)
    config = session_config(meter, "public", transport="hdlc+tcp://127.0.0.1:1")
    assert config.timeouts == Timeouts(response=response, inter_frame=0.5, exchange=exchange)


def test_recorder_limit_is_per_outer_exchange() -> None:
    recorder = TraceRecorder(exchange_limit=3)
    recorder.note("before")
    recorder.begin_exchange("outer")
    recorder.begin_exchange("inner")  # nested: part of the outer exchange
    for i in range(4):
        recorder.note(f"n{i}")
    recorder.end_exchange()
    recorder.note("n4")
    recorder.end_exchange()
    recorder.note("after")
    texts = [e.text for e in recorder.entries]
    assert texts == ["before", "n0", "n1", "n2",
                     "trace limit: outer has 3 entries; the following ones are not recorded "
                     "until it ends",
                     "trace limit: 2 entries of outer not recorded (3 per exchange)", "after"]
    assert recorder.entries[5].info["omitted"] == {"note": 2}
    assert [e.seq for e in recorder.entries] == list(range(7))
    assert TraceRecorder(exchange_limit=None).exchange_limit is None
    for bad in (0, True):
        with pytest.raises(ValueError, match="exchange_limit"):
            TraceRecorder(exchange_limit=bad)


# -- the reference meter with the ignores-rr fault ----------------------------------------------
@pytest.fixture(scope="module")
def ignores_rr(plan_meter: MeterPlan) -> Iterator[RunningMeter]:
    with start_meter(plan_meter, listen=["hdlc+tcp://127.0.0.1:0"],
                     faults=["ignores-rr"]) as meter:
        yield meter


OBJECT_LIST = re.escape("GET 0-0:40.0.0*255 class 15 attribute 2")


@pytest.mark.parametrize("timeouts, expected", [
    (Timeouts(response=2.0, exchange=1.0),
     rf"^{OBJECT_LIST} did not finish within the exchange deadline of 1\.0 s "
     r"\(timeouts\.exchange\) from .+: it ran 1\.\d\d s, (\d+) frame\(s\) received, "
     r"\d+ sent$"),
    (Timeouts(response=0.5, exchange=10.0),
     rf"^no response to {OBJECT_LIST} after 0\.5 s from ")], ids=["deadline", "response"])
def test_reference_meter_ignoring_rr(plan_meter: MeterPlan, ignores_rr: RunningMeter,
                                     timeouts: Timeouts, expected: str) -> None:
    """The object list comes in many segments; the meter answers each RR with the first
    one again. Whichever limit is shorter ends the GET within a second or so (the
    session spun for 57 s and recorded 574,000 frames before)."""
    config = dataclasses.replace(session_config(plan_meter, "public",
                                                transport=ignores_rr.endpoints[0]),
                                 timeouts=timeouts)
    with Session(config) as session:
        session.associate()
        mark = session.recorder.mark()
        started = time.monotonic()
        with pytest.raises(TransportTimeout, match=expected) as info:
            session.get("0.0.40.0.0.255", 15, 2)
        assert time.monotonic() - started < min(timeouts.response, timeouts.exchange) + 0.5
        limit = session.recorder.exchange_limit
        assert limit is not None and len(session.recorder) - mark <= limit + 2
        frames = re.search(r"(\d+) frame\(s\) received", str(info.value))
        if frames is not None:
            assert int(frames[1]) > 10
        _out_of_step(session)
        session.connect()  # SNRM puts the link in step; a short read still works
        session.associate()
        assert session.get("0.0.96.1.0.255", 1, 2) == OctetString(value=b"12345678")


# -- the reference meter with the last-block-never-set fault -------------------------------------
@pytest.fixture(scope="module")
def last_block_never_set(plan_meter: MeterPlan) -> Iterator[RunningMeter]:
    with start_meter(plan_meter, listen=["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"],
                     faults=["last-block-never-set"]) as meter:
        yield meter


@pytest.mark.parametrize("endpoint", [0, 1], ids=["hdlc", "wrapper"])
def test_reference_meter_never_setting_last_block(
        plan_meter: MeterPlan, last_block_never_set: RunningMeter, endpoint: int) -> None:
    """Datablocks (then empty ones) for ever: each is a new block, so the exchange
    deadline, not the response timeout, ends the GET (the object list, about 1,100
    octets, comes in blocks for a client-max-receive-pdu-size of 256)."""
    config = session_config(plan_meter, "public",
                            transport=last_block_never_set.endpoints[endpoint])
    config = dataclasses.replace(
        config, timeouts=Timeouts(response=2.0, exchange=1.0),
        association=dataclasses.replace(config.association, client_max_receive_pdu_size=256))
    session = Session(config)
    session.connect()
    try:
        session.associate()
        mark = session.recorder.mark()
        started = time.monotonic()
        with pytest.raises(TransportTimeout, match=(
                rf"^{OBJECT_LIST} did not finish within the exchange deadline of 1\.0 s "
                r"\(timeouts\.exchange\) from .+: it ran 1\.\d\d s, (\d+) frame\(s\) "
                r"received, \d+ sent$")) as info:
            session.get("0.0.40.0.0.255", 15, 2)
        assert time.monotonic() - started < 1.5
        nexts = [e for e in session.recorder.apdus(Direction.SENT, start=mark)
                 if e.info.get("apdu", {}).get("type") == "GetRequestNext"]
        assert len(nexts) > 10  # one per block received: blocks kept coming
        received = re.search(r"(\d+) frame\(s\) received", str(info.value))
        assert received is not None and int(received[1]) >= len(nexts)
    finally:
        session.disconnect()  # DISC (HDLC), even on the out-of-step link


def test_a_meter_busy_in_the_middle_of_a_long_request_is_polled_until_ready() -> None:
    # The meter answers the first segment of a 3-segment SET with RNR (busy), and is ready
    # again 1.2 s later. The client polls it once per inter-frame time (0.5 s) meanwhile and
    # then sends the remaining segments: the SET completes (ISO/IEC 13239 busy condition).
    clock = FakeClock()
    association = public_association(PUBLIC)

    def on_apdu(apdu: bytes) -> list[bytes]:
        if apdu[0] == 0xC1:  # set-request
            return [bytes.fromhex("c501") + apdu[2:3] + b"\x00"]  # set-response-normal
        return association(apdu)

    responder = HdlcResponder(METER_HDLC, on_apdu)
    ready_at: float | None = None

    def respond(data: bytes) -> bytes:
        nonlocal ready_at
        frames = list(_frames(data))
        if ready_at is None and any(f.frame_type is HdlcFrameType.I and f.segmented
                                    for f in frames):
            responder.machine.send(ReceiverNotReady(), now=0.0)  # busy from now on
            ready_at = clock.now + 1.2
        elif ready_at is not None and clock.now >= ready_at and responder.machine.local_busy:
            responder.machine.send(ReceiverReady(), now=0.0)
        return responder(data)

    session = _session(respond, transport=ScriptedTransport(clock, respond))
    session.connect()
    session.associate()
    started = clock.now
    session.set(SERIAL, 1, 2, OctetString(value=bytes(300)))
    assert 1.2 <= clock.now - started <= 2.0
    polls = [e.time for e in session.recorder.frames(Direction.SENT)
             if e.info["frame"]["type"] == "RR"]
    assert len(polls) >= 2 and all(b - a >= 0.5 for a, b in itertools.pairwise(polls))
