"""General block transfer (Green Book 9.4.6.13) between the client and server machines:
the shared vectors, windows 1..n with lost blocks recovered, streaming flags, mixing GBT
with plain APDUs detected both ways, and the faults of a GBT peer."""

from __future__ import annotations

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import OctetString, Structure, Unsigned
from conformance.codec.xdlms import get
from conformance.codec.xdlms.enums import (
    DataAccessResult,
    ExceptionServiceError,
    ExceptionStateError,
)
from conformance.codec.xdlms.exception import ExceptionResponse
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.get import DataBlockG
from conformance.codec.xdlms.initiate import Conformance
from conformance.codec.xdlms.notification import DataNotification
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.services import (
    BlockTransferMode,
    ClientEvent,
    ClientServices,
    GbtPhase,
    Get,
    GetConfirm,
    NotificationIndication,
    Notify,
    RequestMissingBlocks,
    ServerServices,
    ServicesState,
    Set,
    SetConfirm,
)
from conformance.protocol.services.gbt import GbtSession
from tests.protocol.test_services_pair import (
    EVERYTHING,
    LN_CONFORMANCE,
    Model,
    Wire,
    attribute,
    config,
    machines,
    only,
)
from tests.vectors import hexbytes, vector

C = Conformance
DAR = DataAccessResult
GENERAL = BlockTransferMode.GENERAL
ALWAYS = BlockTransferMode.GENERAL_ALWAYS


def gbt(data: bytes) -> GeneralBlockTransfer:
    apdu = decode_apdu(data)
    assert isinstance(apdu, GeneralBlockTransfer)
    return apdu


def block(number: int, ack: int = 0, data: bytes = b"", *, last: bool = False,
          streaming: bool = False, window: int = 1) -> bytes:
    return GeneralBlockTransfer(last_block=last, streaming=streaming, window=window,
                                block_number=number, block_number_ack=ack,
                                block_data=data).to_bytes()


# -- the shared vectors -----------------------------------------------------------------------
class _Counting(Model):
    def get(self, descriptor, selective_access, /):  # type: ignore[no-untyped-def]
        return OctetString(value=bytes(range(5, 15)))


def test_lost_block_recovery_reproduces_the_vector() -> None:
    """Blocks of 2 octets (client max 9), the client's window 6 and the server's 1: block 4
    is lost; the client asks for it exactly as vector ``gbt-missing-block-recovery`` does
    and the server sends it again as the vector shows."""
    recovery = vector("gbt-missing-block-recovery")
    client = ClientServices(config(EVERYTHING, client_max=9, gbt_window=6,
                                   block_transfer=ALWAYS))
    server = ServerServices(config(EVERYTHING, client_max=9, gbt_window=1), _Counting())
    request = client.send(Get(cosem_attribute_descriptor=attribute()))
    assert gbt(request[0]).last_block and gbt(request[0]).block_number == 1
    server.receive(request[0])
    window = server.data_to_send()
    assert [gbt(b).block_number for b in window] == [1, 2, 3, 4, 5, 6]
    assert [gbt(b).streaming for b in window] == [True] * 5 + [False]
    assert gbt(window[3]).block_data == bytes.fromhex("0506")
    for apdu in window[:3] + window[4:]:
        assert client.receive(apdu) == []
    ask = client.data_to_send()
    assert ask == [hexbytes(recovery["hex"][0])]
    server.receive(ask[0])
    again = server.data_to_send()
    expected = recovery["expected"]["retransmitted_block"]
    resent = gbt(again[0])
    assert (resent.last_block, resent.streaming, resent.window, resent.block_number,
            resent.block_number_ack, resent.block_data.hex().upper()) == (
        expected["last_block"], expected["streaming"], expected["window"],
        expected["block_number"], expected["block_number_ack"], expected["block_data"])
    # (The vector writes the 2-octet block-data with the long form 82 0002; ours is minimal.)
    assert again == [hexbytes(recovery["hex"][1]).replace(b"\x82\x00\x02", b"\x02")]
    assert client.receive(again[0]) == []
    ack = gbt(client.data_to_send()[0])
    assert (ack.block_number, ack.block_number_ack, ack.window) == (3, 6, 6)
    server.receive(ack.to_bytes())
    rest = server.data_to_send()
    assert [gbt(b).block_number for b in rest] == [7, 8] and gbt(rest[1]).last_block
    assert client.receive(rest[0]) == []
    confirm = only(client.receive(rest[1]))
    assert isinstance(confirm, GetConfirm)
    assert confirm.result == OctetString(value=bytes(range(5, 15)))
    assert client.state is ServicesState.IDLE and client.gbt_phase is GbtPhase.IDLE


