"""A deterministic corpus of mixed DLMS/COSEM frames, built with OUR encoder.

``build_corpus(n)`` returns ``n`` frames cycling through :data:`KINDS` (a fixed mix of
HDLC I-frames and WRAPPER frames carrying plain and ciphered GET/SET/ACTION requests and
responses, datablocks, AARQ/AARE and data notifications). Values come from one seeded
``random.Random``, so the same ``n`` always gives the same bytes.

Ciphered frames use suite 0 with authenticated encryption (SC 0x30), the Green Book keys
(EK 00..0F, AK D0..DF) and the sender's system title, which each frame records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from conformance.codec.acse import AARE, AARQ
from conformance.codec.acse.names import (
    ACSE_REQUIREMENTS_AUTHENTICATION,
    AcseServiceUserDiagnostic,
    ApplicationContextName,
    AssociationResult,
    MechanismName,
)
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu_base import Apdu
from conformance.codec.axdr import (
    Array,
    Data,
    DateTime,
    DoubleLongUnsigned,
    Enum,
    Integer,
    Long,
    OctetString,
    Structure,
)
from conformance.codec.hdlc import (
    HdlcAddress,
    HdlcControl,
    HdlcFrame,
    HdlcFrameType,
    LlcHeader,
    add_llc,
)
from conformance.codec.obis import ObisCode
from conformance.codec.wrapper import WrapperFrame
from conformance.codec.xdlms import action, get, notification
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.action import ActionResponseWithOptionalData
from conformance.codec.xdlms.descriptors import CosemAttributeDescriptor, CosemMethodDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.codec.xdlms.get import DataBlockG
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest, InitiateResponse
from conformance.security import SecurityControl, SecurityKeys, protect_apdu

__all__ = ["CLIENT_TITLE", "KEYS", "KINDS", "SERVER_TITLE", "CorpusFrame", "build_corpus"]

KEYS = SecurityKeys(encryption_key=bytes(range(16)), authentication_key=bytes(range(0xD0, 0xE0)))
CLIENT_TITLE = bytes.fromhex("4D4D4D0000BC614E")
SERVER_TITLE = bytes.fromhex("4D4D4D0000000001")
_SC = SecurityControl(security_suite_id=0, authentication=True, encryption=True)
_CLIENT = HdlcAddress.client(0x10)
_LN = ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING
_SERVERS = (HdlcAddress.server(1, 17), HdlcAddress.server(1), HdlcAddress.server(1, 6182, size=4))


@dataclass(frozen=True, slots=True)
class CorpusFrame:
    """One frame of the corpus."""

    kind: str
    """``framing/apdu/protection``, e.g. ``hdlc/get-response/ciphered``."""
    raw: bytes
    """The whole frame (HDLC with both flags)."""
    framing: str
    """``"hdlc"`` or ``"wrapper"``."""
    ciphered: bool
    sender_title: bytes
    """The system title of the sender (for the GCM IV of ciphered frames)."""
    apdu_offset: int
    """Where the APDU starts in ``raw`` (after flag, header, HCS and LLC, or the WRAPPER
    header): lets a peer pick the ciphered APDU without re-parsing the frame."""


def _obis(rng: random.Random) -> ObisCode:
    return ObisCode(a=1, b=0, c=rng.randrange(1, 100), d=rng.randrange(0, 30),
                    e=rng.randrange(0, 10), f=255)


def _value(rng: random.Random) -> Data:
    """A register-like value: a scalar, a scaler_unit structure or a short profile row."""
    pick = rng.randrange(4)
    if pick == 0:
        return DoubleLongUnsigned(value=rng.randrange(2**32))
    if pick == 1:
        return Structure(items=(Integer(value=rng.randrange(-3, 4)), Enum(value=30)))
    if pick == 2:
        return OctetString(value=rng.randbytes(rng.randrange(4, 24)))
    dt = DateTime(year=2024, month=rng.randrange(1, 13), day_of_month=rng.randrange(1, 29),
                  day_of_week=0xFF, hour=rng.randrange(24), minute=0, second=0, hundredths=0,
                  deviation=-60, clock_status=None)
    return Array(items=tuple(Structure(items=(OctetString(value=dt.to_bytes()),
                                              DoubleLongUnsigned(value=rng.randrange(2**32)),
                                              Long(value=rng.randrange(-999, 1000))))
                             for _ in range(rng.randrange(1, 5))))


def _iip(rng: random.Random) -> int:
    return 0xC0 | rng.randrange(16)


def _get_request(rng: random.Random) -> Apdu:
    return get.GetRequestNormal(invoke_id_and_priority=_iip(rng),
                                cosem_attribute_descriptor=CosemAttributeDescriptor(
                                    class_id=3, instance_id=_obis(rng), attribute_id=2))


def _get_response(rng: random.Random) -> Apdu:
    return get.GetResponseNormal(invoke_id_and_priority=_iip(rng), result=_value(rng))


def _get_next(rng: random.Random) -> Apdu:
    return get.GetRequestNext(invoke_id_and_priority=_iip(rng), block_number=rng.randrange(1, 99))


def _get_datablock(rng: random.Random) -> Apdu:
    return get.GetResponseWithDatablock(invoke_id_and_priority=_iip(rng), result=DataBlockG(
        last_block=rng.random() < 0.2, block_number=rng.randrange(1, 99),
        result=rng.randbytes(rng.randrange(100, 200))))


def _set_request(rng: random.Random) -> Apdu:
    return set_.SetRequestNormal(invoke_id_and_priority=_iip(rng), value=_value(rng),
                                 cosem_attribute_descriptor=CosemAttributeDescriptor(
                                     class_id=1, instance_id=_obis(rng), attribute_id=2))


def _set_response(rng: random.Random) -> Apdu:
    return set_.SetResponseNormal(invoke_id_and_priority=_iip(rng),
                                  result=rng.choice((DataAccessResult.SUCCESS,
                                                     DataAccessResult.READ_WRITE_DENIED)))


def _action_request(rng: random.Random) -> Apdu:
    return action.ActionRequestNormal(
        invoke_id_and_priority=_iip(rng), method_invocation_parameters=Integer(value=0),
        cosem_method_descriptor=CosemMethodDescriptor(class_id=70, instance_id=_obis(rng),
                                                      method_id=rng.randrange(1, 3)))


def _action_response(rng: random.Random) -> Apdu:
    return action.ActionResponseNormal(
        invoke_id_and_priority=_iip(rng), single_response=ActionResponseWithOptionalData(
            result=ActionResult.SUCCESS, return_parameters=None))


def _aarq(rng: random.Random) -> Apdu:
    ui = InitiateRequest(proposed_conformance=Conformance(0x001E1D),
                         client_max_receive_pdu_size=rng.choice((512, 1024, 0xFFFF)))
    return AARQ(application_context_name=_LN,
                sender_acse_requirements=ACSE_REQUIREMENTS_AUTHENTICATION,
                mechanism_name=MechanismName.LOW_LEVEL_SECURITY,
                calling_authentication_value=AuthenticationValueCharstring(value=b"12345678"),
                user_information=ui.to_bytes())


def _aare(rng: random.Random) -> Apdu:
    ui = InitiateResponse(negotiated_conformance=Conformance(0x001E1D),
                          server_max_receive_pdu_size=rng.choice((512, 1024)), vaa_name=7)
    return AARE(application_context_name=_LN,
                result=AssociationResult.ACCEPTED,
                result_source_diagnostic=AcseServiceUserDiagnostic.NULL,
                user_information=ui.to_bytes())


def _notification(rng: random.Random) -> Apdu:
    return notification.DataNotification(long_invoke_id_and_priority=rng.randrange(2**24),
                                          notification_body=_value(rng))


Maker = Callable[[random.Random], Apdu]
KINDS: tuple[tuple[str, Maker, bool, bool], ...] = (
    # (apdu name, maker, is a response, ciphered), each also sent over WRAPPER below
    ("get-request", _get_request, False, False), ("get-request", _get_request, False, True),
    ("get-response", _get_response, True, False), ("get-response", _get_response, True, True),
    ("get-request-next", _get_next, False, False),
    ("get-response-datablock", _get_datablock, True, False),
    ("set-request", _set_request, False, False), ("set-request", _set_request, False, True),
    ("set-response", _set_response, True, False), ("set-response", _set_response, True, True),
    ("action-request", _action_request, False, False),
    ("action-request", _action_request, False, True),
    ("action-response", _action_response, True, False),
    ("action-response", _action_response, True, True),
    ("aarq", _aarq, False, False), ("aare", _aare, True, False),
    ("data-notification", _notification, True, False),
)
"""The mix: HDLC frames cycle through these; every fifth frame is a WRAPPER frame instead."""


def _frame(rng: random.Random, i: int, name: str, make: Maker, response: bool,
           ciphered: bool) -> CorpusFrame:
    apdu = make(rng)
    title = SERVER_TITLE if response else CLIENT_TITLE
    if ciphered:
        apdu = protect_apdu(apdu, keys=KEYS, security_control=_SC, invocation_counter=i + 1,
                            system_title=title)
    raw_apdu = apdu.to_bytes()
    kind = f"{name}/{'ciphered' if ciphered else 'plain'}"
    if i % 5 == 4:
        src, dst = (1, 0x10) if response else (0x10, 1)
        raw = WrapperFrame(source_wport=src, destination_wport=dst, apdu=raw_apdu).to_bytes()
        return CorpusFrame(f"wrapper/{kind}", raw, "wrapper", ciphered, title, 8)
    server = _SERVERS[i % 3]
    ftype = HdlcFrameType.UI if name == "data-notification" else HdlcFrameType.I
    control = (HdlcControl(frame_type=ftype) if ftype is HdlcFrameType.UI
               else HdlcControl.i_frame(i % 8, (i + 1) % 8))
    frame = HdlcFrame(destination=_CLIENT if response else server,
                      source=server if response else _CLIENT, control=control,
                      information=add_llc(raw_apdu, LlcHeader.RESPONSE if response
                                          else LlcHeader.REQUEST))
    raw = frame.to_bytes()
    return CorpusFrame(f"hdlc/{kind}", raw, "hdlc", ciphered, title,
                       1 + frame.header_length + 2 + 3)


def build_corpus(n: int, *, seed: int = 62056) -> list[CorpusFrame]:
    """``n`` frames, deterministic for a given ``seed``."""
    rng = random.Random(seed)
    return [_frame(rng, i, *KINDS[i % len(KINDS)]) for i in range(n)]
