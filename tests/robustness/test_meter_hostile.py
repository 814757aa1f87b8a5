"""The reference meter survives hostile clients: connections over HDLC and the wrapper that
send random octets, floods of flags, truncated and oversize frames, frames whose FCS is
right but whose APDUs are random (built with the codec, or vector requests mutated), and
connections that trickle or hang. Meanwhile and afterwards a well-behaved session (public
association, GET of the logical device name) must succeed every time, the meter must log
no internal error, and once the hostile clients are gone their connections must be too.

The hostile phase is bounded (a few seconds); every socket operation has a timeout."""

from __future__ import annotations

import dataclasses
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from conformance.client import Session, session_config
from conformance.codec.axdr import (
    Array,
    Boolean,
    Data,
    DoubleLong,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Unsigned,
)
from conformance.codec.hdlc import NEED_DATA, HdlcAddress, HdlcControl, HdlcFrame
from conformance.codec.obis import ObisCode
from conformance.codec.wrapper import WrapperFrame
from conformance.codec.xdlms.action import ActionRequestNormal
from conformance.codec.xdlms.descriptors import (
    CosemAttributeDescriptor,
    CosemAttributeDescriptorWithSelection,
    CosemMethodDescriptor,
)
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.codec.xdlms.get import GetRequestNext, GetRequestNormal, GetRequestWithList
from conformance.codec.xdlms.set import SetRequestNormal
from conformance.errors import ConformanceError
from conformance.plan import MeterPlan, load_plan
from conformance.protocol.hdlc import Connect, HdlcConfig, HdlcMachine, Role
from conformance.protocol.hdlc import Data as HdlcData
from conformance.simulator.server import RunningMeter, start_meter
from tests.robustness._support import ROOT, SEEDS, mutate
from tests.vectors import vector

HOSTILE_SECONDS = 3.0
"""The hostile phase lasts this long at least..."""
HOSTILE_LIMIT = 12.0
"""... and at most this long, until the hostile clients had 50 requests served."""
SERVER = HdlcAddress.server(1, 16, size=4)
LOGICAL_DEVICE_NAME = OctetString(value=b"DLC0000000000001")
PUBLIC_AARQ = bytes.fromhex(vector("aarq-ln-no-security-gb")["hex"].replace(" ", ""))
_REQUEST_TAGS = (0x60, 0x62, 0xC0, 0xC1, 0xC3, 0xC8, 0xC9, 0xCB, 0xD0, 0xDB, 0xDD, 0xE0, 0x21)
_REQUESTS = [s for s in SEEDS if s[0] in _REQUEST_TAGS]


@pytest.fixture(scope="module")
def plan_meter() -> MeterPlan:
    return load_plan(ROOT / "testplans" / "simulator.yaml").meters[0]


@pytest.fixture(scope="module")
def running(plan_meter: MeterPlan) -> Iterator[RunningMeter]:
    with start_meter(plan_meter, listen=["hdlc+tcp://127.0.0.1:0", "tcp://127.0.0.1:0"]) as meter:
        yield meter


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def meter_log() -> Iterator[_Records]:
    handler = _Records()
    logger = logging.getLogger("conformance.simulator")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


