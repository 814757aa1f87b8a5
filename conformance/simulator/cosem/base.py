"""What every COSEM object of the reference meter shares (IEC 62056-6-2 / Blue Book 4.1 and
4.4.3): attribute and method definitions with fixed A-XDR types, access rights per
association, the request context and the :class:`CosemObject` base class.

Division of labour: the logical device (:mod:`.model`) finds the object, checks that the
association may see it, the class id, the access rights and the A-XDR type of a SET value;
the object (a subclass of :class:`CosemObject`) implements the interface class semantics and
never re-checks rights. Results follow IEC 62056-5-3 ``Data-Access-Result`` /
``Action-Result``; the exact choice of code for each refusal is listed in :mod:`.model`.

Attribute types never change (Blue Book 4.1.1: each attribute has one data type): a SET
whose value does not have the attribute's :class:`Shape` is answered ``type-unmatched``.
Attributes whose type is "CHOICE" in the class definition (Data ``value``, Register
``value``, ...) take the type of the value the object was built with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from conformance.codec.axdr import (
    Array,
    CompactArray,
    Data,
    DataTag,
    Integer,
    OctetString,
    Structure,
)
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.plan.cosem import AttributeAccess, MethodAccess
from conformance.plan.model import Protection
from conformance.simulator.cosem.access import (
    ObjectAccess,
    combine_access,
    may_read,
    may_write,
    needs_authentication,
)

if TYPE_CHECKING:
    from conformance.security.keywrap import KeyTransferId
    from conformance.simulator.cosem.model import LogicalDevice
    from conformance.simulator.cosem.security_setup import SecuritySetup

__all__ = [
    "ANY",
    "INTERNAL",
    "LOGICAL_NAME",
    "NO_HOOKS",
    "ActionOutcome",
    "AssociationHooks",
    "AttributeAccess",
    "AttributeDef",
    "CosemObject",
    "Fault",
    "MethodAccess",
    "MethodDef",
    "ObjectAccess",
    "RequestContext",
    "Shape",
    "check_integer_zero",
    "combine_access",
    "may_read",
    "may_write",
    "needs_authentication",
    "simple",
]

ActionOutcome = tuple[ActionResult, Data | None]
"""What an ACTION returns: the ``Action-Result`` and the optional return parameters."""


class Fault(StrEnum):
    """Switchable deviations of the reference meter implemented by the object model.

    Each is checked at the one place where the deviation happens, so that switching it on
    changes exactly the targeted behaviour (DESIGN "Verdicts must be trustworthy").
    """

    WRONG_ATTRIBUTE_TYPE = "wrong-attribute-type"
    """Register (class 3) ``value`` is returned with another A-XDR type than declared."""
    OBJECT_LIST_LIES = "object-list-lies"
    """Association LN ``object_list`` advertises read-and-write for read-only attributes
    (authenticated-read-and-write for authenticated-read-only); enforcement is unchanged."""
    CLOCK_IGNORES_SET = "clock-ignores-set"
    """SET of the Clock ``time`` answers success but the clock keeps its time."""


# -- types --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Shape:
    """The A-XDR type an attribute holds: ``tag`` (``None``: any type); for a structure the
    shape of each element, for an array the shape of every element; for an octet-string
    optionally its exact length (12 for a date-time, 6 for a logical name)."""

    tag: DataTag | None = None
    items: tuple[Shape, ...] | None = None
    element: Shape | None = None
    octets: int | None = None

    def matches(self, value: Data) -> bool:
        """Whether ``value`` has this shape."""
        if self.tag is None:
            return True
        if value.TAG is not self.tag:
            return False
        if self.octets is not None:
            return isinstance(value, OctetString) and len(value.value) == self.octets
        if self.items is not None:
            if not isinstance(value, Structure) or len(value.items) != len(self.items):
                return False
            return all(s.matches(v) for s, v in zip(self.items, value.items, strict=True))
        if self.element is not None and isinstance(value, Array):
            element = self.element
            return all(element.matches(v) for v in value.items)
        return True

    @classmethod
    def of(cls, value: Data) -> Shape:
        """The shape of ``value``: its tag, and recursively that of structure elements and
        of the first array element (an empty array fixes only the tag)."""
        if isinstance(value, Structure):
            return cls(tag=value.TAG, items=tuple(cls.of(v) for v in value.items))
        if isinstance(value, Array):
            return cls(tag=value.TAG, element=cls.of(value.items[0]) if value.items else None)
        if isinstance(value, CompactArray):
            return cls(tag=value.TAG)
        return cls(tag=value.TAG)

    def describe(self) -> str:
        """E.g. ``structure {integer, enum}`` or ``octet-string(12)``."""
        if self.tag is None:
            return "any type"
        name = self.tag.type_name
        if self.octets is not None:
            return f"{name}({self.octets})"
        if self.items is not None:
            return f"{name} {{{', '.join(s.describe() for s in self.items)}}}"
        if self.element is not None:
            return f"{name} of {self.element.describe()}"
        return name


ANY = Shape()
"""Any type (a CHOICE attribute before an instance fixes it)."""


def simple(tag: DataTag, octets: int | None = None) -> Shape:
    """The shape of a simple type (optionally an octet-string of fixed length)."""
    return Shape(tag=tag, octets=octets)


LOGICAL_NAME = simple(DataTag.OCTET_STRING, 6)
"""logical_name: octet-string(6) (Blue Book 4.1.1, attribute 1 of every class)."""


def check_integer_zero(parameters: Data | None) -> ActionResult | None:
    """``None`` when ``parameters`` is ``data ::= integer (0)``, the parameter of the reset,
    capture and clock adjust methods (Blue Book 4.3.2, 4.3.6, 4.5.1); else
    ``type-unmatched`` (absent or another type) or ``other-reason`` (another value)."""
    if not isinstance(parameters, Integer):
        return ActionResult.TYPE_UNMATCHED
    if parameters.value != 0:
        return ActionResult.OTHER_REASON
    return None


# -- definitions ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeDef:
    """One attribute of an interface class."""

    index: int
    """Attribute index (1 = logical_name)."""
    name: str
    """The Blue Book name, e.g. ``"scaler_unit"``."""
    shape: Shape = ANY
    """Its type; ``ANY`` when the instance fixes it (CHOICE attributes)."""
    capability: AttributeAccess = AttributeAccess.READ_AND_WRITE
    """The most the class allows whatever the plan grants (e.g. ``secret`` is write-only,
    ``object_list`` read-only): the effective access is the plan's intersected with it."""
    selectors: tuple[int, ...] = ()
    """Access selectors of selective access the attribute supports (IEC 62056-6-2 4.3.6:
    1 and 2 for the Profile generic buffer)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodDef:
    """One method of an interface class."""

    index: int
    """Method index (from 1)."""
    name: str
    """The Blue Book name, e.g. ``"reply_to_HLS_authentication"``."""


# -- request context -----------------------------------------------------------------------
class AssociationHooks:
    """What the association machine lends the model for one association. The defaults
    do nothing; the server's association subclasses this.

    The model never does HLS cryptography itself: ``reply_to_HLS_authentication`` hands
    f(StoC) to :meth:`hls_reply` and returns what it says (IEC 62056-5-3 / Green Book HLS
    pass 3 and 4).
    """

    def hls_reply(self, f_stoc: bytes) -> bytes | None:
        """Verify f(StoC) of HLS pass 3; return f(CtoS) for pass 4, or ``None`` when the
        verification fails (the association then stays unauthenticated)."""
        return None

    def keys_changed(self, setup: SecuritySetup, key_ids: tuple[KeyTransferId, ...]) -> None:
        """``setup.keys`` now holds new keys for ``key_ids`` (key_transfer or
        key_agreement succeeded). Called after the keys were replaced."""

    def security_policy_changed(self, setup: SecuritySetup) -> None:
        """``setup.security_policy`` was strengthened by security_activate."""


NO_HOOKS = AssociationHooks()
"""Hooks that do nothing (HLS replies fail)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestContext:
    """Who asks, and how: built by the association machine for every request."""

    association: str
    """Name of the current association (the plan's association name): selects the access
    rights and the object list."""
    authenticated: bool = True
    """``False`` while HLS is pending (pass 3 not done): only reply_to_HLS_authentication
    of the current association may be used."""
    protection: Protection = Protection.NONE
    """Protection of the request APDU (security control byte of a ciphered APDU):
    authenticated-* access modes need a request with authentication."""
    faults: frozenset[str] = frozenset()
    """Active fault names (:class:`Fault`); merged with the logical device's own."""
    hooks: AssociationHooks = NO_HOOKS
    """Callbacks into the association machine."""

    @property
    def request_authenticated(self) -> bool:
        """Whether the request carried an authentication tag."""
        return self.protection in (Protection.AUTHENTICATED,
                                   Protection.AUTHENTICATED_AND_ENCRYPTED)


