"""Access to the shared byte vectors (../shared/vectors/public.json from the project root).

The file is read where it lives, never copied into the project. ``DLMS_VECTORS`` may point
elsewhere. A missing file is an error, not a skip: the vectors are the codec's ground truth.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VECTORS_PATH = Path(
    os.environ.get("DLMS_VECTORS", ROOT.parent / "shared" / "vectors" / "public.json"))


@cache
def all_vectors() -> tuple[dict[str, Any], ...]:
    """Every vector in the shared file."""
    with VECTORS_PATH.open(encoding="utf-8") as fh:
        return tuple(json.load(fh))


def vector(vector_id: str) -> dict[str, Any]:
    """The vector with this id (KeyError if the shared file has none)."""
    for v in all_vectors():
        if v["id"] == vector_id:
            return v
    raise KeyError(vector_id)


def by_category(*prefixes: str) -> list[dict[str, Any]]:
    """Vectors whose category starts with one of ``prefixes``."""
    return [v for v in all_vectors() if v["category"].startswith(prefixes)]


def hexbytes(text: str) -> bytes:
    """Bytes from a hex string that may hold spaces."""
    return bytes.fromhex(text.replace(" ", ""))
