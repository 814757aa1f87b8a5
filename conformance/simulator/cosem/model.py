"""The logical device: the reference meter's COSEM objects by logical name, and the handler
API the services machine calls for GET, SET and ACTION (IEC 62056-5-3 xDLMS services on
the COSEM object model of IEC 62056-6-2).

Every request is answered in this order; the first refusal wins:

==========================================================  ============================
condition                                                    result
==========================================================  ============================
no object with that logical name                             object-undefined (4)
the object is not in the association's object_list           object-undefined (4)
the class_id of the request is not the object's              object-class-inconsistent (9)
HLS pending (pass 3 not done), anything but
reply_to_HLS_authentication of the current association       scope-of-access-violated (13)
attribute / method index the class (version) does not have   object-undefined (4)
the access mode does not allow the operation                 read-write-denied (3)
an authenticated-* mode and the request is not authenticated scope-of-access-violated (13)
selective access on an attribute / selector without it       other-reason (250)
SET value of another A-XDR type than the attribute's         type-unmatched (12)
==========================================================  ============================

``read-write-denied`` answers what the access rights forbid outright; ``scope-of-access-
violated`` what the security context forbids (an association not yet authenticated, a
request without the required authentication), so that a check can tell the two apart.
An object is in an association's object_list when it has access rights for it (even
rights that grant nothing, plan ``no-access``): an object an association cannot see does
not exist for it.

Attribute 0 ("all attributes", conformance bit attribute0-supported-with-get/-set) is
not offered: like any index the class lacks, it is object-undefined.

The current association 0.0.40.0.0.255 (Blue Book 4.4.3) is the Association LN object
whose ``association`` is the requesting one, with that association's rights on it; it is
not listed a second time in object_list.

The handler methods hold one re-entrant lock, so that connections served on several
threads see each request applied whole.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace

from conformance.codec.axdr import Array, Data, Structure
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemMethodDescriptor,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.simulator.cosem.base import (
    ActionOutcome,
    CosemObject,
    MethodAccess,
    ObjectAccess,
    RequestContext,
    combine_access,
    may_read,
    may_write,
    needs_authentication,
)

__all__ = ["CURRENT_ASSOCIATION", "LogicalDevice"]

CURRENT_ASSOCIATION = ObisCode(a=0, b=0, c=40, d=0, e=0, f=255)
"""Logical name of the current association (Association LN, Blue Book 4.4.3)."""
_ASSOCIATION_LN = 15
_REPLY_TO_HLS_AUTHENTICATION = 1


class LogicalDevice:
    """A COSEM logical device: objects by logical name, and GET / SET / ACTION dispatch.

    ``faults`` (mutable) are active for every request, in addition to those of the
    request context (:class:`~conformance.simulator.cosem.base.Fault`).
    """

    def __init__(self, objects: Iterable[CosemObject] = (), *,
                 faults: frozenset[str] = frozenset()) -> None:
        self._objects: dict[ObisCode, CosemObject] = {}
        self.faults = faults
        self.lock = threading.RLock()
        """Held while a request is served (take it to change objects from outside)."""
        for obj in objects:
            self.add(obj)

    # -- the object model -----------------------------------------------------------------
    def add(self, obj: CosemObject) -> CosemObject:
        """Add ``obj`` (``ValueError`` for a logical name already used, or for
        0.0.40.0.0.255 which always designates the current association)."""
        if obj.logical_name == CURRENT_ASSOCIATION:
            raise ValueError("0.0.40.0.0.255 is the current association; give each "
                             "Association LN object its own instance 0.0.40.0.e.255")
        if obj.logical_name in self._objects:
            raise ValueError(f"two objects named {obj.logical_name.dotted}")
        self._objects[obj.logical_name] = obj
        obj.attach(self)
        return obj

    def __iter__(self) -> Iterator[CosemObject]:
        return iter(self._objects.values())

    def __len__(self) -> int:
        return len(self._objects)

    def find(self, logical_name: ObisCode) -> CosemObject | None:
        """The object named ``logical_name`` (no alias resolution), or ``None``."""
        return self._objects.get(logical_name)

    def __getitem__(self, logical_name: ObisCode | str) -> CosemObject:
        ln = ObisCode.parse(logical_name) if isinstance(logical_name, str) else logical_name
        obj = self._objects.get(ln)
        if obj is None:
            raise KeyError(f"no object {ln.dotted}")
        return obj

    def association_object(self, association: str) -> CosemObject | None:
        """The Association LN object describing ``association`` (``None`` if none)."""
        for obj in self._objects.values():
            if obj.CLASS_ID == _ASSOCIATION_LN and getattr(obj, "association", None) == \
                    association:
                return obj
        return None

    def objects_of(self, association: str) -> Iterator[tuple[CosemObject, ObjectAccess]]:
        """The objects visible to ``association`` with its rights on them, in order."""
        for obj in self._objects.values():
            rights = obj.access.get(association)
            if rights is not None:
                yield obj, rights

    def resolve(self, association: str, logical_name: ObisCode
                ) -> tuple[CosemObject | None, ObjectAccess | None]:
        """The object a request of ``association`` names and its rights on it (``None``
        rights: invisible). 0.0.40.0.0.255 is the association's own Association LN."""
        if logical_name == CURRENT_ASSOCIATION:
            obj = self.association_object(association)
            if obj is None:
                return None, None
            return obj, obj.access.get(association, ObjectAccess())
        obj = self._objects.get(logical_name)
        if obj is None:
            return None, None
        return obj, obj.access.get(association)

    def internal_value(self, class_id: int, logical_name: ObisCode, attribute: int,
                       data_index: int = 0) -> Data | None:
        """What the meter itself reads for a capture object definition (Profile generic
        capture): the attribute, or its element ``data_index`` (from 1) of a structure
        or array; ``None`` when there is no such object, attribute or element."""
        obj = self._objects.get(logical_name)
        if obj is None or class_id != obj.CLASS_ID or obj.attribute_def(attribute) is None:
            return None
        value = obj.value(attribute)
        if not isinstance(value, Data):
            return None
        if data_index == 0:
            return value
        if isinstance(value, Array | Structure) and 1 <= data_index <= len(value.items):
            return value.items[data_index - 1]
        return None

    # -- handler API for the services machine ----------------------------------------------
    def _context(self, ctx: RequestContext) -> RequestContext:
        if self.faults and not self.faults <= ctx.faults:
            return replace(ctx, faults=ctx.faults | self.faults)
        return ctx

    def _locate(self, ctx: RequestContext, class_id: int, logical_name: ObisCode
                ) -> tuple[CosemObject, ObjectAccess] | DataAccessResult:
        obj, rights = self.resolve(ctx.association, logical_name)
        if obj is None or rights is None:
            return DataAccessResult.OBJECT_UNDEFINED
        if class_id != obj.CLASS_ID:
            return DataAccessResult.OBJECT_CLASS_INCONSISTENT
        return obj, rights

    def _attribute_access(self, ctx: RequestContext, descriptor: CosemAttributeDescriptor,
                          selection: SelectiveAccessDescriptor | None, *, write: bool
                          ) -> CosemObject | DataAccessResult:
        located = self._locate(ctx, descriptor.class_id, descriptor.instance_id)
        if isinstance(located, DataAccessResult):
            return located
        obj, rights = located
        if not ctx.authenticated:
            return DataAccessResult.SCOPE_OF_ACCESS_VIOLATED
        definition = obj.attribute_def(descriptor.attribute_id)
        if definition is None:
            return DataAccessResult.OBJECT_UNDEFINED
        mode = combine_access(rights.attribute(definition.index), definition.capability)
        if not (may_write(mode) if write else may_read(mode)):
            return DataAccessResult.READ_WRITE_DENIED
        if needs_authentication(mode) and not ctx.request_authenticated:
            return DataAccessResult.SCOPE_OF_ACCESS_VIOLATED
        if selection is not None and selection.access_selector not in definition.selectors:
            return DataAccessResult.OTHER_REASON
        return obj

    def get(self, ctx: RequestContext, descriptor: CosemAttributeDescriptor,
            selective_access: SelectiveAccessDescriptor | None = None
            ) -> Data | DataAccessResult:
        """GET one attribute: its value, or why it cannot be read."""
        ctx = self._context(ctx)
        with self.lock:
            obj = self._attribute_access(ctx, descriptor, selective_access, write=False)
            if isinstance(obj, DataAccessResult):
                return obj
            return obj.read(ctx, descriptor.attribute_id, selective_access)

    def set(self, ctx: RequestContext, descriptor: CosemAttributeDescriptor,
            selective_access: SelectiveAccessDescriptor | None, value: Data
            ) -> DataAccessResult:
        """SET one attribute to ``value``: success, or why not."""
        ctx = self._context(ctx)
        with self.lock:
            obj = self._attribute_access(ctx, descriptor, selective_access, write=True)
            if isinstance(obj, DataAccessResult):
                return obj
            if not obj.shape(descriptor.attribute_id).matches(value):
                return DataAccessResult.TYPE_UNMATCHED
            return obj.write(ctx, descriptor.attribute_id, selective_access, value)

    def action(self, ctx: RequestContext, descriptor: CosemMethodDescriptor,
               parameters: Data | None = None) -> ActionOutcome:
        """ACTION: invoke one method; the result and the optional return parameters."""
        ctx = self._context(ctx)
        with self.lock:
            return self._action(ctx, descriptor, parameters)

    def _action(self, ctx: RequestContext, descriptor: CosemMethodDescriptor,
                parameters: Data | None) -> ActionOutcome:
        located = self._locate(ctx, descriptor.class_id, descriptor.instance_id)
        if isinstance(located, DataAccessResult):
            return ActionResult(located.value), None
        obj, rights = located
        if not ctx.authenticated and not (
                obj.CLASS_ID == _ASSOCIATION_LN
                and descriptor.method_id == _REPLY_TO_HLS_AUTHENTICATION
                and getattr(obj, "association", None) == ctx.association):
            # Until HLS pass 3 succeeds only reply_to_HLS_authentication may be used.
            return ActionResult.SCOPE_OF_ACCESS_VIOLATED, None
        if obj.method_def(descriptor.method_id) is None:
            return ActionResult.OBJECT_UNDEFINED, None
        mode = rights.method(descriptor.method_id)
        if mode is MethodAccess.NO_ACCESS:
            return ActionResult.READ_WRITE_DENIED, None
        if needs_authentication(mode) and not ctx.request_authenticated:
            return ActionResult.SCOPE_OF_ACCESS_VIOLATED, None
        return obj.invoke(ctx, descriptor.method_id, parameters)
