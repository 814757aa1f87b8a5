"""The logical device's dispatch: which refusal gives which Data-Access-Result /
Action-Result (conformance.simulator.cosem.model), in which order."""

from __future__ import annotations

import pytest

from conformance.codec.axdr import (
    DoubleLongUnsigned,
    Enum,
    Integer,
    Long64Unsigned,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
)
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.plan.cosem import AttributeAccess, MethodAccess
from conformance.plan.model import Protection
from conformance.simulator.cosem import (
    AssociationHooks,
    AssociationLN,
    DataObject,
    Fault,
    LogicalDevice,
    ObjectAccess,
    Register,
)
from tests.simulator.cosem_support import RO, RW, attr, ctx, ln, meth, rights

DATA = "0.0.96.1.0.255"
REG = "1.0.1.8.0.255"
SCALER = Structure(items=(Integer(value=0), Enum(value=30)))
D = DataAccessResult
A = ActionResult


class Hooks(AssociationHooks):
    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def hls_reply(self, f_stoc: bytes) -> bytes | None:
        self.seen.append(f_stoc)
        return b"f(CtoS)" if f_stoc == b"good" else None


def device(**kw: object) -> LogicalDevice:
    data = DataObject(ln(DATA), value=OctetString(value=b"12345678"), access={
        "public": rights(2, RO), "reader": rights(2, RO), "management": rights(2, RW),
        "guest": ObjectAccess()})
    register = Register(ln(REG), value=DoubleLongUnsigned(value=100), scaler_unit=SCALER,
                        access={
                            "reader": rights({1: RO, 2: AttributeAccess.AUTHENTICATED_READ_ONLY,
                                              3: RO}),
                            "management": rights(3, RW, 1),
                            "auth": rights({2: AttributeAccess.AUTHENTICATED_READ_AND_WRITE},
                                           methods=1,
                                           method_mode=MethodAccess.AUTHENTICATED_ACCESS)})
    objects = [data, register]
    for e, name in ((1, "public"), (3, "management")):
        objects.append(AssociationLN(ln(f"0.0.40.0.{e}.255"), association=name,
                                     client_sap=16 if e == 1 else 1, server_sap=1,
                                     access={name: rights(9, RO, 4)}))
    return LogicalDevice(objects, **kw)  # type: ignore[arg-type]


@pytest.fixture
def dev() -> LogicalDevice:
    return device()


# -- finding the object -------------------------------------------------------------------
def test_unknown_object_is_object_undefined(dev: LogicalDevice) -> None:
    c = ctx("management")
    assert dev.get(c, attr(1, "0.0.96.1.1.255", 2)) is D.OBJECT_UNDEFINED
    assert dev.set(c, attr(1, "0.0.96.1.1.255", 2), None, Unsigned(value=1)) \
        is D.OBJECT_UNDEFINED
    assert dev.action(c, meth(3, "1.0.2.8.0.255", 1), Integer(value=0)) \
        == (A.OBJECT_UNDEFINED, None)


def test_object_outside_the_object_list_does_not_exist(dev: LogicalDevice) -> None:
    c = ctx("public")  # the register has no rights for the public client
    assert dev.get(c, attr(3, REG, 2)) is D.OBJECT_UNDEFINED
    assert dev.set(c, attr(3, REG, 2), None, DoubleLongUnsigned(value=1)) is D.OBJECT_UNDEFINED
    assert dev.action(c, meth(3, REG, 1), Integer(value=0)) == (A.OBJECT_UNDEFINED, None)
    # visibility is decided before the class, so nothing leaks
    assert dev.get(c, attr(1, REG, 2)) is D.OBJECT_UNDEFINED


def test_wrong_class_id_is_object_class_inconsistent(dev: LogicalDevice) -> None:
    c = ctx("management")
    assert dev.get(c, attr(3, DATA, 2)) is D.OBJECT_CLASS_INCONSISTENT
    assert dev.set(c, attr(4, DATA, 2), None, OctetString(value=b"x")) \
        is D.OBJECT_CLASS_INCONSISTENT
    assert dev.action(c, meth(1, REG, 1), Integer(value=0)) \
        == (A.OBJECT_CLASS_INCONSISTENT, None)


@pytest.mark.parametrize("index", [0, 3, 4, 127, -1, -128])
def test_attribute_the_class_does_not_have_is_object_undefined(dev: LogicalDevice,
                                                               index: int) -> None:
    assert dev.get(ctx("management"), attr(1, DATA, index)) is D.OBJECT_UNDEFINED
    assert dev.set(ctx("management"), attr(1, DATA, index), None, Unsigned(value=0)) \
        is D.OBJECT_UNDEFINED


