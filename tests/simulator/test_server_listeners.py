"""Listeners of the meter, with an echo handler in place of the protocol stack: listen URLs,
TCP accept loop with port 0, pseudo-terminals with and without the mode E sign-on, a serial
line the meter opens, and prompt stops."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from conformance.errors import TransportError, TransportTimeout
from conformance.simulator.listeners import (
    ConnectionHandler,
    LineListener,
    MeterListener,
    TcpMeterListener,
    open_listener,
    parse_listen_url,
)
from conformance.transport import (
    EndpointError,
    Framing,
    IdentificationMessage,
    Kind,
    PtyPair,
    SerialTransport,
    Transport,
    sign_on,
)
from conformance.transport.mode_e import binary_line_settings

IDENT = IdentificationMessage(manufacturer_id="CNf", baud_rate_id="5", identification="echo")


class Echo:
    """A handler echoing every chunk with a prefix; with ``until_disconnected`` it returns
    after one echo (as a connection returns when the HDLC link is disconnected)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.calls: list[tuple[Framing, str, bool]] = []

    def __call__(self, transport: Transport, *, framing: Framing, origin: str,
                 until_disconnected: bool) -> None:
        self.calls.append((framing, origin, until_disconnected))
        while not self.stop.is_set():
            try:
                data = transport.recv(1024, 0.05)
            except TransportTimeout:
                continue
            except TransportError:
                return
            transport.send(b"echo:" + data)
            if until_disconnected:
                return


def _run(listener: MeterListener, handler: ConnectionHandler,
         stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=listener.run, args=(handler, stop), daemon=True)
    thread.start()
    return thread


@pytest.fixture
def echo() -> Iterator[Echo]:
    handler = Echo()
    yield handler
    handler.stop.set()


# -- URLs -------------------------------------------------------------------------------------
def test_listen_urls() -> None:
    spec = parse_listen_url("tcp://127.0.0.1:0")
    assert spec.framing is Framing.WRAPPER and spec.endpoint.port == 0 and not spec.mode_e
    assert parse_listen_url("hdlc+tcp://:4059").endpoint.host == "127.0.0.1"
    assert parse_listen_url("hdlc+tcp://127.0.0.1:0").framing is Framing.HDLC
    pty = parse_listen_url("pty://?mode_e=1")
    assert pty.mode_e and pty.endpoint.kind is Kind.PTY_LISTENER and pty.framing is Framing.HDLC
    assert parse_listen_url("pty:///tmp/meter?mode_e").endpoint.link == "/tmp/meter"
    assert not parse_listen_url("pty://?mode_e=off").mode_e
    serial_spec = parse_listen_url("serial:///dev/ttyS9?baudrate=300&mode_e=yes")
    assert serial_spec.mode_e and serial_spec.endpoint.kind is Kind.SERIAL
    assert serial_spec.endpoint.line_settings is not None
    assert serial_spec.endpoint.line_settings.baudrate == 300
    assert parse_listen_url("/dev/ttyS9").endpoint.device == "/dev/ttyS9"


@pytest.mark.parametrize(("url", "message"), [
    ("tcp://127.0.0.1:0?mode_e=1", "mode_e applies to serial lines"),
    ("pty://?mode_e=maybe", "mode_e must be"),
    ("pty://?foo=1", "unknown option"),
    ("udp://x:1", "unknown transport scheme"),
    ("tcp://127.0.0.1:99999", "invalid port"),
])
def test_bad_listen_urls(url: str, message: str) -> None:
    with pytest.raises(EndpointError, match=message):
        parse_listen_url(url)


# -- TCP --------------------------------------------------------------------------------------
def test_tcp_listener_port_zero_and_many_connections(echo: Echo) -> None:
    listener = open_listener("hdlc+tcp://127.0.0.1:0")
    assert isinstance(listener, TcpMeterListener)
    port = int(listener.endpoint.rsplit(":", 1)[1])
    assert port > 0 and listener.endpoint == f"hdlc+tcp://127.0.0.1:{port}"
    assert listener.describe() == f"{listener.endpoint} (HDLC over TCP)"
    stop = threading.Event()
    thread = _run(listener, echo, stop)
    clients = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(3)]
    try:
        for i, client in enumerate(clients):
            client.sendall(b"%d" % i)
        for i, client in enumerate(clients):
            assert client.recv(100) == b"echo:%d" % i
        assert [c[0] for c in echo.calls] == [Framing.HDLC] * 3
        assert {c[1] for c in echo.calls} == {listener.endpoint}
    finally:
        for client in clients:
            client.close()
    started = time.monotonic()
    stop.set()
    thread.join(2)
    assert not thread.is_alive() and time.monotonic() - started < 1.0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5)


