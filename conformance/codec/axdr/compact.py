"""compact-array [19] and its TypeDescription (IEC 62056-6-2 4.1.5 / Blue Book 4.1.5)::

    compact-array [19] IMPLICIT SEQUENCE {
        contents-description [0] TypeDescription,
        array-contents       [1] IMPLICIT OCTET STRING }

    TypeDescription ::= CHOICE {
        null-data [0] IMPLICIT NULL,
        array     [1] IMPLICIT SEQUENCE { number-of-elements Unsigned16,
                                          type-description   TypeDescription },
        structure [2] IMPLICIT SEQUENCE OF TypeDescription,
        boolean [3] ... dont-care [255]   (one tag per simple type) }

The array contents are the elements, each encoded like ``Data`` *without* the tags of
the described types (and without the element counts of described arrays and structures),
concatenated; lengths of octet-strings, strings and bit-strings stay in the contents.

Here a :class:`CompactArray` holds the description and the decoded elements as ordinary
``Data`` values that match it; the byte work is in :mod:`conformance.codec.axdr.codec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conformance.codec.axdr.types import Array, Data, DataTag, Structure

__all__ = [
    "ArrayTypeDescription",
    "CompactArray",
    "SimpleTypeDescription",
    "StructureTypeDescription",
    "TypeDescription",
]

# Simple types a TypeDescription may name (every Data tag except the three containers).
SIMPLE_TAGS: frozenset[DataTag] = frozenset(DataTag) - {
    DataTag.ARRAY, DataTag.STRUCTURE, DataTag.COMPACT_ARRAY}
# Simple types whose content is empty.
_EMPTY_TAGS = frozenset({DataTag.NULL_DATA, DataTag.DONT_CARE})


@dataclass(frozen=True, slots=True, kw_only=True)
class TypeDescription:
    """Base of the TypeDescription CHOICE."""

    def describes(self, value: Data) -> bool:
        """True when ``value`` has exactly the type this description states."""
        raise NotImplementedError

    @property
    def is_empty(self) -> bool:
        """True when every value of this type encodes to no content octet at all."""
        raise NotImplementedError

    @property
    def value_count(self) -> int:
        """Number of ``Data`` objects (this one and everything inside) one value holds."""
        raise NotImplementedError

    @property
    def depth(self) -> int:
        """Nesting depth: 1 for a simple type."""
        raise NotImplementedError

    def to_json(self) -> list[object]:
        """JSON form: ``["simple", 18]``, ``["array", 3, <desc>]``,
        ``["structure", [<desc>, ...]]``."""
        raise NotImplementedError

    @staticmethod
    def of(value: Data) -> TypeDescription:
        """The description of ``value``'s type (an array takes its first item's type;
        ``ValueError`` for a compact array or an array whose items differ in type)."""
        if isinstance(value, Structure):
            return StructureTypeDescription(items=tuple(TypeDescription.of(v)
                                                        for v in value.items))
        if isinstance(value, Array):
            if not value.items:
                return ArrayTypeDescription(
                    number_of_elements=0,
                    type_description=SimpleTypeDescription(tag=DataTag.NULL_DATA))
            element = TypeDescription.of(value.items[0])
            for i, item in enumerate(value.items):
                if not element.describes(item):
                    raise ValueError(f"array item {i} differs in type from item 0")
            return ArrayTypeDescription(number_of_elements=len(value.items),
                                        type_description=element)
        if value.TAG == DataTag.COMPACT_ARRAY:
            raise ValueError("a compact-array cannot be described inside a compact-array")
        return SimpleTypeDescription(tag=value.TAG)


@dataclass(frozen=True, slots=True, kw_only=True)
class SimpleTypeDescription(TypeDescription):
    """A simple type, named by its Data tag (neither array, structure nor compact-array)."""

    tag: DataTag

    def __post_init__(self) -> None:
        if self.tag not in SIMPLE_TAGS:
            raise ValueError(f"{self.tag!r} is not a simple type")
        if type(self.tag) is not DataTag:
            object.__setattr__(self, "tag", DataTag(self.tag))

    def describes(self, value: Data) -> bool:
        """True when ``value`` is of this simple type."""
        return self.tag == value.TAG

    @property
    def is_empty(self) -> bool:
        """True for null-data and dont-care."""
        return self.tag in _EMPTY_TAGS

    @property
    def value_count(self) -> int:
        """Always 1."""
        return 1

    @property
    def depth(self) -> int:
        """Always 1."""
        return 1

    def to_json(self) -> list[object]:
        """``["simple", tag]``."""
        return ["simple", int(self.tag)]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArrayTypeDescription(TypeDescription):
    """array: ``number_of_elements`` (Unsigned16) items of ``type_description``."""

    number_of_elements: int
    type_description: TypeDescription

    def __post_init__(self) -> None:
        n = self.number_of_elements
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 0xFFFF:
            raise ValueError(f"number_of_elements {n!r} is outside 0..65535 (Unsigned16)")
        if not isinstance(self.type_description, TypeDescription):
            raise TypeError("type_description must be a TypeDescription")

    def describes(self, value: Data) -> bool:
        """True for an array of exactly ``number_of_elements`` matching items."""
        if type(value) is not Array or len(value.items) != self.number_of_elements:
            return False
        td = self.type_description
        return all(td.describes(v) for v in value.items)

    @property
    def is_empty(self) -> bool:
        """True when there are no elements or the elements are empty."""
        return self.number_of_elements == 0 or self.type_description.is_empty

    @property
    def value_count(self) -> int:
        """The array itself plus its elements' values."""
        return 1 + self.number_of_elements * self.type_description.value_count

    @property
    def depth(self) -> int:
        """One more than the element type."""
        return 1 + self.type_description.depth

    def to_json(self) -> list[object]:
        """``["array", number_of_elements, <element description>]``."""
        return ["array", self.number_of_elements, self.type_description.to_json()]


