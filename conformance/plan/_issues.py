"""One-line plan errors: ``FILE:LINE: PATH.IN.DOC: what is wrong``.

Every problem found while loading a plan becomes a :class:`PlanIssue`; the loader collects
them all and raises one :class:`PlanErrors` (a :class:`~conformance.errors.PlanError`) whose
message lists them one per line, in document order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from conformance.errors import PlanError

__all__ = ["DocPath", "Issues", "PlanErrors", "PlanIssue", "SourceMap", "format_path",
           "one_line", "show_number"]

DocPath = tuple[str | int, ...]
"""A position in the document: mapping keys (str) and sequence indexes (int)."""

_T = TypeVar("_T")

#: How many problems one PlanError lists before summarising the rest.
MAX_LISTED = 50


def show_number(value: object) -> str:
    """A number for a message: integers of more than 40 digits by their size (Python
    refuses to print integers of more than 4300 digits, and such a line helps nobody)."""
    if isinstance(value, int) and not isinstance(value, bool) and \
            abs(value).bit_length() > 133:  # 2**133 has 41 digits
        digits = int(abs(value).bit_length() * 0.30103) + 1
        return f"an integer of about {digits} digits"
    return str(value)


def format_path(path: DocPath) -> str:
    """``("meters", 0, "associations", 2, "keys", "ek")`` -> ``meters[0].associations[2].keys.ek``;
    the empty path (the document itself) is ``plan``. A key that is empty, has blanks at
    its ends or characters that do not print is quoted: ``meter['a\\nb']``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part or not part.isprintable() or part != part.strip():
            out += f"[{part!r}]"
        else:
            out += f".{part}" if out else part
    return out or "plan"


def one_line(text: str) -> str:
    """``text`` with every character that does not print (line breaks, tabs, controls)
    written as its escape, so that one problem stays one line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


@dataclass(slots=True)
class SourceMap:
    """Where each node of the document was written (1-based lines and columns)."""

    values: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    """Position of each value node."""
    keys: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    """Position of the key of each mapping entry."""
    raw: dict[DocPath, str] = field(default_factory=dict)
    """Source text of plain scalars YAML read as something other than a string."""

    def line(self, path: DocPath) -> int | None:
        """The line of ``path`` (its key if it has one), else of its nearest ancestor."""
        p = path
        while True:
            where = self.keys.get(p) or self.values.get(p)
            if where is not None:
                return where[0]
            if not p:
                return None
            p = p[:-1]

    def copy_subtree(self, src: DocPath, dst: DocPath) -> None:
        """Make every position recorded under ``src`` also known under ``dst`` (used when
        ``defaults`` are merged into a meter), without overriding ``dst``'s own."""
        _copy_subtree(self.values, src, dst)
        _copy_subtree(self.keys, src, dst)
        _copy_subtree(self.raw, src, dst)


def _copy_subtree(table: dict[DocPath, _T], src: DocPath, dst: DocPath) -> None:
    n = len(src)
    for path, where in list(table.items()):
        if path[:n] == src:
            table.setdefault(dst + path[n:], where)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanIssue:
    """One problem in a plan."""

    source: str
    """The plan file (as given) or ``<string>``."""
    line: int | None
    """1-based line of the offending node, when known."""
    column: int | None = None
    """1-based column (YAML syntax errors only)."""
    path: str
    """Dotted path in the document (``meters[0].associations[2].keys.ek``); empty for
    problems of the file itself."""
    message: str

    def __str__(self) -> str:
        where = one_line(self.source)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        message = one_line(self.message)
        return f"{where}: {one_line(self.path)}: {message}" if self.path else \
            f"{where}: {message}"


class PlanErrors(PlanError):
    """A plan with one or more problems; ``issues`` holds them, the message lists them one
    per line (the first line is the first problem in the document)."""

    def __init__(self, issues: list[PlanIssue] | tuple[PlanIssue, ...]) -> None:
        self.issues = tuple(issues)
        lines = [str(i) for i in self.issues[:MAX_LISTED]]
        if len(self.issues) > MAX_LISTED:
            lines.append(f"... and {len(self.issues) - MAX_LISTED} more problem(s)")
        super().__init__("\n".join(lines))


class Issues:
    """Collects the problems of one plan."""

    def __init__(self, source: str, smap: SourceMap | None = None) -> None:
        self.source = source
        self.smap = smap or SourceMap()
        self._items: list[tuple[float, int, PlanIssue]] = []
        self._unread: set[DocPath] = set()

    def add(self, path: DocPath, message: str, *, line: int | None = None,
            unread: bool = False) -> None:
        """Record ``message`` about the node at ``path``; ``unread``: the node could not
        be read at all (its value was left out), so no other problem is reported at or
        under ``path`` (one mistake, one line)."""
        if unread:
            self._unread.add(path)
        if line is None:
            line = self.smap.line(path)
        issue = PlanIssue(source=self.source, line=line, path=format_path(path),
                          message=message)
        if any(existing == issue for _, _, existing in self._items):
            return
        order = float(line) if line is not None else float("inf")
        self._items.append((order, len(self._items), issue))

    def is_unread(self, path: DocPath) -> bool:
        """Whether ``path`` is at or under a node recorded as unreadable."""
        return any(path[:n] in self._unread for n in range(len(path) + 1))

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def issues(self) -> list[PlanIssue]:
        """The problems in document order (then in the order they were found)."""
        return [issue for _, _, issue in sorted(self._items, key=lambda t: (t[0], t[1]))]

    def raise_if_any(self) -> None:
        """Raise :class:`PlanErrors` when anything was recorded."""
        if self._items:
            raise PlanErrors(self.issues())
