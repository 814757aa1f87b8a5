"""Shared state of one plan build: where problems go, how secrets and hex are read."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from conformance.plan._issues import DocPath, Issues
from conformance.plan.cosem import LogicalName
from conformance.plan.secrets import Secret, SecretError, SecretKind, parse_hex, resolve_secret

__all__ = ["Ctx"]


class Ctx:
    """Build context: collects problems instead of stopping at the first one."""

    def __init__(self, issues: Issues, *, base_dir: Path | None,
                 environ: Mapping[str, str] | None) -> None:
        self.issues = issues
        self.base_dir = base_dir
        self.environ = environ

    def error(self, path: DocPath, message: str) -> None:
        """Record a problem at ``path``."""
        self.issues.add(path, message)

    def secret(self, spec: str, kind: SecretKind, path: DocPath) -> Secret | None:
        """Resolve a secret field (``None`` after recording why it failed)."""
        try:
            return resolve_secret(spec, kind=kind, base_dir=self.base_dir, environ=self.environ)
        except SecretError as exc:
            self.error(path, str(exc))
            return None

    def hexbytes(self, text: str, path: DocPath, *, size: int | None = None,
                 what: str = "value") -> bytes | None:
        """Octets of a non-secret hex field, optionally of an exact ``size``."""
        try:
            data = parse_hex(text, what=what, show=True)
        except ValueError as exc:
            self.error(path, str(exc))
            return None
        if size is not None and len(data) != size:
            self.error(path, f"expected {size} bytes of hex, got {len(data)}")
            return None
        return data

    def logical_name(self, text: str, path: DocPath) -> LogicalName | None:
        """A logical name (OBIS code) field."""
        try:
            return LogicalName.parse(text)
        except ValueError as exc:
            self.error(path, f"invalid logical name: {exc}")
            return None
