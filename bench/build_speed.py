"""How fast ``qa build`` embeds, lever by lever, and what each lever costs in quality.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/build_speed.py [--passages 240]
    HF_HUB_OFFLINE=1 .venv/bin/python bench/build_speed.py --quality \\
        [--cmrc-index DIR --seeds-gov-index DIR]    # int8 indexes, about 15 minutes more

**Texts.** The 72 government work reports (``../shared/corpora/gov-work-reports``, read in
place), cleaned and cut as ``qa build`` cuts them: 5,016 passages and 27,002 sentences, 5.4
sentences a passage. A seeded sample of ``--passages`` passages is embedded with all their
sentences, as a build does.

**Levers**, each row adding one to the row above, each in a process of its own (peak RSS is
that process's):

1. *before*: what the build did before this benchmark: batches of 16 texts sorted by
   length within slabs of 1,024, ONNX Runtime's default threads, fp32;
2. *unsorted*: the same batches in text order, for the padding that sorting saves;
3. *token budget*: batches of similar length up to ``TOKENS_PER_BATCH`` padded tokens
   (budgets of 1,024 – 8,192 are printed below the table);
4. *threads = cores*: ONNX Runtime's intra-op threads set to the cores this process may use;
5. *distinct texts*: a sentence embedded once however often it recurs, and not at all when
   it is its passage's whole text (counted over the whole collection, the sample's sentence
   time scaled by the share left);
6. *int8*: the dynamically quantised model (``qa.model.onnx_export.quantise_onnx``).

Columns: passages/s and sentences/s (each on its own), **passages/s including their
sentences** (the build's rate), padded tokens as a share of real ones, peak RSS, and the
cosine of each vector to the fp32 one of the same text (min / mean). The speed levers 1–5
give the same vectors as fp32 (cosine 1).

``--quality`` then measures int8 retrieval beside fp32, question and passages at the same
precision: ``qa eval``'s fused hit@1 on the evaluation set with its variants (seeds index
built at int8), the field-case question tests (``pytest tests/test_questions.py`` with
``QA_PRECISION=int8``), and ``bench/gate.py``'s table for CMRC 2018 and seeds + reports
(int8 indexes built into ``--cmrc-index`` / ``--seeds-gov-index``, reused when there; fp32
ones are ``bench/gate.py``'s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
CORPORA = BENCH.parents[1] / "shared" / "corpora"
LEVERS = ("before", "unsorted", "token budget", "threads = cores", "distinct texts", "int8")
BUDGETS = (1024, 2048, 4096, 8192)


def collection() -> tuple[list[str], list[list[str]]]:
    """The reports' passage texts as embedded, and each passage's sentences."""
    from qa.ingest.documents import read_folder
    from qa.passages.cutting import ChunkSettings, make_passages, sentences_of
    from qa.text.normalise import simplified

    settings = ChunkSettings()
    report = read_folder(CORPORA / "gov-work-reports")
    passages = [
        p for d in sorted(report.documents, key=lambda d: d.source) for p in make_passages(d, settings)
    ]
    texts = [simplified(p.index_text(settings)) for p in passages]
    return texts, [[simplified(s) for s in sentences_of(p.text)] for p in passages]


def distinct_share(texts: list[str], sentences: list[list[str]]) -> float:
    """The share of sentences a build embeds once repeats and whole-passage sentences are dropped."""
    passage_texts = set(texts)
    every = [s for group in sentences for s in group]
    return len({s for s in every if s not in passage_texts}) / len(every)


def run_lever(lever: str, sample: int, budget: int | None = None) -> dict[str, Any]:
    """Embed the sample with one lever (and those above it); measured in this process."""
    import onnxruntime

    from qa.model.default import ensure_default_model, model_fingerprint
    from qa.model.embedder import DEFAULT_MODEL_NAME, E5_PROMPTS
    from qa.model.onnx_encoder import TOKENS_PER_BATCH, OnnxEmbedder, batches, usable_cores
    from qa.model.onnx_export import ONNX_FILE

    texts, sentences = collection()
    rows = np.random.default_rng(0).choice(len(texts), size=min(sample, len(texts)), replace=False)
    passages = [texts[i] for i in rows]
    their_sentences = [s for i in rows for s in sentences[i]]
    rank = LEVERS.index(lever)
    model_dir = ensure_default_model()
    precision = "int8" if rank >= LEVERS.index("int8") else "fp32"
    threads = usable_cores() if rank >= LEVERS.index("threads = cores") else 0
    embedder = OnnxEmbedder.load(
        model_dir, DEFAULT_MODEL_NAME, model_fingerprint(model_dir), E5_PROMPTS, precision, threads or None
    )
    if not threads:  # ONNX Runtime's own default, as before
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        path = str(model_dir / ONNX_FILE)  # "before" is fp32
        embedder.session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    tokens_per_batch = budget or TOKENS_PER_BATCH

    def plan(lengths: list[int]) -> list[list[int]]:
        if rank >= LEVERS.index("token budget"):
            return list(batches(lengths, tokens_per_batch))
        order = list(range(len(lengths)))
        if lever == "before":
            order = [int(i) for i in np.argsort(lengths, kind="stable")]
        return [order[i : i + 16] for i in range(0, len(order), 16)]

    def embed(group: list[str]) -> tuple[np.ndarray, float, int, int]:
        prompt = embedder.prompts["document"]
        out = np.zeros((len(group), embedder.dim), dtype=np.float32)
        padded = real = 0
        started = time.perf_counter()
        for first in range(0, len(group), 1024):
            encodings = embedder.tokenizer.encode_batch([prompt + t for t in group[first : first + 1024]])
            lengths = [len(e.ids) for e in encodings]
            for batch in plan(lengths):
                width = max(lengths[r] for r in batch)
                ids = np.ones((len(batch), width), dtype=np.int64)
                mask = np.zeros((len(batch), width), dtype=np.int64)
                for i, r in enumerate(batch):
                    ids[i, : lengths[r]] = encodings[r].ids
                    mask[i, : lengths[r]] = 1
                real += sum(lengths[r] for r in batch)
                padded += len(batch) * width - sum(lengths[r] for r in batch)
                vectors = embedder.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
                out[[first + r for r in batch]] = vectors
        return out, time.perf_counter() - started, padded, real

    embed(passages[:8])  # warm up the session
    passage_vectors, passage_seconds, padded_p, real_p = embed(passages)
    sentence_vectors, sentence_seconds, padded_s, real_s = embed(their_sentences)
    share = distinct_share(texts, sentences) if rank >= LEVERS.index("distinct texts") else 1.0
    return {
        "lever": lever,
        "budget": tokens_per_batch if rank >= LEVERS.index("token budget") else None,
        "passages": len(passages),
        "sentences": len(their_sentences),
        "passages_per_s": len(passages) / passage_seconds,
        "sentences_per_s": len(their_sentences) / sentence_seconds,
        "build_passages_per_s": len(passages) / (passage_seconds + share * sentence_seconds),
        "sentence_share": share,
        "padded_share": (padded_p + padded_s) / (real_p + real_s),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "vectors": [passage_vectors.tolist(), sentence_vectors.tolist()],
    }


def child(lever: str, sample: int, budget: int | None = None) -> dict[str, Any]:
    """``run_lever`` in a fresh process, so each lever has its own memory and no warm caches."""
    command = [sys.executable, __file__, "--child", lever, "--passages", str(sample)]
    command += ["--budget", str(budget)] if budget else []
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def cosines(result: dict[str, Any], reference: dict[str, Any]) -> tuple[float, float]:
    """Min and mean cosine of ``result``'s vectors to ``reference``'s, passages and sentences together."""
    ours = np.vstack([np.asarray(v, dtype=np.float32) for v in result["vectors"]])
    theirs = np.vstack([np.asarray(v, dtype=np.float32) for v in reference["vectors"]])
    similarity = (ours * theirs).sum(axis=1)
    return float(similarity.min()), float(similarity.mean())


def speed_table(sample: int) -> None:
    print(f"Sample: {sample} passages of the 72 reports with all their sentences; one process a row.\n")
    print(
        "| lever (each adds to the row above) | passages/s | sentences/s | **passages/s incl. sentences** "
        "| sentences embedded | padded / real tokens | peak RSS | cosine to fp32 (min / mean) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    reference: dict[str, Any] | None = None
    for lever in LEVERS:
        result = child(lever, sample)
        reference = reference or result
        low, mean = cosines(result, reference)
        print(
            f"| {lever} | {result['passages_per_s']:.1f} | {result['sentences_per_s']:.1f} "
            f"| **{result['build_passages_per_s']:.1f}** | {result['sentence_share']:.1%} "
            f"| {result['padded_share']:.1%} | {result['peak_rss_mb']:,.0f} MB | {low:.4f} / {mean:.4f} |",
            flush=True,
        )
    print("\nToken budget per batch (fp32, threads = cores, every sentence):\n")
    print("| tokens per batch | passages/s | sentences/s | passages/s incl. sentences | padded / real |")
    print("|---:|---:|---:|---:|---:|")
    for budget in BUDGETS:
        result = child("threads = cores", sample, budget)
        print(
            f"| {budget:,} | {result['passages_per_s']:.1f} | {result['sentences_per_s']:.1f} "
            f"| {result['build_passages_per_s']:.1f} | {result['padded_share']:.1%} |",
            flush=True,
        )


def quality(cmrc_dir: Path | None, seeds_gov_dir: Path | None) -> None:
    """int8 beside fp32 on every evaluation set (see the module docstring)."""
    import tempfile

    sys.path.insert(0, str(BENCH))
    from gate import ask, cmrc_index, report, seeds_gov_index  # type: ignore[import-not-found]

    from qa.build.builder import build_index
    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.retrieve.defaults import default_index_dir, default_seeds_dir
    from qa.retrieve.evaluate import (
        default_questions_path,
        evaluate,
        evaluate_variants,
        format_table,
        format_variants,
        load_questions,
    )
    from qa.retrieve.retriever import Retriever

    questions = load_questions(default_questions_path())
    for precision in ("fp32", "int8"):
        embedder = OnnxEmbedder.load_default(precision)
        index = default_index_dir()
        if precision != "fp32":
            index = Path(tempfile.mkdtemp(prefix="seeds-int8-")) / "index"
            build_index(default_seeds_dir(), index, embedder)
        retriever = Retriever(index, embedder=embedder)
        print(
            f"\n== evaluation set on the seeds, {precision}\n{format_table(evaluate(retriever, questions))}"
        )
        print(format_variants(evaluate_variants(retriever, questions)), flush=True)
    env = {**os.environ, "QA_PRECISION": "int8"}
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_questions.py",
            "tests/test_field_cases.py",
        ],
        cwd=BENCH.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    print(f"\n== field-case and question tests at int8: {tests.stdout.strip().splitlines()[-1]}")
    embedder = OnnxEmbedder.load_default("int8")
    speech = [(q.question, (q.span or "",)) for q in questions if q.in_domain]
    ood = [(q.question, ()) for q in questions if not q.in_domain]
    with (CORPORA / "cmrc2018" / "questions.jsonl").open(encoding="utf-8") as handle:
        cmrc = [(r["question"], tuple(r["all_answers"])) for r in map(json.loads, handle)]
    print("\n== bench/gate.py's table at int8 (compare with its fp32 table)")
    for name, index, inside, outside in (
        ("seeds + gov-work-reports, int8", seeds_gov_index(seeds_gov_dir, embedder), speech, ood),
        ("CMRC 2018, int8", cmrc_index(cmrc_dir, embedder), cmrc, ood + speech),
    ):
        retriever = Retriever(index, embedder=embedder)
        asked_in = [ask(retriever, q, answers) for q, answers in inside]
        asked_out = [ask(retriever, q, answers) for q, answers in outside]
        print(report(name, retriever, asked_in, asked_out), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--passages", type=int, default=240, help="passages in the sample (with their sentences)"
    )
    parser.add_argument("--quality", action="store_true", help="also measure int8 retrieval beside fp32")
    parser.add_argument("--cmrc-index", type=Path, help="int8 index of CMRC 2018 (built if absent)")
    parser.add_argument(
        "--seeds-gov-index", type=Path, help="int8 index of seeds + reports (built if absent)"
    )
    parser.add_argument("--child", choices=LEVERS, help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not CORPORA.is_dir():
        print(f"{CORPORA} is not here: this benchmark reads the reports from it", file=sys.stderr)
        return 1
    if args.child:
        print(json.dumps(run_lever(args.child, args.passages, args.budget)))
        return 0
    speed_table(args.passages)
    if args.quality:
        quality(args.cmrc_index, args.seeds_gov_index)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
