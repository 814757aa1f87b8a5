"""TCP client transport and listener on 127.0.0.1 (port 0)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from conformance.errors import TransportError, TransportTimeout
from conformance.transport.base import ConnectionClosed, IncompleteReceive
from conformance.transport.tcp import DLMS_TCP_PORT, TcpListener, TcpTransport

from ._threads import Background


@pytest.fixture
def listener() -> Iterator[TcpListener]:
    with TcpListener("127.0.0.1", 0) as lst:
        yield lst


def connect(listener: TcpListener) -> tuple[TcpTransport, TcpTransport]:
    client = TcpTransport("127.0.0.1", listener.port, connect_timeout=1.0)
    client.open()
    server = listener.accept(timeout=1.0)
    return client, server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_listener_reports_the_bound_port_and_reuseaddr(listener: TcpListener) -> None:
    assert listener.is_open and 0 < listener.port < 65536
    assert listener.requested_port == 0
    assert listener.raw_socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
    assert listener.describe() == f"tcp listener 127.0.0.1:{listener.port}"


def test_round_trip_both_ways_with_nodelay(listener: TcpListener) -> None:
    client, server = connect(listener)
    with client, server:
        assert client.raw_socket is not None and server.raw_socket is not None
        for sock in (client.raw_socket, server.raw_socket):
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        wrapper = bytes.fromhex("0001 0010 0001 0005 c001c10000")
        client.send(wrapper)
        assert server.recv_exactly(len(wrapper), 1.0) == wrapper
        server.send(b"\x00\x01reply")
        assert client.recv(100, 1.0) == b"\x00\x01reply"
        assert client.describe() == f"tcp://127.0.0.1:{listener.port}"
        assert "accepted on 127.0.0.1" in server.describe()


def test_timeout_names_endpoint_and_duration(listener: TcpListener) -> None:
    client, server = connect(listener)
    with client, server:
        start = time.monotonic()
        with pytest.raises(TransportTimeout) as info:
            client.recv(10, 0.2)
        assert 0.15 < time.monotonic() - start < 1.0
        assert f"tcp://127.0.0.1:{listener.port}" in str(info.value)
        assert "0.2 s" in str(info.value)
        with pytest.raises(TransportTimeout):  # timeout 0 polls
            client.recv(10, 0.0)


def test_peer_close_is_connection_closed(listener: TcpListener) -> None:
    client, server = connect(listener)
    with client:
        server.send(b"bye")
        server.close()
        assert client.recv(10, 1.0) == b"bye"
        with pytest.raises(ConnectionClosed, match="closed by peer"):
            client.recv(10, 1.0)


def test_send_after_peer_reset_fails_clearly(listener: TcpListener) -> None:
    client, server = connect(listener)
    with client:
        raw = server.raw_socket
        assert raw is not None
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        server.close()  # linger 0: RST
        time.sleep(0.05)
        with pytest.raises(TransportError, match=f"127.0.0.1:{listener.port}"):
            for _ in range(20):
                client.send(b"x" * 1000)
                client.recv(10, 0.05)


def test_connection_refused_names_endpoint() -> None:
    port = free_port()
    client = TcpTransport("127.0.0.1", port, connect_timeout=1.0)
    with pytest.raises(TransportError, match=f"tcp://127.0.0.1:{port}: connection refused"):
        client.open()
    assert not client.is_open


def test_unresolvable_host() -> None:
    with pytest.raises(TransportError, match="cannot resolve"):
        TcpTransport("no-such-host.invalid", 4059, connect_timeout=1.0).open()


def test_port_range_checked() -> None:
    with pytest.raises(ValueError):
        TcpTransport("127.0.0.1", 0)
    with pytest.raises(ValueError):
        TcpListener("127.0.0.1", 70000)


def test_accept_timeout(listener: TcpListener) -> None:
    with pytest.raises(TransportTimeout, match=r"no connection within 0\.05 s"):
        listener.accept(timeout=0.05)


def test_accepted_connection_cannot_be_reopened(listener: TcpListener) -> None:
    client, server = connect(listener)
    with client:
        server.close()
        with pytest.raises(TransportError, match="cannot be reopened"):
            server.open()


def test_client_reconnects_after_close(listener: TcpListener) -> None:
    client, first = connect(listener)
    client.close()
    first.close()
    client.open()
    second = listener.accept(timeout=1.0)
    with client, second:
        client.send(b"again")
        assert second.recv(10, 1.0) == b"again"


def test_recv_exactly_over_fragmented_stream(listener: TcpListener) -> None:
    client, server = connect(listener)
    with client, server:
        def dribble() -> None:
            for b in b"fragmented":
                server.send(bytes((b,)))
                time.sleep(0.002)

        task = Background(dribble)
        assert client.recv_exactly(10, 2.0) == b"fragmented"
        task.result()
        with pytest.raises(IncompleteReceive) as info:
            server.send(b"ab")
            client.recv_exactly(4, 0.1)
        assert info.value.received == b"ab"


def test_discard_input(listener: TcpListener) -> None:
    client, server = connect(listener)
    with client, server:
        server.send(b"stale bytes")
        time.sleep(0.05)
        client.discard_input()
        server.send(b"fresh")
        assert client.recv(100, 1.0) == b"fresh"


def test_listener_not_open_and_close_idempotent() -> None:
    lst = TcpListener()
    with pytest.raises(TransportError, match="not open"):
        _ = lst.port
    lst.close()
    lst.open()
    lst.open()
    lst.close()
    assert not lst.is_open


def test_listen_on_busy_port_fails() -> None:
    with TcpListener("127.0.0.1", 0) as first:
        busy = TcpListener("127.0.0.1", first.port)
        with pytest.raises(TransportError, match="cannot listen"):
            busy.open()


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 support in this Python")
    try:
        lst = TcpListener("::1", 0)
        lst.open()
    except TransportError:
        pytest.skip("IPv6 loopback not configured")
    with lst:
        client = TcpTransport("::1", lst.port, connect_timeout=1.0)
        with client, lst.accept(timeout=1.0) as server:
            assert client.describe() == f"tcp://[::1]:{lst.port}"
            client.send(b"v6")
            assert server.recv(10, 1.0) == b"v6"


def test_dlms_port_constant() -> None:
    assert DLMS_TCP_PORT == 4059


def test_large_send_is_delivered_whole_while_the_peer_reads(listener: TcpListener) -> None:
    # Bigger than the socket buffers: the non-blocking send must wait for room and resume
    # where the kernel stopped taking octets.
    client, server = connect(listener)
    payload = bytes(range(256)) * 40_000  # 10 MB
    with client, server:
        job = Background(lambda: server.recv_exactly(len(payload), 10.0))
        client.send(payload)
        assert job.result(10.0) == payload


def test_send_to_a_peer_that_never_reads_times_out(listener: TcpListener) -> None:
    client = TcpTransport("127.0.0.1", listener.port, connect_timeout=1.0, send_timeout=0.2)
    client.open()
    server = listener.accept(timeout=1.0)
    with client, server:
        started = time.monotonic()
        with pytest.raises(TransportTimeout, match=r"send blocked for 0\.2 s"):
            for _ in range(1000):  # fills both socket buffers, then blocks
                client.send(bytes(1 << 20))
        assert time.monotonic() - started < 5.0


def test_zero_timeout_receive_polls(listener: TcpListener) -> None:
    client, server = connect(listener)
    with client, server:
        with pytest.raises(TransportTimeout):
            client.recv(10, 0.0)
        server.send(b"now")
        deadline = time.monotonic() + 2.0
        while True:
            try:
                assert client.recv(10, 0.0) == b"now"
                break
            except TransportTimeout:
                assert time.monotonic() < deadline
                time.sleep(0.01)


def test_the_socket_stays_non_blocking(listener: TcpListener) -> None:
    # One send, one poll, one receive per round trip: no timeout mode switch per call.
    client, server = connect(listener)
    with client, server:
        for transport in (client, server):
            sock = transport.raw_socket
            assert sock is not None and sock.gettimeout() == 0.0
        server.send(b"x")
        assert client.recv(10, 1.0) == b"x"
        assert client.raw_socket is not None and client.raw_socket.gettimeout() == 0.0


def test_a_wait_longer_than_poll_can_express_still_works(listener: TcpListener) -> None:
    # poll(2) takes at most 2**31 - 1 ms (about 24.8 days); a longer timeout is accepted.
    client, server = connect(listener)
    with client, server:
        server.send(b"late")
        assert client.recv(10, 1e9) == b"late"
        server.send(bytes(10))
        assert client.recv_exactly(10, 30 * 86400.0) == bytes(10)
