"""Sans-IO protocol machines, one per layer, usable in the CLIENT and the SERVER role
(h11 / aioquic style: bytes in, events out, the clock passed in). This module only
re-exports; see :mod:`conformance.protocol.hdlc` (IEC 62056-46 link) and
:mod:`conformance.protocol.wrapper` (IEC 62056-47 wrapper).
"""

from conformance.protocol.hdlc import HdlcConfig, HdlcMachine, HdlcState, Role
from conformance.protocol.wrapper import WrapperConfig, WrapperMachine, WrapperState

__all__ = [
    "HdlcConfig",
    "HdlcMachine",
    "HdlcState",
    "Role",
    "WrapperConfig",
    "WrapperMachine",
    "WrapperState",
]
