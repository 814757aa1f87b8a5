"""The reference meter's logical device from a test plan (:class:`conformance.plan.MeterPlan`).

Each plan object becomes the interface class implementation of its class id, with the
plan's access rights per association; objects of classes the meter does not implement
are served as written (stored attributes, no methods). The Clock comes first: the
date-times of the other objects are shown as the Clock shows its time (its deviation and
status), and the synthetic profile buffers end at its start time. The Association LN
and Security setup attributes come from the associations they name; the invocation
counter objects 0.0.43.1.x.255 read ``counter_source(association name)`` live.

Anything the meter cannot serve (an unimplemented class version, a missing association,
an unusable key) raises :class:`~conformance.errors.PlanError` naming the object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.codec.axdr import Array, Data, LongUnsigned, OctetString, Structure
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.selective import CaptureObjectDefinition
from conformance.errors import ConformanceError, PlanError
from conformance.plan.cosem import (
    AttributeAccess,
    MethodAccess,
    TypedValue,
)
from conformance.plan.cosem import CosemObject as PlanObject
from conformance.plan.model import Association, MeterPlan, Protection
from conformance.plan.secrets import Secret
from conformance.security.ecc import load_private_key
from conformance.security.keys import SecurityKeys
from conformance.security.suites import suite_parameters
from conformance.simulator.cosem.association import AssociationLN
from conformance.simulator.cosem.base import AttributeDef, CosemObject, MethodDef, ObjectAccess
from conformance.simulator.cosem.clock import Clock, TimeSource
from conformance.simulator.cosem.data import DataObject, InvocationCounter
from conformance.simulator.cosem.model import LogicalDevice
from conformance.simulator.cosem.profile import ProfileGeneric
from conformance.simulator.cosem.profile_rows import SyntheticRows
from conformance.simulator.cosem.register import DemandRegister, ExtendedRegister, Register
from conformance.simulator.cosem.sap import SapAssignment
from conformance.simulator.cosem.security_setup import SecurityPolicy, SecuritySetup
from conformance.simulator.cosem.timeutil import UTC
from conformance.simulator.cosem.values import naive_date_time, to_data

__all__ = ["CounterSource", "build_logical_device", "system_time"]

CounterSource = Callable[[str], int]
"""The server's current invocation counter for an association's key, by association name."""

_REQUEST_BITS = {Protection.NONE: 0, Protection.AUTHENTICATED: 0x04,
                 Protection.ENCRYPTED: 0x08, Protection.AUTHENTICATED_AND_ENCRYPTED: 0x0C}


def system_time() -> dt.datetime:
    """The host's current time (aware, UTC): the default time source of the meter."""
    return dt.datetime.now(UTC)


def _obis(obj: PlanObject) -> ObisCode:
    return ObisCode.from_bytes(obj.logical_name.to_bytes())


def _rights(obj: PlanObject) -> dict[str, ObjectAccess]:
    """association name -> rights, for every association the plan names on the object."""
    names: list[str] = []
    for rights_of in (*(a.access for a in obj.attributes), *(m.access for m in obj.methods)):
        for name, _ in rights_of.entries:
            if name not in names:
                names.append(name)
    rights: dict[str, ObjectAccess] = {}
    for name in names:
        attributes = {a.index: a.access_for(name) for a in obj.attributes
                      if a.access.for_association(name) is not None}
        methods = {m.index: m.access_for(name) for m in obj.methods
                   if m.access.for_association(name) is not None}
        rights[name] = ObjectAccess(
            attributes={i: AttributeAccess(m) for i, m in attributes.items()},
            methods={i: MethodAccess(m) for i, m in methods.items()})
    return rights


