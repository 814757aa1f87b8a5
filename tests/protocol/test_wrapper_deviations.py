"""The wrapper machine's deviation hooks (WrapperDeviations): version, length field and
swapped wPorts of the WPDUs sent, each against the same send without it; validation."""

from __future__ import annotations

import pytest

from conformance.codec.wrapper import WrapperFrame, WrapperHeader
from conformance.errors import LocalProtocolError
from conformance.protocol.wrapper import Data, WrapperConfig, WrapperDeviations, WrapperMachine

APDU = bytes.fromhex("C001C1000100002A0000FF0200")


def sent(deviations: WrapperDeviations | None = None, apdu: bytes = APDU) -> bytes:
    config = WrapperConfig(local_wport=1, remote_wport=0x10,
                           deviations=deviations or WrapperDeviations())
    return WrapperMachine(config).send(Data(apdu=apdu))


def test_none_is_the_default() -> None:
    assert not WrapperDeviations().active and WrapperDeviations(swap_wports=True).active
    assert sent() == bytes.fromhex("0001 0001 0010 000D") + APDU
    assert WrapperFrame.decode(sent()) == WrapperFrame(source_wport=1, destination_wport=0x10,
                                                       apdu=APDU)


def test_version() -> None:
    wpdu = sent(WrapperDeviations(version=0x0002))
    assert wpdu == bytes.fromhex("0002 0001 0010 000D") + APDU


@pytest.mark.parametrize("offset", [-1, 1, -13])
def test_length_offset(offset: int) -> None:
    wpdu = sent(WrapperDeviations(length_offset=offset))
    assert WrapperHeader.decode(wpdu).length == len(APDU) + offset
    assert wpdu[8:] == APDU


def test_length_beyond_16_bits_is_local_error() -> None:
    with pytest.raises(LocalProtocolError, match="does not fit in 16 bits"):
        sent(WrapperDeviations(length_offset=-14))
    with pytest.raises(LocalProtocolError, match="does not fit in 16 bits"):
        sent(WrapperDeviations(length_offset=0xFFFF))


def test_swapped_wports() -> None:
    assert sent(WrapperDeviations(swap_wports=True)) == bytes.fromhex("0001 0010 0001 000D") + APDU


def test_all_at_once_and_validation() -> None:
    wpdu = sent(WrapperDeviations(version=3, length_offset=1, swap_wports=True))
    assert wpdu == bytes.fromhex("0003 0010 0001 000E") + APDU
    with pytest.raises(ValueError, match="version"):
        WrapperDeviations(version=0x10000)
    with pytest.raises(ValueError, match="length_offset"):
        WrapperDeviations(length_offset=0x10000)
