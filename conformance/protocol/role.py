"""The side a protocol machine plays; one enum for every layer, since one table per machine
serves both roles (DESIGN: sans-IO machines usable in CLIENT and SERVER role)."""

from __future__ import annotations

from enum import Enum

__all__ = ["Role"]


class Role(Enum):
    """CLIENT or SERVER.

    In HDLC terms (IEC 62056-46) the client is the primary station (sends SNRM, DISC,
    I frames with the P bit, polls with RR/RNR) and the server the secondary station
    (answers with UA, DM, FRMR, I frames, RR/RNR when polled); in ACSE and xDLMS terms the
    client requests and the server responds.
    """

    CLIENT = "client"
    SERVER = "server"

    @property
    def peer(self) -> Role:
        """The other side."""
        return Role.SERVER if self is Role.CLIENT else Role.CLIENT
