"""Train LightGBM's lambdarank over the learned ranker's features, export its trees for numpy.

    PYTHONPATH=src HF_HUB_OFFLINE=1 .venv/bin/python train/lambdarank.py \\
        --features /tmp/qa-ranker/index/ranker_features.json [--out src/qa/data/lambdarank.json] [--seed 0]

Needs the ``train`` extras (``lightgbm==4.7.0``); serving does not (``qa.retrieve.trees``).
Input: the candidates' features that ``train/ranker.py`` recorded beside its training index
(DRCD and CMRC 2018 trial questions asked of the product's retriever; the ``FEATURES`` of the
30 best fused candidates, label 1 when the passage holds an answer). Never CMRC 2018 dev or an
evaluation set.

The articles are split 80/20 by the same seeded shuffle as ``train/ranker.py``. Every setting
of a small grid (leaves, learning rate, smallest leaf, rounds) is trained on the 80% and
judged on the held-out 20% (hit@1, then MRR); the best is trained again on all the articles
with the same rounds and exported. Prints the grid, the held-out hit@1 of the fusion (the
recorded order) and of the best setting, the largest difference between LightGBM's and numpy's
scores, and the wall time. Deterministic for a given seed (one thread, ``deterministic``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from qa.retrieve.ranker import FEATURES, TreeRanker
from qa.retrieve.trees import Trees

ROOT = Path(__file__).resolve().parents[1]
LEAVES = (7, 15, 31)
RATES = (0.03, 0.1)
SMALLEST_LEAF = (20, 100)
ROUNDS = (25, 50, 100, 200, 400)


def quality(lists: list[dict], scores: list[np.ndarray]) -> tuple[float, float]:
    """hit@1 and MRR@10 of ``scores`` (one array per list) on the lists' labels."""
    hits, reciprocal = [], []
    for item, s in zip(lists, scores, strict=True):
        order = np.argsort(-s, kind="stable")
        labels = item["y"][order]
        hits.append(float(labels[0]))
        first = np.flatnonzero(labels[:10])
        reciprocal.append(1 / (1 + first[0]) if len(first) else 0.0)
    return float(np.mean(hits)), float(np.mean(reciprocal))


def dataset(lists: list[dict]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    return (
        np.concatenate([item["x"] for item in lists]),
        np.concatenate([item["y"] for item in lists]),
        [len(item["y"]) for item in lists],
    )


def fit(lists: list[dict], leaves: int, rate: float, smallest: int, rounds: int, seed: int) -> Any:
    import lightgbm  # the train extras only

    x, y, groups = dataset(lists)
    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "ndcg_eval_at": [1],
        "num_leaves": leaves,
        "learning_rate": rate,
        "min_data_in_leaf": smallest,
        "lambdarank_truncation_level": 10,
        "num_threads": 1,
        "deterministic": True,
        "force_row_wise": True,
        "seed": seed,
        "verbosity": -1,
    }
    train = lightgbm.Dataset(x, y, group=groups, feature_name=list(FEATURES), free_raw_data=False)
    return lightgbm.train(params, train, num_boost_round=rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--features", type=Path, default=Path("/tmp/qa-ranker/index/ranker_features.json"))
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "qa" / "data" / "lambdarank.json")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.features.is_file():
        print(f"No recorded features at {args.features}: run train/ranker.py first.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    lists = [
        {**item, "x": np.array(item["x"]), "y": np.array(item["y"])}
        for item in json.loads(args.features.read_text(encoding="utf-8"))
    ]
    articles = sorted({item["article"] for item in lists})
    random.Random(args.seed).shuffle(articles)
    held = set(articles[: len(articles) // 5])
    fit_part = [item for item in lists if item["article"] not in held]
    check = [item for item in lists if item["article"] in held]
    fusion = quality(check, [-np.arange(len(item["y"]), dtype=np.float64) for item in check])
    print(
        f"{len(lists)} lists ({len(fit_part)} fit, {len(check)} held out); held-out fusion "
        f"hit@1 {fusion[0]:.3f} MRR {fusion[1]:.3f}",
        flush=True,
    )
    best: tuple[tuple[float, float], tuple[int, float, int, int]] | None = None
    for leaves, rate, smallest in itertools.product(LEAVES, RATES, SMALLEST_LEAF):
        booster = fit(fit_part, leaves, rate, smallest, max(ROUNDS), args.seed)
        for rounds in ROUNDS:
            got = quality(check, [booster.predict(item["x"], num_iteration=rounds) for item in check])
            print(
                f"leaves {leaves:2d} rate {rate} min leaf {smallest:3d} rounds {rounds:3d}: "
                f"held-out hit@1 {got[0]:.3f} MRR {got[1]:.3f}",
                flush=True,
            )
            if best is None or got > best[0]:
                best = (got, (leaves, rate, smallest, rounds))
    assert best is not None
    (got, (leaves, rate, smallest, rounds)) = best
    print(
        f"chosen: leaves {leaves}, rate {rate}, min leaf {smallest}, rounds {rounds}: held-out hit@1 "
        f"{fusion[0]:.3f} (fusion) -> {got[0]:.3f}, MRR {fusion[1]:.3f} -> {got[1]:.3f}"
    )
    booster = fit(lists, leaves, rate, smallest, rounds, args.seed)
    trees = Trees.from_lightgbm(booster.dump_model())
    x = dataset(lists)[0]
    drift = float(np.abs(trees.predict(x) - booster.predict(x)).max())
    print(f"largest |numpy - LightGBM| score over {len(x)} rows: {drift:.2e}")
    source = (
        f"{args.features}: {len(lists)} questions, lambdarank leaves {leaves} rate {rate} "
        f"min leaf {smallest} rounds {rounds}, seed {args.seed}"
    )
    TreeRanker(trees, trained_on=source).save(args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1024:.0f} KB); wall time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
