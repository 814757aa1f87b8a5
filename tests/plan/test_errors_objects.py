"""Mistakes in the object model, typed values, profiles and EC keys: exact one-line messages."""

from __future__ import annotations

import pytest

from tests.plan._helpers import BASE, load, problems

OBJECTS = BASE + "  objects:\n"


def test_object_model_mistakes() -> None:
    text = OBJECTS + """\
    - {class_id: 3, logical_name: 1.0.1.8.0.255, access: {pub: read-only}, attributes: {2: {type: unsigned, value: 1}, 3: {type: long, value: 1}}}
    - {class_id: 3, logical_name: 1-0:1.8.0*255, attributes: {2: {type: unsigned, value: 1}}}
    - {class_id: 15, logical_name: 0.0.40.0.1.255}
    - {class_id: 8, logical_name: 0.0.2.0.0.255, attributes: {2: {type: unsigned, value: 1}}}
    - {class_id: 64, logical_name: 0.0.43.0.1.255, association: nobody, version: 3}
    - {class_id: 1, logical_name: 0.0.96.1.0.255, association: public, attributes: {2: {type: unsigned, value: 1}, 3: {type: unsigned, value: 1}}}
    - {class_id: 15, logical_name: 0.0.40.0.0.255, association: public}
    - {class_id: 99, logical_name: 0.0.99.0.0.255, attributes: {4: {access: {public: read-only}}}}
"""  # noqa: E501
    assert problems(text) == [
        "plans/x.yaml:8: meter.objects[0].access.pub: no association named 'pub' (known: "
        "public)",
        "plans/x.yaml:8: meter.objects[0].attributes.3: attribute 3 of a Register object: "
        "expected structure {integer, enum}, got long",
        "plans/x.yaml:9: meter.objects[1].attributes: Register (class 3) needs the value of "
        "attribute 3 ({type: ..., value: ...})",
        "plans/x.yaml:9: meter.objects[1].logical_name: logical name 1.0.1.8.0.255 is already "
        "used by objects[0]",
        "plans/x.yaml:10: meter.objects[2]: an Association LN object (class 15) needs "
        "association: the association it describes",
        "plans/x.yaml:11: meter.objects[3].logical_name: a Clock object (class 8) has a logical "
        "name 0.x.1.0.x.255, got 0.0.2.0.0.255",
        "plans/x.yaml:11: meter.objects[3].attributes.2: attribute 2 of a Clock object is "
        "derived by the meter: give only its access",
        "plans/x.yaml:11: meter.objects[3].attributes: Clock (class 8) needs the value of "
        "attributes 3, 4, 5, 6, 7, 8, 9 ({type: ..., value: ...})",
        "plans/x.yaml:12: meter.objects[4].version: Security setup (class 64) has version(s) "
        "0, 1, not 3",
        "plans/x.yaml:13: meter.objects[5].association: only Association LN (15) and Security "
        "setup (64) objects name an association",
        "plans/x.yaml:13: meter.objects[5].attributes.3: Data (class 1) version 0 has "
        "attributes 1..2",
        "plans/x.yaml:14: meter.objects[6].logical_name: 0.0.40.0.0.255 is the current "
        "association: every meter has it implicitly; list the instances 0.0.40.0.e.255 instead",
        "plans/x.yaml:15: meter.objects[7].attributes.4: attribute 4 needs its value "
        "({type: ..., value: ...})",
    ]


def test_unknown_classes_are_taken_as_written() -> None:
    text = OBJECTS + """\
    - class_id: 70
      logical_name: 0.0.96.3.10.255
      version: 1
      access: {"*": read-only}
      attributes:
        2: {type: boolean, value: true}
        3: {type: enum, value: 1}
      methods: {1: {access: {public: access}}}
"""
    obj = load(text).meters[0].objects[0]
    assert [a.index for a in obj.attributes] == [1, 2, 3]
    assert [m.index for m in obj.methods] == [1]
    assert obj.version == 1


