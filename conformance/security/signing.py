"""general-signing: ECDSA signature of an APDU (Green Book 9.2.7, digital signature).

The signature (``r || s``, suite 1 P-256/SHA-256 or suite 2 P-384/SHA-384 by the key's
curve) covers the general-signing APDU from its tag up to and including the content field,
i.e. every field but the signature (:meth:`GeneralSigning.signed_data`).
"""

from __future__ import annotations

from dataclasses import replace

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms.general_ciphering import GeneralSigning
from conformance.security.ecc import ecdsa_sign, ecdsa_verify

__all__ = ["sign_general_signing", "verify_general_signing"]


def sign_general_signing(content: bytes | Apdu, *, signing_key: ec.EllipticCurvePrivateKey,
                         transaction_id: bytes, originator_system_title: bytes,
                         recipient_system_title: bytes, date_time: bytes = b"",
                         other_information: bytes = b"") -> GeneralSigning:
    """A general-signing APDU carrying ``content``, signed with ``signing_key``."""
    data = content.to_bytes() if isinstance(content, Apdu) else bytes(content)
    unsigned = GeneralSigning(transaction_id=transaction_id,
                              originator_system_title=originator_system_title,
                              recipient_system_title=recipient_system_title,
                              date_time=date_time, other_information=other_information,
                              content=data, signature=b"")
    return replace(unsigned, signature=ecdsa_sign(signing_key, unsigned.signed_data()))


def verify_general_signing(apdu: GeneralSigning, *,
                           public_key: ec.EllipticCurvePublicKey) -> None:
    """Return if the signature verifies with the originator's ``public_key``, else
    ``SecurityError``."""
    ecdsa_verify(public_key, apdu.signed_data(), apdu.signature,
                 what=f"general-signing signature of "
                      f"{apdu.originator_system_title.hex().upper() or 'an unnamed originator'}")
