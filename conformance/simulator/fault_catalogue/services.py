"""Faults of the xDLMS services layer: GET/SET/ACTION, service-specific block transfer
(IEC 62056-5-3 9.4.6), general block transfer (Green Book 9.4.6.13) and the negotiated
conformance and PDU size (IEC 62056-5-3 9.5).

Each is switched on where the meter builds the services machine of an association
(:class:`~conformance.simulator.application.Application`, through
:func:`~conformance.simulator.services_faults.services_deviations`), as one field of the
machine's generic deviation hook :class:`~conformance.protocol.services.ServerDeviations`;
the machine never sees a fault name. A services fault applies from the next association on.
"""

from __future__ import annotations

from enum import StrEnum

from conformance.simulator.fault_catalogue.spec import FaultLayer, FaultSpec

__all__ = ["SPECS", "ServicesFault"]


class ServicesFault(StrEnum):
    """The names of the services faults (``meter.faults.active(ServicesFault.X)``)."""

    EXCEED_CLIENT_MAX_PDU = "exceed-client-max-pdu"
    SKIP_DATABLOCK_NUMBER = "skip-datablock-number"
    RESTART_DATABLOCK_NUMBERS = "restart-datablock-numbers"
    ACCEPT_WRONG_BLOCK_NUMBER = "accept-wrong-block-number"
    GBT_NOT_NEGOTIATED = "gbt-not-negotiated"
    MIX_GBT_GET_NEXT = "mix-gbt-get-next"
    IGNORE_GBT_WINDOW = "ignore-gbt-window"
    SERVE_UNNEGOTIATED_SERVICES = "serve-unnegotiated-services"
    WRONG_INVOKE_ID = "wrong-invoke-id"
    LAST_BLOCK_NEVER_SET = "last-block-never-set"


def _spec(fault: ServicesFault, description: str) -> FaultSpec:
    return FaultSpec(name=fault.value, layer=FaultLayer.SERVICES, description=description)


_F = ServicesFault

SPECS: tuple[FaultSpec, ...] = (
    _spec(_F.EXCEED_CLIENT_MAX_PDU,
          "responses are sent whole, longer than the client-max-receive-pdu-size, instead "
          "of in blocks (dlms-notes failure 9)"),
    _spec(_F.SKIP_DATABLOCK_NUMBER,
          "the blocks of a long response (GET datablocks, ACTION pblocks) skip block-number "
          "3: 1, 2, 4, 5, ..."),
    _spec(_F.RESTART_DATABLOCK_NUMBERS,
          "the block-numbers of a long response restart at 1 with its third block: 1, 2, "
          "1, 2, ..."),
    _spec(_F.ACCEPT_WRONG_BLOCK_NUMBER,
          "a get-request-next (action-request-next-pblock) with a wrong block-number is "
          "answered with the next block instead of data-block-number-invalid"),
    _spec(_F.GBT_NOT_NEGOTIATED,
          "a response too long for the client goes in general-block-transfer blocks "
          "although general-block-transfer was not negotiated (dlms-notes failure 8)"),
    _spec(_F.MIX_GBT_GET_NEXT,
          "a long response to a request sent in general-block-transfer blocks goes in GET "
          "datablocks (ACTION pblocks): the meter leaves GBT within the exchange"),
    _spec(_F.IGNORE_GBT_WINDOW,
          "general-block-transfer blocks are streamed up to 63 per burst whatever window "
          "the client announced"),
    _spec(_F.SERVE_UNNEGOTIATED_SERVICES,
          "requests needing a service outside the negotiated conformance (SET, ACTION, "
          "with-list, selective access...) are served instead of refused (dlms-notes "
          "failure 11)"),
    _spec(_F.WRONG_INVOKE_ID,
          "responses carry the invoke-id of the request plus one (modulo 16)"),
    _spec(_F.LAST_BLOCK_NEVER_SET,
          "no block of a long response carries last-block; further requests for the next "
          "block get empty blocks until the client gives up"),
)
"""The services faults, in the order ``--list-faults`` prints them."""
