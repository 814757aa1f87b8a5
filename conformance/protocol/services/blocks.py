"""Service-specific block transfer (IEC 62056-5-3 9.4.6, the protocols of GET, SET and
ACTION): splitting a long request or response into GET datablocks, SET datablocks or
ACTION pblocks, and checking the block numbers of the blocks that come back.

What the raw-data of the blocks carries (the encoded part that did not fit):

- GET normal: the ``Data`` of the result (as vector ``get-response-with-datablock-first``
  shows: ``01 82 05A0 ...`` = an array, no Get-Data-Result choice octet);
- GET with-list: the ``SEQUENCE OF Get-Data-Result`` (count, then choice + value each);
- SET normal: the ``Data`` value; SET with-list: the ``SEQUENCE OF Data`` value-list;
- ACTION request normal: the ``Data`` of the method-invocation-parameters; with-list: the
  ``SEQUENCE OF Data``;
- ACTION response normal: the ``Data`` of the return parameters (the result is success);
  with-list: the ``SEQUENCE OF Action-Response-With-Optional-Data``.

Blocks are numbered from 1, one more per block (Unsigned32). A block whose size would
exceed the limit is never built: :func:`split_into_blocks` returns ``None`` when not even
one raw octet fits.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.codec._buffer import Reader, Writer, encode_length
from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import Data, decode_data
from conformance.codec.xdlms.action import ActionResponseWithOptionalData
from conformance.codec.xdlms.descriptors import (
    GetDataResult,
    pull_data_list,
    pull_get_data_result,
    push_data_list,
    push_get_data_result,
)

__all__ = [
    "BlockFactory",
    "BlockSequence",
    "block_number_problem",
    "decode_action_responses",
    "decode_data_list",
    "decode_get_results",
    "decode_single_data",
    "encode_action_responses",
    "encode_data_list",
    "encode_get_results",
    "raw_capacity",
    "split_into_blocks",
]

MAX_BLOCK_NUMBER = 0xFFFF_FFFF
"""block-number is an Unsigned32."""

BlockFactory = Callable[[bool, int, bytes], Apdu]
"""Builds one block APDU from (last-block, block-number, raw-data)."""


def _length_octets(n: int) -> int:
    return len(encode_length(n))


def raw_capacity(limit: int, fixed: int) -> int:
    """The largest raw-data size ``c`` with ``fixed + len(length of c) + c <= limit``
    (0 when none fits); ``fixed`` is the APDU size without the raw-data length and bytes."""
    budget = limit - fixed
    c = budget - 1
    while c > 0 and c + _length_octets(c) > budget:
        c -= 1
    return max(c, 0)


def split_into_blocks(raw: bytes, limit: int, first: BlockFactory,
                      following: BlockFactory | None = None) -> list[Apdu] | None:
    """Cut ``raw`` into block APDUs no longer than ``limit`` octets: the first built by
    ``first``, the others by ``following`` (default ``first``). ``None`` when a block
    cannot carry even one raw octet or more than 2**32 - 1 blocks would be needed."""
    following = first if following is None else following
    first_capacity = raw_capacity(limit, len(first(False, 1, b"").to_bytes()) - 1)
    next_capacity = raw_capacity(limit, len(following(False, 2, b"").to_bytes()) - 1)
    if first_capacity < 1 or next_capacity < 1:
        return None
    chunks = [raw[:first_capacity]]
    pos = first_capacity
    while pos < len(raw):
        chunks.append(raw[pos:pos + next_capacity])
        pos += next_capacity
    if len(chunks) > MAX_BLOCK_NUMBER:
        return None
    last = len(chunks)
    return [(first if n == 1 else following)(n == last, n, chunk)
            for n, chunk in enumerate(chunks, start=1)]


def block_number_problem(what: str, expected: int, received: int) -> str:
    """A message naming the expected and the received block number and what went wrong."""
    if received == expected - 1:
        kind = "the previous block repeated"
    elif received == 1:
        kind = "the transfer restarted"
    elif received > expected:
        kind = f"{received - expected} block(s) skipped"
    else:
        kind = "the numbering went back"
    return f"{what}: block-number {received} where {expected} was expected ({kind})"


class BlockSequence:
    """The blocks of one long transfer as they arrive: numbers from 1, one more each."""

    __slots__ = ("_parts", "expected", "what")

    def __init__(self, what: str) -> None:
        self.what = what
        """Names the transfer in messages (e.g. "get-response-with-datablock")."""
        self.expected = 1
        """The number the next block must carry."""
        self._parts: list[bytes] = []

    @property
    def count(self) -> int:
        """Blocks accepted so far."""
        return len(self._parts)

    def problem(self, number: int) -> str | None:
        """``None`` when ``number`` is the expected one, else what is wrong with it."""
        if number == self.expected:
            return None
        return block_number_problem(self.what, self.expected, number)

    def add(self, number: int, raw: bytes) -> None:
        """Accept block ``number`` (checked with :meth:`problem` first)."""
        if number != self.expected:
            raise ValueError(self.problem(number))
        self._parts.append(raw)
        self.expected += 1

    def data(self) -> bytes:
        """The raw data of the blocks accepted, concatenated."""
        return b"".join(self._parts)


# -- what raw-data carries ------------------------------------------------------------------
def _reader(raw: bytes) -> Reader:
    return Reader(raw, path="raw_data")


def decode_single_data(raw: bytes) -> Data:
    """One ``Data`` value filling ``raw`` exactly (``CodecError`` otherwise)."""
    return decode_data(raw)


def encode_data_list(values: tuple[Data, ...]) -> bytes:
    """``SEQUENCE OF Data``."""
    w = Writer()
    push_data_list(w, values)
    return w.getvalue()


def decode_data_list(raw: bytes) -> tuple[Data, ...]:
    """``SEQUENCE OF Data`` filling ``raw`` exactly."""
    r = _reader(raw)
    values = pull_data_list(r, "values")
    r.expect_end("SEQUENCE OF Data")
    return values


def encode_get_results(results: tuple[GetDataResult, ...]) -> bytes:
    """``SEQUENCE OF Get-Data-Result``."""
    w = Writer()
    w.push_length(len(results))
    for result in results:
        push_get_data_result(w, result)
    return w.getvalue()


def decode_get_results(raw: bytes) -> tuple[GetDataResult, ...]:
    """``SEQUENCE OF Get-Data-Result`` filling ``raw`` exactly."""
    r = _reader(raw)
    count = r.pull_length("result.count")
    results = tuple(pull_get_data_result(r, f"result[{i}]") for i in range(count))
    r.expect_end("SEQUENCE OF Get-Data-Result")
    return results


def encode_action_responses(items: tuple[ActionResponseWithOptionalData, ...]) -> bytes:
    """``SEQUENCE OF Action-Response-With-Optional-Data``."""
    w = Writer()
    w.push_length(len(items))
    for item in items:
        item.encode(w)
    return w.getvalue()


def decode_action_responses(raw: bytes) -> tuple[ActionResponseWithOptionalData, ...]:
    """``SEQUENCE OF Action-Response-With-Optional-Data`` filling ``raw`` exactly."""
    r = _reader(raw)
    count = r.pull_length("list_of_responses.count")
    items = []
    for i in range(count):
        with r.scope(f"list_of_responses[{i}]"):
            items.append(ActionResponseWithOptionalData.decode(r))
    r.expect_end("SEQUENCE OF Action-Response-With-Optional-Data")
    return tuple(items)
