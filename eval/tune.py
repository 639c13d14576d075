"""Grid search behind the defaults: passage size, lexical features and fusion weight.

Run: .venv/bin/python eval/tune.py [--split tune]
Builds one temporary index per chunking/lexical setting (seconds each) and prints the
quality of every combination on the chosen split, best fused hit@1 first.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from qa.build.builder import build_index
from qa.build.settings import BuildSettings
from qa.model.sentence_transformer import SentenceTransformerEmbedder
from qa.passages.cutting import ChunkSettings
from qa.retrieve.defaults import default_seeds_dir
from qa.retrieve.evaluate import default_questions_path, evaluate, load_questions
from qa.retrieve.retriever import FusionSettings, Retriever
from qa.text.tokens import LexicalSettings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="tune", choices=["tune", "test", "all"])
    parser.add_argument("--quick", action="store_true", help="only the default chunking")
    args = parser.parse_args()

    questions = [q for q in load_questions(default_questions_path()) if args.split in ("all", q.split)]
    embedder = SentenceTransformerEmbedder.load()
    base_lexical = LexicalSettings()
    chunkings = (
        [ChunkSettings()]
        if args.quick
        else [
            ChunkSettings(max_chars=m, min_chars=60, headings_in_index=h)
            for m, h in itertools.product((150, 220, 300, 450, 800), (True, False))
        ]
    )
    lexicals = [
        LexicalSettings(bigrams=False),
        LexicalSettings(stopwords=False),
        LexicalSettings(corpus_terms=False),
        LexicalSettings(single_chars=True),
        LexicalSettings(k1=1.2, b=0.75),
        LexicalSettings(k1=1.5, b=0.9),
    ]
    combos = [(c, base_lexical) for c in chunkings] + [(ChunkSettings(), lex) for lex in lexicals]
    weights = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for n, (chunking, lexical) in enumerate(combos):
            folder = Path(scratch) / f"idx{n}"
            build_index(default_seeds_dir(), folder, embedder, BuildSettings(chunking, lexical))
            retriever = Retriever(folder, embedder=embedder)
            for weight in weights:
                retriever.fusion = replace(FusionSettings(), lexical_weight=weight)
                report = evaluate(retriever, questions)
                rows.append((chunking, lexical, weight, report))
                fused = report.results["hybrid"]
                print(
                    f"max={chunking.max_chars:<4} min={chunking.min_chars:<3} head={chunking.headings_in_index!s:<5} "
                    f"bigrams={lexical.bigrams!s:<5} stop={lexical.stopwords!s:<5} terms={lexical.corpus_terms!s:<5} "
                    f"single={lexical.single_chars!s:<5} k1={lexical.k1} b={lexical.b} "
                    f"w={weight:.1f} | dense {report.results['dense'].hit1:.3f} "
                    f"bm25 {report.results['lexical'].hit1:.3f} fused {fused.hit1:.3f}/{fused.hit3:.3f}/"
                    f"{fused.mrr10:.3f} ood {fused.ood_rejected:.2f} idrej {fused.in_domain_rejected:.2f}",
                    flush=True,
                )
    print("\nbest by fused MRR@10, then hit@1:")
    rows.sort(key=lambda r: (r[3].results["hybrid"].mrr10, r[3].results["hybrid"].hit1), reverse=True)
    for chunking, lexical, weight, report in rows[:8]:
        print(f"  {chunking} {lexical} w={weight}: {report.results['hybrid']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
