"""SAP assignment, class_id 17, version 0 (Blue Book 4.4.5), logical name 0.0.41.0.0.255.

``SAP_assignment_list`` is ``array of asslist_type``, ``asslist_type ::= structure { SAP
long-unsigned, logical_device_name octet-string }``. ``connect_logical_device`` (data ::=
asslist_type) connects the named logical device to the SAP; SAP 0 disconnects it. A SAP
other than 0 serves at most one logical device: connecting a second one to it is refused
(``other-reason``).
"""

from __future__ import annotations

from typing import Any

from conformance.codec.axdr import Array, Data, DataTag, LongUnsigned, OctetString, Structure
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.plan.cosem import AttributeAccess
from conformance.simulator.cosem.base import (
    ActionOutcome,
    AttributeDef,
    CosemObject,
    MethodDef,
    RequestContext,
    Shape,
    simple,
)

__all__ = ["SAP_ASSIGNMENT", "SapAssignment"]

SAP_ASSIGNMENT = ObisCode(a=0, b=0, c=41, d=0, e=0, f=255)
"""The logical name of the SAP assignment object."""
_ASSLIST = Shape(tag=DataTag.STRUCTURE,
                 items=(simple(DataTag.LONG_UNSIGNED), simple(DataTag.OCTET_STRING)))


class SapAssignment(CosemObject):
    """Which logical device answers at which SAP of the physical device."""

    CLASS_ID = 17
    VERSION = 0
    ATTRIBUTES = (
        *CosemObject.ATTRIBUTES,
        AttributeDef(index=2, name="SAP_assignment_list",
                     shape=Shape(tag=DataTag.ARRAY, element=_ASSLIST),
                     capability=AttributeAccess.READ_ONLY),
    )
    METHODS = (MethodDef(index=1, name="connect_logical_device"),)

    def __init__(self, logical_name: ObisCode = SAP_ASSIGNMENT, *,
                 assignments: tuple[tuple[int, bytes], ...] = (), **kw: Any) -> None:
        super().__init__(logical_name, **kw)
        self.assignments: list[tuple[int, bytes]] = list(assignments)
        """(SAP, logical device name) in list order."""

    def sap_of(self, logical_device_name: bytes) -> int | None:
        """The SAP the named logical device is connected to, ``None`` if none."""
        for sap, name in self.assignments:
            if name == logical_device_name:
                return sap
        return None

    def read(self, ctx: RequestContext, index: int,
             selection: SelectiveAccessDescriptor | None) -> Data | DataAccessResult:
        if index == 2 and selection is None:
            return Array(items=tuple(
                Structure(items=(LongUnsigned(value=sap), OctetString(value=name)))
                for sap, name in self.assignments))
        return super().read(ctx, index, selection)

    def invoke(self, ctx: RequestContext, index: int, parameters: Data | None) -> ActionOutcome:
        if index != 1:
            return super().invoke(ctx, index, parameters)
        if parameters is None or not _ASSLIST.matches(parameters) \
                or not isinstance(parameters, Structure):
            return ActionResult.TYPE_UNMATCHED, None
        sap_data, name_data = parameters.items
        if not isinstance(sap_data, LongUnsigned) or not isinstance(name_data, OctetString):
            return ActionResult.TYPE_UNMATCHED, None
        sap, name = sap_data.value, name_data.value
        if not name:
            return ActionResult.OTHER_REASON, None
        if sap != 0 and any(s == sap and n != name for s, n in self.assignments):
            return ActionResult.OTHER_REASON, None  # one logical device per SAP
        others = [(s, n) for s, n in self.assignments if n != name]
        if sap == 0:
            if len(others) == len(self.assignments):
                return ActionResult.OTHER_REASON, None  # nothing to disconnect
            self.assignments = others
            return ActionResult.SUCCESS, None
        for i, (_, n) in enumerate(self.assignments):
            if n == name:
                self.assignments[i] = (sap, name)
                break
        else:
            self.assignments.append((sap, name))
        return ActionResult.SUCCESS, None
