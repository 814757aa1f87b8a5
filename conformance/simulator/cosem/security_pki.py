"""Key pairs and certificates of Security setup version 1 (Blue Book 4.4.7 methods 4-8;
Green Book 9.2 public key certificates), for suites 1 (P-256) and 2 (P-384).

* ``generate_key_pair`` (enum: 0 digital signature, 1 key agreement, 2 TLS): a fresh
  key pair on the suite's curve replaces the old one (a new signing key is the one
  HLS-ECDSA and key agreement use from then on).
* ``generate_certificate_request`` (enum key pair): a PKCS#10 request (DER) for that key,
  subject CN = the server system title in hex, signed with the key.
* ``import_certificate`` (octet-string, DER X.509): stored; entity: certification
  authority when basicConstraints says CA, server when the subject CN is the server
  system title, client otherwise; type from keyUsage (digitalSignature 0, keyAgreement
  1, else other 3). A certificate with the same serial number and issuer is replaced.
* ``export_certificate`` / ``remove_certificate`` (certificate_identification:
  {identification type enum, by entity {entity, type, system title} | by serial
  {serial_number, issuer}}): the DER certificate / its removal.

``certificates`` lists ``certificate_info`` structures {certificate_entity enum,
certificate_type enum, serial_number, issuer, subject, subject_alt_name} (octet-strings:
the serial number's big-endian octets, the DER names, the DER subjectAltName extension
or nothing). Suite 0, a missing key pair, an undecodable certificate or no match are
``other-reason``; wrong parameter types ``type-unmatched``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conformance.codec.axdr import Array, Data, Enum, OctetString, Structure
from conformance.codec.xdlms.enums import ActionResult
from conformance.security.ecc import generate_private_key
from conformance.security.suites import SuiteParameters
from conformance.simulator.cosem.base import ActionOutcome

__all__ = ["PKI_METHODS", "CertificateEntry", "CertificateStore"]

ENTITY_SERVER, ENTITY_CLIENT, ENTITY_CA = 0, 1, 2
TYPE_DIGITAL_SIGNATURE, TYPE_KEY_AGREEMENT, TYPE_OTHER = 0, 1, 3
_KEY_PAIRS = (0, 1, 2)  # digital signature, key agreement, TLS


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateEntry:
    """One stored certificate."""

    entity: int
    """certificate_entity: 0 server, 1 client, 2 certification authority, 3 other."""
    type: int
    """certificate_type: 0 digital signature, 1 key agreement, 2 TLS, 3 other."""
    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        """The certificate, DER encoded."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def serial(self) -> bytes:
        """The serial number's big-endian octets."""
        n = self.certificate.serial_number
        return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")

    @property
    def issuer(self) -> bytes:
        """The DER issuer name."""
        return self.certificate.issuer.public_bytes()

    @property
    def system_title(self) -> bytes | None:
        """The system title in the subject CN (16 hex digits), if any."""
        return _system_title(self.certificate)

    def to_data(self) -> Structure:
        """certificate_info."""
        try:
            san = self.certificate.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value.public_bytes()
        except x509.ExtensionNotFound:
            san = b""
        return Structure(items=(Enum(value=self.entity), Enum(value=self.type),
                                OctetString(value=self.serial), OctetString(value=self.issuer),
                                OctetString(value=self.certificate.subject.public_bytes()),
                                OctetString(value=san)))


def _system_title(certificate: x509.Certificate) -> bytes | None:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        return None
    text = names[0].value
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    return raw if len(raw) == 8 else None


class CertificateStore:
    """The key pairs and certificates of one Security setup object."""

    def __init__(self, *, server_system_title: bytes) -> None:
        self.server_system_title = server_system_title
        self.key_pairs: dict[int, ec.EllipticCurvePrivateKey] = {}
        """key pair kind (0 signature, 1 key agreement, 2 TLS) -> private key."""
        self.entries: list[CertificateEntry] = []

    @property
    def server_signing_key(self) -> ec.EllipticCurvePrivateKey | None:
        """The digital signature key pair."""
        return self.key_pairs.get(0)

    @server_signing_key.setter
    def server_signing_key(self, key: ec.EllipticCurvePrivateKey | None) -> None:
        if key is None:
            self.key_pairs.pop(0, None)
        else:
            self.key_pairs[0] = key

    def to_data(self) -> Array:
        """The certificates attribute."""
        return Array(items=tuple(e.to_data() for e in self.entries))

    def find(self, identification: Data) -> CertificateEntry | ActionResult:
        """The entry a certificate_identification designates."""
        if not (isinstance(identification, Structure) and len(identification.items) == 2
                and isinstance(identification.items[0], Enum)
                and isinstance(identification.items[1], Structure)):
            return ActionResult.TYPE_UNMATCHED
        kind = identification.items[0].value
        options = identification.items[1].items
        match: Callable[[CertificateEntry], bool]
        if kind == 0 and len(options) == 3:  # by entity
            entity, ctype, title = options
            if not (isinstance(entity, Enum) and isinstance(ctype, Enum)
                    and isinstance(title, OctetString)):
                return ActionResult.TYPE_UNMATCHED
            def match(e: CertificateEntry) -> bool:
                return (e.entity == entity.value and e.type == ctype.value
                        and e.system_title == title.value)
        elif kind == 1 and len(options) == 2:  # by serial
            serial, issuer = options
            if not (isinstance(serial, OctetString) and isinstance(issuer, OctetString)):
                return ActionResult.TYPE_UNMATCHED
            def match(e: CertificateEntry) -> bool:
                return e.serial == serial.value and e.issuer == issuer.value
        elif kind in (0, 1):
            return ActionResult.TYPE_UNMATCHED
        else:
            return ActionResult.OTHER_REASON
        for entry in self.entries:
            if match(entry):
                return entry
        return ActionResult.OTHER_REASON


