"""Secrets never leak (DESIGN: "keys ... never appear in reports, traces, logs or exception
messages unless the user asks for it explicitly").

The default plan is loaded with fresh random secrets (from ``env:`` and ``file:``): the LLS
passwords, the HLS secret, EK, AK, KEK and the dedicated key. Full sessions run against the
reference meter -- LLS, HLS-GMAC with authenticated encryption, a dedicated key, HLS-SHA256,
and associations that fail on purpose (wrong password, wrong EK, wrong AK, wrong HLS
secret) -- with every logger at DEBUG. None of these may hold a secret in hex (upper or
lower case, with or without spaces), as Python bytes or as raw text: the logs, the session
traces exported as JSON lines, ``conformance decode`` over the traced octets (without
``--show-secrets``, with and without keys), the repr/str of every plan, configuration and
meter object involved, the plan as ``python -m conformance.plan show`` prints it, and the
text of every exception (chained ones included)."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import secrets
import string
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.cli import main
from conformance.client import (
    Direction,
    EntryKind,
    HdlcSettings,
    Session,
    SessionConfig,
    session_config,
)
from conformance.client.trace import TraceRecorder
from conformance.errors import ConformanceError
from conformance.plan import MeterPlan, TestPlan, dump_plan, load_plan_text
from conformance.security import SecurityKeys
from conformance.simulator.server import start_meter
from tests.robustness._support import ROOT, leaks

LOGICAL_DEVICE_NAME = "0.0.42.0.0.255"
DEFAULT = (ROOT / "testplans" / "simulator.yaml").read_text(encoding="utf-8")


def _word(n: int) -> str:
    return "".join(secrets.choice(string.ascii_letters) for _ in range(n))


@dataclass(frozen=True, slots=True)
class Secrets:
    """This run's secrets (random, so no other octets can match them by chance)."""

    password: str = field(default_factory=lambda: _word(12))
    bad_password: str = field(default_factory=lambda: _word(12))
    hls_secret: str = field(default_factory=lambda: _word(20))
    ek: bytes = field(default_factory=lambda: os.urandom(16))
    ak: bytes = field(default_factory=lambda: os.urandom(16))
    kek: bytes = field(default_factory=lambda: os.urandom(16))
    dedicated: bytes = field(default_factory=lambda: os.urandom(16))
    wrong_ek: bytes = field(default_factory=lambda: os.urandom(16))
    wrong_ak: bytes = field(default_factory=lambda: os.urandom(16))
    wrong_hls_secret: str = field(default_factory=lambda: _word(20))

    def by_name(self) -> dict[str, bytes]:
        return {**_SIGNING_KEY, "LLS password": self.password.encode(),
                "wrong LLS password": self.bad_password.encode(),
                "HLS secret": self.hls_secret.encode(), "EK": self.ek, "AK": self.ak,
                "KEK": self.kek, "dedicated key": self.dedicated, "wrong EK": self.wrong_ek,
                "wrong AK": self.wrong_ak, "wrong HLS secret": self.wrong_hls_secret.encode()}


def _signing_key() -> dict[str, bytes]:
    """The HLS-SHA256 client's ECDSA private key: its scalar, and its PEM body lines."""
    pem = (ROOT / "testplans" / "keys" / "client-p256.pem").read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    out = {"ECDSA private key (scalar)": key.private_numbers().private_value.to_bytes(32, "big")}
    lines = pem.splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(b"-----BEGIN"))
    end = next(i for i, line in enumerate(lines) if line.startswith(b"-----END"))
    body = lines[begin + 1:end]
    out.update({f"ECDSA private key (PEM line {i})": line for i, line in enumerate(body)})
    return out


_SIGNING_KEY = _signing_key()


def _plan_text(s: Secrets, tmp: Path) -> str:
    (tmp / "ek.hex").write_text(s.ek.hex() + "\n", encoding="ascii")
    (tmp / "dedicated.hex").write_text(s.dedicated.hex(" ").upper(), encoding="ascii")
    text = DEFAULT
    for old, new in [
            ('password: "12345678"', "password: env:ROBUST_PASSWORD"),
            ('password: "87654321"', "password: env:ROBUST_BAD_PASSWORD"),
            ('secret: "text:reference-meter-hls-secret"', "secret: env:ROBUST_HLS_SECRET"),
            ("        kek: 000102030405060708090A0B0C0D0E0F\n", "        kek: env:ROBUST_KEK\n"),
            ("        ek: 000102030405060708090A0B0C0D0E0F\n", f"        ek: file:{tmp}/ek.hex\n"),
            ("        ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF\n", "        ak: env:ROBUST_AK\n"),
            ("dedicated: 00112233445566778899AABBCCDDEEFF", "dedicated: file:dedicated.hex"),
            ("file:keys/", f"file:{ROOT}/testplans/keys/")]:
        assert old in text, old
        text = text.replace(old, new)
    return text


