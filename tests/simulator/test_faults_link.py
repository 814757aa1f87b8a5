"""The reference meter's link faults (HDLC, wrapper): each one shown on the wire against a
meter started with it, and the same exchange against the clean meter showing the
conformant behaviour (so a test fails if the fault does nothing, or if the clean meter
misbehaves). Raw exchanges are built with the codec and read back as octets (cut into
frames by flag and length field, checksums not trusted); where the client session shows
the deviation, its trace is asserted on. Also: ``conformance simulate --list-faults``
lists them."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import socket
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from conformance.cli import main
from conformance.client import Direction, Session, TraceEntry, session_config
from conformance.codec.acse.aare import AARE
from conformance.codec.acse.aarq import AARQ
from conformance.codec.acse.decode import decode_acse_apdu
from conformance.codec.acse.names import ApplicationContextName, AssociationResult
from conformance.codec.crc import fcs16
from conformance.codec.hdlc import (
    LLC_REQUEST,
    LLC_RESPONSE,
    HdlcAddress,
    HdlcControl,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
)
from conformance.codec.obis import ObisCode
from conformance.codec.wrapper import WrapperFrame, WrapperHeader
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor
from conformance.codec.xdlms.get import GetRequestNormal
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest
from conformance.errors import ChecksumError, RemoteProtocolError
from conformance.plan import HdlcSettings, MeterPlan, default_plan_path, load_plan
from conformance.simulator.fault_catalogue.link import LinkFault
from conformance.simulator.faults import FAULTS, FaultLayer
from conformance.simulator.server import RunningMeter, start_meter

T = HdlcFrameType
F = LinkFault
R = TypeVar("R")
SERVER = HdlcAddress.server(1, 16, size=4)
"""The default plan's meter: logical device 1, physical 16, four octets."""
PUBLIC = HdlcAddress.client(0x10)
PROPOSAL = HdlcParameters(max_info_field_length_transmit=128, max_info_field_length_receive=128,
                          window_size_transmit=1, window_size_receive=1)
"""The default plan's SNRM proposal (its ``hdlc`` section)."""
LISTEN = ["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"]
WAIT = 3.0
"""Longest wait for an answer, seconds."""
QUIET = 0.25
"""Silence that ends an answer (or shows that none comes), seconds."""
TRAILING = 0.05
"""Wait for octets sent after a complete WPDU (a length field that counts too few)."""
AARQ_PUBLIC = AARQ(
    application_context_name=ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING,
    user_information=InitiateRequest(
        proposed_conformance=Conformance.from_bytes(bytes.fromhex("007E1F")),
        client_max_receive_pdu_size=0xFFFF).to_bytes()).to_bytes()
GET_OBJECT_LIST = GetRequestNormal(
    invoke_id_and_priority=0xC1, cosem_attribute_descriptor=CosemAttributeDescriptor(
        class_id=15, instance_id=ObisCode.parse("0.0.40.0.0.255"), attribute_id=2)).to_bytes()
"""A GET whose answer (the public association's object list, about 1 100 octets) needs
several I frames of 128 octets."""
OBJECT_LIST = "0.0.40.0.0.255"
GET_DEVICE_NAME = GetRequestNormal(
    invoke_id_and_priority=0xC2, cosem_attribute_descriptor=CosemAttributeDescriptor(
        class_id=1, instance_id=ObisCode.parse("0.0.42.0.0.255"), attribute_id=2)).to_bytes()
"""A GET answered in one I frame (the logical device name)."""


# -- meters ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plan() -> MeterPlan:
    return load_plan(default_plan_path()).meters[0]


@pytest.fixture(scope="module")
def clean(plan: MeterPlan) -> Iterator[RunningMeter]:
    with start_meter(plan, listen=LISTEN) as running:
        yield running


@contextlib.contextmanager
def faulty(plan: MeterPlan, fault: LinkFault) -> Iterator[RunningMeter]:
    with start_meter(plan, listen=LISTEN, faults=[fault.value]) as running:
        assert running.meter.faults.active(fault)
        yield running


