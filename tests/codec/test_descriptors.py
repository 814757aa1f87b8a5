"""Shared xDLMS structures: descriptors, DataBlock-SA, Get-Data-Result, length forms,
invoke-id helpers, result enums and the Profile generic selective-access helpers.

The first part also holds the helpers and Hypothesis strategies that the other xDLMS APDU
tests (test_get, test_set, test_action, test_notification, test_gbt, test_exception)
import: a top-level decode that rejects trailing bytes, the truncation sweep and the
``expected``-field reader for the shared vectors.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

# Importing the APDU modules registers their decoders for decode_whole().
import conformance.codec.xdlms.action
import conformance.codec.xdlms.exception
import conformance.codec.xdlms.gbt
import conformance.codec.xdlms.get
import conformance.codec.xdlms.notification
import conformance.codec.xdlms.set  # noqa: F401
from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, decoder_for
from conformance.codec.axdr import (
    Array,
    Data,
    DateTime,
    DoubleLongUnsigned,
    Integer,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
    decode_data,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    CosemMethodDescriptor,
    DataBlockSA,
    GetDataResult,
    SelectiveAccessDescriptor,
    pull_counted,
    pull_get_data_result,
    push_counted,
    push_get_data_result,
)
from conformance.codec.xdlms.enums import (
    ActionResult,
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
    InvokeIdAndPriority,
    LongInvokeIdAndPriority,
    Priority,
    ProcessingOption,
    ServiceClass,
)
from conformance.codec.xdlms.selective import (
    CaptureObjectDefinition,
    EntryDescriptor,
    RangeDescriptor,
    profile_generic_selection,
)
from conformance.errors import CodecError, IncompleteError
from tests.strategies import data_values, obis_codes
from tests.vectors import hexbytes, vector


# == helpers shared by the xDLMS APDU tests =============================================
def decode_whole(data: bytes) -> Apdu:
    """Top-level decode: dispatch on the tag through the registry, reject trailing bytes."""
    r = Reader(bytes(data))
    tag = r.pull_u8("tag")
    apdu = decoder_for(tag, offset=0)(r)
    r.expect_end("APDU")
    return apdu


def assert_round_trip(apdu: Apdu) -> bytes:
    """Encode, decode, compare; return the bytes."""
    data = apdu.to_bytes()
    assert decode_whole(data) == apdu
    return data


def assert_malformed_prefixes_and_trailer(data: bytes) -> None:
    """Every strict prefix of ``data`` and ``data`` + one byte fail with a CodecError
    (IncompleteError included) carrying an offset; nothing else may escape."""
    for n in range(len(data)):
        with pytest.raises(CodecError) as info:
            decode_whole(data[:n])
        assert info.value.offset is not None and 0 <= info.value.offset <= n
    with pytest.raises(CodecError) as info:
        decode_whole(data + b"\x00")
    assert info.value.offset is not None


def plain(value: Data) -> Any:
    """A ``Data`` value in the form the vectors' ``expected`` use (octets as upper hex)."""
    if isinstance(value, Array | Structure):
        return [plain(v) for v in value.items]
    if isinstance(value, OctetString):
        return value.value.hex().upper()
    if isinstance(value, NullData):
        return None
    if isinstance(value, DateTime):
        return {"year": value.year, "month": value.month, "day": value.day_of_month,
                "dow": value.day_of_week, "hour": value.hour, "minute": value.minute,
                "second": value.second, "hundredths": value.hundredths,
                "deviation": value.deviation,
                "clock_status": None if value.clock_status is None
                else int(value.clock_status)}
    return value.value  # type: ignore[attr-defined]


def check_attribute(descriptor: CosemAttributeDescriptor, expected: dict[str, Any]) -> None:
    """Compare with a vector's ``descriptor`` / ``items[i]`` entry."""
    assert descriptor.class_id == expected["class_id"]
    assert descriptor.instance_id.dotted == expected["instance"]
    assert descriptor.attribute_id == expected["attribute_id"]


