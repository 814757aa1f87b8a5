"""Configuration of the association machine: the client's :class:`AssociationConfig`, the
server's :class:`OfferedAssociation` per client SAP in :class:`ServerConfig`.

Everything an association needs is fixed here, before the first byte: the application
context and authentication mechanism (Green Book 9.4.2.2), secrets and keys, system titles,
security suite, security policy and ciphering form (Green Book 9.2), the xDLMS proposal
(IEC 62056-5-3 9.5, InitiateRequest) and the deliberate :class:`Deviations`.

Inconsistent settings raise ``ValueError`` at construction (a mechanism without its secret,
a ciphered context without system title, keys of the wrong size for the suite...). Secrets
(passwords, keys, private keys) never appear in ``repr``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.codec.xdlms.enums import ActionResult
from conformance.codec.xdlms.initiate import DLMS_VERSION, Conformance
from conformance.errors import SecurityError
from conformance.protocol.association.policy import (
    CipheringMode,
    Deviations,
    SecurityPolicy,
    ServerDeviations,
)
from conformance.security import (
    SYSTEM_TITLE_LENGTH,
    SecurityKeys,
    SecuritySuite,
    suite_of_key,
    suite_parameters,
)
from conformance.security.hls import CHALLENGE_MAX, CHALLENGE_MIN

__all__ = [
    "LN_CONFORMANCE",
    "SN_CONFORMANCE",
    "AssociationConfig",
    "OfferedAssociation",
    "ServerConfig",
    "default_conformance",
]

LN_CONFORMANCE = Conformance.from_bytes(bytes.fromhex("007E1F"))
"""The Green Book example block for LN referencing: priority-mgmt, attribute0-with-get,
block transfer with get/set/action, multiple-references, get, set, selective-access,
event-notification, action."""
SN_CONFORMANCE = Conformance.from_bytes(bytes.fromhex("1C0320"))
"""Every SN referencing service: read, write, unconfirmed-write, multiple-references,
information-report, parameterized-access."""

HLS_MECHANISMS = frozenset({MechanismName.HIGH_LEVEL_SECURITY_MD5,
                            MechanismName.HIGH_LEVEL_SECURITY_SHA1,
                            MechanismName.HIGH_LEVEL_SECURITY_GMAC,
                            MechanismName.HIGH_LEVEL_SECURITY_SHA256,
                            MechanismName.HIGH_LEVEL_SECURITY_ECDSA})
"""The HLS mechanisms with a standard f() (Green Book 9.2.7.4); 2 is manufacturer specific."""
SYSTEM_TITLE_MECHANISMS = frozenset({MechanismName.HIGH_LEVEL_SECURITY_GMAC,
                                     MechanismName.HIGH_LEVEL_SECURITY_SHA256,
                                     MechanismName.HIGH_LEVEL_SECURITY_ECDSA})
"""Mechanisms whose f() involves system titles: the AP-titles carry them."""
SYSTEM_TITLE_REQUIRED = frozenset({MechanismName.HIGH_LEVEL_SECURITY_GMAC,
                                   MechanismName.HIGH_LEVEL_SECURITY_ECDSA})
"""Mechanisms whose f() cannot be computed without the peer's system title (mechanism 6
hashes an absent one as no bytes, as Gurux does: vector hls6-sha256-f-stoc-gurux-forum)."""
_SECRET_MECHANISMS = frozenset({MechanismName.LOW_LEVEL_SECURITY,
                                MechanismName.HIGH_LEVEL_SECURITY_MD5,
                                MechanismName.HIGH_LEVEL_SECURITY_SHA1,
                                MechanismName.HIGH_LEVEL_SECURITY_SHA256})


def default_conformance(context: ApplicationContextName) -> Conformance:
    """:data:`LN_CONFORMANCE` or :data:`SN_CONFORMANCE` by referencing."""
    return LN_CONFORMANCE if context.logical_name_referencing else SN_CONFORMANCE


def _fail(owner: str, message: str) -> ValueError:
    return ValueError(f"{owner}: {message}")


def _check_system_title(owner: str, name: str, value: bytes | None) -> None:
    if value is not None and len(value) != SYSTEM_TITLE_LENGTH:
        raise _fail(owner, f"{name} must be {SYSTEM_TITLE_LENGTH} bytes, got {len(value)}")


def _check_range(owner: str, name: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise _fail(owner, f"{name} {value} is outside {lo}..{hi}")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Settings:
    """What both roles configure (see the subclasses)."""

    application_context_name: ApplicationContextName = (
        ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING)
    """The COSEM application context (Green Book 9.4.2.2.2)."""
    mechanism: MechanismName = MechanismName.LOWEST_LEVEL_SECURITY
    """The authentication mechanism (Green Book 9.4.2.2.3)."""
    secret: bytes | None = field(default=None, repr=False)
    """LLS password (mechanism 1) or HLS secret (mechanisms 3, 4, 6)."""
    system_title: bytes | None = None
    """Own system title (8 bytes): needed with ciphering and mechanisms 5, 6, 7."""
    peer_system_title: bytes | None = None
    """The peer's system title when known in advance; a mismatch with the one the peer
    announces is a protocol error."""
    keys: SecurityKeys = field(default_factory=SecurityKeys)
    """EK (global unicast), broadcast key, AK, master key (never printed)."""
    security_suite: SecuritySuite = SecuritySuite.SUITE_0
    """Security suite 0, 1 or 2: key sizes, curves."""
    security_policy: SecurityPolicy = SecurityPolicy.NONE
    """Protection of every xDLMS APDU; must not be NONE in a ciphered context."""
    ciphering_mode: CipheringMode = CipheringMode.GLOBAL
    """Ciphered APDU form of the services (requests of a client, pushes of a server)."""
    challenge_length: int = 16
    """Length of the HLS challenge this side generates (8..64)."""
    challenge_source: Callable[[int], bytes] = field(default=os.urandom, repr=False,
                                                     compare=False)
    """Random source of challenges (injectable for tests)."""
    signing_key: ec.EllipticCurvePrivateKey | None = field(default=None, repr=False,
                                                           compare=False)
    """Own ECDSA signing key (mechanism 7)."""
    peer_signing_key: ec.EllipticCurvePublicKey | None = field(default=None, repr=False,
                                                               compare=False)
    """The peer's ECDSA public key (mechanism 7)."""
    deviations: Deviations = field(default_factory=Deviations)
    """Deliberate deviations applied to what this side sends."""

    @property
    def ciphered(self) -> bool:
        """True for the contexts with ciphering (3 and 4)."""
        return self.application_context_name.ciphered

    @property
    def hls(self) -> bool:
        """True for the HLS mechanisms (passes 3 and 4 follow the AARE)."""
        return self.mechanism in HLS_MECHANISMS

    def _check_common(self, owner: str) -> None:
        ApplicationContextName(self.application_context_name)
        MechanismName(self.mechanism)
        mech = self.mechanism
        _check_system_title(owner, "system_title", self.system_title)
        _check_system_title(owner, "peer_system_title", self.peer_system_title)
        _check_range(owner, "challenge_length", self.challenge_length, CHALLENGE_MIN,
                     CHALLENGE_MAX)
        suite = suite_parameters(self.security_suite)
        for name in ("encryption_key", "broadcast_key", "authentication_key", "master_key",
                     "dedicated_key"):
            value = getattr(self.keys, name)
            if value is not None and len(value) != suite.key_length:
                raise _fail(owner, f"keys.{name} is {len(value)} bytes; {suite} needs "
                            f"{suite.key_length}-byte keys")
        if mech == MechanismName.HIGH_LEVEL_SECURITY:
            raise _fail(owner, "mechanism 2 (HLS, manufacturer specific) has no standard "
                        "f(); it is not supported")
        if self.hls and not self.application_context_name.logical_name_referencing:
            raise _fail(owner, "HLS with SN referencing needs the Read/Write services of "
                        "the Association SN object, which the codec does not provide")
        if mech in _SECRET_MECHANISMS and not self.secret:
            raise _fail(owner, f"mechanism {mech.name} needs a secret")
        if mech in SYSTEM_TITLE_REQUIRED and self.system_title is None:
            raise _fail(owner, f"mechanism {mech.name} needs the own system title")
        if mech == MechanismName.HIGH_LEVEL_SECURITY_GMAC and (
                self.keys.encryption_key is None or self.keys.authentication_key is None):
            raise _fail(owner, "HLS-GMAC needs EK (global unicast) and AK")
        if mech == MechanismName.HIGH_LEVEL_SECURITY_ECDSA:
            self._check_ecdsa(owner)
        if self.ciphered:
            if self.system_title is None:
                raise _fail(owner, "a ciphered context needs the own system title")
            if self.security_policy is SecurityPolicy.NONE:
                raise _fail(owner, "a ciphered context needs a security policy")
            if self.keys.encryption_key is None:
                raise _fail(owner, "a ciphered context needs EK (global unicast)")
            if self.security_policy.authentication and self.keys.authentication_key is None:
                raise _fail(owner, f"policy {self.security_policy.value} needs AK")
        elif self.security_policy is not SecurityPolicy.NONE:
            raise _fail(owner, "a context without ciphering has security policy NONE")

    def _check_ecdsa(self, owner: str) -> None:
        if self.signing_key is None or self.peer_signing_key is None:
            raise _fail(owner, "HLS-ECDSA needs the own signing key and the peer's public key")
        if self.security_suite == SecuritySuite.SUITE_0:
            raise _fail(owner, "HLS-ECDSA needs security suite 1 (P-256) or 2 (P-384)")
        for name, key in (("signing_key", self.signing_key),
                          ("peer_signing_key", self.peer_signing_key)):
            try:
                key_suite = suite_of_key(key).suite
            except SecurityError as exc:
                raise _fail(owner, f"{name}: {exc}") from None
            if key_suite != self.security_suite:
                raise _fail(owner, f"{name} is a key of suite {int(key_suite)}, the "
                            f"association uses suite {int(self.security_suite)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AssociationConfig(_Settings):
    """The client's side of one association (``system_title`` = client system title)."""

    dedicated_key: bytes | None = field(default=None, repr=False)
    """Sent in the (ciphered, encrypted) InitiateRequest; protects ded- APDUs."""
    initiate_ciphering: CipheringMode = CipheringMode.GLOBAL
    """Form of the ciphered InitiateRequest: glo-initiate-request (GLOBAL), general-glo-
    ciphering (GENERAL_GLO) or general-ciphering (GENERAL_CIPHERING)."""
    proposed_conformance: Conformance | None = None
    """None: :func:`default_conformance` of the context."""
    client_max_receive_pdu_size: int = 1200
    """Unsigned16; 0 means no limit."""
    dlms_version: int = DLMS_VERSION
    """proposed-dlms-version-number (6)."""
    calling_ae_qualifier: bytes | None = None
    """The client's signing certificate (DER) sent with mechanism 7, when available."""

    def __post_init__(self) -> None:
        owner = "AssociationConfig"
        self._check_common(owner)
        _check_range(owner, "client_max_receive_pdu_size", self.client_max_receive_pdu_size,
                     0, 0xFFFF)
        _check_range(owner, "dlms_version", self.dlms_version, 0, 0xFF)
        if self.proposed_conformance is not None:
            _check_range(owner, "proposed_conformance", int(self.proposed_conformance), 0,
                         0xFFFFFF)
        if self.initiate_ciphering not in (CipheringMode.GLOBAL, CipheringMode.GENERAL_GLO,
                                           CipheringMode.GENERAL_CIPHERING):
            raise _fail(owner, "the InitiateRequest is protected with a global key "
                        "(GLOBAL, GENERAL_GLO or GENERAL_CIPHERING)")
        if self.keys.dedicated_key is not None:
            raise _fail(owner, "the dedicated key goes in dedicated_key, not in keys")
        if self.dedicated_key is not None:
            if not self.ciphered:
                raise _fail(owner, "a dedicated key needs a ciphered context")
            if not self.security_policy.encryption:
                # Green Book 9.2.7: the key travels in the InitiateRequest; sending it
                # unencrypted would disclose it.
                raise _fail(owner, "a dedicated key travels only in an encrypted "
                            "InitiateRequest (policy with encryption)")
            expected = suite_parameters(self.security_suite).key_length
            if len(self.dedicated_key) != expected:
                raise _fail(owner, f"dedicated_key is {len(self.dedicated_key)} bytes; the "
                            f"suite needs {expected}")
        if self.ciphered and self.ciphering_mode.dedicated and self.dedicated_key is None:
            raise _fail(owner, f"ciphering mode {self.ciphering_mode.value} needs a "
                        "dedicated key")

    @property
    def conformance(self) -> Conformance:
        """The conformance block proposed (configured or the context's default)."""
        if self.proposed_conformance is not None:
            return self.proposed_conformance
        return default_conformance(self.application_context_name)


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferedAssociation(_Settings):
    """What a server offers to one client SAP (``system_title`` = server system title,
    ``peer_system_title`` = the client's, checked when given)."""

    supported_conformance: Conformance | None = None
    """The services the server supports; None: :func:`default_conformance`."""
    server_max_receive_pdu_size: int = 1024
    """Unsigned16: the largest APDU the server accepts."""
    responding_ae_qualifier: bytes | None = None
    """The server's signing certificate (DER) sent with mechanism 7, when available."""
    hls_failure_result: ActionResult = ActionResult.OTHER_REASON
    """Result of reply_to_HLS_authentication when f(StoC) is wrong."""
    server_deviations: ServerDeviations = field(default_factory=ServerDeviations)
    """Deliberate deviations in what the server accepts and how it answers (the reference
    meter's faults); none by default."""

    def __post_init__(self) -> None:
        owner = "OfferedAssociation"
        self._check_common(owner)
        _check_range(owner, "server_max_receive_pdu_size", self.server_max_receive_pdu_size,
                     0, 0xFFFF)
        if self.supported_conformance is not None:
            _check_range(owner, "supported_conformance", int(self.supported_conformance), 0,
                         0xFFFFFF)
        if self.hls_failure_result == ActionResult.SUCCESS:
            raise _fail(owner, "hls_failure_result must not be success")
        if self.keys.dedicated_key is not None:
            raise _fail(owner, "the dedicated key comes from the client's InitiateRequest")
        if self.ciphering_mode.dedicated:
            raise _fail(owner, "a server protects its own pushes with a global key; it "
                        "answers ded- requests with ded- responses by itself")

    @property
    def conformance(self) -> Conformance:
        """The conformance block supported (configured or the context's default)."""
        if self.supported_conformance is not None:
            return self.supported_conformance
        return default_conformance(self.application_context_name)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    """The associations a server offers, keyed by client SAP (e.g. 0x10 public client)."""

    associations: Mapping[int, OfferedAssociation]

    def __post_init__(self) -> None:
        for sap, offered in self.associations.items():
            _check_range("ServerConfig", "client SAP", sap, 0, 0x7F)
            if not isinstance(offered, OfferedAssociation):
                raise TypeError(f"ServerConfig.associations[{sap}] must be an "
                                f"OfferedAssociation, got {type(offered).__name__}")
        object.__setattr__(self, "associations", MappingProxyType(dict(self.associations)))

    def offered(self, client_sap: int) -> OfferedAssociation | None:
        """The association offered to ``client_sap`` (None: none)."""
        return self.associations.get(client_sap)
