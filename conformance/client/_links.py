"""The data link under a session: the HDLC link machine (IEC 62056-46) or the wrapper
machine (IEC 62056-47), behind one small interface: ``connect()``, ``send_apdu()``,
``receive_apdu(what)``, ``disconnect()``.

This is where the session's loop lives: it feeds received octets to the machine with the
clock, sends the machine's automatic answers (RR polls for the next segments), runs the
machine's timers at ``next_deadline()`` and bounds every wait. A wait ends with a
:class:`~conformance.errors.TransportTimeout` naming the exchange when the exchange makes
no progress for the response timeout, or when it passes its overall deadline
(:mod:`conformance.client._deadline`). Link-level progress is reported here: a new HDLC
segment accepted (V(R) moved while the APDU is still incomplete) or our frames
acknowledged (V(S) moved, or nothing left to send). A repeated segment, an RR/RNR, a
discarded frame or octets that complete nothing are no progress. A complete APDU is
judged by its reader (the services or association machine), since only it knows whether
it is new (a repeated GBT block comes in new I frames).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import deque
from collections.abc import Callable
from typing import Protocol, TypeVar

from conformance.client._io import SessionIO
from conformance.client.config import SessionConfig
from conformance.client.deviations import Deviations, hdlc_frame_filter
from conformance.codec.wrapper import WrapperFrame
from conformance.errors import RemoteProtocolError
from conformance.protocol import wrapper as w
from conformance.protocol.hdlc import (
    NEED_DATA,
    Connect,
    Connected,
    Data,
    Disconnect,
    Disconnected,
    FrameDiscarded,
    FrameRejected,
    HdlcMachine,
    HdlcMachineEvent,
    HdlcState,
    PeerBusy,
    Poll,
    Role,
    Timeout,
    TimeoutKind,
    UnitData,
)
from conformance.transport import ConnectionClosed

__all__ = ["HdlcLink", "Link", "WrapperLink"]

E = TypeVar("E")


class Link(Protocol):
    """What the session needs from a data link."""

    @property
    def connected(self) -> bool:
        """True while APDUs can be exchanged."""

    def connect(self) -> None:
        """Establish the link (SNRM/UA; nothing for the wrapper)."""

    def send_apdu(self, apdu: bytes) -> None:
        """Send one APDU."""

    def receive_apdu(self, what: str) -> bytes:
        """Wait for one APDU (``what`` names it in errors: "AARE to AARQ")."""

    def disconnect(self) -> None:
        """Release the link (DISC/UA; nothing for the wrapper)."""


class HdlcLink:
    """The client's HDLC link machine driven over the session's I/O."""

    def __init__(self, io: SessionIO, config: SessionConfig,
                 deviations: Callable[[], Deviations]) -> None:
        self._io = io
        self._config = config
        self.machine = HdlcMachine(Role.CLIENT, config.hdlc_config(),
                                   frame_filter=hdlc_frame_filter(deviations))
        self.connection: Connected | None = None
        """The Connected event of the current link (negotiated parameters)."""
        self.pushed: list[bytes] = []
        """APDUs the meter pushed in UI frames (data notifications) while we waited."""
        self._inbox: deque[bytes] = deque()  # APDUs that arrived before they were awaited
        self.out_of_step = False
        """An exchange failed half way (timeout, FRMR...): the two stations may disagree
        on the sequence numbers; only a new SNRM (``connect()``) puts them in step."""

    @property
    def connected(self) -> bool:
        """True in NRM with both stations in step."""
        return self.machine.state is HdlcState.NRM and not self.out_of_step

    def _scope(self, what: str) -> contextlib.AbstractContextManager[object]:
        return self._io.exchange_scope(what, self._config.timeouts.exchange)

    def connect(self) -> None:
        """SNRM with the configured proposal; UA expected (DM: refused)."""
        with self._scope("connect (SNRM/UA)"):
            self._connect()

    def _connect(self) -> None:
        io = self._io
        io.recorder.note("HDLC: SNRM", client=self._config.client_sap,
                         server=str(self._config.server_address))
        self._give_up_poll()
        io.write(self.machine.send(Connect(omit_information=self._config.hdlc.omit_parameters),
                                   now=io.clock()))
        event = self._wait("UA to SNRM", (Connected, Disconnected, FrameRejected))
        if isinstance(event, Disconnected):
            raise RemoteProtocolError(f"{io.where}: the meter answered SNRM with DM "
                                      f"({event.reason.value}): it refuses the link")
        if isinstance(event, FrameRejected):
            raise RemoteProtocolError(f"{io.where}: the meter answered SNRM with FRMR "
                                      f"({event.information})")
        if not isinstance(event, Connected):  # pragma: no cover - no readiness condition
            raise RemoteProtocolError(f"{io.where}: no answer to SNRM")
        self.connection = event
        self.out_of_step = False
        self._inbox.clear()
        io.recorder.note("HDLC: link established", parameters=str(event.parameters))

    def _give_up_poll(self) -> None:
        """After a failed exchange a poll may still await its answer; SNRM and DISC need
        the right to send, so the machine's timers are run out (their events dropped)."""
        machine = self.machine
        if machine.awaiting_response:
            machine.handle_timer(float("inf"))
            while machine.next_event() is not NEED_DATA:
                pass
            machine.data_to_send()

    def send_apdu(self, apdu: bytes) -> None:
        """The APDU in I frames (LLC header added, segmented as negotiated). When the
        previous APDU is still being sent or awaits its acknowledgement (several APDUs in a
        row: general block transfer), the meter's RR is awaited first (NRM: the client
        sends only while it holds the right to)."""
        machine = self.machine
        if machine.awaiting_response or machine.transfer_pending:
            what = "the acknowledgement (RR) of the previous I frames"
            with self._scope(what):
                self._wait(what, (), ready=lambda: not (machine.awaiting_response
                                                        or machine.transfer_pending))
        self._io.write(machine.send(Data(apdu=apdu), now=self._io.clock()))

    def receive_apdu(self, what: str) -> bytes:
        """The next APDU from the meter (segments fetched automatically)."""
        with self._scope(what):
            if self._inbox:
                self._guarded(self._io.check_deadline)
                return self._inbox.popleft()
            event = self._wait(what, (Data,))
        if event is None:  # pragma: no cover - no readiness condition given
            raise RemoteProtocolError(f"{self._io.where}: no APDU ({what})")
        return self._unpack(event)

    def _unpack(self, event: Data) -> bytes:
        if event.llc_error is not None:
            self._io.recorder.note("HDLC: LLC header wrong or missing", detail=event.llc_error)
        return event.apdu

    def disconnect(self) -> None:
        """DISC; UA (or DM: already disconnected) expected."""
        if self.machine.state is HdlcState.NDM:
            return
        self._give_up_poll()
        io = self._io
        with self._scope("disconnect (DISC/UA)"):
            io.write(self.machine.send(Disconnect(), now=io.clock()))
            event = self._wait("UA to DISC", (Disconnected,))
        self.connection = None
        io.recorder.note("HDLC: link released",
                         reason=event.reason.value if event is not None else None)

    def _wait(self, what: str, wanted: tuple[type[E], ...],
              ready: Callable[[], bool] | None = None) -> E | None:
        """Run the machine until an event of ``wanted`` comes out (returned), or until
        ``ready()`` holds while no input is pending (``None`` returned; APDUs received
        meanwhile are kept for :meth:`receive_apdu`). A failed wait leaves the link out
        of step."""
        return self._guarded(lambda: self._run(what, wanted, ready))

    def _guarded(self, step: Callable[[], E]) -> E:
        """``step()``; when it fails, the link is out of step."""
        try:
            return step()
        except BaseException:
            self.out_of_step = True
            raise

    def _position(self) -> tuple[int, int, bool]:
        """What only real progress moves: V(R), V(S) and whether a transfer is pending
        (a repeated segment, an RR or RNR leaves all three as they were)."""
        m = self.machine
        return m.receive_sequence, m.send_sequence, m.transfer_pending

    def _run(self, what: str, wanted: tuple[type[E], ...],
             ready: Callable[[], bool] | None) -> E | None:
        io, machine = self._io, self.machine
        timeout = self._config.timeouts.response
        # NRM: the meter sends only when polled. When an APDU is awaited and the meter has
        # answered every poll (the turn is ours, nothing is pending), poll it again with
        # RR, at most once per inter-frame time (e.g. the next GBT blocks of a window).
        wants_data = Data in wanted
        polled = False
        mark = self._position()
        while True:
            try:
                event: HdlcMachineEvent = machine.next_event()
            except RemoteProtocolError as exc:
                io.write(machine.data_to_send())
                raise RemoteProtocolError(f"{io.where}: {exc} (while waiting for {what})",
                                          response_hint=exc.response_hint) from exc
            io.write(machine.data_to_send())
            if isinstance(event, wanted):
                return event
            if ready is not None and isinstance(event, Data):
                self._inbox.append(self._unpack(event))
                mark = self._position()  # a whole APDU: its reader judges whether it is new
                continue
            position = self._position()
            if position != mark:  # a new segment accepted, or our frames acknowledged
                mark = position
                io.progress()
            if event is not NEED_DATA:
                self._unwanted(event, what, timeout)
                continue
            if ready is not None and ready():
                io.progress()  # the meter acknowledged every frame sent
                return None
            until = io.wait_end(what, timeout)
            now = io.clock()
            if wants_data and not machine.awaiting_response and not machine.transfer_pending:
                if not polled:
                    io.write(machine.send(Poll(), now=now))
                    polled = True
                    continue
                polled = False
                until = min(until, now + self._config.timeouts.inter_frame)
            timer = machine.next_deadline()
            if timer is not None:
                until = min(until, timer)
            data = io.read(until - now, what)
            now = io.clock()
            if data:
                machine.receive_data(data, now=now)
            else:
                machine.handle_timer(now)
                io.write(machine.data_to_send())

    def _unwanted(self, event: HdlcMachineEvent, what: str, timeout: float) -> None:
        """An event that is not the answer awaited: report, or fail the wait."""
        io = self._io
        if isinstance(event, Timeout):
            if event.kind is TimeoutKind.RESPONSE:
                raise io.timeout_error(what, timeout)
            io.recorder.note("HDLC: incomplete frame dropped (inter-octet timeout)")
        elif isinstance(event, FrameDiscarded):
            io.recorder.note(f"HDLC: frame discarded ({event.reason.value})",
                             detail=event.detail)
        elif isinstance(event, UnitData):
            self.pushed.append(event.apdu)
        elif isinstance(event, PeerBusy):
            io.recorder.note("HDLC: the meter is " + ("busy (RNR)" if event.busy
                                                      else "ready again (RR)"))
        elif isinstance(event, Disconnected):
            self.connection = None
            raise RemoteProtocolError(f"{io.where}: the link ended ({event.reason.value}) "
                                      f"while waiting for {what}")
        elif isinstance(event, FrameRejected):
            raise RemoteProtocolError(f"{io.where}: the meter sent FRMR "
                                      f"({event.information}) while waiting for {what}")
        else:
            raise RemoteProtocolError(f"{io.where}: unexpected {type(event).__name__} while "
                                      f"waiting for {what}")


