"""The rules every transport shares (conformance.transport.base)."""

from __future__ import annotations

import math
import time

import pytest

from conformance.errors import CodecError, TransportError, TransportTimeout
from conformance.transport.base import (
    ConnectionClosed,
    EndpointError,
    IncompleteReceive,
    LineSettings,
    Parity,
    Transport,
)


class Scripted(Transport):
    """A transport whose input is a script of chunks; ``None`` in the script is a
    timeout, the end of the script is a closed peer."""

    def __init__(self, *chunks: bytes | None) -> None:
        super().__init__()
        self.script = list(chunks)
        self.sent: list[bytes] = []
        self.asked: list[tuple[int, float]] = []
        self.opened = 0
        self.closed = 0
        self.discarded = 0

    def describe(self) -> str:
        return "scripted pipe"

    def _open(self) -> None:
        self.opened += 1

    def _close(self) -> None:
        self.closed += 1

    def _send(self, data: bytes) -> None:
        self.sent.append(data)

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        self.asked.append((max_bytes, timeout))
        if not self.script:
            raise ConnectionClosed("scripted pipe: closed by peer")
        chunk = self.script.pop(0)
        if chunk is None:
            return b""
        if len(chunk) > max_bytes:
            self.script.insert(0, chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        return chunk

    def _discard(self) -> None:
        self.discarded += 1


def test_not_open_is_a_transport_error_naming_the_transport() -> None:
    t = Scripted(b"x")
    for action in (lambda: t.send(b"a"), lambda: t.recv(1, 0.1), t.discard_input, t.flush):
        with pytest.raises(TransportError, match=r"scripted pipe: cannot .* not open"):
            action()


def test_open_close_idempotent_and_context_manager() -> None:
    t = Scripted()
    with t as same:
        assert same is t and t.is_open
        t.open()
    assert not t.is_open
    t.close()
    assert (t.opened, t.closed) == (1, 1)
    assert "closed" in repr(t) and "scripted pipe" in repr(t)


def test_empty_send_is_not_passed_down_and_bytes_like_accepted() -> None:
    with Scripted() as t:
        t.send(b"")
        t.send(bytearray(b"ab"))
        t.send(memoryview(b"cd"))
        assert t.sent == [b"ab", b"cd"]


def test_timeout_is_never_a_silent_empty_result() -> None:
    with Scripted(None) as t, pytest.raises(TransportTimeout) as info:
        t.recv(10, 0.25)
    assert "scripted pipe" in str(info.value) and "0.25 s" in str(info.value)
    assert isinstance(info.value, TimeoutError) and isinstance(info.value, OSError)


@pytest.mark.parametrize(("count", "timeout"), [(0, 1.0), (-1, 1.0), (True, 1.0),
                                                (1, -0.1), (1, math.nan)])
def test_recv_arguments_are_checked(count: int, timeout: float) -> None:
    with Scripted(b"x") as t, pytest.raises(ValueError):
        t.recv(count, timeout)


def test_recv_respects_max_bytes() -> None:
    with Scripted(b"abcdef") as t:
        assert t.recv(4, 1.0) == b"abcd"
        assert t.recv(4, 1.0) == b"ef"


def test_closed_peer_propagates() -> None:
    with Scripted() as t, pytest.raises(ConnectionClosed):
        t.recv(1, 0.1)


def test_recv_exactly_collects_pieces() -> None:
    with Scripted(b"ab", b"cd", b"efg") as t:
        assert t.recv_exactly(5, 1.0) == b"abcde"
        # never asks for more than it still needs
        assert [n for n, _ in t.asked] == [5, 3, 1]
        assert t.recv(10, 0.0) == b"fg"


def test_recv_exactly_deadline_reports_what_arrived() -> None:
    class Slow(Scripted):
        def _recv(self, max_bytes: int, timeout: float) -> bytes:
            if self.script:
                return super()._recv(max_bytes, timeout)
            time.sleep(timeout)
            return b""

    with Slow(b"ab") as t, pytest.raises(IncompleteReceive) as info:
        t.recv_exactly(4, 0.05)
    assert info.value.received == b"ab"
    assert "2 byte(s)" in str(info.value) and "4 bytes" in str(info.value)
    assert isinstance(info.value, TransportTimeout)


def test_recv_until_keeps_the_rest_for_the_next_read() -> None:
    with Scripted(b"/ABC", b"5\r\nTAIL", b"!") as t:
        assert t.recv_until(b"\r\n", 1.0, limit=64) == b"/ABC5\r\n"
        assert t.recv(2, 1.0) == b"TA"
        assert t.recv(10, 1.0) == b"IL"
        assert t.recv(10, 1.0) == b"!"


def test_recv_until_terminator_split_across_reads() -> None:
    with Scripted(b"abc\r", b"\nxyz") as t:
        assert t.recv_until(b"\r\n", 1.0, limit=8) == b"abc\r\n"
        assert t.recv_until(b"z", 1.0, limit=8) == b"xyz"


def test_recv_until_limit_is_malformed_input() -> None:
    with Scripted(b"0123456789\n") as t, pytest.raises(CodecError) as info:
        t.recv_until(b"\n", 1.0, limit=8)
    assert info.value.offset == 8
    # a limit that fits the terminator exactly succeeds
    with Scripted(b"0123456\n") as t:
        assert t.recv_until(b"\n", 1.0, limit=8) == b"0123456\n"


def test_recv_until_timeout_carries_partial_data() -> None:
    with Scripted(b"abc", None) as t, pytest.raises(IncompleteReceive) as info:
        t.recv_until(b"\n", 0.0, limit=10)
    assert info.value.received == b"abc"


def test_recv_until_rejects_empty_terminator() -> None:
    with Scripted(b"a") as t, pytest.raises(ValueError):
        t.recv_until(b"", 1.0, limit=4)


def test_discard_input_drops_pushback_and_os_buffer() -> None:
    with Scripted(b"line\nrest") as t:
        t.recv_until(b"\n", 1.0, limit=20)
        t.discard_input()
        assert t.discarded == 1
        with pytest.raises(ConnectionClosed):  # "rest" is gone, the script is empty
            t.recv(10, 0.0)


def test_line_settings_defaults_text_and_frame() -> None:
    s = LineSettings()
    assert (s.baudrate, s.bytesize, s.parity, s.stopbits) == (9600, 8, Parity.NONE, 1)
    assert str(s) == "9600 8N1" and s.frame_bits == 8
    seven = LineSettings(baudrate=300, bytesize=7, parity=Parity.EVEN)
    assert str(seven) == "300 7E1" and seven.frame_bits == 8
    assert str(LineSettings(stopbits=1.5)) == "9600 8N1.5"
    assert LineSettings(parity="E") == LineSettings(parity=Parity.EVEN)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [
    {"baudrate": 0}, {"baudrate": -300}, {"baudrate": 9600.0}, {"baudrate": True},
    {"bytesize": 9}, {"bytesize": 4}, {"parity": "X"}, {"stopbits": 3}, {"stopbits": 0},
])
def test_line_settings_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(EndpointError):
        LineSettings(**kwargs)  # type: ignore[arg-type]
