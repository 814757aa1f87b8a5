"""What the client and server services machines share: the state and the transition
table, protection, maximum PDU sizes, the general-block-transfer sublayer, decoding of
received APDUs, and the rule that a protocol violation of the peer aborts the exchange.

h11-style contract of both roles: ``send(event) -> list[bytes]`` returns the APDUs to
transmit; ``receive(apdu) -> list[event]`` consumes one received APDU; APDUs the machine
produces on its own while receiving (block acknowledgements, get-request-next, the
server's responses) are collected by :meth:`ServicesMachine.data_to_send`.
``LocalProtocolError`` (nothing was sent, the state is unchanged) and
``RemoteProtocolError`` (the exchange is aborted: state IDLE; for a server
``response_hint`` holds the APDU to transmit in answer, already protected) are the only
errors besides the ``SecurityError`` / ``CodecError`` a protection object may raise for an
APDU it cannot decipher (the state is then unchanged).
"""

from __future__ import annotations

from typing import ClassVar

from conformance.codec.apdu import decode_apdu
from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import CodecError, LocalProtocolError, RemoteProtocolError
from conformance.protocol.services import rules
from conformance.protocol.services.config import (
    IDENTITY,
    ApduProtection,
    BlockTransferMode,
    Role,
    ServicesConfig,
)
from conformance.protocol.services.gbt import GbtSession
from conformance.protocol.services.table import (
    SENDER,
    GbtPhase,
    ServicePrimitive,
    ServicesState,
    next_state,
)

__all__ = ["GBT_CLAUSE", "ServicesMachine"]

GBT_TAG = 0xE0
GBT_CLAUSE = "Green Book 9.4.6.13"
"""The clause of the general block transfer mechanism (cited in messages)."""