def both(plan: MeterPlan, clean: RunningMeter, fault: LinkFault,
         exchange: Callable[[RunningMeter], R]) -> tuple[R, R]:
    """``exchange`` against the clean meter, then against a meter with ``fault``."""
    conformant = exchange(clean)
    with faulty(plan, fault) as meter:
        return conformant, exchange(meter)


# -- raw exchanges -------------------------------------------------------------------------
class Wire:
    """One TCP connection to a meter: frames built with the codec go out, the octets that
    come back are read as they are."""

    def __init__(self, meter: RunningMeter, *, wrapper: bool = False) -> None:
        url = meter.endpoints[1 if wrapper else 0]
        self.sock = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])),
                                             timeout=WAIT)
        self.buffer = bytearray()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, *frames: HdlcFrame | WrapperFrame) -> None:
        self.sock.sendall(b"".join(f.to_bytes() for f in frames))

    def _read(self, timeout: float) -> bool:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return False
        assert data, "the meter closed the connection"
        self.buffer += data
        return True

    def raw_frames(self, count: int = 1) -> list[bytes]:
        """The next ``count`` HDLC frames (flags included), cut by the length field."""
        deadline = time.monotonic() + WAIT
        out: list[bytes] = []
        while len(out) < count:
            buf = self.buffer
            if len(buf) >= 3:
                assert buf[0] == 0x7E, buf.hex()
                end = (((buf[1] & 0x07) << 8) | buf[2]) + 2
                if len(buf) >= end:
                    out.append(bytes(buf[:end]))
                    del buf[:end]
                    continue
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{len(out)} of {count} frames within {WAIT} s"
            self._read(remaining)
        return out

    def frames(self, count: int = 1) -> list[HdlcFrame]:
        """The next ``count`` frames, decoded with their checksums verified."""
        return [HdlcFrame.decode(raw) for raw in self.raw_frames(count)]

    def frame(self) -> HdlcFrame:
        return self.frames(1)[0]

    def quiet(self) -> bytes:
        """Every octet received until the line stays quiet for :data:`QUIET`."""
        while self._read(QUIET):
            pass
        data = bytes(self.buffer)
        self.buffer.clear()
        return data

    def wpdu(self) -> bytes:
        """One answer of the wrapper: its header, as many octets as its length field
        announces, and whatever else arrives with them (within :data:`TRAILING`)."""
        deadline = time.monotonic() + WAIT
        buf = self.buffer
        while len(buf) < 8 or len(buf) < 8 + int.from_bytes(buf[6:8], "big"):
            assert time.monotonic() < deadline, f"no complete WPDU within {WAIT} s"
            self._read(deadline - time.monotonic())
        while self._read(TRAILING):
            pass
        data = bytes(buf)
        buf.clear()
        return data


def snrm(destination: HdlcAddress = SERVER) -> HdlcFrame:
    return HdlcFrame(destination=destination, source=PUBLIC,
                     control=HdlcControl(frame_type=T.SNRM), information=PROPOSAL.to_bytes())


def command(kind: HdlcFrameType) -> HdlcFrame:
    return HdlcFrame(destination=SERVER, source=PUBLIC, control=HdlcControl(frame_type=kind))


def rr(nr: int) -> HdlcFrame:
    return HdlcFrame(destination=SERVER, source=PUBLIC,
                     control=HdlcControl(frame_type=T.RR, receive_seq=nr))


def i_frame(ns: int, nr: int, apdu: bytes) -> HdlcFrame:
    return HdlcFrame(destination=SERVER, source=PUBLIC, control=HdlcControl.i_frame(ns, nr),
                     information=LLC_REQUEST + apdu)


