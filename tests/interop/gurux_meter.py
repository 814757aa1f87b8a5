"""The gurux-dlms client against OUR reference meter: sessions over every transport the
meter listens on, and the reads compared with the meter's COSEM model (helpers of
``test_gurux_client_vs_meter.py``; the module docstring there says what is checked).

A meter for these helpers listens on :data:`LISTEN`, in that order (see :data:`TRANSPORTS`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from gurux_dlms import GXDLMSClient  # type: ignore[import-untyped]
from gurux_dlms.enums import DataType  # type: ignore[import-untyped]
from gurux_dlms.objects import (  # type: ignore[import-untyped]
    GXDLMSClock,
    GXDLMSData,
    GXDLMSProfileGeneric,
    GXDLMSRegister,
)

from conformance.codec.axdr import Data, Structure
from conformance.codec.obis import ObisCode
from conformance.plan import MeterPlan
from conformance.simulator.cosem import ProfileGeneric
from conformance.simulator.server import RunningMeter
from conformance.transport import SerialTransport, sign_on
from tests.interop.gurux_peer import quiet
from tests.interop.gurux_pipes import BytePipe, LinePipe, TapPipe, open_socket_pipe
from tests.interop.gurux_session import GuruxRefusal, GuruxSession, gurux_client
from tests.interop.gurux_values import gurux_tree, our_tree

__all__ = [
    "GURUX_MAX_PDU",
    "LISTEN",
    "LOGICAL_DEVICE_NAME",
    "PROFILE",
    "TRANSPORTS",
    "check_reads",
    "gurux_session",
    "read_counter_with_gurux",
]

LOGICAL_DEVICE_NAME = "0.0.42.0.0.255"
CLOCK = "0.0.1.0.0.255"
ENERGY = "1.0.1.8.0.255"
VOLTAGE = "1.0.32.7.0.255"
PROFILE = "1.0.99.1.0.255"
MANAGEMENT_COUNTER = "0.0.43.1.1.255"
GURUX_MAX_PDU = 1024
"""client-max-receive-pdu-size gurux proposes here: the meter then cuts the 2880-row
buffer (about 95 kB) into some 90 datablocks."""
READ_WRITE_DENIED = 3
OBJECT_UNDEFINED = 4
"""Data-Access-Result codes (IEC 62056-5-3 xDLMS GET; gurux reports them in reply.error)."""

TRANSPORTS = ("wrapper", "hdlc", "pty", "pty-mode-e")
"""How gurux reaches the meter: the wrapper and HDLC over TCP (plain sockets), HDLC on a
pseudo-terminal without and with OUR mode E sign-on."""
LISTEN = ("tcp://127.0.0.1:0", "hdlc+tcp://127.0.0.1:0", "pty://", "pty://?mode_e=1")
"""The meter's listen URLs, one per transport of :data:`TRANSPORTS`."""


@contextlib.contextmanager
def gurux_session(running: RunningMeter, transport: str, plan: MeterPlan, name: str, *,
                  tap: bool = False, **client: Any) -> Iterator[GuruxSession]:
    """A gurux session with the link up (SNRM/UA done), for the association ``name``
    (``client``: keyword arguments of :func:`gurux_client`); DISC/UA at the end. ``tap``:
    the session's pipe is a :class:`TapPipe` keeping every octet."""
    framing = "wrapper" if transport == "wrapper" else "hdlc"
    g_client = gurux_client(plan, name, framing=framing, **client)
    endpoint = running.endpoints[TRANSPORTS.index(transport)]

    def pipe_of(inner: BytePipe) -> BytePipe:
        return TapPipe(inner) if tap else inner

    if transport in ("wrapper", "hdlc"):
        pipe = open_socket_pipe(endpoint)
        try:
            yield from _linked(GuruxSession(g_client, pipe_of(pipe)))
        finally:
            pipe.close()
        return
    with SerialTransport(endpoint.removeprefix("pty://")) as line:
        if transport == "pty-mode-e":
            # IEC 62056-21 Annex E with our code; the meter is at 300 baud again after DISC
            done = sign_on(line, switch_delay=0.02)
            assert done.identification.supports_mode_e
        yield from _linked(GuruxSession(g_client, pipe_of(LinePipe(line))))


def _linked(session: GuruxSession) -> Iterator[GuruxSession]:
    """SNRM/UA, the caller's block, DISC/UA (also after a failure: the meter's line must
    be free for the next client, which may use another client address)."""
    session.connect()
    try:
        yield session
    except BaseException:
        with contextlib.suppress(Exception):
            session.disconnect()
        raise
    session.disconnect()


def _ln(text: str) -> ObisCode:
    return ObisCode.parse(text)


def _model(running: RunningMeter, class_id: int, ln: str, attribute: int) -> Data:
    with running.meter.lock:
        value = running.meter.device.internal_value(class_id, _ln(ln), attribute)
    assert value is not None, f"the model has no {ln} attribute {attribute}"
    return value


