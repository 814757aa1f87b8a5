"""Transports chosen by URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.transport import (
    EndpointError,
    Framing,
    Kind,
    LineSettings,
    Parity,
    PtyPair,
    SerialTransport,
    TcpListener,
    TcpTransport,
    listen,
    open_transport,
    parse_endpoint,
)


def test_tcp_is_the_wrapper_on_port_4059_by_default() -> None:
    e = parse_endpoint("tcp://meter.example:4060")
    assert (e.scheme, e.framing, e.kind, e.host, e.port) == (
        "tcp", Framing.WRAPPER, Kind.TCP, "meter.example", 4060)
    assert parse_endpoint("tcp://10.0.0.5").port == 4059
    assert parse_endpoint("tcp://[::1]:4059").host == "::1"
    assert parse_endpoint("tcp://h:1?connect_timeout=0.5").connect_timeout == 0.5
    transport = e.create()
    assert isinstance(transport, TcpTransport) and not transport.is_open
    assert transport.describe() == "tcp://meter.example:4060"


def test_hdlc_over_tcp_is_the_same_pipe_with_hdlc_framing() -> None:
    e = parse_endpoint("hdlc+tcp://gateway:10001")
    assert (e.framing, e.kind, e.port) == (Framing.HDLC, Kind.TCP, 10001)
    assert isinstance(e.create(), TcpTransport)


@pytest.mark.parametrize(("url", "device", "settings"), [
    ("serial:///dev/ttyUSB0", "/dev/ttyUSB0", LineSettings()),
    ("serial:///dev/ttyUSB0?baudrate=300&bytesize=7&parity=E&stopbits=1", "/dev/ttyUSB0",
     LineSettings(baudrate=300, bytesize=7, parity=Parity.EVEN)),
    ("serial://COM3?parity=n&stopbits=2", "COM3", LineSettings(stopbits=2)),
    ("serial:///dev/ttyS1?stopbits=1.5", "/dev/ttyS1", LineSettings(stopbits=1.5)),
    ("/dev/ttyUSB1", "/dev/ttyUSB1", LineSettings()),
    ("COM4", "COM4", LineSettings()),
    ("pty:///tmp/meter?baudrate=19200", "/tmp/meter", LineSettings(baudrate=19200)),
])
def test_serial_urls(url: str, device: str, settings: LineSettings) -> None:
    e = parse_endpoint(url)
    assert (e.framing, e.kind, e.device, e.line_settings) == (
        Framing.HDLC, Kind.SERIAL, device, settings)
    transport = e.create()
    assert isinstance(transport, SerialTransport)
    assert transport.url == device and transport.line_settings == settings


@pytest.mark.parametrize(("url", "device", "baudrate"), [
    ("socket://10.1.1.1:7000", "socket://10.1.1.1:7000", 9600),
    ("rfc2217://host:2217?ign_set_control&baudrate=2400",
     "rfc2217://host:2217?ign_set_control", 2400),
    ("loop://?logging=debug", "loop://?logging=debug", 9600),
    ("loop://", "loop://", 9600),
])
def test_pyserial_urls_pass_their_own_options_through(url: str, device: str,
                                                      baudrate: int) -> None:
    e = parse_endpoint(url)
    assert (e.kind, e.framing, e.device) == (Kind.SERIAL, Framing.HDLC, device)
    assert e.line_settings is not None and e.line_settings.baudrate == baudrate


@pytest.mark.parametrize(("url", "message"), [
    ("", "invalid transport URL"),
    (" tcp://h:1", "invalid transport URL"),
    ("ftp://h/x", "unknown transport scheme 'ftp'"),
    ("tcp://:4059", "no host"),
    ("tcp://h:0", "port 0"),
    ("tcp://h:99999", "invalid port"),
    ("tcp://h:port", "invalid port"),
    ("tcp://h:1?baudrate=9600", "unknown option"),
    ("tcp://h:1?connect_timeout=-1", "connect_timeout must be a positive number"),
    ("tcp://h:1?connect_timeout=soon", "connect_timeout must be a positive number"),
    ("hdlc+tcp://h", "explicit port"),
    ("serial://", "no device"),
    ("serial:///dev/x?speed=9600", "unknown option"),
    ("serial:///dev/x?baudrate=fast", "baudrate must be an integer"),
    ("serial:///dev/x?baudrate=0", "baud rate must be a positive integer"),
    ("serial:///dev/x?bytesize=9", "bytesize"),
    ("serial:///dev/x?parity=Q", "parity must be one of"),
    ("serial:///dev/x?stopbits=3", "stopbits"),
    ("pty://", "name the pseudo-terminal path"),
    ("pty://host/x", "three slashes"),
])
def test_invalid_urls(url: str, message: str) -> None:
    with pytest.raises(EndpointError, match=message) as info:
        parse_endpoint(url)
    assert isinstance(info.value, ValueError)


def test_credentials_in_a_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(EndpointError) as info:
        parse_endpoint("tcp://admin:s3cret@meter:4059")
    assert "s3cret" not in str(info.value) and "user information" in str(info.value)


def test_pty_url_is_a_listener_only_when_listening() -> None:
    e = parse_endpoint("pty://", listening=True)
    assert (e.kind, e.framing, e.link) == (Kind.PTY_LISTENER, Framing.HDLC, "")
    assert parse_endpoint("pty:///tmp/m", listening=True).link == "/tmp/m"
    with pytest.raises(EndpointError, match="names a listener"):
        e.create()
    with pytest.raises(EndpointError, match="unknown option"):
        parse_endpoint("pty://?baudrate=300", listening=True)


def test_listening_defaults() -> None:
    e = parse_endpoint("tcp://:0", listening=True)
    assert (e.host, e.port) == ("127.0.0.1", 0)
    assert parse_endpoint("hdlc+tcp://0.0.0.0", listening=True).port == 4059


def test_listen_and_open_tcp_round_trip() -> None:
    listener = listen("tcp://127.0.0.1:0")
    assert isinstance(listener, TcpListener)
    with listener, open_transport(f"tcp://127.0.0.1:{listener.port}?connect_timeout=1") \
            as client, listener.accept(timeout=1.0) as server:
        client.send(b"\x00\x01\x00\x10\x00\x01\x00\x00")
        assert server.recv_exactly(8, 1.0) == b"\x00\x01\x00\x10\x00\x01\x00\x00"


def test_listen_pty_and_open_it_by_link(tmp_path: Path) -> None:
    link = tmp_path / "meter0"
    pair = listen(f"pty://{link}")
    assert isinstance(pair, PtyPair)
    with pair, open_transport(f"pty://{link}?baudrate=300") as client:
        assert isinstance(client, SerialTransport)
        assert pair.master.peer_line_settings().baudrate == 300
        client.send(b"via pty://")
        assert pair.master.recv(100, 1.0) == b"via pty://"
    assert not link.exists()


def test_listen_anonymous_pty_and_open_its_path() -> None:
    pair = listen("pty://")
    assert isinstance(pair, PtyPair)
    with pair, open_transport(pair.slave_path) as client:
        pair.master.send(b"meter speaking")
        assert client.recv(100, 1.0) == b"meter speaking"


def test_cannot_listen_on_a_serial_device() -> None:
    with pytest.raises(EndpointError, match="cannot listen"):
        listen("serial:///dev/ttyUSB0")


def test_open_transport_accepts_a_parsed_endpoint() -> None:
    endpoint = parse_endpoint("loop://?baudrate=1200")
    with open_transport(endpoint) as loop:
        assert isinstance(loop, SerialTransport)
        loop.send(b"x")
        assert loop.recv(1, 1.0) == b"x"
        assert loop.line_settings.baudrate == 1200
