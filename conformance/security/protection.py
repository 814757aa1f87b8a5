"""Plaintext APDU <-> ciphered APDU, in every form (Green Book 9.2.7).

* service-specific: :func:`protect_apdu` / :func:`unprotect_apdu` (glo- or ded-, the tag
  chosen from the plaintext's tag: get-request 0xC0 -> glo-get-request 0xC8 /
  ded-get-request 0xD0);
* general-glo-ciphering / general-ded-ciphering: :func:`protect_general_glo`,
  :func:`protect_general_ded`, :func:`unprotect_general`;
* general-ciphering: :func:`protect_general_ciphering`, :func:`unprotect_general_ciphering`;
* :func:`unprotect` dispatches on the APDU's type.

Keys: glo- and general-glo- use the global unicast EK, or the global broadcast key when the
SC key-set bit says so; ded- and general-ded- use the dedicated key; AK always enters the
additional data. The system title of the IV is always the *sender's*.

Errors: :class:`SecurityError` (tag mismatch, missing or wrong-length key, with key names,
system title and counter but no key value); :class:`LocalProtocolError` when asked to
protect an APDU that has no such ciphered form; :class:`CodecError` when an authentic
plaintext is not the APDU its envelope announces.
"""

from __future__ import annotations

from conformance.codec._buffer import Writer
from conformance.codec.apdu_base import Apdu
from conformance.codec.xdlms._ciphered_base import push_octet_string
from conformance.codec.xdlms.ciphered import (
    CipheredApdu,
    CipheredApduType,
    Protection,
    SecurityHeader,
    ciphered_tag_for,
)
from conformance.codec.xdlms.general_ciphering import (
    AgreedKey,
    GeneralCiphering,
    GeneralDedCiphering,
    GeneralGloCiphering,
    IdentifiedKey,
    KeyId,
    KeyInfo,
    WrappedKey,
)
from conformance.errors import CodecError, LocalProtocolError, SecurityError
from conformance.security.control import SecurityControl
from conformance.security.gcm import protect_text, unprotect_text
from conformance.security.keys import SecretKey, SecurityKeys
from conformance.security.keywrap import unwrap_key

__all__ = [
    "general_ciphering_aad",
    "protect_apdu",
    "protect_general_ciphering",
    "protect_general_ded",
    "protect_general_glo",
    "unprotect",
    "unprotect_apdu",
    "unprotect_general",
    "unprotect_general_ciphering",
]


def _plain(plaintext: bytes | Apdu) -> bytes:
    data = plaintext.to_bytes() if isinstance(plaintext, Apdu) else bytes(plaintext)
    if not data:
        raise LocalProtocolError("cannot protect an empty APDU")
    return data


def _auth_key(keys: SecurityKeys, sc: SecurityControl) -> SecretKey | None:
    return keys.authentication() if sc.authentication else None


def _protect(data: bytes, *, keys: SecurityKeys, sc: SecurityControl, ic: int,
             system_title: bytes, cipher_key: SecretKey, extra_aad: bytes = b"") -> bytes:
    return protect_text(data, security_control=sc, invocation_counter=ic,
                        system_title=system_title, block_cipher_key=cipher_key,
                        authentication_key=_auth_key(keys, sc), extra_aad=extra_aad)


# Every security control byte as its (immutable) value object, built once.
_SC_BY_BYTE = tuple(SecurityControl.from_byte(b) for b in range(256))


def _received_sc(header: SecurityHeader, expected: SecurityControl | None) -> SecurityControl:
    sc = _SC_BY_BYTE[header.security_control]  # SecurityHeader holds one byte (0..255)
    if expected is not None and sc != expected:
        # The SC is not protected by itself: a receiver that let the peer choose it would
        # accept an unauthenticated APDU in place of an authenticated one.
        raise SecurityError(f"security control mismatch: expected {expected}, received {sc}")
    return sc


