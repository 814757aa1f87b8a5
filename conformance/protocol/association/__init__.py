"""The sans-IO association machine (ACSE + HLS) and the ciphering policy, both roles.

* :class:`ClientAssociation` / :class:`ServerAssociation` -- ``send(event) -> bytes`` and
  ``receive(apdu) -> event`` over the AARQ/AARE, HLS passes 3/4 and RLRQ/RLRE
  (IEC 62056-5-3, Green Book 9.4.2 and 9.2.7.4), driven by the one transition table of
  :mod:`~conformance.protocol.association.table`;
* :class:`Ciphering` -- the per-association ciphering policy the services layer uses after
  the association: ``protect(plain) -> bytes``, ``unprotect(apdu) -> bytes``;
* :class:`AssociationConfig` (client), :class:`OfferedAssociation` per client SAP in
  :class:`ServerConfig` (server), :class:`Deviations` for negative checks,
  :class:`ServerDeviations` for the reference meter's faults;
* :class:`InvocationCounterStore` (persisted counters) and :class:`MemoryCounterStore`.
"""

from conformance.protocol.association.acceptance import MIN_PDU_SIZE, SERVICE_BITS
from conformance.protocol.association.ciphering import Ciphering
from conformance.protocol.association.client import ClientAssociation
from conformance.protocol.association.config import (
    LN_CONFORMANCE,
    SN_CONFORMANCE,
    AssociationConfig,
    OfferedAssociation,
    ServerConfig,
    default_conformance,
)
from conformance.protocol.association.counters import (
    KEY_DIGEST_LENGTH,
    CounterKey,
    InvocationCounterStore,
    MemoryCounterStore,
    key_digest,
)
from conformance.protocol.association.events import (
    Abort,
    AssociateConfirm,
    AssociateIndication,
    AssociateRequest,
    AssociateResponse,
    Event,
    NegotiatedParameters,
    ReceivedEvent,
    ReleaseConfirm,
    ReleaseIndication,
    ReleaseRequest,
    ReleaseResponse,
    ReplyToHlsConfirm,
    ReplyToHlsIndication,
    ReplyToHlsRequest,
    ReplyToHlsResponse,
    SentEvent,
)
from conformance.protocol.association.machine import Association
from conformance.protocol.association.policy import (
    CipheringMode,
    Deviations,
    SecurityPolicy,
    ServerDeviations,
)
from conformance.protocol.association.protection_info import (
    ProtectionInfo,
    check_response_protection,
    protection_of,
)
from conformance.protocol.association.server import ServerAssociation
from conformance.protocol.association.table import (
    SENDER,
    TRANSITIONS,
    AssociationState,
    Primitive,
    Role,
    next_state,
)

__all__ = [
    "KEY_DIGEST_LENGTH",
    "LN_CONFORMANCE",
    "MIN_PDU_SIZE",
    "SENDER",
    "SERVICE_BITS",
    "SN_CONFORMANCE",
    "TRANSITIONS",
    "Abort",
    "AssociateConfirm",
    "AssociateIndication",
    "AssociateRequest",
    "AssociateResponse",
    "Association",
    "AssociationConfig",
    "AssociationState",
    "Ciphering",
    "CipheringMode",
    "ClientAssociation",
    "CounterKey",
    "Deviations",
    "Event",
    "InvocationCounterStore",
    "MemoryCounterStore",
    "NegotiatedParameters",
    "OfferedAssociation",
    "Primitive",
    "ProtectionInfo",
    "ReceivedEvent",
    "ReleaseConfirm",
    "ReleaseIndication",
    "ReleaseRequest",
    "ReleaseResponse",
    "ReplyToHlsConfirm",
    "ReplyToHlsIndication",
    "ReplyToHlsRequest",
    "ReplyToHlsResponse",
    "Role",
    "SecurityPolicy",
    "SentEvent",
    "ServerAssociation",
    "ServerConfig",
    "ServerDeviations",
    "check_response_protection",
    "default_conformance",
    "key_digest",
    "next_state",
    "protection_of",
]
