"""The shape of a fault registration: its name, the layer it acts on, one line on what it
imitates. Kept apart from :mod:`conformance.simulator.faults` so that each layer's catalogue
module (:mod:`conformance.simulator.fault_catalogue`) can declare its faults without importing
the registry that collects them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["FaultLayer", "FaultSpec"]


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
