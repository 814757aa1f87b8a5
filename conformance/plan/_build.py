"""Schema-valid plan data -> model, with the semantic checks of each part.

The JSON Schema has already checked keys, types, enumerations and ranges; the rules here
are the ones a schema cannot express (or not clearly): which keys go with which transport
kind, address ranges per address size, what each authentication mechanism needs, key sizes
per suite, services against the conformance block. Problems are recorded in the context
and building goes on, so one run reports them all.
"""

from __future__ import annotations

import math
import string
from typing import Any

from conformance.plan._context import Ctx
from conformance.plan._issues import DocPath
from conformance.plan._keys import build_keys
from conformance.plan.model import (
    MECHANISM_NAMES,
    Addressing,
    ApplicationContext,
    Association,
    Claims,
    Expectation,
    Framing,
    HdlcSettings,
    HdlcTcpTransport,
    InvocationCounterSource,
    Mechanism,
    ModeE,
    Parity,
    Protection,
    SecurityPolicy,
    SerialTransport,
    ServerSide,
    SimulatorTransport,
    TcpTransport,
    Timeouts,
    Transport,
)
from conformance.plan.names import (
    DEFAULT_LN_CONFORMANCE,
    DEFAULT_SN_CONFORMANCE,
    SERVICES,
    ConformanceBlock,
)
from conformance.plan.schema import MAX_TIMEOUT
from conformance.plan.secrets import Secret, SecretKind

__all__ = ["build_addressing", "build_association", "build_claims", "build_hdlc",
           "build_server", "build_transport", "conformance_block", "mechanism"]

_TRANSPORT_KEYS = {
    "simulator": {"framing"},
    "tcp": {"host", "port"},
    "hdlc+tcp": {"host", "port"},
    "serial": {"url", "baudrate", "bytesize", "parity", "stopbits", "mode_e"},
}
_COMMON_TRANSPORT_KEYS = {"kind", "timeouts"}
_SECRET_MECHANISMS = (Mechanism.MANUFACTURER, Mechanism.MD5, Mechanism.SHA1, Mechanism.SHA256)


def _timeouts(ctx: Ctx, data: dict[str, Any] | None, path: DocPath) -> Timeouts:
    # The schema bounds them (0 < t <= MAX_TIMEOUT, so .inf is refused there), but NaN
    # compares false with every bound: it is refused here.
    values = dict(data or {})
    for key, value in list(values.items()):
        if math.isnan(value):
            ctx.error((*path, key), f"must be a number of seconds greater than 0 and at most "
                                    f"{MAX_TIMEOUT}, got .nan (not a number)")
            del values[key]
    return Timeouts(**values)


def _mode_e(ctx: Ctx, data: Any, path: DocPath) -> ModeE | None:
    if data is None or data is False:
        return None
    if data is True:
        return ModeE()
    addr = data.get("device_address")
    # IEC 62056-21 6.3.1: the device address has up to 32 characters 0-9, A-Z, a-z, space.
    allowed = set(string.ascii_letters + string.digits + " ")
    if addr is not None and (not addr or len(addr) > 32 or not set(addr) <= allowed):
        ctx.error((*path, "device_address"), "a device address has 1 to 32 characters "
                                             "0-9, A-Z, a-z or space")
    maker = data.get("manufacturer")
    if maker is not None and not maker.isalpha():
        ctx.error((*path, "manufacturer"), f"a manufacturer id is three letters, got {maker!r}")
    ident = data.get("identification")
    # IEC 62056-21 6.3.2: up to 16 printable characters, not '/' or '!'.
    if ident is not None and (not ident or len(ident) > 16 or any(
            ch in "/!" or not (" " <= ch <= "~") for ch in ident)):
        ctx.error((*path, "identification"), "an identification has 1 to 16 printable "
                                             "characters, neither '/' nor '!'")
    return ModeE(device_address=addr, baudrate=data.get("baudrate"), manufacturer=maker,
                 identification=ident)