class ServicesMachine:
    """Base of :class:`~conformance.protocol.services.client.ClientServices` and
    :class:`~conformance.protocol.services.server.ServerServices`."""

    role: ClassVar[Role]

    def __init__(self, config: ServicesConfig, *,
                 protection: ApduProtection = IDENTITY) -> None:
        self._config = config
        self._protection = protection
        self._state = ServicesState.IDLE
        self._gbt = GbtSession(window=config.gbt_window)
        self._exchange_gbt = False
        self._outbox: list[bytes] = []

    # -- public state ---------------------------------------------------------------------
    @property
    def config(self) -> ServicesConfig:
        """The association's parameters."""
        return self._config

    @property
    def state(self) -> ServicesState:
        """Where the current exchange stands."""
        return self._state

    @property
    def gbt_phase(self) -> GbtPhase:
        """Where the general block transfer of the current exchange stands."""
        return self._gbt.phase

    def data_to_send(self) -> list[bytes]:
        """The APDUs the machine produced while receiving, in order (emptied by the call)."""
        out, self._outbox = self._outbox, []
        return out

    # -- limits ---------------------------------------------------------------------------
    @property
    def own_limit(self) -> int:
        """The longest APDU this side accepts (0: no limit)."""
        return self._config.own_max_receive_pdu_size(self.role)

    @property
    def peer_limit(self) -> int:
        """The longest APDU this side may send (0: no limit)."""
        return self._config.peer_max_receive_pdu_size(self.role)

    def _fits(self, size: int) -> bool:
        return not self.peer_limit or size <= self.peer_limit

    def _grants(self, bits: Conformance) -> bool:
        return self._config.grants(bits)

    @property
    def _gbt_granted(self) -> bool:
        return self._grants(Conformance.GENERAL_BLOCK_TRANSFER)

    @property
    def _prefers_gbt(self) -> bool:
        return (self._gbt_granted
                and self._config.block_transfer is not BlockTransferMode.SERVICE_SPECIFIC)

    # -- transitions ----------------------------------------------------------------------
    def _allowed(self, primitive: ServicePrimitive) -> bool:
        return next_state(self._state, primitive) is not None

    def _apply(self, primitive: ServicePrimitive, apdu: Apdu | None = None) -> None:
        """Move on ``primitive``: a local one that the table forbids raises
        ``LocalProtocolError``, a remote one a violation (see :meth:`_violation`)."""
        new = next_state(self._state, primitive)
        if new is None:
            message = f"{primitive.value} is not allowed in state {self._state.value}"
            if SENDER[primitive] is self.role:
                raise LocalProtocolError(message)
            raise self._violation(message, self._hint_for(apdu))
        self._state = new

    def _hint_for(self, apdu: Apdu | None) -> Apdu | None:
        """The answer the standard wants to an unexpected ``apdu`` (server role)."""
        return None

    def _violation(self, message: str, hint: Apdu | None = None) -> RemoteProtocolError:
        """Abort the exchange and build the error (a server protects ``hint``)."""
        self._abort()
        hint_bytes = None
        if hint is not None and self.role is Role.SERVER:
            hint_bytes = self._protection.protect(hint.to_bytes())
        return RemoteProtocolError(message, response_hint=hint_bytes)

    def _abort(self) -> None:
        self._state = ServicesState.IDLE
        self._end_exchange()

    def _end_exchange(self) -> None:
        self._gbt.end()
        self._exchange_gbt = False

    # -- sending --------------------------------------------------------------------------
    def _transmit(self, apdu: Apdu) -> list[bytes]:
        """Protect one APDU of the exchange and send it: in GBT blocks when the exchange
        uses GBT, else whole (``LocalProtocolError`` when it is too long)."""
        return self._transmit_wire(self._protection.protect(apdu.to_bytes()), apdu)

    def _transmit_wire(self, wire: bytes, apdu: Apdu) -> list[bytes]:
        if self._gbt.phase is not GbtPhase.IDLE:
            return self._send_gbt(wire)
        if not self._fits(len(wire)):
            raise LocalProtocolError(f"{type(apdu).__name__} is {len(wire)} octets; the "
                                     f"peer accepts at most {self.peer_limit}")
        return [wire]

    def _send_gbt(self, wire: bytes) -> list[bytes]:
        if not self._gbt_granted:
            raise LocalProtocolError("general-block-transfer is not in the negotiated "
                                     "conformance")
        out = self._gbt.send_apdu(wire, self.peer_limit)
        self._exchange_gbt = True
        return out

    # -- receiving ------------------------------------------------------------------------
    def _receive_apdu(self, data: bytes) -> tuple[Apdu, bool] | None:
        """Check the size of one received APDU, reassemble GBT blocks, unprotect and
        decode; ``(apdu, came in GBT)``, or ``None`` while a GBT transfer goes on."""
        data = bytes(data)
        if not data:
            raise self._violation("empty APDU", self._undecodable_hint(data))
        if self.own_limit and len(data) > self.own_limit:
            raise self._violation(
                f"APDU of {len(data)} octets exceeds this side's max receive PDU size "
                f"{self.own_limit} (InitiateRequest / InitiateResponse, IEC 62056-5-3 9.5)",
                self._too_long_hint())
        if data[0] != GBT_TAG:
            plain = self._unprotect(data)
            apdu = self._decode(plain)
            if isinstance(apdu, GeneralBlockTransfer):
                raise self._violation("general-block-transfer APDU inside a protected APDU "
                                      f"({GBT_CLAUSE}: GBT APDUs are not protected)",
                                      self._undecodable_hint(plain))
            if self._gbt.phase is not GbtPhase.IDLE:
                self._plain_during_gbt(apdu)
            return apdu, False
        block = self._decode_gbt(data)
        if not self._gbt_granted and not self._takes_gbt_not_granted(block):
            raise self._violation(
                "general-block-transfer APDU although the general-block-transfer "
                "conformance bit was not negotiated", self._not_granted_hint())
        self._before_gbt_block(block)
        try:
            out, complete = self._gbt.receive(block)
        except RemoteProtocolError as exc:
            raise self._violation(str(exc), self._gbt_violation_hint()) from exc
        self._exchange_gbt = True
        self._outbox.extend(out)
        if complete is None:
            return None
        apdu = self._decode(self._unprotect(complete))
        if isinstance(apdu, GeneralBlockTransfer):
            raise self._violation("a general-block-transfer APDU carried another one",
                                  self._undecodable_hint(complete))
        return apdu, True

    def _unprotect(self, data: bytes) -> bytes:
        """The protection policy's plaintext; a policy violation it reports (with its own
        response hint) aborts the exchange like any other."""
        try:
            return self._protection.unprotect(data)
        except RemoteProtocolError:
            self._abort()
            raise

    def _decode_gbt(self, data: bytes) -> GeneralBlockTransfer:
        block = self._decode(data)
        if not isinstance(block, GeneralBlockTransfer):  # pragma: no cover - tag 0xE0
            raise self._violation("not a general-block-transfer APDU")
        return block

    def _decode(self, plain: bytes) -> Apdu:
        try:
            return decode_apdu(plain)
        except CodecError as exc:
            raise self._violation(f"malformed APDU: {exc}",
                                  self._undecodable_hint(plain)) from exc

    def _check_granted(self, apdu: Apdu, who: str) -> None:
        """A violation when ``apdu`` needs a conformance bit that was not negotiated."""
        lacking = rules.missing(self._config.conformance, apdu)
        if lacking:
            raise self._violation(
                f"{who} used {type(apdu).__name__}, which needs {rules.describe(lacking)}: "
                "not in the negotiated conformance", self._not_granted_hint())

    # -- role hooks -----------------------------------------------------------------------
    def _plain_during_gbt(self, apdu: Apdu) -> None:
        """A plain APDU arrived while the exchange uses GBT."""

    def _before_gbt_block(self, block: GeneralBlockTransfer) -> None:
        """A GBT block is about to be processed."""

    def _takes_gbt_not_granted(self, block: GeneralBlockTransfer) -> bool:
        """Whether ``block`` is processed although general-block-transfer was not
        negotiated (never, unless a server deviation says so)."""
        return False

    def _undecodable_hint(self, plain: bytes) -> Apdu | None:
        return None

    def _too_long_hint(self) -> Apdu | None:
        return None

    def _not_granted_hint(self) -> Apdu | None:
        return None

    def _gbt_violation_hint(self) -> Apdu | None:
        return None
