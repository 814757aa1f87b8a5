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
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from conformance.plan.cosem import (
    INTEGER_RANGES,
    AttributeAccess,
    DataType,
    GeneratorKind,
    MethodAccess,
)
from conformance.plan.cosem import SortMethod as _SortMethod
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

__all__ = ["NAME_PATTERN", "check_schema", "plan_schema", "schema_path", "schema_text",
           "write_schema"]

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$"
"""Meter and association names: they appear in test ids and file names."""

SCHEMA_ID = "urn:dlms-conformance:test-plan:1"

Schema = dict[str, Any]


def schema_path() -> Path:
    """Where the published schema file lives (next to this module)."""
    return Path(__file__).with_name("plan.schema.json")


# -- small builders -----------------------------------------------------------------------
def _obj(description: str, properties: dict[str, Schema], required: Sequence[str] = (),
         **extra: Any) -> Schema:
    out: Schema = {"type": "object", "description": description, "properties": properties,
                   "additionalProperties": False}
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def _int(description: str, minimum: int | None = None, maximum: int | None = None,
         default: int | None = None) -> Schema:
    out: Schema = {"type": "integer", "description": description}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    if default is not None:
        out["default"] = default
    return out


def _str(description: str, **extra: Any) -> Schema:
    return {"type": "string", "description": description, **extra}


def _enum(description: str, values: Sequence[str], **extra: Any) -> Schema:
    return {"type": "string", "description": description, "enum": list(values), **extra}


def _ref(name: str, description: str | None = None) -> Schema:
    out: Schema = {"$ref": f"#/$defs/{name}"}
    if description:
        out["description"] = description
    return out


def _list(description: str, items: Schema, *, min_items: int | None = None,
          unique: bool = False) -> Schema:
    out: Schema = {"type": "array", "description": description, "items": items}
    if min_items is not None:
        out["minItems"] = min_items
    if unique:
        out["uniqueItems"] = True
    return out


_SECRET_FORMS = ("Literal, 'env:NAME' (environment variable), 'file:PATH' (relative to the "
                 "plan), 'hex:...' or 'text:...'.")
_INTEGER_TYPES = [t.plan_name for t in INTEGER_RANGES]
_STRING_TYPES = [t.plan_name for t in (DataType.BIT_STRING, DataType.OCTET_STRING,
                 DataType.VISIBLE_STRING, DataType.UTF8_STRING, DataType.DATE_TIME,
                 DataType.DATE, DataType.TIME)]
_CONTAINER_TYPES = ["array", "structure", "compact-array"]


def _typed_value(description: str, *, with_access: bool) -> Schema:
    props: dict[str, Schema] = {
        "type": _enum("A-XDR type (IEC 62056-6-2 4.1.5).", [t.plan_name for t in DataType],
                      title="A-XDR type"),
        "value": {"description": "The value: a number, a boolean, text, hex octets "
                                 "(octet-string), an ISO 8601 text (date-time, date, time), "
                                 "a string of 0/1 (bit-string), or a list of typed values "
                                 "(array, structure, compact-array)."},
        "ascii": _str("octet-string only: the value as text (its ASCII octets)."),
        "date_time": _str("octet-string only: a date-time carried as 12 octets, in ISO 8601."),
    }
    if with_access:
        props["access"] = _ref("accessMap", "Access to this attribute, overriding the "
                                            "object's access for the associations listed.")

    def when(types: list[str], value: Schema) -> Schema:
        return {"if": {"properties": {"type": {"enum": types}}, "required": ["type"]},
                "then": {"properties": {"value": value}}}

    return _obj(description, props, [] if with_access else ["type"], allOf=[
        when(_CONTAINER_TYPES, {"type": "array", "items": _ref("typedValue")}),
        when(_INTEGER_TYPES, {"type": "integer"}),
        when(["boolean"], {"type": "boolean"}),
        when(["float32", "float64"], {"type": "number"}),
        when(_STRING_TYPES, {"type": "string"}),
        when(["null-data"], {"type": "null"}),
    ])


