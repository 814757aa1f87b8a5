"""OBIS codes (IEC 62056-6-1): the six value groups A-F naming a COSEM object.

On the wire an OBIS code is six raw octets (the ``instance_id`` of a COSEM attribute or
method descriptor) or, as ``Data``, an octet-string of those six octets. In text the
standard writes ``A-B:C.D.E*F``; meters and tools also print it dotted (``A.B.C.D.E.F``).

>>> ObisCode.parse("1-0:1.8.0")
ObisCode(a=1, b=0, c=1, d=8, e=0, f=255)
>>> str(ObisCode.parse("0.0.96.1.10.255"))
'0-0:96.1.10*255'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.codec._buffer import Reader, Writer
from conformance.codec.axdr.types import Data, OctetString
from conformance.errors import CodecError

__all__ = ["ObisCode"]

_HEX = re.compile(r"[0-9A-Fa-f]{12}")
_new = object.__new__
_set = object.__setattr__


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class ObisCode:
    """The six value groups; each is 0..255 (255 in F means "not used")."""

    a: int
    b: int
    c: int
    d: int
    e: int
    f: int = 255

    def __post_init__(self) -> None:
        for name in ("a", "b", "c", "d", "e", "f"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"OBIS value group {name.upper()} must be int, "
                                f"got {type(v).__name__}")
            if not 0 <= v <= 255:
                raise ValueError(f"OBIS value group {name.upper()} = {v} is outside 0..255")

    # -- text ---------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> ObisCode:
        """Parse ``"1-0:1.8.0*255"``, ``"1-0:1.8.0.255"``, ``"1-0:1.8.0"`` (F = 255),
        ``"1.0.1.8.0.255"`` or twelve hex digits ``"0100010800FF"``.

        ``ValueError`` with a message that names what is wrong (group count, which value
        group is not a number or above 255, or the notation) for anything else.
        """
        if not isinstance(text, str):
            raise TypeError(f"OBIS text must be str, got {type(text).__name__}")
        s = text.strip()
        if _HEX.fullmatch(s):
            return cls.from_octets(bytes.fromhex(s))
        parts: list[str]
        if "-" in s or ":" in s:
            # IEC 62056-6-1 7.3 notation A-B:C.D.E*F (F optional, "." accepted for "*").
            ab, sep, rest = s.partition(":")
            if not sep or ab.count("-") != 1:
                raise ValueError(f"expected an OBIS code like 1-0:1.8.0*255, got {text!r}")
            a, b = ab.split("-")
            cde, star, f = rest.partition("*")
            groups = cde.split(".")
            if star and len(groups) != 3:
                raise ValueError(f"expected an OBIS code like 1-0:1.8.0*255, got {text!r}")
            parts = [a, b, *groups] + ([f] if star else ["255"] if len(groups) == 3 else [])
        else:
            parts = s.split(".")
        if len(parts) != 6:
            raise ValueError(f"an OBIS code has 6 value groups, {text!r} has {len(parts)}")
        values: list[int] = []
        for group, part in zip("ABCDEF", parts, strict=True):
            if not part.isdigit() or not part.isascii():
                raise ValueError(f"OBIS value group {group} of {text!r} is not a number")
            value = int(part)
            if value > 255:
                raise ValueError(f"OBIS value group {group} of {text!r} must be 0..255, "
                                 f"got {value}")
            values.append(value)
        return cls.from_octets(bytes(values))

    def __str__(self) -> str:
        return f"{self.a}-{self.b}:{self.c}.{self.d}.{self.e}*{self.f}"

    @property
    def groups(self) -> tuple[int, int, int, int, int, int]:
        """The six value groups A..F."""
        return (self.a, self.b, self.c, self.d, self.e, self.f)

    @property
    def dotted(self) -> str:
        """``"A.B.C.D.E.F"``, e.g. ``"1.0.1.8.0.255"``."""
        return f"{self.a}.{self.b}.{self.c}.{self.d}.{self.e}.{self.f}"

    # -- bytes --------------------------------------------------------------------------
    @classmethod
    def from_octets(cls, octets: bytes) -> ObisCode:
        """The code whose value groups are the six ``octets`` (exactly six: ``ValueError``
        otherwise), for decoders. An octet is always a valid value group, so this skips
        the checks of the constructor, which would only cost time here."""
        a, b, c, d, e, f = octets
        code = _new(cls)
        _set(code, "a", a)
        _set(code, "b", b)
        _set(code, "c", c)
        _set(code, "d", d)
        _set(code, "e", e)
        _set(code, "f", f)
        return code

    @classmethod
    def read(cls, r: Reader, field: str = "instance_id") -> ObisCode:
        """Read six octets from ``r`` (``IncompleteError`` when fewer are left)."""
        return cls.from_octets(r.pull_bytes(6, field))

    def write(self, w: Writer) -> None:
        """Append the six octets to ``w``."""
        w.push_bytes(self.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> ObisCode:
        """Exactly six octets (``IncompleteError`` if fewer, ``CodecError`` if more)."""
        r = Reader(bytes(data), path="obis")
        code = cls.read(r, "")
        r.expect_end("OBIS code (6 octets)")
        return code

    def to_bytes(self) -> bytes:
        """The six octets A..F."""
        return bytes((self.a, self.b, self.c, self.d, self.e, self.f))

    # -- as Data ------------------------------------------------------------------------
    def to_data(self) -> OctetString:
        """The octet-string ``Data`` holding the six octets."""
        return OctetString(value=self.to_bytes())

    @classmethod
    def from_data(cls, value: Data) -> ObisCode:
        """The OBIS code held in an octet-string of six octets (``CodecError`` otherwise,
        as this usually comes from a meter's answer)."""
        if not isinstance(value, OctetString):
            raise CodecError(f"an OBIS code is an octet-string, got {value.TAG.type_name}",
                             path="obis")
        if len(value.value) != 6:
            raise CodecError(f"an OBIS code is 6 octets, got {len(value.value)}", path="obis")
        return cls.from_bytes(value.value)
