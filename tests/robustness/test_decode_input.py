"""``conformance decode`` on bad input: random and mutated frames, garbage text, binary,
empty, huge and oddly encoded files, a directory. Whatever it is given, the command reads
it, exits 0, never prints a traceback, writes one JSON object per line with ``--json``, and
every error names its byte offset (IEC 62056-46/-47 frames and APDUs are found and reported
where they are, decoding goes on)."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.cli import main
from tests.robustness._support import (
    ROOT,
    TRACEBACK,
    CliRun,
    error_objects,
    mutated_seeds,
    run_cli,
    run_cli_batch,
    strict_json,
)

EK = "000102030405060708090A0B0C0D0E0F"
AK = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
SNRM = "7EA00802232193BD647E"
CODEC_ERRORS = {"CodecError", "IncompleteError", "ChecksumError"}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decode_items(text: str, *options: str) -> list[dict[str, Any]]:
    """``conformance decode --json`` in this process; checks the exit status and that
    every line is a JSON object (RFC 8259: no NaN / Infinity)."""
    out = io.StringIO()
    assert main(["decode", "--json", *options, "-"], out=out, stdin=io.StringIO(text)) == 0
    items = [strict_json(line) for line in out.getvalue().splitlines()]
    assert all(isinstance(item, dict) for item in items)
    return items


def check_items(items: list[dict[str, Any]]) -> None:
    """Every item is an ignored line or a unit with its offset; every error says what
    (one line) and, for malformed octets, where (byte offset)."""
    for item in items:
        assert isinstance(item.get("line"), int)
        if "ignored" in item:
            continue
        assert isinstance(item.get("offset"), int) and item["offset"] >= 0, item
        assert isinstance(item.get("hex"), str)
        for err in error_objects(item):
            message = err.get("message")
            assert isinstance(message, str) and message and "\n" not in message, err
            assert isinstance(err.get("kind"), str), err
            if err["kind"] in CODEC_ERRORS:
                assert isinstance(err.get("offset"), int) and err["offset"] >= 0, err


# -- in-process, Hypothesis --------------------------------------------------------------------
_TOKENS = st.sampled_from([
    "7E", "A0", "7EA0", "0001", "0001000100010000", "E6E600", "E6E700", "C0", "C4", "60",
    "61", "DB", "CC", "C8", "E0", "FF", "00", "0x7E", "RX:", "TX:", "Send:", "Receive:",
    "<-", "->", ">>", "<<", "12:05:41", "2024-06-01 12:05:41.123", "[12:05:41]", " ", ":",
    "-", "\t", "\n", "\n\n", "\r\n", "\ufeff", "\x00", "é", "…"])
PASTED = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(_TOKENS, st.text(alphabet="0123456789abcdefABCDEF \n", max_size=48)),
             max_size=80).map("".join))


@FAST
@given(PASTED, st.booleans())
def test_garbage_text_is_read_and_reported(text: str, keys: bool) -> None:
    check_items(decode_items(text, *(["--ek", EK, "--ak", AK] if keys else [])))


def _pasted(data: bytes, form: int) -> str:
    if form == 0:
        return data.hex()
    if form == 1:
        return "RX: " + data.hex(" ").upper()
    if form == 2:
        return "7E" + data.hex().upper() + "7E"
    if form == 3:  # wrapped over several lines under one header
        text = data.hex(" ").upper()
        return "Send:\n" + "\n".join(text[i:i + 48] for i in range(0, len(text), 48))
    return "<- 12:05:41 " + data.hex(" ").upper()


@FAST
@given(st.lists(mutated_seeds(), min_size=1, max_size=4), st.integers(0, 4), st.booleans())
def test_mutated_vector_frames_are_reported_with_offsets(frames: list[bytes], form: int,
                                                         keys: bool) -> None:
    text = "\n\n".join(_pasted(f, form) for f in frames if f)
    items = decode_items(text, *(["--ek", EK, "--ak", AK] if keys else []))
    check_items(items)
    if any(frames):
        assert any("ignored" not in item for item in items)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048))
def test_binary_files_are_read(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bin") / "trace.bin"
    path.write_bytes(data)
    out = io.StringIO()
    assert main(["decode", "--json", str(path)], out=out) == 0
    check_items([strict_json(line) for line in out.getvalue().splitlines()])


def test_deep_nesting_is_an_error_with_an_offset_not_a_recursion_error() -> None:
    # A GET response whose data nests 5000 structures: refused at the nesting limit.
    (item,) = decode_items("C401C100" + "0201" * 5000 + "00")
    check_items([item])
    assert item["error"]["kind"] == "CodecError"
    assert "nested deeper" in item["error"]["message"]
    assert 4 < item["error"]["offset"] < 200


def test_undecodable_units_do_not_stop_the_decoding() -> None:
    text = "\n\n".join(["RX: 7E A0 08 02 23 21 93 BD 65 7E",  # FCS wrong
                        "TX: C0 01 C1 00 08",                  # truncated GET request
                        "garbage line",
                        "TX: " + SNRM])
    items = decode_items(text)
    check_items(items)
    assert [("error" in i, "ignored" in i) for i in items] == [
        (True, False), (True, False), (False, True), (False, False)]
    assert items[0]["error"]["kind"] == "ChecksumError"
    assert items[1]["error"]["kind"] == "IncompleteError"
    assert items[3]["frame"]["type"] == "SNRM"


# -- real processes ----------------------------------------------------------------------------
def _huge_trace() -> str:
    rnd = random.Random(62056)
    lines = [f"RX: {bytes(rnd.randrange(256) for _ in range(64)).hex(' ')}"
             for _ in range(4000)]
    lines += ["TX:", *[SNRM] * 4000]  # one record of 4000 frames, one per line
    lines += ["RX:", "7E" + bytes(rnd.randrange(256) for _ in range(300_000)).hex()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    """Every process case at once (they run in parallel)."""
    tmp = tmp_path_factory.mktemp("decode-cli")
    rnd = random.Random(4711)
    binary = tmp / "random.bin"
    binary.write_bytes(bytes(rnd.randrange(256) for _ in range(65536)))
    utf16_plain = tmp / "utf16le.txt"
    utf16_plain.write_bytes(f"TX: {SNRM}\n".encode("utf-16-le"))
    empty = tmp / "empty.txt"
    empty.write_bytes(b"")
    huge = tmp / "huge.txt"
    huge.write_text(_huge_trace(), encoding="utf-8")
    return run_cli_batch({
        "binary file": {"argv": ["decode", "--json", str(binary)]},
        "binary file, tree": {"argv": ["decode", str(binary)]},
        "UTF-16 without BOM": {"argv": ["decode", "--json", str(utf16_plain)]},
        "empty file": {"argv": ["decode", "--json", str(empty)]},
        "empty stdin": {"argv": ["decode", "--json", "-"]},
        "huge file": {"argv": ["decode", "--json", str(huge)], "timeout": 30.0},
        "garbage stdin": {"argv": ["decode", "--json"],
                          "stdin": "\n".join(["RX:", "zz", "7E7E7E", "<- 99:99:99 GG"] * 50)
                          .encode()},
        "directory": {"argv": ["decode", "--json", str(tmp)]},
        "missing file": {"argv": ["decode", "--json", str(tmp / "missing.txt")]},
        "bad key": {"argv": ["decode", "--ek", "00112233445566778899AABBCCDDEEXX", SNRM]},
        "short key": {"argv": ["decode", "--ak", "0011223344", SNRM]},
    })


READ_OK = ["binary file", "binary file, tree", "UTF-16 without BOM", "empty file",
           "empty stdin", "huge file", "garbage stdin"]


@pytest.mark.parametrize("case", READ_OK)
def test_readable_input_exits_0_without_traceback(cli_runs: dict[str, CliRun],
                                                  case: str) -> None:
    run = cli_runs[case]
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr == ""
    if "--json" in run.argv:
        items = [strict_json(line) for line in run.stdout.splitlines()]
        check_items(items)
        if case == "huge file":
            assert len(items) > 8000
    if case.startswith(("empty", )):
        assert run.stdout == ""


@pytest.mark.parametrize(("case", "names"), [
    ("directory", "decode-cli"), ("missing file", "missing.txt"),
    ("bad key", "--ek"), ("short key", "--ak")])
def test_unreadable_input_is_one_clear_line(cli_runs: dict[str, CliRun], case: str,
                                            names: str) -> None:
    run = cli_runs[case]
    assert run.returncode not in (0, None)
    assert TRACEBACK not in run.stderr
    assert run.stdout == ""
    *usage, last = run.stderr_lines
    assert names in last
    assert all(line.startswith(("usage:", " ")) for line in usage)  # argparse's usage only
    assert "00112233445566778899" not in run.stderr  # a key is never echoed


# -- defects found here, fixed in f22be29 (now regression tests); the last one is open ----
@pytest.mark.parametrize("apdu", ["C401C100177FC00000", "C401C10018FFF0000000000000"],
                         ids=["float32 NaN", "float64 -Infinity"])
def test_json_output_is_strict_json_for_non_finite_floats(apdu: str) -> None:
    out = io.StringIO()
    assert main(["decode", "--json", apdu], out=out) == 0
    (item,) = [strict_json(line) for line in out.getvalue().splitlines()]
    assert "error" not in item


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_trace_files_with_a_byte_order_mark_are_decoded(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "trace.txt"
    path.write_bytes(f"TX: {SNRM}\r\n".encode(encoding))
    out = io.StringIO()
    assert main(["decode", "--json", str(path)], out=out) == 0
    items = [strict_json(line) for line in out.getvalue().splitlines()]
    assert [item.get("frame", {}).get("type") for item in items] == ["SNRM"]


def test_binary_stdin_under_a_strict_utf8_locale() -> None:
    run = run_cli(["decode", "--json", "-"], stdin=bytes(range(256)) * 8,
                  env={"PYTHONIOENCODING": "utf-8"})
    assert TRACEBACK not in run.stderr
    assert run.returncode == 0


def test_tree_output_to_a_non_utf8_stdout(tmp_path: Path) -> None:
    path = tmp_path / "trace.bin"
    path.write_bytes(b"RX: 7E A0\n\xff\xfe garbage\n")
    run = run_cli(["decode", str(path)], env={"PYTHONIOENCODING": "cp1252"})
    assert TRACEBACK not in run.stderr
    assert run.returncode == 0


def test_output_into_a_closed_pipe(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    path.write_text((SNRM + "\n") * 5000, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "conformance.cli", "decode", "--json",
                             str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(200)
    proc.stdout.close()  # like `| head -c 200`
    try:
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.wait(15)
    finally:
        proc.kill()
    assert TRACEBACK not in err and "BrokenPipeError" not in err


@pytest.mark.parametrize("case", ["directory", "missing file"])
def test_unreadable_input_exits_with_status_2(cli_runs: dict[str, CliRun], case: str) -> None:
    assert cli_runs[case].returncode == 2


def test_an_empty_argument_is_reported_as_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", ""], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "empty input argument" in err and "directory" not in err
