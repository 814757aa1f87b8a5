"""The ciphered envelopes of the ciphering policy (IEC 62056-5-3 8.5; Green Book 9.2.7):
building the envelope of a ciphering mode, finding whose system title enters the IV of a
received one, and opening one without its tag (a server fault hook only).

Pure functions over the security layer; :class:`~.ciphering.Ciphering` applies the policy
and the counter rules around them.
"""

from __future__ import annotations

from conformance.codec.xdlms.ciphered import CipheredApdu, IdentifiedKey, KeyId, Protection
from conformance.codec.xdlms.general_ciphering import (
    GeneralCiphering,
    GeneralDedCiphering,
    GeneralGloCiphering,
)
from conformance.errors import SecurityError
from conformance.protocol.association.policy import CipheringMode
from conformance.security import (
    TAG_LENGTH,
    SecretKey,
    SecurityControl,
    SecurityKeys,
    decrypt_unauthenticated,
    protect_apdu,
    protect_general_ciphering,
    protect_general_ded,
    protect_general_glo,
)

__all__ = ["Envelope", "build_envelope", "open_ignoring_tag", "sender_system_title"]

Envelope = CipheredApdu | GeneralGloCiphering | GeneralDedCiphering | GeneralCiphering
"""Every ciphered APDU form the ciphering policy sends and receives."""


def build_envelope(plain: bytes, *, keys: SecurityKeys, security_control: SecurityControl,
                   mode: CipheringMode, invocation_counter: int, system_title: bytes,
                   peer_system_title: bytes | None) -> Envelope:
    """``plain`` protected in the form of ``mode`` by the owner of ``system_title``
    (general-ciphering names ``peer_system_title`` as recipient and identifies the global
    unicast or broadcast key)."""
    sc, ic, st = security_control, invocation_counter, system_title
    if mode in (CipheringMode.GLOBAL, CipheringMode.DEDICATED):
        protection = Protection.DEDICATED if mode.dedicated else Protection.GLOBAL
        return protect_apdu(plain, keys=keys, security_control=sc, invocation_counter=ic,
                            system_title=st, protection=protection)
    if mode is CipheringMode.GENERAL_GLO:
        return protect_general_glo(plain, keys=keys, security_control=sc,
                                   invocation_counter=ic, system_title=st)
    if mode is CipheringMode.GENERAL_DED:
        return protect_general_ded(plain, keys=keys, security_control=sc,
                                   invocation_counter=ic, system_title=st)
    key_id = (KeyId.GLOBAL_BROADCAST_ENCRYPTION_KEY if sc.broadcast_key
              else KeyId.GLOBAL_UNICAST_ENCRYPTION_KEY)
    return protect_general_ciphering(
        plain, keys=keys, security_control=sc, invocation_counter=ic,
        transaction_id=ic.to_bytes(8, "big"), originator_system_title=st,
        recipient_system_title=peer_system_title or b"",
        key_info=IdentifiedKey(key_id=key_id))


def sender_system_title(envelope: Envelope, *, peer: bytes | None, own: bytes | None) -> bytes:
    """The system title of the IV of a received ``envelope``: the one it carries, else the
    peer's. ``SecurityError`` when it announces another title than the peer's, when a
    general-ciphering APDU is addressed to another recipient than ``own``, or when no title
    is known."""
    if isinstance(envelope, CipheredApdu):
        announced = b""
    elif isinstance(envelope, GeneralCiphering):
        announced = envelope.originator_system_title
        recipient = envelope.recipient_system_title
        if recipient and own and recipient != own:
            raise SecurityError(f"general-ciphering addressed to system title "
                                f"{recipient.hex().upper()}, not to this side "
                                f"({own.hex().upper()})")
    else:
        announced = envelope.system_title
    if announced and peer is not None and announced != peer:
        raise SecurityError(f"the APDU carries system title {announced.hex().upper()}, the "
                            f"peer's is {peer.hex().upper()}")
    sender = announced or peer
    if sender is None:
        raise SecurityError("the peer's system title is unknown: the GCM IV cannot be built")
    return sender


def open_ignoring_tag(text: bytes, *, security_control: SecurityControl, key: SecretKey,
                      iv: bytes) -> bytes:
    """The plaintext of an authenticated ``text`` (payload || tag) *without* checking the
    tag: the payload itself, or its GCM keystream decryption when it is encrypted. Only for
    the server fault hook ``accept_wrong_tag``; a conformant receiver never does this."""
    body = text[:-TAG_LENGTH] if len(text) >= TAG_LENGTH else b""
    return decrypt_unauthenticated(body, key=key, iv=iv) if security_control.encryption \
        else body
