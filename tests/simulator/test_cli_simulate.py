"""``conformance simulate`` / ``python -m conformance.simulator``: the fault list, argument
and plan errors, the start-up line, and a clean stop on SIGTERM / SIGINT (subprocesses,
every wait bounded)."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.codec.hdlc import HdlcAddress, HdlcControl, HdlcFrame, HdlcFrameType
from conformance.simulator.faults import FAULTS

ROOT = Path(__file__).resolve().parents[2]


def test_list_faults() -> None:
    out = io.StringIO()
    assert main(["simulate", "--list-faults"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == len(FAULTS)
    for line, spec in zip(lines, FAULTS.values(), strict=True):
        name, layer, description = line.split(None, 2)
        assert (name, layer, description) == (spec.name, spec.layer.value, spec.description)


def test_unknown_fault_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--fault", "clock-ignore-set"])
    assert exit_info.value.code == 2
    assert "unknown fault 'clock-ignore-set'" in capsys.readouterr().err


def test_plan_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--plan", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read the plan" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("meter: {name: x}\n", encoding="utf-8")
    assert main(["simulate", "--plan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:") and "Traceback" not in err
    assert main(["simulate", "--meter", "nope"]) == 2
    assert "no meter 'nope'" in capsys.readouterr().err
    assert main(["simulate", "--listen", "udp://x:1"]) == 1
    assert "unknown transport scheme" in capsys.readouterr().err


def _start(args: list[str], cwd: Path) -> tuple[subprocess.Popen[str], str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()  # type: ignore[union-attr]
                                                         ), daemon=True)
    reader.start()
    reader.join(10)
    if not line or not line[0]:
        proc.kill()
        pytest.fail(f"no start-up line: {proc.communicate(timeout=5)}")
    return proc, line[0], time.monotonic() - started


def _snrm_answered(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(HdlcFrame(destination=HdlcAddress.server(1, 16, size=4),
                               source=HdlcAddress.client(0x10),
                               control=HdlcControl(frame_type=HdlcFrameType.SNRM)).to_bytes())
        answer = sock.recv(100)
    return HdlcFrame.decode(answer).frame_type is HdlcFrameType.UA


@pytest.mark.parametrize(("entry", "stop_signal"), [
    (["-m", "conformance.simulator"], signal.SIGTERM),
    (["-m", "conformance.cli", "simulate"], signal.SIGINT),
])
def test_runs_until_a_signal(tmp_path: Path, entry: list[str],
                             stop_signal: signal.Signals) -> None:
    # run from elsewhere: the default plan is found next to the package
    proc, line, startup = _start([*entry, "--listen", "hdlc+tcp://127.0.0.1:0",
                                  "--state-dir", str(tmp_path / "state"),
                                  "--fault", "clock-ignores-set"], cwd=tmp_path)
    try:
        assert line.startswith("reference-meter listening on hdlc+tcp://127.0.0.1:")
        assert line.rstrip().endswith("(HDLC over TCP)")
        assert startup < 5.0  # interpreter start included; the meter itself starts in ms
        url = line.split()[3]
        assert _snrm_answered(url)
        assert (tmp_path / "state" / "reference-meter.lock").exists()
        sent = time.monotonic()
        proc.send_signal(stop_signal)
        proc.wait(timeout=5)
        assert time.monotonic() - sent < 1.0
        assert proc.returncode == 0
        assert proc.stderr is not None and "Traceback" not in proc.stderr.read()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_default_plan_from_the_current_directory(tmp_path: Path) -> None:
    plans = tmp_path / "testplans"
    plans.mkdir()
    text = (ROOT / "testplans" / "simulator.yaml").read_text(encoding="utf-8")
    (plans / "keys").symlink_to(ROOT / "testplans" / "keys")
    (plans / "simulator.yaml").write_text(text.replace("name: reference-meter",
                                                      "name: local-meter", 1), "utf-8")
    proc, line, _ = _start(["-m", "conformance.simulator", "--listen", "tcp://127.0.0.1:0"],
                           cwd=tmp_path)
    try:
        assert line.startswith("local-meter listening on tcp://127.0.0.1:")
        assert "(IEC 62056-47 wrapper over TCP)" in line
    finally:
        proc.terminate()
        proc.wait(5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == 0
