"""Numbers a plan cannot use: decimal numbers where integers are wanted, timeouts that are
not finite or too long, profiles beyond the calendar, counters and gauges beyond their
column's type, clock times at the calendar's ends. Each is one line at load time, never a
failure later in the meter or the client."""

from __future__ import annotations

import pytest

from conformance.plan import load_plan_text
from conformance.plan._schema_errors import _same
from tests.plan._helpers import BASE, load, problems

OBJECTS = BASE + "  objects:\n"
CLOCK = ("    - {class_id: 8, logical_name: 0.0.1.0.0.255, clock: {time: \"2024-06-01T12:00:00\"}, "
         "attributes: {3: {type: long, value: 0}, 4: {type: unsigned, value: 0}, "
         "5: {type: octet-string, value: FFFF03FE07020000008000FF}, "
         "6: {type: octet-string, value: FFFF0AFE07030000008000FF}, "
         "7: {type: integer, value: 60}, 8: {type: boolean, value: false}, "
         "9: {type: enum, value: 1}}}\n")
REGISTER = ("    - {class_id: 3, logical_name: 1.0.1.8.0.255, attributes: {2: {type: TYPE, "
            "value: 1}, 3: {type: structure, value: [{type: integer, value: 0}, "
            "{type: enum, value: 30}]}}}\n")


def _profile(period: int = 900, rows: int = 4, entries: int | None = None,
             generator: str = "{kind: counter, start: 1000, step: 5}",
             register: str = "double-long-unsigned", clock: str = CLOCK) -> str:
    profile = OBJECTS + clock + REGISTER.replace("TYPE", register) + f"""\
    - class_id: 7
      logical_name: 1.0.99.1.0.255
      profile:
        capture_period: {period}
        rows: {rows}
"""
    if entries is not None:
        profile += f"        profile_entries: {entries}\n"
    return profile + f"""\
        capture_objects:
          - {{class_id: 8, logical_name: 0.0.1.0.0.255, attribute: 2}}
          - {{class_id: 3, logical_name: 1.0.1.8.0.255, generator: {generator}}}
"""


# -- decimal numbers are not integers -----------------------------------------------------------
def test_yaml_types_decide_what_an_integer_is() -> None:
    assert not _same(1.0, 1) and not _same(True, 1) and not _same(0, False)
    assert _same(1.5, 1.5) and _same(2, 2) and _same("a", "a")


@pytest.mark.parametrize(("old", "new", "path", "shown", "write"), [
    ("client_address: 16", "client_address: 16.0", "meter.associations[0].client_address",
     "expected an integer, got 16.0", 16),
    ("client_address: 16", "client_address: 16\n      mechanism: 1.0",
     "meter.associations[0].mechanism", "expected a mechanism name or number 0..7, got 1.0", 1),
    ("client_address: 16", "client_address: 16\n      mechanism: -0.0",
     "meter.associations[0].mechanism", "expected a mechanism name or number 0..7, got -0.0",
     0),
    ("client_address: 16", "client_address: 16\n      suite: 0.0",
     "meter.associations[0].suite", "invalid value 0.0", 0),
    ("host: meter.example}", "host: meter.example, port: 4059.0}", "meter.transport.port",
     "expected an integer, got 4059.0", 4059),
    ("meter:\n", "version: 1.0\nmeter:\n", "version", "expected 1, got 1.0", 1),
])
def test_decimal_numbers_are_refused_where_integers_are_wanted(
        old: str, new: str, path: str, shown: str, write: int) -> None:
    lines = problems(BASE.replace(old, new, 1))
    assert len(lines) == 1
    assert lines[0].endswith(f"{path}: {shown} (YAML reads it as a decimal number: write "
                             f"{write})")


@pytest.mark.parametrize("addition", [
    "  addressing: {server_logical: 1.0}\n",
    "  hdlc: {window_tx: 1.0}\n",
    "  server: {invocation_counter: 0.0}\n",
    "  claims: {max_receive_pdu_size: 512.0}\n",
    "  claims: {suites: [0.0]}\n",
    "  claims: {mechanisms: [5.0]}\n",
])
def test_every_integer_field_refuses_decimal_numbers(addition: str) -> None:
    lines = problems(BASE + addition)
    assert len(lines) == 1 and "YAML reads it as a decimal number: write" in lines[0], lines


