"""APDUs and frames produced by gurux's client (``GXDLMSSecureClient``) with known settings.

Each :class:`GuruxClientCase` holds what gurux sent and ``expected``: the fields the
standard says those bytes carry, written from the *settings given to gurux* (never read
back from gurux), in the vocabulary of :mod:`tests.interop.gurux_xml`. Ciphered cases also
carry the keys so the test can decipher with OUR security layer.

gurux client quirks (1.0.203) worked around here:

- ``aarqRequest()`` draws a fresh random CtoS unless ``settings.useCustomChallenge`` is
  set, and increments the invocation counter on every call when ciphering.
- ``GXWriteItem.__init__`` resets ``target`` to None after setting it and has no
  ``getDataType()``, so ``writeList`` cannot be used with it; :class:`_WriteItem` is the
  duck-typed item ``writeList`` actually reads.
- Block transfer: with ``GENERAL_BLOCK_TRANSFER`` negotiated gurux wraps long requests in
  GBT; without it, in set-request-with-(first-)datablock / action pblocks. The size limit
  is ``maxReceivePDUSize`` (gurux uses one variable for both directions before the AARE).
- ``autoIncreaseInvokeID`` is off: every request carries invoke-id 1, priority high,
  confirmed (0xC1).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gurux_dlms import GXByteBuffer, GXReplyData
from gurux_dlms.ConnectionState import ConnectionState
from gurux_dlms.enums import (
    Authentication,
    Conformance,
    DataType,
    InterfaceType,
    Security,
)
from gurux_dlms.objects import (
    GXDLMSAssociationLogicalName,
    GXDLMSCaptureObject,
    GXDLMSClock,
    GXDLMSData,
    GXDLMSProfileGeneric,
)
from gurux_dlms.secure import GXDLMSSecureClient

from tests.interop.gurux_peer import GuruxKeys, quiet

__all__ = [
    "AK",
    "CLIENT_ST",
    "CTOS",
    "EK",
    "IC",
    "PASSWORD",
    "PROPOSED_CONFORMANCE_BITS",
    "SERVER_ST",
    "GuruxClientCase",
    "gurux_client_cases",
    "new_client",
]

EK = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
AK = bytes.fromhex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
DEDICATED_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
CLIENT_ST = bytes.fromhex("4D4D4D0000BC614E")
SERVER_ST = bytes.fromhex("4D4D4D0000000001")
IC = 0x01234567
CTOS = b"K56iVagY"
STOC = b"P6wRJ21F"
PASSWORD = b"12345678"
MAX_PDU = 1200
PROPOSED_CONFORMANCE_BITS = frozenset({3, 4, 9, 11, 12, 13, 14, 19, 20, 21, 23})
"""The proposed-conformance given to gurux (standard bit numbers; 3/4 = read/write are
deliberately odd for an LN client, to see them travel)."""

CLOCK_LN = bytes((0, 0, 1, 0, 0, 255))
DATA_LN = bytes((0, 0, 96, 1, 0, 255))
DATA2_LN = bytes((0, 0, 96, 1, 1, 255))
PROFILE_LN = bytes((1, 0, 99, 1, 0, 255))
ASSOCIATION_LN = bytes((0, 0, 40, 0, 0, 255))
IIP = 0xC1
CLIENT_KEYS = GuruxKeys(block_cipher_key=EK, authentication_key=AK, system_title=CLIENT_ST)


@dataclass(frozen=True, slots=True, kw_only=True)
class GuruxClientCase:
    """One gurux client request (one or more APDUs or frames) and what it must carry."""

    name: str
    framing: str
    """``"pdu"`` (bare APDUs), ``"hdlc"`` (whole frames with flags) or ``"wrapper"``."""
    frames: tuple[bytes, ...]
    expected: tuple[dict[str, Any], ...]
    """Per APDU (after HDLC reassembly): fields in the gurux_xml vocabulary. A ciphered
    APDU is ``{"apdu": "glo-get-request", "security_control", "invocation_counter",
    "plaintext": {...}}``. Datablock sequences are described by :attr:`blocks`."""
    blocks: dict[str, Any] | None = None
    """For block-transfer cases: ``{"first": fields of the first APDU without its
    datablock, "raw_data": the whole encoded value}``."""
    keys: GuruxKeys | None = field(default=None, repr=False)
    """Keys (sender = client) to decipher the ciphered APDUs with our security layer."""
    frame_fields: tuple[dict[str, Any], ...] = ()
    """For HDLC/WRAPPER: the framing fields per frame (addresses as bytes, control...)."""


class _WriteItem:
    """What ``GXDLMSClient.writeList`` reads from each item (see module docstring)."""

    def __init__(self, target: Any, index: int, data_type: DataType) -> None:
        self.target = target
        self.index = index
        self.selector = 0
        self.parameters = None
        self._type = data_type

    def getDataType(self) -> DataType:  # gurux calls this name
        return self._type


def new_client(*, mechanism: int = 0, framing: str = "pdu", security: int = 0,
               conformance: frozenset[int] = PROPOSED_CONFORMANCE_BITS,
               max_pdu: int = MAX_PDU, connected: bool = False) -> GXDLMSSecureClient:
    """A gurux client with this module's fixed keys, titles, challenge and counter."""
    interface = {"pdu": InterfaceType.PDU, "hdlc": InterfaceType.HDLC,
                 "wrapper": InterfaceType.WRAPPER}[framing]
    c = GXDLMSSecureClient(True, 0x10, 1, Authentication(mechanism),
                           PASSWORD if mechanism in (1, 2, 3, 4, 6) else None, interface)
    c.ciphering.systemTitle = CLIENT_ST
    c.ciphering.blockCipherKey = EK
    c.ciphering.authenticationKey = AK
    c.ciphering.invocationCounter = IC
    c.ciphering.security = Security(security)
    c.settings.useCustomChallenge = True
    c.settings.ctoSChallenge = CTOS
    c.proposedConformance = Conformance(sum(1 << b for b in conformance))
    c.maxReceivePDUSize = max_pdu
    if connected:
        c.settings.connected = ConnectionState.HDLC | ConnectionState.DLMS
        c.negotiatedConformance = c.proposedConformance
        c.settings.sourceSystemTitle = SERVER_ST
    return c


