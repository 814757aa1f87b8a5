"""The invocation counter rules (Green Book 9.2.7, invocation counter).

The sender increments its invocation counter (IC, 4 bytes) for every protected APDU it
sends with a given key; a key whose counter reached 0xFFFFFFFF must be renewed before it is
used again. The receiver accepts a ciphered APDU only when its IC is *greater* than the last
IC it accepted with that key (equal or smaller: replay, rejected).

Pure: :class:`InvocationCounterState` is immutable; ``accept`` returns the next state.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.errors import SecurityError

__all__ = ["MAX_INVOCATION_COUNTER", "InvocationCounterState", "check_invocation_counter",
           "next_invocation_counter"]

MAX_INVOCATION_COUNTER = 0xFFFFFFFF
"""The largest invocation counter (4 bytes)."""


def check_invocation_counter(received: int, *, last_accepted: int | None,
                             key_name: str) -> None:
    """``SecurityError`` unless ``received`` is greater than ``last_accepted`` (``None``:
    nothing accepted yet with that key, so any counter is accepted)."""
    if not 0 <= received <= MAX_INVOCATION_COUNTER:
        raise SecurityError(f"invocation counter {received} for {key_name} does not fit "
                            "4 bytes")
    if last_accepted is not None and received <= last_accepted:
        raise SecurityError(
            f"invocation counter {received} (0x{received:08X}) for {key_name} is not greater "
            f"than the last accepted {last_accepted} (0x{last_accepted:08X}): replay rejected")


def next_invocation_counter(current: int, *, key_name: str) -> int:
    """The counter to use after ``current``; ``SecurityError`` when the key's counter is
    exhausted (the key must be changed first)."""
    if current >= MAX_INVOCATION_COUNTER:
        raise SecurityError(f"the invocation counter of {key_name} is exhausted "
                            "(0xFFFFFFFF): the key must be renewed")
    return current + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class InvocationCounterState:
    """What a receiver remembers for one key: the last accepted invocation counter."""

    key_name: str
    """The key the counter belongs to, for messages (e.g. "EK (global unicast)")."""
    last_accepted: int | None = None
    """``None`` until the first APDU is accepted."""

    def check(self, received: int) -> None:
        """``SecurityError`` when ``received`` would be rejected."""
        check_invocation_counter(received, last_accepted=self.last_accepted,
                                 key_name=self.key_name)

    def accept(self, received: int) -> InvocationCounterState:
        """The state after accepting ``received``; ``SecurityError`` if it is a replay."""
        self.check(received)
        return InvocationCounterState(key_name=self.key_name, last_accepted=received)
