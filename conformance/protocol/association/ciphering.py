"""The ciphering policy of one association: :class:`Ciphering` (Green Book 9.2.7).

After the association, the services layer passes every xDLMS APDU through it:
``protect(plain) -> bytes`` before sending and ``unprotect(received) -> bytes`` after
receiving. It applies the association's security policy (authentication, encryption or
both), security suite and ciphered form (glo-, ded-, general-glo-, general-ded-,
general-ciphering), and the invocation counter rules of
:mod:`~conformance.protocol.association.counters`.

Receiving is strict: in a ciphered context a plain APDU (other than exception-response and
general-block-transfer, which are never ciphered), a protection weaker than the policy, a
wrong suite, a replayed counter, a tag mismatch or a system title other than the peer's
are refused; in a context without ciphering a ciphered APDU is refused.

Errors by role: a *client* gets :class:`SecurityError` (tag mismatch, replay, missing key),
:class:`RemoteProtocolError` (policy violation) or :class:`CodecError` (malformed envelope);
a *server* always gets :class:`RemoteProtocolError` whose ``response_hint`` is the
exception-response to send (state-error service-not-allowed; service-error
deciphering-error, invocation-counter-error with the lowest acceptable counter, or
operation-not-possible) and whose ``__cause__`` is the underlying error.

A server answers in kind: its response uses the ciphered form of the last request and at
least its protection. A client checks that every response does (``check_response_protection``).

Invocation counters are kept per key (:class:`~.counters.CounterKey`: the key's name, a
digest of its value and the sender's system title), never per key name.

A server's :class:`~.policy.ServerDeviations` (the reference meter's faults) loosen some of
these rules, each in one branch marked ``FAULT HOOK``; a client has none.
"""

from __future__ import annotations

import dataclasses
from typing import NoReturn

from conformance.codec.xdlms.ciphered import (
    Protection,
    SecurityHeader,
    ciphered_tag_for,
    decode_ciphered,
)
from conformance.codec.xdlms.enums import ExceptionServiceError, ExceptionStateError
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.errors import (
    CodecError,
    ConformanceError,
    LocalProtocolError,
    RemoteProtocolError,
    SecurityError,
)
from conformance.protocol.association.config import AssociationConfig, OfferedAssociation
from conformance.protocol.association.counters import CounterKey, InvocationCounterStore
from conformance.protocol.association.envelopes import (
    Envelope,
    build_envelope,
    open_ignoring_tag,
    sender_system_title,
)
from conformance.protocol.association.policy import (
    CipheringMode,
    SecurityPolicy,
    ServerDeviations,
)
from conformance.protocol.association.protection_info import (
    CIPHERED_TAGS,
    PLAIN,
    ProtectionInfo,
    check_response_protection,
    envelope_mode,
)
from conformance.protocol.association.table import Role
from conformance.security import (
    MAX_INVOCATION_COUNTER,
    SecretKey,
    SecurityControl,
    SecurityKeys,
    check_invocation_counter,
    make_iv,
    suite_parameters,
    unprotect,
)

__all__ = ["ACSE_TAGS", "NEVER_PROTECTED_TAGS", "RESPONSE_TAGS", "Ciphering"]

ACSE_TAGS = frozenset({0x60, 0x61, 0x62, 0x63})
"""AARQ, AARE, RLRQ, RLRE: protected inside their user-information by the machine."""
NEVER_PROTECTED_TAGS = frozenset({0xD8, 0xE0})
"""exception-response and general-block-transfer: no ciphered form (IEC 62056-5-3 8.5);
the blocks of a GBT carry an APDU that is itself protected."""
RESPONSE_TAGS = frozenset({0x08, 0x0C, 0x0D, 0x0E, 0xC4, 0xC5, 0xC7})
"""Plaintext tags of responses (initiate, read, write, confirmed-service-error, get, set,
action)."""
_GENERAL_SIGNING = 0xDF


