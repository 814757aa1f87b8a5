"""Every wait of the session is bounded and names the exchange; the clock is injected, so
these tests move a fake clock instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.client import Session, SessionConfig, Timeouts
from conformance.codec.axdr import OctetString
from conformance.codec.hdlc import FrameReceived, HdlcAddress, HdlcControl, HdlcFrame, HdlcFrameType
from conformance.codec.wrapper import WrapperDeframer, WrapperFrame
from conformance.codec.xdlms.get import GetResponseNormal
from conformance.errors import TransportTimeout
from conformance.protocol.association import OfferedAssociation, ServerConfig
from conformance.protocol.hdlc import HdlcConfig
from conformance.transport import ConnectionClosed, Framing
from tests.client.scripted import (
    FakeClock,
    HdlcResponder,
    ScriptedTransport,
    public_association,
    silent,
)

PUBLIC = ServerConfig(associations={0x10: OfferedAssociation()})
METER_HDLC = HdlcConfig(server_address=SessionConfig(transport="hdlc+tcp://h:1")
                        .server_address)


def _session(transport: ScriptedTransport, framing: Framing = Framing.HDLC,
             **changes: object) -> Session:
    config = SessionConfig(transport=transport, framing=framing,
                           timeouts=Timeouts(response=2.0, inter_frame=0.5), **changes)
    return Session(config, clock=transport.clock)


def test_no_ua_to_snrm() -> None:
    clock = FakeClock()
    transport = ScriptedTransport(clock, silent)
    session = _session(transport)
    with pytest.raises(TransportTimeout) as info:
        session.connect()
    assert str(info.value) == "no UA to SNRM after 2.0 s from scripted meter"
    assert clock.now == 1002.0 and transport.real_waits < 0.5


def test_the_meter_is_named_as_configured() -> None:
    transport = ScriptedTransport(FakeClock(), silent)
    session = _session(transport, name="hdlc+tcp://127.0.0.1:4059")
    with pytest.raises(TransportTimeout,
                       match=r"^no UA to SNRM after 2\.0 s from hdlc\+tcp://127\.0\.0\.1:4059$"):
        session.connect()


def test_no_aare_to_aarq() -> None:
    clock = FakeClock()
    transport = ScriptedTransport(clock, HdlcResponder(METER_HDLC, lambda apdu: []))
    session = _session(transport)
    session.connect()
    started = clock.now
    with pytest.raises(TransportTimeout, match=r"^no AARE to AARQ after 2\.0 s from"):
        session.associate()
    assert clock.now - started == 2.0


def test_no_response_to_get_names_the_request() -> None:
    clock = FakeClock()
    transport = ScriptedTransport(clock, HdlcResponder(METER_HDLC, public_association(PUBLIC)))
    session = _session(transport)
    session.connect()
    session.associate()
    with pytest.raises(TransportTimeout, match=r"^no response to GET 0-0:96\.1\.0\*255 "
                                               r"class 1 attribute 2 after 2\.0 s"):
        session.get("0.0.96.1.0.255", 1, 2)


def test_wrapper_timeout() -> None:
    clock = FakeClock()
    session = _session(ScriptedTransport(clock, silent), Framing.WRAPPER)
    session.connect()  # nothing to establish
    with pytest.raises(TransportTimeout, match=r"^no AARE to AARQ after 2\.0 s"):
        session.associate()
    assert clock.now == 1002.0


def test_partial_frame_dropped_after_the_inter_frame_timeout() -> None:
    clock = FakeClock()
    responder = HdlcResponder(METER_HDLC, lambda apdu: [], truncate=10)
    session = _session(ScriptedTransport(clock, responder))
    with pytest.raises(TransportTimeout, match="no UA to SNRM"):
        session.connect()
    notes = [e.text for e in session.recorder.entries]
    assert "HDLC: incomplete frame dropped (inter-octet timeout)" in notes


def test_slow_segments_within_the_timeout_each_complete_the_answer() -> None:
    # A 300-octet answer comes in three segments, each 1.5 s after its poll: 4.5 s in
    # all, more than the 2 s response timeout, but the meter is never silent for 2 s.
    clock = FakeClock()
    association = public_association(PUBLIC)

    def on_apdu(apdu: bytes) -> list[bytes]:
        if apdu[0] == 0xC0:
            return [GetResponseNormal(invoke_id_and_priority=apdu[2],
                                      result=OctetString(value=bytes(300))).to_bytes()]
        return association(apdu)

    transport = ScriptedTransport(clock, HdlcResponder(METER_HDLC, on_apdu))
    session = _session(transport)
    session.connect()
    session.associate()
    transport.latency = 1.5
    started = clock.now
    assert session.get("0.0.96.1.0.255", 1, 2) == OctetString(value=bytes(300))
    assert clock.now - started == 4.5


def test_connection_closed_while_waiting() -> None:
    transport = ScriptedTransport(FakeClock(), silent, closed_after=1)
    session = _session(transport)
    with pytest.raises(ConnectionClosed, match="closed while waiting for UA to SNRM"):
        session.connect()


def test_send_raw_returns_silence_or_the_answer() -> None:
    clock = FakeClock()
    session = _session(ScriptedTransport(clock, silent))
    session.open()
    assert session.send_raw(b"\x7e\x7e", timeout=0.75) == b""
    assert clock.now == 1000.75
    client, server = HdlcAddress.client(0x10), HdlcAddress.server(1)
    snrm = HdlcFrame(destination=server, source=client,
                     control=HdlcControl(frame_type=HdlcFrameType.SNRM)).to_bytes()
    ua = HdlcFrame(destination=client, source=server,
                   control=HdlcControl(frame_type=HdlcFrameType.UA)).to_bytes()
    transport = ScriptedTransport(clock, lambda data: ua if data == snrm else b"")
    session = _session(transport)
    session.open()
    assert session.send_raw(snrm) == ua
    entries = session.recorder.to_dicts()
    assert entries[1]["text"] == "raw send"
    frames = [e["frame"]["type"] for e in entries if e["kind"] == "frame"]
    assert frames == ["SNRM", "UA"]


def test_trace_is_stamped_by_the_session_clock() -> None:
    clock = FakeClock()
    session = _session(ScriptedTransport(clock, silent))
    with pytest.raises(TransportTimeout):
        session.connect()
    times = [e.time for e in session.recorder.entries]
    assert times[0] == 1000.0 and times == sorted(times)


class _WrapperResponder:
    """A wrapper meter answering synchronously: ``on_apdu(apdu) -> answers``."""

    def __init__(self, on_apdu: Callable[[bytes], list[bytes]]) -> None:
        self.deframer = WrapperDeframer()
        self.on_apdu = on_apdu

    def __call__(self, data: bytes) -> bytes:
        self.deframer.receive_data(data)
        out = bytearray()
        while isinstance(event := self.deframer.next_event(), FrameReceived):
            wpdu = event.frame
            for answer in self.on_apdu(wpdu.apdu):
                out += WrapperFrame(source_wport=wpdu.destination_wport,
                                    destination_wport=wpdu.source_wport,
                                    apdu=answer).to_bytes()
        return bytes(out)


def test_a_late_answer_to_a_timed_out_get_does_not_fail_the_next_one() -> None:
    # The meter answers the first GET only together with the second one (its first answer
    # comes late): over the wrapper the session goes on, notes the late answer, and the
    # second GET gets its own value, not the first one's nor an invoke-id violation.
    clock = FakeClock()
    association = public_association(PUBLIC)
    held: list[bytes] = []
    gets = 0

    def on_apdu(apdu: bytes) -> list[bytes]:
        nonlocal gets
        if apdu[0] != 0xC0:
            return association(apdu)
        gets += 1
        answer = GetResponseNormal(invoke_id_and_priority=apdu[2],
                                   result=OctetString(value=bytes([apdu[2] & 0x0F]))
                                   ).to_bytes()
        if gets == 1:
            held.append(answer)
            return []
        late, held[:] = list(held), []
        return [*late, answer]

    session = _session(ScriptedTransport(clock, _WrapperResponder(on_apdu)), Framing.WRAPPER)
    session.connect()
    session.associate()
    with pytest.raises(TransportTimeout, match="no response to GET"):
        session.get("0.0.96.1.0.255", 1, 2)
    second = session.get("0.0.96.1.0.255", 1, 2)
    first_invoke = session.last_confirm.invoke_id_and_priority - 1  # type: ignore[union-attr]
    assert second != OctetString(value=bytes([first_invoke & 0x0F]))
    assert second == OctetString(value=bytes([(first_invoke + 1) & 0x0F]))
    notes = [e for e in session.recorder.entries if e.text.startswith("late response")]
    assert len(notes) == 1 and notes[0].info["invoke_id"] == first_invoke & 0x0F
    assert session.get("0.0.96.1.0.255", 1, 2) is not None  # in step afterwards