def _unprotect(header: SecurityHeader, text: bytes, *, keys: SecurityKeys,
               system_title: bytes, dedicated: bool,
               expected: SecurityControl | None) -> bytes:
    sc = _received_sc(header, expected)
    key = keys.block_cipher_key(dedicated=dedicated, broadcast=sc.broadcast_key)
    return unprotect_text(text, security_control=sc,
                          invocation_counter=header.invocation_counter,
                          system_title=system_title, block_cipher_key=key,
                          authentication_key=_auth_key(keys, sc))


# -- service-specific glo-/ded- ------------------------------------------------------------
def protect_apdu(plaintext: bytes | Apdu, *, keys: SecurityKeys,
                 security_control: SecurityControl, invocation_counter: int,
                 system_title: bytes, protection: Protection = Protection.GLOBAL
                 ) -> CipheredApdu:
    """The glo- (or ded-) APDU protecting ``plaintext``; ``system_title`` is the sender's."""
    data = _plain(plaintext)
    tag = ciphered_tag_for(data[0], protection)
    if tag is None:
        raise LocalProtocolError(
            f"an APDU with tag 0x{data[0]:02X} has no {protection.value}- ciphered form "
            f"(IEC 62056-5-3 8.5); use general-{protection.value}-ciphering")
    dedicated = protection is Protection.DEDICATED
    key = keys.block_cipher_key(dedicated=dedicated, broadcast=security_control.broadcast_key)
    text = _protect(data, keys=keys, sc=security_control, ic=invocation_counter,
                    system_title=system_title, cipher_key=key)
    header = SecurityHeader(security_control=security_control.to_byte(),
                            invocation_counter=invocation_counter)
    return CipheredApdu(tag=tag, security_header=header, ciphered_text=text)


def unprotect_apdu(apdu: CipheredApdu, *, keys: SecurityKeys, system_title: bytes,
                   expected_security_control: SecurityControl | None = None,
                   check_content: bool = True) -> bytes:
    """The plaintext APDU inside ``apdu`` (sent by the owner of ``system_title``).

    ``expected_security_control`` (the policy the receiver requires) makes any other SC a
    ``SecurityError``; without it the APDU's own SC is trusted.

    With ``check_content`` (the default) an authentic plaintext that is not the APDU the tag
    announces (e.g. glo-initiateResponse not holding an InitiateResponse 0x08) raises
    ``CodecError`` with the path ``<name>.plaintext`` and an offset into the plaintext.
    """
    service = apdu.service
    plaintext = _unprotect(apdu.security_header, apdu.ciphered_text, keys=keys,
                           system_title=system_title,
                           dedicated=service.protection is Protection.DEDICATED,
                           expected=expected_security_control)
    if check_content:
        if not plaintext:
            raise CodecError(f"deciphered {service.name} is empty", offset=0,
                             path=f"{service.name}.plaintext")
        if plaintext[0] != service.plain_tag:
            raise CodecError(
                f"deciphered {service.name} holds an APDU with tag 0x{plaintext[0]:02X}, not "
                f"{service.plain_name} (0x{service.plain_tag:02X})", offset=0,
                path=f"{service.name}.plaintext")
    return plaintext


# -- general-glo-ciphering / general-ded-ciphering -----------------------------------------
def protect_general_glo(plaintext: bytes | Apdu, *, keys: SecurityKeys,
                        security_control: SecurityControl, invocation_counter: int,
                        system_title: bytes, send_system_title: bool = True
                        ) -> GeneralGloCiphering:
    """general-glo-ciphering of ``plaintext`` with the global key; ``send_system_title=False``
    leaves the system-title field empty (the peer must know it from context)."""
    data = _plain(plaintext)
    key = keys.block_cipher_key(broadcast=security_control.broadcast_key)
    text = _protect(data, keys=keys, sc=security_control, ic=invocation_counter,
                    system_title=system_title, cipher_key=key)
    return GeneralGloCiphering(
        system_title=system_title if send_system_title else b"",
        security_header=SecurityHeader(security_control=security_control.to_byte(),
                                       invocation_counter=invocation_counter),
        ciphered_text=text)


