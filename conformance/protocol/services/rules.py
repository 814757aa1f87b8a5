"""Which conformance bits each xDLMS APDU needs (Green Book 9.5, Conformance; IEC 62056-5-3
9.4.6: a service or mechanism not in the negotiated conformance shall not be used).

The same rules serve both roles: a client refuses locally to send what is not granted and
flags a meter that answers with it; a server refuses a request that needs a bit it did not
grant.
"""

from __future__ import annotations

from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms import action, get
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.initiate import Conformance
from conformance.codec.xdlms.notification import DataNotification, EventNotificationRequest

__all__ = ["describe", "missing", "required"]

C = Conformance
_NONE = C(0)
_BLOCK_GET = C.GET | C.BLOCK_TRANSFER_WITH_GET_OR_READ
_BLOCK_SET = C.SET | C.BLOCK_TRANSFER_WITH_SET_OR_WRITE
_BLOCK_ACTION = C.ACTION | C.BLOCK_TRANSFER_WITH_ACTION

# APDU classes whose needs do not depend on their content.
_FIXED: dict[type[Apdu], Conformance] = {
    get.GetRequestNext: _BLOCK_GET,
    get.GetResponseNormal: C.GET,
    get.GetResponseWithDatablock: _BLOCK_GET,
    get.GetResponseWithList: C.GET | C.MULTIPLE_REFERENCES,
    set_.SetRequestWithDatablock: _BLOCK_SET,
    set_.SetResponseNormal: C.SET,
    set_.SetResponseDatablock: _BLOCK_SET,
    set_.SetResponseLastDatablock: _BLOCK_SET,
    set_.SetResponseLastDatablockWithList: _BLOCK_SET | C.MULTIPLE_REFERENCES,
    set_.SetResponseWithList: C.SET | C.MULTIPLE_REFERENCES,
    action.ActionRequestNormal: C.ACTION,
    action.ActionRequestNextPblock: _BLOCK_ACTION,
    action.ActionRequestWithList: C.ACTION | C.MULTIPLE_REFERENCES,
    action.ActionRequestWithFirstPblock: _BLOCK_ACTION,
    action.ActionRequestWithListAndFirstPblock: _BLOCK_ACTION | C.MULTIPLE_REFERENCES,
    action.ActionRequestWithPblock: _BLOCK_ACTION,
    action.ActionResponseNormal: C.ACTION,
    action.ActionResponseWithPblock: _BLOCK_ACTION,
    action.ActionResponseWithList: C.ACTION | C.MULTIPLE_REFERENCES,
    action.ActionResponseNextPblock: _BLOCK_ACTION,
    GeneralBlockTransfer: C.GENERAL_BLOCK_TRANSFER,
    DataNotification: C.DATA_NOTIFICATION,
    EventNotificationRequest: C.EVENT_NOTIFICATION,
}


def _attribute(descriptor: CosemAttributeDescriptor,
               selection: SelectiveAccessDescriptor | None, attribute0: Conformance
               ) -> Conformance:
    bits = _NONE
    if selection is not None:
        bits |= C.SELECTIVE_ACCESS
    if descriptor.attribute_id == 0:
        bits |= attribute0
    return bits


def _items(items: tuple[CosemAttributeDescriptorWithSelection, ...], attribute0: Conformance
           ) -> Conformance:
    bits = C.MULTIPLE_REFERENCES
    for item in items:
        bits |= _attribute(item.cosem_attribute_descriptor, item.access_selection, attribute0)
    return bits


def required(apdu: Apdu) -> Conformance:
    """The conformance bits ``apdu`` needs (empty for APDUs that need none, e.g. the
    ExceptionResponse)."""
    fixed = _FIXED.get(type(apdu))
    if fixed is not None:
        return fixed
    get0 = C.ATTRIBUTE0_SUPPORTED_WITH_GET
    set0 = C.ATTRIBUTE0_SUPPORTED_WITH_SET
    if isinstance(apdu, get.GetRequestNormal):
        return C.GET | _attribute(apdu.cosem_attribute_descriptor, apdu.access_selection,
                                  get0)
    if isinstance(apdu, get.GetRequestWithList):
        return C.GET | _items(apdu.attribute_descriptor_list, get0)
    if isinstance(apdu, set_.SetRequestNormal):
        return C.SET | _attribute(apdu.cosem_attribute_descriptor, apdu.access_selection,
                                  set0)
    if isinstance(apdu, set_.SetRequestWithFirstDatablock):
        return _BLOCK_SET | _attribute(apdu.cosem_attribute_descriptor,
                                       apdu.access_selection, set0)
    if isinstance(apdu, set_.SetRequestWithList):
        return C.SET | _items(apdu.attribute_descriptor_list, set0)
    if isinstance(apdu, set_.SetRequestWithListAndFirstDatablock):
        return _BLOCK_SET | _items(apdu.attribute_descriptor_list, set0)
    return _NONE


def missing(granted: Conformance, apdu: Apdu) -> Conformance:
    """The bits ``apdu`` needs that ``granted`` lacks (empty when it may be used)."""
    return C(int(required(apdu)) & ~int(granted) & 0xFFFFFF)


def describe(bits: Conformance) -> str:
    """The standard's names of ``bits``, comma separated (e.g. ``"get, selective-access"``)."""
    return ", ".join(bits.names())