# -- random requests built with the codec ------------------------------------------------------
class Requests:
    """Random but well-formed xDLMS/ACSE requests (and some mangled ones)."""

    def __init__(self, rnd: random.Random, names: list[ObisCode]) -> None:
        self.rnd = rnd
        self.names = names

    def _obis(self) -> ObisCode:
        if self.rnd.random() < 0.7:
            return self.rnd.choice(self.names)
        return ObisCode(a=self._u8(), b=self._u8(), c=self._u8(), d=self._u8(), e=self._u8(),
                        f=self._u8())

    def _u8(self) -> int:
        return self.rnd.randrange(256)

    def _class_id(self) -> int:
        return self.rnd.choice([1, 3, 4, 5, 7, 8, 15, 17, 64, self.rnd.randrange(65536)])

    def _attribute(self) -> CosemAttributeDescriptor:
        return CosemAttributeDescriptor(class_id=self._class_id(), instance_id=self._obis(),
                                        attribute_id=self.rnd.randint(-128, 127))

    def _data(self, depth: int = 0) -> Data:
        kind = self.rnd.randrange(7)
        if kind == 0 and depth < 3:
            return Structure(items=tuple(self._data(depth + 1)
                                         for _ in range(self.rnd.randrange(5))))
        if kind == 1 and depth < 3:
            return Array(items=tuple(Unsigned(value=self._u8())
                                     for _ in range(self.rnd.randrange(6))))
        if kind == 2:
            return OctetString(value=self.rnd.randbytes(self.rnd.randrange(40)))
        if kind == 3:
            return LongUnsigned(value=self.rnd.randrange(65536))
        if kind == 4:
            return DoubleLong(value=self.rnd.randint(-(2**31), 2**31 - 1))
        if kind == 5:
            return Boolean(value=self.rnd.random() < 0.5)
        return NullData()

    def apdu(self) -> bytes:
        rnd, invoke = self.rnd, self._u8()
        kind = rnd.randrange(10)
        if kind == 0:
            return GetRequestNormal(invoke_id_and_priority=invoke,
                                    cosem_attribute_descriptor=self._attribute()).to_bytes()
        if kind == 1:
            return SetRequestNormal(invoke_id_and_priority=invoke,
                                    cosem_attribute_descriptor=self._attribute(),
                                    value=self._data()).to_bytes()
        if kind == 2:
            return ActionRequestNormal(
                invoke_id_and_priority=invoke,
                cosem_method_descriptor=CosemMethodDescriptor(
                    class_id=self._class_id(), instance_id=self._obis(),
                    method_id=rnd.randint(-128, 127)),
                method_invocation_parameters=self._data() if rnd.random() < 0.7 else None
            ).to_bytes()
        if kind == 3:
            return GetRequestNext(invoke_id_and_priority=invoke,
                                  block_number=rnd.randrange(2**32)).to_bytes()
        if kind == 4:  # up to 400 attributes in one request
            items = tuple(CosemAttributeDescriptorWithSelection(
                cosem_attribute_descriptor=self._attribute()) for _ in range(rnd.randint(1, 400)))
            return GetRequestWithList(invoke_id_and_priority=invoke,
                                      attribute_descriptor_list=items).to_bytes()
        if kind == 5:
            return GeneralBlockTransfer(
                last_block=rnd.random() < 0.5, streaming=rnd.random() < 0.5,
                window=rnd.randrange(64), block_number=rnd.randrange(65536),
                block_number_ack=rnd.randrange(65536),
                block_data=rnd.randbytes(rnd.randrange(60))).to_bytes()
        if kind == 6:
            return rnd.choice(_REQUESTS)
        if kind == 7:
            return mutate(rnd.choice(_REQUESTS), [(rnd.choice(["replace", "flip", "truncate",
                                                               "insert"]),
                                                   rnd.random(), rnd.randbytes(3))])
        if kind == 8:
            return PUBLIC_AARQ
        return bytes((rnd.choice(_REQUEST_TAGS),)) + rnd.randbytes(rnd.randrange(80))


# -- attacks -----------------------------------------------------------------------------------
def _drain(sock: socket.socket, seconds: float) -> None:
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