def test_client_acknowledges_the_single_block_vector() -> None:
    client = ClientServices(config(EVERYTHING, gbt_window=4))
    client.send(Get(cosem_attribute_descriptor=attribute()))  # invoke-id-and-priority 0x41
    assert client.receive(hexbytes(vector("gbt-single-block")["hex"])) == []
    assert client.data_to_send() == [block(1, 1, last=True, window=4)]
    assert client.gbt_phase is GbtPhase.RECEIVING


# -- windows and lost blocks ----------------------------------------------------------------
def _recover(wire: Wire, events: list[ClientEvent]) -> list[ClientEvent]:
    """Play the session's timer: while a side waits for blocks that were lost, it
    acknowledges what it has so that the peer sends the rest again."""
    for _ in range(300):
        if events:
            return events
        if wire.server.gbt_phase is GbtPhase.RECEIVING:
            events += wire.run([], wire.server.send(RequestMissingBlocks()))
        elif wire.client.gbt_phase is GbtPhase.RECEIVING:
            events += wire.run(wire.client.send(RequestMissingBlocks()))
        else:
            raise AssertionError(f"stuck: {wire.client.state} {wire.client.gbt_phase} "
                                 f"{wire.server.state} {wire.server.gbt_phase}")
    raise AssertionError("no progress")


@settings(max_examples=150, deadline=None)
@given(size=st.integers(0, 700), client_max=st.integers(12, 120),
       client_window=st.integers(1, 10), server_window=st.integers(1, 10),
       lost=st.sets(st.integers(1, 14), max_size=5),
       lost_acks=st.sets(st.integers(1, 8), max_size=3), mode=st.sampled_from([GENERAL, ALWAYS]))
def test_gbt_get_with_windows_and_losses(size: int, client_max: int, client_window: int,
                                         server_window: int, lost: set[int],
                                         lost_acks: set[int], mode: BlockTransferMode) -> None:
    """Blocks of the response and acknowledgements of the client get lost (never the first
    APDU each way: the session would repeat the whole request, not the machine)."""
    dropped: list[int] = []
    dropped_acks: list[int] = []

    def lose(index: int, apdu: bytes) -> bytes | None:
        if index in lost and index not in dropped:
            dropped.append(index)
            return None
        return apdu

    def lose_ack(index: int, apdu: bytes) -> bytes | None:
        if index in lost_acks and index not in dropped_acks:
            dropped_acks.append(index)
            return None
        return apdu

    model = Model()
    value = OctetString(value=bytes(i & 0xFF for i in range(size)))
    model.put(attribute(), value)
    client = ClientServices(config(EVERYTHING, client_max=client_max, gbt_window=client_window,
                                   block_transfer=mode))
    server = ServerServices(config(EVERYTHING, client_max=client_max, gbt_window=server_window,
                                   block_transfer=mode), model)
    wire = Wire(client, server, to_client=lose, to_server=lose_ack)
    events = _recover(wire, wire.exchange(Get(cosem_attribute_descriptor=attribute())))
    confirm = only(events)
    assert isinstance(confirm, GetConfirm) and confirm.result == value
    _check_bursts(wire, client_window)
    event(f"GBT used: {confirm.transfer.general_block_transfer}, lost: {bool(dropped)}, "
          f"lost acks: {bool(dropped_acks)}")


def _check_bursts(wire: Wire, client_window: int) -> None:
    """No burst of the server is longer than the client's window; streaming is set on every
    block of a burst but its last."""
    burst: list[GeneralBlockTransfer] = []
    for direction, apdu in [*wire.log, ("c>s", b"")]:
        if direction == "s>c" and apdu[0] == 0xE0:
            burst.append(gbt(apdu))
            continue
        if burst:
            assert len(burst) <= client_window
            assert [b.streaming for b in burst] == [True] * (len(burst) - 1) + [False]
        burst = []


