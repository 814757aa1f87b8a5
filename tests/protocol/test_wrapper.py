"""The IEC 62056-47 wrapper machine: the shared WRAPPER vectors taken and produced byte for
byte, streams fed whole, byte by byte and in random pieces, version / wPort / size checks,
the end of the stream, and the deviation hook."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.wrapper import WrapperFrame
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.wrapper import (
    NEED_DATA,
    TRANSITIONS,
    ConnectionClosed,
    Data,
    FrameDiscarded,
    WrapperConfig,
    WrapperDiscardReason,
    WrapperMachine,
    WrapperMachineEvent,
    WrapperState,
    WrapperTrigger,
)
from tests.vectors import hexbytes, vector

VALID = ("wrapper-aare-qos", "wrapper-header-jdlms-v0001",
         "wrapper-rlre-iskra-nonstandard-reason")


def drain(machine: WrapperMachine) -> list[WrapperMachineEvent]:
    events: list[WrapperMachineEvent] = []
    while (event := machine.next_event()) is not NEED_DATA:
        events.append(event)
    return events


@pytest.mark.parametrize("vector_id", VALID)
def test_vectors_taken_and_produced(vector_id: str) -> None:
    v = vector(vector_id)
    raw = hexbytes(v["hex"])
    expected = v["expected"]
    source, destination = expected["source_wport"], expected["destination_wport"]
    receiver = WrapperMachine(WrapperConfig(local_wport=destination, remote_wport=source))
    receiver.receive_data(raw)
    assert drain(receiver) == [Data(apdu=raw[8:], source_wport=source,
                                    destination_wport=destination)]
    sender = WrapperMachine(WrapperConfig(local_wport=source, remote_wport=destination))
    assert sender.send(Data(apdu=raw[8:])) == raw


def test_illegal_version_discarded_and_the_stream_goes_on() -> None:
    bad = hexbytes(vector("wrapper-header-jdlms-v1001")["hex"])
    good = hexbytes(vector("wrapper-header-jdlms-v0001")["hex"])
    machine = WrapperMachine(WrapperConfig(local_wport=0x11, remote_wport=0x10))
    machine.receive_data(bad + good)
    discarded, data = drain(machine)
    assert isinstance(discarded, FrameDiscarded)
    assert discarded.reason is WrapperDiscardReason.ILLEGAL_VERSION
    assert discarded.data == bad and "0x1001" in discarded.detail
    assert data == Data(apdu=good[8:], source_wport=0x10, destination_wport=0x11)


@given(cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_stream_in_any_pieces(cuts: list[int]) -> None:
    stream = b"".join(hexbytes(vector(v)["hex"]) for v in VALID)
    machine = WrapperMachine(WrapperConfig(local_wport=1))  # any source
    bounds = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    events: list[WrapperMachineEvent] = []
    for a, b in itertools.pairwise(bounds):
        machine.receive_data(stream[a:b])
        events += drain(machine)
    # only the WPDUs addressed to wPort 1 are data; the jDLMS one goes to 0x11
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["FrameDiscarded", "FrameDiscarded", "Data"]


def test_byte_by_byte_with_trailing_partial_wpdu() -> None:
    raw = hexbytes(vector("wrapper-aare-qos")["hex"])
    machine = WrapperMachine(WrapperConfig(local_wport=100, remote_wport=1))
    events: list[WrapperMachineEvent] = []
    for octet in raw + raw[:11]:
        machine.receive_data(bytes([octet]))
        events += drain(machine)
    assert len(events) == 1 and isinstance(events[0], Data)
    machine.receive_eof()
    truncated, closed = drain(machine)
    assert isinstance(truncated, FrameDiscarded)
    assert truncated.reason is WrapperDiscardReason.TRUNCATED and truncated.data == raw[:11]
    assert closed == ConnectionClosed() and machine.state is WrapperState.CLOSED
    assert machine.next_event() is NEED_DATA
    with pytest.raises(LocalProtocolError):
        machine.receive_data(b"\x00")
    with pytest.raises(LocalProtocolError, match="closed"):
        machine.send(Data(apdu=b"\x01"))


def test_ports_checked() -> None:
    machine = WrapperMachine(WrapperConfig(local_wport=1, remote_wport=0x10))
    for source, destination in ((0x10, 2), (0x20, 1)):
        machine.receive_data(WrapperFrame(source_wport=source, destination_wport=destination,
                                          apdu=b"\xc4").to_bytes())
        (event,) = drain(machine)
        assert isinstance(event, FrameDiscarded)
        assert event.reason is WrapperDiscardReason.OTHER_ADDRESS
    # a server for any client answers the client it last heard from
    server = WrapperMachine(WrapperConfig(local_wport=1))
    with pytest.raises(LocalProtocolError, match="destination"):
        server.send(Data(apdu=b"\x01"))
    server.receive_data(WrapperFrame(source_wport=0x20, destination_wport=1,
                                     apdu=b"\xc0").to_bytes())
    drain(server)
    assert WrapperFrame.decode(server.send(Data(apdu=b"\xc4"))).destination_wport == 0x20
    explicit = server.send(Data(apdu=b"\xc4", source_wport=2, destination_wport=0x30))
    assert (WrapperFrame.decode(explicit).source_wport,
            WrapperFrame.decode(explicit).destination_wport) == (2, 0x30)


def test_sizes_checked() -> None:
    machine = WrapperMachine(WrapperConfig(local_wport=1, remote_wport=0x10,
                                           max_receive_apdu_size=4, max_transmit_apdu_size=3))
    machine.receive_data(WrapperFrame(source_wport=0x10, destination_wport=1,
                                      apdu=bytes(5)).to_bytes()
                         + WrapperFrame(source_wport=0x10, destination_wport=1).to_bytes()
                         + WrapperFrame(source_wport=0x10, destination_wport=1,
                                        apdu=bytes(4)).to_bytes())
    with pytest.raises(RemoteProtocolError, match="exceeds"):
        machine.next_event()
    with pytest.raises(RemoteProtocolError, match="empty"):
        machine.next_event()
    assert machine.next_event() == Data(apdu=bytes(4), source_wport=0x10, destination_wport=1)
    with pytest.raises(LocalProtocolError, match="exceeds"):
        machine.send(Data(apdu=bytes(4)))
    with pytest.raises(LocalProtocolError, match="empty"):
        machine.send(Data(apdu=b""))
    assert len(machine.send(Data(apdu=bytes(3)))) == 11


def test_frame_filter() -> None:
    def wrong_version(frame: WrapperFrame) -> WrapperFrame:
        return dataclasses.replace(frame, version=2)

    sender = WrapperMachine(WrapperConfig(local_wport=0x10, remote_wport=1),
                            frame_filter=wrong_version)
    receiver = WrapperMachine(WrapperConfig(local_wport=1, remote_wport=0x10))
    receiver.receive_data(sender.send(Data(apdu=b"\xc0")))
    (event,) = drain(receiver)
    assert isinstance(event, FrameDiscarded)
    assert event.reason is WrapperDiscardReason.ILLEGAL_VERSION
    silent = WrapperMachine(WrapperConfig(local_wport=0x10, remote_wport=1),
                            frame_filter=lambda f: None)
    assert silent.send(Data(apdu=b"\xc0")) == b""


def test_table_and_config() -> None:
    assert (WrapperState.CLOSED, WrapperTrigger.SEND) not in TRANSITIONS
    assert TRANSITIONS[(WrapperState.OPEN, WrapperTrigger.END_OF_STREAM)] is WrapperState.CLOSED
    for bad in ({"local_wport": 0x10000}, {"local_wport": 1, "remote_wport": -1},
                {"local_wport": 1, "max_receive_apdu_size": 0},
                {"local_wport": 1, "max_transmit_apdu_size": 0x10000}):
        with pytest.raises(ValueError):
            WrapperConfig(**bad)
    with pytest.raises(ValueError):
        Data(apdu=b"", source_wport=0x10000)


@given(apdus=st.lists(st.binary(min_size=1, max_size=600), min_size=1, max_size=5),
       chunk=st.integers(min_value=1, max_value=700))
def test_round_trip_between_two_ends(apdus: list[bytes], chunk: int) -> None:
    client = WrapperMachine(WrapperConfig(local_wport=0x10, remote_wport=1))
    server = WrapperMachine(WrapperConfig(local_wport=1, remote_wport=0x10))
    stream = b"".join(client.send(Data(apdu=a)) for a in apdus)
    received: list[WrapperMachineEvent] = []
    for i in range(0, len(stream), chunk):
        server.receive_data(stream[i:i + chunk])
        received += drain(server)
    assert received == [Data(apdu=a, source_wport=0x10, destination_wport=1) for a in apdus]
