"""The floor to beat: raw text in fixed windows, BM25 over jieba words.

    .venv/bin/python bench/naive_baseline.py                      # CMRC 2018, the default variant
    .venv/bin/python bench/naive_baseline.py --all-variants       # every variant, one row each
    .venv/bin/python bench/naive_baseline.py --limit 200

Every file of a folder is decoded (UTF-8, else GB18030) with no cleaning at all and cut into
consecutive, non-overlapping 450-character windows; each window is cut into words by jieba and
indexed with bm25s (Lucene BM25, k1 1.5, b 0.75). A question is cut the same way and the windows
are ranked by BM25 score. Nothing is ever rejected: the best ``k`` windows are returned even
when no word matches.

``bench/external.py`` imports ``naive_index`` (it puts this folder on ``sys.path``).

The product team reported hit@1 0.920, hit@5 0.984, MRR@10 0.949 on CMRC 2018 (3,219 questions).
No variant reproduces all three exactly. With a hit defined as a returned window containing one
of ``all_answers`` (both NFKC-normalised), hit@5 never passes 0.980 (tried: both jieba modes,
punctuation kept or dropped, the product's stopwords, k1/b, five BM25 flavours, lower-casing):
0.5% of the answers are in no window (absent, or cut by a window edge). The default here,
``jieba.lcut_for_search`` with punctuation-only tokens dropped and no stopwords, gives
0.918 / 0.9795 / 0.946, within 0.005 of all three (hit@5 only just). ``--match file`` (a hit is
a window whose *file* holds an answer) with ``--mode default --keep-punctuation`` gives
0.916 / 0.988 / 0.948, also within 0.005: the team may have counted hits per file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WINDOW = 450
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

# (source, start, end, text): a window and its character offsets in the decoded file.
Window = tuple[str, int, int, str]


def decode(data: bytes) -> str:
    """UTF-8, else GB18030 (undecodable bytes replaced): no other processing."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def windows_of(source: str, text: str, size: int = WINDOW) -> list[Window]:
    """Consecutive, non-overlapping ``size``-character windows of ``text``."""
    return [
        (source, start, min(start + size, len(text)), text[start : start + size])
        for start in range(0, len(text), size)
    ]


def read_windows(folder: Path, size: int = WINDOW) -> list[Window]:
    """The windows of every visible file below ``folder``, files in path order."""
    windows: list[Window] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        windows.extend(windows_of(relative.as_posix(), decode(path.read_bytes()), size))
    return windows


def jieba_tokenizer(mode: str = "search", drop_punctuation: bool = True) -> Callable[[str], list[str]]:
    """Cut text into jieba words: ``mode`` "default" (``lcut``) or "search" (``lcut_for_search``).

    Whitespace tokens are always dropped; with ``drop_punctuation`` tokens made only of
    punctuation and symbols are dropped too.
    """
    import jieba

    jieba.setLogLevel(60)
    cut = jieba.lcut if mode == "default" else jieba.lcut_for_search

    def keep(token: str) -> bool:
        if not token.strip():
            return False
        if drop_punctuation:
            return any(unicodedata.category(ch)[0] in "LN" for ch in token)
        return True

    def tokenize(text: str) -> list[str]:
        return [t for t in cut(text) if keep(t)]

    return tokenize


class NaiveIndex:
    """BM25 over the jieba words of fixed windows."""

    def __init__(self, windows: list[Window], tokenize: Callable[[str], list[str]]) -> None:
        import bm25s

        self.windows = windows
        self.tokenize = tokenize
        self.bm25 = bm25s.BM25(method="lucene")
        self.bm25.index([tokenize(w[3]) for w in windows], show_progress=False)

    def search(self, question: str, k: int = 10) -> list[Window]:
        """The ``k`` best windows for ``question``, best first (ties in file order)."""
        tokens = [t for t in self.tokenize(question) if t in self.bm25.vocab_dict]
        scores = self.bm25.get_scores(tokens) if tokens else np.zeros(len(self.windows))
        order = np.argsort(-scores, kind="stable")[:k]
        return [self.windows[i] for i in order]


def naive_index(folder: Path | str, mode: str = "search", drop_punctuation: bool = True) -> NaiveIndex:
    """Index every file of ``folder`` (the defaults are closest to the team's CMRC numbers)."""
    return NaiveIndex(read_windows(Path(folder)), jieba_tokenizer(mode, drop_punctuation))


