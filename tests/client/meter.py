"""A small in-process meter for the session tests, built from the SERVER role of the
protocol machines (HDLC or wrapper, association with ciphering) over any transport, in a
thread. xDLMS requests are answered by ``handler`` (plain APDU in, plain APDUs out); the
default serves GET/SET/ACTION normal from a dict of values.

It is a test peer, not the reference meter: it knows only what the session tests need.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.codec.apdu import Apdu, decode_apdu
from conformance.codec.axdr import Data
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.action import (
    ActionRequestNormal,
    ActionResponseNormal,
    ActionResponseWithOptionalData,
)
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemMethodDescriptor,
    SelectiveAccessDescriptor,
)
from conformance.codec.xdlms.enums import (
    ActionResult,
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.get import (
    GetRequestNormal,
    GetRequestWithList,
    GetResponseNormal,
    GetResponseWithList,
)
from conformance.codec.xdlms.set import SetRequestNormal, SetResponseNormal
from conformance.errors import ConformanceError, RemoteProtocolError, TransportTimeout
from conformance.protocol import wrapper as w
from conformance.protocol.association import (
    AssociateIndication,
    AssociateResponse,
    MemoryCounterStore,
    ReleaseIndication,
    ReleaseResponse,
    ReplyToHlsIndication,
    ReplyToHlsResponse,
    ServerAssociation,
    ServerConfig,
)
from conformance.protocol.hdlc import (
    NEED_DATA,
    Connected,
    Disconnected,
    HdlcConfig,
    HdlcMachine,
    ReceiverReady,
    Role,
)
from conformance.protocol.hdlc import (
    Data as HdlcData,
)
from conformance.protocol.services.config import BlockTransferMode, ServicesConfig
from conformance.protocol.services.server import ServerServices
from conformance.transport import Framing, Transport

Key = tuple[int, ObisCode, int]
Handler = Callable[[Apdu, "TestMeter"], list[Apdu] | Apdu | None]


@dataclass
class MeterLog:
    """What the meter saw (for assertions)."""

    requests: list[Apdu] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    associations: int = 0
    releases: int = 0


class TestMeter:
    """Serve ``transport`` in a thread until :meth:`stop`."""

    __test__ = False

    def __init__(self, transport: Transport | Callable[[], Transport], *, framing: Framing,
                 server: ServerConfig,
                 hdlc: HdlcConfig | None = None, wport: int = 1,
                 values: dict[Key, Data] | None = None, handler: Handler | None = None,
                 block_transfer: BlockTransferMode = BlockTransferMode.SERVICE_SPECIFIC,
                 silent: bool = False) -> None:
        self._transport = transport
        self.framing = framing
        self.server = server
        self.values: dict[Key, Data] = dict(values or {})
        self.handler = handler
        self.silent = silent
        self.log = MeterLog()
        self.counters = MemoryCounterStore()
        self.hdlc = HdlcMachine(Role.SERVER, hdlc) if hdlc is not None else None
        self.wrapper = (w.WrapperMachine(w.WrapperConfig(local_wport=wport))
                        if framing is Framing.WRAPPER else None)
        self.association: ServerAssociation | None = None
        self.services: ServerServices | None = None
        self.block_transfer = block_transfer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> TestMeter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def __enter__(self) -> TestMeter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def transport(self) -> Transport:
        """The transport served (a factory, e.g. a TCP accept, is called in the thread)."""
        if not isinstance(self._transport, Transport):
            self._transport = self._transport()
        return self._transport

    def feed(self, data: bytes) -> None:
        """Serve ``data`` synchronously (for a meter driven without its thread)."""
        try:
            if self.hdlc is not None:
                self._hdlc(data)
            elif self.wrapper is not None:
                self._wrapper(data)
        except Exception as exc:
            self.log.errors.append(f"{type(exc).__name__}: {exc}")

    # -- the loop -----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            transport = self.transport
        except ConformanceError as exc:
            self.log.errors.append(f"no connection: {exc}")
            return
        while not self._stop.is_set():
            try:
                data = transport.recv(4096, 0.01)
            except TransportTimeout:
                if self.hdlc is not None:
                    self.hdlc.handle_timer(time.monotonic())
                continue
            except ConformanceError:
                return
            if not self.silent:
                self.feed(data)

    def _hdlc(self, data: bytes) -> None:
        machine = self.hdlc
        assert machine is not None
        machine.receive_data(data, now=time.monotonic())
        while True:
            try:
                event = machine.next_event()
            except RemoteProtocolError as exc:
                self.log.errors.append(str(exc))
                self._write(machine.data_to_send())
                continue
            self._write(machine.data_to_send())
            if event is NEED_DATA:
                return
            if isinstance(event, Connected):
                self._new_association(event.peer.upper)
            elif isinstance(event, Disconnected):
                self.association = None
            elif isinstance(event, HdlcData):
                answers = self._on_apdu(event.apdu)
                if not answers:
                    self._write(machine.send(ReceiverReady(), now=time.monotonic()))
                for answer in answers:
                    self._write(machine.send(HdlcData(apdu=answer), now=time.monotonic()))

    def _wrapper(self, data: bytes) -> None:
        machine = self.wrapper
        assert machine is not None
        machine.receive_data(data)
        while True:
            event = machine.next_event()
            if event is w.NEED_DATA:
                return
            if isinstance(event, w.Data):
                if self.association is None or self.association.client_sap \
                        != event.source_wport:
                    self._new_association(event.source_wport or 0)
                for answer in self._on_apdu(event.apdu):
                    self._write(machine.send(w.Data(apdu=answer)))

    def _write(self, data: bytes) -> None:
        if data:
            self.transport.send(data)

    def _new_association(self, client_sap: int) -> None:
        self.association = ServerAssociation(self.server, client_sap=client_sap,
                                             counters=self.counters)
        self.services = None

    def _start_services(self, assoc: ServerAssociation) -> None:
        negotiated = assoc.negotiated
        if not assoc.associated or negotiated is None or self.services is not None:
            return
        self.services = ServerServices(ServicesConfig(
            conformance=negotiated.negotiated_conformance,
            client_max_receive_pdu_size=negotiated.client_max_receive_pdu_size,
            server_max_receive_pdu_size=negotiated.server_max_receive_pdu_size,
            block_transfer=self.block_transfer), ValuesHandler(self.values),
            protection=assoc.ciphering)

    # -- APDUs --------------------------------------------------------------------------
    def _on_apdu(self, apdu: bytes) -> list[bytes]:
        assoc = self.association
        if assoc is None:
            return []
        if assoc.accepts(apdu):
            try:
                event = assoc.receive(apdu)
            except RemoteProtocolError as exc:
                self.log.errors.append(str(exc))
                hint = exc.response_hint
                return [hint] if isinstance(hint, bytes) else []
            if isinstance(event, AssociateIndication):
                self.log.associations += 1
                out = assoc.send(AssociateResponse())
            elif isinstance(event, ReplyToHlsIndication):
                out = assoc.send(ReplyToHlsResponse())
            elif isinstance(event, ReleaseIndication):
                self.log.releases += 1
                out = assoc.send(ReleaseResponse())
                self.services = None
            else:
                return []
            self._start_services(assoc)
            return [out] if out else []
        if self.handler is None and self.services is not None:
            return self._serve(self.services, apdu)
        try:
            plain = assoc.ciphering.unprotect(apdu)
        except RemoteProtocolError as exc:
            self.log.errors.append(str(exc))
            hint = exc.response_hint
            return [hint] if isinstance(hint, bytes) else []
        request = decode_apdu(plain)
        self.log.requests.append(request)
        handler = self.handler or serve_values
        answer = handler(request, self)
        answers = [] if answer is None else answer if isinstance(answer, list) else [answer]
        return [assoc.ciphering.protect(a.to_bytes()) for a in answers]


    def _serve(self, services: ServerServices, apdu: bytes) -> list[bytes]:
        try:
            served = services.receive(apdu)
        except RemoteProtocolError as exc:
            self.log.errors.append(str(exc))
            hint = exc.response_hint
            return [hint] if isinstance(hint, bytes) else []
        self.log.requests.extend(s.request for s in served)
        return services.data_to_send()


class ValuesHandler:
    """The services machine's object model: attributes in a dict; every method returns
    its parameters."""

    def __init__(self, values: dict[Key, Data]) -> None:
        self.values = values

    def get(self, d: CosemAttributeDescriptor,
            selective_access: SelectiveAccessDescriptor | None, /) -> Data | DataAccessResult:
        return self.values.get((d.class_id, d.instance_id, d.attribute_id),
                               DataAccessResult.OBJECT_UNDEFINED)

    def set(self, d: CosemAttributeDescriptor,
            selective_access: SelectiveAccessDescriptor | None, value: Data, /
            ) -> DataAccessResult:
        key = (d.class_id, d.instance_id, d.attribute_id)
        if key not in self.values:
            return DataAccessResult.READ_WRITE_DENIED
        self.values[key] = value
        return DataAccessResult.SUCCESS

    def action(self, d: CosemMethodDescriptor, parameters: Data | None, /
               ) -> tuple[ActionResult, Data | None]:
        if d.method_id > 10:
            return ActionResult.OBJECT_UNDEFINED, None
        return ActionResult.SUCCESS, parameters


def serve_values(request: Apdu, meter: TestMeter) -> Apdu | None:
    """GET / SET / ACTION normal over ``meter.values``."""
    def result(key: Key) -> Data | DataAccessResult:
        return meter.values.get(key, DataAccessResult.OBJECT_UNDEFINED)

    if isinstance(request, GetRequestNormal):
        d = request.cosem_attribute_descriptor
        return GetResponseNormal(invoke_id_and_priority=request.invoke_id_and_priority,
                                 result=result((d.class_id, d.instance_id, d.attribute_id)))
    if isinstance(request, GetRequestWithList):
        results = tuple(result((i.cosem_attribute_descriptor.class_id,
                                i.cosem_attribute_descriptor.instance_id,
                                i.cosem_attribute_descriptor.attribute_id))
                        for i in request.attribute_descriptor_list)
        return GetResponseWithList(invoke_id_and_priority=request.invoke_id_and_priority,
                                   result=results)
    if isinstance(request, SetRequestNormal):
        d = request.cosem_attribute_descriptor
        key = (d.class_id, d.instance_id, d.attribute_id)
        ok = key in meter.values
        if ok:
            meter.values[key] = request.value
        return SetResponseNormal(invoke_id_and_priority=request.invoke_id_and_priority,
                                 result=DataAccessResult.SUCCESS if ok
                                 else DataAccessResult.READ_WRITE_DENIED)
    if isinstance(request, ActionRequestNormal):
        return ActionResponseNormal(
            invoke_id_and_priority=request.invoke_id_and_priority,
            single_response=ActionResponseWithOptionalData(
                result=ActionResult.SUCCESS,
                return_parameters=request.method_invocation_parameters))
    return ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                             service_error=ExceptionServiceError.SERVICE_NOT_SUPPORTED)