def associated(wire: Wire) -> None:
    """SNRM/UA, AARQ/AARE of the public client: the next I frame is N(S)=1, N(R)=1."""
    wire.send(snrm())
    assert wire.frame().frame_type is T.UA
    wire.send(i_frame(0, 0, AARQ_PUBLIC))
    aare = wire.frame()
    assert aare.frame_type is T.I and aare.control.send_seq == 0


def wrapped(apdu: bytes) -> WrapperFrame:
    return WrapperFrame(source_wport=0x10, destination_wport=1, apdu=apdu)


def session_run(meter: RunningMeter, plan: MeterPlan, steps: Callable[[Session], object]
                ) -> tuple[list[TraceEntry], str]:
    """A client session of the public client over HDLC: connect, then ``steps``; the
    frames it received (before its release, if any) and ``"ok"`` or the violation it
    reported."""
    session = Session(session_config(plan, "public", transport=meter.endpoints[0]))
    outcome = "ok"
    try:
        with session:  # connects
            steps(session)
            received = session.recorder.frames(Direction.RECEIVED)
    except RemoteProtocolError as exc:
        outcome = str(exc)
        received = session.recorder.frames(Direction.RECEIVED)  # the DISC's UA at most
        session.__exit__(type(exc), exc, None)  # closed also when connect() failed
    return received, outcome


# -- the catalogue ------------------------------------------------------------------------
def test_list_faults_lists_the_link_faults() -> None:
    out = io.StringIO()
    assert main(["simulate", "--list-faults"], out=out) == 0
    listed = {line.split()[0]: line.split(None, 2) for line in out.getvalue().splitlines()}
    for fault in LinkFault:
        name, layer, description = listed[fault.value]
        wrapper = fault in (F.SWAPPED_WPORTS, F.WRAPPER_LENGTH_MISMATCH, F.WRONG_WRAPPER_VERSION)
        assert layer == ("wrapper" if wrapper else "hdlc")
        assert FAULTS[name].layer is FaultLayer(layer)
        assert description == FAULTS[name].description
    link_faults = [name for name in FAULTS if name in set(LinkFault)]
    assert link_faults == [f.value for f in LinkFault]  # HDLC first, then the wrapper


# -- link establishment and release -------------------------------------------------------
def test_ua_exceeds_proposal(plan: MeterPlan, clean: RunningMeter) -> None:
    def exchange(meter: RunningMeter) -> tuple[HdlcParameters, str]:
        received, outcome = session_run(meter, plan, lambda session: None)
        frame = HdlcFrame.decode(received[0].data)
        assert frame.frame_type is T.UA
        return HdlcParameters.decode(frame.information), outcome

    (conformant, ok), (stated, refused) = both(plan, clean, F.UA_EXCEEDS_PROPOSAL, exchange)
    assert ok == "ok" and conformant == PROPOSAL  # min(proposal, claims 512)
    assert refused.count("above the client's proposed") == 1
    assert (stated.max_info_field_length_transmit, stated.max_info_field_length_receive) \
        == (512, 512)  # the plan's claims.hdlc, above the proposal of 128
    assert (stated.window_size_transmit, stated.window_size_receive) == (1, 1)
    # Windows too, with a meter that claims 7.
    assert plan.claims.hdlc is not None
    wide = dataclasses.replace(plan, claims=dataclasses.replace(plan.claims, hdlc=HdlcSettings(
        max_info_field_tx=128, max_info_field_rx=128, window_tx=7, window_rx=7)))
    with start_meter(wide, listen=LISTEN) as meter:
        assert exchange(meter) == (PROPOSAL, "ok")
    with start_meter(wide, listen=LISTEN, faults=[F.UA_EXCEEDS_PROPOSAL.value]) as meter:
        stated, _ = exchange(meter)
    assert (stated.window_size_transmit, stated.window_size_receive) == (7, 7)
    assert stated.max_info_field_length_transmit == 128


