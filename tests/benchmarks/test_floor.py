"""The benchmark's os-floor client: the traffic pattern taken from a trace, and its replay
against the responder (same octet counts, same turns)."""

from __future__ import annotations

import pytest

from benchmarks.floor import Responder, replay, traffic


def test_chunks_in_the_same_direction_make_one_turn() -> None:
    chunks = [("send", 10), ("recv", 3), ("recv", 140), ("send", 9), ("send", 1),
              ("recv", 7)]
    assert traffic(chunks) == [("send", 10), ("recv", 143), ("send", 10), ("recv", 7)]
    assert traffic([]) == []


def test_replay_plays_every_turn_against_the_responder() -> None:
    turns = [("send", 17), ("recv", 143)] * 200 + [("send", 9), ("recv", 70_000)]
    responder = Responder(turns)
    cpu = replay(responder.port, turns)
    responder.join(10.0)
    assert cpu >= 0.0


def test_a_pattern_the_two_sides_disagree_on_fails_loudly() -> None:
    responder = Responder([("send", 5), ("recv", 10)])
    with pytest.raises(ConnectionError):
        replay(responder.port, [("send", 5), ("recv", 20)])  # the responder sends only 10
    responder.join(10.0)
