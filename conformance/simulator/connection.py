"""One connection of the reference meter, served in its own thread::

    transport  <->  HDLC or wrapper machine (SERVER)  <->  per client SAP:
                    association machine  <->  services machine  <->  COSEM logical device

The loop waits for octets (at most until the link's next deadline, and never longer than
:data:`~conformance.simulator.listeners.POLL_INTERVAL` so that a stop is noticed), feeds
them to the link, serves each complete APDU and sends the answers. Timers (HDLC
inactivity, inter-octet) run on ``time.monotonic()``.

Nothing a client sends can end the meter: the machines answer a client's mistakes as the
standard says (frames discarded, DM, FRMR, exception-response, a rejecting AARE) and the
connection logs them; an unexpected error while serving one APDU is logged with its
traceback and the APDU is left unanswered (the HDLC poll is released with RR), and the
connection goes on. Only the transport failing or closing ends a connection (or, logged
with its traceback, an internal error outside the serving of one APDU).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

from conformance.errors import TransportError, TransportTimeout
from conformance.simulator.application import Application
from conformance.simulator.links import (
    ApduReceived,
    HdlcServerLink,
    LinkDown,
    LinkEvent,
    ServerLink,
    WrapperServerLink,
)
from conformance.simulator.listeners import POLL_INTERVAL
from conformance.simulator.meter import Meter
from conformance.transport import ConnectionClosed, Framing, TcpTransport, Transport

__all__ = ["Connection"]

_log = logging.getLogger(__name__)
_CHUNK = 4096


class Connection:
    """The meter serving one transport (a TCP connection or a line)."""

    def __init__(self, meter: Meter, transport: Transport, *, framing: Framing,
                 origin: str) -> None:
        self.meter = meter
        self.transport = transport
        self.framing = framing
        self.name = f"{transport.describe()} via {origin}"
        """For logs: the transport and the listener."""
        self.finished = threading.Event()
        """Set when :meth:`run` has returned."""
        self.link: ServerLink = (
            HdlcServerLink(meter.hdlc_config(), name=self.name) if framing is Framing.HDLC
            else WrapperServerLink(meter.wrapper_port, name=self.name,
                                   deviations=meter.wrapper_deviations()))
        """The data link layer (HDLC or wrapper)."""
        self.applications: dict[int, Application] = {}
        """Association and services state per client SAP."""

    def wake(self) -> None:
        """Called from another thread when the meter stops: unblock a TCP connection at once
        (a line notices the stop within the poll interval)."""
        if isinstance(self.transport, TcpTransport):
            sock = self.transport.raw_socket
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed by the peer
                    sock.shutdown(socket.SHUT_RDWR)

    def run(self, stop: threading.Event, *, until_disconnected: bool = False) -> None:
        """Serve until the peer closes the transport, ``stop`` is set, or -- with
        ``until_disconnected`` (mode E lines) -- the HDLC link is disconnected (or never
        established within the inactivity time)."""
        _log.info("%s: connected", self.name)
        try:
            self._loop(stop, until_disconnected)
        except ConnectionClosed:
            _log.info("%s: closed%s", self.name,
                      " (the meter stops)" if stop.is_set() else " by the client")
        except TransportError as exc:
            if not stop.is_set():
                _log.warning("%s: transport failed: %s", self.name, exc)
        except Exception:  # a bug: this connection ends, the meter and the others go on
            _log.exception("%s: internal error, connection closed", self.name)
        finally:
            # answers to APDUs that arrived with the end of the stream: no one reads them
            with contextlib.suppress(TransportError):
                self._events(self.link.end_of_stream())
            self.finished.set()

    # -- the loop ----------------------------------------------------------------------------
    def _loop(self, stop: threading.Event, until_disconnected: bool) -> None:
        link = self.link
        was_connected = link.connected
        idle_since = time.monotonic()
        while not stop.is_set():
            now = time.monotonic()
            deadline = link.next_deadline()
            wait = POLL_INTERVAL if deadline is None else min(POLL_INTERVAL,
                                                             max(0.0, deadline - now))
            try:
                data = self.transport.recv(_CHUNK, wait)
            except TransportTimeout:
                data = b""
            now = time.monotonic()
            if data:
                idle_since = now
                self._events(link.receive(data, now))
            deadline = link.next_deadline()
            if deadline is not None and deadline <= now:
                self._events(link.handle_timer(now))
            self._flush()
            if until_disconnected:
                if link.connected:
                    was_connected = True
                elif was_connected:
                    return  # DISC or inactivity: back to the sign-on
                elif now - idle_since > self.meter.inactivity_timeout:
                    _log.info("%s: no link within %g s", self.name,
                              self.meter.inactivity_timeout)
                    return

    def _events(self, events: list[LinkEvent]) -> None:
        for event in events:
            if isinstance(event, ApduReceived):
                self._serve(event.client_sap, event.apdu)
            elif isinstance(event, LinkDown):
                saps = list(self.applications) if event.client_sap is None \
                    else [event.client_sap]
                for sap in saps:
                    app = self.applications.get(sap)
                    if app is not None:
                        app.abort(event.reason)

    def _serve(self, client_sap: int, apdu: bytes) -> None:
        app = self.applications.get(client_sap)
        if app is None:
            app = self.applications[client_sap] = Application(self.meter, client_sap,
                                                              where=self.name)
        _log.debug("%s: client %d sent APDU 0x%02X (%d octets)", self.name, client_sap,
                   apdu[0] if apdu else 0, len(apdu))
        try:
            answers = app.handle(apdu)
        except Exception:  # a bug must not end the meter: log it, answer nothing
            _log.exception("%s: internal error serving APDU 0x%02X from client %d",
                           self.name, apdu[0] if apdu else 0, client_sap)
            answers = []
        now = time.monotonic()
        if not answers:
            self._send(self.link.no_answer(client_sap, now))
        for answer in answers:
            self._send(self.link.send(client_sap, answer, now))

    def _flush(self) -> None:
        self._send(self.link.pending_output())

    def _send(self, data: bytes) -> None:
        pending = self.link.pending_output()
        if pending:  # automatic answers queued before these octets go first
            self.transport.send(pending)
        if data:
            self.transport.send(data)
