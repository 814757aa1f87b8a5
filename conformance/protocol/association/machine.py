"""The sans-IO association machine: the base shared by both roles.

No I/O, no clock: ``send(event) -> bytes`` gives the APDU to transmit (already protected
where the context ciphers it), ``receive(apdu) -> event`` takes one complete APDU and
returns what it meant. Every move goes through :data:`~.table.TRANSITIONS`, the one table
of both roles.

Errors (:mod:`conformance.errors`):

* :class:`LocalProtocolError` -- this side asked for something its state or role forbids
  (e.g. ``send(ReplyToHlsRequest())`` before the AARE); nothing is sent, nothing changes;
* :class:`RemoteProtocolError` -- the peer broke the protocol. In the server role it always
  carries ``response_hint``: the bytes the server sends in answer (a rejecting AARE, a
  failed ACTION response, an exception-response), or ``None`` when the standard wants no
  answer; its ``__cause__`` is the underlying error (``SecurityError``, ``CodecError``);
* :class:`SecurityError` -- client role: HLS failed (the server refused f(StoC), or its
  f(CtoS) does not verify), a tag or counter check of the ciphering policy failed;
* :class:`CodecError` -- client role: malformed bytes from the server.

After an error the state is unchanged unless the error says otherwise (a rejected
association or a failed HLS pass moves as the table says). ``send(Abort())`` returns to
IDLE from anywhere when the supporting layer is gone.
"""

from __future__ import annotations

from typing import ClassVar

from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.association.ciphering import ACSE_TAGS, Ciphering
from conformance.protocol.association.config import AssociationConfig, OfferedAssociation
from conformance.protocol.association.counters import (
    InvocationCounterStore,
    MemoryCounterStore,
)
from conformance.protocol.association.events import (
    Abort,
    NegotiatedParameters,
    ReceivedEvent,
    SentEvent,
)
from conformance.protocol.association.hls import HlsExchange
from conformance.protocol.association.table import (
    SENDER,
    AssociationState,
    Primitive,
    Role,
    next_state,
)

__all__ = ["Association"]


class Association:
    """Base of :class:`ClientAssociation` and :class:`ServerAssociation`."""

    ROLE: ClassVar[Role]

    def __init__(self, settings: AssociationConfig | OfferedAssociation,
                 counters: InvocationCounterStore | None) -> None:
        self._settings = settings
        self._counters: InvocationCounterStore = (MemoryCounterStore() if counters is None
                                                  else counters)
        self._state = AssociationState.IDLE
        self._ciphering = Ciphering(role=self.ROLE, settings=settings, counters=self._counters)
        self._negotiated: NegotiatedParameters | None = None
        self._exchange: HlsExchange | None = None

    # -- public state --------------------------------------------------------------------
    @property
    def role(self) -> Role:
        """CLIENT or SERVER."""
        return self.ROLE

    @property
    def state(self) -> AssociationState:
        """The current state (see :mod:`~conformance.protocol.association.table`)."""
        return self._state

    @property
    def settings(self) -> AssociationConfig | OfferedAssociation:
        """The configuration of this side."""
        return self._settings

    @property
    def associated(self) -> bool:
        """True once the association is established and authenticated."""
        return self._state is AssociationState.ASSOCIATED

    @property
    def negotiated(self) -> NegotiatedParameters | None:
        """What the association agreed (None before the AARE / after the release)."""
        return self._negotiated

    @property
    def ciphering(self) -> Ciphering:
        """The ciphering policy; the services layer protects and unprotects with it."""
        return self._ciphering

    @property
    def counters(self) -> InvocationCounterStore:
        """The invocation counter store (kept across associations)."""
        return self._counters

    # -- the table ----------------------------------------------------------------------
    def _check_send(self, primitive: Primitive) -> None:
        sender = SENDER[primitive]
        if sender is not None and sender is not self.ROLE:
            raise LocalProtocolError(f"a {self.ROLE.value} does not send {primitive.value}")
        if next_state(self._state, primitive) is None:
            raise LocalProtocolError(f"cannot send {primitive.value} in state "
                                     f"{self._state.value}")

    def _check_receive(self, primitive: Primitive, *, response_hint: bytes | None = None
                       ) -> None:
        if next_state(self._state, primitive) is None:
            raise RemoteProtocolError(f"unexpected {primitive.value} in state "
                                      f"{self._state.value}", response_hint=response_hint)

    def _move(self, primitive: Primitive) -> None:
        after = next_state(self._state, primitive)
        if after is None:  # every caller checked first
            raise LocalProtocolError(f"{primitive.value} is not allowed in state "
                                     f"{self._state.value}")
        self._state = after
        if after is AssociationState.IDLE:
            self._reset()

    def _reset(self) -> None:
        """Forget the association (keys of a dedicated key, challenges, negotiation)."""
        self._ciphering = Ciphering(role=self.ROLE, settings=self._settings,
                                    counters=self._counters)
        self._negotiated = None
        self._exchange = None

    # -- entry points --------------------------------------------------------------------
    def send(self, event: SentEvent) -> bytes:
        """The APDU bytes that carry ``event`` (empty for :class:`Abort`)."""
        if isinstance(event, Abort):
            self._move(Primitive.ABORT)
            return b""
        return self._send(event)

    def receive(self, apdu: bytes) -> ReceivedEvent:
        """Process one complete APDU from the peer and return what it meant."""
        return self._receive(bytes(apdu))

    def accepts(self, apdu: bytes) -> bool:
        """True when ``apdu`` is for this machine in its state (ACSE APDUs, and the xDLMS
        APDUs of the HLS exchange); the others go to the services layer."""
        if apdu and apdu[0] in ACSE_TAGS:
            return True
        return self._accepts_xdlms(bytes(apdu))

    # -- role specific ---------------------------------------------------------------------
    def _send(self, event: SentEvent) -> bytes:
        raise NotImplementedError

    def _receive(self, apdu: bytes) -> ReceivedEvent:
        raise NotImplementedError

    def _accepts_xdlms(self, apdu: bytes) -> bool:
        raise NotImplementedError
