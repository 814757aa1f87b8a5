"""The session's invocation counter store: kept across the associations of one session,
and seeded with the counter read from the meter (or configured) before a ciphered
association, so that the client never sends a counter the meter has already seen
(Green Book 9.2.7, invocation counter; dlms-notes failure 2).
"""

from __future__ import annotations

from conformance.codec.axdr import (
    Data,
    DoubleLongUnsigned,
    Long64Unsigned,
    LongUnsigned,
    Unsigned,
)
from conformance.protocol.association.counters import CounterKey, MemoryCounterStore
from conformance.security import MAX_INVOCATION_COUNTER, SecurityKeys

__all__ = ["SessionCounters", "counter_value"]


def counter_value(value: Data) -> int | None:
    """The integer of an unsigned integer Data (the frame counter is double-long-unsigned;
    some meters use another width); ``None`` for anything else."""
    if isinstance(value, Unsigned | LongUnsigned | DoubleLongUnsigned | Long64Unsigned):
        return int(value.value)
    return None


class SessionCounters(MemoryCounterStore):
    """An :class:`~conformance.protocol.association.counters.InvocationCounterStore` in
    memory whose sending counters can be moved forward (never back) by :meth:`seed`."""

    __slots__ = ()

    def seed(self, key: CounterKey, last_used: int) -> None:
        """The meter has seen counters up to ``last_used`` for ``key``: the next one sent
        is ``last_used + 1`` (unless a higher one was already used)."""
        if not 0 <= last_used <= MAX_INVOCATION_COUNTER:
            raise ValueError(f"invocation counter {last_used} does not fit 4 bytes")
        if last_used > self._sent.get(key, 0):
            self._sent[key] = last_used

    def seed_global(self, keys: SecurityKeys, system_title: bytes | None,
                    last_used: int) -> None:
        """:meth:`seed` the counter of the global unicast key (EK) sent with
        ``system_title``: the one the meter's frame counter tracks. Nothing without EK or
        system title (no ciphering to protect)."""
        if keys.encryption_key is None or system_title is None:
            return
        self.seed(CounterKey.of(keys.block_cipher_key(), system_title), last_used)

    def __repr__(self) -> str:
        return (f"SessionCounters(sent={len(self._sent)} key(s), "
                f"accepted={len(self._accepted)} key(s))")
