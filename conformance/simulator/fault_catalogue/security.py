"""Faults of the security layer: ciphering and invocation counters (Green Book 9.2.7).

All but one are switched on where the meter builds the association machine's offer
(:meth:`~conformance.simulator.meter.Meter.offered`, through
:func:`~conformance.simulator.offer_faults.with_faults`), as one field of the machine's
generic hook :class:`~conformance.protocol.association.ServerDeviations`; the machines never
see a fault name. ``reset-counters-on-restart`` is the meter's own: its counter state is
not restored when it starts (:class:`~conformance.simulator.state.CounterState`).
"""

from __future__ import annotations

from enum import StrEnum

from conformance.simulator.fault_catalogue.spec import FaultLayer, FaultSpec

__all__ = ["SPECS", "SecurityFault"]


class SecurityFault(StrEnum):
    """The names of the security faults (``meter.faults.active(SecurityFault.X)``)."""

    ACCEPT_REPLAYED_COUNTER = "accept-replayed-counter"
    REPEAT_OWN_COUNTER = "repeat-own-counter"
    ACCEPT_TAMPERED_TAG = "accept-tampered-tag"
    SERVE_PLAIN_IN_CIPHERED = "serve-plain-in-ciphered"
    WEAKER_RESPONSE_PROTECTION = "weaker-response-protection"
    RESET_COUNTERS_ON_RESTART = "reset-counters-on-restart"
    WRONG_SYSTEM_TITLE = "wrong-system-title"


def _spec(fault: SecurityFault, description: str) -> FaultSpec:
    return FaultSpec(name=fault.value, layer=FaultLayer.SECURITY, description=description)


_F = SecurityFault

SPECS: tuple[FaultSpec, ...] = (
    _spec(_F.ACCEPT_REPLAYED_COUNTER,
          "a ciphered request whose invocation counter is not greater than the last "
          "accepted one is served"),
    _spec(_F.REPEAT_OWN_COUNTER,
          "once associated, every ciphered response reuses the invocation counter of the "
          "first one"),
    _spec(_F.ACCEPT_TAMPERED_TAG,
          "a ciphered request whose authentication tag does not verify is served"),
    _spec(_F.SERVE_PLAIN_IN_CIPHERED,
          "plain (unciphered) requests are served in a ciphered association"),
    _spec(_F.WEAKER_RESPONSE_PROTECTION,
          "once associated, responses drop the encryption of the request (authentication "
          "only), or go plain when the policy has one protection only"),
    _spec(_F.RESET_COUNTERS_ON_RESTART,
          "after a restart the meter's invocation counter starts again from its initial "
          "value and the last client counter is forgotten (takes effect at start)"),
    _spec(_F.WRONG_SYSTEM_TITLE,
          "the AARE responding-AP-title is not the system title the meter ciphers with "
          "(its last octet differs)"),
)
"""The security faults, in the order ``--list-faults`` prints them."""
