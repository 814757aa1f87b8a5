"""The blocking client: a :class:`Session` that connects to a meter, associates, reads,
writes and invokes methods through the sans-IO protocol machines, and records every octet
in a :class:`TraceRecorder`.

::

    from conformance.client import Session, SessionConfig
    config = SessionConfig(transport="hdlc+tcp://127.0.0.1:4059")
    with Session(config) as session:
        session.associate()
        value = session.get("0.0.1.0.0.255", 8, 2)
        session.release()

* :mod:`.config` -- :class:`SessionConfig` and its parts (frozen, checked);
* :mod:`.from_plan` -- a configuration from a test plan;
* :mod:`.session` -- :class:`Session`;
* :mod:`.deviations` -- :class:`Deviations` for the negative checks;
* :mod:`.trace` -- :class:`TraceRecorder` (JSON lines, secrets masked);
* :mod:`.errors` -- the meter's refusals (:class:`AssociationRejected`, ...).
"""

from conformance.client._calls import AttributeRef, attribute_descriptor, method_descriptor
from conformance.client.config import (
    PUBLIC_CLIENT_SAP,
    CounterRead,
    Framing,
    HdlcSettings,
    ModeESignOn,
    SessionConfig,
    Timeouts,
)
from conformance.client.deviations import Deviations, hdlc_frame_filter
from conformance.client.errors import (
    ActionError,
    AssociationRejected,
    DataAccessError,
    ExceptionResponseError,
)
from conformance.client.from_plan import association_config, session_config, transport_url
from conformance.client.session import Session
from conformance.client.trace import Direction, EntryKind, TraceEntry, TraceRecorder

__all__ = [
    "PUBLIC_CLIENT_SAP",
    "ActionError",
    "AssociationRejected",
    "AttributeRef",
    "CounterRead",
    "DataAccessError",
    "Deviations",
    "Direction",
    "EntryKind",
    "ExceptionResponseError",
    "Framing",
    "HdlcSettings",
    "ModeESignOn",
    "Session",
    "SessionConfig",
    "Timeouts",
    "TraceEntry",
    "TraceRecorder",
    "association_config",
    "attribute_descriptor",
    "hdlc_frame_filter",
    "method_descriptor",
    "session_config",
    "transport_url",
]
