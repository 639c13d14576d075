"""Train the LoRA domain adapter of e5-small on the government work reports (issue 22, lever 1).

    PYTHONPATH=src HF_HUB_OFFLINE=1 .venv/bin/python train/adapter.py [--steps 50] [--out FILE]

**Data, without any hub and without any question we evaluate with.** The 72 reports of
``../shared/corpora/gov-work-reports`` are read and cut into passages by the product itself
(``read_folder``, ``make_passages``; ``QA_CORPORA`` names another corpora folder); three kinds
of (query, passage) pairs come from their structure alone:

* **inverse cloze** (Lee et al. 2019): a sentence of a passage as the query, the passage with
  that sentence removed as the positive (kept in 10% of pairs, as in the paper);
* **heading → section**: a section heading as the query, the first passage under it;
* **title → opening**: a document's title as the query, its first passage.

The reports of ``VALIDATION_YEARS`` are held out: their inverse-cloze pairs measure recall@1
among themselves before and after training. The seeds, ``eval/`` and CMRC 2018 dev are never read.

**Real questions** (``--pairs qa``, or ``mix`` with ``--gov-share`` of structure pairs; lever
1(b)): the questions of DRCD and of CMRC 2018 train / trial (``--qa-files``, read by
``train/qa_pairs.py``, which refuses CMRC 2018 dev), each with the sentences of its paragraph
around the answer; their paragraphs join the pool of negatives. A tenth of their articles is
held out: ``2 x --validation`` of its questions measure recall@1 among their positives. ::

    QA_CORPORA=../shared/corpora PYTHONPATH=src HF_HUB_OFFLINE=1 .venv/bin/python train/adapter.py \
        --pairs mix --qa-files DRCD_dev.json DRCD_test.json cmrc2018_trial.json \
        --steps 40 --lr 5e-5 --temperature 0.02 --out /tmp/mix.safetensors

**Negatives.** Every other passage in the batch (in-batch), plus for each query one mined hard
negative: a passage among the top BM25 hits (the product's own ``LexicalIndex``) of the query
that is neither its positive nor in the positive's section.

**Model and loss.** LoRA (``peft``) of rank ``--rank`` on the query, key, value and output
projections of every attention layer; InfoNCE over cosine / ``--temperature`` with e5's
"query: " and "passage: " prefixes, mean pooling, AdamW with linear warm-up and decay.
Seeded (python, numpy, torch) and on ``--threads`` threads (default 1: the machine is shared),
so a rerun gives the same adapter. It prints the loss curve and the wall time, and writes the
LoRA A/B matrices as safetensors (``qa.model.adapter`` merges them into the ONNX export).

The shipped ``e5_lora_gov.safetensors`` is this script's defaults: 50 steps of 16 queries
(800 pairs), 1,653 s of training and 1,730 s in all on one thread of a machine shared by five
jobs (capped there, below the hour the issue allows). It does not pay: ``docs/quality.md``,
"Levers".
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("QA_CORPORA") or ROOT.parent / "shared" / "corpora")
REPORTS = CORPORA / "gov-work-reports"
DEFAULT_OUT = ROOT / "src" / "qa" / "data" / "e5_lora_gov.safetensors"
VALIDATION_YEARS = ("1986", "2004", "2019")
TARGETS = r".*\.attention\.(self\.(query|key|value)|output\.dense)"


@dataclass(frozen=True)
class Pair:
    """One training example: a query, its positive passage's text, and where that passage is."""

    kind: str  # "ict", "heading", "title" or "qa"
    query: str
    positive: str
    row: int  # the positive passage's row in the pool
    section: tuple[str, str]  # (source, section heading) of the positive; (file, article) for "qa"
    answer: str = ""  # "qa": no hard negative may hold it


def passages_of_reports(folder: Path) -> list[Any]:
    """Every passage of the reports, as the product cuts them (``qa.passages.Passage``)."""
    from qa.ingest.documents import read_folder
    from qa.passages.cutting import make_passages

    report = read_folder(folder)
    documents = sorted(report.documents, key=lambda d: d.source)
    return [p for document in documents for p in make_passages(document)]


def make_pairs(passages: list[Any], rng: random.Random) -> list[Pair]:
    """The inverse-cloze, heading and title pairs of ``passages`` (in the order of ``passages``)."""
    from qa.passages.cutting import ChunkSettings, sentences_of

    settings = ChunkSettings()
    pairs: list[Pair] = []
    seen_sections: set[tuple[str, tuple[str, ...]]] = set()
    seen_sources: set[str] = set()
    for row, passage in enumerate(passages):
        section = (passage.source, passage.section or "")
        if passage.source not in seen_sources:
            seen_sources.add(passage.source)
            pairs.append(Pair("title", passage.doc_title, passage.text, row, section))
        key = (passage.source, passage.section_path)
        if passage.section and key not in seen_sections:
            seen_sections.add(key)
            heading = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*", "", passage.section)
            if len(heading) >= 4:
                pairs.append(Pair("heading", heading, passage.text, row, section))
        sentences = [s for s in sentences_of(passage.text) if 12 <= len(s) <= 80]
        if len(sentences) >= 2:
            sentence = rng.choice(sentences)
            text = passage.index_text(settings)
            positive = text if rng.random() < 0.1 else text.replace(sentence, "", 1)
            pairs.append(Pair("ict", sentence, positive, row, section))
    return pairs


