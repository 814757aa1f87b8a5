"""Text and data the loader cannot read: characters YAML forbids, explicit tags, aliases
that expand without end, non-plain data given to ``plan_from_dict``. Each is one line
naming the file, the line and the path; never another exception."""

from __future__ import annotations

import pytest

from conformance.errors import PlanError
from conformance.plan import load_plan, load_plan_text, plan_from_dict
from conformance.plan._yaml import MAX_VALUES
from tests.plan._helpers import BASE, SOURCE, problems


@pytest.mark.parametrize(("char", "code"), [("\x0c", "000C"), ("\x1b", "001B"),
                                            ("\x7f", "007F"), ("\x00", "0000"),
                                            ("\ufffe", "FFFE"), ("\ud800", "D800")])
def test_characters_yaml_forbids_are_syntax_errors_with_line_and_column(char: str,
                                                                        code: str) -> None:
    text = BASE.replace("name: m1", f"name: m1{char}")
    assert problems(text) == [
        f"plans/x.yaml:2:11: YAML syntax error: the character U+{code} is not allowed in YAML "
        "text (control characters and non-characters can only be written as escapes in "
        'double-quoted strings, e.g. "\\x0C")']


def test_an_escaped_control_character_is_read() -> None:
    # The same character written as an escape is a (bad) name, not unreadable text.
    assert problems(BASE.replace("name: m1", 'name: "m1\\x0C"')) == [
        "plans/x.yaml:2: meter.name: expected a name of letters, digits, '.', '_', '+' and "
        "'-', got 'm1\\x0c'"]


@pytest.mark.parametrize(("value", "message"), [
    ("!!int abc", "the value is not an integer (explicit tag)"),
    ("!!float abc", "the value is not a number (explicit tag)"),
    ("!!bool maybe", "the value is not true or false (explicit tag)"),
    ("!!int " + "7" * 5000, "an integer of 5000 digits is too long"),
    ("7" * 5000, "an integer of 5000 digits is too long"),
    ("!foo bar", "unsupported YAML tag '!foo'"),
    ("!!python/object:os.system x",
     "unsupported YAML tag 'tag:yaml.org,2002:python/object:os.system'"),
    ("!!binary AAAA", "binary values (!!binary) are not used in plans: write octets in hex"),
])
def test_unreadable_scalars_are_one_line_each(value: str, message: str) -> None:
    # One line: the schema does not also complain about the value left out.
    text = BASE.replace("client_address: 16", f"client_address: {value}")
    assert problems(text) == [f"plans/x.yaml:6: meter.associations[0].client_address: {message}"]


def test_an_unreadable_secret_is_not_quoted() -> None:
    text = BASE + "      mechanism: low\n      password: !!int 12345678x\n"
    lines = problems(text)
    assert lines == ["plans/x.yaml:8: meter.associations[0].password: the value is not an "
                     "integer (explicit tag)"]


def test_aliases_that_expand_beyond_the_budget_are_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    lines.append("meter: *a7")
    assert problems("\n".join(lines) + "\n") == [
        f"plans/x.yaml:5: a4: the document holds more than {MAX_VALUES} values once its "
        "aliases are expanded"]


def test_aliases_within_the_budget_are_expanded() -> None:
    text = """\
    assocs: &assocs [{name: public, client_address: 16}]
    """
    # Only the unknown top-level key is a mistake: the alias itself is fine.
    assert problems(text + "meter: {name: m1, associations: *assocs}\n") == [
        "plans/x.yaml:1: assocs: unknown key 'assocs' (expected one of: version, defaults, "
        "meter, meters)"]


@pytest.mark.parametrize(("key", "path"), [
    ('"a\\nb"', "meter['a\\nb']"),
    ('""', "meter['']"),
    ('" x"', "meter[' x']"),
    ('"\\t"', "meter['\\t']"),
])
def test_odd_keys_are_quoted_in_the_path(key: str, path: str) -> None:
    lines = problems(BASE + f"  {key}: 1\n")
    assert len(lines) == 1
    assert lines[0].startswith(f"plans/x.yaml:7: {path}: unknown key ")


