"""The reference meter under load: requests per second and latency percentiles.

Run from the project root::

    python benchmarks/bench_meter_load.py [--clients 100] [--requests 100]
                                          [--framing wrapper|hdlc|both] [--processes 0]
                                          [--setup-concurrency 8]

The load of ``tests/simulator/test_load.py`` (:mod:`tests.interop.meter_load`): ``--clients``
concurrent HLS-GMAC associations (suite 0, authenticated encryption), each on its own TCP
connection over loopback and its own thread, each reading its own invocation counter object
``--requests`` times once every client is associated (every answer checked: it must hold
the counter of its own request). The meter runs in this process (its connection threads).

Clients open their connections ``--setup-concurrency`` at a time (the meter's listen
backlog is 8; 0 opens all at once, which shows what a connection storm does to it).
``--processes 0`` runs the client threads in this process too, exactly as the test does:
they then share the interpreter (and its GIL) with the meter, so the rate is a lower bound
of the meter's own. ``--processes N`` spreads the clients over N worker processes started
together (a cross-process barrier), leaving this process to the meter.

Prints, per framing: the GETs answered, errors, the GET-phase wall time, requests per
second, latency p50 / p90 / p99 / max (one GET: request built, ciphered, sent, answer
received, deciphered and decoded, as the client thread sees it), and the association set-up
time. The exit status is 1 if any request failed or answered a wrong value.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Callable
from multiprocessing.synchronize import Barrier as ProcessBarrier
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.interop.meter_load import (
    SETUP_CONCURRENCY,
    LoadResult,
    load_plan,
    run_load,
    start_load_meter,
)

TIMEOUT = 600.0


def _worker(clients: int, first: int, count: int, url: str, requests: int,
            setup_concurrency: int | None, gate: ProcessBarrier,
            results: multiprocessing.Queue[LoadResult]) -> None:
    """One worker process: clients ``first .. first + count - 1`` of the load plan."""
    plan, all_clients = load_plan(clients)

    def start_together() -> None:
        gate.wait(TIMEOUT)

    results.put(run_load(plan, all_clients[first:first + count], url, requests=requests,
                         timeout=TIMEOUT, gate=start_together,
                         setup_concurrency=setup_concurrency))


def _in_processes(clients: int, url: str, requests: int, processes: int,
                  setup_concurrency: int | None) -> list[LoadResult]:
    context = multiprocessing.get_context("spawn")
    gate = context.Barrier(processes)
    queue: multiprocessing.Queue[LoadResult] = context.Queue()
    share, extra = divmod(clients, processes)
    workers, first = [], 0
    for i in range(processes):
        count = share + (1 if i < extra else 0)
        workers.append(context.Process(target=_worker, args=(
            clients, first, count, url, requests, setup_concurrency, gate, queue),
            daemon=True))
        first += count
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=TIMEOUT + 60) for _ in workers]
    for worker in workers:
        worker.join(10)
    return results


def _merge(parts: list[LoadResult]) -> LoadResult:
    if len(parts) == 1:
        return parts[0]
    start = min(p.started_at for p in parts)
    end = max(p.finished_at for p in parts)
    return LoadResult(clients=sum(p.clients for p in parts), requests=parts[0].requests,
                      latencies=tuple(sorted(x for p in parts for x in p.latencies)),
                      errors=tuple(e for p in parts for e in p.errors),
                      setup_seconds=max(p.setup_seconds for p in parts),
                      run_seconds=end - start, started_at=start, finished_at=end)


def run(framing: str, clients: int, requests: int, processes: int,
        setup_concurrency: int | None = SETUP_CONCURRENCY,
        out: Callable[[str], None] = print) -> LoadResult:
    """One load run on a fresh meter; prints and returns its result."""
    plan, load_clients = load_plan(clients)
    with start_load_meter(plan, framing=framing, max_connections=clients + 8) as meter:
        url = meter.endpoints[0]
        if processes:
            result = _merge(_in_processes(clients, url, requests, processes,
                                          setup_concurrency))
        else:
            result = run_load(plan, load_clients, url, requests=requests, timeout=TIMEOUT,
                              setup_concurrency=setup_concurrency)
    where = f"{processes} client process(es)" if processes else "clients in the meter's process"
    ms = 1000.0
    out(f"{framing}: {clients} associations x {requests} ciphered GETs ({where})")
    out(f"  answered      {result.answered:>10,} of {clients * requests:,} "
        f"({len(result.errors)} errors)")
    out(f"  GET phase     {result.run_seconds:>10.2f} s")
    out(f"  rate          {result.rate:>10,.0f} requests/s")
    out(f"  latency p50   {result.percentile(50) * ms:>10.1f} ms")
    out(f"  latency p90   {result.percentile(90) * ms:>10.1f} ms")
    out(f"  latency p99   {result.percentile(99) * ms:>10.1f} ms")
    out(f"  latency max   {result.percentile(100) * ms:>10.1f} ms")
    setups = "all at once" if setup_concurrency is None else f"{setup_concurrency} at a time"
    out(f"  set-up        {result.setup_seconds:>10.2f} s (counter reads, AARQ, HLS; "
        f"connections opened {setups})")
    for error in result.errors[:10]:
        out(f"  ERROR {error}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100,
                        help="concurrent associations (1..121, default 100)")
    parser.add_argument("--requests", type=int, default=100,
                        help="GETs per association (default 100)")
    parser.add_argument("--framing", choices=("wrapper", "hdlc", "both"), default="both")
    parser.add_argument("--processes", type=int, default=0,
                        help="worker processes for the clients (0: threads in this process)")
    parser.add_argument("--setup-concurrency", type=int, default=SETUP_CONCURRENCY,
                        help="clients opening their connections at once (0: all at once; "
                             f"default {SETUP_CONCURRENCY})")
    args = parser.parse_args(argv)
    setup = args.setup_concurrency or None
    framings = ("wrapper", "hdlc") if args.framing == "both" else (args.framing,)
    failed = False
    for framing in framings:
        result = run(framing, args.clients, args.requests, args.processes, setup)
        failed |= bool(result.errors) or result.answered != args.clients * args.requests
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
