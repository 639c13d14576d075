"""Do passages start and end at sentence ends? Every passage of the seeds and the 72 reports.

Each document is read and cut as ``qa build`` does; each passage is then placed back in the
paragraphs it was cut from (by its source offsets), and every cut inside a paragraph is
checked with this script's own reading of a sentence end — not the cutter's code:

* the text before the cut ends with 。！？； (or ! ? ;), perhaps followed by closing quotes
  or brackets, and no quotation or bracket is open there (“ ” 「 」 『 』 （ ） ( ) counted,
  unless they do not pair up within the paragraph);
* the text after the cut does not open with a comma, colon or closing mark.

A cut that fails is a passage starting (or ending) inside a sentence. Cuts inside one
sentence longer than a passage may hold (over 1.25 × ``max_chars``: the cutter's last resort)
are counted apart.
Pieces of one paragraph are also checked for distinct citations (``part`` 1…``parts``).

    .venv/bin/python bench/passage_boundaries.py [--examples 5]   (QA_CORPORA=DIR: the shared corpora)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.ingest import read_document
from qa.ingest.tracked import TrackedText
from qa.passages.cutting import ChunkSettings, Passage, make_passages, paragraphs_with_headings

ROOT = Path(__file__).resolve().parents[1]
# ../shared/corpora beside the repository, or where QA_CORPORA says (a git worktree elsewhere).
CORPORA = Path(os.environ.get("QA_CORPORA") or ROOT.parent / "shared" / "corpora")
REPORTS = CORPORA / "gov-work-reports"
_ENDED = re.compile(r"[。！？!?；;]+[”’」』）)】〕》]*\s*$")
_CONTINUES = re.compile(r"^\s*[，,、：:；;。！？!?”’」』）)】〕》]")
_OPEN, _CLOSE = "“「『（(", "”」』）)"


@dataclass
class Tally:
    """What the check found over a set of documents."""

    documents: int = 0
    passages: int = 0
    cuts: int = 0  # places inside a paragraph where one passage ends and the next starts
    inside: int = 0  # of them, inside a sentence
    overlong: int = 0  # of them, inside a sentence longer than max_chars (the last resort)
    same_label: int = 0  # passages of one paragraph that would be cited alike
    unpaired: int = 0  # paragraphs whose quotation marks do not pair up
    examples: list[str] | None = None


def open_quotes(text: str) -> int | None:
    """How many quotations/brackets are open at the end of ``text`` (None: a closer without an opener)."""
    depth = 0
    for ch in text:
        depth += (ch in _OPEN) - (ch in _CLOSE)
        if depth < 0:
            return None
    return depth


def at_sentence_end(paragraph: str, cut: int, paired: bool) -> bool:
    """Whether cutting ``paragraph`` before position ``cut`` cuts between two sentences."""
    before, after = paragraph[:cut], paragraph[cut:]
    if not before.strip() or not after.strip():
        return True
    if paired and open_quotes(before):
        return False
    return bool(_ENDED.search(before)) and not _CONTINUES.match(after)


def sentence_length(paragraph: str, cut: int) -> int:
    """The length of the sentence of ``paragraph`` that the cut falls in (by sentence marks alone)."""
    start = max((m.end() for m in re.finditer(r"[。！？!?；;]", paragraph[:cut])), default=0)
    end = re.search(r"[。！？!?；;]", paragraph[cut:])
    return (cut + end.end() if end else len(paragraph)) - start


def check(paths: Iterable[Path], settings: ChunkSettings, tally: Tally) -> None:
    """Cut every file of ``paths`` and add what the check finds to ``tally``."""
    for path in paths:
        document = read_document(path, path.name)
        paragraphs = {p.number: p.text for p in paragraphs_with_headings(document.paragraphs)}
        passages = make_passages(document, settings)
        tally.documents += 1
        tally.passages += len(passages)
        tally.same_label += _same_labels(passages)
        tally.unpaired += sum(open_quotes(p.text) != 0 for p in paragraphs.values())
        for passage in passages:
            for offset, number in ((passage.start, passage.paragraph), (passage.end, passage.paragraph_end)):
                paragraph = paragraphs[number]
                cut = _position(paragraph, offset)
                if cut in (0, len(paragraph)) or cut is None:
                    continue
                if offset == passage.start:
                    tally.cuts += 1  # each inner cut is counted once, at the passage it starts
                if at_sentence_end(paragraph.text, cut, open_quotes(paragraph.text) == 0):
                    continue
                if sentence_length(paragraph.text, cut) > settings.max_chars * 1.25:
                    tally.overlong += offset == passage.start
                    continue
                tally.inside += offset == passage.start
                if tally.examples is not None and offset == passage.start:
                    around = paragraph.text[max(cut - 20, 0) : cut] + "｜" + paragraph.text[cut : cut + 20]
                    tally.examples.append(f"{path.name} {passage.passage_id}: …{around}…")


def _position(paragraph: TrackedText, offset: int) -> int | None:
    """Where source ``offset`` stands in ``paragraph`` (the end offset: just past a character)."""
    offsets = list(paragraph.offsets)
    if offset in offsets:
        return offsets.index(offset)
    if offset - 1 in offsets:
        return offsets.index(offset - 1) + 1
    return None


def _same_labels(passages: list[Passage]) -> int:
    labels = [
        (p.paragraph, p.paragraph_end, getattr(p, "part", 0)) for p in passages
    ]  # old passages: no part
    return len(labels) - len(set(labels))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=5, help="how many violations to print (default 5)")
    args = parser.parse_args(argv)
    settings = ChunkSettings()
    collections = {"seeds": sorted((ROOT / "seeds").glob("*.*"))}
    if REPORTS.is_dir():
        collections["72 reports"] = sorted(REPORTS.glob("*.txt"))
    else:
        print(f"reports skipped: {REPORTS} is not here (the shared corpora are needed)", file=sys.stderr)
    print(
        "| collection | documents | passages | cuts inside paragraphs | starting inside a sentence "
        "| inside an over-long sentence | pieces cited alike | unpaired quotes (paragraphs) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    examples: list[str] = []
    for name, paths in collections.items():
        tally = Tally(examples=examples)
        check(paths, settings, tally)
        print(
            f"| {name} | {tally.documents} | {tally.passages} | {tally.cuts} | {tally.inside} | "
            f"{tally.overlong} | {tally.same_label} | {tally.unpaired} |"
        )
    for example in examples[: args.examples]:
        print(example)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
