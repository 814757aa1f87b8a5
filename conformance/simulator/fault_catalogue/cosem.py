"""Faults of the COSEM object model (IEC 62056-6-2 interface classes), implemented where the
model answers (:class:`~conformance.simulator.cosem.base.Fault`)."""

from __future__ import annotations

from conformance.simulator.cosem.base import Fault
from conformance.simulator.fault_catalogue.spec import FaultLayer, FaultSpec

__all__ = ["SPECS"]

SPECS: tuple[FaultSpec, ...] = (
    FaultSpec(name=Fault.WRONG_ATTRIBUTE_TYPE.value, layer=FaultLayer.COSEM,
              description="Register (class 3) value is returned with another A-XDR type "
                          "than the declared one"),
    FaultSpec(name=Fault.OBJECT_LIST_LIES.value, layer=FaultLayer.COSEM,
              description="Association LN object_list advertises read-and-write for "
                          "read-only attributes (access is still enforced)"),
    FaultSpec(name=Fault.CLOCK_IGNORES_SET.value, layer=FaultLayer.COSEM,
              description="SET of the Clock time answers success but the clock keeps its "
                          "time"),
)
