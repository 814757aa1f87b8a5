"""Client CPU for one long read: our session versus the gurux-dlms client, same meter, same run.

Run from the project root (gurux-dlms is a test extra)::

    python benchmarks/bench_session.py [--rows 10000] [--repeat 3]
                                       [--association reader --association management]
                                       [--framing wrapper --framing hdlc] [--profile]

The reference meter runs in this process, from the default plan with its load profile
grown to ``--rows`` rows, listening on loopback TCP (wrapper and HDLC) and on a
pseudo-terminal. Each client runs in a subprocess of its own, one at a time, and reads the
whole buffer (attribute 2 of 1.0.99.1.0.255, sent by the meter in datablocks) as a user
would: for a ciphered association the invocation counter through the public client first,
then SNRM/UA (HDLC), AARQ/AARE with HLS passes 3/4, the GET with every get-request-next,
RLRQ/RLRE, DISC/UA. Both clients use the plan's settings: client-max-receive-pdu-size,
HDLC proposal (128 octets, window 1), keys, suite.

* **ours**: :class:`conformance.client.Session` from ``session_config`` (its trace on, as
  always);
* **gurux**: ``GXDLMSSecureClient`` driven by :mod:`tests.interop.gurux_session` (plain
  sockets, the small loop gurux leaves to its user);
* **ours-untraced** (diagnostic, not part of the ratio): our session with a recorder that
  drops the frame octets, to show what the always-on trace costs;
* **os-floor** (diagnostic, not part of the ratio; :mod:`benchmarks.floor`): a bare socket
  replaying the octet counts and turns of our first run's trace against a responder thread
  here: what the kernel charges any client for the same round trips. Both clients' CPU
  above it is printed with its ratio.

CPU is the subprocess's ``time.process_time()`` around the session only (interpreter
start-up, imports and plan loading excluded; the meter's CPU is in this process and never
counted); wall is the session's elapsed time. Each figure is the median of ``--repeat``
runs. Both clients' rows are compared (same values and types) so that neither is measured
doing less. The target (issue "Link, association and services end to end"): our client
needs at most one fifth of gurux's CPU time, i.e. gurux/ours >= 5.

Then our session reads the same buffer over the pseudo-terminal (HDLC, no mode E) and the
frames per second it sustained are printed (frames both ways / session wall time).

``--profile`` runs our client once more under cProfile (in its subprocess) for each
association and framing and prints its top functions by internal time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.floor import Responder, replay, traffic  # noqa: E402
from conformance.plan import MeterPlan, default_plan_path  # noqa: E402
from conformance.plan.loader import load_plan_text  # noqa: E402

PROFILE = "1.0.99.1.0.255"
TARGET_RATIO = 5.0
CHILD_TIMEOUT = 600.0


def bench_plan(rows: int) -> MeterPlan:
    """The default plan with ``rows`` rows in the load profile (room for all of them)."""
    path = default_plan_path()
    text = path.read_text(encoding="utf-8")
    for old, new in (("rows: 2880", f"rows: {rows}"),
                     ("profile_entries: 4320", f"profile_entries: {max(rows, 4320)}")):
        if old not in text:
            raise SystemExit(f"{path}: no '{old}' to change; update bench_plan()")
        text = text.replace(old, new)
    return load_plan_text(text, source=f"{path} ({rows} rows)", base_dir=path.parent).meters[0]


# -- the clients (run in a subprocess: ``--child``) ------------------------------------------
def _digest(tree: Any) -> str:
    return hashlib.sha256(repr(tree).encode()).hexdigest()


_COMPONENTS = (
    ("trace recorder (its own deframing and decoding of every frame, both ways)",
     "conformance/client/trace.py", "_record"),
    ("HDLC machine: handling each received frame (builds, filters, encodes the RR)",
     "conformance/protocol/hdlc/machine.py", "next_event"),
    ("  of which the deviation frame filter on each frame sent",
     "conformance/client/deviations.py", "__call__"),
    ("  of which HDLC frame encoding (HCS/FCS)", "conformance/codec/hdlc/frame.py",
     "to_bytes"),
    ("HDLC machine: receive_data (its deframer)", "conformance/protocol/hdlc/machine.py",
     "receive_data"),
    ("HDLC frame decoding, all callers", "conformance/codec/hdlc/frame.py",
     "decode_frame_octets"),
    ("AES-GCM unprotect of responses", "conformance/protocol/association/ciphering.py",
     "unprotect"),
    ("A-XDR decoding of the buffer", "conformance/codec/axdr/codec.py", "decode_data"),
)
"""What ``--profile`` sums (cumulative time of these functions; nested ones are marked)."""


def _components(stats: Any, total: float) -> str:
    lines = [f"  profiled CPU {total:.3f} s (cProfile inflates call-heavy code); "
             "cumulative share by component:"]
    for label, path, function in _COMPONENTS:
        spent = sum(value[3] for (file, _, name), value in stats.stats.items()
                    if file.replace(os.sep, "/").endswith(path) and name == function)
        lines.append(f"    {spent / total:>6.1%}  {label}")
    return "\n".join(lines)


def _untraced_recorder(framing: Any) -> Any:
    """A trace recorder that keeps the notes but drops the octets (diagnostic only: it
    shows what recording every frame costs; the shipped session always records)."""
    from conformance.client import TraceRecorder

    class Untraced(TraceRecorder):
        def sent(self, data: bytes, *, framed: bool = True) -> None:
            pass

        def received(self, data: bytes, *, framed: bool = True) -> None:
            pass

    return Untraced(framing=framing)


def child_ours(plan: MeterPlan, association: str, url: str, *, profile: bool = False,
               untraced: bool = False) -> dict[str, Any]:
    from conformance.client import Direction, EntryKind, Session, session_config
    from tests.interop.gurux_values import our_tree

    config = session_config(plan, association, transport=url)
    recorder = _untraced_recorder(config.framing) if untraced else None
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting in recv
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    with Session(config, recorder=recorder) as session:
        session.associate()
        rows = session.get(PROFILE, 7, 2)
        session.release()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profiler is not None:
        import io
        import pstats
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        total = stats.total_tt  # type: ignore[attr-defined]
        stats.sort_stats("tottime").print_stats(20)
        return {"profile": _components(stats, total) + "\n" + out.getvalue()}
    entries = session.recorder.entries
    frames = sum(1 for e in entries if e.kind is EntryKind.FRAME)
    turns = traffic(("send" if e.direction is Direction.SENT else "recv", len(e.data))
                    for e in entries if e.kind is EntryKind.BYTES)
    items = rows.items  # type: ignore[attr-defined]
    return {"wall": wall, "cpu": cpu, "rows": len(items), "frames": frames,
            "digest": _digest(our_tree(rows)), "traffic": turns}


def child_gurux(plan: MeterPlan, association: str, url: str) -> dict[str, Any]:
    from gurux_dlms.objects import (  # type: ignore[import-untyped]
        GXDLMSData,
        GXDLMSProfileGeneric,
    )

    from tests.interop.gurux_pipes import open_socket_pipe
    from tests.interop.gurux_session import GuruxSession, gurux_client
    from tests.interop.gurux_values import gurux_tree

    framing = "hdlc" if url.startswith("hdlc+tcp://") else "wrapper"
    assoc = plan.association(association)
    cpu, wall = time.process_time(), time.perf_counter()
    counter = 0
    source = assoc.invocation_counter
    if source is not None and source.logical_name is not None:
        g = GuruxSession(gurux_client(plan, "public", framing=framing), open_socket_pipe(url))
        try:
            g.connect()
            g.associate()
            counter = int(g.read(GXDLMSData(source.logical_name.dotted), 2))
            g.release()
            g.disconnect()
        finally:
            g.pipe.close()
    g = GuruxSession(gurux_client(plan, association, framing=framing,
                                  invocation_counter=counter + 1), open_socket_pipe(url))
    try:
        g.connect()
        g.associate()
        rows = g.read(GXDLMSProfileGeneric(PROFILE), 2)
        g.release()
        g.disconnect()
    finally:
        g.pipe.close()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall": wall, "cpu": cpu, "rows": len(rows), "frames": None,
            "digest": _digest(gurux_tree(rows))}


def _child(args: argparse.Namespace) -> int:
    if args.child == "floor":  # --url: the JSON file written by _floor_runs
        job = json.loads(Path(args.url).read_text(encoding="utf-8"))
        wall = time.perf_counter()
        cpu = replay(job["port"], [(direction, size) for direction, size in job["turns"]])
        print(json.dumps({"wall": time.perf_counter() - wall, "cpu": cpu}))
        return 0
    plan = bench_plan(args.rows)
    if args.child in ("ours", "ours-untraced"):
        result = child_ours(plan, args.association[0], args.url, profile=args.profile,
                            untraced=args.child == "ours-untraced")
    else:
        result = child_gurux(plan, args.association[0], args.url)
    print(json.dumps(result))
    return 0


def _spawn(client: str, rows: int, association: str, url: str, *, profile: bool = False
           ) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", client,
               "--rows", str(rows), "--association", association, "--url", url]
    if profile:
        command.append("--profile")
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                          timeout=CHILD_TIMEOUT, check=False,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        raise RuntimeError(f"{client} client failed ({association}, {url}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _floor_runs(turns: list[Any], repeat: int) -> list[dict[str, Any]]:
    """The floor client (:mod:`benchmarks.floor`) replaying ``turns`` ``repeat`` times, each
    in a subprocess like the clients, against a responder thread in this process."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        job = Path(tmp) / "floor.json"
        for _ in range(repeat):
            responder = Responder([(direction, size) for direction, size in turns])
            job.write_text(json.dumps({"port": responder.port, "turns": turns}),
                           encoding="utf-8")
            results.append(_spawn("floor", 0, "-", str(job)))
            responder.join()
    return results