@pytest.mark.parametrize("index", [0, 2, 127, -1])
def test_method_the_class_does_not_have_is_object_undefined(dev: LogicalDevice,
                                                            index: int) -> None:
    assert dev.action(ctx("management"), meth(3, REG, index), Integer(value=0)) \
        == (A.OBJECT_UNDEFINED, None)
    assert dev.action(ctx("management"), meth(1, DATA, 1), Integer(value=0)) \
        == (A.OBJECT_UNDEFINED, None)


# -- access rights ------------------------------------------------------------------------
def test_listed_without_rights_is_read_write_denied(dev: LogicalDevice) -> None:
    c = ctx("guest")
    assert dev.get(c, attr(1, DATA, 1)) is D.READ_WRITE_DENIED
    assert dev.get(c, attr(1, DATA, 2)) is D.READ_WRITE_DENIED
    assert dev.set(c, attr(1, DATA, 2), None, OctetString(value=b"x")) is D.READ_WRITE_DENIED


def test_read_only_refuses_set_and_keeps_the_value(dev: LogicalDevice) -> None:
    c = ctx("public")
    assert dev.set(c, attr(1, DATA, 2), None, OctetString(value=b"x")) is D.READ_WRITE_DENIED
    assert dev.get(c, attr(1, DATA, 2)) == OctetString(value=b"12345678")


def test_logical_name_is_never_writable(dev: LogicalDevice) -> None:
    c = ctx("management")  # the plan grants read-and-write; the class allows read only
    assert dev.get(c, attr(1, DATA, 1)) == OctetString(value=bytes.fromhex("0000600100FF"))
    assert dev.set(c, attr(1, DATA, 1), None, OctetString(value=bytes(6))) \
        is D.READ_WRITE_DENIED


def test_method_without_access_is_read_write_denied(dev: LogicalDevice) -> None:
    assert dev.action(ctx("reader"), meth(3, REG, 1), Integer(value=0)) \
        == (A.READ_WRITE_DENIED, None)
    assert dev.get(ctx("management"), attr(3, REG, 2)) == DoubleLongUnsigned(value=100)


@pytest.mark.parametrize("protection, allowed", [
    (Protection.NONE, False), (Protection.ENCRYPTED, False),
    (Protection.AUTHENTICATED, True), (Protection.AUTHENTICATED_AND_ENCRYPTED, True)])
def test_authenticated_modes_need_an_authenticated_request(dev: LogicalDevice,
                                                          protection: Protection,
                                                          allowed: bool) -> None:
    reader = ctx("reader", protection=protection)
    got = dev.get(reader, attr(3, REG, 2))
    assert got == (DoubleLongUnsigned(value=100) if allowed else D.SCOPE_OF_ACCESS_VIOLATED)
    # authenticated-read-only still never allows SET
    assert dev.set(reader, attr(3, REG, 2), None, DoubleLongUnsigned(value=1)) \
        is D.READ_WRITE_DENIED
    auth = ctx("auth", protection=protection)
    assert dev.set(auth, attr(3, REG, 2), None, DoubleLongUnsigned(value=7)) \
        is (D.SUCCESS if allowed else D.SCOPE_OF_ACCESS_VIOLATED)
    assert dev.action(auth, meth(3, REG, 1), Integer(value=0)) \
        == ((A.SUCCESS if allowed else A.SCOPE_OF_ACCESS_VIOLATED), None)


def test_hls_pending_allows_only_reply_to_hls(dev: LogicalDevice) -> None:
    hooks = Hooks()
    pending = ctx("management", authenticated=False, hooks=hooks)
    assert dev.get(pending, attr(1, DATA, 2)) is D.SCOPE_OF_ACCESS_VIOLATED
    assert dev.set(pending, attr(1, DATA, 2), None, OctetString(value=b"x")) \
        is D.SCOPE_OF_ACCESS_VIOLATED
    assert dev.action(pending, meth(3, REG, 1), Integer(value=0)) \
        == (A.SCOPE_OF_ACCESS_VIOLATED, None)
    assert dev.action(pending, meth(15, "0.0.40.0.3.255", 2), OctetString(value=b"s")) \
        == (A.SCOPE_OF_ACCESS_VIOLATED, None)
    assert hooks.seen == []
    # unknown objects stay unknown, whatever the state
    assert dev.get(pending, attr(1, "9.9.9.9.9.9", 2)) is D.OBJECT_UNDEFINED
    for name in ("0.0.40.0.0.255", "0.0.40.0.3.255"):
        result = dev.action(pending, meth(15, name, 1), OctetString(value=b"good"))
        assert result == (A.SUCCESS, OctetString(value=b"f(CtoS)"))
    assert hooks.seen == [b"good", b"good"]


