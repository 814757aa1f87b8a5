"""A meter that sends malformed frames: the client :class:`~conformance.client.Session`
turns whatever arrives into an error a check can turn into a verdict -- a
:class:`~conformance.errors.ConformanceError` (TransportTimeout, RemoteProtocolError,
CodecError, SecurityError, a refusal) -- never an IndexError, KeyError, AttributeError...

Two peers over the in-process loopback: the reference meter's own connection code with its
answers mangled in flight (re-framed with valid HCS/FCS so that the damage reaches the
association and services layers), and a scripted peer that answers each chunk with
Hypothesis-drawn octets, codec-built frames or mutated vector frames."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.client import Session, Timeouts, session_config
from conformance.codec.hdlc import (
    LLC_RESPONSE,
    HdlcAddress,
    HdlcControl,
    HdlcFrame,
    HdlcFrameType,
)
from conformance.codec.wrapper import WrapperFrame
from conformance.codec.xdlms.selective import EntryDescriptor
from conformance.errors import (
    CodecError,
    ConformanceError,
    LocalProtocolError,
    RemoteProtocolError,
    TransportError,
)
from conformance.plan import MeterPlan, load_plan
from conformance.simulator.connection import Connection
from conformance.simulator.meter import Meter
from conformance.transport import Faults, Framing, LoopbackPair
from tests.robustness._support import (
    ROOT,
    SEEDS,
    Mutation,
    mutate,
    mutated_seeds,
    mutations,
    strict_json,
)

LOGICAL_DEVICE_NAME = "0.0.42.0.0.255"
LOAD_PROFILE = "1.0.99.1.0.255"
SIXTY_ROWS = EntryDescriptor(from_entry=1, to_entry=60).to_selective_access()
# The peers run in this process and answer within milliseconds: short waits keep the
# examples fast (a spurious timeout on a busy machine is a ConformanceError all the same).
SHORT = Timeouts(response=0.15, inter_frame=0.06)
SHORTER = Timeouts(response=0.08, inter_frame=0.04)
PATIENT = Timeouts(response=3.0, inter_frame=0.5)  # the tests that expect a precise error
SERVER = HdlcAddress.server(1, 16, size=4)
PUBLIC = HdlcAddress.client(16)
ASSOCIATIONS = ["public", "reader", "management", "management-dedicated"]
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]


@pytest.fixture(scope="module")
def plan_meter() -> MeterPlan:
    return load_plan(ROOT / "testplans" / "simulator.yaml").meters[0]


class _Errors(logging.Handler):
    """The meter's internal errors (a bug reached through the client's reactions)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


METER_ERRORS = _Errors()


@pytest.fixture(scope="module")
def meter(plan_meter: MeterPlan) -> Iterator[Meter]:
    logger = logging.getLogger("conformance.simulator")
    logger.addHandler(METER_ERRORS)
    instance = Meter(plan_meter)
    try:
        yield instance
    finally:
        instance.close()
        logger.removeHandler(METER_ERRORS)


def _session(plan_meter: MeterPlan, pair: LoopbackPair, framing: Framing,
             association: str, timeouts: Timeouts = SHORT,
             keep: list[Session] | None = None, *, blocks: bool = False
             ) -> BaseException | None:
    """Connect, associate, read the logical device name (``blocks``: 60 rows of the load
    profile, several blocks and HDLC segments) and release; the exception that ended it, if
    any (the session is appended to ``keep``)."""
    config = dataclasses.replace(session_config(plan_meter, association, transport=pair.client),
                                 framing=framing, timeouts=timeouts)
    if blocks:  # a small client-max-receive-pdu-size: the meter answers in blocks
        config = dataclasses.replace(config, association=dataclasses.replace(
            config.association, client_max_receive_pdu_size=256))
    session = Session(config)
    if keep is not None:
        keep.append(session)
    try:
        with session:
            session.associate()
            if blocks:
                session.get(LOAD_PROFILE, 7, 2, SIXTY_ROWS)
            else:
                session.get(LOGICAL_DEVICE_NAME, 1, 2)
    except Exception as exc:  # the test looks at its type
        return exc
    return None


