"""Readable trees of decoded objects; the JSON-friendly view itself is
:func:`conformance.codec.view.to_view` (re-exported here as :func:`to_jsonable`), shared
with the client's trace recorder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.codec.view import to_view

__all__ = ["render_tree", "to_jsonable"]


to_jsonable = to_view
"""A JSON-serialisable view of an object (see :mod:`conformance.codec.view`)."""


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
