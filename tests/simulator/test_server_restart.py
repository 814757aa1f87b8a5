"""Invocation counters across a restart of the meter (state directory): the meter never
sends a counter again, and still rejects a client counter it accepted before."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conformance.codec.acse.aare import AARE
from conformance.codec.acse.names import AssociationResult
from conformance.codec.axdr import DoubleLongUnsigned
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.confirmed_service_error import ApplicationReferenceError
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor
from conformance.errors import TransportTimeout
from conformance.plan import MeterPlan, default_plan_path, load_plan
from conformance.protocol.association import (
    AssociateRequest,
    CipheringMode,
    ClientAssociation,
    CounterKey,
    MemoryCounterStore,
    key_digest,
)
from conformance.security.keys import DEDICATED, EK_UNICAST
from conformance.simulator.server import start_meter
from conformance.transport import open_transport
from tests.simulator.server_client import (
    LOGICAL_DEVICE_NAME,
    WrapperClient,
    associate,
    association_config,
)

SERVER_TITLE = bytes.fromhex("4D4D4D0000000001")
CLIENT_TITLE = bytes.fromhex("4D4D4D0000BC614E")
EK_DIGEST = key_digest(bytes.fromhex("000102030405060708090A0B0C0D0E0F"))
"""The management association's EK (the default plan)."""
SERVER_KEY = CounterKey(key_name=EK_UNICAST, system_title=SERVER_TITLE, key_digest=EK_DIGEST)
CLIENT_KEY = CounterKey(key_name=EK_UNICAST, system_title=CLIENT_TITLE, key_digest=EK_DIGEST)
FRAME_COUNTER = CosemAttributeDescriptor(
    class_id=1, instance_id=ObisCode.parse("0.0.43.1.1.255"), attribute_id=2)


@pytest.fixture(scope="module")
def plan() -> MeterPlan:
    return load_plan(default_plan_path()).meters[0]


def _management_session(url: str, plan: MeterPlan, store: MemoryCounterStore,
                        gets: int = 3) -> None:
    """HLS-GMAC, authenticated encryption: AARQ, passes 3/4, GETs, release. The client's
    store rejects any server counter not greater than the last it accepted."""
    with open_transport(url) as transport:
        link = WrapperClient(transport, client_sap=1, server_wport=1)
        associated = associate(link, association_config(plan, "management"), counters=store)
        for _ in range(gets):
            assert associated.get(LOGICAL_DEVICE_NAME).result.value == b"DLC0000000000001"  # type: ignore[union-attr]
        associated.release()


def _frame_counter(url: str, plan: MeterPlan) -> int:
    """What the public client reads from the management client's frame counter object."""
    with open_transport(url) as transport:
        link = WrapperClient(transport, client_sap=0x10, server_wport=1)
        associated = associate(link, association_config(plan, "public"))
        value = associated.get(FRAME_COUNTER).result
        associated.release()
    assert isinstance(value, DoubleLongUnsigned)
    return value.value


def test_counters_survive_a_restart(plan: MeterPlan, tmp_path: Path) -> None:
    client = MemoryCounterStore()
    with start_meter(plan, listen=["tcp://127.0.0.1:0"], state_dir=tmp_path) as running:
        url = running.endpoints[0]
        assert _frame_counter(url, plan) == 0
        _management_session(url, plan, client)
        _management_session(url, plan, client)  # counters continue across associations
        sent_before = client.last_accepted(SERVER_KEY)
        accepted_before = client.last_sent(CLIENT_KEY)
        assert sent_before is not None and accepted_before is not None
        assert _frame_counter(url, plan) == accepted_before
    document = json.loads((tmp_path / "reference-meter.counters.json").read_text("utf-8"))
    assert {"key": EK_UNICAST, "key_digest": EK_DIGEST.hex().upper(),
            "system_title": SERVER_TITLE.hex().upper(), "last": sent_before} in document["sent"]
    assert {"key": EK_UNICAST, "key_digest": EK_DIGEST.hex().upper(),
            "system_title": CLIENT_TITLE.hex().upper(),
            "last": accepted_before} in document["accepted"]

    with start_meter(plan, listen=["tcp://127.0.0.1:0"], state_dir=tmp_path) as running:
        url = running.endpoints[0]
        # A client that starts its counter afresh reuses counters the meter accepted.
        with open_transport(url) as transport:
            link = WrapperClient(transport, client_sap=1, server_wport=1)
            association = ClientAssociation(association_config(plan, "management"),
                                            counters=MemoryCounterStore())
            confirm = association.receive(link.request(association.send(AssociateRequest())))
        assert isinstance(confirm.aare, AARE)  # type: ignore[union-attr]
        assert confirm.result is AssociationResult.REJECTED_PERMANENT  # type: ignore[union-attr]
        error = confirm.confirmed_service_error  # type: ignore[union-attr]
        assert error is not None and error.value == ApplicationReferenceError.DECIPHERING_ERROR
        # The frame counter object still shows the counter accepted before the restart.
        assert _frame_counter(url, plan) == accepted_before
        # A client that continues its counters (and refuses any server counter it has
        # seen) works: every counter the meter sends is new.
        _management_session(url, plan, client, gets=2)
        sent_after = client.last_accepted(SERVER_KEY)
        assert sent_after is not None and sent_after > sent_before
    with start_meter(plan, listen=["tcp://127.0.0.1:0"], state_dir=tmp_path) as running:
        fresh_view = MemoryCounterStore(last_accepted={SERVER_KEY: sent_after},
                                        last_sent={CLIENT_KEY: client.last_sent(CLIENT_KEY)
                                                   or 0})
        _management_session(running.endpoints[0], plan, fresh_view, gets=1)


