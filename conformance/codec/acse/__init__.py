"""The ACSE APDUs of DLMS/COSEM (X.227 as profiled by IEC 62056-5-3 8.2), BER encoded.

Importing this package registers the decoders for tags 0x60 (AARQ), 0x61 (AARE),
0x62 (RLRQ) and 0x63 (RLRE) with :mod:`conformance.codec.apdu_base`.
"""

from conformance.codec.acse.aare import AARE, AssociateSourceDiagnostic, decode_aare
from conformance.codec.acse.aarq import AARQ, decode_aarq
from conformance.codec.acse.decode import AcseApdu, decode_acse_apdu
from conformance.codec.acse.names import (
    ACSE_REQUIREMENTS_AUTHENTICATION,
    APPLICATION_CONTEXT_ARC,
    MECHANISM_NAME_ARC,
    PROTOCOL_VERSION_1,
    AcseRequirementsBit,
    AcseServiceProviderDiagnostic,
    AcseServiceUserDiagnostic,
    ApplicationContextName,
    AssociationResult,
    MechanismName,
    ReleaseRequestReason,
    ReleaseResponseReason,
    application_context_name,
    mechanism_name,
    oid_of,
)
from conformance.codec.acse.release import RLRE, RLRQ, decode_rlre, decode_rlrq
from conformance.codec.acse.values import (
    AuthenticationValue,
    AuthenticationValueBitstring,
    AuthenticationValueCharstring,
    AuthenticationValueExternal,
    AuthenticationValueOther,
    decode_authentication_value,
    encode_authentication_value,
)

__all__ = [
    "AARE",
    "AARQ",
    "ACSE_REQUIREMENTS_AUTHENTICATION",
    "APPLICATION_CONTEXT_ARC",
    "MECHANISM_NAME_ARC",
    "PROTOCOL_VERSION_1",
    "RLRE",
    "RLRQ",
    "AcseApdu",
    "AcseRequirementsBit",
    "AcseServiceProviderDiagnostic",
    "AcseServiceUserDiagnostic",
    "ApplicationContextName",
    "AssociateSourceDiagnostic",
    "AssociationResult",
    "AuthenticationValue",
    "AuthenticationValueBitstring",
    "AuthenticationValueCharstring",
    "AuthenticationValueExternal",
    "AuthenticationValueOther",
    "MechanismName",
    "ReleaseRequestReason",
    "ReleaseResponseReason",
    "application_context_name",
    "decode_aare",
    "decode_aarq",
    "decode_acse_apdu",
    "decode_authentication_value",
    "decode_rlre",
    "decode_rlrq",
    "encode_authentication_value",
    "mechanism_name",
    "oid_of",
]
