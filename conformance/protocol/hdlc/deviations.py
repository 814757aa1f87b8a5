"""Deliberate deviations of the SERVER role (secondary station), for a reference meter that
imitates the non-conformant behaviour of real meters so that the checks can be proven
against it (DESIGN "Verdicts must be trustworthy").

Each field of :class:`ServerDeviations` names one behaviour; the defaults mean "conformant"
and then the machine does exactly what it does without them. They are given in
:attr:`~conformance.protocol.hdlc.config.HdlcConfig.server_deviations` and honoured only by
the SERVER role (a client configuration with a deviation set is a ``ValueError``; the
client's own deviations go through its frame filter). Every place where the machine
honours one is marked ``FAULT HOOK`` in the code: the transition table stays the
standard's, a deviation is an explicit branch beside it.

Deviations of the frames as sent (N(R), HCS, FCS) change the octets only: the machine's
state follows the frame it meant to send, as with a frame filter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from conformance.codec.crc import fcs16
from conformance.codec.hdlc import HdlcControl, HdlcFrame, HdlcFrameType

__all__ = ["ServerDeviations"]

_MODULUS = 8
_MAX_WINDOW = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerDeviations:
    """What the server does wrong on purpose (each field one behaviour, all off by
    default). ``ValueError`` for a value the link cannot use at all."""

    # -- link establishment and release (IEC 62056-46 6.4.4) ------------------------------
    ua_states_capabilities: bool = False
    """The UA states the server's own capabilities (the four values of its
    :class:`~conformance.protocol.hdlc.config.HdlcConfig`) instead of the negotiated values,
    so it exceeds a smaller proposal (IEC 62056-46 6.4.4.4.3.2: the negotiated values never
    exceed what the SNRM proposed). The parameters in force stay the negotiated ones."""
    ua_to_disc_when_disconnected: bool = False
    """A DISC received in NDM is answered with UA instead of DM (IEC 62056-46 6.4.4: a
    disconnected secondary answers DISC with DM)."""
    serve_i_frames_when_disconnected: bool = False
    """An I frame received in NDM is served as if the link were established with the
    default parameters (the link comes up implicitly, as
    :class:`~conformance.protocol.hdlc.events.Connected` reports, and the APDU is
    delivered and answered) instead of being answered with DM."""
    answer_any_server_address: bool = False
    """Frames addressed to another server address (not all-station) are taken and answered
    as if they were addressed to this station, in the form the client used, instead of
    being ignored (IEC 62056-46 6.4.2)."""

    # -- data transfer (IEC 62056-46 6.4.4; ISO/IEC 13239 NRM) ------------------------------
    segment_length: int | None = None
    """Outgoing APDUs are cut into information fields of this many octets instead of the
    negotiated maximum information field length (transmit): above it, I frames longer than
    the client accepts. At most what one frame can carry with the server's address."""
    transmit_window: int | None = None
    """I frames sent in answer to one poll (1..7) instead of the negotiated window size
    (transmit): above it, the server sends segments the client's window has no room for
    without waiting for its RR."""
    repeat_segment_on_rr: bool = False
    """An RR polling for the next segment of a segmented APDU is answered with the last I
    frame sent again (same N(S), same segment) instead of the next segment."""
    i_frame_receive_sequence_offset: int = 0
    """Added (0..7) to N(R) of every I frame sent, modulo 8; 7 sends N(R) = V(R) - 1,
    which leaves the client's last I frame unacknowledged. RR/RNR frames are unchanged."""

    # -- frame and LLC format (IEC 62056-46 6.4.1, LLC) ------------------------------------
    llc_header: bytes | None = None
    """Octets put before every APDU sent instead of the response LLC header ``E6 E7 00``:
    ``b""`` sends none, ``E6 E6 00`` the request header."""
    wrong_hcs: bool = False
    """Every frame sent with an information field carries a wrong HCS (the correct
    CRC-16/X.25 with its lowest bit flipped; the FCS is computed over the header as sent,
    so only the HCS is wrong)."""
    wrong_fcs: bool = False
    """Every frame sent carries a wrong FCS (the correct CRC-16/X.25 with its lowest bit
    flipped)."""

    def __post_init__(self) -> None:
        if self.segment_length is not None and self.segment_length < 1:
            raise ValueError(f"segment_length must be at least 1, got {self.segment_length}")
        if self.transmit_window is not None and not 1 <= self.transmit_window <= _MAX_WINDOW:
            raise ValueError(f"transmit_window must be 1..{_MAX_WINDOW} (modulo-8 sequence "
                             f"numbers), got {self.transmit_window}")
        if not 0 <= self.i_frame_receive_sequence_offset < _MODULUS:
            raise ValueError("i_frame_receive_sequence_offset must be 0..7, got "
                             f"{self.i_frame_receive_sequence_offset}")
        if self.llc_header is not None:
            if type(self.llc_header) is not bytes:
                object.__setattr__(self, "llc_header", bytes(self.llc_header))
            if len(self.llc_header) > 3:
                raise ValueError("llc_header is at most 3 octets (an LLC header is 3)")

    @property
    def active(self) -> bool:
        """True when any deviation is set."""
        return self != _NONE

    def outgoing(self, frame: HdlcFrame) -> HdlcFrame:
        """``frame`` as it goes on the wire with the frame deviations applied (N(R) of I
        frames, HCS, FCS); ``frame`` itself when none applies."""
        out = frame
        if self.i_frame_receive_sequence_offset and frame.frame_type is HdlcFrameType.I:
            # FAULT HOOK: an N(R) that does not acknowledge the client's last I frame
            # (imitates meters that acknowledge late or count their N(R) wrongly).
            control = frame.control
            nr = ((control.receive_seq or 0) + self.i_frame_receive_sequence_offset) % _MODULUS
            out = dataclasses.replace(out, control=HdlcControl.i_frame(
                control.send_seq or 0, nr, control.poll_final))
        if self.wrong_hcs and out.information:
            # FAULT HOOK: a wrong HCS on frames with an information field (imitates
            # meters whose header check is computed over the wrong octets).
            header = out.to_bytes(flags=False)[:out.header_length]
            out = dataclasses.replace(out, hcs=fcs16(header) ^ 0x0001)
        if self.wrong_fcs:
            # FAULT HOOK: a wrong FCS on every frame (imitates meters with a broken
            # frame check routine or a line that corrupts their frames).
            raw = out.to_bytes(flags=False)
            out = dataclasses.replace(out, fcs=fcs16(raw[:-2]) ^ 0x0001)
        return out


_NONE = ServerDeviations()
