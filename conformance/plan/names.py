"""Vocabularies of the test plan: conformance bits, services, ACSE diagnostics.

The names are the standard's own, written in lower case with hyphens as in the ASN.1 of
IEC 62056-5-3 (``Conformance ::= [APPLICATION 31] IMPLICIT BIT STRING``, clause 8.3 /
Green Book 9.5) so a plan reads like the standard.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ACSE_SERVICE_USER_DIAGNOSTICS",
    "CONFORMANCE_BITS",
    "DEFAULT_LN_CONFORMANCE",
    "DEFAULT_SN_CONFORMANCE",
    "SERVICES",
    "ConformanceBlock",
]

#: Conformance bit names -> bit number (bit 0 = most significant bit of the first of the
#: three octets), IEC 62056-5-3 8.3 ``Conformance``. Bits 0 and 7 are reserved; they have no
#: name here and can only be set through the hex form of a conformance block.
CONFORMANCE_BITS: dict[str, int] = {
    "general-protection": 1,
    "general-block-transfer": 2,
    "read": 3,
    "write": 4,
    "unconfirmed-write": 5,
    "delta-value-encoding": 6,
    "attribute0-supported-with-set": 8,
    "priority-mgmt-supported": 9,
    "attribute0-supported-with-get": 10,
    "block-transfer-with-get-or-read": 11,
    "block-transfer-with-set-or-write": 12,
    "block-transfer-with-action": 13,
    "multiple-references": 14,
    "information-report": 15,
    "data-notification": 16,
    "access": 17,
    "parameterized-access": 18,
    "get": 19,
    "set": 20,
    "selective-access": 21,
    "event-notification": 22,
    "action": 23,
}

_BIT_NAMES: dict[int, str] = {bit: name for name, bit in CONFORMANCE_BITS.items()}


def _mask(bit: int) -> int:
    # Bit 0 is the MSB of the first octet of the 24-bit block (IEC 62056-5-3 8.3).
    return 1 << (23 - bit)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConformanceBlock:
    """A 24-bit xDLMS conformance block (``proposed-conformance`` / ``negotiated-conformance``).

    ``value`` holds the three octets as an integer, first octet most significant, so
    ``ConformanceBlock(value=0x007E1F)`` is the block ``00 7E 1F`` of the notes' example.
    """

    value: int
    """The three octets as a big-endian integer (0 .. 0xFFFFFF)."""

    def __post_init__(self) -> None:
        if not 0 <= self.value <= 0xFFFFFF:
            raise ValueError(f"a conformance block has 24 bits, got 0x{self.value:X}")

    @classmethod
    def from_names(cls, names: Iterable[str]) -> ConformanceBlock:
        """The block with exactly the named bits set (``KeyError`` for an unknown name)."""
        value = 0
        for name in names:
            value |= _mask(CONFORMANCE_BITS[name])
        return cls(value=value)

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the set bits, in bit order; reserved bits show as ``bit-0``/``bit-7``."""
        return tuple(_BIT_NAMES.get(bit, f"bit-{bit}") for bit in range(24)
                     if self.value & _mask(bit))

    def __contains__(self, name: object) -> bool:
        bit = CONFORMANCE_BITS.get(name) if isinstance(name, str) else None
        return bit is not None and bool(self.value & _mask(bit))

    def to_bytes(self) -> bytes:
        """The three octets as they follow ``5F 1F 04 00`` in an InitiateRequest."""
        return self.value.to_bytes(3, "big")

    @property
    def hex(self) -> str:
        """Upper-case hex of the three octets, e.g. ``"007E1F"``."""
        return self.to_bytes().hex().upper()


#: The usual LN proposal ``00 7E 1F`` (dlms-notes "xDLMS" example): priority-mgmt,
#: attribute0-with-get, block transfer with get/set/action, multiple-references, get, set,
#: selective-access, event-notification, action.
DEFAULT_LN_CONFORMANCE = ConformanceBlock(value=0x007E1F)

#: The usual SN proposal: read, write, unconfirmed-write, multiple-references,
#: information-report, parameterized-access.
DEFAULT_SN_CONFORMANCE = ConformanceBlock.from_names(
    ("read", "write", "unconfirmed-write", "multiple-references", "information-report",
     "parameterized-access"))

#: Services a meter may claim, each with the conformance bits it needs (IEC 62056-5-3 9.3:
#: a service may only be used when its bits were negotiated). A claimed service whose bits
#: the claimed conformance block does not grant is a plan error.
SERVICES: dict[str, tuple[str, ...]] = {
    "get": ("get",),
    "get-with-list": ("get", "multiple-references"),
    "get-with-datablock": ("get", "block-transfer-with-get-or-read"),
    "set": ("set",),
    "set-with-list": ("set", "multiple-references"),
    "set-with-datablock": ("set", "block-transfer-with-set-or-write"),
    "action": ("action",),
    "action-with-list": ("action", "multiple-references"),
    "action-with-pblock": ("action", "block-transfer-with-action"),
    "selective-access": ("selective-access",),
    "general-block-transfer": ("general-block-transfer",),
    "general-protection": ("general-protection",),
    "access": ("access",),
    "data-notification": ("data-notification",),
    "event-notification": ("event-notification",),
    "attribute0-get": ("attribute0-supported-with-get",),
    "attribute0-set": ("attribute0-supported-with-set",),
    "priority-management": ("priority-mgmt-supported",),
    "read": ("read",),
    "write": ("write",),
    "unconfirmed-write": ("unconfirmed-write",),
    "read-with-list": ("read", "multiple-references"),
    "write-with-list": ("write", "multiple-references"),
    "read-with-block-transfer": ("read", "block-transfer-with-get-or-read"),
    "write-with-block-transfer": ("write", "block-transfer-with-set-or-write"),
    "parameterized-access": ("parameterized-access",),
    "information-report": ("information-report",),
}

#: acse-service-user diagnostics of the AARE (ISO 8650 / IEC 62056-5-3 8.3, dlms-notes
#: "ACSE"): name -> value. Used by ``expect_diagnostic`` of an association.
ACSE_SERVICE_USER_DIAGNOSTICS: dict[str, int] = {
    "null": 0,
    "no-reason-given": 1,
    "application-context-name-not-supported": 2,
    "calling-ap-title-not-recognized": 3,
    "calling-ap-invocation-identifier-not-recognized": 4,
    "calling-ae-qualifier-not-recognized": 5,
    "calling-ae-invocation-identifier-not-recognized": 6,
    "called-ap-title-not-recognized": 7,
    "called-ap-invocation-identifier-not-recognized": 8,
    "called-ae-qualifier-not-recognized": 9,
    "called-ae-invocation-identifier-not-recognized": 10,
    "authentication-mechanism-name-not-recognised": 11,
    "authentication-mechanism-name-required": 12,
    "authentication-failure": 13,
    "authentication-required": 14,
}