def _flat(frames: Any) -> tuple[bytes, ...]:
    out: list[bytes] = []
    for f in frames if isinstance(frames, list) else [frames]:
        out.extend(_flat(f) if isinstance(f, list) else [bytes(f)])
    return tuple(out)


def _initiate_request(conformance: frozenset[int] = PROPOSED_CONFORMANCE_BITS,
                      dedicated_key: bytes | None = None,
                      max_pdu: int = MAX_PDU) -> dict[str, Any]:
    return {"apdu": "initiate-request", "dedicated_key": dedicated_key,
            "response_allowed": True, "proposed_dlms_version_number": 6,
            "proposed_conformance": conformance, "client_max_receive_pdu_size": max_pdu}


def _aarq(mechanism: int, ciphered: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"apdu": "AARQ", "application_context_name": 3 if ciphered else 1}
    if mechanism >= 5 or ciphered:
        out["calling_ap_title"] = CLIENT_ST  # GMAC, SHA-256 and ECDSA need the title
    if mechanism:
        out["sender_acse_requirements"] = True
        out["mechanism_name"] = mechanism
        out["calling_authentication_value"] = PASSWORD if mechanism == 1 else CTOS
    return out


def _ciphered(apdu: str, ic: int, plaintext: dict[str, Any], sc: int = 0x30) -> dict[str, Any]:
    return {"apdu": apdu, "security_control": sc, "invocation_counter": ic,
            "plaintext": plaintext}


