"""Transports chosen by URL, and the framing that runs above each.

==========================================  ===========  =================================
URL                                         framing      transport
==========================================  ===========  =================================
``tcp://host[:port]``                       wrapper      TCP (port 4059 by default)
``hdlc+tcp://host:port``                    HDLC         TCP (serial gateways)
``serial:///dev/ttyUSB0?baudrate=9600``     HDLC         pyserial on the device
``/dev/ttyUSB0``, ``COM3``                  HDLC         pyserial on the device
``pty:///tmp/meter``                        HDLC         pyserial on a pseudo-terminal
``socket://``, ``rfc2217://``, ``loop://``  HDLC         pyserial URL handlers
``spy://``, ``alt://``, ``hwgrep://``
==========================================  ===========  =================================

Serial URLs take ``baudrate``, ``bytesize``, ``parity`` (N E O M S) and ``stopbits`` in the
query (defaults 9600 8N1); pyserial's own URL options (``rfc2217://h:p?ign_set_control``)
pass through. TCP URLs take ``connect_timeout`` (seconds).

:func:`listen` opens the server side for the simulator: ``tcp://`` / ``hdlc+tcp://`` give a
:class:`~conformance.transport.tcp.TcpListener`, ``pty://`` (optionally ``pty:///path`` for
a stable symlink) a :class:`~conformance.transport.pty.PtyPair`.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, urlsplit

from conformance.transport.base import EndpointError, LineSettings, Parity, Transport
from conformance.transport.pty import PtyPair
from conformance.transport.serial import SerialTransport
from conformance.transport.tcp import DLMS_TCP_PORT, TcpListener, TcpTransport

__all__ = ["Endpoint", "Framing", "Kind", "listen", "open_transport", "parse_endpoint"]


class Framing(enum.Enum):
    """The data link framing the caller runs over the byte pipe."""

    HDLC = "hdlc"
    """IEC 62056-46 HDLC frames."""
    WRAPPER = "wrapper"
    """IEC 62056-47 wrapper (TCP/UDP)."""


class Kind(enum.Enum):
    """Which transport class serves an endpoint."""

    TCP = "tcp"
    SERIAL = "serial"
    PTY_LISTENER = "pty-listener"


_PYSERIAL_SCHEMES = frozenset({"socket", "rfc2217", "loop", "spy", "alt", "hwgrep", "cp2110"})
_LINE_KEYS = ("baudrate", "bytesize", "parity", "stopbits")


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """A parsed transport URL."""

    url: str
    """The URL as given."""
    scheme: str
    """``tcp``, ``hdlc+tcp``, ``serial``, ``pty``, a pyserial scheme, or ``""`` for a
    bare device path."""
    framing: Framing
    """The framing the caller must run above the pipe."""
    kind: Kind
    """The transport class to use."""
    host: str = ""
    """TCP: host name or address."""
    port: int = 0
    """TCP: port (0 only when listening: any free port)."""
    connect_timeout: float = 5.0
    """TCP: seconds to establish the connection."""
    device: str = ""
    """Serial: the device path or pyserial URL handed to pyserial."""
    line_settings: LineSettings | None = None
    """Serial: speed and format to open with."""
    link: str = ""
    """``pty://`` listener: path of the symlink to create (empty: none)."""

    def create(self) -> Transport:
        """A new, unopened client transport for this endpoint."""
        if self.kind is Kind.TCP:
            return TcpTransport(self.host, self.port, connect_timeout=self.connect_timeout)
        if self.kind is Kind.SERIAL:
            return SerialTransport(self.device, self.line_settings)
        raise EndpointError(f"{self.url}: a pty:// URL names a listener; clients open the "
                            f"pseudo-terminal's path (pty:///path or the path itself)")


def parse_endpoint(url: str, *, listening: bool = False) -> Endpoint:
    """Parse a transport URL (see the module docstring); raises :class:`EndpointError`.

    ``listening`` parses it for :func:`listen`: a TCP host may be omitted
    (``127.0.0.1``) and port 0 asks for any free port.
    """
    if not url or url != url.strip():
        raise EndpointError(f"invalid transport URL {url!r}")
    if "://" not in url:
        return _serial(url, "", url, {})
    scheme = url.split("://", 1)[0].lower()
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. "Invalid IPv6 URL" for tcp://[::1
        raise EndpointError(f"{url}: {exc}") from None
    if "@" in parts.netloc:  # never echo it: the part before '@' may hold a password
        raise EndpointError(f"{scheme}:// URL with user information: transports take no "
                            f"credentials in the URL")
    try:
        query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False))
    except ValueError as exc:
        raise EndpointError(f"{url}: malformed query: {exc}") from exc
    if scheme in ("tcp", "hdlc+tcp"):
        return _tcp(url, scheme, parts.hostname, _port(url, parts), query, listening)
    if scheme == "serial":
        device = parts.path or parts.netloc
        if not device:
            raise EndpointError(f"{url}: no device (serial:///dev/ttyUSB0 or serial://COM3)")
        return _serial(url, scheme, device, query)
    if scheme == "pty":
        if parts.netloc:
            raise EndpointError(f"{url}: write pty:///absolute/path (three slashes)")
        if listening:
            if query:
                raise EndpointError(f"{url}: unknown option(s) {sorted(query)}")
            return Endpoint(url=url, scheme=scheme, framing=Framing.HDLC,
                            kind=Kind.PTY_LISTENER, link=parts.path)
        if not parts.path:
            raise EndpointError(f"{url}: name the pseudo-terminal path (pty:///tmp/meter)")
        return _serial(url, scheme, parts.path, query)
    if scheme in _PYSERIAL_SCHEMES:
        # keep pyserial's own options exactly as written (``?ign_set_control``)
        base = url.split("?", 1)[0]
        own = [item for item in parts.query.split("&")
               if item and item.split("=", 1)[0] not in _LINE_KEYS]
        device = f"{base}?{'&'.join(own)}" if own else base
        return _serial(url, scheme, device, {k: v for k, v in query.items()
                                             if k in _LINE_KEYS}, passthrough=True)
    raise EndpointError(f"{url}: unknown transport scheme {scheme!r} (tcp, hdlc+tcp, "
                        f"serial, pty, {', '.join(sorted(_PYSERIAL_SCHEMES))})")


