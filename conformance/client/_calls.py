"""GET, SET and ACTION as blocking calls (IEC 62056-5-3 9.3.6 - 9.3.8), on top of the
session's ``_exchange`` (one confirmed request and its confirmation, with block transfer
and general block transfer handled by the services machine).

Results follow one rule (see :mod:`conformance.client.errors`): a call for one attribute
or method returns its value and raises when the meter refuses; a with-list call returns
one result per item; an exception-response always raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from conformance.client.errors import ActionError, DataAccessError, ExceptionResponseError
from conformance.codec.axdr import Data
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.action import ActionResponseWithOptionalData
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    CosemMethodDescriptor,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.errors import RemoteProtocolError
from conformance.protocol.services.events import (
    Action,
    ActionConfirm,
    ActionWithList,
    ActionWithListConfirm,
    ClientRequest,
    ConfirmEvent,
    ExceptionConfirm,
    Get,
    GetConfirm,
    GetWithList,
    GetWithListConfirm,
    Set,
    SetConfirm,
    SetWithList,
    SetWithListConfirm,
)

__all__ = ["AttributeRef", "ServiceCalls", "attribute_descriptor", "method_descriptor"]

C = TypeVar("C")

AttributeRef = (CosemAttributeDescriptor | CosemAttributeDescriptorWithSelection
                | tuple[ObisCode | str, int, int])
"""An attribute for the with-list calls: a descriptor (with or without selective access)
or ``(logical name, class id, attribute id)``."""


def _obis(logical_name: ObisCode | str) -> ObisCode:
    return logical_name if isinstance(logical_name, ObisCode) else ObisCode.parse(logical_name)


def attribute_descriptor(logical_name: ObisCode | str, class_id: int,
                         attribute: int) -> CosemAttributeDescriptor:
    """A Cosem-Attribute-Descriptor (the logical name parsed when given as text)."""
    return CosemAttributeDescriptor(class_id=class_id, instance_id=_obis(logical_name),
                                    attribute_id=attribute)


def method_descriptor(logical_name: ObisCode | str, class_id: int,
                      method: int) -> CosemMethodDescriptor:
    """A Cosem-Method-Descriptor."""
    return CosemMethodDescriptor(class_id=class_id, instance_id=_obis(logical_name),
                                 method_id=method)


def _with_selection(item: AttributeRef) -> CosemAttributeDescriptorWithSelection:
    if isinstance(item, CosemAttributeDescriptorWithSelection):
        return item
    if isinstance(item, CosemAttributeDescriptor):
        return CosemAttributeDescriptorWithSelection(cosem_attribute_descriptor=item)
    return CosemAttributeDescriptorWithSelection(
        cosem_attribute_descriptor=attribute_descriptor(*item))


def _describe(d: CosemAttributeDescriptor | CosemMethodDescriptor) -> str:
    if isinstance(d, CosemAttributeDescriptor):
        return f"{d.instance_id} class {d.class_id} attribute {d.attribute_id}"
    return f"{d.instance_id} class {d.class_id} method {d.method_id}"


class ServiceCalls:
    """The blocking service calls; the session provides :meth:`_exchange`."""

    def _exchange(self, request: ClientRequest, what: str) -> ConfirmEvent:
        raise NotImplementedError

    def _confirm(self, request: ClientRequest, what: str, kind: type[C]) -> C:
        confirm = self._exchange(request, what)
        if isinstance(confirm, ExceptionConfirm):
            e = confirm.exception
            raise ExceptionResponseError(what, e.state_error, e.service_error,
                                         e.invocation_counter)
        if not isinstance(confirm, kind):  # the services machine pairs them
            raise RemoteProtocolError(f"{what}: {type(confirm).__name__} answers it")
        return confirm

    # -- GET ------------------------------------------------------------------------------
    def get(self, logical_name: ObisCode | str, class_id: int, attribute: int,
            selective_access: SelectiveAccessDescriptor | None = None) -> Data:
        """GET one attribute (with optional selective access); the value read.
        :class:`DataAccessError` when the meter refuses (also when a long transfer ends
        with a data-access-result)."""
        descriptor = attribute_descriptor(logical_name, class_id, attribute)
        what = f"GET {_describe(descriptor)}"
        confirm = self._confirm(Get(cosem_attribute_descriptor=descriptor,
                                    access_selection=selective_access), what, GetConfirm)
        if isinstance(confirm.result, DataAccessResult):
            raise DataAccessError(what, confirm.result)
        return confirm.result

    def get_with_list(self, attributes: Sequence[AttributeRef]
                      ) -> tuple[Data | DataAccessResult, ...]:
        """GET several attributes at once (needs multiple-references): one value or
        Data-Access-Result per attribute, in order."""
        items = tuple(_with_selection(a) for a in attributes)
        what = f"GET with list of {len(items)}"
        confirm = self._confirm(GetWithList(attribute_descriptor_list=items), what,
                                GetWithListConfirm)
        if confirm.block_transfer_result is not None:
            raise DataAccessError(f"{what} (long transfer)", confirm.block_transfer_result)
        return confirm.results

    # -- SET ------------------------------------------------------------------------------
    def set(self, logical_name: ObisCode | str, class_id: int, attribute: int, value: Data,
            selective_access: SelectiveAccessDescriptor | None = None) -> None:
        """SET one attribute; :class:`DataAccessError` unless the meter answers success."""
        descriptor = attribute_descriptor(logical_name, class_id, attribute)
        what = f"SET {_describe(descriptor)}"
        confirm = self._confirm(Set(cosem_attribute_descriptor=descriptor, value=value,
                                    access_selection=selective_access), what, SetConfirm)
        if confirm.result != DataAccessResult.SUCCESS:
            raise DataAccessError(what, confirm.result)

    def set_with_list(self, items: Sequence[tuple[AttributeRef, Data]]
                      ) -> tuple[DataAccessResult, ...]:
        """SET several attributes at once: one Data-Access-Result per attribute."""
        descriptors = tuple(_with_selection(ref) for ref, _ in items)
        values = tuple(value for _, value in items)
        confirm = self._confirm(SetWithList(attribute_descriptor_list=descriptors,
                                            value_list=values),
                                f"SET with list of {len(descriptors)}", SetWithListConfirm)
        return confirm.results

    # -- ACTION ---------------------------------------------------------------------------
    def action(self, logical_name: ObisCode | str, class_id: int, method: int,
               parameters: Data | None = None) -> Data | None:
        """Invoke one method; its return parameters (``None`` when it returns none).
        :class:`ActionError` unless the result is success; :class:`DataAccessError` when
        the return parameters are a data-access-result."""
        descriptor = method_descriptor(logical_name, class_id, method)
        what = f"ACTION {_describe(descriptor)}"
        confirm = self._confirm(Action(cosem_method_descriptor=descriptor,
                                       method_invocation_parameters=parameters), what,
                                ActionConfirm)
        response = confirm.response
        if response.result != ActionResult.SUCCESS:
            raise ActionError(what, response.result)
        returned = response.return_parameters
        if isinstance(returned, DataAccessResult):
            raise DataAccessError(f"{what} return parameters", returned)
        return returned

    def action_with_list(self, methods: Sequence[tuple[CosemMethodDescriptor, Data]]
                         ) -> tuple[ActionResponseWithOptionalData, ...]:
        """Invoke several methods at once: one Action-Result (with optional return
        parameters) per method."""
        confirm = self._confirm(ActionWithList(
            cosem_method_descriptor_list=tuple(m for m, _ in methods),
            method_invocation_parameters=tuple(p for _, p in methods)),
            f"ACTION with list of {len(methods)}", ActionWithListConfirm)
        return confirm.responses
