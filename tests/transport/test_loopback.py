"""The in-process null modem and its fault hooks."""

from __future__ import annotations

import threading
import time

import pytest

from conformance.errors import TransportError, TransportTimeout
from conformance.transport.base import ConnectionClosed, LineSettings, Parity, Transport
from conformance.transport.loopback import (
    Faults,
    LoopbackPair,
    always,
    flip_bits,
    nth,
    truncate,
)

SEVEN_E1 = LineSettings(baudrate=300, bytesize=7, parity=Parity.EVEN)
EIGHT_N1_300 = LineSettings(baudrate=300, bytesize=8, parity=Parity.NONE)


def drain(end: Transport, timeout: float = 0.05) -> list[bytes]:
    """Every piece readable now, one recv each."""
    pieces = []
    while True:
        try:
            pieces.append(end.recv(1024, timeout))
        except TransportTimeout:
            return pieces


def test_bytes_flow_both_ways_and_ends_describe_themselves() -> None:
    with LoopbackPair(name="hdlc-pipe") as pair:
        pair.client.send(b"\x7e\xa0\x07")
        assert pair.server.recv(100, 0.5) == b"\x7e\xa0\x07"
        pair.server.send(b"reply")
        assert pair.client.recv(100, 0.5) == b"reply"
        assert pair.client.describe() == "hdlc-pipe client end"
        assert pair.server.peer is pair.client and pair.client.peer is pair.server


def test_timeout_names_the_end() -> None:
    with LoopbackPair() as pair, pytest.raises(TransportTimeout, match=r"server end.*0\.02 s"):
        pair.server.recv(10, 0.02)


def test_one_piece_per_recv_and_partial_reads() -> None:
    with LoopbackPair() as pair:
        pair.client.send(b"first")
        pair.client.send(b"second")
        assert pair.server.recv(3, 0.1) == b"fir"
        assert pair.server.recv(100, 0.1) == b"st"
        assert pair.server.recv(100, 0.1) == b"second"


def test_drop_nth_chunk() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(drop=nth(1, 3))
        for chunk in (b"c0", b"c1", b"c2", b"c3", b"c4"):
            pair.client.send(chunk)
        assert drain(pair.server) == [b"c0", b"c2", b"c4"]
        # the other direction is untouched
        pair.server.send(b"ok")
        assert pair.client.recv(10, 0.1) == b"ok"


def test_drop_by_content() -> None:
    with LoopbackPair() as pair:
        pair.server_to_client = Faults(drop=lambda _i, chunk: chunk.startswith(b"\x7e\xa0"))
        pair.server.send(b"\x7e\xa0\x1f")
        pair.server.send(b"\x7e\xa8\x1f")
        assert drain(pair.client) == [b"\x7e\xa8\x1f"]


def test_corrupt_flip_bits_selected_chunks() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(corrupt=flip_bits(-2, 0xFF), corrupt_when=nth(1))
        pair.client.send(b"\x01\x02\x03")
        pair.client.send(b"\x01\x02\x03")
        pair.client.send(b"\x01")  # too short for offset -2 anyway
        assert drain(pair.server) == [b"\x01\x02\x03", b"\x01\xfd\x03", b"\x01"]


def test_corrupt_may_shorten_or_remove() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(corrupt=truncate(2))
        pair.client.send(b"abcdef")
        assert drain(pair.server) == [b"ab"]
        pair.client_to_server = Faults(corrupt=lambda _chunk: b"")
        pair.client.send(b"gone")
        assert drain(pair.server) == []


def test_duplicate() -> None:
    with LoopbackPair() as pair:
        pair.server_to_client = Faults(duplicate=nth(0))
        pair.server.send(b"UA")
        pair.server.send(b"I")
        assert drain(pair.client) == [b"UA", b"UA", b"I"]


def test_split_byte_by_byte_with_duplicate() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(split=1, duplicate=always)
        pair.client.send(b"abc")
        assert drain(pair.server) == [b"a", b"b", b"c", b"a", b"b", b"c"]


def test_split_pieces_and_recv_exactly_reassembles() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(split=4)
        pair.client.send(bytes(range(10)))
        assert pair.server.recv(100, 0.1) == bytes(range(4))
        assert pair.server.recv_exactly(6, 0.5) == bytes(range(4, 10))


def test_delay_holds_bytes_back_and_keeps_order() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(delay=0.3)
        pair.client.send(b"late")
        pair.client_to_server = Faults()
        pair.client.send(b"after")  # must not overtake the delayed chunk
        with pytest.raises(TransportTimeout):
            pair.server.recv(10, 0.05)
        start = time.monotonic()
        assert pair.server.recv(10, 1.0) == b"late"
        assert pair.server.recv(10, 0.05) == b"after"
        assert time.monotonic() - start < 1.0


