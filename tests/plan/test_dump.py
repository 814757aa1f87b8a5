"""A plan dumps to plain data / YAML and loads back equal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.plan import (
    dump_plan,
    load_plan,
    load_plan_text,
    plan_from_dict,
    plan_to_dict,
)
from conformance.plan.__main__ import main
from conformance.plan.dump import HIDDEN
from tests.plan._helpers import TESTPLANS, load

FLEET_ENV = {"METER_EK": "000102030405060708090A0B0C0D0E0F",
             "METER_AK": "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", "METER_PASSWORD": "12345678"}

VARIETY = """\
meters:
  - name: serial-meter
    transport:
      kind: serial
      url: socket://localhost:7000
      parity: E
      bytesize: 7
      stopbits: 2
      mode_e: {device_address: "12345678", manufacturer: ABC, identification: METER-1}
    associations:
      - name: public
        client_address: 16
        context: sn
      - name: md5
        client_address: 2
        mechanism: md5
        secret: "hex:00FF10"
        expect: rejected
        expect_diagnostic: authentication-mechanism-name-not-recognised
      - name: enc-only
        client_address: 3
        context: sn-ciphered
        suite: 0
        policy: {request: encrypted, response: authenticated}
        client_system_title: 4D4D4D0000BC614E
        keys: {ek: 000102030405060708090A0B0C0D0E0F, ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}
        invocation_counter: {initial: 77}
        proposed_conformance: 1C0320
    claims: {conformance: [read, write], services: [read], dlms_version: 6,
             max_receive_pdu_size: 512, hdlc: {window_tx: 7}}
    objects:
      - class_id: 1
        logical_name: 0.0.96.1.0.255
        attributes:
          2:
            type: structure
            value:
              - {type: null-data}
              - {type: boolean, value: true}
              - {type: bit-string, value: "10110"}
              - {type: visible-string, value: "abc"}
              - {type: utf8-string, value: "żółw"}
              - {type: date-time, value: "2024-06-01T12:00:00+02:00"}
              - {type: date, value: "2024-06-01"}
              - {type: time, value: "12:30:00"}
              - {type: float64, value: 1.5}
              - {type: octet-string, date_time: "2024-06-01T12:00:00"}
              - type: compact-array
                value: [{type: unsigned, value: 1}, {type: unsigned, value: 2}]
              - {type: long64-unsigned, value: 18446744073709551615}
      - class_id: 9000
        logical_name: 0.128.0.0.0.255
        attributes: {2: {type: enum, value: 3}}
  - name: tcp-meter
    transport: {kind: tcp, host: 192.0.2.1, port: 10000}
    associations: [{name: public, client_address: 16}]
"""


@pytest.mark.parametrize("name", ["simulator.yaml", "example-fleet.yaml"])
def test_round_trip_of_the_committed_plans(name: str) -> None:
    plan = load_plan(TESTPLANS / name, environ=FLEET_ENV)
    data = plan_to_dict(plan, reveal_secrets=True)
    json.dumps(data)  # plain data
    assert plan_from_dict(data, environ=FLEET_ENV) == plan
    text = dump_plan(plan, reveal_secrets=True)
    assert load_plan_text(text, environ=FLEET_ENV) == plan


def test_round_trip_of_every_form() -> None:
    plan = load(VARIETY)
    assert load_plan_text(dump_plan(plan, reveal_secrets=True)) == plan
    assert plan_from_dict(plan_to_dict(plan, reveal_secrets=True)) == plan


def test_round_trip_keeps_references_when_not_revealing() -> None:
    plan = load_plan(TESTPLANS / "example-fleet.yaml", environ=FLEET_ENV)
    assert load_plan_text(dump_plan(plan), environ=FLEET_ENV) == plan


def test_hidden_literal_secrets_do_not_load_back() -> None:
    plan = load(VARIETY)
    text = dump_plan(plan)
    assert HIDDEN in text
    assert "00FF10" not in text
    with pytest.raises(Exception, match="not hex"):
        load_plan_text(text)


def test_show_and_validate_commands(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(TESTPLANS / "simulator.yaml")]) == 0
    assert "simulator.yaml: ok (1 meter(s))" in capsys.readouterr().out
    assert main(["show", str(TESTPLANS / "simulator.yaml")]) == 0
    shown = capsys.readouterr().out
    assert "000102030405060708090A0B0C0D0E0F" not in shown
    assert "file:" in shown and HIDDEN in shown
    broken = tmp_path / "broken.yaml"
    broken.write_text("meter: {name: m}\n")
    assert main(["validate", str(broken)]) == 1
    assert capsys.readouterr().err == (f"{broken}:1: meter: missing required key "
                                       "'associations'\n")
    assert main(["show", str(broken)]) == 1