def test_answers_before_snrm(plan: MeterPlan, clean: RunningMeter) -> None:
    def exchange(meter: RunningMeter) -> HdlcFrame:
        with Wire(meter) as wire:
            wire.send(i_frame(0, 0, AARQ_PUBLIC))  # no SNRM before
            return wire.frame()

    dm, served = both(plan, clean, F.ANSWERS_BEFORE_SNRM, exchange)
    assert dm.frame_type is T.DM and dm.control.poll_final and not dm.information
    assert served.frame_type is T.I and served.control == HdlcControl.i_frame(0, 1)
    assert served.source == SERVER and served.destination == PUBLIC
    assert served.information.startswith(LLC_RESPONSE)
    aare = decode_acse_apdu(served.information[3:])
    assert isinstance(aare, AARE) and aare.result is AssociationResult.ACCEPTED


def test_ua_for_disc_when_disconnected(plan: MeterPlan, clean: RunningMeter) -> None:
    def exchange(meter: RunningMeter) -> list[HdlcFrame]:
        with Wire(meter) as wire:
            wire.send(command(T.DISC))  # no link
            first = wire.frame()
            wire.send(snrm())
            wire.frame()
            wire.send(command(T.DISC))  # on a link: UA either way
            return [first, wire.frame()]

    conformant, deviating = both(plan, clean, F.UA_FOR_DISC_WHEN_DISCONNECTED, exchange)
    assert [f.frame_type for f in conformant] == [T.DM, T.UA]
    assert [f.frame_type for f in deviating] == [T.UA, T.UA]
    assert deviating[0].control.poll_final and not deviating[0].information
    assert (deviating[0].source, deviating[0].destination) == (SERVER, PUBLIC)


def test_answers_foreign_address(plan: MeterPlan, clean: RunningMeter) -> None:
    other = HdlcAddress.server(1, 17, size=4)  # physical 17: another meter on the bus

    def exchange(meter: RunningMeter) -> bytes:
        with Wire(meter) as wire:
            wire.send(snrm(other))
            answer = wire.quiet()
            wire.send(snrm())  # the meter's own address: answered either way
            assert wire.frame().source == SERVER
            return answer

    silence, answer = both(plan, clean, F.ANSWERS_FOREIGN_ADDRESS, exchange)
    assert silence == b""
    ua = HdlcFrame.decode(answer)
    assert ua.frame_type is T.UA and ua.source == other and ua.destination == PUBLIC


# -- frame and LLC format -----------------------------------------------------------------
def _checks(raw: bytes) -> tuple[bool, bool | None]:
    """(FCS right, HCS right or None without information field) of one raw frame."""
    frame = HdlcFrame.decode(raw, check_checksums=False)
    body = raw[1:-1]
    fcs_ok = fcs16(body[:-2]) == int.from_bytes(body[-2:], "little")
    if not frame.information:
        return fcs_ok, None
    n = frame.header_length
    return fcs_ok, fcs16(body[:n]) == int.from_bytes(body[n:n + 2], "little")


def _ua_dm_and_i(meter: RunningMeter) -> list[bytes]:
    """DISC without link (DM), SNRM (UA with parameters), AARQ (I frame): raw answers."""
    with Wire(meter) as wire:
        wire.send(command(T.DISC))
        out = wire.raw_frames()
        wire.send(snrm())
        out += wire.raw_frames()
        wire.send(i_frame(0, 0, AARQ_PUBLIC))
        return out + wire.raw_frames()


def test_bad_fcs(plan: MeterPlan, clean: RunningMeter) -> None:
    conformant, deviating = both(plan, clean, F.BAD_FCS, _ua_dm_and_i)
    assert [_checks(raw) for raw in conformant] == [(True, None), (True, True), (True, True)]
    assert [_checks(raw) for raw in deviating] == [(False, None), (False, True),
                                                   (False, True)]
    for raw in deviating:
        with pytest.raises(ChecksumError, match="FCS mismatch"):
            HdlcFrame.decode(raw)
    kinds = [HdlcFrame.decode(raw, check_checksums=False).frame_type for raw in deviating]
    assert kinds == [T.DM, T.UA, T.I]  # the same answers, only the FCS is wrong


