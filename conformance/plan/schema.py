"""The JSON Schema (draft 2020-12) of test plans.

The schema is built here, in code, and published as ``conformance/plan/plan.schema.json``
for editors (``# yaml-language-server: $schema=...``). The loader validates the structure
of every plan with it (unknown keys, types, enumerations, required keys, ranges); the
semantic rules (hex lengths per suite, OBIS codes, cross references) are checked in Python.

Regenerate or verify the published file with::

    python -m conformance.plan write-schema
    python -m conformance.plan check-schema     # exit status 1 when it is stale
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from conformance.plan._schema_build import (
    NAME_PATTERN,
    Schema,
    array,
    cosem_defs,
    enum,
    integer,
    obj,
    ref,
    string,
)
from conformance.plan.model import (
    MECHANISM_NAMES,
    ApplicationContext,
    Expectation,
    Framing,
    Parity,
    Protection,
    TransportKind,
)
from conformance.plan.names import ACSE_SERVICE_USER_DIAGNOSTICS, CONFORMANCE_BITS, SERVICES

__all__ = ["MAX_TIMEOUT", "NAME_PATTERN", "check_schema", "plan_schema", "schema_path",
           "schema_text", "write_schema"]

SCHEMA_ID = "urn:dlms-conformance:test-plan:1"


def schema_path() -> Path:
    """Where the published schema file lives (next to this module)."""
    return Path(__file__).with_name("plan.schema.json")


_SECRET_FORMS = ("Literal, 'env:NAME' (environment variable), 'file:PATH' (relative to the "
                 "plan), 'hex:...' or 'text:...'.")


MAX_TIMEOUT = 65535
"""Longest timeout of a plan, in seconds: the range of the HDLC setup's inactivity_time_out
(class 23, a long-unsigned number of seconds), and well within what the platform's waits
take (``select`` refuses some 1e10 s)."""


def _seconds(description: str, default: float) -> Schema:
    return {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT, "default": default,
            "description": description}


def _defs() -> dict[str, Schema]:
    hdlc = obj("HDLC parameters (IEC 62056-46 6.4.4.4.3.2).", {
        "max_info_field_tx": integer("Maximum information field length transmit.", 32, 2030, 128),
        "max_info_field_rx": integer("Maximum information field length receive.", 32, 2030, 128),
        "window_tx": integer("Window size transmit.", 1, 7, 1),
        "window_rx": integer("Window size receive.", 1, 7, 1),
    })
    protection = enum("Protection of the APDUs in one direction.",
                      [p.value for p in Protection], title="protection")
    return {
        "name": string("A name: letters, digits, '.', '_', '+', '-'.", pattern=NAME_PATTERN,
                       maxLength=64, title="a name of letters, digits, '.', '_', '+' and '-'"),
        "hex": string("Octets in hex (spaces allowed)."),
        "secretKey": string(f"A key in hex. {_SECRET_FORMS}", writeOnly=True),
        "secretText": string(f"A text secret (its UTF-8 octets). {_SECRET_FORMS}",
                             writeOnly=True),
        "privateKey": string(f"An EC private key: PEM text or the key in hex. {_SECRET_FORMS}",
                             writeOnly=True),
        "publicKey": string("An EC public key: PEM text, hex (X||Y, optionally 04-prefixed), "
                            "'file:PATH' or 'env:NAME'."),
        "conformance": {
            "title": "a list of conformance bit names or 6 hex digits",
            "description": "Conformance block (IEC 62056-5-3 8.3): a list of bit names or "
                           "the three octets in hex, e.g. '00 7E 1F'.",
            "oneOf": [array("Conformance bit names.", {"enum": list(CONFORMANCE_BITS),
                                                      "title": "conformance bit"},
                            unique=True),
                      string("Three octets in hex.")]},
        "mechanism": {
            "title": "a mechanism name or number 0..7",
            "description": "Authentication mechanism: " + ", ".join(MECHANISM_NAMES)
                           + ", or its number 0..7.",
            "oneOf": [enum("Mechanism name.", list(MECHANISM_NAMES), title="mechanism"),
                      integer("Mechanism number.", 0, 7)]},
        "hdlc": hdlc,
        "timeouts": obj(f"Timeouts in seconds: finite, above 0, at most {MAX_TIMEOUT}.", {
            "response": _seconds("Longest wait for an answer.", 5.0),
            "inter_frame": _seconds("Longest gap between frames of one answer.", 0.5),
            "inactivity": _seconds("The meter's inactivity timeout.", 120.0),
        }),
        "modeE": {
            "title": "true, false or a mode E mapping",
            "description": "IEC 62056-21 mode E sign-on at 300 baud 7E1 before HDLC.",
            "oneOf": [{"type": "boolean"}, obj("Mode E settings.", {
                "device_address": string("Device address of the request /?ADDRESS!."),
                "baudrate": {"enum": [300, 600, 1200, 2400, 4800, 9600, 19200],
                             "description": "Baud rate the meter announces."},
                "manufacturer": string("Three-letter manufacturer id.", minLength=3,
                                       maxLength=3),
                "identification": string("Identification text."),
            })]},
        "transport": obj("How to reach the meter (default: the built-in simulator).", {
            "kind": enum("simulator (in-process reference meter), tcp (wrapper), hdlc+tcp, "
                         "serial.", [k.value for k in TransportKind], title="transport kind"),
            "host": string("tcp, hdlc+tcp: host name or address."),
            "port": integer("tcp, hdlc+tcp: TCP port.", 1, 65535, 4059),
            "url": string("serial: a pyserial URL (/dev/ttyUSB0, COM3, socket://, rfc2217://, "
                          "loop://)."),
            "baudrate": integer("serial: baud rate (without mode E).", 1, None, 9600),
            "bytesize": integer("serial: data bits.", 5, 8, 8),
            "parity": enum("serial: parity.", [p.value for p in Parity], default="N",
                           title="parity"),
            "stopbits": {"enum": [1, 1.5, 2], "default": 1, "description": "serial: stop bits."},
            "mode_e": ref("modeE"),
            "framing": enum("simulator: framing of the in-process link.",
                            [f.value for f in Framing], default="hdlc", title="framing"),
            "timeouts": ref("timeouts"),
        }, ["kind"], allOf=[
            {"if": {"properties": {"kind": {"enum": ["tcp", "hdlc+tcp"]}}, "required": ["kind"]},
             "then": {"required": ["host"]}},
            {"if": {"properties": {"kind": {"const": "serial"}}, "required": ["kind"]},
             "then": {"required": ["url"]}},
        ]),
        "addressing": obj("The meter's addresses.", {
            "server_logical": integer("HDLC upper address: logical device.", 0, 0x3FFF, 1),
            "server_physical": integer("HDLC lower address: physical device (not in the 1-byte "
                                       "form).", 0, 0x3FFF),
            "server_address_size": {"enum": [1, 2, 4], "description": "HDLC server address "
                                    "size in bytes (default 1 without, 4 with a physical "
                                    "address)."},
            "server_wport": integer("Wrapper wPort of the meter (default: server_logical).",
                                    0, 0xFFFF),
        }),
        "policy": {
            "title": "a protection name or a mapping with request and response",
            "description": "Security policy: one protection for both directions, or one per "
                           "direction.",
            "oneOf": [protection, obj("Per-direction protection.",
                                      {"request": protection, "response": protection})]},
        "keys": obj("Keys of the association.", {
            "ek": ref("secretKey", "Global unicast encryption key (block cipher key)."),
            "ak": ref("secretKey", "Authentication key."),
            "kek": ref("secretKey", "Master key (key encryption key)."),
            "dedicated": ref("secretKey", "A fixed dedicated key."),
            "client_signing_key": ref("privateKey", "The client's ECDSA private key."),
            "client_signing_public_key": ref("publicKey", "The client's ECDSA public key."),
            "server_signing_key": ref("privateKey", "The meter's ECDSA private key "
                                                     "(reference meter only)."),
            "server_signing_public_key": ref("publicKey", "The meter's ECDSA public key."),
        }),
        "invocationCounter": obj(
            "Where the client's invocation counter comes from: read with another "
            "association, or a fixed initial value.", {
                "association": ref("name", "Association used to read the counter."),
                "logical_name": ref("logicalName", "The counter object, e.g. "
                                                    "0.0.43.1.1.255."),
                "class_id": integer("Class of the counter object.", 1, 0xFFFF, 1),
                "attribute": integer("Attribute holding the counter.", 1, 127, 2),
                "initial": integer("A fixed first counter value.", 0, 0xFFFFFFFF),
            }, oneOf=[{"required": ["association", "logical_name"]},
                      {"required": ["initial"]}]),
        "association": obj("One client of the meter.", {
            "name": ref("name", "Unique name of the association."),
            "description": string("Free text."),
            "client_address": integer("Client SAP: HDLC client address (1..127) and wrapper "
                                      "source wPort.", 0, 0xFFFF),
            "context": enum("Application context.", [c.value for c in ApplicationContext],
                            default="ln", title="application context"),
            "mechanism": ref("mechanism"),
            "password": ref("secretText", "LLS password (mechanism low)."),
            "secret": ref("secretText", "HLS secret (mechanisms manufacturer, md5, sha1, "
                                         "sha256)."),
            "suite": {"enum": [0, 1, 2], "description": "Security suite."},
            "policy": ref("policy"),
            "client_system_title": ref("hex", "The client's 8-byte system title."),
            "server_system_title": ref("hex", "The meter's expected 8-byte system title."),
            "keys": ref("keys"),
            "use_dedicated_key": {"type": "boolean", "default": False,
                                  "description": "Use a dedicated key."},
            "invocation_counter": ref("invocationCounter"),
            "proposed_conformance": ref("conformance"),
            "max_pdu_size": integer("client-max-receive-pdu-size.", 0, 0xFFFF, 0xFFFF),
            "dlms_version": integer("proposed-dlms-version.", 1, 255, 6),
            "expect": enum("Whether the association should be established.",
                           [e.value for e in Expectation], default="accepted",
                           title="expectation"),
            "expect_diagnostic": enum("Expected acse-service-user diagnostic when rejected.",
                                      list(ACSE_SERVICE_USER_DIAGNOSTICS),
                                      title="diagnostic"),
        }, ["name", "client_address"]),
        "claims": obj("What the meter claims to support.", {
            "conformance": ref("conformance"),
            "max_receive_pdu_size": integer("server-max-receive-pdu-size.", 0, 0xFFFF),
            "dlms_version": integer("DLMS version.", 1, 255),
            "mechanisms": array("Supported mechanisms.", ref("mechanism"), unique=True),
            "suites": array("Supported security suites.", {"enum": [0, 1, 2]}, unique=True),
            "services": array("Supported services.", {"enum": list(SERVICES), "title": "service"},
                              unique=True),
            "hdlc": ref("hdlc", "HDLC parameters from the meter's view (its UA)."),
        }),
        "server": obj("The meter's own security data.", {
            "system_title": ref("hex", "The meter's 8-byte system title."),
            "invocation_counter": integer("The reference meter's first invocation counter.",
                                          0, 0xFFFFFFFF, 0),
        }),
        "meter": obj("One meter.", {
            "name": ref("name", "Unique name of the meter."),
            "description": string("Free text."),
            "vendor": string("Manufacturer."),
            "firmware": string("Firmware version."),
            "transport": ref("transport"),
            "addressing": ref("addressing"),
            "hdlc": ref("hdlc", "What the client proposes in SNRM (the client's view)."),
            "associations": array("The associations (clients).", ref("association"),
                                  min_items=1),
            "claims": ref("claims"),
            "server": ref("server"),
            "objects": array("The COSEM objects.", ref("object")),
        }, ["name", "associations"]),
        **cosem_defs(),
    }


def _partial_defs(defs: dict[str, Schema]) -> None:
    """Add the relaxed meter definitions used with ``defaults``: a fleet member may leave
    out what the defaults give (the loader checks the merged meter with the full rules)."""
    transport = copy.deepcopy(defs["transport"])
    transport.pop("required")
    transport.pop("allOf")
    transport["description"] = "Transport settings, completed by the defaults."
    defs["transportEntry"] = transport
    entry = copy.deepcopy(defs["meter"])
    entry["required"] = ["name"]
    entry["description"] = "One meter of a plan with defaults (merged under it)."
    entry["properties"]["transport"] = ref("transportEntry")
    defs["meterEntry"] = entry
    defaults = copy.deepcopy(entry)
    defaults.pop("required")
    del defaults["properties"]["name"]
    defaults["description"] = ("Merged under every meter of the plan: mappings key by key, "
                               "lists and values replaced; a mapping with another kind "
                               "replaces the default whole.")
    defs["meterDefaults"] = defaults


@cache
def _schema() -> Schema:
    defs = _defs()
    _partial_defs(defs)

    def meters(item: str) -> Schema:
        return {"properties": {"meter": ref(item),
                               "meters": {"items": ref(item)}}}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "DLMS/COSEM conformance test plan",
        "description": "One meter (meter:) or a fleet (meters:), see testplans/README.md.",
        "type": "object",
        "properties": {
            "version": {"const": 1, "description": "Plan format version."},
            "defaults": ref("meterDefaults"),
            "meter": {"description": "The meter (a plan has meter or meters)."},
            "meters": {"type": "array", "minItems": 1, "description": "A fleet of meters."},
        },
        "additionalProperties": False,
        "oneOf": [{"required": ["meter"]}, {"required": ["meters"]}],
        "if": {"required": ["defaults"]},
        "then": meters("meterEntry"),
        "else": meters("meter"),
        "$defs": defs,
    }


def plan_schema() -> Schema:
    """The plan schema as a dict (a fresh copy)."""
    result: Schema = json.loads(json.dumps(_schema()))
    return result


def schema_text() -> str:
    """The schema as published: indented JSON with a final newline."""
    return json.dumps(_schema(), indent=2, ensure_ascii=False) + "\n"


def check_schema() -> bool:
    """Whether the published file equals what the code generates."""
    try:
        return schema_path().read_text(encoding="utf-8") == schema_text()
    except OSError:
        return False


def write_schema() -> Path:
    """Regenerate the published file; returns its path."""
    path = schema_path()
    path.write_text(schema_text(), encoding="utf-8")
    return path
