"""Serial transport through pyserial: real pseudo-terminals and pyserial URL handlers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import serial

from conformance.errors import TransportError, TransportTimeout
from conformance.transport.base import EndpointError, IncompleteReceive, LineSettings, Parity
from conformance.transport.pty import PtyPair
from conformance.transport.serial import SerialTransport

from ._threads import Background

SEVEN_E1_300 = LineSettings(baudrate=300, bytesize=7, parity=Parity.EVEN)
EIGHT_N1_9600 = LineSettings(baudrate=9600)


@pytest.fixture
def pair() -> Iterator[PtyPair]:
    with PtyPair() as p:
        yield p


def test_open_with_settings_and_exchange_over_a_pty(pair: PtyPair) -> None:
    settings = LineSettings(baudrate=19200, stopbits=2)
    with SerialTransport(pair.slave_path, settings) as client:
        assert client.is_open and client.port is not None
        assert client.port.baudrate == 19200 and client.port.stopbits == 2
        assert client.line_settings == settings
        assert client.describe() == f"serial {pair.slave_path} 19200 8N2"
        assert pair.master.peer_line_settings().baudrate == 19200
        frame = bytes.fromhex("7ea00a00020023219318717e")
        client.send(frame)
        assert pair.master.recv_exactly(len(frame), 1.0) == frame
        pair.master.send(b"\x7e\xa0ua\x7e")
        assert client.recv_until(b"\x7e", 1.0, limit=16) == b"\x7e"
        assert client.recv_until(b"\x7e", 1.0, limit=16) == b"\xa0ua\x7e"
    assert not client.is_open and client.port is None


def test_recv_returns_what_arrived_up_to_max(pair: PtyPair) -> None:
    with SerialTransport(pair.slave_path) as client:
        pair.master.send(b"abcdefgh")
        time.sleep(0.05)
        assert client.recv(3, 1.0) == b"abc"
        assert client.recv(100, 1.0) == b"defgh"


def test_timeouts_are_bounded_and_named(pair: PtyPair) -> None:
    with SerialTransport(pair.slave_path) as client:
        for timeout in (0.0, 0.1, 0.2):
            start = time.monotonic()
            with pytest.raises(TransportTimeout) as info:
                client.recv(10, timeout)
            elapsed = time.monotonic() - start
            assert timeout <= elapsed + 0.01 and elapsed < timeout + 0.3
            assert pair.slave_path in str(info.value) and f"{timeout:g} s" in str(info.value)
        pair.master.send(b"ab")
        with pytest.raises(IncompleteReceive) as incomplete:
            client.recv_exactly(3, 0.1)
        assert incomplete.value.received == b"ab"


def test_blocked_reader_gets_late_bytes(pair: PtyPair) -> None:
    with SerialTransport(pair.slave_path) as client:
        def late() -> None:
            time.sleep(0.1)
            pair.master.send(b"late")

        task = Background(late)
        assert client.recv(10, 2.0) == b"late"
        task.result()


def test_switch_300_7e1_to_9600_8n1_while_open(pair: PtyPair) -> None:
    # pyserial alone would pass through 9600 7E1 / 9600 8E1, which a Linux pty (always CS8,
    # no parity) refuses with EINVAL: the transport applies the change in one step.
    with SerialTransport(pair.slave_path, EIGHT_N1_9600) as client:
        client.apply_line_settings(SEVEN_E1_300)
        assert client.line_settings == SEVEN_E1_300
        port = client.port
        assert port is not None
        assert (port.baudrate, port.bytesize, port.parity) == (300, 7, "E")
        assert pair.master.peer_line_settings().baudrate == 300
        client.send(b"/?!\r\n")
        assert pair.master.recv_exactly(5, 1.0) == b"/?!\r\n"
        client.apply_line_settings(EIGHT_N1_9600)
        assert (port.baudrate, port.bytesize, port.parity, port.stopbits) == (9600, 8, "N", 1)
        assert pair.master.peer_line_settings().baudrate == 9600
        assert client.describe().endswith("9600 8N1")
        client.apply_line_settings(EIGHT_N1_9600)  # no change: no OS call, no error
        # timeouts keep working at 7E1 on a pty (no reconfiguration per read)
        client.apply_line_settings(SEVEN_E1_300)
        for timeout in (0.01, 0.02):
            with pytest.raises(TransportTimeout):
                client.recv(1, timeout)


def test_refused_settings_leave_the_port_as_it_was(pair: PtyPair) -> None:
    with SerialTransport(pair.slave_path, EIGHT_N1_9600) as client:
        # same speed, 7 bits with parity: a pty can apply nothing of it -> EINVAL
        with pytest.raises(TransportError, match="refused 9600 7E1"):
            client.apply_line_settings(LineSettings(baudrate=9600, bytesize=7,
                                                    parity=Parity.EVEN))
        assert client.line_settings == EIGHT_N1_9600
        client.send(b"still fine")
        assert pair.master.recv(100, 1.0) == b"still fine"


def test_settings_applied_at_open_when_set_while_closed(pair: PtyPair) -> None:
    client = SerialTransport(pair.slave_path)
    client.apply_line_settings(LineSettings(baudrate=4800))
    with client:
        assert pair.master.peer_line_settings().baudrate == 4800


def test_missing_device_is_a_transport_error() -> None:
    client = SerialTransport("/dev/does-not-exist-ttyUSB9")
    with pytest.raises(TransportError, match="does-not-exist-ttyUSB9"):
        client.open()
    assert not client.is_open


def test_unknown_url_scheme_is_an_endpoint_error() -> None:
    with pytest.raises(EndpointError, match="nosuch"):
        SerialTransport("nosuch://x").open()
    with pytest.raises(EndpointError):
        SerialTransport("")


def test_pyserial_loop_url() -> None:
    with SerialTransport("loop://", LineSettings(baudrate=2400)) as loop:
        assert loop.port is not None and loop.port.baudrate == 2400
        loop.send(b"echo")
        assert loop.recv_exactly(4, 1.0) == b"echo"
        loop.apply_line_settings(SEVEN_E1_300)
        assert loop.line_settings == SEVEN_E1_300
        with pytest.raises(TransportTimeout, match="loop://"):
            loop.recv(1, 0.05)
        loop.send(b"stale")
        loop.discard_input()
        with pytest.raises(TransportTimeout):
            loop.recv(1, 0.0)


def test_pyserial_socket_url_reaches_a_tcp_server() -> None:
    from conformance.transport.tcp import TcpListener

    with TcpListener() as listener, \
            SerialTransport(f"socket://127.0.0.1:{listener.port}") as client, \
            listener.accept(timeout=1.0) as server:
        client.send(b"\x7e\xa0")
        assert server.recv(10, 1.0) == b"\x7e\xa0"
        server.send(b"back")
        time.sleep(0.05)
        assert client.recv(10, 1.0) == b"back"


def test_send_timeout_when_output_blocks(pair: PtyPair) -> None:
    # nobody reads the master: the pty buffer fills and the write times out
    with SerialTransport(pair.slave_path, send_timeout=0.1) as client, \
            pytest.raises(TransportTimeout, match="send blocked"):
        for _ in range(1000):
            client.send(bytes(4096))


def test_flush_and_closed_operations(pair: PtyPair) -> None:
    client = SerialTransport(pair.slave_path)
    with pytest.raises(TransportError, match="not open"):
        client.send(b"x")
    with client:
        client.send(b"x")
        client.flush()
        assert pair.master.recv(1, 1.0) == b"x"


def test_serial_exception_becomes_transport_error(pair: PtyPair) -> None:
    with SerialTransport(pair.slave_path) as client:
        port = client.port
        assert port is not None
        port.close()  # the device vanished underneath
        with pytest.raises(TransportError):
            client.send(b"x")
        with pytest.raises(TransportError):
            client.recv(1, 0.01)
    assert isinstance(serial.SerialException(), OSError)
