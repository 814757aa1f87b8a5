"""Raw traffic for out-of-order checks: octets sent exactly as given, and whatever comes
back collected until the meter has answered (a complete frame or WPDU followed by a quiet
line) or the time is up. The protocol machines never see these octets; the trace does.
"""

from __future__ import annotations

from conformance.client._io import SessionIO
from conformance.codec.hdlc import NEED_DATA, FrameReceived, HdlcDeframer
from conformance.codec.wrapper import WrapperDeframer
from conformance.transport import Framing

__all__ = ["RawExchange"]


class RawExchange:
    """One raw send and the collection of its answer."""

    def __init__(self, io: SessionIO, framing: Framing | None, quiet: float) -> None:
        self._io = io
        self._framing = framing
        self._quiet = quiet

    def _probe(self) -> HdlcDeframer | WrapperDeframer | None:
        if self._framing is Framing.HDLC:
            return HdlcDeframer()
        if self._framing is Framing.WRAPPER:
            return WrapperDeframer()
        return None

    def run(self, data: bytes, timeout: float) -> bytes:
        """Send ``data``; the octets received within ``timeout`` seconds (see the module
        docstring for when it stops early)."""
        io = self._io
        probe = self._probe()
        io.recorder.note("raw send", octets=len(data), timeout=timeout)
        io.write(data)
        got = bytearray()
        deadline = io.clock() + timeout
        answered = False
        while True:
            now = io.clock()
            if now >= deadline:
                break
            chunk = io.read(deadline - now, "the answer to the raw octets")
            if not chunk:
                if answered:
                    break  # quiet after a complete frame: the answer is complete
                continue
            got += chunk
            if probe is not None and not answered:
                probe.receive_data(chunk)
                answered = self._complete(probe)
            if answered:
                deadline = min(deadline, io.clock() + self._quiet)
        return bytes(got)

    @staticmethod
    def _complete(probe: HdlcDeframer | WrapperDeframer) -> bool:
        while True:
            event = probe.next_event()
            if event is NEED_DATA:
                return False
            if isinstance(event, FrameReceived):
                return True
