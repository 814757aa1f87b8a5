"""AARE: the A-ASSOCIATE response APDU (tag 0x61; X.227 / IEC 62056-5-3 8.2, Green Book
9.4.2 and 11.3)::

    AARE-apdu ::= [APPLICATION 1] IMPLICIT SEQUENCE {
      protocol-version                [0]  IMPLICIT T-protocol-version DEFAULT {version1},
      application-context-name        [1]  Application-context-name,
      result                          [2]  Association-result,
      result-source-diagnostic        [3]  Associate-source-diagnostic,
      responding-AP-title             [4]  AP-title OPTIONAL,
      responding-AE-qualifier         [5]  AE-qualifier OPTIONAL,
      responding-AP-invocation-id     [6]  AP-invocation-identifier OPTIONAL,
      responding-AE-invocation-id     [7]  AE-invocation-identifier OPTIONAL,
      responder-acse-requirements     [8]  IMPLICIT ACSE-requirements OPTIONAL,
      mechanism-name                  [9]  IMPLICIT Mechanism-name OPTIONAL,
      responding-authentication-value [10] EXPLICIT Authentication-value OPTIONAL,
      implementation-information      [29] IMPLICIT Implementation-data OPTIONAL,
      user-information                [30] EXPLICIT Association-information OPTIONAL }

    Associate-source-diagnostic ::= CHOICE {
      acse-service-user     [1] INTEGER {...},
      acse-service-provider [2] INTEGER {...} }

``result`` is ``A2 03 02 01 r``; the diagnostic ``A3 05 A1 03 02 01 d`` (service user) or
``A3 05 A2 03 02 01 d`` (service provider). The user-information holds an InitiateResponse,
a ConfirmedServiceError when the xDLMS part was refused, or a ciphered APDU.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import ClassVar, TypeVar, cast

from conformance.codec._buffer import Reader, Writer
from conformance.codec.acse import _fields as f
from conformance.codec.acse.names import (
    AcseServiceProviderDiagnostic,
    AcseServiceUserDiagnostic,
    ApplicationContextName,
    AssociationResult,
    MechanismName,
)
from conformance.codec.acse.values import AUTHENTICATION_VALUE_TYPES, AuthenticationValue
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.ber import (
    BitString,
    ObjectIdentifier,
    Tag,
    Tlv,
    encode_integer,
    encode_tlv,
    pull_tlv,
)
from conformance.codec.xdlms.confirmed_service_error import (
    ConfirmedServiceError,
    decode_confirmed_service_error,
)
from conformance.codec.xdlms.initiate import InitiateResponse, decode_initiate_response
from conformance.errors import CodecError

__all__ = ["AARE", "AssociateSourceDiagnostic", "decode_aare"]

AssociateSourceDiagnostic = AcseServiceUserDiagnostic | AcseServiceProviderDiagnostic
"""The CHOICE is told by the enum type: service user [1] or service provider [2]."""

_S = f.FieldSpec
PROTOCOL_VERSION = _S(0, "protocol_version", "protocol-version", False)
APPLICATION_CONTEXT_NAME = _S(1, "application_context_name", "application-context-name", True)
RESULT = _S(2, "result", "result", True)
RESULT_SOURCE_DIAGNOSTIC = _S(3, "result_source_diagnostic", "result-source-diagnostic", True)
RESPONDING_AP_TITLE = _S(4, "responding_ap_title", "responding-AP-title", True)
RESPONDING_AE_QUALIFIER = _S(5, "responding_ae_qualifier", "responding-AE-qualifier", True)
RESPONDING_AP_INVOCATION_ID = _S(6, "responding_ap_invocation_id",
                                 "responding-AP-invocation-id", True)
RESPONDING_AE_INVOCATION_ID = _S(7, "responding_ae_invocation_id",
                                 "responding-AE-invocation-id", True)
RESPONDER_ACSE_REQUIREMENTS = _S(8, "responder_acse_requirements",
                                 "responder-acse-requirements", False)
MECHANISM_NAME = _S(9, "mechanism_name", "mechanism-name", False)
RESPONDING_AUTHENTICATION_VALUE = _S(10, "responding_authentication_value",
                                     "responding-authentication-value", True)
IMPLEMENTATION_INFORMATION = _S(29, "implementation_information",
                                "implementation-information", False)
USER_INFORMATION = _S(30, "user_information", "user-information", True)

FIELDS = (PROTOCOL_VERSION, APPLICATION_CONTEXT_NAME, RESULT, RESULT_SOURCE_DIAGNOSTIC,
          RESPONDING_AP_TITLE, RESPONDING_AE_QUALIFIER, RESPONDING_AP_INVOCATION_ID,
          RESPONDING_AE_INVOCATION_ID, RESPONDER_ACSE_REQUIREMENTS, MECHANISM_NAME,
          RESPONDING_AUTHENTICATION_VALUE, IMPLEMENTATION_INFORMATION, USER_INFORMATION)
_TABLE = f.FieldTable("AARE", FIELDS)

_SERVICE_USER = Tag.context(1, constructed=True)
_SERVICE_PROVIDER = Tag.context(2, constructed=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class AARE(Apdu):
    """A-ASSOCIATE response. Absent OPTIONAL components are ``None``; the three length
    fields are computed when ``None`` and encoded as given otherwise (see ``AARQ``)."""

    TAG: ClassVar[int] = 0x61

    protocol_version: BitString | None = None
    """None: absent, meaning the DEFAULT {version1}."""
    application_context_name: ApplicationContextName | ObjectIdentifier
    result: AssociationResult
    result_source_diagnostic: AssociateSourceDiagnostic
    responding_ap_title: bytes | None = None
    """The server system title with ciphering contexts."""
    responding_ae_qualifier: bytes | None = None
    """The server's signing certificate with HLS mechanism 7 (ECDSA)."""
    responding_ap_invocation_id: int | None = None
    responding_ae_invocation_id: int | None = None
    responder_acse_requirements: BitString | None = None
    mechanism_name: MechanismName | ObjectIdentifier | None = None
    responding_authentication_value: AuthenticationValue | None = field(default=None,
                                                                         repr=False)
    """The HLS StoC challenge (never shown in repr)."""
    implementation_information: bytes | None = None
    user_information: bytes | None = None
    """The xDLMS APDU octets (InitiateResponse, ConfirmedServiceError or ciphered)."""
    length: int | None = None
    """Outer AARE length override."""
    user_information_length: int | None = None
    """Override of the [30] (``BE``) wrapper length."""
    user_information_octets_length: int | None = None
    """Override of the OCTET STRING (``04``) length inside [30]."""

    def __post_init__(self) -> None:
        f.check_name("AARE", "application_context_name", self.application_context_name,
                     ApplicationContextName, optional=False)
        f.check_name("AARE", "mechanism_name", self.mechanism_name, MechanismName,
                     optional=True)
        AssociationResult(self.result)  # ValueError for an undefined result
        if not isinstance(self.result_source_diagnostic,
                          AcseServiceUserDiagnostic | AcseServiceProviderDiagnostic):
            raise TypeError("AARE.result_source_diagnostic must be an "
                            "AcseServiceUserDiagnostic or AcseServiceProviderDiagnostic (the "
                            "type selects the CHOICE alternative)")
        for spec in (PROTOCOL_VERSION, RESPONDER_ACSE_REQUIREMENTS):
            f.check_optional("AARE", spec.name, getattr(self, spec.name), BitString)
        for spec in (RESPONDING_AP_TITLE, RESPONDING_AE_QUALIFIER, IMPLEMENTATION_INFORMATION,
                     USER_INFORMATION):
            f.check_optional("AARE", spec.name, getattr(self, spec.name), bytes)
        for spec in (RESPONDING_AP_INVOCATION_ID, RESPONDING_AE_INVOCATION_ID):
            f.check_optional("AARE", spec.name, getattr(self, spec.name), int)
        f.check_optional("AARE", "responding_authentication_value",
                         self.responding_authentication_value, AUTHENTICATION_VALUE_TYPES)
        f.check_lengths("AARE", length=self.length,
                        user_information_length=self.user_information_length,
                        user_information_octets_length=self.user_information_octets_length)

    def encode(self, w: Writer) -> None:
        """Append the BER encoding, tag 0x61 included."""
        diagnostic = self.result_source_diagnostic
        choice = 1 if isinstance(diagnostic, AcseServiceUserDiagnostic) else 2
        content = b"".join((
            f.enc_bit_string(0, self.protocol_version),
            f.enc_context_name(self.application_context_name),
            f.enc_integer(2, self.result),
            f.explicit(3, Tag.context(choice, constructed=True),
                       encode_tlv(f.INTEGER, encode_integer(diagnostic))),
            f.enc_octet_string(4, self.responding_ap_title),
            f.enc_octet_string(5, self.responding_ae_qualifier),
            f.enc_integer(6, self.responding_ap_invocation_id),
            f.enc_integer(7, self.responding_ae_invocation_id),
            f.enc_bit_string(8, self.responder_acse_requirements),
            f.enc_mechanism(9, self.mechanism_name),
            f.enc_authentication_value(10, self.responding_authentication_value),
            f.enc_graphic_string(29, self.implementation_information),
            f.enc_user_information(self.user_information,
                                   wrapper_length=self.user_information_length,
                                   octets_length=self.user_information_octets_length),
        ))
        f.push_apdu(w, self.TAG, content, self.length)

    @property
    def user_information_ciphered(self) -> bool:
        """True when user-information holds a ciphered APDU (glo-/ded-initiate-response,
        glo-/ded-confirmed-service-error, general-*-ciphering)."""
        return f.is_ciphered(self.user_information)

    def plain_user_information(self) -> InitiateResponse | ConfirmedServiceError | None:
        """The user-information as a plain InitiateResponse or ConfirmedServiceError; None
        when absent or ciphered; ``CodecError`` (offsets from the first user-information
        octet) for anything else."""
        decoders: dict[int, Callable[[bytes, str], InitiateResponse | ConfirmedServiceError]]
        decoders = {
            InitiateResponse.TAG: lambda d, p: decode_initiate_response(d, path=p),
            ConfirmedServiceError.TAG: lambda d, p: decode_confirmed_service_error(d, path=p),
        }
        return f.decode_plain(self.user_information, "AARE.user_information", decoders)


