"""A plan that loads can be used: the reference meter builds from it and the client
configurations of its associations are made, with no failure left for later (where it
would have no file, no line). The rules that make it so, then a search for exceptions:
Hypothesis changes values of the default plan; whatever loads must build."""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.client.from_plan import session_config
from conformance.errors import PlanError
from conformance.plan import ProfileGenerator, TestPlan, load_plan_text
from conformance.simulator.cosem.values import to_data
from conformance.simulator.meter import Meter
from tests.plan._helpers import BASE, TESTPLANS, load, problems

SIMULATED = BASE.replace("{kind: hdlc+tcp, host: meter.example}", "{kind: simulator}")
GMAC = """\
    - name: mgmt
      client_address: 1
      context: ln-ciphered
      mechanism: gmac
      suite: 0
      policy: POLICY
      client_system_title: 4D4D4D0000BC614E
      use_dedicated_key: true
      keys: {ek: 000102030405060708090A0B0C0D0E0F, ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}
      invocation_counter: {initial: 1}
"""


@pytest.mark.parametrize("policy", ["authenticated", "{request: authenticated, response: "
                                                     "authenticated-and-encrypted}"])
def test_a_dedicated_key_needs_encrypted_requests(policy: str) -> None:
    # Green Book 9.2.7: the key travels in the InitiateRequest.
    assert problems(BASE + GMAC.replace("POLICY", policy)) == [
        "plans/x.yaml:14: meter.associations[1].use_dedicated_key: the dedicated key travels "
        "in the InitiateRequest: it needs requests encrypted (policy encrypted or "
        "authenticated-and-encrypted)"]


@pytest.mark.parametrize("policy", ["encrypted", "authenticated-and-encrypted"])
def test_a_dedicated_key_with_encrypted_requests_loads(policy: str) -> None:
    assoc = load(BASE + GMAC.replace("POLICY", policy)).meters[0].association("mgmt")
    assert assoc.use_dedicated_key


# -- the reference meter -------------------------------------------------------------------
def test_the_reference_meter_offers_an_accepted_association() -> None:
    text = SIMULATED + "      expect: rejected\n"
    assert problems(text) == [
        "plans/x.yaml:4: meter.associations: the reference meter offers the associations "
        "expected to be accepted: at least one is needed"]


def test_the_reference_meter_states_its_system_title_for_hls() -> None:
    text = SIMULATED + "    - {name: h, client_address: 2, mechanism: md5, secret: abc}\n"
    assert problems(text) == [
        "plans/x.yaml:1: meter: the reference meter needs server.system_title for "
        "association(s) h (system titles, ciphering or HLS)"]
    # A rejected HLS association is the client's mistake: the meter offers nothing for it.
    assert load(text.replace("secret: abc}", "secret: abc, expect: rejected}")).meters


@pytest.mark.parametrize(("obj", "message"), [
    ("{class_id: 15, logical_name: 0.0.40.0.1.255, association: public, version: 3}",
     "objects[0].version: the reference meter implements Association LN (class 15) version "
     "1 and 2, not 3"),
    ("{class_id: 15, logical_name: 0.0.40.0.1.255, association: public, version: 0}",
     "objects[0].version: the reference meter implements Association LN (class 15) version "
     "1 and 2, not 0"),
])
def test_the_reference_meter_implements_some_versions(obj: str, message: str) -> None:
    text = SIMULATED + f"  objects:\n    - {obj}\n"
    assert problems(text) == [f"plans/x.yaml:8: meter.{message}"]
    # A real meter may have them.
    assert load(BASE + f"  objects:\n    - {obj}\n").meters[0].objects[0].version in (0, 3)


DEMAND = """\
  objects:
    - class_id: 5
      logical_name: 1.0.1.4.0.255
      attributes:
        2: {type: double-long-unsigned, value: 1500}
        3: {type: LAST, value: 1450}
        4: {type: structure, value: [{type: integer, value: 0}, {type: enum, value: 27}]}
        5: {type: unsigned, value: 0}
        6: {type: octet-string, date_time: "2024-06-01T11:45:00"}
        7: {type: octet-string, date_time: "2024-06-01T12:00:00"}
        8: {type: double-long-unsigned, value: 900}
        9: {type: long-unsigned, value: 1}
"""


def test_a_demand_register_keeps_one_type_for_its_averages() -> None:
    assert problems(BASE + DEMAND.replace("LAST", "long-unsigned")) == [
        "plans/x.yaml:12: meter.objects[0].attributes.3: expected double-long-unsigned, the "
        "type of attribute 2: last_average_value (attribute 3) takes the value of "
        "current_average_value (attribute 2) at the end of each period"]
    assert load(BASE + DEMAND.replace("LAST", "double-long-unsigned")).meters[0].objects