# -- the run -----------------------------------------------------------------------------
def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--association", action="append", default=None,
                        help="plan association (repeatable; default reader and management)")
    parser.add_argument("--framing", action="append", choices=("wrapper", "hdlc"),
                        default=None, help="repeatable; default both")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile our client and print its hot spots")
    parser.add_argument("--child", choices=("ours", "ours-untraced", "gurux", "floor"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)
    from conformance.simulator.server import start_meter

    associations = args.association or ["reader", "management"]
    framings = args.framing or ["wrapper", "hdlc"]
    plan = bench_plan(args.rows)
    missed = False
    with start_meter(plan, listen=["tcp://127.0.0.1:0", "hdlc+tcp://127.0.0.1:0",
                                   "pty://"]) as meter:
        urls = {"wrapper": meter.endpoints[0], "hdlc": meter.endpoints[1]}
        print(f"reading {args.rows:,} profile rows, median of {args.repeat} run(s); "
              "CPU = the client's subprocess during the session")
        print(f"{'association':<12} {'framing':<8} {'client':<13} {'wall s':>8} "
              f"{'CPU s':>8} {'rows':>7}")
        for association in associations:
            for framing in framings:
                runs: dict[str, list[dict[str, Any]]] = {
                    "ours": [], "gurux": [], "ours-untraced": []}
                for _ in range(args.repeat):
                    for client in runs:
                        runs[client].append(_spawn(client, args.rows, association,
                                                   urls[framing]))
                digests = {r["digest"] for rs in runs.values() for r in rs}
                for client, results in runs.items():
                    print(f"{association:<12} {framing:<8} {client:<13} "
                          f"{_median(results, 'wall'):>8.3f} {_median(results, 'cpu'):>8.3f} "
                          f"{results[0]['rows']:>7,}")
                floor = _median(_floor_runs(runs["ours"][0]["traffic"], args.repeat), "cpu")
                print(f"{association:<12} {framing:<8} {'os-floor':<13} {'':>8} "
                      f"{floor:>8.3f} {'-':>7}")
                gurux, ours = _median(runs["gurux"], "cpu"), _median(runs["ours"], "cpu")
                ratio = gurux / ours
                met = ratio >= TARGET_RATIO
                missed |= not met
                same = "same rows" if len(digests) == 1 else "ROWS DIFFER"
                print(f"{'':<12} {framing:<8} ratio gurux/ours CPU {ratio:.1f} x "
                      f"(target >= {TARGET_RATIO:g}: {'met' if met else 'NOT met'}; {same})")
                print(f"{'':<12} {framing:<8} above the os-floor: gurux {gurux - floor:.3f} s, "
                      f"ours {ours - floor:.3f} s, ratio "
                      f"{(gurux - floor) / max(ours - floor, 1e-6):.1f} x")
                missed |= len(digests) != 1
                if args.profile:
                    print(_spawn("ours", args.rows, association, urls[framing],
                                 profile=True)["profile"])
        pty = meter.endpoints[2]
        runs_pty = [_spawn("ours", args.rows, "reader", pty) for _ in range(args.repeat)]
        wall = _median(runs_pty, "wall")
        frames = runs_pty[0]["frames"]
        print(f"pty (HDLC, no mode E), ours, reader: {frames:,} frames in {wall:.2f} s = "
              f"{frames / wall:,.0f} frames/s (both directions, median wall)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
