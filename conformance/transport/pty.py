"""Pseudo-terminal pairs: a serial line without hardware, for tests and the simulator.

:class:`PtyPair` creates a pseudo-terminal. The *slave* side is a real tty path
(``/dev/pts/N``, optionally reachable through a stable symlink) that any serial client opens
with pyserial, exactly as it would open ``/dev/ttyUSB0``; the *master* side is the
:class:`PtyMasterTransport` the simulator (or a test playing the meter) reads and writes.
This is the simulator's ``pty://`` listener.

What a pseudo-terminal does not do: it has no baud rate and no parity on the wire. Linux
keeps a pty at 8 data bits without parity whatever is asked (the speed is stored and
reported), so 7E1 characters cross it unchanged and a baud-rate mismatch goes unnoticed.
Termios requests made on the master act on the slave's settings, so the master never
changes them: :meth:`PtyMasterTransport.apply_line_settings` only records what the meter
side believes, and :meth:`PtyMasterTransport.peer_line_settings` reads back what the client
configured on the slave.
"""

from __future__ import annotations

import errno
import os
import select
import time
from pathlib import Path

from conformance.errors import TransportError, TransportTimeout
from conformance.transport.base import ConnectionClosed, LineSettings, Parity, SerialLine

try:
    import termios
    import tty
except ImportError:  # pragma: no cover - pseudo-terminals need POSIX
    termios = None  # type: ignore[assignment]

__all__ = ["PtyMasterTransport", "PtyPair"]


class PtyPair:
    """A pseudo-terminal: the master end as a transport, the slave end as a path.

    The pair keeps a descriptor of the slave open itself, so the master never sees a
    hang-up while no client is connected (clients may open and close the slave path as
    often as they like). ``link`` names a symlink created to the slave path (replacing a
    stale symlink, never a regular file).
    """

    def __init__(self, *, link: str | Path | None = None,
                 settings: LineSettings | None = None) -> None:
        self.link = Path(link) if link is not None else None
        """Optional stable path pointing at :attr:`slave_path`."""
        self._settings = settings if settings is not None else LineSettings()
        self._master_fd: int | None = None
        self._slave_fd: int | None = None
        self._slave_path: str | None = None
        self._master: PtyMasterTransport | None = None

    @property
    def slave_path(self) -> str:
        """The tty a client opens (``/dev/pts/N``); raises if the pair is not open."""
        if self._slave_path is None:
            raise TransportError("pseudo-terminal pair is not open")
        return self._slave_path

    @property
    def client_path(self) -> str:
        """The path to give a client: the symlink if one was asked for, else the slave."""
        return str(self.link) if self.link is not None else self.slave_path

    @property
    def master(self) -> PtyMasterTransport:
        """The master end (open while the pair is open)."""
        if self._master is None:
            raise TransportError("pseudo-terminal pair is not open")
        return self._master

    @property
    def is_open(self) -> bool:
        """True between :meth:`open` and :meth:`close`."""
        return self._master_fd is not None

    def open(self) -> None:
        """Create the pseudo-terminal (raw mode, no echo) and the optional symlink."""
        if self._master_fd is not None:
            return
        if termios is None:  # pragma: no cover
            raise TransportError("pseudo-terminals need a POSIX system")
        try:
            master_fd, slave_fd = os.openpty()
        except OSError as exc:
            raise TransportError(f"cannot create a pseudo-terminal: {exc}") from exc
        try:
            # A fresh pty echoes and buffers lines: bytes the meter writes before a client
            # configured the port would come back to it or sit in a line buffer.
            tty.setraw(slave_fd)
            os.set_blocking(master_fd, False)
            slave_path = os.ttyname(slave_fd)
            if self.link is not None:
                _replace_symlink(self.link, slave_path)
        except (OSError, termios.error) as exc:
            os.close(master_fd)
            os.close(slave_fd)
            raise TransportError(f"cannot set up the pseudo-terminal: {exc}") from exc
        self._master_fd, self._slave_fd, self._slave_path = master_fd, slave_fd, slave_path
        self._master = PtyMasterTransport(self, master_fd, self._settings)
        self._master.open()

    def close(self) -> None:
        """Close both descriptors and remove the symlink; idempotent."""
        if self._master is not None:
            self._master.close()
        for fd in (self._master_fd, self._slave_fd):
            if fd is not None:
                os.close(fd)
        self._master_fd = self._slave_fd = None
        self._master = None
        if self.link is not None and self._slave_path is not None:
            try:
                if self.link.is_symlink() and os.readlink(self.link) == self._slave_path:
                    self.link.unlink()
            except OSError:
                pass  # somebody else already replaced or removed it
        self._slave_path = None

    def describe(self) -> str:
        """``pty <client path>``."""
        where = self._slave_path or "(not open)"
        if self.link is not None:
            where = f"{self.link} -> {where}"
        return f"pty {where}"

    def __enter__(self) -> PtyPair:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _replace_symlink(link: Path, target: str) -> None:
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        raise TransportError(f"{link} exists and is not a symlink: refusing to replace it")
    link.symlink_to(target)


