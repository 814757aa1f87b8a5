"""The committed state-machine page is what the transition tables produce."""

from __future__ import annotations

from pathlib import Path

from conformance.protocol.diagrams import render

PAGE = Path(__file__).resolve().parents[2] / "docs" / "state-machines.md"


def test_state_machine_page_is_up_to_date() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/state-machines.md is stale: run "
        "`python -m conformance.protocol.diagrams > docs/state-machines.md`")
