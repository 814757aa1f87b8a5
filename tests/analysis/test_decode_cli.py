"""``conformance decode``: input forms, deciphering with learned system titles, errors,
secrets, exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from tests.vectors import vector

EK = "000102030405060708090A0B0C0D0E0F"
AK = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
KEYS = ["--ek", EK, "--ak", AK]
SNRM = "7EA00802232193BD647E"
UA = "7EA01F21022373E6C781801205019A06019A070400000001080400000001CCA27E"


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def run_json(*argv: str, stdin: str = "") -> list[dict[str, Any]]:
    code, text = run("decode", "--json", *argv, stdin=stdin)
    assert code == 0
    return [json.loads(line) for line in text.splitlines()]


def test_single_frame_on_the_command_line() -> None:
    (item,) = run_json(SNRM)
    assert item["layer"] == "hdlc" and item["frame"]["type"] == "SNRM"
    assert item["direction"] == "client->server"


def test_ua_parameters_and_direction_inferred() -> None:
    (item,) = run_json(UA)
    assert item["direction"] == "server->client"
    assert item["parameters"]["max_info_field_length_transmit"] == 0x9A


def test_tree_output_is_readable() -> None:
    code, text = run("decode", UA)
    assert code == 0
    assert "UA" in text and "max_info_field_length_receive: 154" in text


def test_glo_get_request_deciphered_with_given_system_title() -> None:
    v = vector("sec-gcm-s0-glo-get-authenc")
    (item,) = run_json(*KEYS, "--system-title", v["inputs"]["system_title"], v["hex"])
    assert item["plaintext"] == v["inputs"]["plaintext_apdu"]
    assert item["deciphered"]["type"] == "GetRequestNormal"
    assert item["deciphered"]["cosem_attribute_descriptor"]["instance_id"] == "0-0:1.0.0*255"


def test_system_title_learned_from_aarq(tmp_path: Path) -> None:
    aarq = vector("aarq-ln-ciphering-lls-glo-initiate")
    get = vector("sec-gcm-s0-glo-get-authenc")  # same client system title 4D4D4D0000BC614E
    trace = tmp_path / "trace.txt"
    trace.write_text(f"Send:\n{aarq['hex']}\nSend:\n{get['hex']}\n")
    first, second = run_json(*KEYS, str(trace))
    assert first["user_information"]["deciphered"]["type"] == "InitiateRequest"
    assert second["plaintext"] == get["inputs"]["plaintext_apdu"]


def test_no_keys_means_not_deciphered_but_decoded() -> None:
    (item,) = run_json(vector("sec-gcm-s0-glo-get-authenc")["hex"])
    assert item["apdu"]["service"] == "glo-get-request"
    assert "not deciphered" in item["deciphered"]["note"]
    assert "plaintext" not in item


def test_wrong_key_is_an_error_object_and_decoding_continues() -> None:
    v = vector("sec-gcm-s0-glo-get-authenc")
    wrong = ["--ek", "00" * 16, "--ak", AK, "--system-title", v["inputs"]["system_title"]]
    items = run_json(*wrong, stdin=f"{v['hex']}\n\n{SNRM}\n")
    assert "error" in items[0]["deciphered"]
    assert "00" * 16 not in json.dumps(items)
    assert items[1]["frame"]["type"] == "SNRM"


def test_malformed_frame_reports_offset_and_continues() -> None:
    bad_fcs = SNRM[:-6] + "0000" + "7E"
    items = run_json(stdin=f"RX: {bad_fcs}\nTX: {SNRM}\n")
    assert items[0]["error"]["kind"] == "ChecksumError"
    assert items[0]["error"]["offset"] is not None
    assert items[1]["frame"]["type"] == "SNRM"


def test_malformed_apdu_error_has_offset_and_path() -> None:
    (item,) = run_json("C0010000080000010000FF02")
    assert item["error"]["kind"] == "IncompleteError"
    assert item["error"]["offset"] == 12
    assert item["error"]["path"].startswith("GetRequestNormal")


def test_segmented_hdlc_apdu_is_reassembled() -> None:
    from conformance.codec.hdlc import HdlcAddress, HdlcControl, HdlcFrame, HdlcFrameType
    apdu = bytes.fromhex("E6E700") + bytes.fromhex(vector("get-response-normal-dlu")["hex"])
    server, client = HdlcAddress(upper=1, lower=17, size=2), HdlcAddress(upper=16, size=1)
    frames = [
        HdlcFrame(destination=client, source=server, segmented=True, information=apdu[:5],
                  control=HdlcControl(frame_type=HdlcFrameType.I, poll_final=True,
                                      send_seq=0, receive_seq=1)),
        HdlcFrame(destination=client, source=server, information=apdu[5:],
                  control=HdlcControl(frame_type=HdlcFrameType.I, poll_final=True,
                                      send_seq=1, receive_seq=1)),
    ]
    items = run_json(stdin="\n".join(f"RX {f.to_bytes().hex()}" for f in frames))
    assert items[0]["segment"] == "first" and "apdu" not in items[0]
    assert items[1]["segment"] == "last" and items[1]["apdu"]["type"] == "GetResponseNormal"


def test_missing_llc_is_flagged() -> None:
    from conformance.codec.hdlc import HdlcAddress, HdlcControl, HdlcFrame, HdlcFrameType
    frame = HdlcFrame(destination=HdlcAddress(upper=1, lower=17, size=2),
                      source=HdlcAddress(upper=16, size=1),
                      information=bytes.fromhex(vector("get-request-normal-clock-gb")["hex"]),
                      control=HdlcControl(frame_type=HdlcFrameType.I, poll_final=True,
                                          send_seq=0, receive_seq=0))
    (item,) = run_json(frame.to_bytes().hex())
    assert item["llc"] is None and "LLC" in item["warning"]
    assert item["apdu"]["type"] == "GetRequestNormal"


def test_wrapper_frame() -> None:
    v = vector("wrapper-aare-qos")
    (item,) = run_json(v["hex"])
    assert item["layer"] == "wrapper"
    assert item["wrapper"]["destination_wport"] == v["expected"]["destination_wport"]
    assert item["apdu"]["type"] == "AARE"


def test_password_is_masked_unless_asked_for() -> None:
    v = vector("aarq-ln-lls-gb")  # password "12345678"
    secret = "3132333435363738"
    (item,) = run_json(v["hex"])
    assert secret not in json.dumps(item)
    assert item["calling_authentication_value"] == "<password, 8 octets>"
    (shown,) = run_json("--show-secrets", v["hex"])
    assert secret in shown["hex"]


def test_dedicated_key_in_plaintext_is_masked() -> None:
    v = vector("aarq-ln-ciphering-lls-glo-initiate")
    (item,) = run_json(*KEYS, v["hex"])
    assert "00112233445566778899AABBCCDDEEFF" not in json.dumps(item)
    assert item["plaintext"].startswith("010110" + "**" * 16)


def test_ignored_lines_are_reported() -> None:
    items = run_json(stdin=f"hello\n{SNRM}\n")
    assert items[0] == {"line": 1, "ignored": "hello"}


def test_bad_key_argument_is_one_line_without_the_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["decode", "--ek", "ABCDEF", SNRM])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--ek: expected 16 or 32 bytes, got 3" in err and "ABCDEF" not in err


def test_exit_status_zero_whatever_the_content() -> None:
    code, _ = run("decode", "--json", "-", stdin="7E 7E 7E 00 11\nnonsense\n")
    assert code == 0
