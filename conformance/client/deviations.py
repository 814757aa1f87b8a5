"""Named deviations: what the session sends deliberately wrong, for the negative checks.

A conformance check proves that a meter *rejects* what the standard forbids, so the client
must be able to send it. Each deviation is one named, documented field of
:class:`Deviations`; ``None`` / ``False`` / ``0`` (the defaults) mean "conformant".

Deviations only change the bytes that leave the client. They never loosen what the client
accepts: the protocol machines keep expecting conformant answers, so a meter that *accepts*
a broken request shows up as an unexpected answer, and one that ignores it as a timeout.
They are applied through the hooks the machines offer: the HDLC link's frame filter
(:func:`hdlc_frame_filter`), the wrapper header fields, the association's own
:class:`~conformance.protocol.association.policy.Deviations` (:meth:`Deviations.association`)
and a flag of the services exchange (GET-next during GBT). Out-of-order traffic is sent
with :meth:`conformance.client.session.Session.send_raw` instead.

When each kind takes effect (see :meth:`~conformance.client.session.Session.deviating`):

* link deviations (HDLC fields, wrapper fields) apply to every frame sent while they are
  active;
* association deviations (challenge, invocation counter, security control, tag, system
  title, conformance, PDU size, user-information) are bound when the AARQ is built and
  last for that association;
* :attr:`Deviations.get_next_during_gbt` applies to the GET exchanges run while active.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from conformance.codec.crc import fcs16
from conformance.codec.hdlc import HdlcAddress, HdlcControl, HdlcFrame, HdlcFrameType
from conformance.codec.xdlms.initiate import Conformance
from conformance.protocol.association.policy import Deviations as AssociationDeviations

__all__ = ["Deviations", "HdlcDeviationFilter", "hdlc_frame_filter"]

_HDLC_FIELDS = ("omit_llc", "llc_header", "wrong_hcs", "wrong_fcs", "send_sequence_offset",
                "receive_sequence_offset", "information_field_length", "hdlc_client_address",
                "hdlc_server_address")
_WRAPPER_FIELDS = ("wrapper_version", "source_wport", "destination_wport", "wrapper_length")


def _check(name: str, value: int | None, lo: int, hi: int) -> None:
    if value is not None and not lo <= value <= hi:
        raise ValueError(f"Deviations.{name} {value} is outside {lo}..{hi}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Deviations:
    """Deliberate deviations of the client (each field names one; all default to none).

    ``ValueError`` at construction for a value that cannot be sent at all (a negative
    offset, a wPort beyond 16 bits...).
    """

    # -- HDLC link (IEC 62056-46) ---------------------------------------------------------
    omit_llc: bool = False
    """Send each APDU in I frames *without* the LLC header ``E6 E6 00`` (IEC 62056-46 8.2
    LLC; dlms-notes failure 1: meters then answer garbage or nothing)."""
    llc_header: bytes | None = None
    """Send these octets instead of the LLC header ``E6 E6 00`` (e.g. the response header
    ``E6 E7 00``, or a wrong quality octet). Ignored when :attr:`omit_llc` is set."""
    wrong_hcs: bool = False
    """Send frames whose header check sequence is wrong (the correct CRC with its lowest
    bit flipped); frames without an information field carry no HCS and are unchanged. A
    conformant meter discards such frames silently (IEC 62056-46 6.4.4)."""
    wrong_fcs: bool = False
    """Send frames whose frame check sequence is wrong (the correct CRC with its lowest
    bit flipped): the meter must discard them silently."""
    send_sequence_offset: int = 0
    """Add this (1..7) to N(S) of every I frame sent, modulo 8: a wrong send sequence
    number, which the meter must not accept as the next frame (ISO/IEC 13239)."""
    receive_sequence_offset: int = 0
    """Add this (1..7) to N(R) of every I, RR and RNR frame sent, modulo 8: an
    acknowledgement of frames the meter never sent (FRMR with Z, ISO/IEC 13239)."""
    information_field_length: int | None = None
    """Pad the information field of every I frame sent with 0x00 octets up to this length
    (e.g. the negotiated maximum + 1): an information field longer than the meter accepts
    (FRMR with Y)."""
    hdlc_client_address: HdlcAddress | None = None
    """Source address sent in every frame instead of the configured client address."""
    hdlc_server_address: HdlcAddress | None = None
    """Destination address sent in every frame instead of the configured server address
    (the meter must ignore frames for another station: dlms-notes failure 6)."""
    hdlc_frame_types: frozenset[HdlcFrameType] | None = None
    """Restrict the HDLC deviations above to these frame types (``None``: every frame
    type a deviation can apply to)."""

    # -- wrapper (IEC 62056-47) -----------------------------------------------------------
    wrapper_version: int | None = None
    """Version field sent instead of 0x0001 (the meter must discard the WPDU)."""
    source_wport: int | None = None
    """Source wPort sent instead of the client SAP."""
    destination_wport: int | None = None
    """Destination wPort sent instead of the server's logical device."""
    wrapper_length: int | None = None
    """Length field sent instead of the APDU length."""

    # -- association (Green Book 9.2.7, 9.4.2; IEC 62056-5-3 9.4.2) ------------------------
    challenge: bytes | None = None
    """The client-to-server HLS challenge CtoS sent as given, any length (8 to 64 octets
    are conformant) and content."""
    invocation_counter: int | None = None
    """Every protected APDU carries this invocation counter (e.g. an old one, to check that
    the meter rejects a replay: Green Book 9.2.7, invocation counter)."""
    security_control: int | None = None
    """Every protected APDU carries this security control byte (e.g. 0x20 where the meter
    requires 0x30: dlms-notes failure 3)."""
    tamper_tag: bool = False
    """Flip one bit of the authentication tag of every protected APDU."""
    system_title: bytes | None = None
    """Client system title sent in the calling-AP-title and used in every IV (dlms-notes
    failure 5)."""
    conformance: Conformance | None = None
    """proposed-conformance sent in the InitiateRequest instead of the configured block."""
    max_receive_pdu_size: int | None = None
    """client-max-receive-pdu-size sent in the InitiateRequest (0 and 0xFFFF are the odd
    values met in the field: dlms-notes failure 9)."""
    user_information: bytes | None = None
    """The AARQ user-information octets sent as given (the wrong envelope, or a
    user-information length that does not match: dlms-notes failure 10)."""
    wrong_f: bool = False
    """HLS pass 3 carries an f(StoC) with one bit flipped: the meter must refuse it and
    leave the association unauthenticated (Green Book 9.2.7.4)."""

    # -- services (IEC 62056-5-3 9.4.6) ----------------------------------------------------
    get_next_during_gbt: bool = False
    """Answer a general-block-transfer block of a GET response with get-request-next, as
    a non-conformant client would (dlms-notes failure 8)."""

    def __post_init__(self) -> None:
        for name in ("send_sequence_offset", "receive_sequence_offset"):
            _check(name, getattr(self, name), 0, 7)
        _check("information_field_length", self.information_field_length, 0, 0x7FF)
        for name in _WRAPPER_FIELDS:
            _check(name, getattr(self, name), 0, 0xFFFF)
        if self.hdlc_client_address is not None and self.hdlc_client_address.size != 1:
            raise ValueError("Deviations.hdlc_client_address: a client address is one octet")
        if self.llc_header is not None and type(self.llc_header) is not bytes:
            object.__setattr__(self, "llc_header", bytes(self.llc_header))
        if self.hdlc_frame_types is not None:
            object.__setattr__(self, "hdlc_frame_types", frozenset(self.hdlc_frame_types))
        # The association's own checks (ranges of the counter, SC byte, PDU size...).
        self.association()

    # -- views per layer ------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True when any deviation is set."""
        return self != _NONE

    @property
    def hdlc_active(self) -> bool:
        """True when a deviation of the HDLC link is set."""
        return any(getattr(self, n) != getattr(_NONE, n) for n in _HDLC_FIELDS)

    @property
    def wrapper_active(self) -> bool:
        """True when a deviation of the wrapper header is set."""
        return any(getattr(self, n) is not None for n in _WRAPPER_FIELDS)

    def association(self) -> AssociationDeviations:
        """The deviations the association machine applies."""
        return AssociationDeviations(
            challenge=self.challenge, invocation_counter=self.invocation_counter,
            security_control=self.security_control, tamper_tag=self.tamper_tag,
            system_title=self.system_title, conformance=self.conformance,
            max_receive_pdu_size=self.max_receive_pdu_size,
            user_information=self.user_information, wrong_f=self.wrong_f)

    def merged(self, other: Deviations) -> Deviations:
        """``self`` with every deviation ``other`` sets added (``other`` wins)."""
        changes = {f.name: getattr(other, f.name) for f in dataclasses.fields(other)
                   if getattr(other, f.name) != getattr(_NONE, f.name)}
        return dataclasses.replace(self, **changes)


