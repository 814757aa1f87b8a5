"""SAP assignment (class 17): the list and connect_logical_device."""

from __future__ import annotations

from conformance.codec.axdr import Array, LongUnsigned, OctetString, Structure, encode_data
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.simulator.cosem import SAP_ASSIGNMENT, LogicalDevice, SapAssignment
from tests.simulator.cosem_support import RW, attr, ctx, meth, rights

A = ActionResult
NAME = "0.0.41.0.0.255"
LDN = b"DLC0000000000001"


def make() -> tuple[SapAssignment, LogicalDevice]:
    sap = SapAssignment(assignments=((1, LDN),), access={"m": rights(2, RW, 1)})
    return sap, LogicalDevice([sap])


def connect(dev: LogicalDevice, sap: int, name: bytes) -> object:
    return dev.action(ctx("m"), meth(17, NAME, 1), Structure(items=(
        LongUnsigned(value=sap), OctetString(value=name))))


def test_list() -> None:
    sap, dev = make()
    assert sap.logical_name == SAP_ASSIGNMENT
    got = dev.get(ctx("m"), attr(17, NAME, 2))
    assert encode_data(got) == bytes.fromhex("0101" "0202" "120001" "0910") + LDN  # type: ignore
    # the list is changed through the method only
    assert dev.set(ctx("m"), attr(17, NAME, 2), None, Array()) \
        is DataAccessResult.READ_WRITE_DENIED


def test_connect_logical_device() -> None:
    sap, dev = make()
    assert connect(dev, 2, b"DLC0000000000002") == (A.SUCCESS, None)
    assert sap.assignments == [(1, LDN), (2, b"DLC0000000000002")]
    assert connect(dev, 3, b"DLC0000000000002") == (A.SUCCESS, None)  # moved to SAP 3
    assert sap.sap_of(b"DLC0000000000002") == 3
    assert connect(dev, 3, b"DLC0000000000003") == (A.OTHER_REASON, None)  # SAP 3 is taken
    assert connect(dev, 0, b"DLC0000000000002") == (A.SUCCESS, None)  # disconnected
    assert sap.assignments == [(1, LDN)]
    assert sap.sap_of(b"DLC0000000000002") is None
    assert connect(dev, 0, b"DLC0000000000002") == (A.OTHER_REASON, None)
    assert connect(dev, 4, b"") == (A.OTHER_REASON, None)
    assert dev.action(ctx("m"), meth(17, NAME, 1), LongUnsigned(value=1)) \
        == (A.TYPE_UNMATCHED, None)
    assert dev.action(ctx("m"), meth(17, NAME, 1), Structure(items=(
        OctetString(value=LDN), LongUnsigned(value=1)))) == (A.TYPE_UNMATCHED, None)
    assert dev.action(ctx("m"), meth(17, NAME, 1), None) == (A.TYPE_UNMATCHED, None)
    assert dev.get(ctx("m"), attr(17, NAME, 2)) == Array(items=(Structure(items=(
        LongUnsigned(value=1), OctetString(value=LDN))),))
