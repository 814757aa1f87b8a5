"""Unsolicited server-to-client APDUs (IEC 62056-5-3 9.5, xDLMS ASN.1).

::

    EventNotificationRequest ::= SEQUENCE {                               -- tag 0xC2
      time OCTET STRING OPTIONAL,
      cosem-attribute-descriptor Cosem-Attribute-Descriptor,
      attribute-value Data }

    Data-Notification ::= SEQUENCE {                                      -- tag 0x0F
      long-invoke-id-and-priority Long-Invoke-Id-And-Priority,
      date-time OCTET STRING,
      notification-body Notification-Body }   -- SEQUENCE { data-value Data }

Both time fields hold a 12-octet COSEM date-time (IEC 62056-6-2 4.1.6.1).
``EventNotificationRequest.time`` is OPTIONAL (presence byte, then length and octets);
``Data-Notification.date-time`` is a plain OCTET STRING whose length 0 means "absent":
``00`` or ``0C`` + 12 octets, as vectors ``data-notification-no-datetime`` and
``data-notification-real-kaifa-tirol`` show. Some devices send it as a tagged
octet-string ``Data`` (``09 0C`` + 12 octets); the decoder accepts that form and sets
``date_time_tagged`` so that a check can report it (and a simulator fault reproduce it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.axdr import Data, DataTag, DateTime, read_data, write_data
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor
from conformance.errors import CodecError

__all__ = [
    "DataNotification",
    "EventNotificationRequest",
    "decode_data_notification",
    "decode_event_notification_request",
]

_DATE_TIME_SIZE = DateTime.SIZE  # 12 octets


def _pull_date_time(r: Reader, field: str) -> DateTime:
    with r.scope(field):
        return DateTime.read(r)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventNotificationRequest(Apdu):
    """``EventNotificationRequest`` (tag 0xC2): the server reports an attribute value."""

    TAG: ClassVar[int] = 0xC2
    cosem_attribute_descriptor: CosemAttributeDescriptor
    """The attribute whose value is reported."""
    attribute_value: Data
    """Its value."""
    time: DateTime | None = None
    """When the event occurred; ``None`` = absent."""

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        w.push_u8(0xC2)
        if self.time is None:
            w.push_u8(0)
        else:
            w.push_u8(1)
            w.push_u8(_DATE_TIME_SIZE)
            w.push_bytes(self.time.to_bytes())
        self.cosem_attribute_descriptor.encode(w)
        write_data(w, self.attribute_value)


@register(0xC2)
def decode_event_notification_request(r: Reader) -> EventNotificationRequest:
    """Decode an EventNotificationRequest; ``r`` is positioned just after the tag 0xC2."""
    with r.scope("EventNotificationRequest"):
        time = None
        if r.pull_optional_flag("time"):
            start = r.offset
            n = r.pull_length("time")
            if n != _DATE_TIME_SIZE:
                raise CodecError(f"time must be a {_DATE_TIME_SIZE}-octet date-time, got "
                                 f"length {n}", offset=start, path=r.path("time"))
            time = _pull_date_time(r, "time")
        with r.scope("cosem_attribute_descriptor"):
            descriptor = CosemAttributeDescriptor.decode(r)
        with r.scope("attribute_value"):
            value = read_data(r)
        return EventNotificationRequest(time=time, cosem_attribute_descriptor=descriptor,
                                        attribute_value=value)


@dataclass(frozen=True, slots=True, kw_only=True)
class DataNotification(Apdu):
    """``Data-Notification`` (tag 0x0F): pushed data (Push setup, class 40)."""

    TAG: ClassVar[int] = 0x0F
    long_invoke_id_and_priority: int
    """Raw Long-Invoke-Id-And-Priority (Unsigned32); see ``LongInvokeIdAndPriority``."""
    notification_body: Data
    """``Notification-Body.data-value``: the pushed value (usually a structure)."""
    date_time: DateTime | None = None
    """When the data was sent; ``None`` = absent (length 0)."""
    date_time_tagged: bool = False
    """The date-time came (or is to be sent) in the non-standard tagged form
    ``09 0C`` + 12 octets instead of ``0C`` + 12 octets. Requires ``date_time``."""

    def __post_init__(self) -> None:
        if self.date_time_tagged and self.date_time is None:
            raise ValueError("date_time_tagged needs a date_time")

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        w.push_u8(0x0F)
        w.push_u32(self.long_invoke_id_and_priority)
        if self.date_time is None:
            w.push_u8(0)
        else:
            if self.date_time_tagged:
                w.push_u8(DataTag.OCTET_STRING)
            w.push_u8(_DATE_TIME_SIZE)
            w.push_bytes(self.date_time.to_bytes())
        write_data(w, self.notification_body)


@register(0x0F)
def decode_data_notification(r: Reader) -> DataNotification:
    """Decode a Data-Notification; ``r`` is positioned just after the tag 0x0F."""
    with r.scope("DataNotification"):
        invoke = r.pull_u32("long_invoke_id_and_priority")
        start = r.offset
        n = r.pull_length("date_time")
        tagged = False
        if n == DataTag.OCTET_STRING and r.remaining() and r.peek_u8() == _DATE_TIME_SIZE:
            # 09 0C: a tagged octet-string Data where a bare OCTET STRING belongs.
            tagged = True
            n = r.pull_u8("date_time")
        date_time = None
        if n == _DATE_TIME_SIZE:
            date_time = _pull_date_time(r, "date_time")
        elif n != 0:
            raise CodecError(f"date-time must be absent (length 0) or a {_DATE_TIME_SIZE}-"
                             f"octet date-time, got length {n}", offset=start,
                             path=r.path("date_time"))
        with r.scope("notification_body"):
            body = read_data(r)
        return DataNotification(long_invoke_id_and_priority=invoke, date_time=date_time,
                                date_time_tagged=tagged, notification_body=body)
