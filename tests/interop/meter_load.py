"""A load on one reference meter: many concurrent ciphered associations, each on its own
TCP connection and thread, each doing many GETs; shared by ``tests/simulator/test_load.py``
(bounded, loopback only) and ``benchmarks/bench_meter_load.py`` (rates and latencies).

The plan is the default plan plus one HLS-GMAC association per load client (suite 0,
authenticated encryption, its own client SAP and system title, the plan's test keys) with
its own invocation counter object 0.0.43.1.e.255, readable by the public client and by that
client only. Every client reads its counter through the public client first (dlms-notes
failure 2), associates, waits until all are associated, then GETs its own counter object
again and again. The meter shows there the last counter it accepted from that client, which
is the counter of the very GET being answered: any answer routed to another connection,
served with another association's state, or counted against another client's key shows as a
value different from the counter the client just used.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from conformance.client import Session, session_config
from conformance.codec.axdr import DoubleLongUnsigned
from conformance.plan import MeterPlan, default_plan_path
from conformance.plan.loader import plan_from_dict
from conformance.simulator.server import RunningMeter, start_meter

__all__ = [
    "FIRST_COUNTER_E",
    "SETUP_CONCURRENCY",
    "LoadClient",
    "LoadResult",
    "load_plan",
    "run_load",
    "start_load_meter",
]

FIRST_COUNTER_E = 100
"""Value group E of the first load client's objects (0.0.43.1.E.255, 0.0.43.0.E.255,
0.0.40.0.E.255): clear of the default plan's."""
SETUP_CONCURRENCY = 8
"""Clients connecting and associating at once. Each association costs the 2-core machine a
public association (the counter read) and an HLS-GMAC one; a burst of 100 of them can take
longer than the plan's 2 s response timeout, which is not what this load measures. The GETs
of all clients still run concurrently."""
_RESERVED_SAPS = frozenset({1, 2, 3, 4, 16, 32})  # the default plan's client SAPs
_SAPS = tuple(s for s in range(1, 128) if s not in _RESERVED_SAPS)  # HDLC: 7-bit addresses
_EK = "000102030405060708090A0B0C0D0E0F"
_AK = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadClient:
    """One load client of the plan."""

    name: str
    """Its association in the plan."""
    client_sap: int
    """Its client SAP (HDLC address and wrapper wPort)."""
    counter: str
    """Its invocation counter object (logical name, dotted)."""


def load_plan(clients: int) -> tuple[MeterPlan, tuple[LoadClient, ...]]:
    """The default plan plus ``clients`` load associations (at most 121: the 7-bit
    client SAPs the default plan leaves free)."""
    if not 1 <= clients <= len(_SAPS):
        raise ValueError(f"1 to {len(_SAPS)} load clients, not {clients}")
    path = default_plan_path()
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    meter = data["meter"]
    out = []
    for i, sap in enumerate(_SAPS[:clients]):
        name, e = f"load-{i:03d}", FIRST_COUNTER_E + i
        counter = f"0.0.43.1.{e}.255"
        meter["associations"].append({
            "name": name, "client_address": sap, "context": "ln-ciphered",
            "mechanism": "gmac", "suite": 0, "policy": "authenticated-and-encrypted",
            "client_system_title": f"4D4D4D00004C{i:04X}",
            "keys": {"ek": _EK, "ak": _AK, "kek": _EK},
            "invocation_counter": {"association": "public", "logical_name": counter}})
        meter["objects"] += [
            {"class_id": 1, "logical_name": counter, "name": f"Invocation counter of {name}",
             "access": {"public": "read-only", name: "read-only"},
             "attributes": {2: {"type": "double-long-unsigned", "value": 0}}},
            {"class_id": 64, "logical_name": f"0.0.43.0.{e}.255",
             "name": f"Security setup of {name}", "association": name,
             "access": {name: "read-only"}},
            {"class_id": 15, "logical_name": f"0.0.40.0.{e}.255",
             "name": f"Association LN of {name}", "association": name,
             "access": {name: "read-only"}, "methods": {1: {"access": {name: "access"}}}}]
        out.append(LoadClient(name=name, client_sap=sap, counter=counter))
    plan = plan_from_dict(data, source=f"{path} + {clients} load clients", base_dir=path.parent)
    return plan.meters[0], tuple(out)


