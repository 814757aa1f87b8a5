"""The APDUs our encoder builds for gurux to read (xDLMS services, notifications, GBT).

Counts are per kind; every case is deterministic (see :mod:`tests.interop.generate`).
``gurux_issue`` texts name what gurux 1.0.203 gets wrong and the clause it breaks.
ACSE and ciphered cases are in :mod:`tests.interop.cases_acse`.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.codec.axdr import (
    CompactArray,
    Date,
    DontCare,
    LongUnsigned,
    Structure,
    VisibleString,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms import action, get, notification
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.action import ActionResponseWithOptionalData
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
)
from conformance.codec.xdlms.enums import ExceptionServiceError, ExceptionStateError
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.get import DataBlockG
from tests.interop.generate import (
    OurCase,
    Rng,
    action_result,
    attr_descriptor,
    dar,
    datablock,
    date_time,
    iip,
    method_descriptor,
    rng_for,
    safe_data,
    selection,
    with_selection,
)

__all__ = ["GURUX_ISSUES", "service_cases"]

GURUX_ISSUES = {
    "list-selection": "gurux: the translator drops the access-selection of every "
                      "*-with-list item (IEC 62056-5-3 9.5, Cosem-Attribute-Descriptor-With-"
                      "Selection)",
    "list-dar": "gurux: GET-response-with-list silently omits results that are a "
                "Data-Access-Result (IEC 62056-5-3 9.5, Get-Data-Result CHOICE)",
    "set-selection": "gurux: set-request-normal reads only the access-selection presence "
                     "flag, skips the selector and parameters, and misreads the value "
                     "(IEC 62056-5-3 9.5, Set-Request-Normal)",
    "unknown-class": "gurux: a *-with-list item whose class_id is missing from its ObjectType "
                     "enum (here 67, Sensor manager) raises ValueError; class_id is any "
                     "Unsigned16 (IEC 62056-5-3 9.5, Cosem-Class-Id)",
    "set-first-block-selection": "gurux: set-request-with-first-datablock ignores the "
                                 "access-selection flag and prints nothing after it",
    "set-list-first-block": "gurux: set-request-with-list-and-first-datablock [5] is not "
                            "translated (raises TypeError)",
    "set-last-block-with-list": "gurux: set-response-last-datablock-with-list [4] is not "
                                "translated (raises TypeError)",
    "action-request": "gurux: the translator decodes only action-request-normal [1]; "
                      "the other Action-Request alternatives print nothing or raise",
    "action-response": "gurux: action-response-with-pblock [2] and -with-list [3] are not "
                       "translated (raise)",
    "exception": "gurux: ExceptionResponse service-error pdu-too-long [4], deciphering-error "
                 "[5] and invocation-counter-error [6] (IEC 62056-5-3 9.5) are not translated "
                 "(raise ValueError)",
    "date": "gurux: a date [26] value makes the translator raise AttributeError "
            "(_GXCommon.getDate calls GXByteBuffer.integerToHex)",
    "dont-care": "gurux: dont-care [255] is not printed, so the structure count no longer "
                 "matches its elements",
    "compact-array": "gurux: compact-array [19] contents are printed as decimal numbers "
                     "run together without separators (unreadable)",
    "xml-escape": "gurux: visible-string text is written into XML without escaping "
                  "'<', '&', '\"' (broken XML)",
}


def _get(rng: Rng) -> Iterator[OurCase]:
    for i in range(12):
        yield OurCase(name="get-request-normal", apdu=get.GetRequestNormal(
            invoke_id_and_priority=iip(rng), cosem_attribute_descriptor=attr_descriptor(rng),
            access_selection=selection(rng) if i % 3 == 0 else None))
    for _ in range(4):
        yield OurCase(name="get-request-next", apdu=get.GetRequestNext(
            invoke_id_and_priority=iip(rng), block_number=rng.randrange(2**32)))
    for i in range(5):
        yield OurCase(name="get-request-with-list", apdu=get.GetRequestWithList(
            invoke_id_and_priority=iip(rng), attribute_descriptor_list=tuple(
                with_selection(rng, False) for _ in range(1 + i))))
    sensor = CosemAttributeDescriptorWithSelection(
        cosem_attribute_descriptor=CosemAttributeDescriptor(
            class_id=67, instance_id=ObisCode.parse("0.0.65.0.0.255"), attribute_id=2),
        access_selection=None)
    yield OurCase(name="get-request-with-list-class-67", apdu=get.GetRequestWithList(
        invoke_id_and_priority=iip(rng), attribute_descriptor_list=(sensor,)),
        gurux_issue=GURUX_ISSUES["unknown-class"])
    yield OurCase(name="get-request-with-list-selection", apdu=get.GetRequestWithList(
        invoke_id_and_priority=iip(rng), attribute_descriptor_list=(
            with_selection(rng, True), with_selection(rng, False))),
        gurux_issue=GURUX_ISSUES["list-selection"])
    for i in range(16):
        result = dar(rng, success=False) if i % 5 == 4 else safe_data(rng)
        yield OurCase(name="get-response-normal", apdu=get.GetResponseNormal(
            invoke_id_and_priority=iip(rng), result=result))
    for i in range(6):
        block = DataBlockG(last_block=i % 2 == 1, block_number=rng.randrange(1, 2**32),
                           result=dar(rng, success=False) if i == 5 else rng.randbytes(i * 20))
        yield OurCase(name="get-response-with-datablock", apdu=get.GetResponseWithDatablock(
            invoke_id_and_priority=iip(rng), result=block))
    for i in range(5):
        yield OurCase(name="get-response-with-list", apdu=get.GetResponseWithList(
            invoke_id_and_priority=iip(rng),
            result=tuple(safe_data(rng) for _ in range(1 + i))))
    yield OurCase(name="get-response-with-list-dar", apdu=get.GetResponseWithList(
        invoke_id_and_priority=iip(rng), result=(safe_data(rng), dar(rng, success=False))),
        gurux_issue=GURUX_ISSUES["list-dar"])


def _set(rng: Rng) -> Iterator[OurCase]:
    for _ in range(10):
        yield OurCase(name="set-request-normal", apdu=set_.SetRequestNormal(
            invoke_id_and_priority=iip(rng), cosem_attribute_descriptor=attr_descriptor(rng),
            value=safe_data(rng)))
    yield OurCase(name="set-request-normal-selection", apdu=set_.SetRequestNormal(
        invoke_id_and_priority=iip(rng), cosem_attribute_descriptor=attr_descriptor(rng),
        value=safe_data(rng), access_selection=selection(rng)),
        gurux_issue=GURUX_ISSUES["set-selection"])
    for _ in range(3):
        yield OurCase(name="set-request-with-first-datablock",
                      apdu=set_.SetRequestWithFirstDatablock(
                          invoke_id_and_priority=iip(rng),
                          cosem_attribute_descriptor=attr_descriptor(rng),
                          datablock=datablock(rng, number=1)))
    yield OurCase(name="set-request-with-first-datablock-selection",
                  apdu=set_.SetRequestWithFirstDatablock(
                      invoke_id_and_priority=iip(rng),
                      cosem_attribute_descriptor=attr_descriptor(rng),
                      datablock=datablock(rng, number=1), access_selection=selection(rng)),
                  gurux_issue=GURUX_ISSUES["set-first-block-selection"])
    for _ in range(4):
        yield OurCase(name="set-request-with-datablock", apdu=set_.SetRequestWithDatablock(
            invoke_id_and_priority=iip(rng), datablock=datablock(rng)))
    for i in range(4):
        n = 1 + i
        yield OurCase(name="set-request-with-list", apdu=set_.SetRequestWithList(
            invoke_id_and_priority=iip(rng),
            attribute_descriptor_list=tuple(with_selection(rng, False) for _ in range(n)),
            value_list=tuple(safe_data(rng) for _ in range(n))))
    yield OurCase(name="set-request-with-list-selection", apdu=set_.SetRequestWithList(
        invoke_id_and_priority=iip(rng),
        attribute_descriptor_list=(with_selection(rng, True),),
        value_list=(safe_data(rng),)), gurux_issue=GURUX_ISSUES["list-selection"])
    yield OurCase(name="set-request-with-list-and-first-datablock",
                  apdu=set_.SetRequestWithListAndFirstDatablock(
                      invoke_id_and_priority=iip(rng),
                      attribute_descriptor_list=(with_selection(rng, False),),
                      datablock=datablock(rng, number=1)),
                  gurux_issue=GURUX_ISSUES["set-list-first-block"])
    for _ in range(4):
        yield OurCase(name="set-response-normal", apdu=set_.SetResponseNormal(
            invoke_id_and_priority=iip(rng), result=dar(rng)))
    for _ in range(3):
        yield OurCase(name="set-response-datablock", apdu=set_.SetResponseDatablock(
            invoke_id_and_priority=iip(rng), block_number=rng.randrange(2**32)))
        yield OurCase(name="set-response-last-datablock", apdu=set_.SetResponseLastDatablock(
            invoke_id_and_priority=iip(rng), result=dar(rng),
            block_number=rng.randrange(2**32)))
        yield OurCase(name="set-response-with-list", apdu=set_.SetResponseWithList(
            invoke_id_and_priority=iip(rng), result=tuple(dar(rng) for _ in range(1, 12))))
    yield OurCase(name="set-response-last-datablock-with-list",
                  apdu=set_.SetResponseLastDatablockWithList(
                      invoke_id_and_priority=iip(rng), result=(dar(rng), dar(rng)),
                      block_number=rng.randrange(2**32)),
                  gurux_issue=GURUX_ISSUES["set-last-block-with-list"])


def _action(rng: Rng) -> Iterator[OurCase]:
    for i in range(10):
        yield OurCase(name="action-request-normal", apdu=action.ActionRequestNormal(
            invoke_id_and_priority=iip(rng), cosem_method_descriptor=method_descriptor(rng),
            method_invocation_parameters=None if i % 3 == 0 else safe_data(rng)))
    issue = GURUX_ISSUES["action-request"]
    yield OurCase(name="action-request-next-pblock", apdu=action.ActionRequestNextPblock(
        invoke_id_and_priority=iip(rng), block_number=rng.randrange(2**32)), gurux_issue=issue)
    yield OurCase(name="action-request-with-list", apdu=action.ActionRequestWithList(
        invoke_id_and_priority=iip(rng),
        cosem_method_descriptor_list=(method_descriptor(rng), method_descriptor(rng)),
        method_invocation_parameters=(safe_data(rng), safe_data(rng))), gurux_issue=issue)
    yield OurCase(name="action-request-with-first-pblock",
                  apdu=action.ActionRequestWithFirstPblock(
                      invoke_id_and_priority=iip(rng),
                      cosem_method_descriptor=method_descriptor(rng),
                      pblock=datablock(rng, number=1)), gurux_issue=issue)
    yield OurCase(name="action-request-with-list-and-first-pblock",
                  apdu=action.ActionRequestWithListAndFirstPblock(
                      invoke_id_and_priority=iip(rng),
                      cosem_method_descriptor_list=(method_descriptor(rng),),
                      pblock=datablock(rng, number=1)), gurux_issue=issue)
    yield OurCase(name="action-request-with-pblock", apdu=action.ActionRequestWithPblock(
        invoke_id_and_priority=iip(rng), pblock=datablock(rng)), gurux_issue=issue)
    for i in range(9):
        ret = None if i % 3 == 0 else (dar(rng, success=False) if i % 3 == 1
                                       else safe_data(rng))
        yield OurCase(name="action-response-normal", apdu=action.ActionResponseNormal(
            invoke_id_and_priority=iip(rng), single_response=ActionResponseWithOptionalData(
                result=action_result(rng), return_parameters=ret)))
    for _ in range(3):
        yield OurCase(name="action-response-next-pblock", apdu=action.ActionResponseNextPblock(
            invoke_id_and_priority=iip(rng), block_number=rng.randrange(2**32)))
    yield OurCase(name="action-response-with-pblock", apdu=action.ActionResponseWithPblock(
        invoke_id_and_priority=iip(rng), pblock=datablock(rng)),
        gurux_issue=GURUX_ISSUES["action-response"])
    yield OurCase(name="action-response-with-list", apdu=action.ActionResponseWithList(
        invoke_id_and_priority=iip(rng), list_of_responses=(
            ActionResponseWithOptionalData(result=action_result(rng), return_parameters=None),
            ActionResponseWithOptionalData(result=action_result(rng),
                                           return_parameters=safe_data(rng)))),
        gurux_issue=GURUX_ISSUES["action-response"])


def _other(rng: Rng) -> Iterator[OurCase]:
    for i in range(10):
        yield OurCase(name="general-block-transfer", apdu=GeneralBlockTransfer(
            last_block=i % 2 == 0, streaming=i % 3 == 0, window=rng.randrange(64),
            block_number=rng.randrange(2**16), block_number_ack=rng.randrange(2**16),
            block_data=rng.randbytes(rng.randrange(0, 200))))
    for i in range(10):
        yield OurCase(name="data-notification", apdu=notification.DataNotification(
            long_invoke_id_and_priority=rng.randrange(2**32),
            date_time=date_time(rng) if i % 2 else None, notification_body=safe_data(rng)))
    for i in range(6):
        yield OurCase(name="event-notification-request",
                      apdu=notification.EventNotificationRequest(
                          cosem_attribute_descriptor=attr_descriptor(rng),
                          attribute_value=safe_data(rng),
                          time=date_time(rng) if i % 2 else None))
    for state in ExceptionStateError:
        for service in ExceptionServiceError:
            ic = 0x01234567 if service is ExceptionServiceError.INVOCATION_COUNTER_ERROR else None
            yield OurCase(name=f"exception-response-{int(state)}-{int(service)}",
                          apdu=ExceptionResponse(state_error=state, service_error=service,
                                                 invocation_counter=ic),
                          gurux_issue=(GURUX_ISSUES["exception"] if service > 3 else None))
    # Data types gurux cannot print, each in a GET response.
    iid = iip(rng)
    for key, value in (
            ("date", Date(year=2024, month=2, day_of_month=29, day_of_week=4)),
            ("dont-care", Structure(items=(LongUnsigned(value=1), DontCare()))),
            ("compact-array", CompactArray.of((LongUnsigned(value=4369),
                                               LongUnsigned(value=8738)))),
            ("xml-escape", VisibleString(value='a<b & "c"'))):
        yield OurCase(name=f"get-response-normal-{key}", gurux_issue=GURUX_ISSUES[key],
                      apdu=get.GetResponseNormal(invoke_id_and_priority=iid, result=value))


def service_cases() -> list[OurCase]:
    """Every xDLMS service / notification / GBT case, in a stable order."""
    out: list[OurCase] = []
    for kind, make in (("get", _get), ("set", _set), ("action", _action), ("other", _other)):
        out.extend(make(rng_for(kind)))
    return out
