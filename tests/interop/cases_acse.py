"""ACSE, InitiateRequest/Response, ConfirmedServiceError and ciphered APDUs built with our
encoder and security layer, for gurux to read (and, for ciphered ones, to decipher)."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.codec.acse import AARE, AARQ, RLRE, RLRQ
from conformance.codec.acse.names import (
    ACSE_REQUIREMENTS_AUTHENTICATION,
    AcseServiceProviderDiagnostic,
    AcseServiceUserDiagnostic,
    ApplicationContextName,
    AssociationResult,
    MechanismName,
    ReleaseRequestReason,
    ReleaseResponseReason,
)
from conformance.codec.acse.values import AuthenticationValueCharstring
from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms import action, get, notification
from conformance.codec.xdlms import set as set_
from conformance.codec.xdlms.action import ActionResponseWithOptionalData
from conformance.codec.xdlms.ciphered import Protection
from conformance.codec.xdlms.confirmed_service_error import (
    ConfirmedService,
    ConfirmedServiceError,
    ServiceErrorType,
    value_enum,
)
from conformance.codec.xdlms.initiate import Conformance, InitiateRequest, InitiateResponse
from conformance.security import (
    SecurityControl,
    protect_apdu,
    protect_general_ded,
    protect_general_glo,
)
from tests.interop.generate import (
    KEYS,
    OurCase,
    Rng,
    attr_descriptor,
    dar,
    iip,
    method_descriptor,
    rng_for,
    safe_data,
)

__all__ = ["CLIENT_TITLE", "SERVER_TITLE", "acse_cases", "ciphered_cases"]

CLIENT_TITLE = bytes.fromhex("4D4D4D0000BC614E")
SERVER_TITLE = bytes.fromhex("4D4D4D0000000001")

ISSUES = {
    "proposed-qos": "gurux: a proposed-quality-of-service in the InitiateRequest (OPTIONAL "
                    "Integer8, IEC 62056-5-3 9.5) makes gurux misparse the rest",
    "negotiated-qos": "gurux: negotiated-quality-of-service (OPTIONAL Integer8, IEC 62056-5-3 "
                      "9.5) is read as a length and skipped",
    "provider": "gurux: result-source-diagnostic acse-service-provider [2] is printed as "
                "acse-service-user (X.227 Associate-source-diagnostic CHOICE)",
    "rlre-user-information": "gurux: RLRE user-information with an InitiateResponse is "
                             "written as broken XML",
    "sn-vaa-in-ln": "gurux: an LN AARE whose InitiateResponse carries the SN vaa-name 0xFA00 "
                    "(seen in the field, vector aare-lls-real-ek240-corrected) is written as "
                    "broken XML instead of being shown",
    "task": "gurux: its ServiceError enum numbers task 8 and other 9, but IEC 62056-5-3 9.5 "
            "has change-scope [8], task [9], other [10]: a task error prints no element",
    "general-ded": "gurux: general-ded-ciphering (0xDC) is printed as GeneralGloCiphering "
                   "(IEC 62056-5-3 9.5 xDLMS-APDU CHOICE [220])",
    "glo-event": "gurux: glo-event-notification-request (0xCA) is not recognised "
                 "(IEC 62056-5-3 9.5 xDLMS-APDU CHOICE [202])",
}


def _conformance(rng: Rng) -> Conformance:
    return Conformance(rng.randrange(2**24) & ~((1 << 23) | (1 << 16)))  # reserved 0 and 7 off


def initiate_request(rng: Rng, *, dedicated: bool = False) -> InitiateRequest:
    """A random InitiateRequest without proposed-quality-of-service."""
    return InitiateRequest(dedicated_key=KEYS.dedicated_key if dedicated else None,
                           response_allowed=rng.random() < 0.8,
                           proposed_conformance=_conformance(rng),
                           client_max_receive_pdu_size=rng.randrange(2**16))


def initiate_response(rng: Rng, vaa_name: int | None = 0x0007) -> InitiateResponse:
    """A random InitiateResponse without quality-of-service; ``vaa_name`` None = LN or SN
    at random (0x0007 / 0xFA00, Green Book 9.5)."""
    return InitiateResponse(negotiated_conformance=_conformance(rng),
                            server_max_receive_pdu_size=rng.randrange(2**16),
                            vaa_name=rng.choice((0x0007, 0xFA00)) if vaa_name is None
                            else vaa_name)


def _sc(security: int) -> SecurityControl:
    return SecurityControl(security_suite_id=0, authentication=bool(security & 0x10),
                           encryption=bool(security & 0x20))


def _aarq(rng: Rng, mechanism: int, *, ciphered: bool = False, ui: bytes) -> AARQ:
    context = (ApplicationContextName.LOGICAL_NAME_REFERENCING_WITH_CIPHERING if ciphered
               else rng.choice((ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING,
                                ApplicationContextName.SHORT_NAME_REFERENCING_NO_CIPHERING)))
    secret = b"12345678" if mechanism == 1 else rng.randbytes(rng.randrange(8, 65))
    return AARQ(application_context_name=context,
                calling_ap_title=CLIENT_TITLE if mechanism >= 5 or ciphered else None,
                sender_acse_requirements=ACSE_REQUIREMENTS_AUTHENTICATION if mechanism else None,
                mechanism_name=MechanismName(mechanism) if mechanism else None,
                calling_authentication_value=(AuthenticationValueCharstring(value=secret)
                                              if mechanism else None),
                user_information=ui)


def _aare(rng: Rng, *, ui: bytes, mechanism: int = 0, provider: bool = False) -> AARE:
    result = rng.choice(list(AssociationResult))
    diag = (rng.choice(list(AcseServiceProviderDiagnostic)) if provider
            else rng.choice(list(AcseServiceUserDiagnostic)))
    ln = ApplicationContextName.LOGICAL_NAME_REFERENCING_NO_CIPHERING
    return AARE(application_context_name=ln, result=result, result_source_diagnostic=diag,
                responding_ap_title=SERVER_TITLE if mechanism >= 5 else None,
                responder_acse_requirements=(ACSE_REQUIREMENTS_AUTHENTICATION if mechanism
                                             else None),
                mechanism_name=MechanismName(mechanism) if mechanism else None,
                responding_authentication_value=(
                    AuthenticationValueCharstring(value=rng.randbytes(16)) if mechanism
                    else None),
                user_information=ui)


def _service_error(rng: Rng, error_type: ServiceErrorType | None = None
                   ) -> ConfirmedServiceError:
    if error_type is None:  # task [9] has its own gurux-issue case
        error_type = rng.choice([t for t in ServiceErrorType
                                 if value_enum(t) is not None and t != ServiceErrorType.TASK])
    values = value_enum(error_type)
    assert values is not None
    return ConfirmedServiceError(service=rng.choice((ConfirmedService.INITIATE_ERROR,
                                                     ConfirmedService.READ,
                                                     ConfirmedService.WRITE)),
                                 error_type=error_type, value=int(rng.choice(list(values))))


def _acse(rng: Rng) -> Iterator[OurCase]:
    for mech in range(8):
        for _ in range(2):
            yield OurCase(name=f"aarq-mechanism-{mech}", apdu=_aarq(
                rng, mech, ui=initiate_request(rng).to_bytes()))
    qos = InitiateRequest(proposed_quality_of_service=5, proposed_conformance=_conformance(rng),
                          client_max_receive_pdu_size=1200)
    yield OurCase(name="aarq-proposed-qos", apdu=_aarq(rng, 0, ui=qos.to_bytes()),
                  gurux_issue=ISSUES["proposed-qos"])
    for i in range(8):
        ui = (_service_error(rng) if i % 4 == 3 else initiate_response(rng)).to_bytes()
        yield OurCase(name="aare", apdu=_aare(rng, ui=ui, mechanism=(0, 1, 3, 5)[i % 4]))
    yield OurCase(name="aare-provider-diagnostic", apdu=_aare(
        rng, ui=initiate_response(rng).to_bytes(), provider=True),
        gurux_issue=ISSUES["provider"])
    yield OurCase(name="aare-ln-context-sn-vaa", apdu=_aare(
        rng, ui=initiate_response(rng, 0xFA00).to_bytes()), gurux_issue=ISSUES["sn-vaa-in-ln"])
    qos_resp = InitiateResponse(negotiated_quality_of_service=0x12,
                                negotiated_conformance=_conformance(rng),
                                server_max_receive_pdu_size=1024, vaa_name=7)
    yield OurCase(name="aare-negotiated-qos", apdu=_aare(rng, ui=qos_resp.to_bytes()),
                  gurux_issue=ISSUES["negotiated-qos"])
    for reason in ReleaseRequestReason:
        yield OurCase(name="rlrq", apdu=RLRQ(reason=reason))
    for reason in ReleaseResponseReason:
        yield OurCase(name="rlre", apdu=RLRE(reason=reason))
    yield OurCase(name="rlre-initiate-response", apdu=RLRE(
        reason=ReleaseResponseReason.NORMAL, user_information=initiate_response(rng).to_bytes()),
        gurux_issue=ISSUES["rlre-user-information"])
    for _ in range(3):
        yield OurCase(name="initiate-request", apdu=initiate_request(rng, dedicated=True))
        yield OurCase(name="initiate-response", apdu=initiate_response(rng, None))
    for _ in range(4):
        yield OurCase(name="confirmed-service-error", apdu=_service_error(rng))
    yield OurCase(name="confirmed-service-error-task", apdu=_service_error(
        rng, ServiceErrorType.TASK), gurux_issue=ISSUES["task"])


def acse_cases() -> list[OurCase]:
    """Every ACSE / initiate / confirmed-service-error case, in a stable order."""
    return list(_acse(rng_for("acse")))


def _plain_services(rng: Rng) -> list[tuple[str, Apdu]]:
    d = ActionResponseWithOptionalData(result=dar(rng), return_parameters=safe_data(rng))
    return [
        ("get-request", get.GetRequestNormal(invoke_id_and_priority=iip(rng),
                                             cosem_attribute_descriptor=attr_descriptor(rng))),
        ("get-response", get.GetResponseNormal(invoke_id_and_priority=iip(rng),
                                               result=safe_data(rng))),
        ("set-request", set_.SetRequestNormal(invoke_id_and_priority=iip(rng),
                                              cosem_attribute_descriptor=attr_descriptor(rng),
                                              value=safe_data(rng))),
        ("set-response", set_.SetResponseNormal(invoke_id_and_priority=iip(rng),
                                                result=dar(rng))),
        ("action-request", action.ActionRequestNormal(
            invoke_id_and_priority=iip(rng), cosem_method_descriptor=method_descriptor(rng),
            method_invocation_parameters=safe_data(rng))),
        ("action-response", action.ActionResponseNormal(invoke_id_and_priority=iip(rng),
                                                        single_response=d)),
    ]


def _ciphered(rng: Rng) -> Iterator[OurCase]:
    ic = 0x01234567
    for protection in (Protection.GLOBAL, Protection.DEDICATED):
        for name, plain in _plain_services(rng):
            for security in (0x10, 0x20, 0x30):
                ic += 1
                title = CLIENT_TITLE if name.endswith("request") else SERVER_TITLE
                apdu = protect_apdu(plain, keys=KEYS, security_control=_sc(security),
                                    invocation_counter=ic, system_title=title,
                                    protection=protection)
                yield OurCase(name=f"{protection.value}-{name}-sc{security:02x}", apdu=apdu,
                              plaintext=plain, sender_title=title)
    for security in (0x10, 0x20, 0x30):
        plain = _plain_services(rng)[0][1]
        ic += 1
        yield OurCase(name=f"general-glo-ciphering-sc{security:02x}", apdu=protect_general_glo(
            plain, keys=KEYS, security_control=_sc(security), invocation_counter=ic,
            system_title=CLIENT_TITLE), plaintext=plain, sender_title=CLIENT_TITLE)
    dn = notification.DataNotification(long_invoke_id_and_priority=rng.randrange(2**32),
                                       notification_body=safe_data(rng))
    yield OurCase(name="general-glo-ciphering-no-title", apdu=protect_general_glo(
        dn, keys=KEYS, security_control=_sc(0x30), invocation_counter=ic + 1,
        system_title=SERVER_TITLE, send_system_title=False), plaintext=dn,
        sender_title=SERVER_TITLE)
    yield OurCase(name="general-ded-ciphering", apdu=protect_general_ded(
        dn, keys=KEYS, security_control=_sc(0x30), invocation_counter=ic + 2,
        system_title=SERVER_TITLE), plaintext=dn, sender_title=SERVER_TITLE,
        gurux_issue=ISSUES["general-ded"])
    event = notification.EventNotificationRequest(cosem_attribute_descriptor=attr_descriptor(rng),
                                                  attribute_value=safe_data(rng))
    yield OurCase(name="glo-event-notification-request", apdu=protect_apdu(
        event, keys=KEYS, security_control=_sc(0x30), invocation_counter=ic + 3,
        system_title=SERVER_TITLE), plaintext=event, sender_title=SERVER_TITLE,
        gurux_issue=ISSUES["glo-event"])
    for i in range(4):  # ciphered xDLMS-Initiate inside AARQ / AARE / RLRQ
        req = initiate_request(rng, dedicated=i % 2 == 0)
        glo = protect_apdu(req, keys=KEYS, security_control=_sc(0x30),
                           invocation_counter=ic + 10 + i, system_title=CLIENT_TITLE)
        outer: Apdu = (_aarq(rng, 5, ciphered=True, ui=glo.to_bytes()) if i < 3 else
                       RLRQ(reason=ReleaseRequestReason.NORMAL, user_information=glo.to_bytes()))
        yield OurCase(name=f"{type(outer).__name__.lower()}-glo-initiateRequest", apdu=outer,
                      plaintext=req, sender_title=CLIENT_TITLE)
    resp = initiate_response(rng)
    glo = protect_apdu(resp, keys=KEYS, security_control=_sc(0x30), invocation_counter=ic + 20,
                       system_title=SERVER_TITLE)
    yield OurCase(name="aare-glo-initiateResponse", apdu=_aare(rng, ui=glo.to_bytes(), mechanism=5),
                  plaintext=resp, sender_title=SERVER_TITLE)


def ciphered_cases() -> list[OurCase]:
    """Every ciphered case (with the plaintext gurux must find), in a stable order."""
    return list(_ciphered(rng_for("ciphered")))
