"""A bad question (empty, only spaces, far too long) is refused before anything heavy loads.

Checked by what a fresh process has imported, not by timing it: the model (onnxruntime,
the embedder module), the index (faiss) and jieba must never have been loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.errors import QuestionError
from qa.retrieve.query import MAX_QUERY_CHARS, MAX_QUESTION_CHARS, clean_query

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("onnxruntime", "qa.model.onnx_encoder", "qa.model.embedder", "faiss", "jieba", "tokenizers", "torch")

_PROBE = """
import json, sys
{setup}
try:
    outcome = repr({call})
except Exception as exc:
    outcome = type(exc).__name__
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"outcome": outcome, "heavy": heavy}}))
"""


def _fresh_process(setup: str, call: str) -> dict[str, object]:
    code = _PROBE.format(setup=setup, call=call, heavy=HEAVY)
    env = {**os.environ, "PYTHONPATH": str(SRC), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("question", ["", "   \u3000\t", "问" * (MAX_QUESTION_CHARS + 1)])
def test_qa_search_refuses_a_bad_question_without_loading_the_model_or_index(question: str) -> None:
    found = _fresh_process("import qa", f"qa.search({question!r})")
    assert found == {"outcome": "QuestionError", "heavy": []}


def test_the_cli_refuses_an_empty_question_without_loading_the_model_or_index() -> None:
    found = _fresh_process("from qa.cli.main import main", "main(['search', '  '])")
    assert found == {"outcome": "2", "heavy": []}  # the exit code of a refused command


def test_the_retriever_refuses_before_ranking(retriever) -> None:
    with pytest.raises(QuestionError, match="empty"):
        retriever.search(" ")
    with pytest.raises(QuestionError, match=str(MAX_QUESTION_CHARS)):
        retriever.answer("问" * (MAX_QUESTION_CHARS + 5))


def test_the_page_refuses_before_taking_a_retriever() -> None:
    from qa.ui.chat.conversation import Conversation
    from qa.ui.chat.service import ChatService

    class Untouchable:
        def current(self) -> None:
            raise AssertionError("the retriever was asked for")

    service = ChatService.__new__(ChatService)
    service.live = Untouchable()  # type: ignore[assignment]
    with pytest.raises(QuestionError):
        service.respond("\n \n", 3, None, Conversation())


def test_a_long_question_is_cut_and_a_pasted_document_refused() -> None:
    assert clean_query("问" * (MAX_QUERY_CHARS + 10)) == "问" * MAX_QUERY_CHARS
    assert clean_query("问" * MAX_QUESTION_CHARS) == "问" * MAX_QUERY_CHARS
    with pytest.raises(QuestionError) as refused:
        clean_query("问" * (MAX_QUESTION_CHARS + 1))
    assert isinstance(refused.value, ValueError)  # callers catching ValueError still do