def test_set_of_another_type_is_type_unmatched(dev: LogicalDevice) -> None:
    c = ctx("management")
    assert dev.set(c, attr(1, DATA, 2), None, VisibleString(value="12345678")) \
        is D.TYPE_UNMATCHED
    assert dev.set(c, attr(3, REG, 2), None, Long64Unsigned(value=5)) is D.TYPE_UNMATCHED
    wrong_unit = Structure(items=(Integer(value=0), Unsigned(value=30)))
    assert dev.set(c, attr(3, REG, 3), None, wrong_unit) is D.TYPE_UNMATCHED
    short = Structure(items=(Integer(value=0),))
    assert dev.set(c, attr(3, REG, 3), None, short) is D.TYPE_UNMATCHED
    assert dev.get(c, attr(3, REG, 3)) == SCALER
    assert dev.set(c, attr(1, DATA, 2), None, OctetString(value=b"A")) is D.SUCCESS
    assert dev.get(c, attr(1, DATA, 2)) == OctetString(value=b"A")
    unit = Structure(items=(Integer(value=-3), Enum(value=32)))
    assert dev.set(c, attr(3, REG, 3), None, unit) is D.SUCCESS
    assert dev.get(c, attr(3, REG, 3)) == unit


def test_access_refusal_comes_before_the_type_check(dev: LogicalDevice) -> None:
    assert dev.set(ctx("public"), attr(1, DATA, 2), None, VisibleString(value="x")) \
        is D.READ_WRITE_DENIED


def test_selective_access_where_the_attribute_has_none(dev: LogicalDevice) -> None:
    selection = SelectiveAccessDescriptor(access_selector=1, access_parameters=Unsigned(value=0))
    assert dev.get(ctx("management"), attr(1, DATA, 2), selection) is D.OTHER_REASON
    assert dev.set(ctx("management"), attr(1, DATA, 2), selection,
                   OctetString(value=b"x")) is D.OTHER_REASON


# -- the current association --------------------------------------------------------------
def test_current_association_is_the_requesting_ones(dev: LogicalDevice) -> None:
    for name, sap in (("public", 16), ("management", 1)):
        got = dev.get(ctx(name), attr(15, "0.0.40.0.0.255", 3))
        assert isinstance(got, Structure)
        assert got.items[0] == Integer(value=sap)
    assert dev.get(ctx("public"), attr(1, "0.0.40.0.0.255", 3)) is D.OBJECT_CLASS_INCONSISTENT
    # an association without an Association LN object has no current association object
    assert dev.get(ctx("reader"), attr(15, "0.0.40.0.0.255", 1)) is D.OBJECT_UNDEFINED
    # the instance of another association is invisible
    assert dev.get(ctx("public"), attr(15, "0.0.40.0.3.255", 1)) is D.OBJECT_UNDEFINED


def test_the_current_association_name_cannot_be_given_to_an_object() -> None:
    with pytest.raises(ValueError, match="current association"):
        LogicalDevice([AssociationLN(ln("0.0.40.0.0.255"), association="x", client_sap=16,
                                     server_sap=1)])
    with pytest.raises(ValueError, match="two objects"):
        LogicalDevice([DataObject(ln(DATA), value=Unsigned(value=0)),
                       DataObject(ln(DATA), value=Unsigned(value=1))])


# -- faults and internals -----------------------------------------------------------------
def test_device_faults_add_to_the_request_faults() -> None:
    clean, faulty = device(), device(faults=frozenset({Fault.WRONG_ATTRIBUTE_TYPE}))
    c = ctx("management")
    assert clean.get(c, attr(3, REG, 2)) == DoubleLongUnsigned(value=100)
    assert faulty.get(c, attr(3, REG, 2)) == Long64Unsigned(value=100)
    assert clean.get(ctx("management", faults=frozenset({"wrong-attribute-type"})),
                     attr(3, REG, 2)) == Long64Unsigned(value=100)


def test_internal_value_reads_without_rights(dev: LogicalDevice) -> None:
    assert dev.internal_value(3, ln(REG), 2) == DoubleLongUnsigned(value=100)
    assert dev.internal_value(3, ln(REG), 3, 2) == Enum(value=30)
    assert dev.internal_value(3, ln(REG), 3, 3) is None
    assert dev.internal_value(1, ln(REG), 2) is None
    assert dev.internal_value(3, ln(REG), 9) is None
    assert dev.internal_value(3, ln("1.1.1.1.1.1"), 2) is None
    assert dev.internal_value(3, ln(REG), 2, 1) is None  # not a structure


def test_lookups(dev: LogicalDevice) -> None:
    assert len(dev) == 4
    assert dev[DATA].CLASS_ID == 1
    assert dev.find(ln("0.0.40.0.0.255")) is None
    assert dev.association_object("management") is dev["0.0.40.0.3.255"]
    with pytest.raises(KeyError):
        dev["1.2.3.4.5.6"]
    assert [o.logical_name.dotted for o, _ in dev.objects_of("public")] == [
        DATA, "0.0.40.0.1.255"]
