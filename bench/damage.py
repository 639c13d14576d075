"""How many passages ``qa.passages.damage`` flags: on the seeds (002 was published with words removed)
and on clean corpora (the 72 government work reports, CMRC 2018's Wikipedia passages).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/damage.py              # counts and flagged documents
    HF_HUB_OFFLINE=1 .venv/bin/python bench/damage.py --formulas   # plus every gapped form's count
    HF_HUB_OFFLINE=1 .venv/bin/python bench/damage.py --simulate 党 习 政治

Documents are read and cut into passages exactly as ``qa build`` does (``read_folder``,
``make_passages``). A passage is flagged when it holds a gapped formula (``suspected_gaps``)
or its document is damaged (``missing_words`` of its passages, title and headings). The
shared corpora are read in place from ``../shared/corpora``; a corpus that is absent is
skipped with the reason.

Recall beyond the one damaged seed: ``--simulate WORD`` deletes WORD from every passage, title
and heading of the clean corpora (as the filter that damaged seed 002 did) and counts how
many of the passages it changed are flagged.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qa.ingest import read_folder
from qa.passages.cutting import Passage, make_passages
from qa.passages.damage import FORMULAS, find_gaps, gapped_forms, missing_words
from qa.text.normalise import fold

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"


@dataclass
class Tally:
    """What the rules made of one corpus."""

    name: str
    documents: int = 0
    passages: int = 0
    with_gaps: int = 0
    flagged: int = 0
    damaged: dict[str, tuple[str, ...]] = field(default_factory=dict)  # source -> missing words
    examples: dict[str, list[str]] = field(default_factory=dict)  # source -> gapped forms
    gapped_forms: Counter[str] = field(default_factory=Counter)
    intact_forms: Counter[str] = field(default_factory=Counter)
    touched: int = 0  # passages the simulated filter changed
    touched_flagged: int = 0
    touched_documents: int = 0
    seconds: float = 0.0


def tally(name: str, folders: list[Path], delete: str = "") -> Tally:
    """Read ``folders`` as ``qa build`` would and apply both rules to every passage.

    ``delete``: simulate a word filter by removing that word from every passage, title and
    heading first (then ``touched`` counts the passages it changed).
    """
    result = Tally(name + (f" −{delete}" if delete else ""))
    documents = [d for folder in folders for d in read_folder(folder).documents]
    intact = sorted({full for _, full in gapped_forms()})
    started = time.perf_counter()
    for document in documents:
        passages: list[Passage] = make_passages(document)
        originals = [p.text for p in passages]
        texts = [t.replace(delete, "") for t in originals] if delete else originals
        headings = [document.title, *{h for p in passages for h in p.section_path}]
        if delete:
            headings = [h.replace(delete, "") for h in headings]
        missing = missing_words(texts, headings)
        result.documents += 1
        result.passages += len(passages)
        result.touched_documents += texts != originals
        if missing:
            result.damaged[document.source] = missing
        for text, original in zip(texts, originals, strict=True):
            gaps = find_gaps(text)
            folded = fold(text)
            result.intact_forms.update({f: folded.count(f) for f in intact if f in folded})
            result.gapped_forms.update(g.text for g in gaps)
            if gaps:
                result.with_gaps += 1
                result.examples.setdefault(document.source, []).extend(g.text for g in gaps)
            result.flagged += bool(gaps or missing)
            if text != original:
                result.touched += 1
                result.touched_flagged += bool(gaps or missing)
    result.seconds = time.perf_counter() - started
    return result


def print_tally(t: Tally) -> None:
    print(
        f"{t.name:<18} {t.documents:>5} docs {t.passages:>6} passages | "
        f"with a gapped formula {t.with_gaps:>4} | damaged docs {len(t.damaged):>3} | "
        f"flagged passages {t.flagged:>4} ({t.flagged / max(t.passages, 1):.1%}) | {t.seconds:.2f} s"
    )
    if t.touched:
        print(
            f"{'':<18} the filter changed {t.touched} passages of {t.touched_documents} documents: "
            f"{t.touched_flagged} flagged ({t.touched_flagged / t.touched:.1%}), "
            f"{len(t.damaged)} documents damaged"
        )
        return
    for source in sorted(set(t.damaged) | set(t.examples)):
        words = "、".join(t.damaged.get(source, ())) or "—"
        forms = "、".join(dict.fromkeys(t.examples.get(source, [])))
        print(f"    {source[:40]:<40} missing words: {words:<8} gaps: {forms[:120]}")


def print_formulas(tallies: list[Tally]) -> None:
    """Each gapped form and how often it stands in each corpus (clean corpora should show 0)."""
    forms = gapped_forms()
    print(f"\n{len(FORMULAS)} formulas, {len(forms)} gapped forms; gapped/intact counts per corpus:")
    print("    " + " ".join(f"{t.name[:12]:>12}" for t in tallies) + "  gapped form ← formula")
    for gapped, full in sorted(forms, key=lambda f: f[1]):
        counts = [f"{t.gapped_forms[gapped]}/{t.intact_forms[full]}" for t in tallies]
        print("    " + " ".join(f"{c:>12}" for c in counts) + f"  {gapped} ← {full}")


def main(argv: list[str] | None = None) -> int:
    """Print the flags on every corpus that is present."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="the shared corpora folder")
    parser.add_argument("--formulas", action="store_true", help="also list every gapped form's counts")
    parser.add_argument(
        "--simulate",
        nargs="*",
        default=["党"],
        help="words to delete from the clean corpora to measure recall (default 党; none: skip)",
    )
    args = parser.parse_args(argv)
    logging.getLogger("qa").setLevel(logging.ERROR)
    field_cases = args.corpora.parent / "field-cases"
    folders = {
        "seeds": [REPO / "seeds"],
        "gov-work-reports": [args.corpora / "gov-work-reports"],
        "cmrc2018": [args.corpora / "cmrc2018" / "docs"],
        "field-cases": sorted(field_cases.glob("*/seeds*")),
    }
    tallies = []
    for name, paths in folders.items():
        if not paths or not all(p.is_dir() for p in paths):
            print(f"skipped {name}: {paths[0] if paths else field_cases} is absent.")
            continue
        tallies.append(tally(name, paths))
        print_tally(tallies[-1])
        for word in args.simulate if name in ("gov-work-reports", "field-cases") else ():
            print_tally(tally(name, paths, delete=word))
    if args.formulas:
        print_formulas(tallies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
