"""Secrets of a plan (passwords, HLS secrets, keys, private keys) and where they come from.

A secret field of a plan holds one of:

``env:NAME``
    the content of environment variable ``NAME`` (read at load time);
``file:PATH``
    the content of a file, ``PATH`` relative to the plan file's directory;
``hex:0011AA...``
    octets written in hex;
``text:...``
    the UTF-8 octets of the text after the prefix;
anything else
    a literal: hex for keys (``000102...``), text for passwords and HLS secrets, PEM text for
    private keys.

The content of an environment variable is read with the literal rules above (``hex:`` and
``text:`` included). A key file holds hex text (whitespace ignored); a password or HLS secret
file holds the octets themselves (one trailing newline dropped); a private key file holds PEM
(or the key in hex). A missing variable or file is an error at load time, and so is a file
of more than :data:`MAX_SECRET_FILE` bytes.

Resolved values are held in :class:`Secret`, whose ``repr``/``str`` never show the value
(only where it came from), so plans can be printed and logged safely; the value is read
with :meth:`Secret.reveal`. Error messages never contain secret material either.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["MAX_SECRET_FILE", "Secret", "SecretError", "SecretKind", "parse_hex",
           "resolve_secret"]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: The most a ``file:`` secret may hold (a PEM key is well under 1 KiB): a plan naming a
#: device like /dev/zero, or a large file by mistake, fails instead of filling memory.
MAX_SECRET_FILE = 64 * 1024


class SecretError(ValueError):
    """A secret could not be resolved; the message never contains the secret."""


class SecretKind(Enum):
    """How a literal secret is read."""

    KEY = "key"
    """Octets in hex (symmetric keys, raw EC keys)."""
    TEXT = "text"
    """Text (LLS password, HLS secret); ``hex:`` for binary ones."""
    PEM = "pem"
    """PEM text (EC private keys); raw private keys may also be given in hex."""


class Secret:
    """An immutable secret value that never shows itself in ``repr``/``str``.

    ``source`` says where it came from (``"literal"``, ``"env:NAME"``, ``"file:/path"``) and
    is safe to print. Two secrets are equal when their values are (compared in constant time).
    """

    __slots__ = ("_value", "source")

    _value: bytes
    source: str

    def __init__(self, value: bytes, *, source: str = "literal") -> None:
        object.__setattr__(self, "_value", bytes(value))
        object.__setattr__(self, "source", source)

    def reveal(self) -> bytes:
        """The secret octets. Never log or print them."""
        return self._value

    def reveal_text(self) -> str:
        """The secret decoded as UTF-8 (PEM keys, text passwords)."""
        return self._value.decode("utf-8")

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("Secret is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("Secret is immutable")

    def __repr__(self) -> str:
        return f"Secret(<hidden>, source={self.source!r})"

    def __str__(self) -> str:
        return "<hidden>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling (e.g. to pytest-xdist workers) keeps the value; repr stays hidden.
        return (_rebuild, (self._value, self.source))


def _rebuild(value: bytes, source: str) -> Secret:
    return Secret(value, source=source)


def parse_hex(text: str, *, what: str = "value", show: bool = False) -> bytes:
    """Octets from hex digits; whitespace between digits is ignored.

    ``ValueError`` names ``what``; the text itself is only quoted when ``show`` is true
    (never for secrets).
    """
    digits = "".join(text.split())
    for i, ch in enumerate(digits):
        if ch not in "0123456789abcdefABCDEF":
            shown = f" {text!r}" if show else ""
            raise ValueError(f"{what}{shown} is not hex (character {i + 1} is not a hex digit)")
    if len(digits) % 2:
        shown = f" {text!r}" if show else ""
        raise ValueError(f"{what}{shown} has an odd number of hex digits ({len(digits)})")
    return bytes.fromhex(digits)


def _literal(text: str, kind: SecretKind) -> bytes:
    if text.startswith("hex:"):
        try:
            return parse_hex(text[4:], what="the secret")
        except ValueError as exc:
            raise SecretError(str(exc)) from None
    if text.startswith("text:"):
        return text[5:].encode("utf-8")
    if kind is SecretKind.KEY:
        try:
            return parse_hex(text, what="the key")
        except ValueError as exc:
            raise SecretError(f"{exc} (write keys in hex, or use env:/file:)") from None
    if kind is SecretKind.PEM and "-----BEGIN" not in text:
        # A raw private key in hex (e.g. the Green Book's test vectors).
        try:
            return parse_hex(text, what="the private key")
        except ValueError:
            raise SecretError("expected PEM text (-----BEGIN ...) or the private key in hex") \
                from None
    return text.encode("utf-8")


def resolve_secret(spec: str, *, kind: SecretKind, base_dir: Path | None = None,
                   environ: Mapping[str, str] | None = None) -> Secret:
    """Resolve one secret field of a plan (see the module docstring for the forms).

    ``base_dir`` anchors relative ``file:`` paths (default: the current directory);
    ``environ`` replaces ``os.environ`` (tests). Raises :class:`SecretError`.
    """
    env = os.environ if environ is None else environ
    if spec.startswith("env:"):
        name = spec[4:]
        if not _ENV_NAME.match(name):
            raise SecretError(f"env:{name} is not a valid environment variable name")
        if name not in env:
            raise SecretError(f"environment variable {name} is not set")
        content = env[name]
        if content.startswith(("env:", "file:")):
            raise SecretError(f"environment variable {name} must hold the secret itself, "
                              "not another env:/file: reference")
        return Secret(_literal(content, kind), source=f"env:{name}")
    if spec.startswith("file:"):
        raw_path = spec[5:]
        if not raw_path:
            raise SecretError("file: needs a path")
        if "\0" in raw_path:
            raise SecretError("file: paths cannot hold a NUL character")
        try:
            path = Path(raw_path).expanduser()
        except RuntimeError:  # ~user of an unknown user, or no home directory
            raise SecretError(f"cannot expand ~ in {raw_path}") from None
        if not path.is_absolute():
            path = ((base_dir or Path.cwd()) / path).absolute()
        try:
            with path.open("rb") as stream:
                data = stream.read(MAX_SECRET_FILE + 1)
        except OSError as exc:
            raise SecretError(f"cannot read {path}: {exc.strerror or exc}") from None
        if len(data) > MAX_SECRET_FILE:
            raise SecretError(f"{path} holds more than {MAX_SECRET_FILE} bytes: not a key, "
                              "password or PEM file")
        return Secret(_file_content(data, kind, path), source=f"file:{path}")
    return Secret(_literal(spec, kind), source="literal")


def _file_content(data: bytes, kind: SecretKind, path: Path) -> bytes:
    if kind is SecretKind.TEXT:
        if data.endswith(b"\r\n"):
            return data[:-2]
        return data[:-1] if data.endswith(b"\n") else data
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        what = "hex text" if kind is SecretKind.KEY else "PEM text"
        raise SecretError(f"{path} must hold {what}, it holds binary data") from None
    if kind is SecretKind.PEM and "-----BEGIN" in text:
        return data
    return _literal(text.strip(), kind)