def _get_normal(ln: bytes, ci: int, attr: int, sel: Any = None) -> dict[str, Any]:
    return {"apdu": "get-request-normal", "invoke_id_and_priority": IIP,
            "cosem_attribute_descriptor": (ci, ln, attr), "access_selection": sel}


def _aarq_cases() -> list[GuruxClientCase]:
    cases = []
    for mech in range(8):
        c = new_client(mechanism=mech)
        exp = _aarq(mech) | {"user_information": _initiate_request()}
        cases.append(GuruxClientCase(name=f"aarq-mechanism-{mech}", framing="pdu",
                                     frames=_flat(c.aarqRequest()), expected=(exp,)))
    for name, dk in (("aarq-hls-gmac-glo-initiate", None),
                     ("aarq-hls-gmac-glo-initiate-dedicated-key", DEDICATED_KEY)):
        c = new_client(mechanism=5, security=0x30)
        c.ciphering.dedicatedKey = dk
        plain = _initiate_request(dedicated_key=dk)
        exp = _aarq(5, ciphered=True) | {
            "user_information": _ciphered("glo-initiateRequest", IC, plain)}
        cases.append(GuruxClientCase(name=name, framing="pdu", frames=_flat(c.aarqRequest()),
                                     expected=(exp,), keys=CLIENT_KEYS))
    return cases


