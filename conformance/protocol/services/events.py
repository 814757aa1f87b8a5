"""Events of the xDLMS services machine, in the h11 style: frozen keyword-only dataclasses
named after the service primitives of IEC 62056-5-3 9.3 (GET, SET, ACTION,
EventNotification, DataNotification).

Events a *client* sends (``ClientServices.send(event) -> list[bytes]``): :class:`Get`,
:class:`GetWithList`, :class:`Set`, :class:`SetWithList`, :class:`Action`,
:class:`ActionWithList` (the .request primitives) and :class:`RequestMissingBlocks`.
A *server* sends :class:`Notify` and :class:`RequestMissingBlocks`.

Events ``receive()`` returns: on a client the .confirm primitives (:class:`GetConfirm`,
:class:`GetWithListConfirm`, :class:`SetConfirm`, :class:`SetWithListConfirm`,
:class:`ActionConfirm`, :class:`ActionWithListConfirm`, :class:`ExceptionConfirm`),
:class:`NotificationIndication` and :class:`LateResponse`; on a server :class:`Served` once
a request was answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import Data
from conformance.codec.xdlms.action import ActionResponseWithOptionalData
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    CosemMethodDescriptor,
    GetDataResult,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import DataAccessResult, Priority, ServiceClass
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.notification import DataNotification, EventNotificationRequest

__all__ = [
    "Action",
    "ActionConfirm",
    "ActionWithList",
    "ActionWithListConfirm",
    "ClientRequest",
    "ConfirmEvent",
    "ExceptionConfirm",
    "Get",
    "GetConfirm",
    "GetWithList",
    "GetWithListConfirm",
    "LateResponse",
    "NotificationIndication",
    "Notify",
    "RequestMissingBlocks",
    "Served",
    "Set",
    "SetConfirm",
    "SetWithList",
    "SetWithListConfirm",
    "Transfer",
]


# -- requests (client) ------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class _Request:
    invoke_id: int | None = None
    """Invoke-id 0..15; ``None`` = the machine's next one (it counts 1, 2, .. 15, 0, ..)."""
    priority: Priority = Priority.NORMAL
    """The priority bit of Invoke-Id-And-Priority (served first with priority-mgmt)."""

    def __post_init__(self) -> None:
        if self.invoke_id is not None and not 0 <= self.invoke_id <= 0x0F:
            raise ValueError(f"invoke_id must be in 0..15, got {self.invoke_id}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Get(_Request):
    """GET.request, normal: read one attribute (IEC 62056-5-3 9.3). Always confirmed."""

    cosem_attribute_descriptor: CosemAttributeDescriptor
    access_selection: SelectiveAccessDescriptor | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetWithList(_Request):
    """GET.request, with-list: read several attributes (needs multiple-references)."""

    attribute_descriptor_list: tuple[CosemAttributeDescriptorWithSelection, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Set(_Request):
    """SET.request, normal: write one attribute (IEC 62056-5-3 9.3)."""

    cosem_attribute_descriptor: CosemAttributeDescriptor
    value: Data
    access_selection: SelectiveAccessDescriptor | None = None
    service_class: ServiceClass = ServiceClass.CONFIRMED
    """UNCONFIRMED: the server does not answer (the request must fit in one APDU)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetWithList(_Request):
    """SET.request, with-list: write several attributes (needs multiple-references)."""

    attribute_descriptor_list: tuple[CosemAttributeDescriptorWithSelection, ...]
    value_list: tuple[Data, ...]
    service_class: ServiceClass = ServiceClass.CONFIRMED


@dataclass(frozen=True, slots=True, kw_only=True)
class Action(_Request):
    """ACTION.request, normal: invoke one method (IEC 62056-5-3 9.3)."""

    cosem_method_descriptor: CosemMethodDescriptor
    method_invocation_parameters: Data | None = None
    """``None`` = no parameters (absent, not null-data)."""
    service_class: ServiceClass = ServiceClass.CONFIRMED


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionWithList(_Request):
    """ACTION.request, with-list: invoke several methods (needs multiple-references)."""

    cosem_method_descriptor_list: tuple[CosemMethodDescriptor, ...]
    method_invocation_parameters: tuple[Data, ...]
    service_class: ServiceClass = ServiceClass.CONFIRMED


ClientRequest = Get | GetWithList | Set | SetWithList | Action | ActionWithList
"""The .request primitives a client sends."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestMissingBlocks:
    """Either role, while receiving general-block-transfer blocks: acknowledge what arrived
    in order so that the peer retransmits the rest (for a session whose timer expired
    waiting for the end of a window: Green Book 9.4.6.13, lost blocks)."""


# -- notifications (server) -------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Notify:
    """Server: send an unsolicited EventNotification.request or DataNotification.request
    (needs event-notification / data-notification)."""

    notification: EventNotificationRequest | DataNotification


# -- confirmations (client) ---------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    """How the APDUs of one exchange travelled."""

    request_blocks: int = 0
    """Service-specific blocks the request went in (0: one APDU)."""
    response_blocks: int = 0
    """Service-specific blocks the response came in (0: one APDU)."""
    general_block_transfer: bool = False
    """True when the exchange used general-block-transfer APDUs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GetConfirm:
    """GET.confirm, normal: the value, or why it could not be read (a data-access-result,
    also the one that ended a long GET)."""

    invoke_id_and_priority: int
    result: GetDataResult
    transfer: Transfer = Transfer()


@dataclass(frozen=True, slots=True, kw_only=True)
class GetWithListConfirm:
    """GET.confirm, with-list: one result per requested attribute, in request order."""

    invoke_id_and_priority: int
    results: tuple[GetDataResult, ...]
    """Empty when the long transfer ended with ``block_transfer_result``."""
    block_transfer_result: DataAccessResult | None = None
    """The data-access-result of a DataBlock-G that ended the long response."""
    transfer: Transfer = Transfer()


@dataclass(frozen=True, slots=True, kw_only=True)
class SetConfirm:
    """SET.confirm, normal (also after datablocks)."""

    invoke_id_and_priority: int
    result: DataAccessResult
    transfer: Transfer = Transfer()


@dataclass(frozen=True, slots=True, kw_only=True)
class SetWithListConfirm:
    """SET.confirm, with-list: one result per attribute."""

    invoke_id_and_priority: int
    results: tuple[DataAccessResult, ...]
    transfer: Transfer = Transfer()


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionConfirm:
    """ACTION.confirm, normal: the result and the optional return parameters."""

    invoke_id_and_priority: int
    response: ActionResponseWithOptionalData
    transfer: Transfer = Transfer()


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionWithListConfirm:
    """ACTION.confirm, with-list: one outcome per method."""

    invoke_id_and_priority: int
    responses: tuple[ActionResponseWithOptionalData, ...]
    transfer: Transfer = Transfer()


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionConfirm:
    """The server answered the pending request with an ExceptionResponse."""

    invoke_id_and_priority: int
    """The pending request's Invoke-Id-And-Priority (the APDU carries none)."""
    exception: ExceptionResponse


ConfirmEvent = (GetConfirm | GetWithListConfirm | SetConfirm | SetWithListConfirm
                | ActionConfirm | ActionWithListConfirm | ExceptionConfirm)
"""The .confirm events a client's ``receive()`` returns."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationIndication:
    """Client: an EventNotification.indication or DataNotification.indication."""

    notification: EventNotificationRequest | DataNotification
    general_block_transfer: bool = False
    """True when it came in general-block-transfer APDUs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LateResponse:
    """Client: a response carrying the Invoke-Id-And-Priority of an *abandoned* request (one
    whose exchange failed, e.g. timed out; see ``ClientServices.restarted``) while no
    request or another one is pending. It is that request's late answer, not a violation of
    the pending exchange (IEC 62056-5-3 9.4.6.2: the invoke-id is what pairs a response
    with its request); the machine's state does not change."""

    apdu: Apdu
    invoke_id_and_priority: int


# -- server -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Served:
    """Server: a request was handled. ``request`` and ``response`` are the whole service
    APDUs, rebuilt without blocks (a SET that came in datablocks is reported as the
    set-request-normal it stands for; a GET answered in datablocks as its
    get-response-normal). ``response`` is ``None`` for an unconfirmed request."""

    request: Apdu
    response: Apdu | None
    transfer: Transfer = Transfer()
