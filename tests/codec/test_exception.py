"""ExceptionResponse (0xD8): both invocation-counter-error forms, strict codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.codec.apdu_base import registered_tags
from conformance.codec.xdlms.enums import ExceptionServiceError, ExceptionStateError
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.errors import CodecError, IncompleteError
from tests.codec.test_descriptors import (
    assert_malformed_prefixes_and_trailer,
    assert_round_trip,
    decode_whole,
)

ICE = ExceptionServiceError.INVOCATION_COUNTER_ERROR


def test_registered() -> None:
    assert 0xD8 in registered_tags()


@pytest.mark.parametrize(("data", "state", "service"), [
    ("D80101", ExceptionStateError.SERVICE_NOT_ALLOWED,
     ExceptionServiceError.OPERATION_NOT_POSSIBLE),
    ("D80202", ExceptionStateError.SERVICE_UNKNOWN, ExceptionServiceError.SERVICE_NOT_SUPPORTED),
    ("D80103", ExceptionStateError.SERVICE_NOT_ALLOWED, ExceptionServiceError.OTHER_REASON),
    ("D80104", ExceptionStateError.SERVICE_NOT_ALLOWED, ExceptionServiceError.PDU_TOO_LONG),
    ("D80105", ExceptionStateError.SERVICE_NOT_ALLOWED,
     ExceptionServiceError.DECIPHERING_ERROR),
])
def test_plain_codes(data: str, state: ExceptionStateError,
                     service: ExceptionServiceError) -> None:
    apdu = decode_whole(bytes.fromhex(data))
    assert apdu == ExceptionResponse(state_error=state, service_error=service)
    assert apdu.to_bytes() == bytes.fromhex(data)
    assert_malformed_prefixes_and_trailer(bytes.fromhex(data))


def test_invocation_counter_error_both_forms() -> None:
    plain = decode_whole(bytes.fromhex("D80106"))
    assert isinstance(plain, ExceptionResponse)
    assert plain.service_error is ICE and plain.invocation_counter is None
    assert plain.to_bytes().hex() == "d80106"
    counted = decode_whole(bytes.fromhex("D8010600000123"))
    assert isinstance(counted, ExceptionResponse)
    assert counted.service_error is ICE and counted.invocation_counter == 0x123
    assert counted.to_bytes().hex() == "d8010600000123"


@pytest.mark.parametrize("tail", ["00", "0000", "000001"])
def test_partial_counter_is_incomplete(tail: str) -> None:
    with pytest.raises(IncompleteError) as info:
        decode_whole(bytes.fromhex("D80106" + tail))
    assert info.value.path == "ExceptionResponse.service_error.invocation_counter_error"
    assert info.value.offset == 3


@pytest.mark.parametrize(("data", "path", "offset"), [
    ("D80001", "ExceptionResponse.state_error", 1),     # state-error counts from 1
    ("D80301", "ExceptionResponse.state_error", 1),
    ("D80100", "ExceptionResponse.service_error", 2),   # service-error counts from 1
    ("D80107", "ExceptionResponse.service_error", 2),
])
def test_undefined_codes(data: str, path: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert info.value.path == path
    assert info.value.offset == offset


def test_counter_only_with_invocation_counter_error() -> None:
    with pytest.raises(ValueError):
        ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                          service_error=ExceptionServiceError.OTHER_REASON,
                          invocation_counter=1)


@st.composite
def exception_responses(draw: st.DrawFn) -> ExceptionResponse:
    service = draw(st.sampled_from(ExceptionServiceError))
    counter = draw(st.none() | st.integers(0, 0xFFFF_FFFF)) if service is ICE else None
    return ExceptionResponse(state_error=draw(st.sampled_from(ExceptionStateError)),
                             service_error=service, invocation_counter=counter)


@given(exception_responses())
def test_round_trip(apdu: ExceptionResponse) -> None:
    assert_round_trip(apdu)