def build_transport(ctx: Ctx, data: dict[str, Any] | None, path: DocPath) -> Transport:
    """The ``transport`` mapping (absent: the built-in simulator)."""
    if data is None:
        return SimulatorTransport()
    kind = data["kind"]
    allowed = _TRANSPORT_KEYS[kind] | _COMMON_TRANSPORT_KEYS
    for key in data:
        if key not in allowed:
            owners = [k for k, keys in _TRANSPORT_KEYS.items() if key in keys]
            ctx.error((*path, key), f"{key!r} is not used with kind {kind} "
                                    f"(only with {' / '.join(owners)})")
    timeouts = _timeouts(ctx, data.get("timeouts"), (*path, "timeouts"))
    if kind == "simulator":
        return SimulatorTransport(framing=Framing(data.get("framing", "hdlc")),
                                  timeouts=timeouts)
    if kind in ("tcp", "hdlc+tcp"):
        host = data["host"].strip()
        if not host:
            ctx.error((*path, "host"), "empty host name")
        cls = TcpTransport if kind == "tcp" else HdlcTcpTransport
        return cls(host=host, port=data.get("port", 4059), timeouts=timeouts)
    url = data["url"]
    if not url.strip():
        ctx.error((*path, "url"), "empty serial port URL")
    mode_e = _mode_e(ctx, data.get("mode_e"), (*path, "mode_e"))
    if mode_e is not None and "baudrate" in data:
        ctx.error((*path, "baudrate"), "with mode_e the baud rate is announced by the meter "
                                       "(set mode_e.baudrate to expect one)")
    return SerialTransport(url=url, baudrate=data.get("baudrate", 9600),
                           bytesize=data.get("bytesize", 8),
                           parity=Parity(data.get("parity", "N")),
                           stopbits=data.get("stopbits", 1), mode_e=mode_e, timeouts=timeouts)


def build_addressing(ctx: Ctx, data: dict[str, Any] | None, path: DocPath) -> Addressing:
    """The ``addressing`` mapping (IEC 62056-46 8.4.2 HDLC addresses)."""
    data = data or {}
    logical = data.get("server_logical", 1)
    physical = data.get("server_physical")
    size = data.get("server_address_size", 1 if physical is None else 4)
    # Each address byte carries 7 bits: 1- and 2-byte forms hold 0..0x7F per part, the
    # 4-byte form 0..0x3FFF per part; 0x00 is the no-station address.
    limit = 0x3FFF if size == 4 else 0x7F
    if logical == 0:
        ctx.error((*path, "server_logical"), "0 is the no-station address")
    elif logical > limit:
        ctx.error((*path, "server_logical"), f"must be between 1 and {limit} for a {size}-byte "
                                             f"server address, got {logical}")
    if size == 1:
        if physical is not None:
            ctx.error((*path, "server_physical"), "the 1-byte server address has no physical "
                                                  "part (set server_address_size: 2 or 4)")
    elif physical is None:
        ctx.error(path, f"a {size}-byte server address needs server_physical")
    elif physical == 0:
        ctx.error((*path, "server_physical"), "0 is the no-station address")
    elif physical > limit:
        ctx.error((*path, "server_physical"), f"must be between 1 and {limit} for a {size}-byte "
                                              f"server address, got {physical}")
    wport = data.get("server_wport", logical)
    if wport == 0:
        ctx.error((*path, "server_wport"), "wPort 0 is not a logical device")
    return Addressing(server_logical=logical, server_physical=physical,
                      server_address_size=size, server_wport=wport)


def build_hdlc(data: dict[str, Any] | None) -> HdlcSettings:
    """An ``hdlc`` mapping (ranges already checked by the schema)."""
    return HdlcSettings(**(data or {}))


def build_server(ctx: Ctx, data: dict[str, Any] | None, path: DocPath) -> ServerSide:
    """The ``server`` mapping."""
    data = data or {}
    title = None
    if "system_title" in data:
        title = ctx.hexbytes(data["system_title"], (*path, "system_title"), size=8,
                             what="system title")
    return ServerSide(system_title=title, invocation_counter=data.get("invocation_counter", 0))


