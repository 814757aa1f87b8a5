"""The reference meter's switchable faults: one registry, one lookup.

A fault makes the reference meter deviate from the standard in one precise way, so that the
checks can be tested against it (DESIGN "Verdicts must be trustworthy": each fault must fail
the check(s) that target it and nothing else). Every fault is

* registered here, once, with its name, the layer it acts on and a one-line description
  (``conformance simulate --list-faults`` prints this table), and
* checked at the exact place where the deviation happens, through
  ``meter.faults.active("name")`` (:meth:`FaultSet.active`), never through a flag of its own.

Asking for a name that is not registered is a programming error (``KeyError``), so a typo
cannot silently turn a fault off. The COSEM object model receives the same set as the
``frozenset[str]`` of its :class:`~conformance.simulator.cosem.base.RequestContext`
(:attr:`FaultSet.names`); its fault names come from
:class:`~conformance.simulator.cosem.base.Fault`.

To add a fault: add a :class:`FaultSpec` to :data:`FAULTS` and test ``faults.active(name)``
where the meter deviates.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from conformance.simulator.cosem.base import Fault

__all__ = ["FAULTS", "FaultLayer", "FaultSet", "FaultSpec", "UnknownFaultError", "fault_spec"]


class FaultLayer(enum.Enum):
    """The protocol layer a fault changes."""

    TRANSPORT = "transport"
    """Byte pipe and IEC 62056-21 sign-on."""
    HDLC = "hdlc"
    """IEC 62056-46 data link layer."""
    WRAPPER = "wrapper"
    """IEC 62056-47 transport layer."""
    ASSOCIATION = "association"
    """ACSE: AARQ/AARE, RLRQ/RLRE, HLS passes 3 and 4."""
    SECURITY = "security"
    """Ciphering and invocation counters (Green Book 9.2)."""
    SERVICES = "services"
    """xDLMS services: GET/SET/ACTION, blocks, GBT (IEC 62056-5-3)."""
    COSEM = "cosem"
    """The COSEM object model (IEC 62056-6-2 interface classes)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultSpec:
    """One registered fault."""

    name: str
    """The name used on the command line and in plans (``wrong-attribute-type``)."""
    layer: FaultLayer
    """The layer it acts on."""
    description: str
    """One line: what the meter does wrong when the fault is active."""

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip() or " " in self.name:
            raise ValueError(f"invalid fault name {self.name!r}")
        if "\n" in self.description or not self.description:
            raise ValueError(f"fault {self.name}: the description is one non-empty line")


FAULTS: Mapping[str, FaultSpec] = MappingProxyType({spec.name: spec for spec in (
    FaultSpec(name=Fault.WRONG_ATTRIBUTE_TYPE.value, layer=FaultLayer.COSEM,
              description="Register (class 3) value is returned with another A-XDR type "
                          "than the declared one"),
    FaultSpec(name=Fault.OBJECT_LIST_LIES.value, layer=FaultLayer.COSEM,
              description="Association LN object_list advertises read-and-write for "
                          "read-only attributes (access is still enforced)"),
    FaultSpec(name=Fault.CLOCK_IGNORES_SET.value, layer=FaultLayer.COSEM,
              description="SET of the Clock time answers success but the clock keeps its "
                          "time"),
)})
"""Every fault the reference meter knows, by name, in registration order."""


class UnknownFaultError(KeyError):
    """A fault name that is not registered (the message lists the known ones)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown fault"


def fault_spec(name: str) -> FaultSpec:
    """The registered fault called ``name``; :class:`UnknownFaultError` otherwise."""
    spec = FAULTS.get(name)
    if spec is None:
        known = ", ".join(FAULTS)
        raise UnknownFaultError(f"unknown fault {name!r} (known: {known})")
    return spec


@dataclass(frozen=True, slots=True)
class FaultSet:
    """The active faults of a meter: a frozen set of registered names.

    ``FaultSet(["clock-ignores-set"])`` validates every name; :meth:`active` is the one
    question code asks where a deviation happens.
    """

    names: frozenset[str]
    """The active fault names (what the COSEM model's ``faults`` expects)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        chosen = frozenset(names)
        for name in sorted(chosen):
            fault_spec(name)
        object.__setattr__(self, "names", chosen)

    def active(self, name: str) -> bool:
        """Whether fault ``name`` is switched on (:class:`UnknownFaultError` for a name
        that is not registered: a misspelt check must not pass silently)."""
        fault_spec(name)
        return name in self.names

    def specs(self) -> tuple[FaultSpec, ...]:
        """The active faults' registrations, in registration order."""
        return tuple(spec for spec in FAULTS.values() if spec.name in self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.names))

    def __len__(self) -> int:
        return len(self.names)

    def __bool__(self) -> bool:
        return bool(self.names)

    def __repr__(self) -> str:
        return f"FaultSet({sorted(self.names)!r})"

    def __str__(self) -> str:
        return ", ".join(sorted(self.names)) if self.names else "none"
