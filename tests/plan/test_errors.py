"""Every kind of plan mistake gives one exact line: ``FILE:LINE: PATH: what is wrong``."""

from __future__ import annotations

import pytest

from conformance.errors import PlanError
from conformance.plan import PlanErrors, load_plan_text
from tests.plan._helpers import BASE, SOURCE, load, problems

KEYS = ("      keys: {ek: 000102030405060708090A0B0C0D0E0F, "
        "ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}\n")
GMAC = """\
    - name: mgmt
      client_address: 1
      context: ln-ciphered
      mechanism: gmac
      suite: 0
      policy: authenticated-and-encrypted
      client_system_title: 4D4D4D0000BC614E
      keys: {ek: 000102030405060708090A0B0C0D0E0F, ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}
      invocation_counter: {association: public, logical_name: 0.0.43.1.1.255}
"""


def test_base_plan_loads() -> None:
    assert load(BASE).meters[0].association("public").client_address == 16
    assert load(BASE + GMAC).meters[0].association("mgmt").suite == 0


def test_the_brief_example_hex_length_per_suite() -> None:
    text = """\
    meters:
      - name: m1
        transport: {kind: tcp, host: meter.example}
        associations:
          - {name: public, client_address: 16}
          - {name: reader, client_address: 32, mechanism: low, password: "1"}
          - name: mgmt
            client_address: 1
            context: ln-ciphered
            mechanism: gmac
            suite: 0
            client_system_title: 4D4D4D0000BC614E
            keys:
              ek: 000102030405060708090A0B0C0D0E
              ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF
            invocation_counter: {initial: 1}
    """
    assert problems(text) == [
        "plans/x.yaml:14: meters[0].associations[2].keys.ek: expected 16 bytes of hex for "
        "suite 0, got 15"]


def test_suite_2_keys_have_32_bytes() -> None:
    text = BASE + GMAC.replace("suite: 0", "suite: 2")
    assert problems(text) == [
        "plans/x.yaml:14: meter.associations[1].keys.ek: expected 32 bytes of hex for suite 2, "
        "got 16",
        "plans/x.yaml:14: meter.associations[1].keys.ak: expected 32 bytes of hex for suite 2, "
        "got 16"]