class _HdlcPeer:
    """A client HDLC machine on a raw socket, answers read and fed back (best effort)."""

    def __init__(self, sock: socket.socket, sap: int) -> None:
        self.sock = sock
        self.machine = HdlcMachine(Role.CLIENT, HdlcConfig(
            server_address=SERVER, client_address=HdlcAddress.client(sap)))

    def pump(self, seconds: float = 1.0) -> None:
        """Read answers until the turn is ours again (or ``seconds`` passed)."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            self.machine.receive_data(data, now=time.monotonic())
            while self.machine.next_event() is not NEED_DATA:
                pass
            out = self.machine.data_to_send()
            if out:
                self.sock.sendall(out)
            if not self.machine.awaiting_response:
                return

    def send(self, event: Connect | HdlcData) -> None:
        self.sock.sendall(self.machine.send(event, now=time.monotonic()))
        self.pump()


def attack_hdlc(sock: socket.socket, rnd: random.Random, requests: Requests) -> None:
    kind = rnd.randrange(10)  # 5..9: random requests on a link
    sap = rnd.choice([0x10, 0x10, 0x10, 0x20, 0x01, 0x02, 0x7F, 0x55])
    if kind == 0:
        sock.sendall(rnd.randbytes(rnd.randint(1, 8192)))
    elif kind == 1:
        pattern = rnd.choice([b"\x7e", b"\x00", b"\x7e\xa0"])
        sock.sendall(pattern * rnd.randint(1, 8192 // len(pattern) ** 3))
    elif kind == 2:  # a frame cut short, then silence
        frame = HdlcFrame(destination=SERVER, source=HdlcAddress.client(sap),
                          control=HdlcControl.i_frame(0, 0),
                          information=b"\xe6\xe6\x00" + requests.apdu()[:2000]).to_bytes()
        sock.sendall(frame[:rnd.randint(1, len(frame) - 1)])
        _drain(sock, 0.3)
    elif kind == 3:  # oversize information fields (negotiated: 128), valid FCS
        peer = _HdlcPeer(sock, sap)
        peer.send(Connect())
        big = HdlcFrame(destination=SERVER, source=HdlcAddress.client(sap),
                        control=HdlcControl.i_frame(0, 0),
                        information=b"\xe6\xe6\x00" + rnd.randbytes(2000)).to_bytes()
        sock.sendall(big * rnd.randint(1, 3))
    elif kind == 4:  # trickle: one octet at a time
        frame = HdlcFrame(destination=SERVER, source=HdlcAddress.client(sap),
                          control=HdlcControl.i_frame(0, 0),
                          information=b"\xe6\xe6\x00" + PUBLIC_AARQ).to_bytes()
        for octet in frame[:rnd.randint(1, len(frame))]:
            sock.sendall(bytes((octet,)))
            time.sleep(0.02)
    else:  # a link, the public association, then random requests through the machine
        peer = _HdlcPeer(sock, sap)
        try:
            peer.send(Connect())
            peer.send(HdlcData(apdu=PUBLIC_AARQ))
            for _ in range(rnd.randint(1, 12)):
                peer.send(HdlcData(apdu=requests.apdu()))
        except ConformanceError:
            pass  # the meter answered FRMR/DM or the machine is out of step: attack over
    _drain(sock, 0.05)


def attack_wrapper(sock: socket.socket, rnd: random.Random, requests: Requests) -> None:
    kind = rnd.randrange(8)  # 4..7: random requests in an association
    sap = rnd.choice([16, 32, 1, 2, 0xFFFF, 0x55])
    if kind == 0:
        sock.sendall(rnd.randbytes(rnd.randint(1, 8192)))
    elif kind == 1:  # a header announcing more than ever comes
        sock.sendall(WrapperFrame(source_wport=sap, destination_wport=1, apdu=b"\xc0",
                                  length=0xFFFF).to_bytes())
        _drain(sock, 0.3)
    elif kind == 2:  # the largest WPDU there is
        sock.sendall(WrapperFrame(source_wport=16, destination_wport=1,
                                  apdu=bytes((0xC0,)) + rnd.randbytes(0xFFFE)).to_bytes())
    elif kind == 3:  # cut short
        frame = WrapperFrame(source_wport=sap, destination_wport=1,
                             apdu=requests.apdu()).to_bytes()
        sock.sendall(frame[:rnd.randint(1, len(frame))])
    else:  # the public association, then random requests (some to other wPorts)
        sock.sendall(WrapperFrame(source_wport=16, destination_wport=1,
                                  apdu=PUBLIC_AARQ).to_bytes())
        _drain(sock, 0.05)
        sock.sendall(b"".join(WrapperFrame(
            source_wport=16 if rnd.random() < 0.8 else sap,
            destination_wport=1 if rnd.random() < 0.8 else rnd.choice([0, 0x7F]),
            apdu=requests.apdu()).to_bytes() for _ in range(rnd.randint(1, 12))))
    _drain(sock, 0.05)


Attack = Callable[[socket.socket, random.Random, Requests], None]


def _hostile(port: int, attack: Attack, seed: int, names: list[ObisCode],
             stop: threading.Event, errors: list[str]) -> None:
    rnd = random.Random(seed)
    requests = Requests(rnd, names)
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                attack(sock, rnd, requests)
        except OSError:
            continue  # the meter may reset a connection it has given up on
        except Exception as exc:  # a bug of this harness, not of the meter
            errors.append(f"{type(exc).__name__}: {exc}")
            return


def _idle_connections(port: int, count: int, stop: threading.Event) -> None:
    """Connections that say nothing at all until the end."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(count)]
    stop.wait(HOSTILE_LIMIT + 5)
    for sock in socks:
        sock.close()


