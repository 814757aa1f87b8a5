"""Each deviation is visible on the wire in the trace, and the (conformant) test meter
reacts to it as the standard wants; the session never loosens what it accepts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.client import (
    AssociationRejected,
    Deviations,
    Direction,
    EntryKind,
    ExceptionResponseError,
    Session,
)
from conformance.codec.acse.names import AcseServiceUserDiagnostic, MechanismName
from conformance.codec.axdr import Array, DoubleLongUnsigned
from conformance.codec.hdlc import HdlcAddress
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.initiate import Conformance
from conformance.errors import (
    ConformanceError,
    LocalProtocolError,
    SecurityError,
    TransportTimeout,
)
from conformance.protocol.association import LN_CONFORMANCE, AssociationConfig
from conformance.protocol.services.config import BlockTransferMode
from conformance.security import SecuritySuite
from conformance.transport import Framing
from tests.client.harness import ENERGY_LN, VALUES, served, settings
from tests.client.meter import TestMeter

M = MechanismName
PROFILE = ObisCode.parse("1.0.99.1.0.255")


@pytest.fixture
def public() -> Iterator[tuple[Session, TestMeter]]:
    """An associated public session, served synchronously on a fake clock."""
    with served(synchronous=True) as (session, meter):
        session.connect()
        session.associate()
        yield session, meter


def _last_sent_frame(session: Session, start: int) -> dict[str, object]:
    frames = [e for e in session.recorder.to_dicts(start)
              if e["kind"] in ("frame", "discarded") and e["direction"] == "client->server"]
    return frames[-1]


def _aarq(session: Session) -> dict[str, object]:
    return next(e.info for e in session.recorder.apdus(Direction.SENT)
                if e.info.get("apdu", {}).get("type") == "AARQ")


# -- HDLC -----------------------------------------------------------------------------
@pytest.mark.parametrize("deviation, llc", [(Deviations(omit_llc=True), None),
                                            (Deviations(llc_header=b"\xe6\xe7\x00"),
                                             "response")])
def test_llc_header_deviations(public: tuple[Session, TestMeter], deviation: Deviations,
                               llc: str | None) -> None:
    session, meter = public
    start = session.recorder.mark()
    with session.deviating(deviation), pytest.raises(ConformanceError):
        session.get(ENERGY_LN, 3, 2)
    (request,) = session.recorder.apdus(Direction.SENT, start=start)
    assert request.info["llc"] == llc and "warning" in request.info
    assert request.info["apdu"]["type"] == "GetRequestNormal"
    assert any("LLC" in error for error in meter.log.errors)


@pytest.mark.parametrize("deviation, where", [(Deviations(wrong_hcs=True), "HCS"),
                                              (Deviations(wrong_fcs=True), "FCS")])
def test_wrong_checksums_are_discarded_silently(public: tuple[Session, TestMeter],
                                                deviation: Deviations, where: str) -> None:
    session, meter = public
    start = session.recorder.mark()
    with session.deviating(deviation), pytest.raises(TransportTimeout):
        session.get(ENERGY_LN, 3, 2)
    sent = _last_sent_frame(session, start)
    assert sent["kind"] == "discarded"
    assert sent["error"]["kind"] == "ChecksumError" and where in sent["error"]["message"]
    assert meter.log.requests == []  # the meter never saw the request


def test_wrong_send_sequence_number(public: tuple[Session, TestMeter]) -> None:
    session, meter = public
    start = session.recorder.mark()
    with session.deviating(Deviations(send_sequence_offset=2)), \
            pytest.raises(ConformanceError):
        session.get(ENERGY_LN, 3, 2)
    sent = _last_sent_frame(session, start)
    assert sent["frame"]["control"].startswith("I N(S)=3 ")  # V(S) was 1
    assert "not reassembled" in sent["sequence"]
    assert meter.log.requests == []


def test_wrong_receive_sequence_number_draws_frmr(public: tuple[Session, TestMeter]
                                                  ) -> None:
    session, _ = public
    start = session.recorder.mark()
    with session.deviating(Deviations(receive_sequence_offset=3)), \
            pytest.raises(ConformanceError, match="FRMR"):
        session.get(ENERGY_LN, 3, 2)
    assert _last_sent_frame(session, start)["frame"]["control"].endswith("N(R)=4 P/F=1")
    received = [e for e in session.recorder.frames(Direction.RECEIVED, start=start)]
    assert received[-1].info["frame"]["type"] == "FRMR"


def test_oversized_information_field(public: tuple[Session, TestMeter]) -> None:
    session, _ = public
    start = session.recorder.mark()
    with session.deviating(Deviations(information_field_length=129)), \
            pytest.raises(ConformanceError):
        session.get(ENERGY_LN, 3, 2)
    assert _last_sent_frame(session, start)["frame"]["information_length"] == 129
    received = session.recorder.frames(Direction.RECEIVED, start=start)
    assert received and received[-1].info["frame"]["type"] == "FRMR"


@pytest.mark.parametrize("deviation, field, shown", [
    (Deviations(hdlc_server_address=HdlcAddress.server(5, 16, size=4)), "destination",
     "5/16 (4 octets)"),
    (Deviations(hdlc_client_address=HdlcAddress.client(0x33)), "source", "0x33")])
def test_frames_for_another_station_are_ignored(public: tuple[Session, TestMeter],
                                                deviation: Deviations, field: str,
                                                shown: str) -> None:
    session, meter = public
    start = session.recorder.mark()
    with session.deviating(deviation), pytest.raises(TransportTimeout):
        session.get(ENERGY_LN, 3, 2)
    assert _last_sent_frame(session, start)["frame"][field] == shown
    assert meter.log.requests == []


def test_deviations_apply_only_inside_the_block(public: tuple[Session, TestMeter]) -> None:
    session, meter = public
    with session.deviating(Deviations(wrong_fcs=True)), pytest.raises(TransportTimeout):
        session.get(ENERGY_LN, 3, 2)
    assert session.deviations == Deviations()
    # The lost frame left the link out of step: the next call says so, connect() resets it.
    with pytest.raises(LocalProtocolError, match=r"out of step .* call connect\(\)"):
        session.get(ENERGY_LN, 3, 2)
    start = session.recorder.mark()
    session.connect()
    session.associate()
    assert session.get(ENERGY_LN, 3, 2) == DoubleLongUnsigned(value=12345678)
    frames = [f.info["frame"]["type"] for f in session.recorder.frames(Direction.SENT,
                                                                        start=start)]
    assert frames[0] == "SNRM"
    assert all(e.kind is not EntryKind.DISCARDED for e in session.recorder.entries[start:])
    assert meter.log.associations == 2


# -- wrapper --------------------------------------------------------------------------
@pytest.mark.parametrize("deviation, key, value", [
    (Deviations(wrapper_version=2), "version", 2),
    (Deviations(source_wport=0x33), "source_wport", 0x33),
    (Deviations(destination_wport=9), "destination_wport", 9),
])
def test_wrapper_header_deviations(deviation: Deviations, key: str, value: int) -> None:
    with served(framing=Framing.WRAPPER, synchronous=True) as (session, meter):
        session.connect()
        with session.deviating(deviation), pytest.raises(TransportTimeout):
            session.associate()
        assert meter.log.associations == 0
    entry = session.recorder.to_dicts()[2]
    if key == "version":
        # An illegal version makes the WPDU unreadable: the recorder shows why.
        assert entry["kind"] == "discarded" and "version" in entry["error"]["message"]
    else:
        assert entry["wrapper"][key] == value


def test_wrapper_length_deviation() -> None:
    with served(framing=Framing.WRAPPER, synchronous=True) as (session, meter):
        session.connect()
        with session.deviating(Deviations(wrapper_length=200)), \
                pytest.raises(TransportTimeout):
            session.associate()
        assert meter.log.associations == 0
    (sent,) = [e for e in session.recorder.entries if e.kind is EntryKind.BYTES]
    assert sent.data[6:8] == (200).to_bytes(2, "big")


# -- association ----------------------------------------------------------------------
def test_chosen_challenge_length_and_content() -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_SHA1)
    with served(association, offered, synchronous=True) as (session, _):
        session.connect()
        with session.deviating(Deviations(challenge=b"\xaa" * 7)), \
                pytest.raises(AssociationRejected) as info:
            session.associate()
        assert info.value.diagnostic == AcseServiceUserDiagnostic.AUTHENTICATION_FAILURE
        assert _aarq(session)["calling_authentication_value"] == "AA" * 7
        with session.deviating(Deviations(challenge=bytes(range(64)))):
            session.associate()  # 64 octets is the longest allowed
        assert session.associated


def test_wrong_f_in_hls_pass_3() -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_SHA256,
                                    suite=SecuritySuite.SUITE_1, ciphered=True)
    with served(association, offered, synchronous=True) as (session, meter):
        session.connect()
        with session.deviating(Deviations(wrong_f=True)), \
                pytest.raises(SecurityError, match="pass 3 refused"):
            session.associate()
        assert not session.associated
    pass3 = session.recorder.apdus(Direction.SENT)[1].info["deciphered"]
    assert pass3["cosem_method_descriptor"]["method_id"] == 1
    assert any("pass 3" in error for error in meter.log.errors)


def test_forced_invocation_counter_and_security_control() -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True)
    with served(association, offered, synchronous=True) as (session, _):
        session.connect()
        deviation = Deviations(invocation_counter=0x01020304, security_control=0x20)
        with session.deviating(deviation), pytest.raises(AssociationRejected):
            session.associate()
    header = _aarq(session)["user_information"]["ciphered"]["security_header"]
    assert header["invocation_counter"] == 0x01020304
    assert header["security_control"].startswith("SC 0x20")


def test_tampered_tag_is_seen_by_the_trace_and_the_meter() -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True)
    with served(association, offered, synchronous=True) as (session, _):
        session.connect()
        with session.deviating(Deviations(tamper_tag=True)), \
                pytest.raises(AssociationRejected):
            session.associate()
    deciphered = _aarq(session)["user_information"]["deciphered"]
    assert deciphered["error"]["kind"] == "SecurityError"


def test_chosen_conformance_and_pdu_size() -> None:
    with served(synchronous=True) as (session, _):
        session.connect()
        chosen = Conformance.GET | Conformance.SET
        with session.deviating(Deviations(conformance=chosen, max_receive_pdu_size=0xFFFF)):
            session.associate()
        assert session.negotiated is not None
        assert session.negotiated.negotiated_conformance == chosen
    initiate = _aarq(session)["user_information"]
    assert initiate["proposed_conformance"] == ["get", "set"]
    assert initiate["client_max_receive_pdu_size"] == 0xFFFF


def test_wrong_system_title_and_raw_user_information() -> None:
    association, offered = settings(M.HIGH_LEVEL_SECURITY_GMAC, ciphered=True)
    with served(association, offered, synchronous=True) as (session, _):
        session.connect()
        with session.deviating(Deviations(system_title=b"ABCDEFGH")), \
                pytest.raises(AssociationRejected) as info:
            session.associate()
        assert info.value.diagnostic == \
            AcseServiceUserDiagnostic.CALLING_AP_TITLE_NOT_RECOGNIZED
        assert _aarq(session)["apdu"]["calling_ap_title"] == b"ABCDEFGH".hex().upper()
    plain = bytes.fromhex("01000000065F1F0400007E1F04B0")
    with served(association, offered, synchronous=True) as (session, _):
        session.connect()
        with session.deviating(Deviations(user_information=plain)), \
                pytest.raises(AssociationRejected):
            session.associate()  # a plain InitiateRequest in a ciphered context
        assert _aarq(session)["apdu"]["user_information"] == plain.hex().upper()


# -- services -------------------------------------------------------------------------
def test_get_next_while_gbt_is_running() -> None:
    values = dict(VALUES)
    values[(7, PROFILE, 2)] = Array(items=tuple(DoubleLongUnsigned(value=i)
                                                for i in range(400)))
    association, offered = settings(conformance=LN_CONFORMANCE
                                    | Conformance.GENERAL_BLOCK_TRANSFER)
    with served(association, offered, values=values, meter_blocks=BlockTransferMode.GENERAL,
                synchronous=True) as (session, _):
        session.connect()
        session.associate()
        assert len(session.get(PROFILE, 7, 2).items) == 400  # conformant: GBT followed
        start = session.recorder.mark()
        with session.deviating(Deviations(get_next_during_gbt=True)), \
                pytest.raises((ExceptionResponseError, ConformanceError)):
            session.get(PROFILE, 7, 2)
    sent = [e.info["apdu"]["type"] for e in session.recorder.apdus(Direction.SENT, start=start)]
    received = [e.info["apdu"]["type"]
                for e in session.recorder.apdus(Direction.RECEIVED, start=start)]
    assert sent[:2] == ["GetRequestNormal", "GetRequestNext"]
    assert received[0] == "GeneralBlockTransfer"
    notes = [e.text for e in session.recorder.entries[start:]]
    assert "deviation: get-request-next instead of the GBT acknowledgement" in notes


def test_a_plain_config_is_not_changed_by_deviating() -> None:
    with served(synchronous=True) as (session, _):
        before = session.config
        with session.deviating(Deviations(tamper_tag=True)):
            assert session.deviations.tamper_tag
        assert session.config is before
        assert isinstance(before.association, AssociationConfig)


def test_disconnect_after_a_failed_exchange_still_sends_disc(
        public: tuple[Session, TestMeter]) -> None:
    session, meter = public
    with session.deviating(Deviations(wrong_fcs=True)), pytest.raises(TransportTimeout):
        session.get(ENERGY_LN, 3, 2)
    start = session.recorder.mark()
    session.disconnect()
    sent = [f.info["frame"]["type"] for f in session.recorder.frames(Direction.SENT,
                                                                      start=start)]
    received = [f.info["frame"]["type"]
                for f in session.recorder.frames(Direction.RECEIVED, start=start)]
    assert sent == ["DISC"] and received == ["UA"]
    assert meter.association is None  # the meter's link (and association) ended