def start_load_meter(plan: MeterPlan, *, framing: str = "wrapper",
                     max_connections: int = 128) -> RunningMeter:
    """The meter of ``plan`` on 127.0.0.1 (a free port), serving up to ``max_connections``
    connections at once; ``framing`` ``"wrapper"`` (``tcp://``) or ``"hdlc"``."""
    scheme = {"wrapper": "tcp", "hdlc": "hdlc+tcp"}[framing]
    return start_meter(plan, listen=[f"{scheme}://127.0.0.1:0"],
                       max_connections=max_connections)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadResult:
    """What a load run measured."""

    clients: int
    """Concurrent associations."""
    requests: int
    """GETs per client."""
    latencies: tuple[float, ...] = field(repr=False)
    """Seconds of every GET answered correctly, sorted."""
    errors: tuple[str, ...]
    """Every failure: an exception, a wrong value, a client that did not finish."""
    setup_seconds: float
    """From the first thread's start until every client was associated."""
    run_seconds: float
    """From the common start of the GETs until the last client had finished them."""
    started_at: float = 0.0
    """``time.monotonic()`` at the common start of the GETs (comparable between the
    processes of one machine)."""
    finished_at: float = 0.0
    """``time.monotonic()`` when the last client had finished."""

    @property
    def answered(self) -> int:
        """GETs answered with the expected value."""
        return len(self.latencies)

    @property
    def rate(self) -> float:
        """GETs answered per second during the GET phase."""
        return self.answered / self.run_seconds if self.run_seconds > 0 else 0.0

    def percentile(self, p: float) -> float:
        """The latency (seconds) below which ``p`` percent of the GETs stayed (nearest
        rank)."""
        if not self.latencies:
            return float("nan")
        rank = max(1, min(len(self.latencies), math.ceil(p / 100 * len(self.latencies))))
        return self.latencies[rank - 1]


def _client(plan: MeterPlan, client: LoadClient, url: str, requests: int,
            barrier: threading.Barrier, setups: threading.BoundedSemaphore | None,
            latencies: list[float], errors: list[str]) -> None:
    session = Session(session_config(plan, client.name, transport=url))
    released = False  # passed the common start
    try:
        with setups or contextlib.nullcontext():
            session.connect()  # the counter read through the public client, then the link
        session.associate()
        association = session.association
        if association is None:  # pragma: no cover - associate() sets it
            raise AssertionError("no association")
        barrier.wait()
        released = True
        previous: int | None = None
        for i in range(requests):
            started = time.perf_counter()
            value = session.get(client.counter, 1, 2)
            elapsed = time.perf_counter() - started
            used = association.ciphering.last_sent.invocation_counter
            if value != DoubleLongUnsigned(value=used or 0) or (
                    previous is not None and used != previous + 1):
                errors.append(f"{client.name} GET {i}: read {value}, its counter was "
                              f"{used} (previous {previous})")
            else:
                latencies.append(elapsed)
            previous = used
        session.release()
    except threading.BrokenBarrierError:
        errors.append(f"{client.name}: another client failed before the GETs started")
    except Exception as exc:
        errors.append(f"{client.name}: {type(exc).__name__}: {exc}")
        if not released:  # the others must not wait for it; once past the start an abort
            barrier.abort()  # could break the barrier for clients still leaving it
    finally:
        with contextlib.suppress(Exception):
            session.disconnect()


def run_load(plan: MeterPlan, clients: tuple[LoadClient, ...], url: str, *, requests: int,
             timeout: float = 120.0, gate: Callable[[], None] | None = None,
             setup_concurrency: int | None = SETUP_CONCURRENCY) -> LoadResult:
    """Run every client of ``clients`` against the meter at ``url`` (each on its own
    connection and thread) doing ``requests`` GETs after all associated; bounded by
    ``timeout`` seconds in all. ``gate`` is called once every client is associated and
    before any GET (the benchmark starts the clients of several processes together).
    ``setup_concurrency`` bounds the clients opening their connections (the counter read
    and the TCP connection of the association) at the same time (``None``: all at once)."""
    barrier = threading.Barrier(len(clients) + 1, action=gate, timeout=timeout)
    setups = None if setup_concurrency is None else threading.BoundedSemaphore(
        setup_concurrency)
    latencies: list[list[float]] = [[] for _ in clients]
    errors: list[str] = []
    threads = [threading.Thread(target=_client, name=f"load {c.name}",
                                args=(plan, c, url, requests, barrier, setups, latencies[i],
                                      errors),
                                daemon=True)
               for i, c in enumerate(clients)]
    deadline = time.monotonic() + timeout
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a client failed: reported
        barrier.wait()
    ready, ready_at = time.perf_counter(), time.monotonic()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    finished, finished_at = time.perf_counter(), time.monotonic()
    errors += [f"{t.name}: still running after {timeout:g} s" for t in threads if t.is_alive()]
    return LoadResult(clients=len(clients), requests=requests,
                      latencies=tuple(sorted(x for per in latencies for x in per)),
                      errors=tuple(errors), setup_seconds=ready - started,
                      run_seconds=finished - ready, started_at=ready_at,
                      finished_at=finished_at)
