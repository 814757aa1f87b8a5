"""Shared machinery of the four ACSE APDUs (private).

The ACSE APDUs are ``[APPLICATION n] IMPLICIT SEQUENCE`` of context-tagged components
(X.227 / IEC 62056-5-3 8.2). :func:`collect_fields` reads the components strictly: each
must be a context-specific tag the APDU defines, in the form (primitive/constructed) the
ASN.1 gives it, in ascending order of the definition and at most once. The helpers below
decode and encode the component types the APDUs share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.acse.names import (
    ApplicationContextName,
    MechanismName,
    application_context_name,
    mechanism_name,
    oid_of,
)
from conformance.codec.acse.values import (
    AuthenticationValue,
    AuthenticationValueCharstring,
    decode_authentication_value,
    encode_authentication_value,
)
from conformance.codec.ber import (
    BitString,
    ObjectIdentifier,
    Tag,
    TagClass,
    Tlv,
    UniversalTag,
    decode_integer,
    decode_octet_string,
    encode_integer,
    encode_octet_string,
    encode_tlv,
    pull_tag,
    pull_tlv,
)
from conformance.errors import CodecError, IncompleteError

T = TypeVar("T")

OCTET_STRING = Tag.universal(UniversalTag.OCTET_STRING)
INTEGER = Tag.universal(UniversalTag.INTEGER)
OID = Tag.universal(UniversalTag.OBJECT_IDENTIFIER)

# Tags of the ciphered xDLMS APDUs that may fill user-information (Green Book 9.5):
# glo-/ded-initiateRequest [33]/[65], glo-/ded-initiateResponse [40]/[72],
# glo-/ded-confirmedServiceError [46]/[78], general-glo-ciphering [219],
# general-ded-ciphering [220], general-ciphering [221], general-signing [223].
CIPHERED_USER_INFORMATION_TAGS = frozenset(
    {0x21, 0x41, 0x28, 0x48, 0x2E, 0x4E, 0xDB, 0xDC, 0xDD, 0xDF})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One component of an ACSE APDU: context tag number, attribute name, ASN.1 name and
    whether its tag is constructed (EXPLICIT or a constructed type)."""

    number: int
    name: str
    asn1: str
    constructed: bool

    @property
    def tag(self) -> Tag:
        """The identifier this component must carry."""
        return Tag.context(self.number, constructed=self.constructed)


def pull_apdu_content(r: Reader, apdu: str) -> Reader:
    """Read the outer definite length and return a reader over exactly the content.

    The APDU decoders receive a complete APDU, so the outer length must account for every
    remaining octet: more is a truncated APDU (``IncompleteError``), fewer leaves octets
    outside the APDU (``CodecError``, X.690 8.1.3: the length counts the content octets)."""
    at = r.offset
    n = r.pull_length("length")
    left = r.remaining()
    if n > left:
        raise IncompleteError(f"{apdu} length {n} exceeds the {left} content octet(s) present",
                              offset=at, path=r.path("length"))
    if n < left:
        raise CodecError(f"{apdu} length {n} does not match the {left} content octets "
                         "present", offset=at, path=r.path("length"))
    return r.sub(n, "")


class FieldTable:
    """The components of one ACSE APDU, indexed once for :func:`collect_fields`."""

    __slots__ = ("apdu", "by_number", "by_octet", "specs")

    def __init__(self, apdu: str, specs: Sequence[FieldSpec]) -> None:
        self.apdu = apdu
        """The APDU's name in messages, e.g. ``"AARQ"``."""
        self.specs = tuple(specs)
        """The components in the order of the definition."""
        self.by_number = {s.number: (i, s) for i, s in enumerate(self.specs)}
        """Context tag number -> (position in the definition, spec)."""
        # The one identifier octet each component may carry (all ACSE numbers are below 31:
        # X.690 8.1.2.2 one-octet form, class context-specific 0x80, constructed bit 0x20).
        self.by_octet = {0x80 | (0x20 if s.constructed else 0) | s.number: (i, s)
                         for i, s in enumerate(self.specs) if s.number < 31}
        """Identifier octet (right class, number and form) -> (position, spec)."""


def collect_fields(r: Reader, table: FieldTable) -> dict[str, Tlv]:
    """Read every component of the SEQUENCE content ``r`` and check tags, form and order."""
    apdu = table.apdu
    by_octet = table.by_octet
    data = r.data
    found: dict[str, Tlv] = {}
    last: tuple[int, FieldSpec] | None = None
    while not r.at_end():
        # Fast path: one dictionary probe accepts the identifier octet of a component in
        # the form the ASN.1 gives, if it comes after the last one; anything else is
        # examined (and reported) by _identify.
        entry = by_octet.get(data[r.pos])
        if entry is None or (last is not None and entry[0] <= last[0]):
            entry = _identify(r, table, last)
        spec = entry[1]
        tlv = pull_tlv(r, spec.name, within=apdu)
        if spec.constructed and not _plain_structure(tlv.value):
            check_structure(tlv, r.path(spec.name), spec.asn1)
        found[spec.name] = tlv
        last = entry
    return found


