"""The reference meter under load (loopback only, bounded): 100 concurrent ciphered
associations (HLS-GMAC, suite 0, authenticated encryption), each on its own TCP connection
and thread, each doing 100 GETs of its own invocation counter object: no error, no
cross-talk (every answer holds the counter of the very request it answers; see
:mod:`tests.interop.meter_load`).

``CONFORMANCE_LOAD_CLIENTS`` and ``CONFORMANCE_LOAD_REQUESTS`` shrink (or grow) the run for
a slow CI machine; the defaults are the full 100 x 100 (a few seconds on a 2-core machine).
``benchmarks/bench_meter_load.py`` runs the same load and prints rates and latencies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from conformance.client import Session, session_config
from conformance.plan import MeterPlan
from tests.interop.meter_load import (
    LoadClient,
    LoadResult,
    load_plan,
    run_load,
    start_load_meter,
)

CLIENTS = int(os.environ.get("CONFORMANCE_LOAD_CLIENTS", "100"))
REQUESTS = int(os.environ.get("CONFORMANCE_LOAD_REQUESTS", "100"))
LOAD_PROFILE_STATUS = "0.0.96.10.1.255"
"""A Data object every non-public association reads (unsigned, 0)."""
TIMEOUT = 100.0
"""The whole run is abandoned (and fails) after this many seconds."""


@pytest.fixture(scope="module")
def plan_and_clients() -> tuple[MeterPlan, tuple[LoadClient, ...]]:
    return load_plan(CLIENTS)


def _check(result: LoadResult) -> None:
    assert result.errors == ()
    assert result.answered == CLIENTS * REQUESTS


@pytest.mark.parametrize("framing", ["wrapper", "hdlc"])
def test_concurrent_ciphered_associations(plan_and_clients: tuple[MeterPlan,
                                                                   tuple[LoadClient, ...]],
                                          framing: str) -> None:
    plan, clients = plan_and_clients
    with start_load_meter(plan, framing=framing, max_connections=CLIENTS + 8) as meter:
        result = run_load(plan, clients, meter.endpoints[0], requests=REQUESTS,
                          timeout=TIMEOUT)
        _check(result)
        deadline = time.monotonic() + 5.0  # every connection ends once its client closed it
        while meter.connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert meter.connections == 0


def test_a_failing_client_is_reported(plan_and_clients: tuple[MeterPlan,
                                                              tuple[LoadClient, ...]]) -> None:
    """The harness cannot pass silently: a client whose answers do not hold its counter
    (here it reads another object, as a cross-talk would show), one refused a GET and one
    rejected at the AARQ are each reported."""
    plan, clients = plan_and_clients
    wrong_value = LoadClient(name=clients[0].name, client_sap=clients[0].client_sap,
                             counter=LOAD_PROFILE_STATUS)
    refused = LoadClient(name=clients[1].name, client_sap=clients[1].client_sap,
                         counter=clients[2].counter)  # another client's counter: invisible
    rejected = LoadClient(name="reader-bad-password", client_sap=32,
                          counter=clients[0].counter)
    with start_load_meter(plan) as meter:
        result = run_load(plan, (wrong_value, refused), meter.endpoints[0], requests=3,
                          timeout=20)
        errors = "\n".join(result.errors)
        assert f"{wrong_value.name} GET 0: read Unsigned(value=0), its counter was" in errors
        assert f"{refused.name}: DataAccessError" in errors
        assert result.answered == 0
        # a client failing before the GETs stops the others at the common start
        result = run_load(plan, (rejected, clients[3]), meter.endpoints[0], requests=3,
                          timeout=20)
    assert result.errors[0].startswith("reader-bad-password: AssociationRejected")
    assert result.errors[1:] == (f"{clients[3].name}: another client failed before the "
                                 "GETs started",)


@pytest.fixture
def one_client(plan_and_clients: tuple[MeterPlan, tuple[LoadClient, ...]]
               ) -> Iterator[tuple[MeterPlan, LoadClient, str]]:
    plan, clients = plan_and_clients
    with start_load_meter(plan) as meter:
        yield plan, clients[-1], meter.endpoints[0]


def test_the_counter_object_shows_the_request_counter(one_client: tuple[MeterPlan,
                                                                         LoadClient, str]
                                                      ) -> None:
    """What the cross-talk check relies on, shown on one client."""
    plan, client, url = one_client
    with Session(session_config(plan, client.name, transport=url)) as session:
        session.associate()
        association = session.association
        assert association is not None
        for _ in range(3):
            value = session.get(client.counter, 1, 2)
            assert value.value == association.ciphering.last_sent.invocation_counter  # type: ignore[attr-defined]