def test_messages_never_break_lines() -> None:
    # A value quoted in a message (here an environment variable name) cannot split it.
    text = BASE + '      mechanism: low\n      password: "env:A\\nB"\n'
    assert problems(text) == [
        "plans/x.yaml:8: meter.associations[0].password: env:A\\nB is not a valid environment "
        "variable name"]


# -- plan_from_dict ---------------------------------------------------------------------------
def _meter(**assoc: object) -> dict[str, object]:
    return {"meter": {"name": "m1", "associations": [{"name": "public", "client_address": 16,
                                                       **assoc}]}}


@pytest.mark.parametrize(("data", "lines"), [
    ([1], ["<dict>: expected a mapping, got list"]),
    (_meter(client_address=10**5000),
     ["<dict>: meter.associations[0].client_address: an integer of about 5001 digits is too "
      "long"]),
    (_meter(client_address=2**64),
     ["<dict>: meter.associations[0].client_address: must be between 0 and 65535, got "
      "18446744073709551616"]),
    ({"meter": {"name": "m1", "associations": [{"name": "public", "client_address": 16,
                                                 None: "x"}]}},
     ["<dict>: meter.associations[0]: mapping keys must be strings or integers, got None"]),
    ({"meter": {"name": "m1", "associations": [{"name": "public", "client_address": 16,
                                                 (1, 2): "x"}]}},
     ["<dict>: meter.associations[0]: mapping keys must be strings or integers, got tuple"]),
    ({"meter": {"name": "m1", "associations": [{"name": "public", "client_address": 16,
                                                 5: "x"}]}},
     ["<dict>: meter.associations[0].5: unknown key '5' (expected one of: name, description, "
      "client_address, context, mechanism, password, secret, suite, policy, "
      "client_system_title, server_system_title, keys, use_dedicated_key, "
      "invocation_counter, proposed_conformance, max_pdu_size, dlms_version, expect, "
      "expect_diagnostic)"]),
    (_meter(name=b"public"), ["<dict>: meter.associations[0].name: expected a string, got bytes"]),
])
def test_plan_from_dict_refuses_data_yaml_cannot_hold(data: object, lines: list[str]) -> None:
    with pytest.raises(PlanError) as info:
        plan_from_dict(data)  # type: ignore[arg-type]
    assert str(info.value).splitlines() == lines


def test_plan_from_dict_reads_integer_keys_as_yaml_safe_load_gives_them() -> None:
    data = {"meter": {"name": "m1", "associations": [{"name": "public", "client_address": 16}],
                      "objects": [{"class_id": 1, "logical_name": "0.0.96.1.0.255",
                                   "attributes": {2: {"type": "unsigned", "value": 7}}}]}}
    value = plan_from_dict(data).meters[0].objects[0].attribute(2).value
    assert value is not None and value.value == 7
    data["meter"]["objects"][0]["attributes"]["2"] = {"type": "unsigned",  # type: ignore
                                                      "value": 8}
    with pytest.raises(PlanError) as info:
        plan_from_dict(data)
    assert str(info.value) == ("<dict>: meter.objects[0].attributes.2: duplicate key '2' (as a "
                               "string and an integer)")


def test_plan_from_dict_refuses_recursive_data() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(PlanError) as info:
        plan_from_dict({"meter": loop})
    deep, meter = str(info.value).splitlines()
    assert deep == f"<dict>: meter{'[0]' * 64}: nesting deeper than 64 levels"
    assert meter == "<dict>: meter: expected a mapping, got a list"


def test_a_loaded_plan_text_names_its_source() -> None:
    with pytest.raises(PlanError, match=rf"^{SOURCE}:2:11: YAML syntax error"):
        load_plan_text(BASE.replace("name: m1", "name: m1\x1b"), source=SOURCE)


def test_a_plan_path_with_a_nul_character() -> None:
    with pytest.raises(PlanError) as info:
        load_plan("plans/x\0.yaml")
    assert str(info.value) == ("plans/x\\x00.yaml: cannot read the plan: a file name cannot "
                               "hold a NUL character")
