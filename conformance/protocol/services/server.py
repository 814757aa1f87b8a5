"""The SERVER role of the xDLMS services machine (IEC 62056-5-3 9.3 / 9.4.6): serves GET,
SET and ACTION requests through a :class:`~.server_support.ServiceHandler`, does the
blocking on its side, and pushes notifications.

- Responses longer than the client-max-receive-pdu-size go in GET datablocks / ACTION
  pblocks, or in general-block-transfer APDUs (always when the client used GBT in the
  exchange; by preference with :class:`~.config.BlockTransferMode` GENERAL); when no block
  transfer is granted the results become other-reason.
- Long SET / ACTION requests are reassembled from their blocks, each acknowledged; block
  numbers and invoke-ids are checked.
- Every mistake of the client raises ``RemoteProtocolError`` whose ``response_hint`` is the
  APDU to transmit in answer (protected as the association requires), as listed in
  :mod:`.server_support`; the exchange is then over (state IDLE). A protection policy that
  refuses an APDU raises its own ``RemoteProtocolError`` with its hint.
- A reference meter imitating a faulty one gives :class:`~.deviations.ServerDeviations`;
  each is one branch marked ``FAULT HOOK`` (none by default).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.enums import (
    ActionResult,
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
    InvokeIdAndPriority,
    ServiceClass,
)
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.errors import CodecError, LocalProtocolError, RemoteProtocolError
from conformance.protocol.services import rules
from conformance.protocol.services.blocks import BlockSequence, split_into_blocks
from conformance.protocol.services.config import (
    IDENTITY,
    ApduProtection,
    BlockTransferMode,
    Role,
    ServicesConfig,
)
from conformance.protocol.services.deviations import NO_DEVIATIONS, ServerDeviations
from conformance.protocol.services.events import Notify, RequestMissingBlocks, Served, Transfer
from conformance.protocol.services.gbt import GbtSession
from conformance.protocol.services.machine import GBT_CLAUSE, ServicesMachine
from conformance.protocol.services.server_support import (
    Answer,
    RequestRefused,
    ServiceHandler,
    continuation_hint,
    exception,
    rebuild_request,
    serve,
    undecodable_blocks_hint,
)
from conformance.protocol.services.server_transfers import (
    Incoming,
    Outgoing,
    as_continuation,
    block_of,
    invoke_of,
    is_set,
)
from conformance.protocol.services.table import GbtPhase, ServicePrimitive, ServicesState

__all__ = ["ServerServices", "ServiceHandler"]

P = ServicePrimitive
DAR = DataAccessResult
AR = ActionResult
SNA = ExceptionStateError.SERVICE_NOT_ALLOWED

_REQUEST_CHOICES = {0xC0: frozenset({1, 2, 3}), 0xC1: frozenset({1, 2, 3, 4, 5}),
                    0xC3: frozenset({1, 2, 3, 4, 5, 6})}
"""The Get-, Set- and Action-Request alternatives (IEC 62056-5-3 9.5)."""
_CONTINUATIONS = (get.GetRequestNext, set_.SetRequestWithDatablock,
                  act.ActionRequestWithPblock, act.ActionRequestNextPblock)
_FIRST_BLOCKS = (set_.SetRequestWithFirstDatablock, set_.SetRequestWithListAndFirstDatablock,
                 act.ActionRequestWithFirstPblock, act.ActionRequestWithListAndFirstPblock)
_COMPLETE = (get.GetRequestNormal, get.GetRequestWithList, set_.SetRequestNormal,
             set_.SetRequestWithList, act.ActionRequestNormal, act.ActionRequestWithList)


class ServerServices(ServicesMachine):
    """The server side: ``receive(APDU) -> [Served]`` with the answers in
    :meth:`data_to_send`; ``send(Notify(...))`` pushes a notification."""

    role = Role.SERVER

    def __init__(self, config: ServicesConfig, handler: ServiceHandler, *,
                 protection: ApduProtection = IDENTITY,
                 deviations: ServerDeviations = NO_DEVIATIONS) -> None:
        """``deviations``: what this server does wrong on purpose (reference meter
        faults, :mod:`.deviations`); the default is conformant."""
        super().__init__(config, protection=protection)
        self._deviations = deviations
        if deviations.gbt_blocks_per_burst is not None:
            self._gbt = GbtSession(window=config.gbt_window,
                                   burst=deviations.gbt_blocks_per_burst)
        self._handler = handler
        self._incoming: Incoming | None = None
        self._outgoing: Outgoing | None = None

    @property
    def deviations(self) -> ServerDeviations:
        """What this server does wrong on purpose (nothing by default)."""
        return self._deviations

    @property
    def peer_limit(self) -> int:
        """The longest APDU this server sends (0: no limit)."""
        if self._deviations.ignore_client_max_receive_pdu_size:
            # FAULT HOOK: the client's max receive PDU size is not applied (imitates
            # meters that never block a response).
            return 0
        return super().peer_limit

    # -- sending --------------------------------------------------------------------------
    def send(self, event: Notify | RequestMissingBlocks) -> list[bytes]:
        """The APDUs to transmit for ``event``."""
        if isinstance(event, RequestMissingBlocks):
            return self._gbt.request_missing()
        if not isinstance(event, Notify):
            raise LocalProtocolError(f"a server cannot send {type(event).__name__}")
        apdu = event.notification
        lacking = rules.missing(self._config.conformance, apdu)
        if lacking:
            raise LocalProtocolError(f"{type(apdu).__name__} needs {rules.describe(lacking)}:"
                                     " not in the negotiated conformance")
        wire = self._protection.protect(apdu.to_bytes())
        free = self.state is ServicesState.IDLE and self._gbt.phase in (GbtPhase.IDLE,
                                                                        GbtPhase.SENT)
        always = self._config.block_transfer is BlockTransferMode.GENERAL_ALWAYS
        if self._fits(len(wire)) and not (always and self._gbt_granted and free):
            out = [wire]
        elif not self._gbt_granted:
            raise LocalProtocolError(f"{type(apdu).__name__} is {len(wire)} octets, the "
                                     f"client accepts {self.peer_limit}, and "
                                     "general-block-transfer is not negotiated")
        elif not free:
            raise LocalProtocolError("a notification in general-block-transfer blocks must "
                                     "wait until the exchange in progress ends")
        else:
            self._end_exchange()
            out = self._send_gbt(wire)
        self._apply(P.NOTIFICATION)
        return out

    # -- receiving ------------------------------------------------------------------------
    def receive(self, data: bytes) -> list[Served]:
        """Process one APDU from the client; what was served (the APDUs to answer with are
        then in :meth:`data_to_send`)."""
        got = self._receive_apdu(data)
        if got is None:
            return []
        apdu, _ = got
        handle = self._handler_for(apdu)
        if handle is None:
            raise self._violation(
                f"the client sent {type(apdu).__name__}, which is not a request this server "
                "serves", exception(ExceptionStateError.SERVICE_UNKNOWN,
                                    ExceptionServiceError.SERVICE_NOT_SUPPORTED))
        # FAULT HOOK serve_services_not_granted: served whatever conformance it needs
        # (imitates meters that ignore the negotiated conformance block).
        if not self._deviations.serve_services_not_granted:
            self._check_granted(apdu, "the client")
        return handle(apdu)

    def _handler_for(self, apdu: Apdu) -> Callable[[Apdu], list[Served]] | None:
        if isinstance(apdu, _COMPLETE):
            return self._on_complete
        if isinstance(apdu, _FIRST_BLOCKS):
            return self._on_first_block
        if isinstance(apdu, set_.SetRequestWithDatablock | act.ActionRequestWithPblock):
            return self._on_block
        if isinstance(apdu, get.GetRequestNext | act.ActionRequestNextPblock):
            return self._on_next
        return None

    def _on_complete(self, request: Apdu) -> list[Served]:
        """A GET / SET / ACTION request in one APDU (normal or with-list)."""
        invoke = InvokeIdAndPriority.from_int(getattr(request, "invoke_id_and_priority", 0))
        unconfirmed = (invoke.service_class is ServiceClass.UNCONFIRMED
                       and not isinstance(request, get.GetRequest))
        self._new_request(P.UNCONFIRMED_REQUEST if unconfirmed else P.REQUEST, request)
        return self._serve(request, 0, confirmed=not unconfirmed)

    def _on_first_block(self, head: Apdu) -> list[Served]:
        """set-request-with-(list-and-)first-datablock, action-request-with-(list-and-)
        first-pblock."""
        block = block_of(head)
        what = type(head).__name__
        if block.block_number != 1:
            raise self._violation(
                f"{what}: block-number {block.block_number} where 1 was expected",
                continuation_hint(as_continuation(head, block), DAR.DATA_BLOCK_NUMBER_INVALID,
                                  AR.LONG_ACTION_ABORTED, head))
        sequence = BlockSequence(what)
        sequence.add(1, block.raw_data)
        if block.last_block:
            self._new_request(P.REQUEST, head)
            return self._complete_blocks(head, sequence)
        self._new_request(P.REQUEST_FIRST_BLOCK, head)
        self._incoming = Incoming(head, sequence)
        return self._acknowledge(head, 1)

    def _on_block(self, apdu: Apdu) -> list[Served]:
        """set-request-with-datablock / action-request-with-pblock."""
        block = block_of(apdu)
        self._apply(P.REQUEST_LAST_BLOCK if block.last_block else P.REQUEST_BLOCK, apdu)
        incoming = self._incoming
        if incoming is None or is_set(incoming.head) != is_set(apdu):
            raise self._violation(f"{type(apdu).__name__} while no such long request is in "
                                  "progress", self._hint_for(apdu))
        head = incoming.head
        if invoke_of(apdu) != invoke_of(head):
            raise self._violation(
                f"{type(apdu).__name__} with invoke-id-and-priority 0x{invoke_of(apdu):02X} "
                f"continues the transfer of 0x{invoke_of(head):02X}",
                continuation_hint(apdu, DAR.LONG_GET_ABORTED, AR.LONG_ACTION_ABORTED, head,
                                  DAR.LONG_SET_ABORTED))
        problem = incoming.sequence.problem(block.block_number)
        if problem is not None:
            raise self._violation(problem, continuation_hint(
                apdu, DAR.DATA_BLOCK_NUMBER_INVALID, AR.LONG_ACTION_ABORTED, head))
        incoming.sequence.add(block.block_number, block.raw_data)
        if not block.last_block:
            return self._acknowledge(head, block.block_number)
        self._incoming = None
        return self._complete_blocks(head, incoming.sequence)

    def _on_next(self, apdu: Apdu) -> list[Served]:
        """get-request-next / action-request-next-pblock."""
        self._apply(P.NEXT_BLOCK_REQUEST, apdu)
        outgoing = self._outgoing
        is_get = isinstance(apdu, get.GetRequestNext)
        if outgoing is None or isinstance(outgoing.blocks[0], get.GetResponse) != is_get:
            raise self._violation(f"{type(apdu).__name__} while no such long response is in "
                                  "progress", self._hint_for(apdu))
        number = getattr(apdu, "block_number", 0)
        if invoke_of(apdu) != outgoing.invoke:
            raise self._violation(
                f"{type(apdu).__name__} with invoke-id-and-priority 0x{invoke_of(apdu):02X} "
                f"continues the response to 0x{outgoing.invoke:02X}",
                continuation_hint(apdu, DAR.LONG_GET_ABORTED, AR.LONG_ACTION_ABORTED))
        expected = outgoing.expected_number
        # FAULT HOOK accept_any_next_block_number: a wrong block-number is answered with the
        # next block (imitates meters that do not check what the client acknowledges).
        if number != expected and not self._deviations.accept_any_next_block_number:
            raise self._violation(
                f"{type(apdu).__name__}: block-number {number} where {expected} (the "
                "last block sent) was expected",
                continuation_hint(apdu, DAR.DATA_BLOCK_NUMBER_INVALID, AR.LONG_ACTION_ABORTED))
        block, last = outgoing.next_block()
        self._outbox.extend(self._transmit(block))
        self._apply(P.RESPONSE_LAST_BLOCK if last else P.RESPONSE_BLOCK)
        if last:
            self._outgoing = None
        return []

    # -- steps ------------------------------------------------------------------------------
    def _new_request(self, primitive: ServicePrimitive, request: Apdu) -> None:
        """A new request abandons a long transfer in progress (table: client's turn)."""
        self._apply(primitive, request)
        self._incoming = None
        self._outgoing = None

    def _acknowledge(self, head: Apdu, number: int) -> list[Served]:
        ack: Apdu = (set_.SetResponseDatablock(invoke_id_and_priority=invoke_of(head),
                                               block_number=number) if is_set(head) else
                     act.ActionResponseNextPblock(invoke_id_and_priority=invoke_of(head),
                                                  block_number=number))
        self._outbox.extend(self._transmit(ack))
        self._apply(P.REQUEST_BLOCK_ACK)
        return []

    def _complete_blocks(self, head: Apdu, sequence: BlockSequence) -> list[Served]:
        try:
            request = rebuild_request(head, sequence.data())
        except CodecError as exc:
            raise self._violation(
                f"{type(head).__name__}: the reassembled raw-data does not decode: {exc}",
                undecodable_blocks_hint(head, sequence.count)) from exc
        return self._serve(request, sequence.count, confirmed=True)

    def _serve(self, request: Apdu, request_blocks: int, *, confirmed: bool) -> list[Served]:
        """Call the handler and send the answer (from state REQUEST_PENDING; an unconfirmed
        request is only handed to the handler)."""
        try:
            answer = serve(self._handler, request,
                           request_blocks if isinstance(request, set_.SetRequest) else 0)
        except RequestRefused as refused:
            raise self._violation(str(refused), refused.hint) from None
        if not confirmed:
            gbt = self._exchange_gbt
            self._end_exchange()
            return [Served(request=request, response=None,
                           transfer=Transfer(request_blocks=request_blocks,
                                             general_block_transfer=gbt))]
        try:
            out, blocks, response = self._send_answer(answer)
        except LocalProtocolError:
            self._abort()
            raise
        self._outbox.extend(out)
        if len(blocks) > 1:
            self._outgoing = Outgoing(invoke_of(response), blocks, self._deviations)
        self._apply(P.RESPONSE_FIRST_BLOCK if len(blocks) > 1 else P.RESPONSE)
        return [Served(request=request, response=response, transfer=Transfer(
            request_blocks=request_blocks, response_blocks=len(blocks),
            general_block_transfer=self._exchange_gbt))]

    def _send_answer(self, answer: Answer) -> tuple[list[bytes], list[Apdu], Apdu]:
        """The APDUs carrying ``answer``, its service-specific blocks ([] for none) and the
        response actually sent (the fallback when nothing else fits)."""
        response = answer.response
        plain = self._deviations.outgoing(response).to_bytes()
        wire = self._protection.protect(plain)
        fits = self._fits(len(wire))
        in_gbt = self._gbt.phase is not GbtPhase.IDLE
        if in_gbt and not fits and self._deviations.datablocks_after_gbt_request:
            blocks = self._blocks(answer, len(wire) - len(plain))
            if blocks is not None:
                # FAULT HOOK: the exchange leaves general block transfer for service-
                # specific blocks (imitates meters that mix GBT with GET-next).
                self._end_exchange()
                return self._transmit(blocks[0]), blocks, response
        if in_gbt or (not fits and self._prefers_gbt):
            return self._send_gbt(wire), [], response
        if fits:
            return [wire], [], response
        if not self._gbt_granted and self._deviations.gbt_without_conformance:
            # FAULT HOOK: general block transfer without the conformance bit (imitates
            # meters that use GBT whatever the client negotiated).
            self._exchange_gbt = True
            return self._gbt.send_apdu(wire, self.peer_limit), [], response
        blocks = self._blocks(answer, len(wire) - len(plain))
        if blocks is not None:
            return self._transmit(blocks[0]), blocks, response
        if self._gbt_granted:
            return self._send_gbt(wire), [], response
        fallback = answer.fallback or response
        return self._transmit(fallback), [], fallback

    def _blocks(self, answer: Answer, overhead: int) -> list[Apdu] | None:
        """The service-specific blocks of a long answer as they go on the wire (``None``:
        it has no block form, or its blocks are not granted). ``overhead``: what the
        ciphering adds to an APDU (it grows with it: a block has at most this much)."""
        if answer.raw is None or answer.block is None:
            return None
        blocks = split_into_blocks(answer.raw, self.peer_limit - overhead, answer.block)
        if blocks is None or rules.missing(self._config.conformance, blocks[0]):
            return None
        return self._deviations.response_blocks(blocks)

    def _transmit(self, apdu: Apdu) -> list[bytes]:
        return super()._transmit(self._deviations.outgoing(apdu))

    # -- role hooks -------------------------------------------------------------------------
    def _violation(self, message: str, hint: Apdu | None = None) -> RemoteProtocolError:
        return super()._violation(message,
                                  None if hint is None else self._deviations.outgoing(hint))

    def _takes_gbt_not_granted(self, block: GeneralBlockTransfer) -> bool:
        if not self._deviations.gbt_without_conformance:
            return False
        # FAULT HOOK: the client's acknowledgements of blocks sent without the
        # conformance bit are taken (gbt_without_conformance); nothing else.
        return not block.block_data and self._gbt.phase in (GbtPhase.SENDING, GbtPhase.SENT)

    def _abort(self) -> None:
        super()._abort()
        self._incoming = None
        self._outgoing = None

    def _hint_for(self, apdu: Apdu | None) -> Apdu | None:
        if apdu is None:
            return None
        return continuation_hint(apdu, DAR.NO_LONG_GET_IN_PROGRESS,
                                 AR.NO_LONG_ACTION_IN_PROGRESS, None,
                                 DAR.NO_LONG_SET_IN_PROGRESS)

    def _plain_during_gbt(self, apdu: Apdu) -> None:
        if isinstance(apdu, _CONTINUATIONS):
            raise self._violation(
                f"the client answered a general-block-transfer block with a plain "
                f"{type(apdu).__name__} ({GBT_CLAUSE}: once one party uses GBT the other "
                "shall follow until the exchange ends)",
                continuation_hint(apdu, DAR.LONG_GET_ABORTED, AR.LONG_ACTION_ABORTED,
                                  self._incoming.head if self._incoming else None,
                                  DAR.LONG_SET_ABORTED))
        if self._gbt.phase is GbtPhase.SENT and self.state is ServicesState.IDLE:
            self._end_exchange()  # the previous exchange is over: a new request
            return
        raise self._violation(
            f"the client sent a plain {type(apdu).__name__} in the middle of a general block "
            f"transfer ({GBT_CLAUSE})",
            exception(SNA, ExceptionServiceError.OPERATION_NOT_POSSIBLE))

    def _before_gbt_block(self, block: GeneralBlockTransfer) -> None:
        if (self._gbt.phase is GbtPhase.SENT and self.state is ServicesState.IDLE
                and GbtSession.starts_exchange(block)):
            self._end_exchange()

    def _undecodable_hint(self, plain: bytes) -> Apdu | None:
        choices = _REQUEST_CHOICES.get(plain[0]) if plain else None
        if choices is None or len(plain) < 2 or plain[1] not in choices:
            return exception(ExceptionStateError.SERVICE_UNKNOWN,
                             ExceptionServiceError.SERVICE_NOT_SUPPORTED)
        return exception(SNA, ExceptionServiceError.OTHER_REASON)

    def _too_long_hint(self) -> Apdu | None:
        return exception(SNA, ExceptionServiceError.PDU_TOO_LONG)

    def _not_granted_hint(self) -> Apdu | None:
        return exception(SNA, ExceptionServiceError.SERVICE_NOT_SUPPORTED)

    def _gbt_violation_hint(self) -> Apdu | None:
        return exception(SNA, ExceptionServiceError.OPERATION_NOT_POSSIBLE)

