"""Guard: every vector in the shared file is exercised by some test of the suite.

A vector counts as exercised when its id is named in a test module, or when a test module
loads its whole category (``by_category("...")``). A vector added to the shared file later
makes this test fail until a test takes it up.
"""

from __future__ import annotations

from pathlib import Path

from tests.vectors import all_vectors

TESTS = Path(__file__).resolve().parent


def test_every_shared_vector_is_exercised() -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.rglob("test_*.py")
                        if p.name != Path(__file__).name)
    missing = [v["id"] for v in all_vectors()
               if v["id"] not in sources and f'"{v["category"]}"' not in sources]
    assert not missing, f"vectors no test exercises: {missing}"
