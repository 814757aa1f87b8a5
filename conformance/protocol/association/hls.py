"""HLS passes 3 and 4 on top of :mod:`conformance.security.hls` (Green Book 9.2.7.4).

Pass 3: the client invokes reply_to_HLS_authentication, method 1 of the current Association
LN object (class 15, 0.0.40.0.0.255), with f(StoC) as an octet-string; pass 4: the server
answers success with f(CtoS) as the octet-string return parameter. f() per mechanism is in
:mod:`conformance.security.hls`.

HLS-GMAC (mechanism 5) carries an invocation counter inside f(): the sender takes a fresh
counter of EK with its own system title (the same sequence as its ciphered APDUs, so no IV
is ever reused), and the receiver applies the counter rule to it, per key (Green Book
9.2.7: the receiver keeps the last counter per key): greater than the last counter of EK
accepted *before* the APDU that carried f(), and different from that APDU's own counter
when that APDU was protected with EK too (a ded- APDU's counter belongs to the dedicated
key, another sequence).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.codec.acse.names import MechanismName
from conformance.codec.axdr import OctetString
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.action import (
    ActionRequestNormal,
    ActionResponseNormal,
    ActionResponseWithOptionalData,
)
from conformance.codec.xdlms.descriptors import CosemMethodDescriptor
from conformance.codec.xdlms.enums import ActionResult
from conformance.errors import LocalProtocolError, SecurityError
from conformance.protocol.association.ciphering import Ciphering
from conformance.protocol.association.config import AssociationConfig, OfferedAssociation
from conformance.security import (
    Party,
    check_invocation_counter,
    hls_ecdsa,
    hls_gmac,
    hls_md5,
    hls_sha1,
    hls_sha256,
    verify_hls_ecdsa,
    verify_hls_gmac,
    verify_hls_md5,
    verify_hls_sha1,
    verify_hls_sha256,
)

__all__ = [
    "ASSOCIATION_LN_CLASS_ID",
    "CURRENT_ASSOCIATION",
    "REPLY_TO_HLS_AUTHENTICATION",
    "HlsExchange",
    "compute_f",
    "is_reply_to_hls",
    "reply_to_hls_request",
    "reply_to_hls_response",
    "verify_f",
]

ASSOCIATION_LN_CLASS_ID = 15
"""Association LN interface class (IEC 62056-6-2)."""
CURRENT_ASSOCIATION = ObisCode(a=0, b=0, c=40, d=0, e=0, f=255)
"""The logical name of the current association."""
REPLY_TO_HLS_AUTHENTICATION = CosemMethodDescriptor(
    class_id=ASSOCIATION_LN_CLASS_ID, instance_id=CURRENT_ASSOCIATION, method_id=1)
"""reply_to_HLS_authentication: method 1 of the current Association LN object."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HlsExchange:
    """The inputs of f() for one association."""

    mechanism: MechanismName
    ctos: bytes = field(repr=False)
    """The client-to-server challenge (AARQ calling-authentication-value)."""
    stoc: bytes = field(repr=False)
    """The server-to-client challenge (AARE responding-authentication-value)."""
    client_system_title: bytes
    """Empty when the client sent none (mechanism 6 then hashes no bytes for it)."""
    server_system_title: bytes
    """Empty when the server sent none."""


Settings = AssociationConfig | OfferedAssociation


def _secret(settings: Settings) -> bytes:
    if settings.secret is None:  # excluded by the configuration checks
        raise LocalProtocolError("no HLS secret is configured")
    return settings.secret


def compute_f(party: Party, exchange: HlsExchange, settings: Settings,
              ciphering: Ciphering) -> bytes:
    """f(StoC) computed by the client (``party`` CLIENT) or f(CtoS) by the server (with
    the deviation ``wrong_f``: its last octet's lowest bit flipped)."""
    f = _compute_f(party, exchange, settings, ciphering)
    if settings.deviations.wrong_f and f:
        f = f[:-1] + bytes((f[-1] ^ 0x01,))
    return f


def _compute_f(party: Party, exchange: HlsExchange, settings: Settings,
               ciphering: Ciphering) -> bytes:
    challenge = exchange.stoc if party is Party.CLIENT else exchange.ctos
    mech = exchange.mechanism
    if mech == MechanismName.HIGH_LEVEL_SECURITY_MD5:
        return hls_md5(challenge, _secret(settings))
    if mech == MechanismName.HIGH_LEVEL_SECURITY_SHA1:
        return hls_sha1(challenge, _secret(settings))
    if mech == MechanismName.HIGH_LEVEL_SECURITY_SHA256:
        return hls_sha256(_secret(settings), party=party,
                          client_system_title=exchange.client_system_title,
                          server_system_title=exchange.server_system_title,
                          ctos=exchange.ctos, stoc=exchange.stoc)
    if mech == MechanismName.HIGH_LEVEL_SECURITY_GMAC:
        own = ciphering.own_system_title
        if own is None:  # excluded by the configuration checks
            raise LocalProtocolError("HLS-GMAC needs the own system title")
        return hls_gmac(challenge, keys=ciphering.keys, system_title=own,
                        invocation_counter=ciphering.reserve_own_counter(),
                        security_suite_id=int(settings.security_suite))
    if mech == MechanismName.HIGH_LEVEL_SECURITY_ECDSA:
        if settings.signing_key is None:  # excluded by the configuration checks
            raise LocalProtocolError("HLS-ECDSA needs the own signing key")
        return hls_ecdsa(settings.signing_key, party=party,
                         client_system_title=exchange.client_system_title,
                         server_system_title=exchange.server_system_title,
                         ctos=exchange.ctos, stoc=exchange.stoc)
    raise LocalProtocolError(f"mechanism {mech.name} has no HLS f()")