def check_selection(selection: SelectiveAccessDescriptor | None, expected: Any) -> None:
    """Compare with a vector's ``access_selection`` entry (null or selector+parameters)."""
    if expected is None:
        assert selection is None
        return
    assert selection is not None
    assert selection.access_selector == expected["selector"]
    assert plain(selection.access_parameters) == expected["parameters"]


def small_data() -> st.SearchStrategy[Data]:
    """``Data`` values small enough for fast APDU round trips."""
    return data_values(max_leaves=4, max_items=3)


invokes = st.integers(0, 0xFF)
u32s = st.integers(0, 0xFFFF_FFFF)
attribute_descriptors = st.builds(CosemAttributeDescriptor, class_id=st.integers(0, 0xFFFF),
                                  instance_id=obis_codes(), attribute_id=st.integers(-128, 127))
method_descriptors = st.builds(CosemMethodDescriptor, class_id=st.integers(0, 0xFFFF),
                               instance_id=obis_codes(), method_id=st.integers(-128, 127))
selections = st.builds(SelectiveAccessDescriptor, access_selector=st.integers(0, 0xFF),
                       access_parameters=small_data())
optional_selections = st.none() | selections
with_selections = st.builds(CosemAttributeDescriptorWithSelection,
                            cosem_attribute_descriptor=attribute_descriptors,
                            access_selection=optional_selections)
data_access_results = st.sampled_from(DataAccessResult)
get_data_results: st.SearchStrategy[GetDataResult] = st.one_of(small_data(),
                                                              data_access_results)


def _minimal_octets(n: int) -> int:
    return 0 if n < 0x80 else (n.bit_length() + 7) // 8


@st.composite
def raw_and_form(draw: st.DrawFn, max_size: int = 300) -> tuple[bytes, int | None]:
    """Raw bytes and a length form the decoder reports back: ``None`` (minimal) or a
    longer-than-needed long form."""
    raw = draw(st.binary(max_size=max_size))
    octets = draw(st.none() | st.integers(_minimal_octets(len(raw)) + 1, 4))
    return raw, octets


@st.composite
def datablocks_sa(draw: st.DrawFn) -> DataBlockSA:
    """Any DataBlock-SA that round-trips."""
    raw, octets = draw(raw_and_form())
    return DataBlockSA(last_block=draw(st.booleans()), block_number=draw(u32s), raw_data=raw,
                       raw_data_length_octets=octets)


# == descriptors ========================================================================
def _read(cls: Any, data: bytes) -> Any:
    r = Reader(data)
    value = cls.decode(r)
    r.expect_end()
    return value


def _written(value: Any) -> bytes:
    w = Writer()
    value.encode(w)
    return w.getvalue()


def test_attribute_descriptor_bytes() -> None:
    d = CosemAttributeDescriptor(class_id=8, instance_id=ObisCode.parse("0.0.1.0.0.255"),
                                 attribute_id=2)
    assert _written(d).hex() == "00080000010000ff02"
    assert _read(CosemAttributeDescriptor, _written(d)) == d


def test_negative_ids_are_manufacturer_specific_and_kept_signed() -> None:
    data = bytes.fromhex("0001" "0000600100FF" "FF")
    assert _read(CosemAttributeDescriptor, data).attribute_id == -1
    assert _read(CosemMethodDescriptor, data).method_id == -1
    d = CosemMethodDescriptor(class_id=1, instance_id=ObisCode.parse("0.0.96.1.0.255"),
                              method_id=-128)
    assert _written(d)[-1] == 0x80


@given(attribute_descriptors)
def test_attribute_descriptor_round_trip(d: CosemAttributeDescriptor) -> None:
    assert _read(CosemAttributeDescriptor, _written(d)) == d


@given(method_descriptors)
def test_method_descriptor_round_trip(d: CosemMethodDescriptor) -> None:
    assert _read(CosemMethodDescriptor, _written(d)) == d