def mechanism(value: str | int) -> Mechanism:
    """A mechanism given by name or number (validated by the schema)."""
    return Mechanism(value) if isinstance(value, int) else MECHANISM_NAMES[value]


def conformance_block(ctx: Ctx, value: list[str] | str, path: DocPath) -> ConformanceBlock | None:
    """A conformance block given as bit names or as three octets in hex."""
    if isinstance(value, list):
        return ConformanceBlock.from_names(value)
    data = ctx.hexbytes(value, path, what="conformance block")
    if data is None:
        return None
    if len(data) != 3:
        ctx.error(path, f"a conformance block has 3 bytes (6 hex digits), got {len(data)}")
        return None
    return ConformanceBlock(value=int.from_bytes(data, "big"))


def build_claims(ctx: Ctx, data: dict[str, Any] | None, path: DocPath) -> Claims:
    """The ``claims`` mapping; services are checked against (or derived from) conformance."""
    data = data or {}
    conformance = None
    if "conformance" in data:
        conformance = conformance_block(ctx, data["conformance"], (*path, "conformance"))
    mechanisms: tuple[Mechanism, ...] | None = None
    if "mechanisms" in data:
        mechs = [mechanism(m) for m in data["mechanisms"]]
        for i, m in enumerate(mechs):
            if m in mechs[:i]:
                ctx.error((*path, "mechanisms", i), f"mechanism {m.plan_name} is listed twice")
        mechanisms = tuple(mechs)
    services: tuple[str, ...] | None = None
    if "services" in data:
        services = tuple(data["services"])
        if conformance is not None:
            for i, service in enumerate(services):
                missing = [b for b in SERVICES[service] if b not in conformance]
                if missing:
                    ctx.error((*path, "services", i),
                              f"service {service!r} needs conformance bit(s) "
                              f"{', '.join(missing)}, which claims.conformance does not grant")
    elif conformance is not None:
        services = tuple(s for s, bits in SERVICES.items() if all(b in conformance for b in bits))
    suites = tuple(data["suites"]) if "suites" in data else None
    return Claims(conformance=conformance, max_receive_pdu_size=data.get("max_receive_pdu_size"),
                  dlms_version=data.get("dlms_version"), mechanisms=mechanisms, suites=suites,
                  services=services,
                  hdlc=build_hdlc(data["hdlc"]) if "hdlc" in data else None)


def _policy(data: str | dict[str, str] | None) -> SecurityPolicy:
    if data is None:
        return SecurityPolicy()
    if isinstance(data, str):
        return SecurityPolicy(request=Protection(data), response=Protection(data))
    return SecurityPolicy(request=Protection(data.get("request", "none")),
                          response=Protection(data.get("response", "none")))


def _invocation_counter(ctx: Ctx, data: dict[str, Any], path: DocPath) -> InvocationCounterSource:
    ln = None
    if "logical_name" in data:
        ln = ctx.logical_name(data["logical_name"], (*path, "logical_name"))
    return InvocationCounterSource(association=data.get("association"), logical_name=ln,
                                   class_id=data.get("class_id", 1),
                                   attribute=data.get("attribute", 2),
                                   initial=data.get("initial"))


def _nonempty(ctx: Ctx, secret: Secret | None, path: DocPath) -> Secret | None:
    # The password is the calling-authentication-value of the AARQ, the HLS secret the
    # key of f(): an empty one authenticates nothing (the association layer refuses it).
    if secret is not None and not secret.reveal():
        what = "password" if path[-1] == "password" else "HLS secret"
        ctx.error(path, f"the {what} is empty")
        return None
    return secret