def protect_general_ded(plaintext: bytes | Apdu, *, keys: SecurityKeys,
                        security_control: SecurityControl, invocation_counter: int,
                        system_title: bytes, send_system_title: bool = True
                        ) -> GeneralDedCiphering:
    """general-ded-ciphering of ``plaintext`` with the dedicated key."""
    data = _plain(plaintext)
    key = keys.block_cipher_key(dedicated=True, broadcast=security_control.broadcast_key)
    text = _protect(data, keys=keys, sc=security_control, ic=invocation_counter,
                    system_title=system_title, cipher_key=key)
    return GeneralDedCiphering(
        system_title=system_title if send_system_title else b"",
        security_header=SecurityHeader(security_control=security_control.to_byte(),
                                       invocation_counter=invocation_counter),
        ciphered_text=text)


def unprotect_general(apdu: GeneralGloCiphering | GeneralDedCiphering, *, keys: SecurityKeys,
                      system_title: bytes | None = None,
                      expected_security_control: SecurityControl | None = None) -> bytes:
    """The plaintext APDU inside a general-glo-/general-ded-ciphering APDU. The IV uses the
    APDU's own system-title; ``system_title`` (the sender's, known from context) is needed
    only when that field is empty. ``expected_security_control`` as in
    :func:`unprotect_apdu`."""
    st = apdu.system_title or system_title
    if st is None:
        raise SecurityError(f"{apdu.NAME} carries no system title and none was given: the "
                            "GCM IV cannot be built")
    return _unprotect(apdu.security_header, apdu.ciphered_text, keys=keys, system_title=st,
                      dedicated=isinstance(apdu, GeneralDedCiphering),
                      expected=expected_security_control)


# -- general-ciphering ---------------------------------------------------------------------
def general_ciphering_aad(*, transaction_id: bytes, originator_system_title: bytes,
                          recipient_system_title: bytes, date_time: bytes,
                          other_information: bytes) -> bytes:
    """The general-ciphering fields that follow ``SC || AK`` in the additional data.

    Green Book 9.2.7 adds transaction-id, originator-system-title,
    recipient-system-title, date-time and other-information to the additional data of
    general-ciphering. They are taken as encoded (A-XDR, with their length bytes), in both
    authentication-only and authenticated-encryption modes and for every suite (Gurux
    1.0.203 uses the same bytes, but only for authenticated encryption with suites 1/2).
    Unverified: the Green Book example tag (vector sec-general-ciphering-c1e1s-gb) is
    reproduced by no known layout, so this one is checked only for self-consistency.
    """
    w = Writer()
    for value in (transaction_id, originator_system_title, recipient_system_title, date_time,
                  other_information):
        push_octet_string(w, value)
    return w.getvalue()


def _general_ciphering_key(key_info: KeyInfo | None, *, keys: SecurityKeys,
                           sc: SecurityControl, agreed_key: bytes | None) -> SecretKey:
    if agreed_key is not None:
        if isinstance(key_info, IdentifiedKey | WrappedKey):
            raise SecurityError("an agreed key was given but key-info names another key")
        return SecretKey(name="agreed key", value=agreed_key)
    if isinstance(key_info, AgreedKey):
        raise SecurityError("key-info is agreed-key: the key agreed by ECDH is needed "
                            "(conformance.security.kdf.agree_key)")
    if isinstance(key_info, IdentifiedKey):
        return keys.block_cipher_key(
            broadcast=key_info.key_id is KeyId.GLOBAL_BROADCAST_ENCRYPTION_KEY)
    if isinstance(key_info, WrappedKey):
        key = unwrap_key(key_info.key_ciphered_data, kek=keys.kek(), suite=sc.suite())
        return SecretKey(name="wrapped key", value=key)
    return keys.block_cipher_key(broadcast=sc.broadcast_key)


