"""ACTION request / response APDUs (tags C3 / C7): shared vectors, round trips, strictness."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.apdu_base import Apdu, registered_tags
from conformance.codec.axdr import NullData, OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.action import (
    ActionRequest,
    ActionRequestNextPblock,
    ActionRequestNormal,
    ActionRequestWithFirstPblock,
    ActionRequestWithList,
    ActionRequestWithListAndFirstPblock,
    ActionRequestWithPblock,
    ActionResponse,
    ActionResponseNextPblock,
    ActionResponseNormal,
    ActionResponseWithList,
    ActionResponseWithOptionalData,
    ActionResponseWithPblock,
)
from conformance.codec.xdlms.descriptors import CosemMethodDescriptor, DataBlockSA
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.errors import CodecError
from tests.codec.test_descriptors import (
    assert_malformed_prefixes_and_trailer,
    assert_round_trip,
    datablocks_sa,
    decode_whole,
    get_data_results,
    invokes,
    method_descriptors,
    plain,
    small_data,
    u32s,
)
from tests.vectors import by_category, hexbytes

REQUEST_VECTORS = by_category("ACTION request normal")
RESPONSE_VECTORS = by_category("ACTION response normal")
HLS_METHOD = CosemMethodDescriptor(class_id=15, instance_id=ObisCode.parse("0.0.40.0.0.255"),
                                   method_id=1)


def test_vector_categories_present() -> None:
    assert len(REQUEST_VECTORS) == 2
    assert len(RESPONSE_VECTORS) == 4
    assert {0xC3, 0xC7} <= registered_tags()


@pytest.mark.parametrize("v", REQUEST_VECTORS, ids=lambda v: v["id"])
def test_request_vectors(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    apdu = decode_whole(data)
    assert exp["apdu"] == "ActionRequest" and isinstance(apdu, ActionRequest)
    assert exp["type"] == "normal" and isinstance(apdu, ActionRequestNormal)
    assert apdu.invoke_id_and_priority == int(exp["invoke_id_and_priority"], 16)
    method = apdu.cosem_method_descriptor
    assert method.class_id == exp["descriptor"]["class_id"]
    assert method.instance_id.dotted == exp["descriptor"]["instance"]
    assert method.method_id == exp["descriptor"]["method_id"]
    if "parameters" in exp:
        assert apdu.method_invocation_parameters is not None
        assert plain(apdu.method_invocation_parameters) == exp["parameters"]
    else:
        assert apdu.method_invocation_parameters is None
    assert apdu.to_bytes() == data


@pytest.mark.parametrize("v", RESPONSE_VECTORS, ids=lambda v: v["id"])
def test_response_vectors(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    apdu = decode_whole(data)
    assert exp["apdu"] == "ActionResponse" and isinstance(apdu, ActionResponse)
    assert exp["type"] == "normal" and isinstance(apdu, ActionResponseNormal)
    assert apdu.invoke_id_and_priority == int(exp["invoke_id_and_priority"], 16)
    response = apdu.single_response
    assert response.result == ActionResult(exp["result"])
    if "return_data" in exp:
        assert response.return_parameters is not None
        assert not isinstance(response.return_parameters, DataAccessResult)
        assert plain(response.return_parameters) == exp["return_data"]
    else:
        assert response.return_parameters is None
    assert apdu.to_bytes() == data


@pytest.mark.parametrize("v", REQUEST_VECTORS + RESPONSE_VECTORS, ids=lambda v: v["id"])
def test_vector_truncations_and_trailing_bytes(v: dict[str, Any]) -> None:
    assert_malformed_prefixes_and_trailer(hexbytes(v["hex"]))


# -- the other variants, byte for byte ------------------------------------------------
def test_absent_parameters_differ_from_null_data() -> None:
    absent = ActionRequestNormal(invoke_id_and_priority=0xC1, cosem_method_descriptor=HLS_METHOD)
    null = ActionRequestNormal(invoke_id_and_priority=0xC1, cosem_method_descriptor=HLS_METHOD,
                               method_invocation_parameters=NullData())
    assert absent.to_bytes().hex().endswith("0100")
    assert null.to_bytes().hex().endswith("010100")
    assert decode_whole(null.to_bytes()) == null


def test_block_and_list_variants_bytes() -> None:
    block = DataBlockSA(last_block=False, block_number=1, raw_data=b"\x09\x01")
    cases: list[tuple[Apdu, str]] = [
        (ActionRequestNextPblock(invoke_id_and_priority=0xC1, block_number=1),
         "c302c1" "00000001"),
        (ActionRequestWithList(invoke_id_and_priority=0xC1,
                               cosem_method_descriptor_list=(HLS_METHOD, HLS_METHOD),
                               method_invocation_parameters=(NullData(),)),
         "c303c1" "02" "000f0000280000ff01" "000f0000280000ff01" "01" "00"),
        (ActionRequestWithFirstPblock(invoke_id_and_priority=0xC1,
                                      cosem_method_descriptor=HLS_METHOD, pblock=block),
         "c304c1" "000f0000280000ff01" "00" "00000001" "02" "0901"),
        (ActionRequestWithListAndFirstPblock(invoke_id_and_priority=0xC1,
                                             cosem_method_descriptor_list=(HLS_METHOD,),
                                             pblock=block),
         "c305c1" "01" "000f0000280000ff01" "00" "00000001" "02" "0901"),
        (ActionRequestWithPblock(invoke_id_and_priority=0xC1, pblock=block),
         "c306c1" "00" "00000001" "02" "0901"),
        (ActionResponseWithPblock(invoke_id_and_priority=0xC1, pblock=block),
         "c702c1" "00" "00000001" "02" "0901"),
        (ActionResponseWithList(invoke_id_and_priority=0xC1, list_of_responses=(
            ActionResponseWithOptionalData(result=ActionResult.SUCCESS),
            ActionResponseWithOptionalData(result=ActionResult.SUCCESS,
                                           return_parameters=OctetString(value=b"\xAB")),
            ActionResponseWithOptionalData(result=ActionResult.OTHER_REASON,
                                           return_parameters=DataAccessResult.OTHER_REASON))),
         "c703c1" "03" "0000" "0001" "00" "0901ab" "fa01" "01" "fa"),
        (ActionResponseNextPblock(invoke_id_and_priority=0xC1, block_number=7),
         "c704c1" "00000007"),
    ]
    for apdu, expected in cases:
        assert apdu.to_bytes().hex() == expected
        assert decode_whole(apdu.to_bytes()) == apdu


# -- strictness ---------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "tag", "choice"), [
    ("C307C1", 0xC3, 7), ("C300", 0xC3, 0), ("C705C1", 0xC7, 5)])
def test_unknown_choice(data: str, tag: int, choice: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert f"0x{tag:02X}" in str(info.value) and f"choice {choice}" in str(info.value)
    assert info.value.offset == 1


@pytest.mark.parametrize(("data", "path", "offset"), [
    ("C701C11100", "ActionResponseNormal.single_response.result", 3),   # 17 is GET-only
    ("C701C10002", "ActionResponseNormal.single_response.return_parameters", 4),
    ("C701C1000102", "ActionResponseNormal.single_response.return_parameters", 5),
    ("C301C1000F0000280000FF0102", "ActionRequestNormal.method_invocation_parameters", 12),
    ("C703C1020000FF", "ActionResponseWithList.list_of_responses[1].result", 6),
])
def test_malformed_fields_are_located(data: str, path: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert info.value.path == path
    assert info.value.offset == offset


# -- round trips ----------------------------------------------------------------------
responses_with_data = st.builds(ActionResponseWithOptionalData,
                                result=st.sampled_from(ActionResult),
                                return_parameters=st.none() | get_data_results)
method_lists = st.lists(method_descriptors, max_size=3).map(tuple)

action_apdus: st.SearchStrategy[Apdu] = st.one_of(
    st.builds(ActionRequestNormal, invoke_id_and_priority=invokes,
              cosem_method_descriptor=method_descriptors,
              method_invocation_parameters=st.none() | small_data()),
    st.builds(ActionRequestNextPblock, invoke_id_and_priority=invokes, block_number=u32s),
    st.builds(ActionRequestWithList, invoke_id_and_priority=invokes,
              cosem_method_descriptor_list=method_lists,
              method_invocation_parameters=st.lists(small_data(), max_size=3).map(tuple)),
    st.builds(ActionRequestWithFirstPblock, invoke_id_and_priority=invokes,
              cosem_method_descriptor=method_descriptors, pblock=datablocks_sa()),
    st.builds(ActionRequestWithListAndFirstPblock, invoke_id_and_priority=invokes,
              cosem_method_descriptor_list=method_lists, pblock=datablocks_sa()),
    st.builds(ActionRequestWithPblock, invoke_id_and_priority=invokes, pblock=datablocks_sa()),
    st.builds(ActionResponseNormal, invoke_id_and_priority=invokes,
              single_response=responses_with_data),
    st.builds(ActionResponseWithPblock, invoke_id_and_priority=invokes,
              pblock=datablocks_sa()),
    st.builds(ActionResponseWithList, invoke_id_and_priority=invokes,
              list_of_responses=st.lists(responses_with_data, max_size=3).map(tuple)),
    st.builds(ActionResponseNextPblock, invoke_id_and_priority=invokes, block_number=u32s),
)


@given(action_apdus)
def test_round_trip(apdu: Apdu) -> None:
    assert_round_trip(apdu)


@settings(max_examples=30)
@given(action_apdus)
def test_generated_truncations(apdu: Apdu) -> None:
    assert_malformed_prefixes_and_trailer(apdu.to_bytes())
