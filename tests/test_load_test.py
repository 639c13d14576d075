"""``bench/load_test.py``'s reading of Gradio's ``/call`` event stream."""

from __future__ import annotations

from conftest import REPO, load_script

load_test = load_script(REPO / "bench" / "load_test.py", "load_test")


def test_a_call_that_waited_in_the_queue_is_answered_despite_its_heartbeats() -> None:
    lines = ["event: heartbeat", "data: null", "", "event: heartbeat", "data: null", ""]
    lines += ["event: complete", 'data: ["<p>答</p>"]', ""]
    assert load_test.last_event(lines) == ("complete", '["<p>答</p>"]')


def test_an_error_event_is_reported_and_a_stream_without_events_is_unknown() -> None:
    assert load_test.last_event(["event: heartbeat", "data: null", "event: error", "data: null"]) == (
        "error",
        "null",
    )
    assert load_test.last_event(["event: heartbeat", "data: null"]) == ("?", "null")
    assert load_test.last_event([]) == ("?", "null")