@settings(max_examples=100, deadline=None)
@given(size=st.integers(121, 900), server_max=st.integers(16, 120),
       server_window=st.integers(1, 8), lost=st.sets(st.integers(1, 10), max_size=4))
def test_gbt_set_request_with_losses(size: int, server_max: int, server_window: int,
                                     lost: set[int]) -> None:
    dropped: list[int] = []

    def lose(index: int, apdu: bytes) -> bytes | None:
        if index in lost and index not in dropped:
            dropped.append(index)
            return None
        return apdu

    model = Model()
    client = ClientServices(config(EVERYTHING, server_max=server_max, block_transfer=GENERAL))
    server = ServerServices(config(EVERYTHING, server_max=server_max, gbt_window=server_window),
                            model)
    wire = Wire(client, server, to_server=lose)
    value = OctetString(value=bytes(size))
    events = _recover(wire, wire.exchange(Set(cosem_attribute_descriptor=attribute(),
                                              value=value)))
    confirm = only(events)
    assert isinstance(confirm, SetConfirm) and confirm.result is DAR.SUCCESS
    assert confirm.transfer.general_block_transfer
    event(f"lost: {bool(dropped)}")
    assert model.values[(1, attribute().instance_id, 2)] == value
    assert wire.served[-1].transfer.general_block_transfer


@pytest.mark.parametrize("ciphered", [False, True])
def test_gbt_carries_the_protected_apdu(ciphered: bool) -> None:
    wire, model = machines(config(EVERYTHING, client_max=40, gbt_window=3,
                                  block_transfer=GENERAL), ciphered=ciphered)
    model.put(attribute(), OctetString(value=bytes(300)))
    confirm = only(wire.exchange(Get(cosem_attribute_descriptor=attribute())))
    assert isinstance(confirm, GetConfirm) and confirm.transfer.general_block_transfer
    data = b"".join(gbt(a).block_data for d, a in wire.log if d == "s>c")
    assert data[0] == (0xDB if ciphered else 0xC4)
    assert all(a[0] == 0xE0 for d, a in wire.log if d == "s>c")


def test_a_plain_request_answered_in_gbt_ends_with_the_response() -> None:
    wire, model = machines(config(EVERYTHING, client_max=30, gbt_window=2,
                                  block_transfer=GENERAL))
    model.put(attribute(), OctetString(value=bytes(100)))
    model.put(attribute("0.0.96.1.1.255"), Unsigned(value=1))
    assert isinstance(only(wire.exchange(Get(cosem_attribute_descriptor=attribute()))),
                      GetConfirm)
    assert wire.log[0][1][0] == 0xC0  # the request went plain, the answer in GBT
    assert wire.client.gbt_phase is GbtPhase.IDLE
    assert wire.server.gbt_phase is GbtPhase.SENT  # keeps its blocks for late requests
    confirm = only(wire.exchange(Get(cosem_attribute_descriptor=attribute("0.0.96.1.1.255"))))
    assert isinstance(confirm, GetConfirm) and not confirm.transfer.general_block_transfer
    assert _phase(wire.server) is GbtPhase.IDLE  # (a call: mypy keeps no narrowing)


def _phase(machine: ServerServices) -> GbtPhase:
    return machine.gbt_phase


def test_gbt_notifications() -> None:
    wire, _ = machines(config(EVERYTHING, client_max=32, block_transfer=ALWAYS))
    push = DataNotification(long_invoke_id_and_priority=7, notification_body=Structure(
        items=(OctetString(value=bytes(60)),)))
    events = wire.run([], wire.server.send(Notify(notification=push)))
    assert events == [NotificationIndication(notification=push, general_block_transfer=True)]
    assert wire.client.gbt_phase is GbtPhase.IDLE
    short = DataNotification(long_invoke_id_and_priority=8, notification_body=Unsigned(value=1))
    events = wire.run([], wire.server.send(Notify(notification=short)))  # ALWAYS: GBT too
    assert events == [NotificationIndication(notification=short, general_block_transfer=True)]


# -- mixing GBT with plain APDUs ------------------------------------------------------------
def test_client_flags_a_meter_starting_gbt_without_the_bit() -> None:
    client = ClientServices(config(LN_CONFORMANCE))
    client.send(Get(cosem_attribute_descriptor=attribute()))
    with pytest.raises(RemoteProtocolError, match="general-block-transfer conformance bit"):
        client.receive(hexbytes(vector("gbt-single-block")["hex"]))
    assert client.state is ServicesState.IDLE


