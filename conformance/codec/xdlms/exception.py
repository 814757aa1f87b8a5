"""ExceptionResponse APDU (IEC 62056-5-3 9.5, xDLMS ASN.1).

::

    ExceptionResponse ::= SEQUENCE {                                      -- tag 0xD8
      state-error [0] IMPLICIT ENUMERATED { service-not-allowed (1), service-unknown (2) },
      service-error [1] CHOICE {
        operation-not-possible [1] IMPLICIT NULL,
        service-not-supported [2] IMPLICIT NULL,
        other-reason [3] IMPLICIT NULL,
        pdu-too-long [4] IMPLICIT NULL,
        deciphering-error [5] IMPLICIT NULL,
        invocation-counter-error [6] IMPLICIT Unsigned32 } }

A server sends it when it cannot even start processing a request (e.g. an APDU it cannot
decipher, or a service not allowed in its state). Older editions define
``invocation-counter-error`` without a value; newer ones carry the counter the server
expects. Both forms decode: ``invocation_counter`` is ``None`` for the plain form
(``D8 ss 06``) and the Unsigned32 for the counter-carrying one (``D8 ss 06 cc cc cc cc``).
The form is told apart by the bytes left in the APDU, so this decoder must see the whole
APDU (as ``decode_apdu`` gives it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.xdlms.enums import ExceptionServiceError, ExceptionStateError
from conformance.errors import CodecError

__all__ = ["ExceptionResponse", "decode_exception_response"]

_STATE: dict[int, ExceptionStateError] = {m.value: m for m in ExceptionStateError}
_SERVICE: dict[int, ExceptionServiceError] = {m.value: m for m in ExceptionServiceError}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionResponse(Apdu):
    """``ExceptionResponse`` (tag 0xD8)."""

    TAG: ClassVar[int] = 0xD8
    state_error: ExceptionStateError
    """Why the request was not served in the server's state."""
    service_error: ExceptionServiceError
    """Which service-level problem occurred."""
    invocation_counter: int | None = None
    """Only with ``INVOCATION_COUNTER_ERROR``: the counter value carried by the newer
    form (Unsigned32); ``None`` = the plain form without a value."""

    def __post_init__(self) -> None:
        if (self.invocation_counter is not None
                and self.service_error is not ExceptionServiceError.INVOCATION_COUNTER_ERROR):
            raise ValueError("invocation_counter only goes with INVOCATION_COUNTER_ERROR")

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        w.push_u8(0xD8)
        w.push_u8(self.state_error)
        w.push_u8(self.service_error)
        if self.invocation_counter is not None:
            w.push_u32(self.invocation_counter)


@register(0xD8)
def decode_exception_response(r: Reader) -> ExceptionResponse:
    """Decode an ExceptionResponse; ``r`` is positioned just after the tag 0xD8 and must
    end where the APDU ends."""
    with r.scope("ExceptionResponse"):
        start = r.offset
        value = r.pull_u8("state_error")
        state = _STATE.get(value)
        if state is None:
            raise CodecError(f"undefined state-error {value} (1 service-not-allowed, "
                             "2 service-unknown)", offset=start, path=r.path("state_error"))
        start = r.offset
        value = r.pull_u8("service_error")
        service = _SERVICE.get(value)
        if service is None:
            raise CodecError(f"undefined service-error choice {value} (1..6)", offset=start,
                             path=r.path("service_error"))
        counter = None
        if service is ExceptionServiceError.INVOCATION_COUNTER_ERROR and not r.at_end():
            counter = r.pull_u32("service_error.invocation_counter_error")
        return ExceptionResponse(state_error=state, service_error=service,
                                 invocation_counter=counter)
