"""Pseudo-terminal pairs: the master as the meter's transport, the slave path for clients."""

from __future__ import annotations

import os
import stat
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from conformance.errors import TransportError, TransportTimeout
from conformance.transport.base import ConnectionClosed, LineSettings, Parity
from conformance.transport.pty import PtyPair


@pytest.fixture
def pair() -> Iterator[PtyPair]:
    with PtyPair() as p:
        yield p


def test_slave_is_a_tty_in_raw_mode(pair: PtyPair) -> None:
    path = pair.slave_path
    assert stat.S_ISCHR(os.stat(path).st_mode)
    assert pair.client_path == path
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        assert os.isatty(fd)
        lflag = termios.tcgetattr(fd)[3]
        assert not lflag & (termios.ECHO | termios.ICANON)
    finally:
        os.close(fd)
    assert pair.describe() == f"pty {path}"
    assert pair.master.describe() == f"pty master (client at {path})"


def test_bytes_cross_unchanged_both_ways(pair: PtyPair) -> None:
    with serial.Serial(pair.slave_path, 9600, timeout=0.5) as client:
        every_byte = bytes(range(256))
        client.write(every_byte)
        assert pair.master.recv_exactly(256, 1.0) == every_byte
        pair.master.send(every_byte)
        assert client.read(256) == every_byte


def test_master_timeout_and_recv_limits(pair: PtyPair) -> None:
    with pytest.raises(TransportTimeout, match="pty master"):
        pair.master.recv(10, 0.05)
    with serial.Serial(pair.slave_path, timeout=0.5) as client:
        client.write(b"0123456789")
        client.flush()
        assert pair.master.recv_exactly(4, 0.5) == b"0123"
        assert pair.master.recv(100, 0.5) == b"456789"


def test_clients_may_come_and_go(pair: PtyPair) -> None:
    for round_ in range(3):
        with serial.Serial(pair.slave_path, timeout=0.5) as client:
            client.write(b"hello %d" % round_)
            assert pair.master.recv(100, 0.5) == b"hello %d" % round_
        # no client now: the master sees silence, not a hang-up
        with pytest.raises(TransportTimeout):
            pair.master.recv(10, 0.02)


def test_peer_line_settings_reads_what_the_client_set(pair: PtyPair) -> None:
    with serial.Serial(pair.slave_path, 19200) as client:
        assert pair.master.peer_line_settings().baudrate == 19200
        client.baudrate = 2400
        peer = pair.master.peer_line_settings()
        assert (peer.baudrate, peer.bytesize, peer.parity) == (2400, 8, Parity.NONE)


def test_master_line_settings_are_recorded_not_applied(pair: PtyPair) -> None:
    with serial.Serial(pair.slave_path, 9600):
        seven = LineSettings(baudrate=300, bytesize=7, parity=Parity.EVEN)
        pair.master.apply_line_settings(seven)
        assert pair.master.line_settings == seven
        assert pair.master.peer_line_settings().baudrate == 9600


def test_symlink_created_replaced_and_removed(tmp_path: Path) -> None:
    link = tmp_path / "meter"
    link.symlink_to("/nonexistent/stale")
    with PtyPair(link=link) as p:
        assert link.is_symlink() and os.readlink(link) == p.slave_path
        assert p.client_path == str(link)
        assert p.describe() == f"pty {link} -> {p.slave_path}"
        with serial.Serial(str(link), timeout=0.5) as client:
            client.write(b"via link")
            assert p.master.recv(100, 0.5) == b"via link"
    assert not link.exists() and not link.is_symlink()


def test_symlink_never_replaces_a_regular_file(tmp_path: Path) -> None:
    precious = tmp_path / "data"
    precious.write_text("keep me")
    with pytest.raises(TransportError, match="not a symlink"):
        PtyPair(link=precious).open()
    assert precious.read_text() == "keep me"


def test_hang_up_is_connection_closed() -> None:
    p = PtyPair()
    p.open()
    try:
        os.close(p._slave_fd)  # type: ignore[arg-type]  # simulate every slave fd closed
        p._slave_fd = None
        with pytest.raises(ConnectionClosed, match="hung up"):
            p.master.recv(10, 0.5)
    finally:
        p.close()


def test_closed_pair() -> None:
    p = PtyPair()
    with pytest.raises(TransportError, match="not open"):
        _ = p.slave_path
    with pytest.raises(TransportError, match="not open"):
        _ = p.master
    p.open()
    master = p.master
    p.close()
    p.close()
    assert not p.is_open and not master.is_open
    with pytest.raises(TransportError):
        master.recv(1, 0.0)
    with pytest.raises(TransportError, match="was closed"):
        master.open()


def test_send_blocks_when_nobody_reads(pair: PtyPair) -> None:
    pair.master.send_timeout = 0.1
    with pytest.raises(TransportTimeout, match="anybody reading"):
        for _ in range(1000):
            pair.master.send(bytes(4096))


def test_discard_input_on_master(pair: PtyPair) -> None:
    with serial.Serial(pair.slave_path, timeout=0.5) as client:
        client.write(b"stale")
        client.flush()
        time.sleep(0.05)  # the tty layer hands bytes to the master asynchronously
        pair.master.discard_input()
        client.write(b"fresh")
        assert pair.master.recv(100, 0.5) == b"fresh"
