"""Deadlines of the HDLC machine. The clock is passed in (``now``), as in aioquic: the
machine never reads the wall clock, so timeouts are tested without sleeping.

* inter-octet: restarted whenever octets arrive while a frame is incomplete in the
  deframer; on expiry the partial frame is dropped (the "inter-octet time-out" of the IEC
  HDLC setup object, applied between received chunks);
* inactivity (server): restarted whenever octets arrive on an established link; on expiry
  the link falls back to NDM (the "inactivity time-out" of the IEC HDLC setup object);
* response (client): started when a frame with the P bit is sent, stopped by the frame
  with the F bit that answers it;
* busy (client): started when the server answers RNR while the client has something to
  send or fetch; on expiry the client polls again (ISO/IEC 13239 busy condition: the
  primary keeps polling a busy secondary, here at a bounded rate instead of at once).
"""

from __future__ import annotations

from conformance.protocol.hdlc.events import TimeoutKind

__all__ = ["Timers"]

_ORDER = (TimeoutKind.INTER_OCTET, TimeoutKind.INACTIVITY, TimeoutKind.RESPONSE,
          TimeoutKind.BUSY)


class Timers:
    """A deadline per :class:`TimeoutKind`."""

    __slots__ = ("_deadlines",)

    def __init__(self) -> None:
        self._deadlines: dict[TimeoutKind, float] = {}

    def start(self, kind: TimeoutKind, now: float, duration: float | None) -> None:
        """(Re)start ``kind`` to expire ``duration`` after ``now``; ``None`` cancels it."""
        if duration is None:
            self._deadlines.pop(kind, None)
        else:
            self._deadlines[kind] = now + duration

    def cancel(self, kind: TimeoutKind) -> None:
        """Stop ``kind`` (no effect when it is not running)."""
        self._deadlines.pop(kind, None)

    def running(self, kind: TimeoutKind) -> bool:
        """True while ``kind`` has a deadline."""
        return kind in self._deadlines

    def deadline(self, kind: TimeoutKind) -> float | None:
        """The deadline of ``kind``, or ``None``."""
        return self._deadlines.get(kind)

    def next_deadline(self) -> float | None:
        """The earliest deadline, or ``None`` when no timer runs."""
        return min(self._deadlines.values(), default=None)

    def expire(self, now: float) -> list[TimeoutKind]:
        """The timers whose deadline is at or before ``now`` (stopped as they are
        returned), in a fixed order: inter-octet, inactivity, response, busy."""
        due = [k for k in _ORDER if k in self._deadlines and self._deadlines[k] <= now]
        for kind in due:
            del self._deadlines[kind]
        return due

    def clear(self) -> None:
        """Stop every timer."""
        self._deadlines.clear()
