"""Data (class 1): a value whose type never changes, the logical device name and the
invocation counter objects 0.0.43.1.x.255."""

from __future__ import annotations

import pytest

from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import (
    Array,
    DoubleLongUnsigned,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
    encode_data,
)
from conformance.codec.xdlms.enums import DataAccessResult
from conformance.codec.xdlms.get import GetRequestNormal
from conformance.codec.xdlms.set import SetRequestWithList
from conformance.simulator.cosem import (
    LOGICAL_DEVICE_NAME,
    DataObject,
    InvocationCounter,
    LogicalDevice,
    invocation_counter_name,
    logical_device_name,
)
from tests.simulator.cosem_support import RO, RW, attr, ctx, ln, rights
from tests.vectors import hexbytes, vector

D = DataAccessResult


def test_data_value_keeps_its_type() -> None:
    structure = Structure(items=(LongUnsigned(value=1), VisibleString(value="x")))
    obj = DataObject(ln("0.0.96.1.0.255"), value=structure, access={"m": rights(2, RW)})
    device = LogicalDevice([obj])
    assert device.get(ctx("m"), attr(1, "0.0.96.1.0.255", 2)) == structure
    other = Structure(items=(LongUnsigned(value=2), VisibleString(value="yz")))
    assert device.set(ctx("m"), attr(1, "0.0.96.1.0.255", 2), None, other) is D.SUCCESS
    assert device.get(ctx("m"), attr(1, "0.0.96.1.0.255", 2)) == other
    for wrong in (Structure(items=(Unsigned(value=2), VisibleString(value="yz"))),
                  Structure(items=(LongUnsigned(value=2),)), Array(items=(other,)),
                  OctetString(value=b"")):
        assert device.set(ctx("m"), attr(1, "0.0.96.1.0.255", 2), None, wrong) \
            is D.TYPE_UNMATCHED
    assert device.get(ctx("m"), attr(1, "0.0.96.1.0.255", 2)) == other


def test_set_with_list_vector_values() -> None:
    """The Green Book SET-with-list vector writes two Data objects."""
    request = decode_apdu(hexbytes(vector("set-request-with-list-gb")["hex"]))
    assert isinstance(request, SetRequestWithList)
    device = LogicalDevice([
        DataObject(ln("0.0.128.0.0.255"), value=OctetString(value=b""),
                   access={"m": rights(2, RW)}),
        DataObject(ln("0.0.128.1.0.255"), value=VisibleString(value=""),
                   access={"m": rights(2, RW)})])
    results = [device.set(ctx("m"), item.cosem_attribute_descriptor, item.access_selection,
                          value)
               for item, value in zip(request.attribute_descriptor_list, request.value_list,
                                      strict=True)]
    assert results == [D.SUCCESS, D.SUCCESS]  # SET-response-with-list: 00 00
    assert device.get(ctx("m"), attr(1, "0.0.128.1.0.255", 2)) == VisibleString(value="000")
    # and the other way round: each value into the other's object is type-unmatched
    swapped = [device.set(ctx("m"), item.cosem_attribute_descriptor, None, value)
               for item, value in zip(request.attribute_descriptor_list,
                                      reversed(request.value_list), strict=True)]
    assert swapped == [D.TYPE_UNMATCHED, D.TYPE_UNMATCHED]


def test_logical_device_name() -> None:
    obj = logical_device_name(b"DLC0000000000001", access={"public": rights(2, RO)})
    assert obj.logical_name == LOGICAL_DEVICE_NAME
    device = LogicalDevice([obj])
    got = device.get(ctx(), attr(1, "0.0.42.0.0.255", 2))
    assert encode_data(got) == bytes.fromhex("0910") + b"DLC0000000000001"  # type: ignore
    assert device.set(ctx(), attr(1, "0.0.42.0.0.255", 2), None, OctetString(value=b"XYZ")) \
        is D.READ_WRITE_DENIED
    with pytest.raises(ValueError, match="3 to 16"):
        logical_device_name(b"X" * 17)


def test_invocation_counter_object_reads_the_live_counter() -> None:
    counter = [5009]
    obj = InvocationCounter(invocation_counter_name(0), counter=lambda: counter[0],
                            access={"public": rights(2, RW)})
    device = LogicalDevice([obj])
    request = decode_apdu(hexbytes(vector("get-request-normal-c1")["hex"]))
    assert isinstance(request, GetRequestNormal)
    got = device.get(ctx(), request.cosem_attribute_descriptor, request.access_selection)
    # the value of vector get-response-normal-dlu: 06 00001391
    assert encode_data(got) == bytes.fromhex("0600001391")  # type: ignore[arg-type]
    counter[0] = 5010
    assert device.get(ctx(), attr(1, "0.0.43.1.0.255", 2)) == DoubleLongUnsigned(value=5010)
    # never writable, whatever the rights say
    assert device.set(ctx(), attr(1, "0.0.43.1.0.255", 2), None,
                      DoubleLongUnsigned(value=0)) is D.READ_WRITE_DENIED
    counter[0] = 2**32
    assert device.get(ctx(), attr(1, "0.0.43.1.0.255", 2)) is D.HARDWARE_FAULT
