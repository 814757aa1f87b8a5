"""GET request / response APDUs (tags C0 / C4): shared vectors, round trips, strictness."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.apdu_base import Apdu, registered_tags
from conformance.codec.axdr import DoubleLongUnsigned, OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor
from conformance.codec.xdlms.enums import DataAccessResult
from conformance.codec.xdlms.get import (
    DataBlockG,
    GetRequest,
    GetRequestNext,
    GetRequestNormal,
    GetRequestWithList,
    GetResponse,
    GetResponseNormal,
    GetResponseWithDatablock,
    GetResponseWithList,
)
from conformance.errors import CodecError, IncompleteError
from tests.codec.test_descriptors import (
    assert_malformed_prefixes_and_trailer,
    assert_round_trip,
    attribute_descriptors,
    check_attribute,
    check_selection,
    data_access_results,
    decode_whole,
    get_data_results,
    invokes,
    optional_selections,
    plain,
    raw_and_form,
    u32s,
    with_selections,
)
from tests.vectors import by_category, hexbytes

REQUEST_VECTORS = by_category("GET request normal", "GET request next",
                              "GET request with-list")
RESPONSE_VECTORS = by_category("GET response normal", "GET response with-datablock",
                               "GET response with-list")


def test_vector_categories_present() -> None:
    assert len(REQUEST_VECTORS) == 6
    assert len(RESPONSE_VECTORS) == 6
    assert {0xC0, 0xC4} <= registered_tags()


@pytest.mark.parametrize("v", REQUEST_VECTORS, ids=lambda v: v["id"])
def test_request_vectors(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    apdu = decode_whole(data)
    assert exp["apdu"] == "GetRequest" and isinstance(apdu, GetRequest)
    assert apdu.invoke_id_and_priority == int(exp["invoke_id_and_priority"], 16)
    if exp["type"] == "normal":
        assert isinstance(apdu, GetRequestNormal)
        check_attribute(apdu.cosem_attribute_descriptor, exp["descriptor"])
        check_selection(apdu.access_selection, exp["access_selection"])
    elif exp["type"] == "next":
        assert isinstance(apdu, GetRequestNext)
        assert apdu.block_number == exp["block_number"]
    else:
        assert exp["type"] == "with-list" and isinstance(apdu, GetRequestWithList)
        assert len(apdu.attribute_descriptor_list) == len(exp["items"])
        for item, e in zip(apdu.attribute_descriptor_list, exp["items"], strict=True):
            check_attribute(item.cosem_attribute_descriptor, e)
            check_selection(item.access_selection, e["access_selection"])
    assert apdu.to_bytes() == data


@pytest.mark.parametrize("v", RESPONSE_VECTORS, ids=lambda v: v["id"])
def test_response_vectors(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    apdu = decode_whole(data)
    assert exp["apdu"] == "GetResponse" and isinstance(apdu, GetResponse)
    assert apdu.invoke_id_and_priority == int(exp["invoke_id_and_priority"], 16)
    if exp["type"] == "normal":
        assert isinstance(apdu, GetResponseNormal)
        if "data_access_result" in exp:
            assert apdu.result == DataAccessResult(exp["data_access_result"])
        else:
            assert not isinstance(apdu.result, DataAccessResult)
            assert plain(apdu.result) == exp["data"]
    elif exp["type"] == "with-datablock":
        assert isinstance(apdu, GetResponseWithDatablock)
        block = apdu.result
        assert block.last_block is exp["last_block"]
        assert block.block_number == exp["block_number"]
        if "data_access_result" in exp:
            assert block.result == DataAccessResult(exp["data_access_result"])
        else:
            assert isinstance(block.result, bytes)
            assert len(block.result) == exp["raw_data_len"]
    else:
        assert exp["type"] == "with-list" and isinstance(apdu, GetResponseWithList)
        assert not any(isinstance(r, DataAccessResult) for r in apdu.result)
        assert [plain(r) for r in apdu.result] == exp["results"]  # type: ignore[arg-type]
    assert apdu.to_bytes() == data


@pytest.mark.parametrize("v", REQUEST_VECTORS + RESPONSE_VECTORS, ids=lambda v: v["id"])
def test_vector_truncations_and_trailing_bytes(v: dict[str, Any]) -> None:
    assert_malformed_prefixes_and_trailer(hexbytes(v["hex"]))


def test_datablock_raw_data_is_a_slice_of_the_encoding() -> None:
    v = by_category("GET response with-datablock")
    first = next(x for x in v if x["id"] == "get-response-with-datablock-first")
    apdu = decode_whole(hexbytes(first["hex"]))
    assert isinstance(apdu, GetResponseWithDatablock)
    assert isinstance(apdu.result.result, bytes)
    assert apdu.result.result[:4] == bytes.fromhex("018205A0")  # array of 1440 entries


# -- strictness ---------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "tag", "choice"), [
    ("C004C1", 0xC0, 4), ("C000", 0xC0, 0), ("C404C1", 0xC4, 4), ("C4FF", 0xC4, 255)])
def test_unknown_choice(data: str, tag: int, choice: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert f"0x{tag:02X}" in str(info.value) and f"choice {choice}" in str(info.value)
    assert info.value.offset == 1
    assert info.value.path.endswith(".choice")


@pytest.mark.parametrize(("data", "path", "offset"), [
    ("C401C10105", "GetResponseNormal.result.data_access_result", 4),
    ("C401C102", "GetResponseNormal.result", 3),
    ("C402C1010000001302", "GetResponseWithDatablock.result.result", 8),
    ("C402C1010000001301FB", "GetResponseWithDatablock.result.result.data_access_result", 9),
    ("C001C1000100002B0100FF0202", "GetRequestNormal.access_selection", 12),
    ("C003C10200010000800000FF0200", "GetRequestWithList.attribute_descriptor_list[1]"
                                     ".cosem_attribute_descriptor.class_id", 14),
])
def test_malformed_fields_are_located(data: str, path: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert info.value.path == path
    assert info.value.offset == offset


def test_datablock_length_beyond_the_apdu_is_incomplete() -> None:
    with pytest.raises(IncompleteError) as info:
        decode_whole(bytes.fromhex("C402C1" "00" "00000001" "00" "05" "0102"))
    assert info.value.path == "GetResponseWithDatablock.result.result.raw_data"


def test_raw_data_length_override_is_sent_as_given() -> None:
    apdu = GetResponseWithDatablock(
        invoke_id_and_priority=0xC1,
        result=DataBlockG(last_block=True, block_number=2, result=b"\x01\x02",
                          raw_data_length=3))
    assert apdu.to_bytes().hex() == "c402c1" "01" "00000002" "00" "03" "0102"
    forced = GetResponseWithDatablock(
        invoke_id_and_priority=0xC1,
        result=DataBlockG(last_block=True, block_number=2, result=b"\x01\x02",
                          raw_data_length_octets=2))
    assert assert_round_trip(forced).hex() == "c402c1" "01" "00000002" "00" "820002" "0102"


def test_build_normal_request_and_response() -> None:
    request = GetRequestNormal(
        invoke_id_and_priority=0xC1,
        cosem_attribute_descriptor=CosemAttributeDescriptor(
            class_id=1, instance_id=ObisCode.parse("0.0.43.1.0.255"), attribute_id=2))
    assert request.to_bytes() == bytes.fromhex("C001C1000100002B0100FF0200")
    response = GetResponseNormal(invoke_id_and_priority=0xC1,
                                 result=DoubleLongUnsigned(value=5009))
    assert response.to_bytes() == bytes.fromhex("C401C1000600001391")
    listed = GetResponseWithList(invoke_id_and_priority=0xC1, result=(
        OctetString(value=b"\x01"), DataAccessResult.OBJECT_UNDEFINED))
    assert listed.to_bytes().hex() == "c403c102" "0009" "0101" "0104"


# -- round trips ----------------------------------------------------------------------
@st.composite
def datablocks_g(draw: st.DrawFn) -> DataBlockG:
    if draw(st.booleans()):
        return DataBlockG(last_block=draw(st.booleans()), block_number=draw(u32s),
                          result=draw(data_access_results))
    raw, octets = draw(raw_and_form())
    return DataBlockG(last_block=draw(st.booleans()), block_number=draw(u32s), result=raw,
                      raw_data_length_octets=octets)


get_apdus: st.SearchStrategy[Apdu] = st.one_of(
    st.builds(GetRequestNormal, invoke_id_and_priority=invokes,
              cosem_attribute_descriptor=attribute_descriptors,
              access_selection=optional_selections),
    st.builds(GetRequestNext, invoke_id_and_priority=invokes, block_number=u32s),
    st.builds(GetRequestWithList, invoke_id_and_priority=invokes,
              attribute_descriptor_list=st.lists(with_selections, max_size=4).map(tuple)),
    st.builds(GetResponseNormal, invoke_id_and_priority=invokes, result=get_data_results),
    st.builds(GetResponseWithDatablock, invoke_id_and_priority=invokes,
              result=datablocks_g()),
    st.builds(GetResponseWithList, invoke_id_and_priority=invokes,
              result=st.lists(get_data_results, max_size=4).map(tuple)),
)


@given(get_apdus)
def test_round_trip(apdu: Apdu) -> None:
    assert_round_trip(apdu)


@settings(max_examples=30)
@given(get_apdus)
def test_generated_truncations(apdu: Apdu) -> None:
    assert_malformed_prefixes_and_trailer(apdu.to_bytes())