_NONE = Deviations()
"""No deviation (the default of every field)."""


# -- the HDLC frame filter ----------------------------------------------------------------
HdlcDeviationFilter = Callable[[HdlcFrame], HdlcFrame | None]
"""The HDLC machine's frame filter signature (``conformance.protocol.hdlc.frames``)."""

_NUMBERED = frozenset({HdlcFrameType.I, HdlcFrameType.RR, HdlcFrameType.RNR})


def _with_wrong_checksums(frame: HdlcFrame, *, hcs: bool, fcs: bool) -> HdlcFrame:
    """``frame`` with its HCS (only when it has an information field) and/or FCS replaced
    by the correct CRC-16/X.25 with the lowest bit flipped (so it is certainly wrong).
    The FCS is computed over the header as sent, wrong HCS included."""
    if hcs and frame.information:
        header = frame.to_bytes(flags=False)[:frame.header_length]
        frame = dataclasses.replace(frame, hcs=fcs16(header) ^ 0x0001)
    if fcs:
        raw = frame.to_bytes(flags=False)
        frame = dataclasses.replace(frame, fcs=fcs16(raw[:-2]) ^ 0x0001)
    return frame


class _HdlcFilter:
    """A frame filter applying the HDLC deviations returned by ``current()`` (read for
    every frame, so a session can switch deviations between exchanges)."""

    __slots__ = ("_active", "_current", "_first_segment", "_last")

    def __init__(self, current: Callable[[], Deviations]) -> None:
        self._current = current
        self._first_segment = True  # the next I frame starts an APDU (carries the LLC)
        # The last Deviations seen and whether it deviates on the link: a Deviations is
        # immutable, and the same object comes back for every frame while nothing changes.
        self._last: Deviations | None = None
        self._active = False

    def __call__(self, frame: HdlcFrame) -> HdlcFrame | None:
        first = self._first_segment
        ftype = frame.frame_type
        if ftype is HdlcFrameType.I:
            self._first_segment = not frame.segmented
        elif ftype is HdlcFrameType.SNRM or ftype is HdlcFrameType.DISC:
            self._first_segment = True
        d = self._current()
        if d is not self._last:
            self._last, self._active = d, d.hdlc_active
        if not self._active:
            return frame
        if d.hdlc_frame_types is not None and frame.frame_type not in d.hdlc_frame_types:
            return frame
        changes: dict[str, object] = {}
        if ftype is HdlcFrameType.I:
            info = frame.information
            if first and (d.omit_llc or d.llc_header is not None) and info[:3] in (
                    b"\xe6\xe6\x00", b"\xe6\xe7\x00"):
                info = info[3:] if d.omit_llc else (d.llc_header or b"") + info[3:]
            if d.information_field_length is not None and len(info) < \
                    d.information_field_length:
                info = info + bytes(d.information_field_length - len(info))
            if info != frame.information:
                changes["information"] = info
        control = frame.control
        if ftype in _NUMBERED and (d.send_sequence_offset or d.receive_sequence_offset):
            ns = control.send_seq
            if ns is not None:
                ns = (ns + d.send_sequence_offset) % 8
            nr = control.receive_seq
            if nr is not None:
                nr = (nr + d.receive_sequence_offset) % 8
            changes["control"] = HdlcControl(frame_type=ftype, poll_final=control.poll_final,
                                             send_seq=ns, receive_seq=nr)
        if d.hdlc_client_address is not None:
            changes["source"] = d.hdlc_client_address
        if d.hdlc_server_address is not None:
            changes["destination"] = d.hdlc_server_address
        out = dataclasses.replace(frame, **changes) if changes else frame  # type: ignore[arg-type]
        if d.wrong_hcs or d.wrong_fcs:
            out = _with_wrong_checksums(out, hcs=d.wrong_hcs, fcs=d.wrong_fcs)
        return out


def hdlc_frame_filter(current: Callable[[], Deviations]) -> HdlcDeviationFilter:
    """The frame filter the session gives the HDLC machine: it applies the HDLC deviations
    of ``current()`` (called for every frame) to the frames the machine sends.

    The machine's state is untouched: it keeps its own N(S)/N(R), and expects the meter's
    answers as if the frames had left unaltered.
    """
    return _HdlcFilter(current)
