"""Shared helpers of the robustness tests: the CLI as a subprocess (bounded), strict JSON,
byte mutations drawn by Hypothesis, seed frames from the shared vectors, and the forms a
leaked secret can take in text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.vectors import all_vectors, hexbytes

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"


# -- the CLI as a subprocess ------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class CliRun:
    """What one ``conformance`` process did."""

    argv: tuple[str, ...]
    returncode: int | None
    """``None``: it was still running at the time limit and was killed."""
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        """The non-empty lines written to stderr."""
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_cli(argv: Sequence[str], *, stdin: bytes = b"", timeout: float = 15.0,
            env: dict[str, str] | None = None, cwd: Path = ROOT) -> CliRun:
    """Run ``python -m conformance.cli *argv`` with a time limit (killed after it)."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "conformance.cli", *argv], cwd=cwd,
                            env=environ, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        code = None
    return CliRun(argv=tuple(argv), returncode=code,
                  stdout=out.decode("utf-8", "replace"), stderr=err.decode("utf-8", "replace"))


def run_cli_batch(cases: dict[str, dict[str, Any]]) -> dict[str, CliRun]:
    """Run several CLI invocations (``run_cli`` keyword arguments per case id), a few at
    a time (two per CPU) so that the batch costs little more than its CPU time."""
    workers = max(1, min(len(cases), 2 * (os.cpu_count() or 1)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {case: pool.submit(run_cli, **kwargs) for case, kwargs in cases.items()}
        return {case: future.result() for case, future in futures.items()}


# -- JSON -------------------------------------------------------------------------------------
def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN / Infinity)")


def strict_json(line: str) -> Any:
    """Parse one line as RFC 8259 JSON (Python's ``json`` alone accepts NaN/Infinity)."""
    return json.loads(line, parse_constant=_reject_constant)


def error_objects(value: Any) -> list[dict[str, Any]]:
    """Every ``error`` object found anywhere in a decoded item."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        err = value.get("error")
        if isinstance(err, dict):
            found.append(err)
        for child in value.values():
            found += error_objects(child)
    elif isinstance(value, list):
        for child in value:
            found += error_objects(child)
    return found


# -- seed frames and mutations ----------------------------------------------------------------
def _vector_octets() -> list[bytes]:
    out: list[bytes] = []
    for v in all_vectors():
        items = v["hex"] if isinstance(v["hex"], list) else [v["hex"]]
        for item in items:
            if not isinstance(item, str):
                continue
            try:
                data = hexbytes(item)
            except ValueError:
                continue
            if data:
                out.append(data)
    return out


SEEDS: tuple[bytes, ...] = tuple(_vector_octets())
"""Every byte string of the shared vectors (frames, WPDUs, APDUs, A-XDR data)."""

# One mutation: (kind, position as a fraction of the length, operand bytes).
Mutation = tuple[str, float, bytes]
_KINDS = ("replace", "insert", "delete", "truncate", "flip", "append")


def mutations(max_count: int = 4) -> st.SearchStrategy[list[Mutation]]:
    """Lists of mutations (see :func:`mutate`)."""
    one = st.tuples(st.sampled_from(_KINDS), st.floats(0, 1, allow_nan=False),
                    st.binary(min_size=1, max_size=12))
    return st.lists(one, min_size=1, max_size=max_count)


def mutate(data: bytes, ops: Sequence[Mutation]) -> bytes:
    """``data`` with ``ops`` applied in order (positions scale with the current length)."""
    out = bytearray(data)
    for kind, where, operand in ops:
        at = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "replace" and out:
            out[at:at + len(operand)] = operand[:len(out) - at]
        elif kind == "insert":
            out[at:at] = operand
        elif kind == "delete" and out:
            del out[at:at + len(operand)]
        elif kind == "truncate":
            del out[at:]
        elif kind == "flip" and out:
            out[at] ^= operand[0] or 0x01
        elif kind == "append":
            out += operand
    return bytes(out)


def mutated_seeds() -> st.SearchStrategy[bytes]:
    """A vector's octets, mutated."""
    return st.builds(mutate, st.sampled_from(SEEDS), mutations())


# -- secrets in text --------------------------------------------------------------------------
def secret_forms(secret: bytes) -> dict[str, str]:
    """The ways ``secret`` could show up in text, by name: hex upper/lower, with and
    without spaces, Python's bytes repr, and the raw octets when they are printable."""
    forms = {"HEX": secret.hex().upper(), "hex": secret.hex(),
             "spaced HEX": secret.hex(" ").upper(), "spaced hex": secret.hex(" "),
             "bytes repr": repr(secret)[2:-1]}
    try:
        text = secret.decode("ascii")
    except UnicodeDecodeError:
        pass
    else:
        if text.isprintable():
            forms["raw"] = text
    return forms


def leaks(texts: dict[str, str], secrets: dict[str, bytes]) -> list[str]:
    """``"<text name>: <secret name> as <form name>"`` for every secret form found in a
    text (the secret itself is never part of the message)."""
    found = []
    for text_name, text in texts.items():
        for secret_name, secret in secrets.items():
            for form_name, form in secret_forms(secret).items():
                if form in text:
                    found.append(f"{text_name}: {secret_name} as {form_name}")
    return found
