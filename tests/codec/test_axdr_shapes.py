"""Arrays whose elements share the shape of the first one (a load profile's buffer) are
decoded through that shape: the values, and every error (class, message, offset, path),
are those of the element-by-element reader."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.axdr import (
    Array,
    Data,
    DataTag,
    DoubleLongUnsigned,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Unsigned,
    decode_data,
    encode_data,
)
from conformance.codec.axdr import codec as axdr_codec
from conformance.codec.axdr.shapes import element_shape
from conformance.errors import CodecError
from tests.strategies import data_values, simple_values_of

SHAPED = [DataTag.NULL_DATA, DataTag.DOUBLE_LONG, DataTag.DOUBLE_LONG_UNSIGNED,
          DataTag.OCTET_STRING, DataTag.BCD, DataTag.INTEGER, DataTag.LONG, DataTag.UNSIGNED,
          DataTag.LONG_UNSIGNED, DataTag.LONG64, DataTag.LONG64_UNSIGNED, DataTag.ENUM,
          DataTag.DONT_CARE]
UNSHAPED = [DataTag.BOOLEAN, DataTag.BIT_STRING, DataTag.VISIBLE_STRING,
            DataTag.UTF8_STRING, DataTag.FLOAT32, DataTag.FLOAT64, DataTag.DATE_TIME,
            DataTag.DATE, DataTag.TIME]


def _row(n: int) -> Structure:
    """A row like the reference meter's profile: clock, status, two energies, a power."""
    return Structure(items=(OctetString(value=bytes([7, 232, 1, 1, 5, n % 24, 0, 0, 0, 0, 0,
                                                      0])),
                            Unsigned(value=n % 3), DoubleLongUnsigned(value=n * 1000),
                            DoubleLongUnsigned(value=n * 77), LongUnsigned(value=n % 65536)))