def protect_general_ciphering(plaintext: bytes | Apdu, *, keys: SecurityKeys,
                              security_control: SecurityControl, invocation_counter: int,
                              transaction_id: bytes, originator_system_title: bytes,
                              recipient_system_title: bytes, date_time: bytes = b"",
                              other_information: bytes = b"", key_info: KeyInfo | None = None,
                              agreed_key: bytes | None = None) -> GeneralCiphering:
    """general-ciphering of ``plaintext``. The block-cipher key follows ``key_info``:
    identified-key -> that global key; wrapped-key -> the key unwrapped with the master key
    from its key-ciphered-data; agreed-key -> ``agreed_key`` (from
    :func:`conformance.security.kdf.agree_key`); absent -> ``agreed_key`` if given, else the
    global key the SC key-set bit selects. The IV uses the originator's system title."""
    data = _plain(plaintext)
    key = _general_ciphering_key(key_info, keys=keys, sc=security_control,
                                 agreed_key=agreed_key)
    aad = general_ciphering_aad(transaction_id=transaction_id,
                                originator_system_title=originator_system_title,
                                recipient_system_title=recipient_system_title,
                                date_time=date_time, other_information=other_information)
    text = _protect(data, keys=keys, sc=security_control, ic=invocation_counter,
                    system_title=originator_system_title, cipher_key=key, extra_aad=aad)
    return GeneralCiphering(
        transaction_id=transaction_id, originator_system_title=originator_system_title,
        recipient_system_title=recipient_system_title, date_time=date_time,
        other_information=other_information, key_info=key_info,
        security_header=SecurityHeader(security_control=security_control.to_byte(),
                                       invocation_counter=invocation_counter),
        ciphered_text=text)


def unprotect_general_ciphering(apdu: GeneralCiphering, *, keys: SecurityKeys,
                                agreed_key: bytes | None = None,
                                expected_security_control: SecurityControl | None = None
                                ) -> bytes:
    """The plaintext APDU inside a general-ciphering APDU (key chosen as in
    :func:`protect_general_ciphering`; ``expected_security_control`` as in
    :func:`unprotect_apdu`)."""
    sc = _received_sc(apdu.security_header, expected_security_control)
    key = _general_ciphering_key(apdu.key_info, keys=keys, sc=sc, agreed_key=agreed_key)
    return unprotect_text(apdu.ciphered_text, security_control=sc,
                          invocation_counter=apdu.security_header.invocation_counter,
                          system_title=apdu.originator_system_title, block_cipher_key=key,
                          authentication_key=_auth_key(keys, sc),
                          extra_aad=general_ciphering_aad(
                              transaction_id=apdu.transaction_id,
                              originator_system_title=apdu.originator_system_title,
                              recipient_system_title=apdu.recipient_system_title,
                              date_time=apdu.date_time,
                              other_information=apdu.other_information))


def unprotect(apdu: CipheredApduType, *, keys: SecurityKeys, system_title: bytes | None = None,
              agreed_key: bytes | None = None,
              expected_security_control: SecurityControl | None = None) -> bytes:
    """The plaintext inside any ciphered APDU. ``system_title`` is the sender's, needed for
    service-specific APDUs and for general-glo/ded ones without a system title."""
    expected = expected_security_control
    if isinstance(apdu, GeneralCiphering):
        return unprotect_general_ciphering(apdu, keys=keys, agreed_key=agreed_key,
                                           expected_security_control=expected)
    if isinstance(apdu, GeneralGloCiphering | GeneralDedCiphering):
        return unprotect_general(apdu, keys=keys, system_title=system_title,
                                 expected_security_control=expected)
    if system_title is None:
        raise SecurityError(f"{apdu.service.name} carries no system title: the sender's "
                            "system title is needed for the GCM IV")
    return unprotect_apdu(apdu, keys=keys, system_title=system_title,
                          expected_security_control=expected)
