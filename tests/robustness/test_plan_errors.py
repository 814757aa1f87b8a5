"""Broken test plans: a corpus of mistakes (YAML syntax, wrong types, unknown keys, bad
hex, missing ``env:`` / ``file:`` secrets, broken references) each gives a
:class:`~conformance.errors.PlanError` with one line per mistake naming the file, the line
and the path in the document; and Hypothesis feeds the loader random text, random
YAML-ish documents and mutations of a valid plan: only PlanError may come out."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.errors import PlanError
from conformance.plan import TestPlan, load_plan, load_plan_text
from conformance.simulator.meter import Meter

#: A compact valid plan exercising every part of the format the loader checks.
BASE = """\
version: 1
meter:
  name: compact
  transport:
    kind: hdlc+tcp
    host: 127.0.0.1
    port: 4059
    timeouts: {response: 2.0, inter_frame: 0.5, inactivity: 120}
  addressing: {server_logical: 1, server_physical: 16, server_address_size: 4, server_wport: 1}
  hdlc: {max_info_field_tx: 128, max_info_field_rx: 128, window_tx: 1, window_rx: 1}
  server: {system_title: 4D4D4D0000000001, invocation_counter: 0}
  claims:
    conformance: [get, set, action, selective-access, block-transfer-with-get-or-read]
    max_receive_pdu_size: 1024
    mechanisms: [none, low, gmac]
    suites: [0]
  associations:
    - {name: public, client_address: 16}
    - {name: reader, client_address: 32, mechanism: low, password: "12345678"}
    - name: mgmt
      client_address: 1
      context: ln-ciphered
      mechanism: gmac
      suite: 0
      policy: authenticated-and-encrypted
      client_system_title: 4D4D4D0000BC614E
      use_dedicated_key: true
      keys:
        ek: 000102030405060708090A0B0C0D0E0F
        ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF
        kek: 000102030405060708090A0B0C0D0E0F
        dedicated: 00112233445566778899AABBCCDDEEFF
      invocation_counter: {association: public, logical_name: 0.0.43.1.1.255}
  objects:
    - class_id: 15
      logical_name: 0.0.40.0.3.255
      association: mgmt
      access: {mgmt: read-only}
      method_access: {mgmt: access}
    - class_id: 64
      logical_name: 0.0.43.0.1.255
      association: mgmt
      access: {mgmt: read-only}
    - class_id: 1
      logical_name: 0.0.43.1.1.255
      access: {public: read-only}
      attributes: {2: {type: double-long-unsigned, value: 0}}
    - class_id: 1
      logical_name: 0.0.42.0.0.255
      access: {"*": read-only}
      attributes: {2: {type: octet-string, ascii: DLC0000000000001}}
    - class_id: 3
      logical_name: 1.0.1.8.0.255
      access: {"*": read-only}
      attributes:
        2: {type: double-long-unsigned, value: 12345678}
        3: {type: structure, value: [{type: integer, value: 0}, {type: enum, value: 30}]}
    - class_id: 8
      logical_name: 0.0.1.0.0.255
      access: {"*": read-only}
      clock: {time: "2024-06-01T12:00:00", running: true}
      attributes:
        3: {type: long, value: 0}
        4: {type: unsigned, value: 0}
        5: {type: octet-string, value: FFFF03FE07020000008000FF}
        6: {type: octet-string, value: FFFF0AFE07030000008000FF}
        7: {type: integer, value: 60}
        8: {type: boolean, value: false}
        9: {type: enum, value: 1}
    - class_id: 7
      logical_name: 1.0.99.1.0.255
      access: {"*": read-only}
      profile:
        capture_period: 900
        rows: 4
        sort_method: fifo
        capture_objects:
          - {class_id: 8, logical_name: 0.0.1.0.0.255, attribute: 2, generator: {kind: clock}}
          - {class_id: 3, logical_name: 1.0.1.8.0.255, attribute: 2,
             generator: {kind: counter, start: 1000, step: 5}}
