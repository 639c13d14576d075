"""How long 查重与提法核对 takes on a 5,000-character draft (and on the 20,000-character maximum).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/draft.py [--chars 5000] [--runs 5] [--index DIR]

The draft is the labelled sentences of ``eval/draft_sentences.tsv`` (copied, edited and
reworded seed sentences, Wikipedia and government-report sentences) in a fixed shuffled
order, five to a paragraph, filled up with sentences of the 2024 government work report
(``../shared/corpora``; seed sentences when that folder is absent) and cut at a sentence end
near ``--chars``. No sentence occurs twice, so none is embedded for free. Each run checks
the whole draft (embedding every sentence, searching, classing) and renders the tab's HTML;
the model and index are loaded once before. Wall time depends on what else runs on the
machine; CPU seconds (both cores together) and the load average are printed beside it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

from qa.passages.cutting import sentences_of
from qa.retrieve.defaults import default_index_dir
from qa.retrieve.retriever import Retriever
from qa.tools.draft import MAX_DRAFT_CHARS, check_draft, split_draft

ROOT = Path(__file__).resolve().parents[1]
REPORT = (
    ROOT.parent / "shared" / "corpora" / "gov-work-reports" / "2024年中华人民共和国国务院政府工作报告.txt"
)


def filler() -> list[str]:
    """Sentences to fill the draft with: the 2024 work report's, else the seeds'."""
    if REPORT.is_file():
        return sentences_of(REPORT.read_text(encoding="utf-8"))
    return [
        s for path in sorted((ROOT / "seeds").glob("*.txt")) for s in sentences_of(path.read_text("utf-8"))
    ]


def make_draft(chars: int) -> str:
    """A draft of about ``chars`` characters, paragraphs of five sentences, no sentence twice."""
    lines = (ROOT / "eval" / "draft_sentences.tsv").read_text(encoding="utf-8").splitlines()
    labelled = [line.split("\t")[-1] for line in lines[1:] if not line.startswith(("#", "label"))]
    random.Random(7).shuffle(labelled)
    sentences = list(dict.fromkeys(labelled + filler()))
    paragraphs, size = [], 0
    for first in range(0, len(sentences), 5):
        paragraph = "".join(sentences[first : first + 5])
        if size + len(paragraph) > chars and paragraphs:
            paragraph = ""
            for sentence in sentences[first : first + 5]:
                if size + len(paragraph) + len(sentence) > chars:
                    break
                paragraph += sentence
            if paragraph:
                paragraphs.append(paragraph)
            break
        paragraphs.append(paragraph)
        size += len(paragraph) + 1
    return "\n".join(paragraphs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--index", type=Path, default=default_index_dir())
    args = parser.parse_args()
    from qa.ui.draft.tab import render_check

    started = time.perf_counter()
    retriever = Retriever(args.index)
    retriever.embedder.encode_documents(["预热一下模型。"])
    print(f"load model and index: {time.perf_counter() - started:.1f} s")
    for chars in dict.fromkeys([args.chars, MAX_DRAFT_CHARS]):
        draft = make_draft(chars)
        sentences = len(split_draft(draft))
        timings, cpu, embedding = [], [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            texts = [draft[a:b] for a, b in split_draft(draft)]
            retriever.embedder.encode_documents(list(dict.fromkeys(texts)))
            embedding.append(time.perf_counter() - t)
            t, c = time.perf_counter(), time.process_time()
            check = check_draft(draft, retriever)
            render_check(check, retriever)
            timings.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(
            f"{len(draft)} characters, {sentences} sentences: check + render median "
            f"{statistics.median(timings):.2f} s (min {min(timings):.2f}, max {max(timings):.2f}) over "
            f"{args.runs} runs, {statistics.median(cpu):.2f} CPU s; embedding the sentences alone "
            f"{statistics.median(embedding):.2f} s; "
            f"重复 {check.repeated_share:.0%}, 相近 {check.close_share:.0%}"
        )
    print(f"load average at the end (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