def test_method_index_beyond_the_class() -> None:
    text = OBJECTS + ("    - {class_id: 1, logical_name: 0.0.96.1.0.255, "
                      "attributes: {2: {type: unsigned, value: 1}}, methods: {1: {}}}\n")
    assert problems(text) == [
        "plans/x.yaml:8: meter.objects[0].methods.1: Data (class 1) version 0 has no methods"]


def test_structural_key_mistakes_in_objects() -> None:
    text = OBJECTS + """\
    - class_id: 3
      logical_name: 1.0.1.8.0.255
      attributes:
        x: {type: long, value: 1}
        2: {type: lng, value: 1}
        3: {type: long, value: "abc"}
      access: {"a b": read-only, public: reed-only}
      methods: {0: {}}
"""
    assert problems(text) == [
        "plans/x.yaml:11: meter.objects[0].attributes.x: invalid key 'x': expected an "
        "attribute index 1..127",
        "plans/x.yaml:12: meter.objects[0].attributes.2.type: unknown A-XDR type 'lng' "
        "(did you mean 'long'?)",
        "plans/x.yaml:13: meter.objects[0].attributes.3.value: expected an integer, got 'abc'",
        "plans/x.yaml:14: meter.objects[0].access.a b: invalid key 'a b': expected an "
        "association name or '*'",
        "plans/x.yaml:14: meter.objects[0].access.public: unknown access mode 'reed-only' "
        "(did you mean 'read-only'?)",
        "plans/x.yaml:15: meter.objects[0].methods.0: invalid key '0': expected a method index "
        "1..127",
    ]


def test_typed_value_mistakes() -> None:
    text = OBJECTS + """\
    - class_id: 1
      logical_name: 0.0.96.1.0.255
      attributes:
        2:
          type: structure
          value:
            - {type: long-unsigned, value: 70000}
            - {type: bit-string, value: "0102"}
            - {type: visible-string, value: "é"}
            - {type: octet-string, value: "0G"}
            - {type: date-time, value: "2024-13-01T00:00:00"}
            - {type: unsigned, ascii: "x"}
            - {type: octet-string}
            - {type: compact-array, value: [{type: unsigned, value: 1}, {type: long, value: 1}]}
            - {type: date, value: "2024-02-30"}
            - {type: time, value: "12:00:00+01:00"}
            - {type: octet-string, value: "01", ascii: "a"}
            - {type: float32, value: 1.0e+39}
            - {type: date-time, value: "2024-01-01"}
            - {type: integer, value: -129}
"""
    prefix = "meter.objects[0].attributes.2.value"
    assert problems(text) == [
        f"plans/x.yaml:14: {prefix}[0].value: 70000 is out of range for long-unsigned "
        "(0..65535)",
        f"plans/x.yaml:15: {prefix}[1].value: a bit-string is written as its bits (0 and 1), "
        "got '0102'",
        f"plans/x.yaml:16: {prefix}[2].value: a visible-string holds printable ASCII "
        "characters only",
        f"plans/x.yaml:17: {prefix}[3].value: octet-string '0G' is not hex (character 2 is not "
        "a hex digit)",
        f"plans/x.yaml:18: {prefix}[4].value: expected an ISO 8601 date and time like "
        "2024-06-01T12:00:00, got '2024-13-01T00:00:00'",
        f"plans/x.yaml:19: {prefix}[5].ascii: ascii is only used with type octet-string",
        f"plans/x.yaml:20: {prefix}[6]: octet-string needs exactly one of value, ascii, "
        "date_time",
        f"plans/x.yaml:21: {prefix}[7].value[1]: compact-array elements must all have the type "
        "of element 0",
        f"plans/x.yaml:22: {prefix}[8].value: expected an ISO 8601 date like 2024-06-01, got "
        "'2024-02-30'",
        f"plans/x.yaml:23: {prefix}[9].value: a COSEM time has no time zone",
        f"plans/x.yaml:24: {prefix}[10]: octet-string needs exactly one of value, ascii, "
        "date_time (got value and ascii)",
        f"plans/x.yaml:25: {prefix}[11].value: 1e+39 is out of range for float32",
        f"plans/x.yaml:26: {prefix}[12].value: expected an ISO 8601 date and time like "
        "2024-06-01T12:00:00, got '2024-01-01'",
        f"plans/x.yaml:27: {prefix}[13].value: -129 is out of range for integer (-128..127)",
    ]