def nfkc(text: str) -> str:
    """NFKC-normalised text (full-width digits and letters become ASCII)."""
    return unicodedata.normalize("NFKC", text)


def first_hit(texts: Iterable[str], answers: list[str]) -> int | None:
    """The 1-based rank of the first text containing one of ``answers`` (NFKC), else None."""
    wanted = [nfkc(a) for a in answers if a.strip()]
    for rank, text in enumerate(texts, start=1):
        key = nfkc(text)
        if any(a in key for a in wanted):
            return rank
    return None


@dataclass(frozen=True)
class Scores:
    """hit@1, hit@5 and MRR@10 over a question set."""

    hit1: float
    hit5: float
    mrr10: float
    questions: int

    @classmethod
    def of(cls, ranks: list[int | None]) -> Scores:
        """Aggregate first-hit ranks (None = no hit in the top 10)."""
        n = max(len(ranks), 1)
        return cls(
            hit1=sum(r is not None and r <= 1 for r in ranks) / n,
            hit5=sum(r is not None and r <= 5 for r in ranks) / n,
            mrr10=sum(1 / r for r in ranks if r is not None and r <= 10) / n,
            questions=len(ranks),
        )


def load_cmrc_questions(root: Path, limit: int | None = None) -> list[dict[str, object]]:
    """CMRC 2018 questions (``question``, ``all_answers``, ``doc``), the first ``limit`` if given."""
    with (root / "questions.jsonl").open(encoding="utf-8") as f:
        questions = [json.loads(line) for line in f if line.strip()]
    return questions[:limit] if limit else questions


def evaluate(
    index: NaiveIndex, questions: list[dict[str, object]], match: str = "window", k: int = 10
) -> Scores:
    """Search every question and score the results against its answers.

    A hit is a window holding an answer (``match`` "window") or a window whose file holds one ("file").
    """
    files: dict[str, str] = {}
    if match == "file":
        for source, _, _, text in index.windows:
            files[source] = files.get(source, "") + text
    ranks = []
    for q in questions:
        found = index.search(str(q["question"]), k)
        texts = [files[w[0]] for w in found] if match == "file" else [w[3] for w in found]
        ranks.append(first_hit(texts, list(q["all_answers"])))  # type: ignore[call-overload]
    return Scores.of(ranks)


VARIANTS = [("default", False), ("default", True), ("search", False), ("search", True)]


def main(argv: list[str] | None = None) -> int:
    """Evaluate the naive baseline on CMRC 2018."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="the shared corpora folder")
    parser.add_argument("--limit", type=int, default=None, help="use the first N questions only")
    parser.add_argument("--mode", choices=["default", "search"], default="search", help="jieba mode")
    parser.add_argument("--keep-punctuation", action="store_true", help="keep punctuation-only tokens")
    parser.add_argument(
        "--match", choices=["window", "file"], default="window", help="what must hold the answer"
    )
    parser.add_argument("--all-variants", action="store_true", help="every jieba mode x punctuation choice")
    args = parser.parse_args(argv)
    root = args.corpora / "cmrc2018"
    if not root.is_dir():
        print(f"skipped: {root} is absent (the shared corpora are not on this machine)")
        return 0
    questions = load_cmrc_questions(root, args.limit)
    variants = VARIANTS if args.all_variants else [(args.mode, not args.keep_punctuation)]
    print(
        f"CMRC 2018, {len(questions)} questions, {WINDOW}-character windows, "
        f"hit = the {args.match} holds an answer (NFKC)\n"
    )
    print("| jieba | punctuation | windows | hit@1 | hit@5 | MRR@10 | index s | search s |")
    print("|---|---|---|---|---|---|---|---|")
    for mode, drop in variants:
        started = time.perf_counter()
        index = naive_index(root / "docs", mode, drop)
        built = time.perf_counter() - started
        started = time.perf_counter()
        s = evaluate(index, questions, args.match)
        searched = time.perf_counter() - started
        print(
            f"| {mode} | {'dropped' if drop else 'kept'} | {len(index.windows)} | {s.hit1:.3f} | "
            f"{s.hit5:.3f} | {s.mrr10:.3f} | {built:.1f} | {searched:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
