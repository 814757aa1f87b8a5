"""General block transfer (GBT, Green Book 9.4.6.13; the APDU in IEC 62056-5-3 9.5): the
sublayer that carries the (protected) APDUs of one exchange in numbered
``General-Block-Transfer`` blocks, for both roles.

Rules implemented here:

- Each side numbers the GBT APDUs it sends in an exchange 1, 2, 3, ... (Unsigned16),
  acknowledgements included; a retransmitted block keeps its number. block-number-ack is
  the highest number received in order from the peer (0: none yet).
- The window field of block-control is the number of blocks the *sender of that APDU* can
  receive before it acknowledges. A side sends at most the peer's window per burst (one
  block until the peer has announced a window); streaming is set on every block of a burst
  but its last. A receiver that announced a window and gets more blocks without having
  acknowledged sees a violation.
- A receiver acknowledges at the end of each burst (a block with streaming FALSE) unless
  the APDU is complete; the acknowledgement is a block without data, last-block TRUE. When
  blocks are missing it acknowledges the last one received in order with window 1, and
  keeps the blocks received after the gap (vector ``gbt-missing-block-recovery``:
  ``E0 81 0002 0003 00`` asks for block 4 after 1, 2, 3, 5, 6).
- A sender answers an acknowledgement lower than the last block it sent by sending again
  from the block after it (lost-block recovery), and one equal to it with the next window;
  an acknowledgement asking for blocks with window 0 is a violation.
- An acknowledgement is a block without data while this side sends; while it receives,
  every block is part of the peer's APDU. An APDU is complete with the block carrying
  last-block TRUE once every block before it has arrived.

Violations of the peer raise :class:`~conformance.errors.RemoteProtocolError` (the caller
adds the response hint); what this side cannot do (a block limit too small to carry data,
more than 65535 blocks) raises :class:`~conformance.errors.LocalProtocolError`.
"""

from __future__ import annotations

from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.services.blocks import raw_capacity
from conformance.protocol.services.table import GbtEvent, GbtPhase, gbt_next_phase

__all__ = ["GbtSession"]

_HEADER = 6
"""Tag, block-control, block-number and block-number-ack: the octets of a GBT APDU before
the block-data length."""
_MAX_BLOCK_NUMBER = 0xFFFF
_MAX_GAP = 0x3F
"""Blocks further ahead than the largest window (63) cannot belong to the current burst."""


