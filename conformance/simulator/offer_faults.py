"""The association and security faults as the association machine's deviation hooks.

:func:`with_faults` is called where the meter builds what it offers to a client SAP
(:meth:`~conformance.simulator.meter.Meter.offered`, for every AARQ): each active fault of
:mod:`~conformance.simulator.fault_catalogue.association` and
:mod:`~conformance.simulator.fault_catalogue.security` becomes one field of
:class:`~conformance.protocol.association.ServerDeviations` (what the server accepts and how
it answers) or of :class:`~conformance.protocol.association.Deviations` (what it sends), so
the machines never see a fault name. ``reset-counters-on-restart`` is not here: it acts when
the meter starts (:class:`~conformance.simulator.state.CounterState`).
"""

from __future__ import annotations

import dataclasses
import os

from conformance.codec.acse.names import AcseServiceUserDiagnostic
from conformance.protocol.association import (
    OfferedAssociation,
    SecurityPolicy,
    ServerDeviations,
)
from conformance.simulator.fault_catalogue.association import AssociationFault as A
from conformance.simulator.fault_catalogue.security import SecurityFault as S
from conformance.simulator.faults import FaultSet

__all__ = ["CONSTANT_STOC", "SHORT_STOC_LENGTH", "weaker_policy", "with_faults"]

CONSTANT_STOC = b"CONSTANT-STOC-16"
"""The StoC of ``constant-stoc`` (16 octets, every association)."""
SHORT_STOC_LENGTH = 7
"""Octets of the StoC of ``short-stoc`` (Green Book 9.2.7.4 requires 8 to 64)."""


def weaker_policy(policy: SecurityPolicy) -> SecurityPolicy:
    """The response protection of ``weaker-response-protection``: authentication only for
    authenticated encryption, none for a policy with one protection."""
    if policy is SecurityPolicy.AUTHENTICATED_ENCRYPTED:
        return SecurityPolicy.AUTHENTICATED
    return SecurityPolicy.NONE


def _other_title(title: bytes | None) -> bytes | None:
    """A system title that is not ``title`` (its last octet's bits inverted)."""
    if title is None:
        return None
    return title[:-1] + bytes((title[-1] ^ 0xFF,))


def with_faults(offered: OfferedAssociation, faults: FaultSet) -> OfferedAssociation:
    """``offered`` with the deviation hooks of the active association and security faults
    (``offered`` itself when none is active)."""
    on = faults.active
    sends = offered.deviations
    if on(A.CONSTANT_STOC):
        sends = dataclasses.replace(sends, challenge=CONSTANT_STOC)
    if on(A.SHORT_STOC):
        # a fresh random challenge for every offer, i.e. for every AARQ
        sends = dataclasses.replace(sends, challenge=os.urandom(SHORT_STOC_LENGTH))
    if on(A.GRANT_UNPROPOSED_CONFORMANCE):
        sends = dataclasses.replace(sends, conformance=offered.conformance)
    if on(A.WRONG_F_CTOS):
        sends = dataclasses.replace(sends, wrong_f=True)
    accepts = ServerDeviations(
        accept_any_application_context=on(A.ACCEPT_UNKNOWN_CONTEXT),
        accept_any_password=on(A.ACCEPT_BAD_PASSWORD),
        password_failure_diagnostic=(AcseServiceUserDiagnostic.NO_REASON_GIVEN
                                     if on(A.WRONG_DIAGNOSTIC_BAD_PASSWORD) else None),
        lowest_dlms_version=5 if on(A.ACCEPT_DLMS_VERSION_5) else None,
        lowest_client_max_receive_pdu_size=1 if on(A.ACCEPT_SMALL_PDU) else None,
        accept_any_f_stoc=on(A.ACCEPT_WRONG_F_STOC),
        serve_before_authentication=on(A.SERVE_BEFORE_PASS3),
        responding_ap_title=(_other_title(offered.system_title)
                             if on(S.WRONG_SYSTEM_TITLE) else None),
        accept_replayed_counter=on(S.ACCEPT_REPLAYED_COUNTER),
        accept_wrong_tag=on(S.ACCEPT_TAMPERED_TAG),
        accept_plain_requests=on(S.SERVE_PLAIN_IN_CIPHERED),
        response_security_policy=(weaker_policy(offered.security_policy)
                                  if on(S.WEAKER_RESPONSE_PROTECTION) else None),
        repeat_response_counter=on(S.REPEAT_OWN_COUNTER))
    if sends == offered.deviations and not accepts.active:
        return offered
    return dataclasses.replace(offered, deviations=sends, server_deviations=accepts)