def test_bad_hcs(plan: MeterPlan, clean: RunningMeter) -> None:
    conformant, deviating = both(plan, clean, F.BAD_HCS, _ua_dm_and_i)
    assert [_checks(raw) for raw in conformant] == [(True, None), (True, True), (True, True)]
    # DM has no information field, hence no HCS; UA and I carry a wrong one, right FCS
    assert [_checks(raw) for raw in deviating] == [(True, None), (True, False), (True, False)]
    with pytest.raises(ChecksumError, match="HCS mismatch"):
        HdlcFrame.decode(deviating[1])


@pytest.mark.parametrize("fault, header", [(F.NO_LLC, b""), (F.WRONG_LLC, LLC_REQUEST)])
def test_llc_header_of_responses(plan: MeterPlan, clean: RunningMeter, fault: LinkFault,
                                 header: bytes) -> None:
    def exchange(meter: RunningMeter) -> tuple[bytes, str]:
        received, outcome = session_run(meter, plan, Session.associate)
        i_frames = [f for f in (HdlcFrame.decode(e.data) for e in received)
                    if f.frame_type is T.I]
        return i_frames[0].information, outcome

    (conformant, ok), (deviating, refused) = both(plan, clean, fault, exchange)
    assert ok == "ok" and conformant[:4] == LLC_RESPONSE + b"\x61"  # E6 E7 00 AARE
    assert deviating == header + conformant[3:]  # the same AARE, another header
    assert "LLC header wrong or missing" in refused


def test_wrong_nr(plan: MeterPlan, clean: RunningMeter) -> None:
    def exchange(meter: RunningMeter) -> list[tuple[int | None, int | None]]:
        with Wire(meter) as wire:
            wire.send(snrm())
            wire.frame()
            out = []
            for ns, apdu in enumerate((AARQ_PUBLIC, GET_DEVICE_NAME)):
                wire.send(i_frame(ns, ns, apdu))
                reply = wire.frame()
                out.append((reply.control.send_seq, reply.control.receive_seq))
            wire.send(rr(2))  # RR frames carry the right N(R) either way
            reply = wire.frame()
            out.append((reply.control.send_seq, reply.control.receive_seq))
            return out

    conformant, deviating = both(plan, clean, F.WRONG_NR, exchange)
    assert conformant == [(0, 1), (1, 2), (None, 2)]
    assert deviating == [(0, 0), (1, 1), (None, 2)]  # never acknowledges the last I frame


# -- segmentation and flow control --------------------------------------------------------
def test_oversized_frames(plan: MeterPlan, clean: RunningMeter) -> None:
    def exchange(meter: RunningMeter) -> tuple[list[int], str]:
        def read(session: Session) -> None:
            session.associate()
            session.get(OBJECT_LIST, 15, 2)

        received, outcome = session_run(meter, plan, read)
        # the I frames of the AARE and of the GET answer
        return [e.info["frame"]["information_length"] for e in received
                if e.info["frame"]["type"] == "I"], outcome

    (conformant, ok), (deviating, refused) = both(plan, clean, F.OVERSIZED_FRAMES, exchange)
    assert ok == "ok" and max(conformant) == 128 and len(conformant) > 3
    assert deviating[0] == conformant[0]  # the AARE fits in one frame either way
    assert deviating[1] == sum(conformant[1:]) > 128  # the whole answer in one I frame
    assert "above the negotiated maximum of 128" in refused