class _Builder:
    def __init__(self, meter: MeterPlan, time_source: TimeSource,
                 counter_source: CounterSource | None) -> None:
        self.meter = meter
        self.time_source = time_source
        self.counter_source = counter_source
        self.clock: Clock | None = None

    def fail(self, obj: PlanObject, message: str) -> PlanError:
        return PlanError(f"meter {self.meter.name!r}, object {obj.logical_name} "
                         f"(class {obj.class_id}): {message}")

    # -- values -------------------------------------------------------------------------
    def date_time(self, value: dt.datetime) -> bytes:
        if value.tzinfo is None and self.clock is not None:
            return self.clock.wall_octets(value)
        return naive_date_time(value)

    def value(self, obj: PlanObject, index: int) -> Data:
        try:
            spec = obj.attribute(index).value
        except KeyError:
            spec = None
        if spec is None:
            raise self.fail(obj, f"attribute {index} has no value")
        return to_data(spec, self.date_time)

    def octets(self, obj: PlanObject, index: int) -> bytes:
        value = self.value(obj, index)
        if not isinstance(value, OctetString):
            raise self.fail(obj, f"attribute {index} must be an octet-string")
        return value.value

    def number(self, obj: PlanObject, index: int) -> int:
        number = getattr(self.value(obj, index), "value", None)
        if not isinstance(number, int):
            raise self.fail(obj, f"attribute {index} must be a number")
        return number

    def association(self, obj: PlanObject) -> Association:
        if obj.association is None:
            raise self.fail(obj, "names no association")
        try:
            return self.meter.association(obj.association)
        except KeyError as exc:
            raise self.fail(obj, str(exc.args[0])) from None

    # -- objects --------------------------------------------------------------------------
    def build(self, obj: PlanObject, rights: dict[str, ObjectAccess]) -> CosemObject:
        kw: dict[str, Any] = {"name": obj.name, "access": rights}
        ln = _obis(obj)
        cid = obj.class_id
        clock = self.clock
        now = None if clock is None else (lambda: clock.date_time_octets(clock.now()))
        if cid == 1:
            counter = self._counter(ln)
            if counter is not None:
                return InvocationCounter(ln, counter=counter, **kw)
            return DataObject(ln, value=self.value(obj, 2), **kw)
        if cid == 3:
            return Register(ln, value=self.value(obj, 2), scaler_unit=self.value(obj, 3), **kw)
        if cid == 4:
            return ExtendedRegister(ln, value=self.value(obj, 2), scaler_unit=self.value(obj, 3),
                                    status=self.value(obj, 4), capture_time=self.octets(obj, 5),
                                    now=now, **kw)
        if cid == 5:
            return DemandRegister(
                ln, current_average_value=self.value(obj, 2),
                last_average_value=self.value(obj, 3), scaler_unit=self.value(obj, 4),
                status=self.value(obj, 5), capture_time=self.octets(obj, 6),
                start_time_current=self.octets(obj, 7), period=self.number(obj, 8),
                number_of_periods=self.number(obj, 9), now=now, **kw)
        if cid == 7:
            return self.profile(obj, ln, kw)
        if cid == 8:
            return self.make_clock(obj, ln, kw)
        if cid == 15:
            return self.association_ln(obj, ln, kw)
        if cid == 17:
            return self.sap_assignment(obj, ln, kw)
        if cid == 64:
            return self.security_setup(obj, ln, kw)
        return self.generic(obj, ln, kw)

    def _counter(self, ln: ObisCode) -> Callable[[], int] | None:
        for assoc in self.meter.associations:
            source = assoc.invocation_counter
            if source is None or source.logical_name is None:
                continue
            if source.logical_name.to_bytes() == ln.to_bytes() and source.class_id == 1:
                counter_source = self.counter_source
                if counter_source is None:
                    return lambda: 0
                name = assoc.name
                return lambda: counter_source(name)
        return None

    def make_clock(self, obj: PlanObject, ln: ObisCode, kw: dict[str, Any]) -> Clock:
        spec = obj.clock
        clock = Clock(ln, time_source=self.time_source,
                      start=None if spec is None else spec.time,
                      running=True if spec is None else spec.running,
                      time_zone=self.number(obj, 3), status=self.number(obj, 4),
                      daylight_savings_begin=self.octets(obj, 5),
                      daylight_savings_end=self.octets(obj, 6),
                      daylight_savings_deviation=self.number(obj, 7),
                      daylight_savings_enabled=bool(self.number(obj, 8)),
                      clock_base=self.number(obj, 9), **kw)
        for other in self.meter.objects:  # adjust_to_measuring_period: a demand period
            if other.class_id == 5 and other is not obj:
                clock.measuring_period = self.number(other, 8)
                break
        return clock

    def profile(self, obj: PlanObject, ln: ObisCode, kw: dict[str, Any]) -> ProfileGeneric:
        spec = obj.profile
        if spec is None:
            raise self.fail(obj, "a Profile generic object needs its profile definition")
        clock = self.clock
        rows = SyntheticRows(
            spec, start=clock.wall_at(clock.now()) if clock else self.time_source().replace(
                tzinfo=None),
            date_time=self.date_time,
            now=(lambda: clock.wall_at(clock.now())) if clock else None)
        columns = tuple(CaptureObjectDefinition(
            class_id=c.class_id, logical_name=ObisCode.from_bytes(c.logical_name.to_bytes()),
            attribute_index=c.attribute, data_index=c.data_index) for c in spec.capture_objects)
        return ProfileGeneric(ln, capture_objects=columns, capture_period=spec.capture_period,
                              profile_entries=spec.profile_entries,
                              sort_method=int(spec.sort_method), rows=rows,
                              wall_to_utc=clock.wall_to_utc if clock else None, **kw)

    def association_ln(self, obj: PlanObject, ln: ObisCode, kw: dict[str, Any]) -> AssociationLN:
        assoc = self.association(obj)
        claims = self.meter.claims
        secret = assoc.password or assoc.secret
        setup = next((o for o in self.meter.objects
                      if o.class_id == 64 and o.association == assoc.name), None)
        conformance = claims.conformance or assoc.proposed_conformance
        return AssociationLN(
            ln, association=assoc.name, version=obj.version, client_sap=assoc.client_address,
            server_sap=self.meter.addressing.server_logical,
            application_context=assoc.context.number, mechanism=int(assoc.mechanism),
            secret=b"" if secret is None else secret.reveal(), conformance=conformance.value,
            max_receive_pdu_size=claims.max_receive_pdu_size or 0xFFFF,
            max_send_pdu_size=assoc.max_pdu_size, dlms_version=claims.dlms_version or 6,
            security_setup_reference=None if setup is None else _obis(setup), **kw)

    def sap_assignment(self, obj: PlanObject, ln: ObisCode, kw: dict[str, Any]) -> SapAssignment:
        value = self.value(obj, 2)
        entries: list[tuple[int, bytes]] = []
        for item in value.items if isinstance(value, Array) else ():
            if not (isinstance(item, Structure) and len(item.items) == 2
                    and isinstance(item.items[0], LongUnsigned)
                    and isinstance(item.items[1], OctetString)):
                raise self.fail(obj, "SAP_assignment_list entries are {long-unsigned, "
                                     "octet-string}")
            entries.append((item.items[0].value, item.items[1].value))
        return SapAssignment(ln, assignments=tuple(entries), **kw)

    def security_setup(self, obj: PlanObject, ln: ObisCode, kw: dict[str, Any]) -> SecuritySetup:
        assoc = self.association(obj)
        keys = assoc.keys
        suite = 0 if assoc.suite is None else assoc.suite
        policy = (_REQUEST_BITS[assoc.policy.request]
                  | _REQUEST_BITS[assoc.policy.response] << 3)
        try:
            symmetric = SecurityKeys(
                encryption_key=_reveal(keys.ek), authentication_key=_reveal(keys.ak),
                master_key=_reveal(keys.kek))
            signing = _private_key(keys.server_signing_key, suite)
            client = (None if keys.client_signing_public_key is None
                      else serialization.load_pem_public_key(keys.client_signing_public_key))
        except (ConformanceError, ValueError) as exc:
            raise self.fail(obj, f"unusable key: {exc}") from None
        if client is not None and not isinstance(client, ec.EllipticCurvePublicKey):
            raise self.fail(obj, "the client signing public key is not an EC key")
        return SecuritySetup(
            ln, association=assoc.name, security_policy=int(SecurityPolicy(policy)),
            security_suite=suite, client_system_title=assoc.client_system_title or b"",
            server_system_title=(assoc.server_system_title or self.meter.server.system_title
                                 or b""),
            keys=symmetric, server_signing_key=signing, client_signing_public_key=client, **kw)

    def generic(self, obj: PlanObject, ln: ObisCode, kw: dict[str, Any]) -> CosemObject:
        values = {a.index: a.value for a in obj.attributes if a.index != 1}
        cls: type[_Generic] = type(f"Class{obj.class_id}", (_Generic,), {
            "CLASS_ID": obj.class_id, "VERSION": obj.version,
            "ATTRIBUTES": (*CosemObject.ATTRIBUTES, *(
                AttributeDef(index=i, name=f"attribute_{i}") for i in sorted(values))),
            "METHODS": tuple(MethodDef(index=m.index, name=f"method_{m.index}")
                             for m in obj.methods)})
        return cls(ln, values={i: self.typed(obj, i, v) for i, v in values.items()}, **kw)

    def typed(self, obj: PlanObject, index: int, value: TypedValue | None) -> Data:
        if value is None:
            raise self.fail(obj, f"attribute {index} has no value")
        return to_data(value, self.date_time)


