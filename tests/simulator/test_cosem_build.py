"""The logical device built from the default plan testplans/simulator.yaml, and the three
COSEM faults, each changing exactly its targeted behaviour."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache
from typing import Any

import pytest

from conformance.codec.axdr import (
    Array,
    Data,
    DoubleLongUnsigned,
    Integer,
    Long,
    OctetString,
    Structure,
    encode_data,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.errors import PlanError
from conformance.plan import ProfileGenerator, default_plan_path, load_plan
from conformance.plan.cosem import (
    AccessRights,
    AttributeAccess,
    AttributeSpec,
    DataTag,
    LogicalName,
    MethodAccess,
    MethodSpec,
    TypedValue,
)
from conformance.plan.cosem import CosemObject as PlanObject
from conformance.plan.model import MeterPlan, Protection
from conformance.simulator.cosem import (
    AssociationLN,
    Clock,
    Fault,
    InvocationCounter,
    LogicalDevice,
    ProfileGeneric,
    SecuritySetup,
    build_logical_device,
)
from conformance.simulator.cosem.values import to_data
from tests.simulator.cosem_support import FakeTime, attr, ctx, meth

D = DataAccessResult
ZERO = Integer(value=0)
START = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)


@cache
def meter() -> MeterPlan:
    path = default_plan_path()
    assert path.name == "simulator.yaml"
    return load_plan(path).meters[0]


def build(**kw: Any) -> tuple[LogicalDevice, FakeTime]:
    time = FakeTime(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))  # the plan sets the clock
    return build_logical_device(meter(), time_source=time, **kw), time


def full(association: str, **kw: Any) -> Any:
    return ctx(association, protection=Protection.AUTHENTICATED_AND_ENCRYPTED, **kw)


def snapshot(device: LogicalDevice, faults: frozenset[str] = frozenset()
             ) -> dict[tuple[str, str, int], Data | DataAccessResult]:
    """Every attribute of every object as every association reads it."""
    out = {}
    for assoc in meter().associations:
        for obj in device:
            for definition in obj.attribute_defs:
                descriptor = CosemAttributeDescriptor(
                    class_id=obj.CLASS_ID, instance_id=obj.logical_name,
                    attribute_id=definition.index)
                out[assoc.name, obj.logical_name.dotted, definition.index] = device.get(
                    full(assoc.name, faults=faults), descriptor)
    return out


def test_every_plan_object_is_built_with_its_class_and_version() -> None:
    device, _ = build()
    assert len(device) == len(meter().objects)
    for plan_object in meter().objects:
        obj = device[str(plan_object.logical_name)]
        assert (obj.CLASS_ID, obj.version) == (plan_object.class_id, plan_object.version)
        assert obj.name == plan_object.name


def test_every_readable_attribute_has_its_declared_type() -> None:
    device, _ = build()
    values = snapshot(device)
    readable = 0
    for (_, name, index), value in values.items():
        obj = device[name]
        if isinstance(value, Data):
            readable += 1
            assert obj.shape(index).matches(value), (name, index)
            encode_data(value)
        else:
            assert value in (D.READ_WRITE_DENIED, D.OBJECT_UNDEFINED), (name, index, value)
    assert readable > 200


def test_plan_access_rights() -> None:
    device, _ = build()
    assert device.get(ctx("public"), attr(3, "1.0.1.8.0.255", 2)) is D.READ_WRITE_DENIED
    assert device.get(ctx("reader"), attr(3, "1.0.1.8.0.255", 2)) \
        == DoubleLongUnsigned(value=12345678)
    assert device.get(ctx("public"), attr(64, "0.0.43.0.1.255", 2)) is D.OBJECT_UNDEFINED
    assert device.set(ctx("management"), attr(3, "1.0.1.8.0.255", 2), None,
                      DoubleLongUnsigned(value=1)) is D.READ_WRITE_DENIED
    assert device.action(ctx("management"), meth(3, "1.0.1.8.0.255", 1),
                         ZERO) == (ActionResult.SUCCESS, None)
    assert device.action(ctx("reader"), meth(3, "1.0.2.8.0.255", 1), ZERO) \
        == (ActionResult.READ_WRITE_DENIED, None)
    # the public client's object list: what it may see, no more
    listed = device.get(ctx("public"), attr(15, "0.0.40.0.0.255", 2))
    assert isinstance(listed, Array)
    names = {ObisCode.from_bytes(e.items[2].value).dotted for e in listed.items}  # type: ignore
    assert "0.0.43.1.1.255" in names and "0.0.43.0.1.255" not in names
    assert "1.0.1.8.0.255" in names  # listed with no access


def test_associations_and_security_setups_come_from_the_plan() -> None:
    device, _ = build()
    reader = device.association_object("reader")
    assert isinstance(reader, AssociationLN) and reader.secret == b"12345678"
    assert reader.mechanism == 1
    hls = device.association_object("hls-sha256")
    assert isinstance(hls, AssociationLN) and hls.secret == b"reference-meter-hls-secret"
    setup = device["0.0.43.0.1.255"]
    assert isinstance(setup, SecuritySetup)
    assert setup.keys.encryption_key == bytes(range(16))
    assert setup.keys.master_key == bytes(range(16))
    assert setup.client_system_title == bytes.fromhex("4D4D4D0000BC614E")
    assert setup.server_system_title == bytes.fromhex("4D4D4D0000000001")
    assert int(setup.security_policy) == 0x6C
    for name, curve in (("0.0.43.0.3.255", "secp256r1"), ("0.0.43.0.4.255", "secp384r1")):
        s = device[name]
        assert isinstance(s, SecuritySetup) and s.server_signing_key is not None
        assert s.server_signing_key.curve.name == curve
        assert s.client_signing_public_key is not None
    assert device.get(ctx("management"), attr(15, "0.0.40.0.3.255", 9)) \
        == OctetString(value=bytes.fromhex("00002B0001FF"))


def test_invocation_counters_read_the_counter_source() -> None:
    counters = {"management": 41, "management-dedicated": 7, "hls-sha256": 0,
                "hls-ecdsa": 2**32 - 1}
    device, _ = build(counter_source=counters.__getitem__)
    for e, name in enumerate(("management", "management-dedicated", "hls-sha256",
                              "hls-ecdsa"), start=1):
        assert isinstance(device[f"0.0.43.1.{e}.255"], InvocationCounter)
        assert device.get(ctx("public"), attr(1, f"0.0.43.1.{e}.255", 2)) \
            == DoubleLongUnsigned(value=counters[name])
    counters["management"] = 42
    assert device.get(ctx("public"), attr(1, "0.0.43.1.1.255", 2)) \
        == DoubleLongUnsigned(value=42)
    plain, _ = build()
    assert plain.get(ctx("public"), attr(1, "0.0.43.1.1.255", 2)) == DoubleLongUnsigned(value=0)


def test_clock_and_profile_follow_the_plan() -> None:
    device, time = build()
    clock = device["0.0.1.0.0.255"]
    assert isinstance(clock, Clock) and clock.now() == START
    time.advance(90)
    assert clock.now() == START + dt.timedelta(seconds=90)
    profile = device["1.0.99.1.0.255"]
    assert isinstance(profile, ProfileGeneric)
    assert profile.entries_in_use == 2880
    spec = meter().object("1.0.99.1.0.255").profile
    assert spec is not None
    generator = ProfileGenerator(spec, dt.datetime(2024, 6, 1, 12, 0))
    rows = profile.rows(range(0, 2880, 719))
    for position, row in zip(range(0, 2880, 719), rows.items, strict=True):
        assert isinstance(row, Structure)
        assert row.items[1:] == tuple(to_data(v) for v in generator.row(position)[1:])
        assert row.items[0] == OctetString(value=clock.wall_octets(generator.time(position)))
    first = rows.items[0].items[0]  # type: ignore[attr-defined]
    assert first == OctetString(value=bytes.fromhex("07E80502040C0F0000000000"))


def test_unimplemented_versions_and_other_classes() -> None:
    m = meter()
    old_profile = [dataclasses.replace(o, version=0) if o.class_id == 7 else o
                   for o in m.objects]
    with pytest.raises(PlanError, match="version 0 is not implemented"):
        build_logical_device(dataclasses.replace(m, objects=tuple(old_profile)))
    everyone = AccessRights(entries=(("public", AttributeAccess.READ_ONLY),))
    disconnect = PlanObject(
        class_id=70, logical_name=LogicalName.parse("0.0.96.3.10.255"), name="Disconnect",
        attributes=(AttributeSpec(index=1, access=everyone),
                    AttributeSpec(index=2, value=TypedValue(type=DataTag.BOOLEAN, value=True),
                                  access=everyone),
                    AttributeSpec(index=3, value=TypedValue(type=DataTag.ENUM, value=1),
                                  access=everyone)),
        methods=(MethodSpec(index=1, access=AccessRights(entries=(
            ("public", MethodAccess.ACCESS),))),))
    device = build_logical_device(dataclasses.replace(m, objects=(*m.objects, disconnect)))
    assert encode_data(device.get(ctx("public"), attr(70, "0.0.96.3.10.255", 2))) \
        == bytes.fromhex("0301")  # type: ignore[arg-type]
    assert device.get(ctx("public"), attr(70, "0.0.96.3.10.255", 4)) is D.OBJECT_UNDEFINED
    assert device.action(ctx("public"), meth(70, "0.0.96.3.10.255", 1), ZERO) \
        == (ActionResult.OBJECT_UNAVAILABLE, None)


# -- faults -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clean_snapshot() -> dict[tuple[str, str, int], Data | DataAccessResult]:
    device, _ = build()
    return snapshot(device)


def _differences(faults: frozenset[str],
                 clean: dict[tuple[str, str, int], Data | DataAccessResult]
                 ) -> dict[tuple[str, str, int], tuple[Any, Any]]:
    device, _ = build(faults=faults)
    faulty = snapshot(device)
    assert faulty.keys() == clean.keys()
    return {k: (clean[k], faulty[k]) for k in clean if clean[k] != faulty[k]}


def test_wrong_attribute_type_changes_only_register_values(clean_snapshot: Any) -> None:
    diff = _differences(frozenset({Fault.WRONG_ATTRIBUTE_TYPE}), clean_snapshot)
    registers = {o.logical_name.dotted for o in meter().objects if o.class_id == 3}
    assert diff and {(name, index) for _, name, index in diff} == {(r, 2) for r in registers}
    for before, after in diff.values():
        assert isinstance(before, Data) and isinstance(after, Data)
        assert before.TAG is not after.TAG
        assert before.value == after.value  # type: ignore[attr-defined]


def test_object_list_lies_changes_only_object_lists(clean_snapshot: Any) -> None:
    diff = _differences(frozenset({Fault.OBJECT_LIST_LIES}), clean_snapshot)
    assert diff and {index for _, _, index in diff} == {2}
    assert {name for _, name, _ in diff} <= {o.logical_name.dotted for o in meter().objects
                                             if o.class_id == 15}
    device, _ = build(faults=frozenset({Fault.OBJECT_LIST_LIES}))
    # advertised writable, still read-only
    assert device.set(ctx("reader"), attr(3, "1.0.1.8.0.255", 2), None,
                      DoubleLongUnsigned(value=1)) is D.READ_WRITE_DENIED


def test_clock_ignores_set_changes_only_setting_the_time(clean_snapshot: Any) -> None:
    assert _differences(frozenset({Fault.CLOCK_IGNORES_SET}), clean_snapshot) == {}
    new_time = OctetString(value=bytes.fromhex("07E80601060D00000000000000")[:12])
    for faults, expected in ((frozenset(), START + dt.timedelta(hours=1)),
                             (frozenset({Fault.CLOCK_IGNORES_SET}), START)):
        device, _ = build(faults=faults)
        assert device.set(ctx("management"), attr(8, "0.0.1.0.0.255", 2), None, new_time) \
            is D.SUCCESS
        clock = device["0.0.1.0.0.255"]
        assert isinstance(clock, Clock) and clock.now() == expected
        assert device.action(ctx("management"), meth(8, "0.0.1.0.0.255", 6),
                             Long(value=60)) == (ActionResult.SUCCESS, None)
        assert clock.now() == expected + dt.timedelta(seconds=60)