def test_tcp_listener_refuses_beyond_max_connections(echo: Echo) -> None:
    listener = TcpMeterListener(parse_listen_url("tcp://127.0.0.1:0"), max_connections=1)
    listener.open()
    assert listener.describe().endswith("(IEC 62056-47 wrapper over TCP)")
    stop = threading.Event()
    thread = _run(listener, echo, stop)
    port = int(listener.endpoint.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as first:
            first.sendall(b"a")
            assert first.recv(10) == b"echo:a"
            with socket.create_connection(("127.0.0.1", port), timeout=2) as second:
                assert second.recv(10) == b""  # accepted and closed at once
    finally:
        stop.set()
        thread.join(2)


def test_busy_port_is_a_transport_error() -> None:
    listener = open_listener("tcp://127.0.0.1:0")
    try:
        with pytest.raises(TransportError, match="cannot listen"):
            open_listener(listener.endpoint)
    finally:
        listener.close()


# -- lines ------------------------------------------------------------------------------------
def test_pty_listener_without_mode_e(echo: Echo) -> None:
    listener = open_listener("pty://")
    assert isinstance(listener, LineListener)
    path = listener.client_path
    assert path is not None and listener.endpoint == f"pty://{path}"
    assert listener.describe() == f"pty://{path} (HDLC on a pseudo-terminal: open {path})"
    stop = threading.Event()
    thread = _run(listener, echo, stop)
    try:
        with SerialTransport(path) as client:
            client.send(b"hi")
            assert client.recv_exactly(7, 2.0) == b"echo:hi"
        with SerialTransport(path) as client:  # clients come and go on the same line
            client.send(b"again")
            assert client.recv_exactly(10, 2.0) == b"echo:again"
        assert echo.calls == [(Framing.HDLC, listener.endpoint, False)]
    finally:
        started = time.monotonic()
        stop.set()
        echo.stop.set()
        thread.join(2)
    assert not thread.is_alive() and time.monotonic() - started < 1.0
    with pytest.raises(TransportError, match="not open"):
        _ = listener.line  # closed by the listener when it stopped


def test_pty_listener_with_mode_e_signs_on_each_time(echo: Echo) -> None:
    listener = open_listener("pty://?mode_e=1", identification=IDENT)
    assert isinstance(listener, LineListener)
    path = listener.client_path
    assert path is not None
    assert "IEC 62056-21 mode E sign-on at 300 baud then 9600 baud" in listener.describe()
    stop = threading.Event()
    thread = _run(listener, echo, stop)
    try:
        with SerialTransport(path) as client:
            for round_ in (b"one", b"two"):
                done = sign_on(client, sleep=lambda _: None)
                assert done.identification == IDENT
                assert done.line_settings == binary_line_settings("5")
                client.send(round_)
                assert client.recv_exactly(5 + len(round_), 2.0) == b"echo:" + round_
            assert listener.line.line_settings == binary_line_settings("5")
        assert echo.calls == [(Framing.HDLC, listener.endpoint, True)] * 2
    finally:
        stop.set()
        thread.join(2)
    assert not thread.is_alive()


def test_mode_e_garbage_before_the_sign_on_is_dropped(echo: Echo) -> None:
    listener = open_listener("pty://?mode_e=1", identification=IDENT)
    assert isinstance(listener, LineListener) and listener.client_path is not None
    stop = threading.Event()
    thread = _run(listener, echo, stop)
    try:
        with SerialTransport(listener.client_path) as client:
            client.send(b"\x7e\xa0\x07 not a request\r\n")  # HDLC before a sign-on: ignored
            time.sleep(0.2)
            done = sign_on(client, sleep=lambda _: None)
            assert done.identification.identification == "echo"
            client.send(b"x")
            assert client.recv_exactly(6, 2.0) == b"echo:x"
    finally:
        stop.set()
        thread.join(2)


def test_serial_listener_opens_the_line(echo: Echo) -> None:
    with PtyPair() as cable:  # the test holds the far end of a "null-modem cable"
        listener = open_listener(f"serial://{cable.slave_path}?baudrate=19200")
        assert isinstance(listener, LineListener) and listener.client_path is None
        assert listener.endpoint == f"serial://{cable.slave_path}?baudrate=19200"
        assert listener.describe().endswith(f"(HDLC on the serial line {cable.slave_path})")
        assert listener.line.line_settings.baudrate == 19200
        stop = threading.Event()
        thread = _run(listener, echo, stop)
        try:
            cable.master.send(b"ping")
            assert cable.master.recv_exactly(9, 2.0) == b"echo:ping"
        finally:
            stop.set()
            echo.stop.set()
            thread.join(2)
        assert not thread.is_alive()


def test_line_listener_needs_identification_for_mode_e() -> None:
    with pytest.raises(ValueError, match="identification"):
        LineListener(parse_listen_url("pty://?mode_e=1"))
    with pytest.raises(EndpointError, match="not a line"):
        LineListener(parse_listen_url("tcp://127.0.0.1:0"))
    with pytest.raises(TransportError, match="not open"):
        _ = LineListener(parse_listen_url("pty://")).line
