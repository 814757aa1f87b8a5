"""Structural validation with the JSON Schema, each failure turned into one clear line.

jsonschema's own messages ("Additional properties are not allowed ('pasword' was
unexpected)") are replaced by messages in the plan's terms ("unknown key 'pasword' (did you
mean 'password'?)"), positioned on the offending node. Values of secret fields (the schema
marks them ``writeOnly``) are never quoted.

The validator reads values with YAML's types rather than JSON Schema's: a number YAML reads
as decimal (``16.0``, ``1.0``) is not an integer, so it neither passes as one (``type:
integer``) nor equals an integer of an enumeration (``suite: 1.0``); the message says to
write the integer. (JSON Schema counts 16.0 as an integer; the model would then hold a
float where it declares ``int``, and consumers fail later, far from the plan.)
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from conformance.plan._issues import DocPath, Issues, show_number
from conformance.plan.schema import plan_schema

__all__ = ["did_you_mean", "schema_issues"]

_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string",
               "integer": "an integer", "number": "a number", "boolean": "true or false",
               "null": "nothing (null)"}
_MAX_LISTED = 30


def _is_integer(checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


def _same(a: Any, b: Any) -> bool:
    """Equality of enumeration members by YAML type: true/false are not 1/0 and a decimal
    number is not an integer (1.0 is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float) != isinstance(b, float):
        return False
    return bool(a == b)


def _enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Any:
    if not any(_same(instance, each) for each in enums):
        yield ValidationError(f"{instance!r} is not one of {enums!r}")


def _const(validator: Any, const: Any, instance: Any, schema: Any) -> Any:
    if not _same(instance, const):
        yield ValidationError(f"{const!r} was expected")


_PlanValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, validators={"enum": _enum, "const": _const},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))


@cache
def _validator() -> Any:
    return _PlanValidator(plan_schema())


def _decimal_hint(value: Any) -> str:
    """What to write instead of a decimal number that stands for an integer."""
    if isinstance(value, float) and value.is_integer():
        return f" (YAML reads it as a decimal number: write {int(value)})"
    return ""


def did_you_mean(word: str, choices: Any) -> str:
    """`` (did you mean 'x'?)`` when ``word`` is close to one of ``choices``, else ``""``."""
    options = [c for c in choices if isinstance(c, str)]
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return type(value).__name__


def _branch_accepts(branch: dict[str, Any], value: Any) -> bool:
    kind = branch.get("type")
    if kind is None:
        return False
    kinds = kind if isinstance(kind, list) else [kind]
    actual = _json_type(value)
    return actual in kinds or (actual == "integer" and "number" in kinds)


