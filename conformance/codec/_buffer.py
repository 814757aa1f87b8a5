"""A small typed Reader/Writer used by every decoder and encoder of the codec.

Every ``pull_*`` names the field it reads; when the input is short or malformed the reader
raises :class:`~conformance.errors.IncompleteError` / :class:`~conformance.errors.CodecError`
carrying the absolute byte offset and the dotted field path (the reader's scope stack plus
the field), so no ``IndexError`` or ``struct.error`` ever escapes a decoder.

Lengths: A-XDR variable lengths (IEC 61334-6 / Green Book 9.5) and BER definite lengths
(X.690 8.1.3) share one format: one byte below 0x80, else ``0x80 | n`` followed by ``n``
big-endian bytes. ``pull_length`` accepts both forms and rejects the indefinite form (0x80),
which DLMS never uses.
"""

from __future__ import annotations

from types import TracebackType

from conformance.errors import CodecError, IncompleteError

__all__ = ["Reader", "Writer", "encode_length"]


class _Scope:
    __slots__ = ("_name", "_reader")

    def __init__(self, reader: Reader, name: str) -> None:
        self._reader = reader
        self._name = name

    def __enter__(self) -> Reader:
        self._reader._path.append(self._name)
        return self._reader

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # On error the path stays as it was when the error was raised (it is already
        # rendered into the exception), so popping unconditionally is right.
        self._reader._path.pop()


class Reader:
    """Reads fields from ``data[start:end]``; offsets reported are ``base + position``."""

    __slots__ = ("_base", "_data", "_end", "_path", "pos")

    def __init__(self, data: bytes, *, start: int = 0, end: int | None = None,
                 base: int = 0, path: str | None = None) -> None:
        self._data = data
        self.pos = start
        self._end = len(data) if end is None else end
        self._base = base
        self._path: list[str] = [path] if path else []

    # -- position and context -------------------------------------------------------
    @property
    def data(self) -> bytes:
        """The whole underlying buffer."""
        return self._data

    @property
    def offset(self) -> int:
        """Absolute byte offset of the next byte to be read."""
        return self._base + self.pos

    @property
    def end(self) -> int:
        """Position (in ``data``) one past the last readable byte."""
        return self._end

    def remaining(self) -> int:
        """Number of bytes left to read."""
        return self._end - self.pos

    def at_end(self) -> bool:
        """True when every byte has been read."""
        return self.pos >= self._end

    def scope(self, name: str) -> _Scope:
        """``with r.scope("user_information"):`` adds a component to the error path."""
        return _Scope(self, name)

    def path(self, field: str = "") -> str:
        """The dotted path of the current scope, optionally extended by ``field``."""
        parts = [*self._path, field] if field else self._path
        return ".".join(parts)

    def error(self, message: str, field: str = "", *, offset: int | None = None) -> CodecError:
        """Build (not raise) a :class:`CodecError` at the current (or given) offset."""
        return CodecError(message, offset=self.offset if offset is None else offset,
                          path=self.path(field))

    def _short(self, n: int, field: str) -> IncompleteError:
        return IncompleteError(
            f"truncated: {field or 'field'} needs {n} byte(s), {self.remaining()} left",
            offset=self.offset, path=self.path(field))

    def sub(self, length: int, field: str) -> Reader:
        """A reader over the next ``length`` bytes (which are consumed here); the child
        shares this reader's path and reports absolute offsets."""
        if length > self._end - self.pos:
            raise self._short(length, field)
        child = Reader(self._data, start=self.pos, end=self.pos + length, base=self._base)
        child._path = [*self._path, field] if field else list(self._path)
        self.pos += length
        return child

    def expect_end(self, what: str = "") -> None:
        """Raise if bytes are left over (strict parsing: trailing bytes are an error)."""
        if self.pos < self._end:
            raise CodecError(
                f"{self._end - self.pos} unexpected trailing byte(s)"
                + (f" after {what}" if what else ""),
                offset=self.offset, path=self.path())

    # -- primitive pulls --------------------------------------------------------------
    def peek_u8(self, field: str = "") -> int:
        """The next byte, not consumed."""
        if self.pos >= self._end:
            raise self._short(1, field)
        return self._data[self.pos]

    def pull_u8(self, field: str = "") -> int:
        """One unsigned byte."""
        p = self.pos
        if p >= self._end:
            raise self._short(1, field)
        self.pos = p + 1
        return self._data[p]

    def pull_i8(self, field: str = "") -> int:
        """One signed byte."""
        v = self.pull_u8(field)
        return v - 0x100 if v & 0x80 else v

    def pull_uint(self, size: int, field: str = "") -> int:
        """An unsigned big-endian integer of ``size`` bytes."""
        p = self.pos
        e = p + size
        if e > self._end:
            raise self._short(size, field)
        self.pos = e
        return int.from_bytes(self._data[p:e], "big")

    def pull_int(self, size: int, field: str = "") -> int:
        """A signed (two's complement) big-endian integer of ``size`` bytes."""
        p = self.pos
        e = p + size
        if e > self._end:
            raise self._short(size, field)
        self.pos = e
        return int.from_bytes(self._data[p:e], "big", signed=True)

    def pull_u16(self, field: str = "") -> int:
        """Unsigned 16-bit big-endian."""
        return self.pull_uint(2, field)

    def pull_u32(self, field: str = "") -> int:
        """Unsigned 32-bit big-endian."""
        return self.pull_uint(4, field)

    def pull_bytes(self, n: int, field: str = "") -> bytes:
        """``n`` raw bytes."""
        p = self.pos
        e = p + n
        if n < 0 or e > self._end:
            raise self._short(n, field)
        self.pos = e
        return self._data[p:e]

    def pull_rest(self) -> bytes:
        """Every remaining byte."""
        p = self.pos
        self.pos = self._end
        return self._data[p:self._end]

    def pull_length(self, field: str = "length") -> int:
        """A BER / A-XDR length (short or long definite form)."""
        start = self.offset
        first = self.pull_u8(field)
        if first < 0x80:
            return first
        n = first & 0x7F
        if n == 0:
            raise CodecError("indefinite length form (0x80) is not allowed",
                             offset=start, path=self.path(field))
        if n > 4:
            raise CodecError(f"length of {n} length bytes is not supported",
                             offset=start, path=self.path(field))
        return self.pull_uint(n, field)

    def pull_counted(self, field: str) -> bytes:
        """A length-prefixed octet string: ``length`` then that many bytes."""
        n = self.pull_length(field)
        return self.pull_bytes(n, field)

    def pull_optional_flag(self, field: str) -> bool:
        """A-XDR OPTIONAL / DEFAULT presence byte: 0x00 absent, 0x01 present."""
        start = self.offset
        v = self.pull_u8(field)
        if v > 1:
            raise CodecError(f"presence flag must be 0x00 or 0x01, got 0x{v:02X}",
                             offset=start, path=self.path(field))
        return v == 1

    def pull_bool(self, field: str) -> bool:
        """A-XDR BOOLEAN: 0x00 false, anything else true (X.690 8.2.2 for BER likewise)."""
        return self.pull_u8(field) != 0