CLOCK = ("    - {class_id: 8, logical_name: 0.0.1.0.0.255, clock: {time: now}, attributes: "
         "{3: {type: long, value: 0}, 4: {type: unsigned, value: 0}, "
         "5: {type: octet-string, value: FFFF03FE07020000008000FF}, "
         "6: {type: octet-string, value: FFFF0AFE07030000008000FF}, "
         "7: {type: integer, value: 60}, 8: {type: boolean, value: false}, "
         "9: {type: enum, value: 1}}}\n")


def test_profile_mistakes() -> None:
    text = OBJECTS + CLOCK + """\
    - {class_id: 3, logical_name: 1.0.1.8.0.255, attributes: {2: {type: long-unsigned, value: 1}, 3: {type: structure, value: [{type: integer, value: 0}, {type: enum, value: 30}]}}}
    - {class_id: 1, logical_name: 0.0.96.1.0.255, attributes: {2: {type: visible-string, value: "x"}}}
    - class_id: 7
      logical_name: 1.0.99.1.0.255
      profile:
        capture_period: 900
        rows: 1000
        profile_entries: 10
        capture_objects:
          - {class_id: 8, logical_name: 0.0.1.0.0.255, attribute: 2, generator: {kind: counter}}
          - {class_id: 3, logical_name: 1.0.1.8.0.255, generator: {kind: counter, step: 100}}
          - {class_id: 3, logical_name: 1.0.1.8.0.255, attribute: 3, data_index: 3, generator: {kind: constant}}
          - {class_id: 1, logical_name: 0.0.96.1.0.255, generator: {kind: gauge, minimum: 1, maximum: 2}}
          - {class_id: 1, logical_name: 0.0.96.1.0.255}
          - {class_id: 3, logical_name: 1.0.1.8.0.255, generator: {kind: gauge, minimum: 5, maximum: 2, step: 1}}
          - {class_id: 1, logical_name: 1.0.1.8.0.255}
          - {class_id: 3, logical_name: 1.0.1.8.0.255, attribute: 3, data_index: 2, generator: {kind: constant, value: {type: unsigned, value: 1}}}
          - {class_id: 3, logical_name: 1.0.2.8.0.255}
          - {class_id: 3, logical_name: 1.0.1.8.0.255, attribute: 9}
          - {class_id: 3, logical_name: 1.0.1.8.0.255, generator: {kind: clock}}
"""  # noqa: E501
    at = "meter.objects[3].profile"
    assert problems(text) == [
        f"plans/x.yaml:16: {at}.profile_entries: the buffer holds 10 entries, fewer than rows "
        "(1000)",
        f"plans/x.yaml:18: {at}.capture_objects[0].generator.kind: the clock's time column uses "
        "the clock generator",
        f"plans/x.yaml:19: {at}.capture_objects[1].generator: the counter may reach 100900 "
        "within 1010 rows (1000 at start and up to 10 captured while the meter runs), beyond "
        "the range of long-unsigned (..65535)",
        f"plans/x.yaml:20: {at}.capture_objects[2].data_index: attribute 3 of 1.0.1.8.0.255 has "
        "no element 3",
        f"plans/x.yaml:21: {at}.capture_objects[3].generator.kind: a gauge needs a numeric "
        "column, this one is visible-string",
        f"plans/x.yaml:22: {at}.capture_objects[4]: needs a generator (counter, gauge or "
        "constant)",
        f"plans/x.yaml:23: {at}.capture_objects[5].generator.step: 'step' is not used by a "
        "gauge generator",
        f"plans/x.yaml:23: {at}.capture_objects[5].generator: minimum 5 is above maximum 2",
        f"plans/x.yaml:24: {at}.capture_objects[6].class_id: object 1.0.1.8.0.255 has class 3, "
        "not 1",
        f"plans/x.yaml:25: {at}.capture_objects[7].generator.value: the column is enum, the "
        "value is unsigned",
        f"plans/x.yaml:26: {at}.capture_objects[8].logical_name: capture object 1.0.2.8.0.255 "
        "is not among the meter's objects",
        f"plans/x.yaml:27: {at}.capture_objects[9].attribute: object 1.0.1.8.0.255 has no "
        "attribute 9",
        f"plans/x.yaml:28: {at}.capture_objects[10].generator.kind: a clock generator only "
        "fills the clock's time (class 8, attribute 2)",
    ]


