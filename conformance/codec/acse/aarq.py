"""AARQ: the A-ASSOCIATE request APDU (tag 0x60; X.227 / IEC 62056-5-3 8.2, Green Book
9.4.2 and 11.3)::

    AARQ-apdu ::= [APPLICATION 0] IMPLICIT SEQUENCE {
      protocol-version             [0]  IMPLICIT T-protocol-version DEFAULT {version1},
      application-context-name     [1]  Application-context-name,
      called-AP-title              [2]  AP-title OPTIONAL,
      called-AE-qualifier          [3]  AE-qualifier OPTIONAL,
      called-AP-invocation-id      [4]  AP-invocation-identifier OPTIONAL,
      called-AE-invocation-id      [5]  AE-invocation-identifier OPTIONAL,
      calling-AP-title             [6]  AP-title OPTIONAL,
      calling-AE-qualifier         [7]  AE-qualifier OPTIONAL,
      calling-AP-invocation-id     [8]  AP-invocation-identifier OPTIONAL,
      calling-AE-invocation-id     [9]  AE-invocation-identifier OPTIONAL,
      sender-acse-requirements     [10] IMPLICIT ACSE-requirements OPTIONAL,
      mechanism-name               [11] IMPLICIT Mechanism-name OPTIONAL,
      calling-authentication-value [12] EXPLICIT Authentication-value OPTIONAL,
      implementation-information   [29] IMPLICIT Implementation-data OPTIONAL,
      user-information             [30] EXPLICIT Association-information OPTIONAL }

In DLMS the AP-title and AE-qualifier are OCTET STRINGs (the calling-AP-title carries the
client system title, the calling-AE-qualifier its certificate with HLS ECDSA), the
invocation identifiers INTEGERs, and Association-information an OCTET STRING holding the
xDLMS InitiateRequest, plain or ciphered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from conformance.codec._buffer import Reader, Writer
from conformance.codec.acse import _fields as f
from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.codec.acse.values import AUTHENTICATION_VALUE_TYPES, AuthenticationValue
from conformance.codec.apdu_base import Apdu, register
from conformance.codec.ber import BitString, ObjectIdentifier
from conformance.codec.xdlms.initiate import InitiateRequest, decode_initiate_request

__all__ = ["AARQ", "decode_aarq"]

_S = f.FieldSpec
PROTOCOL_VERSION = _S(0, "protocol_version", "protocol-version", False)
APPLICATION_CONTEXT_NAME = _S(1, "application_context_name", "application-context-name", True)
CALLED_AP_TITLE = _S(2, "called_ap_title", "called-AP-title", True)
CALLED_AE_QUALIFIER = _S(3, "called_ae_qualifier", "called-AE-qualifier", True)
CALLED_AP_INVOCATION_ID = _S(4, "called_ap_invocation_id", "called-AP-invocation-id", True)
CALLED_AE_INVOCATION_ID = _S(5, "called_ae_invocation_id", "called-AE-invocation-id", True)
CALLING_AP_TITLE = _S(6, "calling_ap_title", "calling-AP-title", True)
CALLING_AE_QUALIFIER = _S(7, "calling_ae_qualifier", "calling-AE-qualifier", True)
CALLING_AP_INVOCATION_ID = _S(8, "calling_ap_invocation_id", "calling-AP-invocation-id", True)
CALLING_AE_INVOCATION_ID = _S(9, "calling_ae_invocation_id", "calling-AE-invocation-id", True)
SENDER_ACSE_REQUIREMENTS = _S(10, "sender_acse_requirements", "sender-acse-requirements",
                              False)
MECHANISM_NAME = _S(11, "mechanism_name", "mechanism-name", False)
CALLING_AUTHENTICATION_VALUE = _S(12, "calling_authentication_value",
                                  "calling-authentication-value", True)
IMPLEMENTATION_INFORMATION = _S(29, "implementation_information",
                                "implementation-information", False)
USER_INFORMATION = _S(30, "user_information", "user-information", True)

FIELDS = (PROTOCOL_VERSION, APPLICATION_CONTEXT_NAME, CALLED_AP_TITLE, CALLED_AE_QUALIFIER,
          CALLED_AP_INVOCATION_ID, CALLED_AE_INVOCATION_ID, CALLING_AP_TITLE,
          CALLING_AE_QUALIFIER, CALLING_AP_INVOCATION_ID, CALLING_AE_INVOCATION_ID,
          SENDER_ACSE_REQUIREMENTS, MECHANISM_NAME, CALLING_AUTHENTICATION_VALUE,
          IMPLEMENTATION_INFORMATION, USER_INFORMATION)
_TABLE = f.FieldTable("AARQ", FIELDS)


@dataclass(frozen=True, slots=True, kw_only=True)
class AARQ(Apdu):
    """A-ASSOCIATE request. Absent OPTIONAL components are ``None``.

    ``length``, ``user_information_length`` and ``user_information_octets_length`` are
    computed when ``None``; an explicit value is encoded as given (to build the broken
    APDUs of dlms-notes failure #10). Decoded APDUs always have them ``None``."""

    TAG: ClassVar[int] = 0x60

    protocol_version: BitString | None = None
    """None: absent, meaning the DEFAULT {version1}."""
    application_context_name: ApplicationContextName | ObjectIdentifier
    called_ap_title: bytes | None = None
    called_ae_qualifier: bytes | None = None
    called_ap_invocation_id: int | None = None
    called_ae_invocation_id: int | None = None
    calling_ap_title: bytes | None = None
    """The client system title (8 octets) with ciphering contexts."""
    calling_ae_qualifier: bytes | None = None
    """The client's signing certificate with HLS mechanism 7 (ECDSA)."""
    calling_ap_invocation_id: int | None = None
    calling_ae_invocation_id: int | None = None
    sender_acse_requirements: BitString | None = None
    """``ACSE_REQUIREMENTS_AUTHENTICATION`` (``8A 02 07 80``) when authenticating."""
    mechanism_name: MechanismName | ObjectIdentifier | None = None
    calling_authentication_value: AuthenticationValue | None = field(default=None,
                                                                      repr=False)
    """LLS password or HLS CtoS challenge (never shown in repr)."""
    implementation_information: bytes | None = None
    user_information: bytes | None = None
    """The xDLMS APDU octets (InitiateRequest, or a ciphered one), kept raw."""
    length: int | None = None
    """Outer AARQ length override."""
    user_information_length: int | None = None
    """Override of the [30] (``BE``) wrapper length."""
    user_information_octets_length: int | None = None
    """Override of the OCTET STRING (``04``) length inside [30]."""

    def __post_init__(self) -> None:
        f.check_name("AARQ", "application_context_name", self.application_context_name,
                     ApplicationContextName, optional=False)
        f.check_name("AARQ", "mechanism_name", self.mechanism_name, MechanismName,
                     optional=True)
        for spec in (PROTOCOL_VERSION, SENDER_ACSE_REQUIREMENTS):
            f.check_optional("AARQ", spec.name, getattr(self, spec.name), BitString)
        for spec in (CALLED_AP_TITLE, CALLED_AE_QUALIFIER, CALLING_AP_TITLE,
                     CALLING_AE_QUALIFIER, IMPLEMENTATION_INFORMATION, USER_INFORMATION):
            f.check_optional("AARQ", spec.name, getattr(self, spec.name), bytes)
        for spec in (CALLED_AP_INVOCATION_ID, CALLED_AE_INVOCATION_ID,
                     CALLING_AP_INVOCATION_ID, CALLING_AE_INVOCATION_ID):
            f.check_optional("AARQ", spec.name, getattr(self, spec.name), int)
        f.check_optional("AARQ", "calling_authentication_value",
                         self.calling_authentication_value, AUTHENTICATION_VALUE_TYPES)
        f.check_lengths("AARQ", length=self.length,
                        user_information_length=self.user_information_length,
                        user_information_octets_length=self.user_information_octets_length)

    def encode(self, w: Writer) -> None:
        """Append the BER encoding, tag 0x60 included."""
        content = b"".join((
            f.enc_bit_string(0, self.protocol_version),
            f.enc_context_name(self.application_context_name),
            f.enc_octet_string(2, self.called_ap_title),
            f.enc_octet_string(3, self.called_ae_qualifier),
            f.enc_integer(4, self.called_ap_invocation_id),
            f.enc_integer(5, self.called_ae_invocation_id),
            f.enc_octet_string(6, self.calling_ap_title),
            f.enc_octet_string(7, self.calling_ae_qualifier),
            f.enc_integer(8, self.calling_ap_invocation_id),
            f.enc_integer(9, self.calling_ae_invocation_id),
            f.enc_bit_string(10, self.sender_acse_requirements),
            f.enc_mechanism(11, self.mechanism_name),
            f.enc_authentication_value(12, self.calling_authentication_value),
            f.enc_graphic_string(29, self.implementation_information),
            f.enc_user_information(self.user_information,
                                   wrapper_length=self.user_information_length,
                                   octets_length=self.user_information_octets_length),
        ))
        f.push_apdu(w, self.TAG, content, self.length)

    @property
    def user_information_ciphered(self) -> bool:
        """True when user-information holds a ciphered APDU (glo-/ded-initiate-request,
        general-*-ciphering)."""
        return f.is_ciphered(self.user_information)

    def initiate_request(self) -> InitiateRequest | None:
        """The user-information as a plain InitiateRequest; None when absent or ciphered;
        ``CodecError`` (offsets from the first user-information octet) otherwise."""
        return f.decode_plain(self.user_information, "AARQ.user_information", {
            InitiateRequest.TAG: lambda data, path: decode_initiate_request(data, path=path),
        })


# Component -> decoder, for every component but the mandatory application-context-name.
_DECODERS: dict[str, f.ComponentDecoder] = {
    PROTOCOL_VERSION.name: f.bit_string,
    CALLED_AP_TITLE.name: f.octets_of(CALLED_AP_TITLE),
    CALLED_AE_QUALIFIER.name: f.octets_of(CALLED_AE_QUALIFIER),
    CALLED_AP_INVOCATION_ID.name: f.integer_of(CALLED_AP_INVOCATION_ID),
    CALLED_AE_INVOCATION_ID.name: f.integer_of(CALLED_AE_INVOCATION_ID),
    CALLING_AP_TITLE.name: f.octets_of(CALLING_AP_TITLE),
    CALLING_AE_QUALIFIER.name: f.octets_of(CALLING_AE_QUALIFIER),
    CALLING_AP_INVOCATION_ID.name: f.integer_of(CALLING_AP_INVOCATION_ID),
    CALLING_AE_INVOCATION_ID.name: f.integer_of(CALLING_AE_INVOCATION_ID),
    SENDER_ACSE_REQUIREMENTS.name: f.bit_string,
    MECHANISM_NAME.name: f.mechanism,
    CALLING_AUTHENTICATION_VALUE.name: f.authentication_value_of(CALLING_AUTHENTICATION_VALUE),
    IMPLEMENTATION_INFORMATION.name: f.implementation_data,
    USER_INFORMATION.name: f.octets_of(USER_INFORMATION),
}


def decode_aarq(r: Reader) -> AARQ:
    """Decode an AARQ; ``r`` is positioned just after the tag 0x60."""
    with r.scope("AARQ"):
        content = f.pull_apdu_content(r, "AARQ")
        fs = f.collect_fields(content, _TABLE)
        name = f.context_name(
            f.require(fs, APPLICATION_CONTEXT_NAME, content, "AARQ", FIELDS),
            content.path(APPLICATION_CONTEXT_NAME.name))
        return AARQ(application_context_name=name, **f.decode_present(fs, content, _DECODERS))


register(AARQ.TAG)(decode_aarq)