def verify_f(sender: Party, f: bytes, exchange: HlsExchange, settings: Settings,
             ciphering: Ciphering, *, counter_floor: int | None) -> None:
    """Check the f() the peer (``sender``) computed; ``SecurityError`` when it is wrong.

    For HLS-GMAC ``counter_floor`` is the last counter of EK accepted from the peer before
    the APDU carrying f(), which ``ciphering`` has just accepted."""
    challenge = exchange.stoc if sender is Party.CLIENT else exchange.ctos
    mech = exchange.mechanism
    if mech == MechanismName.HIGH_LEVEL_SECURITY_MD5:
        verify_hls_md5(f, challenge=challenge, secret=_secret(settings))
    elif mech == MechanismName.HIGH_LEVEL_SECURITY_SHA1:
        verify_hls_sha1(f, challenge=challenge, secret=_secret(settings))
    elif mech == MechanismName.HIGH_LEVEL_SECURITY_SHA256:
        verify_hls_sha256(f, secret=_secret(settings), party=sender,
                          client_system_title=exchange.client_system_title,
                          server_system_title=exchange.server_system_title,
                          ctos=exchange.ctos, stoc=exchange.stoc)
    elif mech == MechanismName.HIGH_LEVEL_SECURITY_GMAC:
        _verify_gmac(f, challenge, sender, exchange, ciphering, counter_floor)
    elif mech == MechanismName.HIGH_LEVEL_SECURITY_ECDSA:
        if settings.peer_signing_key is None:  # excluded by the configuration checks
            raise LocalProtocolError("HLS-ECDSA needs the peer's public key")
        verify_hls_ecdsa(f, public_key=settings.peer_signing_key, party=sender,
                         client_system_title=exchange.client_system_title,
                         server_system_title=exchange.server_system_title,
                         ctos=exchange.ctos, stoc=exchange.stoc)
    else:
        raise LocalProtocolError(f"mechanism {mech.name} has no HLS f()")


def _verify_gmac(f: bytes, challenge: bytes, sender: Party, exchange: HlsExchange,
                 ciphering: Ciphering, floor: int | None) -> None:
    st = exchange.client_system_title if sender is Party.CLIENT \
        else exchange.server_system_title
    ic = verify_hls_gmac(f, challenge=challenge, keys=ciphering.keys, system_title=st)
    key = ciphering.peer_counter_key(st)
    check_invocation_counter(ic, last_accepted=floor, key_name=key.key_name)
    # The counter of the carrying APDU counts only when it belongs to the same key: a
    # ded- APDU's counter is one of the dedicated key's (Green Book 9.2.7, per key).
    if ic == ciphering.received_counter(key):
        raise SecurityError(f"HLS GMAC: f() reuses invocation counter {ic} of the APDU that "
                            f"carries it (the same IV with {key.key_name})")
    last = ciphering.counters.last_accepted(key)
    if last is None or ic > last:
        ciphering.counters.accept(key, ic)


# -- the ACTION APDUs of passes 3 and 4 ---------------------------------------------------
def reply_to_hls_request(invoke_id_and_priority: int, f: bytes) -> ActionRequestNormal:
    """Pass 3: ACTION reply_to_HLS_authentication with f(StoC)."""
    return ActionRequestNormal(invoke_id_and_priority=invoke_id_and_priority,
                               cosem_method_descriptor=REPLY_TO_HLS_AUTHENTICATION,
                               method_invocation_parameters=OctetString(value=f))


def reply_to_hls_response(invoke_id_and_priority: int, result: ActionResult,
                          f: bytes | None = None) -> ActionResponseNormal:
    """Pass 4: the ACTION response, f(CtoS) as return parameter on success."""
    return ActionResponseNormal(
        invoke_id_and_priority=invoke_id_and_priority,
        single_response=ActionResponseWithOptionalData(
            result=result, return_parameters=None if f is None else OctetString(value=f)))


def is_reply_to_hls(apdu: object) -> bool:
    """True for an action-request-normal invoking reply_to_HLS_authentication."""
    return (isinstance(apdu, ActionRequestNormal)
            and apdu.cosem_method_descriptor == REPLY_TO_HLS_AUTHENTICATION)