def _authentication(ctx: Ctx, data: dict[str, Any], path: DocPath,
                    mech: Mechanism) -> tuple[Secret | None, Secret | None]:
    """The LLS password and the HLS secret, each only where the mechanism uses it."""
    password = secret = None
    if "password" in data:
        password = _nonempty(ctx, ctx.secret(data["password"], SecretKind.TEXT,
                                             (*path, "password")), (*path, "password"))
        if mech is not Mechanism.LOW:
            # dlms-notes failure 7: with HLS the calling-authentication-value carries the
            # challenge CtoS, never a password.
            ctx.error((*path, "password"), f"a password is only used with mechanism low, not "
                                           f"{mech.plan_name}")
    elif mech is Mechanism.LOW:
        ctx.error(path, "mechanism low needs a password")
    if "secret" in data:
        secret = _nonempty(ctx, ctx.secret(data["secret"], SecretKind.TEXT, (*path, "secret")),
                           (*path, "secret"))
        if mech not in _SECRET_MECHANISMS:
            uses = {Mechanism.GMAC: " (it uses keys.ek and keys.ak)",
                    Mechanism.ECDSA: " (it uses the signing keys)"}.get(mech, "")
            ctx.error((*path, "secret"), f"an HLS secret is not used with mechanism "
                                         f"{mech.plan_name}{uses}")
    elif mech in _SECRET_MECHANISMS and mech is not Mechanism.MANUFACTURER:
        ctx.error(path, f"mechanism {mech.plan_name} needs a secret")
    return password, secret


def _security_needs(ctx: Ctx, data: dict[str, Any], path: DocPath, *,
                    context: ApplicationContext, mech: Mechanism, policy: SecurityPolicy) -> None:
    """What a ciphered context and the GMAC/SHA-256/ECDSA mechanisms need (Green Book):
    a suite, the client system title, EK (block cipher key), AK (in every authenticated
    AAD), the client's signing key; protected APDUs and dedicated keys need ciphering."""
    suite = data.get("suite")
    keys = data.get("keys") or {}
    needs_suite = []
    if context.ciphered:
        needs_suite.append(f"context {context.value}")
    if mech in (Mechanism.GMAC, Mechanism.ECDSA):
        needs_suite.append(f"mechanism {mech.plan_name}")
    if suite is None and needs_suite:
        verb = "need" if len(needs_suite) > 1 else "needs"
        ctx.error(path, f"{' and '.join(needs_suite)} {verb} a security suite "
                        "(suite: 0, 1 or 2)")
    if mech is Mechanism.ECDSA and suite == 0:
        ctx.error((*path, "suite"), "mechanism ecdsa needs suite 1 (P-256) or 2 (P-384)")
    if (context.ciphered or mech in (Mechanism.GMAC, Mechanism.SHA256, Mechanism.ECDSA)) \
            and "client_system_title" not in data:
        why = f"context {context.value}" if context.ciphered else f"mechanism {mech.plan_name}"
        ctx.error(path, f"{why} needs client_system_title")
    if suite is not None and (context.ciphered or mech is Mechanism.GMAC):
        missing = [] if "ek" in keys else ["ek"]
        authenticated = any(x in (Protection.AUTHENTICATED,
                                  Protection.AUTHENTICATED_AND_ENCRYPTED)
                            for x in (policy.request, policy.response))
        if (authenticated or mech is Mechanism.GMAC) and "ak" not in keys:
            missing.append("ak")
        if missing:
            why = "mechanism gmac" if mech is Mechanism.GMAC else "a ciphered context"
            ctx.error((*path, "keys"), f"{why} needs {' and '.join(missing)}")
    if mech is Mechanism.ECDSA and "client_signing_key" not in keys:
        ctx.error((*path, "keys"), "mechanism ecdsa needs client_signing_key")
    if policy != SecurityPolicy() and not context.ciphered:
        ctx.error((*path, "policy"), "protected APDUs need a ciphered context (ln-ciphered or "
                                     "sn-ciphered)")
    use_dedicated = data.get("use_dedicated_key", False)
    if (use_dedicated or "dedicated" in keys) and not context.ciphered:
        where = (*path, "use_dedicated_key") if use_dedicated else (*path, "keys", "dedicated")
        ctx.error(where, "a dedicated key travels in a ciphered InitiateRequest: it needs a "
                         "ciphered context")
    elif "dedicated" in keys and not use_dedicated:
        ctx.error((*path, "keys", "dedicated"), "only used with use_dedicated_key: true")
    elif use_dedicated and policy != SecurityPolicy() and not policy.request.encrypts:
        # Green Book 9.2.7: the dedicated key travels in the InitiateRequest; unencrypted it
        # would be disclosed (the client refuses to send it so).
        ctx.error((*path, "use_dedicated_key"), "the dedicated key travels in the "
                                                "InitiateRequest: it needs requests encrypted "
                                                "(policy encrypted or "
                                                "authenticated-and-encrypted)")
    if "invocation_counter" not in data and context.ciphered:
        # dlms-notes failure 2: the client must know its counter before associating.
        ctx.error(path, "a ciphered association needs invocation_counter (read it through "
                        "another association, or give initial)")


