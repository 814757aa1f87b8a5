"""Register (class_id 3), Extended register (4) and Demand register (5), version 0 (Blue
Book 4.3.2, 4.3.3, 4.3.4).

``value`` (and ``status``) are CHOICE attributes: each instance keeps the type it was
built with. ``scaler_unit`` is ``structure { scaler integer, unit enum }``. ``reset``
(``data ::= integer (0)``) sets the values to their default: zero of their type for the
numeric types, the initial value for any other type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from conformance.codec.axdr import (
    Data,
    DataTag,
    DoubleLong,
    DoubleLongUnsigned,
    Float32,
    Float64,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    OctetString,
    Unsigned,
    VisibleString,
    encode_data,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.simulator.cosem.base import (
    ActionOutcome,
    AttributeDef,
    CosemObject,
    Fault,
    MethodDef,
    RequestContext,
    Shape,
    check_integer_zero,
    simple,
)

__all__ = ["SCALER_UNIT", "DemandRegister", "ExtendedRegister", "Register", "mistyped"]

SCALER_UNIT = Shape(tag=DataTag.STRUCTURE,
                    items=(simple(DataTag.INTEGER), simple(DataTag.ENUM)))
"""scal_unit_type ::= structure { scaler integer, unit enum } (Blue Book 4.3.2)."""
_DATE_TIME = simple(DataTag.OCTET_STRING, 12)
_UNSPECIFIED_DATE_TIME = bytes.fromhex("FFFFFFFFFFFFFFFFFF8000FF")
"""A date-time with every field "not specified" (no clock to read)."""

NowOctets = Callable[[], bytes]
"""Returns the 12 octets of the meter's current date-time (from the Clock)."""

_NUMERIC = (Integer, Long, DoubleLong, Long64, Unsigned, LongUnsigned, DoubleLongUnsigned,
            Long64Unsigned)
# The fault's substitute types for each integer type, tried in order: the first one that
# holds the value is used (another integer type of the same value).
_SUBSTITUTES: dict[type[Data], tuple[type[Data], ...]] = {
    Integer: (Long,), Long: (DoubleLong,), DoubleLong: (Long64,),
    Long64: (DoubleLong, Long64Unsigned), Unsigned: (LongUnsigned,),
    LongUnsigned: (DoubleLongUnsigned,), DoubleLongUnsigned: (Long64Unsigned,),
    Long64Unsigned: (DoubleLongUnsigned, Long64),
}
_RANGES: dict[type[Data], tuple[int, int]] = {
    Long: (-(2**15), 2**15 - 1), LongUnsigned: (0, 2**16 - 1),
    DoubleLong: (-(2**31), 2**31 - 1), DoubleLongUnsigned: (0, 2**32 - 1),
    Long64: (-(2**63), 2**63 - 1), Long64Unsigned: (0, 2**64 - 1),
}


def _default(value: Data) -> Data:
    """Zero of ``value``'s type for the numeric types, ``value`` itself otherwise."""
    if isinstance(value, _NUMERIC):
        return type(value)(value=0)
    if isinstance(value, Float32 | Float64):
        return type(value)(value=0.0)
    return value


def mistyped(value: Data) -> Data:
    """``value`` with another A-XDR type (the ``wrong-attribute-type`` fault): an integer
    in another integer type that holds it, a float in the other float type, an
    octet-string as visible-string (hex), anything else (or an integer no other integer
    type holds) as the octet-string of its encoding."""
    number = getattr(value, "value", None)
    for substitute in _SUBSTITUTES.get(type(value), ()):
        lo, hi = _RANGES[substitute]
        if isinstance(number, int) and lo <= number <= hi:
            return substitute(value=number)  # type: ignore[call-arg]
    if isinstance(value, Float32):
        return Float64(value=value.value)
    if isinstance(value, Float64):
        return Float32(value=0.0)
    if isinstance(value, OctetString):
        return VisibleString(value=value.value.hex().upper())
    return OctetString(value=encode_data(value))


class Register(CosemObject):
    """A value with its scaler and unit."""

    CLASS_ID = 3
    VERSION = 0
    ATTRIBUTES = (
        *CosemObject.ATTRIBUTES,
        AttributeDef(index=2, name="value"),
        AttributeDef(index=3, name="scaler_unit", shape=SCALER_UNIT),
    )
    METHODS: ClassVar[tuple[MethodDef, ...]] = (MethodDef(index=1, name="reset"),)
    _VALUE = 2
    """Index of the value the fault mistypes."""

    def __init__(self, logical_name: ObisCode, *, value: Data, scaler_unit: Data,
                 **kw: Any) -> None:
        super().__init__(logical_name, **kw)
        self._store(2, value)
        self._store(3, scaler_unit)

    def read(self, ctx: RequestContext, index: int,
             selection: SelectiveAccessDescriptor | None) -> Data | DataAccessResult:
        result = super().read(ctx, index, selection)
        if (index == self._VALUE and isinstance(result, Data)
                and Fault.WRONG_ATTRIBUTE_TYPE in ctx.faults and self.CLASS_ID == 3):
            return mistyped(result)  # the fault: value returned with another type
        return result

    def _reset(self, indices: tuple[int, ...]) -> None:
        for index in indices:
            self._values[index] = _default(self._values[index])

    def invoke(self, ctx: RequestContext, index: int, parameters: Data | None) -> ActionOutcome:
        if index == 1:  # reset (data ::= integer (0))
            problem = check_integer_zero(parameters)
            if problem is not None:
                return problem, None
            self.reset()
            return ActionResult.SUCCESS, None
        return super().invoke(ctx, index, parameters)

    def reset(self) -> None:
        """Method 1: ``value`` to its default."""
        self._reset((2,))