_E = TypeVar("_E", AssociationResult, AcseServiceUserDiagnostic,
             AcseServiceProviderDiagnostic)


# value -> member of each code list: a dict probe instead of an enum call per decode.
_MEMBERS: dict[type[IntEnum], dict[int, IntEnum]] = {
    enum: {int(m): m for m in enum}
    for enum in (AssociationResult, AcseServiceUserDiagnostic, AcseServiceProviderDiagnostic)}


def _checked(enum: type[_E], tlv: Tlv, path: str, what: str) -> _E:
    value, at = f.integer_at(tlv, path, what)
    member = _MEMBERS[enum].get(value)
    if member is None:
        top = int(max(enum))
        raise CodecError(f"{what} value {value} is not defined (0..{top})",
                         offset=at, path=path)
    return cast(_E, member)


# result-source-diagnostic [3] content in its usual encoding (the CHOICE element around a
# one-octet INTEGER: ``A1 03 02 01 d`` or ``A2 03 02 01 d``) -> the diagnostic, so the
# common case skips the element-by-element reading of _diagnostic.
_DIAGNOSTICS: dict[bytes, AssociateSourceDiagnostic] = {
    bytes((choice, 0x03, 0x02, 0x01, int(m))): m
    for choice, enum in ((0xA1, AcseServiceUserDiagnostic),
                         (0xA2, AcseServiceProviderDiagnostic))
    for m in enum}