def test_window_overrun(plan: MeterPlan, clean: RunningMeter) -> None:
    def exchange(meter: RunningMeter) -> list[tuple[int | None, bool, int]]:
        with Wire(meter) as wire:
            associated(wire)
            wire.send(i_frame(1, 1, GET_OBJECT_LIST))
            answer = wire.quiet()  # everything sent before any RR
        frames = []
        while answer:
            end = (((answer[1] & 0x07) << 8) | answer[2]) + 2
            frame = HdlcFrame.decode(answer[:end])
            frames.append((frame.control.send_seq, frame.control.poll_final,
                           len(frame.information)))
            answer = answer[end:]
        return frames

    conformant, deviating = both(plan, clean, F.WINDOW_OVERRUN, exchange)
    assert conformant == [(1, True, 128)]  # window 1: one segment, then RR awaited
    assert deviating == [(ns, ns == 7, 128) for ns in (1, 2, 3, 4, 5, 6, 7)]


def test_ignores_rr(plan: MeterPlan, clean: RunningMeter) -> None:
    def exchange(meter: RunningMeter) -> list[HdlcFrame]:
        with Wire(meter) as wire:
            associated(wire)
            wire.send(i_frame(1, 1, GET_OBJECT_LIST))
            first = wire.frame()
            assert first.segmented and first.control == HdlcControl.i_frame(1, 2)
            out, vr = [first], 2
            for _ in range(2):  # RR acknowledging every segment received: the next one
                wire.send(rr(vr))
                segment = wire.frame()
                out.append(segment)
                if segment.control.send_seq == vr:  # in sequence: accepted
                    vr += 1
            return out

    conformant, deviating = both(plan, clean, F.IGNORES_RR, exchange)
    assert [f.control.send_seq for f in conformant] == [1, 2, 3]
    assert len({f.information for f in conformant}) == 3
    assert [f.control.send_seq for f in deviating] == [1, 1, 1]
    assert deviating[1] == deviating[2] == deviating[0]  # the same segment again
    assert deviating[0] == conformant[0]


# -- wrapper ----------------------------------------------------------------------------------
def _wrapper_answers(meter: RunningMeter) -> list[bytes]:
    """AARQ and GET of the public client over the wrapper: the octets of each answer."""
    with Wire(meter, wrapper=True) as wire:
        wire.send(wrapped(AARQ_PUBLIC))
        out = [wire.wpdu()]
        wire.send(wrapped(GET_OBJECT_LIST))
        return [*out, wire.wpdu()]


def _headers(answers: list[bytes]) -> list[tuple[int, int, int, int]]:
    """(version, source wPort, destination wPort, length field - APDU octets)."""
    out = []
    for wpdu in answers:
        header = WrapperHeader.decode(wpdu, check_version=False)
        out.append((header.version, header.source_wport, header.destination_wport,
                    header.length - (len(wpdu) - 8)))
    return out


def test_swapped_wports(plan: MeterPlan, clean: RunningMeter) -> None:
    conformant, deviating = both(plan, clean, F.SWAPPED_WPORTS, _wrapper_answers)
    assert _headers(conformant) == [(1, 1, 0x10, 0)] * 2
    assert _headers(deviating) == [(1, 0x10, 1, 0)] * 2
    assert [d[8:] for d in deviating] == [c[8:] for c in conformant]


def test_wrapper_length_mismatch(plan: MeterPlan, clean: RunningMeter) -> None:
    conformant, deviating = both(plan, clean, F.WRAPPER_LENGTH_MISMATCH, _wrapper_answers)
    assert _headers(conformant) == [(1, 1, 0x10, 0)] * 2
    assert _headers(deviating) == [(1, 1, 0x10, -1)] * 2  # one octet more than announced
    assert [d[8:] for d in deviating] == [c[8:] for c in conformant]
    assert isinstance(decode_acse_apdu(conformant[0][8:]), AARE)


def test_wrong_wrapper_version(plan: MeterPlan, clean: RunningMeter) -> None:
    conformant, deviating = both(plan, clean, F.WRONG_WRAPPER_VERSION, _wrapper_answers)
    assert _headers(conformant) == [(1, 1, 0x10, 0)] * 2
    assert _headers(deviating) == [(2, 1, 0x10, 0)] * 2
    assert [d[8:] for d in deviating] == [c[8:] for c in conformant]