class WrapperLink:
    """The wrapper machine over the session's I/O (no link state: a WPDU is an APDU)."""

    def __init__(self, io: SessionIO, config: SessionConfig,
                 deviations: Callable[[], Deviations]) -> None:
        self._io = io
        self._config = config
        self._deviations = deviations
        self.machine = w.WrapperMachine(
            w.WrapperConfig(local_wport=config.client_sap, remote_wport=config.server_wport),
            frame_filter=self._filter)

    @property
    def connected(self) -> bool:
        """True while the byte stream is open."""
        return self.machine.state is w.WrapperState.OPEN

    def connect(self) -> None:
        """Nothing to do: the wrapper has no link establishment (IEC 62056-47)."""

    def disconnect(self) -> None:
        """Nothing to do: closing the transport ends the wrapper connection."""

    def _filter(self, frame: WrapperFrame) -> WrapperFrame:
        d = self._deviations()
        if not d.wrapper_active:
            return frame
        changes = {name: value for name, value in (
            ("version", d.wrapper_version), ("source_wport", d.source_wport),
            ("destination_wport", d.destination_wport), ("length", d.wrapper_length))
            if value is not None}
        return dataclasses.replace(frame, **changes)  # type: ignore[arg-type]

    def send_apdu(self, apdu: bytes) -> None:
        """The APDU in one WPDU."""
        self._io.write(self.machine.send(w.Data(apdu=apdu)))

    def receive_apdu(self, what: str) -> bytes:
        """The APDU of the next WPDU for this client. Octets that complete no WPDU for
        this client are no progress: the response timeout keeps running (a peer trickling
        octets is stopped by it), and the APDU's reader judges whether it is new."""
        io = self._io
        with io.exchange_scope(what, self._config.timeouts.exchange):
            io.check_deadline()
            return self._receive(what)

    def _receive(self, what: str) -> bytes:
        io, machine = self._io, self.machine
        timeout = self._config.timeouts.response
        while True:
            try:
                event = machine.next_event()
            except RemoteProtocolError as exc:
                raise RemoteProtocolError(f"{io.where}: {exc} (while waiting for {what})"
                                          ) from exc
            if isinstance(event, w.Data):
                return event.apdu
            if isinstance(event, w.FrameDiscarded):
                io.recorder.note(f"wrapper: WPDU discarded ({event.reason.value})",
                                 detail=event.detail)
                continue
            if isinstance(event, w.ConnectionClosed):
                raise ConnectionClosed(f"{io.where}: the connection closed while waiting "
                                       f"for {what}")
            until = io.wait_end(what, timeout)
            try:
                data = io.read(until - io.clock(), what)
            except ConnectionClosed:
                machine.receive_eof()
                continue
            if data:
                machine.receive_data(data)