class ExtendedRegister(Register):
    """A register with a status and the time its value was captured."""

    CLASS_ID = 4
    VERSION = 0
    ATTRIBUTES = (
        *Register.ATTRIBUTES,
        AttributeDef(index=4, name="status"),
        AttributeDef(index=5, name="capture_time", shape=_DATE_TIME),
    )

    def __init__(self, logical_name: ObisCode, *, value: Data, scaler_unit: Data,
                 status: Data, capture_time: bytes = _UNSPECIFIED_DATE_TIME,
                 now: NowOctets | None = None, **kw: Any) -> None:
        super().__init__(logical_name, value=value, scaler_unit=scaler_unit, **kw)
        self._store(4, status)
        self._store(5, OctetString(value=capture_time))
        self._now = now

    def _now_octets(self) -> OctetString:
        return OctetString(value=_UNSPECIFIED_DATE_TIME if self._now is None else self._now())

    def reset(self) -> None:
        """Method 1: ``value`` and ``status`` to their defaults, ``capture_time`` now."""
        self._reset((2, 4))
        self._values[5] = self._now_octets()


class DemandRegister(Register):
    """Demand over a sliding window of ``number_of_periods`` periods of ``period`` s."""

    CLASS_ID = 5
    VERSION = 0
    ATTRIBUTES = (
        *CosemObject.ATTRIBUTES,
        AttributeDef(index=2, name="current_average_value"),
        AttributeDef(index=3, name="last_average_value"),
        AttributeDef(index=4, name="scaler_unit", shape=SCALER_UNIT),
        AttributeDef(index=5, name="status"),
        AttributeDef(index=6, name="capture_time", shape=_DATE_TIME),
        AttributeDef(index=7, name="start_time_current", shape=_DATE_TIME),
        AttributeDef(index=8, name="period", shape=simple(DataTag.DOUBLE_LONG_UNSIGNED)),
        AttributeDef(index=9, name="number_of_periods", shape=simple(DataTag.LONG_UNSIGNED)),
    )
    METHODS = (MethodDef(index=1, name="reset"), MethodDef(index=2, name="next_period"))

    def __init__(self, logical_name: ObisCode, *, current_average_value: Data,
                 last_average_value: Data, scaler_unit: Data, status: Data,
                 capture_time: bytes = _UNSPECIFIED_DATE_TIME,
                 start_time_current: bytes = _UNSPECIFIED_DATE_TIME, period: int = 900,
                 number_of_periods: int = 1, now: NowOctets | None = None,
                 **kw: Any) -> None:
        CosemObject.__init__(self, logical_name, **kw)
        if Shape.of(current_average_value) != Shape.of(last_average_value):
            # next_period copies one into the other: they must share their type.
            raise TypeError("current_average_value and last_average_value must have the "
                            "same type")
        self._store(2, current_average_value)
        self._store(3, last_average_value)
        self._store(4, scaler_unit)
        self._store(5, status)
        self._store(6, OctetString(value=capture_time))
        self._store(7, OctetString(value=start_time_current))
        self._store(8, DoubleLongUnsigned(value=period))
        self._store(9, LongUnsigned(value=number_of_periods))
        self._now = now

    def _now_octets(self) -> OctetString:
        return OctetString(value=_UNSPECIFIED_DATE_TIME if self._now is None else self._now())

    def write(self, ctx: RequestContext, index: int, selection: SelectiveAccessDescriptor | None,
              value: Data) -> DataAccessResult:
        # A period or a number of periods of 0 would make the average undefined.
        if index in (8, 9) and getattr(value, "value", None) == 0:
            return DataAccessResult.OTHER_REASON
        return super().write(ctx, index, selection, value)

    def reset(self) -> None:
        """Method 1: both averages and ``status`` to their defaults, ``capture_time`` and
        ``start_time_current`` now."""
        self._reset((2, 3, 5))
        now = self._now_octets()
        self._values[6] = now
        self._values[7] = now

    def next_period(self) -> None:
        """Method 2: close the current period: ``last_average_value`` takes
        ``current_average_value``, which restarts from its default; ``capture_time`` and
        ``start_time_current`` now."""
        self._values[3] = self._values[2]
        self._reset((2,))
        now = self._now_octets()
        self._values[6] = now
        self._values[7] = now

    def invoke(self, ctx: RequestContext, index: int, parameters: Data | None) -> ActionOutcome:
        if index == 2:  # next_period (data ::= integer (0))
            problem = check_integer_zero(parameters)
            if problem is not None:
                return problem, None
            self.next_period()
            return ActionResult.SUCCESS, None
        return super().invoke(ctx, index, parameters)
