"""The invocation counter rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.errors import SecurityError
from conformance.security import (
    MAX_INVOCATION_COUNTER,
    InvocationCounterState,
    check_invocation_counter,
    next_invocation_counter,
)

counters = st.integers(0, MAX_INVOCATION_COUNTER)


@given(counters, counters)
def test_greater_is_accepted_anything_else_rejected(last: int, received: int) -> None:
    if received > last:
        check_invocation_counter(received, last_accepted=last, key_name="EK (global unicast)")
    else:
        with pytest.raises(SecurityError, match="not greater than the last accepted") as info:
            check_invocation_counter(received, last_accepted=last,
                                     key_name="EK (global unicast)")
        assert "EK (global unicast)" in str(info.value)
        assert f"0x{received:08X}" in str(info.value)


def test_first_counter_is_accepted_and_state_advances() -> None:
    state = InvocationCounterState(key_name="AK")
    state = state.accept(0)
    assert state.last_accepted == 0
    with pytest.raises(SecurityError, match="replay rejected"):
        state.accept(0)
    state = state.accept(7)
    with pytest.raises(SecurityError):
        state.check(5)
    assert state == InvocationCounterState(key_name="AK", last_accepted=7)


def test_out_of_range_counter() -> None:
    with pytest.raises(SecurityError, match="does not fit 4 bytes"):
        check_invocation_counter(MAX_INVOCATION_COUNTER + 1, last_accepted=None, key_name="EK")


def test_next_counter_and_exhaustion() -> None:
    assert next_invocation_counter(0, key_name="EK") == 1
    assert next_invocation_counter(MAX_INVOCATION_COUNTER - 1, key_name="EK") == 0xFFFFFFFF
    with pytest.raises(SecurityError, match="exhausted"):
        next_invocation_counter(MAX_INVOCATION_COUNTER, key_name="EK")
