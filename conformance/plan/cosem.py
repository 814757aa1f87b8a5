"""The COSEM object model of a plan: logical names, typed values, objects, access rights,
profile-generic definitions and the clock.

A real meter's plan may list the objects it claims to hold (checks then read them); the
reference meter's plan *is* its object model: the simulator serves exactly these objects.
Values are kept as plain data (:class:`TypedValue`: an A-XDR type name plus a Python value);
turning them into bytes is the codec's job.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from enum import Enum, IntEnum

from conformance.codec.axdr import DataTag
from conformance.codec.obis import ObisCode

__all__ = [
    "PLAN_DATA_TYPES",
    "AccessRights",
    "AttributeAccess",
    "AttributeSpec",
    "CaptureObject",
    "ClockSpec",
    "ColumnGenerator",
    "CosemObject",
    "DataTag",
    "GeneratorKind",
    "LogicalName",
    "MethodAccess",
    "MethodSpec",
    "ProfileSpec",
    "SortMethod",
    "TypedValue",
    "ValueContent",
    "data_type",
]


LogicalName = ObisCode
"""A COSEM logical name (OBIS code, IEC 62056-6-1): the codec's :class:`ObisCode`, which
parses every notation a plan may use (``0.0.43.1.1.255``, ``1-0:1.8.0*255``, 12 hex digits)."""


PLAN_DATA_TYPES: tuple[DataTag, ...] = tuple(t for t in DataTag if t is not DataTag.DONT_CARE)
"""The A-XDR ``Data`` alternatives (IEC 62056-6-2 4.1.5) a plan value may take: every
:class:`~conformance.codec.axdr.DataTag` but ``dont-care``, which no attribute holds.
Plans name them as the standard does (:attr:`DataTag.type_name`, ``"long-unsigned"``)."""


def data_type(name: str) -> DataTag:
    """The type a plan names ``name`` (``"long-unsigned"``); ``KeyError`` if none."""
    tag = DataTag[name.upper().replace("-", "_")]
    if tag not in PLAN_DATA_TYPES:
        raise KeyError(name)
    return tag


#: Inclusive ranges of the integer types (Integer8 .. Unsigned64, IEC 62056-6-2 4.1.5).
INTEGER_RANGES: dict[DataTag, tuple[int, int]] = {
    DataTag.DOUBLE_LONG: (-(2**31), 2**31 - 1),
    DataTag.DOUBLE_LONG_UNSIGNED: (0, 2**32 - 1),
    DataTag.BCD: (-128, 127),
    DataTag.INTEGER: (-128, 127),
    DataTag.LONG: (-(2**15), 2**15 - 1),
    DataTag.UNSIGNED: (0, 255),
    DataTag.LONG_UNSIGNED: (0, 2**16 - 1),
    DataTag.LONG64: (-(2**63), 2**63 - 1),
    DataTag.LONG64_UNSIGNED: (0, 2**64 - 1),
    DataTag.ENUM: (0, 255),
}

ValueContent = (
    None | bool | int | float | str | bytes | _dt.datetime | _dt.date | _dt.time
    | tuple["TypedValue", ...]
)
"""What :attr:`TypedValue.value` holds, by type: null-data ``None``; boolean ``bool``;
integers, enum, bcd ``int``; float32/64 ``float``; bit-string ``str`` of ``0``/``1``;
visible-/utf8-string ``str``; octet-string ``bytes`` or a ``datetime`` (the 12-octet
date-time carried as an octet-string, Blue Book 4.1.6.1); date-time ``datetime``; date
``date``; time ``time``; array, structure, compact-array a ``tuple`` of TypedValue."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TypedValue:
    """One A-XDR value: its type and its content (see :data:`ValueContent`)."""

    type: DataTag
    value: ValueContent = None


class AttributeAccess(IntEnum):
    """Attribute access modes of the Association LN object (Blue Book, class 15
    ``object_list`` access_mode enum)."""

    NO_ACCESS = 0
    READ_ONLY = 1
    WRITE_ONLY = 2
    READ_AND_WRITE = 3
    AUTHENTICATED_READ_ONLY = 4
    AUTHENTICATED_WRITE_ONLY = 5
    AUTHENTICATED_READ_AND_WRITE = 6

    @property
    def plan_name(self) -> str:
        """The name written in plans (``"read-and-write"``)."""
        return self.name.lower().replace("_", "-")

    @property
    def can_read(self) -> bool:
        """Whether GET is allowed (possibly only with authenticated requests)."""
        return self in (AttributeAccess.READ_ONLY, AttributeAccess.READ_AND_WRITE,
                        AttributeAccess.AUTHENTICATED_READ_ONLY,
                        AttributeAccess.AUTHENTICATED_READ_AND_WRITE)

    @property
    def can_write(self) -> bool:
        """Whether SET is allowed (possibly only with authenticated requests)."""
        return self in (AttributeAccess.WRITE_ONLY, AttributeAccess.READ_AND_WRITE,
                        AttributeAccess.AUTHENTICATED_WRITE_ONLY,
                        AttributeAccess.AUTHENTICATED_READ_AND_WRITE)