def _result(tlv: Tlv, path: str) -> AssociationResult:
    return _checked(AssociationResult, tlv, path, "result (Association-result)")


def _diagnostic(tlv: Tlv, path: str) -> AssociateSourceDiagnostic:
    known = _DIAGNOSTICS.get(tlv.value)
    if known is not None:
        return known
    r = tlv.reader(path)
    choice = pull_tlv(r, "", within="result-source-diagnostic")
    r.expect_end("result-source-diagnostic")
    if choice.tag == _SERVICE_USER:
        sub = f"{path}.acse_service_user"
        return _checked(AcseServiceUserDiagnostic, choice, sub, "acse-service-user")
    if choice.tag == _SERVICE_PROVIDER:
        sub = f"{path}.acse_service_provider"
        return _checked(AcseServiceProviderDiagnostic, choice, sub, "acse-service-provider")
    raise choice.error(f"unknown Associate-source-diagnostic alternative {choice.tag} "
                       "(acse-service-user [1] 0xA1, acse-service-provider [2] 0xA2)", path)


# Component -> decoder, for every component but the three mandatory ones.
_DECODERS: dict[str, f.ComponentDecoder] = {
    PROTOCOL_VERSION.name: f.bit_string,
    RESPONDING_AP_TITLE.name: f.octets_of(RESPONDING_AP_TITLE),
    RESPONDING_AE_QUALIFIER.name: f.octets_of(RESPONDING_AE_QUALIFIER),
    RESPONDING_AP_INVOCATION_ID.name: f.integer_of(RESPONDING_AP_INVOCATION_ID),
    RESPONDING_AE_INVOCATION_ID.name: f.integer_of(RESPONDING_AE_INVOCATION_ID),
    RESPONDER_ACSE_REQUIREMENTS.name: f.bit_string,
    MECHANISM_NAME.name: f.mechanism,
    RESPONDING_AUTHENTICATION_VALUE.name:
        f.authentication_value_of(RESPONDING_AUTHENTICATION_VALUE),
    IMPLEMENTATION_INFORMATION.name: f.implementation_data,
    USER_INFORMATION.name: f.octets_of(USER_INFORMATION),
}


def decode_aare(r: Reader) -> AARE:
    """Decode an AARE; ``r`` is positioned just after the tag 0x61."""
    with r.scope("AARE"):
        content = f.pull_apdu_content(r, "AARE")
        fs = f.collect_fields(content, _TABLE)

        def mandatory(spec: f.FieldSpec) -> tuple[Tlv, str]:
            return f.require(fs, spec, content, "AARE", FIELDS), content.path(spec.name)

        name = f.context_name(*mandatory(APPLICATION_CONTEXT_NAME))
        result = _result(*mandatory(RESULT))
        diagnostic = _diagnostic(*mandatory(RESULT_SOURCE_DIAGNOSTIC))
        return AARE(application_context_name=name, result=result,
                    result_source_diagnostic=diagnostic,
                    **f.decode_present(fs, content, _DECODERS))


register(AARE.TAG)(decode_aare)