def test_clock_time() -> None:
    text = OBJECTS + CLOCK.replace("time: now", "time: yesterday")
    assert problems(text) == [
        "plans/x.yaml:8: meter.objects[0].clock.time: expected an ISO 8601 date and time like "
        "2024-06-01T12:00:00, got 'yesterday' (or 'now')"]
    clock = load(OBJECTS + CLOCK).meters[0].objects[0].clock
    assert clock is not None
    assert clock.time is None
    assert clock.running


def test_invocation_counter_object_checks() -> None:
    text = BASE + """\
    - name: mgmt
      client_address: 1
      context: ln-ciphered
      mechanism: gmac
      suite: 0
      client_system_title: 4D4D4D0000BC614E
      keys: {ek: 000102030405060708090A0B0C0D0E0F, ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}
      invocation_counter: {association: public, logical_name: 0.0.43.1.2.255}
    - name: mgmt2
      client_address: 2
      context: ln-ciphered
      mechanism: gmac
      suite: 0
      client_system_title: 4D4D4D0000BC614E
      keys: {ek: 000102030405060708090A0B0C0D0E0F, ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}
      invocation_counter: {association: public, logical_name: 0.0.43.1.1.255}
    - name: mgmt3
      client_address: 3
      context: ln-ciphered
      mechanism: gmac
      suite: 0
      client_system_title: 4D4D4D0000BC614E
      keys: {ek: 000102030405060708090A0B0C0D0E0F, ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}
      invocation_counter: {association: mgmt3, logical_name: 0.0.43.1.3.255, class_id: 3}
  objects:
    - {class_id: 1, logical_name: 0.0.43.1.2.255, access: {mgmt: read-only}, attributes: {2: {type: double-long, value: 0}}}
"""  # noqa: E501
    assert problems(text) == [
        "plans/x.yaml:14: meter.associations[1].invocation_counter.logical_name: attribute 2 of "
        "0.0.43.1.2.255 is double-long; an invocation counter is double-long-unsigned",
        "plans/x.yaml:14: meter.associations[1].invocation_counter.association: association "
        "'public' has no read access to attribute 2 of 0.0.43.1.2.255",
        "plans/x.yaml:22: meter.associations[2].invocation_counter.logical_name: object "
        "0.0.43.1.1.255 is not among the meter's objects",
        "plans/x.yaml:30: meter.associations[3].invocation_counter.association: an association "
        "cannot read its own invocation counter before it exists",
        "plans/x.yaml:30: meter.associations[3].invocation_counter.logical_name: object "
        "0.0.43.1.3.255 is not among the meter's objects",
    ]


def test_invocation_counters_read_in_a_circle() -> None:
    assoc = """\
    - name: {name}
      client_address: {addr}
      context: ln-ciphered
      suite: 0
      client_system_title: 4D4D4D0000BC614E
      keys: {{ek: 000102030405060708090A0B0C0D0E0F, ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}}
      invocation_counter: {{association: {other}, logical_name: 0.0.43.1.1.255}}
"""
    text = (BASE + assoc.format(name="a", addr=1, other="b")
            + assoc.format(name="b", addr=2, other="a"))
    assert problems(text) == [
        "plans/x.yaml:13: meter.associations[1].invocation_counter.association: the invocation "
        "counters are read in a circle",
        "plans/x.yaml:20: meter.associations[2].invocation_counter.association: the invocation "
        "counters are read in a circle",
    ]


