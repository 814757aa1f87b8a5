"""Fast decoding of array elements that have the shape of the element before them.

The elements of a long array are usually alike: a load profile's buffer is an array of
structures whose entries have the same types and octet-string lengths in every row
(IEC 62056-6-2 4.3.6, profile generic ``buffer``). :func:`element_shape` learns the
shape of one element from its encoding: its tags, element counts and string lengths (the
*skeleton*), and where its values lie. :meth:`ElementShape.read` then decodes an element
with that shape in one :meth:`struct.Struct.unpack_from`, after checking that every
skeleton octet is the same; an element with another shape is left to the general reader
(``None``), which also reports every error. So the values decoded are the same, only
faster.

A shape holds only the simple types whose content needs no check beyond its size:
integers (integer, long, double-long, long64, the unsigned ones, enum, bcd), octet-strings
shorter than 128 octets, null-data and dont-care, alone or as the entries of one
structure with fewer than 128 entries. Anything else (nested containers, strings that
must be valid text, floats, dates, booleans, long lengths) has no shape: the general
reader decodes it.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable
from typing import Any

from conformance.codec.axdr.types import (
    Bcd,
    Data,
    DataTag,
    DontCare,
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
)

__all__ = ["ElementShape", "element_shape"]

_new = object.__new__

# Fixed-size integers: the class and its struct format (big-endian, IEC 62056-6-2 4.1.5).
_INTEGERS: dict[int, tuple[type[Data], str]] = {
    DataTag.DOUBLE_LONG: (DoubleLong, "i"),
    DataTag.DOUBLE_LONG_UNSIGNED: (DoubleLongUnsigned, "I"),
    DataTag.BCD: (Bcd, "b"),
    DataTag.INTEGER: (Integer, "b"),
    DataTag.LONG: (Long, "h"),
    DataTag.UNSIGNED: (Unsigned, "B"),
    DataTag.LONG_UNSIGNED: (LongUnsigned, "H"),
    DataTag.LONG64: (Long64, "q"),
    DataTag.LONG64_UNSIGNED: (Long64Unsigned, "Q"),
    DataTag.ENUM: (Enum, "B"),
}
# No content: the decoder's shared instances are equal to these.
_EMPTY: dict[int, Data] = {DataTag.NULL_DATA: NullData(), DataTag.DONT_CARE: DontCare()}

_Setter = Callable[[Any, Any], None]
_Leaf = tuple[int, type[Data], _Setter | None, Data | None]
"""(index of the value in the unpacked tuple, class, its ``value`` slot setter) for a
value; (-1, class, None, the shared instance) for a type without content."""


def _setter(cls: type[Data]) -> _Setter:
    """The ``value`` slot's setter (the decoders' trusted construction, see
    :func:`conformance.codec.axdr.scalars.trusted`)."""
    setter: _Setter = cls.__dict__["value"].__set__
    return setter


class ElementShape:
    """The shape of one array element (see the module docstring)."""

    __slots__ = ("_expected", "_leaves", "_skeleton", "_structure", "_unpack", "size")

    def __init__(self, fmt: str, skeleton: list[int], expected: list[int],
                 leaves: list[_Leaf], structure: bool) -> None:
        compiled = struct.Struct(">" + fmt)
        self.size = compiled.size
        """Octets of an element of this shape."""
        self._unpack = compiled.unpack_from
        getter = operator.itemgetter(*skeleton)
        self._skeleton: Callable[[tuple[Any, ...]], Any] = getter
        # itemgetter of one index returns the item itself, of several a tuple.
        self._expected: Any = expected[0] if len(expected) == 1 else tuple(expected)
        self._leaves = tuple(leaves)
        self._structure = structure

    def read(self, data: bytes, pos: int) -> Data | None:
        """The element at ``data[pos:pos + size]`` (the caller checked that those octets
        exist) when it has this shape, else ``None``."""
        values = self._unpack(data, pos)
        if self._skeleton(values) != self._expected:
            return None
        items: list[Data] = []
        for index, cls, setter, empty in self._leaves:
            if setter is None:
                items.append(empty)  # type: ignore[arg-type]
            else:
                value = _new(cls)
                setter(value, values[index])
                items.append(value)
        if not self._structure:
            return items[0]
        structure = _new(Structure)
        _STRUCTURE_ITEMS(structure, tuple(items))
        return structure


_STRUCTURE_ITEMS: _Setter = Structure.__dict__["items"].__set__


def element_shape(data: bytes, start: int, end: int) -> ElementShape | None:
    """The shape of the one element encoded (and already decoded) at ``data[start:end]``;
    ``None`` when it holds a type a shape cannot hold."""
    fmt: list[str] = []
    skeleton: list[int] = []  # indices, in the unpacked tuple, of the skeleton octets
    expected: list[int] = []  # their values
    leaves: list[_Leaf] = []
    pos = start
    count = 1
    structure = data[start] == DataTag.STRUCTURE if start < end else False
    if structure:
        if start + 1 >= end or data[start + 1] >= 0x80:
            return None
        count = data[start + 1]
        fmt.append("BB")
        skeleton += [0, 1]
        expected += [DataTag.STRUCTURE, count]
        pos += 2
    index = 2 if structure else 0  # of the next value in the unpacked tuple
    for _ in range(count):
        if pos >= end:
            return None
        tag = data[pos]
        skeleton.append(index)
        expected.append(tag)
        if tag in _INTEGERS:
            cls, code = _INTEGERS[tag]
            fmt.append("B" + code)
            leaves.append((index + 1, cls, _setter(cls), None))
            index += 2
            pos += 1 + struct.calcsize(">" + code)
        elif tag in _EMPTY:
            fmt.append("B")
            empty = _EMPTY[tag]
            leaves.append((-1, type(empty), None, empty))
            index += 1
            pos += 1
        elif tag == DataTag.OCTET_STRING and pos + 1 < end and data[pos + 1] < 0x80:
            length = data[pos + 1]
            fmt.append(f"BB{length}s")
            skeleton.append(index + 1)
            expected.append(length)
            leaves.append((index + 2, OctetString, _setter(OctetString), None))
            index += 3
            pos += 2 + length
        else:
            return None
    if pos != end:
        return None
    return ElementShape("".join(fmt), skeleton, expected, leaves, structure)