@pytest.mark.parametrize(("value", "shown"), [("0001-01-01T00:00:00", "0001-01-01T00:00:00"),
                                              ("9999-12-31T12:00:00+02:00",
                                               "9999-12-31T12:00:00+02:00")])
def test_date_times_keep_off_the_calendar_ends(value: str, shown: str) -> None:
    text = BASE + DEMAND.replace("LAST", "double-long-unsigned").replace(
        "2024-06-01T11:45:00", value)
    assert problems(text) == [
        "plans/x.yaml:15: meter.objects[0].attributes.6.date_time: a date-time must lie "
        f"between 0002-01-01 and 9998-12-31, got {shown}"]
    typed = BASE + ("  objects:\n    - {class_id: 1, logical_name: 0.0.96.1.0.255, "
                    f"attributes: {{2: {{type: date-time, value: \"{value}\"}}}}}}\n")
    assert problems(typed) == [
        "plans/x.yaml:8: meter.objects[0].attributes.2.value: a date-time must lie between "
        f"0002-01-01 and 9998-12-31, got {shown}"]


# -- what loads, builds --------------------------------------------------------------------------
#: What the association layer cannot do although a plan may describe it (the meter's own
#: choice, or the suite's limits): the client and the reference meter refuse these with a
#: PlanError of their own, naming the meter and the association.
CONSUMER_LIMITS = (
    "the response protection",  # client: a response protected less than its request
    "HLS with SN referencing",
    "a ciphered context needs a security policy",
    "mechanism 2 (HLS, manufacturer specific)",
    "the reading association must not need a counter itself",
)
DEFAULT_TEXT = (TESTPLANS / "simulator.yaml").read_text(encoding="utf-8")
DEFAULT_DOC: dict[str, Any] = yaml.safe_load(DEFAULT_TEXT)
NOW = dt.datetime(2024, 6, 1, 12, 0, 30, tzinfo=dt.UTC)


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path]


LEAVES = _leaves(DEFAULT_DOC)
VALUES: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from([0, 1, -1, 2, 7, 127, 255, 2**15, 2**16, 2**31, 2**32, 2**63, 2**64,
                     0.5, 16.0, -0.0, 1e300, math.nan, math.inf, True, None, "", "x", [], {},
                     "0001-01-01T00:00:00", "9999-12-31T23:59:59", "0002-01-01T00:00:00",
                     "none", "low", "manufacturer", "md5", "gmac", "ecdsa", "sn",
                     "sn-ciphered", "ln", "encrypted", "authenticated", "rejected",
                     "float32", "float64", "long-unsigned", "integer", "octet-string",
                     "gauge", "counter", "constant", "lifo", "wrapper", "read-only",
                     {"request": "encrypted", "response": "authenticated"}]),
    st.integers(), st.floats(), st.text(max_size=12))


def _use(plan: TestPlan) -> None:
    """What the meter and the client do with a plan before any byte is exchanged."""
    meter_plan = plan.meters[0]
    meter = Meter(meter_plan, time_source=lambda: NOW)
    try:
        for obj in meter_plan.objects:
            if obj.profile is not None:  # the rows the meter may serve, first and last
                start = NOW.replace(tzinfo=None)
                clock = next((o.clock for o in meter_plan.objects if o.clock), None)
                if clock is not None and clock.time is not None:
                    start = clock.time.replace(tzinfo=None)
                rows = ProfileGenerator(obj.profile, start)
                last = obj.profile.rows + obj.profile.profile_entries - 1
                for row in {0, max(obj.profile.rows - 1, 0), max(last, 0)}:
                    for value in rows.row(row):
                        to_data(value)
    finally:
        meter.close()
    for assoc in meter_plan.associations:
        session_config(meter_plan, assoc.name, transport="tcp://127.0.0.1:4059")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from(LEAVES), VALUES), min_size=1, max_size=2))
def test_what_loads_builds(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    doc = copy.deepcopy(DEFAULT_DOC)
    for path, value in changes:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        plan = load_plan_text(text, base_dir=TESTPLANS, environ={})
    except PlanError as exc:
        assert all(line.startswith("<string>") for line in str(exc).splitlines())
        return
    try:
        _use(plan)
    except PlanError as exc:
        assert any(limit in str(exc) for limit in CONSUMER_LIMITS), str(exc)


def test_the_default_plan_builds() -> None:
    _use(load_plan_text(DEFAULT_TEXT, base_dir=TESTPLANS, environ={}))
