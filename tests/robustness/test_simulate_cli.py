"""``conformance simulate`` with bad arguments and bad plans (real processes, in parallel,
each bounded): a non-zero exit status, no traceback, nothing on stdout, and on stderr one
line per mistake saying what is wrong and where (the file and line of a plan, the URL, the
path) -- argparse's own usage lines aside."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.robustness._support import ROOT, TRACEBACK, CliRun, run_cli_batch

LISTEN = ["--listen", "tcp://127.0.0.1:0"]
# The default plan, its key files named by absolute path so that copies load anywhere.
PLAN = (ROOT / "testplans" / "simulator.yaml").read_text(encoding="utf-8").replace(
    "file:keys/", f"file:{ROOT}/testplans/keys/")
SMALL = """\
version: 1
meters:
  - name: m1
    associations:
      - {name: public, client_address: 16}
  - name: m2
    associations:
      - {name: public, client_address: 16}
"""


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, busy_port: int
         ) -> dict[str, tuple[CliRun, dict[str, Any]]]:
    """Every case, run at once; each with what its stderr must say."""
    tmp = tmp_path_factory.mktemp("simulate-cli")
    (tmp / "binary.yaml").write_bytes(bytes(range(256)))
    state = tmp / "state"
    state.mkdir()
    (state / "reference-meter.counters.json").write_text('{"format": 2, "sent": 5}\n')
    two = _write(tmp / "two.yaml", PLAN.replace("  vendor: dlms-conformance",
                                                "  vendr: dlms-conformance")
                 .replace("    server_physical: 16", "    server_physical: sixteen"))
    secrets = _write(tmp / "secrets.yaml", PLAN.replace(
        'password: "12345678"', "password: env:ROBUSTNESS_UNSET_PASSWORD").replace(
        "dedicated: 00112233445566778899AABBCCDDEEFF", f"dedicated: file:{tmp}/missing.key"))
    cases: dict[str, tuple[list[str], dict[str, Any]]] = {
        "missing plan": (["--plan", str(tmp / "missing.yaml")],
                         {"says": ["missing.yaml", "cannot read the plan"], "status": 2}),
        "plan is a directory": (["--plan", str(tmp)], {"says": [str(tmp)], "status": 2}),
        "binary plan": (["--plan", str(tmp / "binary.yaml")],
                        {"says": ["binary.yaml", "not UTF-8"], "status": 2}),
        "empty plan": (["--plan", _write(tmp / "empty.yaml", "")],
                       {"says": ["empty.yaml", "empty"], "status": 2}),
        "YAML syntax error": (["--plan", _write(tmp / "syntax.yaml", "meter:\n  name: [x\n")],
                              {"says": [f"{tmp}/syntax.yaml:3:1: YAML syntax error"],
                               "status": 2}),
        "two mistakes": (["--plan", two], {"lines": [
            rf"{re.escape(two)}:14: meter\.vendr: unknown key 'vendr'.*",
            rf"{re.escape(two)}:25: meter\.addressing\.server_physical: .*integer.*"],
            "status": 2}),
        "missing secrets": (["--plan", secrets], {"lines": [
            rf"{re.escape(secrets)}:60: meter\.associations\[1\]\.password: environment "
            r"variable ROBUSTNESS_UNSET_PASSWORD is not set",
            rf"{re.escape(secrets)}:\d+: meter\.associations\[4\]\.keys\.dedicated: "
            rf"cannot read {re.escape(str(tmp))}/missing\.key: .*"], "status": 2}),
        "fleet without --meter": (["--plan", _write(tmp / "fleet.yaml", SMALL)],
                                  {"says": ["choose one of: m1, m2"], "status": 2}),
        "unknown meter": (["--meter", "nope"], {"says": ["no meter 'nope'"], "status": 2}),
        "unknown fault": (["--fault", "nope"], {"says": ["unknown fault 'nope'"], "status": 2,
                                                "usage": True}),
        "unknown option": (["--bogus"], {"says": ["--bogus"], "status": 2, "usage": True}),
        "unknown scheme": (["--listen", "bogus://x"], {"says": ["bogus://x", "scheme"]}),
        "port out of range": (["--listen", "tcp://127.0.0.1:99999"],
                              {"says": ["tcp://127.0.0.1:99999", "port"]}),
        "port in use": (["--listen", f"tcp://127.0.0.1:{busy_port}"],
                        {"says": [f"127.0.0.1:{busy_port}", "in use"]}),
        "unknown URL option": (["--listen", "tcp://127.0.0.1:0?speed=1"], {"says": ["speed"]}),
        "missing serial device": (["--listen", f"serial://{tmp}/no-tty"], {"says": ["no-tty"]}),
        "state dir is a file": (["--state-dir", str(tmp / "binary.yaml")],
                                {"says": ["binary.yaml", "state directory"]}),
        "corrupt state file": (["--state-dir", str(state)],
                               {"says": [f"{state}/reference-meter.counters.json"]}),
        # defects (see below)
        "unterminated IPv6 host": (["--listen", "tcp://[::1"], {"says": ["tcp://[::1"]}),
        "float mechanism": (["--plan", _write(tmp / "float.yaml", PLAN.replace(
            "mechanism: low", "mechanism: 1.0", 1))], {"says": ["float.yaml:59:",
                                                              "mechanism"]}),
        "profile beyond the calendar": (["--plan", _write(tmp / "period.yaml", PLAN.replace(
            "capture_period: 900", "capture_period: 99999999999", 1))],
            {"says": ["period.yaml:", "capture_period"]}),
    }
    batch: dict[str, dict[str, Any]] = {}
    for case, (args, _) in cases.items():
        argv = ["simulate", *args]
        if "--listen" not in args:
            argv += LISTEN
        batch[case] = {"argv": argv, "timeout": 30.0}
    results = run_cli_batch(batch)
    return {case: (results[case], cases[case][1]) for case in cases}


def _check(run: CliRun, expect: dict[str, Any]) -> None:
    assert run.returncode is not None, "still running after 30 s (it should have refused)"
    assert run.returncode != 0
    if "status" in expect:
        assert run.returncode == expect["status"]
    assert TRACEBACK not in run.stderr, run.stderr
    assert run.stdout == ""
    lines = run.stderr_lines
    if expect.get("usage"):  # argparse: its usage lines, then one error line
        assert lines[0].startswith("usage: conformance")
        lines = lines[-1:]
    if "lines" in expect:
        assert len(lines) == len(expect["lines"]), lines
        for line, pattern in zip(lines, expect["lines"], strict=True):
            assert re.fullmatch(pattern, line), line
    else:
        assert len(lines) == 1, lines
        for words in expect["says"]:
            assert words in lines[0], lines[0]


CASES = ["missing plan", "plan is a directory", "binary plan", "empty plan",
         "YAML syntax error", "two mistakes", "missing secrets", "fleet without --meter",
         "unknown meter", "unknown fault", "unknown option", "unknown scheme",
         "port out of range", "port in use", "unknown URL option", "missing serial device",
         "state dir is a file", "corrupt state file"]


@pytest.mark.parametrize("case", CASES)
def test_bad_arguments_and_plans_are_one_clear_line(
        runs: dict[str, tuple[CliRun, dict[str, Any]]], case: str) -> None:
    _check(*runs[case])


def test_a_malformed_ipv6_url_is_named(
        runs: dict[str, tuple[CliRun, dict[str, Any]]]) -> None:
    _check(*runs["unterminated IPv6 host"])


def test_a_float_mechanism_is_a_plan_error_with_file_and_line(
        runs: dict[str, tuple[CliRun, dict[str, Any]]]) -> None:
    _check(*runs["float mechanism"])


def test_a_profile_beyond_the_calendar_is_a_plan_error(
        runs: dict[str, tuple[CliRun, dict[str, Any]]]) -> None:
    _check(*runs["profile beyond the calendar"])
