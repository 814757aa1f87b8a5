"""The ``objects`` list -> :class:`CosemObject` values, with access rights resolved.

Access is given per object (``access``, ``method_access``: association name or ``*`` ->
mode) and overridden per attribute or method; the result lists, for every attribute and
method, the mode of every association that has one. Objects of the classes in
:data:`~conformance.plan.classes.CLASSES` get every attribute and method of their version;
attributes the meter derives take access only, the others need their value.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from conformance.plan._context import Ctx
from conformance.plan._issues import DocPath
from conformance.plan._values import (
    build_value,
    date_time_range_problem,
    parse_datetime,
    shape_signature,
)
from conformance.plan.classes import CLASSES, ClassInfo, shape_problem, standard_name_problem
from conformance.plan.cosem import (
    AccessRights,
    AttributeAccess,
    AttributeSpec,
    ClockSpec,
    CosemObject,
    LogicalName,
    MethodAccess,
    MethodSpec,
)

__all__ = ["build_objects"]

_CURRENT_ASSOCIATION = LogicalName(a=0, b=0, c=40, d=0, e=0, f=255)
_VALUE_KEYS = ("type", "value", "ascii", "date_time")


def _resolve(ctx: Ctx, maps: list[tuple[dict[str, str], DocPath]], names: list[str],
             mode_type: type[AttributeAccess] | type[MethodAccess]) -> AccessRights:
    """Later maps override earlier ones; in a map, a named entry overrides ``*``."""
    modes: dict[str, AttributeAccess | MethodAccess] = {}
    for mapping, path in maps:
        wildcard = mapping.get("*")
        if wildcard is not None:
            for name in names:
                modes[name] = mode_type[wildcard.upper().replace("-", "_")]
        for name, mode in mapping.items():
            if name == "*":
                continue
            if name not in names:
                ctx.error((*path, name), f"no association named {name!r}"
                                         f" (known: {', '.join(names)})")
                continue
            modes[name] = mode_type[mode.upper().replace("-", "_")]
    return AccessRights(entries=tuple((n, modes[n]) for n in names if n in modes))


def _index_map(raw: dict[str, Any] | None) -> dict[int, tuple[str, Any]]:
    return {int(k): (k, v) for k, v in (raw or {}).items()}


def _build_one(ctx: Ctx, data: dict[str, Any], path: DocPath,
               names: list[str]) -> CosemObject | None:
    class_id = data["class_id"]
    ln = ctx.logical_name(data["logical_name"], (*path, "logical_name"))
    if ln is None:
        return None
    info = CLASSES.get(class_id)
    version = data.get("version", info.default_version if info else 0)
    counts = None
    if info is not None:
        counts = info.versions.get(version)
        if counts is None:
            known = ", ".join(str(v) for v in info.versions)
            ctx.error((*path, "version"), f"{info.name} (class {class_id}) has version(s) "
                                          f"{known}, not {version}")
            return None
        problem = standard_name_problem(class_id, ln)
        if problem:
            ctx.error((*path, "logical_name"), problem)
    if class_id == 15 and ln == _CURRENT_ASSOCIATION:
        ctx.error((*path, "logical_name"), "0.0.40.0.0.255 is the current association: every "
                                           "meter has it implicitly; list the instances "
                                           "0.0.40.0.e.255 instead")
    association = data.get("association")
    if class_id in (15, 64):
        if association is None:
            name = CLASSES[class_id].name
            article = "an" if name[0] in "AEIOU" else "a"
            ctx.error(path, f"{article} {name} object (class {class_id}) needs association: "
                            "the association it describes")
        elif association not in names:
            ctx.error((*path, "association"), f"no association named {association!r}")
    elif association is not None:
        ctx.error((*path, "association"), "only Association LN (15) and Security setup (64) "
                                          "objects name an association")
    for key, cls in (("profile", 7), ("clock", 8)):
        if key in data and class_id != cls:
            ctx.error((*path, key), f"{key} is only used with class {cls}")

    attributes = _attributes(ctx, data, path, names, info, counts[0] if counts else None,
                             version)
    methods = _methods(ctx, data, path, names, info, counts[1] if counts else None, version)
    clock = _clock(ctx, data["clock"], (*path, "clock")) \
        if "clock" in data and class_id == 8 else None
    return CosemObject(class_id=class_id, logical_name=ln, version=version,
                       name=data.get("name"), association=association,
                       attributes=attributes, methods=methods, clock=clock)


def _class_words(info: ClassInfo | None, data: dict[str, Any], version: int) -> str:
    name = info.name if info else "the class"
    return f"{name} (class {data['class_id']}) version {version}"


def _attributes(ctx: Ctx, data: dict[str, Any], path: DocPath, names: list[str],
                info: ClassInfo | None, count: int | None,
                version: int) -> tuple[AttributeSpec, ...]:
    """Every attribute of a known class (only attribute 1 and the listed ones otherwise),
    with its value and resolved access."""
    raw = _index_map(data.get("attributes"))
    object_access = (data.get("access") or {}, (*path, "access"))
    last = count if count is not None else max([1, *raw])
    derived = info.derived if info else frozenset()
    out: list[AttributeSpec] = []
    missing: list[int] = []
    for index in range(1, last + 1):
        key, entry = raw.get(index, (str(index), None))
        apath = (*path, "attributes", key)
        own_access = ((entry or {}).get("access") or {}, (*apath, "access"))
        access = _resolve(ctx, [object_access, own_access], names, AttributeAccess)
        has_value = entry is not None and any(k in entry for k in _VALUE_KEYS)
        value = None
        if index == 1 or index in derived:
            if has_value:
                why = ("attribute 1 is the logical_name" if index == 1 else
                       f"attribute {index} of a {info.name if info else ''} object is derived "
                       "by the meter")
                ctx.error(apath, f"{why}: give only its access")
        elif entry is not None and not has_value:
            ctx.error(apath, f"attribute {index} needs its value ({{type: ..., value: ...}})")
        elif entry is None:
            if info is not None:
                missing.append(index)
        else:
            value = build_value(ctx, entry, apath)
            shape = info.types.get(index) if info else None
            problem = shape_problem(value, shape) if value and shape else None
            if problem:
                ctx.error(apath, f"attribute {index} of a {info.name if info else ''} object: "
                                 f"{problem}")
        if index in raw or info is not None or index == 1:
            out.append(AttributeSpec(index=index, value=value, access=access))
    _same_type(ctx, data, path, out)
    if missing:
        listed = ", ".join(str(i) for i in missing)
        ctx.error((*path, "attributes") if raw else path,
                  f"{info.name if info else 'the class'} (class {data['class_id']}) needs the "
                  f"value of attribute{'s' if len(missing) > 1 else ''} {listed} "
                  "({type: ..., value: ...})")
    for index, (key, _) in raw.items():
        if index > last:
            ctx.error((*path, "attributes", key),
                      f"{_class_words(info, data, version)} has attributes 1..{last}")
    return tuple(out)


#: Attributes whose value takes another's at the end of each period, so they share its
#: type: Demand register (class 5) last_average_value <- current_average_value.
_SAME_TYPE = {5: ((3, 2), "last_average_value (attribute 3) takes the value of "
                          "current_average_value (attribute 2) at the end of each period")}


def _same_type(ctx: Ctx, data: dict[str, Any], path: DocPath,
               attributes: list[AttributeSpec]) -> None:
    rule = _SAME_TYPE.get(data["class_id"])
    if rule is None:
        return
    (copy, original), why = rule
    values = {a.index: a.value for a in attributes}
    a, b = values.get(copy), values.get(original)
    if a is not None and b is not None and shape_signature(a) != shape_signature(b):
        key = next((k for k in (data.get("attributes") or {}) if int(k) == copy), str(copy))
        ctx.error((*path, "attributes", key), f"expected {b.type.type_name}, the type of "
                                              f"attribute {original}: {why}")


def _methods(ctx: Ctx, data: dict[str, Any], path: DocPath, names: list[str],
             info: ClassInfo | None, count: int | None, version: int) -> tuple[MethodSpec, ...]:
    """Every method of a known class (the listed ones otherwise) with resolved access."""
    raw = _index_map(data.get("methods"))
    object_access = (data.get("method_access") or {}, (*path, "method_access"))
    last = count if count is not None else max([0, *raw])
    out: list[MethodSpec] = []
    for index in range(1, last + 1):
        key, entry = raw.get(index, (str(index), None))
        own_access = ((entry or {}).get("access") or {}, (*path, "methods", key, "access"))
        access = _resolve(ctx, [object_access, own_access], names, MethodAccess)
        if index in raw or info is not None:
            out.append(MethodSpec(index=index, access=access))
    for index, (key, _) in raw.items():
        if index > last:
            ctx.error((*path, "methods", key),
                      f"{_class_words(info, data, version)} has "
                      + (f"methods 1..{last}" if last else "no methods"))
    return tuple(out)


def _clock(ctx: Ctx, data: dict[str, Any], path: DocPath) -> ClockSpec:
    time = None
    if data["time"] != "now":
        try:
            time = parse_datetime(data["time"])
        except ValueError as exc:
            ctx.error((*path, "time"), f"{exc} (or 'now')")
        else:
            problem = date_time_range_problem(time)
            if problem:
                ctx.error((*path, "time"), f"the clock's time {problem}")
                time = None
    return ClockSpec(time=time, running=data.get("running", True))


def build_objects(ctx: Ctx, items: list[dict[str, Any]], path: DocPath, names: list[str]
                  ) -> tuple[list[tuple[CosemObject, dict[str, Any], DocPath]],
                             set[LogicalName]]:
    """Every object (profiles are added afterwards, when all objects are known), with the
    raw data and path of each for the later passes; and the logical names of the objects
    refused (their mistakes are reported: references to them are not mistakes too)."""
    built: list[tuple[CosemObject, dict[str, Any], DocPath]] = []
    refused: set[LogicalName] = set()
    seen: dict[LogicalName, int] = {}
    owners: dict[tuple[int, str], int] = {}
    for i, data in enumerate(items):
        opath = (*path, i)
        obj = _build_one(ctx, data, opath, names)
        if obj is None:
            with contextlib.suppress(ValueError):  # else no reference can name it
                refused.add(LogicalName.parse(data["logical_name"]))
            continue
        if obj.logical_name in seen:
            ctx.error((*opath, "logical_name"),
                      f"logical name {obj.logical_name.dotted} is already used by "
                      f"objects[{seen[obj.logical_name]}]")
        seen.setdefault(obj.logical_name, i)
        if obj.association is not None and obj.class_id in (15, 64):
            owner = (obj.class_id, obj.association)
            if owner in owners:
                ctx.error((*opath, "association"), f"association {obj.association!r} already "
                                                   f"has a {CLASSES[obj.class_id].name} object "
                                                   f"(objects[{owners[owner]}])")
            owners.setdefault(owner, i)
        built.append((obj, data, opath))
    return built, refused


def with_profile(obj: CosemObject, profile: Any) -> CosemObject:
    """``obj`` with its profile definition set."""
    return dataclasses.replace(obj, profile=profile)
