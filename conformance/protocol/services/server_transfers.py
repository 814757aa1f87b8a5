"""The long transfers of the SERVER role in progress (IEC 62056-5-3 9.4.6, service-specific
block transfer): a SET / ACTION request coming in blocks, a GET / ACTION response going out
in blocks, and the helpers that read the request blocks.

A response's blocks are kept as they go on the wire, the server's
:class:`~conformance.protocol.services.deviations.ServerDeviations` applied: the client's
request for the next block must acknowledge the block-number the server sent last.
"""

from __future__ import annotations

from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.descriptors import DataBlockSA
from conformance.protocol.services.blocks import BlockSequence
from conformance.protocol.services.deviations import (
    NO_DEVIATIONS,
    ServerDeviations,
    response_block_number,
)

__all__ = ["Incoming", "Outgoing", "as_continuation", "block_of", "invoke_of", "is_set"]


class Incoming:
    """A long SET / ACTION request coming in blocks."""

    __slots__ = ("head", "sequence")

    def __init__(self, head: Apdu, sequence: BlockSequence) -> None:
        self.head = head
        """The first block (set-request-with-(list-and-)first-datablock, ...)."""
        self.sequence = sequence
        """The raw-data received so far."""


class Outgoing:
    """A long GET / ACTION response going out in blocks; the first one is sent."""

    __slots__ = ("blocks", "deviations", "invoke", "last_sent", "sent")

    def __init__(self, invoke: int, blocks: list[Apdu],
                 deviations: ServerDeviations = NO_DEVIATIONS) -> None:
        self.invoke = invoke
        """The request's Invoke-Id-And-Priority (the continuations must carry it)."""
        self.blocks = blocks
        """Every block, as on the wire."""
        self.deviations = deviations
        self.sent = 1
        """Blocks sent so far."""
        self.last_sent = blocks[0]
        """The block sent last."""

    @property
    def expected_number(self) -> int | None:
        """The block-number a request for the next block must carry: the last sent's."""
        return response_block_number(self.last_sent)

    def next_block(self) -> tuple[Apdu, bool]:
        """The next block to send, and whether it ends the transfer."""
        if self.sent < len(self.blocks):
            block = self.blocks[self.sent]
        else:  # every block sent without last-block: only with never_last_response_block
            block = self.deviations.follow_up_block(self.last_sent)
        self.sent += 1
        self.last_sent = block
        return block, (self.sent == len(self.blocks)
                       and not self.deviations.never_last_response_block)


def is_set(apdu: Apdu) -> bool:
    """True for a SET request (else an ACTION one)."""
    return isinstance(apdu, set_.SetRequest)


def invoke_of(apdu: Apdu) -> int:
    """The Invoke-Id-And-Priority octet of ``apdu`` (0 when it has none)."""
    value: int = getattr(apdu, "invoke_id_and_priority", 0)
    return value


def block_of(apdu: Apdu) -> DataBlockSA:
    """The DataBlock-SA of a SET datablock / ACTION pblock request."""
    block: DataBlockSA = getattr(apdu, "datablock" if is_set(apdu) else "pblock")
    return block


def as_continuation(head: Apdu, block: DataBlockSA) -> Apdu:
    """A first block seen as the continuation carrying the same block (for its answer)."""
    if is_set(head):
        return set_.SetRequestWithDatablock(invoke_id_and_priority=invoke_of(head),
                                            datablock=block)
    return act.ActionRequestWithPblock(invoke_id_and_priority=invoke_of(head), pblock=block)
