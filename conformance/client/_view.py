"""Decoded views of frames and APDUs for the trace recorder, built from the codec and the
security layer only (the client never imports :mod:`conformance.analysis`).

A view is JSON-friendly data: dataclasses become ``{"type": ClassName, field: value}``,
bytes upper-case hex, enums their standard name. Fields declared ``field(repr=False)``
(passwords, dedicated keys, authentication values) are left out, so a view can never leak
a secret; where the trace needs to say that a secret was there, :class:`ApduDecoder` puts
a placeholder (``"<password, 8 octets>"``) and reports the secret so the recorder can mask
its octets in the hex fields.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from conformance.codec._buffer import encode_length
from conformance.codec.acse import AARE, AARQ, RLRE, RLRQ, MechanismName
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu import Apdu, decode_apdu
from conformance.codec.hdlc import FrmrInformation, HdlcFrame, HdlcFrameType, HdlcParameters
from conformance.codec.view import error_view, to_view
from conformance.codec.xdlms.ciphered import (
    CipheredApdu,
    GeneralCiphering,
    GeneralDedCiphering,
    GeneralGloCiphering,
)
from conformance.codec.xdlms.initiate import InitiateRequest
from conformance.errors import CodecError, ConformanceError
from conformance.security import SecurityControl, SecurityKeys, unprotect

__all__ = ["ApduDecoder", "DecodedApdu", "error_view", "frame_view", "to_view"]

_Ciphered = CipheredApdu | GeneralGloCiphering | GeneralDedCiphering | GeneralCiphering


def frame_view(frame: HdlcFrame) -> dict[str, Any]:
    """Summary of an HDLC frame, with the SNRM/UA parameters or FRMR information decoded."""
    out: dict[str, Any] = {"type": frame.frame_type.name, "control": str(frame.control),
                           "source": str(frame.source), "destination": str(frame.destination)}
    if frame.segmented:
        out["segmented"] = True
    if frame.information:
        out["information_length"] = len(frame.information)
    info = frame.information
    try:
        if frame.frame_type in (HdlcFrameType.SNRM, HdlcFrameType.UA) and info:
            out["parameters"] = to_view(HdlcParameters.from_information(info))
        elif frame.frame_type is HdlcFrameType.FRMR and info:
            out["frmr"] = to_view(FrmrInformation.decode(info))
    except CodecError as exc:
        out["error"] = error_view(exc)
    return out


@dataclass(slots=True, kw_only=True)
class DecodedApdu:
    """What the decoder learned from one APDU."""

    view: dict[str, Any] = field(default_factory=dict)
    """The decoded (and deciphered) view, without secrets."""
    plaintext: bytes | None = None
    """The deciphered APDU (or ciphered user-information), when there was one."""
    secrets: list[tuple[bytes, bytes]] = field(default_factory=list)
    """Secrets seen in this APDU (password, dedicated key) as ``(prefix, secret)``: the
    octets ``prefix + secret`` locate the secret in the APDU or its plaintext (the prefix
    is its encoded length, which avoids masking chance occurrences)."""


class ApduDecoder:
    """Decodes APDUs of one session, deciphering with the keys it is given and remembering
    the system titles announced in the AARQ / AARE and the dedicated key of the
    InitiateRequest (Green Book 9.2.7: the IV starts with the *sender's* system title)."""

    def __init__(self) -> None:
        self.keys = SecurityKeys()
        self.client_system_title: bytes | None = None
        self.server_system_title: bytes | None = None

    def set_keys(self, keys: SecurityKeys | None, *, client_system_title: bytes | None,
                 server_system_title: bytes | None) -> None:
        """Keys and system titles for deciphering (``None`` keys: do not decipher)."""
        self.keys = keys if keys is not None else SecurityKeys()
        self.client_system_title = client_system_title
        self.server_system_title = server_system_title

    def decode(self, data: bytes, *, sent: bool) -> DecodedApdu:
        """Decode one APDU (``sent``: from the client)."""
        result = DecodedApdu()
        try:
            apdu = decode_apdu(data)
        except CodecError as exc:
            result.view["error"] = error_view(exc)
            return result
        result.view["apdu"] = _describe(apdu)
        try:
            self._learn(result, apdu, sent)
        except ConformanceError as exc:
            result.view["error"] = error_view(exc)
        return result

    # -- per APDU kind --------------------------------------------------------------------
    def _learn(self, result: DecodedApdu, apdu: Apdu, sent: bool) -> None:
        if isinstance(apdu, AARQ):
            self._authentication_value(result, apdu)
            if apdu.calling_ap_title:
                self.client_system_title = apdu.calling_ap_title
        elif isinstance(apdu, AARE):
            if apdu.responding_ap_title:
                self.server_system_title = apdu.responding_ap_title
            value = apdu.responding_authentication_value
            if isinstance(value, AuthenticationValueCharstring):
                # StoC is public by design (Green Book 9.2.7.4).
                result.view["responding_authentication_value"] = value.value.hex().upper()
        if isinstance(apdu, AARQ | AARE | RLRQ | RLRE):
            if apdu.user_information:
                result.view["user_information"] = self._inner(result, apdu.user_information,
                                                              sent)
        elif isinstance(apdu, _Ciphered):
            result.view["deciphered"] = self._decipher(result, apdu, sent)

    def _authentication_value(self, result: DecodedApdu, aarq: AARQ) -> None:
        value = aarq.calling_authentication_value
        if not isinstance(value, AuthenticationValueCharstring):
            return
        if aarq.mechanism_name is MechanismName.LOW_LEVEL_SECURITY:
            # calling-authentication-value [12] EXPLICIT charstring [0]: 80 len password
            result.secrets.append((b"\x80" + encode_length(len(value.value)), value.value))
            result.view["calling_authentication_value"] = \
                f"<password, {len(value.value)} octets>"
        else:
            # An HLS challenge (CtoS) is public by design (Green Book 9.2.7.4).
            result.view["calling_authentication_value"] = value.value.hex().upper()

    def _inner(self, result: DecodedApdu, data: bytes, sent: bool) -> Any:
        inner = decode_apdu(data)
        if isinstance(inner, _Ciphered):
            return {"ciphered": _describe(inner),
                    "deciphered": self._decipher(result, inner, sent)}
        view = to_view(inner)
        self._dedicated_key(result, inner, view)
        return view

    def _dedicated_key(self, result: DecodedApdu, apdu: Apdu, view: Any) -> None:
        if isinstance(apdu, InitiateRequest) and apdu.dedicated_key:
            # dedicated-key OCTET STRING OPTIONAL: 01 (present) len key
            key = apdu.dedicated_key
            result.secrets.append((b"\x01" + encode_length(len(key)), key))
            view["dedicated_key"] = f"<dedicated key, {len(apdu.dedicated_key)} octets>"
            self.keys = self.keys.with_dedicated_key(apdu.dedicated_key)

    def _decipher(self, result: DecodedApdu, apdu: _Ciphered, sent: bool) -> Any:
        keys = self.keys
        if keys.encryption_key is None and keys.authentication_key is None \
                and keys.dedicated_key is None:
            return {"note": "not deciphered: no keys"}
        title = self.client_system_title if sent else self.server_system_title
        try:
            plaintext = unprotect(apdu, keys=keys, system_title=title)
        except (ConformanceError, ValueError) as exc:
            return {"error": error_view(exc)}
        result.plaintext = plaintext
        try:
            inner = decode_apdu(plaintext)
        except CodecError as exc:
            return {"error": error_view(exc)}
        view = to_view(inner)
        self._dedicated_key(result, inner, view)
        return view


def _describe(apdu: Apdu) -> Any:
    """The APDU's view, with the ciphered service's name and the security control byte
    spelled out."""
    out = to_view(apdu)
    if isinstance(apdu, CipheredApdu):
        out["service"] = apdu.service.name
    header = getattr(apdu, "security_header", None)
    if header is not None and isinstance(out.get("security_header"), dict):
        # An illegal SC byte stays a number; deciphering says why.
        with contextlib.suppress(ConformanceError, ValueError):
            out["security_header"]["security_control"] = str(
                SecurityControl.from_byte(header.security_control))
    return out
