"""Run the reference meter: listeners, connection threads, start and stop.

::

    with start_meter(plan, listen=["hdlc+tcp://127.0.0.1:0"]) as running:
        url = running.endpoints[0]          # "hdlc+tcp://127.0.0.1:40321"
        ...                                  # clients connect
    # stopped: listeners closed, connections closed, state flushed

Concurrency: one thread per listener (its accept loop, or the line it serves) and one thread
per TCP connection, each connection with its own HDLC or wrapper, association and services
state; what they share (the COSEM logical device, the invocation counters) is locked where it
is shared. Threads were chosen over a selector loop because the mode E sign-on and the
transports are blocking by design, and a meter rarely serves more than a few clients; every
loop wakes at least every :data:`~conformance.simulator.listeners.POLL_INTERVAL` seconds,
so :meth:`RunningMeter.stop` returns promptly. Per-connection timers (HDLC inactivity,
inter-octet) are driven by ``time.monotonic()``.

Without ``listen`` the meter listens where the plan's transport says (:func:`default_listen`);
without a plan it runs ``testplans/simulator.yaml`` (:func:`find_default_plan`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

from conformance.errors import ConformanceError
from conformance.plan import MeterPlan, TestPlan, TransportKind, default_plan_path, load_plan
from conformance.simulator.connection import Connection
from conformance.simulator.listeners import (
    DEFAULT_MAX_CONNECTIONS,
    MeterListener,
    open_listener,
    parse_listen_url,
)
from conformance.simulator.meter import Meter
from conformance.transport import DLMS_TCP_PORT, Framing, Transport

__all__ = [
    "DEFAULT_LISTEN",
    "DEFAULT_PLAN",
    "RunningMeter",
    "default_listen",
    "find_default_plan",
    "select_meter",
    "start_meter",
]

_log = logging.getLogger(__name__)

DEFAULT_PLAN = Path("testplans", "simulator.yaml")
"""The default plan, relative to the current directory or the source tree."""
DEFAULT_LISTEN = f"hdlc+tcp://127.0.0.1:{DLMS_TCP_PORT}"
"""Where the reference meter listens by default (the default plan's framing is HDLC)."""


def default_listen(plan: MeterPlan) -> tuple[str, ...]:
    """Where to listen when no URL is given, from the plan's transport: a ``simulator``
    transport with HDLC framing (the default) gives :data:`DEFAULT_LISTEN`, with the
    wrapper ``tcp://127.0.0.1:4059``; a ``tcp`` / ``hdlc+tcp`` transport the same framing
    on 127.0.0.1 at the plan's port; a ``serial`` transport a pseudo-terminal (with mode E
    when the plan asks for it)."""
    transport = plan.transport
    if transport.kind is TransportKind.SERIAL:
        return ("pty://?mode_e=1",) if getattr(transport, "mode_e", None) else ("pty://",)
    port = getattr(transport, "port", DLMS_TCP_PORT)
    scheme = "tcp" if transport.framing.value == Framing.WRAPPER.value else "hdlc+tcp"
    return (f"{scheme}://127.0.0.1:{port}",)


def find_default_plan(cwd: str | os.PathLike[str] | None = None) -> Path:
    """The default plan when none is given: ``testplans/simulator.yaml`` under the current
    directory (``cwd``) if there is one, else the one of the source tree the package was
    loaded from (:func:`conformance.plan.default_plan_path`). ``FileNotFoundError`` naming
    both places when neither exists (an installed package ships no plan: give one)."""
    here = Path.cwd() if cwd is None else Path(cwd)
    candidates = (here / DEFAULT_PLAN, default_plan_path())
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no default plan: neither {candidates[0]} nor {candidates[1]} "
                            "exists; give a plan file")


def select_meter(plan: TestPlan, name: str | None = None) -> MeterPlan:
    """The meter ``name`` of ``plan``, or its only meter (``KeyError`` naming the choices
    when the plan holds several and none is named, or the name is unknown)."""
    if name is not None:
        return plan.meter(name)
    if len(plan.meters) == 1:
        return plan.meters[0]
    known = ", ".join(m.name for m in plan.meters)
    raise KeyError(f"plan {plan.source} holds several meters; choose one of: {known}")