@given(with_selections)
def test_descriptor_with_selection_round_trip(d: CosemAttributeDescriptorWithSelection) -> None:
    assert _read(CosemAttributeDescriptorWithSelection, _written(d)) == d


def test_truncated_descriptor_names_the_field() -> None:
    with pytest.raises(IncompleteError) as info:
        _read(CosemAttributeDescriptor, bytes.fromhex("00080000010000"))
    assert info.value.path == "instance_id"
    assert info.value.offset == 2


def test_access_selection_presence_flag_is_strict() -> None:
    data = bytes.fromhex("00080000010000FF02" "02")
    with pytest.raises(CodecError) as info:
        _read(CosemAttributeDescriptorWithSelection, data)
    assert info.value.path == "access_selection"
    assert info.value.offset == 9


# == DataBlock-SA and lengths ===========================================================
def test_datablock_sa_bytes_and_length_override() -> None:
    block = DataBlockSA(last_block=True, block_number=2, raw_data=b"\x01\x02\x03")
    assert _written(block).hex() == "01" "00000002" "03" "010203"
    wrong = DataBlockSA(last_block=False, block_number=1, raw_data=b"\x01\x02\x03",
                        raw_data_length=5)
    assert _written(wrong).hex() == "00" "00000001" "05" "010203"
    with pytest.raises(IncompleteError):
        _read(DataBlockSA, _written(wrong))
    forced = DataBlockSA(last_block=False, block_number=1, raw_data=b"\xAA",
                         raw_data_length_octets=2)
    assert _written(forced).hex() == "00" "00000001" "820001" "aa"
    assert _read(DataBlockSA, _written(forced)) == forced


@given(datablocks_sa())
def test_datablock_sa_round_trip(block: DataBlockSA) -> None:
    assert _read(DataBlockSA, _written(block)) == block


@pytest.mark.parametrize(("encoded", "length", "octets"), [
    ("05", 5, None), ("7F", 127, None), ("8180", 128, None), ("820100", 256, None),
    ("8100", 0, 1), ("82000A", 10, 2), ("820080", 128, 2), ("8400000001", 1, 4),
])
def test_length_forms_are_remembered(encoded: str, length: int, octets: int | None) -> None:
    payload = bytes(range(256))[:length]
    r = Reader(bytes.fromhex(encoded) + payload)
    assert pull_counted(r, "raw") == (payload, octets)
    assert r.at_end()
    w = Writer()
    push_counted(w, payload, octets=octets)
    assert w.getvalue() == bytes.fromhex(encoded) + payload


def test_indefinite_length_rejected() -> None:
    with pytest.raises(CodecError) as info:
        pull_counted(Reader(b"\x80\x00"), "raw_data")
    assert info.value.path == "raw_data" and info.value.offset == 0


# == Get-Data-Result ====================================================================
@given(get_data_results)
def test_get_data_result_round_trip(result: GetDataResult) -> None:
    w = Writer()
    push_get_data_result(w, result)
    r = Reader(w.getvalue())
    assert pull_get_data_result(r, "result") == result
    assert r.at_end()