def test_piece_gap_spaces_pieces() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(split=2, piece_gap=0.2)
        pair.client.send(b"abcd")
        assert pair.server.recv(10, 0.05) == b"ab"
        with pytest.raises(TransportTimeout):
            pair.server.recv(10, 0.02)
        assert pair.server.recv(10, 0.5) == b"cd"


def test_faults_are_validated() -> None:
    with pytest.raises(ValueError):
        Faults(split=0)
    with pytest.raises(ValueError):
        Faults(delay=-1)
    with pytest.raises(ValueError):
        Faults(piece_gap=-0.1)


def test_close_delivers_pending_then_reports_closed_peer() -> None:
    pair = LoopbackPair()
    pair.client.send(b"last words")
    pair.client.close()
    assert pair.server.recv(100, 0.1) == b"last words"
    with pytest.raises(ConnectionClosed, match="client end closed"):
        pair.server.recv(100, 0.1)
    with pytest.raises(ConnectionClosed, match="client end is closed"):
        pair.server.send(b"anyone?")
    with pytest.raises(TransportError, match="cannot be reopened"):
        pair.client.open()
    pair.close()


def test_close_wakes_a_blocked_reader() -> None:
    pair = LoopbackPair()
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            pair.server.recv(10, 5.0)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(0.05)
    pair.client.close()
    thread.join(1.0)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], ConnectionClosed)
    pair.close()


def test_threads_stream_in_order() -> None:
    with LoopbackPair() as pair:
        pair.client_to_server = Faults(split=7)
        payload = bytes(i % 251 for i in range(5000))

        def writer() -> None:
            for i in range(0, len(payload), 100):
                pair.client.send(payload[i:i + 100])

        thread = threading.Thread(target=writer)
        thread.start()
        assert pair.server.recv_exactly(len(payload), 5.0) == payload
        thread.join(1.0)


def test_discard_input_drops_ready_bytes_only() -> None:
    with LoopbackPair() as pair:
        pair.client.send(b"stale")
        pair.client_to_server = Faults(delay=0.05)
        pair.client.send(b"fresh")
        pair.server.discard_input()
        assert pair.server.recv(10, 0.5) == b"fresh"


def test_line_settings_same_frame_reframes_like_a_wire() -> None:
    with LoopbackPair() as pair:
        pair.client.apply_line_settings(SEVEN_E1)
        pair.server.apply_line_settings(EIGHT_N1_300)
        assert pair.client.line_settings == SEVEN_E1
        # '/' (0x2F, five ones) gets parity 1 in bit 7; '?' (0x3F, six ones) parity 0
        pair.client.send(b"/?")
        assert pair.server.recv(10, 0.1) == b"\xaf\x3f"
        # an 8N1 sender's bit 7 is the 7E1 receiver's parity bit: dropped from the data
        pair.server.send(b"\xaf\x3f")
        assert pair.client.recv(10, 0.1) == b"/?"
        # 7E1 on both sides: bit 7 of the data never travels
        pair.server.apply_line_settings(SEVEN_E1)
        pair.client.send(b"\x80A")
        assert pair.server.recv(10, 0.1) == b"\x00A"


def test_line_settings_mismatch_delivers_nothing() -> None:
    with LoopbackPair() as pair:
        pair.client.apply_line_settings(LineSettings(baudrate=300, bytesize=7,
                                                     parity=Parity.EVEN))
        pair.client.send(b"/?!\r\n")  # server still at 9600
        with pytest.raises(TransportTimeout):
            pair.server.recv(10, 0.02)
        pair.server.apply_line_settings(LineSettings(baudrate=300, bytesize=7))  # 7N1: 8 bits
        pair.client.send(b"x")  # 7E1 is 8 bits per character: 7N1 cannot frame it
        with pytest.raises(TransportTimeout):
            pair.server.recv(10, 0.02)


def test_odd_mark_space_parity_reframing() -> None:
    with LoopbackPair() as pair:
        pair.server.apply_line_settings(LineSettings(bytesize=8))
        for parity, expected in ((Parity.ODD, 0xC1), (Parity.MARK, 0xC1),
                                 (Parity.SPACE, 0x41), (Parity.EVEN, 0x41)):
            pair.client.apply_line_settings(LineSettings(bytesize=7, parity=parity))
            pair.client.send(b"A")  # 0x41: two ones
            assert pair.server.recv(10, 0.1) == bytes((expected,)), parity


def test_line_settings_not_enforced() -> None:
    with LoopbackPair(enforce_line_settings=False) as pair:
        pair.client.apply_line_settings(SEVEN_E1)
        pair.client.send(b"\xff")
        assert pair.server.recv(10, 0.1) == b"\xff"


def test_initial_settings_apply_to_both_ends() -> None:
    with LoopbackPair(settings=SEVEN_E1) as pair:
        assert pair.client.line_settings == pair.server.line_settings == SEVEN_E1
