"""Security setup, class_id 64, version 1 (Blue Book 4.4.7; Green Book 9.2 keys).

Attributes: ``security_policy`` (enum, version 1 bit map: bit 2 authenticated request,
3 encrypted request, 4 digitally signed request, 5 authenticated response, 6 encrypted
response, 7 digitally signed response; bits 0-1 unused), ``security_suite`` (enum 0-2),
``client_system_title``, ``server_system_title`` (octet-string), ``certificates``.

The object is the meter's store of the association's keys (:attr:`SecuritySetup.keys`,
never readable); the association machine reads them, and is told through its hooks when
they change.

Methods:

1. ``security_activate`` (enum): the new policy must keep every bit already set (the
   policy can only be strengthened), leave bits 0-1 clear, and have the keys it needs (EK
   and AK for authentication or encryption, suite 1/2 signing keys for signatures);
   otherwise ``other-reason``.
2. ``key_transfer`` (array of {key_id enum, key_wrapped octet-string}): each key is
   unwrapped (RFC 3394) under the current master key (KEK) with the suite's key length;
   all or nothing: an unknown or repeated key_id, a missing KEK or a failed unwrap is
   ``other-reason`` and no key changes.
3. ``key_agreement`` (array of {key_id enum, key_ciphered_data octet-string}): suites 1
   and 2, C(2e, 0s) ephemeral unified model (Green Book 9.2): key_ciphered_data is the
   client's ephemeral public key and its ECDSA signature with the client's signing key;
   the answer carries the meter's, signed with its signing key, and the agreed key (GUEK
   0, GBEK 1, AK 2) replaces the old one. Suite 0, missing keys or a bad signature are
   ``other-reason``.
4. to 8. ``generate_key_pair``, ``generate_certificate_request``, ``import_certificate``,
   ``export_certificate``, ``remove_certificate``: see :mod:`.security_pki`.

Wrong parameter types are ``type-unmatched`` throughout.
"""

from __future__ import annotations

from dataclasses import replace
from enum import IntFlag
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.codec.axdr import Array, Data, DataTag, Enum, OctetString, Structure
from conformance.codec.obis import ObisCode
from conformance.codec.xdlms.descriptors import SelectiveAccessDescriptor
from conformance.codec.xdlms.enums import ActionResult, DataAccessResult
from conformance.errors import SecurityError
from conformance.plan.cosem import AttributeAccess
from conformance.security.ecc import generate_private_key
from conformance.security.kdf import (
    KeyAgreementScheme,
    agree_key,
    one_pass_key_ciphered_data,
    verify_one_pass_key_ciphered_data,
)
from conformance.security.keys import SecretKey, SecurityKeys
from conformance.security.keywrap import KeyTransferId, unwrap_key
from conformance.security.suites import SuiteParameters, suite_parameters
from conformance.simulator.cosem.base import (
    ActionOutcome,
    AttributeDef,
    CosemObject,
    MethodDef,
    RequestContext,
    Shape,
    simple,
)
from conformance.simulator.cosem.security_pki import PKI_METHODS, CertificateStore

__all__ = ["SecurityPolicy", "SecuritySetup"]

_RO = AttributeAccess.READ_ONLY
_KEY_ITEM = Shape(tag=DataTag.STRUCTURE,
                  items=(simple(DataTag.ENUM), simple(DataTag.OCTET_STRING)))
_KEY_FIELDS = {
    KeyTransferId.GLOBAL_UNICAST_ENCRYPTION_KEY: "encryption_key",
    KeyTransferId.GLOBAL_BROADCAST_ENCRYPTION_KEY: "broadcast_key",
    KeyTransferId.AUTHENTICATION_KEY: "authentication_key",
    KeyTransferId.MASTER_KEY: "master_key",
}


class SecurityPolicy(IntFlag):
    """security_policy of Security setup version 1 (bits 0 and 1 are unused)."""

    AUTHENTICATED_REQUEST = 0x04
    ENCRYPTED_REQUEST = 0x08
    DIGITALLY_SIGNED_REQUEST = 0x10
    AUTHENTICATED_RESPONSE = 0x20
    ENCRYPTED_RESPONSE = 0x40
    DIGITALLY_SIGNED_RESPONSE = 0x80


