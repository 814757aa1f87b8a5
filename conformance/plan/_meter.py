"""One meter: its parts built, then the rules that span parts (cross references).

Cross references: association names are unique; client addresses of accepted associations
are unique; an invocation counter is read through an existing, different association that
can read the counter object; claims cover the mechanisms and suites used; the reference
meter (transport ``simulator``) has what it needs to play its part (its system title, its
signing keys, its Security setup objects, profile and clock definitions).
"""

from __future__ import annotations

from typing import Any

from conformance.plan._build import (
    build_addressing,
    build_association,
    build_claims,
    build_hdlc,
    build_server,
    build_transport,
)
from conformance.plan._context import Ctx
from conformance.plan._issues import DocPath
from conformance.plan._objects import build_objects, with_profile
from conformance.plan._profile_build import build_profile
from conformance.plan.classes import CLASSES
from conformance.plan.cosem import CosemObject, DataTag, LogicalName
from conformance.plan.model import (
    Association,
    Expectation,
    Mechanism,
    MeterPlan,
    SimulatorTransport,
)

__all__ = ["build_meter"]


def _check_associations(ctx: Ctx, assocs: list[Association], path: DocPath) -> None:
    names: dict[str, int] = {}
    clients: dict[int, int] = {}
    for i, a in enumerate(assocs):
        if a.name in names:
            ctx.error((*path, i, "name"), f"duplicate association name {a.name!r} (also "
                                          f"associations[{names[a.name]}])")
        names.setdefault(a.name, i)
        if a.expect is Expectation.ACCEPTED:
            if a.client_address in clients:
                other = assocs[clients[a.client_address]].name
                ctx.error((*path, i, "client_address"),
                          f"client address {a.client_address} is also used by association "
                          f"{other!r} (only one accepted association per client)")
            clients.setdefault(a.client_address, i)
    by_name = {a.name: a for a in assocs}
    for i, a in enumerate(assocs):
        src = a.invocation_counter
        if src is None or src.association is None:
            continue
        at = (*path, i, "invocation_counter", "association")
        reader = by_name.get(src.association)
        if reader is None:
            ctx.error(at, f"no association named {src.association!r}")
        elif reader is a:
            ctx.error(at, "an association cannot read its own invocation counter before it "
                          "exists")
        elif reader.expect is not Expectation.ACCEPTED:
            ctx.error(at, f"association {reader.name!r} is expected to be rejected")
        else:
            seen = {a.name}
            cur: Association | None = reader
            while cur is not None and cur.invocation_counter is not None \
                    and cur.invocation_counter.association is not None:
                if cur.name in seen:
                    ctx.error(at, "the invocation counters are read in a circle")
                    break
                seen.add(cur.name)
                cur = by_name.get(cur.invocation_counter.association)


def _check_claims(ctx: Ctx, meter: MeterPlan, path: DocPath) -> None:
    claims = meter.claims
    for i, a in enumerate(meter.associations):
        if a.expect is not Expectation.ACCEPTED:
            continue
        if claims.mechanisms is not None and a.mechanism not in claims.mechanisms:
            ctx.error((*path, i, "mechanism"), f"mechanism {a.mechanism.plan_name} is not in "
                                               "claims.mechanisms")
        if claims.suites is not None and a.suite is not None and a.suite not in claims.suites:
            ctx.error((*path, i, "suite"), f"suite {a.suite} is not in claims.suites")


def _check_counter_objects(ctx: Ctx, meter: MeterPlan, path: DocPath, simulated: bool,
                           refused: set[LogicalName]) -> None:
    objects = {o.logical_name: o for o in meter.objects}
    by_name = {a.name: a for a in meter.associations}
    for i, a in enumerate(meter.associations):
        src = a.invocation_counter
        if src is None or src.logical_name is None or src.association is None:
            continue
        at = (*path, i, "invocation_counter")
        obj = objects.get(src.logical_name)
        if obj is None:
            if src.logical_name in refused:
                continue  # the object's own mistake is reported
            if meter.objects or simulated:
                ctx.error((*at, "logical_name"),
                          f"object {src.logical_name.dotted} is not among the meter's objects")
            continue
        if obj.class_id != src.class_id:
            ctx.error((*at, "logical_name"), f"object {src.logical_name.dotted} has class "
                                             f"{obj.class_id}, not {src.class_id}")
            continue
        try:
            attr = obj.attribute(src.attribute)
        except KeyError:
            ctx.error((*at, "attribute"), f"object {src.logical_name.dotted} has no attribute "
                                          f"{src.attribute}")
            continue
        if attr.value is not None and attr.value.type is not DataTag.DOUBLE_LONG_UNSIGNED:
            # Green Book: the invocation counter is a double-long-unsigned.
            ctx.error((*at, "logical_name"),
                      f"attribute {src.attribute} of {src.logical_name.dotted} is "
                      f"{attr.value.type.type_name}; an invocation counter is "
                      "double-long-unsigned")
        reader = by_name.get(src.association)
        if reader is None or reader is a or reader.expect is not Expectation.ACCEPTED:
            continue  # _check_associations said what is wrong with the reader
        if not attr.access_for(src.association).can_read:
            ctx.error((*at, "association"), f"association {src.association!r} has no read "
                                            f"access to attribute {src.attribute} of "
                                            f"{src.logical_name.dotted}")