def _service_cases() -> list[GuruxClientCase]:
    clk = GXDLMSClock("0.0.1.0.0.255")
    cases: list[GuruxClientCase] = []

    def add(name: str, make: Callable[[GXDLMSSecureClient], Any],
            *expected: dict[str, Any], **kw: Any) -> None:
        c = new_client(connected=True, security=kw.pop("security", 0))
        if kw.pop("general_protection", False):
            c.negotiatedConformance |= Conformance.GENERAL_PROTECTION
        cases.append(GuruxClientCase(name=name, framing="pdu", frames=_flat(make(c)),
                                     expected=expected, **kw))

    add("get-request-normal", lambda c: c.read(clk, 2), _get_normal(CLOCK_LN, 8, 2))
    pg = GXDLMSProfileGeneric("1.0.99.1.0.255")
    pg.captureObjects.append((clk, GXDLMSCaptureObject(2, 0)))
    add("get-request-normal-by-entry", lambda c: c.readRowsByEntry(pg, 1, 10),
        _get_normal(PROFILE_LN, 7, 2, (2, (2, ((6, 1), (6, 10), (18, 1), (18, 0))))))
    tz = datetime.timezone(datetime.timedelta(hours=1))
    start, end = (datetime.datetime(2017, 10, 1, h, 0, tzinfo=tz) for h in (0, 1))
    restricting = (2, ((18, 8), (9, CLOCK_LN), (15, 2), (18, 0)))
    # date-time (Blue Book 4.1.6.1): day-of-week not specified, hundredths 0, deviation
    # -60 (UTC+1 in COSEM's "local to UTC" sign), status 0; columns: empty array = all.
    dt = [bytes.fromhex(f"07E10A01FF{h:02X}000000FFC400") for h in (0, 1)]
    add("get-request-normal-by-range", lambda c: c.readRowsByRange(pg, start, end),
        _get_normal(PROFILE_LN, 7, 2, (1, (2, (restricting, (9, dt[0]), (9, dt[1]),
                                                  (1, ()))))))
    add("get-request-with-list",
        lambda c: c.readList([(clk, 2), (GXDLMSData("0.0.96.1.0.255"), 2)]),
        {"apdu": "get-request-with-list", "invoke_id_and_priority": IIP,
         "attribute_descriptor_list": ((8, CLOCK_LN, 2), (1, DATA_LN, 2))})
    add("get-request-next", _get_next,
        _get_normal(CLOCK_LN, 8, 2),
        {"apdu": "get-request-next", "invoke_id_and_priority": IIP, "block_number": 1},
        {"apdu": "get-request-next", "invoke_id_and_priority": IIP, "block_number": 2})
    d = GXDLMSData("0.0.96.1.0.255")
    d.value = "hello"
    set_normal = {"apdu": "set-request-normal", "invoke_id_and_priority": IIP,
                  "cosem_attribute_descriptor": (1, DATA_LN, 2), "access_selection": None,
                  "value": (10, "hello")}
    add("set-request-normal", lambda c: c.write(d, 2), set_normal)
    d2 = GXDLMSData("0.0.96.1.1.255")
    d2.value = 0x1234
    add("set-request-with-list",
        lambda c: c.writeList([_WriteItem(d, 2, DataType.STRING),
                               _WriteItem(d2, 2, DataType.UINT16)]),
        {"apdu": "set-request-with-list", "invoke_id_and_priority": IIP,
         "attribute_descriptor_list": ((1, DATA_LN, 2), (1, DATA2_LN, 2)),
         "value_list": ((10, "hello"), (18, 0x1234))})
    assoc = GXDLMSAssociationLogicalName()
    action_normal = {"apdu": "action-request-normal", "invoke_id_and_priority": IIP,
                     "cosem_method_descriptor": (15, ASSOCIATION_LN, 1),
                     "method_invocation_parameters": (9, b"\x01\x02\x03\x04")}
    add("action-request-normal",
        lambda c: c.method(assoc, 1, b"\x01\x02\x03\x04", DataType.OCTET_STRING),
        action_normal)
    add("release-request", lambda c: c.releaseRequest(), {"apdu": "RLRQ", "reason": 0})
    # Ciphered services (suite 0, authenticated encryption, client title and counter).
    add("glo-get-request", lambda c: c.read(clk, 2),
        _ciphered("glo-get-request", IC, _get_normal(CLOCK_LN, 8, 2)),
        security=0x30, keys=CLIENT_KEYS)
    add("glo-set-request", lambda c: c.write(d, 2),
        _ciphered("glo-set-request", IC, set_normal), security=0x30,
        keys=CLIENT_KEYS)
    add("glo-action-request",
        lambda c: c.method(assoc, 1, b"\x01\x02\x03\x04", DataType.OCTET_STRING),
        _ciphered("glo-action-request", IC, action_normal), security=0x30,
        keys=CLIENT_KEYS)
    add("glo-get-request-authentication-only", lambda c: c.read(clk, 2),
        _ciphered("glo-get-request", IC, _get_normal(CLOCK_LN, 8, 2), sc=0x10),
        security=0x10, keys=CLIENT_KEYS)
    add("general-glo-ciphering-get", lambda c: c.read(clk, 2),
        _ciphered("general-glo-ciphering", IC, _get_normal(CLOCK_LN, 8, 2))
        | {"system_title": CLIENT_ST}, security=0x30, keys=CLIENT_KEYS,
        general_protection=True)
    return cases


def _get_next(c: GXDLMSSecureClient) -> list[bytes]:
    """GET, then get-request-next after each of two (hand-made) datablock responses."""
    out = _flat(c.read(GXDLMSClock("0.0.1.0.0.255"), 2))
    reply = GXReplyData()
    frames = list(out)
    for block in ("C402C1000000000100020902", "C402C1000000000200021234"):
        with quiet():
            c.getData(GXByteBuffer(bytes.fromhex(block)), reply)
        frames.append(bytes(c.receiverReady(reply)))
    return frames


def _hls_pass3_case() -> GuruxClientCase:
    """HLS-GMAC pass 3: gurux's f(StoC) in an ACTION to reply_to_HLS_authentication."""
    c = new_client(mechanism=5)
    with quiet():
        c.aarqRequest()
    c.settings.setStoCChallenge(STOC)
    c.settings.sourceSystemTitle = SERVER_ST
    c.settings.connected = ConnectionState.DLMS
    c.ciphering.invocationCounter = 1
    frames = _flat(c.getApplicationAssociationRequest())
    exp = {"apdu": "action-request-normal", "invoke_id_and_priority": IIP,
           "cosem_method_descriptor": (15, ASSOCIATION_LN, 1),
           # f(StoC) = SC 0x10 | IC | GMAC: the tag itself is checked with our security
           "method_invocation_parameters": ("f(StoC)", 0x10, 1, STOC)}
    return GuruxClientCase(name="hls-gmac-pass3-action", framing="pdu", frames=frames,
                           expected=(exp,), keys=CLIENT_KEYS)