@pytest.mark.parametrize(("data", "path", "offset"), [
    ("02", "result", 0),                            # choice 2 does not exist
    ("0105", "result.data_access_result", 1),       # 5 is not a Data-Access-Result
    ("0008", "result.data.tag", 1),                 # 8 is not a Data tag
])
def test_get_data_result_malformed(data: str, path: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        pull_get_data_result(Reader(bytes.fromhex(data)), "result")
    assert info.value.path == path
    assert info.value.offset == offset


# == enums ==============================================================================
def test_data_access_result_values() -> None:
    assert sorted(int(m) for m in DataAccessResult) == [
        0, 1, 2, 3, 4, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 250]
    assert int(DataAccessResult.DATA_BLOCK_NUMBER_INVALID) == 19


def test_action_result_values() -> None:
    assert sorted(int(m) for m in ActionResult) == [
        0, 1, 2, 3, 4, 9, 11, 12, 13, 14, 15, 16, 250]
    assert int(ActionResult.LONG_ACTION_ABORTED) == 15
    assert int(ActionResult.NO_LONG_ACTION_IN_PROGRESS) == 16


def test_exception_codes_follow_the_standard_numbering() -> None:
    assert [int(m) for m in ExceptionStateError] == [1, 2]
    assert [int(m) for m in ExceptionServiceError] == [1, 2, 3, 4, 5, 6]


# == invoke-id-and-priority =============================================================
def test_invoke_id_and_priority_c1() -> None:
    field = InvokeIdAndPriority.from_int(0xC1)
    assert field == InvokeIdAndPriority(invoke_id=1, service_class=ServiceClass.CONFIRMED,
                                        priority=Priority.HIGH)
    assert field.to_int() == int(field) == 0xC1
    assert InvokeIdAndPriority.from_int(0x81).service_class is ServiceClass.UNCONFIRMED
    assert InvokeIdAndPriority.from_int(0x30).reserved == 3


def test_invoke_id_and_priority_all_bytes() -> None:
    for value in range(256):
        assert InvokeIdAndPriority.from_int(value).to_int() == value


@pytest.mark.parametrize("kwargs", [{"invoke_id": 16}, {"invoke_id": -1}, {"reserved": 4}])
def test_invoke_id_and_priority_range(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        InvokeIdAndPriority(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        InvokeIdAndPriority.from_int(256)


def test_long_invoke_id_and_priority_bits() -> None:
    field = LongInvokeIdAndPriority.from_int(0xF000_0001)
    assert field == LongInvokeIdAndPriority(
        invoke_id=1, self_descriptive=True, processing_option=ProcessingOption.BREAK_ON_ERROR,
        service_class=ServiceClass.CONFIRMED, priority=Priority.HIGH)
    assert LongInvokeIdAndPriority.from_int(0x0029B2DC).invoke_id == 0x29B2DC
    assert LongInvokeIdAndPriority.from_int(0x0F00_0000).reserved == 0x0F
    with pytest.raises(ValueError):
        LongInvokeIdAndPriority(invoke_id=1 << 24)
    with pytest.raises(ValueError):
        LongInvokeIdAndPriority.from_int(1 << 32)


@given(u32s)
def test_long_invoke_id_and_priority_round_trip(value: int) -> None:
    assert LongInvokeIdAndPriority.from_int(value).to_int() == value


# == Profile generic selective access ===================================================
CLOCK = CaptureObjectDefinition(class_id=8, logical_name=ObisCode.parse("0.0.1.0.0.255"),
                                attribute_index=2, data_index=0)


def _vector_selection() -> SelectiveAccessDescriptor:
    apdu = decode_whole(hexbytes(vector("get-request-selective-access-range")["hex"]))
    selection = apdu.access_selection  # type: ignore[attr-defined]
    assert isinstance(selection, SelectiveAccessDescriptor)
    return selection


def test_range_descriptor_interprets_the_vector() -> None:
    selection = _vector_selection()
    rng = profile_generic_selection(selection)
    assert isinstance(rng, RangeDescriptor)
    assert rng.restricting_object == CLOCK
    assert rng.from_value == OctetString(value=bytes.fromhex("07E10A010700000000FFC480"))
    assert rng.to_value == OctetString(value=bytes.fromhex("07E10A010701000000FFC480"))
    assert rng.selected_values == ()
    assert rng.to_selective_access() == selection


def test_range_descriptor_with_columns_round_trip() -> None:
    column = CaptureObjectDefinition(class_id=3, logical_name=ObisCode.parse("1.0.1.8.0.255"),
                                     attribute_index=2)
    rng = RangeDescriptor(restricting_object=CLOCK, from_value=NullData(),
                          to_value=NullData(), selected_values=(CLOCK, column))
    assert RangeDescriptor.from_data(rng.to_data()) == rng


def test_entry_descriptor_bytes_and_round_trip() -> None:
    entry = EntryDescriptor(from_entry=1, to_entry=10, from_selected_value=2,
                            to_selected_value=0)
    sad = entry.to_selective_access()
    assert sad.access_selector == 2
    w = Writer()
    sad.encode(w)
    assert w.getvalue().hex() == ("02" "0204" "0600000001" "060000000a" "120002" "120000")
    assert profile_generic_selection(sad) == entry


@pytest.mark.parametrize(("parameters", "path"), [
    (Unsigned(value=1), "access_selection.access_parameters"),
    (Structure(items=(NullData(),) * 3), "access_selection.access_parameters"),
    (Structure(items=(Structure(items=(LongUnsigned(value=8),)), NullData(), NullData(),
                      Array())), "access_selection.access_parameters.restricting_object"),
    (Structure(items=(Structure(items=(Unsigned(value=8), OctetString(value=bytes(6)),
                                       Integer(value=2), LongUnsigned(value=0))),
                      NullData(), NullData(), Array())),
     "access_selection.access_parameters.restricting_object.class_id"),
    (Structure(items=(CLOCK.to_data(), NullData(), NullData(), NullData())),
     "access_selection.access_parameters.selected_values"),
    (Structure(items=(CLOCK.to_data(), NullData(), NullData(),
                      Array(items=(Structure(items=(
                          LongUnsigned(value=8), OctetString(value=bytes(5)),
                          Integer(value=2), LongUnsigned(value=0))),)))),
     "access_selection.access_parameters.selected_values[0].logical_name"),
])
def test_range_descriptor_wrong_shape(parameters: Data, path: str) -> None:
    with pytest.raises(CodecError) as info:
        profile_generic_selection(SelectiveAccessDescriptor(access_selector=1,
                                                            access_parameters=parameters))
    assert info.value.path == path


def test_entry_descriptor_wrong_type() -> None:
    bad = Structure(items=(DoubleLongUnsigned(value=1), LongUnsigned(value=2),
                           LongUnsigned(value=1), LongUnsigned(value=0)))
    with pytest.raises(CodecError) as info:
        profile_generic_selection(SelectiveAccessDescriptor(access_selector=2,
                                                            access_parameters=bad))
    assert info.value.path == "access_selection.access_parameters.to_entry"


def test_unknown_profile_selector() -> None:
    with pytest.raises(CodecError) as info:
        profile_generic_selection(SelectiveAccessDescriptor(access_selector=3,
                                                            access_parameters=NullData()))
    assert info.value.path == "access_selection.access_selector"


@given(st.builds(EntryDescriptor, from_entry=u32s, to_entry=u32s,
                 from_selected_value=st.integers(0, 0xFFFF),
                 to_selected_value=st.integers(0, 0xFFFF)))
def test_entry_descriptor_property(entry: EntryDescriptor) -> None:
    assert EntryDescriptor.from_data(entry.to_data()) == entry


@given(st.builds(CaptureObjectDefinition, class_id=st.integers(0, 0xFFFF),
                 logical_name=obis_codes(), attribute_index=st.integers(-128, 127),
                 data_index=st.integers(0, 0xFFFF)),
       small_data(), small_data())
def test_range_descriptor_property(column: CaptureObjectDefinition, low: Data,
                                   high: Data) -> None:
    rng = RangeDescriptor(restricting_object=column, from_value=low, to_value=high,
                          selected_values=(column,))
    sad = rng.to_selective_access()
    w = Writer()
    sad.encode(w)
    assert profile_generic_selection(_read(SelectiveAccessDescriptor, w.getvalue())) == rng


def test_plain_helper_reads_visible_strings() -> None:
    assert plain(decode_data(bytes.fromhex("0A03303030"))) == "000"
    assert plain(VisibleString(value="x")) == "x"
