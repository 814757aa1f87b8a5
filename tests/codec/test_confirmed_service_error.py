"""xDLMS ConfirmedServiceError (tag 0x0E)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec._buffer import Reader
from conformance.codec.apdu_base import decoder_for
from conformance.codec.xdlms.confirmed_service_error import (
    AccessError,
    ApplicationReferenceError,
    ConfirmedService,
    ConfirmedServiceError,
    DefinitionError,
    HardwareResourceError,
    InitiateError,
    LoadDataSetError,
    ServiceErrorType,
    ServiceHandlingError,
    TaskError,
    VdeStateError,
    decode_confirmed_service_error,
    value_enum,
)
from conformance.errors import CodecError, IncompleteError
from tests.vectors import vector


@pytest.mark.parametrize("vid,value", [
    ("aare-rejected-dlms-version-too-low-gb", InitiateError.DLMS_VERSION_TOO_LOW),
    ("aare-confirmed-service-error-initiate-other-ek", InitiateError.OTHER),
])
def test_vectors(vid: str, value: InitiateError) -> None:
    exp = vector(vid)["expected"]
    data = bytes.fromhex(exp["user_information"])
    err = decode_confirmed_service_error(data)
    assert err == ConfirmedServiceError(service=ConfirmedService.INITIATE_ERROR,
                                        error_type=ServiceErrorType.INITIATE, value=value)
    decoded = exp["user_information_decoded"]
    assert (err.service, err.error_type, err.value) == (
        decoded["service"], decoded["error_type"], decoded["value"])
    assert isinstance(err.value, InitiateError)
    assert err.to_bytes() == data


@pytest.mark.parametrize("value,encoded", [
    (InitiateError.DLMS_VERSION_TOO_LOW, "0E010601"),
    (InitiateError.INCOMPATIBLE_CONFORMANCE, "0E010602"),
    (InitiateError.PDU_SIZE_TOO_SHORT, "0E010603"),
    (InitiateError.REFUSED_BY_THE_VDE_HANDLER, "0E010604"),
])
def test_initiate_errors_from_the_notes(value: InitiateError, encoded: str) -> None:
    err = ConfirmedServiceError(service=ConfirmedService.INITIATE_ERROR,
                                error_type=ServiceErrorType.INITIATE, value=value)
    assert err.to_bytes().hex().upper() == encoded


def test_value_enums_per_alternative() -> None:
    assert value_enum(ServiceErrorType.APPLICATION_REFERENCE) is ApplicationReferenceError
    assert value_enum(ServiceErrorType.HARDWARE_RESOURCE) is HardwareResourceError
    assert value_enum(ServiceErrorType.VDE_STATE_ERROR) is VdeStateError
    assert value_enum(ServiceErrorType.SERVICE) is ServiceHandlingError
    assert value_enum(ServiceErrorType.DEFINITION) is DefinitionError
    assert value_enum(ServiceErrorType.ACCESS) is AccessError
    assert value_enum(ServiceErrorType.INITIATE) is InitiateError
    assert value_enum(ServiceErrorType.LOAD_DATA_SET) is LoadDataSetError
    assert value_enum(ServiceErrorType.TASK) is TaskError
    assert value_enum(ServiceErrorType.CHANGE_SCOPE) is None
    assert value_enum(ServiceErrorType.OTHER) is None
    assert int(ApplicationReferenceError.DECIPHERING_ERROR) == 6
    assert int(LoadDataSetError.DATA_SET_NOT_READY) == 7
    assert int(ServiceHandlingError.SERVICE_UNSUPPORTED) == 2
    assert len(ConfirmedService) == 19 and min(ConfirmedService) == 1


def test_alternatives_without_value_list_keep_the_int() -> None:
    err = decode_confirmed_service_error(bytes.fromhex("0E05087F"))
    assert err.service is ConfirmedService.READ
    assert err.error_type is ServiceErrorType.CHANGE_SCOPE
    assert err.value == 0x7F and type(err.value) is int
    assert decode_confirmed_service_error(bytes.fromhex("0E060AFF")).value == 255


@pytest.mark.parametrize("data,offset,field,message", [
    ("0E000600", 1, "service", "choice [0] is not defined"),
    ("0E140600", 1, "service", "choice [20] is not defined"),
    ("0E010B00", 2, "error_type", "choice [11] is not defined"),
    ("0E010605", 3, "value", "initiate value 5 is not defined (0..4)"),
    ("0E010708", 3, "value", "load-data-set value 8 is not defined (0..7)"),
    ("0E010008", 3, "value", "application-reference value 8 is not defined (0..6)"),
])
def test_undefined_values_are_reported(data: str, offset: int, field: str,
                                       message: str) -> None:
    with pytest.raises(CodecError) as info:
        decode_confirmed_service_error(bytes.fromhex(data))
    assert info.value.offset == offset
    assert info.value.path == f"ConfirmedServiceError.{field}"
    assert message in info.value.message


def test_truncation_tag_and_trailing_bytes() -> None:
    data = bytes.fromhex("0E010601")
    for n in range(len(data)):
        with pytest.raises(IncompleteError):
            decode_confirmed_service_error(data[:n])
    with pytest.raises(CodecError) as info:
        decode_confirmed_service_error(data + b"\x00")
    assert info.value.offset == 4
    with pytest.raises(CodecError) as info:
        decode_confirmed_service_error(bytes.fromhex("2E010601"))
    assert "expected the ConfirmedServiceError tag 0x0E, found 0x2E" in info.value.message


def test_registered_for_tag_0e() -> None:
    r = Reader(bytes.fromhex("0E010602"), start=1)
    assert decoder_for(0x0E)(r) == ConfirmedServiceError(
        service=ConfirmedService.INITIATE_ERROR, error_type=ServiceErrorType.INITIATE,
        value=InitiateError.INCOMPATIBLE_CONFORMANCE)


@pytest.mark.parametrize("kwargs", [
    {"service": 0, "error_type": 6, "value": 0},
    {"service": 1, "error_type": 11, "value": 0},
    {"service": 1, "error_type": 6, "value": 5},
    {"service": 1, "error_type": 8, "value": 256},
])
def test_construction_is_validated(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ConfirmedServiceError(**kwargs)  # type: ignore[arg-type]


@st.composite
def errors(draw: st.DrawFn) -> ConfirmedServiceError:
    error_type = draw(st.sampled_from(ServiceErrorType))
    enum = value_enum(error_type)
    value: int = draw(st.sampled_from(list(enum)) if enum is not None
                      else st.integers(0, 255))
    return ConfirmedServiceError(service=draw(st.sampled_from(ConfirmedService)),
                                 error_type=error_type, value=value)


@given(errors())
def test_round_trip(err: ConfirmedServiceError) -> None:
    assert decode_confirmed_service_error(err.to_bytes()) == err


@given(st.binary(max_size=6))
def test_arbitrary_bytes_raise_only_codec_errors(data: bytes) -> None:
    with contextlib.suppress(CodecError):
        decode_confirmed_service_error(data)
