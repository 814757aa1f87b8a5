"""Load a test plan: YAML -> structural validation (JSON Schema) -> model with semantic checks.

Nothing runs on a plan that does not load. Every mistake is reported as one line
``FILE:LINE: PATH.IN.DOC: what is wrong`` (YAML syntax errors as ``FILE:LINE:COLUMN: ...``);
all mistakes of a plan are collected and raised together as one
:class:`~conformance.plan.PlanErrors` (a :class:`~conformance.errors.PlanError`), the first
line being the first mistake in the document.

A plan holds one meter (``meter:``) or a fleet (``meters:``); ``defaults:`` is merged under
every meter (mappings key by key, lists and values replaced; a mapping whose ``kind``
differs from the default's replaces it whole), which keeps the transport settings and the
associations of a series of identical meters in one place.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.plan._context import Ctx
from conformance.plan._issues import (
    DocPath,
    Issues,
    PlanErrors,
    PlanIssue,
    SourceMap,
    show_number,
)
from conformance.plan._meter import build_meter
from conformance.plan._schema_errors import schema_issues
from conformance.plan._yaml import MAX_DEPTH, YamlSyntaxError, parse_yaml
from conformance.plan.model import TestPlan

__all__ = ["default_plan_path", "load_plan", "load_plan_text", "plan_from_dict"]


def default_plan_path() -> Path:
    """The default plan (the reference meter): ``testplans/simulator.yaml`` of the source
    tree."""
    return Path(__file__).resolve().parents[2] / "testplans" / "simulator.yaml"


def load_plan(path: str | os.PathLike[str], *,
              environ: Mapping[str, str] | None = None) -> TestPlan:
    """Load and validate the plan file at ``path``.

    ``file:`` secrets are relative to the plan's directory; ``environ`` replaces
    ``os.environ`` for ``env:`` secrets. Raises :class:`~conformance.errors.PlanError`.
    """
    source = os.fspath(path)
    file = Path(source)
    if "\0" in source:  # no file has such a name (open() would raise ValueError)
        raise PlanErrors([PlanIssue(source=source, line=None, path="",
                                    message="cannot read the plan: a file name cannot hold "
                                            "a NUL character")])
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PlanErrors([PlanIssue(source=source, line=None, path="",
                                    message="the plan is not UTF-8 text")]) from None
    except OSError as exc:
        raise PlanErrors([PlanIssue(source=source, line=None, path="",
                                    message=f"cannot read the plan: {exc.strerror or exc}")]) \
            from None
    return load_plan_text(text, source=source, base_dir=file.parent, environ=environ)


def load_plan_text(text: str, *, source: str = "<string>", base_dir: Path | None = None,
                   environ: Mapping[str, str] | None = None) -> TestPlan:
    """Load and validate a plan from YAML ``text``; ``source`` names it in messages and
    ``base_dir`` anchors relative ``file:`` secrets (default: the current directory)."""
    issues = Issues(source)
    try:
        data = parse_yaml(text, issues)
    except YamlSyntaxError as exc:
        raise PlanErrors([PlanIssue(source=source, line=exc.line, column=exc.column, path="",
                                    message=f"YAML syntax error: {exc.message}")]) from None
    if data is None:
        raise PlanErrors([PlanIssue(source=source, line=None, path="",
                                    message="the plan is empty")])
    return _load(data, issues, base_dir=base_dir, environ=environ)


def plan_from_dict(data: Mapping[str, Any], *, source: str = "<dict>",
                   base_dir: Path | None = None,
                   environ: Mapping[str, str] | None = None) -> TestPlan:
    """Validate and load a plan given as plain data (e.g. from :func:`plan_to_dict` or JSON);
    messages carry no line numbers."""
    issues = Issues(source, SourceMap())
    if not isinstance(data, Mapping):
        raise PlanErrors([PlanIssue(source=source, line=None, path="",
                                    message=f"expected a mapping, got {type(data).__name__}")])
    return _load(_plain(dict(data), (), issues), issues, base_dir=base_dir, environ=environ)


#: Integers longer than this (about 1000 digits) are refused before anything else looks
#: at them: Python cannot even print integers of more than 4300 digits.
_MAX_BITS = 3322


def _plain(value: Any, path: DocPath, issues: Issues) -> Any:
    """A copy of ``value`` whose mapping keys are strings, as in a YAML plan (integers, as
    ``yaml.safe_load`` gives attribute indexes, become their digits), and whose integers are
    printable; the other values go to the schema as they are."""
    if len(path) > MAX_DEPTH:
        issues.add(path, f"nesting deeper than {MAX_DEPTH} levels", unread=True)
        return None
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, int) and not isinstance(key, bool) and \
                    abs(key).bit_length() <= _MAX_BITS:
                key = str(key)
            if not isinstance(key, str):
                shown = repr(key) if isinstance(key, bool | float) or key is None \
                    else type(key).__name__
                issues.add(path, f"mapping keys must be strings or integers, got {shown}")
                continue
            if key in out:
                issues.add((*path, key), f"duplicate key {key!r} (as a string and an integer)")
            out[key] = _plain(item, (*path, key), issues)
        return out
    if isinstance(value, list):
        return [_plain(item, (*path, i), issues) for i, item in enumerate(value)]
    if isinstance(value, int) and not isinstance(value, bool) and \
            abs(value).bit_length() > _MAX_BITS:
        issues.add(path, f"{show_number(value)} is too long", unread=True)
        return None
    return copy.deepcopy(value)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        if "kind" in over and base.get("kind", over["kind"]) != over["kind"]:
            return over  # another kind of thing (e.g. a serial transport): no mixing
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return over


def _apply_defaults(data: dict[str, Any], smap: SourceMap) -> dict[str, Any]:
    """The document with ``defaults`` merged into its meters and removed."""
    defaults = data["defaults"]
    targets: list[DocPath] = []
    if isinstance(data.get("meter"), dict):
        targets.append(("meter",))
    if isinstance(data.get("meters"), list):
        targets.extend(("meters", i) for i, m in enumerate(data["meters"]) if isinstance(m, dict))
    out = {k: v for k, v in data.items() if k != "defaults"}
    for target in targets:
        if target == ("meter",):
            out["meter"] = _merge(defaults, data["meter"])
        else:
            out["meters"] = list(out["meters"])
            out["meters"][target[1]] = _merge(defaults, data["meters"][target[1]])
        smap.copy_subtree(("defaults",), target)
    return out


def _load(data: Any, issues: Issues, *, base_dir: Path | None,
          environ: Mapping[str, str] | None) -> TestPlan:
    # The document as written first (mistakes in defaults are reported where they are),
    # then every meter with its defaults merged in, with the full rules.
    schema_issues(data, issues)
    issues.raise_if_any()
    if "defaults" in data:
        data = _apply_defaults(data, issues.smap)
        schema_issues(data, issues)
        issues.raise_if_any()
    ctx = Ctx(issues, base_dir=base_dir, environ=environ)
    if "meter" in data:
        meters = [build_meter(ctx, data["meter"], ("meter",))]
    else:
        meters = [build_meter(ctx, m, ("meters", i)) for i, m in enumerate(data["meters"])]
        first: dict[str, int] = {}
        for i, meter in enumerate(meters):
            if meter.name in first:
                ctx.error(("meters", i, "name"), f"duplicate meter name {meter.name!r} (also "
                                                 f"meters[{first[meter.name]}])")
            first.setdefault(meter.name, i)
    issues.raise_if_any()
    return TestPlan(meters=tuple(meters), version=data.get("version", 1), source=issues.source)