def through_meter(plan_meter: MeterPlan, meter: Meter, framing: Framing, association: str,
                  corrupt: Callable[[bytes], bytes],
                  when: Callable[[int, bytes], bool] | None = None,
                  timeouts: Timeouts = SHORT,
                  keep: list[Session] | None = None, blocks: bool = False
                  ) -> BaseException | None:
    """A session with the reference meter (its connection loop on the loopback's server end)
    whose answers pass through ``corrupt`` (for the chunks ``when`` selects)."""
    pair = LoopbackPair(name="mangled meter")
    pair.server_to_client = Faults(corrupt=corrupt, corrupt_when=when)
    connection = Connection(meter, pair.server, framing=framing, origin="robustness")
    stop = threading.Event()
    thread = threading.Thread(target=connection.run, args=(stop,), daemon=True)
    METER_ERRORS.messages.clear()
    thread.start()
    try:
        return _session(plan_meter, pair, framing, association, timeouts, keep, blocks=blocks)
    finally:
        stop.set()
        pair.close()
        thread.join(2)
        assert not METER_ERRORS.messages, METER_ERRORS.messages


def _is_verdict_material(outcome: BaseException | None) -> None:
    if outcome is None or isinstance(outcome, ConformanceError):
        return
    raise AssertionError(f"the session raised {type(outcome).__name__}, not a "
                         "ConformanceError") from outcome


# -- the reference meter, its answers mangled in flight ----------------------------------------
def _reframe(chunk: bytes, framing: Framing, change: Callable[[bytes], bytes]) -> bytes:
    """``chunk`` with its APDU (after the LLC header) replaced by ``change(apdu)``, framed
    again with valid checksums / length; a chunk that is not one frame is changed whole."""
    try:
        if framing is Framing.WRAPPER:
            wpdu = WrapperFrame.decode(chunk)
            changed = change(wpdu.apdu)
            if len(changed) > 0xFFFF:  # longer than a WPDU can be: send it damaged as it is
                return change(chunk)
            return dataclasses.replace(wpdu, apdu=changed).to_bytes()
        frame = HdlcFrame.decode(chunk)
    except CodecError:
        return change(chunk)
    info = frame.information
    if info.startswith(LLC_RESPONSE):
        info = LLC_RESPONSE + change(info[3:])
    elif info:
        info = change(info)
    else:
        return chunk
    try:
        return dataclasses.replace(frame, information=info).to_bytes()
    except ValueError:  # longer than an HDLC frame can be: send it damaged as it is
        return change(chunk)


@settings(max_examples=50, deadline=None, suppress_health_check=_HEALTH)
@given(framing=st.sampled_from(Framing), association=st.sampled_from(ASSOCIATIONS),
       target=st.integers(0, 7), reframe=st.booleans(), ops=mutations())
def test_mangled_answers_of_the_reference_meter(plan_meter: MeterPlan, meter: Meter,
                                                framing: Framing, association: str,
                                                target: int, reframe: bool,
                                                ops: list[Mutation]) -> None:
    def corrupt(chunk: bytes) -> bytes:
        if reframe:
            return _reframe(chunk, framing, lambda apdu: mutate(apdu, ops))
        return mutate(chunk, ops)

    started = time.monotonic()
    outcome = through_meter(plan_meter, meter, framing, association, corrupt,
                            lambda index, _chunk: index == target)
    _is_verdict_material(outcome)
    assert time.monotonic() - started < 5.0  # every wait bounded


@settings(max_examples=30, deadline=None, suppress_health_check=_HEALTH)
@given(framing=st.sampled_from(Framing), association=st.sampled_from(["reader", "management"]),
       target=st.integers(2, 30), reframe=st.booleans(), ops=mutations())
def test_mangled_blocks_of_a_long_read(plan_meter: MeterPlan, meter: Meter, framing: Framing,
                                       association: str, target: int, reframe: bool,
                                       ops: list[Mutation]) -> None:
    """The same during a read in blocks (GET-next datablocks or general block transfer,
    HDLC segments)."""
    def corrupt(chunk: bytes) -> bytes:
        if reframe:
            return _reframe(chunk, framing, lambda apdu: mutate(apdu, ops))
        return mutate(chunk, ops)

    outcome = through_meter(plan_meter, meter, framing, association, corrupt,
                            lambda index, _chunk: index == target, blocks=True)
    _is_verdict_material(outcome)