def mine_hard_negatives(
    pairs: list[Pair], texts: list[str], groups: list[tuple[str, str]], rng: random.Random, top: int = 5
) -> list[int]:
    """For each pair, the row of one of the ``top`` best BM25 texts of the pool (``texts``, each
    in ``groups[row]``: section or article) outside its positive's group and without its answer."""
    from qa.index.bm25 import LexicalIndex
    from qa.index.layout import make_tokenizer
    from qa.text.tokens import LexicalSettings

    tokenizer = make_tokenizer(LexicalSettings(), [])
    lexical = LexicalIndex.build(texts, tokenizer)
    negatives = []
    for pair in pairs:
        scores = lexical.scores(pair.query)
        order = np.argsort(-scores, kind="stable")[:50]
        allowed = [
            int(r)
            for r in order
            if r != pair.row and groups[r] != pair.section and not (pair.answer and pair.answer in texts[r])
        ]
        negatives.append(rng.choice(allowed[:top]) if allowed else rng.randrange(len(texts)))
    return negatives


class Encoder:
    """e5 with mean pooling and L2 normalisation over texts with their prefix, as served."""

    def __init__(self, model: Any, tokenizer: Any, max_tokens: int) -> None:
        self.model, self.tokenizer, self.max_tokens = model, tokenizer, max_tokens

    def __call__(self, texts: list[str], prefix: str) -> Any:
        import torch

        batch = self.tokenizer(
            [prefix + t for t in texts],
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
        )
        hidden = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.last_hidden_state.dtype)
        mean = (hidden.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=-1)


def recall_at_1(encode: Encoder, pairs: list[Pair]) -> float:
    """Share of ``pairs`` whose query finds its own positive first among all their positives."""
    import torch

    with torch.no_grad():
        queries = _in_slices(encode, [p.query for p in pairs], "query: ", 32)
        docs = _in_slices(encode, [p.positive for p in pairs], "passage: ", 16)
    return float((queries @ docs.T).argmax(1).eq(torch.arange(len(pairs))).float().mean())


def _in_slices(encode: Encoder, texts: list[str], prefix: str, size: int) -> Any:
    import torch

    return torch.cat([encode(texts[i : i + size], prefix) for i in range(0, len(texts), size)])


