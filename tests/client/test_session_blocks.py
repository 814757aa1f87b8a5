"""Long transfers through the session: service-specific blocks both ways, general block
transfer (windows, ciphered), and HDLC segmentation with windows; the trace reassembles
what was on the wire."""

from __future__ import annotations

import pytest

from conformance.client import Direction, HdlcSettings
from conformance.codec.acse.names import MechanismName
from conformance.codec.axdr import Array, DoubleLongUnsigned, OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.initiate import Conformance
from conformance.protocol.association import LN_CONFORMANCE
from conformance.protocol.hdlc import HdlcConfig
from conformance.protocol.services.config import BlockTransferMode
from tests.client.harness import SERVER_ADDRESS, VALUES, served, settings

PROFILE = ObisCode.parse("1.0.99.1.0.255")
GBT = LN_CONFORMANCE | Conformance.GENERAL_BLOCK_TRANSFER
ROWS = Array(items=tuple(DoubleLongUnsigned(value=i * 1000) for i in range(400)))


def _values() -> dict:  # type: ignore[type-arg]
    values = dict(VALUES)
    values[(7, PROFILE, 2)] = ROWS
    return values


@pytest.mark.parametrize("ciphered", [False, True])
def test_long_get_in_datablocks(ciphered: bool) -> None:
    association, offered = settings(MechanismName.HIGH_LEVEL_SECURITY_GMAC, ciphered=ciphered)
    with served(association, offered, values=_values(), synchronous=True) as (session, _):
        session.connect()
        session.associate()
        assert session.get(PROFILE, 7, 2) == ROWS
        transfer = session.last_confirm.transfer  # type: ignore[union-attr]
    assert transfer.response_blocks >= 2 and not transfer.general_block_transfer
    sent = [e.info.get("deciphered", e.info.get("apdu", {})).get("type")
            for e in session.recorder.apdus(Direction.SENT)]
    assert sent.count("GetRequestNext") == transfer.response_blocks - 1


@pytest.mark.parametrize("window", [1, 3])
@pytest.mark.parametrize("ciphered", [False, True])
def test_long_get_in_general_block_transfer(window: int, ciphered: bool) -> None:
    association, offered = settings(MechanismName.HIGH_LEVEL_SECURITY_GMAC, ciphered=ciphered,
                                    conformance=GBT, client_max_receive_pdu_size=256)
    with served(association, offered, values=_values(), synchronous=True,
                meter_blocks=BlockTransferMode.GENERAL, gbt_window=window) as (session, _):
        session.connect()
        session.associate()
        assert session.get(PROFILE, 7, 2) == ROWS
        transfer = session.last_confirm.transfer  # type: ignore[union-attr]
    assert transfer.general_block_transfer
    received = session.recorder.apdus(Direction.RECEIVED)
    blocks = [e for e in received if e.data[0] == 0xE0]
    assert len(blocks) >= 8 and all(len(e.data) <= 256 for e in blocks)
    # The recorder reassembles the blocks into the (ciphered) response and deciphers it.
    (whole,) = [e for e in received if e.layer == "gbt" and e.info["gbt_blocks"] > 1]
    view = whole.info["deciphered"] if ciphered else whole.info["apdu"]
    assert view["type"] == "GetResponseNormal"
    if window > 1:
        windows = {e.info["apdu"]["window"] for e in session.recorder.apdus(Direction.SENT)
                   if e.data[0] == 0xE0}
        assert windows == {window}


def test_long_set_and_action_in_blocks() -> None:
    with served(values=_values(), synchronous=True) as (session, meter):
        session.connect()
        session.associate()
        session.set(PROFILE, 7, 2, ROWS)
        set_transfer = session.last_confirm.transfer  # type: ignore[union-attr]
        returned = session.action(PROFILE, 7, 1, OctetString(value=bytes(3000)))
        action_transfer = session.last_confirm.transfer  # type: ignore[union-attr]
    assert set_transfer.request_blocks >= 2
    assert returned == OctetString(value=bytes(3000))
    assert action_transfer.request_blocks >= 2 and action_transfer.response_blocks >= 2
    assert meter.values[(7, PROFILE, 2)] == ROWS


@pytest.mark.parametrize("mode", [BlockTransferMode.GENERAL, BlockTransferMode.GENERAL_ALWAYS])
def test_requests_in_general_block_transfer(mode: BlockTransferMode) -> None:
    association, offered = settings(conformance=GBT)
    with served(association, offered, values=_values(), synchronous=True,
                block_transfer=mode) as (session, meter):
        session.connect()
        session.associate()
        session.set(PROFILE, 7, 2, ROWS)
        assert session.last_confirm.transfer.general_block_transfer  # type: ignore[union-attr]
        session.get(PROFILE, 7, 2)
        get = session.last_confirm.transfer  # type: ignore[union-attr]
    # A GET request is short: only GENERAL_ALWAYS sends it in GBT, and the meter then
    # answers in kind; with GENERAL the meter chooses (here service-specific blocks).
    assert get.general_block_transfer == (mode is BlockTransferMode.GENERAL_ALWAYS)
    assert meter.values[(7, PROFILE, 2)] == ROWS
    sent_gbt = [e for e in session.recorder.apdus(Direction.SENT) if e.layer == "gbt"]
    assert sent_gbt and sent_gbt[0].info["apdu"]["type"] == "SetRequestNormal"


def test_hdlc_segmentation_with_windows() -> None:
    meter_hdlc = HdlcConfig(server_address=SERVER_ADDRESS, max_info_field_length_transmit=64,
                            max_info_field_length_receive=64, window_size_transmit=3,
                            window_size_receive=3)
    hdlc = HdlcSettings(max_info_field_length_transmit=32, max_info_field_length_receive=48,
                        window_size_transmit=2, window_size_receive=3)
    with served(values=_values(), synchronous=True, meter_hdlc=meter_hdlc,
                hdlc=hdlc) as (session, meter):
        session.connect()
        session.associate()
        assert session.get(PROFILE, 7, 2) == ROWS
        session.set(PROFILE, 7, 2, ROWS)
        assert meter.log.errors == []
    received = session.recorder.frames(Direction.RECEIVED)
    assert max(f.info["frame"].get("information_length", 0) for f in received) == 48
    sent = session.recorder.frames(Direction.SENT)
    assert max(f.info["frame"].get("information_length", 0) for f in sent) == 32
    # With a window of 2, the client sends two I frames before it polls (P=1 on the 2nd).
    controls = [f.info["frame"]["control"] for f in sent]
    assert any(c.startswith("I ") and c.endswith("P/F=0") for c in controls)
    ua = next(f for f in received if f.info["frame"]["type"] == "UA")
    assert ua.info["frame"]["parameters"]["window_size_transmit"] == 3