class RunningMeter:
    """A started reference meter (see :func:`start_meter`); a context manager that stops
    it on exit."""

    def __init__(self, meter: Meter, listeners: Sequence[MeterListener]) -> None:
        self.meter = meter
        """The meter: its plan, COSEM objects, associations, faults and counters."""
        self.listeners = tuple(listeners)
        """Where it listens, in the order given."""
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._connections: set[Connection] = set()
        self._threads: list[threading.Thread] = []
        for listener in self.listeners:
            thread = threading.Thread(target=listener.run, args=(self._serve, self._stop),
                                      name=f"meter listener {listener.endpoint}", daemon=True)
            self._threads.append(thread)
            thread.start()

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The URLs clients use, one per listener (real ports, pseudo-terminal paths)."""
        return tuple(listener.endpoint for listener in self.listeners)

    @property
    def running(self) -> bool:
        """True until :meth:`stop` was called."""
        return not self._stop.is_set()

    @property
    def connections(self) -> int:
        """Connections being served now."""
        with self._lock:
            return len(self._connections)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop listening, close every connection, flush and release the state; waits up
        to ``timeout`` seconds for the threads. Idempotent."""
        with self._lock:
            first = not self._stop.is_set()
            self._stop.set()
            connections = list(self._connections)
        if not first:
            self._stopped.wait(timeout)
            return
        _log.info("meter %s: stopping", self.meter.name)
        deadline = time.monotonic() + timeout
        for connection in connections:
            connection.wake()
        for thread in self._threads:  # a line listener returns once its connection did
            thread.join(max(0.0, deadline - time.monotonic()))
        for listener in self.listeners:
            listener.close()
        for connection in connections:
            if not connection.finished.wait(max(0.0, deadline - time.monotonic())):
                _log.warning("meter %s: %s did not stop in time", self.meter.name,
                             connection.name)
        self.meter.close()
        self._stopped.set()
        _log.info("meter %s: stopped", self.meter.name)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the meter is stopped (by :meth:`stop` from another thread);
        ``False`` when ``timeout`` passed first."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> RunningMeter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<RunningMeter {self.meter.name} {state} at {', '.join(self.endpoints)}>"

    # -- the connection handler the listeners call --------------------------------------
    def _serve(self, transport: Transport, *, framing: Framing, origin: str,
               until_disconnected: bool) -> None:
        connection = Connection(self.meter, transport, framing=framing, origin=origin)
        with self._lock:
            if self._stop.is_set():
                return
            self._connections.add(connection)
        try:
            connection.run(self._stop, until_disconnected=until_disconnected)
        finally:
            with self._lock:
                self._connections.discard(connection)


def start_meter(plan: MeterPlan | TestPlan | str | os.PathLike[str], *,
                meter: str | None = None, listen: Iterable[str] | None = None,
                faults: Iterable[str] = (),
                state_dir: str | os.PathLike[str] | None = None,
                max_connections: int = DEFAULT_MAX_CONNECTIONS) -> RunningMeter:
    """Start the reference meter in this process (threads) and return it running.

    ``plan`` is a meter plan, a loaded test plan or the path of one (``meter`` names the
    meter of a fleet). ``listen`` are listen URLs (see :mod:`conformance.simulator.listeners`;
    port 0 picks a free port; default :func:`default_listen`), ``faults`` the names of the
    faults to switch on (:mod:`conformance.simulator.faults`), ``state_dir`` the directory
    that keeps the invocation counters across restarts (default: in memory),
    ``max_connections`` the TCP connections each listener serves at once.

    Raises :class:`~conformance.errors.PlanError` (plan), ``KeyError`` (unknown meter or
    fault), :class:`~conformance.transport.EndpointError` (bad URL) or
    :class:`~conformance.errors.TransportError` (cannot listen), having released whatever
    it had opened.
    """
    if isinstance(plan, (str, os.PathLike)):
        plan = load_plan(Path(plan))
    meter_plan = select_meter(plan, meter) if isinstance(plan, TestPlan) else plan
    urls = tuple(listen) if listen is not None else default_listen(meter_plan)
    if not urls:
        raise ValueError("the meter needs at least one listen URL")
    specs = [parse_listen_url(url) for url in urls]  # every URL checked before any I/O
    instance = Meter(meter_plan, faults=faults, state_dir=state_dir)
    listeners: list[MeterListener] = []
    try:
        for spec in specs:
            listeners.append(open_listener(spec.url, identification=instance.identification,
                                           max_connections=max_connections))
    except (ConformanceError, OSError, ValueError):
        for listener in listeners:
            listener.close()
        instance.close()
        raise
    running = RunningMeter(instance, listeners)
    for listener in listeners:
        _log.info("meter %s listening on %s", instance.name, listener.describe())
    return running
