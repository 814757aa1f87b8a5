"""The CLIENT role of the xDLMS services machine (IEC 62056-5-3 9.3 / 9.4.6): GET, SET and
ACTION, normal and with-list, with transparent block transfer, and the notifications a
meter pushes.

- Invoke-ids count 1, 2, .. 15, 0, .. unless a request names one; every APDU the meter
  sends in an exchange must echo the request's Invoke-Id-And-Priority octet exactly.
- One confirmed service at a time (the table in :mod:`.table`); a request while another is
  in progress, or one needing a service / mechanism that the negotiated conformance does not
  grant, raises ``LocalProtocolError`` and sends nothing.
- A request longer than the server-max-receive-pdu-size goes in SET datablocks / ACTION
  pblocks or in general-block-transfer APDUs, as the conformance and
  :class:`~.config.BlockTransferMode` allow; otherwise ``LocalProtocolError``. Unconfirmed
  requests must fit in one APDU.
- Long responses are reassembled: get-request-next / action-request-next-pblock with the
  number of the block received, GBT acknowledgements as windows end. Wrong block numbers,
  a response of the wrong kind or invoke-id, a service the meter did not grant, an APDU
  longer than the client-max-receive-pdu-size, a meter starting GBT without the
  general-block-transfer bit or leaving GBT mid-exchange: ``RemoteProtocolError``.

When blocks are needed for a ciphered request, the complete request is protected first to
learn the ciphering overhead, which uses up one invocation counter (allowed: counters need
only grow).
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms import action as act
from conformance.codec.xdlms import get
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.enums import DataAccessResult, InvokeIdAndPriority, ServiceClass
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.notification import DataNotification, EventNotificationRequest
from conformance.errors import CodecError, LocalProtocolError
from conformance.protocol.services import rules
from conformance.protocol.services.blocks import BlockSequence, block_number_problem
from conformance.protocol.services.client_support import (
    ANSWERS,
    RequestKind,
    build_request,
    decode_blocked_response,
    invoke_problem,
    request_blocks,
    simple_confirm,
)
from conformance.protocol.services.config import (
    IDENTITY,
    ApduProtection,
    BlockTransferMode,
    Role,
    ServicesConfig,
)
from conformance.protocol.services.events import (
    ClientRequest,
    ConfirmEvent,
    ExceptionConfirm,
    GetConfirm,
    GetWithListConfirm,
    LateResponse,
    NotificationIndication,
    RequestMissingBlocks,
    Transfer,
)
from conformance.protocol.services.machine import GBT_CLAUSE, ServicesMachine
from conformance.protocol.services.table import ServicePrimitive, ServicesState

__all__ = ["ClientEvent", "ClientServices"]

P = ServicePrimitive
K = RequestKind

ClientEvent = ConfirmEvent | NotificationIndication | LateResponse
"""What a client's ``receive()`` returns."""


class _Pending:
    """The confirmed request in progress."""

    __slots__ = ("blocks", "count", "invoke", "kind", "response", "sent")

    def __init__(self, kind: RequestKind, invoke: int, count: int, blocks: list[Apdu]) -> None:
        self.kind = kind
        self.invoke = invoke
        self.count = count
        self.blocks = blocks
        """The request's service-specific blocks ([] when it went in one APDU)."""
        self.sent = 1 if blocks else 0
        """How many of them were sent."""
        self.response: BlockSequence | None = None


