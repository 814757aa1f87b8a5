"""Register (3), Extended register (4), Demand register (5): types, reset, next_period,
and the wrong-attribute-type fault."""

from __future__ import annotations

import pytest

from conformance.codec.axdr import (
    Data,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Float32,
    Float64,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
    encode_data,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.simulator.cosem import (
    DemandRegister,
    ExtendedRegister,
    Fault,
    LogicalDevice,
    Register,
)
from conformance.simulator.cosem.register import mistyped
from tests.simulator.cosem_support import RW, attr, ctx, ln, meth, rights

D = DataAccessResult
A = ActionResult
WH = Structure(items=(Integer(value=0), Enum(value=30)))
NOW = bytes.fromhex("07E80601060C000000000000")
EARLIER = bytes.fromhex("07E8052802120F0000000000")
FAULT = frozenset({Fault.WRONG_ATTRIBUTE_TYPE})


def device() -> LogicalDevice:
    return LogicalDevice([
        Register(ln("1.0.1.8.0.255"), value=DoubleLongUnsigned(value=12345678), scaler_unit=WH,
                 access={"m": rights(3, RW, 1)}),
        ExtendedRegister(ln("1.0.1.6.0.255"), value=DoubleLongUnsigned(value=4321),
                         scaler_unit=WH, status=Unsigned(value=3), capture_time=EARLIER,
                         now=lambda: NOW, access={"m": rights(5, RW, 1)}),
        DemandRegister(ln("1.0.1.4.0.255"), current_average_value=DoubleLongUnsigned(value=1500),
                       last_average_value=DoubleLongUnsigned(value=1450), scaler_unit=WH,
                       status=Unsigned(value=1), capture_time=EARLIER,
                       start_time_current=EARLIER, period=900, number_of_periods=1,
                       now=lambda: NOW, access={"m": rights(9, RW, 2)}),
    ])


def get(dev: LogicalDevice, class_id: int, name: str, index: int,
        faults: frozenset[str] = frozenset()) -> object:
    return dev.get(ctx("m", faults=faults), attr(class_id, name, index))


def test_register_attributes_and_encoding() -> None:
    dev = device()
    assert encode_data(get(dev, 3, "1.0.1.8.0.255", 2)) == bytes.fromhex("0600BC614E")  # type: ignore
    assert encode_data(get(dev, 3, "1.0.1.8.0.255", 3)) == bytes.fromhex("02020F00161E")  # type: ignore


def test_register_reset() -> None:
    dev = device()
    for bad, result in ((None, A.TYPE_UNMATCHED), (Unsigned(value=0), A.TYPE_UNMATCHED),
                        (Integer(value=1), A.OTHER_REASON)):
        assert dev.action(ctx("m"), meth(3, "1.0.1.8.0.255", 1), bad) == (result, None)
        assert get(dev, 3, "1.0.1.8.0.255", 2) == DoubleLongUnsigned(value=12345678)
    assert dev.action(ctx("m"), meth(3, "1.0.1.8.0.255", 1), Integer(value=0)) \
        == (A.SUCCESS, None)
    assert get(dev, 3, "1.0.1.8.0.255", 2) == DoubleLongUnsigned(value=0)
    assert get(dev, 3, "1.0.1.8.0.255", 3) == WH


def test_extended_register() -> None:
    dev = device()
    name = "1.0.1.6.0.255"
    assert [get(dev, 4, name, i) for i in range(2, 6)] == [
        DoubleLongUnsigned(value=4321), WH, Unsigned(value=3), OctetString(value=EARLIER)]
    assert dev.set(ctx("m"), attr(4, name, 5), None, OctetString(value=b"short")) \
        is D.TYPE_UNMATCHED
    assert dev.action(ctx("m"), meth(4, name, 1), Integer(value=0)) == (A.SUCCESS, None)
    assert [get(dev, 4, name, i) for i in range(2, 6)] == [
        DoubleLongUnsigned(value=0), WH, Unsigned(value=0), OctetString(value=NOW)]


def test_demand_register() -> None:
    dev = device()
    name = "1.0.1.4.0.255"
    expected = [DoubleLongUnsigned(value=1500), DoubleLongUnsigned(value=1450), WH,
                Unsigned(value=1), OctetString(value=EARLIER), OctetString(value=EARLIER),
                DoubleLongUnsigned(value=900), LongUnsigned(value=1)]
    assert [get(dev, 5, name, i) for i in range(2, 10)] == expected
    assert dev.action(ctx("m"), meth(5, name, 2), Integer(value=0)) == (A.SUCCESS, None)
    assert [get(dev, 5, name, i) for i in (2, 3, 5, 6, 7)] == [
        DoubleLongUnsigned(value=0), DoubleLongUnsigned(value=1500), Unsigned(value=1),
        OctetString(value=NOW), OctetString(value=NOW)]
    assert dev.action(ctx("m"), meth(5, name, 1), Integer(value=0)) == (A.SUCCESS, None)
    assert [get(dev, 5, name, i) for i in (2, 3, 5)] == [
        DoubleLongUnsigned(value=0), DoubleLongUnsigned(value=0), Unsigned(value=0)]
    assert dev.action(ctx("m"), meth(5, name, 3), Integer(value=0)) \
        == (A.OBJECT_UNDEFINED, None)
    assert dev.set(ctx("m"), attr(5, name, 8), None, DoubleLongUnsigned(value=0)) \
        is D.OTHER_REASON
    assert dev.set(ctx("m"), attr(5, name, 9), None, LongUnsigned(value=0)) is D.OTHER_REASON
    assert dev.set(ctx("m"), attr(5, name, 8), None, DoubleLongUnsigned(value=60)) is D.SUCCESS
    assert dev.set(ctx("m"), attr(5, name, 8), None, LongUnsigned(value=60)) \
        is D.TYPE_UNMATCHED
    with pytest.raises(TypeError, match="same type"):
        DemandRegister(ln(name), current_average_value=Long(value=1),
                       last_average_value=DoubleLong(value=1), scaler_unit=WH,
                       status=Unsigned(value=0))


def test_wrong_attribute_type_fault_changes_only_the_register_value() -> None:
    clean, faulty = device(), device()
    for class_id, name, count in ((3, "1.0.1.8.0.255", 3), (4, "1.0.1.6.0.255", 5),
                                  (5, "1.0.1.4.0.255", 9)):
        for index in range(1, count + 1):
            want = get(clean, class_id, name, index)
            got = get(faulty, class_id, name, index, FAULT)
            if (class_id, index) == (3, 2):
                assert got == Long64Unsigned(value=12345678)
                assert encode_data(got) == bytes.fromhex("150000000000BC614E")  # type: ignore
            else:
                assert got == want, (class_id, index)
    # SET is still checked against the declared type
    assert faulty.set(ctx("m", faults=FAULT), attr(3, "1.0.1.8.0.255", 2), None,
                      Long64Unsigned(value=1)) is D.TYPE_UNMATCHED


@pytest.mark.parametrize("value, expected", [
    (Integer(value=-5), Long(value=-5)), (Long(value=-5), DoubleLong(value=-5)),
    (DoubleLong(value=-5), Long64(value=-5)), (Long64(value=2**40), Long64Unsigned(value=2**40)),
    (Long64(value=-(2**40)), OctetString(value=bytes.fromhex("14FFFFFF0000000000"))),
    (Unsigned(value=5), LongUnsigned(value=5)),
    (LongUnsigned(value=5), DoubleLongUnsigned(value=5)),
    (DoubleLongUnsigned(value=5), Long64Unsigned(value=5)),
    (Long64Unsigned(value=5), DoubleLongUnsigned(value=5)),
    (Long64Unsigned(value=2**40), Long64(value=2**40)),
    (Float32(value=1.5), Float64(value=1.5)), (Float64(value=1.5), Float32(value=0.0)),
    (OctetString(value=b"\x01"), VisibleString(value="01")),
    (Enum(value=3), OctetString(value=bytes.fromhex("1603"))),
])
def test_mistyped_always_changes_the_type(value: Data, expected: Data) -> None:
    got = mistyped(value)
    assert got == expected
    assert got.TAG is not value.TAG
