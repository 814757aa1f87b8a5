"""The errors a :class:`~conformance.client.session.Session` adds to
:mod:`conformance.errors`: the meter *answered*, and the answer is a refusal.

::

    ServiceError (conformance.errors)       the meter answered with a DLMS error; .code
     +-- AssociationRejected                AARE rejected: .result, .diagnostic
     +-- DataAccessError                    GET / SET refused: .result (Data-Access-Result)
     +-- ActionError                        ACTION refused: .result (Action-Result)
     +-- ExceptionResponseError             exception-response: .state_error, .service_error

The rule of the session: a call that asks for one thing (``get``, ``set``, ``action``)
returns its value and raises one of these when the meter refuses; a call that asks for
several (``get_with_list``...) returns one result per item (a value or the refusal code),
since one refused item does not make the others fail. An exception-response refuses the
whole request and always raises. Nothing here is a verdict: a check decides whether the
refusal conforms.
"""

from __future__ import annotations

from conformance.codec.acse.aare import AARE, AssociateSourceDiagnostic
from conformance.codec.acse.names import AssociationResult
from conformance.codec.xdlms.confirmed_service_error import ConfirmedServiceError
from conformance.codec.xdlms.enums import (
    ActionResult,
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.errors import ServiceError

__all__ = [
    "ActionError",
    "AssociationRejected",
    "DataAccessError",
    "ExceptionResponseError",
]


def _name(value: object) -> str:
    name = getattr(value, "name", None)
    return name.lower().replace("_", "-") if isinstance(name, str) else str(value)


class AssociationRejected(ServiceError):
    """The meter rejected the AARQ (IEC 62056-5-3 / X.227 AARE result and
    result-source-diagnostic, plus the xDLMS ConfirmedServiceError when it sent one)."""

    def __init__(self, message: str, *, aare: AARE, result: AssociationResult,
                 diagnostic: AssociateSourceDiagnostic,
                 confirmed_service_error: ConfirmedServiceError | None) -> None:
        super().__init__(message, code=int(diagnostic))
        self.aare = aare
        """The AARE as received."""
        self.result = result
        """rejected-permanent or rejected-transient."""
        self.diagnostic = diagnostic
        """acse-service-user or acse-service-provider diagnostic."""
        self.confirmed_service_error = confirmed_service_error
        """The xDLMS refusal in the user-information (e.g. dlms-version-too-low)."""


class DataAccessError(ServiceError):
    """The meter answered a GET or SET of one attribute with a Data-Access-Result other
    than success; ``code`` is its number."""

    def __init__(self, what: str, result: DataAccessResult) -> None:
        super().__init__(f"{what}: the meter answered {_name(result)} ({int(result)})",
                         code=int(result))
        self.result = result
        """The Data-Access-Result."""


class ActionError(ServiceError):
    """The meter answered an ACTION with an Action-Result other than success."""

    def __init__(self, what: str, result: ActionResult) -> None:
        super().__init__(f"{what}: the meter answered {_name(result)} ({int(result)})",
                         code=int(result))
        self.result = result
        """The Action-Result."""


class ExceptionResponseError(ServiceError):
    """The meter answered with an exception-response (IEC 62056-5-3 9.5:
    state-error and service-error); ``code`` is the service-error."""

    def __init__(self, what: str, state_error: ExceptionStateError | int,
                 service_error: ExceptionServiceError | int,
                 invocation_counter: int | None = None) -> None:
        extra = ("" if invocation_counter is None
                 else f", lowest acceptable invocation counter {invocation_counter}")
        super().__init__(f"{what}: the meter answered exception-response state-error "
                         f"{_name(state_error)}, service-error {_name(service_error)}{extra}",
                         code=int(service_error))
        self.state_error = state_error
        self.service_error = service_error
        self.invocation_counter = invocation_counter
        """The counter the meter expects, with service-error invocation-counter-error."""
