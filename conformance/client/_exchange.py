"""One confirmed xDLMS exchange of the session: the request's APDUs out, the meter's APDUs
into the services machine until its confirmation, the machine's own APDUs (next-block
requests, GBT acknowledgements, request blocks) sent as they come.

The GET-next deviation lives here: with :attr:`Deviations.get_next_during_gbt`, the first
general-block-transfer acknowledgement of a GET is replaced by a get-request-next (what a
non-conformant client does, dlms-notes failure 8); the services machine is not told, so
it keeps expecting a conformant continuation and reports whatever the meter does next.

Progress (:mod:`conformance.client._deadline`): an APDU the services machine accepted
restarts the response timeout unless it is a notification or a general-block-transfer
block numbered no higher than one already received in this exchange (a repeated block,
which the GBT sublayer tolerates as a retransmission overlap and answers with another
acknowledgement: a meter repeating it for ever is stopped by the response timeout).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from conformance.client._links import HdlcLink, WrapperLink
from conformance.client.deviations import Deviations
from conformance.client.trace import TraceRecorder
from conformance.codec.apdu import decode_apdu
from conformance.codec.xdlms.enums import InvokeIdAndPriority
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.get import GetRequestNext
from conformance.errors import RemoteProtocolError, SecurityError
from conformance.protocol.association import Ciphering
from conformance.protocol.services.client import ClientServices
from conformance.protocol.services.events import (
    ClientRequest,
    ConfirmEvent,
    Get,
    GetWithList,
    LateResponse,
    NotificationIndication,
)

__all__ = ["run_exchange"]


def run_exchange(*, services: ClientServices, link: HdlcLink | WrapperLink,
                 request: ClientRequest, invoke_id: int, what: str, where: str,
                 deviations: Deviations, ciphering: Ciphering, recorder: TraceRecorder,
                 notifications: list[NotificationIndication],
                 progress: Callable[[], None]) -> ConfirmEvent:
    """Run ``request`` (with ``invoke_id``) to its confirmation; notifications pushed
    meanwhile are appended to ``notifications``; ``progress()`` is called for each new
    APDU or block accepted. Errors name ``where`` and ``what``."""
    request = dataclasses.replace(request, invoke_id=invoke_id)
    for apdu in services.send(request):
        link.send_apdu(apdu)
    invoke = InvokeIdAndPriority(invoke_id=invoke_id, priority=request.priority).to_int()
    deviate = deviations.get_next_during_gbt and isinstance(request, Get | GetWithList)
    highest_block = 0  # the highest GBT block-number received in this exchange
    while True:
        apdu = link.receive_apdu(f"response to {what}")
        try:
            events = services.receive(apdu)
        except RemoteProtocolError as exc:
            raise RemoteProtocolError(f"{where}: {exc} ({what})",
                                      response_hint=exc.response_hint) from exc
        except SecurityError as exc:
            raise SecurityError(f"{where}: {exc} ({what})") from exc
        number = _gbt_block_number(apdu)
        if number is not None:
            if number > highest_block:
                highest_block = number
                progress()
        elif not any(isinstance(e, NotificationIndication | LateResponse) for e in events):
            progress()
        out = services.data_to_send()
        if deviate and out and not events and apdu[:1] == bytes((GeneralBlockTransfer.TAG,)):
            out = [_get_next_instead(apdu, invoke, ciphering, recorder)]
            deviate = False
        for reply in out:
            link.send_apdu(reply)
        for event in events:
            if isinstance(event, NotificationIndication):
                notifications.append(event)
                continue
            if isinstance(event, LateResponse):
                recorder.note("late response to an abandoned request discarded",
                              response=type(event.apdu).__name__,
                              invoke_id=event.invoke_id_and_priority & 0x0F,
                              waiting_for=what)
                continue
            return event


def _gbt_block_number(apdu: bytes) -> int | None:
    """The block-number of a general-block-transfer APDU (which the services machine has
    accepted, so it decodes); ``None`` for any other APDU."""
    if apdu[:1] != bytes((GeneralBlockTransfer.TAG,)):
        return None
    block = decode_apdu(apdu)
    return block.block_number if isinstance(block, GeneralBlockTransfer) else None


def _get_next_instead(block_apdu: bytes, invoke: int, ciphering: Ciphering,
                      recorder: TraceRecorder) -> bytes:
    block = decode_apdu(block_apdu)
    number = block.block_number if isinstance(block, GeneralBlockTransfer) else 1
    plain = GetRequestNext(invoke_id_and_priority=invoke, block_number=number).to_bytes()
    recorder.note("deviation: get-request-next instead of the GBT acknowledgement",
                  block_number=number)
    return ciphering.protect(plain)
