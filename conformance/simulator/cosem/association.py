"""Association LN, class_id 15, versions 1 and 2 (Blue Book 4.4.3).

Version 1 (the plan's default) has attributes 1-9 and methods 1-4; version 2 adds
``user_list`` and ``current_user`` (attributes 10, 11) and ``add_user`` / ``remove_user``
(methods 5, 6). Version 3 (bit-mapped access modes) is not implemented.

* ``object_list`` is rendered for the association the object describes: every object
  visible to it with its effective rights (the plan's, limited by what the class
  allows, e.g. ``secret`` is write-only) and the access selectors of the attributes.
* ``application_context_name`` and ``authentication_mechanism_name`` are the structures of
  seven elements {2, 16, 756, 5, 8, 1|2, id} of the OIDs 2.16.756.5.8.1.x / .2.x.
* ``association_status`` is associated (2) for the requesting association when
  authenticated, association-pending (1) while its HLS is pending, and non-associated (0)
  for the objects describing other associations.
* ``secret`` is write-only; ``change_HLS_secret`` and a SET replace it; the association
  machine reads :attr:`AssociationLN.secret` (LLS password or HLS secret).
* ``reply_to_HLS_authentication`` hands f(StoC) to the association machine's
  ``hls_reply`` hook and returns f(CtoS), or ``other-reason`` when it fails.
"""

from __future__ import annotations

from typing import Any