@dataclass
class Run:
    """Everything the sessions produced, as text, by where it came from."""

    secrets: Secrets
    plan: TestPlan
    meter_plan: MeterPlan
    texts: dict[str, str] = field(default_factory=dict)
    recorders: dict[str, TraceRecorder] = field(default_factory=dict)
    outcomes: dict[str, BaseException | None] = field(default_factory=dict)


def _exception_text(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc),
                      repr(getattr(exc, "__dict__", {}))])


def _pasted(recorder: TraceRecorder) -> str:
    """The traced octets as an engineer would paste them (one chunk per line)."""
    lines = []
    for entry in recorder.entries:
        if entry.kind is EntryKind.BYTES and entry.layer in ("hdlc", "wrapper"):
            arrow = "TX:" if entry.direction is Direction.SENT else "RX:"
            lines.append(f"{arrow} {entry.data.hex(' ').upper()}")
    return "\n".join(lines) + "\n"


def _decoded(text: str, *options: str) -> str:
    out = io.StringIO()
    assert main(["decode", *options, "-"], out=out, stdin=io.StringIO(text)) == 0
    return out.getvalue()


def _wrong(config: SessionConfig, **changes: Any) -> SessionConfig:
    return dataclasses.replace(config, association=dataclasses.replace(config.association,
                                                                        **changes))


def _session(run: Run, name: str, config: SessionConfig, tmp: Path, *,
             extra_reads: bool = False) -> None:
    session = Session(config)
    outcome: BaseException | None = None
    try:
        with session:
            session.associate()
            session.get(LOGICAL_DEVICE_NAME, 1, 2)
            if extra_reads:  # what the meter tells about its security set-up and association
                for ln, class_id, attributes in (("0.0.43.0.1.255", 64, range(1, 10)),
                                                 ("0.0.40.0.3.255", 15, range(1, 12))):
                    for attribute in attributes:
                        try:
                            session.get(ln, class_id, attribute)
                        except ConformanceError as exc:
                            run.texts[f"{name}: GET {ln}/{attribute} error"] = \
                                _exception_text(exc)
    except ConformanceError as exc:
        outcome = exc
        run.texts[f"{name}: exception"] = _exception_text(exc)
    run.outcomes[name] = outcome
    run.recorders[name] = session.recorder
    path = tmp / f"{name}.jsonl"
    session.recorder.to_jsonl(path)
    run.texts[f"{name}: trace JSON lines"] = path.read_text(encoding="utf-8")
    run.texts[f"{name}: session config"] = repr(config) + str(config) + repr(
        config.association) + repr(config.association.keys) + repr(config.invocation_counter)
    run.texts[f"{name}: association machine"] = repr(session.association) + repr(
        session.negotiated)
    pasted = _pasted(session.recorder)
    s = run.secrets
    run.texts[f"{name}: decode --json"] = _decoded(pasted, "--json")
    run.texts[f"{name}: decode --json with keys"] = _decoded(
        pasted, "--json", "--ek", s.ek.hex(), "--ak", s.ak.hex())
    run.texts[f"{name}: decode (tree) with keys"] = _decoded(
        pasted, "--ek", s.ek.hex(), "--ak", s.ak.hex(), "--dedicated-key", s.dedicated.hex())


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("secrets")
    s = Secrets()
    environ = {"ROBUST_PASSWORD": s.password, "ROBUST_BAD_PASSWORD": s.bad_password,
               "ROBUST_HLS_SECRET": f"text:{s.hls_secret}", "ROBUST_KEK": s.kek.hex(),
               "ROBUST_AK": s.ak.hex().upper()}
    plan = load_plan_text(_plan_text(s, tmp), source=str(tmp / "plan.yaml"), base_dir=tmp,
                          environ=environ)
    meter_plan = plan.meters[0]
    ek = meter_plan.association("management").keys.ek
    assert ek is not None and ek.reveal() == s.ek  # the file: secret
    result = Run(secrets=s, plan=plan, meter_plan=meter_plan)

    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        with start_meter(meter_plan, listen=["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"]
                         ) as running:
            hdlc, wrapper = running.endpoints
            for name, url in [("reader", hdlc), ("reader over the wrapper", wrapper),
                              ("management-dedicated", hdlc), ("hls-sha256", wrapper),
                              ("reader-bad-password", hdlc)]:
                association = name.split(" ")[0]
                _session(result, name, session_config(meter_plan, association, transport=url),
                         tmp)
            management = session_config(meter_plan, "management", transport=hdlc)
            _session(result, "management", management, tmp, extra_reads=True)
            keys = management.association.keys
            _session(result, "management, wrong EK", _wrong(management, keys=SecurityKeys(
                encryption_key=s.wrong_ek, authentication_key=s.ak, master_key=s.kek)), tmp)
            _session(result, "management, wrong AK", _wrong(management, keys=dataclasses.replace(
                keys, authentication_key=s.wrong_ak)), tmp)
            _session(result, "hls-sha256, wrong secret", _wrong(
                session_config(meter_plan, "hls-sha256", transport=hdlc),
                secret=s.wrong_hls_secret.encode()), tmp)
            result.texts["running meter"] = repr(running) + str(running) + repr(
                running.meter) + repr(dict(running.meter.associations))
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    result.texts["logs at DEBUG"] = log.getvalue()
    result.texts["plan"] = repr(plan) + str(plan) + repr(meter_plan) + str(meter_plan)
    result.texts["plan shown (python -m conformance.plan show)"] = dump_plan(plan)
    for assoc in meter_plan.associations:
        plan_keys = assoc.keys
        result.texts[f"plan association {assoc.name}"] = "".join(
            repr(x) + str(x) for x in (assoc, plan_keys, assoc.password, assoc.secret,
                                       plan_keys.ek, plan_keys.ak, plan_keys.kek,
                                       plan_keys.dedicated))
    yield result


