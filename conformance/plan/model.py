"""The test plan model: frozen, plain data read by the pytest plugin, the reference meter and
the CLI alike (so the checks and the simulated meter never disagree).

::

    TestPlan
     +-- meters: MeterPlan ...
          +-- transport: SimulatorTransport | TcpTransport | HdlcTcpTransport | SerialTransport
          +-- addressing: Addressing            HDLC server address, wrapper wPort
          +-- hdlc: HdlcSettings                what the client proposes in SNRM
          +-- associations: Association ...     one per client (SAP), keys, policy, mechanism
          +-- claims: Claims                    what the meter says it supports
          +-- server: ServerSide                the meter's own system title and counter
          +-- objects: CosemObject ...          its object model (see conformance.plan.cosem)

Every field name is the key used in the YAML plan (see testplans/README.md). Defaults are
resolved at load time, so consumers never see "unset" where the plan has a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import ClassVar

from conformance.plan.cosem import CosemObject, LogicalName
from conformance.plan.names import DEFAULT_LN_CONFORMANCE, ConformanceBlock
from conformance.plan.secrets import Secret
from conformance.plan.transport import (
    DLMS_TCP_PORT,
    Framing,
    HdlcTcpTransport,
    ModeE,
    Parity,
    SerialTransport,
    SimulatorTransport,
    TcpTransport,
    Timeouts,
    Transport,
    TransportKind,
)

__all__ = [
    "DLMS_TCP_PORT",
    "Addressing",
    "ApplicationContext",
    "Association",
    "Claims",
    "Expectation",
    "Framing",
    "HdlcSettings",
    "HdlcTcpTransport",
    "InvocationCounterSource",
    "Keys",
    "Mechanism",
    "MeterPlan",
    "ModeE",
    "Parity",
    "Protection",
    "SecurityPolicy",
    "SerialTransport",
    "ServerSide",
    "SimulatorTransport",
    "TcpTransport",
    "TestPlan",
    "Timeouts",
    "Transport",
    "TransportKind",
]

# -- addressing and HDLC -----------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Addressing:
    """The meter's addresses (IEC 62056-46 HDLC server address, IEC 62056-47 wPort)."""

    server_logical: int = 1
    """Upper HDLC address: the logical device (1 = management logical device)."""
    server_physical: int | None = None
    """Lower HDLC address: the physical device; absent in the 1-byte form."""
    server_address_size: int = 1
    """HDLC server address size in bytes: 1, 2 or 4 (7 bits of address per byte)."""
    server_wport: int = 1
    """Wrapper destination wPort of the meter (the logical device)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HdlcSettings:
    """HDLC parameters of SNRM/UA (IEC 62056-46 6.4.4.4.3.2), from one side's view."""

    max_info_field_tx: int = 128
    """Maximum information field length transmit."""
    max_info_field_rx: int = 128
    """Maximum information field length receive."""
    window_tx: int = 1
    """Window size transmit."""
    window_rx: int = 1
    """Window size receive."""


# -- associations ------------------------------------------------------------------------
class ApplicationContext(Enum):
    """Application context name (IEC 62056-5-3 8.3, OID 2.16.756.5.8.1.n)."""

    LN = "ln"
    SN = "sn"
    LN_CIPHERED = "ln-ciphered"
    SN_CIPHERED = "sn-ciphered"

    @property
    def number(self) -> int:
        """The last arc of the OID: 1 LN, 2 SN, 3 LN with ciphering, 4 SN with ciphering."""
        return {"ln": 1, "sn": 2, "ln-ciphered": 3, "sn-ciphered": 4}[self.value]

    @property
    def ciphered(self) -> bool:
        """Whether ciphered APDUs may be used."""
        return self in (ApplicationContext.LN_CIPHERED, ApplicationContext.SN_CIPHERED)

    @property
    def logical_names(self) -> bool:
        """LN referencing (else SN)."""
        return self in (ApplicationContext.LN, ApplicationContext.LN_CIPHERED)