def _good_session(plan_meter: MeterPlan, url: str) -> None:
    config = session_config(plan_meter, "public", transport=url)
    patient = dataclasses.replace(config.timeouts, response=5.0)  # a busy test machine
    with Session(dataclasses.replace(config, timeouts=patient)) as session:
        session.associate()
        assert session.get("0.0.42.0.0.255", 1, 2) == LOGICAL_DEVICE_NAME


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_the_meter_survives_hostile_clients(plan_meter: MeterPlan, running: RunningMeter,
                                            meter_log: _Records) -> None:
    hdlc_url, wrapper_url = running.endpoints
    names = [ObisCode.parse(str(o.logical_name)) for o in plan_meter.objects]
    stop = threading.Event()
    errors: list[str] = []
    workers = [threading.Thread(target=_hostile, args=(_port(url), attack, seed, names, stop,
                                                       errors), daemon=True)
               for seed, (url, attack) in enumerate([(hdlc_url, attack_hdlc),
                                                     (hdlc_url, attack_hdlc),
                                                     (wrapper_url, attack_wrapper),
                                                     (wrapper_url, attack_wrapper)])]
    workers += [threading.Thread(target=_idle_connections, args=(_port(url), 10, stop),
                                 daemon=True) for url in (hdlc_url, wrapper_url)]
    for worker in workers:
        worker.start()
    good = 0
    started = time.monotonic()

    def hostile_served() -> int:  # APDUs served to the hostile clients (3 per good session)
        served = sum("sent APDU" in r.getMessage() for r in list(meter_log.records))
        return served - 3 * good

    try:
        while time.monotonic() - started < HOSTILE_SECONDS or (
                hostile_served() < 50 and time.monotonic() - started < HOSTILE_LIMIT):
            for url in (hdlc_url, wrapper_url):
                _good_session(plan_meter, url)  # raises if the meter let it down
                good += 1
                time.sleep(0.05)  # leave the meter to the hostile clients for a while
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
    assert not errors, errors
    assert good >= 2
    # afterwards: still there, still serving, the hostile connections gone
    assert running.running
    for url in (hdlc_url, wrapper_url):
        _good_session(plan_meter, url)
    give_up = time.monotonic() + 5
    while running.connections and time.monotonic() < give_up:
        time.sleep(0.05)
    assert running.connections == 0
    internal = [r.getMessage() for r in meter_log.records if r.levelno >= logging.ERROR
                or r.exc_info]
    assert not internal, internal[:5]
    # the random requests did reach the application layer (a good session sends 3 APDUs)
    assert hostile_served() - 6 >= 50
