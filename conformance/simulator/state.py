"""The reference meter's persisted invocation counters (Green Book 9.2.7: an invocation
counter is never used twice with the same key and system title; a receiver rejects a counter
that is not greater than the last one it accepted).

:class:`CounterState` is the :class:`~conformance.protocol.association.counters.
InvocationCounterStore` of the meter, shared by all its connections (thread-safe):

* :meth:`~CounterState.reserve` -- the meter's own counter for a key: the new value is
  written to disk **before** it is returned, i.e. before the protected APDU that carries it
  leaves the meter (write-before-send). A crash right after sending can therefore never make
  the meter send that counter again;
* :meth:`~CounterState.accept` -- the last counter accepted from a client for a key: written
  before the request is processed and answered, so after a restart the meter still rejects
  every counter it accepted before.

With a state directory the counters live in ``<state-dir>/<meter>.counters.json``; every
change replaces that file atomically (write a temporary file, ``fsync`` it, ``os.replace``,
``fsync`` the directory), so the file on disk is always either the old or the new state, never
a torn one. A lock file (``<meter>.lock``, ``flock``) keeps a second meter process from using
the same counters. A state file that cannot be read stops the meter at start-up (reusing
counters silently would be worse). Without a state directory the counters live in memory and
are forgotten when the meter stops. The fault ``reset-counters-on-restart`` starts a meter
with ``restore=False``: the state file is written but not read, so the meter forgets its
counters at every start.

File format (JSON, one object)::

    {"format": 2, "meter": "reference-meter",
     "sent":     [{"key": "EK (global unicast)", "key_digest": "3F1C0A9B5E7D2C41",
                   "system_title": "4D4D4D0000000001", "last": 17}, ...],
     "accepted": [{"key": "EK (global unicast)", "key_digest": "3F1C0A9B5E7D2C41",
                   "system_title": "4D4D4D0000BC614E", "last": 42}, ...]}

No key material is ever written: a counter is identified by the key's name, a digest of the
key value (:func:`~conformance.protocol.association.counters.key_digest`, from which the key
cannot be recovered) and the sender's system title
(:class:`~conformance.protocol.association.counters.CounterKey`), so a key renewed by
key_transfer starts a new counter sequence. Format 1 (counters by key name only) cannot
tell which key its counters belong to and is refused.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.errors import ConformanceError, SecurityError
from conformance.protocol.association.counters import (
    KEY_DIGEST_LENGTH,
    CounterKey,
    InvocationCounterStore,
    MemoryCounterStore,
)
from conformance.security import MAX_INVOCATION_COUNTER, check_invocation_counter
from conformance.security.keys import DEDICATED

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, the rest works
    fcntl = None  # type: ignore[assignment]

__all__ = ["STATE_FORMAT", "AssociationCounters", "CounterState", "StateFileError"]

_log = logging.getLogger(__name__)

STATE_FORMAT = 2
"""Version of the state file format (2: counters identified by key digest)."""
_ROW_FIELDS = frozenset({"key", "key_digest", "system_title", "last"})


class StateFileError(ConformanceError):
    """The state directory or file cannot be used (unreadable, corrupt, or locked by
    another meter); the meter refuses to start rather than reuse counters."""


class CounterState:
    """Invocation counters of one meter, in memory or persisted in ``state_dir``.

    ``first`` is the meter's first sending counter for a key it has never used (the plan's
    ``server.invocation_counter``); later reservations count up from the last one sent.
    ``restore=False`` leaves an existing state file unread (the fault
    ``reset-counters-on-restart``): the counters start afresh and overwrite it.
    Use :meth:`close` (or ``with``) to release the lock file.
    """

    def __init__(self, meter_name: str, *, state_dir: str | os.PathLike[str] | None = None,
                 first: int = 0, restore: bool = True) -> None:
        if not 0 <= first <= MAX_INVOCATION_COUNTER:
            raise ValueError(f"first invocation counter {first} does not fit 4 bytes")
        if not meter_name or any(c in meter_name for c in "/\\\0") or meter_name in (".", ".."):
            raise ValueError(f"meter name {meter_name!r} cannot name a state file")
        self.meter_name = meter_name
        """Whose counters these are (the plan's meter name)."""
        self.first = first
        """The first sending counter of a fresh key."""
        self._lock = threading.Lock()
        self._sent: dict[CounterKey, int] = {}
        self._accepted: dict[CounterKey, int] = {}
        self._lock_fd: int | None = None
        self.path: Path | None = None
        """The state file, ``None`` when the counters live in memory."""
        if state_dir is not None:
            directory = Path(state_dir)
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StateFileError(f"state directory {directory}: cannot create it: "
                                     f"{exc.strerror or exc}") from None
            self.path = directory / f"{meter_name}.counters.json"
            self._acquire_lock(directory / f"{meter_name}.lock")
            if not restore:
                # FAULT HOOK: the saved counters are not restored (imitates meters whose
                # invocation counters restart from the initial value after a power cycle).
                _log.warning("state file %s is not restored: counters start afresh", self.path)
                return
            try:
                self._load(self.path)
            except BaseException:
                self.close()
                raise

    # -- InvocationCounterStore ------------------------------------------------------------
    def reserve(self, key: CounterKey) -> int:
        """The meter's next sending counter for ``key``, persisted before it is returned
        (``SecurityError`` when the key's counters are exhausted)."""
        with self._lock:
            last = self._sent.get(key)
            if last is None:
                counter = self.first
            elif last >= MAX_INVOCATION_COUNTER:
                raise SecurityError(f"the invocation counter of {key.key_name} is exhausted "
                                    "(0xFFFFFFFF): the key must be renewed")
            else:
                counter = last + 1
            self._commit(sent={**self._sent, key: counter}, accepted=self._accepted)
            return counter

    def last_accepted(self, key: CounterKey) -> int | None:
        """The last counter accepted from ``key``'s sender (``None`` before the first)."""
        with self._lock:
            return self._accepted.get(key)

    def accept(self, key: CounterKey, counter: int) -> None:
        """Record ``counter`` as accepted from ``key``'s sender, persisted before returning;
        ``SecurityError`` when it is not greater than the last accepted one (a concurrent
        connection may have accepted a greater one since the caller checked)."""
        with self._lock:
            check_invocation_counter(counter, last_accepted=self._accepted.get(key),
                                     key_name=key.key_name)
            self._commit(sent=self._sent, accepted={**self._accepted, key: counter})

    # -- inspection ----------------------------------------------------------------------
    def last_sent(self, key: CounterKey) -> int | None:
        """The last counter the meter reserved for ``key`` (``None`` if none yet)."""
        with self._lock:
            return self._sent.get(key)

    def snapshot(self) -> tuple[Mapping[CounterKey, int], Mapping[CounterKey, int]]:
        """Copies of (last sent, last accepted) per key."""
        with self._lock:
            return dict(self._sent), dict(self._accepted)

    @property
    def persistent(self) -> bool:
        """True when the counters are written to a state directory."""
        return self.path is not None

    def close(self) -> None:
        """Release the lock file (every change is already on disk); idempotent."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> CounterState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "memory"
        return (f"CounterState({self.meter_name!r}, {where}, sent={len(self._sent)} key(s), "
                f"accepted={len(self._accepted)} key(s))")

    # -- persistence ---------------------------------------------------------------------
    def _acquire_lock(self, lock_path: Path) -> None:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateFileError(f"{lock_path}: cannot open the lock file: "
                                 f"{exc.strerror or exc}") from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise StateFileError(f"{lock_path}: the state of meter {self.meter_name!r} "
                                     "is in use by another running meter") from None
        self._lock_fd = fd

    def _load(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            _log.info("state file %s does not exist yet: counters start fresh", path)
            return
        except (OSError, UnicodeDecodeError) as exc:
            raise StateFileError(f"{path}: cannot read the state file: {exc}") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateFileError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
        self._sent, self._accepted = _parse(document, path, self.meter_name)
        _log.info("state file %s: %d sending and %d receiving counter(s) restored",
                  path, len(self._sent), len(self._accepted))

    def _commit(self, *, sent: dict[CounterKey, int], accepted: dict[CounterKey, int]) -> None:
        """Make ``sent``/``accepted`` the state: on disk first, then in memory."""
        if self.path is not None:
            _write_atomically(self.path, _render(self.meter_name, sent, accepted))
        self._sent, self._accepted = sent, accepted


class AssociationCounters:
    """The counters of one application association: the meter's store for the global keys,
    and a store of its own for the dedicated key.

    A dedicated key comes with the client's InitiateRequest and protects only the
    association that established it (Green Book 9.2.7); its counters start afresh with
    every association -- even when a client brings the same key value again -- and are
    never persisted (one row per dedicated key would grow the state file without bound).
    """

    __slots__ = ("_dedicated", "_store")

    def __init__(self, store: InvocationCounterStore) -> None:
        self._store = store
        self._dedicated = MemoryCounterStore()

    def _route(self, key: CounterKey) -> InvocationCounterStore:
        return self._dedicated if key.key_name == DEDICATED else self._store

    def reserve(self, key: CounterKey) -> int:
        """The next sending counter of ``key`` (persisted first for a global key)."""
        return self._route(key).reserve(key)

    def last_accepted(self, key: CounterKey) -> int | None:
        """The last counter accepted from ``key``'s sender."""
        return self._route(key).last_accepted(key)

    def accept(self, key: CounterKey, counter: int) -> None:
        """Record an accepted counter (persisted first for a global key)."""
        self._route(key).accept(key, counter)


def _render(meter: str, sent: Mapping[CounterKey, int],
            accepted: Mapping[CounterKey, int]) -> bytes:
    def rows(table: Mapping[CounterKey, int]) -> list[dict[str, Any]]:
        return [{"key": k.key_name, "key_digest": k.key_digest.hex().upper(),
                 "system_title": k.system_title.hex().upper(), "last": v}
                for k, v in sorted(table.items())]

    document = {"format": STATE_FORMAT, "meter": meter, "sent": rows(sent),
                "accepted": rows(accepted)}
    return (json.dumps(document, indent=1) + "\n").encode("utf-8")


def _parse(document: Any, path: Path, meter: str
           ) -> tuple[dict[CounterKey, int], dict[CounterKey, int]]:
    def bad(what: str) -> StateFileError:
        return StateFileError(f"{path}: {what}")

    if not isinstance(document, dict):
        raise bad("the state file is not a JSON object")
    if document.get("format") == 1:
        raise bad("state format 1 identifies counters by key name only and cannot tell which "
                  "key they belong to; remove the file only if the meter's keys are renewed")
    if document.get("format") != STATE_FORMAT:
        raise bad(f"unknown state format {document.get('format')!r} (expected {STATE_FORMAT})")
    if document.get("meter") != meter:
        raise bad(f"the state belongs to meter {document.get('meter')!r}, not {meter!r}")
    tables: list[dict[CounterKey, int]] = []
    for section in ("sent", "accepted"):
        rows = document.get(section)
        if not isinstance(rows, list):
            raise bad(f"{section}: expected a list")
        table: dict[CounterKey, int] = {}
        for i, row in enumerate(rows):
            where = f"{section}[{i}]"
            if not isinstance(row, dict) or set(row) != _ROW_FIELDS:
                raise bad(f"{where}: expected {{key, key_digest, system_title, last}}")
            name, title, last = row["key"], row["system_title"], row["last"]
            if not isinstance(name, str) or not name:
                raise bad(f"{where}.key: expected the key's name")
            digest = _hex(row["key_digest"], KEY_DIGEST_LENGTH)
            if digest is None:
                raise bad(f"{where}.key_digest: expected {KEY_DIGEST_LENGTH} bytes of hex")
            system_title = _hex(title, 8)
            if system_title is None:
                raise bad(f"{where}.system_title: expected 8 bytes of hex")
            if isinstance(last, bool) or not isinstance(last, int) \
                    or not 0 <= last <= MAX_INVOCATION_COUNTER:
                raise bad(f"{where}.last: expected an invocation counter 0..4294967295")
            key = CounterKey(key_name=name, system_title=system_title, key_digest=digest)
            if key in table:
                raise bad(f"{where}: a second entry for {key}")
            table[key] = last
        tables.append(table)
    return tables[0], tables[1]


def _hex(value: Any, length: int) -> bytes | None:
    """``value`` as ``length`` octets of hex, ``None`` when it is not."""
    try:
        octets = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return octets if octets is not None and len(octets) == length else None


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: temporary file, fsync, rename, fsync of the directory.
    An error leaves the previous file in place and is raised as :class:`StateFileError`
    (the caller then does not send: write-before-send)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_directory(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise StateFileError(f"{path}: cannot write the state file: "
                             f"{exc.strerror or exc}") from None


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - some systems cannot open a directory
        return
    try:
        with contextlib.suppress(OSError):  # some file systems cannot sync a directory
            os.fsync(fd)
    finally:
        os.close(fd)
