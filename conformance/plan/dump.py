"""A loaded plan back to plain data / YAML (every default written out).

``plan_from_dict(plan_to_dict(plan, reveal_secrets=True)) == plan``. Without
``reveal_secrets`` a secret read from ``env:``/``file:`` is written as that reference and a
literal one as ``<hidden>``, so the output is safe to print (but such a plan does not load
back until the hidden values are filled in).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import yaml

from conformance.plan.cosem import (
    AccessRights,
    AttributeSpec,
    ClockSpec,
    CosemObject,
    DataTag,
    GeneratorKind,
    ProfileSpec,
    TypedValue,
)
from conformance.plan.model import (
    Association,
    Claims,
    InvocationCounterSource,
    Keys,
    MeterPlan,
    ModeE,
    SecurityPolicy,
    TestPlan,
    Transport,
)
from conformance.plan.secrets import Secret

__all__ = ["HIDDEN", "dump_plan", "plan_to_dict"]

HIDDEN = "<hidden>"
_PREFIXES = ("env:", "file:", "hex:", "text:")


def _plain(obj: Any) -> dict[str, Any]:
    """Fields of a flat dataclass, ``None`` left out."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)
            if getattr(obj, f.name) is not None}


class _Dumper:
    def __init__(self, reveal: bool) -> None:
        self.reveal = reveal

    def secret(self, secret: Secret, kind: str) -> str:
        if not self.reveal:
            return secret.source if secret.source.startswith(("env:", "file:")) else HIDDEN
        data = secret.reveal()
        if kind == "key":
            return data.hex().upper()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return "hex:" + data.hex().upper()
        if kind == "text" and (text.startswith(_PREFIXES) or not text.isprintable()):
            return "text:" + text if text.isprintable() else "hex:" + data.hex().upper()
        return text

    def value(self, tv: TypedValue) -> dict[str, Any]:
        out: dict[str, Any] = {"type": tv.type.type_name}
        v = tv.value
        if tv.type is DataTag.NULL_DATA:
            return out
        if isinstance(v, tuple):
            out["value"] = [self.value(item) for item in v]
        elif isinstance(v, bytes):
            out["value"] = v.hex().upper()
        elif isinstance(v, dt.datetime) and tv.type is DataTag.OCTET_STRING:
            out["date_time"] = v.isoformat()
        elif isinstance(v, dt.date | dt.time):
            out["value"] = v.isoformat()
        else:
            out["value"] = v
        return out

    @staticmethod
    def access(rights: AccessRights) -> dict[str, str]:
        return {name: mode.plan_name for name, mode in rights.entries}

    def attribute(self, attr: AttributeSpec) -> dict[str, Any]:
        out = self.value(attr.value) if attr.value is not None else {}
        if attr.access.entries:
            out["access"] = self.access(attr.access)
        return out

    def profile(self, spec: ProfileSpec) -> dict[str, Any]:
        columns = []
        for col in spec.capture_objects:
            gen = col.generator
            g: dict[str, Any] = {"kind": gen.kind.value}
            if gen.kind is GeneratorKind.COUNTER:
                g.update(start=gen.start, step=gen.step, jitter=gen.jitter)
            elif gen.kind is GeneratorKind.GAUGE:
                g.update(minimum=gen.minimum, maximum=gen.maximum)
            elif gen.kind is GeneratorKind.CONSTANT and gen.value is not None:
                g["value"] = self.value(gen.value)
            columns.append({"class_id": col.class_id, "logical_name": col.logical_name.dotted,
                            "attribute": col.attribute, "data_index": col.data_index,
                            "generator": g})
        return {"capture_objects": columns, "capture_period": spec.capture_period,
                "rows": spec.rows, "profile_entries": spec.profile_entries,
                "sort_method": spec.sort_method.plan_name, "seed": spec.seed}

    @staticmethod
    def clock(spec: ClockSpec) -> dict[str, Any]:
        return {"time": spec.time.isoformat() if spec.time else "now", "running": spec.running}

    def cosem_object(self, obj: CosemObject) -> dict[str, Any]:
        out: dict[str, Any] = {"class_id": obj.class_id, "logical_name": obj.logical_name.dotted,
                               "version": obj.version}
        if obj.name is not None:
            out["name"] = obj.name
        if obj.association is not None:
            out["association"] = obj.association
        if obj.attributes:
            out["attributes"] = {str(a.index): self.attribute(a) for a in obj.attributes}
        if obj.methods:
            out["methods"] = {str(m.index): ({"access": self.access(m.access)}
                                             if m.access.entries else {})
                              for m in obj.methods}
        if obj.profile is not None:
            out["profile"] = self.profile(obj.profile)
        if obj.clock is not None:
            out["clock"] = self.clock(obj.clock)
        return out

    @staticmethod
    def transport(t: Transport) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": t.kind.value}
        for key, value in _plain(t).items():
            if key == "baudrate" and getattr(t, "mode_e", None) is not None:
                continue  # with mode E the meter announces the baud rate
            if key == "timeouts":
                out[key] = _plain(value)
            elif key == "mode_e":
                fields = _plain(value) if isinstance(value, ModeE) else {}
                out[key] = fields or True
            else:
                out[key] = getattr(value, "value", value)
        return out

    def keys(self, keys: Keys) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in _plain(keys).items():
            if isinstance(value, bytes):  # public keys, PEM
                out[key] = value.decode("ascii")
            else:
                out[key] = self.secret(value, "pem" if key.endswith("signing_key") else "key")
        return out

    @staticmethod
    def policy(policy: SecurityPolicy) -> Any:
        if policy.request is policy.response:
            return policy.request.value
        return {"request": policy.request.value, "response": policy.response.value}

    @staticmethod
    def counter(src: InvocationCounterSource) -> dict[str, Any]:
        out = _plain(src)
        if src.logical_name is not None:
            out["logical_name"] = src.logical_name.dotted
        if src.initial is not None:
            out = {"initial": src.initial}
        return out

    def association(self, a: Association) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in _plain(a).items():
            if key in ("password", "secret"):
                out[key] = self.secret(value, "text")
            elif key in ("client_system_title", "server_system_title"):
                out[key] = value.hex().upper()
            elif key == "keys":
                if dumped := self.keys(value):
                    out[key] = dumped
            elif key == "policy":
                out[key] = self.policy(value)
            elif key == "invocation_counter":
                out[key] = self.counter(value)
            elif key == "proposed_conformance":
                out[key] = value.hex
            elif key == "mechanism":
                out[key] = value.plan_name
            else:
                out[key] = getattr(value, "value", value)
        return out

    @staticmethod
    def claims(c: Claims) -> dict[str, Any]:
        out = _plain(c)
        if c.conformance is not None:
            out["conformance"] = c.conformance.hex
        if c.mechanisms is not None:
            out["mechanisms"] = [m.plan_name for m in c.mechanisms]
        for key in ("suites", "services"):
            if key in out:
                out[key] = list(out[key])
        if c.hdlc is not None:
            out["hdlc"] = _plain(c.hdlc)
        return out

    def meter(self, m: MeterPlan) -> dict[str, Any]:
        out: dict[str, Any] = {"name": m.name}
        for key in ("description", "vendor", "firmware"):
            if getattr(m, key) is not None:
                out[key] = getattr(m, key)
        out["transport"] = self.transport(m.transport)
        out["addressing"] = _plain(m.addressing)
        out["hdlc"] = _plain(m.hdlc)
        out["associations"] = [self.association(a) for a in m.associations]
        if claims := self.claims(m.claims):
            out["claims"] = claims
        server: dict[str, Any] = {"invocation_counter": m.server.invocation_counter}
        if m.server.system_title is not None:
            server["system_title"] = m.server.system_title.hex().upper()
        out["server"] = server
        if m.objects:
            out["objects"] = [self.cosem_object(o) for o in m.objects]
        return out


def plan_to_dict(plan: TestPlan, *, reveal_secrets: bool = False) -> dict[str, Any]:
    """The plan as plain data in the YAML layout (always the ``meters:`` form)."""
    d = _Dumper(reveal_secrets)
    return {"version": plan.version, "meters": [d.meter(m) for m in plan.meters]}


def dump_plan(plan: TestPlan, *, reveal_secrets: bool = False) -> str:
    """The plan as YAML text (see :func:`plan_to_dict`)."""
    return yaml.safe_dump(plan_to_dict(plan, reveal_secrets=reveal_secrets), sort_keys=False,
                          allow_unicode=True, width=100)
