"""Each HDLC machine driven by Hypothesis with random sequences of legal and illegal user
events, frames (valid, out of sequence, for other stations, undefined control fields,
damaged, cut) and clock steps. Whatever happens, the machine raises nothing but
LocalProtocolError / RemoteProtocolError, stays in a state of its role with consistent
variables, and everything it transmits is a valid frame within the negotiated limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codec.crc import fcs16
from conformance.codec.hdlc import (
    FrmrInformation,
    HdlcAddress,
    HdlcControl,
    HdlcFrame,
    HdlcFrameType,
    HdlcParameters,
)
from conformance.errors import LocalProtocolError, RemoteProtocolError
from conformance.protocol.hdlc import (
    NEED_DATA,
    Connect,
    Data,
    Disconnect,
    HdlcMachine,
    HdlcState,
    Poll,
    ReceiverNotReady,
    ReceiverReady,
    Role,
    SendEvent,
    UnitData,
)
from tests.protocol.test_hdlc_pair import (
    CLIENT_ADDRESS,
    SERVER_ADDRESS,
    client_config,
    server_config,
    split_frames,
)

T = HdlcFrameType
SERVER_STATES = {HdlcState.NDM, HdlcState.NRM, HdlcState.FRAME_REJECT}
OTHER_CLIENT = HdlcAddress.client(0x20)
OTHER_SERVER = HdlcAddress.server(2, 17)
BROADCAST = HdlcAddress.server(0x7F, 0x7F)

apdus = st.binary(max_size=300)
parameters = st.builds(
    HdlcParameters,
    max_info_field_length_transmit=st.none() | st.integers(0, 400),
    max_info_field_length_receive=st.none() | st.integers(0, 400),
    window_size_transmit=st.none() | st.integers(0, 9),
    window_size_receive=st.none() | st.integers(0, 9))
send_events: st.SearchStrategy[SendEvent] = st.one_of(
    st.builds(Connect, parameters=st.none() | st.none() | parameters,
              omit_information=st.booleans()),
    st.builds(Data, apdu=apdus),
    st.just(Disconnect()), st.just(Poll()), st.just(ReceiverReady()),
    st.just(ReceiverNotReady()),
    st.builds(Data, apdu=apdus, llc_error=st.none() | st.just("x")),
    st.builds(UnitData, apdu=apdus | st.binary(min_size=2030, max_size=2040)))


def sends(machine: HdlcMachine) -> st.SearchStrategy[SendEvent]:
    """Half the time what a user would do in this state, else anything."""
    if machine.state is HdlcState.NRM:
        usual: st.SearchStrategy[SendEvent] = st.builds(Data, apdu=apdus)
        if machine.role is Role.CLIENT:
            usual = usual | st.just(Poll())
    elif machine.role is Role.CLIENT:
        usual = st.just(Connect())
    else:
        usual = st.builds(UnitData, apdu=apdus)
    return usual | send_events


def information(draw: st.DrawFn, kind: HdlcFrameType, llc: bytes) -> bytes:
    choice = draw(st.integers(0, 4))
    if kind in (T.SNRM, T.UA) and choice < 3:
        return draw(parameters).to_bytes()
    if kind is T.FRMR and choice < 3:
        return FrmrInformation(rejected_control=draw(st.integers(0, 255)),
                               send_state=draw(st.integers(0, 7)),
                               receive_state=draw(st.integers(0, 7))).to_bytes()
    if kind in (T.I, T.UI) and choice < 3:
        return llc + draw(st.binary(max_size=200))
    if choice == 3:
        return b""
    return draw(st.binary(max_size=40))


def plausible(draw: st.DrawFn, machine: HdlcMachine) -> HdlcFrame:
    """A frame a conforming peer could send now (right addresses and numbers)."""
    client = machine.role is Role.CLIENT
    me, peer = (CLIENT_ADDRESS, SERVER_ADDRESS) if client else (SERVER_ADDRESS, CLIENT_ADDRESS)
    state = machine.state
    params = machine.parameters
    room = 100 if params is None else params.max_info_field_length_receive
    if client and state is HdlcState.AWAITING_CONNECT:
        kind = draw(st.sampled_from([T.UA, T.UA, T.UA, T.DM]))
    elif client and state is HdlcState.AWAITING_DISCONNECT:
        kind = draw(st.sampled_from([T.UA, T.DM]))
    elif not client and state is not HdlcState.NRM:
        kind = draw(st.sampled_from([T.SNRM, T.SNRM, T.DISC]))
    else:
        kind = draw(st.sampled_from([T.I, T.I, T.I, T.RR, T.RNR, T.UI] + (
            [] if client else [T.DISC, T.SNRM])))
    info = b""
    if kind is T.UA:  # never above what a client of these tests proposes
        info = HdlcParameters(max_info_field_length_transmit=32,
                              max_info_field_length_receive=32, window_size_transmit=1,
                              window_size_receive=1).to_bytes()
    elif kind in (T.I, T.UI):
        llc = b"\xe6\xe7\x00" if client else b"\xe6\xe6\x00"
        info = (llc + draw(st.binary(max_size=80)))[:room]
    return HdlcFrame(
        destination=me, source=peer, information=info, segmented=kind is T.I and draw(
            st.booleans()),
        control=HdlcControl(frame_type=kind, poll_final=draw(st.booleans()) or kind in (
            T.UA, T.DM), send_seq=machine.receive_sequence if kind is T.I else None,
                            receive_seq=machine.send_sequence if kind.has_receive_seq else None))


def arbitrary(draw: st.DrawFn, machine: HdlcMachine) -> HdlcFrame:
    """Any frame, often close to what the machine expects."""
    client = machine.role is Role.CLIENT
    me, peer = (CLIENT_ADDRESS, SERVER_ADDRESS) if client else (SERVER_ADDRESS, CLIENT_ADDRESS)
    kind = draw(st.sampled_from(list(T)))
    ns = nr = None
    if kind.has_send_seq:
        ns = draw(st.sampled_from([machine.receive_sequence, (machine.receive_sequence + 1) % 8,
                                   (machine.receive_sequence - 1) % 8]) | st.integers(0, 7))
    if kind.has_receive_seq:
        nr = draw(st.sampled_from([machine.send_sequence]) | st.integers(0, 7))
    control = HdlcControl(frame_type=kind, poll_final=draw(st.booleans()), send_seq=ns,
                          receive_seq=nr)
    destination = draw(st.sampled_from([me, me, me, BROADCAST,
                                        OTHER_CLIENT if client else OTHER_SERVER]))
    source = draw(st.sampled_from([peer, peer, peer, OTHER_SERVER if client else OTHER_CLIENT]))
    llc = b"\xe6\xe7\x00" if client else b"\xe6\xe6\x00"
    return HdlcFrame(destination=destination, source=source, control=control,
                     information=information(draw, kind, llc), segmented=draw(st.booleans()),
                     raw_control=draw(st.none() | st.sampled_from([0x19, 0x3F, 0xFF, 0x09])))


@st.composite
def peer_frames(draw: st.DrawFn, machine: HdlcMachine) -> bytes:
    """A plausible or an arbitrary frame, sometimes damaged or cut."""
    frame = plausible(draw, machine) if draw(st.booleans()) else arbitrary(draw, machine)
    data = frame.to_bytes()
    damage = draw(st.integers(0, 9))
    if damage == 0:  # one octet changed
        position = draw(st.integers(1, len(data) - 2))
        mutable = bytearray(data)
        mutable[position] ^= draw(st.integers(1, 255))
        data = bytes(mutable)
    elif damage == 1:  # cut
        data = data[:draw(st.integers(1, len(data) - 1))]
    return data


@st.composite
def junk(draw: st.DrawFn) -> bytes:
    """Octets that are no frame, or a frame without flags or with a bad length."""
    body = bytearray(draw(st.binary(min_size=5, max_size=30)))
    body[0] = 0xA0 | (body[0] & 0x0F)
    body += fcs16(body).to_bytes(2, "little")
    return draw(st.sampled_from([bytes(body), b"\x7e" + bytes(body) + b"\x7e"])) + draw(
        st.binary(max_size=10))


def check(machine: HdlcMachine, output: bytes) -> None:
    """Invariants after every step."""
    link_states = set(HdlcState) if machine.role is Role.CLIENT else SERVER_STATES
    assert machine.state in link_states
    assert 0 <= machine.send_sequence <= 7 and 0 <= machine.receive_sequence <= 7
    params = machine.parameters
    if machine.state is HdlcState.NRM:
        assert params is not None
    if machine.state in (HdlcState.NDM, HdlcState.AWAITING_CONNECT):
        assert params is None
    if machine.role is Role.SERVER:
        assert not machine.awaiting_response
    else:
        assert not machine.holding_poll
    me = CLIENT_ADDRESS if machine.role is Role.CLIENT else SERVER_ADDRESS
    for raw in split_frames(output):
        frame = HdlcFrame.decode(raw)  # every octet sent is a valid frame
        assert frame.source.upper == me.upper and frame.source.lower == me.lower
        if frame.frame_type is T.I:
            assert params is not None
            assert len(frame.information) <= params.max_info_field_length_transmit


def run(machine: HdlcMachine, data: st.DataObject, steps: int) -> None:
    now = 0.0
    for _ in range(steps):
        kind = data.draw(st.sampled_from(["send", "send", "frame", "frame", "frame", "frame",
                                          "junk", "time"]))
        output = b""
        try:
            if kind == "send":
                output = machine.send(data.draw(sends(machine)), now=now)
            elif kind == "frame":
                machine.receive_data(data.draw(peer_frames(machine)), now=now)
            elif kind == "junk":
                machine.receive_data(data.draw(junk()), now=now)
            else:
                now += data.draw(st.sampled_from([0.01, 0.6, 1.0, 4.0, 6.0, 130.0]))
                machine.handle_timer(now)
        except LocalProtocolError:
            pass
        while True:
            try:
                if machine.next_event() is NEED_DATA:
                    break
            except RemoteProtocolError:
                continue
        check(machine, output + machine.data_to_send())


@settings(max_examples=150, deadline=None)
@given(data=st.data(), strict=st.booleans())
def test_random_client(data: st.DataObject, strict: bool) -> None:
    machine = HdlcMachine(Role.CLIENT, client_config(
        strict_llc=strict, window_size_transmit=data.draw(st.integers(1, 7)),
        window_size_receive=data.draw(st.integers(1, 7)),
        max_info_field_length_transmit=data.draw(st.integers(32, 200)),
        max_apdu_length=data.draw(st.integers(0, 500))))
    run(machine, data, 40)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), strict=st.booleans())
def test_random_server(data: st.DataObject, strict: bool) -> None:
    machine = HdlcMachine(Role.SERVER, server_config(
        strict_llc=strict, window_size_transmit=data.draw(st.integers(1, 7)),
        window_size_receive=data.draw(st.integers(1, 7)),
        max_info_field_length_transmit=data.draw(st.integers(8, 200)),
        max_apdu_length=data.draw(st.integers(0, 500))))
    run(machine, data, 40)
