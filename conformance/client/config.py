"""Configuration of a client :class:`~conformance.client.session.Session`: how to reach the
meter, which framing runs over the byte pipe, the addresses, the HDLC parameters to
propose, the association, where the invocation counter comes from, the IEC 62056-21 mode E
sign-on, the timeouts and the deliberate deviations.

Everything is frozen and checked at construction (``ValueError`` naming the field), so a
session never starts with settings it cannot use. Secrets live in the
:class:`~conformance.protocol.association.config.AssociationConfig` and never print.
:func:`conformance.client.from_plan.session_config` builds a configuration from a test plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from conformance.client.deviations import Deviations
from conformance.codec.hdlc import HdlcAddress
from conformance.codec.obis import ObisCode
from conformance.protocol.association.config import AssociationConfig
from conformance.protocol.hdlc.config import HdlcConfig
from conformance.protocol.services.config import BlockTransferMode
from conformance.transport import Framing, SerialLine, Transport, parse_endpoint
from conformance.transport.iec21 import SevenBitMode
from conformance.transport.mode_e import IDENTIFICATION_TIMEOUT, SWITCH_DELAY

__all__ = [
    "DEFAULT_EXCHANGE_TIMEOUT",
    "PUBLIC_CLIENT_SAP",
    "CounterRead",
    "Framing",
    "HdlcSettings",
    "ModeESignOn",
    "SessionConfig",
    "Timeouts",
]

PUBLIC_CLIENT_SAP = 0x10
"""The public client (IEC 62056-46 6.4.2 / IEC 62056-47: client SAP 16)."""


def _positive(owner: str, name: str, value: float | None, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if value is None or isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{owner}.{name} must be a positive number of seconds, got {value!r}")


DEFAULT_EXCHANGE_TIMEOUT = 30.0
"""Default of :attr:`Timeouts.exchange`, in seconds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """How long the session waits, in seconds of the session's clock."""

    response: float = 5.0
    """Longest time an exchange may go without progress: the wait for UA to SNRM or DISC,
    the AARE, the RLRE, the response (or next block, or segment) of a service request, an
    answer to ``send_raw``. Only real progress restarts it: a new HDLC segment, the
    acknowledgement of our frames, a new APDU or block; never a repeated segment or block,
    an RR/RNR, a notification or octets that complete nothing."""
    inter_frame: float = 0.5
    """A frame left incomplete this long after its last octets arrived is dropped (the
    HDLC inter-octet timeout)."""
    exchange: float = DEFAULT_EXCHANGE_TIMEOUT
    """Overall deadline of one exchange from its start, progress or not: connect
    (SNRM/UA), the association (AARQ/AARE and HLS passes 3 and 4), one GET/SET/ACTION with
    all its blocks (service-specific or general block transfer), the release (RLRQ/RLRE),
    disconnect (DISC/UA). It stops a meter that never ends a transfer (GBT blocks or
    datablocks without last-block) with a TransportTimeout naming the exchange, how long
    it ran and how many frames it saw; the HDLC link is then out of step. Raise it for
    very long transfers on slow lines (a 60 kB profile at 9600 baud takes about 70 s)."""

    def __post_init__(self) -> None:
        _positive("Timeouts", "response", self.response)
        _positive("Timeouts", "inter_frame", self.inter_frame)
        _positive("Timeouts", "exchange", self.exchange)


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcSettings:
    """The HDLC parameters the client proposes in its SNRM (the client's view: transmit is
    what it sends; IEC 62056-46 6.4.4 parameter negotiation) and how strictly it reads."""

    max_info_field_length_transmit: int = 128
    """Maximum information field length transmit proposed (octets)."""
    max_info_field_length_receive: int = 128
    """Maximum information field length receive proposed (octets)."""
    window_size_transmit: int = 1
    """Window size transmit proposed (1..7)."""
    window_size_receive: int = 1
    """Window size receive proposed (1..7)."""
    omit_parameters: bool = False
    """Send the SNRM without information field: the meter then assumes every default."""
    strict_llc: bool = True
    """A response with a missing or wrong LLC header (``E6 E7 00``) is a protocol error;
    ``False`` delivers it and reports the fault in the trace."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeESignOn:
    """IEC 62056-21 mode E sign-on before HDLC (optical probe; Annex E): ``/?addr!`` at
    300 baud 7E1, the meter's identification, ``ACK 2 Z 2``, then 8N1 at the agreed rate."""

    device_address: str = ""
    """Device address in the request message (empty: ``/?!``)."""
    baud_rate_id: str | None = None
    """Baud rate character Z acknowledged (``None``: the rate the meter offers)."""
    expected_baudrate: int | None = None
    """Baud rate the meter must offer (``None``: any); another one is a protocol error."""
    seven_bit: SevenBitMode = SevenBitMode.NATIVE
    """How the 7E1 characters of the sign-on are sent (native 7E1 or emulated over 8N1)."""
    identification_timeout: float = IDENTIFICATION_TIMEOUT
    """Longest wait for the whole identification message."""
    switch_delay: float = SWITCH_DELAY
    """Pause after switching to the agreed baud rate, before the first HDLC frame."""

    def __post_init__(self) -> None:
        _positive("ModeESignOn", "identification_timeout", self.identification_timeout)
        if self.switch_delay < 0:
            raise ValueError("ModeESignOn.switch_delay must not be negative")
        if self.expected_baudrate is not None and self.expected_baudrate <= 0:
            raise ValueError("ModeESignOn.expected_baudrate must be positive")