class _Reporter:
    def __init__(self, issues: Issues) -> None:
        self.issues = issues

    def describe(self, value: Any, path: DocPath, secret: bool) -> str:
        raw = self.issues.smap.raw.get(path)
        if secret:
            return _TYPE_WORDS.get(_json_type(value), "a value")
        if raw is not None and not isinstance(value, str):
            return raw
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return repr(value if len(value) <= 40 else value[:37] + "...")
        if isinstance(value, int | float):
            return show_number(value)
        return _TYPE_WORDS.get(_json_type(value), type(value).__name__)

    def report(self, err: Any) -> None:
        path: DocPath = tuple(err.absolute_path)
        if self.issues.is_unread(path):
            return  # the YAML reader already said why this node has no value
        inst = err.instance
        kw = err.validator
        schema = err.schema if isinstance(err.schema, dict) else {}
        secret = bool(schema.get("writeOnly"))
        add = self.issues.add
        if kw in ("oneOf", "anyOf") and "propertyNames" in err.schema_path:
            self._bad_key(err, path)
        elif kw in ("oneOf", "anyOf"):
            self._alternatives(err, path)
        elif kw == "additionalProperties" and isinstance(inst, dict):
            allowed = list(schema.get("properties", {}))
            for key in inst:
                if key in allowed:
                    continue
                hint = did_you_mean(key, allowed) or (
                    f" (expected one of: {', '.join(allowed)})" if allowed else "")
                add((*path, key), f"unknown key {key!r}{hint}")
        elif kw == "required" and isinstance(inst, dict):
            for key in err.validator_value:
                if key not in inst:
                    extra = ""
                    if "then" in err.schema_path and "kind" in inst:
                        extra = f" (needed with kind {inst['kind']})"
                    add(path, f"missing required key {key!r}{extra}")
        elif kw == "type":
            self._type(err, path, secret)
        elif kw in ("enum", "const") and "propertyNames" in err.schema_path:
            self._bad_key(err, path)
        elif kw == "enum":
            allowed = err.validator_value
            got = self.describe(inst, path, secret)
            hint = did_you_mean(inst, allowed) if isinstance(inst, str) and not secret else ""
            what = f"unknown {schema['title']}" if "title" in schema else "invalid value"
            if not hint and any(isinstance(a, int) and inst == a for a in allowed):
                hint = _decimal_hint(inst)
            if hint:
                add(path, f"{what} {got}{hint}")
            elif len(allowed) <= _MAX_LISTED:
                add(path, f"{what} {got} (expected one of: {', '.join(map(str, allowed))})")
            else:
                add(path, f"{what} {got}")
        elif kw == "const":
            want = err.validator_value
            hint = _decimal_hint(inst) if isinstance(want, int) and inst == want else ""
            add(path, f"expected {want!r}, got {self.describe(inst, path, secret)}{hint}")
        elif kw in ("minimum", "maximum", "exclusiveMinimum"):
            lo, hi = schema.get("minimum"), schema.get("maximum")
            above = schema.get("exclusiveMinimum")
            got = self.describe(inst, path, secret)
            if above is not None:
                bound = f"greater than {above}" + (f" and at most {hi}" if hi is not None
                                                   else "")
                add(path, f"must be {bound}, got {got}")
            elif lo is not None and hi is not None:
                add(path, f"must be between {lo} and {hi}, got {got}")
            elif lo is not None:
                add(path, f"must be at least {lo}, got {got}")
            else:
                add(path, f"must be at most {hi}, got {got}")
        elif kw == "minItems":
            add(path, f"needs at least {err.validator_value} item(s)")
        elif kw == "uniqueItems" and isinstance(inst, list):
            seen: list[Any] = []
            for item in inst:
                if item in seen:
                    add(path, f"{self.describe(item, path, secret)} is listed twice")
                    break
                seen.append(item)
        elif kw == "pattern" and "propertyNames" in err.schema_path:
            self._bad_key(err, path)
        elif kw == "pattern":
            title = schema.get("title", f"text matching {err.validator_value}")
            add(path, f"expected {title}, got {self.describe(inst, path, secret)}")
        elif kw in ("minLength", "maxLength"):
            lo, hi = schema.get("minLength"), schema.get("maxLength")
            size = f"exactly {lo}" if lo == hi else (f"at most {hi}" if lo is None
                                                      else f"at least {lo}")
            add(path, f"must have {size} character(s), got {len(inst)}")
        else:  # a keyword this translator does not know: keep jsonschema's words
            add(path, re.sub(r"\s+", " ", str(err.message)))

    def _bad_key(self, err: Any, path: DocPath) -> None:
        key = err.instance
        parent = err.parent
        title = "a valid key"
        node = err.schema if isinstance(err.schema, dict) else {}
        if "title" in node:
            title = node["title"]
        elif parent is not None and isinstance(parent.schema, dict):
            title = parent.schema.get("title", title)
        where = (*path, key) if isinstance(key, str) else path
        self.issues.add(where, f"invalid key {key!r}: expected {title}")

    def _alternatives(self, err: Any, path: DocPath) -> None:
        inst = err.instance
        branches: list[dict[str, Any]] = err.validator_value
        if all(set(b) == {"required"} for b in branches):
            if not isinstance(inst, dict):
                return  # the type error of the same node says it all
            alts = [" and ".join(repr(k) for k in b["required"]) for b in branches]
            joiner = ", or " if any(" and " in a for a in alts) else " or "
            present = [b for b in branches if all(k in inst for k in b["required"])]
            if len(present) > 1:
                self.issues.add(path, f"give either {' or '.join(alts)}, not both")
            else:
                self.issues.add(path, f"needs either {joiner.join(alts)}")
            return
        fitting = [i for i, b in enumerate(branches) if _branch_accepts(b, inst)]
        if len(fitting) == 1:
            sub = [e for e in err.context if e.relative_schema_path[0] == fitting[0]]
            if sub:
                for e in sub:
                    self.report(e)
                return
        title = err.schema.get("title", "one of the allowed forms")
        hint = _decimal_hint(inst) if any(b.get("type") == "integer" for b in branches) else ""
        self.issues.add(path, f"expected {title}, got {self.describe(inst, path, False)}{hint}")

    def _type(self, err: Any, path: DocPath, secret: bool) -> None:
        expected = err.validator_value
        kinds: list[str] = expected if isinstance(expected, list) else [expected]
        words = " or ".join(_TYPE_WORDS.get(k, k) for k in kinds)
        inst = err.instance
        raw = self.issues.smap.raw.get(path)
        if "string" in kinds and raw is not None:
            read_as = {"boolean": "true/false", "integer": "a number", "number": "a number",
                       "null": "null"}.get(_json_type(inst), _json_type(inst))
            if secret:
                self.issues.add(path, f"expected {words}; YAML reads this unquoted value as "
                                      f"{read_as}: quote it")
            else:
                self.issues.add(path, f"expected {words}, got {raw} (YAML reads it as "
                                      f"{read_as}: quote it)")
            return
        hint = _decimal_hint(inst) if "integer" in kinds and not secret else ""
        self.issues.add(path, f"expected {words}, got {self.describe(inst, path, secret)}{hint}")


def schema_issues(data: Any, issues: Issues) -> None:
    """Validate ``data`` against the plan schema; every failure goes to ``issues``."""
    reporter = _Reporter(issues)
    for err in _validator().iter_errors(data):
        reporter.report(err)
