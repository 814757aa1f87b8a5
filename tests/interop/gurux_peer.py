"""Thin helpers around gurux-dlms 1.0.203 (PyPI), used only as an independent test peer.

Gurux is GPLv2: it is imported at test time, never copied. Everything here calls its public
classes (``GXDLMSTranslator``, ``GXCiphering``, ``GXDLMSChippering``) and turns their output
into plain values; :mod:`tests.interop.gurux_xml` reads the XML, and
:mod:`tests.interop.gurux_client` drives ``GXDLMSSecureClient``.

Behaviour of gurux 1.0.203 these helpers depend on (found by reading and running it):

- The translator is used with ``TranslatorOutputType.SIMPLE_XML``, ``hex=True`` (numbers
  as hex), ``comments=False`` and ``showStringAsHex=False``. ``comments=True`` is unusable:
  ``GXDLMS.handleGbt`` then raises ``TypeError`` (it adds ``str + bool``) on every
  general-block-transfer APDU. ``showStringAsHex=True`` crashes on every utf8-string
  (``_GXCommon.getUtfString`` subtracts the builtin ``len``).
- Without comments the translator never deciphers: a ciphered APDU is shown as its tag
  name with the hex of ``SC | IC | ciphertext | tag``. :func:`gurux_decipher` therefore
  calls gurux's own AES-GCM (``GXDLMSChippering.decryptAesGcm``) directly.
- ``decryptAesGcm`` does NOT verify the GCM tag for security control 0x30 (authenticated
  encryption): it builds its ``GXDLMSChipperingStream`` in *encrypt* mode, which skips the
  tag comparison, so a tampered tag deciphers "successfully". Authentication-only (0x10)
  is verified. See ``test_gurux_peer.py``.
- gurux prints to stdout while deciphering and on wrapper length mismatches; every call
  here runs under :func:`quiet`.
- ``messageToXml`` catches every exception, prints it, and raises
  ``ValueError("Invalid DLMS framing.")``; :class:`GuruxFailure` carries what it printed.
- HDLC: the translator uses server-role settings, so ``<TargetAddress>`` is the frame's
  destination address field and ``<SourceAddress>`` its source field, each as gurux's
  integer form of the address (see :func:`tests.interop.gurux_xml.hdlc_address_int`).
  The LLC header (``E6 E6 00`` / ``E6 E7 00``) is stripped when present and *not required*
  (gurux accepts an I-frame without it), so LLC presence cannot be cross-checked here.
- WRAPPER: ``<TargetAddress>`` holds the *source* wPort and ``<SourceAddress>`` the
  *destination* wPort (the translator's server-role settings store the source as
  ``clientAddress`` and prints it as the target); the length field is not checked.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from gurux_dlms import GXByteBuffer, GXDLMSTranslator
from gurux_dlms.AesGcmParameter import AesGcmParameter
from gurux_dlms.enums import InterfaceType, Security, TranslatorOutputType
from gurux_dlms.GXCiphering import GXCiphering
from gurux_dlms.GXDLMSChippering import GXDLMSChippering
from gurux_dlms.GXDLMSSettings import GXDLMSSettings
from gurux_dlms.GXDLMSTranslatorMessage import GXDLMSTranslatorMessage

__all__ = [
    "GURUX_VERSION",
    "GuruxFailure",
    "GuruxKeys",
    "GuruxMessage",
    "GuruxPlain",
    "gurux_data_to_xml",
    "gurux_decipher",
    "gurux_gmac",
    "gurux_message_to_xml",
    "gurux_messages_to_xml",
    "gurux_pdu_to_xml",
    "new_translator",
    "quiet",
]

GURUX_VERSION = "1.0.203"
"""The gurux-dlms release these helpers were written against (pinned in pyproject)."""


class GuruxFailure(Exception):
    """gurux raised (or printed) an error for input we expected it to read."""

    def __init__(self, message: str, *, printed: str = "") -> None:
        self.printed = printed
        super().__init__(f"{message}; gurux printed: {printed.strip()!r}" if printed.strip()
                         else message)


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """Capture what gurux prints on stdout (it reports errors and decryption steps there)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield buf


def new_translator() -> GXDLMSTranslator:
    """A translator configured as described in the module docstring."""
    t = GXDLMSTranslator(TranslatorOutputType.SIMPLE_XML)
    t.comments = False
    t.hex = True
    t.showStringAsHex = False
    return t


def gurux_pdu_to_xml(apdu: bytes) -> str:
    """gurux's XML for one APDU (no framing); :class:`GuruxFailure` if gurux raises."""
    t = new_translator()
    with quiet() as out:
        try:
            return str(t.pduToXml(GXByteBuffer(bytes(apdu))))
        except Exception as exc:
            raise GuruxFailure(f"gurux pduToXml raised {type(exc).__name__}: {exc}",
                               printed=out.getvalue()) from exc


