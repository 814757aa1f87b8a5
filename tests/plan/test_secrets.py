"""Secrets: literal, hex:, text:, env: and file: forms; they never print."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from conformance.errors import PlanError
from conformance.plan import Secret, dump_plan, load_plan, plan_to_dict
from conformance.plan.secrets import SecretError, SecretKind, resolve_secret
from tests.plan._helpers import BASE, load, problems

EK = "000102030405060708090A0B0C0D0E0F"
AK = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
PASSWORD = "Sup3r-Secret-Pw"


def _plan(ek: str = EK, ak: str = AK, password: str = PASSWORD) -> str:
    return BASE + f"""\
    - name: reader
      client_address: 32
      mechanism: low
      password: {password}
    - name: mgmt
      client_address: 1
      context: ln-ciphered
      mechanism: gmac
      suite: 0
      policy: authenticated-and-encrypted
      client_system_title: 4D4D4D0000BC614E
      keys: {{ek: {ek}, ak: {ak}}}
      invocation_counter: {{initial: 1}}
"""


def test_literal_forms() -> None:
    assert resolve_secret(EK, kind=SecretKind.KEY).reveal() == bytes.fromhex(EK)
    assert resolve_secret("00 01 02", kind=SecretKind.KEY).reveal() == b"\x00\x01\x02"
    assert resolve_secret("hex:3132", kind=SecretKind.TEXT).reveal() == b"12"
    assert resolve_secret("text:env:x", kind=SecretKind.TEXT).reveal() == b"env:x"
    assert resolve_secret("pässword", kind=SecretKind.TEXT).reveal() == "pässword".encode()
    assert resolve_secret("text:ABCD", kind=SecretKind.KEY).reveal() == b"ABCD"
    assert resolve_secret(EK, kind=SecretKind.KEY).source == "literal"


def test_env_form() -> None:
    env = {"DLMS_EK": EK, "DLMS_PW": "hex:3132", "LOOP": "env:DLMS_EK"}
    secret = resolve_secret("env:DLMS_EK", kind=SecretKind.KEY, environ=env)
    assert secret.reveal() == bytes.fromhex(EK)
    assert secret.source == "env:DLMS_EK"
    assert resolve_secret("env:DLMS_PW", kind=SecretKind.TEXT, environ=env).reveal() == b"12"
    with pytest.raises(SecretError, match=r"^environment variable NOPE is not set$"):
        resolve_secret("env:NOPE", kind=SecretKind.KEY, environ=env)
    with pytest.raises(SecretError, match="not a valid environment variable name"):
        resolve_secret("env:1X", kind=SecretKind.KEY, environ=env)
    with pytest.raises(SecretError, match="must hold the secret itself"):
        resolve_secret("env:LOOP", kind=SecretKind.KEY, environ=env)


def test_env_form_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLMS_TEST_AK", AK)
    assert resolve_secret("env:DLMS_TEST_AK", kind=SecretKind.KEY).reveal() == bytes.fromhex(AK)


def test_file_form(tmp_path: Path) -> None:
    (tmp_path / "ek.hex").write_text(f"{EK[:16]}\n  {EK[16:]}\n")
    (tmp_path / "pw.txt").write_bytes(b"pass word\r\n")
    (tmp_path / "bin.key").write_bytes(b"\xff\x00\x10")
    secret = resolve_secret("file:ek.hex", kind=SecretKind.KEY, base_dir=tmp_path)
    assert secret.reveal() == bytes.fromhex(EK)
    assert secret.source == f"file:{tmp_path / 'ek.hex'}"
    assert resolve_secret(f"file:{tmp_path}/pw.txt", kind=SecretKind.TEXT).reveal() == \
        b"pass word"
    assert resolve_secret("file:bin.key", kind=SecretKind.TEXT,
                          base_dir=tmp_path).reveal() == b"\xff\x00\x10"
    with pytest.raises(SecretError, match=r"bin\.key must hold hex text, it holds binary data"):
        resolve_secret("file:bin.key", kind=SecretKind.KEY, base_dir=tmp_path)
    with pytest.raises(SecretError, match=r"cannot read .*missing\.hex: No such file"):
        resolve_secret("file:missing.hex", kind=SecretKind.KEY, base_dir=tmp_path)
    with pytest.raises(SecretError, match=r"^file: needs a path$"):
        resolve_secret("file:", kind=SecretKind.KEY)


def test_plan_file_secrets_are_relative_to_the_plan(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "ek.hex").write_text(EK + "\n")
    plan_file = tmp_path / "meter.yaml"
    plan_file.write_text(_plan(ek="file:keys/ek.hex", ak="env:METER_AK",
                               password="file:keys/pw.txt"))
    (tmp_path / "keys" / "pw.txt").write_text(PASSWORD + "\n")
    plan = load_plan(plan_file, environ={"METER_AK": AK})
    mgmt = plan.meters[0].association("mgmt")
    assert mgmt.keys.ek is not None and mgmt.keys.ek.reveal() == bytes.fromhex(EK)
    assert mgmt.keys.ak is not None and mgmt.keys.ak.source == "env:METER_AK"
    reader = plan.meters[0].association("reader")
    assert reader.password is not None and reader.password.reveal() == PASSWORD.encode()


def test_missing_env_and_file_are_plan_errors() -> None:
    text = _plan(ek="env:NO_SUCH_EK", password="file:nowhere/pw.txt")
    lines = problems(text)
    assert lines[0] == ("plans/x.yaml:10: meter.associations[1].password: cannot read "
                        f"{Path('testplans').resolve() / 'nowhere/pw.txt'}: No such file or "
                        "directory")
    assert lines[1] == ("plans/x.yaml:18: meter.associations[2].keys.ek: environment variable "
                        "NO_SUCH_EK is not set")


def test_secrets_never_print(caplog: pytest.LogCaptureFixture) -> None:
    plan = load(_plan())
    mgmt = plan.meters[0].association("mgmt")
    assert mgmt.keys.ek is not None
    assert repr(mgmt.keys.ek) == "Secret(<hidden>, source='literal')"
    assert str(mgmt.keys.ek) == "<hidden>"
    assert f"{mgmt.keys.ek}" == "<hidden>"
    texts = [repr(plan), str(plan), repr(mgmt), str(mgmt.keys), dump_plan(plan),
             str(plan_to_dict(plan))]
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("plan %s %r", plan, mgmt)
    texts.append(caplog.text)
    for text in texts:
        for secret in (EK, AK, EK.lower(), PASSWORD, bytes.fromhex(EK).hex()):
            assert secret not in text
        assert repr(bytes.fromhex(AK)) not in text
    assert dump_plan(plan).count("<hidden>") == 3


def test_dump_shows_references_not_values(tmp_path: Path) -> None:
    plan = load(_plan(ek="env:E", ak="env:A"), environ={"E": EK, "A": AK})
    keys = plan_to_dict(plan)["meters"][0]["associations"][2]["keys"]
    assert keys == {"ek": "env:E", "ak": "env:A"}


def test_error_messages_never_quote_secrets() -> None:
    bad_key = "C0FFEE" + "Z" * 26
    lines = problems(_plan(ek=bad_key, ak="00" * 15 + "Q1"))
    assert lines == [
        "plans/x.yaml:18: meter.associations[2].keys.ek: the key is not hex (character 7 is not "
        "a hex digit) (write keys in hex, or use env:/file:)",
        "plans/x.yaml:18: meter.associations[2].keys.ak: the key is not hex (character 31 is "
        "not a hex digit) (write keys in hex, or use env:/file:)",
    ]
    assert all("C0FFEE" not in line for line in lines)
    # A number where the password belongs: the message does not repeat it either.
    lines = problems(_plan(password="31415926"))
    assert lines == ["plans/x.yaml:10: meter.associations[1].password: expected a string; YAML "
                     "reads this unquoted value as a number: quote it"]


def test_secret_value_semantics() -> None:
    a, b = Secret(b"k1"), Secret(b"k1", source="env:X")
    assert a == b and hash(a) == hash(b)
    assert a != Secret(b"k2")
    assert a != b"k1"
    with pytest.raises(AttributeError):
        a.source = "x"
    with pytest.raises(AttributeError):
        del a.source
    copy = pickle.loads(pickle.dumps(b))
    assert copy == b and copy.source == "env:X" and repr(copy) == repr(b)
    assert Secret(b"-----BEGIN").reveal_text() == "-----BEGIN"


def test_plan_error_is_raised_for_unresolvable_secret_of_a_file_plan(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.yaml"
    plan_file.write_text(_plan(ek="env:UNSET_FOR_TEST"))
    with pytest.raises(PlanError) as info:
        load_plan(plan_file, environ={})
    assert str(info.value) == (f"{plan_file}:18: meter.associations[2].keys.ek: environment "
                               "variable UNSET_FOR_TEST is not set")
