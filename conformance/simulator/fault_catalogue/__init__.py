"""The catalogue of the reference meter's faults, one module per layer.

Each module declares ``SPECS: tuple[FaultSpec, ...]``; :data:`CATALOGUE` lists them in the
order ``--list-faults`` prints them (bottom layer first). To add a layer's faults, add a
module here and name it in :data:`CATALOGUE`.
"""

from __future__ import annotations

from conformance.simulator.fault_catalogue import association, cosem, link, security, services
from conformance.simulator.fault_catalogue.spec import FaultLayer, FaultSpec

__all__ = ["CATALOGUE", "FaultLayer", "FaultSpec"]

CATALOGUE: tuple[FaultSpec, ...] = (
    *link.SPECS,
    *association.SPECS,
    *security.SPECS,
    *services.SPECS,
    *cosem.SPECS,
)
