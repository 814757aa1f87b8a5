"""Faults of the association layer: ACSE (AARQ/AARE, IEC 62056-5-3 / Green Book 9.4.2) and
HLS authentication (Green Book 9.2.7.4).

Each is switched on where the meter builds the association machine's offer
(:meth:`~conformance.simulator.meter.Meter.offered`, through
:func:`~conformance.simulator.offer_faults.with_faults`), as one field of the machine's
generic deviation hooks (:class:`~conformance.protocol.association.ServerDeviations`, or
:class:`~conformance.protocol.association.Deviations` for what the server sends); the
machines never see a fault name. An association fault applies from the next AARQ on.
"""

from __future__ import annotations

from enum import StrEnum

from conformance.simulator.fault_catalogue.spec import FaultLayer, FaultSpec

__all__ = ["SPECS", "AssociationFault"]


class AssociationFault(StrEnum):
    """The names of the association faults (``meter.faults.active(AssociationFault.X)``)."""

    WRONG_DIAGNOSTIC_BAD_PASSWORD = "wrong-diagnostic-bad-password"
    ACCEPT_BAD_PASSWORD = "accept-bad-password"
    ACCEPT_UNKNOWN_CONTEXT = "accept-unknown-context"
    ACCEPT_DLMS_VERSION_5 = "accept-dlms-version-5"
    ACCEPT_SMALL_PDU = "accept-small-pdu"
    GRANT_UNPROPOSED_CONFORMANCE = "grant-unproposed-conformance"
    CONSTANT_STOC = "constant-stoc"
    SHORT_STOC = "short-stoc"
    ACCEPT_WRONG_F_STOC = "accept-wrong-f-stoc"
    WRONG_F_CTOS = "wrong-f-ctos"
    SERVE_BEFORE_PASS3 = "serve-before-pass3"


def _spec(fault: AssociationFault, description: str) -> FaultSpec:
    return FaultSpec(name=fault.value, layer=FaultLayer.ASSOCIATION, description=description)


_F = AssociationFault

SPECS: tuple[FaultSpec, ...] = (
    _spec(_F.WRONG_DIAGNOSTIC_BAD_PASSWORD,
          "a wrong LLS password is rejected with diagnostic no-reason-given (1) instead of "
          "authentication-failure (13)"),
    _spec(_F.ACCEPT_BAD_PASSWORD, "a wrong LLS password is accepted"),
    _spec(_F.ACCEPT_UNKNOWN_CONTEXT,
          "an AARQ with an application context the association does not offer is accepted "
          "(the AARE names the offered one)"),
    _spec(_F.ACCEPT_DLMS_VERSION_5,
          "an InitiateRequest proposing DLMS version 5 is accepted instead of rejected "
          "with dlms-version-too-low"),
    _spec(_F.ACCEPT_SMALL_PDU,
          "a client-max-receive-pdu-size below 12 is accepted instead of rejected with "
          "pdu-size-too-short"),
    _spec(_F.GRANT_UNPROPOSED_CONFORMANCE,
          "the InitiateResponse grants the whole supported conformance block, bits the "
          "client did not propose included"),
    _spec(_F.CONSTANT_STOC, "the HLS StoC challenge is the same 16 octets on every association"),
    _spec(_F.SHORT_STOC, "the HLS StoC challenge is 7 random octets (shorter than 8)"),
    _spec(_F.ACCEPT_WRONG_F_STOC,
          "HLS pass 3 succeeds whatever f(StoC) the client sends (pass 4 answers success)"),
    _spec(_F.WRONG_F_CTOS, "HLS pass 4 returns a wrong f(CtoS) (one bit flipped)"),
    _spec(_F.SERVE_BEFORE_PASS3,
          "requests other than reply_to_HLS_authentication are served while HLS "
          "authentication is pending"),
)
"""The association faults, in the order ``--list-faults`` prints them."""
