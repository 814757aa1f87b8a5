"""Shared helpers of the COSEM object model tests (tests/simulator/test_cosem_*.py)."""

from __future__ import annotations

import datetime as dt

from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor, CosemMethodDescriptor
from conformance.plan.cosem import AttributeAccess, MethodAccess
from conformance.plan.model import Protection
from conformance.simulator.cosem import ObjectAccess, RequestContext

T0 = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)
"""The injected time of every test clock (a Saturday)."""

RW = AttributeAccess.READ_AND_WRITE
RO = AttributeAccess.READ_ONLY


class FakeTime:
    """An injected time source that moves only when told."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def ln(text: str) -> ObisCode:
    """An OBIS code from dotted text."""
    return ObisCode.parse(text)


def attr(class_id: int, name: str, index: int) -> CosemAttributeDescriptor:
    """An attribute descriptor."""
    return CosemAttributeDescriptor(class_id=class_id, instance_id=ln(name), attribute_id=index)


def meth(class_id: int, name: str, index: int) -> CosemMethodDescriptor:
    """A method descriptor."""
    return CosemMethodDescriptor(class_id=class_id, instance_id=ln(name), method_id=index)


def ctx(association: str = "public", *, authenticated: bool = True,
        protection: Protection = Protection.NONE, **kw: object) -> RequestContext:
    """A request context."""
    return RequestContext(association=association, authenticated=authenticated,
                          protection=protection, **kw)  # type: ignore[arg-type]


def rights(attributes: int | dict[int, AttributeAccess] = 0,
           mode: AttributeAccess = RW, methods: int | dict[int, MethodAccess] = 0,
           method_mode: MethodAccess = MethodAccess.ACCESS) -> ObjectAccess:
    """Rights on attributes 1..n (or as given) and methods 1..m (or as given)."""
    a = attributes if isinstance(attributes, dict) else {
        i: mode for i in range(1, attributes + 1)}
    m = methods if isinstance(methods, dict) else {i: method_mode for i in range(1, methods + 1)}
    return ObjectAccess(attributes=a, methods=m)
