"""IEC 62056-21 mode E sign-on over real pseudo-terminals and over the loopback pair."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from conformance.errors import CodecError, RemoteProtocolError, TransportTimeout
from conformance.transport.base import IncompleteReceive, LineSettings, Parity
from conformance.transport.iec21 import (
    AcknowledgementMessage,
    IdentificationMessage,
    SevenBitMode,
    encode_seven_bit,
)
from conformance.transport.loopback import Faults, LoopbackPair
from conformance.transport.mode_e import (
    REACTION_TIME_MIN,
    REACTION_TIME_MIN_SHORT,
    answer_sign_on,
    binary_line_settings,
    sign_on,
    sign_on_line_settings,
)
from conformance.transport.pty import PtyPair
from conformance.transport.serial import SerialTransport

from ._threads import Background

# a lower-case third letter: tr min is 20 ms, which keeps these tests fast and conformant
METER = IdentificationMessage(manufacturer_id="SIm", baud_rate_id="5",
                              identification="REFMETER-1")
NO_SLEEP = 0.0


@pytest.fixture
def line() -> Iterator[tuple[PtyPair, SerialTransport]]:
    with PtyPair() as pair, SerialTransport(pair.slave_path) as client:
        yield pair, client


def test_full_sign_on_over_a_pty_switches_both_ends(
        line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               request_timeout=2.0))
    result = sign_on(client, switch_delay=NO_SLEEP)
    seen = server.result()

    assert result.identification == METER
    assert result.acknowledgement == AcknowledgementMessage(
        protocol_control="2", baud_rate_id="5", mode_control="2")
    assert REACTION_TIME_MIN_SHORT - 0.005 <= result.reaction_time < 1.0
    nine_six = LineSettings(baudrate=9600, bytesize=8, parity=Parity.NONE, stopbits=1)
    assert result.line_settings == seen.line_settings == nine_six
    # the client's port reports the new format, and the kernel has the new speed
    port = client.port
    assert port is not None
    assert (port.baudrate, port.bytesize, port.parity, port.stopbits) == (9600, 8, "N", 1)
    assert client.line_settings == nine_six
    assert pair.master.peer_line_settings().baudrate == 9600
    assert pair.master.line_settings == nine_six
    assert seen.request.device_address == "" and seen.acknowledgement.is_mode_e
    # and the line now carries binary data both ways (HDLC would start here)
    client.send(b"\x7e\xa0\x07\x03\x21\x93\x0f\x01\x7e")
    assert pair.master.recv_exactly(9, 1.0) == b"\x7e\xa0\x07\x03\x21\x93\x0f\x01\x7e"
    pair.master.send(b"\x7e\xff\x00")
    assert client.recv_exactly(3, 1.0) == b"\x7e\xff\x00"


def test_exact_bytes_on_the_wire_native(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    task = Background(lambda: sign_on(client, device_address="4711", switch_delay=NO_SLEEP))
    assert pair.master.recv_until(b"\n", 2.0, limit=64) == b"/?4711!\r\n"
    assert pair.master.peer_line_settings().baudrate == 300  # the sign-on speed
    pair.master.send(b"/ABC6\\2XYZ\r\n")
    assert pair.master.recv_exactly(6, 2.0) == b"\x06262\r\n"
    result = task.result()
    assert result.line_settings.baudrate == 19200
    assert result.identification.identification == "XYZ"


def test_exact_bytes_on_the_wire_emulated_parity(
        line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    task = Background(lambda: sign_on(client, seven_bit=SevenBitMode.EMULATED,
                                      switch_delay=NO_SLEEP))
    # '/' and CR carry their even parity bit in bit 7
    assert pair.master.recv_until(b"\n", 2.0, limit=64) == bytes.fromhex("AF3F218D0A")
    pair.master.send(encode_seven_bit(b"/ABC5\\2XYZ\r\n", SevenBitMode.EMULATED))
    assert pair.master.recv_exactly(6, 2.0) == bytes.fromhex("06B235B28D0A")
    assert task.result().line_settings.baudrate == 9600


def test_emulated_parity_on_both_ends(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               seven_bit=SevenBitMode.EMULATED,
                                               request_timeout=2.0))
    result = sign_on(client, seven_bit=SevenBitMode.EMULATED, switch_delay=NO_SLEEP)
    assert server.result().line_settings == result.line_settings
    assert sign_on_line_settings(SevenBitMode.EMULATED) == LineSettings(baudrate=300)


def test_native_server_rejects_parity_bits_it_should_not_see(
        line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               request_timeout=2.0))
    with pytest.raises(TransportTimeout):
        sign_on(client, seven_bit=SevenBitMode.EMULATED, identification_timeout=0.3)
    with pytest.raises(CodecError, match="bit 7") as info:
        server.result()
    assert info.value.path == "request_message" and info.value.offset == 0


def test_masked_server_accepts_them(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    client.apply_line_settings(sign_on_line_settings(SevenBitMode.EMULATED))
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               seven_bit=SevenBitMode.MASKED,
                                               request_timeout=2.0))
    client.send(encode_seven_bit(b"/?!\r\n", SevenBitMode.EMULATED))
    assert client.recv_until(b"\n", 2.0, limit=64) == b"/SIm5\\2REFMETER-1\r\n"
    client.send(b"\x06252\r\n")
    assert server.result().acknowledgement.baud_rate == 9600


def test_echo_of_the_request_is_skipped(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    task = Background(lambda: sign_on(client, switch_delay=NO_SLEEP))
    request = pair.master.recv_until(b"\n", 2.0, limit=64)
    pair.master.send(request)  # a half-duplex optical head hears itself
    time.sleep(0.03)
    pair.master.send(b"/ABC5\\2X\r\n")
    assert pair.master.recv_exactly(6, 2.0) == b"\x06252\r\n"
    assert task.result().identification.manufacturer_id == "ABC"


def test_client_chooses_a_lower_rate(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               request_timeout=2.0))
    result = sign_on(client, baud_rate_id="3", switch_delay=NO_SLEEP)
    assert result.line_settings == server.result().line_settings == binary_line_settings("3")
    assert pair.master.peer_line_settings().baudrate == 2400


def test_silent_meter_times_out(line: tuple[PtyPair, SerialTransport]) -> None:
    _, client = line
    start = time.monotonic()
    with pytest.raises(TransportTimeout, match=client.url):
        sign_on(client, identification_timeout=0.2)
    assert time.monotonic() - start < 1.0


def test_meter_without_mode_e(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    task = Background(lambda: sign_on(client, switch_delay=NO_SLEEP))
    pair.master.recv_until(b"\n", 2.0, limit=64)
    pair.master.send(b"/LGZ5ZMD3104100\r\n")  # mode C only: no \2
    with pytest.raises(RemoteProtocolError, match="does not offer protocol mode E"):
        task.result()
    assert client.line_settings.baudrate == 300  # no switch happened


def test_mode_e_meter_with_a_mode_b_rate(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    task = Background(lambda: sign_on(client, switch_delay=NO_SLEEP))
    pair.master.recv_until(b"\n", 2.0, limit=64)
    pair.master.send(b"/LGZE\\2ZMD\r\n")
    with pytest.raises(RemoteProtocolError, match="not a mode C/E code"):
        task.result()


def test_malformed_identification(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    task = Background(lambda: sign_on(client, switch_delay=NO_SLEEP))
    pair.master.recv_until(b"\n", 2.0, limit=64)
    pair.master.send(b"/Ab5\\2X\r\n")
    with pytest.raises(CodecError) as info:
        task.result()
    assert info.value.path == "identification_message.manufacturer_id"
    assert info.value.offset == 2


def test_identification_cut_short(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    task = Background(lambda: sign_on(client, identification_timeout=0.3))
    pair.master.recv_until(b"\n", 2.0, limit=64)
    pair.master.send(b"/ABC5\\2X")
    with pytest.raises(IncompleteReceive, match="identification_message stopped after 8") \
            as info:
        task.result()
    assert info.value.received == b"/ABC5\\2X"


def test_identification_without_lf_is_bounded(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    task = Background(lambda: sign_on(client, switch_delay=NO_SLEEP))
    pair.master.recv_until(b"\n", 2.0, limit=64)
    pair.master.send(b"/ABC5\\2" + b"X" * 100)
    with pytest.raises(CodecError, match="no LF within 64 bytes"):
        task.result()


def test_server_ignores_other_addresses(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               device_address="42", request_timeout=2.0))
    client.apply_line_settings(sign_on_line_settings(SevenBitMode.NATIVE))
    client.send(b"/?17!\r\n")
    with pytest.raises(TransportTimeout):  # not addressed to it: no answer
        client.recv(1, 0.15)
    result = sign_on(client, device_address="42", switch_delay=NO_SLEEP)
    assert server.result().request.device_address == "42"
    assert result.identification == METER


def test_server_default_reaction_time_follows_the_manufacturer_id() -> None:
    slow_meter = IdentificationMessage(manufacturer_id="SIM", baud_rate_id="5")
    with LoopbackPair() as pair:
        server = Background(lambda: answer_sign_on(pair.server, identification=slow_meter,
                                                   request_timeout=2.0))
        result = sign_on(pair.client, switch_delay=NO_SLEEP)
        server.result()
    assert REACTION_TIME_MIN - 0.005 <= result.reaction_time < 1.0


def test_server_rejects_an_acknowledgement_without_mode_e(
        line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               request_timeout=2.0))
    client.apply_line_settings(sign_on_line_settings(SevenBitMode.NATIVE))
    client.send(b"/?!\r\n")
    client.recv_until(b"\n", 2.0, limit=64)
    client.send(b"\x06050\r\n")  # data readout, mode C
    with pytest.raises(RemoteProtocolError, match="does not select mode E"):
        server.result()
    assert pair.master.line_settings.baudrate == 300


def test_server_rejects_a_rate_above_its_offer(line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               request_timeout=2.0))
    client.apply_line_settings(sign_on_line_settings(SevenBitMode.NATIVE))
    client.send(b"/?!\r\n")
    client.recv_until(b"\n", 2.0, limit=64)
    client.send(b"\x06262\r\n")  # 19200 baud: the meter offered 9600
    with pytest.raises(RemoteProtocolError, match="above the 9600 baud offered"):
        server.result()


def test_server_request_timeout_and_malformed_request(
        line: tuple[PtyPair, SerialTransport]) -> None:
    pair, client = line
    with pytest.raises(TransportTimeout):
        answer_sign_on(pair.master, identification=METER, request_timeout=0.05)
    server = Background(lambda: answer_sign_on(pair.master, identification=METER,
                                               request_timeout=2.0))
    client.send(b"/X!\r\n")
    with pytest.raises(CodecError) as info:
        server.result()
    assert info.value.path == "request_message.transmission_request_command"


def test_server_identification_must_offer_mode_e() -> None:
    with LoopbackPair() as pair, pytest.raises(ValueError):
        answer_sign_on(pair.server, identification=IdentificationMessage(
            manufacturer_id="ABC", baud_rate_id="5", enhanced_ids=""))


@pytest.mark.parametrize(("client_mode", "server_mode"), [
    (SevenBitMode.NATIVE, SevenBitMode.NATIVE),
    (SevenBitMode.NATIVE, SevenBitMode.EMULATED),
    (SevenBitMode.EMULATED, SevenBitMode.NATIVE),
    (SevenBitMode.EMULATED, SevenBitMode.EMULATED),
])
def test_loopback_wire_model_mixes_native_and_emulated(
        client_mode: SevenBitMode, server_mode: SevenBitMode) -> None:
    # over a modelled wire, a 7E1 UART and an 8N1 port with parity in bit 7 interoperate
    with LoopbackPair() as pair:
        server = Background(lambda: answer_sign_on(pair.server, identification=METER,
                                                   seven_bit=server_mode,
                                                   request_timeout=2.0))
        result = sign_on(pair.client, seven_bit=client_mode, switch_delay=NO_SLEEP)
        assert server.result().line_settings == result.line_settings
        pair.client.send(b"\x7e\x80\xff")
        assert pair.server.recv(10, 1.0) == b"\x7e\x80\xff"


def test_byte_by_byte_delivery_and_switch_timing_over_loopback() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(split=1)
        pair.server_to_client = Faults(split=1)
        server = Background(lambda: answer_sign_on(pair.server, identification=METER,
                                                   request_timeout=2.0))
        sleeps: list[float] = []
        result = sign_on(pair.client, switch_delay=0.25, sleep=sleeps.append)
        server.result()
        assert sleeps == [0.25] and result.line_settings.baudrate == 9600


def test_client_switching_too_early_loses_the_line() -> None:
    # a server that never switches: the client's 9600 baud bytes never arrive at 300 baud
    with LoopbackPair() as pair:
        pair.server.apply_line_settings(sign_on_line_settings(SevenBitMode.NATIVE))
        task = Background(lambda: sign_on(pair.client, switch_delay=NO_SLEEP))
        pair.server.recv_until(b"\n", 2.0, limit=64)
        pair.server.send(b"/ABC5\\2X\r\n")
        assert pair.server.recv_exactly(6, 2.0) == b"\x06252\r\n"
        task.result()
        pair.client.send(b"\x7e\xa0")
        with pytest.raises(TransportTimeout):
            pair.server.recv(10, 0.05)