class GbtSession:
    """The general block transfer of one side, exchange after exchange."""

    __slots__ = ("_announced", "_burst", "_peer_window", "_rx_count", "_rx_expected",
                 "_rx_parts", "_rx_pending", "_tx_acked", "_tx_blocks", "_tx_end",
                 "_tx_highest", "_tx_next", "_window", "blocks_received", "blocks_sent",
                 "phase")

    def __init__(self, *, window: int, burst: int | None = None) -> None:
        """``window``: the blocks this side receives before it acknowledges. ``burst``
        is a server deviation (``ServerDeviations.gbt_blocks_per_burst``): blocks sent
        per burst whatever the peer's window; ``None`` (conformant) follows the window."""
        self._window = window
        self._burst = burst
        self.phase = GbtPhase.IDLE
        """Where the transfer of the current exchange stands."""
        self._reset()

    def _reset(self) -> None:
        self._tx_next = 1
        self._tx_blocks: dict[int, tuple[bytes, bool]] = {}
        self._tx_end = 0
        self._tx_highest = 0
        self._tx_acked = 0
        self._peer_window: int | None = None
        self._announced: int | None = None
        self._rx_expected = 1
        self._rx_pending: dict[int, GeneralBlockTransfer] = {}
        self._rx_parts: list[bytes] = []
        self._rx_count = 0
        self.blocks_sent = 0
        """GBT APDUs sent in this exchange (retransmissions and acknowledgements included)."""
        self.blocks_received = 0
        """GBT APDUs received in this exchange."""

    # -- phases ---------------------------------------------------------------------------
    def _move(self, event: GbtEvent, *, remote: bool) -> None:
        phase = gbt_next_phase(self.phase, event)
        if phase is None:
            message = (f"general block transfer: {event.value} is not allowed in phase "
                       f"{self.phase.value}")
            raise RemoteProtocolError(message) if remote else LocalProtocolError(message)
        self.phase = phase

    def end(self) -> None:
        """The exchange is over (or aborted): forget its blocks, numbering and windows
        (allowed in every phase)."""
        self._move(GbtEvent.END, remote=False)
        self._reset()

    @staticmethod
    def starts_exchange(block: GeneralBlockTransfer) -> bool:
        """True for the first block of a new exchange: number 1, nothing acknowledged yet,
        and data (an acknowledgement never starts an exchange)."""
        return (block.block_number == 1 and block.block_number_ack == 0
                and bool(block.block_data))

    # -- sending --------------------------------------------------------------------------
    def send_apdu(self, apdu: bytes, limit: int) -> list[bytes]:
        """Start sending ``apdu`` (already protected) in blocks no longer than ``limit``
        octets (0: no limit); returns the GBT APDUs of the first burst."""
        if limit:
            capacity = raw_capacity(limit, _HEADER)
            if capacity < 1:
                raise LocalProtocolError(f"a max receive PDU size of {limit} octets cannot "
                                         "carry a general-block-transfer block")
        else:
            capacity = max(len(apdu), 1)
        chunks = [apdu[i:i + capacity] for i in range(0, len(apdu), capacity)] or [b""]
        first = self._tx_next
        last = first + len(chunks) - 1
        if last > _MAX_BLOCK_NUMBER:
            raise LocalProtocolError(f"the APDU needs {len(chunks)} general-block-transfer "
                                     f"blocks from block-number {first}: above 65535")
        if self.phase is GbtPhase.SENDING:
            raise LocalProtocolError("general block transfer: the previous APDU is still "
                                     "being sent")
        for number, chunk in enumerate(chunks, start=first):
            self._tx_blocks[number] = (chunk, number == last)
        self._tx_next = last + 1
        self._tx_end = last
        return self._send_from(first)

    def _send_from(self, start: int) -> list[bytes]:
        # One block until the peer has announced its window (0 cannot receive a burst).
        window = max(self._peer_window or 1, 1)
        if self._burst is not None:
            # FAULT HOOK: bursts longer than the peer's window (imitates meters that
            # stream a whole APDU whatever window the client announced).
            window = self._burst
        stop = min(start + window - 1, self._tx_end)
        out = []
        for number in range(start, stop + 1):
            data, last = self._tx_blocks[number]
            out.append(GeneralBlockTransfer(
                last_block=last, streaming=number < stop, window=self._window,
                block_number=number, block_number_ack=self._rx_expected - 1,
                block_data=data).to_bytes())
        self._tx_highest = max(self._tx_highest, stop)
        self._sent(self._window, len(out))
        self._move(GbtEvent.SEND_FINAL_WINDOW if stop >= self._tx_end else GbtEvent.SEND_WINDOW,
                   remote=False)
        return out

    def _sent(self, window: int, count: int) -> None:
        self._announced = window
        self._rx_count = 0
        self.blocks_sent += count

    def _acknowledge(self) -> bytes:
        number = self._tx_next
        if number > _MAX_BLOCK_NUMBER:
            raise LocalProtocolError("general block transfer: block-number above 65535")
        self._tx_next = number + 1
        self._tx_blocks[number] = (b"", True)
        self._tx_highest = number
        window = 1 if self._rx_pending else self._window
        self._sent(window, 1)
        self._move(GbtEvent.SEND_ACK, remote=False)
        return GeneralBlockTransfer(last_block=True, streaming=False, window=window,
                                    block_number=number,
                                    block_number_ack=self._rx_expected - 1).to_bytes()

    def request_missing(self) -> list[bytes]:
        """Acknowledge what arrived in order so that the peer sends the rest again (only
        while receiving)."""
        if self.phase is not GbtPhase.RECEIVING:
            raise LocalProtocolError("general block transfer: nothing is being received "
                                     f"(phase {self.phase.value})")
        return [self._acknowledge()]

    # -- receiving ------------------------------------------------------------------------
    def receive(self, block: GeneralBlockTransfer) -> tuple[list[bytes], bytes | None]:
        """Process one block of the peer: the GBT APDUs to send in answer, and the peer's
        APDU when this block completed it. A block refused leaves the session unchanged."""
        number, ack, data = block.block_number, block.block_number_ack, block.block_data
        if number == 0:
            raise RemoteProtocolError("general block transfer: block-number 0 (blocks are "
                                      "numbered from 1)")
        if block.last_block and block.streaming:
            raise RemoteProtocolError(f"general block transfer: block {number} has both "
                                      "last-block and streaming set")
        if ack > self._tx_highest:
            raise RemoteProtocolError(
                f"general block transfer: block-number-ack {ack} acknowledges a block never "
                f"sent (highest sent: {self._tx_highest})")
        if ack < self._tx_acked:
            raise RemoteProtocolError(f"general block transfer: block-number-ack went back "
                                      f"from {self._tx_acked} to {ack}")
        sending = self.phase in (GbtPhase.SENDING, GbtPhase.SENT)
        if sending and not data:
            if ack < self._tx_end and block.window == 0:
                raise RemoteProtocolError("general block transfer: an acknowledgement asking "
                                          "for more blocks announces window 0 (it could "
                                          "receive none)")
        elif self.phase is GbtPhase.SENDING and ack < self._tx_end:
            raise RemoteProtocolError(f"general block transfer: block {number} carries data "
                                      "before this side's APDU was complete")
        elif self.phase is GbtPhase.IDLE and not data:
            raise RemoteProtocolError(f"general block transfer: acknowledgement (block "
                                      f"{number}) while no transfer is in progress")
        elif self.phase is GbtPhase.RECEIVED:
            raise RemoteProtocolError(f"general block transfer: block {number} arrived after "
                                      "the peer's APDU was complete")
        self.blocks_received += 1
        self._tx_acked = ack
        self._peer_window = block.window
        if sending and not data:
            return self._on_ack(number, ack), None
        if self.phase is GbtPhase.SENDING:
            # The peer kept the blocks after a lost one: once the lost one arrived again
            # its APDU was complete, and its answer acknowledges all of ours.
            self._move(GbtEvent.RECV_FINAL_ACK, remote=True)
        return self._on_data(block)

    def _on_ack(self, number: int, ack: int) -> list[bytes]:
        self._rx_expected = max(self._rx_expected, number + 1)
        if ack + 1 > self._tx_end:
            self._move(GbtEvent.RECV_FINAL_ACK, remote=True)
            return []
        self._move(GbtEvent.RECV_ACK, remote=True)
        return self._send_from(ack + 1)

    def _on_data(self, block: GeneralBlockTransfer) -> tuple[list[bytes], bytes | None]:
        number = block.block_number
        self._rx_count += 1
        if self._announced is not None and self._rx_count > self._announced:
            raise RemoteProtocolError(
                f"general block transfer: {self._rx_count} blocks without acknowledgement, "
                f"this side's window is {self._announced} (block {number})")
        complete = False
        if number > self._rx_expected:
            if number - self._rx_expected > _MAX_GAP:
                raise RemoteProtocolError(
                    f"general block transfer: block {number} where {self._rx_expected} was "
                    "expected (beyond any window)")
            self._rx_pending[number] = block
        elif number == self._rx_expected:
            complete = self._accept(block)
            while not complete and self._rx_expected in self._rx_pending:
                complete = self._accept(self._rx_pending.pop(self._rx_expected))
        # number < expected: a block already received (a retransmission overlap).
        if complete:
            if self._rx_pending:
                raise RemoteProtocolError(
                    "general block transfer: block(s) "
                    f"{', '.join(map(str, sorted(self._rx_pending)))} after the last block")
            self._move(GbtEvent.RECV_FINAL, remote=True)
            apdu = b"".join(self._rx_parts)
            self._rx_parts = []
            return [], apdu
        self._move(GbtEvent.RECV_DATA, remote=True)
        if not block.streaming:
            return [self._acknowledge()], None
        return [], None

    def _accept(self, block: GeneralBlockTransfer) -> bool:
        self._rx_parts.append(block.block_data)
        self._rx_expected = block.block_number + 1
        return block.last_block