class PtyMasterTransport(SerialLine):
    """The master end of a :class:`PtyPair` (the meter's side of the line)."""

    def __init__(self, pair: PtyPair, fd: int, settings: LineSettings, *,
                 send_timeout: float = 5.0) -> None:
        super().__init__()
        self._pair = pair
        self._fd: int | None = fd
        self._settings = settings
        self.send_timeout = send_timeout
        """Seconds a send may block (nobody reading the slave) before a timeout."""

    @property
    def line_settings(self) -> LineSettings:
        """What the meter side believes the line runs at (see the module docstring)."""
        return self._settings

    def apply_line_settings(self, settings: LineSettings) -> None:
        """Record ``settings``; termios on a master would change the client's line."""
        self._settings = settings

    def peer_line_settings(self) -> LineSettings:
        """The speed and format the client set on the slave, read back through the
        master (Linux reports CS8 without parity for a pty whatever the client asked)."""
        fd = self._live()
        try:
            _, _, cflag, _, _, ospeed, _ = termios.tcgetattr(fd)
        except termios.error as exc:
            raise TransportError(f"{self.describe()}: cannot read the line settings: "
                                 f"{exc}") from exc
        return _decode_termios(cflag, ospeed)

    def describe(self) -> str:
        """``pty master (client at /dev/pts/N)``."""
        return f"pty master (client at {self._pair.client_path})" \
            if self._pair.is_open else "pty master (closed)"

    def _open(self) -> None:
        if self._fd is None:
            raise TransportError(f"{self.describe()}: the pseudo-terminal was closed")

    def _close(self) -> None:
        self._fd = None  # the pair owns the descriptor and closes it

    def _send(self, data: bytes) -> None:
        fd = self._live()
        view = memoryview(data)
        deadline = time.monotonic() + self.send_timeout
        while view:
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                written = 0
            except OSError as exc:
                raise self._failure("send", exc) from exc
            view = view[written:]
            if view:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                    raise TransportTimeout(f"{self.describe()}: send blocked for "
                                           f"{self.send_timeout:g} s (is anybody reading?)")

    def _recv(self, max_bytes: int, timeout: float) -> bytes:
        fd = self._live()
        if not select.select([fd], [], [], timeout)[0]:
            return b""
        try:
            return os.read(fd, max_bytes)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise self._failure("receive", exc) from exc

    def _discard(self) -> None:
        fd = self._live()
        while True:
            try:
                if not os.read(fd, 65536):
                    return
            except BlockingIOError:
                return
            except OSError as exc:
                raise self._failure("discard input", exc) from exc

    def _failure(self, action: str, exc: OSError) -> TransportError:
        if exc.errno == errno.EIO:  # every slave descriptor closed: the line hung up
            return ConnectionClosed(f"{self.describe()}: the slave side hung up")
        return TransportError(f"{self.describe()}: {action} failed: {exc}")

    def _live(self) -> int:
        if self._fd is None:
            raise TransportError(f"{self.describe()}: closed")
        return self._fd


def _speed_table() -> dict[int, int]:
    table: dict[int, int] = {}
    if termios is None:  # pragma: no cover
        return table
    for name in dir(termios):
        if name.startswith("B") and name[1:].isdigit():
            table[getattr(termios, name)] = int(name[1:])
    return table


_SPEEDS = _speed_table()


def _decode_termios(cflag: int, speed: int) -> LineSettings:
    sizes = {termios.CS5: 5, termios.CS6: 6, termios.CS7: 7, termios.CS8: 8}
    bytesize = sizes[cflag & termios.CSIZE]
    parity = Parity.NONE
    if cflag & termios.PARENB:
        mark_space = getattr(termios, "CMSPAR", 0)
        if cflag & mark_space:
            parity = Parity.MARK if cflag & termios.PARODD else Parity.SPACE
        else:
            parity = Parity.ODD if cflag & termios.PARODD else Parity.EVEN
    stopbits = 2 if cflag & termios.CSTOPB else 1
    baudrate = _SPEEDS.get(speed)
    if not baudrate:  # B0 (hang up) or a custom speed: nothing meaningful to report
        raise TransportError(f"the pseudo-terminal reports an unknown speed code {speed}")
    return LineSettings(baudrate=baudrate, bytesize=bytesize, parity=parity,
                        stopbits=stopbits)