def test_the_long_read_is_in_blocks(plan_meter: MeterPlan, meter: Meter) -> None:
    sessions: list[Session] = []
    assert through_meter(plan_meter, meter, Framing.HDLC, "reader", lambda chunk: chunk,
                         timeouts=PATIENT, keep=sessions, blocks=True) is None
    assert sessions[0].last_confirm is not None
    assert sessions[0].last_confirm.transfer.response_blocks >= 2  # type: ignore[union-attr]


# Server APDUs of the vectors (AARE, RLRE, GET/SET/ACTION responses, GBT, ciphered...).
_SERVER_APDUS = [s for s in SEEDS if s[:1] in (b"\x61", b"\x63", b"\xc4", b"\xc5", b"\xc7",
                                                b"\xd8", b"\x0e", b"\xe0", b"\xcc", b"\xdb",
                                                b"\x28", b"\x0f")]


@settings(max_examples=150, deadline=None, suppress_health_check=_HEALTH)
@given(framing=st.sampled_from(Framing), association=st.sampled_from(ASSOCIATIONS),
       target=st.integers(0, 7), answer=st.sampled_from(_SERVER_APDUS))
def test_answers_out_of_place(plan_meter: MeterPlan, meter: Meter, framing: Framing,
                              association: str, target: int, answer: bytes) -> None:
    """A well-formed APDU of the vectors where another was due (an AARE to a GET, a GET
    response to the AARQ...)."""
    outcome = through_meter(plan_meter, meter, framing, association,
                            lambda chunk: _reframe(chunk, framing, lambda _apdu: answer),
                            lambda index, _chunk: index == target)
    _is_verdict_material(outcome)


def test_a_malformed_get_response_names_the_meter_and_the_request(
        plan_meter: MeterPlan, meter: Meter) -> None:
    def corrupt(chunk: bytes) -> bytes:
        return _reframe(chunk, Framing.WRAPPER,
                        lambda apdu: apdu + b"\x00\x00" if apdu[:1] == b"\xc4" else apdu)

    outcome = through_meter(plan_meter, meter, Framing.WRAPPER, "public", corrupt,
                            timeouts=PATIENT)
    assert isinstance(outcome, RemoteProtocolError)
    assert "reference-meter" in str(outcome) and "0-0:42.0.0*255" in str(outcome)
    assert "trailing" in str(outcome)


# -- a scripted peer answering with drawn octets -----------------------------------------------
def _hdlc_frame(raw_control: int, info: bytes, segmented: bool) -> bytes:
    frame = HdlcFrame(destination=PUBLIC, source=SERVER,
                      control=HdlcControl(frame_type=HdlcFrameType.UA), information=info,
                      segmented=segmented, raw_control=raw_control)
    return frame.to_bytes()


_UA = HdlcFrame(destination=PUBLIC, source=SERVER,
                control=HdlcControl(frame_type=HdlcFrameType.UA)).to_bytes()
_APDU_OCTETS = st.one_of(st.binary(max_size=80), mutated_seeds(), st.sampled_from(SEEDS))
_HDLC_ANSWERS = st.one_of(
    st.binary(min_size=1, max_size=80),
    mutated_seeds(),
    st.just(_UA),
    st.builds(_hdlc_frame, st.integers(0, 255),
              st.one_of(st.binary(max_size=64), _APDU_OCTETS.map(lambda a: LLC_RESPONSE + a))
              .filter(lambda info: len(info) < 2000), st.booleans()),
)
_WRAPPER_ANSWERS = st.one_of(
    st.binary(min_size=1, max_size=80),
    st.builds(lambda apdu, length: WrapperFrame(source_wport=1, destination_wport=16,
                                                apdu=apdu, length=length).to_bytes(),
              _APDU_OCTETS, st.one_of(st.none(), st.integers(0, 0xFFFF))),
)