def test_client_flags_a_plain_answer_to_a_gbt_request() -> None:
    client = ClientServices(config(EVERYTHING, block_transfer=ALWAYS))
    client.send(Get(cosem_attribute_descriptor=attribute()))
    answer = get.GetResponseNormal(invoke_id_and_priority=0x41, result=Unsigned(value=1))
    with pytest.raises(RemoteProtocolError, match="plain GetResponseNormal while the exchange "
                                                  "uses general block transfer"):
        client.receive(answer.to_bytes())
    # An exception-response may still come plain.
    client.send(Get(cosem_attribute_descriptor=attribute()))
    refusal = ExceptionResponse(state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
                                service_error=ExceptionServiceError.OTHER_REASON)
    assert only(client.receive(refusal.to_bytes())).exception == refusal  # type: ignore[union-attr]


def test_client_flags_a_meter_leaving_gbt_mid_response() -> None:
    client = ClientServices(config(EVERYTHING, gbt_window=1))
    client.send(Get(cosem_attribute_descriptor=attribute()))
    client.receive(block(1, 0, b"\xc4\x02\x41", streaming=False))
    client.data_to_send()
    plain = get.GetResponseWithDatablock(invoke_id_and_priority=0x41, result=DataBlockG(
        last_block=True, block_number=1, result=b"\x11\x01"))
    with pytest.raises(RemoteProtocolError, match="plain GetResponseWithDatablock"):
        client.receive(plain.to_bytes())


def _served_in_gbt() -> tuple[ServerServices, list[bytes]]:
    model = Model()
    model.put(attribute(), OctetString(value=bytes(200)))
    server = ServerServices(config(EVERYTHING, client_max=40, block_transfer=GENERAL), model)
    server.receive(get.GetRequestNormal(invoke_id_and_priority=0x41,
                                        cosem_attribute_descriptor=attribute()).to_bytes())
    return server, server.data_to_send()


def _hint(error: pytest.ExceptionInfo[RemoteProtocolError]) -> object:
    assert isinstance(error.value.response_hint, bytes)
    return decode_apdu(error.value.response_hint)


def test_server_flags_get_next_answering_a_gbt_block() -> None:
    """dlms-notes failure 8: a client that answers a GBT block with get-request-next."""
    server, out = _served_in_gbt()
    assert len(out) == 1 and gbt(out[0]).block_number == 1
    with pytest.raises(RemoteProtocolError, match="answered a general-block-transfer block "
                                                  "with a plain GetRequestNext") as error:
        server.receive(get.GetRequestNext(invoke_id_and_priority=0x41,
                                          block_number=1).to_bytes())
    assert _hint(error) == get.GetResponseWithDatablock(invoke_id_and_priority=0x41, result=(
        DataBlockG(last_block=True, block_number=2, result=DAR.LONG_GET_ABORTED)))
    assert server.state is ServicesState.IDLE and server.gbt_phase is GbtPhase.IDLE


def test_server_flags_a_plain_request_in_the_middle_of_a_transfer() -> None:
    server, _ = _served_in_gbt()
    with pytest.raises(RemoteProtocolError, match="in the middle of a general block") as error:
        server.receive(get.GetRequestNormal(invoke_id_and_priority=0x42,
                                            cosem_attribute_descriptor=attribute()).to_bytes())
    assert _hint(error) == ExceptionResponse(
        state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
        service_error=ExceptionServiceError.OPERATION_NOT_POSSIBLE)


def test_server_refuses_gbt_when_not_granted() -> None:
    server = ServerServices(config(LN_CONFORMANCE), Model())
    request = get.GetRequestNormal(invoke_id_and_priority=0x41,
                                   cosem_attribute_descriptor=attribute()).to_bytes()
    with pytest.raises(RemoteProtocolError, match="not negotiated") as error:
        server.receive(block(1, 0, request, last=True))
    assert _hint(error) == ExceptionResponse(
        state_error=ExceptionStateError.SERVICE_NOT_ALLOWED,
        service_error=ExceptionServiceError.SERVICE_NOT_SUPPORTED)