"""
ENVIRON = {"ROBUST_BAD_HEX": "zz00112233445566778899AABBCCDDEE"}


def _load(text: str, tmp_path: Path) -> TestPlan:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return load_plan(path, environ=ENVIRON)


def test_the_base_plan_loads(tmp_path: Path) -> None:
    meter = _load(BASE, tmp_path).meters[0]
    assert [a.name for a in meter.associations] == ["public", "reader", "mgmt"]
    assert len(meter.objects) == 7


# -- the corpus --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mistake:
    """One expected line: the line holding ``at`` (in the broken text), the document path
    (``None``: a YAML syntax error, ``FILE:LINE:COLUMN``) and words of the message."""

    at: str
    path: str | None
    says: str


@dataclass(frozen=True, slots=True)
class Case:
    edits: tuple[tuple[str, str], ...]
    """(old, new) replacements of the base text, first occurrence each."""
    mistakes: tuple[Mistake, ...]
    hidden: tuple[str, ...] = field(default=())
    """Texts that must not appear in the message (secrets)."""


def _case(edits: list[tuple[str, str]], *mistakes: Mistake, hidden: tuple[str, ...] = ()
          ) -> Case:
    return Case(tuple(edits), mistakes, hidden)


READER = '    - {name: reader, client_address: 32, mechanism: low, password: "12345678"}'
CASES: dict[str, Case] = {
    # YAML syntax
    "unclosed flow sequence": _case(
        [("block-transfer-with-get-or-read]", "block-transfer-with-get-or-read")],
        Mistake("max_receive_pdu_size", None, "YAML syntax error")),
    "tab indentation": _case([("    - {name: public", "\t- {name: public")],
                             Mistake("\t- {name: public", None, "YAML syntax error")),
    "unclosed quote": _case([('password: "12345678"}', 'password: "12345678}')],
                            # the string runs on to the next quote, where YAML stumbles
                            Mistake('{"*": read-only}', None, "YAML syntax error"),
                            hidden=("12345678",)),
    "undefined alias": _case([("host: 127.0.0.1", "host: *nohost")],
                             Mistake("*nohost", None, "undefined alias")),
    "two documents": _case([("version: 1\n", "version: 1\n---\nversion: 1\n")],
                           Mistake("---", None, "YAML syntax error")),
    "duplicate key": _case([("    port: 4059\n", "    port: 4059\n    port: 4060\n")],
                           Mistake("port: 4060", "meter.transport.port", "duplicate key")),
    # wrong types
    "string client address": _case(
        [("{name: public, client_address: 16}", "{name: public, client_address: x}")],
        Mistake("name: public", "meter.associations[0].client_address", "integer")),
    "quoted port": _case([("port: 4059", 'port: "4059"')],
                         Mistake('port: "4059"', "meter.transport.port", "integer")),
    "number for a mapping": _case(
        [("  hdlc: {max_info_field_tx: 128, max_info_field_rx: 128, window_tx: 1, "
          "window_rx: 1}", "  hdlc: 5")], Mistake("hdlc: 5", "meter.hdlc", "mapping")),
    "list for a name": _case([("mechanism: gmac", "mechanism: [gmac]")],
                             Mistake("mechanism: [gmac]", "meter.associations[2].mechanism",
                                     "list")),
    "unquoted numeric password": _case([('password: "12345678"', "password: 12345678")],
                                       Mistake("name: reader",
                                               "meter.associations[1].password", "quote it"),
                                       hidden=("12345678",)),
    # unknown keys
    "unknown top-level key": _case([("version: 1\n", "version: 1\nmeterz: x\n")],
                                   Mistake("meterz", "meterz", "unknown key")),
    "misspelt password": _case([("password:", "passwrd:")],
                               Mistake("passwrd", "meter.associations[1].passwrd",
                                       "did you mean 'password'"), hidden=("12345678",)),
    "unknown key name": _case([("        ak: D0D1", "        eek: D0D1")],
                              Mistake("eek:", "meter.associations[2].keys.eek", "unknown key"),
                              hidden=("D0D1D2D3",)),
    # bad hex
    "bad hex system title": _case([("4D4D4D0000BC614E", "4D4D4D0000BC61ZZ")],
                                  Mistake("4D4D4D0000BC61ZZ",
                                          "meter.associations[2].client_system_title",
                                          "not hex")),
    "short key": _case([("        ek: 000102030405060708090A0B0C0D0E0F",
                         "        ek: 000102030405060708090A0B0C0D0E")],
                       Mistake("ek: 0001", "meter.associations[2].keys.ek",
                               "expected 16 bytes"), hidden=("0001020304",)),
    "non-hex key": _case([("        kek: 000102030405060708090A0B0C0D0E0F",
                           "        kek: 000102030405060708090A0B0C0D0EXX")],
                         Mistake("kek:", "meter.associations[2].keys.kek", "not hex"),
                         hidden=("0001020304",)),
    "bad hex data": _case([("value: FFFF03FE07020000008000FF}", "value: FFFF03FE0702000000800G}")],
                          Mistake("0702000000800G", "meter.objects[5].attributes.5.value",
                                  "hex")),
    # missing / broken secrets
    "unset environment variable": _case([('password: "12345678"', "password: env:ROBUST_UNSET")],
                                        Mistake("name: reader", "meter.associations[1].password",
                                                "ROBUST_UNSET is not set")),
    "missing key file": _case([("        ek: 000102030405060708090A0B0C0D0E0F",
                                "        ek: file:/nonexistent/ek.hex")],
                              Mistake("ek: file:", "meter.associations[2].keys.ek",
                                      "cannot read /nonexistent/ek.hex")),
    "bad variable name": _case([("        ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF",
                                 "        ak: env:1BAD")],
                               Mistake("ak: env:", "meter.associations[2].keys.ak",
                                       "not a valid environment variable name")),
    "file without path": _case([("        kek: 000102030405060708090A0B0C0D0E0F",
                                 '        kek: "file:"')],
                               Mistake("kek:", "meter.associations[2].keys.kek", "needs a path")),
    "variable holding bad hex": _case([("        dedicated: 00112233445566778899AABBCCDDEEFF",
                                        "        dedicated: env:ROBUST_BAD_HEX")],
                                      Mistake("dedicated:", "meter.associations[2].keys.dedicated",
                                              "not hex"), hidden=("00112233445566",)),
    # broken references and rules
    "LLS without password": _case([(READER, "    - {name: reader, client_address: 32, "
                                            "mechanism: low}")],
                                  Mistake("name: reader", "meter.associations[1]", "password")),
    "counter read by an unknown association": _case(
        [("{association: public, logical_name: 0.0.43.1.1.255}",
          "{association: nobody, logical_name: 0.0.43.1.1.255}")],
        Mistake("association: nobody", "meter.associations[2].invocation_counter.association",
                "nobody")),
    "bad logical name": _case([("logical_name: 0.0.42.0.0.255", "logical_name: 0.0.42.0.0")],
                              Mistake("logical_name: 0.0.42.0.0\n", "meter.objects[3].logical_name",
                                      "logical name")),
    "three mistakes": _case(
        [("4D4D4D0000BC614E", "4D4D4D0000BC61ZZ"),
         ('password: "12345678"', "password: env:ROBUST_UNSET"),
         ("        ek: 000102030405060708090A0B0C0D0E0F",
          "        ek: 000102030405060708090A0B0C0D0E")],
        Mistake("name: reader", "meter.associations[1].password", "ROBUST_UNSET"),
        Mistake("4D4D4D0000BC61ZZ", "meter.associations[2].client_system_title", "not hex"),
        Mistake("ek: 0001", "meter.associations[2].keys.ek", "expected 16 bytes")),
}


def _line_of(text: str, needle: str) -> int:
    at = text.index(needle)
    return text.count("\n", 0, at) + 1


@pytest.mark.parametrize("name", list(CASES))
def test_each_mistake_is_one_line_with_file_line_and_path(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    text = BASE
    for old, new in case.edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    with pytest.raises(PlanError) as info:
        _load(text, tmp_path)
    source = re.escape(str(tmp_path / "plan.yaml"))
    lines = str(info.value).splitlines()
    assert len(lines) == len(case.mistakes), lines
    for line, mistake in zip(lines, case.mistakes, strict=True):
        number = _line_of(text, mistake.at)
        if mistake.path is None:
            match = re.fullmatch(rf"{source}:(\d+):\d+: (.+)", line)
            assert match, line
            assert number <= int(match.group(1)) <= number + 2, line
        else:
            match = re.fullmatch(rf"{source}:(\d+): {re.escape(mistake.path)}: (.+)", line)
            assert match, line
            assert int(match.group(1)) == number, line
        assert mistake.says in match.group(2), line
    for secret in case.hidden:
        assert secret not in str(info.value)


# -- Hypothesis --------------------------------------------------------------------------------
LOADER = settings(max_examples=120, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_ONE_LINE = re.compile(r"<string>(:\d+(:\d+)?)?: \S.*")


def _only_plan_errors(text: str) -> None:
    try:
        load_plan_text(text, environ=ENVIRON)
    except PlanError as exc:
        lines = str(exc).splitlines()
        assert lines and all(_ONE_LINE.fullmatch(line) for line in lines), lines


_KEYS = st.sampled_from([
    "version", "meter", "meters", "defaults", "name", "transport", "kind", "host", "port",
    "timeouts", "addressing", "hdlc", "server", "claims", "associations", "objects",
    "client_address", "mechanism", "password", "keys", "ek", "ak", "suite", "context",
    "class_id", "logical_name", "attributes", "access", "profile", "type", "value", "2", "x"])
# Every float, integral ones (1.0, -0.0) included: where an integer is wanted they are
# refused with a one-line error too.
_FLOATS = st.floats(allow_nan=True, allow_infinity=True)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), _FLOATS, st.text(max_size=20),
    st.sampled_from(["env:NOPE", "file:/nonexistent", "file:", "hex:zz", "text:", "env:",
                     "0.0.1.0.0.255", "tcp", "simulator", "serial", "gmac", "low", "none",
                     "ln-ciphered", "octet-string", "structure", "read-only", "*",
                     "000102030405060708090A0B0C0D0E0F", "2024-06-01T12:00:00"]))
_DOCS = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=5)), max_leaves=25)


# Characters YAML 1.1 forbids in a stream (PyYAML's Reader.NON_PRINTABLE) are left out:
# test_control_characters_are_plan_errors below covers them.
_YAML_FORBIDDEN = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD"
                             "\U00010000-\U0010FFFF]")
_PLAN_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["meter:", "meters:", "\n", "  ", "- ", "name: m", ": ", "{",
                              "}", "[", "]", "&a ", "*a", "<<: ", "!!binary ", "'", '"', "#",
                              "---", "...", "? ", "|", ">", "%YAML 1.1", "\t"]),
             max_size=60).map("".join),
).map(lambda text: _YAML_FORBIDDEN.sub("", text))


@LOADER
@given(_PLAN_TEXT)
def test_random_text_gives_only_plan_errors(text: str) -> None:
    _only_plan_errors(text)


@LOADER
@given(st.dictionaries(_KEYS, _DOCS, max_size=5))
def test_random_documents_give_only_plan_errors(doc: dict[str, Any]) -> None:
    _only_plan_errors(yaml.safe_dump(doc, allow_unicode=True))


_BASE_DOC: dict[str, Any] = yaml.safe_load(BASE)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


@LOADER
@given(st.data())
def test_mutations_of_a_valid_plan_give_only_plan_errors(data: st.DataObject) -> None:
    doc = copy.deepcopy(_BASE_DOC)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = _paths(doc)[1:]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent: Any = doc
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(_KEYS, label="key")] = data.draw(_DOCS, label="value")
        else:
            parent[path[-1]] = data.draw(_DOCS, label="value")
    _only_plan_errors(yaml.safe_dump(doc, allow_unicode=True))


# -- defects -----------------------------------------------------------------------------------
@pytest.mark.parametrize("char", ["\x0c", "\x1b", "\x7f", "\ufffe"],
                         ids=["form feed", "escape", "delete", "U+FFFE"])
def test_control_characters_are_plan_errors(char: str) -> None:
    with pytest.raises(PlanError, match=r"<string>:\d+"):
        load_plan_text(BASE.replace("name: compact", f"name: compact{char}"))


@pytest.mark.parametrize("value", ["1.0", "-0.0"])
def test_a_float_mechanism_is_a_plan_error(value: str) -> None:
    with pytest.raises(PlanError, match=r"meter\.associations\[1\]\.mechanism"):
        load_plan_text(BASE.replace("mechanism: low", f"mechanism: {value}"))


@pytest.mark.parametrize(("old", "new", "read"), [
    ("client_address: 16}", "client_address: 16.0}",
     lambda p: p.meters[0].association("public").client_address),
    ("server_logical: 1,", "server_logical: 1.0,", lambda p: p.meters[0].addressing.server_logical),
    ("window_tx: 1,", "window_tx: 1.0,", lambda p: p.meters[0].hdlc.window_tx),
    ("invocation_counter: 0}", "invocation_counter: 0.0}",
     lambda p: p.meters[0].server.invocation_counter),
    ("rows: 4", "rows: 4.0", lambda p: p.meters[0].objects[6].profile.rows),
], ids=["client_address", "server_logical", "window_tx", "server invocation_counter",
        "profile rows"])
def test_integral_floats_are_read_as_integers_or_refused(old: str, new: str, read: Any) -> None:
    try:
        plan = load_plan_text(BASE.replace(old, new, 1))
    except PlanError as exc:
        assert re.match(r"<string>:\d+: ", str(exc))
        return
    assert type(read(plan)) is int


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_non_finite_timeouts_are_plan_errors(value: str) -> None:
    with pytest.raises(PlanError, match=r"<string>:8: meter\.transport\.timeouts\.response"):
        load_plan_text(BASE.replace("response: 2.0", f"response: {value}"))


@pytest.mark.parametrize(("old", "new"), [("capture_period: 900", "capture_period: 99999999999"),
                                          ("rows: 4", "rows: 100000000")],
                         ids=["capture_period", "rows"])
def test_a_profile_beyond_the_calendar_is_a_plan_error(old: str, new: str) -> None:
    text = BASE.replace(old, new).replace("step: 5", "step: 0")
    try:
        plan = load_plan_text(text)
    except PlanError as exc:
        assert re.match(r"<string>:\d+: meter\.objects\[6\]\.profile", str(exc))
        return
    Meter(plan.meters[0]).close()  # the plan loaded: the meter must then be buildable
