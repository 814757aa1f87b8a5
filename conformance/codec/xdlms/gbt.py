"""General-Block-Transfer APDU (IEC 62056-5-3 9.5, xDLMS ASN.1).

::

    General-Block-Transfer ::= SEQUENCE {                                 -- tag 0xE0
      block-control Block-Control,    -- one octet
      block-number Unsigned16,
      block-number-ack Unsigned16,
      block-data OCTET STRING }

    Block-Control: bit 7 last-block, bit 6 streaming, bits 0-5 window (0..63)

A receiver acknowledges a window with ``block_number_ack``; an acknowledgement lower than
the last block sent asks for a retransmission (vector ``gbt-missing-block-recovery``).
The block-data length form is remembered (vector ``gbt-single-block`` writes 10 as
``82 00 0A``) so that re-encoding is byte-exact; ``block_data_length`` sends a chosen
(possibly wrong) length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.xdlms.descriptors import pull_counted, push_counted

__all__ = ["GeneralBlockTransfer", "decode_general_block_transfer"]


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneralBlockTransfer(Apdu):
    """``General-Block-Transfer`` (tag 0xE0): one block of a GBT stream."""

    TAG: ClassVar[int] = 0xE0
    last_block: bool
    """Block-control bit 7: this is the last block of the transfer."""
    streaming: bool
    """Block-control bit 6: more blocks follow without waiting for an acknowledgement."""
    window: int
    """Block-control bits 0-5: the window size the sender can receive (0..63)."""
    block_number: int
    """Unsigned16: this block's number (from 1)."""
    block_number_ack: int
    """Unsigned16: the number of the last block received from the peer."""
    block_data: bytes = b""
    """A slice of the APDU being transferred (may be empty in a pure acknowledgement)."""
    block_data_length: int | None = None
    """The A-XDR length written before ``block_data``; ``None`` = ``len(block_data)``."""
    block_data_length_octets: int | None = None
    """Force the long length form with this many octets; ``None`` = minimal (the decoder
    sets it when the peer used a non-minimal form)."""

    def __post_init__(self) -> None:
        if not 0 <= self.window <= 0x3F:
            raise ValueError(f"window must be in 0..63, got {self.window}")

    @property
    def block_control(self) -> int:
        """The block-control octet."""
        return (0x80 if self.last_block else 0) | (0x40 if self.streaming else 0) | self.window

    def encode(self, w: Writer) -> None:
        """Append the APDU, tag included."""
        w.push_u8(0xE0)
        w.push_u8(self.block_control)
        w.push_u16(self.block_number)
        w.push_u16(self.block_number_ack)
        push_counted(w, self.block_data, self.block_data_length,
                     self.block_data_length_octets)


@register(0xE0)
def decode_general_block_transfer(r: Reader) -> GeneralBlockTransfer:
    """Decode a General-Block-Transfer; ``r`` is positioned just after the tag 0xE0."""
    with r.scope("GeneralBlockTransfer"):
        control = r.pull_u8("block_control")
        number = r.pull_u16("block_number")
        ack = r.pull_u16("block_number_ack")
        data, octets = pull_counted(r, "block_data")
        return GeneralBlockTransfer(last_block=bool(control & 0x80),
                                    streaming=bool(control & 0x40), window=control & 0x3F,
                                    block_number=number, block_number_ack=ack,
                                    block_data=data, block_data_length_octets=octets)