def _block_cases() -> list[GuruxClientCase]:
    """Long SET / ACTION split by gurux into datablocks (no GBT negotiated)."""
    cases = []
    d = GXDLMSData("0.0.96.1.0.255")
    d.value = "x" * 150
    c = new_client(connected=True, max_pdu=64)
    cases.append(GuruxClientCase(
        name="set-request-with-datablocks", framing="pdu", frames=_flat(c.write(d, 2)),
        expected=(), blocks={"first": {"apdu": "set-request-with-first-datablock",
                                       "invoke_id_and_priority": IIP,
                                       "cosem_attribute_descriptor": (1, DATA_LN, 2),
                                       "access_selection": None},
                             "raw_data": b"\x0a\x81\x96" + b"x" * 150}))
    c = new_client(connected=True, max_pdu=64)
    param = bytes(range(140))
    cases.append(GuruxClientCase(
        name="action-request-with-pblocks", framing="pdu",
        frames=_flat(c.method(GXDLMSAssociationLogicalName(), 1, param,
                              DataType.OCTET_STRING)),
        expected=(), blocks={"first": {"apdu": "action-request-with-first-pblock",
                                       "invoke_id_and_priority": IIP,
                                       "cosem_method_descriptor": (15, ASSOCIATION_LN, 1)},
                             "raw_data": b"\x09\x81\x8c" + param}))
    return cases


def _framed_cases() -> list[GuruxClientCase]:
    cases = []
    c = new_client(framing="hdlc")
    c.hdlcSettings.maxInfoTX = 32
    c.hdlcSettings.maxInfoRX = 200
    c.hdlcSettings.windowSizeTX = 1
    c.hdlcSettings.windowSizeRX = 1
    snrm = _flat(c.snrmRequest())
    aarq = _flat(c.aarqRequest())
    cases.append(GuruxClientCase(
        name="hdlc-snrm", framing="hdlc", frames=snrm, expected=(),
        frame_fields=({"destination": b"\x03", "source": b"\x21", "control": 0x93,
                       "segmented": False,
                       "hdlc_parameters": {"max_info_field_length_transmit": 32,
                                           "max_info_field_length_receive": 200}},)))
    cases.append(GuruxClientCase(
        name="hdlc-aarq-segmented", framing="hdlc", frames=aarq,
        expected=(_aarq(0) | {"user_information": _initiate_request()},),
        # Two segments (max info 32): I-frames N(S)=0 then 1, N(R)=0, P=1; the first with
        # the segmentation bit and the LLC request header (IEC 62056-46 6.4.4.4.3).
        frame_fields=({"destination": b"\x03", "source": b"\x21", "control": 0x10,
                       "segmented": True},
                      {"destination": b"\x03", "source": b"\x21", "control": 0x12,
                       "segmented": False})))
    w = new_client(framing="wrapper", mechanism=1)
    cases.append(GuruxClientCase(
        name="wrapper-aarq-lls", framing="wrapper", frames=_flat(w.aarqRequest()),
        expected=(_aarq(1) | {"user_information": _initiate_request()},),
        frame_fields=({"source_wport": 0x10, "destination_wport": 1},)))
    return cases


def gurux_client_cases() -> tuple[GuruxClientCase, ...]:
    """Every gurux-produced case, generated afresh (deterministic: fixed challenge, keys,
    counters and titles)."""
    with quiet():
        return (*_aarq_cases(), *_service_cases(), _hls_pass3_case(), *_block_cases(),
                *_framed_cases())
