"""Security policy, ciphering forms and deliberate deviations of an association.

* :class:`SecurityPolicy` -- which protection the xDLMS APDUs carry (Green Book 9.2.7: the
  A and E bits of the security control byte);
* :class:`CipheringMode` -- which ciphered APDU form carries them: service-specific glo- /
  ded- APDUs or the general-glo- / general-ded- / general-ciphering envelopes (IEC 62056-5-3
  8.5, xDLMS-APDU CHOICE);
* :class:`Deviations` -- named hooks that make a machine *send* something deliberately
  wrong, for the negative checks. They never loosen what a machine accepts;
* :class:`ServerDeviations` -- named hooks of the SERVER role only, from which the reference
  meter builds its faults: each makes a server accept or answer one thing as a
  non-conformant meter does. Off by default, without effect when off.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from conformance.codec.acse.names import AcseServiceUserDiagnostic
from conformance.codec.xdlms.initiate import Conformance
from conformance.security import SecurityControl

__all__ = ["CipheringMode", "Deviations", "SecurityPolicy", "ServerDeviations"]


class SecurityPolicy(Enum):
    """The protection applied to every xDLMS APDU of a ciphered association."""

    NONE = "no protection"
    AUTHENTICATED = "authentication"
    ENCRYPTED = "encryption"
    AUTHENTICATED_ENCRYPTED = "authenticated encryption"

    @property
    def authentication(self) -> bool:
        """Bit A (0x10) of the security control byte."""
        return self in (SecurityPolicy.AUTHENTICATED, SecurityPolicy.AUTHENTICATED_ENCRYPTED)

    @property
    def encryption(self) -> bool:
        """Bit E (0x20) of the security control byte."""
        return self in (SecurityPolicy.ENCRYPTED, SecurityPolicy.AUTHENTICATED_ENCRYPTED)

    def security_control(self, suite: int) -> SecurityControl:
        """The security control byte of this policy with security suite ``suite``."""
        return SecurityControl(security_suite_id=suite, authentication=self.authentication,
                               encryption=self.encryption)

    @classmethod
    def of(cls, sc: SecurityControl) -> SecurityPolicy:
        """The policy a security control byte applies."""
        if sc.authentication and sc.encryption:
            return cls.AUTHENTICATED_ENCRYPTED
        if sc.authentication:
            return cls.AUTHENTICATED
        if sc.encryption:
            return cls.ENCRYPTED
        return cls.NONE

    def covers(self, other: SecurityPolicy) -> bool:
        """True when this policy applies at least every protection ``other`` applies."""
        return ((self.authentication or not other.authentication)
                and (self.encryption or not other.encryption))


class CipheringMode(Enum):
    """The ciphered APDU form (IEC 62056-5-3 8.5; Green Book 9.2.7)."""

    GLOBAL = "glo"
    """Service-specific glo- APDUs (e.g. glo-get-request 0xC8) with the global unicast key;
    APDUs with no glo- form (data-notification) travel in general-glo-ciphering."""
    DEDICATED = "ded"
    """Service-specific ded- APDUs with the dedicated key of the InitiateRequest."""
    GENERAL_GLO = "general-glo"
    """general-glo-ciphering (0xDB) with the sender's system title."""
    GENERAL_DED = "general-ded"
    """general-ded-ciphering (0xDC) with the dedicated key."""
    GENERAL_CIPHERING = "general-ciphering"
    """general-ciphering (0xDD) with identified-key = global unicast encryption key."""

    @property
    def dedicated(self) -> bool:
        """True when the dedicated key protects the APDUs."""
        return self in (CipheringMode.DEDICATED, CipheringMode.GENERAL_DED)