def gurux_data_to_xml(data: bytes) -> str:
    """gurux's XML for one A-XDR ``Data`` value (tag included)."""
    t = new_translator()
    with quiet() as out:
        try:
            return str(t.dataToXml(GXByteBuffer(bytes(data))))
        except Exception as exc:
            raise GuruxFailure(f"gurux dataToXml raised {type(exc).__name__}: {exc}",
                               printed=out.getvalue()) from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class GuruxMessage:
    """What ``GXDLMSTranslator.messageToXml`` made of one HDLC or WRAPPER frame."""

    xml: str
    """The XML (root ``<HDLC>`` or ``<WRAPPER>``)."""
    interface: str
    """``"hdlc"`` or ``"wrapper"``: the framing gurux recognised."""
    more_data: int
    """gurux ``RequestTypes`` flags; bit 0x02 (FRAME) = the HDLC segmentation bit was set."""
    printed: str
    """What gurux printed while reading (for example a wrapper length mismatch)."""


def gurux_message_to_xml(frame: bytes, *, translator: GXDLMSTranslator | None = None
                         ) -> GuruxMessage:
    """Let a translator (a fresh one unless given) read one whole frame (flags included
    for HDLC)."""
    t = new_translator() if translator is None else translator
    msg = GXDLMSTranslatorMessage()
    msg.message = GXByteBuffer(bytes(frame))
    with quiet() as out:
        try:
            xml = str(t.messageToXml(msg))
        except Exception as exc:
            raise GuruxFailure(f"gurux messageToXml raised {type(exc).__name__}: {exc}",
                               printed=out.getvalue()) from exc
    if msg.interfaceType == InterfaceType.HDLC:
        interface = "hdlc"
    elif msg.interfaceType == InterfaceType.WRAPPER:
        interface = "wrapper"
    else:
        raise GuruxFailure(f"gurux read the frame as interface {msg.interfaceType!r}",
                           printed=out.getvalue())
    return GuruxMessage(xml=xml, interface=interface, more_data=int(msg.moreData or 0),
                        printed=out.getvalue())


def gurux_messages_to_xml(frames: list[bytes]) -> list[GuruxMessage]:
    """Read a sequence of HDLC frames with ONE translator in ``completePdu`` mode: the
    segments of an APDU print only their header, and the frame that completes the APDU
    prints the reassembled APDU (without a ``<PDU>`` element)."""
    t = new_translator()
    t.completePdu = True
    return [gurux_message_to_xml(f, translator=t) for f in frames]


@dataclass(frozen=True, slots=True, kw_only=True)
class GuruxKeys:
    """Keys and the *sender's* system title for gurux's AES-GCM (suite 0)."""

    block_cipher_key: bytes = field(repr=False)
    """EK (global unicast encryption key) or the dedicated key."""
    authentication_key: bytes = field(repr=False)
    """AK."""
    system_title: bytes
    """The sender's system title (the IV's first 8 bytes); general-glo-ciphering carries
    its own, which gurux then uses instead."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GuruxPlain:
    """A ciphered APDU as gurux deciphered it."""

    plaintext: bytes
    security_control: int
    invocation_counter: int
    system_title: bytes


def gurux_decipher(apdu: bytes, keys: GuruxKeys) -> GuruxPlain:
    """Decipher a glo-/ded- ciphered APDU or general-glo/ded-ciphering with gurux's AES-GCM.

    gurux reads the length octet(s) but does not check them against the content, and does
    not verify the tag of an authenticated-and-encrypted APDU (module docstring).
    """
    settings = GXDLMSSettings(True, None)
    settings.cipher = GXCiphering(bytes(keys.system_title))
    p = AesGcmParameter(0, bytes(keys.system_title), bytes(keys.block_cipher_key),
                        bytes(keys.authentication_key))
    with quiet() as out:
        try:
            plain = GXDLMSChippering.decryptAesGcm(settings, p, GXByteBuffer(bytes(apdu)))
        except Exception as exc:
            raise GuruxFailure(f"gurux decryptAesGcm raised {type(exc).__name__}: {exc}",
                               printed=out.getvalue()) from exc
    sc = int(p.security) | int(p.securitySuite)
    if p.broadcast:
        sc |= 0x40
    if p.compression:
        sc |= 0x80
    return GuruxPlain(plaintext=bytes(plain), security_control=sc,
                      invocation_counter=int(p.invocationCounter),
                      system_title=bytes(p.systemTitle))


def gurux_gmac(challenge: bytes, keys: GuruxKeys, invocation_counter: int) -> bytes:
    """gurux's HLS-GMAC ``f(challenge)`` = ``SC(0x10) | IC | GMAC`` (Green Book 9.2.7.4),
    computed with ``keys.system_title`` as the sender's title."""
    c = GXCiphering(bytes(keys.system_title))
    c.blockCipherKey = bytes(keys.block_cipher_key)
    c.authenticationKey = bytes(keys.authentication_key)
    c.invocationCounter = invocation_counter
    c.security = Security.AUTHENTICATION
    with quiet():
        return bytes(c.generateGmacPassword(bytes(challenge)))
