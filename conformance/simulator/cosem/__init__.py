"""The COSEM object model of the reference meter (IEC 62056-6-2 / DLMS UA Blue Book).

::

    device = build_logical_device(plan.meters[0], time_source=clock_source)
    ctx = RequestContext(association="public")
    device.get(ctx, CosemAttributeDescriptor(class_id=8, instance_id=CLOCK, attribute_id=2))
    device.set(ctx, descriptor, None, value)          -> DataAccessResult
    device.action(ctx, method_descriptor, parameters) -> (ActionResult, Data | None)

* :mod:`.base` -- attribute/method definitions, types (:class:`Shape`),
  :class:`RequestContext`, :class:`AssociationHooks`, :class:`Fault`, :class:`CosemObject`;
  :mod:`.access` -- access rights (:class:`ObjectAccess`);
* :mod:`.model` -- :class:`LogicalDevice`: lookups and the GET / SET / ACTION handler API
  (its docstring lists which refusal gives which result);
* one module per interface class: :mod:`.data` (1), :mod:`.register` (3, 4, 5),
  :mod:`.profile` (7), :mod:`.clock` (8), :mod:`.association` (15), :mod:`.sap` (17),
  :mod:`.security_setup` (64);
* :mod:`.build` -- a logical device from a test plan.
"""

from conformance.simulator.cosem.association import AssociationLN, AssociationStatus
from conformance.simulator.cosem.base import (
    ANY,
    LOGICAL_NAME,
    NO_HOOKS,
    ActionOutcome,
    AssociationHooks,
    AttributeDef,
    CosemObject,
    Fault,
    MethodDef,
    ObjectAccess,
    RequestContext,
    Shape,
    combine_access,
)
from conformance.simulator.cosem.build import build_logical_device, system_time
from conformance.simulator.cosem.clock import Clock, TimeSource
from conformance.simulator.cosem.data import (
    LOGICAL_DEVICE_NAME,
    DataObject,
    InvocationCounter,
    invocation_counter_name,
    logical_device_name,
)
from conformance.simulator.cosem.model import CURRENT_ASSOCIATION, LogicalDevice
from conformance.simulator.cosem.profile import ProfileGeneric, RowSource
from conformance.simulator.cosem.profile_rows import SyntheticRows
from conformance.simulator.cosem.register import DemandRegister, ExtendedRegister, Register
from conformance.simulator.cosem.sap import SAP_ASSIGNMENT, SapAssignment
from conformance.simulator.cosem.security_setup import SecurityPolicy, SecuritySetup

__all__ = [
    "ANY",
    "CURRENT_ASSOCIATION",
    "LOGICAL_DEVICE_NAME",
    "LOGICAL_NAME",
    "NO_HOOKS",
    "SAP_ASSIGNMENT",
    "ActionOutcome",
    "AssociationHooks",
    "AssociationLN",
    "AssociationStatus",
    "AttributeDef",
    "Clock",
    "CosemObject",
    "DataObject",
    "DemandRegister",
    "ExtendedRegister",
    "Fault",
    "InvocationCounter",
    "LogicalDevice",
    "MethodDef",
    "ObjectAccess",
    "ProfileGeneric",
    "Register",
    "RequestContext",
    "RowSource",
    "SapAssignment",
    "SecurityPolicy",
    "SecuritySetup",
    "Shape",
    "SyntheticRows",
    "TimeSource",
    "build_logical_device",
    "combine_access",
    "invocation_counter_name",
    "logical_device_name",
    "system_time",
]
