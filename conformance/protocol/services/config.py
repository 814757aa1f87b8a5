"""Configuration of the xDLMS services machine: the association's negotiated parameters
(xDLMS InitiateRequest / InitiateResponse, IEC 62056-5-3 9.5) and the protection hook.

The services machine works on *plain* APDUs. Ciphering belongs to the association: its
ciphering object is handed to the machine as an :class:`ApduProtection` and applied to
every APDU on the wire (:class:`IdentityProtection` when the context is not ciphered).
General-block-transfer APDUs are never protected themselves; the APDU they carry is
(Green Book 9.4.6.13), so the machine protects the complete APDU before it splits it
into GBT blocks, and unprotects the reassembled APDU.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

from conformance.codec.xdlms.initiate import Conformance
from conformance.protocol.role import Role

__all__ = [
    "IDENTITY",
    "ApduProtection",
    "BlockTransferMode",
    "IdentityProtection",
    "Role",
    "ServicesConfig",
]


@runtime_checkable
class ApduProtection(Protocol):
    """What the services machine needs from the association's ciphering policy.

    ``protect`` turns a plain APDU into the APDU to send (reserving an invocation counter
    when it ciphers), ``unprotect`` turns a received APDU into the plain one and raises
    when the policy refuses it (a server-role policy raises ``RemoteProtocolError`` whose
    ``response_hint`` is the exception-response to send). Both leave exception-response
    and general-block-transfer APDUs as they are.
    """

    def protect(self, apdu: bytes, /) -> bytes:
        """The APDU to transmit for the plain ``apdu``."""

    def unprotect(self, apdu: bytes, /) -> bytes:
        """The plain APDU carried by the received ``apdu``."""


class IdentityProtection:
    """:class:`ApduProtection` of a context without ciphering: APDUs pass unchanged."""

    __slots__ = ()

    def protect(self, apdu: bytes, /) -> bytes:
        """``apdu`` unchanged."""
        return bytes(apdu)

    def unprotect(self, apdu: bytes, /) -> bytes:
        """``apdu`` unchanged."""
        return bytes(apdu)

    def __repr__(self) -> str:
        return "IdentityProtection()"


IDENTITY = IdentityProtection()
"""The shared identity protection (the default of both machines)."""


class BlockTransferMode(Enum):
    """How this side transfers an APDU that is too long for the peer (IEC 62056-5-3
    9.4.6; GBT: Green Book 9.4.6.13). Whatever the mode, only mechanisms granted by the negotiated
    conformance are used, and once the peer uses general block transfer in an exchange
    this side follows until the exchange ends."""

    SERVICE_SPECIFIC = "service-specific"
    """Service-specific blocks (GET datablocks, SET datablocks, ACTION pblocks) when their
    conformance bit is granted; general block transfer only where they are not."""
    GENERAL = "general"
    """General block transfer when ``general-block-transfer`` is granted, service-specific
    blocks otherwise."""
    GENERAL_ALWAYS = "general-always"
    """Every exchange this side starts (client: each confirmed request; server: each
    notification) goes in general-block-transfer APDUs when the bit is granted, even when
    it would fit in one APDU; long responses as with :attr:`GENERAL`."""


def _check_pdu_size(name: str, value: int) -> None:
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"ServicesConfig.{name} {value} is outside 0..65535 (Unsigned16)")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServicesConfig:
    """The parameters of the application association the services run in.

    The same configuration serves both roles: each machine reads its own and its peer's
    maximum receive PDU size from it according to its role.
    """

    conformance: Conformance
    """The negotiated-conformance of the InitiateResponse: the services and mechanisms
    both sides may use (Green Book 9.5, Conformance)."""
    client_max_receive_pdu_size: int
    """The client-max-receive-pdu-size of the InitiateRequest: no APDU the server sends
    may be longer; 0 means no limit (InitiateRequest, IEC 62056-5-3 9.5)."""
    server_max_receive_pdu_size: int
    """The server-max-receive-pdu-size of the InitiateResponse: no APDU the client sends
    may be longer; 0 means no limit."""
    gbt_window: int = 1
    """Block_Transfer_Window of this side: how many general-block-transfer blocks it can
    receive before it acknowledges (1..63, the block-control window field it announces)."""
    block_transfer: BlockTransferMode = BlockTransferMode.SERVICE_SPECIFIC
    """How this side transfers APDUs that are too long for the peer."""

    def __post_init__(self) -> None:
        if not 0 <= int(self.conformance) <= 0xFFFFFF:
            raise ValueError("ServicesConfig.conformance must fit in 24 bits")
        _check_pdu_size("client_max_receive_pdu_size", self.client_max_receive_pdu_size)
        _check_pdu_size("server_max_receive_pdu_size", self.server_max_receive_pdu_size)
        if not 1 <= self.gbt_window <= 0x3F:
            raise ValueError(f"ServicesConfig.gbt_window {self.gbt_window} is outside 1..63 "
                             "(block-control window, 6 bits; 0 could receive no block)")

    def own_max_receive_pdu_size(self, role: Role) -> int:
        """The maximum size of an APDU ``role`` accepts (0 = no limit)."""
        return (self.client_max_receive_pdu_size if role is Role.CLIENT
                else self.server_max_receive_pdu_size)

    def peer_max_receive_pdu_size(self, role: Role) -> int:
        """The maximum size of an APDU ``role`` may send (0 = no limit)."""
        return self.own_max_receive_pdu_size(role.peer)

    def grants(self, bits: Conformance) -> bool:
        """True when every bit of ``bits`` is in the negotiated conformance."""
        return not int(bits) & ~int(self.conformance)