CASES = [
    ("unknown key with did-you-mean",
     BASE + "      pasword: x\n",
     ["plans/x.yaml:7: meter.associations[0].pasword: unknown key 'pasword' "
      "(did you mean 'password'?)"]),
    ("unknown key without a close match",
     BASE + "  colour: red\n",
     ["plans/x.yaml:7: meter.colour: unknown key 'colour' (expected one of: name, description, "
      "vendor, firmware, transport, addressing, hdlc, associations, claims, server, objects)"]),
    ("wrong type",
     BASE.replace("client_address: 16", 'client_address: "16"'),
     ["plans/x.yaml:6: meter.associations[0].client_address: expected an integer, got '16'"]),
    ("YAML number where text is wanted",
     BASE + "  firmware: 1.10\n",
     ["plans/x.yaml:7: meter.firmware: expected a string, got 1.10 (YAML reads it as a number: "
      "quote it)"]),
    ("missing required key",
     BASE.replace("      client_address: 16\n", ""),
     ["plans/x.yaml:5: meter.associations[0]: missing required key 'client_address'"]),
    ("missing key required by the transport kind",
     BASE.replace("{kind: hdlc+tcp, host: meter.example}", "{kind: tcp}"),
     ["plans/x.yaml:3: meter.transport: missing required key 'host' (needed with kind tcp)"]),
    ("key of another transport kind",
     BASE.replace("host: meter.example}", "host: meter.example, url: loop://}"),
     ["plans/x.yaml:3: meter.transport.url: 'url' is not used with kind hdlc+tcp "
      "(only with serial)"]),
    ("unknown mechanism",
     BASE + "      mechanism: hls-gmac\n",
     ["plans/x.yaml:7: meter.associations[0].mechanism: unknown mechanism 'hls-gmac' "
      "(did you mean 'gmac'?)"]),
    ("mechanism number out of range",
     BASE + "      mechanism: 9\n",
     ["plans/x.yaml:7: meter.associations[0].mechanism: must be between 0 and 7, got 9"]),
    ("unknown enumeration value without a close match",
     BASE + "      context: xml\n",
     ["plans/x.yaml:7: meter.associations[0].context: unknown application context 'xml' "
      "(expected one of: ln, sn, ln-ciphered, sn-ciphered)"]),
    ("duplicate association names",
     BASE + "    - {name: public, client_address: 17}\n",
     ["plans/x.yaml:7: meter.associations[1].name: duplicate association name 'public' "
      "(also associations[0])"]),
    ("duplicate client address",
     BASE + "    - {name: other, client_address: 16}\n",
     ["plans/x.yaml:7: meter.associations[1].client_address: client address 16 is also used "
      "by association 'public' (only one accepted association per client)"]),
    ("HDLC client address out of range",
     BASE.replace("client_address: 16", "client_address: 200"),
     ["plans/x.yaml:6: meter.associations[0].client_address: must be between 1 and 126 for "
      "an HDLC client address, got 200"]),
    ("wrapper client address out of range",
     BASE.replace("kind: hdlc+tcp", "kind: tcp").replace("client_address: 16",
                                                         "client_address: 0"),
     ["plans/x.yaml:6: meter.associations[0].client_address: must be between 1 and 65535 for "
      "a wrapper wPort, got 0"]),
    ("invalid OBIS: group count",
     BASE + "  objects:\n    - {class_id: 1, logical_name: 0.0.96.1,"
            " attributes: {2: {type: unsigned, value: 1}}}\n",
     ["plans/x.yaml:8: meter.objects[0].logical_name: invalid logical name: an OBIS code has 6 "
      "value groups, '0.0.96.1' has 4"]),
    ("invalid OBIS: value group range",
     BASE + "  objects:\n    - {class_id: 1, logical_name: 0.0.96.1.0.256,"
            " attributes: {2: {type: unsigned, value: 1}}}\n",
     ["plans/x.yaml:8: meter.objects[0].logical_name: invalid logical name: OBIS value group F "
      "of '0.0.96.1.0.256' must be 0..255, got 256"]),
    ("password with HLS (dlms-notes failure 7)",
     BASE + GMAC + '      password: "1234"\n',
     ["plans/x.yaml:16: meter.associations[1].password: a password is only used with "
      "mechanism low, not gmac"]),
    ("LLS without password",
     BASE + "      mechanism: low\n",
     ["plans/x.yaml:5: meter.associations[0]: mechanism low needs a password"]),
    ("HLS secret with GMAC",
     BASE + GMAC + '      secret: "abc"\n',
     ["plans/x.yaml:16: meter.associations[1].secret: an HLS secret is not used with "
      "mechanism gmac (it uses keys.ek and keys.ak)"]),
    ("GMAC without keys",
     BASE + GMAC.replace(KEYS, ""),
     ["plans/x.yaml:7: meter.associations[1].keys: mechanism gmac needs ek and ak"]),
    ("ciphered context without a suite",
     BASE + GMAC.replace("      suite: 0\n", "").replace(KEYS, ""),
     ["plans/x.yaml:7: meter.associations[1]: context ln-ciphered and mechanism gmac need a "
      "security suite (suite: 0, 1 or 2)"]),
    ("keys without a suite",
     BASE + "      keys: {kek: 000102030405060708090A0B0C0D0E0F}\n",
     ["plans/x.yaml:7: meter.associations[0].keys: keys need a security suite: set suite "
      "(0, 1 or 2)"]),
    ("policy without ciphered context",
     BASE + "      policy: encrypted\n",
     ["plans/x.yaml:7: meter.associations[0].policy: protected APDUs need a ciphered context "
      "(ln-ciphered or sn-ciphered)"]),
    ("ciphered association without invocation counter (dlms-notes failure 2)",
     BASE + GMAC.replace(
         "      invocation_counter: {association: public, logical_name: 0.0.43.1.1.255}\n", ""),
     ["plans/x.yaml:7: meter.associations[1]: a ciphered association needs invocation_counter "
      "(read it through another association, or give initial)"]),
    ("invocation counter read through an unknown association",
     BASE + GMAC.replace("association: public", "association: pub"),
     ["plans/x.yaml:15: meter.associations[1].invocation_counter.association: no association "
      "named 'pub'"]),
    ("invocation counter source incomplete",
     BASE + GMAC.replace("{association: public, logical_name: 0.0.43.1.1.255}",
                         "{association: public}"),
     ["plans/x.yaml:15: meter.associations[1].invocation_counter: needs either 'association' "
      "and 'logical_name', or 'initial'"]),
    ("dedicated key without ciphered context",
     BASE + "      use_dedicated_key: true\n",
     ["plans/x.yaml:7: meter.associations[0].use_dedicated_key: a dedicated key travels in a "
      "ciphered InitiateRequest: it needs a ciphered context"]),
    ("fixed dedicated key without use_dedicated_key",
     BASE + GMAC.replace("ak: D0D1", "dedicated: 00112233445566778899AABBCCDDEEFF, ak: D0D1"),
     ["plans/x.yaml:14: meter.associations[1].keys.dedicated: only used with "
      "use_dedicated_key: true"]),
    ("system title length",
     BASE + GMAC.replace("4D4D4D0000BC614E", "4D4D4D0000BC61"),
     ["plans/x.yaml:13: meter.associations[1].client_system_title: expected 8 bytes of hex, "
      "got 7"]),
    ("expect_diagnostic without expect rejected",
     BASE + "      expect_diagnostic: authentication-failure\n",
     ["plans/x.yaml:7: meter.associations[0].expect_diagnostic: only used with expect: "
      "rejected"]),
    ("1-byte server address with a physical part",
     BASE + "  addressing: {server_physical: 16, server_address_size: 1}\n",
     ["plans/x.yaml:7: meter.addressing.server_physical: the 1-byte server address has no "
      "physical part (set server_address_size: 2 or 4)"]),
    ("server address part out of range for its size",
     BASE + "  addressing: {server_logical: 200, server_physical: 16, server_address_size: 2}\n",
     ["plans/x.yaml:7: meter.addressing.server_logical: must be between 1 and 127 for a 2-byte "
      "server address, got 200"]),
    ("2-byte server address without physical part",
     BASE + "  addressing: {server_address_size: 2}\n",
     ["plans/x.yaml:7: meter.addressing: a 2-byte server address needs server_physical"]),
    ("mode E with a fixed baud rate",
     BASE.replace("{kind: hdlc+tcp, host: meter.example}",
                  "{kind: serial, url: /dev/ttyUSB0, baudrate: 9600, mode_e: true}"),
     ["plans/x.yaml:3: meter.transport.baudrate: with mode_e the baud rate is announced by the "
      "meter (set mode_e.baudrate to expect one)"]),
    ("claimed service not granted by the claimed conformance",
     BASE + "  claims: {conformance: [get], services: [get, get-with-list]}\n",
     ["plans/x.yaml:7: meter.claims.services[1]: service 'get-with-list' needs conformance "
      "bit(s) multiple-references, which claims.conformance does not grant"]),
    ("association using an unclaimed mechanism",
     BASE + "  claims: {mechanisms: [low]}\n",
     # the mechanism is not written (default none): the line of the association
     ["plans/x.yaml:5: meter.associations[0].mechanism: mechanism none is not in "
      "claims.mechanisms"]),
    ("conformance block of the wrong size",
     BASE + "  claims: {conformance: 00 7E}\n",
     ["plans/x.yaml:7: meter.claims.conformance: a conformance block has 3 bytes (6 hex "
      "digits), got 2"]),
    ("unknown conformance bit",
     BASE + "      proposed_conformance: [get, sett]\n",
     ["plans/x.yaml:7: meter.associations[0].proposed_conformance[1]: unknown conformance bit "
      "'sett' (did you mean 'set'?)"]),
    ("listed twice",
     BASE + "  claims: {suites: [0, 0]}\n",
     ["plans/x.yaml:7: meter.claims.suites: 0 is listed twice"]),
    ("both meter and meters",
     BASE + "meters: [{name: m2, associations: [{name: p, client_address: 16}]}]\n",
     ["plans/x.yaml:1: plan: give either 'meter' or 'meters', not both"]),
    ("neither meter nor meters",
     "version: 1\n",
     ["plans/x.yaml:1: plan: needs either 'meter' or 'meters'"]),
    ("plan format version",
     "version: 2\n" + BASE,
     ["plans/x.yaml:1: version: expected 1, got 2"]),
    ("not a mapping",
     "- meter\n",
     ["plans/x.yaml:1: plan: expected a mapping, got a list"]),
    ("duplicate meter names in a fleet",
     "meters:\n  - {name: a, associations: [{name: p, client_address: 16}]}\n"
     "  - {name: a, associations: [{name: p, client_address: 16}]}\n",
     ["plans/x.yaml:3: meters[1].name: duplicate meter name 'a' (also meters[0])"]),
    ("invalid name",
     BASE.replace("name: m1", "name: my meter"),
     ["plans/x.yaml:2: meter.name: expected a name of letters, digits, '.', '_', '+' and '-', "
      "got 'my meter'"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_one_line_per_mistake(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_yaml_syntax_error_has_line_and_column() -> None:
    assert problems("meter:\n  name: a\n   x: 1\n") == [
        "plans/x.yaml:3:5: YAML syntax error: mapping values are not allowed here"]
    assert problems("meter:\n  name: [a\n") == [
        "plans/x.yaml:3:1: YAML syntax error: while parsing a flow sequence, expected ',' or "
        "']', but got '<stream end>'"]


def test_several_documents_are_a_syntax_error() -> None:
    assert problems(BASE + "---\n" + BASE) == [
        "plans/x.yaml:7:1: YAML syntax error: expected a single document in the stream, but "
        "found another document"]


def test_duplicate_yaml_key() -> None:
    assert problems(BASE + "  name: m2\n") == [
        "plans/x.yaml:7: meter.name: duplicate key 'name' (first on line 2)"]


def test_empty_plan() -> None:
    assert problems("") == ["plans/x.yaml: the plan is empty"]
    assert problems("# only a comment\n") == ["plans/x.yaml: the plan is empty"]


def test_all_mistakes_are_reported_first_one_first() -> None:
    text = BASE + """\
      mechanism: low
    - name: mgmt
      client_address: 300
      context: ln-ciphered
"""
    lines = problems(text)
    assert lines == [
        "plans/x.yaml:5: meter.associations[0]: mechanism low needs a password",
        "plans/x.yaml:8: meter.associations[1]: context ln-ciphered needs a security suite "
        "(suite: 0, 1 or 2)",
        "plans/x.yaml:8: meter.associations[1]: context ln-ciphered needs client_system_title",
        "plans/x.yaml:8: meter.associations[1]: a ciphered association needs invocation_counter "
        "(read it through another association, or give initial)",
        "plans/x.yaml:9: meter.associations[1].client_address: must be between 1 and 126 for "
        "an HDLC client address, got 300",
    ]


def test_structural_mistakes_are_all_reported() -> None:
    text = BASE + "      pasword: x\n  colour: red\n"
    with pytest.raises(PlanErrors) as info:
        load(text)
    issues = info.value.issues
    assert [(i.line, i.path) for i in issues] == [(7, "meter.associations[0].pasword"),
                                                 (8, "meter.colour")]
    assert str(issues[0]) == str(info.value).splitlines()[0]


def test_plan_error_is_the_suite_plan_error() -> None:
    with pytest.raises(PlanError):
        load_plan_text("meter: 1\n")
    assert issubclass(PlanErrors, PlanError)


def test_long_lists_are_summarised() -> None:
    assocs = "".join(f"    - {{name: a{i}, client_address: {i + 1}, mechanism: low}}\n"
                     for i in range(60))
    lines = problems("meter:\n  name: m\n  associations:\n" + assocs)
    assert len(lines) == 51
    assert lines[-1] == "... and 10 more problem(s)"


def test_defaults_mistakes_point_at_the_defaults_line() -> None:
    text = """\
    defaults:
      transport: {kind: tcp, host: gateway, prot: 4059}
      associations: [{name: public, client_address: 16}]
    meters:
      - {name: a}
      - {name: b}
    """
    assert problems(text) == [
        "plans/x.yaml:2: defaults.transport.prot: unknown key 'prot' (did you mean 'port'?)"]
    # Mistakes that only show once merged are reported per meter, on the defaults' line.
    text = text.replace(", prot: 4059", "").replace("client_address: 16",
                                                    "client_address: 16, mechanism: low")
    assert problems(text) == [
        "plans/x.yaml:3: meters[0].associations[0]: mechanism low needs a password",
        "plans/x.yaml:3: meters[1].associations[0]: mechanism low needs a password"]
    text = text.replace("      - {name: b}", "      - {name: b, transport: {kind: serial}}")
    assert problems(text) == [
        "plans/x.yaml:6: meters[1].transport: missing required key 'url' (needed with kind "
        "serial)"]


def test_unreadable_plan_file(tmp_path: object) -> None:
    from conformance.plan import load_plan

    with pytest.raises(PlanError) as info:
        load_plan(f"{SOURCE}.missing")
    assert str(info.value) == ("plans/x.yaml.missing: cannot read the plan: No such file or "
                               "directory")


@pytest.mark.parametrize(("extra", "mechanism"), [
    ("mechanism: lowest", "NONE"),
    ("mechanism: 1, password: pw", "LOW"),
    ("mechanism: manufacturer", "MANUFACTURER"),
    ("mechanism: md5, secret: s", "MD5"),
    ("mechanism: 4, secret: 'hex:00FF'", "SHA1"),
    ("mechanism: sha256, secret: s, client_system_title: 4D4D4D0000BC614E", "SHA256"),
])
def test_every_mechanism_has_a_valid_form(extra: str, mechanism: str) -> None:
    text = BASE + f"    - {{name: a, client_address: 2, {extra}}}\n"
    assoc = load(text).meters[0].association("a")
    assert assoc.mechanism.name == mechanism


@pytest.mark.parametrize("mechanism", ["md5", "sha1", "sha256"])
def test_hls_hash_mechanisms_need_a_secret(mechanism: str) -> None:
    text = BASE + (f"    - {{name: a, client_address: 2, mechanism: {mechanism}, "
                   "client_system_title: 4D4D4D0000BC614E}\n")
    assert problems(text) == [
        f"plans/x.yaml:7: meter.associations[1]: mechanism {mechanism} needs a secret"]
