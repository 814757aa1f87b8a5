"""The sans-IO xDLMS services machine (IEC 62056-5-3 9.3, 9.4.6), CLIENT and SERVER role.

It runs inside an established application association and works on plain APDUs; the
association's ciphering policy is plugged in as an :class:`ApduProtection`::

    client = ClientServices(config, protection=ciphering)
    for apdu in client.send(Get(cosem_attribute_descriptor=descriptor)):
        transmit(apdu)
    events = client.receive(received_apdu)      # GetConfirm, ... once complete
    for apdu in client.data_to_send():          # get-request-next, GBT acks
        transmit(apdu)

    server = ServerServices(config, handler, protection=ciphering)
    try:
        served = server.receive(received_apdu)
    except RemoteProtocolError as error:        # the client broke the protocol
        transmit(error.response_hint)           # the answer the standard wants
    for apdu in server.data_to_send():
        transmit(apdu)

Modules: :mod:`.config` (negotiated parameters, protection), :mod:`.events`, :mod:`.table`
(the transition tables of both roles), :mod:`.rules` (conformance bits per APDU),
:mod:`.blocks` (service-specific block transfer), :mod:`.gbt` (general block transfer),
:mod:`.client`, :mod:`.server`, :mod:`.deviations` (what a server does wrong on purpose:
the reference meter's faults, ``ServerServices(..., deviations=ServerDeviations(...))``).
"""

from conformance.protocol.services.client import ClientEvent, ClientServices
from conformance.protocol.services.config import (
    IDENTITY,
    ApduProtection,
    BlockTransferMode,
    IdentityProtection,
    Role,
    ServicesConfig,
)
from conformance.protocol.services.deviations import NO_DEVIATIONS, ServerDeviations
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
    LateResponse,
    NotificationIndication,
    Notify,
    RequestMissingBlocks,
    Served,
    Set,
    SetConfirm,
    SetWithList,
    SetWithListConfirm,
    Transfer,
)
from conformance.protocol.services.server import ServerServices
from conformance.protocol.services.server_support import ServiceHandler
from conformance.protocol.services.table import (
    GBT_TRANSITIONS,
    SENDER,
    TRANSITIONS,
    GbtEvent,
    GbtPhase,
    ServicePrimitive,
    ServicesState,
    gbt_state_diagram,
    state_diagram,
)

__all__ = [
    "GBT_TRANSITIONS",
    "IDENTITY",
    "NO_DEVIATIONS",
    "SENDER",
    "TRANSITIONS",
    "Action",
    "ActionConfirm",
    "ActionWithList",
    "ActionWithListConfirm",
    "ApduProtection",
    "BlockTransferMode",
    "ClientEvent",
    "ClientRequest",
    "ClientServices",
    "ConfirmEvent",
    "ExceptionConfirm",
    "GbtEvent",
    "GbtPhase",
    "Get",
    "GetConfirm",
    "GetWithList",
    "GetWithListConfirm",
    "IdentityProtection",
    "LateResponse",
    "NotificationIndication",
    "Notify",
    "RequestMissingBlocks",
    "Role",
    "Served",
    "ServerDeviations",
    "ServerServices",
    "ServiceHandler",
    "ServicePrimitive",
    "ServicesConfig",
    "ServicesState",
    "Set",
    "SetConfirm",
    "SetWithList",
    "SetWithListConfirm",
    "Transfer",
    "gbt_state_diagram",
    "state_diagram",
]
