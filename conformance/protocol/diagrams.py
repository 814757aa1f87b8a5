"""The protocol machines' transition tables as one Markdown page of Mermaid diagrams.

``python -m conformance.protocol.diagrams > docs/state-machines.md`` writes the page; a test
checks that the committed page equals what the tables produce, so the documentation cannot
drift from the code (the h11 practice: docs diagrams read the table).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.protocol.association.table import state_diagram as association_diagram
from conformance.protocol.hdlc.config import Role
from conformance.protocol.hdlc.table import diagram as hdlc_diagram
from conformance.protocol.services.table import gbt_state_diagram
from conformance.protocol.services.table import state_diagram as services_diagram

__all__ = ["render"]

_SECTIONS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("HDLC link, client role (IEC 62056-46)", lambda: hdlc_diagram(Role.CLIENT)),
    ("HDLC link, server role (IEC 62056-46)", lambda: hdlc_diagram(Role.SERVER)),
    ("Association (IEC 62056-5-3 ACSE, HLS passes 1 to 4), both roles", association_diagram),
    ("xDLMS services, both roles (IEC 62056-5-3)", services_diagram),
    ("General block transfer phases (IEC 62056-5-3)", gbt_state_diagram),
)


def render() -> str:
    """The whole page."""
    out = ["# State machines", "",
           "Generated from the transition tables by `python -m conformance.protocol.diagrams`;",
           "do not edit by hand (a test compares this page with the tables).", ""]
    for title, make in _SECTIONS:
        out += [f"## {title}", "", "```mermaid", make().rstrip("\n"), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