def _with_qa_pairs(
    args: argparse.Namespace,
    structure: list[Pair],
    texts: list[str],
    groups: list[tuple[str, str]],
    rng: random.Random,
) -> tuple[list[Pair], list[Pair]]:
    """The training pairs of ``--pairs qa`` / ``mix`` and the held-out question pairs.

    The questions' paragraphs join the pool (``texts``, ``groups``, extended in place); a tenth of
    the articles is held out (``--validation`` x 2 of their questions measure recall@1); of the
    ``--steps`` x ``--batch`` pairs, ``--gov-share`` come from ``structure`` in ``mix``.
    """
    from qa_pairs import read_qa_pairs

    read, pool, pool_groups = read_qa_pairs(args.qa_files, args.window)
    offset = len(texts)
    texts += pool
    groups += pool_groups
    questions = [Pair("qa", q.query, q.positive, q.row + offset, q.group, q.answer) for q in read]
    articles = sorted({p.section for p in questions})
    held = set(rng.sample(articles, max(1, len(articles) // 10)))
    held_pairs = [p for p in questions if p.section in held]
    validation = rng.sample(held_pairs, min(2 * args.validation, len(held_pairs)))
    kept = [p for p in questions if p.section not in held]
    rng.shuffle(kept)
    total = args.steps * args.batch
    from_structure = round(total * args.gov_share) if args.pairs == "mix" else 0
    training = kept[: total - from_structure] + structure[:from_structure]
    rng.shuffle(training)
    return training, validation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=50, help="optimiser steps (default 50)")
    parser.add_argument("--batch", type=int, default=16, help="queries per step (default 16)")
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16.0)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--max-tokens", type=int, default=128, help="passage tokens kept in training")
    parser.add_argument("--validation", type=int, default=64, help="held-out pairs for recall@1")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--pairs",
        choices=("gov", "qa", "mix"),
        default="gov",
        help="gov: the reports' structure (default); qa: --qa-files' questions; mix: both (--gov-share)",
    )
    parser.add_argument("--qa-files", type=Path, nargs="*", default=[], help="DRCD / CMRC 2018 JSON files")
    parser.add_argument("--gov-share", type=float, default=0.25, help="share of structure pairs in mix")
    parser.add_argument("--window", type=int, default=150, help="characters of a qa positive")
    args = parser.parse_args(argv)
    if args.pairs != "gov" and not args.qa_files:
        print("--pairs qa and mix read --qa-files (DRCD, CMRC 2018 train/trial JSON)", file=sys.stderr)
        return 2
    if not REPORTS.is_dir():
        print(f"{REPORTS} is not here: the training data are the reports there", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer

    from qa.model.adapter import lora_state, save_adapter
    from qa.model.default import ensure_default_model, model_fingerprint

    started = time.perf_counter()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)

    passages = passages_of_reports(REPORTS)
    pairs = make_pairs(passages, rng)
    held = [p for p in pairs if p.kind == "ict" and passages[p.row].source.startswith(VALIDATION_YEARS)]
    validation = rng.sample(held, min(args.validation, len(held)))
    training = [p for p in pairs if not passages[p.row].source.startswith(VALIDATION_YEARS)]
    rng.shuffle(training)
    texts = [p.text for p in passages]
    groups = [(p.source, p.section or "") for p in passages]
    qa_validation: list[Pair] = []
    if args.pairs == "gov":
        training = training[: args.steps * args.batch]
    else:
        training, qa_validation = _with_qa_pairs(args, training, texts, groups, rng)
    kinds = {k: sum(p.kind == k for p in training) for k in ("ict", "heading", "title", "qa")}
    negatives = mine_hard_negatives(training, texts, groups, rng)
    print(
        f"{len(passages)} passages of {len({p.source for p in passages})} reports, {len(texts)} in the pool; "
        f"{len(pairs)} structure pairs; training on {len(training)} ({kinds}), "
        f"{len(validation)} + {len(qa_validation)} held out; "
        f"data ready in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    model_dir = ensure_default_model()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    base = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    config = LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.0, target_modules=TARGETS)
    model = get_peft_model(base, config)
    encode = Encoder(model, tokenizer, args.max_tokens)
    model.eval()
    before = recall_at_1(encode, validation)
    print(f"held-out inverse-cloze recall@1 before: {before:.3f}", flush=True)
    qa_before = recall_at_1(encode, qa_validation) if qa_validation else 0.0
    if qa_validation:
        print(f"held-out question recall@1 before: {qa_before:.3f}", flush=True)

    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.0)
    from schedule import warmup_then_decay  # train/, beside this script

    schedule = warmup_then_decay(optimiser, args.steps)
    losses: list[float] = []
    train_started = time.perf_counter()
    for step in range(args.steps):
        chunk = range(step * args.batch, min((step + 1) * args.batch, len(training)))
        if not chunk:
            break
        queries = encode([training[i].query for i in chunk], "query: ")
        docs = encode(
            [training[i].positive for i in chunk] + [texts[negatives[i]] for i in chunk], "passage: "
        )
        logits = queries @ docs.T / args.temperature
        loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(chunk)))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        if (step + 1) % 5 == 0 or step == 0:
            recent = np.mean(losses[-5:])
            print(
                f"step {step + 1:4d}/{args.steps}  loss {losses[-1]:.4f}  (mean of last 5: {recent:.4f})  "
                f"{time.perf_counter() - train_started:.0f} s",
                flush=True,
            )
    train_seconds = time.perf_counter() - train_started

    model.eval()
    after = recall_at_1(encode, validation)
    print(f"held-out inverse-cloze recall@1 after: {after:.3f} (before {before:.3f})")
    qa_after = recall_at_1(encode, qa_validation) if qa_validation else 0.0
    if qa_validation:
        print(f"held-out question recall@1 after: {qa_after:.3f} (before {qa_before:.3f})")
    tenth = max(1, len(losses) // 10)
    print(
        f"loss: first {tenth} steps {np.mean(losses[:tenth]):.4f}, last {tenth} steps "
        f"{np.mean(losses[-tenth:]):.4f}; training {train_seconds:.0f} s, "
        f"wall time {time.perf_counter() - started:.0f} s on {args.threads} thread(s)"
    )
    state = lora_state(model.named_parameters())
    recipe = {
        "base": model_fingerprint(model_dir),
        "rank": str(args.rank),
        "alpha": str(args.alpha),
        "steps": str(len(losses)),
        "batch": str(args.batch),
        "lr": str(args.lr),
        "temperature": str(args.temperature),
        "seed": str(args.seed),
        "data": "gov-work-reports: inverse cloze, heading-section, title-opening; BM25 hard negatives",
        "validation_recall_at_1": f"{before:.3f} -> {after:.3f}",
    }
    if args.pairs != "gov":
        share = args.gov_share if args.pairs == "mix" else 0.0
        recipe["data"] = (
            f"questions of {', '.join(f.name for f in args.qa_files)} (window {args.window}), "
            f"{share:.2f} of the pairs from the reports' structure; BM25 hard negatives"
        )
        recipe["validation_question_recall_at_1"] = f"{qa_before:.3f} -> {qa_after:.3f}"
    save_adapter(args.out, state, args.rank, args.alpha, recipe)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
