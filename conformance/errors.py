"""The one exception tree of the suite.

::

    ConformanceError
     +-- CodecError (ValueError)            malformed bytes; .offset, .path
     |    +-- IncompleteError               not enough bytes (yet)
     |    +-- ChecksumError                 HCS/FCS mismatch
     +-- LocalProtocolError                 we asked something the state machine forbids
     +-- RemoteProtocolError                the peer broke the protocol; .response_hint
     +-- SecurityError                      tag mismatch, replayed counter, HLS failure
     +-- ServiceError                       the meter answered with a DLMS error; .code
     +-- TransportError (OSError)
     |    +-- TransportTimeout (TimeoutError)
     +-- PlanError                          invalid test plan; one clear line

    NonConformance (AssertionError)         raised by checks; .clause, .expected, .observed

allure reports an AssertionError as "failed" and anything else as "broken": a meter that
does not conform fails a check (``NonConformance``), a tool or link fault breaks it.

No message in this module ever contains key material: callers pass key *names* ("EK",
"AK", "dedicated key"), never values.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChecksumError",
    "CodecError",
    "ConformanceError",
    "IncompleteError",
    "LocalProtocolError",
    "NonConformance",
    "PlanError",
    "RemoteProtocolError",
    "SecurityError",
    "ServiceError",
    "TransportError",
    "TransportTimeout",
]


class ConformanceError(Exception):
    """Base of every error the suite raises on purpose."""


class CodecError(ConformanceError, ValueError):
    """Malformed bytes.

    ``offset`` is the byte offset (from the start of the buffer handed to the decoder) where
    the problem was found; ``path`` names the field, e.g.
    ``"AARE.user_information.initiate_response.negotiated_conformance"``.
    """

    def __init__(self, message: str, *, offset: int | None = None, path: str = "") -> None:
        self.message = message
        self.offset = offset
        self.path = path
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.offset is not None:
            where.append(f"byte {self.offset}")
        return f"{self.message} ({', '.join(where)})" if where else self.message

    def __str__(self) -> str:
        return self._render()

    def with_context(self, *, prefix: str = "", shift: int = 0) -> CodecError:
        """Return the same kind of error with ``prefix`` put before the path and the offset
        moved by ``shift`` (used when a sub-buffer was decoded on its own)."""
        path = f"{prefix}.{self.path}" if prefix and self.path else (prefix or self.path)
        offset = None if self.offset is None else self.offset + shift
        err = type(self).__new__(type(self))
        CodecError.__init__(err, self.message, offset=offset, path=path)
        return err


class IncompleteError(CodecError):
    """The input ended before the structure did (a stream decoder may wait for more)."""


class ChecksumError(CodecError):
    """An HDLC header or frame check sequence does not match the bytes it covers."""


class LocalProtocolError(ConformanceError):
    """We (the local side) tried something the protocol state machine does not allow."""


class RemoteProtocolError(ConformanceError):
    """The peer broke the protocol.

    ``response_hint`` lets a server-role machine say how the standard wants it answered
    (for example an HDLC FRMR, an exception-response or an AARE rejection).
    """

    def __init__(self, message: str, *, response_hint: Any = None) -> None:
        super().__init__(message)
        self.response_hint = response_hint


class SecurityError(ConformanceError):
    """Authentication tag mismatch, replayed invocation counter, failed HLS verification."""


class ServiceError(ConformanceError):
    """The meter answered with a DLMS error result; ``code`` holds the numeric result."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransportError(ConformanceError, OSError):
    """The byte pipe to the meter failed."""


class TransportTimeout(TransportError, TimeoutError):
    """Nothing (or not enough) arrived in time."""


class PlanError(ConformanceError):
    """Invalid test plan: one line naming the file, the path in the document and the fault."""


class NonConformance(AssertionError):
    """The meter does not conform: raised by checks, reported as *failed*.

    ``clause`` cites the standard (e.g. "IEC 62056-46 6.4.4.4.3.2"), ``expected`` and
    ``observed`` say what the clause wants and what the meter did.
    """

    def __init__(self, message: str, *, clause: str = "", expected: Any = None,
                 observed: Any = None) -> None:
        self.clause = clause
        self.expected = expected
        self.observed = observed
        text = message
        if clause:
            text = f"{text} [{clause}]"
        super().__init__(text)
