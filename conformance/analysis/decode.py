"""Decode pasted traces: frames, APDUs, deciphered content, one JSON-friendly dict each.

The pipeline per record of :mod:`conformance.analysis.paste`:

1. split the bytes into units: HDLC frames (with flags, or without flags back to back),
   wrapper WPDUs (IEC 62056-47), or else one bare APDU;
2. decode each unit; reassemble segmented HDLC I-frames per direction (IEC 62056-46 S bit)
   and strip the LLC header;
3. decode the APDU; decipher glo-/ded-/general-* APDUs and ciphered AARQ/AARE/RLRQ/RLRE
   user-information when keys are given, taking the system titles from the AARQ calling-AP-
   title and the AARE responding-AP-title of the association (Green Book: the IV starts with
   the *sender's* system title);
4. emit one dict per frame (the APDU attached to the frame that completes it) or per APDU,
   with ``error`` (message, byte offset) where something could not be decoded or deciphered.

Direction comes from the trace when it says so, else from the frame (SNRM/DISC from the
client, UA/DM/FRMR from the server, the LLC header, the known client address) or the APDU
tag (requests from the client). Keys are never part of any output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.analysis.paste import Direction, PasteLine, TraceRecord, parse_paste
from conformance.analysis.render import to_jsonable
from conformance.codec.acse import AARE, AARQ, RLRE, RLRQ, MechanismName
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import Apdu, decode_apdu
from conformance.codec.hdlc import (
    BytesDiscarded,
    FrameReceived,
    FrmrInformation,
    HdlcDeframer,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
    LlcHeader,
    recognise_llc,
)
from conformance.codec.hdlc.frame import decode_frame_octets
from conformance.codec.view import error_view
from conformance.codec.wrapper import WrapperDeframer, WrapperFrame
from conformance.codec.xdlms.ciphered import CipheredApdu
from conformance.codec.xdlms.general_ciphering import (
    GeneralCiphering,
    GeneralDedCiphering,
    GeneralGloCiphering,
)
from conformance.codec.xdlms.initiate import InitiateRequest
from conformance.errors import CodecError, ConformanceError, SecurityError
from conformance.security import SecurityControl, SecurityKeys, unprotect

__all__ = ["DecodeKeys", "TraceDecoder"]

# Tags of APDUs only a client sends / only a server sends (IEC 62056-5-3 8.5).
_CLIENT_TAGS = frozenset({0x01, 0x60, 0x62, 0xC0, 0xC1, 0xC3, 0x21})
_SERVER_TAGS = frozenset({0x08, 0x0E, 0x61, 0x63, 0xC2, 0xC4, 0xC5, 0xC7, 0xD8, 0x0F,
                          0x28, 0x2E})
_CLIENT_FRAMES = frozenset({HdlcFrameType.SNRM, HdlcFrameType.DISC})
_SERVER_FRAMES = frozenset({HdlcFrameType.UA, HdlcFrameType.DM, HdlcFrameType.FRMR})
_WRAPPER_HEADER = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodeKeys:
    """What the user gave on the command line (keys never print)."""

    ek: bytes | None = field(default=None, repr=False)
    ak: bytes | None = field(default=None, repr=False)
    dedicated_key: bytes | None = field(default=None, repr=False)
    system_title: bytes | None = None
    client_system_title: bytes | None = None
    server_system_title: bytes | None = None
    show_secrets: bool = False
    """Print passwords and dedicated keys found in the trace instead of masking them."""


def _frame_summary(frame: HdlcFrame) -> dict[str, Any]:
    out: dict[str, Any] = {"type": frame.frame_type.name, "control": str(frame.control),
                           "source": str(frame.source), "destination": str(frame.destination)}
    if frame.segmented:
        out["segmented"] = True
    if frame.information:
        out["information_length"] = len(frame.information)
    return out


def _describe(apdu: Apdu) -> Any:
    """The APDU as JSON-friendly data, with the ciphered service's name and the security
    control byte spelled out."""
    out = to_jsonable(apdu)
    if isinstance(apdu, CipheredApdu):
        out["service"] = apdu.service.name
    header = getattr(apdu, "security_header", None)
    if header is not None:
        # An illegal SC byte stays a number; deciphering will say why.
        with contextlib.suppress(ConformanceError, ValueError):
            out["security_header"]["security_control"] = str(
                SecurityControl.from_byte(header.security_control))
    return out


def _mask(text: str, secrets: set[bytes]) -> str:
    for secret in secrets:
        text = text.replace(secret.hex().upper(), "**" * len(secret))
    return text


def _mask_spans(spans: list[tuple[dict[str, Any], bytes, int]], apdu: bytes,
                secrets: set[bytes]) -> None:
    """Mask every occurrence of a secret in ``apdu`` (the concatenated information fields
    of ``spans``) in the ``hex`` of each frame that carries part of it."""
    hidden: list[tuple[int, int]] = []
    for secret in secrets:
        at = apdu.find(secret)
        while at >= 0:
            hidden.append((at, at + len(secret)))
            at = apdu.find(secret, at + 1)
    if not hidden:
        return
    start = 0
    for out, raw, info_at in spans:
        end = start + len(raw) - 2 - info_at
        masked = [f"{b:02X}" for b in raw]
        for lo, hi in hidden:
            for i in range(max(lo, start), min(hi, end)):
                masked[info_at + i - start] = "**"
        out["hex"] = "".join(masked)
        start = end


def _apdu_direction(data: bytes) -> Direction | None:
    if not data:
        return None
    tag = data[0]
    if tag in _CLIENT_TAGS or 0xC8 <= tag <= 0xCB or 0xD0 <= tag <= 0xD3:
        return Direction.CLIENT_TO_SERVER
    if tag in _SERVER_TAGS or 0xCC <= tag <= 0xCF or 0xD4 <= tag <= 0xD7:
        return Direction.SERVER_TO_CLIENT
    return None


def _looks_like_wrapper(data: bytes) -> bool:
    if len(data) < _WRAPPER_HEADER or data[0] != 0x00 or data[1] != 0x01:
        return False
    return _WRAPPER_HEADER + ((data[6] << 8) | data[7]) <= len(data)


class TraceDecoder:
    """Decodes a whole trace, remembering association context (system titles, dedicated
    key, HDLC client address, pending segments) from one record to the next."""

    def __init__(self, keys: DecodeKeys | None = None) -> None:
        self._keys = keys or DecodeKeys()
        self._client_st = self._keys.client_system_title
        self._server_st = self._keys.server_system_title
        self._dedicated_key = self._keys.dedicated_key
        self._client_address: int | None = None
        self._segments: dict[Direction | None, bytearray] = {}
        # Frames of the APDU being reassembled: (output, raw frame, offset of its
        # information field in raw), so a secret split over segments can be masked.
        self._spans: dict[Direction | None, list[tuple[dict[str, Any], bytes, int]]] = {}
        # Outputs of first/middle segments, held until the APDU completes (so they are
        # masked with what the complete APDU reveals before anything is printed).
        self._held: dict[str | None, list[dict[str, Any]]] = {}
        self._secrets: set[bytes] = set()

    # -- entry points ---------------------------------------------------------------------
    def decode_text(self, text: str) -> Iterator[dict[str, Any]]:
        """One dict per frame or APDU found in ``text`` (and one per ignored line)."""
        for item in parse_paste(text):
            if isinstance(item, PasteLine):
                yield {"line": item.line, "ignored": item.text.strip()}
            else:
                yield from self.decode_record(item)
        yield from self.flush()

    def flush(self) -> Iterator[dict[str, Any]]:
        """Segments of APDUs the trace never completed (held back so far)."""
        for held in self._held.values():
            for out in held:
                out["warning"] = "the trace ends before the last segment of this APDU"
                yield self._masked(out)
        self._held.clear()

    def decode_record(self, rec: TraceRecord) -> Iterator[dict[str, Any]]:
        """Decode one record (see the module docstring). Passwords and dedicated keys
        found in the trace are masked (``**`` per octet) in every hex field unless
        ``show_secrets`` was asked for."""
        for out in self._units(rec):
            segment = out.get("segment")
            if segment in ("first", "middle"):
                self._held.setdefault(out.get("direction"), []).append(out)
                continue
            if segment == "last":
                for held in self._held.pop(out.get("direction"), []):
                    yield self._masked(held)
            yield self._masked(out)

    def _masked(self, out: dict[str, Any]) -> dict[str, Any]:
        if self._secrets and not self._keys.show_secrets:
            for key in ("hex", "apdu_hex", "plaintext"):
                if key in out:
                    out[key] = _mask(out[key], self._secrets)
            if "apdu" in out and isinstance(out["apdu"], dict):
                user_info = out["apdu"].get("user_information")
                if isinstance(user_info, str):
                    out["apdu"]["user_information"] = _mask(user_info, self._secrets)
        return out

    def _units(self, rec: TraceRecord) -> Iterator[dict[str, Any]]:
        data = rec.data
        if data[0] == 0x7E:
            yield from self._hdlc_stream(rec)
        elif data[0] >> 4 == 0xA and len(data) >= 7:
            yield from self._hdlc_unflagged(rec)
        elif _looks_like_wrapper(data):
            yield from self._wrapper_stream(rec)
        else:
            yield self._bare_apdu(rec, data)

    # -- units --------------------------------------------------------------------------------
    def _base(self, rec: TraceRecord, offset: int, raw: bytes, layer: str) -> dict[str, Any]:
        out: dict[str, Any] = {"line": rec.line}
        if rec.timestamp:
            out["timestamp"] = rec.timestamp
        out["direction"] = rec.direction.value if rec.direction else None
        out["layer"] = layer
        out["offset"] = offset
        out["hex"] = raw.hex().upper()
        return out

    def _hdlc_stream(self, rec: TraceRecord) -> Iterator[dict[str, Any]]:
        deframer = HdlcDeframer()
        deframer.receive_data(rec.data)
        deframer.receive_eof()
        while True:
            event = deframer.next_event()
            if isinstance(event, FrameReceived):
                yield self._hdlc_frame(rec, event.frame, event.raw, event.offset)
            elif isinstance(event, BytesDiscarded):
                out = self._base(rec, event.offset, event.data, "hdlc")
                out["error"] = error_view(event.error)
                yield out
            else:
                return

    def _hdlc_unflagged(self, rec: TraceRecord) -> Iterator[dict[str, Any]]:
        data, pos = rec.data, 0
        while pos < len(data):
            end = min(len(data), pos + 2 + (((data[pos] & 0x07) << 8) | data[pos + 1])
                      if pos + 1 < len(data) else len(data))
            raw = data[pos:end]
            try:
                frame = decode_frame_octets(data, pos, end)
            except CodecError as exc:
                out = self._base(rec, pos, raw, "hdlc")
                out["error"] = error_view(exc.with_context(shift=0))
                yield out
                return
            yield self._hdlc_frame(rec, frame, raw, pos)
            pos = end

    def _hdlc_frame(self, rec: TraceRecord, frame: HdlcFrame, raw: bytes,
                    offset: int) -> dict[str, Any]:
        out = self._base(rec, offset, raw, "hdlc")
        direction = rec.direction or self._frame_direction(frame)
        out["direction"] = direction.value if direction else None
        if direction is Direction.CLIENT_TO_SERVER:
            self._client_address = frame.source.upper
        elif direction is Direction.SERVER_TO_CLIENT:
            self._client_address = frame.destination.upper
        out["frame"] = _frame_summary(frame)
        info = frame.information
        ftype = frame.frame_type
        try:
            if ftype in (HdlcFrameType.SNRM, HdlcFrameType.UA) and info:
                out["parameters"] = to_jsonable(HdlcParameters.decode(info))
            elif ftype is HdlcFrameType.FRMR and info:
                out["frmr"] = to_jsonable(FrmrInformation.decode(info))
            elif ftype in (HdlcFrameType.I, HdlcFrameType.UI) and info is not None:
                self._reassemble(out, frame, raw, direction)
        except ConformanceError as exc:
            out["error"] = error_view(exc)
        return out

    def _frame_direction(self, frame: HdlcFrame) -> Direction | None:
        ftype = frame.frame_type
        if ftype in _CLIENT_FRAMES:
            return Direction.CLIENT_TO_SERVER
        if ftype in _SERVER_FRAMES:
            return Direction.SERVER_TO_CLIENT
        llc = recognise_llc(frame.information) if frame.information else None
        if llc is LlcHeader.REQUEST:
            return Direction.CLIENT_TO_SERVER
        if llc is LlcHeader.RESPONSE:
            return Direction.SERVER_TO_CLIENT
        if self._client_address is not None:
            if frame.source.size == 1 and frame.source.upper == self._client_address:
                return Direction.CLIENT_TO_SERVER
            if frame.destination.size == 1 and frame.destination.upper == self._client_address:
                return Direction.SERVER_TO_CLIENT
        return None

    def _reassemble(self, out: dict[str, Any], frame: HdlcFrame, raw: bytes,
                    direction: Direction | None) -> None:
        buf = self._segments.setdefault(direction, bytearray())
        spans = self._spans.setdefault(direction, [])
        first = not buf
        # The information field ends just before the FCS (raw has no flags).
        spans.append((out, raw, len(raw) - 2 - len(frame.information)))
        buf += frame.information
        if frame.segmented:
            out["segment"] = "first" if first else "middle"
            return
        if not first:
            out["segment"] = "last"
        apdu = bytes(buf)
        buf.clear()
        del self._spans[direction]
        try:
            self._decode_llc_and_apdu(out, apdu, direction)
        finally:
            if self._secrets and not self._keys.show_secrets:
                _mask_spans(spans, apdu, self._secrets)

    def _decode_llc_and_apdu(self, out: dict[str, Any], apdu: bytes,
                             direction: Direction | None) -> None:
        llc = recognise_llc(apdu)
        if llc is None:
            out["llc"] = None
            out["warning"] = ("no LLC header (E6 E6 00 / E6 E7 00) before the APDU "
                              "(IEC 62056-46 8.2)")
        else:
            out["llc"] = llc.name.lower()
            apdu = apdu[3:]
        if not apdu:
            return
        self._decode_apdu_into(out, apdu, direction)

    def _wrapper_stream(self, rec: TraceRecord) -> Iterator[dict[str, Any]]:
        deframer = WrapperDeframer()
        deframer.receive_data(rec.data)
        deframer.receive_eof()
        while True:
            event = deframer.next_event()
            if isinstance(event, FrameReceived):
                frame: WrapperFrame = event.frame
                out = self._base(rec, event.offset, event.raw, "wrapper")
                out["wrapper"] = {"version": frame.version,
                                  "source_wport": frame.source_wport,
                                  "destination_wport": frame.destination_wport,
                                  "length": len(frame.apdu)}
                self._decode_apdu_into(out, frame.apdu, rec.direction)
                yield out
            elif isinstance(event, BytesDiscarded):
                out = self._base(rec, event.offset, event.data, "wrapper")
                out["error"] = error_view(event.error)
                yield out
            else:
                return

    def _bare_apdu(self, rec: TraceRecord, data: bytes) -> dict[str, Any]:
        out = self._base(rec, 0, data, "apdu")
        self._decode_apdu_into(out, data, rec.direction)
        return out

    # -- APDUs --------------------------------------------------------------------------------
    def _decode_apdu_into(self, out: dict[str, Any], data: bytes,
                          direction: Direction | None) -> None:
        direction = direction or _apdu_direction(data)
        out["direction"] = direction.value if direction else out.get("direction")
        out["apdu_hex"] = data.hex().upper()
        try:
            apdu = decode_apdu(data)
        except CodecError as exc:
            out["error"] = error_view(exc)
            return
        out["apdu"] = _describe(apdu)
        try:
            self._learn_and_decipher(out, apdu, direction)
        except ConformanceError as exc:
            out["error"] = error_view(exc)

    def _learn_and_decipher(self, out: dict[str, Any], apdu: Apdu,
                            direction: Direction | None) -> None:
        if isinstance(apdu, AARQ):
            self._aarq_authentication(out, apdu)
            if apdu.calling_ap_title:
                self._client_st = apdu.calling_ap_title
        elif isinstance(apdu, AARE) and apdu.responding_ap_title:
            self._server_st = apdu.responding_ap_title
        if isinstance(apdu, AARQ | AARE | RLRQ | RLRE):
            if apdu.user_information:
                out["user_information"] = self._user_information(
                    out, apdu.user_information, direction)
            return
        if isinstance(apdu, CipheredApdu | GeneralGloCiphering | GeneralDedCiphering
                      | GeneralCiphering):
            out["deciphered"] = self._decipher(out, apdu, direction)

    def _aarq_authentication(self, out: dict[str, Any], apdu: AARQ) -> None:
        value = apdu.calling_authentication_value
        if not isinstance(value, AuthenticationValueCharstring):
            return
        if apdu.mechanism_name is MechanismName.LOW_LEVEL_SECURITY:
            # The LLS password is a secret (never printed unless asked for).
            self._secrets.add(value.value)
            out["calling_authentication_value"] = (
                value.value.hex().upper() if self._keys.show_secrets
                else f"<password, {len(value.value)} octets>")
        else:
            # An HLS challenge (CtoS) is public by design (Green Book 9.2.7.4).
            out["calling_authentication_value"] = value.value.hex().upper()

    def _user_information(self, out: dict[str, Any], data: bytes,
                          direction: Direction | None) -> Any:
        inner = decode_apdu(data)
        if isinstance(inner, CipheredApdu | GeneralGloCiphering | GeneralDedCiphering
                      | GeneralCiphering):
            return {"ciphered": _describe(inner),
                    "deciphered": self._decipher(out, inner, direction)}
        self._note_dedicated_key(inner)
        return to_jsonable(inner)

    def _note_dedicated_key(self, apdu: Apdu) -> None:
        if isinstance(apdu, InitiateRequest) and apdu.dedicated_key:
            self._secrets.add(apdu.dedicated_key)
            if self._keys.dedicated_key is None:
                self._dedicated_key = apdu.dedicated_key

    def _sender_title(self, direction: Direction | None, apdu: Apdu) -> bytes | None:
        if direction is None and isinstance(apdu, CipheredApdu):
            direction = (Direction.SERVER_TO_CLIENT if apdu.service.is_response
                         else Direction.CLIENT_TO_SERVER)
        if direction is Direction.CLIENT_TO_SERVER:
            return self._client_st or self._keys.system_title
        if direction is Direction.SERVER_TO_CLIENT:
            return self._server_st or self._keys.system_title
        return self._keys.system_title

    def _decipher(self, out: dict[str, Any], apdu: Apdu, direction: Direction | None) -> Any:
        keys = self._keys
        if keys.ek is None and keys.ak is None and self._dedicated_key is None:
            return {"note": "not deciphered: no keys given (--ek/--ak/--dedicated-key)"}
        security_keys = SecurityKeys(encryption_key=keys.ek, authentication_key=keys.ak,
                                     dedicated_key=self._dedicated_key)
        title = self._sender_title(direction, apdu)
        try:
            plaintext = unprotect(apdu, keys=security_keys,  # type: ignore[arg-type]
                                  system_title=title)
        except SecurityError as exc:
            return {"error": error_view(exc)}
        out["plaintext"] = plaintext.hex().upper()
        try:
            inner = decode_apdu(plaintext)
        except CodecError as exc:
            return {"error": error_view(exc)}
        self._note_dedicated_key(inner)
        return to_jsonable(inner)
