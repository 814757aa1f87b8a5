"""Cross-check of the A-XDR codec against the independent gurux-dlms implementation
(test-only peer): what we encode gurux decodes to the same values, and what gurux encodes
we decode to the same values. Gurux quirks kept out of the comparison: it renders
utf8-strings (and visible-strings with control characters) as hex text, pads encoded
bit-strings to whole octets, and handles only some compact arrays."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.axdr import (
    Array,
    Data,
    DataTag,
    DateTime,
    Structure,
    VisibleString,
    decode_data,
    encode_data,
    to_python,
)
from tests.strategies import simple_values_of

gurux = pytest.importorskip("gurux_dlms")
from gurux_dlms.enums import DataType  # noqa: E402
from gurux_dlms.GXBitString import GXBitString  # noqa: E402
from gurux_dlms.GXByteBuffer import GXByteBuffer  # noqa: E402
from gurux_dlms.GXDLMSSettings import GXDLMSSettings  # noqa: E402
from gurux_dlms.internal._GXCommon import _GXCommon  # noqa: E402
from gurux_dlms.internal._GXDataInfo import _GXDataInfo  # noqa: E402

pytestmark = pytest.mark.gurux

_SETTINGS = GXDLMSSettings(False, None)
_COMPARABLE = [DataTag.NULL_DATA, DataTag.BOOLEAN, DataTag.BIT_STRING, DataTag.DOUBLE_LONG,
               DataTag.DOUBLE_LONG_UNSIGNED, DataTag.OCTET_STRING,
               DataTag.INTEGER, DataTag.LONG, DataTag.UNSIGNED, DataTag.LONG_UNSIGNED,
               DataTag.LONG64, DataTag.LONG64_UNSIGNED, DataTag.ENUM, DataTag.FLOAT32,
               DataTag.FLOAT64]


def _gurux_decode(raw: bytes) -> Any:
    buf = GXByteBuffer(raw)
    info = _GXDataInfo()
    value = _GXCommon.getData(_SETTINGS, buf, info)
    assert info.complete and buf.position == len(raw)
    return value


def _plain(value: Any) -> Any:
    """Gurux's decoded value in our ``to_python`` vocabulary."""
    if isinstance(value, list):  # GXArray / GXStructure are lists
        return [_plain(v) for v in value]
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, GXBitString):
        return str(value)
    if isinstance(value, float):
        return float(value)
    return value


def _comparable_values() -> st.SearchStrategy[Data]:
    # Gurux shows a visible-string holding control characters as hex: compare printable
    # text only.
    printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24)
    leaves = st.sampled_from(_COMPARABLE).flatmap(simple_values_of) | printable.map(
        lambda v: VisibleString(value=v))

    def extend(children: st.SearchStrategy[Data]) -> st.SearchStrategy[Data]:
        items = st.lists(children, max_size=4).map(tuple)
        return items.map(lambda t: Array(items=t)) | items.map(lambda t: Structure(items=t))

    return st.recursive(leaves, extend, max_leaves=10)


@settings(max_examples=150)
@given(_comparable_values())
def test_gurux_decodes_what_we_encode(value: Data) -> None:
    assert _plain(_gurux_decode(encode_data(value))) == to_python(value)


@settings(max_examples=60)
@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31),
                    timezones=st.integers(-12, 12).map(
                        lambda h: dt.timezone(dt.timedelta(hours=h)))))
def test_gurux_reads_our_date_time_and_its_deviation_sign(value: dt.datetime) -> None:
    value = value.replace(microsecond=0)
    ours = DateTime.from_datetime(value)
    theirs = _gurux_decode(encode_data(ours))
    assert theirs.value == value
    assert theirs.value.utcoffset() == value.utcoffset()


_GURUX_TYPES: list[tuple[DataType, st.SearchStrategy[Any]]] = [
    (DataType.BOOLEAN, st.booleans()),
    (DataType.INT8, st.integers(-128, 127)),
    (DataType.INT16, st.integers(-(2**15), 2**15 - 1)),
    (DataType.INT32, st.integers(-(2**31), 2**31 - 1)),
    (DataType.INT64, st.integers(-(2**63), 2**63 - 1)),
    (DataType.UINT8, st.integers(0, 255)),
    (DataType.UINT16, st.integers(0, 2**16 - 1)),
    (DataType.UINT32, st.integers(0, 2**32 - 1)),
    (DataType.UINT64, st.integers(0, 2**64 - 1)),
    (DataType.ENUM, st.integers(0, 255)),
    (DataType.OCTET_STRING, st.binary(max_size=300)),
    (DataType.STRING, st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                              max_size=200)),
    (DataType.FLOAT64, st.floats(allow_nan=False)),
    (DataType.FLOAT32, st.floats(width=32, allow_nan=False)),
]


@pytest.mark.parametrize(("gx_type", "strategy"), _GURUX_TYPES,
                         ids=lambda x: getattr(x, "name", ""))
@settings(max_examples=40)
@given(data=st.data())
def test_we_decode_what_gurux_encodes(gx_type: DataType, strategy: st.SearchStrategy[Any],
                                      data: st.DataObject) -> None:
    plain = data.draw(strategy)
    buf = GXByteBuffer()
    _GXCommon.setData(_SETTINGS, buf, gx_type, plain)
    raw = bytes(buf.array())
    value = decode_data(raw)
    assert int(gx_type) == value.TAG
    assert to_python(value) == plain
    assert encode_data(value) == raw
