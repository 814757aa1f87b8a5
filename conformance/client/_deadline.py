"""The timing of one exchange of the session (connect, association, a service call with
all its blocks, release, disconnect): when it started, when it last made progress, and
its overall deadline.

Two limits end a wait, whichever comes first:

* the *response timeout* (``Timeouts.response``) runs from the last real progress of the
  exchange: the request sent, a new HDLC segment accepted (V(R) moved), the meter's
  acknowledgement of our frames (V(S) moved, or nothing left unacknowledged), a new APDU
  or block accepted by the services or association machine. A repeated segment (same
  N(S)), a repeated GBT block, an RR or RNR, a notification, a discarded frame or octets
  that do not complete anything are no progress, so a meter that keeps repeating itself
  is stopped after one response timeout;
* the *exchange deadline* (``Timeouts.exchange``) runs from the start of the exchange and
  never moves: it stops the meter that keeps making (or faking) progress for ever, e.g. a
  general block transfer or GET datablocks that never reach the last block.
"""

from __future__ import annotations

from conformance.client.trace import Direction, TraceRecorder
from conformance.errors import TransportTimeout

__all__ = ["ExchangeClock"]


class ExchangeClock:
    """The start, last progress and deadline of one exchange (mutable: progress moves)."""

    __slots__ = ("_frames", "_recorder", "deadline", "last_progress", "limit", "started",
                 "what")

    def __init__(self, what: str, *, now: float, limit: float,
                 recorder: TraceRecorder) -> None:
        self.what = what
        """The exchange as errors name it ("GET 1-0:99.1.0*255 class 7 attribute 2")."""
        self.started = now
        """When it started (session clock)."""
        self.limit = limit
        """Its overall deadline in seconds after :attr:`started`."""
        self.deadline = now + limit
        """When it ends at the latest (session clock)."""
        self.last_progress = now
        """When it last made real progress (see the module docstring)."""
        self._recorder = recorder
        # A mark, not a count: counting would split every octet recorded so far now.
        self._frames = recorder.frames_mark()

    def progress(self, now: float) -> None:
        """The exchange made real progress at ``now``: the response timeout restarts."""
        self.last_progress = max(self.last_progress, now)

    def response_deadline(self, timeout: float) -> float:
        """When the response timeout ``timeout`` runs out without further progress."""
        return self.last_progress + timeout

    def frames(self, direction: Direction) -> int:
        """Frames seen in ``direction`` since the exchange started."""
        return self._recorder.frames_since(self._frames, direction)

    def expired_error(self, now: float, where: str) -> TransportTimeout:
        """The error for an exchange past its deadline: its name, how long it ran and how
        many frames it saw."""
        return TransportTimeout(
            f"{self.what} did not finish within the exchange deadline of "
            f"{float(self.limit)} s (timeouts.exchange) from {where}: it ran "
            f"{now - self.started:.2f} s, {self.frames(Direction.RECEIVED)} frame(s) "
            f"received, {self.frames(Direction.SENT)} sent")
