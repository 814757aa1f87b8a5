"""Data-Notification (0x0F) and EventNotificationRequest (0xC2)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.apdu_base import Apdu, registered_tags
from conformance.codec.axdr import ClockStatus, DateTime, LongUnsigned, Structure
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor
from conformance.codec.xdlms.enums import LongInvokeIdAndPriority
from conformance.codec.xdlms.notification import DataNotification, EventNotificationRequest
from conformance.errors import CodecError
from tests.codec.test_descriptors import (
    assert_malformed_prefixes_and_trailer,
    assert_round_trip,
    attribute_descriptors,
    decode_whole,
    plain,
    small_data,
    u32s,
)
from tests.strategies import date_times
from tests.vectors import by_category, hexbytes

VECTORS = by_category("Data notification")
STAMP = DateTime(year=2021, month=7, day_of_month=19, day_of_week=1, hour=15, minute=46,
                 second=35, hundredths=0, deviation=-120,
                 clock_status=ClockStatus.DAYLIGHT_SAVING_ACTIVE)
STAMP_HEX = "07E50713010F2E2300FF8880"


def test_vector_category_present() -> None:
    assert len(VECTORS) == 2
    assert {0x0F, 0xC2} <= registered_tags()


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: v["id"])
def test_data_notification_vectors(v: dict[str, Any]) -> None:
    data = hexbytes(v["hex"])
    exp = v["expected"]
    apdu = decode_whole(data)
    assert exp["apdu"] == "DataNotification" and isinstance(apdu, DataNotification)
    assert apdu.long_invoke_id_and_priority == int(exp["long_invoke_id_and_priority"], 16)
    if "date_time" in exp:
        assert apdu.date_time is not None
        assert plain(apdu.date_time) == exp["date_time"]
    else:
        assert apdu.date_time is None
    assert apdu.date_time_tagged is False
    assert plain(apdu.notification_body) == exp["body"]
    assert apdu.to_bytes() == data


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: v["id"])
def test_vector_truncations_and_trailing_bytes(v: dict[str, Any]) -> None:
    assert_malformed_prefixes_and_trailer(hexbytes(v["hex"]))


def test_real_push_header() -> None:
    apdu = decode_whole(hexbytes(VECTORS[1]["hex"]))
    assert isinstance(apdu, DataNotification)
    assert apdu.date_time == STAMP
    field = LongInvokeIdAndPriority.from_int(apdu.long_invoke_id_and_priority)
    assert field.invoke_id == 0x29B2DC and not field.self_descriptive


# -- the date-time forms --------------------------------------------------------------
def test_date_time_forms() -> None:
    body = LongUnsigned(value=1)
    plain_form = DataNotification(long_invoke_id_and_priority=1, date_time=STAMP,
                                  notification_body=body)
    assert plain_form.to_bytes().hex().upper() == "0F00000001" "0C" + STAMP_HEX + "120001"
    tagged = DataNotification(long_invoke_id_and_priority=1, date_time=STAMP,
                              date_time_tagged=True, notification_body=body)
    assert tagged.to_bytes().hex().upper() == "0F00000001" "090C" + STAMP_HEX + "120001"
    assert assert_round_trip(tagged) != assert_round_trip(plain_form)
    absent = DataNotification(long_invoke_id_and_priority=1, notification_body=body)
    assert absent.to_bytes().hex().upper() == "0F00000001" "00" "120001"
    with pytest.raises(ValueError):
        DataNotification(long_invoke_id_and_priority=1, date_time_tagged=True,
                         notification_body=body)


@pytest.mark.parametrize(("data", "path", "offset"), [
    ("0F00000001" "05" "07E5071301" "120001", "DataNotification.date_time", 5),
    ("0F00000001" "09" "0700" "120001", "DataNotification.date_time", 5),
    ("0F00000001" "0C" "07E50D13010F2E2300FF8880" "120001",
     "DataNotification.date_time.date-time.month", 8),
    ("0F00000001" "00" "08", "DataNotification.notification_body.tag", 6),
])
def test_malformed_data_notification(data: str, path: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert info.value.path == path
    assert info.value.offset == offset


# -- event notification ---------------------------------------------------------------
EVENT_OBJECT = CosemAttributeDescriptor(class_id=1, instance_id=ObisCode.parse("0.0.96.11.0.255"),
                                        attribute_id=2)


def test_event_notification_bytes() -> None:
    descriptor = "00010000600B00FF02"
    without = EventNotificationRequest(cosem_attribute_descriptor=EVENT_OBJECT,
                                       attribute_value=LongUnsigned(value=0x20))
    assert without.to_bytes().hex().upper() == "C2" "00" + descriptor + "120020"
    with_time = EventNotificationRequest(time=STAMP, cosem_attribute_descriptor=EVENT_OBJECT,
                                         attribute_value=LongUnsigned(value=0x20))
    assert with_time.to_bytes().hex().upper() == ("C2" "01" "0C" + STAMP_HEX + descriptor
                                                  + "120020")
    for apdu in (without, with_time):
        assert decode_whole(apdu.to_bytes()) == apdu
        assert_malformed_prefixes_and_trailer(apdu.to_bytes())


@pytest.mark.parametrize(("data", "path", "offset"), [
    ("C2" "02", "EventNotificationRequest.time", 1),
    ("C2" "01" "05" "07E5071301", "EventNotificationRequest.time", 2),
    ("C2" "00" "0001" "0000600B00FF" "02" "08", "EventNotificationRequest.attribute_value.tag",
     11),
])
def test_malformed_event_notification(data: str, path: str, offset: int) -> None:
    with pytest.raises(CodecError) as info:
        decode_whole(bytes.fromhex(data))
    assert info.value.path == path
    assert info.value.offset == offset


# -- round trips ----------------------------------------------------------------------
@st.composite
def data_notifications(draw: st.DrawFn) -> DataNotification:
    stamp = draw(st.none() | date_times())
    return DataNotification(long_invoke_id_and_priority=draw(u32s), date_time=stamp,
                            date_time_tagged=stamp is not None and draw(st.booleans()),
                            notification_body=draw(small_data()))


notification_apdus: st.SearchStrategy[Apdu] = st.one_of(
    data_notifications(),
    st.builds(EventNotificationRequest, time=st.none() | date_times(),
              cosem_attribute_descriptor=attribute_descriptors, attribute_value=small_data()),
)


@given(notification_apdus)
def test_round_trip(apdu: Apdu) -> None:
    assert_round_trip(apdu)


@settings(max_examples=30)
@given(notification_apdus)
def test_generated_truncations(apdu: Apdu) -> None:
    assert_malformed_prefixes_and_trailer(apdu.to_bytes())


def test_structure_body_is_kept_whole() -> None:
    body = Structure(items=(LongUnsigned(value=1), LongUnsigned(value=2)))
    apdu = DataNotification(long_invoke_id_and_priority=0, notification_body=body)
    assert decode_whole(apdu.to_bytes()) == apdu
