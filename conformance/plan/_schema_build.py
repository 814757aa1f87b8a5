"""Building blocks of the plan JSON Schema and the definitions of the object model
(typed values, access maps, objects, profiles, the clock); see
:mod:`conformance.plan.schema` for the whole schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conformance.plan.cosem import (
    INTEGER_RANGES,
    PLAN_DATA_TYPES,
    AttributeAccess,
    DataTag,
    GeneratorKind,
    MethodAccess,
    SortMethod,
)

__all__ = ["NAME_PATTERN", "Schema", "array", "cosem_defs", "enum", "integer", "obj", "ref",
           "string"]

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$"
"""Meter and association names: they appear in test ids and file names."""

Schema = dict[str, Any]


# -- small builders -----------------------------------------------------------------------
def obj(description: str, properties: dict[str, Schema], required: Sequence[str] = (),
        **extra: Any) -> Schema:
    """A closed object (unknown keys are errors)."""
    out: Schema = {"type": "object", "description": description, "properties": properties,
                   "additionalProperties": False}
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def integer(description: str, minimum: int | None = None, maximum: int | None = None,
            default: int | None = None) -> Schema:
    """An integer, optionally bounded, with its default."""
    out: Schema = {"type": "integer", "description": description}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    if default is not None:
        out["default"] = default
    return out


def string(description: str, **extra: Any) -> Schema:
    """A string."""
    return {"type": "string", "description": description, **extra}


def enum(description: str, values: Sequence[str], **extra: Any) -> Schema:
    """One of the given strings."""
    return {"type": "string", "description": description, "enum": list(values), **extra}


def ref(name: str, description: str | None = None) -> Schema:
    """A reference to ``$defs/name``."""
    out: Schema = {"$ref": f"#/$defs/{name}"}
    if description:
        out["description"] = description
    return out


def array(description: str, items: Schema, *, min_items: int | None = None,
          unique: bool = False) -> Schema:
    """A list of ``items``."""
    out: Schema = {"type": "array", "description": description, "items": items}
    if min_items is not None:
        out["minItems"] = min_items
    if unique:
        out["uniqueItems"] = True
    return out


_DLU_MAX = INTEGER_RANGES[DataTag.DOUBLE_LONG_UNSIGNED][1]
_INTEGER_TYPES = [t.type_name for t in INTEGER_RANGES]
_STRING_TYPES = [t.type_name for t in (DataTag.BIT_STRING, DataTag.OCTET_STRING,
                 DataTag.VISIBLE_STRING, DataTag.UTF8_STRING, DataTag.DATE_TIME,
                 DataTag.DATE, DataTag.TIME)]
_CONTAINER_TYPES = ["array", "structure", "compact-array"]


def _typed_value(description: str, *, with_access: bool) -> Schema:
    props: dict[str, Schema] = {
        "type": enum("A-XDR type (IEC 62056-6-2 4.1.5).", [t.type_name for t in PLAN_DATA_TYPES],
                     title="A-XDR type"),
        "value": {"description": "The value: a number, a boolean, text, hex octets "
                                 "(octet-string), an ISO 8601 text (date-time, date, time), "
                                 "a string of 0/1 (bit-string), or a list of typed values "
                                 "(array, structure, compact-array)."},
        "ascii": string("octet-string only: the value as text (its ASCII octets)."),
        "date_time": string("octet-string only: a date-time carried as 12 octets, in ISO 8601."),
    }
    if with_access:
        props["access"] = ref("accessMap", "Access to this attribute, overriding the "
                                            "object's access for the associations listed.")

    def when(types: list[str], value: Schema) -> Schema:
        return {"if": {"properties": {"type": {"enum": types}}, "required": ["type"]},
                "then": {"properties": {"value": value}}}

    return obj(description, props, [] if with_access else ["type"], allOf=[
        when(_CONTAINER_TYPES, {"type": "array", "items": ref("typedValue")}),
        when(_INTEGER_TYPES, {"type": "integer"}),
        when(["boolean"], {"type": "boolean"}),
        when(["float32", "float64"], {"type": "number"}),
        when(_STRING_TYPES, {"type": "string"}),
        when(["null-data"], {"type": "null"}),
    ])


def cosem_defs() -> dict[str, Schema]:
    """The definitions of the object model part of a plan."""
    access_names = [m.plan_name for m in AttributeAccess]
    method_names = [m.plan_name for m in MethodAccess]
    return {
        "logicalName": string("COSEM logical name (OBIS): '0.0.43.1.1.255', '1-0:1.8.0*255' or "
                              "12 hex digits."),
        "accessMap": {"type": "object", "description": "Association name (or '*' for every "
                      "association) -> attribute access mode.",
                      "propertyNames": {"anyOf": [{"pattern": NAME_PATTERN}, {"const": "*"}],
                                        "title": "an association name or '*'"},
                      "additionalProperties": enum("Attribute access mode.", access_names,
                                                     title="access mode")},
        "methodAccessMap": {"type": "object", "description": "Association name (or '*') -> "
                            "method access mode.",
                            "propertyNames": {"anyOf": [{"pattern": NAME_PATTERN},
                                                        {"const": "*"}],
                                              "title": "an association name or '*'"},
                            "additionalProperties": enum("Method access mode.",
                                                         method_names,
                                                         title="method access mode")},
        "typedValue": _typed_value("A typed A-XDR value.", with_access=False),
        "attribute": _typed_value("An attribute: its typed value (unless the meter derives "
                                  "it) and access overrides.", with_access=True),
        "generator": obj("How a profile column is synthesised.", {
            "kind": enum("clock, counter, gauge or constant.",
                         [k.value for k in GeneratorKind], title="generator kind"),
            "start": integer("counter: first value."),
            "step": integer("counter: increase per row.", 0),
            "jitter": integer("counter: extra pseudo-random increase per row, 0..jitter.", 0),
            "minimum": {"type": "number", "description": "gauge: lowest value."},
            "maximum": {"type": "number", "description": "gauge: highest value."},
            "value": ref("typedValue", "constant: the value."),
        }, ["kind"]),
        "captureObject": obj("A column of a profile (capture object definition).", {
            "class_id": integer("Class of the captured object.", 1, 0xFFFF),
            "logical_name": ref("logicalName"),
            "attribute": integer("Captured attribute.", 1, 127, 2),
            "data_index": integer("Data index (0: the whole attribute).", 0, 0xFFFF, 0),
            "generator": ref("generator"),
        }, ["class_id", "logical_name"]),
        # capture_period, entries_in_use and profile_entries are double-long-unsigned
        # (Blue Book, Profile generic attributes 4, 7 and 8).
        "profile": obj("Profile Generic definition with a synthesised buffer.", {
            "capture_objects": array("Columns.", ref("captureObject"), min_items=1),
            "capture_period": integer("Seconds between captures.", 1, _DLU_MAX),
            "rows": integer("Rows present at start.", 0, _DLU_MAX),
            "profile_entries": integer("Buffer capacity (default: rows).", 1, _DLU_MAX),
            "sort_method": enum("Buffer order.", [s.plan_name for s in SortMethod],
                                default="fifo", title="sort method"),
            "seed": integer("Seed of the deterministic generator.", 0, 2**64 - 1, 0),
        }, ["capture_objects", "capture_period", "rows"]),
        "clock": obj("Clock behaviour.", {
            "time": string("'now' or an ISO 8601 date-time: the meter time at start."),
            "running": {"type": "boolean", "default": True,
                        "description": "Whether the time advances."},
        }, ["time"]),
        "object": obj("A COSEM object.", {
            "class_id": integer("Interface class.", 1, 0xFFFF),
            "logical_name": ref("logicalName"),
            "version": integer("Class version.", 0, 255),
            "name": string("Free text."),
            "association": ref("name", "Association LN / Security setup: the association "
                                        "described."),
            "access": ref("accessMap", "Default access to every attribute."),
            "method_access": ref("methodAccessMap", "Default access to every method."),
            "attributes": {"type": "object", "description": "Attribute index -> attribute.",
                           "propertyNames": {"pattern": "^[1-9][0-9]{0,2}$",
                                             "title": "an attribute index 1..127"},
                           "additionalProperties": ref("attribute")},
            "methods": {"type": "object", "description": "Method index -> method.",
                        "propertyNames": {"pattern": "^[1-9][0-9]{0,2}$",
                                          "title": "a method index 1..127"},
                        "additionalProperties": obj("A method.", {
                            "access": ref("methodAccessMap")})},
            "profile": ref("profile"),
            "clock": ref("clock"),
        }, ["class_id", "logical_name"]),
    }
