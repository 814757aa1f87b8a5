"""Field-by-field comparison of our fields with gurux's, with a readable difference."""

from __future__ import annotations

from typing import Any

__all__ = ["GuruxMismatch", "assert_same"]


class GuruxMismatch(AssertionError):
    """gurux read other values than the ones we encoded."""


def assert_same(ours: dict[str, Any] | None, gurux: dict[str, Any], what: str) -> None:
    """Raise :class:`GuruxMismatch` listing every field that differs (a missing mapping on
    our side is a plain AssertionError: it is our bug, never an expected gurux failure)."""
    assert ours is not None, f"no field mapping for {what}"
    if ours != gurux:
        keys = sorted(set(ours) | set(gurux))
        diff = [f"  {k}: ours={ours.get(k)!r}\n  {' ' * len(k)}  gurux={gurux.get(k)!r}"
                for k in keys if ours.get(k) != gurux.get(k)]
        raise GuruxMismatch(f"{what}: gurux read other fields\n" + "\n".join(diff))