def test_without_state_dir_counters_are_forgotten(plan: MeterPlan) -> None:
    for _ in range(2):  # a fresh client store each time: accepted by a fresh meter
        with start_meter(plan, listen=["tcp://127.0.0.1:0"]) as running:
            assert not running.meter.counters.persistent
            _management_session(running.endpoints[0], plan, MemoryCounterStore(), gets=1)


def test_dedicated_key_counters_start_afresh_each_association(plan: MeterPlan,
                                                              tmp_path: Path) -> None:
    """Green Book 9.2.7: a dedicated key protects only the association that brought it;
    the next association's key (here the same value, as the plan fixes it) starts its
    counters again, while the global key's counters carry on."""
    assoc = plan.association("management-dedicated")
    assert assoc.keys.dedicated is not None
    config = association_config(plan, "management-dedicated",
                                dedicated_key=assoc.keys.dedicated.reveal(),
                                ciphering_mode=CipheringMode.DEDICATED)
    client = MemoryCounterStore()
    # The plan's EK counters start at 0: the f(CtoS) of the first association carries EK
    # counter 1, and so does the ded-action-response carrying it with the dedicated key --
    # equal numbers of different keys, which the client accepts (counters per key).
    with start_meter(plan, listen=["tcp://127.0.0.1:0"], state_dir=tmp_path) as running:
        for _ in range(2):
            with open_transport(running.endpoints[0]) as transport:
                link = WrapperClient(transport, client_sap=2, server_wport=1)
                # the client's own view of the dedicated key starts afresh too
                dedicated = DedicatedCounters(client)
                associated = associate(link, config, counters=dedicated)
                assert associated.get(LOGICAL_DEVICE_NAME).result.value == b"DLC0000000000001"  # type: ignore[union-attr]
                assert dedicated.used_dedicated
                associated.release()
    document = json.loads((tmp_path / "reference-meter.counters.json").read_text("utf-8"))
    assert all(row["key"] != DEDICATED for row in document["sent"] + document["accepted"])


class DedicatedCounters:
    """Client side: global counters in ``store``, dedicated-key counters per association."""

    def __init__(self, store: MemoryCounterStore) -> None:
        self.store = store
        self.dedicated = MemoryCounterStore()
        self.used_dedicated = False

    def _route(self, key: CounterKey) -> MemoryCounterStore:
        if key.key_name == DEDICATED:
            self.used_dedicated = True
            return self.dedicated
        return self.store

    def reserve(self, key: CounterKey) -> int:
        return self._route(key).reserve(key)

    def last_accepted(self, key: CounterKey) -> int | None:
        return self._route(key).last_accepted(key)

    def accept(self, key: CounterKey, counter: int) -> None:
        self._route(key).accept(key, counter)


def test_unwritable_state_means_no_answer(plan: MeterPlan, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    """A client counter that cannot be persisted is not accepted (no answer leaves the
    meter), and the connection carries on once the disk is writable again."""
    with start_meter(plan, listen=["tcp://127.0.0.1:0"], state_dir=tmp_path) as running, \
            open_transport(running.endpoints[0]) as transport:
        link = WrapperClient(transport, client_sap=1, server_wport=1, wait=0.5)

        def full(src: object, dst: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", full)
        client = MemoryCounterStore()
        with pytest.raises(TransportTimeout):
            associate(link, association_config(plan, "management"), counters=client)
        assert "left unanswered" in caplog.text and "No space left" in caplog.text
        monkeypatch.undo()
        # the counter of that AARQ was not recorded: a client starting from the same
        # counter is accepted now
        assert client.last_sent(CLIENT_KEY) == 1
        assert running.meter.counters.last_accepted(CLIENT_KEY) is None
        associated = associate(link, association_config(plan, "management"),
                               counters=MemoryCounterStore())
        assert associated.get(LOGICAL_DEVICE_NAME).result.value == b"DLC0000000000001"  # type: ignore[union-attr]