def build_association(ctx: Ctx, data: dict[str, Any], path: DocPath, *, framing: Framing,
                      server: ServerSide) -> Association:
    """One entry of ``associations`` with the rules of its mechanism and context."""
    client = data["client_address"]
    # IEC 62056-46 8.4.2: a 1-byte client address, 0x00 no-station, 0x7F all-station;
    # IEC 62056-47: the wrapper's source wPort is 2 bytes.
    hi = 0x7E if framing is Framing.HDLC else 0xFFFF
    if not 1 <= client <= hi:
        kind = "an HDLC client address" if framing is Framing.HDLC else "a wrapper wPort"
        ctx.error((*path, "client_address"), f"must be between 1 and {hi} for {kind}, "
                                             f"got {client}")
    context = ApplicationContext(data.get("context", "ln"))
    mech = mechanism(data.get("mechanism", "none"))
    policy = _policy(data.get("policy"))
    password, secret = _authentication(ctx, data, path, mech)

    titles: dict[str, bytes | None] = {}
    for key in ("client_system_title", "server_system_title"):
        titles[key] = None
        if key in data:
            titles[key] = ctx.hexbytes(data[key], (*path, key), size=8, what="system title")
    server_title = titles["server_system_title"]
    if "server_system_title" not in data:
        server_title = server.system_title
    elif (server_title is not None and server.system_title is not None
          and server_title != server.system_title):
        ctx.error((*path, "server_system_title"), "differs from server.system_title")

    _security_needs(ctx, data, path, context=context, mech=mech, policy=policy)
    keys = build_keys(ctx, data.get("keys") or {}, (*path, "keys"), data.get("suite"))
    counter = None
    if "invocation_counter" in data:
        counter = _invocation_counter(ctx, data["invocation_counter"],
                                      (*path, "invocation_counter"))
    if "proposed_conformance" in data:
        proposed = conformance_block(ctx, data["proposed_conformance"],
                                     (*path, "proposed_conformance")) or DEFAULT_LN_CONFORMANCE
    else:
        proposed = (DEFAULT_LN_CONFORMANCE if context.logical_names
                    else DEFAULT_SN_CONFORMANCE)
    expect = Expectation(data.get("expect", "accepted"))
    diagnostic = data.get("expect_diagnostic")
    if diagnostic is not None and expect is not Expectation.REJECTED:
        ctx.error((*path, "expect_diagnostic"), "only used with expect: rejected")
    return Association(
        name=data["name"], description=data.get("description"), client_address=client,
        context=context, mechanism=mech, password=password, secret=secret,
        suite=data.get("suite"), policy=policy, client_system_title=titles["client_system_title"],
        server_system_title=server_title, keys=keys,
        use_dedicated_key=data.get("use_dedicated_key", False), invocation_counter=counter,
        proposed_conformance=proposed, max_pdu_size=data.get("max_pdu_size", 0xFFFF),
        dlms_version=data.get("dlms_version", 6), expect=expect, expect_diagnostic=diagnostic)