class ClientServices(ServicesMachine):
    """The client side: ``send(request) -> APDUs``, ``receive(APDU) -> confirmations``."""

    role = Role.CLIENT

    def __init__(self, config: ServicesConfig, *,
                 protection: ApduProtection = IDENTITY, abandoned: Iterable[int] = ()) -> None:
        """``abandoned``: Invoke-Id-And-Priority octets of requests whose exchanges failed
        (their late responses are :class:`LateResponse` events)."""
        super().__init__(config, protection=protection)
        self._next_invoke_id = 1
        self._pending: _Pending | None = None
        self._abandoned = set(abandoned)

    def restarted(self) -> ClientServices:
        """The machine for the next exchange after the current one failed (timeout,
        violation): a fresh state, the same association and invoke-id sequence; the
        pending request is abandoned, so its response, should it still come, is a
        :class:`LateResponse` and not a violation of the next exchange. An abandoned
        invoke-id is forgotten when a new request uses it again."""
        abandoned = set(self._abandoned)
        if self._pending is not None:
            abandoned.add(self._pending.invoke)
        machine = ClientServices(self._config, protection=self._protection,
                                 abandoned=abandoned)
        machine._next_invoke_id = self._next_invoke_id
        return machine

    # -- sending --------------------------------------------------------------------------
    def send(self, event: ClientRequest | RequestMissingBlocks) -> list[bytes]:
        """The APDUs to transmit for ``event``."""
        if isinstance(event, RequestMissingBlocks):
            return self._gbt.request_missing()
        service_class = getattr(event, "service_class", ServiceClass.CONFIRMED)
        confirmed = service_class is ServiceClass.CONFIRMED
        if not self._allowed(P.REQUEST if confirmed else P.UNCONFIRMED_REQUEST):
            raise LocalProtocolError(f"{type(event).__name__}: an exchange is in progress "
                                     f"(state {self.state.value})")
        invoke_id = self._next_invoke_id if event.invoke_id is None else event.invoke_id
        invoke = InvokeIdAndPriority(invoke_id=invoke_id, service_class=service_class,
                                     priority=event.priority).to_int()
        kind, apdu, count = build_request(event, invoke)
        lacking = rules.missing(self._config.conformance, apdu)
        if lacking:
            raise LocalProtocolError(f"{type(apdu).__name__} needs {rules.describe(lacking)}:"
                                     " not in the negotiated conformance")
        out, blocks, primitive = self._route(apdu, confirmed)
        if event.invoke_id is None:
            self._next_invoke_id = (invoke_id + 1) & 0x0F
        # Responses with this invoke-id answer the new request from now on.
        self._abandoned = {octet for octet in self._abandoned if octet & 0x0F != invoke_id}
        self._pending = _Pending(kind, invoke, count, blocks) if confirmed else None
        self._apply(primitive)
        return out

    def _route(self, apdu: Apdu, confirmed: bool
               ) -> tuple[list[bytes], list[Apdu], ServicePrimitive]:
        """Send ``apdu`` whole, in service-specific blocks or in GBT blocks."""
        self._end_exchange()
        primitive = P.REQUEST if confirmed else P.UNCONFIRMED_REQUEST
        plain = apdu.to_bytes()
        wire = self._protection.protect(plain)
        if confirmed and self._gbt_granted \
                and self._config.block_transfer is BlockTransferMode.GENERAL_ALWAYS:
            return self._send_gbt(wire), [], primitive
        if self._fits(len(wire)):
            return [wire], [], primitive
        name, limit = type(apdu).__name__, self.peer_limit
        if not confirmed:
            raise LocalProtocolError(f"unconfirmed {name} is {len(wire)} octets, the server "
                                     f"accepts {limit}; unconfirmed services cannot use "
                                     "block transfer")
        if self._prefers_gbt:
            return self._send_gbt(wire), [], primitive
        # The ciphering overhead grows with the APDU: a block has at most this much.
        blocks = request_blocks(apdu, limit - (len(wire) - len(plain)))
        if blocks is not None and not rules.missing(self._config.conformance, blocks[0]):
            first = self._transmit(blocks[0])
            return first, blocks, P.REQUEST if len(blocks) == 1 else P.REQUEST_FIRST_BLOCK
        if self._gbt_granted:
            return self._send_gbt(wire), [], primitive
        why = ("its block transfer is not in the negotiated conformance" if blocks
               else "it has no block form that fits")
        raise LocalProtocolError(f"{name} is {len(wire)} octets, server-max-receive-pdu-size "
                                 f"is {limit}, and {why}")

    # -- receiving ------------------------------------------------------------------------
    def receive(self, data: bytes) -> list[ClientEvent]:
        """Process one APDU from the meter; the confirmations and indications it yields
        (APDUs to answer with are then in :meth:`data_to_send`)."""
        got = self._receive_apdu(data)
        if got is None:
            return []
        apdu, via_gbt = got
        self._check_granted(apdu, "the meter")
        if isinstance(apdu, EventNotificationRequest | DataNotification):
            self._apply(P.NOTIFICATION, apdu)
            if via_gbt:  # the notification was the whole general block transfer
                self._end_exchange()
            return [NotificationIndication(notification=apdu, general_block_transfer=via_gbt)]
        pending = self._pending
        if isinstance(apdu, ExceptionResponse):
            self._apply(P.EXCEPTION_RESPONSE, apdu)
            if pending is None:  # pragma: no cover - the table admits it only when pending
                raise self._violation("exception-response without a pending request")
            return [self._finish(ExceptionConfirm(invoke_id_and_priority=pending.invoke,
                                                  exception=apdu))]
        if not isinstance(apdu, get.GetResponse | set_.SetResponse | act.ActionResponse):
            raise self._violation(f"the meter sent {type(apdu).__name__}, which is not the "
                                  "response to a request")
        late = apdu.invoke_id_and_priority
        if late in self._abandoned and (pending is None or late != pending.invoke):
            return [LateResponse(apdu=apdu, invoke_id_and_priority=late)]
        self._apply(self._primitive(apdu), apdu)
        if pending is None:  # pragma: no cover - the table admits it only when pending
            raise self._violation("response without a pending request")
        if not isinstance(apdu, ANSWERS[pending.kind, bool(pending.blocks)]):
            raise self._violation(f"the meter answered a {pending.kind.value} request with "
                                  f"{type(apdu).__name__}")
        if apdu.invoke_id_and_priority != pending.invoke:
            raise self._violation(invoke_problem(pending.invoke, apdu.invoke_id_and_priority))
        return self._dispatch(pending, apdu)

    def _primitive(self, apdu: Apdu) -> ServicePrimitive:
        """The primitive a response APDU stands for in the current state."""
        if isinstance(apdu, set_.SetResponseDatablock | act.ActionResponseNextPblock):
            return P.REQUEST_BLOCK_ACK
        if isinstance(apdu, get.GetResponseWithDatablock):
            last = apdu.result.last_block or isinstance(apdu.result.result, DataAccessResult)
        elif isinstance(apdu, act.ActionResponseWithPblock):
            last = apdu.pblock.last_block
        else:
            return P.RESPONSE
        if self.state is ServicesState.RESPONSE_BLOCK_REQUESTED:
            return P.RESPONSE_LAST_BLOCK if last else P.RESPONSE_BLOCK
        return P.RESPONSE if last else P.RESPONSE_FIRST_BLOCK

    def _dispatch(self, pending: _Pending, apdu: Apdu) -> list[ClientEvent]:
        if isinstance(apdu, get.GetResponseWithDatablock):
            block = apdu.result
            return self._response_block(pending, block.block_number, block.result,
                                        block.last_block, "get-response-with-datablock")
        if isinstance(apdu, act.ActionResponseWithPblock):
            pblock = apdu.pblock
            return self._response_block(pending, pblock.block_number, pblock.raw_data,
                                        pblock.last_block, "action-response-with-pblock")
        if isinstance(apdu, set_.SetResponseDatablock | act.ActionResponseNextPblock):
            return self._block_ack(pending, apdu.block_number, type(apdu).__name__)
        early = bool(pending.blocks) and pending.sent < len(pending.blocks)
        if isinstance(apdu, set_.SetResponseLastDatablock
                      | set_.SetResponseLastDatablockWithList):
            expected = pending.sent
            if apdu.block_number != expected:
                raise self._violation(block_number_problem(type(apdu).__name__, expected,
                                                           apdu.block_number))
        try:
            confirm = simple_confirm(apdu, pending.count, early, self._transfer(pending))
        except ValueError as exc:
            raise self._violation(str(exc)) from None
        return [self._finish(confirm)]

    def _block_ack(self, pending: _Pending, number: int, what: str) -> list[ClientEvent]:
        """The server acknowledged a request block: send the next one."""
        if number != pending.sent:
            raise self._violation(block_number_problem(what, pending.sent, number))
        block = pending.blocks[pending.sent]
        pending.sent += 1
        self._outbox.extend(self._transmit(block))
        self._apply(P.REQUEST_LAST_BLOCK if pending.sent == len(pending.blocks)
                    else P.REQUEST_BLOCK)
        return []

    def _response_block(self, pending: _Pending, number: int,
                        result: bytes | DataAccessResult, last: bool, what: str
                        ) -> list[ClientEvent]:
        """One GET datablock / ACTION pblock of the response: ask for the next one, or
        decode the whole."""
        if pending.response is None:
            pending.response = BlockSequence(what)
        sequence = pending.response
        if isinstance(result, DataAccessResult):
            # DataBlock-G with a data-access-result: the long GET ends with that reason.
            transfer = self._transfer(pending)
            if pending.kind is K.GET:
                return [self._finish(GetConfirm(invoke_id_and_priority=pending.invoke,
                                                result=result, transfer=transfer))]
            return [self._finish(GetWithListConfirm(
                invoke_id_and_priority=pending.invoke, results=(),
                block_transfer_result=result, transfer=transfer))]
        problem = sequence.problem(number)
        if problem is not None:
            raise self._violation(problem)
        sequence.add(number, result)
        if not last:
            following: Apdu
            if pending.kind in (K.GET, K.GET_LIST):
                following = get.GetRequestNext(invoke_id_and_priority=pending.invoke,
                                               block_number=number)
            else:
                following = act.ActionRequestNextPblock(invoke_id_and_priority=pending.invoke,
                                                        block_number=number)
            self._outbox.extend(self._transmit(following))
            self._apply(P.NEXT_BLOCK_REQUEST)
            return []
        try:
            confirm = decode_blocked_response(pending.kind, pending.invoke, sequence.data(),
                                              pending.count, self._transfer(pending))
        except CodecError as exc:
            raise self._violation(f"{what}: the reassembled raw-data does not decode: "
                                  f"{exc}") from exc
        except ValueError as exc:
            raise self._violation(str(exc)) from None
        return [self._finish(confirm)]

    def _transfer(self, pending: _Pending) -> Transfer:
        return Transfer(request_blocks=pending.sent,
                        response_blocks=0 if pending.response is None
                        else pending.response.count,
                        general_block_transfer=self._exchange_gbt)

    def _finish(self, event: ConfirmEvent) -> ConfirmEvent:
        self._pending = None
        self._end_exchange()
        return event

    def _abort(self) -> None:
        super()._abort()
        self._pending = None

    def _plain_during_gbt(self, apdu: Apdu) -> None:
        if not isinstance(apdu, ExceptionResponse | DataNotification | EventNotificationRequest):
            raise self._violation(
                f"the meter sent a plain {type(apdu).__name__} while the exchange uses "
                f"general block transfer ({GBT_CLAUSE}: once one party uses GBT the other "
                "shall follow until the exchange ends)")
