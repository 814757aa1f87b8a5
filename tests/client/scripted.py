"""A fake clock and a scripted peer for deterministic timing tests: the peer answers
synchronously inside ``send``, and a wait with nothing to read advances the fake clock
by the whole timeout instead of sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable

from conformance.codec.apdu import decode_apdu
from conformance.protocol.association import (
    AssociateResponse,
    ServerAssociation,
    ServerConfig,
)
from conformance.protocol.hdlc import NEED_DATA, Data, HdlcConfig, HdlcMachine, Role
from conformance.transport import ConnectionClosed, Transport


class FakeClock:
    """A monotonic clock that only moves when told."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ScriptedTransport(Transport):
    """``respond(octets sent) -> octets to answer``; each read that finds octets costs
    ``latency`` seconds of fake time, each read that finds none its whole timeout."""

    def __init__(self, clock: FakeClock, respond: Callable[[bytes], bytes], *,
                 latency: float = 0.0, closed_after: int | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.respond = respond
        self.latency = latency
        self.closed_after = closed_after
        self.sent: list[bytes] = []
        self._queue = bytearray()
        self.real_waits = 0.0

    def describe(self) -> str:
        return "scripted meter"

    def _open(self) -> None:
        pass

    def _close(self) -> None:
        pass

    def _send(self, data: bytes) -> None:
        self.sent.append(data)
        self._queue += self.respond(data)

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        if self._queue:
            self.clock.advance(self.latency)
            data = bytes(self._queue[:max_bytes])
            del self._queue[:max_bytes]
            return data
        if self.closed_after is not None and len(self.sent) >= self.closed_after:
            raise ConnectionClosed("scripted meter: peer closed")
        started = time.monotonic()
        self.clock.advance(timeout)
        self.real_waits += time.monotonic() - started
        return b""


def silent(_data: bytes) -> bytes:
    """A meter that never answers."""
    return b""


class HdlcResponder:
    """An HDLC server machine answering synchronously; APDUs go to ``on_apdu`` (plain
    APDU -> answers; an empty list leaves the poll unanswered)."""

    def __init__(self, config: HdlcConfig, on_apdu: Callable[[bytes], list[bytes]],
                 *, truncate: int | None = None) -> None:
        self.machine = HdlcMachine(Role.SERVER, config)
        self.on_apdu = on_apdu
        self.truncate = truncate

    def __call__(self, data: bytes) -> bytes:
        machine = self.machine
        machine.receive_data(data, now=0.0)
        out = bytearray()
        while (event := machine.next_event()) is not NEED_DATA:
            out += machine.data_to_send()
            if isinstance(event, Data):
                for answer in self.on_apdu(event.apdu):
                    out += machine.send(Data(apdu=answer), now=0.0)
        out += machine.data_to_send()
        return bytes(out[:self.truncate]) if self.truncate is not None else bytes(out)


def public_association(server: ServerConfig, client_sap: int = 0x10
                       ) -> Callable[[bytes], list[bytes]]:
    """An ``on_apdu`` accepting the public client's AARQ and nothing else."""
    association = ServerAssociation(server, client_sap=client_sap)

    def on_apdu(apdu: bytes) -> list[bytes]:
        if apdu[:1] == b"\x60":
            association.receive(apdu)
            return [association.send(AssociateResponse())]
        decode_apdu(apdu)  # anything else: decoded, left unanswered
        return []

    return on_apdu


class Collector(Transport):
    """Collects what a synchronously driven meter sends."""

    def __init__(self) -> None:
        super().__init__()
        self._is_open = True
        self.out = bytearray()

    def describe(self) -> str:
        return "collector"

    def _open(self) -> None:
        pass

    def _close(self) -> None:
        pass

    def _send(self, data: bytes) -> None:
        self.out += data

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        return b""

    def take(self) -> bytes:
        data, self.out = bytes(self.out), bytearray()
        return data