def _scripted_peer(pair: LoopbackPair, answers: list[bytes], stop: threading.Event) -> None:
    """Answer each chunk the client sends with the next of ``answers``, then stay silent."""
    pending = list(answers)
    while not stop.is_set():
        try:
            data = pair.server.recv(4096, 0.05)
        except TransportError:
            return
        if data and pending:
            try:
                pair.server.send(pending.pop(0))
            except TransportError:
                return


@settings(max_examples=25, deadline=None, suppress_health_check=_HEALTH)
@given(framing=st.sampled_from(Framing), data=st.data())
def test_a_peer_answering_garbage(plan_meter: MeterPlan, framing: Framing,
                                  data: st.DataObject) -> None:
    pool = _HDLC_ANSWERS if framing is Framing.HDLC else _WRAPPER_ANSWERS
    answers = data.draw(st.lists(pool, min_size=1, max_size=6), label="answers")
    if framing is Framing.HDLC and data.draw(st.booleans(), label="UA first"):
        answers.insert(0, _UA)  # get past SNRM so that I-frames are expected
    pair = LoopbackPair(name="garbage peer")
    stop = threading.Event()
    thread = threading.Thread(target=_scripted_peer, args=(pair, answers, stop), daemon=True)
    thread.start()
    try:
        outcome = _session(plan_meter, pair, framing, "public", SHORTER)
    finally:
        stop.set()
        pair.close()
        thread.join(2)
    _is_verdict_material(outcome)
    assert outcome is not None  # no meter answered: the session cannot have succeeded


# -- defects ----------------------------------------------------------------------------------
@pytest.mark.parametrize("tag", [0x61, 0x63], ids=["AARE", "RLRE"])
def test_a_malformed_acse_answer_is_a_remote_protocol_error(plan_meter: MeterPlan,
                                                            meter: Meter, tag: int) -> None:
    def corrupt(chunk: bytes) -> bytes:  # one octet more than the BER length says
        return _reframe(chunk, Framing.WRAPPER,
                        lambda apdu: apdu + b"\x00" if apdu[0] == tag else apdu)

    outcome = through_meter(plan_meter, meter, Framing.WRAPPER, "public", corrupt,
                            timeouts=PATIENT)
    assert isinstance(outcome, RemoteProtocolError)
    assert "reference-meter" in str(outcome)


@pytest.mark.parametrize("answer", ["6303800100", "6129A109060760857405080101A203020100A305A1"
                                    "03020100BE10040E0800065F1F040000501F01F40007"],
                         ids=["RLRE", "AARE"])
def test_an_acse_apdu_answering_a_get_is_a_remote_protocol_error(
        plan_meter: MeterPlan, meter: Meter, answer: str) -> None:
    def corrupt(chunk: bytes) -> bytes:
        return _reframe(chunk, Framing.WRAPPER,
                        lambda apdu: bytes.fromhex(answer) if apdu[:1] == b"\xc4" else apdu)

    outcome = through_meter(plan_meter, meter, Framing.WRAPPER, "public", corrupt,
                            timeouts=PATIENT)
    assert not isinstance(outcome, LocalProtocolError)
    assert isinstance(outcome, RemoteProtocolError)
    assert "reference-meter" in str(outcome)


def test_the_trace_of_a_non_finite_float_is_json(plan_meter: MeterPlan, meter: Meter,
                                                 tmp_path: Path) -> None:
    def corrupt(chunk: bytes) -> bytes:  # the GET answered with float32 NaN
        return _reframe(chunk, Framing.WRAPPER,
                        lambda apdu: apdu[:4] + bytes.fromhex("177FC00000")
                        if apdu[:1] == b"\xc4" else apdu)

    sessions: list[Session] = []
    outcome = through_meter(plan_meter, meter, Framing.WRAPPER, "public", corrupt,
                            timeouts=PATIENT, keep=sessions)
    assert outcome is None  # a float32 NaN is a legal value
    path = tmp_path / "trace.jsonl"
    sessions[0].recorder.to_jsonl(path)
    for line in path.read_text(encoding="utf-8").splitlines():
        strict_json(line)
