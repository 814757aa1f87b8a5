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

To add a fault: declare a :class:`FaultSpec` in its layer's module of
:mod:`conformance.simulator.fault_catalogue` and test ``faults.active(name)`` where the
meter deviates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from conformance.simulator.fault_catalogue import CATALOGUE, FaultLayer, FaultSpec

__all__ = ["FAULTS", "FaultLayer", "FaultSet", "FaultSpec", "UnknownFaultError", "fault_spec"]


FAULTS: Mapping[str, FaultSpec] = MappingProxyType({spec.name: spec for spec in CATALOGUE})
"""Every fault the reference meter knows, by name, in registration order."""

if len(FAULTS) != len(CATALOGUE):  # pragma: no cover - a catalogue mistake, caught at import
    _names = [spec.name for spec in CATALOGUE]
    raise RuntimeError(f"fault names registered twice: "
                       f"{sorted({n for n in _names if _names.count(n) > 1})}")


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