class Mechanism(IntEnum):
    """Authentication mechanism name (OID 2.16.756.5.8.2.n; dlms-notes "ACSE")."""

    NONE = 0
    LOW = 1
    MANUFACTURER = 2
    MD5 = 3
    SHA1 = 4
    GMAC = 5
    SHA256 = 6
    ECDSA = 7

    @property
    def plan_name(self) -> str:
        """The name written in plans (``"gmac"``)."""
        return self.name.lower()

    @property
    def is_hls(self) -> bool:
        """High level security (the 4-pass exchange, mechanisms 2..7)."""
        return self >= Mechanism.MANUFACTURER


#: Plan spellings of the mechanisms ("lowest" is the standard's name for mechanism 0).
MECHANISM_NAMES: dict[str, Mechanism] = {
    **{m.plan_name: m for m in Mechanism},
    "lowest": Mechanism.NONE,
}


class Protection(Enum):
    """Protection of the xDLMS APDUs in one direction (Green Book security policy)."""

    NONE = "none"
    AUTHENTICATED = "authenticated"
    ENCRYPTED = "encrypted"
    AUTHENTICATED_AND_ENCRYPTED = "authenticated-and-encrypted"

    @property
    def encrypts(self) -> bool:
        """Whether the APDUs are encrypted."""
        return self in (Protection.ENCRYPTED, Protection.AUTHENTICATED_AND_ENCRYPTED)

    @property
    def security_control_bits(self) -> int:
        """Bits 4 (authentication) and 5 (encryption) of the security control byte."""
        return {"none": 0x00, "authenticated": 0x10, "encrypted": 0x20,
                "authenticated-and-encrypted": 0x30}[self.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityPolicy:
    """Required protection of requests (client to meter) and responses (meter to client)."""

    request: Protection = Protection.NONE
    response: Protection = Protection.NONE


class Expectation(Enum):
    """Whether the association is expected to be established (negative tests: rejected)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True, kw_only=True)
class Keys:
    """Keys of one association. Symmetric keys are 16 bytes (suites 0, 1) or 32 (suite 2);
    EC keys are P-256 (suite 1) or P-384 (suite 2): private keys as PKCS#8 PEM in a
    :class:`Secret`, public keys as SubjectPublicKeyInfo PEM bytes."""

    ek: Secret | None = None
    """Global unicast encryption key (GUEK): the block cipher key."""
    ak: Secret | None = None
    """Authentication key: part of every GCM additional data."""
    kek: Secret | None = None
    """Master key (KEK): wraps keys (key_transfer); never used on the wire."""
    dedicated: Secret | None = None
    """A fixed dedicated key for the InitiateRequest (else one is drawn per association
    when ``use_dedicated_key`` is on)."""
    client_signing_key: Secret | None = None
    """The client's ECDSA private key (HLS mechanism 7, general-signing)."""
    client_signing_public_key: bytes | None = None
    """The client's ECDSA public key (derived from the private key when that is given)."""
    server_signing_key: Secret | None = None
    """The meter's ECDSA private key: for the reference meter only."""
    server_signing_public_key: bytes | None = None
    """The meter's ECDSA public key, to verify its signatures (derived from
    ``server_signing_key`` when that is given)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InvocationCounterSource:
    """Where the client's invocation counter comes from before a ciphered association
    (dlms-notes failure 2): read through another association from a COSEM attribute (the
    frame counter object 0.0.43.1.x.255, class 1 attribute 2), or a fixed initial value."""

    association: str | None = None
    """Name of the association used to read it (usually the public client)."""
    logical_name: LogicalName | None = None
    class_id: int = 1
    attribute: int = 2
    initial: int | None = None
    """A fixed first counter value (for meters without a readable counter)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Association:
    """One client of the meter: how the suite associates as that client."""

    name: str
    description: str | None = None
    client_address: int
    """Client SAP: the HDLC client address and the wrapper source wPort."""
    context: ApplicationContext = ApplicationContext.LN
    mechanism: Mechanism = Mechanism.NONE
    password: Secret | None = None
    """LLS password (mechanism ``low``)."""
    secret: Secret | None = None
    """HLS secret (mechanisms ``manufacturer``, ``md5``, ``sha1``, ``sha256``)."""
    suite: int | None = None
    """Security suite 0, 1 or 2 (ciphered contexts, GMAC, ECDSA)."""
    policy: SecurityPolicy = SecurityPolicy()
    client_system_title: bytes | None = None
    """The client's 8-byte system title (calling-AP-title, GCM IV)."""
    server_system_title: bytes | None = None
    """The meter's expected 8-byte system title (defaults to ``server.system_title``)."""
    keys: Keys = Keys()
    use_dedicated_key: bool = False
    """Send a dedicated key in the InitiateRequest and use ded- ciphering."""
    invocation_counter: InvocationCounterSource | None = None
    """Required for ciphered contexts."""
    proposed_conformance: ConformanceBlock = DEFAULT_LN_CONFORMANCE
    max_pdu_size: int = 0xFFFF
    """client-max-receive-pdu-size proposed in the InitiateRequest."""
    dlms_version: int = 6
    """proposed-dlms-version."""
    expect: Expectation = Expectation.ACCEPTED
    expect_diagnostic: str | None = None
    """The acse-service-user diagnostic expected when ``expect`` is ``rejected`` (a name
    from :data:`conformance.plan.names.ACSE_SERVICE_USER_DIAGNOSTICS`)."""

    @property
    def ciphered(self) -> bool:
        """Whether the application context is one with ciphering."""
        return self.context.ciphered


# -- the meter ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Claims:
    """What the meter claims to support; ``None`` means "not claimed" (checks that need
    the claim are skipped with that reason)."""

    conformance: ConformanceBlock | None = None
    """The conformance block the meter grants (to a full proposal)."""
    max_receive_pdu_size: int | None = None
    """server-max-receive-pdu-size of the InitiateResponse."""
    dlms_version: int | None = None
    mechanisms: tuple[Mechanism, ...] | None = None
    suites: tuple[int, ...] | None = None
    services: tuple[str, ...] | None = None
    """Service names of :data:`conformance.plan.names.SERVICES` (derived from
    ``conformance`` when only that is given)."""
    hdlc: HdlcSettings | None = None
    """HDLC parameters from the meter's view (as its UA states them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSide:
    """The meter's own security data (the reference meter uses them; for a real meter the
    system title is the expected one)."""

    system_title: bytes | None = None
    invocation_counter: int = 0
    """The reference meter's first invocation counter value."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterPlan:
    """Everything the suite needs to test one meter."""

    name: str
    description: str | None = None
    vendor: str | None = None
    firmware: str | None = None
    transport: Transport = field(default_factory=SimulatorTransport)
    addressing: Addressing = Addressing()
    hdlc: HdlcSettings = HdlcSettings()
    """What the client proposes in SNRM (the client's view: tx = what it sends)."""
    associations: tuple[Association, ...]
    claims: Claims = Claims()
    server: ServerSide = ServerSide()
    objects: tuple[CosemObject, ...] = ()

    def association(self, name: str) -> Association:
        """The association called ``name`` (``KeyError`` listing the known names)."""
        for assoc in self.associations:
            if assoc.name == name:
                return assoc
        known = ", ".join(a.name for a in self.associations)
        raise KeyError(f"meter {self.name!r} has no association {name!r} (known: {known})")

    def object(self, logical_name: LogicalName | str) -> CosemObject:
        """The object with this logical name (``KeyError`` if none)."""
        ln = LogicalName.parse(logical_name) if isinstance(logical_name, str) else logical_name
        for obj in self.objects:
            if obj.logical_name == ln:
                return obj
        raise KeyError(f"meter {self.name!r} has no object {ln.dotted}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TestPlan:
    """A loaded test plan: one meter or a fleet."""

    __test__: ClassVar[bool] = False  # not a pytest test class despite its name

    meters: tuple[MeterPlan, ...]
    version: int = 1
    """Plan format version."""
    source: str = field(default="<string>", compare=False)
    """Where the plan was read from (for messages)."""

    def meter(self, name: str) -> MeterPlan:
        """The meter called ``name`` (``KeyError`` listing the known names)."""
        for meter in self.meters:
            if meter.name == name:
                return meter
        known = ", ".join(m.name for m in self.meters)
        raise KeyError(f"plan {self.source} has no meter {name!r} (known: {known})")
