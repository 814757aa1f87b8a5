"""A-XDR encoding of ``Data`` (IEC 62056-6-2 4.1.5; A-XDR rules of IEC 61334-6).

Each value is its tag octet then its content: fixed-size big-endian integers and floats,
length-prefixed strings (A-XDR length: one octet below 0x80, else 0x8n and n octets),
bit-strings with their length in *bits*, arrays and structures with their element count
then the elements, date / time / date-time as 12 / 5 / 4 octets, compact arrays as a
type description then the untagged contents (see :mod:`conformance.codec.axdr.compact`).

Decoding is strict: unknown tag, wrong fixed size, out-of-range date-time field, invalid
string encoding, non-zero bit-string padding -> ``CodecError`` naming the byte offset and
the path (``"...structure[2].array[0].long-unsigned"``); not enough bytes ->
``IncompleteError``. Nesting beyond :data:`MAX_DEPTH` is refused so that hostile input
cannot exhaust the Python stack. Dispatch is by tag through a 256-entry table.
"""

from __future__ import annotations

import gc

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr.compact import (
    MAX_COMPACT_VALUES,
    read_compact_array,
    read_type_description,
    write_compact_array,
    write_type_description,
)
from conformance.codec.axdr.scalars import (
    MAX_DEPTH,
    SIMPLE_READERS,
    SIMPLE_WRITERS,
    DataReader,
    DataWriter,
    nested_error,
    too_deep,
    trusted,
)
from conformance.codec.axdr.shapes import element_shape
from conformance.codec.axdr.types import Array, Data, DataTag, Structure
from conformance.errors import CodecError

__all__ = [
    "MAX_COMPACT_VALUES",
    "MAX_DEPTH",
    "decode_data",
    "encode_data",
    "read_data",
    "read_type_description",
    "write_data",
    "write_type_description",
]


# -- containers (IEC 62056-6-2 4.1.5: array / structure = element count, then elements) --
def _read_array(r: Reader, depth: int) -> Data:
    if depth >= MAX_DEPTH:
        raise too_deep(r, "array")
    n = r.pull_length("array.length")
    items: list[Data] = []
    try:
        if n >= _GC_PAUSE_ELEMENTS and gc.isenabled():
            # A long array (a profile buffer) allocates tens of thousands of values and
            # no reference cycle: the cyclic collector would only rescan them, which
            # costs several times the decoding itself. It resumes at the end (or error).
            gc.disable()
            try:
                _read_alike(r, depth, n, items)
            finally:
                gc.enable()
        elif n >= _SHAPED_ARRAY:
            _read_alike(r, depth, n, items)
        else:
            for _ in range(n):
                items.append(_read(r, depth + 1))
    except CodecError as exc:
        raise nested_error(exc, r, f"array[{len(items)}]") from None
    return trusted(Array, "items", tuple(items))


_SHAPED_ARRAY = 4
"""Arrays of at least this many elements learn the shape of their first element."""

_GC_PAUSE_ELEMENTS = 256
"""Arrays of at least this many elements are read with the cyclic garbage collector
paused (when it was running)."""


def _read_alike(r: Reader, depth: int, n: int, items: list[Data]) -> None:
    """The ``n`` elements of an array into ``items``: the first by the general reader,
    the following ones by its shape while they have it (:mod:`.shapes`), any other one
    (and every error) by the general reader."""
    data = r.data
    start = r.pos
    items.append(_read(r, depth + 1))
    shape = element_shape(data, start, r.pos) if type(data) is bytes else None
    if shape is None:
        for _ in range(n - 1):
            items.append(_read(r, depth + 1))
        return
    size, read_shaped, end = shape.size, shape.read, r.end
    for _ in range(n - 1):
        pos = r.pos
        value = read_shaped(data, pos) if pos + size <= end else None
        if value is None:
            items.append(_read(r, depth + 1))
        else:
            items.append(value)
            r.pos = pos + size


def _read_structure(r: Reader, depth: int) -> Data:
    if depth >= MAX_DEPTH:
        raise too_deep(r, "structure")
    n = r.pull_length("structure.length")
    items: list[Data] = []
    read = _read
    try:
        for _ in range(n):
            items.append(read(r, depth + 1))
    except CodecError as exc:
        raise nested_error(exc, r, f"structure[{len(items)}]") from None
    return trusted(Structure, "items", tuple(items))


_READ_BY_TAG: dict[int, DataReader] = {
    **SIMPLE_READERS,
    DataTag.ARRAY: _read_array,
    DataTag.STRUCTURE: _read_structure,
    DataTag.COMPACT_ARRAY: read_compact_array,
}
_READ: tuple[DataReader | None, ...] = tuple(_READ_BY_TAG.get(t) for t in range(256))


def _read(r: Reader, depth: int) -> Data:
    tag = r.pull_u8("tag")
    read = _READ[tag]
    if read is None:
        raise CodecError(f"unknown data type tag {tag} (0x{tag:02X})", offset=r.offset - 1,
                         path=r.path("tag"))
    return read(r, depth)


def read_data(r: Reader) -> Data:
    """Read one tagged ``Data`` value from ``r`` (bytes after it are left unread)."""
    return _read(r, 0)


def decode_data(data: bytes) -> Data:
    """Decode exactly one ``Data`` value from ``data``; trailing bytes are an error."""
    r = Reader(bytes(data))
    value = _read(r, 0)
    r.expect_end("data")
    return value


# -- writers --------------------------------------------------------------------------
def _write_items(w: Writer, v: Data) -> None:
    items: tuple[Data, ...] = v.items  # type: ignore[attr-defined]
    w.push_length(len(items))
    for item in items:
        write_data(w, item)


_WRITE_BY_TAG: dict[int, DataWriter] = {
    **SIMPLE_WRITERS,
    DataTag.ARRAY: _write_items,
    DataTag.STRUCTURE: _write_items,
    DataTag.COMPACT_ARRAY: write_compact_array,
}


def write_data(w: Writer, value: Data) -> None:
    """Append ``value`` (tag and content) to ``w``.

    The encoder does not bound the nesting depth: a check may deliberately send data
    nested deeper than a meter (or :func:`decode_data`) accepts.
    """
    tag = getattr(value, "TAG", None)
    write = _WRITE_BY_TAG.get(tag)  # type: ignore[arg-type]
    if write is None:
        raise TypeError(f"{type(value).__name__} has no A-XDR encoding")
    w.buf.append(tag)  # type: ignore[arg-type]
    write(w, value)


def encode_data(value: Data) -> bytes:
    """The A-XDR encoding of ``value``, tag included."""
    w = Writer()
    write_data(w, value)
    return w.getvalue()
