"""Turn decoded objects into JSON-friendly values and readable trees.

Dataclasses become ``{"type": ClassName, field: value, ...}``; bytes become upper-case hex;
enums their standard name; flags the list of their set names. Fields declared with
``field(repr=False)`` (keys, passwords) are left out: rendering can never leak a secret.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterator
from typing import Any

from conformance.codec.axdr import Data, to_json
from conformance.codec.obis import ObisCode

__all__ = ["render_tree", "to_jsonable"]


def _enum_name(e: enum.Enum) -> str:
    return e.name.lower().replace("_", "-") if e.name else str(e.value)


def to_jsonable(obj: Any) -> Any:
    """A JSON-serialisable view of ``obj`` (dataclasses, enums, bytes, containers)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else _NON_FINITE[str(obj)]
    if obj is None or isinstance(obj, bool | int | str):
        if isinstance(obj, enum.Enum):
            return _flag_or_enum(obj)
        return obj
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj).hex().upper()
    if isinstance(obj, enum.Enum):
        return _flag_or_enum(obj)
    if isinstance(obj, ObisCode):
        return str(obj)
    if isinstance(obj, Data):
        return _json_safe(to_json(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"type": type(obj).__name__}
        for f in dataclasses.fields(obj):
            if not f.repr:
                continue
            out[f.name] = to_jsonable(getattr(obj, f.name))
        return out
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | frozenset | set):
        return [to_jsonable(v) for v in obj]
    return str(obj)


_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
"""JSON has no NaN or infinities (RFC 8259 6): float32/float64 data carrying them are
written as these strings."""


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else _NON_FINITE[str(value)]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _flag_or_enum(e: enum.Enum) -> Any:
    if isinstance(e, enum.Flag):
        return [_enum_name(m) for m in type(e) if m in e and m.name]
    return _enum_name(e)


def render_tree(value: Any, *, indent: str = "  ") -> str:
    """Render a JSON-friendly value (see :func:`to_jsonable`) as an indented tree."""
    return "\n".join(_tree_lines(value, 0, indent))


def _scalar(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return "-"
    return str(v)


def _tree_lines(value: Any, depth: int, indent: str) -> Iterator[str]:
    pad = indent * depth
    if isinstance(value, dict):
        type_name = value.get("type")
        items = [(k, v) for k, v in value.items() if k != "type" and v is not None]
        if type_name is not None:
            yield f"{pad}{type_name}"
            depth += 1
            pad = indent * depth
        for k, v in items:
            if isinstance(v, dict | list) and v:
                if isinstance(v, dict) and "type" in v and len(v) == 2 and "value" in v \
                        and not isinstance(v["value"], dict | list):
                    yield f"{pad}{k}: {v['type']} {_scalar(v['value'])}"
                    continue
                yield f"{pad}{k}:"
                yield from _tree_lines(v, depth + 1, indent)
            else:
                yield f"{pad}{k}: {_scalar(v) if not isinstance(v, dict | list) else '(empty)'}"
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, dict | list):
                yield f"{pad}[{i}]"
                yield from _tree_lines(v, depth + 1, indent)
            else:
                yield f"{pad}[{i}] {_scalar(v)}"
    else:
        yield f"{pad}{_scalar(value)}"