class _Generic(CosemObject):
    """An object of a class the meter does not implement: stored attributes only."""

    def __init__(self, logical_name: ObisCode, *, values: dict[int, Data], **kw: Any) -> None:
        super().__init__(logical_name, **kw)
        for index, value in values.items():
            self._store(index, value)


def _reveal(secret: Secret | None) -> bytes | None:
    return None if secret is None else secret.reveal()


def _private_key(secret: Secret | None, suite: int) -> ec.EllipticCurvePrivateKey | None:
    if secret is None:
        return None
    raw = secret.reveal()
    if raw.lstrip().startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(raw, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the server signing key is not an EC key")
        return key
    return load_private_key(raw, suite_parameters(suite))


_VERSIONS = {1: (0,), 3: (0,), 4: (0,), 5: (0,), 7: (1,), 8: (0,), 15: (1, 2), 17: (0,),
             64: (1,)}


def build_logical_device(meter: MeterPlan, *, time_source: TimeSource = system_time,
                         counter_source: CounterSource | None = None,
                         faults: frozenset[str] = frozenset()) -> LogicalDevice:
    """The logical device serving ``meter.objects``.

    ``time_source`` drives the Clock (an aware UTC ``datetime``; tests inject a fixed
    one); ``counter_source`` gives the invocation counter objects their value (``None``:
    0); ``faults`` are active for every request (see
    :class:`~conformance.simulator.cosem.base.Fault`).
    """
    builder = _Builder(meter, time_source, counter_source)
    ordered = sorted(meter.objects, key=lambda o: o.class_id != 8)  # the clock first
    built: dict[int, CosemObject] = {}
    for obj in ordered:
        versions = _VERSIONS.get(obj.class_id)
        if versions is not None and obj.version not in versions:
            raise builder.fail(obj, f"version {obj.version} is not implemented by the "
                                    f"reference meter ({', '.join(map(str, versions))})")
        try:
            instance = builder.build(obj, _rights(obj))
        except (TypeError, ValueError) as exc:
            raise builder.fail(obj, str(exc)) from None
        if isinstance(instance, Clock) and builder.clock is None:
            builder.clock = instance
        built[id(obj)] = instance
    try:
        return LogicalDevice((built[id(o)] for o in meter.objects), faults=faults)
    except ValueError as exc:
        raise PlanError(f"meter {meter.name!r}: {exc}") from None
