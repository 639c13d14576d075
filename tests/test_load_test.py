"""``bench/load_test.py``'s reading of Gradio's ``/call`` event stream."""

from __future__ import annotations

import importlib.util

from conftest import REPO

_SPEC = importlib.util.spec_from_file_location("load_test", REPO / "bench" / "load_test.py")
assert _SPEC is not None and _SPEC.loader is not None
load_test = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(load_test)


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
