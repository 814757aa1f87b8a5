"""The blocking client session: the one place (with the reference meter's server loop)
where the sans-IO protocol machines meet a transport and a clock.

::

    with Session(config) as session:          # open, mode E sign-on, SNRM/UA (or nothing)
        session.associate()                   # AARQ/AARE, HLS passes 3 and 4
        value = session.get("0.0.1.0.0.255", 8, 2)
        session.release()                     # RLRQ/RLRE
    session.recorder.to_jsonl("trace.jsonl")  # every octet, decoded, secrets masked

Every wait is bounded by ``config.timeouts``: a meter that stays silent, or only repeats
itself (the same segment or block again, RR/RNR), for the response timeout raises
:class:`~conformance.errors.TransportTimeout` naming the exchange ("no AARE to AARQ after
2 s from hdlc+tcp://127.0.0.1:4059"); only real progress restarts that timeout. Every
exchange (connect, association, a service call with all its blocks, release, disconnect)
also ends at its overall deadline (``timeouts.exchange``) with a TransportTimeout naming
it, how long it ran and how many frames it saw, and the HDLC link is then out of step
(:mod:`conformance.client._deadline`). The trace records at most
``recorder.exchange_limit`` entries per exchange. A meter that breaks the protocol raises
:class:`~conformance.errors.RemoteProtocolError`, a security failure
:class:`~conformance.errors.SecurityError`, a refusal one of
:mod:`conformance.client.errors`; each names the meter and the exchange.

The clock (``time.monotonic`` unless injected) stamps the trace and drives the machines'
timers. Deliberate deviations (:mod:`conformance.client.deviations`) come from the
configuration and from :meth:`Session.deviating`; :meth:`Session.send_raw` sends octets as
they are, outside the machines, traced like everything else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Self

from conformance.client._calls import ServiceCalls
from conformance.client._counters import SessionCounters, counter_value
from conformance.client._exchange import run_exchange
from conformance.client._io import SessionIO, mode_e_sign_on
from conformance.client._links import HdlcLink, Link, WrapperLink
from conformance.client._raw import RawExchange
from conformance.client.config import CounterRead, SessionConfig
from conformance.client.deviations import Deviations
from conformance.client.errors import AssociationRejected
from conformance.client.trace import TraceRecorder
from conformance.errors import (
    CodecError,
    LocalProtocolError,
    RemoteProtocolError,
    SecurityError,
)
from conformance.protocol.association import (
    Abort,
    AssociateConfirm,
    AssociateRequest,
    AssociationState,
    ClientAssociation,
    NegotiatedParameters,
    ReleaseConfirm,
    ReleaseRequest,
    ReplyToHlsConfirm,
    ReplyToHlsRequest,
)
from conformance.protocol.services.client import ClientServices
from conformance.protocol.services.config import ServicesConfig
from conformance.protocol.services.events import (
    ClientRequest,
    ConfirmEvent,
    NotificationIndication,
)
from conformance.transport import Framing, SerialLine, Transport, open_transport
from conformance.transport.mode_e import ClientSignOn

__all__ = ["Session"]


def _secrets(config: SessionConfig) -> list[bytes]:
    """Every secret of a configuration (masked in the trace wherever it appears)."""
    out: list[bytes] = []
    associations = [config.association]
    if isinstance(config.invocation_counter, CounterRead):
        associations.append(config.invocation_counter.association)
    for a in associations:
        keys = a.keys
        out += [v for v in (a.secret, a.dedicated_key, keys.encryption_key, keys.broadcast_key,
                            keys.authentication_key, keys.master_key) if v]
    return out


class Session(ServiceCalls):
    """A client session with one meter (see the module docstring). One thread uses it."""

    def __init__(self, config: SessionConfig, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 recorder: TraceRecorder | None = None) -> None:
        """``clock`` and ``sleep`` are injectable (tests); ``recorder`` lets sessions share
        one trace (the invocation counter read does)."""
        self.config = config
        self._clock = clock
        self._sleep = sleep
        self.recorder = recorder if recorder is not None else TraceRecorder(
            framing=config.framing, clock=clock)
        """The trace of this session."""
        for secret in _secrets(config):
            self.recorder.add_secret(secret)
        self._transport: Transport | None = None
        self._io: SessionIO | None = None
        self._link: HdlcLink | WrapperLink | None = None
        self._extra: list[Deviations] = []
        self._merged: tuple[tuple[Deviations, ...], Deviations] | None = None  # last merge
        self._counters = SessionCounters()
        self._association: ClientAssociation | None = None
        self._services: ClientServices | None = None
        self._services_config: ServicesConfig | None = None
        self._invoke_id = 1
        self.sign_on: ClientSignOn | None = None
        """What the mode E sign-on learned (None without one)."""
        self.invocation_counter: int | None = None
        """The counter read from the meter (or configured) before the association."""
        self.last_confirm: ConfirmEvent | None = None
        """The confirmation of the last service call (block transfer details)."""
        self.notifications: list[NotificationIndication] = []
        """Notifications the meter pushed while a call waited."""

    # -- state ----------------------------------------------------------------------------
    @property
    def deviations(self) -> Deviations:
        """The deviations in force: the configuration's, then :meth:`deviating` blocks."""
        if not self._extra:
            return self.config.deviations
        parts = (self.config.deviations, *self._extra)
        merged = self._merged
        if merged is None or len(merged[0]) != len(parts) or any(
                a is not b for a, b in zip(merged[0], parts, strict=True)):
            current = parts[0]
            for extra in parts[1:]:
                current = current.merged(extra)
            # Deviations are immutable: merged once per change, not for every frame.
            merged = self._merged = (parts, current)
        return merged[1]

    @contextlib.contextmanager
    def deviating(self, deviations: Deviations) -> Iterator[Self]:
        """Apply ``deviations`` inside the block (link deviations to every frame sent,
        association ones to an association made in the block, for its lifetime)."""
        self._extra.append(deviations)
        try:
            yield self
        finally:
            self._extra.remove(deviations)

    @property
    def transport(self) -> Transport | None:
        """The transport while open."""
        return self._transport

    @property
    def link(self) -> Link | None:
        """The data link (HDLC or wrapper) once connected."""
        return self._link

    @property
    def association(self) -> ClientAssociation | None:
        """The association machine of the current (or last) association."""
        return self._association

    @property
    def associated(self) -> bool:
        """True while an association is established (and authenticated)."""
        return self._association is not None and self._association.associated

    @property
    def negotiated(self) -> NegotiatedParameters | None:
        """What the current association agreed."""
        return None if self._association is None else self._association.negotiated

    def _require_io(self) -> SessionIO:
        if self._io is None:
            raise LocalProtocolError("the session is not open: call connect() first")
        return self._io

    def _scope(self, what: str) -> contextlib.AbstractContextManager[object]:
        """One exchange named ``what`` under the overall deadline (and the trace limit)."""
        return self._require_io().exchange_scope(what, self.config.timeouts.exchange)

    def _require_link(self) -> HdlcLink | WrapperLink:
        link = self._link
        if isinstance(link, HdlcLink) and link.out_of_step:
            raise LocalProtocolError(f"{self.config.where}: the HDLC link is out of step after "
                                     "a failed exchange: call connect() to reset it (SNRM)")
        if link is None or not link.connected:
            raise LocalProtocolError("no link: call connect() first")
        return link

    # -- connecting -----------------------------------------------------------------------
    def open(self) -> None:
        """Open the transport (idempotent); nothing is sent."""
        if self._io is not None:
            return
        config = self.config
        if isinstance(config.transport, str):
            transport = open_transport(config.transport)
        else:
            transport = config.transport
            transport.open()
        self._transport = transport
        self._io = SessionIO(transport, self.recorder, self._clock, config.where)
        self.recorder.note("open", transport=transport.describe(),
                           framing=config.framing.value if config.framing else None)

    def _sign_on(self) -> None:
        mode_e, transport = self.config.mode_e, self._transport
        if mode_e is None or not isinstance(transport, SerialLine):
            raise LocalProtocolError("mode E needs a serial line")
        self.sign_on = mode_e_sign_on(transport, mode_e, self.recorder, self._sleep,
                                      self.config.where)

    def connect(self) -> None:
        """Open, read the invocation counter first when configured, sign on (mode E), then
        establish the link: SNRM/UA with the configured proposal (HDLC), nothing for the
        wrapper.
        After a failed exchange left the HDLC link out of step, ``connect()`` resets it
        with a new SNRM (the association is then gone)."""
        self.open()
        if isinstance(self.config.invocation_counter, CounterRead) \
                and self.invocation_counter is None:
            self.read_invocation_counter()
        io = self._require_io()
        if self._link is not None and self._link.connected:
            return
        if self.config.mode_e is not None:
            # IEC 62056-21 Annex E: every HDLC link over the optical port starts with the
            # sign-on; after DISC the meter is back at 300 baud.
            self._sign_on()
        if self._link is None:
            link_type = HdlcLink if self.config.framing is Framing.HDLC else WrapperLink
            self._link = link_type(io, self.config, lambda: self.deviations)
        elif self._association is not None \
                and self._association.state is not AssociationState.IDLE:
            # A link reset (SNRM) ends the association on the meter's side too.
            self._association.send(Abort())
            self._services = None
        with self._scope("connect (SNRM/UA)"):
            self._link.connect()

    def read_invocation_counter(self) -> int:
        """Read the client's invocation counter through the reading association of
        ``config.invocation_counter`` (a separate association on its own link, e.g. the
        public client), so that the secured association sends with counter + 1."""
        source = self.config.invocation_counter
        if not isinstance(source, CounterRead):
            raise LocalProtocolError("the configuration reads no invocation counter "
                                     "(config.invocation_counter is not a CounterRead)")
        if self.config.framing is Framing.HDLC and self._link is not None \
                and self._link.connected:
            raise LocalProtocolError(
                f"the counter is read over an HDLC link of its own (client SAP "
                f"{source.client_sap}): read it before connect() (connect() does it)")
        self.open()
        transport = self._transport
        if transport is None:  # pragma: no cover - open() sets it
            raise LocalProtocolError("the transport is not open")
        reader = Session(dataclasses.replace(
            self.config, transport=transport, client_sap=source.client_sap,
            association=source.association, invocation_counter=None,
            deviations=Deviations(), name=self.config.where),
            clock=self._clock, sleep=self._sleep, recorder=self.recorder)
        self.recorder.note("reading the invocation counter",
                           logical_name=str(source.logical_name), client=source.client_sap)
        reader.connect()
        try:
            reader.associate()
            value = reader.get(source.logical_name, source.class_id, source.attribute)
            reader.release()
        finally:
            reader.disconnect()
        counter = counter_value(value)
        if counter is None:
            raise RemoteProtocolError(f"{self.config.where}: the invocation counter "
                                      f"{source.logical_name} is {type(value).__name__}, not "
                                      "an unsigned integer")
        self.invocation_counter = counter
        return counter

    # -- associating ----------------------------------------------------------------------
    def associate(self) -> AssociateConfirm:
        """AARQ/AARE, then HLS passes 3 and 4 when the mechanism needs them. Raises
        :class:`AssociationRejected` (with the AARE diagnostic) when the meter rejects it,
        :class:`SecurityError` when HLS fails."""
        self._require_link()
        with self._scope("association (AARQ/AARE)"):
            return self._associate()

    def _associate(self) -> AssociateConfirm:
        link = self._require_link()
        config = self.config
        settings = dataclasses.replace(config.association,
                                       deviations=self.deviations.association())
        self._seed_counter()
        association = ClientAssociation(settings, counters=self._counters)
        self._association, self._services = association, None
        ciphering = association.ciphering
        keys = settings.keys.with_dedicated_key(settings.dedicated_key)
        self.recorder.set_keys(keys, client_system_title=ciphering.own_system_title,
                               server_system_title=ciphering.peer_system_title)
        link.send_apdu(association.send(AssociateRequest()))
        confirm = self._receive(association, "AARE to AARQ")
        if not isinstance(confirm, AssociateConfirm):  # pragma: no cover - machine pairs
            raise RemoteProtocolError(f"{config.where}: no AARE to the AARQ")
        if not confirm.accepted:
            raise AssociationRejected(
                f"{config.where}: association rejected ({_name(confirm.result)}, "
                f"diagnostic {_name(confirm.result_source_diagnostic)}"
                + (f", {confirm.confirmed_service_error}" if confirm.confirmed_service_error
                   else "") + ")",
                aare=confirm.aare, result=confirm.result,
                diagnostic=confirm.result_source_diagnostic,
                confirmed_service_error=confirm.confirmed_service_error)
        if confirm.authentication_required:
            link.send_apdu(association.send(ReplyToHlsRequest()))
            reply = self._receive(association, "ACTION response to reply_to_HLS_"
                                               "authentication (HLS pass 4)")
            if not isinstance(reply, ReplyToHlsConfirm):  # pragma: no cover
                raise RemoteProtocolError(f"{config.where}: HLS pass 4 missing")
        negotiated = association.negotiated
        if negotiated is None:  # pragma: no cover - set when accepted
            raise RemoteProtocolError(f"{config.where}: nothing negotiated")
        self._services_config = ServicesConfig(
            conformance=negotiated.negotiated_conformance,
            client_max_receive_pdu_size=negotiated.client_max_receive_pdu_size,
            server_max_receive_pdu_size=negotiated.server_max_receive_pdu_size,
            gbt_window=config.gbt_window, block_transfer=config.block_transfer)
        self._services = ClientServices(self._services_config, protection=ciphering)
        self.recorder.note("associated",
                           conformance=negotiated.negotiated_conformance.to_bytes().hex().upper(),
                           server_max_receive_pdu_size=negotiated.server_max_receive_pdu_size)
        return confirm

    def _receive(self, association: ClientAssociation, what: str) -> object:
        link = self._require_link()
        apdu = link.receive_apdu(what)
        try:
            event = association.receive(apdu)
        except RemoteProtocolError as exc:
            raise RemoteProtocolError(f"{self.config.where}: {exc} ({what})",
                                      response_hint=exc.response_hint) from exc
        except SecurityError as exc:
            raise SecurityError(f"{self.config.where}: {exc} ({what})") from exc
        except CodecError as exc:
            # A malformed AARE/RLRE is the meter breaking the protocol, like a malformed
            # service response (which the services machine reports the same way).
            raise RemoteProtocolError(f"{self.config.where}: malformed APDU: {exc} "
                                      f"({what})") from exc
        self._require_io().progress()  # the association machine took a new APDU
        return event

    def _seed_counter(self) -> None:
        """Before an association: the counter the meter has seen (read, or configured as
        the first one to use) seeds the global key's sending counter."""
        source = self.config.invocation_counter
        if isinstance(source, int) and not isinstance(source, bool):
            self.invocation_counter = source
            last_used = max(source - 1, 0)
        elif self.invocation_counter is not None:
            last_used = self.invocation_counter
        else:
            return
        association = self.config.association
        self._counters.seed_global(association.keys,
                                   self.deviations.system_title or association.system_title,
                                   last_used)

    def release(self, *, user_information: bool | None = None) -> ReleaseConfirm:
        """RLRQ/RLRE. ``user_information``: carry the (ciphered) InitiateRequest; by default
        in ciphered contexts (Green Book 9.4.2.2.4)."""
        association = self._association
        if association is None or association.state not in (
                AssociationState.ASSOCIATED, AssociationState.AUTHENTICATION_PENDING):
            raise LocalProtocolError("no association to release")
        link = self._require_link()
        carry = association.config.ciphered if user_information is None else user_information
        with self._scope("release (RLRQ/RLRE)"):
            link.send_apdu(association.send(ReleaseRequest(user_information=carry)))
            confirm = self._receive(association, "RLRE to RLRQ")
        self._services = None
        if not isinstance(confirm, ReleaseConfirm):  # pragma: no cover - machine pairs
            raise RemoteProtocolError(f"{self.config.where}: no RLRE to the RLRQ")
        self.recorder.note("released")
        return confirm

    def disconnect(self) -> None:
        """Release the link (DISC/UA for HDLC) and close the transport when the session
        opened it; an association still open is abandoned (A-ABORT)."""
        if self._association is not None and self._association.state \
                is not AssociationState.IDLE:
            self._association.send(Abort())
        self._services = None
        try:
            if self._link is not None:
                with self._scope("disconnect (DISC/UA)"):
                    self._link.disconnect()  # DISC unless in NDM (also when out of step)
        finally:
            self._link = None
            self._close_transport()

    def _close_transport(self) -> None:
        if self._transport is not None and isinstance(self.config.transport, str):
            self._transport.close()
        self._transport = None
        self._io = None

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            try:
                if self.associated:
                    self.release()
            finally:
                self.disconnect()
            return
        # Leave quickly and quietly on an error: the original exception matters.
        with contextlib.suppress(Exception):
            self.disconnect()
        self._link = None
        self._close_transport()

    # -- services -------------------------------------------------------------------------
    def _exchange(self, request: ClientRequest, what: str) -> ConfirmEvent:
        services, association = self._services, self._association
        if services is None or association is None or not self.associated:
            raise LocalProtocolError(f"{what}: no association (call associate() first)")
        invoke_id = self._invoke_id
        self._invoke_id = (invoke_id + 1) & 0x0F
        io = self._require_io()
        try:
            with self._scope(what):
                confirm = run_exchange(
                    services=services, link=self._require_link(), request=request,
                    invoke_id=invoke_id, what=what, where=self.config.where,
                    deviations=self.deviations, ciphering=association.ciphering,
                    recorder=self.recorder, notifications=self.notifications,
                    progress=io.progress)
        except BaseException:
            # The exchange is lost (timeout, violation...): the next request starts afresh,
            # and a late answer to this one is recognised by its invoke-id.
            self._services = services.restarted()
            raise
        self.last_confirm = confirm
        return confirm

    # -- raw traffic ----------------------------------------------------------------------
    def send_raw(self, data: bytes, *, timeout: float | None = None) -> bytes:
        """Send ``data`` exactly as given and return what the meter sends back within
        ``timeout`` seconds (default: the response timeout), ``b""`` when it stays silent.
        It returns early once a complete frame (or WPDU) has arrived and the line has been
        quiet for ``timeouts.inter_frame``. The octets bypass the protocol machines
        (whose state does not change) and are traced like all others."""
        io = self._require_io()
        waited = self.config.timeouts.response if timeout is None else timeout
        with io.exchange_scope("raw send", waited):  # bounded by its own timeout
            return RawExchange(io, self.config.framing, self.config.timeouts.inter_frame
                               ).run(bytes(data), waited)


def _name(value: enum.Enum) -> str:
    return value.name.lower().replace("_", "-")