def _defs() -> dict[str, Schema]:
    access_names = [m.plan_name for m in AttributeAccess]
    method_names = [m.plan_name for m in MethodAccess]
    hdlc = _obj("HDLC parameters (IEC 62056-46 6.4.4.4.3.2).", {
        "max_info_field_tx": _int("Maximum information field length transmit.", 32, 2030, 128),
        "max_info_field_rx": _int("Maximum information field length receive.", 32, 2030, 128),
        "window_tx": _int("Window size transmit.", 1, 7, 1),
        "window_rx": _int("Window size receive.", 1, 7, 1),
    })
    protection = _enum("Protection of the APDUs in one direction.",
                       [p.value for p in Protection], title="protection")
    return {
        "name": _str("A name: letters, digits, '.', '_', '+', '-'.", pattern=NAME_PATTERN,
                     maxLength=64, title="a name of letters, digits, '.', '_', '+' and '-'"),
        "logicalName": _str("COSEM logical name (OBIS): '0.0.43.1.1.255', '1-0:1.8.0*255' or "
                            "12 hex digits."),
        "hex": _str("Octets in hex (spaces allowed)."),
        "secretKey": _str(f"A key in hex. {_SECRET_FORMS}", writeOnly=True),
        "secretText": _str(f"A text secret (its UTF-8 octets). {_SECRET_FORMS}",
                           writeOnly=True),
        "privateKey": _str(f"An EC private key: PEM text or the key in hex. {_SECRET_FORMS}",
                           writeOnly=True),
        "publicKey": _str("An EC public key: PEM text, hex (X||Y, optionally 04-prefixed), "
                          "'file:PATH' or 'env:NAME'."),
        "conformance": {
            "title": "a list of conformance bit names or 6 hex digits",
            "description": "Conformance block (IEC 62056-5-3 8.3): a list of bit names or "
                           "the three octets in hex, e.g. '00 7E 1F'.",
            "oneOf": [_list("Conformance bit names.", {"enum": list(CONFORMANCE_BITS),
                                                      "title": "conformance bit"},
                            unique=True),
                      _str("Three octets in hex.")]},
        "mechanism": {
            "title": "a mechanism name or number 0..7",
            "description": "Authentication mechanism: " + ", ".join(MECHANISM_NAMES)
                           + ", or its number 0..7.",
            "oneOf": [_enum("Mechanism name.", list(MECHANISM_NAMES), title="mechanism"),
                      _int("Mechanism number.", 0, 7)]},
        "accessMap": {"type": "object", "description": "Association name (or '*' for every "
                      "association) -> attribute access mode.",
                      "propertyNames": {"anyOf": [{"pattern": NAME_PATTERN}, {"const": "*"}],
                                        "title": "an association name or '*'"},
                      "additionalProperties": _enum("Attribute access mode.", access_names,
                                                     title="access mode")},
        "methodAccessMap": {"type": "object", "description": "Association name (or '*') -> "
                            "method access mode.",
                            "propertyNames": {"anyOf": [{"pattern": NAME_PATTERN},
                                                        {"const": "*"}],
                                              "title": "an association name or '*'"},
                            "additionalProperties": _enum("Method access mode.",
                                                          method_names,
                                                          title="method access mode")},
        "typedValue": _typed_value("A typed A-XDR value.", with_access=False),
        "attribute": _typed_value("An attribute: its typed value (unless the meter derives "
                                  "it) and access overrides.", with_access=True),
        "hdlc": hdlc,
        "timeouts": _obj("Timeouts in seconds.", {
            "response": {"type": "number", "exclusiveMinimum": 0, "default": 5.0,
                         "description": "Longest wait for an answer."},
            "inter_frame": {"type": "number", "exclusiveMinimum": 0, "default": 0.5,
                            "description": "Longest gap between frames of one answer."},
            "inactivity": {"type": "number", "exclusiveMinimum": 0, "default": 120.0,
                           "description": "The meter's inactivity timeout."},
        }),
        "modeE": {
            "title": "true, false or a mode E mapping",
            "description": "IEC 62056-21 mode E sign-on at 300 baud 7E1 before HDLC.",
            "oneOf": [{"type": "boolean"}, _obj("Mode E settings.", {
                "device_address": _str("Device address of the request /?ADDRESS!."),
                "baudrate": {"enum": [300, 600, 1200, 2400, 4800, 9600, 19200],
                             "description": "Baud rate the meter announces."},
                "manufacturer": _str("Three-letter manufacturer id.", minLength=3,
                                     maxLength=3),
                "identification": _str("Identification text."),
            })]},
        "transport": _obj("How to reach the meter (default: the built-in simulator).", {
            "kind": _enum("simulator (in-process reference meter), tcp (wrapper), hdlc+tcp, "
                          "serial.", [k.value for k in TransportKind], title="transport kind"),
            "host": _str("tcp, hdlc+tcp: host name or address."),
            "port": _int("tcp, hdlc+tcp: TCP port.", 1, 65535, 4059),
            "url": _str("serial: a pyserial URL (/dev/ttyUSB0, COM3, socket://, rfc2217://, "
                        "loop://)."),
            "baudrate": _int("serial: baud rate (without mode E).", 1, None, 9600),
            "bytesize": _int("serial: data bits.", 5, 8, 8),
            "parity": _enum("serial: parity.", [p.value for p in Parity], default="N",
                            title="parity"),
            "stopbits": {"enum": [1, 1.5, 2], "default": 1, "description": "serial: stop bits."},
            "mode_e": _ref("modeE"),
            "framing": _enum("simulator: framing of the in-process link.",
                             [f.value for f in Framing], default="hdlc", title="framing"),
            "timeouts": _ref("timeouts"),
        }, ["kind"], allOf=[
            {"if": {"properties": {"kind": {"enum": ["tcp", "hdlc+tcp"]}}, "required": ["kind"]},
             "then": {"required": ["host"]}},
            {"if": {"properties": {"kind": {"const": "serial"}}, "required": ["kind"]},
             "then": {"required": ["url"]}},
        ]),
        "addressing": _obj("The meter's addresses.", {
            "server_logical": _int("HDLC upper address: logical device.", 0, 0x3FFF, 1),
            "server_physical": _int("HDLC lower address: physical device (not in the 1-byte "
                                    "form).", 0, 0x3FFF),
            "server_address_size": {"enum": [1, 2, 4], "description": "HDLC server address "
                                    "size in bytes (default 1 without, 4 with a physical "
                                    "address)."},
            "server_wport": _int("Wrapper wPort of the meter (default: server_logical).",
                                 0, 0xFFFF),
        }),
        "policy": {
            "title": "a protection name or a mapping with request and response",
            "description": "Security policy: one protection for both directions, or one per "
                           "direction.",
            "oneOf": [protection, _obj("Per-direction protection.",
                                       {"request": protection, "response": protection})]},
        "keys": _obj("Keys of the association.", {
            "ek": _ref("secretKey", "Global unicast encryption key (block cipher key)."),
            "ak": _ref("secretKey", "Authentication key."),
            "kek": _ref("secretKey", "Master key (key encryption key)."),
            "dedicated": _ref("secretKey", "A fixed dedicated key."),
            "client_signing_key": _ref("privateKey", "The client's ECDSA private key."),
            "client_signing_public_key": _ref("publicKey", "The client's ECDSA public key."),
            "server_signing_key": _ref("privateKey", "The meter's ECDSA private key "
                                                     "(reference meter only)."),
            "server_signing_public_key": _ref("publicKey", "The meter's ECDSA public key."),
        }),
        "invocationCounter": _obj(
            "Where the client's invocation counter comes from: read with another "
            "association, or a fixed initial value.", {
                "association": _ref("name", "Association used to read the counter."),
                "logical_name": _ref("logicalName", "The counter object, e.g. "
                                                    "0.0.43.1.1.255."),
                "class_id": _int("Class of the counter object.", 1, 0xFFFF, 1),
                "attribute": _int("Attribute holding the counter.", 1, 127, 2),
                "initial": _int("A fixed first counter value.", 0, 0xFFFFFFFF),
            }, oneOf=[{"required": ["association", "logical_name"]},
                      {"required": ["initial"]}]),
        "association": _obj("One client of the meter.", {
            "name": _ref("name", "Unique name of the association."),
            "description": _str("Free text."),
            "client_address": _int("Client SAP: HDLC client address (1..127) and wrapper "
                                   "source wPort.", 0, 0xFFFF),
            "context": _enum("Application context.", [c.value for c in ApplicationContext],
                             default="ln", title="application context"),
            "mechanism": _ref("mechanism"),
            "password": _ref("secretText", "LLS password (mechanism low)."),
            "secret": _ref("secretText", "HLS secret (mechanisms manufacturer, md5, sha1, "
                                         "sha256)."),
            "suite": {"enum": [0, 1, 2], "description": "Security suite."},
            "policy": _ref("policy"),
            "client_system_title": _ref("hex", "The client's 8-byte system title."),
            "server_system_title": _ref("hex", "The meter's expected 8-byte system title."),
            "keys": _ref("keys"),
            "use_dedicated_key": {"type": "boolean", "default": False,
                                  "description": "Use a dedicated key."},
            "invocation_counter": _ref("invocationCounter"),
            "proposed_conformance": _ref("conformance"),
            "max_pdu_size": _int("client-max-receive-pdu-size.", 0, 0xFFFF, 0xFFFF),
            "dlms_version": _int("proposed-dlms-version.", 1, 255, 6),
            "expect": _enum("Whether the association should be established.",
                            [e.value for e in Expectation], default="accepted",
                            title="expectation"),
            "expect_diagnostic": _enum("Expected acse-service-user diagnostic when rejected.",
                                       list(ACSE_SERVICE_USER_DIAGNOSTICS),
                                       title="diagnostic"),
        }, ["name", "client_address"]),
        "claims": _obj("What the meter claims to support.", {
            "conformance": _ref("conformance"),
            "max_receive_pdu_size": _int("server-max-receive-pdu-size.", 0, 0xFFFF),
            "dlms_version": _int("DLMS version.", 1, 255),
            "mechanisms": _list("Supported mechanisms.", _ref("mechanism"), unique=True),
            "suites": _list("Supported security suites.", {"enum": [0, 1, 2]}, unique=True),
            "services": _list("Supported services.", {"enum": list(SERVICES), "title": "service"},
                              unique=True),
            "hdlc": _ref("hdlc", "HDLC parameters from the meter's view (its UA)."),
        }),
        "server": _obj("The meter's own security data.", {
            "system_title": _ref("hex", "The meter's 8-byte system title."),
            "invocation_counter": _int("The reference meter's first invocation counter.",
                                       0, 0xFFFFFFFF, 0),
        }),
        "generator": _obj("How a profile column is synthesised.", {
            "kind": _enum("clock, counter, gauge or constant.",
                          [k.value for k in GeneratorKind], title="generator kind"),
            "start": _int("counter: first value."),
            "step": _int("counter: increase per row.", 0),
            "jitter": _int("counter: extra pseudo-random increase per row, 0..jitter.", 0),
            "minimum": {"type": "number", "description": "gauge: lowest value."},
            "maximum": {"type": "number", "description": "gauge: highest value."},
            "value": _ref("typedValue", "constant: the value."),
        }, ["kind"]),
        "captureObject": _obj("A column of a profile (capture object definition).", {
            "class_id": _int("Class of the captured object.", 1, 0xFFFF),
            "logical_name": _ref("logicalName"),
            "attribute": _int("Captured attribute.", 1, 127, 2),
            "data_index": _int("Data index (0: the whole attribute).", 0, 0xFFFF, 0),
            "generator": _ref("generator"),
        }, ["class_id", "logical_name"]),
        "profile": _obj("Profile Generic definition with a synthesised buffer.", {
            "capture_objects": _list("Columns.", _ref("captureObject"), min_items=1),
            "capture_period": _int("Seconds between captures.", 1),
            "rows": _int("Rows present at start.", 0),
            "profile_entries": _int("Buffer capacity (default: rows).", 1),
            "sort_method": _enum("Buffer order.", [s.plan_name for s in _SortMethod],
                                 default="fifo", title="sort method"),
            "seed": _int("Seed of the deterministic generator.", 0, None, 0),
        }, ["capture_objects", "capture_period", "rows"]),
        "clock": _obj("Clock behaviour.", {
            "time": _str("'now' or an ISO 8601 date-time: the meter time at start."),
            "running": {"type": "boolean", "default": True,
                        "description": "Whether the time advances."},
        }, ["time"]),
        "object": _obj("A COSEM object.", {
            "class_id": _int("Interface class.", 1, 0xFFFF),
            "logical_name": _ref("logicalName"),
            "version": _int("Class version.", 0, 255),
            "name": _str("Free text."),
            "association": _ref("name", "Association LN / Security setup: the association "
                                        "described."),
            "access": _ref("accessMap", "Default access to every attribute."),
            "method_access": _ref("methodAccessMap", "Default access to every method."),
            "attributes": {"type": "object", "description": "Attribute index -> attribute.",
                           "propertyNames": {"pattern": "^[1-9][0-9]{0,2}$",
                                             "title": "an attribute index 1..127"},
                           "additionalProperties": _ref("attribute")},
            "methods": {"type": "object", "description": "Method index -> method.",
                        "propertyNames": {"pattern": "^[1-9][0-9]{0,2}$",
                                          "title": "a method index 1..127"},
                        "additionalProperties": _obj("A method.", {
                            "access": _ref("methodAccessMap")})},
            "profile": _ref("profile"),
            "clock": _ref("clock"),
        }, ["class_id", "logical_name"]),
        "meter": _obj("One meter.", {
            "name": _ref("name", "Unique name of the meter."),
            "description": _str("Free text."),
            "vendor": _str("Manufacturer."),
            "firmware": _str("Firmware version."),
            "transport": _ref("transport"),
            "addressing": _ref("addressing"),
            "hdlc": _ref("hdlc", "What the client proposes in SNRM (the client's view)."),
            "associations": _list("The associations (clients).", _ref("association"),
                                  min_items=1),
            "claims": _ref("claims"),
            "server": _ref("server"),
            "objects": _list("The COSEM objects.", _ref("object")),
        }, ["name", "associations"]),
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
    entry["properties"]["transport"] = _ref("transportEntry")
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
        return {"properties": {"meter": _ref(item),
                               "meters": {"items": _ref(item)}}}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "DLMS/COSEM conformance test plan",
        "description": "One meter (meter:) or a fleet (meters:), see testplans/README.md.",
        "type": "object",
        "properties": {
            "version": {"const": 1, "description": "Plan format version."},
            "defaults": _ref("meterDefaults"),
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