@pytest.fixture
def general(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The element-by-element reader only (no shapes), for reference results."""
    monkeypatch.setattr(axdr_codec, "_SHAPED_ARRAY", 1 << 40)
    yield


def _outcome(raw: bytes) -> Data | tuple[type[CodecError], str, int | None, str]:
    try:
        return decode_data(raw)
    except CodecError as exc:
        return type(exc), exc.message, exc.offset, exc.path


def _both(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    shaped = _outcome(raw)
    with monkeypatch.context() as m:
        m.setattr(axdr_codec, "_SHAPED_ARRAY", 1 << 40)
        plain = _outcome(raw)
    return shaped, plain


def test_a_profile_buffer_decodes_through_its_shape() -> None:
    value = Array(items=tuple(_row(n) for n in range(500)))
    raw = encode_data(value)
    first = encode_data(value.items[0])
    shape = element_shape(raw, 4, 4 + len(first))  # after 01 82 01 F4
    assert shape is not None and shape.size == len(first) == 31
    decoded = decode_data(raw)
    assert decoded == value and encode_data(decoded) == raw
    assert isinstance(decoded, Array) and all(type(item) is Structure for item in decoded.items)


@pytest.mark.parametrize("tag", SHAPED, ids=lambda t: t.type_name)
@settings(max_examples=25)
@given(data=st.data())
def test_every_shaped_type_alone_and_in_rows(tag: DataTag, data: st.DataObject) -> None:
    values = data.draw(st.lists(simple_values_of(tag), min_size=1, max_size=9))
    if tag is DataTag.OCTET_STRING:  # one length for all (a shape holds its length)
        size = len(values[0].value)  # type: ignore[attr-defined]
        values = [OctetString(value=(v.value + bytes(size))[:size])  # type: ignore[attr-defined]
                  for v in values]
    for value in (Array(items=tuple(values)),
                  Array(items=tuple(Structure(items=(v, v, Unsigned(value=i % 256)))
                                    for i, v in enumerate(values)))):
        raw = encode_data(value)
        assert decode_data(raw) == value and encode_data(decode_data(raw)) == raw
        if len(values) > 1:
            assert element_shape(raw, 2, 2 + len(encode_data(value.items[0]))) is not None


@pytest.mark.parametrize("tag", UNSHAPED, ids=lambda t: t.type_name)
@settings(max_examples=10)
@given(data=st.data())
def test_types_with_checks_have_no_shape(tag: DataTag, data: st.DataObject) -> None:
    value = data.draw(simple_values_of(tag))
    for element in (value, Structure(items=(Unsigned(value=1), value))):
        raw = encode_data(element)
        assert element_shape(raw, 0, len(raw)) is None


def test_elements_of_other_shapes_are_read_one_by_one(monkeypatch: pytest.MonkeyPatch
                                                     ) -> None:
    rows: list[Data] = [_row(n) for n in range(12)]
    rows[3] = Structure(items=(*_row(3).items[:4], NullData()))  # a missing value
    rows[5] = Structure(items=_row(5).items[:4])  # one entry fewer
    rows[7] = Structure(items=(OctetString(value=b"\x01"), *_row(7).items[1:]))  # length
    rows[9] = Unsigned(value=9)  # not a structure
    rows[10] = Structure(items=(Structure(items=()), *_row(10).items[1:]))  # nested
    value = Array(items=tuple(rows))
    raw = encode_data(value)
    shaped, plain = _both(raw, monkeypatch)
    assert shaped == plain == value


@settings(max_examples=150)
@given(rows=st.integers(4, 9), data=st.data())
def test_damage_is_reported_as_the_general_reader_does(rows: int, data: st.DataObject
                                                       ) -> None:
    raw = bytearray(encode_data(Array(items=tuple(_row(n) for n in range(rows)))))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    with pytest.MonkeyPatch.context() as monkeypatch:
        shaped, plain = _both(bytes(raw[:cut]), monkeypatch)
    assert shaped == plain


def test_every_truncation_and_every_tag_change_as_the_general_reader(
        monkeypatch: pytest.MonkeyPatch) -> None:
    raw = encode_data(Array(items=tuple(_row(n) for n in range(6))))
    for cut in range(len(raw) + 1):
        shaped, plain = _both(raw[:cut], monkeypatch)
        assert shaped == plain, cut
    for at in range(len(raw)):
        for octet in (0x00, 0x02, 0x06, 0x09, 0x0C, 0x11, 0x7F, 0x81, 0xFF):
            damaged = raw[:at] + bytes([octet]) + raw[at + 1:]
            shaped, plain = _both(damaged, monkeypatch)
            assert shaped == plain, (at, octet)


@settings(max_examples=100)
@given(element=data_values(max_leaves=6), count=st.integers(4, 7))
def test_arrays_of_any_value_decode_alike(element: Data, count: int) -> None:
    raw = encode_data(Array(items=(element,) * count))
    with pytest.MonkeyPatch.context() as monkeypatch:
        shaped, plain = _both(raw, monkeypatch)
    assert shaped == plain == Array(items=(element,) * count)


def _long_array(count: int) -> bytes:
    return encode_data(Array(items=tuple(LongUnsigned(value=i) for i in range(count))))


def test_long_arrays_pause_the_cyclic_collector_and_restore_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen: list[bool] = []
    general = axdr_codec._read

    def spy(r: object, depth: int) -> Data:
        seen.append(gc.isenabled())
        return general(r, depth)  # type: ignore[arg-type]

    monkeypatch.setattr(axdr_codec, "_read", spy)
    assert gc.isenabled()
    decode_data(_long_array(axdr_codec._GC_PAUSE_ELEMENTS))
    # seen[0]: the array's own tag; then its elements, read with the collector paused
    assert seen[0] and seen[1:] and not any(seen[1:]) and gc.isenabled()
    seen.clear()
    decode_data(_long_array(axdr_codec._GC_PAUSE_ELEMENTS - 1))  # short: not paused
    assert seen and all(seen)
    with pytest.raises(CodecError):  # an error resumes it too
        decode_data(_long_array(axdr_codec._GC_PAUSE_ELEMENTS)[:-1])
    assert gc.isenabled()
    gc.disable()  # a caller that disabled it keeps it disabled
    try:
        decode_data(_long_array(axdr_codec._GC_PAUSE_ELEMENTS))
        assert not gc.isenabled()
    finally:
        gc.enable()
