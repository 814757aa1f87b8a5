"""Every shared vector that is a whole frame or APDU goes through ``conformance decode``:
the valid ones decode without an error object, the negative ones yield one with an offset."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.analysis.decode import DecodeKeys, TraceDecoder
from tests.vectors import all_vectors

WHOLE_UNIT_CATEGORIES = (
    "AARQ", "AARE", "AARE incl. rejection diagnostics", "AARQ/RLRQ (release)",
    "AARE/RLRE (release)", "GET request", "GET response", "SET request", "SET response",
    "ACTION request", "ACTION response", "Data notification", "WRAPPER frame",
    "InitiateRequest/Response",
)
NEGATIVE = {"aare-lls-real-ek240-original-malformed", "wrapper-header-jdlms-v1001",
            "aare-hls5-ciphered-malformed-plaintext"}
# Header-only vectors: the frame is valid, the APDU inside is knowingly non-standard.
APDU_ERROR_EXPECTED = {"wrapper-header-jdlms-v0001"}
NOT_WHOLE = {"conformance-block-encodings"}  # a conformance block, not an APDU


def _units() -> list[Any]:
    out = []
    for v in all_vectors():
        if not v["verified"] or v["id"] in NOT_WHOLE:
            continue
        cat = v["category"]
        if cat.startswith(WHOLE_UNIT_CATEGORIES) or (
                cat.startswith("HDLC") and isinstance(v["hex"], str)
                and v["hex"].startswith(("7E", "A0", "A8")) and "params" not in v["id"]):
            out.append(pytest.param(v, id=v["id"]))
    return out


def _keys(inputs: dict[str, str]) -> DecodeKeys:
    def get(*names: str) -> bytes | None:
        for name in names:
            if name in inputs:
                return bytes.fromhex(inputs[name])
        return None
    return DecodeKeys(ek=get("EK(GUEK)", "EK"), ak=get("AK"), system_title=get("system_title"),
                      server_system_title=get("server_system_title"),
                      client_system_title=get("calling_ap_title"))


def _decode(v: dict[str, Any]) -> list[dict[str, Any]]:
    return list(TraceDecoder(_keys(v["inputs"])).decode_text(v["hex"]))


@pytest.mark.parametrize("v", _units())
def test_vector_decodes(v: dict[str, Any]) -> None:
    items = _decode(v)
    assert items, "nothing decoded"
    errors = [i["error"] for i in items if "error" in i]
    errors += [i["user_information"]["deciphered"]["error"] for i in items
               if "error" in i.get("user_information", {}).get("deciphered", {})]
    if v["id"] in APDU_ERROR_EXPECTED:
        assert len(items) == 1 and items[0]["wrapper"]["length"] == v["expected"]["length"]
        assert errors and errors[0]["offset"] is not None
    elif v["id"] in NEGATIVE or "negative" in v["category"]:
        assert errors and errors[0].get("offset") is not None
    else:
        assert not errors, errors


def test_jdlms_session_decodes_frame_by_frame() -> None:
    (session,) = [v for v in all_vectors() if v["id"] == "hdlc-fcs-26-frame-session-jdlms"]
    decoder = TraceDecoder(DecodeKeys())
    items = [i for h in session["hex"] for i in decoder.decode_text(h)]
    assert len(items) == 26 and not [i for i in items if "error" in i]
    apdus = [i["apdu"]["type"] for i in items if "apdu" in i]
    assert apdus[:2] == ["AARQ", "AARE"] and "GetResponseNormal" in apdus
