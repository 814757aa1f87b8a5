"""Invocation counter storage for the ciphering policy (Green Book 9.2.7, invocation counter).

Two rules, enforced by :class:`~conformance.protocol.association.ciphering.Ciphering`:

* the *sender* uses a new invocation counter for every APDU it protects with a key, and a
  counter is never used twice with the same key and system title (the GCM IV is
  ``system title || invocation counter``): the counter is **reserved and persisted before**
  the protected bytes are handed out (write-before-send), so a crash after sending can
  never make the sender reuse it;
* the *receiver* accepts a protected APDU only when its counter is greater than the last
  one it accepted for that key and sender (:func:`conformance.security.check_invocation_counter`).

:class:`InvocationCounterStore` is the small interface a simulator implements to persist
counters across associations (meters keep them in the frame-counter objects, class 1
``0.0.43.1.x.255``); :class:`MemoryCounterStore` keeps them in memory.

A counter belongs to a *key*, not to a key's name (Green Book 9.2.7: the receiver keeps the
last counter per key): :class:`CounterKey` carries a digest of the key value, so a key
replaced through key_transfer starts a new counter sequence on both sides, while the key
itself is never stored nor printed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from conformance.errors import SecurityError
from conformance.security import MAX_INVOCATION_COUNTER, SecretKey, next_invocation_counter

__all__ = ["KEY_DIGEST_LENGTH", "CounterKey", "InvocationCounterStore", "MemoryCounterStore",
           "key_digest"]

KEY_DIGEST_LENGTH = 8
"""Octets of :func:`key_digest`."""
_DIGEST_LABEL = b"DLMS conformance: invocation counter key\x00"


def key_digest(value: bytes) -> bytes:
    """Identifies a key value without disclosing it: the first :data:`KEY_DIGEST_LENGTH`
    octets of SHA-256 over a fixed label and the key. Equal keys give equal digests; the
    key cannot be recovered from it (what counter stores persist instead of the key)."""
    return hashlib.sha256(_DIGEST_LABEL + bytes(value)).digest()[:KEY_DIGEST_LENGTH]


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class CounterKey:
    """Which counter: the key it is used with (its name and a digest of its value) and the
    system title of the party that sends with it (the IV owner).

    Build it with :meth:`of`. Two keys of the same name but different values (a key
    renewed by key_transfer, another dedicated key) are different counters: the counter
    rule applies per key (Green Book 9.2.7)."""

    key_name: str
    """The key's name as the security layer gives it, e.g. ``"EK (global unicast)"``."""
    system_title: bytes
    """The sender's system title (8 bytes)."""
    key_digest: bytes = field(repr=False)
    """:func:`key_digest` of the key value (never the key itself)."""

    def __post_init__(self) -> None:
        if len(self.key_digest) != KEY_DIGEST_LENGTH:
            raise ValueError(f"CounterKey.key_digest must be {KEY_DIGEST_LENGTH} octets, "
                             f"got {len(self.key_digest)}")

    @classmethod
    def of(cls, key: SecretKey, system_title: bytes) -> CounterKey:
        """The counter of ``key`` used by the owner of ``system_title``."""
        return cls(key_name=key.name, system_title=system_title,
                   key_digest=key_digest(key.value))

    def __str__(self) -> str:
        return f"{self.key_name}, system title {self.system_title.hex().upper()}"


@runtime_checkable
class InvocationCounterStore(Protocol):
    """Where invocation counters live. Implementations must persist a reservation before
    :meth:`reserve` returns (write-before-send)."""

    def reserve(self, key: CounterKey) -> int:
        """The counter to send next with ``key``; it is recorded as used before returning
        (``SecurityError`` when the key's counters are exhausted)."""
        ...

    def last_accepted(self, key: CounterKey) -> int | None:
        """The last counter accepted from ``key``'s sender, ``None`` before the first."""
        ...

    def accept(self, key: CounterKey, counter: int) -> None:
        """Record ``counter`` as accepted from ``key``'s sender (the caller has checked
        that it is greater than :meth:`last_accepted`)."""
        ...


class MemoryCounterStore:
    """:class:`InvocationCounterStore` in memory.

    ``last_sent`` seeds the sending counters (the next reservation is the seed + 1; a key
    with no seed starts at 1), ``last_accepted`` seeds the receiving side.
    """

    __slots__ = ("_accepted", "_sent")

    def __init__(self, *, last_sent: Mapping[CounterKey, int] | None = None,
                 last_accepted: Mapping[CounterKey, int] | None = None) -> None:
        for what, seeds in (("last_sent", last_sent), ("last_accepted", last_accepted)):
            for key, value in (seeds or {}).items():
                if not 0 <= value <= MAX_INVOCATION_COUNTER:
                    raise ValueError(f"{what} counter for {key} does not fit 4 bytes")
        self._sent: dict[CounterKey, int] = dict(last_sent or {})
        self._accepted: dict[CounterKey, int] = dict(last_accepted or {})

    def reserve(self, key: CounterKey) -> int:
        """The next sending counter of ``key`` (1 for a fresh key)."""
        counter = next_invocation_counter(self._sent.get(key, 0), key_name=key.key_name)
        self._sent[key] = counter
        return counter

    def last_sent(self, key: CounterKey) -> int | None:
        """The last counter reserved for ``key`` (``None`` if none yet)."""
        return self._sent.get(key)

    def last_accepted(self, key: CounterKey) -> int | None:
        """The last counter accepted from ``key``'s sender."""
        return self._accepted.get(key)

    def accept(self, key: CounterKey, counter: int) -> None:
        """Record an accepted counter (never moves backwards)."""
        last = self._accepted.get(key)
        if last is not None and counter <= last:
            raise SecurityError(f"invocation counter {counter} for {key.key_name} is not "
                                f"greater than the last accepted {last}")
        self._accepted[key] = counter

    def __repr__(self) -> str:
        return (f"MemoryCounterStore(sent={len(self._sent)} key(s), "
                f"accepted={len(self._accepted)} key(s))")
