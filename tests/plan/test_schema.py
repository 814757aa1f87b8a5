"""The published JSON Schema: up to date, valid draft 2020-12, accepts every plan in
testplans/, rejects broken ones, and matches the model field for field."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from conformance.errors import PlanError
from conformance.plan import (
    Addressing,
    Association,
    Claims,
    HdlcSettings,
    InvocationCounterSource,
    Keys,
    MeterPlan,
    ServerSide,
    Timeouts,
    load_plan_text,
    plan_schema,
    schema_path,
)
from conformance.plan.__main__ import main
from conformance.plan.schema import check_schema, schema_text
from tests.plan._helpers import TESTPLANS

PLANS = sorted(TESTPLANS.glob("*.yaml"))


@pytest.fixture(scope="module")
def published() -> Any:
    return Draft202012Validator(json.loads(schema_path().read_text(encoding="utf-8")))


def test_published_schema_is_what_the_code_generates() -> None:
    assert schema_path().read_text(encoding="utf-8") == schema_text(), \
        "stale: run python -m conformance.plan write-schema"
    assert check_schema()
    assert main(["check-schema"]) == 0
    assert json.loads(schema_path().read_text(encoding="utf-8")) == plan_schema()


def test_schema_is_valid_draft_2020_12() -> None:
    schema = plan_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_there_are_plans() -> None:
    assert {p.name for p in PLANS} >= {"simulator.yaml", "example-fleet.yaml"}


@pytest.mark.parametrize("path", PLANS, ids=[p.name for p in PLANS])
def test_published_schema_accepts_every_plan(path: Any, published: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(published.iter_errors(data)) == []


BROKEN = {
    "unknown top-level key": {"meter": {"name": "m", "associations": [
        {"name": "p", "client_address": 16}]}, "meterz": {}},
    "no associations": {"meter": {"name": "m", "associations": []}},
    "association without client": {"meter": {"name": "m", "associations": [{"name": "p"}]}},
    "tcp without host": {"meter": {"name": "m", "transport": {"kind": "tcp"},
                                   "associations": [{"name": "p", "client_address": 16}]}},
    "unknown mechanism": {"meter": {"name": "m", "associations": [
        {"name": "p", "client_address": 16, "mechanism": "hls"}]}},
    "suite 3": {"meter": {"name": "m", "associations": [
        {"name": "p", "client_address": 16, "suite": 3}]}},
    "key as a number": {"meter": {"name": "m", "associations": [
        {"name": "p", "client_address": 16, "keys": {"ek": 1234}}]}},
    "bad typed value": {"meter": {"name": "m", "associations": [
        {"name": "p", "client_address": 16}], "objects": [
        {"class_id": 1, "logical_name": "0.0.96.1.0.255",
         "attributes": {"2": {"type": "long", "value": "x"}}}]}},
    "attribute index 0": {"meter": {"name": "m", "associations": [
        {"name": "p", "client_address": 16}], "objects": [
        {"class_id": 1, "logical_name": "0.0.96.1.0.255", "attributes": {"0": {}}}]}},
    "both meter and meters": {"meter": {"name": "m", "associations": [
        {"name": "p", "client_address": 16}]}, "meters": []},
    "window 8": {"meter": {"name": "m", "hdlc": {"window_tx": 8}, "associations": [
        {"name": "p", "client_address": 16}]}},
    "invocation counter with neither form": {"meter": {"name": "m", "associations": [
        {"name": "p", "client_address": 16, "invocation_counter": {"class_id": 1}}]}},
}


@pytest.mark.parametrize("data", list(BROKEN.values()), ids=list(BROKEN))
def test_published_schema_rejects_broken_plans(data: Any, published: Any) -> None:
    assert list(published.iter_errors(data)) != []
    with pytest.raises(PlanError):
        load_plan_text(yaml.safe_dump(data))


def _props(name: str) -> set[str]:
    return set(plan_schema()["$defs"][name]["properties"])


@pytest.mark.parametrize(("definition", "cls"), [
    ("meter", MeterPlan), ("association", Association), ("keys", Keys),
    ("addressing", Addressing), ("hdlc", HdlcSettings), ("timeouts", Timeouts),
    ("claims", Claims), ("server", ServerSide), ("invocationCounter", InvocationCounterSource),
])
def test_schema_matches_the_model(definition: str, cls: type) -> None:
    assert _props(definition) == {f.name for f in dataclasses.fields(cls)}


def test_schema_defaults_are_the_model_defaults() -> None:
    defs = plan_schema()["$defs"]
    for definition, obj in (("hdlc", HdlcSettings()), ("timeouts", Timeouts())):
        for name, prop in defs[definition]["properties"].items():
            assert prop["default"] == getattr(obj, name), (definition, name)
    assoc = defs["association"]["properties"]
    model = {f.name: f.default for f in dataclasses.fields(Association)}
    for name in ("max_pdu_size", "dlms_version", "use_dedicated_key"):
        assert assoc[name]["default"] == model[name]
    assert assoc["context"]["default"] == model["context"].value
    assert assoc["expect"]["default"] == model["expect"].value
    transport = defs["transport"]["properties"]
    assert transport["port"]["default"] == 4059
    assert transport["baudrate"]["default"] == 9600


def test_secret_fields_are_write_only() -> None:
    defs = plan_schema()["$defs"]
    for name in ("secretKey", "secretText", "privateKey"):
        assert defs[name]["writeOnly"] is True
    assert "writeOnly" not in defs["publicKey"]
