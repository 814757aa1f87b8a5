"""Compare what gurux's client decoded with what our model holds: both sides become trees
of ``(type name, value)`` in the A-XDR vocabulary (IEC 62056-6-2 4.1.5), so a value of the
wrong type is as visible as a wrong value.

gurux 1.0.203 decodes integer8/16/32/64 inconsistently: integer8 as ``GXInt8`` but long,
double-long and long64 as plain ``int``; those three are therefore compared as one kind,
``"signed"`` (the value still must match). Every other gurux type maps to exactly one A-XDR
type; an unknown one raises, so a gurux result never passes by accident.
"""

from __future__ import annotations

from typing import Any

from gurux_dlms import (  # type: ignore[import-untyped]
    GXArray,
    GXEnum,
    GXInt8,
    GXStructure,
    GXUInt8,
    GXUInt16,
    GXUInt32,
    GXUInt64,
)

from conformance.codec.axdr import (
    Array,
    Boolean,
    Data,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
)

__all__ = ["Tree", "gurux_tree", "our_tree"]

Tree = tuple[str, Any]
"""``(A-XDR type name, value)``; containers hold a tuple of trees."""

_GURUX_INTEGERS: tuple[tuple[type[int], str], ...] = (
    (GXEnum, "enum"), (GXUInt8, "unsigned"), (GXUInt16, "long-unsigned"),
    (GXUInt32, "double-long-unsigned"), (GXUInt64, "long64-unsigned"), (GXInt8, "integer"),
)
_OURS_SIGNED = (Long, DoubleLong, Long64)


def gurux_tree(value: Any) -> Tree:
    """The tree of a value gurux decoded (``reply.value``)."""
    if value is None:
        return ("null-data", None)
    if isinstance(value, GXStructure):
        return ("structure", tuple(gurux_tree(v) for v in value))
    if isinstance(value, GXArray):
        return ("array", tuple(gurux_tree(v) for v in value))
    if isinstance(value, bytes | bytearray):
        return ("octet-string", bytes(value))
    if isinstance(value, str):
        return ("visible-string", value)
    if isinstance(value, bool):
        return ("boolean", value)
    for kind, name in _GURUX_INTEGERS:  # before int: they are int subclasses
        if isinstance(value, kind):
            return (name, int(value))
    if type(value) is int:
        return ("signed", value)
    raise TypeError(f"no A-XDR type known for gurux's {type(value).__name__} {value!r}")


def our_tree(data: Data) -> Tree:
    """The tree of one of our ``Data`` values (types gurux would show as ``"signed"``
    named so)."""
    if isinstance(data, NullData):
        return ("null-data", None)
    if isinstance(data, Structure):
        return ("structure", tuple(our_tree(v) for v in data.items))
    if isinstance(data, Array):
        return ("array", tuple(our_tree(v) for v in data.items))
    if isinstance(data, OctetString):
        return ("octet-string", bytes(data.value))
    if isinstance(data, VisibleString):
        return ("visible-string", data.value)
    if isinstance(data, Boolean):
        return ("boolean", bool(data.value))
    if isinstance(data, _OURS_SIGNED):
        return ("signed", int(data.value))
    names: dict[type, str] = {Enum: "enum", Unsigned: "unsigned", LongUnsigned: "long-unsigned",
                              DoubleLongUnsigned: "double-long-unsigned",
                              Long64Unsigned: "long64-unsigned", Integer: "integer"}
    name = names.get(type(data))
    if name is None:
        raise TypeError(f"no comparison defined for our {type(data).__name__}")
    return (name, int(data.value))  # type: ignore[attr-defined]