def open_transport(url: str | Endpoint) -> Transport:
    """Create and open the client transport for ``url``."""
    endpoint = url if isinstance(url, Endpoint) else parse_endpoint(url)
    transport = endpoint.create()
    transport.open()
    return transport


def listen(url: str) -> TcpListener | PtyPair:
    """Open the server side for ``url`` (``tcp://``, ``hdlc+tcp://``, ``pty://``); the
    caller runs the accept loop. Parse it with ``parse_endpoint(url, listening=True)``
    for the framing."""
    endpoint = parse_endpoint(url, listening=True)
    if endpoint.kind is Kind.TCP:
        listener = TcpListener(endpoint.host, endpoint.port)
        listener.open()
        return listener
    if endpoint.kind is Kind.PTY_LISTENER:
        pair = PtyPair(link=endpoint.link or None)
        pair.open()
        return pair
    raise EndpointError(f"{url}: cannot listen on a serial device; open it as a client "
                        f"transport (the meter side of a real line is the meter)")


def _port(url: str, parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError as exc:  # out of range or not a number
        raise EndpointError(f"{url}: invalid port: {exc}") from exc


def _tcp(url: str, scheme: str, host: str | None, port: int | None, query: dict[str, str],
         listening: bool) -> Endpoint:
    unknown = set(query) - {"connect_timeout"}
    if unknown:
        raise EndpointError(f"{url}: unknown option(s) {sorted(unknown)} (connect_timeout)")
    timeout = _number(url, query, "connect_timeout", 5.0)
    if not host:
        if not listening:
            raise EndpointError(f"{url}: no host")
        host = "127.0.0.1"
    if port is None:
        if scheme == "hdlc+tcp" and not listening:
            raise EndpointError(f"{url}: hdlc+tcp needs an explicit port")
        port = DLMS_TCP_PORT
    if port == 0 and not listening:
        raise EndpointError(f"{url}: port 0 is only meaningful when listening")
    framing = Framing.WRAPPER if scheme == "tcp" else Framing.HDLC
    return Endpoint(url=url, scheme=scheme, framing=framing, kind=Kind.TCP, host=host,
                    port=port, connect_timeout=timeout)


def _serial(url: str, scheme: str, device: str, query: dict[str, str], *,
            passthrough: bool = False) -> Endpoint:
    unknown = set(query) - set(_LINE_KEYS)
    if unknown and not passthrough:
        raise EndpointError(f"{url}: unknown option(s) {sorted(unknown)} "
                            f"({', '.join(_LINE_KEYS)})")
    defaults = LineSettings()
    stopbits = _number(url, query, "stopbits", defaults.stopbits)
    parity = query.get("parity", defaults.parity.value).upper()
    if parity not in {p.value for p in Parity}:
        raise EndpointError(f"{url}: parity must be one of N, E, O, M, S, got {parity!r}")
    try:
        settings = LineSettings(
            baudrate=_integer(url, query, "baudrate", defaults.baudrate),
            bytesize=_integer(url, query, "bytesize", defaults.bytesize),
            parity=Parity(parity), stopbits=stopbits)
    except EndpointError as exc:
        raise EndpointError(f"{url}: {exc}") from None
    return Endpoint(url=url, scheme=scheme, framing=Framing.HDLC, kind=Kind.SERIAL,
                    device=device, line_settings=settings)


def _integer(url: str, query: dict[str, str], key: str, default: int) -> int:
    if key not in query:
        return default
    try:
        return int(query[key], 10)
    except ValueError:
        raise EndpointError(f"{url}: {key} must be an integer, got {query[key]!r}") from None


def _number(url: str, query: dict[str, str], key: str, default: float) -> float:
    if key not in query:
        return default
    try:
        value = float(query[key])
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise EndpointError(f"{url}: {key} must be a positive number, got {query[key]!r}")
    return value