def _key_pair_kind(parameters: Data | None) -> int | ActionResult:
    if not isinstance(parameters, Enum):
        return ActionResult.TYPE_UNMATCHED
    if parameters.value not in _KEY_PAIRS:
        return ActionResult.OTHER_REASON
    return parameters.value


def generate_key_pair(store: CertificateStore, suite: SuiteParameters,
                      parameters: Data | None) -> ActionOutcome:
    """Method 4."""
    kind = _key_pair_kind(parameters)
    if isinstance(kind, ActionResult):
        return kind, None
    if not suite.has_public_key_algorithms:
        return ActionResult.OTHER_REASON, None
    store.key_pairs[kind] = generate_private_key(suite)
    return ActionResult.SUCCESS, None


def generate_certificate_request(store: CertificateStore, suite: SuiteParameters,
                                 parameters: Data | None) -> ActionOutcome:
    """Method 5: the PKCS#10 request of a key pair, DER."""
    kind = _key_pair_kind(parameters)
    if isinstance(kind, ActionResult):
        return kind, None
    key = store.key_pairs.get(kind)
    digest = suite.hash() if suite.has_public_key_algorithms else None
    if key is None or not isinstance(digest, hashes.SHA256 | hashes.SHA384):
        return ActionResult.OTHER_REASON, None
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                            store.server_system_title.hex().upper())])
    request = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, digest)
    return ActionResult.SUCCESS, OctetString(
        value=request.public_bytes(serialization.Encoding.DER))


def import_certificate(store: CertificateStore, suite: SuiteParameters,
                       parameters: Data | None) -> ActionOutcome:
    """Method 6."""
    if not isinstance(parameters, OctetString):
        return ActionResult.TYPE_UNMATCHED, None
    try:
        certificate = x509.load_der_x509_certificate(parameters.value)
        public_key = certificate.public_key()
    except ValueError:
        return ActionResult.OTHER_REASON, None
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return ActionResult.OTHER_REASON, None
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        ctype = (TYPE_DIGITAL_SIGNATURE if usage.digital_signature
                 else TYPE_KEY_AGREEMENT if usage.key_agreement else TYPE_OTHER)
    except x509.ExtensionNotFound:
        ctype = TYPE_OTHER
    if is_ca:
        entity = ENTITY_CA
    elif _system_title(certificate) == store.server_system_title:
        entity = ENTITY_SERVER
    else:
        entity = ENTITY_CLIENT
    entry = CertificateEntry(entity=entity, type=ctype, certificate=certificate)
    store.entries = [e for e in store.entries
                     if (e.serial, e.issuer) != (entry.serial, entry.issuer)]
    store.entries.append(entry)
    return ActionResult.SUCCESS, None


def export_certificate(store: CertificateStore, suite: SuiteParameters,
                       parameters: Data | None) -> ActionOutcome:
    """Method 7: the DER certificate."""
    found = store.find(parameters) if parameters is not None else ActionResult.TYPE_UNMATCHED
    if isinstance(found, ActionResult):
        return found, None
    return ActionResult.SUCCESS, OctetString(value=found.der)


def remove_certificate(store: CertificateStore, suite: SuiteParameters,
                       parameters: Data | None) -> ActionOutcome:
    """Method 8."""
    found = store.find(parameters) if parameters is not None else ActionResult.TYPE_UNMATCHED
    if isinstance(found, ActionResult):
        return found, None
    store.entries.remove(found)
    return ActionResult.SUCCESS, None


PKI_METHODS: dict[int, Callable[[CertificateStore, SuiteParameters, Data | None],
                                ActionOutcome]] = {
    4: generate_key_pair,
    5: generate_certificate_request,
    6: import_certificate,
    7: export_certificate,
    8: remove_certificate,
}
"""Security setup methods 4-8 by index."""
