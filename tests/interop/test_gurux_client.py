"""APDUs and frames produced by gurux's client decode identically with OUR codec.

gurux (``GXDLMSSecureClient``) is given known settings; our deframers and decoders read
what it sent, and the fields must equal those settings (written down in
:mod:`tests.interop.gurux_client`, never read back from gurux). Ciphered APDUs are
deciphered with OUR security layer; the HLS-GMAC f(StoC) gurux computed is verified with
OUR mechanism-5 check.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.codec.hdlc import (
    FrameReceived,
    HdlcDeframer,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
    LlcHeader,
    NeedData,
    strip_llc,
)
from conformance.codec.wrapper import WrapperDeframer, WrapperFrame
from conformance.codec.xdlms.ciphered import CipheredApdu
from conformance.codec.xdlms.general_ciphering import GeneralGloCiphering
from conformance.security import SecurityKeys, unprotect, verify_hls_gmac
from tests.interop.gurux_client import AK, EK, GuruxClientCase, gurux_client_cases
from tests.interop.gurux_xml import DataValue
from tests.interop.ours import apdu_fields, decode, user_information_fields

pytestmark = pytest.mark.gurux

CASES = gurux_client_cases()
OUR_KEYS = SecurityKeys(encryption_key=EK, authentication_key=AK,
                        dedicated_key=bytes.fromhex("00112233445566778899AABBCCDDEEFF"))


def _hdlc_frames(stream: bytes) -> list[HdlcFrame]:
    """Every frame of a byte stream, through our sans-IO deframer fed octet by octet."""
    d = HdlcDeframer()
    frames = []
    for i in range(len(stream)):
        d.receive_data(stream[i:i + 1])
        while not isinstance(ev := d.next_event(), NeedData):
            assert isinstance(ev, FrameReceived), f"deframer discarded octets: {ev}"
            frames.append(ev.frame)
    return frames


def _wrapper_frames(stream: bytes) -> list[WrapperFrame]:
    d = WrapperDeframer()
    d.receive_data(stream)
    frames = []
    while not isinstance(ev := d.next_event(), NeedData):
        assert isinstance(ev, FrameReceived), f"deframer discarded octets: {ev}"
        frames.append(ev.frame)
    return frames


def _apdus(case: GuruxClientCase) -> tuple[list[bytes], list[dict[str, Any]]]:
    """The APDUs of the case (HDLC segments reassembled) and per-frame framing fields."""
    stream = b"".join(case.frames)
    if case.framing == "pdu":
        return list(case.frames), []
    if case.framing == "wrapper":
        wframes = _wrapper_frames(stream)
        return [f.apdu for f in wframes], [
            {"source_wport": f.source_wport, "destination_wport": f.destination_wport}
            for f in wframes]
    apdus, info, fields = [], b"", []
    for f in _hdlc_frames(stream):
        fields.append({"destination": f.destination.to_bytes(), "source": f.source.to_bytes(),
                       "control": f.control.to_byte(), "segmented": f.segmented})
        if f.frame_type in (HdlcFrameType.SNRM, HdlcFrameType.UA):
            if f.information:
                p = HdlcParameters.decode(f.information)
                fields[-1]["hdlc_parameters"] = {
                    k: getattr(p, k) for k in ("max_info_field_length_transmit",
                                               "max_info_field_length_receive",
                                               "window_size_transmit", "window_size_receive")
                    if getattr(p, k) is not None}
            continue
        info += f.information
        if not f.segmented:
            header, apdu = strip_llc(info)
            assert header is LlcHeader.REQUEST  # IEC 62056-46 8.4.2.1: client to server
            apdus.append(apdu)
            info = b""
    return apdus, fields


def _deciphered(fields: dict[str, Any], raw_apdu: bytes, title: bytes) -> dict[str, Any]:
    """Replace ``ciphered_content`` by what OUR security layer finds inside."""
    apdu = decode(raw_apdu)
    assert isinstance(apdu, CipheredApdu | GeneralGloCiphering)
    plain = unprotect(apdu, keys=OUR_KEYS, system_title=title)
    out = {k: v for k, v in fields.items() if k != "ciphered_content"}
    out["security_control"] = apdu.security_header.security_control
    out["invocation_counter"] = apdu.security_header.invocation_counter
    if plain[0] in (0x01, 0x08):
        out["plaintext"] = user_information_fields(plain, response=plain[0] == 0x08)
    else:
        out["plaintext"] = apdu_fields(decode(plain))
    return out


def _fold_blocks(fields: list[dict[str, Any]]) -> dict[str, Any]:
    first = {k: v for k, v in fields[0].items() if k not in ("datablock", "pblock")}
    blocks = [f.get("datablock") or f["pblock"] for f in fields]
    assert [b["block_number"] for b in blocks] == list(range(1, len(blocks) + 1))
    assert [b["last_block"] for b in blocks] == [False] * (len(blocks) - 1) + [True]
    return {"first": first, "raw_data": b"".join(b["raw_data"] for b in blocks)}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_our_codec_reads_gurux_client(case: GuruxClientCase) -> None:
    raw_apdus, frame_fields = _apdus(case)
    for got, want in zip(frame_fields, case.frame_fields, strict=True):
        assert {k: got[k] for k in want} == want
    fields = [apdu_fields(decode(a)) for a in raw_apdus]
    assert all(f is not None for f in fields)
    if case.blocks is not None:
        assert len(fields) >= 2
        assert _fold_blocks(fields) == case.blocks  # type: ignore[arg-type]
        return
    assert len(fields) == len(case.expected)
    for raw, f, want in zip(raw_apdus, fields, case.expected, strict=True):
        assert f is not None
        if "plaintext" in want and "user_information" not in want:
            f = _deciphered(f, raw, case.keys.system_title if case.keys else b"")
        ui = f.get("user_information")
        if ui is not None and "plaintext" in want.get("user_information", {}):
            assert case.keys is not None
            aarq = decode(raw)
            f["user_information"] = _deciphered(ui, aarq.user_information,  # type: ignore[attr-defined]
                                                case.keys.system_title)
        params = want.get("method_invocation_parameters")
        if isinstance(params, tuple) and params[0] == "f(StoC)":
            f = _check_gmac(f, params)
        assert f == want


def _check_gmac(fields: dict[str, Any], spec: tuple[Any, ...]) -> dict[str, Any]:
    """Verify gurux's f(StoC) = SC | IC | GMAC with OUR mechanism-5 check (Green Book
    9.2.7.4) and replace it by the spec it satisfies."""
    _, sc, ic, challenge = spec
    value: DataValue = fields["method_invocation_parameters"]
    assert value[0] == 9  # octet-string
    f = value[1]
    assert f[0] == sc
    assert verify_hls_gmac(f, challenge=challenge, keys=OUR_KEYS,
                           system_title=bytes.fromhex("4D4D4D0000BC614E")) == ic
    return fields | {"method_invocation_parameters": spec}


def test_gurux_client_cases_are_deterministic() -> None:
    again = gurux_client_cases()
    assert [c.frames for c in again] == [c.frames for c in CASES]
    assert len(CASES) >= 25
