"""JSON-friendly views of decoded objects, shared by the client's trace recorder and
``conformance decode`` (one rendering, so the two can never disagree or leak differently).

Dataclasses become ``{"type": ClassName, field: value, ...}``; bytes upper-case hex; enums
their standard name (flags the list of their set names); OBIS codes ``A-B:C.D.E*F``; A-XDR
``Data`` its typed JSON form. Fields declared ``field(repr=False)`` (keys, passwords,
authentication values) are left out, so a view can never hold a secret. JSON has no NaN or
infinities (RFC 8259 section 6): non-finite floats are written as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any

from conformance.codec.axdr import Data, to_json
from conformance.codec.obis import ObisCode
from conformance.errors import CodecError

__all__ = ["error_view", "to_view"]

_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _enum_name(e: enum.Enum) -> Any:
    if isinstance(e, enum.Flag):
        return [m.name.lower().replace("_", "-") for m in type(e) if m in e and m.name]
    return e.name.lower().replace("_", "-") if e.name else str(e.value)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else _NON_FINITE[str(value)]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def to_view(obj: Any) -> Any:
    """A JSON-serialisable view of ``obj`` (see the module docstring)."""
    if isinstance(obj, enum.Enum):
        return _enum_name(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else _NON_FINITE[str(obj)]
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj).hex().upper()
    if isinstance(obj, ObisCode):
        return str(obj)
    if isinstance(obj, Data):
        return _json_safe(to_json(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"type": type(obj).__name__}
        for f in dataclasses.fields(obj):
            if f.repr:
                out[f.name] = to_view(getattr(obj, f.name))
        return out
    if isinstance(obj, dict):
        return {str(k): to_view(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_view(v) for v in obj]
    return str(obj)


def error_view(exc: BaseException) -> dict[str, Any]:
    """An error as data: message, kind, and for a CodecError its byte offset and path."""
    out: dict[str, Any] = {"message": str(exc), "kind": type(exc).__name__}
    if isinstance(exc, CodecError):
        out["offset"] = exc.offset
        if exc.path:
            out["path"] = exc.path
    return out