def _counter_object(plan: MeterPlan, name: str) -> str:
    source = plan.association(name).invocation_counter
    if source is None or source.logical_name is None:
        return MANAGEMENT_COUNTER
    return source.logical_name.dotted


def read_counter_with_gurux(running: RunningMeter, transport: str, plan: MeterPlan,
                            name: str) -> int:
    """What a gurux user does before a ciphered association: the public client reads the
    association's invocation counter object (dlms-notes failure 2)."""
    ln = _counter_object(plan, name)
    with gurux_session(running, transport, plan, "public") as g:
        g.associate()
        value = g.read(GXDLMSData(ln), 2)
        g.release()
    assert gurux_tree(value) == our_tree(_model(running, 1, ln, 2))
    return int(value)


# -- what is read and compared -----------------------------------------------------------
def check_reads(g: GuruxSession, running: RunningMeter, plan: MeterPlan, name: str) -> None:
    """GET the objects of the module docstring through gurux; compare with the model."""
    value = g.read(GXDLMSData(LOGICAL_DEVICE_NAME), 2)
    assert gurux_tree(value) == our_tree(_model(running, 1, LOGICAL_DEVICE_NAME, 2))
    _check_clock(g, running)
    _check_registers(g, running, name)
    _check_counter(g, running, plan, name)
    _check_profile(g, running, name)


def _check_clock(g: GuruxSession, running: RunningMeter) -> None:
    clock = running.meter.clock
    assert clock is not None
    before = clock.now()
    raw = g.read(GXDLMSClock(CLOCK), 2)
    after = clock.now()
    assert isinstance(raw, bytearray) and len(raw) == 12  # date-time as octet-string
    shown = GXDLMSClient.changeType(raw, DataType.DATETIME).value  # decoded by gurux
    assert isinstance(shown, dt.datetime) and shown.tzinfo is not None
    assert before - dt.timedelta(milliseconds=10) <= shown <= after
    value = g.read(GXDLMSClock(CLOCK), 3)  # time_zone
    assert gurux_tree(value) == our_tree(_model(running, 8, CLOCK, 3))


def _check_registers(g: GuruxSession, running: RunningMeter, name: str) -> None:
    for ln in (ENERGY, VOLTAGE):
        register = GXDLMSRegister(ln)
        if name == "public":  # the plan: registers are "public: no-access"
            with pytest.raises(GuruxRefusal) as refused:
                g.read(register, 2)
            assert refused.value.code == READ_WRITE_DENIED
            continue
        scaler_unit = g.read(register, 3)
        model = _model(running, 3, ln, 3)
        assert isinstance(model, Structure)
        assert gurux_tree(scaler_unit) == our_tree(model)
        value = g.read(register, 2)
        assert gurux_tree(value) == our_tree(_model(running, 3, ln, 2))
        with quiet():
            g.client.updateValue(register, 3, scaler_unit)
            g.client.updateValue(register, 2, value)
        scaler, unit = (int(item.value) for item in model.items)  # type: ignore[attr-defined]
        assert register.scaler == 10 ** scaler and int(register.unit) == unit
        assert register.value == pytest.approx(int(value) * 10 ** scaler)


def _check_counter(g: GuruxSession, running: RunningMeter, plan: MeterPlan,
                   name: str) -> None:
    ln = _counter_object(plan, name)
    if name not in ("public", "management"):  # the plan: counters readable by those two
        with pytest.raises(GuruxRefusal) as refused:
            g.read(GXDLMSData(ln), 2)
        assert refused.value.code == OBJECT_UNDEFINED  # not in its object list
        return
    value = g.read(GXDLMSData(ln), 2)
    assert gurux_tree(value) == our_tree(_model(running, 1, ln, 2))
    if name == "management":
        # its own counter: the meter has just accepted the one of this very GET
        assert int(value) == g.last_counter


def _check_profile(g: GuruxSession, running: RunningMeter, name: str) -> None:
    profile = GXDLMSProfileGeneric(PROFILE)
    if name == "public":  # the plan: the load profile is "public: no-access"
        with pytest.raises(GuruxRefusal) as refused:
            g.read(profile, 2)
        assert refused.value.code == READ_WRITE_DENIED
        return
    capture_objects = g.read(profile, 3)
    assert gurux_tree(capture_objects) == our_tree(_model(running, 7, PROFILE, 3))
    blocks_before = g.traffic.get_next
    rows = g.read(profile, 2)
    assert g.traffic.get_next - blocks_before >= 2  # GET-next block transfer was needed
    model = running.meter.device[PROFILE]
    assert isinstance(model, ProfileGeneric)
    with running.meter.lock:
        expected = model.rows(range(model.entries_in_use))
    assert len(rows) == len(expected.items) == 2880
    assert gurux_tree(rows) == our_tree(expected)