class Ciphering:
    """The per-association ciphering policy (an ``ApduProtection`` for the services)."""

    def __init__(self, *, role: Role, settings: AssociationConfig | OfferedAssociation,
                 counters: InvocationCounterStore) -> None:
        self._role = role
        self._settings = settings
        self._counters = counters
        deviations = settings.deviations
        self._own_system_title = deviations.system_title or settings.system_title
        self._peer_system_title = settings.peer_system_title
        dedicated = (settings.dedicated_key if isinstance(settings, AssociationConfig)
                     else None)
        self._keys = settings.keys.with_dedicated_key(dedicated)
        self._last_sent: ProtectionInfo = PLAIN
        self._last_received: ProtectionInfo = PLAIN
        self._last_received_key: CounterKey | None = None
        self._tolerances = (settings.server_deviations
                            if isinstance(settings, OfferedAssociation) else ServerDeviations())
        self._established = False
        self._repeated: dict[CounterKey, int] = {}

    # -- state -------------------------------------------------------------------------
    @property
    def role(self) -> Role:
        """The side this policy protects for."""
        return self._role

    @property
    def ciphered(self) -> bool:
        """True in a ciphered application context."""
        return self._settings.ciphered

    @property
    def security_control(self) -> SecurityControl:
        """The security control byte of the policy."""
        return self._settings.security_policy.security_control(self._settings.security_suite)

    @property
    def own_system_title(self) -> bytes | None:
        """The system title this side sends with (a deviation may replace it)."""
        return self._own_system_title

    @property
    def peer_system_title(self) -> bytes | None:
        """The peer's system title (configured, or learned from its AP-title)."""
        return self._peer_system_title

    def set_peer_system_title(self, system_title: bytes | None) -> None:
        """Record the peer's system title (from the AARQ / AARE AP-title)."""
        self._peer_system_title = system_title

    @property
    def has_dedicated_key(self) -> bool:
        """True once a dedicated key is established."""
        return self._keys.dedicated_key is not None

    def set_dedicated_key(self, key: bytes | None) -> None:
        """Use ``key`` (from the client's InitiateRequest) for ded- APDUs."""
        if key is not None:
            expected = suite_parameters(self._settings.security_suite).key_length
            if len(key) != expected:
                raise SecurityError(f"the dedicated key is {len(key)} bytes; security suite "
                                    f"{int(self._settings.security_suite)} needs {expected}")
        self._keys = self._keys.with_dedicated_key(key)

    @property
    def keys(self) -> SecurityKeys:
        """The keys in use (never printed)."""
        return self._keys

    @property
    def counters(self) -> InvocationCounterStore:
        """The invocation counter store."""
        return self._counters

    @property
    def last_sent(self) -> ProtectionInfo:
        """Protection of the last APDU this policy protected."""
        return self._last_sent

    @property
    def last_received(self) -> ProtectionInfo:
        """Protection of the last APDU this policy accepted."""
        return self._last_received

    def received_counter(self, key: CounterKey) -> int | None:
        """The invocation counter of the last APDU accepted if its sender protected it with
        ``key`` (the same key and system title), else ``None``."""
        if self._last_received_key != key:
            return None
        return self._last_received.invocation_counter

    def association_established(self) -> None:
        """Called by the server machine once the association is established: the APDUs
        protected from now on are service responses (the only ones the service-phase
        :class:`~.policy.ServerDeviations` change)."""
        self._established = True

    # -- counters for HLS-GMAC -----------------------------------------------------------
    def _global_key(self) -> SecretKey:
        return self._keys.block_cipher_key()

    def reserve_own_counter(self) -> int:
        """A fresh invocation counter of EK with the own system title (HLS-GMAC f())."""
        forced = self._settings.deviations.invocation_counter
        if forced is not None:
            return forced
        return self._counters.reserve(CounterKey.of(self._global_key(),
                                                    self._require_own_title()))

    def peer_counter_key(self, system_title: bytes) -> CounterKey:
        """The counter of EK used by the owner of ``system_title``."""
        return CounterKey.of(self._global_key(), system_title)

    def _require_own_title(self) -> bytes:
        if self._own_system_title is None:
            raise LocalProtocolError("no own system title is configured")
        return self._own_system_title

    # -- sending -------------------------------------------------------------------------
    def protect(self, plain_apdu: bytes, *, mode: CipheringMode | None = None) -> bytes:
        """The APDU to send for ``plain_apdu``: protected as the policy says (``mode``
        overrides the ciphered form), or unchanged in a context without ciphering and for
        exception-response / general-block-transfer. The invocation counter is reserved in
        the store before the bytes are returned."""
        plain = bytes(plain_apdu)
        if not plain:
            raise LocalProtocolError("cannot protect an empty APDU")
        if plain[0] in ACSE_TAGS:
            raise LocalProtocolError("ACSE APDUs are protected inside their user-information "
                                     "by the association machine")
        if plain[0] in NEVER_PROTECTED_TAGS or not self.ciphered:
            self._last_sent = PLAIN
            return plain
        sc = self.security_control
        chosen = mode or self._settings.ciphering_mode
        last = self._last_received
        if (mode is None and self._role is Role.SERVER and last.mode is not None
                and last.security_control is not None):
            # Answer in kind: the request's form and at least its protection.
            chosen = last.mode
            received = last.security_control
            sc = dataclasses.replace(sc, authentication=sc.authentication
                                     or received.authentication,
                                     encryption=sc.encryption or received.encryption)
            weaker = self._tolerances.response_security_policy
            if weaker is not None and self._established:
                # FAULT HOOK: responses protected with a fixed policy, weaker than their
                # request (imitates meters that ignore the request's protection).
                if weaker is SecurityPolicy.NONE:
                    self._last_sent = PLAIN
                    return plain
                sc = weaker.security_control(self._settings.security_suite)
        return self._protect(plain, sc, chosen)

    def _protect(self, plain: bytes, sc: SecurityControl, mode: CipheringMode) -> bytes:
        dedicated = mode.dedicated
        if dedicated and not self.has_dedicated_key:
            raise LocalProtocolError(f"{mode.value} ciphering needs a dedicated key, and none "
                                     "is established")
        deviations = self._settings.deviations
        forced_raw = deviations.security_control
        if forced_raw is not None:
            sc = SecurityControl.from_byte(forced_raw)
        key = self._keys.block_cipher_key(dedicated=dedicated, broadcast=sc.broadcast_key)
        st = self._require_own_title()
        ic = deviations.invocation_counter
        if ic is None:
            ic = self._reserve(CounterKey.of(key, st))
        if mode in (CipheringMode.GLOBAL, CipheringMode.DEDICATED):
            protection = Protection.DEDICATED if dedicated else Protection.GLOBAL
            if ciphered_tag_for(plain[0], protection) is None:
                # data-notification and the like travel only in the general envelopes.
                mode = CipheringMode.GENERAL_DED if dedicated else CipheringMode.GENERAL_GLO
        try:
            envelope = self._envelope(plain, sc, mode, ic)
        except SecurityError:
            if forced_raw is None:
                raise
            # A forced byte naming no usable suite: protect with the policy's own byte and
            # write the forced one into the header (the APDU is then deliberately broken).
            envelope = self._envelope(plain, self.security_control, mode, ic)
            envelope = dataclasses.replace(envelope, security_header=SecurityHeader(
                security_control=forced_raw, invocation_counter=ic))
        out = envelope.to_bytes()
        if deviations.tamper_tag:
            out = out[:-1] + bytes((out[-1] ^ 0x01,))
        self._last_sent = ProtectionInfo(mode=mode, security_control=sc, invocation_counter=ic)
        return out

    def _envelope(self, plain: bytes, sc: SecurityControl, mode: CipheringMode,
                  ic: int) -> Envelope:
        return build_envelope(plain, keys=self._keys, security_control=sc, mode=mode,
                              invocation_counter=ic, system_title=self._require_own_title(),
                              peer_system_title=self._peer_system_title)

    def _reserve(self, counter_key: CounterKey) -> int:
        repeat = self._established and self._tolerances.repeat_response_counter
        if repeat and counter_key in self._repeated:
            # FAULT HOOK: the counter of the first response is used again (imitates meters
            # that do not advance their invocation counter for every APDU).
            return self._repeated[counter_key]
        ic = self._counters.reserve(counter_key)
        if repeat:
            self._repeated[counter_key] = ic
        return ic

    # -- receiving -----------------------------------------------------------------------
    def unprotect(self, apdu: bytes) -> bytes:
        """The plaintext of a received APDU, checked against the policy (see the module
        documentation for the errors each role gets)."""
        data = bytes(apdu)
        if not data:
            self._reject(CodecError("empty APDU", offset=0, path="apdu"),
                         ExceptionServiceError.OPERATION_NOT_POSSIBLE)
        tag = data[0]
        if tag in ACSE_TAGS:
            # The association machine takes ACSE APDUs before anything reaches this policy,
            # so one here is the peer's: e.g. a meter answering a GET with an AARE/RLRE.
            self._reject(RemoteProtocolError(
                f"ACSE APDU (tag 0x{tag:02X}) where an xDLMS APDU was expected"),
                ExceptionServiceError.OPERATION_NOT_POSSIBLE)
        if tag == _GENERAL_SIGNING:
            self._reject(RemoteProtocolError("general-signing is not part of this "
                                             "association's ciphering policy"),
                         ExceptionServiceError.OPERATION_NOT_POSSIBLE)
        if tag in CIPHERED_TAGS:
            if not self.ciphered:
                self._reject(RemoteProtocolError(
                    f"ciphered APDU (tag 0x{tag:02X}) in a context without ciphering"),
                    ExceptionServiceError.OPERATION_NOT_POSSIBLE)
            try:
                envelope = decode_ciphered(data)
            except CodecError as exc:
                self._reject(exc, ExceptionServiceError.DECIPHERING_ERROR)
            if not isinstance(envelope, Envelope):  # pragma: no cover - tag 0xDF above
                raise LocalProtocolError("general-signing is not handled here")
            return self._decipher(envelope)
        if tag not in NEVER_PROTECTED_TAGS and self.ciphered \
                and not self._tolerances.accept_plain_requests:
            # Unless FAULT HOOK: plain requests accepted in a ciphered context (imitates
            # meters that serve plain requests in a ciphered association).
            self._reject(RemoteProtocolError(
                f"plain APDU (tag 0x{tag:02X}) where the security policy requires "
                f"{self._settings.security_policy.value}"),
                ExceptionServiceError.OPERATION_NOT_POSSIBLE)
        self._last_received = PLAIN
        self._last_received_key = None
        return data

    def _decipher(self, envelope: Envelope) -> bytes:
        header = envelope.security_header
        sc = SecurityControl.from_byte(header.security_control)
        info = ProtectionInfo(mode=envelope_mode(envelope), security_control=sc,
                              invocation_counter=header.invocation_counter)
        settings = self._settings
        if sc.security_suite_id != settings.security_suite or sc.compression:
            self._reject(SecurityError(f"{sc} does not match the association's security "
                                       f"suite {int(settings.security_suite)} (uncompressed)"),
                         ExceptionServiceError.DECIPHERING_ERROR)
        if not info.policy.covers(settings.security_policy):
            self._reject(RemoteProtocolError(
                f"{sc} is weaker than the security policy "
                f"({settings.security_policy.value})"),
                ExceptionServiceError.OPERATION_NOT_POSSIBLE)
        sender = self._sender_system_title(envelope)
        try:
            key = self._keys.block_cipher_key(dedicated=envelope_mode(envelope).dedicated,
                                              broadcast=sc.broadcast_key)
        except SecurityError as exc:
            self._reject(exc, ExceptionServiceError.DECIPHERING_ERROR)
        counter_key = CounterKey.of(key, sender)
        ic = header.invocation_counter
        last = self._counters.last_accepted(counter_key)
        fresh = True
        try:
            check_invocation_counter(ic, last_accepted=last, key_name=key.name)
        except SecurityError as exc:
            expected = min((last or 0) + 1, MAX_INVOCATION_COUNTER)
            if not self._tolerances.accept_replayed_counter:
                self._reject(exc, ExceptionServiceError.INVOCATION_COUNTER_ERROR, expected)
            # FAULT HOOK: a replayed counter is accepted (imitates meters that do not check
            # the invocation counter); the last accepted one stays.
            fresh = False
        try:
            plain = unprotect(envelope, keys=self._keys, system_title=sender,
                              expected_security_control=sc)
        except SecurityError as exc:
            if not (self._tolerances.accept_wrong_tag and sc.authentication):
                self._reject(exc, ExceptionServiceError.DECIPHERING_ERROR)
            # FAULT HOOK: the tag is not verified (imitates meters that decipher without
            # checking the authentication tag).
            plain = open_ignoring_tag(envelope.ciphered_text, security_control=sc, key=key,
                                      iv=make_iv(sender, ic))
        except CodecError as exc:
            self._reject(exc, ExceptionServiceError.DECIPHERING_ERROR)
        if not plain:
            self._reject(CodecError("the deciphered APDU is empty", offset=0,
                                    path="plaintext"), ExceptionServiceError.DECIPHERING_ERROR)
        if fresh:
            self._counters.accept(counter_key, ic)
        self._last_received = info
        self._last_received_key = counter_key
        if self._role is Role.CLIENT and plain[0] in RESPONSE_TAGS \
                and self._last_sent.mode is not None:
            check_response_protection(self._last_sent, info)
        return plain

    def peek(self, apdu: bytes) -> bytes | None:
        """The plaintext of ``apdu`` without applying the policy or the counter rules and
        without recording anything (``None`` when it cannot be deciphered). For routing
        and inspection only: what is served must come from :meth:`unprotect`."""
        data = bytes(apdu)
        if not data or data[0] not in CIPHERED_TAGS:
            return data
        try:
            envelope = decode_ciphered(data)
            if not isinstance(envelope, Envelope):  # pragma: no cover - tag 0xDF excluded
                return None
            return unprotect(envelope, keys=self._keys,
                             system_title=self._sender_system_title(envelope))
        except ConformanceError:
            return None

    def _sender_system_title(self, envelope: Envelope) -> bytes:
        try:
            return sender_system_title(envelope, peer=self._peer_system_title,
                                       own=self._own_system_title)
        except SecurityError as exc:
            self._reject(exc, ExceptionServiceError.DECIPHERING_ERROR)

    def _reject(self, error: ConformanceError, service_error: ExceptionServiceError,
                counter: int | None = None) -> NoReturn:
        if self._role is Role.CLIENT:
            raise error
        hint = ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                                 service_error=service_error, invocation_counter=counter)
        raise RemoteProtocolError(str(error), response_hint=hint.to_bytes()) from error