ECDSA = """\
    - name: e
      client_address: 4
      context: ln-ciphered
      mechanism: ecdsa
      suite: {suite}
      client_system_title: 4D4D4D0000BC614E
      keys:
        ek: {key}
        client_signing_key: {client}
        {extra}
      invocation_counter: {{initial: 1}}
"""


def _ecdsa(suite: int, client: str, extra: str = "client_signing_public_key: "
           "file:keys/client-p256.pub.pem") -> str:
    key = "AB" * (32 if suite == 2 else 16)
    return BASE + ECDSA.format(suite=suite, key=key, client=client, extra=extra)


def test_ec_keys_are_checked_and_normalised() -> None:
    assoc = load(_ecdsa(1, "file:keys/client-p256.pem")).meters[0].association("e")
    assert assoc.keys.client_signing_key is not None
    assert assoc.keys.client_signing_key.reveal().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert assoc.keys.client_signing_public_key == (
        load(_ecdsa(1, "file:keys/client-p256.pem", "")).meters[0].association("e")
        .keys.client_signing_public_key)


@pytest.mark.parametrize(("suite", "client", "extra", "expected"), [
    (1, "file:keys/client-p384.pem", "",
     "plans/x.yaml:15: meter.associations[1].keys.client_signing_key: expected a P-256 key for "
     "suite 1, got P-384"),
    (1, "file:keys/client-p256.pem", "server_signing_public_key: file:keys/server-p256.pem",
     "plans/x.yaml:16: meter.associations[1].keys.server_signing_public_key: expected a public "
     "key, got a private key: give the private key in the *_signing_key field"),
    (1, "file:keys/client-p256.pem", "client_signing_public_key: file:keys/server-p256.pub.pem",
     "plans/x.yaml:16: meter.associations[1].keys.client_signing_public_key: does not match "
     "client_signing_key"),
    (1, '"0011"', "",
     "plans/x.yaml:15: meter.associations[1].keys.client_signing_key: expected a 32-byte P-256 "
     "private key in hex for suite 1, got 2 bytes"),
    (1, "-----BEGIN PRIVATE KEY-----", "",
     "plans/x.yaml:15: meter.associations[1].keys.client_signing_key: not a valid PEM private "
     "key"),
    (2, "file:keys/client-p384.pem", "server_signing_public_key: '0011'",
     "plans/x.yaml:16: meter.associations[1].keys.server_signing_public_key: expected a P-384 "
     "public key for suite 2: 96 bytes of hex (X || Y), got 2"),
    (1, "file:keys/client-p256.pem", "server_signing_public_key: '" + "00" * 64 + "'",
     "plans/x.yaml:16: meter.associations[1].keys.server_signing_public_key: not a point on "
     "P-256"),
    (0, "file:keys/client-p256.pem", "",
     "plans/x.yaml:11: meter.associations[1].suite: mechanism ecdsa needs suite 1 (P-256) or "
     "2 (P-384)"),
])
def test_ec_key_mistakes(suite: int, client: str, extra: str, expected: str) -> None:
    lines = problems(_ecdsa(suite, client, extra))
    assert lines[0] == expected


def test_raw_hex_ec_keys_from_the_green_book() -> None:
    # Vector ecdsa-p256-gb-server-ephemeral-key-signature: private and public key in hex.
    private = "AE55414FFE079F9FC95649536BD1C2B5653D200813727E07D501A8B550C69207"
    public = ("933ACF15B03A9248E029B2787FB52A0AECAF635F07C42A0019FB3197E38F8F54"
              "9A125EA36781B0CA96BE89A0E1FE2CF9B7361ED48B3C5E24592B9C0F4EDD31D1")
    text = _ecdsa(1, private, f"client_signing_public_key: {public}")
    keys = load(text).meters[0].association("e").keys
    assert keys.client_signing_public_key is not None
    assert b"BEGIN PUBLIC KEY" in keys.client_signing_public_key
    wrong = "04" + public[:-2] + "D2"
    assert problems(_ecdsa(1, private, f"client_signing_public_key: {wrong}"))[0].endswith(
        "not a point on P-256")
