"""Association LN (class 15): object_list rendered per association (and the
object-list-lies fault), the other attributes byte for byte, secret, HLS pass 3 through
the hook, add/remove_object, version 2 users."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.codec.axdr import (
    Array,
    DoubleLongUnsigned,
    Enum,
    Integer,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
    encode_data,
)
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.codec.xdlms.selective import CaptureObjectDefinition
from conformance.plan.cosem import AttributeAccess, MethodAccess
from conformance.simulator.cosem import (
    AssociationHooks,
    AssociationLN,
    DataObject,
    Fault,
    LogicalDevice,
    ProfileGeneric,
    Register,
)
from conformance.simulator.cosem.association import AssociationStatus
from tests.simulator.cosem_support import RO, RW, attr, ctx, ln, meth, rights

D = DataAccessResult
A = ActionResult
AUTH_RO = AttributeAccess.AUTHENTICATED_READ_ONLY
PUBLIC, MGMT, V2 = "0.0.40.0.1.255", "0.0.40.0.3.255", "0.0.40.0.4.255"
DATA, REG = "0.0.96.1.0.255", "1.0.1.8.0.255"
DATA_ENTRY_PUBLIC = bytes.fromhex(
    "0204" "120001" "1100" "09060000600100FF"
    "0202" "0102" "02030F01160100" "02030F02160100" "0100")


class Hooks(AssociationHooks):
    def hls_reply(self, f_stoc: bytes) -> bytes | None:
        return b"\x10" + f_stoc[::-1] if f_stoc.startswith(b"ok") else None


def make() -> LogicalDevice:
    wh = Structure(items=(Integer(value=0), Enum(value=30)))
    return LogicalDevice([
        DataObject(ln(DATA), value=OctetString(value=b"1234"),
                   access={"public": rights(2, RO), "management": rights(2, RW)}),
        Register(ln(REG), value=DoubleLongUnsigned(value=1), scaler_unit=wh,
                 access={"management": rights({1: RO, 2: AUTH_RO, 3: RW}, methods=1)}),
        ProfileGeneric(ln("1.0.99.1.0.255"), capture_objects=(CaptureObjectDefinition(
            class_id=3, logical_name=ln(REG), attribute_index=2),), capture_period=900,
            profile_entries=10, access={"management": rights(8, RO)}),
        AssociationLN(ln(PUBLIC), association="public", client_sap=16, server_sap=1,
                      access={"public": rights(9, RO),
                              "management": rights(9, RO, 4)}),
        AssociationLN(ln(MGMT), association="management", client_sap=1, server_sap=1,
                      application_context=3, mechanism=5, secret=b"old", conformance=0x00501F,
                      max_receive_pdu_size=1024, max_send_pdu_size=512,
                      security_setup_reference=ln("0.0.43.0.1.255"),
                      access={"management": rights({i: RO for i in range(1, 10)} | {7: RW},
                                                   methods=4)}),
        AssociationLN(ln(V2), association="v2", version=2, client_sap=2, server_sap=1,
                      users=((1, "alice"),), access={"v2": rights(11, RO, 6)}),
    ])


def get(dev: LogicalDevice, who: str, name: str, index: int, **kw: Any) -> Any:
    return dev.get(ctx(who, **kw), attr(15, name, index))


def test_object_list_for_the_public_client() -> None:
    dev = make()
    objects = get(dev, "public", PUBLIC, 2)
    assert isinstance(objects, Array) and len(objects.items) == 2
    assert encode_data(objects.items[0]) == DATA_ENTRY_PUBLIC
    own = objects.items[1]
    assert own.items[:3] == (LongUnsigned(value=15), Unsigned(value=1),
                             OctetString(value=bytes.fromhex("0000280001FF")))
    modes = [item.items[1].value for item in own.items[3].items[0].items]
    assert modes == [1, 1, 1, 1, 1, 1, 0, 1, 1]  # secret is write-only: nothing for RO
    selectors = [item.items[2] for item in own.items[3].items[0].items]
    assert selectors == [NullData()] * 9
    assert [m.items for m in own.items[3].items[1].items] == [
        (Integer(value=i), Enum(value=0)) for i in range(1, 5)]
    # the same object read through the current association
    assert get(dev, "public", "0.0.40.0.0.255", 2) == objects


def test_object_list_for_the_management_client() -> None:
    dev = make()
    objects = get(dev, "management", MGMT, 2)
    by_name = {bytes(e.items[2].value): e for e in objects.items}
    assert set(by_name) == {ln(n).to_bytes() for n in (DATA, REG, "1.0.99.1.0.255", PUBLIC,
                                                       MGMT)}
    data = by_name[ln(DATA).to_bytes()].items[3].items[0].items
    assert [i.items[1].value for i in data] == [1, 3]  # logical_name is read-only anyway
    register = by_name[ln(REG).to_bytes()].items[3]
    assert [i.items[1].value for i in register.items[0].items] == [1, 4, 3]
    assert [m.items for m in register.items[1].items] == [(Integer(value=1), Enum(value=1))]
    profile = by_name[ln("1.0.99.1.0.255").to_bytes()]
    assert profile.items[1] == Unsigned(value=1)
    buffer_item = profile.items[3].items[0].items[1]
    assert encode_data(buffer_item) == bytes.fromhex("02030F021601" "01020F010F02")
    own = by_name[ln(MGMT).to_bytes()].items[3].items[0].items
    assert [i.items[1].value for i in own] == [1, 1, 1, 1, 1, 1, 2, 1, 1]  # secret: W only


def test_object_list_lies_fault_changes_only_the_advertised_modes() -> None:
    dev = make()
    lies = frozenset({Fault.OBJECT_LIST_LIES})
    clean = get(dev, "management", MGMT, 2)
    lying = get(dev, "management", MGMT, 2, faults=lies)
    assert len(clean.items) == len(lying.items)
    changed = 0
    for a, b in zip(clean.items, lying.items, strict=True):
        assert a.items[:3] == b.items[:3]
        assert a.items[3].items[1] == b.items[3].items[1]  # methods untouched
        for x, y in zip(a.items[3].items[0].items, b.items[3].items[0].items, strict=True):
            before, after = x.items[1].value, y.items[1].value
            assert (before, after) in ((1, 3), (4, 6)) or before == after
            changed += before != after
            assert x.items[2] == y.items[2]
    assert changed > 0
    # enforcement does not change: the lie says read-and-write, SET is still refused
    c = ctx("management", faults=lies)
    assert dev.set(c, attr(1, DATA, 1), None, OctetString(value=bytes(6))) \
        is D.READ_WRITE_DENIED
    assert dev.set(c, attr(3, REG, 2), None, DoubleLongUnsigned(value=9)) \
        is D.READ_WRITE_DENIED
    # every other attribute reads the same with and without the fault
    for index in (1, 3, 4, 5, 6, 8, 9):
        assert get(dev, "management", MGMT, index, faults=lies) == \
            get(dev, "management", MGMT, index)


def test_attributes_byte_for_byte() -> None:
    dev = make()
    expected = {
        1: "09060000280003FF",
        3: "0202" "0F01" "120001",
        4: "0207" "1102" "1110" "1202F4" "1105" "1108" "1101" "1103",
        5: "0206" "0418" "00501F" "120400" "120200" "1106" "0F00" "0900",
        6: "0207" "1102" "1110" "1202F4" "1105" "1108" "1102" "1105",
        8: "1602",
        9: "090600002B0001FF",
    }
    for index, text in expected.items():
        assert encode_data(get(dev, "management", MGMT, index)) == bytes.fromhex(text), index
    assert encode_data(get(dev, "public", PUBLIC, 9)) == bytes.fromhex("0906000000000000")


def test_association_status() -> None:
    dev = make()
    assert get(dev, "management", MGMT, 8) == Enum(value=AssociationStatus.ASSOCIATED)
    assert get(dev, "management", PUBLIC, 8) == Enum(value=AssociationStatus.NON_ASSOCIATED)
    own = dev[MGMT]
    pending = own.read(ctx("management", authenticated=False), 8, None)
    assert pending == Enum(value=AssociationStatus.ASSOCIATION_PENDING)


def test_secret_is_write_only() -> None:
    dev = make()
    own = dev[MGMT]
    assert isinstance(own, AssociationLN)
    assert get(dev, "management", MGMT, 7) is D.READ_WRITE_DENIED
    assert dev.set(ctx("management"), attr(15, MGMT, 7), None, OctetString(value=b"new")) \
        is D.SUCCESS
    assert own.secret == b"new"
    assert dev.set(ctx("management"), attr(15, MGMT, 7), None, VisibleString(value="x")) \
        is D.TYPE_UNMATCHED
    assert dev.set(ctx("management"), attr(15, MGMT, 3), None, Structure(items=(
        Integer(value=1), LongUnsigned(value=1)))) is D.READ_WRITE_DENIED


def test_change_hls_secret() -> None:
    dev = make()
    own = dev[MGMT]
    assert isinstance(own, AssociationLN)
    c = ctx("management")
    assert dev.action(c, meth(15, MGMT, 2), OctetString(value=b"s3cr3t")) == (A.SUCCESS, None)
    assert own.secret == b"s3cr3t"
    assert dev.action(c, meth(15, MGMT, 2), OctetString(value=b"")) == (A.OTHER_REASON, None)
    assert dev.action(c, meth(15, MGMT, 2), VisibleString(value="x")) \
        == (A.TYPE_UNMATCHED, None)
    assert own.secret == b"s3cr3t"


def test_reply_to_hls_authentication_uses_the_hook() -> None:
    dev = make()
    hooks = Hooks()
    pending = ctx("management", authenticated=False, hooks=hooks)
    assert dev.action(pending, meth(15, "0.0.40.0.0.255", 1), OctetString(value=b"ok1")) \
        == (A.SUCCESS, OctetString(value=b"\x101ko"))
    assert dev.action(pending, meth(15, MGMT, 1), OctetString(value=b"bad")) \
        == (A.OTHER_REASON, None)
    assert dev.action(pending, meth(15, MGMT, 1), Unsigned(value=1)) \
        == (A.TYPE_UNMATCHED, None)
    # without hooks the verification fails
    assert dev.action(ctx("management", authenticated=False), meth(15, MGMT, 1),
                      OctetString(value=b"ok")) == (A.OTHER_REASON, None)
    # another association's object never authenticates the current one
    assert dev.action(ctx("management", hooks=hooks), meth(15, PUBLIC, 1),
                      OctetString(value=b"ok")) == (A.OTHER_REASON, None)


def _element(class_id: int, version: int, name: str, attributes: dict[int, int],
             methods: dict[int, int]) -> Structure:
    return Structure(items=(
        LongUnsigned(value=class_id), Unsigned(value=version),
        OctetString(value=ln(name).to_bytes()),
        Structure(items=(
            Array(items=tuple(Structure(items=(Integer(value=i), Enum(value=m), NullData()))
                              for i, m in attributes.items())),
            Array(items=tuple(Structure(items=(Integer(value=i), Enum(value=m)))
                              for i, m in methods.items()))))))


def test_add_and_remove_object() -> None:
    dev = make()
    c = ctx("management")
    element = _element(3, 0, REG, {1: 1, 2: 1}, {1: 2})
    assert dev.get(ctx("public"), attr(3, REG, 2)) is D.OBJECT_UNDEFINED
    assert dev.action(c, meth(15, PUBLIC, 3), element) == (A.SUCCESS, None)
    assert dev.get(ctx("public"), attr(3, REG, 2)) == DoubleLongUnsigned(value=1)
    assert dev.get(ctx("public"), attr(3, REG, 3)) is D.READ_WRITE_DENIED
    listed = get(dev, "public", PUBLIC, 2)
    assert len(listed.items) == 3
    entry = next(e for e in listed.items if e.items[2].value == ln(REG).to_bytes())
    assert [i.items[1].value for i in entry.items[3].items[0].items] == [1, 1, 0]
    assert [m.items[1].value for m in entry.items[3].items[1].items] == [
        MethodAccess.AUTHENTICATED_ACCESS]
    assert dev.action(c, meth(15, PUBLIC, 4), element) == (A.SUCCESS, None)
    assert dev.get(ctx("public"), attr(3, REG, 2)) is D.OBJECT_UNDEFINED
    assert dev.action(c, meth(15, PUBLIC, 4), element) == (A.OTHER_REASON, None)


@pytest.mark.parametrize("element, result", [
    (_element(3, 0, "1.0.2.8.0.255", {}, {}), A.OTHER_REASON),   # no such object
    (_element(1, 0, REG, {}, {}), A.OTHER_REASON),                # class mismatch
    (_element(3, 1, REG, {}, {}), A.OTHER_REASON),                # version mismatch
    (_element(3, 0, REG, {2: 7}, {}), A.OTHER_REASON),            # undefined access mode
    (_element(3, 0, REG, {}, {1: 3}), A.OTHER_REASON),            # undefined method mode
    (Structure(items=(LongUnsigned(value=3),)), A.TYPE_UNMATCHED),
    (OctetString(value=b""), A.TYPE_UNMATCHED),
    (None, A.TYPE_UNMATCHED),
])
def test_add_object_refusals(element: Structure | None, result: ActionResult) -> None:
    dev = make()
    assert dev.action(ctx("management"), meth(15, PUBLIC, 3), element) == (result, None)
    assert dev.get(ctx("public"), attr(3, REG, 2)) is D.OBJECT_UNDEFINED


def test_version_2_users() -> None:
    dev = make()
    c = ctx("v2")
    assert get(dev, "v2", V2, 10) == Array(items=(Structure(items=(
        Unsigned(value=1), VisibleString(value="alice"))),))
    assert encode_data(get(dev, "v2", V2, 11)) == bytes.fromhex("0202" "1100" "0A00")
    bob = Structure(items=(Unsigned(value=2), VisibleString(value="bob")))
    assert dev.action(c, meth(15, V2, 5), bob) == (A.SUCCESS, None)
    assert dev.action(c, meth(15, V2, 5), bob) == (A.OTHER_REASON, None)
    assert len(get(dev, "v2", V2, 10).items) == 2
    assert dev.action(c, meth(15, V2, 6), bob) == (A.SUCCESS, None)
    assert dev.action(c, meth(15, V2, 6), bob) == (A.OTHER_REASON, None)
    assert dev.action(c, meth(15, V2, 6), Unsigned(value=2)) == (A.TYPE_UNMATCHED, None)
    assert get(dev, "v2", "0.0.40.0.0.255", 2).items[0].items[1] == Unsigned(value=2)
    # version 1 has neither the attributes nor the methods
    assert get(dev, "management", MGMT, 10) is D.OBJECT_UNDEFINED
    assert dev.action(ctx("management"), meth(15, MGMT, 5), bob) == (A.OBJECT_UNDEFINED, None)
    with pytest.raises(ValueError, match="version 3"):
        AssociationLN(ln(V2), association="x", version=3, client_sap=1, server_sap=1)
