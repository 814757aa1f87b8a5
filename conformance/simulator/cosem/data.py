"""Data, class_id 1, version 0 (Blue Book 4.3.1): one ``value`` of any type.

Two instances the reference meter always has a use for:

* the COSEM logical device name, 0.0.42.0.0.255 (IEC 62056-6-2 6.2.x, "COSEM logical
  device name"): an octet-string, at most 16 octets, that starts with the manufacturer's
  three-letter id (:func:`logical_device_name`);
* the invocation (frame) counters 0.0.43.1.x.255: double-long-unsigned values read live
  from the server's security state (:class:`InvocationCounter`), readable by the public
  client before a ciphered association (dlms-notes failure 2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.codec.axdr import Data, DataTag, DoubleLongUnsigned, OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import DataAccessResult
from conformance.plan.cosem import AttributeAccess
from conformance.simulator.cosem.base import (
    AttributeDef,
    CosemObject,
    RequestContext,
    simple,
)

__all__ = [
    "LOGICAL_DEVICE_NAME",
    "DataObject",
    "InvocationCounter",
    "invocation_counter_name",
    "logical_device_name",
]

LOGICAL_DEVICE_NAME = ObisCode(a=0, b=0, c=42, d=0, e=0, f=255)
"""OBIS code of the COSEM logical device name object."""


class DataObject(CosemObject):
    """A Data object holding one value whose type is fixed by the initial value."""

    CLASS_ID = 1
    VERSION = 0
    ATTRIBUTES = (*CosemObject.ATTRIBUTES, AttributeDef(index=2, name="value"))

    def __init__(self, logical_name: ObisCode, *, value: Data, **kw: Any) -> None:
        super().__init__(logical_name, **kw)
        self._store(2, value)


def logical_device_name(name: bytes, **kw: Any) -> DataObject:
    """The COSEM logical device name object 0.0.42.0.0.255 holding ``name``."""
    if not 3 <= len(name) <= 16:
        raise ValueError(f"a COSEM logical device name has 3 to 16 octets, got {len(name)}")
    return DataObject(LOGICAL_DEVICE_NAME, value=OctetString(value=name), **kw)


def invocation_counter_name(e: int) -> ObisCode:
    """OBIS code 0.0.43.1.e.255 of an invocation counter object."""
    return ObisCode(a=0, b=0, c=43, d=1, e=e, f=255)


class InvocationCounter(DataObject):
    """An invocation counter (class 1, 0.0.43.1.x.255): ``value`` is double-long-unsigned,
    read from ``counter`` at every GET (the server's current counter for that key), and
    cannot be written."""

    ATTRIBUTES = (*CosemObject.ATTRIBUTES,
                  AttributeDef(index=2, name="value", shape=simple(DataTag.DOUBLE_LONG_UNSIGNED),
                               capability=AttributeAccess.READ_ONLY))

    def __init__(self, logical_name: ObisCode, *, counter: Callable[[], int], **kw: Any) -> None:
        super().__init__(logical_name, value=DoubleLongUnsigned(value=0), **kw)
        self.counter = counter

    def read(self, ctx: RequestContext, index: int,
             selection: SelectiveAccessDescriptor | None) -> Data | DataAccessResult:
        if index == 2 and selection is None:
            current = self.counter()
            if not 0 <= current <= 0xFFFF_FFFF:
                return DataAccessResult.HARDWARE_FAULT  # the counter source is broken
            return DoubleLongUnsigned(value=current)
        return super().read(ctx, index, selection)