def test_the_sessions_ran_as_intended(run: Run) -> None:
    """The setting of the leak test: the good sessions succeeded, the bad ones failed."""
    failed = {name for name, outcome in run.outcomes.items() if outcome is not None}
    assert failed == {"reader-bad-password", "management, wrong EK", "management, wrong AK",
                      "hls-sha256, wrong secret"}, {n: str(o) for n, o in run.outcomes.items()}
    assert run.texts["logs at DEBUG"].count("established") >= 5
    decoded = run.texts["management-dedicated: decode --json with keys"]
    assert '"deciphered":{"type":"InitiateRequest"' in decoded  # the decoder saw the key


def test_no_secret_anywhere(run: Run) -> None:
    assert len(run.texts) > 60
    assert leaks(run.texts, run.secrets.by_name()) == []


def test_show_secrets_does_show_the_password(run: Run) -> None:
    """The leak test can see a leak: with ``--show-secrets`` the password is printed."""
    shown = _decoded(_pasted(run.recorders["reader"]), "--json", "--show-secrets")
    assert leaks({"decode --show-secrets": shown},
                 {"LLS password": run.secrets.password.encode()}) == [
        "decode --show-secrets: LLS password as HEX"]


# -- an AARQ in HDLC segments ------------------------------------------------------------------
@pytest.fixture(scope="module")
def segmented(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The LLS session again with 36-octet information fields: the AARQ is segmented and the
    password (octets 34..45 of the information) is split over two frames."""
    tmp = tmp_path_factory.mktemp("segmented")
    result = Run(secrets=run.secrets, plan=run.plan, meter_plan=run.meter_plan)
    with start_meter(run.meter_plan, listen=["hdlc+tcp://127.0.0.1:0"]) as running:
        config = dataclasses.replace(
            session_config(run.meter_plan, "reader", transport=running.endpoints[0]),
            hdlc=HdlcSettings(max_info_field_length_transmit=36,
                              max_info_field_length_receive=36))
        _session(result, "reader", config, tmp)
    assert result.outcomes["reader"] is None
    frames = result.recorders["reader"].frames(Direction.SENT)
    password = run.secrets.password.encode()
    assert any(f.info["frame"].get("segmented") for f in frames)
    assert not any(password in f.data for f in frames)  # split, not whole in one frame
    return result


def _information_hex(frame: dict[str, Any], hex_text: str) -> str:
    """The information field of a frame (``hex_text``: header, information, FCS)."""
    n = int(frame.get("information_length", 0))
    return hex_text[-(2 * n + 4):-4] if n else ""


def test_the_trace_masks_a_password_split_over_hdlc_segments(segmented: Run) -> None:
    records = [json.loads(line) for line in segmented.texts["reader: trace JSON lines"]
               .splitlines()]
    sent = "".join(_information_hex(r["frame"], r["hex"]) for r in records
                   if r["kind"] == "frame" and r["direction"] == "client->server")
    assert "**" in sent
    assert segmented.secrets.password.encode().hex().upper() not in sent
    assert leaks({"trace": segmented.texts["reader: trace JSON lines"]},
                 segmented.secrets.by_name()) == []


# -- defects -----------------------------------------------------------------------------------
def test_trace_entries_in_memory_hold_no_secret(run: Run) -> None:
    entries = run.recorders["management-dedicated"].entries
    texts = {"repr of the entries": repr(entries),
             "entry.info": json.dumps([dict(e.info) for e in entries], default=str)}
    assert leaks(texts, run.secrets.by_name()) == []


def test_decode_masks_a_password_split_over_hdlc_segments(segmented: Run) -> None:
    items = [json.loads(line) for line in segmented.texts["reader: decode --json"]
             .splitlines()]
    sent = "".join(_information_hex(item["frame"], item["hex"]) for item in items
                   if item.get("direction") == "client->server" and "frame" in item)
    assert segmented.secrets.password.encode().hex().upper() not in sent
