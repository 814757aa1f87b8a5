"""The fault registry and the one lookup, ``meter.faults.active(name)``."""

from __future__ import annotations

import pytest

from conformance.codec.axdr import DoubleLongUnsigned
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor
from conformance.plan import default_plan_path, load_plan
from conformance.simulator.cosem import Fault, RequestContext
from conformance.simulator.faults import (
    FAULTS,
    FaultLayer,
    FaultSet,
    FaultSpec,
    UnknownFaultError,
    fault_spec,
)
from conformance.simulator.meter import Meter


def test_registry_holds_the_cosem_faults_with_layer_and_one_line() -> None:
    assert {f.value for f in Fault} <= set(FAULTS)
    for name, spec in FAULTS.items():
        assert spec.name == name
        assert isinstance(spec.layer, FaultLayer)
        assert spec.description and "\n" not in spec.description
    assert fault_spec("clock-ignores-set").layer is FaultLayer.COSEM
    with pytest.raises(TypeError):
        FAULTS["x"] = FAULTS["clock-ignores-set"]  # type: ignore[index]


def test_fault_spec_validation() -> None:
    with pytest.raises(ValueError, match="invalid fault name"):
        FaultSpec(name="two words", layer=FaultLayer.HDLC, description="x")
    with pytest.raises(ValueError, match="one non-empty line"):
        FaultSpec(name="x", layer=FaultLayer.HDLC, description="a\nb")


def test_fault_set_lookup() -> None:
    faults = FaultSet(["clock-ignores-set", "object-list-lies"])
    assert faults.active("clock-ignores-set")
    assert not faults.active("wrong-attribute-type")
    assert faults.names == frozenset({"clock-ignores-set", "object-list-lies"})
    assert list(faults) == ["clock-ignores-set", "object-list-lies"]
    assert [s.name for s in faults.specs()] == ["object-list-lies", "clock-ignores-set"]
    assert len(faults) == 2 and faults and not FaultSet()
    assert str(FaultSet()) == "none" and str(faults) == "clock-ignores-set, object-list-lies"
    assert faults == FaultSet(["object-list-lies", "clock-ignores-set"])
    assert hash(faults) == hash(FaultSet(["object-list-lies", "clock-ignores-set"]))


def test_unknown_names_are_errors_not_silence() -> None:
    with pytest.raises(UnknownFaultError, match="unknown fault 'clock-ignore-set'"):
        FaultSet(["clock-ignore-set"])
    with pytest.raises(KeyError, match=r"known: .*wrong-attribute-type"):
        FaultSet().active("typo")


def _read_energy(meter: Meter) -> object:
    descriptor = CosemAttributeDescriptor(class_id=3, instance_id=ObisCode.parse("1.0.1.8.0.255"),
                                          attribute_id=2)
    return meter.device.get(RequestContext(association="reader"), descriptor)


def test_meter_faults_reach_the_cosem_model() -> None:
    plan = load_plan(default_plan_path()).meters[0]
    meter = Meter(plan, faults=["wrong-attribute-type"])
    try:
        assert meter.faults.active("wrong-attribute-type")
        assert meter.device.faults == frozenset({"wrong-attribute-type"})
        assert not isinstance(_read_energy(meter), DoubleLongUnsigned)
        meter.set_faults([])
        assert not meter.faults.active("wrong-attribute-type")
        assert isinstance(_read_energy(meter), DoubleLongUnsigned)
        with pytest.raises(UnknownFaultError):
            meter.set_faults(["nope"])
        assert meter.faults == FaultSet()
    finally:
        meter.close()
