"""xDLMS ConfirmedServiceError (tag 0x0E; IEC 62056-5-3 9.5 xDLMS ASN.1, Green Book 9.5).

::

    ConfirmedServiceError ::= CHOICE {
      -- tag 0 is reserved
      initiateError [1] ServiceError, getStatus [2] ServiceError, ...,
      terminateUpLoad [19] ServiceError }

    ServiceError ::= CHOICE {
      application-reference [0] IMPLICIT ENUMERATED {...}, hardware-resource [1] ...,
      vde-state-error [2], service [3], definition [4], access [5], initiate [6],
      load-data-set [7], -- change-scope [8] reserved --, task [9],
      -- other [10] -- }

A-XDR encodes each CHOICE as the tag octet of the chosen alternative and the ENUMERATED as
one octet, so ``0E 01 06 01`` is initiateError / initiate / dlms-version-too-low: the AARE
user-information of a rejected association (Green Book 9.4.4.2).

The ENUMERATED values of every ServiceError alternative are checked: an undefined value is
a malformed APDU (``CodecError``). change-scope [8] and other [10] appear only as comments
in the standard, with no value list; they are decoded with the value kept as a plain int.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.errors import CodecError

__all__ = [
    "AccessError",
    "ApplicationReferenceError",
    "ConfirmedService",
    "ConfirmedServiceError",
    "DefinitionError",
    "HardwareResourceError",
    "InitiateError",
    "LoadDataSetError",
    "ServiceErrorType",
    "ServiceHandlingError",
    "TaskError",
    "VdeStateError",
    "decode_confirmed_service_error",
    "value_enum",
]


class ConfirmedService(IntEnum):
    """The ConfirmedServiceError CHOICE: which confirmed service failed."""

    INITIATE_ERROR = 1
    GET_STATUS = 2
    GET_NAME_LIST = 3
    GET_VARIABLE_ATTRIBUTE = 4
    READ = 5
    WRITE = 6
    GET_DATA_SET_ATTRIBUTE = 7
    GET_TI_ATTRIBUTE = 8
    CHANGE_SCOPE = 9
    START = 10
    STOP = 11
    RESUME = 12
    MAKE_USABLE = 13
    INITIATE_LOAD = 14
    LOAD_SEGMENT = 15
    TERMINATE_LOAD = 16
    INITIATE_UP_LOAD = 17
    UP_LOAD_SEGMENT = 18
    TERMINATE_UP_LOAD = 19


class ServiceErrorType(IntEnum):
    """The ServiceError CHOICE: the class of the error."""

    APPLICATION_REFERENCE = 0
    HARDWARE_RESOURCE = 1
    VDE_STATE_ERROR = 2
    SERVICE = 3
    DEFINITION = 4
    ACCESS = 5
    INITIATE = 6
    LOAD_DATA_SET = 7
    CHANGE_SCOPE = 8
    TASK = 9
    OTHER = 10


class ApplicationReferenceError(IntEnum):
    """application-reference [0]: DLMS provider only."""

    OTHER = 0
    TIME_ELAPSED = 1
    APPLICATION_UNREACHABLE = 2
    APPLICATION_REFERENCE_INVALID = 3
    APPLICATION_CONTEXT_UNSUPPORTED = 4
    PROVIDER_COMMUNICATION_ERROR = 5
    DECIPHERING_ERROR = 6


class HardwareResourceError(IntEnum):
    """hardware-resource [1]: VDE hardware troubles."""

    OTHER = 0
    MEMORY_UNAVAILABLE = 1
    PROCESSOR_RESOURCE_UNAVAILABLE = 2
    MASS_STORAGE_UNAVAILABLE = 3
    OTHER_RESOURCE_UNAVAILABLE = 4


class VdeStateError(IntEnum):
    """vde-state-error [2]: error source description."""

    OTHER = 0
    NO_DLMS_CONTEXT = 1
    LOADING_DATA_SET = 2
    STATUS_NOCHANGE = 3
    STATUS_INOPERABLE = 4


class ServiceHandlingError(IntEnum):
    """service [3]: service handling troubles."""

    OTHER = 0
    PDU_SIZE = 1
    SERVICE_UNSUPPORTED = 2


class DefinitionError(IntEnum):
    """definition [4]: object bound troubles in a service."""

    OTHER = 0
    OBJECT_UNDEFINED = 1
    OBJECT_CLASS_INCONSISTENT = 2
    OBJECT_ATTRIBUTE_INCONSISTENT = 3


class AccessError(IntEnum):
    """access [5]: object access error (value 2 is "object-access-invalid" in older
    editions)."""

    OTHER = 0
    SCOPE_OF_ACCESS_VIOLATED = 1
    OBJECT_ACCESS_VIOLATED = 2
    HARDWARE_FAULT = 3
    OBJECT_UNAVAILABLE = 4


class InitiateError(IntEnum):
    """initiate [6]: initiate service error."""

    OTHER = 0
    DLMS_VERSION_TOO_LOW = 1
    INCOMPATIBLE_CONFORMANCE = 2
    PDU_SIZE_TOO_SHORT = 3
    REFUSED_BY_THE_VDE_HANDLER = 4


class LoadDataSetError(IntEnum):
    """load-data-set [7]: data set load services error."""

    OTHER = 0
    PRIMITIVE_OUT_OF_SEQUENCE = 1
    NOT_LOADABLE = 2
    DATASET_SIZE_TOO_LARGE = 3
    NOT_AWAITED_SEGMENT = 4
    INTERPRETATION_FAILURE = 5
    STORAGE_FAILURE = 6
    DATA_SET_NOT_READY = 7


class TaskError(IntEnum):
    """task [9]: TI services error."""

    OTHER = 0
    NO_REMOTE_CONTROL = 1
    TI_STOPPED = 2
    TI_RUNNING = 3
    TI_UNUSABLE = 4


_VALUE_ENUMS: dict[ServiceErrorType, type[IntEnum]] = {
    ServiceErrorType.APPLICATION_REFERENCE: ApplicationReferenceError,
    ServiceErrorType.HARDWARE_RESOURCE: HardwareResourceError,
    ServiceErrorType.VDE_STATE_ERROR: VdeStateError,
    ServiceErrorType.SERVICE: ServiceHandlingError,
    ServiceErrorType.DEFINITION: DefinitionError,
    ServiceErrorType.ACCESS: AccessError,
    ServiceErrorType.INITIATE: InitiateError,
    ServiceErrorType.LOAD_DATA_SET: LoadDataSetError,
    ServiceErrorType.TASK: TaskError,
}


def value_enum(error_type: ServiceErrorType) -> type[IntEnum] | None:
    """The ENUMERATED type of a ServiceError alternative (None for change-scope [8] and
    other [10], which the standard lists without values)."""
    return _VALUE_ENUMS.get(error_type)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfirmedServiceError(Apdu):
    """confirmed-service-error (tag 0x0E): ``service`` / ``error_type`` / ``value``.

    ``value`` is the member of the alternative's enum (``InitiateError`` for
    ``ServiceErrorType.INITIATE``...), a plain int for change-scope and other."""

    TAG: ClassVar[int] = 0x0E

    service: ConfirmedService
    error_type: ServiceErrorType
    value: int

    def __post_init__(self) -> None:
        ConfirmedService(self.service)
        ServiceErrorType(self.error_type)
        enum = value_enum(self.error_type)
        if enum is not None:
            enum(self.value)
        elif not 0 <= self.value <= 255:
            raise ValueError(f"ServiceError value {self.value} is outside 0..255")

    def encode(self, w: Writer) -> None:
        """Append ``0E service error_type value``."""
        w.push_u8(self.TAG)
        w.push_u8(self.service)
        w.push_u8(self.error_type)
        w.push_u8(self.value)


def _decode(r: Reader) -> ConfirmedServiceError:
    with r.scope("ConfirmedServiceError"):
        at = r.offset
        raw = r.pull_u8("service")
        try:
            service = ConfirmedService(raw)
        except ValueError:
            raise CodecError(f"ConfirmedServiceError choice [{raw}] is not defined (1..19; "
                             "tag 0 is reserved)", offset=at, path=r.path("service")) from None
        at = r.offset
        raw = r.pull_u8("error_type")
        try:
            error_type = ServiceErrorType(raw)
        except ValueError:
            raise CodecError(f"ServiceError choice [{raw}] is not defined (0..10)",
                             offset=at, path=r.path("error_type")) from None
        at = r.offset
        raw = r.pull_u8("value")
        enum = value_enum(error_type)
        value: int = raw
        if enum is not None:
            try:
                value = enum(raw)
            except ValueError:
                top = max(enum)
                raise CodecError(
                    f"{error_type.name.lower().replace('_', '-')} value {raw} is not defined "
                    f"(0..{int(top)})", offset=at, path=r.path("value")) from None
    return ConfirmedServiceError(service=service, error_type=error_type, value=value)


register(ConfirmedServiceError.TAG)(_decode)


def decode_confirmed_service_error(data: bytes, *, base: int = 0,
                                   path: str = "") -> ConfirmedServiceError:
    """Decode a complete ConfirmedServiceError (tag 0x0E included); trailing bytes are an
    error. ``base`` shifts reported offsets, ``path`` prefixes error paths."""
    r = Reader(data, base=base, path=path or None)
    at = r.offset
    tag = r.pull_u8("ConfirmedServiceError tag")
    if tag != ConfirmedServiceError.TAG:
        raise CodecError(f"expected the ConfirmedServiceError tag 0x0E, found 0x{tag:02X}",
                         offset=at, path=r.path())
    out = _decode(r)
    r.expect_end("ConfirmedServiceError")
    return out
