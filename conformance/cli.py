"""The ``conformance`` command line.

Sub-commands: ``decode`` (frames, APDUs and pasted traces, deciphered when keys are given),
``simulate`` (run the reference meter until SIGINT/SIGTERM).
Errors in the *input* never produce a traceback: a bad argument is one line on stderr and
exit status 2; undecodable frames are reported inline and decoding goes on.
"""

from __future__ import annotations

import argparse
import codecs
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from conformance import __version__

__all__ = ["main"]


def _hex_arg(name: str, sizes: tuple[int, ...]) -> type[argparse.Action]:
    class _HexAction(argparse.Action):
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: object, option_string: str | None = None) -> None:
            text = str(values).replace(" ", "").replace(":", "")
            try:
                data = bytes.fromhex(text)
            except ValueError:
                # Never echo the value: it may be a key.
                parser.error(f"{option_string}: not hexadecimal")
            if data is not None and len(data) not in sizes:
                want = " or ".join(str(s) for s in sizes)
                parser.error(f"{option_string}: expected {want} bytes, got {len(data)}")
            setattr(namespace, self.dest, data)

    return _HexAction


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="DLMS/COSEM conformance suite: decode traces, run checks, simulate a meter.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    dec = sub.add_parser(
        "decode", help="decode a frame, an APDU or a pasted trace",
        description="Decode one frame/APDU given as hex, or a trace file (or - for stdin) in "
                    "the formats engineers paste. Ciphered APDUs are deciphered when keys are "
                    "given; system titles found in AARQ/AARE are used for the rest of the "
                    "association. Keys are never printed.")
    dec.add_argument("input", nargs="?", default="-",
                     help="hex string, path of a trace file, or - for stdin (default)")
    dec.add_argument("--json", action="store_true",
                     help="one JSON object per line per frame or APDU")
    dec.add_argument("--ek", action=_hex_arg("ek", (16, 32)),
                     help="global unicast encryption key (block cipher key), hex")
    dec.add_argument("--ak", action=_hex_arg("ak", (16, 32)),
                     help="authentication key, hex")
    dec.add_argument("--dedicated-key", action=_hex_arg("dedicated_key", (16, 32)),
                     help="dedicated key for ded-* APDUs (else taken from the AARQ), hex")
    dec.add_argument("--system-title", action=_hex_arg("system_title", (8,)),
                     help="system title to use when the trace does not say whose it is")
    dec.add_argument("--client-system-title", action=_hex_arg("client_system_title", (8,)),
                     help="client system title (else from the AARQ calling-AP-title)")
    dec.add_argument("--server-system-title", action=_hex_arg("server_system_title", (8,)),
                     help="server system title (else from the AARE responding-AP-title)")
    dec.add_argument("--show-secrets", action="store_true",
                     help="print passwords and dedicated keys found in the trace (masked "
                          "by default)")

    sim = sub.add_parser(
        "simulate", help="run the reference meter (a DLMS/COSEM server) from a test plan",
        description="Run the reference meter described by a test plan until SIGINT or "
                    "SIGTERM. One line per listener says where it listens. Without --plan: "
                    "testplans/simulator.yaml under the current directory, else the one of "
                    "the source tree. Without --listen: where the plan's transport says "
                    "(the default plan: hdlc+tcp://127.0.0.1:4059).")
    sim.add_argument("--plan", metavar="FILE", help="the test plan (YAML)")
    sim.add_argument("--meter", metavar="NAME",
                     help="which meter of a plan holding several")
    sim.add_argument("--listen", metavar="URL", action="append",
                     help="tcp://HOST:PORT (wrapper), hdlc+tcp://HOST:PORT, pty://[/LINK] "
                          "or a serial URL; ?mode_e=1 on lines for the IEC 62056-21 sign-on; "
                          "port 0 picks a free port; repeatable")
    sim.add_argument("--fault", metavar="NAME", action="append", default=[],
                     help="switch a fault on (see --list-faults); repeatable")
    sim.add_argument("--state-dir", metavar="DIR",
                     help="keep the invocation counters in DIR across restarts (default: "
                          "in memory, forgotten at exit)")
    sim.add_argument("--list-faults", action="store_true",
                     help="list the faults the meter can simulate and exit")
    sim.add_argument("-v", "--verbose", action="count", default=0,
                     help="log to stderr: -v connections and associations, -vv everything")
    return parser


class _InputError(Exception):
    """The decode input cannot be read (printed as one line, exit status 2)."""


# Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def _text_of(data: bytes) -> str:
    """Text of a trace as saved by any editor: a byte order mark selects its encoding,
    else UTF-8; undecodable octets become U+FFFD (reported as ignored lines, never fatal)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def _read_input(arg: str, stdin: TextIO) -> str:
    if arg == "-":
        binary = getattr(stdin, "buffer", None)
        return _text_of(binary.read()) if binary is not None else stdin.read()
    if not arg.strip():
        raise _InputError("empty input argument (give hex, a trace file, or - for stdin)")
    compact = arg.replace(" ", "").replace(":", "")
    if compact and all(c in "0123456789abcdefABCDEF" for c in compact) and len(compact) % 2 == 0:
        return arg
    path = Path(arg)
    if not path.exists():
        raise _InputError(f"{arg}: neither hex nor an existing file")
    if path.is_dir():
        raise _InputError(f"{arg}: is a directory, not a trace file")
    try:
        return _text_of(path.read_bytes())
    except OSError as exc:
        raise _InputError(f"{arg}: {exc.strerror}") from None


def _cmd_decode(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from conformance.analysis.decode import DecodeKeys, TraceDecoder
    from conformance.analysis.render import render_tree

    try:
        text = _read_input(args.input, stdin)
    except _InputError as exc:
        sys.stderr.write(f"conformance decode: {exc}\n")
        return 2
    decoder = TraceDecoder(DecodeKeys(
        ek=args.ek, ak=args.ak, dedicated_key=args.dedicated_key,
        system_title=args.system_title, client_system_title=args.client_system_title,
        server_system_title=args.server_system_title, show_secrets=args.show_secrets))
    for item in decoder.decode_text(text):
        if args.json:
            # allow_nan=False: the values are made JSON-safe by to_jsonable (a NaN float
            # is written as the string "NaN"), so this only guards the promise.
            out.write(json.dumps(item, separators=(",", ":"), allow_nan=False) + "\n")
        else:
            out.write(render_tree(item) + "\n\n")
    return 0


def _cmd_simulate(args: argparse.Namespace, parser: argparse.ArgumentParser,
                  out: TextIO) -> int:
    import logging

    from conformance.simulator.faults import FAULTS

    if args.list_faults:
        width = max(len(name) for name in FAULTS)
        for spec in FAULTS.values():
            out.write(f"{spec.name:<{width}}  {spec.layer.value:<11}  {spec.description}\n")
        return 0
    unknown = [name for name in args.fault if name not in FAULTS]
    if unknown:
        parser.error(f"unknown fault {unknown[0]!r} (conformance simulate --list-faults)")
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return _run_simulator(args, out)


def _run_simulator(args: argparse.Namespace, out: TextIO) -> int:
    import signal
    import threading

    from conformance.errors import ConformanceError, PlanError
    from conformance.plan import load_plan
    from conformance.simulator.server import find_default_plan, select_meter, start_meter

    err = sys.stderr
    try:
        path = Path(args.plan) if args.plan else find_default_plan()
        meter_plan = select_meter(load_plan(path), args.meter)
    except FileNotFoundError as exc:
        err.write(f"conformance simulate: {exc}\n")
        return 2
    except PlanError as exc:
        err.write(f"{exc}\n")
        return 2
    except KeyError as exc:
        err.write(f"conformance simulate: {exc.args[0]}\n")
        return 2
    try:
        running = start_meter(meter_plan, listen=args.listen, faults=args.fault,
                              state_dir=args.state_dir)
    except (ConformanceError, OSError, ValueError) as exc:
        err.write(f"conformance simulate: {exc}\n")
        return 1
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for listener in running.listeners:
            out.write(f"{running.meter.name} listening on {listener.describe()}\n")
        out.flush()
        while not stop.wait(0.2):
            pass
    finally:
        running.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None,
         stdin: TextIO | None = None) -> int:
    """Entry point of the ``conformance`` console script; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if out is None:
        out = sys.stdout
        # A terminal that cannot show a character gets an escape, never a traceback.
        if isinstance(out, io.TextIOWrapper):
            out.reconfigure(errors="backslashreplace")
    stdin = stdin or sys.stdin
    try:
        if args.command == "decode":
            return _cmd_decode(args, out, stdin)
        if args.command == "simulate":
            return _cmd_simulate(args, parser, out)
    except BrokenPipeError:
        # The reader went away (`conformance decode big.txt | head`): stop quietly, and keep
        # the interpreter from complaining when it flushes stdout at exit.
        if out is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        # Last resort: a defect of the tool is one line, not a traceback (set
        # CONFORMANCE_DEBUG=1 to see it). Exception texts of the suite never hold secrets.
        if os.environ.get("CONFORMANCE_DEBUG"):
            raise
        sys.stderr.write(f"conformance {args.command}: internal error: "
                         f"{type(exc).__name__}: {exc} (CONFORMANCE_DEBUG=1 shows where)\n")
        return 70  # EX_SOFTWARE
    parser.error(f"unknown command {args.command}")
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
