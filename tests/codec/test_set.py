"""SET request / response APDUs (tags C1 / C5): shared vectors, round trips, strictness."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.apdu_base import Apdu, registered_tags
from conformance.codec.axdr import OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    DataBlockSA,
)
from conformance.codec.xdlms.enums import DataAccessResult
from conformance.codec.xdlms.set import (
    SetRequest,
    SetRequestNormal,
    SetRequestWithDatablock,
    SetRequestWithFirstDatablock,
    SetRequestWithList,
    SetRequestWithListAndFirstDatablock,
    SetResponse,
    SetResponseDatablock,
    SetResponseLastDatablock,
    SetResponseLastDatablockWithList,
    SetResponseNormal,
    SetResponseWithList,
)
from conformance.errors import CodecError
from tests.codec.test_descriptors import (
    assert_malformed_prefixes_and_trailer,
    assert_round_trip,
    attribute_descriptors,
    check_attribute,
    check_selection,
    data_access_results,
    datablocks_sa,
    decode_whole,
    invokes,
    optional_selections,
    plain,
    small_data,
    u32s,
    with_selections,
)
from tests.vectors import by_category, hexbytes

REQUEST_VECTORS = by_category("SET request normal", "SET request with-list")
RESPONSE_VECTORS = by_category("SET response normal", "SET response with-list")
CLOCK_TIME = CosemAttributeDescriptor(class_id=8, instance_id=ObisCode.parse("0.0.1.0.0.255"),
                                      attribute_id=2)


def test_vector_categories_present() -> None:
    assert len(REQUEST_VECTORS) == 2
    assert len(RESPONSE_VECTORS) == 2
    assert {0xC1, 0xC5} <= registered_tags()


@pytest.mark.parametrize("v", REQUEST_VECTORS, ids=lambda v: v["id"])
def test_request_vectors(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    apdu = decode_whole(data)
    assert exp["apdu"] == "SetRequest" and isinstance(apdu, SetRequest)
    assert apdu.invoke_id_and_priority == int(exp["invoke_id_and_priority"], 16)
    if exp["type"] == "normal":
        assert isinstance(apdu, SetRequestNormal)
        check_attribute(apdu.cosem_attribute_descriptor, exp["descriptor"])
        check_selection(apdu.access_selection, exp["access_selection"])
        assert plain(apdu.value) == exp["value"]
    else:
        assert exp["type"] == "with-list" and isinstance(apdu, SetRequestWithList)
        for item, e in zip(apdu.attribute_descriptor_list, exp["items"], strict=True):
            check_attribute(item.cosem_attribute_descriptor, e)
            check_selection(item.access_selection, e["access_selection"])
        assert [plain(x) for x in apdu.value_list] == exp["values"]
    assert apdu.to_bytes() == data


@pytest.mark.parametrize("v", RESPONSE_VECTORS, ids=lambda v: v["id"])
def test_response_vectors(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    apdu = decode_whole(data)
    assert exp["apdu"] == "SetResponse" and isinstance(apdu, SetResponse)
    assert apdu.invoke_id_and_priority == int(exp["invoke_id_and_priority"], 16)
    if exp["type"] == "normal":
        assert isinstance(apdu, SetResponseNormal)
        assert apdu.result == DataAccessResult(exp["result"])
    else:
        assert exp["type"] == "with-list" and isinstance(apdu, SetResponseWithList)
        assert apdu.result == tuple(DataAccessResult(x) for x in exp["results"])
    assert apdu.to_bytes() == data


@pytest.mark.parametrize("v", REQUEST_VECTORS + RESPONSE_VECTORS, ids=lambda v: v["id"])
def test_vector_truncations_and_trailing_bytes(v: dict[str, Any]) -> None:
    assert_malformed_prefixes_and_trailer(hexbytes(v["hex"]))


# -- block transfer and list variants, byte for byte ----------------------------------
def test_block_transfer_bytes() -> None:
    first = SetRequestWithFirstDatablock(
        invoke_id_and_priority=0xC1, cosem_attribute_descriptor=CLOCK_TIME,
        datablock=DataBlockSA(last_block=False, block_number=1, raw_data=b"\x09\x0C\x07"))
    assert first.to_bytes().hex() == ("c102c1" "00080000010000ff02" "00"
                                      "00" "00000001" "03" "090c07")
    following = SetRequestWithDatablock(
        invoke_id_and_priority=0xC1,
        datablock=DataBlockSA(last_block=True, block_number=2, raw_data=b"\xE5"))
    assert following.to_bytes().hex() == "c103c1" "01" "00000002" "01" "e5"
    ack = SetResponseDatablock(invoke_id_and_priority=0xC1, block_number=1)
    assert ack.to_bytes().hex() == "c502c1" "00000001"
    last = SetResponseLastDatablock(invoke_id_and_priority=0xC1,
                                    result=DataAccessResult.SUCCESS, block_number=2)
    assert last.to_bytes().hex() == "c503c1" "00" "00000002"
    last_list = SetResponseLastDatablockWithList(
        invoke_id_and_priority=0xC1,
        result=(DataAccessResult.SUCCESS, DataAccessResult.TYPE_UNMATCHED), block_number=3)
    assert last_list.to_bytes().hex() == "c504c1" "02" "000c" "00000003"
    for apdu in (first, following, ack, last, last_list):
        assert decode_whole(apdu.to_bytes()) == apdu


def test_list_and_first_datablock_bytes() -> None:
    apdu = SetRequestWithListAndFirstDatablock(
        invoke_id_and_priority=0x81,
        attribute_descriptor_list=(CosemAttributeDescriptorWithSelection(
            cosem_attribute_descriptor=CLOCK_TIME),),
        datablock=DataBlockSA(last_block=False, block_number=1, raw_data=b"\x01"))
    assert apdu.to_bytes().hex() == ("c105" "81" "01" "00080000010000ff02" "00"
                                     "00" "00000001" "01" "01")
    assert decode_whole(apdu.to_bytes()) == apdu


def test_mismatched_list_lengths_are_well_formed() -> None:
    apdu = SetRequestWithList(
        invoke_id_and_priority=0xC1,
        attribute_descriptor_list=(CosemAttributeDescriptorWithSelection(
            cosem_attribute_descriptor=CLOCK_TIME),) * 2,
        value_list=(OctetString(value=b""),))
    assert_round_trip(apdu)


# -- strictness ---------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "tag", "choice"), [
    ("C106C1", 0xC1, 6), ("C100", 0xC1, 0), ("C506C1", 0xC5, 6)])
def test_unknown_choice(data: str, tag: int, choice: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert f"0x{tag:02X}" in str(info.value) and f"choice {choice}" in str(info.value)
    assert info.value.offset == 1


@pytest.mark.parametrize(("data", "path", "offset"), [
    ("C501C105", "SetResponseNormal.result", 3),
    ("C505810300FA05", "SetResponseWithList.result[2]", 6),
    ("C101C100080000010000FF020008", "SetRequestNormal.value.tag", 13),
    ("C103C1000000000101", "SetRequestWithDatablock.datablock.raw_data", 9),
])
def test_malformed_fields_are_located(data: str, path: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert info.value.path == path
    assert info.value.offset == offset


# -- round trips ----------------------------------------------------------------------
descriptor_lists = st.lists(with_selections, max_size=3).map(tuple)
result_lists = st.lists(data_access_results, max_size=4).map(tuple)

set_apdus: st.SearchStrategy[Apdu] = st.one_of(
    st.builds(SetRequestNormal, invoke_id_and_priority=invokes,
              cosem_attribute_descriptor=attribute_descriptors,
              access_selection=optional_selections, value=small_data()),
    st.builds(SetRequestWithFirstDatablock, invoke_id_and_priority=invokes,
              cosem_attribute_descriptor=attribute_descriptors,
              access_selection=optional_selections, datablock=datablocks_sa()),
    st.builds(SetRequestWithDatablock, invoke_id_and_priority=invokes,
              datablock=datablocks_sa()),
    st.builds(SetRequestWithList, invoke_id_and_priority=invokes,
              attribute_descriptor_list=descriptor_lists,
              value_list=st.lists(small_data(), max_size=3).map(tuple)),
    st.builds(SetRequestWithListAndFirstDatablock, invoke_id_and_priority=invokes,
              attribute_descriptor_list=descriptor_lists, datablock=datablocks_sa()),
    st.builds(SetResponseNormal, invoke_id_and_priority=invokes, result=data_access_results),
    st.builds(SetResponseDatablock, invoke_id_and_priority=invokes, block_number=u32s),
    st.builds(SetResponseLastDatablock, invoke_id_and_priority=invokes,
              result=data_access_results, block_number=u32s),
    st.builds(SetResponseLastDatablockWithList, invoke_id_and_priority=invokes,
              result=result_lists, block_number=u32s),
    st.builds(SetResponseWithList, invoke_id_and_priority=invokes, result=result_lists),
)


@given(set_apdus)
def test_round_trip(apdu: Apdu) -> None:
    assert_round_trip(apdu)


@settings(max_examples=30)
@given(set_apdus)
def test_generated_truncations(apdu: Apdu) -> None:
    assert_malformed_prefixes_and_trailer(apdu.to_bytes())