def _identify(r: Reader, table: FieldTable, last: tuple[int, FieldSpec] | None
              ) -> tuple[int, FieldSpec]:
    """The component whose identifier starts at ``r.pos`` (not consumed), checked in full:
    ``CodecError`` for a tag the APDU does not define, a component out of order or
    repeated, or the wrong form."""
    apdu = table.apdu
    start = r.pos
    at = r.offset
    try:
        tag = pull_tag(r, "tag")
    except IncompleteError as exc:
        raise CodecError(f"{exc.message} inside {apdu}", offset=exc.offset,
                         path=exc.path) from None
    r.pos = start
    entry = table.by_number.get(tag.number)
    if tag.tag_class is not TagClass.CONTEXT_SPECIFIC or entry is None:
        raise CodecError(f"unknown {apdu} field {tag}", offset=at, path=r.path())
    i, spec = entry
    if last is not None and i <= last[0]:
        what = "repeated" if i == last[0] else f"out of order (after {last[1].asn1} " \
            f"[{last[1].number}])"
        raise CodecError(f"{spec.asn1} [{spec.number}] {what}: {apdu} components must "
                         "follow the order of the standard, each at most once",
                         offset=at, path=r.path(spec.name))
    if tag.constructed != spec.constructed:
        raise CodecError(f"{spec.asn1} must be encoded as {spec.tag}, found {tag}",
                         offset=at, path=r.path(spec.name))
    return entry


def _plain_structure(content: bytes) -> bool:
    """True when ``content`` is a sequence of complete TLVs with one-octet identifiers and
    short-form lengths, recursively (how DLMS encodes nested ACSE elements): then
    :func:`check_structure` has nothing to report and need not run. False only means
    "not that simple"; :func:`check_structure` then decides."""
    ends = [len(content)]
    p = 0
    while ends:
        end = ends[-1]
        if p == end:
            ends.pop()
            continue
        if end - p < 2:
            return False
        octet = content[p]
        n = content[p + 1]
        if octet & 0x1F == 0x1F or n >= 0x80 or p + 2 + n > end:
            return False
        if octet & 0x20:
            ends.append(p + 2 + n)
            p += 2
        else:
            p += 2 + n
    return True


def check_structure(tlv: Tlv, path: str, what: str) -> None:
    """X.690 well-formedness of a constructed element: its content is a sequence of
    complete TLVs whose lengths stay inside it, recursively. Run while scanning so that
    length faults are reported in byte order, before any component is interpreted."""
    # Depth-first in byte order with an explicit stack: nesting depth is bounded only by
    # the input, so no recursion (a crafted APDU must not reach the interpreter's limit).
    stack = [tlv.reader(path)]
    while stack:
        r = stack[-1]
        if r.at_end():
            stack.pop()
            continue
        child = pull_tlv(r, "", within=what)
        if child.tag.constructed:
            stack.append(child.reader(path))


def require(fields: dict[str, Tlv], spec: FieldSpec, r: Reader, apdu: str,
            specs: Sequence[FieldSpec]) -> Tlv:
    """The mandatory component ``spec``. When absent, ``CodecError`` at the place it should
    have been: the first component that follows it in the definition, or the APDU end."""
    try:
        return fields[spec.name]
    except KeyError:
        later = specs[specs.index(spec) + 1:]
        at = min((fields[s.name].offset for s in later if s.name in fields), default=r.offset)
        raise CodecError(f"{apdu} lacks the mandatory {spec.asn1} [{spec.number}]",
                         offset=at, path=r.path(spec.name)) from None


def explicit_inner(tlv: Tlv, path: str, inner: Tag, what: str) -> Tlv:
    """The single element of the EXPLICIT wrapper ``tlv``, which must carry ``inner``."""
    r = tlv.reader(path)
    element = pull_tlv(r, "", within=what)
    element.expect(inner, path)
    r.expect_end(what)
    return element


# -- construction checks (programming errors: TypeError / ValueError) ---------------------
def check_name(owner: str, field: str, value: object,
               enum: type[ApplicationContextName] | type[MechanismName],
               *, optional: bool) -> None:
    """``value`` is a member of ``enum`` or an ObjectIdentifier (or None if ``optional``)."""
    if (value is None and optional) or isinstance(value, enum | ObjectIdentifier):
        return
    raise TypeError(f"{owner}.{field} must be {enum.__name__} or ObjectIdentifier, "
                    f"got {type(value).__name__}")