INTERNAL = RequestContext(association="")
"""Context of the meter's own reads (profile capture): no rights are checked."""


# -- objects -------------------------------------------------------------------------------
class CosemObject:
    """Base of every interface class implementation.

    Subclasses set :attr:`CLASS_ID`, :attr:`VERSION`, :attr:`ATTRIBUTES` and
    :attr:`METHODS`, keep their attribute values (``_values`` holds the plain stored
    ones) and override :meth:`read` / :meth:`write` / :meth:`invoke` where the class
    computes or acts. Access rights are the logical device's business, not the object's.
    """

    CLASS_ID: ClassVar[int]
    VERSION: ClassVar[int] = 0
    ATTRIBUTES: ClassVar[tuple[AttributeDef, ...]] = (
        AttributeDef(index=1, name="logical_name", shape=LOGICAL_NAME,
                     capability=AttributeAccess.READ_ONLY),)
    METHODS: ClassVar[tuple[MethodDef, ...]] = ()

    def __init__(self, logical_name: ObisCode, *, name: str | None = None,
                 access: Mapping[str, ObjectAccess] | None = None) -> None:
        self.logical_name = logical_name
        self.name = name
        """Free text for humans."""
        self.access: dict[str, ObjectAccess] = dict(access or {})
        """association name -> rights; mutable (Association LN add_object/remove_object)."""
        self._values: dict[int, Data] = {}
        self._shapes: dict[int, Shape] = {}
        self._attributes = {a.index: a for a in self.ATTRIBUTES}
        self._methods = {m.index: m for m in self.METHODS}
        self.device: LogicalDevice | None = None
        """The logical device holding the object (set by :meth:`attach`)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.logical_name.dotted})"

    @property
    def version(self) -> int:
        """The interface class version this object implements."""
        return self.VERSION

    def attach(self, device: LogicalDevice) -> None:
        """Called by the logical device when the object is added to it."""
        self.device = device

    # -- definitions ------------------------------------------------------------------
    def attribute_def(self, index: int) -> AttributeDef | None:
        """The definition of attribute ``index``, ``None`` when the class has none."""
        return self._attributes.get(index)

    def method_def(self, index: int) -> MethodDef | None:
        """The definition of method ``index``, ``None`` when the class has none."""
        return self._methods.get(index)

    @property
    def attribute_defs(self) -> tuple[AttributeDef, ...]:
        """Every attribute, in index order."""
        return tuple(self._attributes.values())

    @property
    def method_defs(self) -> tuple[MethodDef, ...]:
        """Every method, in index order."""
        return tuple(self._methods.values())

    def shape(self, index: int) -> Shape:
        """The type of attribute ``index`` (the instance's for CHOICE attributes)."""
        fixed = self._shapes.get(index)
        if fixed is not None:
            return fixed
        definition = self._attributes.get(index)
        return ANY if definition is None else definition.shape

    def _store(self, index: int, value: Data) -> None:
        """Keep ``value`` for attribute ``index``; a CHOICE attribute takes its type."""
        definition = self._attributes[index]
        if definition.shape.tag is None:
            self._shapes[index] = Shape.of(value)
        elif not definition.shape.matches(value):
            raise TypeError(f"{self!r} attribute {index} ({definition.name}) is "
                            f"{definition.shape.describe()}, got {Shape.of(value).describe()}")
        self._values[index] = value

    # -- behaviour --------------------------------------------------------------------
    def read(self, ctx: RequestContext, index: int,
             selection: SelectiveAccessDescriptor | None) -> Data | DataAccessResult:
        """GET of attribute ``index`` (already known to exist and be readable)."""
        if selection is not None:
            # Only attributes with access selectors reach here with a selection; a
            # subclass that declares selectors handles them.
            return DataAccessResult.OTHER_REASON
        if index == 1:
            return OctetString(value=self.logical_name.to_bytes())
        value = self._values.get(index)
        if value is None:
            return DataAccessResult.OBJECT_UNAVAILABLE
        return value

    def write(self, ctx: RequestContext, index: int, selection: SelectiveAccessDescriptor | None,
              value: Data) -> DataAccessResult:
        """SET of attribute ``index`` (writable, ``value`` of the right type)."""
        if selection is not None:
            return DataAccessResult.OTHER_REASON
        if index == 1 or index not in self._values:
            return DataAccessResult.READ_WRITE_DENIED
        self._values[index] = value
        return DataAccessResult.SUCCESS

    def invoke(self, ctx: RequestContext, index: int, parameters: Data | None) -> ActionOutcome:
        """ACTION of method ``index`` (already known to exist and be allowed)."""
        return ActionResult.OBJECT_UNAVAILABLE, None

    def value(self, index: int) -> Data | DataAccessResult:
        """The current value of attribute ``index`` as the meter itself sees it (profile
        captures): no access rights, no selection."""
        return self.read(INTERNAL, index, None)