class MethodAccess(IntEnum):
    """Method access modes of the Association LN object (class 15, method access_mode)."""

    NO_ACCESS = 0
    ACCESS = 1
    AUTHENTICATED_ACCESS = 2

    @property
    def plan_name(self) -> str:
        """The name written in plans (``"authenticated-access"``)."""
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessRights:
    """Access of every association of the meter to one attribute or method: a mapping
    association name -> mode, resolved at load time (no wildcards left)."""

    entries: tuple[tuple[str, AttributeAccess | MethodAccess], ...] = ()

    def for_association(self, name: str) -> AttributeAccess | MethodAccess | None:
        """The mode granted to association ``name`` (``None``: not listed, i.e. no access)."""
        for assoc, mode in self.entries:
            if assoc == name:
                return mode
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeSpec:
    """One attribute of an object."""

    index: int
    """Attribute index (1 = logical_name)."""
    value: TypedValue | None = None
    """The value; ``None`` when the meter derives it (logical_name, profile buffers, the
    clock's time, Association LN and Security Setup attributes)."""
    access: AccessRights = AccessRights()
    """Access per association."""

    def access_for(self, association: str) -> AttributeAccess:
        """The access mode of ``association`` (``NO_ACCESS`` when not granted)."""
        mode = self.access.for_association(association)
        return mode if isinstance(mode, AttributeAccess) else AttributeAccess.NO_ACCESS


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodSpec:
    """One method of an object."""

    index: int
    """Method index (from 1)."""
    access: AccessRights = AccessRights()
    """Access per association."""

    def access_for(self, association: str) -> MethodAccess:
        """The access mode of ``association`` (``NO_ACCESS`` when not granted)."""
        mode = self.access.for_association(association)
        return mode if isinstance(mode, MethodAccess) else MethodAccess.NO_ACCESS


class GeneratorKind(Enum):
    """How a profile column is synthesised (see :class:`ColumnGenerator`)."""

    CLOCK = "clock"
    COUNTER = "counter"
    GAUGE = "gauge"
    CONSTANT = "constant"


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnGenerator:
    """Deterministic values of one profile column (see :mod:`conformance.plan.profile`).

    - ``clock``: the capture time of the row (date-time octet-string);
    - ``counter``: a cumulative register, ``start`` then each row adds ``step`` plus a
      deterministic pseudo-random amount in ``0..jitter``;
    - ``gauge``: a deterministic pseudo-random value in ``minimum..maximum``;
    - ``constant``: ``value`` on every row (default: the captured attribute's value).
    """

    kind: GeneratorKind
    start: int = 0
    step: int = 0
    jitter: int = 0
    minimum: float = 0
    maximum: float = 0
    value: TypedValue | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureObject:
    """One column of a profile: a capture object definition (class 7 ``capture_objects``)
    and how its values are synthesised."""

    class_id: int
    logical_name: LogicalName
    attribute: int = 2
    data_index: int = 0
    generator: ColumnGenerator
    type: DataTag
    """The column's A-XDR type (that of the captured attribute), resolved at load time."""


class SortMethod(IntEnum):
    """Profile generic ``sort_method`` (Blue Book class 7); the reference meter keeps
    its buffer in capture order, so only fifo and lifo are offered."""

    FIFO = 1
    LIFO = 2

    @property
    def plan_name(self) -> str:
        """The name written in plans."""
        return self.name.lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileSpec:
    """A Profile Generic (class 7) definition whose buffer is synthesised, so that
    thousands of rows need not be written out."""

    capture_objects: tuple[CaptureObject, ...]
    capture_period: int
    """Seconds between captures (> 0 for a synthesised buffer)."""
    rows: int
    """Rows present at start (``entries_in_use``); the last one is captured at the last
    ``capture_period`` boundary not after the clock's time."""
    profile_entries: int
    """Buffer capacity (``profile_entries``), at least ``rows``."""
    sort_method: SortMethod = SortMethod.FIFO
    seed: int = 0
    """Seed of the deterministic generator."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockSpec:
    """How the reference meter's Clock (class 8) attribute 2 ``time`` behaves."""

    time: _dt.datetime | None = None
    """The meter time at start; ``None`` means the host's current time (``now``)."""
    running: bool = True
    """Whether the time advances with the host clock (``False``: frozen)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CosemObject:
    """One COSEM object (interface class instance) of the meter."""

    class_id: int
    logical_name: LogicalName
    version: int = 0
    name: str | None = None
    """Free text for humans (reports)."""
    association: str | None = None
    """For Association LN (15) and Security Setup (64) objects: the association described."""
    attributes: tuple[AttributeSpec, ...] = ()
    """Every attribute, in index order (for known classes all of them, attribute 1 included)."""
    methods: tuple[MethodSpec, ...] = ()
    """Every method with its access, in index order."""
    profile: ProfileSpec | None = None
    """Profile Generic objects only."""
    clock: ClockSpec | None = None
    """Clock objects only."""

    def attribute(self, index: int) -> AttributeSpec:
        """The attribute with this index (``KeyError`` if the object has none)."""
        for attr in self.attributes:
            if attr.index == index:
                return attr
        raise KeyError(f"{self.logical_name.dotted} (class {self.class_id}) has no attribute "
                       f"{index}")

    def method(self, index: int) -> MethodSpec:
        """The method with this index (``KeyError`` if the object has none)."""
        for meth in self.methods:
            if meth.index == index:
                return meth
        raise KeyError(f"{self.logical_name.dotted} (class {self.class_id}) has no method {index}")
