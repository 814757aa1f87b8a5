"""Faults of the data link layers: HDLC (IEC 62056-46) and the wrapper (IEC 62056-47).

Each is switched on where the meter builds the link machine's configuration
(:meth:`~conformance.simulator.meter.Meter.hdlc_config`,
:meth:`~conformance.simulator.meter.Meter.wrapper_deviations`), as one field of the
machine's generic deviation hook (:class:`~conformance.protocol.hdlc.ServerDeviations`,
:class:`~conformance.protocol.wrapper.WrapperDeviations`); the machines never see a fault
name. A link fault applies to the connections opened while it is active.
"""

from __future__ import annotations

from enum import StrEnum

from conformance.simulator.fault_catalogue.spec import FaultLayer, FaultSpec

__all__ = ["SPECS", "LinkFault"]


class LinkFault(StrEnum):
    """The names of the link faults (``meter.faults.active(LinkFault.BAD_FCS)``)."""

    UA_EXCEEDS_PROPOSAL = "ua-exceeds-proposal"
    OVERSIZED_FRAMES = "oversized-frames"
    BAD_FCS = "bad-fcs"
    BAD_HCS = "bad-hcs"
    NO_LLC = "no-llc"
    WRONG_LLC = "wrong-llc"
    WRONG_NR = "wrong-nr"
    ANSWERS_BEFORE_SNRM = "answers-before-snrm"
    UA_FOR_DISC_WHEN_DISCONNECTED = "ua-for-disc-when-disconnected"
    WINDOW_OVERRUN = "window-overrun"
    IGNORES_RR = "ignores-rr"
    ANSWERS_FOREIGN_ADDRESS = "answers-foreign-address"
    SWAPPED_WPORTS = "swapped-wports"
    WRAPPER_LENGTH_MISMATCH = "wrapper-length-mismatch"
    WRONG_WRAPPER_VERSION = "wrong-wrapper-version"


def _hdlc(fault: LinkFault, description: str) -> FaultSpec:
    return FaultSpec(name=fault.value, layer=FaultLayer.HDLC, description=description)


def _wrapper(fault: LinkFault, description: str) -> FaultSpec:
    return FaultSpec(name=fault.value, layer=FaultLayer.WRAPPER, description=description)


SPECS: tuple[FaultSpec, ...] = (
    _hdlc(LinkFault.UA_EXCEEDS_PROPOSAL,
          "UA states the meter's own HDLC capabilities (claims.hdlc) instead of the "
          "negotiated values, above a smaller SNRM proposal (IEC 62056-46 6.4.4.4.3.2)"),
    _hdlc(LinkFault.OVERSIZED_FRAMES,
          "I frames carry up to what one frame can hold instead of the negotiated maximum "
          "information field length (the meter does not segment as negotiated)"),
    _hdlc(LinkFault.BAD_FCS,
          "every frame the meter sends carries a wrong FCS (a broken CRC routine)"),
    _hdlc(LinkFault.BAD_HCS,
          "every frame with an information field carries a wrong HCS (its FCS is right)"),
    _hdlc(LinkFault.NO_LLC,
          "APDUs are sent without the response LLC header E6 E7 00 (dlms-notes failure 1 "
          "mirrored)"),
    _hdlc(LinkFault.WRONG_LLC,
          "APDUs are sent with the request LLC header E6 E6 00 instead of E6 E7 00"),
    _hdlc(LinkFault.WRONG_NR,
          "I frames carry N(R) = V(R) - 1: the client's last I frame is never acknowledged"),
    _hdlc(LinkFault.ANSWERS_BEFORE_SNRM,
          "I frames received while disconnected are served as on a link with default "
          "parameters instead of DM"),
    _hdlc(LinkFault.UA_FOR_DISC_WHEN_DISCONNECTED,
          "DISC received while disconnected is answered with UA instead of DM"),
    _hdlc(LinkFault.WINDOW_OVERRUN,
          "up to 7 segments are sent per poll whatever the negotiated window (with window "
          "1 several segments without waiting for RR)"),
    _hdlc(LinkFault.IGNORES_RR,
          "an RR asking for the next segment is answered with the last segment again "
          "(same N(S)), so a segmented answer never progresses"),
    _hdlc(LinkFault.ANSWERS_FOREIGN_ADDRESS,
          "frames addressed to another server address are answered (as that address) "
          "instead of ignored (IEC 62056-46 6.4.2)"),
    _wrapper(LinkFault.SWAPPED_WPORTS,
             "WPDUs sent carry the source and destination wPorts swapped"),
    _wrapper(LinkFault.WRAPPER_LENGTH_MISMATCH,
             "the length field of WPDUs sent counts one octet fewer than the APDU that "
             "follows"),
    _wrapper(LinkFault.WRONG_WRAPPER_VERSION,
             "WPDUs sent carry wrapper version 0x0002 instead of 0x0001"),
)
"""The link faults, HDLC first, in the order ``--list-faults`` prints them."""
