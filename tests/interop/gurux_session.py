"""Drive gurux-dlms's client (``GXDLMSSecureClient`` 1.0.203) through whole sessions with a
meter over a byte pipe we provide (:mod:`tests.interop.gurux_pipes`: plain sockets for
TCP, or one of our serial-line transports, e.g. a pseudo-terminal after the IEC 62056-21
mode E sign-on done with OUR transport code). gurux builds and parses every frame and
APDU; this module only moves the octets and runs the small request loop gurux leaves to
its user (send the request frames; read until ``getData`` has a complete frame; while
``isMoreData``, send what ``receiverReady`` builds: an HDLC RR for the next segment, a
get-request-next for the next datablock, a GBT acknowledgement).

Gurux is GPLv2 and imported at test time only; nothing of it is copied.

Behaviour of gurux 1.0.203 this module depends on (found by reading and running it):

- ``getData`` returns ``False`` until a whole frame is in the buffer; the reply's
  ``moreData`` then holds ``RequestTypes.FRAME`` (an HDLC segment follows),
  ``DATABLOCK`` (GET-next needed) or ``GBT`` flags, and ``error`` the Data-Access-Result of
  a refused GET (gurux does not raise for it).
- The invocation counter is used as set, then incremented, each time gurux builds a
  ciphered APDU (AARQ, pass 3, every request): :attr:`GuruxSession.last_counter` is the one
  of the last request.
- ``GXPrivateKey.fromPem`` reads only SEC 1 ("EC PRIVATE KEY") PEM, not the PKCS #8 files
  of the default plan: signing keys are handed over as raw numbers
  (:func:`gurux_signing_keys`).
- gurux prints progress ("Encryption is applied.") and errors on stdout: every call runs
  under :func:`~tests.interop.gurux_peer.quiet`.
- gurux does not check the invocation counter of ciphered responses (a repeated one is
  accepted) nor that a response is protected as the association's policy requires (an
  authenticated-only response is accepted when authenticated encryption was agreed): see
  ``test_gurux_client_vs_meter.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from gurux_dlms import GXByteBuffer, GXDLMSClient, GXReplyData  # type: ignore[import-untyped]
from gurux_dlms.ecdsa import GXPrivateKey, GXPublicKey  # type: ignore[import-untyped]
from gurux_dlms.enums import (  # type: ignore[import-untyped]
    Authentication,
    InterfaceType,
    RequestTypes,
    Security,
)
from gurux_dlms.objects.enums import SecuritySuite  # type: ignore[import-untyped]
from gurux_dlms.secure import GXDLMSSecureClient  # type: ignore[import-untyped]

from conformance.plan import MeterPlan, Protection
from tests.interop.gurux_peer import GuruxFailure, quiet
from tests.interop.gurux_pipes import BytePipe

__all__ = [
    "DEFAULT_WAIT",
    "GuruxRefusal",
    "GuruxSession",
    "GuruxTraffic",
    "gurux_client",
    "gurux_signing_keys",
]

DEFAULT_WAIT = 5.0
"""Longest wait (seconds) for one answer of the meter."""
_SECURITY = {
    Protection.AUTHENTICATED: Security.AUTHENTICATION,
    Protection.ENCRYPTED: Security.ENCRYPTION,
    Protection.AUTHENTICATED_AND_ENCRYPTED: Security.AUTHENTICATION_ENCRYPTION,
}


class GuruxRefusal(Exception):
    """The meter answered a gurux request with an error gurux reported in ``reply.error``
    (a Data-Access-Result for GET)."""

    def __init__(self, what: str, code: int) -> None:
        self.code = code
        super().__init__(f"{what}: the meter refused it (gurux reply.error {code})")


@dataclass(slots=True)
class GuruxTraffic:
    """What crossed the pipe in one session (counts)."""

    frames_sent: int = 0
    """Frames (or WPDUs) gurux built and the loop sent."""
    receiver_ready: int = 0
    """HDLC RR frames polling for the next segment of a response."""
    get_next: int = 0
    """get-request-next APDUs (service-specific block transfer, IEC 62056-5-3 9.3.6)."""
    gbt_acks: int = 0
    """General-block-transfer acknowledgements."""


def gurux_signing_keys(private_pem: bytes, peer_public_pem: bytes) -> tuple[Any, Any]:
    """``(peer public key, own private key)`` as gurux wants them in
    ``ciphering.signingKeyPair``, from PEM files gurux itself cannot read (PKCS #8)."""
    private = serialization.load_pem_private_key(private_pem, password=None)
    public = serialization.load_pem_public_key(peer_public_pem)
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(
            public, ec.EllipticCurvePublicKey):
        raise ValueError("the signing keys must be EC keys")
    size = (private.curve.key_size + 7) // 8
    raw_private = private.private_numbers().private_value.to_bytes(size, "big")
    raw_public = public.public_bytes(serialization.Encoding.X962,
                                     serialization.PublicFormat.UncompressedPoint)
    return GXPublicKey.fromRawBytes(raw_public), GXPrivateKey.fromRawBytes(raw_private)


def gurux_client(meter: MeterPlan, association: str, *, framing: str,
                 invocation_counter: int = 0, max_pdu: int | None = None,
                 proposed_conformance: int | None = None) -> Any:
    """A ``GXDLMSSecureClient`` set up from the plan's association ``association``: client
    SAP, the meter's HDLC address (or wrapper wPort), the HDLC proposal, mechanism,
    password or HLS secret, security suite and policy, keys, system title, dedicated key,
    signing keys. ``framing`` is ``"hdlc"`` or ``"wrapper"``; ``invocation_counter`` is the
    first counter gurux sends (the meter's counter + 1); ``max_pdu`` replaces the plan's
    client-max-receive-pdu-size; ``proposed_conformance`` (gurux ``Conformance`` bits)
    replaces gurux's default proposal."""
    assoc = meter.association(association)
    a = meter.addressing
    secret = assoc.password or assoc.secret
    if framing == "hdlc":
        client = GXDLMSSecureClient(True, assoc.client_address, 1,
                                    Authentication(int(assoc.mechanism)),
                                    None if secret is None else secret.reveal(),
                                    InterfaceType.HDLC)
        client.serverAddress = GXDLMSClient.getServerAddress(
            a.server_logical, a.server_physical, a.server_address_size)
        client.serverAddressSize = a.server_address_size
        client.hdlcSettings.maxInfoTX = meter.hdlc.max_info_field_tx
        client.hdlcSettings.maxInfoRX = meter.hdlc.max_info_field_rx
        client.hdlcSettings.windowSizeTX = meter.hdlc.window_tx
        client.hdlcSettings.windowSizeRX = meter.hdlc.window_rx
    elif framing == "wrapper":
        client = GXDLMSSecureClient(True, assoc.client_address, a.server_wport,
                                    Authentication(int(assoc.mechanism)),
                                    None if secret is None else secret.reveal(),
                                    InterfaceType.WRAPPER)
    else:
        raise ValueError(f"framing {framing!r} is neither 'hdlc' nor 'wrapper'")
    client.maxReceivePDUSize = assoc.max_pdu_size if max_pdu is None else max_pdu
    if proposed_conformance is not None:
        client.proposedConformance = proposed_conformance
    title = assoc.client_system_title
    if title is not None:
        client.ciphering.systemTitle = title
    keys = assoc.keys
    if keys.ek is not None:
        client.ciphering.blockCipherKey = keys.ek.reveal()
    if keys.ak is not None:
        client.ciphering.authenticationKey = keys.ak.reveal()
    if assoc.ciphered:
        client.ciphering.security = _SECURITY[assoc.policy.request]
        client.ciphering.securitySuite = SecuritySuite(assoc.suite or 0)
        client.ciphering.invocationCounter = invocation_counter
    if assoc.use_dedicated_key and keys.dedicated is not None:
        client.ciphering.dedicatedKey = keys.dedicated.reveal()
    if keys.client_signing_key is not None and keys.server_signing_public_key is not None:
        client.ciphering.signingKeyPair = gurux_signing_keys(
            keys.client_signing_key.reveal(), keys.server_signing_public_key)
    return client


def _frames(request: Any) -> list[bytes]:
    """gurux returns one frame, a list of frames, a list of lists, or None."""
    if request is None:
        return []
    if isinstance(request, list):
        return [f for item in request for f in _frames(item)]
    return [bytes(request)]


class GuruxSession:
    """A gurux client on a pipe: :meth:`connect`, :meth:`associate`, :meth:`read`,
    :meth:`release`, :meth:`disconnect`. Every wait is bounded by ``wait`` seconds."""

    def __init__(self, client: Any, pipe: BytePipe, *, wait: float = DEFAULT_WAIT) -> None:
        self.client = client
        self.pipe = pipe
        self.wait = wait
        self.traffic = GuruxTraffic()
        """Counts of what crossed the pipe."""
        self.last_counter: int | None = None
        """Invocation counter gurux put into the last request it built (ciphered)."""

    @property
    def hdlc(self) -> bool:
        """Whether gurux frames in HDLC (else the wrapper)."""
        return bool(self.client.interfaceType == InterfaceType.HDLC)

    # -- the loop -------------------------------------------------------------------------
    def _build(self, make: Any, *args: Any) -> list[bytes]:
        counter = int(self.client.ciphering.invocationCounter)
        with quiet() as out:
            try:
                frames = _frames(make(*args))
            except Exception as exc:
                raise GuruxFailure(f"gurux could not build the request: "
                                   f"{type(exc).__name__}: {exc}",
                                   printed=out.getvalue()) from exc
        if int(self.client.ciphering.invocationCounter) != counter:
            self.last_counter = counter
        return frames

    def _read_frame(self, reply: Any, what: str) -> None:
        buffer = GXByteBuffer()
        notify = GXReplyData()
        deadline = time.monotonic() + self.wait
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer to {what} within {self.wait:g} s")
            buffer.set(self.pipe.recv(remaining))
            with quiet() as out:
                try:
                    done = self.client.getData(buffer, reply, notify)
                except Exception as exc:
                    raise GuruxFailure(f"gurux could not read the answer to {what}: "
                                       f"{type(exc).__name__}: {exc}",
                                       printed=out.getvalue()) from exc
            if done:
                return

    def _send(self, frame: bytes) -> None:
        self.traffic.frames_sent += 1
        self.pipe.send(frame)

    def exchange(self, frames: Iterable[bytes], what: str) -> Any:
        """Send ``frames`` (one request) and collect the whole answer: the next HDLC
        segments and datablocks are fetched as gurux asks. The completed ``GXReplyData``;
        :class:`GuruxRefusal` when gurux reports an error code."""
        reply = GXReplyData()
        for frame in frames:
            reply.clear()
            self._send(frame)
            self._read_frame(reply, what)
            while reply.isMoreData():
                more = int(reply.moreData)
                if more & RequestTypes.FRAME:
                    self.traffic.receiver_ready += 1
                elif more & RequestTypes.GBT:
                    self.traffic.gbt_acks += 1
                elif more & RequestTypes.DATABLOCK:
                    self.traffic.get_next += 1
                if reply.isStreaming():
                    self._read_frame(reply, what)
                    continue
                with quiet():
                    follow = bytes(self.client.receiverReady(reply))
                self._send(follow)
                self._read_frame(reply, what)
        if reply.error:
            raise GuruxRefusal(what, int(reply.error))
        return reply

    # -- the session ----------------------------------------------------------------------
    def connect(self) -> None:
        """SNRM/UA (HDLC; nothing for the wrapper)."""
        if not self.hdlc:
            return
        reply = self.exchange(self._build(self.client.snrmRequest), "SNRM")
        with quiet():
            self.client.parseUAResponse(reply.data)

    def associate(self) -> bool:
        """AARQ/AARE, then HLS passes 3 and 4 when the AARE asks for them (gurux checks
        f(CtoS) itself). Whether HLS passes 3/4 ran."""
        reply = self.exchange(self._build(self.client.aarqRequest), "AARQ")
        with quiet() as out:
            try:
                self.client.parseAareResponse(reply.data)
            except Exception as exc:
                raise GuruxFailure(f"gurux refused the AARE: {type(exc).__name__}: {exc}",
                                   printed=out.getvalue()) from exc
        if not self.client.isAuthenticationRequired:
            return False
        reply = self.exchange(self._build(self.client.getApplicationAssociationRequest),
                              "reply_to_HLS_authentication (HLS pass 3)")
        with quiet() as out:
            try:
                self.client.parseApplicationAssociationResponse(reply.data)
            except Exception as exc:
                raise GuruxFailure(f"gurux refused f(CtoS) (HLS pass 4): "
                                   f"{type(exc).__name__}: {exc}",
                                   printed=out.getvalue()) from exc
        return True

    def read(self, target: Any, attribute: int) -> Any:
        """GET one attribute of a gurux object: the value gurux decoded (raw: an
        octet-string stays a ``bytearray``, a structure a ``GXStructure``...)."""
        reply = self.exchange(self._build(self.client.read, target, attribute),
                              f"GET {target.logicalName} attribute {attribute}")
        return reply.value

    def read_rows_by_entry(self, profile: Any, first: int, count: int) -> Any:
        """GET a Profile generic buffer with an entry_descriptor (selective access 2)."""
        reply = self.exchange(self._build(self.client.readRowsByEntry, profile, first, count),
                              f"GET {profile.logicalName} buffer entries {first}+{count}")
        return reply.value

    def release(self) -> None:
        """RLRQ/RLRE."""
        self.exchange(self._build(self.client.releaseRequest), "RLRQ")

    def disconnect(self) -> None:
        """DISC/UA (HDLC; nothing for the wrapper)."""
        if self.hdlc:
            self.exchange(self._build(self.client.disconnectRequest), "DISC")