def encode_length(n: int) -> bytes:
    """BER / A-XDR definite length: short form below 0x80, else the minimal long form."""
    if n < 0:
        raise ValueError("length must not be negative")
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


class Writer:
    """Appends fields to a growing ``bytearray``."""

    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def __len__(self) -> int:
        return len(self.buf)

    def getvalue(self) -> bytes:
        """The bytes written so far."""
        return bytes(self.buf)

    def push_u8(self, v: int) -> None:
        """One unsigned byte."""
        self.buf.append(v)

    def push_uint(self, v: int, size: int) -> None:
        """Unsigned big-endian integer of ``size`` bytes."""
        self.buf += v.to_bytes(size, "big")

    def push_int(self, v: int, size: int) -> None:
        """Signed big-endian integer of ``size`` bytes."""
        self.buf += v.to_bytes(size, "big", signed=True)

    def push_u16(self, v: int) -> None:
        """Unsigned 16-bit big-endian."""
        self.buf += v.to_bytes(2, "big")

    def push_u32(self, v: int) -> None:
        """Unsigned 32-bit big-endian."""
        self.buf += v.to_bytes(4, "big")

    def push_bytes(self, b: bytes | bytearray) -> None:
        """Raw bytes."""
        self.buf += b

    def push_length(self, n: int) -> None:
        """BER / A-XDR length."""
        if n < 0x80:
            self.buf.append(n)
        else:
            self.buf += encode_length(n)

    def push_counted(self, b: bytes, length: int | None = None) -> None:
        """Length-prefixed octet string; ``length`` overrides the computed length."""
        self.push_length(len(b) if length is None else length)
        self.buf += b

    def push_optional_flag(self, present: bool) -> None:
        """A-XDR OPTIONAL presence byte."""
        self.buf.append(1 if present else 0)
