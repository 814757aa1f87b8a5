"""What a plan knows about the COSEM interface classes the reference meter implements
(DLMS UA Blue Book, IEC 62056-6-2): attribute and method counts per version, the fixed
types of some attributes, and which attributes the meter derives instead of the plan
giving their values.

Objects of other classes may appear in a plan too; they are taken as written (every
attribute listed with its value).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.plan.cosem import DataTag, LogicalName, TypedValue

__all__ = ["CLASSES", "ClassInfo", "Shape", "shape_problem", "standard_name_problem"]


@dataclass(frozen=True, slots=True)
class Shape:
    """The expected type of a value: ``type`` (``None``: any type), and for structures the
    shapes of the elements, for arrays the shape of every element."""

    type: DataTag | None = None
    items: tuple[Shape, ...] | None = None
    element: Shape | None = None
    octets: int | None = None
    """Exact length of an octet-string (12 for a date-time carried as octet-string)."""

    def describe(self) -> str:
        """E.g. ``structure {integer, enum}``."""
        if self.type is None:
            return "any type"
        if self.items is not None:
            return f"{self.type.type_name} {{{', '.join(s.describe() for s in self.items)}}}"
        if self.element is not None:
            return f"{self.type.type_name} of {self.element.describe()}"
        return self.type.type_name


ANY = Shape()
SCALER_UNIT = Shape(DataTag.STRUCTURE, items=(Shape(DataTag.INTEGER), Shape(DataTag.ENUM)))
"""scal_unit_type ::= structure { scaler: integer, unit: enum } (Blue Book 4.3.2)."""
DATE_TIME_OCTETS = Shape(DataTag.OCTET_STRING, octets=12)
"""A date-time carried as octet-string (SIZE(12)) (Blue Book 4.1.6.1)."""


def shape_problem(value: TypedValue, shape: Shape) -> str | None:
    """Why ``value`` does not have ``shape`` (``None`` when it has)."""
    if shape.type is None:
        return None
    if value.type is not shape.type:
        return f"expected {shape.describe()}, got {value.type.type_name}"
    if shape.octets is not None and isinstance(value.value, bytes) \
            and len(value.value) != shape.octets:
        return f"expected {shape.octets} octets, got {len(value.value)}"
    items = value.value if isinstance(value.value, tuple) else ()
    if shape.items is not None:
        if len(items) != len(shape.items):
            return (f"expected {shape.describe()}, got a structure of {len(items)} "
                    f"element(s)")
        for i, (item, sub) in enumerate(zip(items, shape.items, strict=True)):
            problem = shape_problem(item, sub)
            if problem:
                return f"element {i}: {problem}"
    if shape.element is not None:
        for i, item in enumerate(items):
            problem = shape_problem(item, shape.element)
            if problem:
                return f"element {i}: {problem}"
    return None


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """One interface class: its name, versions and per-attribute knowledge."""

    name: str
    versions: dict[int, tuple[int, int]]
    """version -> (number of attributes, number of methods)."""
    default_version: int
    types: dict[int, Shape] = field(default_factory=dict)
    """Attributes whose type the class fixes."""
    derived: frozenset[int] = frozenset()
    """Attributes (besides logical_name) the meter computes: the plan gives access only."""
    logical_name: tuple[int | None, ...] | None = None
    """Groups A..F the standard fixes for this class's objects (None = any)."""
    implemented: tuple[int, ...] | None = None
    """The versions the reference meter implements (``None``: every one of ``versions``);
    a plan for the reference meter uses only these."""


_ALL = frozenset(range(2, 12))

#: The classes the reference meter implements (Blue Book, IEC 62056-6-2 clause 4), with the
#: versions a plan may describe (the reference meter's own are ``implemented``).
CLASSES: dict[int, ClassInfo] = {
    1: ClassInfo("Data", {0: (2, 0)}, 0),
    3: ClassInfo("Register", {0: (3, 1)}, 0, {3: SCALER_UNIT}),
    4: ClassInfo("Extended register", {0: (5, 1)}, 0, {3: SCALER_UNIT, 5: DATE_TIME_OCTETS}),
    5: ClassInfo("Demand register", {0: (9, 2)}, 0,
                 {4: SCALER_UNIT, 6: DATE_TIME_OCTETS, 7: DATE_TIME_OCTETS,
                  8: Shape(DataTag.DOUBLE_LONG_UNSIGNED), 9: Shape(DataTag.LONG_UNSIGNED)}),
    7: ClassInfo("Profile generic", {0: (8, 4), 1: (8, 2)}, 1, derived=_ALL, implemented=(1,)),
    8: ClassInfo("Clock", {0: (9, 6)}, 0,
                 {3: Shape(DataTag.LONG), 4: Shape(DataTag.UNSIGNED), 5: DATE_TIME_OCTETS,
                  6: DATE_TIME_OCTETS, 7: Shape(DataTag.INTEGER), 8: Shape(DataTag.BOOLEAN),
                  9: Shape(DataTag.ENUM)},
                 derived=frozenset({2}), logical_name=(0, None, 1, 0, None, 255)),
    15: ClassInfo("Association LN", {0: (8, 4), 1: (9, 4), 2: (11, 6), 3: (11, 6)}, 1,
                  derived=_ALL, logical_name=(0, 0, 40, 0, None, 255), implemented=(1, 2)),
    17: ClassInfo("SAP assignment", {0: (2, 1)}, 0,
                  {2: Shape(DataTag.ARRAY, element=Shape(
                      DataTag.STRUCTURE,
                      items=(Shape(DataTag.LONG_UNSIGNED), Shape(DataTag.OCTET_STRING))))},
                  logical_name=(0, 0, 41, 0, 0, 255)),
    64: ClassInfo("Security setup", {0: (5, 2), 1: (6, 8)}, 1, derived=_ALL,
                  logical_name=(0, 0, 43, 0, None, 255), implemented=(1,)),
}


def standard_name_problem(class_id: int, ln: LogicalName) -> str | None:
    """Why ``ln`` is not a logical name the standard allows for ``class_id`` (IEC 62056-6-2
    object identification), or ``None``."""
    info = CLASSES.get(class_id)
    if info is None or info.logical_name is None:
        return None
    if all(want is None or want == got
           for want, got in zip(info.logical_name, ln.groups, strict=True)):
        return None
    pattern = ".".join("x" if g is None else str(g) for g in info.logical_name)
    return f"a {info.name} object (class {class_id}) has a logical name {pattern}, got {ln.dotted}"
