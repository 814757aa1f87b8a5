"""The default plan (testplans/simulator.yaml, the reference meter) loads and says what the
issue asks of the reference meter."""

from __future__ import annotations

import pytest

from conformance.plan import (
    ApplicationContext,
    AttributeAccess,
    DataTag,
    Expectation,
    Framing,
    GeneratorKind,
    LogicalName,
    Mechanism,
    MeterPlan,
    ProfileGenerator,
    Protection,
    SimulatorTransport,
    TestPlan,
    TypedValue,
    default_plan_path,
    load_plan,
)
from conformance.plan.names import SERVICES
from tests.plan._helpers import TESTPLANS


@pytest.fixture(scope="module")
def plan() -> TestPlan:
    return load_plan(default_plan_path())


@pytest.fixture(scope="module")
def meter(plan: TestPlan) -> MeterPlan:
    return plan.meters[0]


def test_default_plan_path() -> None:
    assert default_plan_path() == TESTPLANS / "simulator.yaml"


def test_one_simulated_meter(plan: TestPlan, meter: MeterPlan) -> None:
    assert len(plan.meters) == 1
    assert plan.meter("reference-meter") is meter
    assert isinstance(meter.transport, SimulatorTransport)
    assert meter.transport.framing is Framing.HDLC
    with pytest.raises(KeyError, match="no meter 'x'"):
        plan.meter("x")


def test_addressing(meter: MeterPlan) -> None:
    a = meter.addressing
    # dlms-notes: 00 02 00 21 = logical 1, physical 16 (4-byte form).
    assert (a.server_logical, a.server_physical, a.server_address_size, a.server_wport) == \
        (1, 16, 4, 1)


def test_associations(meter: MeterPlan) -> None:
    public = meter.association("public")
    assert (public.client_address, public.mechanism, public.context) == \
        (16, Mechanism.NONE, ApplicationContext.LN)
    reader = meter.association("reader")
    assert reader.mechanism is Mechanism.LOW and reader.password is not None
    assert reader.client_address in (17, 32)
    mgmt = meter.association("management")
    assert (mgmt.client_address, mgmt.mechanism, mgmt.suite) == (1, Mechanism.GMAC, 0)
    assert mgmt.policy.request is mgmt.policy.response is \
        Protection.AUTHENTICATED_AND_ENCRYPTED
    assert mgmt.keys.ek is not None and mgmt.keys.ak is not None and mgmt.keys.kek is not None
    # Green Book example keys.
    assert mgmt.keys.ek.reveal() == bytes(range(16))
    assert mgmt.keys.ak.reveal() == bytes(range(0xD0, 0xE0))
    assert mgmt.client_system_title is not None and len(mgmt.client_system_title) == 8
    assert mgmt.server_system_title == meter.server.system_title
    sha = meter.association("hls-sha256")
    assert (sha.mechanism, sha.suite, sha.secret is not None) == (Mechanism.SHA256, 1, True)
    ecdsa = meter.association("hls-ecdsa")
    assert (ecdsa.mechanism, ecdsa.suite) == (Mechanism.ECDSA, 2)
    assert ecdsa.keys.ek is not None and len(ecdsa.keys.ek.reveal()) == 32
    assert ecdsa.keys.client_signing_key is not None
    assert ecdsa.keys.server_signing_key is not None
    assert ecdsa.keys.server_signing_public_key is not None
    assert ecdsa.keys.client_signing_public_key is not None
    assert any(a.use_dedicated_key for a in meter.associations)
    negative = [a for a in meter.associations if a.expect is Expectation.REJECTED]
    assert [a.expect_diagnostic for a in negative] == ["authentication-failure"]
    with pytest.raises(KeyError, match="no association 'nope'"):
        meter.association("nope")


def test_claims(meter: MeterPlan) -> None:
    claims = meter.claims
    assert claims.mechanisms is not None and set(claims.mechanisms) >= {
        Mechanism.NONE, Mechanism.LOW, Mechanism.GMAC, Mechanism.SHA256, Mechanism.ECDSA}
    assert claims.suites == (0, 1, 2)
    assert claims.conformance is not None and "general-block-transfer" in claims.conformance
    assert claims.services is not None
    for service in claims.services:  # derived from the conformance block
        assert all(bit in claims.conformance for bit in SERVICES[service])
    for assoc in meter.associations:
        if assoc.expect is Expectation.ACCEPTED:
            assert assoc.mechanism in claims.mechanisms


def test_invocation_counters_are_readable_by_the_public_client(meter: MeterPlan) -> None:
    secured = [a for a in meter.associations if a.suite is not None]
    assert len(secured) == 4
    for assoc in secured:
        src = assoc.invocation_counter
        assert src is not None and src.association == "public"
        assert src.logical_name is not None
        assert src.logical_name.groups[:4] == (0, 0, 43, 1)
        obj = meter.object(src.logical_name)
        attr = obj.attribute(2)
        assert attr.value == TypedValue(type=DataTag.DOUBLE_LONG_UNSIGNED, value=0)
        assert attr.access_for("public") is AttributeAccess.READ_ONLY


def test_object_classes(meter: MeterPlan) -> None:
    classes = {o.class_id for o in meter.objects}
    # Data, Register, Extended/Demand register, Profile generic, Clock, Association LN,
    # SAP assignment, Security setup.
    assert classes >= {1, 3, 4, 5, 7, 8, 15, 17, 64}
    ldn = meter.object("0.0.42.0.0.255").attribute(2).value
    assert ldn == TypedValue(type=DataTag.OCTET_STRING, value=b"DLC0000000000001")
    register = meter.object("1.0.1.8.0.255")
    assert register.attribute(3).value == TypedValue(type=DataTag.STRUCTURE, value=(
        TypedValue(type=DataTag.INTEGER, value=0), TypedValue(type=DataTag.ENUM, value=30)))
    assert register.attribute(2).access_for("public") is AttributeAccess.NO_ACCESS
    assert register.attribute(2).access_for("reader") is AttributeAccess.READ_ONLY
    setups = {o.association for o in meter.objects if o.class_id == 64}
    assert setups == {a.name for a in meter.associations if a.suite is not None}
    clock = meter.object(LogicalName.parse("0.0.1.0.0.255"))
    assert clock.clock is not None and clock.clock.time is not None
    assert clock.attribute(2).access_for("management") is AttributeAccess.READ_AND_WRITE
    assert clock.attribute(2).access_for("public") is AttributeAccess.READ_ONLY
    with pytest.raises(KeyError, match=r"no object 9\.9\.9\.9\.9\.9"):
        meter.object("9.9.9.9.9.9")


def test_load_profile_has_thousands_of_synthetic_rows(meter: MeterPlan) -> None:
    profile = meter.object("1.0.99.1.0.255").profile
    assert profile is not None
    assert profile.rows >= 2000 and profile.profile_entries >= profile.rows
    kinds = [c.generator.kind for c in profile.capture_objects]
    assert kinds[0] is GeneratorKind.CLOCK
    clock = meter.object("0.0.1.0.0.255").clock
    assert clock is not None and clock.time is not None
    rows = ProfileGenerator(profile, clock.time).rows()
    assert len(rows) == profile.rows
    assert rows[-1][0].value == clock.time  # the last capture at the meter's start time
    energy = [int(str(row[2].value)) for row in rows]
    assert energy == sorted(energy)  # a cumulative register never decreases