@dataclass(frozen=True, slots=True, kw_only=True)
class StructureTypeDescription(TypeDescription):
    """structure: one description per member, in order."""

    items: tuple[TypeDescription, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.items, tuple) or not all(
                isinstance(i, TypeDescription) for i in self.items):
            raise TypeError("StructureTypeDescription.items must be a tuple of "
                            "TypeDescription")

    def describes(self, value: Data) -> bool:
        """True for a structure whose members match one by one."""
        if type(value) is not Structure or len(value.items) != len(self.items):
            return False
        return all(td.describes(v) for td, v in zip(self.items, value.items, strict=True))

    @property
    def is_empty(self) -> bool:
        """True when every member is empty (or there is none)."""
        return all(td.is_empty for td in self.items)

    @property
    def value_count(self) -> int:
        """The structure itself plus its members' values."""
        return 1 + sum(td.value_count for td in self.items)

    @property
    def depth(self) -> int:
        """One more than the deepest member."""
        return 1 + max((td.depth for td in self.items), default=0)

    def to_json(self) -> list[object]:
        """``["structure", [<member description>, ...]]``."""
        return ["structure", [td.to_json() for td in self.items]]


@dataclass(frozen=True, slots=True, kw_only=True)
class CompactArray(Data):
    """compact-array [19]: elements of one described type, sent without per-item tags.

    ``items`` are ordinary ``Data`` values; each must match ``contents_description``
    exactly (``ValueError`` otherwise). An element type whose values encode to no
    octets (null-data, dont-care, empty structures or arrays) is refused: its element
    count could not be recovered from the contents.
    """

    TAG: ClassVar[DataTag] = DataTag.COMPACT_ARRAY
    contents_description: TypeDescription
    items: tuple[Data, ...] = ()

    def __post_init__(self) -> None:
        td = self.contents_description
        if not isinstance(td, TypeDescription):
            raise TypeError("CompactArray.contents_description must be a TypeDescription")
        if td.is_empty:
            raise ValueError("CompactArray element type encodes to no octets; the element "
                             "count could not be recovered")
        if not isinstance(self.items, tuple):
            raise TypeError("CompactArray.items must be a tuple of Data")
        for i, item in enumerate(self.items):
            if not isinstance(item, Data) or not td.describes(item):
                raise ValueError(f"CompactArray.items[{i}] does not match the contents "
                                 f"description {td.to_json()}: {item!r}")

    @classmethod
    def of(cls, items: tuple[Data, ...]) -> CompactArray:
        """A compact array whose description is taken from the first item."""
        if not items:
            raise ValueError("cannot infer the contents description of no items")
        return cls(contents_description=TypeDescription.of(items[0]), items=tuple(items))