@dataclass(frozen=True, slots=True, kw_only=True)
class CounterRead:
    """Read the client's invocation counter before a ciphered association (dlms-notes
    failure 2): a separate association (usually the public client, no security) reads the
    frame-counter object, and the secured association then sends with counter + 1."""

    logical_name: ObisCode
    """The frame-counter object, e.g. 0.0.43.1.1.255."""
    class_id: int = 1
    """Its interface class (Data, class 1)."""
    attribute: int = 2
    """The attribute holding the counter (value, attribute 2)."""
    client_sap: int = PUBLIC_CLIENT_SAP
    """Client SAP of the reading association."""
    association: AssociationConfig = field(default_factory=AssociationConfig)
    """The reading association (default: LN referencing, lowest level security)."""

    def __post_init__(self) -> None:
        if not 0 <= self.class_id <= 0xFFFF:
            raise ValueError(f"CounterRead.class_id {self.class_id} is not an Unsigned16")
        if not -128 <= self.attribute <= 127:
            raise ValueError(f"CounterRead.attribute {self.attribute} is not an Integer8")
        if not 0 <= self.client_sap <= 0x7F:
            raise ValueError(f"CounterRead.client_sap {self.client_sap} is outside 0..127")
        if self.association.ciphered:
            raise ValueError("CounterRead.association must not be ciphered (it runs before "
                             "the counter is known)")


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    """Everything a :class:`~conformance.client.session.Session` needs.

    ``transport`` is a URL (``tcp://``, ``hdlc+tcp://``, ``serial://``..., see
    :mod:`conformance.transport.factory`: the URL also gives the framing) or a transport
    object, which the session uses as it is and does not close (``framing`` is then
    required).
    """

    transport: str | Transport
    """Transport URL, or a transport object (loopback, accepted socket...)."""
    framing: Framing | None = None
    """HDLC or wrapper; ``None``: the framing of the URL."""
    client_sap: int = PUBLIC_CLIENT_SAP
    """Client SAP: the HDLC client address and the wrapper source wPort."""
    server_address: HdlcAddress = field(default_factory=lambda: HdlcAddress.server(1))
    """HDLC server address (upper = logical device, lower = physical device)."""
    server_wport: int = 1
    """Wrapper destination wPort (the logical device)."""
    hdlc: HdlcSettings = field(default_factory=HdlcSettings)
    """HDLC parameters proposed in SNRM."""
    association: AssociationConfig = field(default_factory=AssociationConfig)
    """The association (context, mechanism, secrets, keys, policy, xDLMS proposal)."""
    invocation_counter: CounterRead | int | None = None
    """Where the client's invocation counter comes from in a ciphered context: read first
    (:class:`CounterRead`), a fixed first value (an ``int``), or ``None`` (start at 1)."""
    mode_e: ModeESignOn | None = None
    """IEC 62056-21 mode E sign-on after opening the line (HDLC over a serial line)."""
    timeouts: Timeouts = field(default_factory=Timeouts)
    """How long to wait."""
    block_transfer: BlockTransferMode = BlockTransferMode.SERVICE_SPECIFIC
    """How long requests are sent: service-specific blocks or general block transfer."""
    gbt_window: int = 1
    """Window of general-block-transfer blocks the client receives before acknowledging."""
    deviations: Deviations = field(default_factory=Deviations)
    """Deliberate deviations for the whole session (see :mod:`.deviations`)."""
    name: str = ""
    """How messages name the meter (default: the transport URL or description)."""

    def __post_init__(self) -> None:
        if isinstance(self.transport, str):
            endpoint = parse_endpoint(self.transport)  # EndpointError (ValueError) if bad
            if self.framing is None:
                object.__setattr__(self, "framing", endpoint.framing)
        elif not isinstance(self.transport, Transport):
            raise TypeError("SessionConfig.transport must be a URL or a Transport, got "
                            f"{type(self.transport).__name__}")
        elif self.framing is None:
            raise ValueError("SessionConfig.framing is required with a transport object")
        if not isinstance(self.framing, Framing):
            raise TypeError(f"SessionConfig.framing must be a Framing, got {self.framing!r}")
        limit = 0x7F if self.framing is Framing.HDLC else 0xFFFF
        if not 0 <= self.client_sap <= limit:
            raise ValueError(f"SessionConfig.client_sap {self.client_sap} is outside 0..{limit}")
        if not 0 <= self.server_wport <= 0xFFFF:
            raise ValueError(f"SessionConfig.server_wport {self.server_wport} does not fit "
                             "16 bits")
        if not 1 <= self.gbt_window <= 0x3F:
            raise ValueError(f"SessionConfig.gbt_window {self.gbt_window} is outside 1..63")
        if isinstance(self.invocation_counter, int) and not isinstance(
                self.invocation_counter, bool) and not 0 <= self.invocation_counter \
                <= 0xFFFFFFFF:
            raise ValueError("SessionConfig.invocation_counter does not fit 4 bytes")
        if self.mode_e is not None:
            if self.framing is not Framing.HDLC:
                raise ValueError("mode E signs on for HDLC; it makes no sense with the wrapper")
            if isinstance(self.transport, Transport) and not isinstance(self.transport,
                                                                        SerialLine):
                raise ValueError("mode E needs a serial line (its speed changes after the "
                                 "sign-on)")
        if self.framing is Framing.HDLC:
            self.hdlc_config()  # the link's own checks (window 1..7, lengths...)

    @property
    def where(self) -> str:
        """The meter as messages name it."""
        if self.name:
            return self.name
        if isinstance(self.transport, str):
            return self.transport
        return self.transport.describe()

    @property
    def hdlc_client_address(self) -> HdlcAddress:
        """The client's one-octet HDLC address."""
        return HdlcAddress.client(self.client_sap)

    def hdlc_config(self) -> HdlcConfig:
        """The configuration of the client's HDLC link machine."""
        h = self.hdlc
        return HdlcConfig(
            server_address=self.server_address, client_address=self.hdlc_client_address,
            max_info_field_length_transmit=h.max_info_field_length_transmit,
            max_info_field_length_receive=h.max_info_field_length_receive,
            window_size_transmit=h.window_size_transmit,
            window_size_receive=h.window_size_receive, strict_llc=h.strict_llc,
            inter_octet_timeout=self.timeouts.inter_frame, inactivity_timeout=None,
            response_timeout=self.timeouts.response,
            busy_poll_interval=self.timeouts.inter_frame)

