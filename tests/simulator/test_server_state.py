"""The meter's invocation counters: write-before-send, atomic replace, restart, locking."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from conformance.errors import SecurityError
from conformance.protocol.association import CounterKey, InvocationCounterStore, key_digest
from conformance.security.keys import DEDICATED
from conformance.simulator.state import (
    STATE_FORMAT,
    AssociationCounters,
    CounterState,
    StateFileError,
)

EK = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
EK_DIGEST = key_digest(EK)
SERVER = CounterKey(key_name="EK (global unicast)", key_digest=EK_DIGEST,
                    system_title=bytes.fromhex("4D4D4D0000000001"))
CLIENT = CounterKey(key_name="EK (global unicast)", key_digest=EK_DIGEST,
                    system_title=bytes.fromhex("4D4D4D0000BC614E"))
OTHER = CounterKey(key_name="AK", key_digest=key_digest(bytes(16)),
                   system_title=bytes.fromhex("4D4D4D0000BC614E"))
DIGEST_HEX = EK_DIGEST.hex().upper()


def _on_disk(path: Path) -> dict[str, object]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_is_an_invocation_counter_store() -> None:
    assert isinstance(CounterState("m"), InvocationCounterStore)


def test_in_memory_counts_from_first() -> None:
    state = CounterState("m", first=5)
    assert not state.persistent and state.path is None
    assert [state.reserve(SERVER) for _ in range(3)] == [5, 6, 7]
    assert state.reserve(OTHER) == 5  # every key starts at ``first``
    assert state.last_sent(SERVER) == 7
    assert state.last_accepted(CLIENT) is None
    state.accept(CLIENT, 0)
    state.accept(CLIENT, 9)
    with pytest.raises(SecurityError, match="not greater than the last accepted 9"):
        state.accept(CLIENT, 9)
    with pytest.raises(SecurityError):
        state.accept(CLIENT, 3)
    assert state.last_accepted(CLIENT) == 9
    sent, accepted = state.snapshot()
    assert sent == {SERVER: 7, OTHER: 5} and accepted == {CLIENT: 9}


def test_exhausted_counter_refuses_to_send() -> None:
    state = CounterState("m", first=0xFFFFFFFF)
    assert state.reserve(SERVER) == 0xFFFFFFFF
    with pytest.raises(SecurityError, match="exhausted"):
        state.reserve(SERVER)
    assert state.last_sent(SERVER) == 0xFFFFFFFF


def test_reservation_is_on_disk_before_it_is_returned(tmp_path: Path) -> None:
    with CounterState("meter-1", state_dir=tmp_path, first=1) as state:
        assert state.path == tmp_path / "meter-1.counters.json"
        counter = state.reserve(SERVER)
        document = _on_disk(tmp_path / "meter-1.counters.json")
        assert document["format"] == STATE_FORMAT and document["meter"] == "meter-1"
        assert document["sent"] == [{"key": "EK (global unicast)", "key_digest": DIGEST_HEX,
                                     "system_title": "4D4D4D0000000001", "last": counter}]
        state.accept(CLIENT, 41)
        assert _on_disk(tmp_path / "meter-1.counters.json")["accepted"] == [
            {"key": "EK (global unicast)", "key_digest": DIGEST_HEX,
             "system_title": "4D4D4D0000BC614E", "last": 41}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meter-1.counters.json",
                                                           "meter-1.lock"]


def test_restart_never_resends_and_still_rejects(tmp_path: Path) -> None:
    with CounterState("m", state_dir=tmp_path) as state:
        sent = [state.reserve(SERVER) for _ in range(4)]
        state.accept(CLIENT, 100)
    with CounterState("m", state_dir=tmp_path) as again:
        assert again.reserve(SERVER) == sent[-1] + 1
        assert again.last_accepted(CLIENT) == 100
        with pytest.raises(SecurityError, match="replay rejected"):
            again.accept(CLIENT, 100)
        again.accept(CLIENT, 101)
    with CounterState("m", state_dir=tmp_path) as third:
        assert third.last_accepted(CLIENT) == 101


def test_failed_write_sends_nothing_and_keeps_the_old_file(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    with CounterState("m", state_dir=tmp_path) as state:
        assert state.reserve(SERVER) == 0
        before = (tmp_path / "m.counters.json").read_bytes()

        def fail(src: object, dst: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", fail)
        with pytest.raises(StateFileError, match="No space left on device"):
            state.reserve(SERVER)
        with pytest.raises(StateFileError):
            state.accept(CLIENT, 7)
        assert state.last_sent(SERVER) == 0  # not handed out, so it may be reserved again
        assert state.last_accepted(CLIENT) is None
        assert (tmp_path / "m.counters.json").read_bytes() == before
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
        monkeypatch.undo()
        assert state.reserve(SERVER) == 1


def test_second_meter_on_the_same_state_is_refused(tmp_path: Path) -> None:
    first = CounterState("m", state_dir=tmp_path)
    try:
        with pytest.raises(StateFileError, match="in use by another running meter"):
            CounterState("m", state_dir=tmp_path)
        CounterState("other", state_dir=tmp_path).close()  # another meter's state is free
    finally:
        first.close()
    CounterState("m", state_dir=tmp_path).close()
    first.close()  # idempotent


_ROW = '"key": "EK", "key_digest": "0011223344556677", "system_title": "0000000000000001"'


@pytest.mark.parametrize(("text", "message"), [
    ("{", "not JSON"),
    ("[]", "not a JSON object"),
    ('{"format": 3, "meter": "m", "sent": [], "accepted": []}', "unknown state format 3"),
    ('{"format": 1, "meter": "m", "sent": [], "accepted": []}', "key name only"),
    ('{"format": 2, "meter": "x", "sent": [], "accepted": []}', "belongs to meter 'x'"),
    ('{"format": 2, "meter": "m", "sent": {}, "accepted": []}', "sent: expected a list"),
    ('{"format": 2, "meter": "m", "sent": [{"key": "EK"}], "accepted": []}',
     r"sent\[0\]: expected \{key, key_digest, system_title, last\}"),
    ('{"format": 2, "meter": "m", "sent": [{"key": "EK", "system_title": '
     '"0000000000000001", "last": 1}], "accepted": []}', r"sent\[0\]: expected"),
    ('{"format": 2, "meter": "m", "sent": [], "accepted": [{"key": "EK", '
     '"key_digest": "0011223344556677", "system_title": "00", "last": 1}]}',
     r"accepted\[0\].system_title: expected 8 bytes"),
    ('{"format": 2, "meter": "m", "sent": [], "accepted": [{"key": "EK", '
     '"key_digest": "00112233", "system_title": "0000000000000001", "last": 1}]}',
     r"accepted\[0\].key_digest: expected 8 bytes"),
    ('{"format": 2, "meter": "m", "sent": [], "accepted": [{"key": "EK", '
     '"key_digest": 7, "system_title": "0000000000000001", "last": 1}]}',
     r"accepted\[0\].key_digest: expected 8 bytes"),
    ('{"format": 2, "meter": "m", "sent": [{' + _ROW + ', "last": -1}], "accepted": []}',
     r"sent\[0\].last"),
    ('{"format": 2, "meter": "m", "sent": [{' + _ROW + ', "last": true}], "accepted": []}',
     r"sent\[0\].last"),
    ('{"format": 2, "meter": "m", "sent": [{"key": "", "key_digest": "0011223344556677", '
     '"system_title": "0000000000000001", "last": 1}], "accepted": []}', r"sent\[0\].key"),
    ('{"format": 2, "meter": "m", "sent": [{' + _ROW + ', "last": 1}, {' + _ROW
     + ', "last": 2}], "accepted": []}', r"sent\[1\]: a second entry"),
])
def test_unusable_state_file_stops_the_meter(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "m.counters.json").write_text(text, encoding="utf-8")
    with pytest.raises(StateFileError, match=message):
        CounterState("m", state_dir=tmp_path)
    CounterState("m", state_dir=tmp_path / "fresh").close()  # the lock was released
    (tmp_path / "m.counters.json").unlink()
    CounterState("m", state_dir=tmp_path).close()


def test_concurrent_reservations_are_unique(tmp_path: Path) -> None:
    with CounterState("m", state_dir=tmp_path) as state:
        got: list[int] = []
        lock = threading.Lock()

        def work() -> None:
            for _ in range(25):
                value = state.reserve(SERVER)
                with lock:
                    got.append(value)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert sorted(got) == list(range(100))
    with CounterState("m", state_dir=tmp_path) as again:
        assert again.last_sent(SERVER) == 99


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="does not fit 4 bytes"):
        CounterState("m", first=-1)
    for name in ("", "a/b", "..", "."):
        with pytest.raises(ValueError, match="cannot name a state file"):
            CounterState(name)


def test_repr_and_file_hold_no_key_material(tmp_path: Path) -> None:
    with CounterState("m", state_dir=tmp_path) as state:
        state.reserve(SERVER)
        assert "m.counters.json" in repr(state) and "1 key(s)" in repr(state)
        text = (tmp_path / "m.counters.json").read_text(encoding="utf-8")
    assert set(_on_disk(tmp_path / "m.counters.json")) == {"format", "meter", "sent",
                                                          "accepted"}
    assert "000102030405060708090A0B0C0D0E0F" not in text.upper()
    assert repr(CounterState("m")).endswith("memory, sent=0 key(s), accepted=0 key(s))")


def test_association_view_keeps_dedicated_counters_apart(tmp_path: Path) -> None:
    dedicated = CounterKey(key_name=DEDICATED, system_title=SERVER.system_title,
                           key_digest=key_digest(bytes(range(16, 32))))
    client_dedicated = CounterKey(key_name=DEDICATED, system_title=CLIENT.system_title,
                                  key_digest=dedicated.key_digest)
    with CounterState("m", state_dir=tmp_path, first=7) as state:
        first = AssociationCounters(state)
        assert isinstance(first, InvocationCounterStore)
        assert first.reserve(SERVER) == 7  # global: the meter's persisted store
        assert first.reserve(dedicated) == 1  # dedicated: this association's own
        first.accept(CLIENT, 5)
        first.accept(client_dedicated, 9)
        second = AssociationCounters(state)
        assert second.reserve(SERVER) == 8
        assert second.reserve(dedicated) == 1  # a new key, counters afresh
        assert second.last_accepted(CLIENT) == 5
        assert second.last_accepted(client_dedicated) is None
        sent, accepted = state.snapshot()
        assert set(sent) == {SERVER} and set(accepted) == {CLIENT}
    assert "dedicated" not in (tmp_path / "m.counters.json").read_text(encoding="utf-8")