# -- faults of a GBT peer -------------------------------------------------------------------
def _receiving_client(window: int = 2) -> ClientServices:
    client = ClientServices(config(EVERYTHING, gbt_window=window, block_transfer=ALWAYS))
    client.send(Get(cosem_attribute_descriptor=attribute()))
    return client


@pytest.mark.parametrize(("blocks", "message"), [
    ([block(0, 1, b"\xc4")], "block-number 0"),
    ([block(1, 2, b"\xc4")], "acknowledges a block never sent"),
    ([block(1, 1, b"\xc4", last=True, streaming=True)], "both last-block and streaming"),
    ([block(1, 1, b"\xc4", streaming=True), block(2, 1, b"\x01", streaming=True),
      block(3, 1, b"\x01", streaming=True)], "3 blocks without acknowledgement, this side's "
                                             "window is 2"),
    ([block(70, 1, b"\xc4")], "beyond any window"),
    ([block(1, 1, b"\xc4\x01", streaming=True), block(3, 1, b"\x01"),
      block(2, 1, b"\x01", last=True)], "after the last block"),
])
def test_client_flags_gbt_faults(blocks: list[bytes], message: str) -> None:
    client = _receiving_client()
    with pytest.raises(RemoteProtocolError, match=message):
        for apdu in blocks:
            client.receive(apdu)
            client.data_to_send()
    assert client.state is ServicesState.IDLE and client.gbt_phase is GbtPhase.IDLE


def test_acknowledgement_going_back_and_window_zero() -> None:
    server, _ = _served_in_gbt()
    server.receive(block(1, 1, window=3))
    assert len(server.data_to_send()) == 3
    with pytest.raises(RemoteProtocolError, match="went back from 1 to 0"):
        server.receive(block(2, 0, window=3))
    server, _ = _served_in_gbt()
    with pytest.raises(RemoteProtocolError, match="window 0"):
        server.receive(block(1, 1, window=0))


def test_acknowledgement_without_transfer_and_data_while_sending() -> None:
    server = ServerServices(config(EVERYTHING), Model())
    with pytest.raises(RemoteProtocolError, match=r"acknowledgement .* while no transfer"):
        server.receive(block(1, 0))
    client = ClientServices(config(EVERYTHING, server_max=20, block_transfer=GENERAL))
    client.send(Set(cosem_attribute_descriptor=attribute(), value=OctetString(value=bytes(40))))
    with pytest.raises(RemoteProtocolError, match="carries data before this side's APDU"):
        client.receive(block(1, 1, b"\xc5"))


def test_request_missing_blocks_needs_a_transfer_and_limits_are_local_errors() -> None:
    client = ClientServices(config(EVERYTHING))
    with pytest.raises(LocalProtocolError, match="nothing is being received"):
        client.send(RequestMissingBlocks())
    tiny = ClientServices(config(EVERYTHING, server_max=7, block_transfer=ALWAYS))
    with pytest.raises(LocalProtocolError, match="cannot carry a general-block-transfer"):
        tiny.send(Get(cosem_attribute_descriptor=attribute()))
    session = GbtSession(window=1)
    with pytest.raises(LocalProtocolError, match="above 65535"):
        session.send_apdu(bytes(70000), 8)
    assert session.phase is GbtPhase.IDLE


def test_a_refused_block_leaves_nothing_behind() -> None:
    """(Found by the random sequences: the window of a refused block leaked into the next
    exchange.)"""
    client = ClientServices(config(EVERYTHING, block_transfer=ALWAYS))
    with pytest.raises(RemoteProtocolError, match="while no transfer is in progress"):
        client.receive(block(1, 0, window=0))
    sent = client.send(Get(cosem_attribute_descriptor=attribute()))
    assert gbt(sent[0]).block_number == 1 and gbt(sent[0]).block_number_ack == 0
    # A block with window 0 that does not ask for more blocks is no fault.
    client = ClientServices(config(EVERYTHING, block_transfer=ALWAYS, gbt_window=2))
    client.send(Get(cosem_attribute_descriptor=attribute()))
    answer = get.GetResponseNormal(invoke_id_and_priority=0x41, result=Unsigned(value=1))
    confirm = only(client.receive(block(1, 1, answer.to_bytes(), last=True, window=0)))
    assert isinstance(confirm, GetConfirm) and confirm.result == Unsigned(value=1)