from conformance.codec.axdr import (
    Array,
    BitString,
    Data,
    DataTag,
    Enum,
    Integer,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.simulator.cosem.association_items import (
    parse_object_list_element,
    render_object_list,
)
from conformance.simulator.cosem.base import (
    ActionOutcome,
    AttributeAccess,
    AttributeDef,
    CosemObject,
    MethodDef,
    RequestContext,
    Shape,
    simple,
)

__all__ = ["AssociationLN", "AssociationStatus"]

_UNSIGNED = simple(DataTag.UNSIGNED)
_NAME_OID = Shape(tag=DataTag.STRUCTURE, items=(
    _UNSIGNED, _UNSIGNED, simple(DataTag.LONG_UNSIGNED), _UNSIGNED, _UNSIGNED, _UNSIGNED,
    _UNSIGNED))
_USER = Shape(tag=DataTag.STRUCTURE, items=(_UNSIGNED, simple(DataTag.VISIBLE_STRING)))
_RO = AttributeAccess.READ_ONLY
_V1_ATTRIBUTES = (
    *CosemObject.ATTRIBUTES,
    AttributeDef(index=2, name="object_list", shape=simple(DataTag.ARRAY), capability=_RO),
    AttributeDef(index=3, name="associated_partners_id", capability=_RO, shape=Shape(
        tag=DataTag.STRUCTURE, items=(simple(DataTag.INTEGER), simple(DataTag.LONG_UNSIGNED)))),
    AttributeDef(index=4, name="application_context_name", shape=_NAME_OID, capability=_RO),
    AttributeDef(index=5, name="xDLMS_context_info", capability=_RO, shape=Shape(
        tag=DataTag.STRUCTURE, items=(
            simple(DataTag.BIT_STRING), simple(DataTag.LONG_UNSIGNED),
            simple(DataTag.LONG_UNSIGNED), _UNSIGNED, simple(DataTag.INTEGER),
            simple(DataTag.OCTET_STRING)))),
    AttributeDef(index=6, name="authentication_mechanism_name", shape=_NAME_OID,
                 capability=_RO),
    AttributeDef(index=7, name="secret", shape=simple(DataTag.OCTET_STRING),
                 capability=AttributeAccess.WRITE_ONLY),
    AttributeDef(index=8, name="association_status", shape=simple(DataTag.ENUM),
                 capability=_RO),
    AttributeDef(index=9, name="security_setup_reference",
                 shape=simple(DataTag.OCTET_STRING, 6), capability=_RO),
)
_V2_ATTRIBUTES = (
    *_V1_ATTRIBUTES,
    AttributeDef(index=10, name="user_list", shape=Shape(tag=DataTag.ARRAY, element=_USER),
                 capability=_RO),
    AttributeDef(index=11, name="current_user", shape=_USER, capability=_RO),
)
_V1_METHODS = (
    MethodDef(index=1, name="reply_to_HLS_authentication"),
    MethodDef(index=2, name="change_HLS_secret"),
    MethodDef(index=3, name="add_object"),
    MethodDef(index=4, name="remove_object"),
)
_V2_METHODS = (*_V1_METHODS, MethodDef(index=5, name="add_user"),
               MethodDef(index=6, name="remove_user"))


class AssociationStatus:
    """association_status values (Blue Book 4.4.3)."""

    NON_ASSOCIATED = 0
    ASSOCIATION_PENDING = 1
    ASSOCIATED = 2


def _oid_structure(kind: int, last: int) -> Structure:
    """{joint-iso-ctt 2, country 16, country-name 756, identified-organization 5,
    DLMS-UA 8, kind (1 application context / 2 authentication mechanism), id}."""
    return Structure(items=(Unsigned(value=2), Unsigned(value=16), LongUnsigned(value=756),
                            Unsigned(value=5), Unsigned(value=8), Unsigned(value=kind),
                            Unsigned(value=last)))


class AssociationLN(CosemObject):
    """One association of the logical device (a client SAP and its context)."""

    CLASS_ID = 15
    VERSION = 1
    ATTRIBUTES = _V2_ATTRIBUTES
    METHODS = _V2_METHODS

    def __init__(self, logical_name: ObisCode, *, association: str, version: int = 1,
                 client_sap: int, server_sap: int, application_context: int = 1,
                 mechanism: int = 0, secret: bytes = b"", conformance: int = 0,
                 max_receive_pdu_size: int = 0xFFFF, max_send_pdu_size: int = 0xFFFF,
                 dlms_version: int = 6, security_setup_reference: ObisCode | None = None,
                 users: tuple[tuple[int, str], ...] = (), **kw: Any) -> None:
        if version not in (1, 2):
            raise ValueError(f"Association LN version {version} is not implemented (1, 2)")
        super().__init__(logical_name, **kw)
        self._version = version
        attributes, methods = ((_V1_ATTRIBUTES, _V1_METHODS) if version == 1
                               else (_V2_ATTRIBUTES, _V2_METHODS))
        self._attributes = {a.index: a for a in attributes}
        self._methods = {m.index: m for m in methods}
        self.association = association
        """Name of the association this object describes."""
        self.secret = secret
        """LLS password or HLS secret (attribute 7; never readable)."""
        self.users: list[tuple[int, str]] = list(users)
        self._store(3, Structure(items=(Integer(value=client_sap),
                                        LongUnsigned(value=server_sap))))
        self._store(4, _oid_structure(1, application_context))
        self._store(5, Structure(items=(
            BitString(value=format(conformance, "024b")), LongUnsigned(value=max_receive_pdu_size),
            LongUnsigned(value=max_send_pdu_size), Unsigned(value=dlms_version),
            Integer(value=0), OctetString(value=b""))))
        self._store(6, _oid_structure(2, mechanism))
        reference = security_setup_reference.to_bytes() if security_setup_reference else bytes(6)
        self._store(9, OctetString(value=reference))

    def __repr__(self) -> str:
        return f"AssociationLN({self.logical_name.dotted}, {self.association!r})"

    @property
    def version(self) -> int:
        return self._version

    @property
    def mechanism(self) -> int:
        """The authentication mechanism id (last arc of attribute 6)."""
        return int(self._values[6].items[6].value)  # type: ignore[attr-defined]

    # -- attributes -----------------------------------------------------------------------
    def read(self, ctx: RequestContext, index: int,
             selection: SelectiveAccessDescriptor | None) -> Data | DataAccessResult:
        if selection is not None:
            return super().read(ctx, index, selection)
        if index == 2:
            if self.device is None:
                return Array()
            return render_object_list(self.device.objects_of(self.association), ctx.faults)
        if index == 7:
            return DataAccessResult.READ_WRITE_DENIED  # write-only, whatever the rights
        if index == 8:
            if self.association != ctx.association:
                return Enum(value=AssociationStatus.NON_ASSOCIATED)
            return Enum(value=AssociationStatus.ASSOCIATED if ctx.authenticated
                        else AssociationStatus.ASSOCIATION_PENDING)
        if index == 10:
            return Array(items=tuple(_user(i, n) for i, n in self.users))
        if index == 11:
            return _user(0, "")  # no user identification in this meter's associations
        return super().read(ctx, index, selection)

    def write(self, ctx: RequestContext, index: int, selection: SelectiveAccessDescriptor | None,
              value: Data) -> DataAccessResult:
        if selection is None and index == 7 and isinstance(value, OctetString):
            self.secret = value.value
            return DataAccessResult.SUCCESS
        return DataAccessResult.READ_WRITE_DENIED

    # -- methods --------------------------------------------------------------------------
    def invoke(self, ctx: RequestContext, index: int, parameters: Data | None) -> ActionOutcome:
        if index == 1:
            return self._reply_to_hls(ctx, parameters)
        if index == 2:  # change_HLS_secret (data ::= octet-string)
            if not isinstance(parameters, OctetString):
                return ActionResult.TYPE_UNMATCHED, None
            if not parameters.value:
                return ActionResult.OTHER_REASON, None
            self.secret = parameters.value
            return ActionResult.SUCCESS, None
        if index in (3, 4):
            return self._change_object_list(index == 3, parameters), None
        if index in (5, 6):
            return self._change_users(index == 5, parameters), None
        return super().invoke(ctx, index, parameters)

    def _reply_to_hls(self, ctx: RequestContext, parameters: Data | None) -> ActionOutcome:
        if not isinstance(parameters, OctetString):
            return ActionResult.TYPE_UNMATCHED, None
        if self.association != ctx.association:
            return ActionResult.OTHER_REASON, None  # only the current association authenticates
        f_ctos = ctx.hooks.hls_reply(parameters.value)
        if f_ctos is None:
            return ActionResult.OTHER_REASON, None
        return ActionResult.SUCCESS, OctetString(value=f_ctos)

    def _change_object_list(self, add: bool, parameters: Data | None) -> ActionResult:
        """add_object / remove_object (data ::= object_list_element)."""
        parsed = parse_object_list_element(parameters)
        if isinstance(parsed, ActionResult):
            return parsed
        class_id, version, logical_name, rights = parsed
        target = None if self.device is None else self.device.find(logical_name)
        if target is None or class_id != target.CLASS_ID or target.version != version:
            return ActionResult.OTHER_REASON
        if add:
            target.access[self.association] = rights
        elif target.access.pop(self.association, None) is None:
            return ActionResult.OTHER_REASON
        return ActionResult.SUCCESS

    def _change_users(self, add: bool, parameters: Data | None) -> ActionResult:
        """add_user / remove_user (data ::= structure {user_id unsigned, user_name
        visible-string})."""
        if not isinstance(parameters, Structure) or len(parameters.items) != 2:
            return ActionResult.TYPE_UNMATCHED
        uid, uname = parameters.items
        if not isinstance(uid, Unsigned) or not isinstance(uname, VisibleString):
            return ActionResult.TYPE_UNMATCHED
        user_id, user_name = uid.value, uname.value
        if add:
            if any(i == user_id for i, _ in self.users):
                return ActionResult.OTHER_REASON
            self.users.append((user_id, user_name))
            return ActionResult.SUCCESS
        if (user_id, user_name) not in self.users:
            return ActionResult.OTHER_REASON
        self.users.remove((user_id, user_name))
        return ActionResult.SUCCESS


def _user(user_id: int, user_name: str) -> Structure:
    return Structure(items=(Unsigned(value=user_id), VisibleString(value=user_name)))

