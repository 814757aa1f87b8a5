"""Typed selective access for Profile generic (IEC 62056-6-2 4.3.6, class 7 attribute 2
``buffer``): the ``access-parameters`` of access selectors 1 and 2 as value objects.

:class:`RangeDescriptor` (selector 1) and :class:`EntryDescriptor` (selector 2) build the
``Data`` structure with ``to_data()`` / ``to_selective_access()`` and interpret a received
one with ``from_data()`` / :func:`profile_generic_selection`, which check its shape
strictly (a wrong shape is a ``CodecError`` with the path of the offending element).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeAlias

from conformance.codec.axdr import (
    Array,
    Data,
    DoubleLongUnsigned,
    Integer,
    LongUnsigned,
    OctetString,
    Structure,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.errors import CodecError

__all__ = [
    "CaptureObjectDefinition",
    "EntryDescriptor",
    "RangeDescriptor",
    "profile_generic_selection",
]


def _structure(value: Data, n: int, path: str, what: str) -> tuple[Data, ...]:
    if not isinstance(value, Structure) or len(value.items) != n:
        got = value.TAG.type_name
        if isinstance(value, Structure):
            got = f"structure of {len(value.items)}"
        raise CodecError(f"{what} must be a structure of {n} elements, got {got}", path=path)
    return value.items


_IntData: TypeAlias = LongUnsigned | DoubleLongUnsigned | Integer


def _int_of(value: Data, kind: type[_IntData], path: str) -> int:
    if not isinstance(value, kind):
        raise CodecError(f"expected {kind.TAG.type_name}, got {value.TAG.type_name}",
                         path=path)
    return value.value


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureObjectDefinition:
    """``capture_object_definition``: one column of a profile (a restricting object or a
    selected value)::

        structure { class_id long-unsigned, logical_name octet-string,
                    attribute_index integer, data_index long-unsigned }
    """

    class_id: int
    """Interface class of the captured object."""
    logical_name: ObisCode
    """Its logical name."""
    attribute_index: int
    """The captured attribute (integer, Integer8)."""
    data_index: int = 0
    """Element of the attribute (long-unsigned); 0 = the whole attribute."""

    def to_data(self) -> Structure:
        """The definition as ``Data``."""
        return Structure(items=(LongUnsigned(value=self.class_id),
                                OctetString(value=self.logical_name.to_bytes()),
                                Integer(value=self.attribute_index),
                                LongUnsigned(value=self.data_index)))

    @classmethod
    def from_data(cls, value: Data, path: str = "capture_object_definition"
                  ) -> CaptureObjectDefinition:
        """Interpret ``Data``; a wrong shape is a ``CodecError`` naming ``path``."""
        class_id, name, attribute, index = _structure(value, 4, path,
                                                      "capture_object_definition")
        if not isinstance(name, OctetString) or len(name.value) != 6:
            raise CodecError("logical_name must be an octet-string of 6 octets",
                             path=f"{path}.logical_name")
        return cls(class_id=_int_of(class_id, LongUnsigned, f"{path}.class_id"),
                   logical_name=ObisCode.from_bytes(name.value),
                   attribute_index=_int_of(attribute, Integer, f"{path}.attribute_index"),
                   data_index=_int_of(index, LongUnsigned, f"{path}.data_index"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RangeDescriptor:
    """Profile generic access selector 1, ``range_descriptor``::

        structure { restricting_object capture_object_definition,
                    from_value, to_value (CHOICE: the restricting object's type),
                    selected_values array capture_object_definition }

    Entries whose restricting value lies in ``from_value .. to_value`` are returned, with
    the ``selected_values`` columns (an empty array = every column).
    """

    ACCESS_SELECTOR: ClassVar[int] = 1
    restricting_object: CaptureObjectDefinition
    """The column the range applies to (usually the Clock 0.0.1.0.0.255 attribute 2)."""
    from_value: Data
    """Oldest value (e.g. an octet-string holding a date-time)."""
    to_value: Data
    """Newest value."""
    selected_values: tuple[CaptureObjectDefinition, ...] = ()
    """Columns to return; empty = all."""

    def to_data(self) -> Structure:
        """``access-parameters`` as ``Data``."""
        return Structure(items=(self.restricting_object.to_data(), self.from_value,
                                self.to_value,
                                Array(items=tuple(c.to_data() for c in self.selected_values))))

    def to_selective_access(self) -> SelectiveAccessDescriptor:
        """The ``Selective-Access-Descriptor`` carrying this range."""
        return SelectiveAccessDescriptor(access_selector=self.ACCESS_SELECTOR,
                                         access_parameters=self.to_data())

    @classmethod
    def from_data(cls, value: Data, path: str = "access_parameters") -> RangeDescriptor:
        """Interpret ``access-parameters``; a wrong shape is a ``CodecError``."""
        restricting, low, high, selected = _structure(value, 4, path, "range_descriptor")
        if not isinstance(selected, Array):
            raise CodecError(f"selected_values must be an array, got {selected.TAG.type_name}",
                             path=f"{path}.selected_values")
        return cls(restricting_object=CaptureObjectDefinition.from_data(
                       restricting, f"{path}.restricting_object"),
                   from_value=low, to_value=high,
                   selected_values=tuple(
                       CaptureObjectDefinition.from_data(c, f"{path}.selected_values[{i}]")
                       for i, c in enumerate(selected.items)))


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryDescriptor:
    """Profile generic access selector 2, ``entry_descriptor``::

        structure { from_entry double-long-unsigned, to_entry double-long-unsigned,
                    from_selected_value long-unsigned, to_selected_value long-unsigned }

    Entries and columns count from 1; ``to_entry`` / ``to_selected_value`` 0 mean "up to
    the last one".
    """

    ACCESS_SELECTOR: ClassVar[int] = 2
    from_entry: int = 1
    """First entry (1 = oldest)."""
    to_entry: int = 0
    """Last entry; 0 = the newest."""
    from_selected_value: int = 1
    """First column."""
    to_selected_value: int = 0
    """Last column; 0 = the last one."""

    def to_data(self) -> Structure:
        """``access-parameters`` as ``Data``."""
        return Structure(items=(DoubleLongUnsigned(value=self.from_entry),
                                DoubleLongUnsigned(value=self.to_entry),
                                LongUnsigned(value=self.from_selected_value),
                                LongUnsigned(value=self.to_selected_value)))

    def to_selective_access(self) -> SelectiveAccessDescriptor:
        """The ``Selective-Access-Descriptor`` carrying this entry range."""
        return SelectiveAccessDescriptor(access_selector=self.ACCESS_SELECTOR,
                                         access_parameters=self.to_data())

    @classmethod
    def from_data(cls, value: Data, path: str = "access_parameters") -> EntryDescriptor:
        """Interpret ``access-parameters``; a wrong shape is a ``CodecError``."""
        first, last, low, high = _structure(value, 4, path, "entry_descriptor")
        return cls(from_entry=_int_of(first, DoubleLongUnsigned, f"{path}.from_entry"),
                   to_entry=_int_of(last, DoubleLongUnsigned, f"{path}.to_entry"),
                   from_selected_value=_int_of(low, LongUnsigned,
                                               f"{path}.from_selected_value"),
                   to_selected_value=_int_of(high, LongUnsigned, f"{path}.to_selected_value"))


def profile_generic_selection(selection: SelectiveAccessDescriptor
                              ) -> RangeDescriptor | EntryDescriptor:
    """Interpret a Profile generic buffer selection (selector 1 or 2).

    Any other selector, or parameters of the wrong shape, is a ``CodecError`` whose path
    starts with ``access_selection``.
    """
    path = "access_selection.access_parameters"
    if selection.access_selector == RangeDescriptor.ACCESS_SELECTOR:
        return RangeDescriptor.from_data(selection.access_parameters, path)
    if selection.access_selector == EntryDescriptor.ACCESS_SELECTOR:
        return EntryDescriptor.from_data(selection.access_parameters, path)
    raise CodecError(f"access selector {selection.access_selector} is not defined for "
                     "Profile generic (1 range_descriptor, 2 entry_descriptor)",
                     path="access_selection.access_selector")
