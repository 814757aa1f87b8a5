"""The independent gurux-dlms client (1.0.203) in whole sessions with OUR reference meter,
started in-process from the default plan: over the IEC 62056-47 wrapper and HDLC over TCP
(plain sockets), and over a pseudo-terminal with and without the IEC 62056-21 mode E
sign-on (done with OUR transport code; gurux then frames HDLC on the same line).

Each session is the one a user of gurux would run: for a ciphered association the public
client reads the invocation counter first, then SNRM/UA, AARQ/AARE, HLS passes 3/4 (gurux
verifies our f(CtoS)), GETs, RLRQ/RLRE, DISC/UA. What gurux decodes is compared with what
the meter's COSEM model holds, type and value (:mod:`tests.interop.gurux_values`): the
logical device name, the clock (as an instant), registers and their scaler_unit, the
invocation counter objects, and the whole load profile buffer (2880 rows), which the meter
sends in datablocks that gurux fetches with get-request-next.

What gurux cannot do, and how it is handled:

* HLS-ECDSA with security suite 2 (the plan's ``hls-ecdsa``): gurux's ``GXEcdsa.sign``
  tests ``scheme == P256`` twice, so a P-384 key always raises "Invalid private key
  scheme." and f(StoC) cannot be built (Green Book 9.2.7.4 mechanism 7; security suite 2
  signs with ECDSA P-384 / SHA-384). Those sessions are strict xfails;
  :func:`test_gurux_fails_only_at_its_p384_signature` pins the failure to that point (our
  AARE was accepted with authentication-required), and
  :func:`test_gurux_hls_ecdsa_with_suite_1` runs mechanism 7 on P-256 (a variant of the
  plan with suite 1 keys), which gurux can do.

Where gurux accepts what the standard says a client must refuse (shown with the meter's
faults, the octets on the wire checked first so that the fault did happen):

* a ciphered response whose invocation counter is not greater than the previous one
  (fault ``repeat-own-counter``; Green Book 9.2.7: the receiver rejects a counter not
  greater than the last it accepted for that key), and
* an authenticated-only response in an association whose policy is authenticated
  encryption (fault ``weaker-response-protection``; Green Book 9.2.7: a response is
  protected at least as the association's security policy requires).

Both are strict xfails raising :class:`GuruxAccepted`; our client refuses both (its own
tests).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from gurux_dlms.objects import GXDLMSData, GXDLMSProfileGeneric  # type: ignore[import-untyped]

from conformance.codec.apdu import decode_apdu
from conformance.codec.hdlc import FrameReceived, NeedData
from conformance.codec.wrapper import WrapperDeframer
from conformance.codec.xdlms.ciphered import CipheredApdu
from conformance.codec.xdlms.general_ciphering import GeneralGloCiphering
from conformance.plan import MeterPlan, default_plan_path, load_plan
from conformance.plan.loader import plan_from_dict
from conformance.simulator.cosem import ProfileGeneric
from conformance.simulator.server import RunningMeter, start_meter
from tests.interop.gurux_meter import (
    GURUX_MAX_PDU,
    LISTEN,
    LOGICAL_DEVICE_NAME,
    PROFILE,
    TRANSPORTS,
    check_reads,
    gurux_session,
    read_counter_with_gurux,
)
from tests.interop.gurux_peer import GuruxFailure
from tests.interop.gurux_pipes import TapPipe
from tests.interop.gurux_session import GuruxSession
from tests.interop.gurux_values import gurux_tree, our_tree

pytestmark = pytest.mark.gurux

ECDSA_P384_XFAIL = pytest.mark.xfail(
    strict=True, raises=GuruxFailure,
    reason="gurux 1.0.203 GXEcdsa.sign cannot sign with a P-384 key (it tests P256 twice), "
           "so HLS-ECDSA f(StoC) of security suite 2 (Green Book 9.2 suite 2: ECDSA P-384 "
           "with SHA-384; 9.2.7.4 mechanism 7) cannot be built")
ASSOCIATIONS = ("public", "reader", "management", "management-dedicated", "hls-sha256",
                pytest.param("hls-ecdsa", marks=ECDSA_P384_XFAIL))


@pytest.fixture(scope="module")
def plan_meter() -> MeterPlan:
    return load_plan(default_plan_path()).meters[0]


@pytest.fixture(scope="module")
def running(plan_meter: MeterPlan, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[RunningMeter]:
    with start_meter(plan_meter, listen=LISTEN,
                     state_dir=tmp_path_factory.mktemp("meter-state")) as meter:
        yield meter


# -- the tests ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ASSOCIATIONS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_gurux_session_with_our_meter(plan_meter: MeterPlan, running: RunningMeter,
                                      transport: str, name: str) -> None:
    assoc = plan_meter.association(name)
    counter = 0
    if assoc.invocation_counter is not None:
        counter = read_counter_with_gurux(running, transport, plan_meter, name)
    with gurux_session(running, transport, plan_meter, name, invocation_counter=counter + 1,
                       max_pdu=GURUX_MAX_PDU) as g:
        assert g.associate() is assoc.mechanism.is_hls  # passes 3/4 exactly for HLS
        check_reads(g, running, plan_meter, name)
        g.release()
    if assoc.ciphered:
        assert g.last_counter is not None and g.last_counter > counter


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_gurux_with_a_wrong_password_is_rejected(plan_meter: MeterPlan,
                                                 running: RunningMeter,
                                                 transport: str) -> None:
    with gurux_session(running, transport, plan_meter, "reader-bad-password") as g, \
            pytest.raises(GuruxFailure, match="gurux refused the AARE") as refused:
        g.associate()
    # gurux read the AARE result and result-source-diagnostic (acse-service-user)
    cause = refused.value.__cause__
    assert int(cause.result) == 1  # type: ignore[union-attr]  # rejected-permanent
    assert int(cause.diagnostic) == 13  # type: ignore[union-attr]  # authentication-failure


def test_gurux_reads_rows_by_entry(plan_meter: MeterPlan, running: RunningMeter) -> None:
    """Selective access (entry_descriptor, Blue Book 4.3.6) built by gurux."""
    with gurux_session(running, "hdlc", plan_meter, "reader", max_pdu=GURUX_MAX_PDU) as g:
        g.associate()
        rows = g.read_rows_by_entry(GXDLMSProfileGeneric(PROFILE), 101, 200)
        g.release()
    model = running.meter.device[PROFILE]
    assert isinstance(model, ProfileGeneric)
    with running.meter.lock:
        expected = model.rows(range(100, 300))
    assert gurux_tree(rows) == our_tree(expected)
    assert g.traffic.get_next >= 2


def test_gurux_fails_only_at_its_p384_signature(plan_meter: MeterPlan,
                                                running: RunningMeter) -> None:
    """Why the ``hls-ecdsa`` sessions are xfails: our AARE is accepted (authentication
    required, StoC given) and gurux fails building f(StoC) with its P-384 key."""
    counter = read_counter_with_gurux(running, "wrapper", plan_meter, "hls-ecdsa")
    with gurux_session(running, "wrapper", plan_meter, "hls-ecdsa",
                       invocation_counter=counter + 1) as g:
        with pytest.raises(GuruxFailure, match="Invalid private key scheme"):
            g.associate()
        assert g.client.isAuthenticationRequired
        assert g.client.settings.stoCChallenge


class GuruxAccepted(Exception):
    """gurux accepted a response the standard says a client must refuse."""


def _responses(tap: TapPipe) -> list[tuple[int, int]]:
    """``(security control, invocation counter)`` of every ciphered APDU the meter sent
    (wrapper frames, decoded with our codec); gurux proposes general-protection, so the
    meter answers its general-glo-ciphering requests in kind."""
    deframer = WrapperDeframer()
    deframer.receive_data(bytes(tap.received))
    out = []
    while not isinstance(event := deframer.next_event(), NeedData):
        assert isinstance(event, FrameReceived), f"the meter sent a broken frame: {event}"
        apdu = decode_apdu(event.frame.apdu)
        if isinstance(apdu, CipheredApdu | GeneralGloCiphering):
            header = apdu.security_header
            out.append((header.security_control, header.invocation_counter))
    return out


@contextlib.contextmanager
def _faulty_session(plan: MeterPlan, fault: str, tmp_path: Path
                    ) -> Iterator[tuple[GuruxSession, TapPipe]]:
    with start_meter(plan, listen=LISTEN, faults=[fault], state_dir=tmp_path) as meter:
        counter = read_counter_with_gurux(meter, "wrapper", plan, "management")
        with gurux_session(meter, "wrapper", plan, "management", tap=True,
                           invocation_counter=counter + 1) as g:
            assert g.associate()
            assert isinstance(g.pipe, TapPipe)
            yield g, g.pipe


@pytest.mark.xfail(strict=True, raises=GuruxAccepted, reason=(
    "gurux 1.0.203 does not check the invocation counter of ciphered responses: a repeated "
    "one is accepted (Green Book 9.2.7, invocation counter)"))
def test_gurux_refuses_a_repeated_response_counter(plan_meter: MeterPlan,
                                                  tmp_path: Path) -> None:
    with _faulty_session(plan_meter, "repeat-own-counter", tmp_path) as (g, tap):
        try:
            g.read(GXDLMSData(LOGICAL_DEVICE_NAME), 2)
            g.read(GXDLMSData(LOGICAL_DEVICE_NAME), 2)
        except GuruxFailure:
            return  # refused, as the standard wants
        (_, first), (_, second) = _responses(tap)[-2:]
        assert second == first  # the fault did repeat the counter
        raise GuruxAccepted(f"gurux accepted a response with counter {second} again")


@pytest.mark.xfail(strict=True, raises=GuruxAccepted, reason=(
    "gurux 1.0.203 accepts an authenticated-only response where the association's policy "
    "is authenticated encryption (Green Book 9.2.7, security policy)"))
def test_gurux_refuses_a_weaker_response_protection(plan_meter: MeterPlan,
                                                   tmp_path: Path) -> None:
    with _faulty_session(plan_meter, "weaker-response-protection", tmp_path) as (g, tap):
        try:
            value = g.read(GXDLMSData(LOGICAL_DEVICE_NAME), 2)
        except GuruxFailure:
            return
        security_control, _ = _responses(tap)[-1]
        assert security_control == 0x10  # authentication only (suite 0), the fault's
        raise GuruxAccepted(f"gurux accepted {bytes(value)!r} with SC 0x10")


def _suite_1_ecdsa_plan() -> MeterPlan:
    """The default plan with ``hls-ecdsa`` on security suite 1 (AES-128, P-256 keys)."""
    path = default_plan_path()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for assoc in data["meter"]["associations"]:
        if assoc["name"] == "hls-ecdsa":
            keys = assoc["keys"]
            assoc["suite"] = 1
            keys.update(ek=keys["ek"][:32], ak=keys["ak"][:32], kek=keys["kek"][:32],
                        client_signing_key="file:keys/client-p256.pem",
                        server_signing_key="file:keys/server-p256.pem",
                        server_signing_public_key="file:keys/server-p256.pub.pem")
    return plan_from_dict(data, source=f"{path} (hls-ecdsa on suite 1)",
                          base_dir=path.parent).meters[0]


@pytest.mark.parametrize("transport", ["wrapper", "hdlc"])
def test_gurux_hls_ecdsa_with_suite_1(transport: str, tmp_path: Path) -> None:
    """Mechanism 7 where gurux can sign (P-256): our meter verifies gurux's signature of
    f(StoC) and gurux verifies ours of f(CtoS)."""
    plan = _suite_1_ecdsa_plan()
    with start_meter(plan, listen=["tcp://127.0.0.1:0", "hdlc+tcp://127.0.0.1:0"],
                     state_dir=tmp_path) as meter:
        counter = read_counter_with_gurux(meter, transport, plan, "hls-ecdsa")
        with gurux_session(meter, transport, plan, "hls-ecdsa",
                           invocation_counter=counter + 1, max_pdu=GURUX_MAX_PDU) as g:
            assert g.associate()
            check_reads(g, meter, plan, "hls-ecdsa")
            g.release()
