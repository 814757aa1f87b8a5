"""Deliberate deviations of the SERVER role of the services machine, for a reference meter
that imitates the non-conformant behaviour of real meters so that the checks can be proven
against it (DESIGN "Verdicts must be trustworthy").

Each field of :class:`ServerDeviations` names one behaviour; the defaults mean "conformant"
and then the machine does exactly what it does without them. They are given to
:class:`~conformance.protocol.services.server.ServerServices` (``deviations=``) and exist
for the server role only: a client never reads them (its own deviations are the session's).
Every place where the machine honours one is marked ``FAULT HOOK`` in the code: the
transition tables stay the standard's, a deviation is an explicit branch beside them.

Deviations of the APDUs as sent (invoke-id, block numbers, last-block) change the octets
only: the machine keeps expecting what a conformant exchange would bring (the client's
continuations carry the invoke-id of its request, and acknowledge the block number the
meter put on the wire), and :class:`~conformance.protocol.services.events.Served` reports
the answer the meter meant to send.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms.descriptors import DataBlockSA
from conformance.codec.xdlms.get import DataBlockG
from conformance.protocol.services.blocks import MAX_BLOCK_NUMBER

__all__ = ["NO_DEVIATIONS", "ServerDeviations", "response_block_number", "with_block"]

_MAX_BURST = 0xFFFF
"""GBT block numbers are Unsigned16: no burst can hold more blocks."""


def response_block_number(apdu: Apdu) -> int | None:
    """The block-number of a response block (get-response-with-datablock,
    action-response-with-pblock); ``None`` for any other APDU."""
    if isinstance(apdu, get.GetResponseWithDatablock):
        return apdu.result.block_number
    if isinstance(apdu, act.ActionResponseWithPblock):
        return apdu.pblock.block_number
    return None


def with_block(apdu: Apdu, *, number: int, last: bool, raw: bytes | None = None) -> Apdu:
    """The response block ``apdu`` carrying block-number ``number``, last-block ``last``,
    and ``raw`` as raw-data (``None``: its own). ``TypeError`` for another APDU."""
    if isinstance(apdu, get.GetResponseWithDatablock):
        block = apdu.result
        return dataclasses.replace(apdu, result=DataBlockG(
            last_block=last, block_number=number,
            result=block.result if raw is None else raw))
    if isinstance(apdu, act.ActionResponseWithPblock):
        pblock = apdu.pblock
        return dataclasses.replace(apdu, pblock=DataBlockSA(
            last_block=last, block_number=number,
            raw_data=pblock.raw_data if raw is None else raw))
    raise TypeError(f"{type(apdu).__name__} is not a response block")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerDeviations:
    """What the server does wrong on purpose (each field one behaviour, all off by
    default). ``ValueError`` for a value that cannot be sent at all."""

    # -- negotiated parameters (IEC 62056-5-3 9.5; Green Book 9.5, Conformance) ------------
    ignore_client_max_receive_pdu_size: bool = False
    """Every APDU is sent whole, however long: the client-max-receive-pdu-size of the
    InitiateRequest is not applied (no service-specific blocks, one general-block-transfer
    block per APDU when the exchange uses GBT), instead of blocking what does not fit."""
    serve_services_not_granted: bool = False
    """A request needing a service or mechanism outside the negotiated conformance (SET,
    ACTION, with-list, selective access, attribute 0...) is served instead of refused
    with an exception-response (service-not-allowed / service-not-supported). General-
    block-transfer requests without the bit are still refused."""
    response_invoke_id_offset: int = 0
    """Added (0..15) to the invoke-id of every APDU sent with an Invoke-Id-And-Priority
    (responses, blocks, acknowledgements), modulo 16; its service-class and priority bits
    are kept. The client's continuations are still expected with its own invoke-id."""

    # -- service-specific block transfer (IEC 62056-5-3 9.4.6) ------------------------------
    skipped_response_block_number: int | None = None
    """Long responses (GET datablocks, ACTION pblocks) skip this block-number: the block
    that should carry it, and every one after, carries one more (3: 1, 2, 4, 5, ...)."""
    response_block_numbers_restart_at: int | None = None
    """Long responses restart their numbering once: the block that should carry this
    block-number (2 or more) carries 1 again, and the next ones count on from there
    (3: 1, 2, 1, 2, 3, ...)."""
    accept_any_next_block_number: bool = False
    """A get-request-next / action-request-next-pblock whose block-number is not the one
    of the last block sent is answered with the next block, instead of
    data-block-number-invalid / long-action-aborted."""
    never_last_response_block: bool = False
    """No block of a long response carries last-block TRUE; once every block was sent,
    each further get-request-next / action-request-next-pblock is answered with one more
    block without raw-data (next block-number, last-block FALSE): the transfer ends only
    when the client sends another request."""

    # -- general block transfer (Green Book 9.4.6.13) ---------------------------------------
    gbt_without_conformance: bool = False
    """A response too long for the client goes in general-block-transfer blocks although
    general-block-transfer was not negotiated (instead of service-specific blocks, or the
    result other-reason); the client's acknowledgements of those blocks are taken, other
    general-block-transfer APDUs still refused."""
    datablocks_after_gbt_request: bool = False
    """A long response to a request that came in general-block-transfer blocks goes in
    service-specific blocks (GET datablocks, ACTION pblocks, when granted) instead of
    general block transfer: the meter leaves GBT in the middle of the exchange."""
    gbt_blocks_per_burst: int | None = None
    """General-block-transfer blocks sent per burst (1..65535) whatever window the client
    announced (a sender may send at most the peer's window before its acknowledgement)."""

    def __post_init__(self) -> None:
        if not 0 <= self.response_invoke_id_offset <= 0x0F:
            raise ValueError("response_invoke_id_offset must be 0..15, got "
                             f"{self.response_invoke_id_offset}")
        skipped = self.skipped_response_block_number
        if skipped is not None and not 1 <= skipped <= MAX_BLOCK_NUMBER:
            raise ValueError(f"skipped_response_block_number must be 1..{MAX_BLOCK_NUMBER}, "
                             f"got {skipped}")
        restart = self.response_block_numbers_restart_at
        if restart is not None and not 2 <= restart <= MAX_BLOCK_NUMBER:
            raise ValueError(f"response_block_numbers_restart_at must be 2..{MAX_BLOCK_NUMBER}"
                             f" (1 would change nothing), got {restart}")
        burst = self.gbt_blocks_per_burst
        if burst is not None and not 1 <= burst <= _MAX_BURST:
            raise ValueError(f"gbt_blocks_per_burst must be 1..{_MAX_BURST}, got {burst}")

    @property
    def active(self) -> bool:
        """True when any deviation is set."""
        return self != NO_DEVIATIONS

    # -- what goes on the wire ------------------------------------------------------------
    def outgoing(self, apdu: Apdu) -> Apdu:
        """``apdu`` as it goes on the wire: with the invoke-id offset when it carries an
        Invoke-Id-And-Priority; ``apdu`` itself otherwise."""
        invoke = getattr(apdu, "invoke_id_and_priority", None)
        if not self.response_invoke_id_offset or not isinstance(invoke, int):
            return apdu
        # FAULT HOOK: another invoke-id than the request's (imitates meters that answer
        # with a counter of their own, or with the invoke-id of an earlier request).
        shifted = (invoke & 0xF0) | ((invoke + self.response_invoke_id_offset) & 0x0F)
        return dataclasses.replace(apdu, invoke_id_and_priority=shifted)  # type: ignore[type-var]

    def _wire_number(self, number: int) -> int:
        skipped = self.skipped_response_block_number
        if skipped is not None and number >= skipped:
            # FAULT HOOK: a block-number skipped (imitates meters that count a block they
            # never sent).
            number = min(number + 1, MAX_BLOCK_NUMBER)
        restart = self.response_block_numbers_restart_at
        if restart is not None and number >= restart:
            # FAULT HOOK: the numbering restarts at 1 (imitates meters that reset their
            # block counter in the middle of a transfer).
            number = number - restart + 1
        return number

    def response_blocks(self, blocks: list[Apdu]) -> list[Apdu]:
        """The blocks of a long response (numbered 1, 2, ... by the machine, the last one
        with last-block TRUE) as they go on the wire: renumbered, and without last-block
        when the deviations say so; ``blocks`` itself when none applies."""
        if (self.skipped_response_block_number is None
                and self.response_block_numbers_restart_at is None
                and not self.never_last_response_block):
            return blocks
        out = []
        for index, block in enumerate(blocks, start=1):
            # FAULT HOOK: last-block never set (imitates meters whose final block is
            # flagged like the others, so the client asks for more).
            last = index == len(blocks) and not self.never_last_response_block
            out.append(with_block(block, number=self._wire_number(index), last=last))
        return out

    def follow_up_block(self, previous: Apdu) -> Apdu:
        """With :attr:`never_last_response_block`: the block answering a request for the
        next block once every block was sent (no raw-data, the block-number after
        ``previous``'s, last-block FALSE)."""
        number = response_block_number(previous) or 0
        # FAULT HOOK: the transfer never ends (see never_last_response_block).
        return with_block(previous, number=min(number + 1, MAX_BLOCK_NUMBER), last=False,
                          raw=b"")


NO_DEVIATIONS = ServerDeviations()
"""No deviation (the default of the server machine)."""