def _check_range(owner: str, name: str, value: int | None, lo: int, hi: int) -> None:
    if value is not None and not lo <= value <= hi:
        raise ValueError(f"{owner}.{name} {value} is outside {lo}..{hi}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Deviations:
    """Deliberate deviations a machine applies to what it *sends* (negative checks).

    ``None`` / ``False`` everywhere (the default) means a conformant peer. The receiving
    side is never loosened: a deviation only changes the bytes that leave the machine,
    while the machine keeps expecting conformant answers.
    """

    challenge: bytes | None = None
    """The HLS challenge sent as given, any length (CtoS in the AARQ for a client, StoC in
    the AARE for a server) instead of ``challenge_length`` random bytes."""
    invocation_counter: int | None = None
    """Every protected APDU (and the HLS-GMAC f()) carries this invocation counter; the
    counter store is left untouched (e.g. to replay an old counter)."""
    security_control: int | None = None
    """Every protected APDU is protected with, and carries, this security control byte
    (e.g. 0x20 where the peer requires 0x30). A byte naming no defined suite is written
    into the header of an APDU protected with the policy's own byte."""
    tamper_tag: bool = False
    """Flip the lowest bit of the last byte (the end of the authentication tag) of every
    protected APDU."""
    system_title: bytes | None = None
    """Own system title sent in the AP-title and used in every IV instead of the
    configured one."""
    conformance: Conformance | None = None
    """Conformance block sent in the InitiateRequest (client) or granted in the
    InitiateResponse (server), whatever was proposed."""
    max_receive_pdu_size: int | None = None
    """client-max-receive-pdu-size (client) or server-max-receive-pdu-size (server) sent."""
    user_information: bytes | None = None
    """The AARQ / AARE user-information octets sent as given (e.g. a plain InitiateRequest
    in a ciphered context, or the wrong envelope), instead of the computed ones."""
    wrong_f: bool = False
    """The HLS f() sent (f(StoC) in pass 3 for a client, f(CtoS) in pass 4 for a server) has
    the lowest bit of its last octet flipped, so that it does not verify."""

    def __post_init__(self) -> None:
        _check_range("Deviations", "invocation_counter", self.invocation_counter, 0,
                     0xFFFFFFFF)
        _check_range("Deviations", "security_control", self.security_control, 0, 0xFF)
        _check_range("Deviations", "max_receive_pdu_size", self.max_receive_pdu_size, 0,
                     0xFFFF)
        if self.conformance is not None:
            _check_range("Deviations", "conformance", int(self.conformance), 0, 0xFFFFFF)

    @property
    def active(self) -> bool:
        """True when any deviation is configured."""
        return self != Deviations()


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerDeviations:
    """Deliberate deviations of a SERVER in what it accepts and how it answers.

    The reference meter builds its faults from these hooks (each imitates a deviation seen
    in real meters, so that the checks can be proven against it). They exist for the
    server role only -- a client machine never reads them -- and the defaults (``None`` /
    ``False``) change nothing: every rule of the machines applies. Each hook is one
    explicit branch marked ``FAULT HOOK`` where the rule is applied.
    """

    # -- AARQ acceptance (Green Book 9.4.2.2; IEC 62056-5-3 9.3.2) ----------------------------
    accept_any_application_context: bool = False
    """An AARQ proposing another application context than the offered one is accepted
    (and answered with the offered context) instead of rejected with
    application-context-name-not-supported (2)."""
    accept_any_password: bool = False
    """A wrong or missing LLS password (mechanism 1) is accepted."""
    password_failure_diagnostic: AcseServiceUserDiagnostic | None = None
    """The acse-service-user diagnostic of the AARE rejecting a wrong LLS password, instead
    of authentication-failure (13)."""
    lowest_dlms_version: int | None = None
    """The lowest proposed-dlms-version-number accepted, instead of 6."""
    lowest_client_max_receive_pdu_size: int | None = None
    """The lowest client-max-receive-pdu-size accepted (0 still means unlimited), instead
    of :data:`~conformance.protocol.association.acceptance.MIN_PDU_SIZE`."""

    # -- HLS (Green Book 9.2.7.4) ----------------------------------------------------------
    accept_any_f_stoc: bool = False
    """reply_to_HLS_authentication succeeds whatever f(StoC) the client sends."""
    serve_before_authentication: bool = False
    """While HLS authentication is pending, APDUs other than reply_to_HLS_authentication
    are left to the services layer (:meth:`Association.accepts` is False for them) instead
    of being refused; the caller serves them."""
    responding_ap_title: bytes | None = None
    """The AARE's responding-AP-title announces these octets, while every IV keeps the
    configured system title."""

    # -- ciphering (Green Book 9.2.7) --------------------------------------------------------
    accept_replayed_counter: bool = False
    """A ciphered APDU whose invocation counter is not greater than the last one accepted
    is accepted (the last accepted counter is left as it was)."""
    accept_wrong_tag: bool = False
    """A ciphered APDU whose authentication tag does not verify is deciphered and accepted
    anyway."""
    accept_plain_requests: bool = False
    """A plain (unciphered) xDLMS APDU is accepted in a ciphered context."""
    response_security_policy: SecurityPolicy | None = None
    """Once the association is established, responses are protected with exactly this
    policy (``NONE``: sent plain) instead of at least the protection of their request."""
    repeat_response_counter: bool = False
    """Once the association is established, every protected response reuses the
    invocation counter of the first one (per key) instead of a new counter each."""

    def __post_init__(self) -> None:
        _check_range("ServerDeviations", "lowest_dlms_version", self.lowest_dlms_version, 0,
                     0xFF)
        _check_range("ServerDeviations", "lowest_client_max_receive_pdu_size",
                     self.lowest_client_max_receive_pdu_size, 1, 0xFFFF)
        if self.password_failure_diagnostic is not None:
            AcseServiceUserDiagnostic(self.password_failure_diagnostic)

    @property
    def active(self) -> bool:
        """True when any deviation is configured."""
        return self != ServerDeviations()