def _check_simulated(ctx: Ctx, meter: MeterPlan, path: DocPath, meter_path: DocPath) -> None:
    accepted = [a for a in meter.associations if a.expect is Expectation.ACCEPTED]
    if not accepted:
        ctx.error(path, "the reference meter offers the associations expected to be "
                        "accepted: at least one is needed")
    # The reference meter states its system title in its answers to system-title users,
    # ciphered and HLS associations (and refuses to start without one for those).
    needs_title = [a.name for a in meter.associations if a.client_system_title is not None
                   or (a in accepted and (a.ciphered or a.mechanism.is_hls))]
    if needs_title and meter.server.system_title is None:
        ctx.error(meter_path, "the reference meter needs server.system_title for association(s) "
                              f"{', '.join(needs_title)} (system titles, ciphering or HLS)")
    setups = {o.association for o in meter.objects if o.class_id == 64}
    for i, a in enumerate(meter.associations):
        if a.mechanism is Mechanism.ECDSA and a.keys.server_signing_key is None:
            ctx.error((*path, i, "keys"), "the reference meter signs with "
                                          "keys.server_signing_key (mechanism ecdsa)")
        if a.suite is not None and a.expect is Expectation.ACCEPTED and a.name not in setups:
            ctx.error((*path, i), f"the reference meter needs a Security setup object "
                                  f"(class 64) with association: {a.name}")


def build_meter(ctx: Ctx, data: dict[str, Any], path: DocPath) -> MeterPlan:
    """One ``meter`` mapping (schema-valid) -> :class:`MeterPlan`."""
    transport = build_transport(ctx, data.get("transport"), (*path, "transport"))
    simulated = isinstance(transport, SimulatorTransport)
    server = build_server(ctx, data.get("server"), (*path, "server"))
    apath = (*path, "associations")
    assocs = [build_association(ctx, a, (*apath, i), framing=transport.framing, server=server)
              for i, a in enumerate(data["associations"])]
    _check_associations(ctx, assocs, apath)
    names = list(dict.fromkeys(a.name for a in assocs))
    opath = (*path, "objects")
    built, refused = build_objects(ctx, data.get("objects") or [], opath, names)
    by_ln: dict[LogicalName, CosemObject] = {}
    for obj, _, _ in built:
        by_ln.setdefault(obj.logical_name, obj)
    # The meter's time at start: the first clock's (the reference meter's clock), else now.
    clock = next((o.clock for o, _, _ in built if o.class_id == 8), None)
    objects: list[CosemObject] = []
    for obj, raw, at in built:
        if "profile" in raw and obj.class_id == 7:
            profile = build_profile(ctx, raw["profile"], (*at, "profile"), by_ln, refused,
                                    None if clock is None else clock.time)
            obj = with_profile(obj, profile)
        if simulated and obj.class_id == 7 and obj.profile is None and "profile" not in raw:
            ctx.error(at, "the reference meter needs profile: for a Profile generic object")
        if simulated and obj.class_id == 8 and obj.clock is None and "clock" not in raw:
            ctx.error(at, "the reference meter needs clock: for a Clock object")
        info = CLASSES.get(obj.class_id)
        if simulated and info is not None and info.implemented is not None \
                and obj.version not in info.implemented:
            ctx.error((*at, "version") if "version" in raw else at,
                      f"the reference meter implements {info.name} (class {obj.class_id}) "
                      f"version {' and '.join(map(str, info.implemented))}, not "
                      f"{obj.version}")
        objects.append(obj)
    meter = MeterPlan(
        name=data["name"], description=data.get("description"), vendor=data.get("vendor"),
        firmware=data.get("firmware"), transport=transport,
        addressing=build_addressing(ctx, data.get("addressing"), (*path, "addressing")),
        hdlc=build_hdlc(data.get("hdlc")), associations=tuple(assocs),
        claims=build_claims(ctx, data.get("claims"), (*path, "claims")), server=server,
        objects=tuple(objects))
    _check_claims(ctx, meter, apath)
    _check_counter_objects(ctx, meter, apath, simulated, refused)
    if simulated:
        _check_simulated(ctx, meter, apath, path)
    return meter
