"""One mistake, one line: what a refused part would also break (the objects that refer to
it, the checks that read it) says nothing more. And secrets that cannot be used: empty
ones, ``file:`` paths that cannot name a file, files too large to be a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.plan.secrets import MAX_SECRET_FILE
from tests.plan._helpers import BASE, problems

COUNTER = """\
    - name: mgmt
      client_address: 1
      context: ln-ciphered
      mechanism: gmac
      suite: 0
      policy: authenticated-and-encrypted
      client_system_title: 4D4D4D0000BC614E
      keys: {ek: 000102030405060708090A0B0C0D0E0F, ak: D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF}
      invocation_counter: {association: READER, logical_name: 0.0.43.1.1.255}
  objects:
    - class_id: 1
      logical_name: 0.0.43.1.1.255
      VERSION
      access: {public: read-only}
      attributes: {2: {type: double-long-unsigned, value: 0}}
"""


def _counter(reader: str = "public", version: str = "") -> str:
    text = BASE + COUNTER.replace("READER", reader)
    return text.replace("      VERSION\n", f"      {version}\n" if version else "")


def test_the_counter_example_loads() -> None:
    assert problems(_counter().replace("read-only", "no-access")) == [
        "plans/x.yaml:15: meter.associations[1].invocation_counter.association: association "
        "'public' has no read access to attribute 2 of 0.0.43.1.1.255"]


@pytest.mark.parametrize(("reader", "message"), [
    ("nobody", "no association named 'nobody'"),
    ("mgmt", "an association cannot read its own invocation counter before it exists"),
])
def test_a_bad_counter_reader_is_one_line(reader: str, message: str) -> None:
    assert problems(_counter(reader)) == [
        f"plans/x.yaml:15: meter.associations[1].invocation_counter.association: {message}"]


def test_a_rejected_counter_reader_is_one_line() -> None:
    text = _counter().replace("client_address: 16", "client_address: 16\n      expect: rejected")
    assert problems(text) == [
        "plans/x.yaml:16: meter.associations[1].invocation_counter.association: association "
        "'public' is expected to be rejected"]


def test_a_refused_counter_object_is_one_line() -> None:
    assert problems(_counter(version="version: 7")) == [
        "plans/x.yaml:19: meter.objects[0].version: Data (class 1) has version(s) 0, not 7"]


PROFILE = BASE + """\
  objects:
    - {class_id: 3, logical_name: 1.0.1.8.0.255, VERSION attributes: {2: {type: long-unsigned, value: VALUE}, 3: {type: structure, value: [{type: integer, value: 0}, {type: enum, value: 30}]}}}
    - class_id: 7
      logical_name: 1.0.99.1.0.255
      profile:
        capture_period: 900
        rows: 4
        capture_objects:
          - {class_id: 3, logical_name: 1.0.1.8.0.255, generator: {kind: counter}}
"""  # noqa: E501


def test_a_profile_of_a_refused_object_is_one_line() -> None:
    text = PROFILE.replace("VERSION ", "version: 9,").replace("VALUE", "1")
    assert problems(text) == [
        "plans/x.yaml:8: meter.objects[0].version: Register (class 3) has version(s) 0, not 9"]


def test_a_profile_of_a_refused_value_is_one_line() -> None:
    text = PROFILE.replace("VERSION ", "").replace("VALUE", "70000")
    assert problems(text) == [
        "plans/x.yaml:8: meter.objects[0].attributes.2.value: 70000 is out of range for "
        "long-unsigned (0..65535)"]


def test_a_profile_of_a_derived_attribute_is_still_a_mistake() -> None:
    text = PROFILE.replace("VERSION ", "").replace("VALUE", "1").replace(
        "generator: {kind: counter}", "attribute: 1, generator: {kind: counter}")
    assert problems(text) == [
        "plans/x.yaml:15: meter.objects[1].profile.capture_objects[0].attribute: attribute 1 of "
        "1.0.1.8.0.255 is derived by the meter: a profile cannot synthesise it"]


# -- secrets -----------------------------------------------------------------------------------
LLS = BASE + "      mechanism: low\n      password: PASSWORD\n"


@pytest.mark.parametrize(("password", "message"), [
    ('""', "the password is empty"),
    ('"text:"', "the password is empty"),
    ('"hex:"', "the password is empty"),
    ("env:EMPTY", "the password is empty"),
    ('"file:\\0x"', "file: paths cannot hold a NUL character"),
    ('"file:~no-such-user-of-this-host/x"', "cannot expand ~ in ~no-such-user-of-this-host/x"),
])
def test_unusable_passwords(password: str, message: str) -> None:
    assert problems(LLS.replace("PASSWORD", password), environ={"EMPTY": ""}) == [
        f"plans/x.yaml:8: meter.associations[0].password: {message}"]


def test_an_empty_hls_secret() -> None:
    text = BASE + "      mechanism: md5\n      secret: \"\"\n"
    assert problems(text) == ["plans/x.yaml:8: meter.associations[0].secret: the HLS secret is "
                              "empty"]


def test_a_secret_file_is_read_up_to_its_limit(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * (MAX_SECRET_FILE + 1))
    (tmp_path / "full").write_bytes(b"x" * MAX_SECRET_FILE)
    text = LLS.replace("PASSWORD", "file:big")
    assert problems(text, base_dir=tmp_path) == [
        f"plans/x.yaml:8: meter.associations[0].password: {tmp_path}/big holds more than "
        f"{MAX_SECRET_FILE} bytes: not a key, password or PEM file"]
    assert problems(LLS.replace("PASSWORD", "file:full") + "  vendr: x\n",
                    base_dir=tmp_path) == [
        "plans/x.yaml:9: meter.vendr: unknown key 'vendr' (did you mean 'vendor'?)"]