def test_typed_integer_values_refuse_decimal_numbers() -> None:
    text = OBJECTS + ("    - {class_id: 1, logical_name: 0.0.96.1.0.255, attributes: "
                      "{2: {type: unsigned, value: 5.0}}}\n")
    assert problems(text) == [
        "plans/x.yaml:8: meter.objects[0].attributes.2.value: expected an integer, got 5.0 "
        "(YAML reads it as a decimal number: write 5)"]


def test_whole_decimal_numbers_stay_numbers_where_numbers_are_wanted() -> None:
    text = BASE.replace("host: meter.example}", "host: meter.example, "
                        "timeouts: {response: 3, inter_frame: 1.0}}")
    timeouts = load(text).meters[0].transport.timeouts
    assert (timeouts.response, timeouts.inter_frame) == (3, 1.0)
    gauge = _profile(generator="{kind: gauge, minimum: 2.0, maximum: 5}")
    spec = load(gauge).meters[0].objects[2].profile
    assert spec is not None
    column = spec.capture_objects[1].generator
    assert (column.minimum, column.maximum) == (2, 5)
    assert type(column.minimum) is int  # the column is an integer type


# -- timeouts --------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "message"), [
    (".nan", "must be a number of seconds greater than 0 and at most 65535, got .nan (not a "
             "number)"),
    (".inf", "must be greater than 0 and at most 65535, got .inf"),
    ("-.inf", "must be greater than 0 and at most 65535, got -.inf"),
    ("1e10", "expected a number, got '1e10'"),  # YAML 1.1: an exponent needs a dot and a sign
    ("1.0e+10", "must be greater than 0 and at most 65535, got 1.0e+10"),
    ("0", "must be greater than 0 and at most 65535, got 0"),
])
def test_timeouts_are_finite_positive_and_bounded(value: str, message: str) -> None:
    text = BASE.replace("host: meter.example}", "host: meter.example, "
                        f"timeouts: {{inactivity: {value}}}}}")
    assert problems(text) == [f"plans/x.yaml:3: meter.transport.timeouts.inactivity: {message}"]


def test_the_longest_timeouts_load() -> None:
    text = BASE.replace("host: meter.example}", "host: meter.example, timeouts: "
                        "{response: 65535, inter_frame: 65535, inactivity: 65535}}")
    assert load(text).meters[0].transport.timeouts.inactivity == 65535


# -- profiles --------------------------------------------------------------------------------
def test_a_profile_reaching_back_before_the_calendar() -> None:
    assert problems(_profile(rows=100_000_000, entries=100_000_000,
                             generator="{kind: counter}")) == [
        "plans/x.yaml:14: meter.objects[2].profile.rows: rows x capture_period reaches back "
        "before the calendar: the oldest of 100000000 rows captured every 900 s up to the "
        "clock's time (2024-06-01T12:00:00) would be 2,852 years older, before 0002-01-01"]


def test_a_period_beyond_the_calendar_with_one_row() -> None:
    clock = CLOCK.replace("2024-06-01T12:00:00", "0050-01-01T00:00:00")
    lines = problems(_profile(period=4_000_000_000, rows=1, clock=clock))
    assert lines == [
        "plans/x.yaml:13: meter.objects[2].profile.capture_period: capture_period reaches back "
        "before the calendar: the last boundary of 4000000000 s periods (counted from "
        "1970-01-01) before the clock's time (0050-01-01T00:00:00) is 108 years earlier, "
        "before 0002-01-01"]


@pytest.mark.parametrize(("key", "value"), [("capture_period", 2**32), ("rows", 2**32),
                                            ("profile_entries", 2**32)])
def test_profile_numbers_are_double_long_unsigned(key: str, value: int) -> None:
    # Blue Book, Profile generic: capture_period, entries_in_use and profile_entries.
    text = _profile().replace("        rows: 4\n", "        rows: 4\n        profile_entries: 4\n")
    text = text.replace(f"        {key}: ", f"        {key}: {value} #", 1)
    line = {"capture_period": 13, "rows": 14, "profile_entries": 15}[key]
    low = 0 if key == "rows" else 1
    assert problems(text) == [
        f"plans/x.yaml:{line}: meter.objects[2].profile.{key}: must be between {low} and "
        f"4294967295, got {value}"]


def test_a_profile_without_a_clock_object_counts_from_now() -> None:
    text = _profile(rows=100_000_000, entries=100_000_000, generator="{kind: counter}",
                    clock="").replace("          - {class_id: 8, logical_name: 0.0.1.0.0.255, "
                                      "attribute: 2}\n", "")
    (line,) = problems(text)
    assert "up to the clock's time (now) would be" in line


