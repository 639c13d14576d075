"""Train the cross-encoder reranker initialised from e5-small (issue 22, lever 3).

    PYTHONPATH=src HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python train/reranker.py \
        [--layers 4] [--steps 300] [--out FILE]

**Data, without any hub and without any question we evaluate with**: public Chinese
reading-comprehension questions with the paragraph that answers them, read from the git
mirrors of their repositories (``--drcd``, ``--cmrc``): DRCD's dev and test sets
(DRCKnowledgeTeam/DRCD, CC BY-SA 3.0, traditional characters converted with OpenCC ``t2s``)
and the CMRC 2018 trial set (ymcui/cmrc2018, CC BY-SA 4.0). Their training files are not in
the mirrors. CMRC 2018 dev (the external benchmark), the seeds' questions and ``eval/`` are
never read. Each paragraph is cut at sentence ends into windows of at most 200 characters (the
pass's window); a question's positive is the window holding its answer.

**Negatives** (hard, three per question): one other window of the same article when there is
one, the rest among the ten best BM25 windows of the whole pool (the product's
``LexicalIndex`` and jieba) that neither are the positive nor contain the answer.

**Model and loss**: ``qa.model.cross_encoder.pair_model`` (e5's first ``--layers`` layers, mean
pooling, a linear head; the embeddings and all but the top ``--trained-layers`` layers frozen,
the token embeddings left out of the file); softmax
cross-entropy over each question's positive and its negatives (listwise, as monoBERT's
successors train); AdamW, linear warm-up and decay, the head at ``--head-lr``. Seeded (python,
numpy, torch), on ``--threads`` threads (default 1: the machine is shared); it prints the loss
curve, the held-out accuracy (positive first among its group, 100 CMRC trial questions of
articles never trained on) before and after, and the wall time. ``--steps 0`` writes the
untrained model (a random head) for timing the pass without reading any data.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MIRRORS = Path("/work/.mirror")
DRCD = MIRRORS / "DRCKnowledgeTeam+DRCD" / "repo"
CMRC = MIRRORS / "ymcui+cmrc2018" / "repo"
DRCD_FILES = ("DRCD_dev.json", "DRCD_test.json")
CMRC_FILES = ("squad-style-data/cmrc2018_trial.json",)
WINDOW = 200  # characters, as the pass reads (``qa.retrieve.rerank.RerankSettings.window``)


@dataclass(frozen=True)
class Example:
    """One question, its positive window and its negative windows (rows of the pool)."""

    question: str
    answer: str
    positive: int
    article: str


def git_json(repo: Path, name: str) -> Any:
    """A JSON file from the HEAD of a git mirror (no work tree there)."""
    shown = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=True)
    return json.loads(shown.stdout)


def windows_of(context: str) -> list[tuple[int, str]]:
    """``context`` cut at sentence ends into windows of at most ``WINDOW`` characters: (start, text)."""
    from qa.passages.cutting import sentences_of

    out: list[tuple[int, str]] = []
    start, current = 0, ""
    for sentence in sentences_of(context):
        at = context.find(sentence, start + len(current))
        if current and len(current) + len(sentence) > WINDOW:
            out.append((start, current))
            start, current = at if at >= 0 else start + len(current), ""
        current += sentence
    if current:
        out.append((start, current))
    return out


def read_sets(drcd: Path, cmrc: Path) -> tuple[list[str], list[str], list[Example]]:
    """The window pool, each window's article, and the examples (DRCD in simplified characters)."""
    import opencc

    t2s = opencc.OpenCC("t2s").convert
    pool: list[str] = []
    articles: list[str] = []
    examples: list[Example] = []
    sources = [(drcd, f, t2s) for f in DRCD_FILES] + [(cmrc, f, str) for f in CMRC_FILES]
    for repo, name, convert in sources:
        for article in git_json(repo, name)["data"]:
            tag = f"{name}:{article.get('id') or article['title']}"
            for paragraph in article["paragraphs"]:
                context = convert(paragraph["context"])
                first = len(pool)
                for _, text in windows_of(context):
                    pool.append(text)
                    articles.append(tag)
                for qa in paragraph["qas"]:
                    answer = convert(qa["answers"][0]["text"]).strip()
                    holding = [r for r in range(first, len(pool)) if answer and answer in pool[r]]
                    if holding:
                        examples.append(Example(convert(qa["question"]), answer, holding[0], tag))
    return pool, articles, examples


def mine_negatives(
    examples: list[Example], pool: list[str], articles: list[str], rng: random.Random, count: int = 3
) -> list[list[int]]:
    """For each example, ``count`` hard negative rows (see the module's docstring)."""
    from qa.index.bm25 import LexicalIndex
    from qa.index.layout import make_tokenizer
    from qa.text.tokens import LexicalSettings

    lexical = LexicalIndex.build(pool, make_tokenizer(LexicalSettings(), []))
    by_article: dict[str, list[int]] = {}
    for row, tag in enumerate(articles):
        by_article.setdefault(tag, []).append(row)
    out = []
    for ex in examples:
        fine = [r != ex.positive and ex.answer not in text for r, text in enumerate(pool)]
        same = [r for r in by_article[ex.article] if fine[r]]
        chosen = [rng.choice(same)] if same else []
        order = np.argsort(-lexical.scores(ex.question), kind="stable")[:30]
        lexical_top = [int(r) for r in order if fine[int(r)] and int(r) not in chosen][:10]
        chosen += rng.sample(lexical_top, min(count - len(chosen), len(lexical_top)))
        while len(chosen) < count:
            chosen.append(rng.randrange(len(pool)))
        out.append(chosen)
    return out


