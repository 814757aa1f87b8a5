"""The services faults as the services machine's deviation hooks.

:func:`services_deviations` is called where the meter builds the services machine of an
established association (:class:`~conformance.simulator.application.Application`): each
active fault of :mod:`~conformance.simulator.fault_catalogue.services` becomes one field of
:class:`~conformance.protocol.services.ServerDeviations`, so the machine never sees a fault
name.
"""

from __future__ import annotations

from conformance.protocol.services import NO_DEVIATIONS, ServerDeviations
from conformance.simulator.fault_catalogue.services import ServicesFault as F
from conformance.simulator.faults import FaultSet

__all__ = ["GBT_BURST", "INVOKE_ID_OFFSET", "RESTARTED_BLOCK", "SKIPPED_BLOCK",
           "services_deviations"]

SKIPPED_BLOCK = 3
"""The block-number ``skip-datablock-number`` skips (1, 2, 4, ...)."""
RESTARTED_BLOCK = 3
"""The block whose number ``restart-datablock-numbers`` sets back to 1 (1, 2, 1, ...)."""
GBT_BURST = 63
"""Blocks per burst with ``ignore-gbt-window`` (the largest window a client can announce)."""
INVOKE_ID_OFFSET = 1
"""Added to the invoke-id of every response with ``wrong-invoke-id``."""


def services_deviations(faults: FaultSet) -> ServerDeviations:
    """The deviations of the services machine for the active services faults
    (:data:`~conformance.protocol.services.NO_DEVIATIONS` when none is active)."""
    on = faults.active
    deviations = ServerDeviations(
        ignore_client_max_receive_pdu_size=on(F.EXCEED_CLIENT_MAX_PDU),
        skipped_response_block_number=SKIPPED_BLOCK if on(F.SKIP_DATABLOCK_NUMBER) else None,
        response_block_numbers_restart_at=(RESTARTED_BLOCK if on(F.RESTART_DATABLOCK_NUMBERS)
                                           else None),
        accept_any_next_block_number=on(F.ACCEPT_WRONG_BLOCK_NUMBER),
        gbt_without_conformance=on(F.GBT_NOT_NEGOTIATED),
        datablocks_after_gbt_request=on(F.MIX_GBT_GET_NEXT),
        gbt_blocks_per_burst=GBT_BURST if on(F.IGNORE_GBT_WINDOW) else None,
        serve_services_not_granted=on(F.SERVE_UNNEGOTIATED_SERVICES),
        response_invoke_id_offset=INVOKE_ID_OFFSET if on(F.WRONG_INVOKE_ID) else 0,
        never_last_response_block=on(F.LAST_BLOCK_NEVER_SET))
    return deviations if deviations.active else NO_DEVIATIONS
