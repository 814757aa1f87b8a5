"""Access rights of an association to an object (Association LN ``object_list``
``access_rights``, Blue Book 4.4.3, versions 1 and 2).

attribute access_mode: 0 no-access, 1 read-only, 2 write-only, 3 read-and-write,
4 authenticated-read-only, 5 authenticated-write-only, 6 authenticated-read-and-write (the
authenticated modes need a request protected with authentication); method access_mode:
0 no-access, 1 access, 2 authenticated-access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from conformance.plan.cosem import AttributeAccess, MethodAccess

__all__ = [
    "ObjectAccess",
    "combine_access",
    "may_read",
    "may_write",
    "needs_authentication",
]

# -- access rights -------------------------------------------------------------------------
_READ = frozenset({AttributeAccess.READ_ONLY, AttributeAccess.READ_AND_WRITE,
                   AttributeAccess.AUTHENTICATED_READ_ONLY,
                   AttributeAccess.AUTHENTICATED_READ_AND_WRITE})
_WRITE = frozenset({AttributeAccess.WRITE_ONLY, AttributeAccess.READ_AND_WRITE,
                    AttributeAccess.AUTHENTICATED_WRITE_ONLY,
                    AttributeAccess.AUTHENTICATED_READ_AND_WRITE})
_AUTHENTICATED = frozenset({AttributeAccess.AUTHENTICATED_READ_ONLY,
                            AttributeAccess.AUTHENTICATED_WRITE_ONLY,
                            AttributeAccess.AUTHENTICATED_READ_AND_WRITE})
_MODES = {
    (False, False, False): AttributeAccess.NO_ACCESS,
    (True, False, False): AttributeAccess.READ_ONLY,
    (False, True, False): AttributeAccess.WRITE_ONLY,
    (True, True, False): AttributeAccess.READ_AND_WRITE,
    (False, False, True): AttributeAccess.NO_ACCESS,
    (True, False, True): AttributeAccess.AUTHENTICATED_READ_ONLY,
    (False, True, True): AttributeAccess.AUTHENTICATED_WRITE_ONLY,
    (True, True, True): AttributeAccess.AUTHENTICATED_READ_AND_WRITE,
}


def combine_access(mode: AttributeAccess, capability: AttributeAccess) -> AttributeAccess:
    """``mode`` limited to what ``capability`` allows: read and write each need both; the
    authenticated-only requirement of ``mode`` is kept."""
    return _MODES[(mode in _READ and capability in _READ,
                   mode in _WRITE and capability in _WRITE,
                   mode in _AUTHENTICATED)]


def may_read(mode: AttributeAccess) -> bool:
    """Whether ``mode`` allows GET (possibly with authenticated requests only)."""
    return mode in _READ


def may_write(mode: AttributeAccess) -> bool:
    """Whether ``mode`` allows SET (possibly with authenticated requests only)."""
    return mode in _WRITE


def needs_authentication(mode: AttributeAccess | MethodAccess) -> bool:
    """Whether ``mode`` is one of the authenticated-* modes."""
    return mode in _AUTHENTICATED or mode is MethodAccess.AUTHENTICATED_ACCESS


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectAccess:
    """The rights of one association to one object (an ``access_rights`` of the
    Association LN ``object_list``, Blue Book 4.4.3). Attributes and methods not listed
    have no access. An object is visible to an association iff it has an
    ``ObjectAccess`` for it, even one granting nothing."""

    attributes: Mapping[int, AttributeAccess] = field(default_factory=dict)
    """attribute index -> access mode."""
    methods: Mapping[int, MethodAccess] = field(default_factory=dict)
    """method index -> access mode."""

    def attribute(self, index: int) -> AttributeAccess:
        """The mode of attribute ``index`` (``NO_ACCESS`` when not listed)."""
        return self.attributes.get(index, AttributeAccess.NO_ACCESS)

    def method(self, index: int) -> MethodAccess:
        """The mode of method ``index`` (``NO_ACCESS`` when not listed)."""
        return self.methods.get(index, MethodAccess.NO_ACCESS)
