"""Serving another collection: ``app.py --index DIR --seeds DIR`` and the settings ``--help`` lists;
``qa build`` telling its progress in plain lines when its output goes to a file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import load_script

from qa.cli.progress import ProgressLines, duration

REPO = Path(__file__).resolve().parents[1]


def _app_module():
    return load_script(REPO / "app.py", "app_under_test")


def test_app_help_names_the_folders_and_every_setting_without_loading_gradio() -> None:
    script = (
        "import sys, runpy\n"
        "sys.argv = ['app.py', '--help']\n"
        "try:\n    runpy.run_path('app.py', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('GRADIO' if 'gradio' in sys.modules else 'NO GRADIO')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr
    for words in (
        "--index",
        "--seeds",
        "--host",
        "--port",
        "QA_INDEX_DIR",
        "QA_SEEDS_DIR",
        "QA_AUTH",
        "QA_ADMIN",
    ):
        assert words in done.stdout, words
    assert done.stdout.strip().endswith("NO GRADIO")


def test_app_folders_given_on_the_command_line_are_the_ones_every_part_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.retrieve.defaults import default_index_dir, default_seeds_dir

    # Both set through monkeypatch, so that what parse_args writes is undone after the test.
    monkeypatch.setenv("QA_INDEX_DIR", "/elsewhere/index")
    monkeypatch.setenv("QA_SEEDS_DIR", "/elsewhere/seeds")
    app = _app_module()
    args = app.parse_args(
        ["--index", str(tmp_path / "idx"), "--seeds", str(tmp_path / "docs"), "--port", "7999"]
    )
    assert args.port == 7999
    assert default_index_dir() == tmp_path / "idx" and default_seeds_dir() == tmp_path / "docs"
    monkeypatch.setenv("QA_INDEX_DIR", "/from/the/environment")
    app.parse_args([])
    assert default_index_dir() == Path("/from/the/environment")  # no option: the environment decides


def test_progress_lines_say_what_is_done_the_rate_and_the_time_left() -> None:
    now = [0.0]
    out = io.StringIO()
    lines = ProgressLines(out, every=10, clock=lambda: now[0])
    lines("reading", 0, 0)
    now[0] = 2.0
    lines("passages", 0, 1000)
    for done in range(128, 1000, 128):
        now[0] += 4.0  # 32 passages a second
        lines("passages", done, 1000)
    now[0] += 1.0
    lines("passages", 1000, 1000)
    lines("writing", 0, 0)
    text = out.getvalue().splitlines()
    assert "reading and cleaning the documents" in text[0]
    assert text[1].endswith("embedding passages: 1,000 to do")
    middle = [line for line in text if "left" in line]
    assert 2 <= len(middle) <= 4  # every 10 s, not after each slice
    assert "passages: 384/1,000 (38%), 32.0/s, about 19 s left" in middle[0]
    assert "passages: 1,000/1,000 (100%)" in text[-2] and "done in 29 s" in text[-2]
    assert text[-1].endswith("writing the index")


def test_durations_read_as_people_write_them() -> None:
    assert [duration(s) for s in (0.4, 59, 61, 3599, 3725)] == [
        "0 s",
        "59 s",
        "1 min 1 s",
        "59 min 59 s",
        "1 h 2 min",
    ]


def test_a_build_to_a_file_prints_progress_lines(tiny_seeds: Path, tmp_path: Path, fake_embedder) -> None:
    from qa.build.builder import build_index
    from qa.cli.progress import progress_lines

    out = io.StringIO()
    build_index(tiny_seeds, tmp_path / "index", fake_embedder, on_progress=progress_lines(tiny_seeds, out))
    text = out.getvalue()
    assert "2 files in" in text
    for stage in ("reading and cleaning", "embedding passages", "embedding sentences", "writing the index"):
        assert stage in text, stage
    assert "passages: " in text and "(100%)" in text