def group_scores(model: Any, tokenizer: Any, ex: Example, rows: list[int], pool: list[str]) -> Any:
    import torch

    from qa.model.cross_encoder import pair_arrays

    ids, mask = pair_arrays(tokenizer, ex.question, [pool[ex.positive]] + [pool[r] for r in rows])
    return model(torch.from_numpy(ids), torch.from_numpy(mask))


def held_out_accuracy(
    model: Any, tokenizer: Any, held: list[tuple[Example, list[int]]], pool: list[str]
) -> float:
    """Share of held-out questions whose positive scores above all its negatives."""
    import torch

    model.eval()
    with torch.no_grad():
        wins = [int(group_scores(model, tokenizer, ex, rows, pool).argmax()) == 0 for ex, rows in held]
    model.train()
    return float(np.mean(wins))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layers", type=int, default=4, help="e5 layers kept (1-12; default 4)")
    parser.add_argument("--steps", type=int, default=300, help="optimiser steps (0: the untrained model)")
    parser.add_argument("--batch", type=int, default=8, help="questions per step (each with 3 negatives)")
    parser.add_argument("--max-tokens", type=int, default=160, help="pair tokens kept (passage cut)")
    parser.add_argument("--trained-layers", type=int, default=2, help="top layers trained, the rest frozen")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--held-out", type=int, default=100)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--drcd", type=Path, default=DRCD, help="git mirror of DRCKnowledgeTeam/DRCD")
    parser.add_argument("--cmrc", type=Path, default=CMRC, help="git mirror of ymcui/cmrc2018")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not 1 <= args.layers <= 12:
        parser.error(f"--layers must be 1 to 12, not {args.layers}")
    import torch

    from qa.model.cross_encoder import pair_model, pair_tokenizer, save_cross_encoder, trained_weights
    from qa.model.default import ensure_default_model, model_fingerprint

    started = time.perf_counter()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(args.seed)
    base_dir = ensure_default_model()
    model = pair_model(base_dir, args.layers)
    frozen = args.layers - args.trained_layers
    for name, weight in model.encoder.named_parameters():  # embeddings and the lower layers stay e5's
        if name.startswith("embeddings.") or any(
            name.startswith(f"encoder.layer.{i}.") for i in range(frozen)
        ):
            weight.requires_grad_(False)
    tokenizer = pair_tokenizer(base_dir, args.max_tokens)
    recipe = {
        "base": model_fingerprint(base_dir),
        "layers": str(args.layers),
        "trained_layers": str(args.trained_layers),
        "max_tokens": str(args.max_tokens),
        "steps": str(args.steps),
        "batch": str(args.batch),
        "lr": f"{args.lr} (head {args.head_lr})",
        "seed": str(args.seed),
        "data": "DRCD dev+test (t2s) and CMRC 2018 trial: question -> answer window; "
        "1 same-article + BM25 hard negatives",
    }
    if args.steps > 0:
        pool, articles, examples = read_sets(args.drcd, args.cmrc)
        trial = sorted({e.article for e in examples if e.article.startswith(CMRC_FILES[0])})
        held_articles = set(rng.sample(trial, len(trial) // 4))
        held_pool = [e for e in examples if e.article in held_articles]
        training = [e for e in examples if e.article not in held_articles]
        rng.shuffle(training)
        training = training[: args.steps * args.batch]
        held = rng.sample(held_pool, min(args.held_out, len(held_pool)))
        negatives = mine_negatives(training + held, pool, articles, rng)
        held_groups = list(zip(held, negatives[len(training) :], strict=True))
        print(
            f"{len(pool)} windows, {len(examples)} questions; training on {len(training)}, "
            f"{len(held)} held out (CMRC trial articles never trained on); "
            f"data ready in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        before = held_out_accuracy(model, tokenizer, held_groups, pool)
        print(f"held-out accuracy (positive first of 4) before: {before:.3f}", flush=True)
        head = list(model.head.parameters())
        body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
        optimiser = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}])
        from schedule import warmup_then_decay  # train/, beside this script

        schedule = warmup_then_decay(optimiser, args.steps)
        model.train()
        losses: list[float] = []
        train_started = time.perf_counter()
        for step in range(args.steps):
            chunk = range(step * args.batch, min((step + 1) * args.batch, len(training)))
            if not chunk:
                break
            scores = torch.stack(
                [group_scores(model, tokenizer, training[i], negatives[i], pool) for i in chunk]
            )
            loss = torch.nn.functional.cross_entropy(scores, torch.zeros(len(chunk), dtype=torch.long))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(float(loss.detach()))
            if (step + 1) % 10 == 0 or step == 0:
                print(
                    f"step {step + 1:4d}/{args.steps}  loss {losses[-1]:.4f}  (mean of last 10: "
                    f"{np.mean(losses[-10:]):.4f})  {time.perf_counter() - train_started:.0f} s",
                    flush=True,
                )
        after = held_out_accuracy(model, tokenizer, held_groups, pool)
        tenth = max(1, len(losses) // 10)
        print(
            f"held-out accuracy after: {after:.3f} (before {before:.3f}; chance 0.25)\n"
            f"loss: first {tenth} steps {np.mean(losses[:tenth]):.4f}, last {tenth} steps "
            f"{np.mean(losses[-tenth:]):.4f}; training {time.perf_counter() - train_started:.0f} s"
        )
        recipe["held_out_accuracy"] = f"{before:.3f} -> {after:.3f}"
    model.eval()
    save_cross_encoder(args.out, trained_weights(model), args.layers, args.max_tokens, recipe)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); wall time "
        f"{time.perf_counter() - started:.0f} s on {args.threads} thread(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
