"""SessionConfig checks, the deviation options and their HDLC frame filter, and the
configuration built from a test plan."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.client import (
    CounterRead,
    Deviations,
    HdlcSettings,
    ModeESignOn,
    SessionConfig,
    Timeouts,
    hdlc_frame_filter,
    session_config,
    transport_url,
)
from conformance.codec.acse.names import MechanismName
from conformance.codec.crc import fcs16
from conformance.codec.hdlc import HdlcAddress, HdlcControl, HdlcFrame, HdlcFrameType
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import PlanError
from conformance.plan import (
    HdlcTcpTransport,
    ModeE,
    Protection,
    SecurityPolicy,
    SerialTransport,
    TcpTransport,
    load_plan,
)
from conformance.protocol.association import AssociationConfig, CipheringMode
from conformance.protocol.association import SecurityPolicy as Policy
from conformance.transport import Framing, LoopbackPair

CLIENT = HdlcAddress.client(0x10)
SERVER = HdlcAddress.server(1, 16, size=4)


# -- SessionConfig --------------------------------------------------------------------
def test_framing_from_url_and_required_with_an_object() -> None:
    assert SessionConfig(transport="tcp://127.0.0.1:4059").framing is Framing.WRAPPER
    assert SessionConfig(transport="hdlc+tcp://127.0.0.1:4059").framing is Framing.HDLC
    with LoopbackPair() as pair:
        with pytest.raises(ValueError, match="framing is required"):
            SessionConfig(transport=pair.client)
        config = SessionConfig(transport=pair.client, framing=Framing.HDLC)
        assert config.where == "loopback client end"


@pytest.mark.parametrize("changes, message", [
    ({"client_sap": 0x80}, "client_sap 128"),
    ({"server_wport": 0x10000}, "server_wport"),
    ({"gbt_window": 0}, "gbt_window"),
    ({"invocation_counter": 1 << 32}, "4 bytes"),
    ({"hdlc": HdlcSettings(window_size_transmit=8)}, "window_size_transmit"),
    ({"hdlc": HdlcSettings(max_info_field_length_receive=4000)}, "max_info_field"),
    ({"transport": "tcp://127.0.0.1:4059", "mode_e": ModeESignOn()}, "mode E"),
])
def test_invalid_settings_are_refused(changes: dict[str, object], message: str) -> None:
    base = {"transport": "hdlc+tcp://127.0.0.1:4059"}
    with pytest.raises(ValueError, match=message):
        SessionConfig(**{**base, **changes})  # type: ignore[arg-type]


def test_timeouts_and_mode_e_checks() -> None:
    with pytest.raises(ValueError, match="response"):
        Timeouts(response=0)
    with pytest.raises(ValueError, match="inter_frame"):
        Timeouts(inter_frame=float("nan"))
    with pytest.raises(ValueError, match="switch_delay"):
        ModeESignOn(switch_delay=-1)
    with pytest.raises(ValueError, match="not be ciphered"):
        CounterRead(logical_name=ObisCode.parse("0.0.43.1.1.255"), association=dataclasses
                    .replace(_management().association))


def test_hdlc_config_carries_proposal_and_timeouts() -> None:
    config = SessionConfig(transport="hdlc+tcp://127.0.0.1:4059", server_address=SERVER,
                           client_sap=1, hdlc=HdlcSettings(max_info_field_length_receive=512,
                                                           window_size_receive=3),
                           timeouts=Timeouts(response=2.5, inter_frame=0.2))
    hdlc = config.hdlc_config()
    assert hdlc.client_address == HdlcAddress.client(1)
    assert hdlc.max_info_field_length_receive == 512 and hdlc.window_size_receive == 3
    assert hdlc.response_timeout == 2.5 and hdlc.inter_octet_timeout == 0.2
    assert hdlc.inactivity_timeout is None


# -- deviations -----------------------------------------------------------------------
def _i(info: bytes, *, segmented: bool = False, ns: int = 2, nr: int = 5) -> HdlcFrame:
    return HdlcFrame(destination=SERVER, source=CLIENT,
                     control=HdlcControl.i_frame(ns, nr), information=info,
                     segmented=segmented)


def _apply(deviations: Deviations, *frames: HdlcFrame) -> list[HdlcFrame | None]:
    filt = hdlc_frame_filter(lambda: deviations)
    return [filt(f) for f in frames]


def test_no_deviation_leaves_frames_alone() -> None:
    frame = _i(b"\xe6\xe6\x00\xc0\x01")
    assert _apply(Deviations(), frame) == [frame]
    assert not Deviations().active and Deviations(omit_llc=True).hdlc_active


def test_llc_header_omitted_or_replaced_on_the_first_segment_only() -> None:
    first, second = _i(b"\xe6\xe6\x00\x60\x01", segmented=True), _i(b"\x02\x03")
    out = _apply(Deviations(omit_llc=True), first, second)
    assert [f.information for f in out if f] == [b"\x60\x01", b"\x02\x03"]
    out = _apply(Deviations(llc_header=b"\xe6\xe7\x00"), _i(b"\xe6\xe6\x00\x60"))
    assert out[0] is not None and out[0].information == b"\xe6\xe7\x00\x60"


def test_wrong_checksums_are_certainly_wrong() -> None:
    frame = _i(b"\xe6\xe6\x00\xc0\x01")
    (hcs_bad,) = _apply(Deviations(wrong_hcs=True), frame)
    (fcs_bad,) = _apply(Deviations(wrong_fcs=True), frame)
    assert hcs_bad is not None and fcs_bad is not None
    good = frame.to_bytes(flags=False)
    raw = hcs_bad.to_bytes(flags=False)
    header = frame.header_length
    assert raw[header:header + 2] != good[header:header + 2]
    assert fcs16(raw[:-2]) == int.from_bytes(raw[-2:], "little")  # FCS over the bad HCS
    raw = fcs_bad.to_bytes(flags=False)
    assert raw[:-2] == good[:-2] and raw[-2:] != good[-2:]
    # A frame without information field has no HCS to spoil.
    rr = HdlcFrame(destination=SERVER, source=CLIENT,
                   control=HdlcControl(frame_type=HdlcFrameType.RR, receive_seq=1))
    assert _apply(Deviations(wrong_hcs=True), rr) == [rr]


def test_sequence_numbers_information_length_and_addresses() -> None:
    other = HdlcAddress.server(5)
    d = Deviations(send_sequence_offset=3, receive_sequence_offset=7,
                   information_field_length=10, hdlc_server_address=other,
                   hdlc_client_address=HdlcAddress.client(0x20))
    (out,) = _apply(d, _i(b"\xe6\xe6\x00\xc0", ns=6, nr=1))
    assert out is not None
    assert (out.control.send_seq, out.control.receive_seq) == (1, 0)
    assert out.information == b"\xe6\xe6\x00\xc0" + bytes(6)
    assert out.destination == other and out.source == HdlcAddress.client(0x20)


def test_frame_type_selection() -> None:
    snrm = HdlcFrame(destination=SERVER, source=CLIENT,
                     control=HdlcControl(frame_type=HdlcFrameType.SNRM))
    d = Deviations(wrong_fcs=True, hdlc_frame_types=frozenset({HdlcFrameType.I}))
    assert _apply(d, snrm) == [snrm]
    out = _apply(d, _i(b"\xe6\xe6\x00\x01"))
    assert out[0] is not None and out[0].fcs is not None


def test_deviation_values_checked_and_merged() -> None:
    with pytest.raises(ValueError, match="send_sequence_offset"):
        Deviations(send_sequence_offset=8)
    with pytest.raises(ValueError, match="wrapper_version"):
        Deviations(wrapper_version=0x10000)
    with pytest.raises(ValueError, match="invocation_counter"):
        Deviations(invocation_counter=-1)
    with pytest.raises(ValueError, match="one octet"):
        Deviations(hdlc_client_address=SERVER)
    merged = Deviations(tamper_tag=True, invocation_counter=5).merged(
        Deviations(invocation_counter=9, omit_llc=True))
    assert merged == Deviations(tamper_tag=True, invocation_counter=9, omit_llc=True)
    association = Deviations(challenge=b"x" * 4, security_control=0x20,
                             conformance=Conformance.GET, max_receive_pdu_size=0).association()
    assert association.challenge == b"x" * 4 and association.security_control == 0x20
    assert association.conformance == Conformance.GET and association.max_receive_pdu_size == 0
    assert Deviations(source_wport=3).wrapper_active and not Deviations().wrapper_active


# -- from a test plan -----------------------------------------------------------------
def _meter():  # type: ignore[no-untyped-def]
    return load_plan("testplans/simulator.yaml").meters[0]


def _management() -> SessionConfig:
    with LoopbackPair() as pair:
        return session_config(_meter(), "management", transport=pair.client)


def test_every_association_of_the_default_plan() -> None:
    meter = _meter()
    with LoopbackPair() as pair:
        for assoc in meter.associations:
            config = session_config(meter, assoc.name, transport=pair.client)
            assert config.client_sap == assoc.client_address
            assert config.server_address == SERVER
            assert config.association.mechanism == MechanismName(int(assoc.mechanism))
            assert config.timeouts == Timeouts(response=2.0, inter_frame=0.5)
            assert config.framing is Framing.HDLC


def test_management_association_keys_titles_and_counter() -> None:
    config = _management()
    a = config.association
    assert a.security_policy is Policy.AUTHENTICATED_ENCRYPTED
    assert a.system_title == bytes.fromhex("4D4D4D0000BC614E")
    assert a.peer_system_title == bytes.fromhex("4D4D4D0000000001")
    assert a.keys.encryption_key == bytes(range(16))
    source = config.invocation_counter
    assert isinstance(source, CounterRead)
    assert source.logical_name == ObisCode.parse("0.0.43.1.1.255")
    assert source.client_sap == 16 and source.association.mechanism == 0
    assert "000102030405060708090A0B0C0D0E0F".lower() not in repr(config).lower()


def test_dedicated_key_and_lls_password() -> None:
    meter = _meter()
    with LoopbackPair() as pair:
        ded = session_config(meter, "management-dedicated", transport=pair.client)
        reader = session_config(meter, "reader", transport=pair.client)
    assert ded.association.ciphering_mode is CipheringMode.DEDICATED
    assert ded.association.dedicated_key == bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    assert reader.association.secret == b"12345678"
    assert "12345678" not in repr(reader)


def test_transport_urls_from_the_plan() -> None:
    meter = _meter()
    tcp = dataclasses.replace(meter, transport=TcpTransport(host="10.0.0.5", port=4061))
    assert transport_url(tcp) == "tcp://10.0.0.5:4061"
    assert session_config(tcp, "public").framing is Framing.WRAPPER
    v6 = dataclasses.replace(meter, transport=HdlcTcpTransport(host="::1", port=5000))
    assert transport_url(v6) == "hdlc+tcp://[::1]:5000"
    serial = dataclasses.replace(meter, transport=SerialTransport(
        url="/dev/ttyUSB0", baudrate=300, mode_e=ModeE(device_address="42", baudrate=9600)))
    assert transport_url(serial) == ("serial:///dev/ttyUSB0?baudrate=300&bytesize=8&"
                                     "parity=N&stopbits=1")
    config = session_config(serial, "public")
    assert config.mode_e == ModeESignOn(device_address="42", expected_baudrate=9600)
    socket = dataclasses.replace(meter, transport=SerialTransport(url="socket://gw:7000"))
    assert transport_url(socket).startswith("socket://gw:7000?baudrate=9600")


def test_plan_errors() -> None:
    meter = _meter()
    with pytest.raises(PlanError, match="in-process"):
        session_config(meter, "public")
    with pytest.raises(PlanError, match="no association 'nobody'"):
        session_config(meter, "nobody", transport="tcp://127.0.0.1:1")
    assoc = meter.association("management")
    weaker = dataclasses.replace(assoc, policy=SecurityPolicy(
        request=Protection.AUTHENTICATED_AND_ENCRYPTED, response=Protection.AUTHENTICATED))
    broken = dataclasses.replace(meter, associations=(*meter.associations[:3], weaker))
    with pytest.raises(PlanError, match="weaker than the request"):
        session_config(broken, "management", transport="tcp://127.0.0.1:1")


def test_an_association_config_is_plain_protocol_data() -> None:
    assert isinstance(_management().association, AssociationConfig)