def test_a_counter_stays_in_range_while_the_buffer_grows() -> None:
    # 4 rows at start and up to 4 more: row 7 holds start + 7 * step.
    text = _profile(generator="{kind: counter, start: 65000, step: 100}", register="long-unsigned")
    assert problems(text) == [
        "plans/x.yaml:17: meter.objects[2].profile.capture_objects[1].generator: the counter "
        "may reach 65700 within 8 rows (4 at start and up to 4 captured while the meter "
        "runs), beyond the range of long-unsigned (..65535)"]
    text = _profile(generator="{kind: counter, start: 65000, step: 76}", register="long-unsigned")
    assert load(text).meters[0].objects[2].profile is not None


@pytest.mark.parametrize(("register", "generator", "message"), [
    ("float32", "{kind: gauge, minimum: .nan, maximum: 1}",
     "generator.minimum: a gauge needs a finite minimum, got nan"),
    ("float64", "{kind: gauge, minimum: 0, maximum: .inf}",
     "generator.maximum: a gauge needs a finite maximum, got inf"),
    ("float32", "{kind: gauge, minimum: 0, maximum: 1.0e+39}",
     "generator: minimum..maximum must lie within -3.40282e+38..3.40282e+38 for float32"),
    ("float64", "{kind: gauge, minimum: -1.0e+308, maximum: 1.0e+308}",
     "generator: minimum..maximum must lie within -1.79769e+308..1.79769e+308 for float64, "
     "at most that far apart"),
    ("float64", "{kind: gauge, minimum: 0, maximum: 1" + "0" * 400 + "}",
     "generator: minimum..maximum must lie within -1.79769e+308..1.79769e+308 for float64, "
     "at most that far apart"),
    ("double-long-unsigned", "{kind: gauge, minimum: 0, maximum: 1" + "0" * 400 + "}",
     "generator: minimum..maximum must lie within 0..4294967295 for double-long-unsigned"),
    ("double-long-unsigned", "{kind: gauge, minimum: 0, maximum: 1.5}",
     "generator: an double-long-unsigned gauge needs whole minimum and maximum"),
])
def test_gauges_fit_their_column(register: str, generator: str, message: str) -> None:
    text = _profile(generator=generator, register=register).replace(
        "{type: float32, value: 1}", "{type: float32, value: 1.0}")
    assert problems(text) == [
        f"plans/x.yaml:17: meter.objects[2].profile.capture_objects[1].{message}"]


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("float64", "1" + "0" * 400, "an integer of about 401 digits is out of range for float64"),
    ("float32", "3.5e+38", "3.5e+38 is out of range for float32"),
    ("float32", "1" + "0" * 39, f"1{'0' * 39} is out of range for float32"),
])
def test_float_values_fit_their_type(kind: str, value: str, message: str) -> None:
    text = OBJECTS + ("    - {class_id: 1, logical_name: 0.0.96.1.0.255, attributes: "
                      f"{{2: {{type: {kind}, value: {value}}}}}}}\n")
    assert problems(text) == [f"plans/x.yaml:8: meter.objects[0].attributes.2.value: {message}"]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_float_values_are_values(value: str) -> None:
    text = OBJECTS + ("    - {class_id: 1, logical_name: 0.0.96.1.0.255, attributes: "
                      f"{{2: {{type: float32, value: {value}}}}}}}\n")
    assert load(text).meters[0].objects[0].attribute(2).value is not None


# -- the clock -------------------------------------------------------------------------------
@pytest.mark.parametrize("time", ["0001-06-01T00:00:00", "9999-01-01T00:00:00",
                                  "9999-12-31T23:59:59+01:00"])
def test_the_clock_keeps_off_the_calendar_ends(time: str) -> None:
    text = OBJECTS + CLOCK.replace("2024-06-01T12:00:00", time)
    assert problems(text) == [
        "plans/x.yaml:8: meter.objects[0].clock.time: the clock's time must lie between "
        f"0002-01-01 and 9998-12-31, got {time}"]


@pytest.mark.parametrize("time", ["0002-01-01T00:00:00", "9998-12-31T23:59:59.999999"])
def test_the_clock_range_is_inclusive(time: str) -> None:
    clock = load(OBJECTS + CLOCK.replace("2024-06-01T12:00:00", time)).meters[0].objects[0].clock
    assert clock is not None and clock.time is not None


def test_a_loaded_profile_generates_its_rows() -> None:
    plan = load_plan_text(_profile(rows=3, entries=3), environ={})
    assert plan.meters[0].objects[2].profile is not None
