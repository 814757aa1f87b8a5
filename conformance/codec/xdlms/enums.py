"""Code lists and one-field helpers shared by the xDLMS service APDUs.

IEC 62056-5-3 9.5 (xDLMS ASN.1):

- ``Data-Access-Result`` (GET/SET results, DataBlock-G), ``Action-Result`` (ACTION results);
- the ``state-error`` and ``service-error`` codes of the ``ExceptionResponse`` APDU;
- ``Invoke-Id-And-Priority`` (one byte) and ``Long-Invoke-Id-And-Priority`` (four bytes),
  which the APDUs keep as raw integers; :class:`InvokeIdAndPriority` and
  :class:`LongInvokeIdAndPriority` interpret and build them.

The ``pull_*`` helpers read one enumerated byte strictly: a value the standard does not
define is a malformed APDU and raises :class:`~conformance.errors.CodecError` naming the
field, the value and the byte offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from conformance.codec._buffer import Reader
from conformance.errors import CodecError

__all__ = [
    "ActionResult",
    "DataAccessResult",
    "ExceptionServiceError",
    "ExceptionStateError",
    "InvokeIdAndPriority",
    "LongInvokeIdAndPriority",
    "Priority",
    "ProcessingOption",
    "ServiceClass",
    "pull_action_result",
    "pull_data_access_result",
]


class DataAccessResult(IntEnum):
    """``Data-Access-Result`` ENUMERATED (IEC 62056-5-3 9.5, xDLMS ASN.1)."""

    SUCCESS = 0
    HARDWARE_FAULT = 1
    TEMPORARY_FAILURE = 2
    READ_WRITE_DENIED = 3
    OBJECT_UNDEFINED = 4
    OBJECT_CLASS_INCONSISTENT = 9
    OBJECT_UNAVAILABLE = 11
    TYPE_UNMATCHED = 12
    SCOPE_OF_ACCESS_VIOLATED = 13
    DATA_BLOCK_UNAVAILABLE = 14
    LONG_GET_ABORTED = 15
    NO_LONG_GET_IN_PROGRESS = 16
    LONG_SET_ABORTED = 17
    NO_LONG_SET_IN_PROGRESS = 18
    DATA_BLOCK_NUMBER_INVALID = 19
    OTHER_REASON = 250


class ActionResult(IntEnum):
    """``Action-Result`` ENUMERATED (IEC 62056-5-3 9.5, xDLMS ASN.1).

    The same numbering as ``Data-Access-Result`` up to 14; 15 and 16 name the long
    (block-transfer) action; 17 to 19 do not exist for ACTION.
    """

    SUCCESS = 0
    HARDWARE_FAULT = 1
    TEMPORARY_FAILURE = 2
    READ_WRITE_DENIED = 3
    OBJECT_UNDEFINED = 4
    OBJECT_CLASS_INCONSISTENT = 9
    OBJECT_UNAVAILABLE = 11
    TYPE_UNMATCHED = 12
    SCOPE_OF_ACCESS_VIOLATED = 13
    DATA_BLOCK_UNAVAILABLE = 14
    LONG_ACTION_ABORTED = 15
    NO_LONG_ACTION_IN_PROGRESS = 16
    OTHER_REASON = 250


class ExceptionStateError(IntEnum):
    """``ExceptionResponse.state-error`` (IEC 62056-5-3 9.5): ENUMERATED, numbered from 1."""

    SERVICE_NOT_ALLOWED = 1
    SERVICE_UNKNOWN = 2


class ExceptionServiceError(IntEnum):
    """``ExceptionResponse.service-error`` CHOICE alternatives (IEC 62056-5-3 9.5).

    Every alternative is an IMPLICIT NULL except ``invocation-counter-error`` [6], which in
    the newer editions carries the receiver's expected invocation counter (Unsigned32).
    """

    OPERATION_NOT_POSSIBLE = 1
    SERVICE_NOT_SUPPORTED = 2
    OTHER_REASON = 3
    PDU_TOO_LONG = 4
    DECIPHERING_ERROR = 5
    INVOCATION_COUNTER_ERROR = 6


class ServiceClass(IntEnum):
    """``service-class`` bit of (Long-)Invoke-Id-And-Priority."""

    UNCONFIRMED = 0
    CONFIRMED = 1


class Priority(IntEnum):
    """``priority`` bit of (Long-)Invoke-Id-And-Priority."""

    NORMAL = 0
    HIGH = 1


class ProcessingOption(IntEnum):
    """``processing-option`` bit of Long-Invoke-Id-And-Priority."""

    CONTINUE_ON_ERROR = 0
    BREAK_ON_ERROR = 1


# Lookup tables: a dict probe is cheaper than calling the enum and catching ValueError.
_DAR: dict[int, DataAccessResult] = {m.value: m for m in DataAccessResult}
_AR: dict[int, ActionResult] = {m.value: m for m in ActionResult}


def pull_data_access_result(r: Reader, field: str) -> DataAccessResult:
    """Read one ``Data-Access-Result`` byte; an undefined value is a ``CodecError``."""
    start = r.offset
    v = r.pull_u8(field)
    try:
        return _DAR[v]
    except KeyError:
        raise CodecError(f"undefined Data-Access-Result {v}", offset=start,
                         path=r.path(field)) from None


def pull_action_result(r: Reader, field: str) -> ActionResult:
    """Read one ``Action-Result`` byte; an undefined value is a ``CodecError``."""
    start = r.offset
    v = r.pull_u8(field)
    try:
        return _AR[v]
    except KeyError:
        raise CodecError(f"undefined Action-Result {v}", offset=start,
                         path=r.path(field)) from None


def _check_range(name: str, value: int, high: int) -> None:
    if not 0 <= value <= high:
        raise ValueError(f"{name} must be in 0..{high}, got {value}")


@dataclass(frozen=True, slots=True, kw_only=True)
class InvokeIdAndPriority:
    """``Invoke-Id-And-Priority ::= BIT STRING (SIZE(8))`` (IEC 62056-5-3 9.5).

    Bit 0 is the least significant bit of the byte: bits 0-3 invoke-id, bits 4-5 reserved
    (shall be 0), bit 6 service-class, bit 7 priority. Example: ``0xC1`` = invoke-id 1,
    confirmed, high priority.
    """

    invoke_id: int = 0
    """0..15."""
    service_class: ServiceClass = ServiceClass.CONFIRMED
    """Bit 6: 1 = confirmed (the server answers), 0 = unconfirmed."""
    priority: Priority = Priority.NORMAL
    """Bit 7: 1 = high priority (served before normal ones when priority-mgmt is agreed)."""
    reserved: int = 0
    """Bits 4-5 as a two-bit value; the standard wants 0, kept so decoding is lossless."""

    def __post_init__(self) -> None:
        _check_range("invoke_id", self.invoke_id, 0x0F)
        _check_range("reserved", self.reserved, 0x03)

    @classmethod
    def from_int(cls, value: int) -> InvokeIdAndPriority:
        """Interpret the raw one-byte field."""
        _check_range("invoke-id-and-priority", value, 0xFF)
        return cls(invoke_id=value & 0x0F,
                   service_class=ServiceClass((value >> 6) & 1),
                   priority=Priority(value >> 7),
                   reserved=(value >> 4) & 0x03)

    def to_int(self) -> int:
        """The raw one-byte field."""
        return (self.invoke_id | (self.reserved << 4) | (int(self.service_class) << 6)
                | (int(self.priority) << 7))

    def __int__(self) -> int:
        return self.to_int()


@dataclass(frozen=True, slots=True, kw_only=True)
class LongInvokeIdAndPriority:
    """``Long-Invoke-Id-And-Priority ::= BIT STRING (SIZE(32))`` (IEC 62056-5-3 9.5).

    Bit 0 is the least significant bit of the big-endian Unsigned32: bits 0-23 invoke-id,
    bits 24-27 reserved (shall be 0), bit 28 self-descriptive, bit 29 processing-option,
    bit 30 service-class, bit 31 priority.
    """

    invoke_id: int = 0
    """0..16 777 215."""
    self_descriptive: bool = False
    """Bit 28: the notification body carries the types of the values (self-descriptive)."""
    processing_option: ProcessingOption = ProcessingOption.CONTINUE_ON_ERROR
    """Bit 29: 1 = break on error."""
    service_class: ServiceClass = ServiceClass.UNCONFIRMED
    """Bit 30: 1 = confirmed."""
    priority: Priority = Priority.NORMAL
    """Bit 31: 1 = high priority."""
    reserved: int = 0
    """Bits 24-27 as a four-bit value; the standard wants 0, kept so decoding is lossless."""

    def __post_init__(self) -> None:
        _check_range("invoke_id", self.invoke_id, 0xFF_FFFF)
        _check_range("reserved", self.reserved, 0x0F)

    @classmethod
    def from_int(cls, value: int) -> LongInvokeIdAndPriority:
        """Interpret the raw four-byte field."""
        _check_range("long-invoke-id-and-priority", value, 0xFFFF_FFFF)
        return cls(invoke_id=value & 0xFF_FFFF,
                   reserved=(value >> 24) & 0x0F,
                   self_descriptive=bool((value >> 28) & 1),
                   processing_option=ProcessingOption((value >> 29) & 1),
                   service_class=ServiceClass((value >> 30) & 1),
                   priority=Priority(value >> 31))

    def to_int(self) -> int:
        """The raw four-byte field."""
        return (self.invoke_id | (self.reserved << 24) | (int(self.self_descriptive) << 28)
                | (int(self.processing_option) << 29) | (int(self.service_class) << 30)
                | (int(self.priority) << 31))

    def __int__(self) -> int:
        return self.to_int()
