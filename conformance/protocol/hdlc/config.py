"""Configuration of the HDLC link machine: the station's role, addresses, the HDLC
parameters it proposes (client) or supports (server), the LLC strictness and the timers.

IEC 62056-46 uses the unbalanced normal response mode of ISO/IEC 13239: the client is the
primary station (it sends commands and polls), the server the secondary station (it
answers, and transmits only when polled). The same machine plays either role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.codec.hdlc import (
    DEFAULT_MAX_INFO_FIELD_LENGTH,
    DEFAULT_WINDOW_SIZE,
    MAX_FRAME_LENGTH,
    HdlcAddress,
)
from conformance.protocol.hdlc.deviations import ServerDeviations
from conformance.protocol.role import Role

__all__ = [
    "MAX_WINDOW_SIZE",
    "HdlcConfig",
    "NegotiatedParameters",
    "Role",
    "max_information_length",
]

MAX_WINDOW_SIZE = 7
"""Largest window with sequence numbers modulo 8 (ISO/IEC 13239: at most modulus - 1
I frames outstanding)."""


def max_information_length(server_address: HdlcAddress) -> int:
    """Largest information field that fits the 11-bit frame length sub-field (IEC 62056-46
    6.4.1) between a one-octet client address and ``server_address``: the frame length
    minus format (2), addresses, control (1), HCS (2) and FCS (2). A server address with a
    lower part counts as four octets (a client may use the two- or four-octet form)."""
    server_octets = 1 if server_address.lower is None else 4
    return MAX_FRAME_LENGTH - 8 - server_octets


@dataclass(frozen=True, slots=True, kw_only=True)
class NegotiatedParameters:
    """The HDLC parameters in force after SNRM/UA, in the local station's view (its
    transmit values are what it sends, its receive values what it accepts)."""

    max_info_field_length_transmit: int
    """Longest information field this station sends, octets."""
    max_info_field_length_receive: int
    """Longest information field this station accepts, octets."""
    window_size_transmit: int
    """I frames this station sends before it needs an acknowledgement."""
    window_size_receive: int
    """I frames this station accepts before it acknowledges."""

    def __str__(self) -> str:
        return (f"max info tx {self.max_info_field_length_transmit} rx "
                f"{self.max_info_field_length_receive}, window tx {self.window_size_transmit} "
                f"rx {self.window_size_receive}")


DEFAULT_PARAMETERS = NegotiatedParameters(
    max_info_field_length_transmit=DEFAULT_MAX_INFO_FIELD_LENGTH,
    max_info_field_length_receive=DEFAULT_MAX_INFO_FIELD_LENGTH,
    window_size_transmit=DEFAULT_WINDOW_SIZE,
    window_size_receive=DEFAULT_WINDOW_SIZE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcConfig:
    """How one HDLC station behaves. ``ValueError`` for values the link cannot use.

    The four HDLC parameters are the client's proposal in its SNRM, or the server's
    capabilities (it answers the smaller of the proposal and these, IEC 62056-46 6.4.4
    parameter negotiation). Timeouts are in the unit of the ``now`` values passed to the
    machine (seconds with ``time.monotonic()``); ``None`` disables a timer.
    """

    server_address: HdlcAddress
    """The server's HDLC address (upper = logical device, lower = physical device)."""
    client_address: HdlcAddress | None = None
    """The client's one-octet address. Required for the client; for the server ``None``
    accepts an SNRM from any client (the link is then bound to that client)."""
    max_info_field_length_transmit: int = DEFAULT_MAX_INFO_FIELD_LENGTH
    """Longest information field this station wants to send, octets."""
    max_info_field_length_receive: int = DEFAULT_MAX_INFO_FIELD_LENGTH
    """Longest information field this station can receive, octets."""
    window_size_transmit: int = DEFAULT_WINDOW_SIZE
    """I frames this station wants to send per window (1..7)."""
    window_size_receive: int = DEFAULT_WINDOW_SIZE
    """I frames this station can receive per window (1..7)."""
    strict_llc: bool = True
    """A received APDU with a missing or wrong LLC header raises RemoteProtocolError (and
    is dropped); ``False`` delivers it with ``llc_error`` set so a check can flag it."""
    max_apdu_length: int = 0xFFFF
    """Longest reassembled APDU accepted (LLC header excluded); beyond: RemoteProtocolError."""
    inter_octet_timeout: float | None = 1.0
    """A frame left incomplete this long after its last octets arrived is dropped."""
    inactivity_timeout: float | None = 120.0
    """Server: with no octet received for this long the link falls back to NDM."""
    response_timeout: float | None = 5.0
    """Client: time allowed for the answer to a frame sent with the P bit."""
    busy_poll_interval: float | None = 0.5
    """Client: after an RNR, how long before the client polls the busy server again
    (when it has frames to send or segments to fetch); ``None``: only when the user
    sends or polls."""
    server_deviations: ServerDeviations = field(default_factory=ServerDeviations)
    """Server only: deliberate deviations from IEC 62056-46 (a reference meter imitating
    real meters' faults); the default is none, and the machine is then unaffected."""

    def __post_init__(self) -> None:
        if self.client_address is not None and self.client_address.size != 1:
            raise ValueError("an HDLC client address is one octet")
        for name in ("window_size_transmit", "window_size_receive"):
            value = getattr(self, name)
            if not 1 <= value <= MAX_WINDOW_SIZE:
                raise ValueError(f"{name} must be 1..{MAX_WINDOW_SIZE}, got {value}")
        limit = max_information_length(self.server_address)
        for name in ("max_info_field_length_transmit", "max_info_field_length_receive"):
            value = getattr(self, name)
            if not 1 <= value <= limit:
                raise ValueError(f"{name} must be 1..{limit} (11-bit frame length with "
                                 f"these addresses), got {value}")
        segment = self.server_deviations.segment_length
        if segment is not None and segment > limit:
            raise ValueError(f"server_deviations.segment_length must be 1..{limit} (11-bit "
                             f"frame length with these addresses), got {segment}")
        if self.max_apdu_length < 0:
            raise ValueError("max_apdu_length must not be negative")
        for name in ("inter_octet_timeout", "inactivity_timeout", "response_timeout",
                     "busy_poll_interval"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None")
