"""Reading pasted traces into records."""

from __future__ import annotations

from conformance.analysis.paste import Direction, PasteLine, TraceRecord, parse_paste

SNRM = bytes.fromhex("7EA00802232193BD647E")
UA = bytes.fromhex("7EA01F21022373E6C781801205019A06019A070400000001080400000001CCA27E")


def records(text: str) -> list[TraceRecord]:
    return [r for r in parse_paste(text) if isinstance(r, TraceRecord)]


def test_plain_hex_with_separators() -> None:
    for sep in (" ", ":", "", "-"):
        text = sep.join(f"{b:02X}" for b in SNRM)
        (rec,) = records(text)
        assert rec.data == SNRM and rec.direction is None and rec.line == 1


def test_0x_prefixed_bytes() -> None:
    (rec,) = records(" ".join(f"0x{b:02x}" for b in SNRM))
    assert rec.data == SNRM


def test_send_receive_headers_with_wrapped_frames() -> None:
    text = f"Send:\n{SNRM.hex(' ')}\nReceive:\n{UA[:13].hex(' ')}\n{UA[13:].hex(' ')}\n"
    snrm, ua = records(text)
    assert (snrm.direction, snrm.data, snrm.line) == (Direction.CLIENT_TO_SERVER, SNRM, 1)
    assert (ua.direction, ua.data, ua.line) == (Direction.SERVER_TO_CLIENT, UA, 3)


def test_tx_rx_on_the_same_line() -> None:
    snrm, ua = records(f"TX: {SNRM.hex()}\nRX: {UA.hex()}")
    assert snrm.direction is Direction.CLIENT_TO_SERVER and snrm.data == SNRM
    assert ua.direction is Direction.SERVER_TO_CLIENT and ua.data == UA


def test_arrow_lines_with_timestamps() -> None:
    text = f"-> 12:05:41 {SNRM.hex(' ')}\n<- 12:05:41.250 {UA.hex(' ')}\n"
    snrm, ua = records(text)
    assert snrm.direction is Direction.CLIENT_TO_SERVER and snrm.timestamp == "12:05:41"
    assert ua.direction is Direction.SERVER_TO_CLIENT and ua.timestamp == "12:05:41.250"
    assert ua.data == UA


def test_bracketed_date_time_before_direction() -> None:
    (rec,) = records(f"[2024-01-02 10:11:12.5] RX {UA.hex(' ')}")
    assert rec.direction is Direction.SERVER_TO_CLIENT and rec.data == UA
    assert rec.timestamp == "2024-01-02 10:11:12.5"


def test_colon_separated_hex_is_not_a_time() -> None:
    (rec,) = records("12:34:56:78:9A")
    assert rec.data == bytes.fromhex("123456789A")


def test_other_lines_are_kept_and_split_records() -> None:
    items = list(parse_paste(f"{SNRM.hex()}\nsome comment\n{UA.hex()}"))
    assert [type(i) for i in items] == [TraceRecord, PasteLine, TraceRecord]
    assert isinstance(items[1], PasteLine) and items[1].line == 2


def test_blank_line_separates_headerless_blocks() -> None:
    a, b = records(f"{SNRM.hex()}\n\n{UA.hex()}")
    assert a.data == SNRM and b.data == UA and b.line == 3


def test_hex_on_line_after_header_and_blank() -> None:
    (rec,) = records(f"Receive:\n\n{UA.hex()}")
    assert rec.direction is Direction.SERVER_TO_CLIENT and rec.data == UA


def test_header_without_hex_yields_nothing() -> None:
    assert records("Send:\nReceive:\n") == []
