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
``Data`` values that match it. Decoding refuses contents that end inside an element or
whose element does not fit the description (``CodecError``, not ``IncompleteError``: the
contents length was satisfied), and descriptions that would expand to more than
:data:`MAX_COMPACT_VALUES` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr.scalars import (
    MAX_DEPTH,
    SIMPLE_READERS,
    SIMPLE_WRITERS,
    nested_error,
    too_deep,
    trusted,
)
from conformance.codec.axdr.types import Array, Data, DataTag, Structure
from conformance.errors import CodecError, IncompleteError

__all__ = [
    "MAX_COMPACT_VALUES",
    "ArrayTypeDescription",
    "CompactArray",
    "SimpleTypeDescription",
    "StructureTypeDescription",
    "TypeDescription",
    "read_compact_array",
    "read_type_description",
    "write_compact_array",
    "write_type_description",
]

MAX_COMPACT_VALUES = 1_000_000
"""Most ``Data`` values one compact-array may expand to (guards against descriptions
of empty members that multiply without consuming contents)."""

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


# -- bytes ----------------------------------------------------------------------------
_SIMPLE_DESCRIPTIONS: dict[int, SimpleTypeDescription] = {
    int(tag): SimpleTypeDescription(tag=tag) for tag in SIMPLE_TAGS}


def read_type_description(r: Reader, depth: int = 0) -> TypeDescription:
    """Read one TypeDescription (IEC 62056-6-2 4.1.5) from ``r``."""
    if depth >= MAX_DEPTH:
        raise too_deep(r, "type-description")
    start = r.offset
    tag = r.pull_u8("type-description")
    if tag == DataTag.ARRAY:
        n = r.pull_u16("type-description.array.number-of-elements")
        try:
            element = read_type_description(r, depth + 1)
        except CodecError as exc:
            raise nested_error(exc, r, "type-description.array") from None
        return ArrayTypeDescription(number_of_elements=n, type_description=element)
    if tag == DataTag.STRUCTURE:
        count = r.pull_length("type-description.structure.length")
        members: list[TypeDescription] = []
        try:
            for _ in range(count):
                members.append(read_type_description(r, depth + 1))
        except CodecError as exc:
            raise nested_error(exc, r, f"type-description.structure[{len(members)}]") from None
        return StructureTypeDescription(items=tuple(members))
    simple = _SIMPLE_DESCRIPTIONS.get(tag)
    if simple is None:
        what = ("compact-array (19) cannot be nested in a compact-array"
                if tag == DataTag.COMPACT_ARRAY else f"unknown data type tag {tag} (0x{tag:02X})")
        raise CodecError(f"type-description: {what}", offset=start,
                         path=r.path("type-description"))
    return simple


def write_type_description(w: Writer, td: TypeDescription) -> None:
    """Append the encoding of ``td`` to ``w``."""
    if isinstance(td, SimpleTypeDescription):
        w.push_u8(td.tag)
    elif isinstance(td, ArrayTypeDescription):
        w.push_u8(DataTag.ARRAY)
        w.push_u16(td.number_of_elements)
        write_type_description(w, td.type_description)
    elif isinstance(td, StructureTypeDescription):
        w.push_u8(DataTag.STRUCTURE)
        w.push_length(len(td.items))
        for member in td.items:
            write_type_description(w, member)
    else:
        raise TypeError(f"not a TypeDescription: {td!r}")


def _read_untagged(r: Reader, td: TypeDescription, depth: int) -> Data:
    if type(td) is SimpleTypeDescription:
        return SIMPLE_READERS[td.tag](r, depth)
    if depth >= MAX_DEPTH:
        raise too_deep(r, "compact-array element")
    items: list[Data] = []
    if type(td) is ArrayTypeDescription:
        element = td.type_description
        try:
            for _ in range(td.number_of_elements):
                items.append(_read_untagged(r, element, depth + 1))
        except CodecError as exc:
            raise nested_error(exc, r, f"array[{len(items)}]") from None
        return trusted(Array, "items", tuple(items))
    try:
        for member in cast(StructureTypeDescription, td).items:
            items.append(_read_untagged(r, member, depth + 1))
    except CodecError as exc:
        raise nested_error(exc, r, f"structure[{len(items)}]") from None
    return trusted(Structure, "items", tuple(items))


def read_compact_array(r: Reader, depth: int) -> Data:
    """Read a compact-array's content (``r`` is after the tag 19) at nesting ``depth``."""
    if depth >= MAX_DEPTH:
        raise too_deep(r, "compact-array")
    desc_start = r.offset
    td = read_type_description(r, depth + 1)
    if td.is_empty:
        raise CodecError("compact-array element type encodes to no octets (the element "
                         "count cannot be recovered)", offset=desc_start,
                         path=r.path("compact-array.contents-description"))
    per_item = td.value_count
    length = r.pull_length("compact-array.array-contents.length")
    contents = r.sub(length, "")
    items: list[Data] = []
    while not contents.at_end():
        if (len(items) + 1) * per_item > MAX_COMPACT_VALUES:
            raise contents.error(f"compact-array expands to more than {MAX_COMPACT_VALUES} "
                                 "values", "compact-array")
        elem_start = contents.offset
        try:
            items.append(_read_untagged(contents, td, depth + 1))
        except IncompleteError as exc:
            # The contents length was satisfied: a short element is a mismatch between
            # description and contents, not a need for more bytes.
            err = CodecError(f"compact-array contents end inside element {len(items)} "
                             f"(started at byte {elem_start}): {exc.message}",
                             offset=exc.offset, path=exc.path)
            raise nested_error(err, r, f"compact-array[{len(items)}]") from None
        except CodecError as exc:
            raise nested_error(exc, r, f"compact-array[{len(items)}]") from None
    # Every item was read through ``td``, so it matches it: skip the constructor checks.
    compact = trusted(CompactArray, "contents_description", td)
    object.__setattr__(compact, "items", tuple(items))
    return compact


def _write_untagged(w: Writer, td: TypeDescription, v: Data) -> None:
    if type(td) is SimpleTypeDescription:
        SIMPLE_WRITERS[v.TAG](w, v)
    elif type(td) is ArrayTypeDescription:
        for item in v.items:  # type: ignore[attr-defined]
            _write_untagged(w, td.type_description, item)
    else:
        members = cast(StructureTypeDescription, td).items
        for member, item in zip(members, v.items, strict=True):  # type: ignore[attr-defined]
            _write_untagged(w, member, item)


def write_compact_array(w: Writer, v: Data) -> None:
    """Append a compact-array's content (description and contents, no tag)."""
    compact = cast(CompactArray, v)
    td = compact.contents_description
    write_type_description(w, td)
    body = Writer()
    for item in compact.items:
        _write_untagged(body, td, item)
    w.push_counted(body.getvalue())
