"""The ``object_list`` of Association LN versions 1 and 2 (Blue Book 4.4.3)::

    object_list_element ::= structure {
        class_id long-unsigned, version unsigned, logical_name octet-string,
        access_rights structure {
            attribute_access array of attribute_access_item structure {
                attribute_id integer, access_mode enum,
                access_selectors CHOICE { null-data, array of integer } },
            method_access array of method_access_item structure {
                method_id integer, access_mode enum } } }

attribute access_mode: 0 no-access, 1 read-only, 2 write-only, 3 read-and-write,
4 authenticated-read-only, 5 authenticated-write-only, 6 authenticated-read-and-write;
method access_mode: 0 no-access, 1 access, 2 authenticated-access.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.codec.axdr import (
    Array,
    Data,
    Enum,
    Integer,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Unsigned,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.enums import ActionResult
from conformance.simulator.cosem.base import (
    AttributeAccess,
    CosemObject,
    Fault,
    MethodAccess,
    ObjectAccess,
    combine_access,
)

__all__ = ["advertised_access", "parse_object_list_element", "render_object_list"]

_NULL = NullData()
# What the object-list-lies fault advertises instead of a read-only mode.
_LIES = {AttributeAccess.READ_ONLY: AttributeAccess.READ_AND_WRITE,
         AttributeAccess.AUTHENTICATED_READ_ONLY: AttributeAccess.AUTHENTICATED_READ_AND_WRITE}
_ATTRIBUTE_MODES = {m.value: m for m in AttributeAccess}
_METHOD_MODES = {m.value: m for m in MethodAccess}


def advertised_access(obj: CosemObject, rights: ObjectAccess, index: int,
                      faults: frozenset[str]) -> AttributeAccess:
    """The access mode object_list shows for attribute ``index``: the effective one (the
    plan's limited by the class), or the lie of the ``object-list-lies`` fault."""
    definition = obj.attribute_def(index)
    if definition is None:
        return AttributeAccess.NO_ACCESS
    mode = combine_access(rights.attribute(index), definition.capability)
    if Fault.OBJECT_LIST_LIES in faults:
        return _LIES.get(mode, mode)  # the fault: read-only advertised as writable
    return mode


def _entry(obj: CosemObject, rights: ObjectAccess, faults: frozenset[str]) -> Structure:
    attributes = tuple(
        Structure(items=(
            Integer(value=d.index),
            Enum(value=advertised_access(obj, rights, d.index, faults)),
            Array(items=tuple(Integer(value=s) for s in d.selectors)) if d.selectors
            else _NULL))
        for d in obj.attribute_defs)
    methods = tuple(Structure(items=(Integer(value=d.index), Enum(value=rights.method(d.index))))
                    for d in obj.method_defs)
    return Structure(items=(
        LongUnsigned(value=obj.CLASS_ID), Unsigned(value=obj.version),
        OctetString(value=obj.logical_name.to_bytes()),
        Structure(items=(Array(items=attributes), Array(items=methods)))))


def render_object_list(objects: Iterable[tuple[CosemObject, ObjectAccess]],
                       faults: frozenset[str]) -> Array:
    """object_list of the objects visible to an association, with its rights on them."""
    return Array(items=tuple(_entry(obj, rights, faults) for obj, rights in objects))


def _items(value: Data, n: int) -> tuple[Data, ...] | None:
    if isinstance(value, Structure) and len(value.items) == n:
        return value.items
    return None


def parse_object_list_element(value: Data | None
                              ) -> tuple[int, int, ObisCode, ObjectAccess] | ActionResult:
    """class_id, version, logical name and rights of an object_list_element (the
    parameter of add_object / remove_object); ``type-unmatched`` for a wrong shape,
    ``other-reason`` for an undefined access mode or a duplicate id."""
    top = None if value is None else _items(value, 4)
    if top is None:
        return ActionResult.TYPE_UNMATCHED
    class_id, version, name, access = top
    rights = _items(access, 2)
    if (not isinstance(class_id, LongUnsigned) or not isinstance(version, Unsigned)
            or not isinstance(name, OctetString) or len(name.value) != 6 or rights is None
            or not isinstance(rights[0], Array) or not isinstance(rights[1], Array)):
        return ActionResult.TYPE_UNMATCHED
    attributes: dict[int, AttributeAccess] = {}
    for item in rights[0].items:
        fields = _items(item, 3)
        if (fields is None or not isinstance(fields[0], Integer)
                or not isinstance(fields[1], Enum)
                or not isinstance(fields[2], NullData | Array)):
            return ActionResult.TYPE_UNMATCHED
        mode = _ATTRIBUTE_MODES.get(fields[1].value)
        if mode is None or fields[0].value in attributes:
            return ActionResult.OTHER_REASON
        attributes[fields[0].value] = mode
    methods: dict[int, MethodAccess] = {}
    for item in rights[1].items:
        fields = _items(item, 2)
        if fields is None or not isinstance(fields[0], Integer) \
                or not isinstance(fields[1], Enum):
            return ActionResult.TYPE_UNMATCHED
        method_mode = _METHOD_MODES.get(fields[1].value)
        if method_mode is None or fields[0].value in methods:
            return ActionResult.OTHER_REASON
        methods[fields[0].value] = method_mode
    return (class_id.value, version.value, ObisCode.from_bytes(name.value),
            ObjectAccess(attributes=attributes, methods=methods))