_SYMMETRIC = (SecurityPolicy.AUTHENTICATED_REQUEST | SecurityPolicy.ENCRYPTED_REQUEST
              | SecurityPolicy.AUTHENTICATED_RESPONSE | SecurityPolicy.ENCRYPTED_RESPONSE)
_SIGNED = SecurityPolicy.DIGITALLY_SIGNED_REQUEST | SecurityPolicy.DIGITALLY_SIGNED_RESPONSE


class SecuritySetup(CosemObject):
    """The security context of one association."""

    CLASS_ID = 64
    VERSION = 1
    ATTRIBUTES = (
        *CosemObject.ATTRIBUTES,
        AttributeDef(index=2, name="security_policy", shape=simple(DataTag.ENUM),
                     capability=_RO),
        AttributeDef(index=3, name="security_suite", shape=simple(DataTag.ENUM), capability=_RO),
        AttributeDef(index=4, name="client_system_title", shape=simple(DataTag.OCTET_STRING),
                     capability=_RO),
        AttributeDef(index=5, name="server_system_title", shape=simple(DataTag.OCTET_STRING),
                     capability=_RO),
        AttributeDef(index=6, name="certificates", shape=simple(DataTag.ARRAY), capability=_RO),
    )
    METHODS = (
        MethodDef(index=1, name="security_activate"),
        MethodDef(index=2, name="key_transfer"),
        MethodDef(index=3, name="key_agreement"),
        MethodDef(index=4, name="generate_key_pair"),
        MethodDef(index=5, name="generate_certificate_request"),
        MethodDef(index=6, name="import_certificate"),
        MethodDef(index=7, name="export_certificate"),
        MethodDef(index=8, name="remove_certificate"),
    )

    def __init__(self, logical_name: ObisCode, *, association: str | None = None,
                 security_policy: int = 0, security_suite: int = 0,
                 client_system_title: bytes = b"", server_system_title: bytes = b"",
                 keys: SecurityKeys | None = None,
                 server_signing_key: ec.EllipticCurvePrivateKey | None = None,
                 client_signing_public_key: ec.EllipticCurvePublicKey | None = None,
                 **kw: Any) -> None:
        super().__init__(logical_name, **kw)
        if security_policy & 0x03:
            raise ValueError("security_policy bits 0 and 1 are unused in version 1")
        self.association = association
        """Name of the association this object secures."""
        self.security_policy = SecurityPolicy(security_policy)
        self.security_suite = suite_parameters(security_suite)
        self.client_system_title = client_system_title
        self.server_system_title = server_system_title
        self.keys = keys or SecurityKeys()
        """The association's symmetric keys (EK, GBEK, AK, KEK)."""
        self.certificates = CertificateStore(server_system_title=server_system_title)
        self.certificates.server_signing_key = server_signing_key
        self.client_signing_public_key = client_signing_public_key

    def __repr__(self) -> str:
        return f"SecuritySetup({self.logical_name.dotted}, {self.association!r})"

    @property
    def server_signing_key(self) -> ec.EllipticCurvePrivateKey | None:
        """The meter's ECDSA key (HLS-ECDSA, key agreement, general-signing)."""
        return self.certificates.server_signing_key

    def read(self, ctx: RequestContext, index: int,
             selection: SelectiveAccessDescriptor | None) -> Data | DataAccessResult:
        if selection is None:
            if index == 2:
                return Enum(value=int(self.security_policy))
            if index == 3:
                return Enum(value=int(self.security_suite.suite))
            if index == 4:
                return OctetString(value=self.client_system_title)
            if index == 5:
                return OctetString(value=self.server_system_title)
            if index == 6:
                return self.certificates.to_data()
        return super().read(ctx, index, selection)

    def write(self, ctx: RequestContext, index: int, selection: SelectiveAccessDescriptor | None,
              value: Data) -> DataAccessResult:
        return DataAccessResult.READ_WRITE_DENIED  # every attribute is changed by methods

    # -- methods --------------------------------------------------------------------------
    def invoke(self, ctx: RequestContext, index: int, parameters: Data | None) -> ActionOutcome:
        if index == 1:
            return self._security_activate(ctx, parameters), None
        if index == 2:
            return self._key_transfer(ctx, parameters), None
        if index == 3:
            return self._key_agreement(ctx, parameters)
        pki = PKI_METHODS.get(index)
        if pki is not None:
            return pki(self.certificates, self.security_suite, parameters)
        return super().invoke(ctx, index, parameters)

    def _security_activate(self, ctx: RequestContext, parameters: Data | None) -> ActionResult:
        if not isinstance(parameters, Enum):
            return ActionResult.TYPE_UNMATCHED
        new = parameters.value
        current = int(self.security_policy)
        if new & 0x03 or new & current != current:
            return ActionResult.OTHER_REASON  # unused bits, or a weakened policy
        if new & _SYMMETRIC and (self.keys.encryption_key is None
                                 or self.keys.authentication_key is None):
            return ActionResult.OTHER_REASON
        if new & _SIGNED and (self.server_signing_key is None
                              or self.client_signing_public_key is None):
            return ActionResult.OTHER_REASON
        if new != current:
            self.security_policy = SecurityPolicy(new)
            ctx.hooks.security_policy_changed(self)
        return ActionResult.SUCCESS

    def _key_items(self, parameters: Data | None, allowed: tuple[KeyTransferId, ...]
                   ) -> list[tuple[KeyTransferId, bytes]] | ActionResult:
        if not isinstance(parameters, Array) or not all(_KEY_ITEM.matches(i)
                                                        for i in parameters.items):
            return ActionResult.TYPE_UNMATCHED
        items: list[tuple[KeyTransferId, bytes]] = []
        for item in parameters.items:
            key_id, data = item.items  # type: ignore[attr-defined]
            if key_id.value not in allowed or any(k == key_id.value for k, _ in items):
                return ActionResult.OTHER_REASON
            items.append((KeyTransferId(key_id.value), data.value))
        if not items:
            return ActionResult.OTHER_REASON
        return items

    def _replace_keys(self, ctx: RequestContext, new: dict[KeyTransferId, bytes]) -> None:
        self.keys = replace(self.keys, **{_KEY_FIELDS[k]: v for k, v in new.items()})
        ctx.hooks.keys_changed(self, tuple(new))

    def _key_transfer(self, ctx: RequestContext, parameters: Data | None) -> ActionResult:
        items = self._key_items(parameters, tuple(KeyTransferId))
        if isinstance(items, ActionResult):
            return items
        if self.keys.master_key is None:
            return ActionResult.OTHER_REASON
        kek = SecretKey(name="master key (KEK)", value=self.keys.master_key)
        try:
            new = {k: unwrap_key(wrapped, kek=kek, suite=self.security_suite)
                   for k, wrapped in items}
        except SecurityError:
            return ActionResult.OTHER_REASON
        self._replace_keys(ctx, new)
        return ActionResult.SUCCESS

    def _key_agreement(self, ctx: RequestContext, parameters: Data | None) -> ActionOutcome:
        items = self._key_items(parameters, (KeyTransferId.GLOBAL_UNICAST_ENCRYPTION_KEY,
                                             KeyTransferId.GLOBAL_BROADCAST_ENCRYPTION_KEY,
                                             KeyTransferId.AUTHENTICATION_KEY))
        if isinstance(items, ActionResult):
            return items, None
        suite: SuiteParameters = self.security_suite
        signing_key = self.server_signing_key
        client_key = self.client_signing_public_key
        if not suite.has_public_key_algorithms or signing_key is None or client_key is None:
            return ActionResult.OTHER_REASON, None
        new: dict[KeyTransferId, bytes] = {}
        answer = []
        try:
            for key_id, data in items:
                peer = verify_one_pass_key_ciphered_data(data, suite=suite,
                                                         signing_public_key=client_key)
                ephemeral = generate_private_key(suite)
                new[key_id] = agree_key(KeyAgreementScheme.EPHEMERAL_UNIFIED_MODEL,
                                        private_key=ephemeral, peer_public_key=peer,
                                        party_u_system_title=self.client_system_title,
                                        party_v_system_title=self.server_system_title)
                answer.append(Structure(items=(
                    Enum(value=key_id),
                    OctetString(value=one_pass_key_ciphered_data(ephemeral, signing_key)))))
        except SecurityError:
            return ActionResult.OTHER_REASON, None
        self._replace_keys(ctx, new)
        return ActionResult.SUCCESS, Array(items=tuple(answer))