def check_optional(owner: str, field: str, value: object, kind: type | tuple[type, ...]) -> None:
    """``value`` is None or an instance of ``kind`` (bool is not accepted for int)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{owner}.{field} must be {getattr(kind, '__name__', kind)} or None, "
                        f"got {type(value).__name__}")


def check_lengths(owner: str, **lengths: int | None) -> None:
    """Length overrides are None or non-negative ints."""
    for field, value in lengths.items():
        check_optional(owner, field, value, int)
        if value is not None and value < 0:
            raise ValueError(f"{owner}.{field} must not be negative")


# -- component decoders ------------------------------------------------------------------
# Each decoder first tries the encoding DLMS peers send (one-octet identifier, short-form
# length, exactly one inner element): the fast path returns what the general path would
# for those octets, and leaves every other encoding, and every fault, to the general path.
_CONTEXT_NAMES = {encode_tlv(OID, name.oid.to_content()): name
                  for name in ApplicationContextName}
"""application-context-name [1] content (``06 07 60 85 74 05 08 01 id``) -> name."""
_MECHANISM_NAMES = {name.oid.to_content(): name for name in MechanismName}
"""mechanism-name content (``60 85 74 05 08 02 id``) -> name."""


def octet_string(tlv: Tlv, path: str, what: str) -> bytes:
    """AP-title / AE-qualifier / Association-information: ``[n] { 04 len octets }``."""
    v = tlv.value
    if len(v) >= 2 and v[0] == 0x04 and len(v) == 2 + v[1] and v[1] < 0x80:
        return v[2:]
    return decode_octet_string(explicit_inner(tlv, path, OCTET_STRING, what), path)


def integer_at(tlv: Tlv, path: str, what: str) -> tuple[int, int]:
    """An EXPLICIT INTEGER component ``[n] { 02 len value }``: value and its offset."""
    v = tlv.value
    if len(v) == 3 and v[0] == 0x02 and v[1] == 1:  # one content octet: always minimal
        octet = v[2]
        return octet - 0x100 if octet & 0x80 else octet, tlv.value_offset + 2
    element = explicit_inner(tlv, path, INTEGER, what)
    return decode_integer(element.value, offset=element.value_offset,
                          path=path), element.value_offset


def integer(tlv: Tlv, path: str, what: str) -> int:
    """An EXPLICIT INTEGER component: ``[n] { 02 len value }``."""
    return integer_at(tlv, path, what)[0]


def context_name(tlv: Tlv, path: str) -> ApplicationContextName | ObjectIdentifier:
    """application-context-name [1] EXPLICIT OBJECT IDENTIFIER."""
    name = _CONTEXT_NAMES.get(tlv.value)
    if name is not None:
        return name
    element = explicit_inner(tlv, path, OID, "application-context-name")
    return application_context_name(ObjectIdentifier.from_content(
        element.value, offset=element.value_offset, path=path))


def mechanism(tlv: Tlv, path: str) -> MechanismName | ObjectIdentifier:
    """mechanism-name [11]/[9] IMPLICIT OBJECT IDENTIFIER."""
    name = _MECHANISM_NAMES.get(tlv.value)
    if name is not None:
        return name
    return mechanism_name(ObjectIdentifier.from_content(tlv.value, offset=tlv.value_offset,
                                                        path=path))


def bit_string(tlv: Tlv, path: str) -> BitString:
    """protocol-version [0] / ACSE-requirements: IMPLICIT BIT STRING."""
    return BitString.from_content(tlv.value, offset=tlv.value_offset, path=path)


def authentication_value(tlv: Tlv, path: str, what: str) -> AuthenticationValue:
    """calling-/responding-authentication-value: EXPLICIT Authentication-value."""
    v = tlv.value
    if len(v) >= 2 and v[0] == 0x80 and len(v) == 2 + v[1] and v[1] < 0x80:
        return AuthenticationValueCharstring(value=v[2:])  # charstring [0], one element
    return decode_authentication_value(tlv.reader(path), what)


def optional(fields: dict[str, Tlv], spec: FieldSpec, r: Reader,
                decode: Callable[[Tlv, str], T]) -> T | None:
    """Decode component ``spec`` with ``decode(tlv, path)`` when it is present."""
    tlv = fields.get(spec.name)
    return None if tlv is None else decode(tlv, r.path(spec.name))


ComponentDecoder = Callable[[Tlv, str], Any]
"""Decodes one component: ``(tlv, path) -> value``."""


def decode_present(fields: dict[str, Tlv], r: Reader,
                   decoders: Mapping[str, ComponentDecoder]) -> dict[str, Any]:
    """The present components that ``decoders`` names, each decoded by
    ``decoders[name](tlv, path)``, as keyword arguments for the APDU class. They are
    decoded in the order of the definition (the order :func:`collect_fields` checked), so
    the first faulty one is reported, as component-by-component decoding would; absent
    components cost nothing."""
    values: dict[str, Any] = {}
    for name, tlv in fields.items():
        decode = decoders.get(name)
        if decode is not None:
            values[name] = decode(tlv, r.path(name))
    return values


def octets_of(spec: FieldSpec) -> ComponentDecoder:
    """The decoder of the OCTET STRING component ``spec`` (see :func:`octet_string`)."""
    what = spec.asn1
    return lambda tlv, path: octet_string(tlv, path, what)


def integer_of(spec: FieldSpec) -> ComponentDecoder:
    """The decoder of the INTEGER component ``spec`` (see :func:`integer`)."""
    what = spec.asn1
    return lambda tlv, path: integer(tlv, path, what)


def authentication_value_of(spec: FieldSpec) -> ComponentDecoder:
    """The decoder of the Authentication-value component ``spec``."""
    what = spec.asn1
    return lambda tlv, path: authentication_value(tlv, path, what)


def implementation_data(tlv: Tlv, path: str) -> bytes:
    """implementation-information [29] IMPLICIT GraphicString: the octets as sent."""
    return tlv.value


# -- component encoders ------------------------------------------------------------------
def explicit(number: int, inner: Tag, content: bytes) -> bytes:
    """``[number] { inner content }``."""
    return encode_tlv(Tag.context(number, constructed=True), encode_tlv(inner, content))


def enc_octet_string(number: int, value: bytes | None) -> bytes:
    """Encoder of :func:`octet_string` (empty when absent)."""
    return b"" if value is None else explicit(number, OCTET_STRING, value)


def enc_integer(number: int, value: int | None) -> bytes:
    """Encoder of :func:`integer` (empty when absent)."""
    return b"" if value is None else explicit(number, INTEGER, encode_integer(value))


def enc_context_name(name: ApplicationContextName | ObjectIdentifier) -> bytes:
    """application-context-name [1]."""
    return explicit(1, OID, oid_of(name).to_content())


def enc_mechanism(number: int, name: MechanismName | ObjectIdentifier | None) -> bytes:
    """mechanism-name (IMPLICIT OBJECT IDENTIFIER)."""
    return b"" if name is None else encode_tlv(Tag.context(number), oid_of(name).to_content())


def enc_bit_string(number: int, value: BitString | None) -> bytes:
    """An IMPLICIT BIT STRING component."""
    return b"" if value is None else encode_tlv(Tag.context(number), value.to_content())


def enc_authentication_value(number: int, value: AuthenticationValue | None) -> bytes:
    """calling-/responding-authentication-value (EXPLICIT)."""
    if value is None:
        return b""
    return encode_tlv(Tag.context(number, constructed=True), encode_authentication_value(value))


def enc_graphic_string(number: int, value: bytes | None) -> bytes:
    """implementation-information [29] IMPLICIT GraphicString."""
    return b"" if value is None else encode_tlv(Tag.context(number), value)


def enc_user_information(value: bytes | None, *, wrapper_length: int | None,
                         octets_length: int | None) -> bytes:
    """user-information [30] EXPLICIT Association-information (OCTET STRING); the two
    lengths override the computed ones when given (to build broken APDUs)."""
    if value is None:
        return b""
    inner = encode_octet_string(value, length=octets_length)
    return encode_tlv(Tag.context(30, constructed=True), inner, length=wrapper_length)


def push_apdu(w: Writer, tag: int, content: bytes, length: int | None) -> None:
    """Outer tag, length (``length`` overrides) and content."""
    w.push_u8(tag)
    w.push_length(len(content) if length is None else length)
    w.push_bytes(content)


# -- user-information ---------------------------------------------------------------------
def is_ciphered(data: bytes | None) -> bool:
    """True when user-information holds a ciphered xDLMS APDU."""
    return data is not None and len(data) > 0 and data[0] in CIPHERED_USER_INFORMATION_TAGS


def decode_plain(data: bytes | None, path: str,
                 decoders: dict[int, Callable[[bytes, str], T]]) -> T | None:
    """The user-information decoded with ``decoders[first octet]``; None when absent or
    ciphered (the security layer deciphers those); ``CodecError`` for any other octet.
    Offsets are relative to the first octet of the user-information value."""
    if data is None:
        return None
    if not data:
        raise CodecError("user-information is empty", offset=0, path=path)
    tag = data[0]
    if tag in CIPHERED_USER_INFORMATION_TAGS:
        return None
    decoder = decoders.get(tag)
    if decoder is None:
        allowed = ", ".join(f"0x{t:02X}" for t in sorted(decoders))
        raise CodecError(f"user-information starts with 0x{tag:02X}, which is neither a "
                         f"plain xDLMS APDU expected here ({allowed}) nor a ciphered one",
                         offset=0, path=path)
    return decoder(data, path)
