"""Train the learned ranking function (``qa.retrieve.ranker``) on public reading-comprehension data.

    git -C <DRCD clone> show HEAD:DRCD_dev.json > /tmp/drcd_dev.json        # and DRCD_test.json
    git -C <cmrc2018 clone> show HEAD:squad-style-data/cmrc2018_trial.json > /tmp/cmrc2018_trial.json
    PYTHONPATH=src HF_HUB_OFFLINE=1 .venv/bin/python train/ranker.py --drcd /tmp/drcd_dev.json \
        --drcd /tmp/drcd_test.json --cmrc /tmp/cmrc2018_trial.json [--paragraphs 150] \
        [--index /tmp/qa-ranker/index] [--out src/qa/data/ranker.json] [--seed 0]

Data: DRCD (Delta Reading Comprehension Dataset, github.com/DRCKnowledgeTeam/DRCD, CC BY-SA 3.0;
traditional characters, turned simplified with OpenCC ``t2s``) and CMRC 2018
(github.com/ymcui/cmrc2018, CC BY-SA 4.0) train or trial files: Wikipedia paragraphs with
questions and answer spans. Never the evaluation sets or CMRC 2018 dev (refused by name). From
each file, whole articles drawn by a seeded shuffle until about ``--paragraphs`` paragraphs;
each paragraph becomes one document (the article's title as the first line), all indexed
together with the product's build; every question of those paragraphs is asked of the
product's retriever, and the features of its ``RERANKED`` best fused candidates are recorded
(``ranker_features.json`` beside the index, reused by later runs and by
``train/lambdarank.py``). A candidate is relevant when it contains an answer (``match_form``
on both sides). Questions with no relevant candidate teach nothing and are left out.

Model: a linear score over standardised features trained with the listwise softmax loss
(ListNet, Cao et al. 2007) by full-batch gradient descent, started from the hand-set fusion
(0.3 BM25 + 0.7 dense) and held near it by an L2 penalty. The articles are split 80/20 by a
seeded shuffle; the held-out fifth reports hit@1 of the fusion and of the model. Prints the
loss curve and the wall time; deterministic for a given seed and index.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import opencc

from qa.build.builder import build_index
from qa.model.onnx_encoder import OnnxEmbedder
from qa.retrieve.ranker import FEATURES, LinearRanker
from qa.retrieve.retriever import Retriever
from qa.text.normalise import match_form

ROOT = Path(__file__).resolve().parents[1]


def _squad(path: Path, traditional: bool) -> list[dict]:
    """The articles of a SQuAD-format file (DRCD, CMRC 2018), in simplified characters."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    if not traditional:
        return data
    convert = opencc.OpenCC("t2s").convert
    return json.loads(convert(json.dumps(data, ensure_ascii=False)))


def lay_documents(
    sources: list[tuple[Path, bool]], folder: Path, paragraphs: int, seed: int
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Write about ``paragraphs`` paragraphs of each file (whole articles, drawn by a seeded
    shuffle) as files, the article's title as the first line; their (article, question, answers)."""
    folder.mkdir(parents=True, exist_ok=True)
    questions = []
    for f, (path, traditional) in enumerate(sources):
        articles = _squad(path, traditional)
        random.Random(seed).shuffle(articles)
        written = 0
        for a, article in enumerate(articles):
            if written >= paragraphs:
                break
            for p, paragraph in enumerate(article["paragraphs"]):
                name = f"{path.stem}: {article['title']}"
                (folder / f"{f}_{a:04d}_{p:02d}.txt").write_text(
                    f"{article['title']}\n{paragraph['context']}\n", encoding="utf-8"
                )
                written += 1
                for qa in paragraph["qas"]:
                    answers = tuple(dict.fromkeys(x["text"] for x in qa["answers"] if x["text"].strip()))
                    questions.append((name, qa["question"], answers))
    return questions


def record(retriever: Retriever, questions: list[tuple[str, str, tuple[str, ...]]]) -> list[dict]:
    """Each question's candidates: features, relevance labels, article."""
    lists = []
    for title, question, answers in questions:
        retriever.recorded = []
        retriever.rank(question)
        if not retriever.recorded:
            continue
        rows, matrix = retriever.recorded[0]
        keys = [match_form(retriever.passages[int(r)].text) for r in rows]
        forms = [match_form(a) for a in answers]
        labels = np.array([any(f in k for f in forms) for k in keys], dtype=np.float64)
        lists.append({"article": title, "x": matrix.astype(np.float64), "y": labels})
    retriever.recorded = None
    return lists


def hit1(lists: list[dict], weights: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> float:
    """Share of lists whose best-scored candidate is relevant (lists with none count as misses)."""
    hits = [item["y"][int(np.argmax(((item["x"] - mean) / scale) @ weights))] for item in lists]
    return float(np.mean(hits)) if hits else 0.0


def train(
    lists: list[dict], start: np.ndarray, steps: int, rate: float, l2: float, used: np.ndarray
) -> tuple[np.ndarray, list[float]]:
    """ListNet by gradient descent from ``start``, only the ``used`` weights moving; the weights and
    the loss every 50 steps."""
    w = start.copy()
    curve = []
    for step in range(steps + 1):
        grad = np.zeros_like(w)
        loss = 0.0
        for item in lists:
            s = item["z"] @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            target = item["y"] / item["y"].sum()
            loss -= float(target @ np.log(p + 1e-12))
            grad += item["z"].T @ (p - target)
        loss = loss / len(lists) + l2 * float(np.sum((w - start) ** 2))
        grad = grad / len(lists) + 2 * l2 * (w - start)
        if step % 50 == 0:
            curve.append(loss)
            print(f"step {step:4d} loss {loss:.4f}", flush=True)
        w -= rate * grad * used
    return w, curve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--drcd", type=Path, action="append", default=[], help="a DRCD file (traditional; repeatable)"
    )
    parser.add_argument(
        "--cmrc", type=Path, action="append", default=[], help="a CMRC 2018 train or trial file (SQuAD form)"
    )
    parser.add_argument("--paragraphs", type=int, default=150, help="about this many of each file")
    parser.add_argument(
        "--questions", type=int, help="ask only this many of their questions (a seeded sample), for time"
    )
    parser.add_argument("--index", type=Path, default=Path("/tmp/qa-ranker/index"))
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "qa" / "data" / "ranker.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rate", type=float, default=0.15)
    parser.add_argument("--l2", type=float, default=0.01)
    parser.add_argument(
        "--features", default=",".join(FEATURES), help="the features that may weigh (others: 0)"
    )
    args = parser.parse_args(argv)
    sources = [(path, True) for path in args.drcd] + [(path, False) for path in args.cmrc]
    missing = [str(path) for path, _ in sources if not path.is_file()] or ([] if sources else ["(none)"])
    if missing:
        print(f"No training file at {', '.join(missing)}: see the module's docstring.", file=sys.stderr)
        return 2
    if any("dev" in path.name and "cmrc" in path.name.lower() for path, _ in sources):
        print("CMRC 2018 dev is the external benchmark: never train on it.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    documents = args.index.parent / "documents"
    shutil.rmtree(documents, ignore_errors=True)
    questions = lay_documents(sources, documents, args.paragraphs, args.seed)
    embedder = OnnxEmbedder.load_default()
    if not (args.index / "manifest.json").is_file():  # features recorded beside the index belong to it
        print(f"building {args.index} ...", flush=True)
        build_index(documents, args.index, embedder)
    features = args.index / "ranker_features.json"
    if features.is_file():  # the candidates' features of this index, recorded by an earlier run
        lists = [
            {**item, "x": np.array(item["x"]), "y": np.array(item["y"])}
            for item in json.loads(features.read_text())
        ]
    else:
        retriever = Retriever(args.index, embedder=embedder)
        retriever.ranker = None
        if args.questions is not None and args.questions < len(questions):
            questions = random.Random(args.seed).sample(questions, args.questions)
        lists = [item for item in record(retriever, questions) if item["y"].any()]
        plain = [{**item, "x": item["x"].tolist(), "y": item["y"].tolist()} for item in lists]
        features.write_text(json.dumps(plain, ensure_ascii=False), encoding="utf-8")
    seconds = time.perf_counter() - started
    print(f"{len(questions)} questions, {len(lists)} with a relevant candidate ({seconds:.0f} s)")
    articles = sorted({item["article"] for item in lists})
    random.Random(args.seed).shuffle(articles)
    held = set(articles[: len(articles) // 5])
    fit = [item for item in lists if item["article"] not in held]
    check = [item for item in lists if item["article"] in held]
    stacked = np.concatenate([item["x"] for item in fit])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    for item in lists:
        item["z"] = (item["x"] - mean) / scale
    base = np.zeros(len(FEATURES))
    base[FEATURES.index("bm25")], base[FEATURES.index("dense")] = 0.3, 0.7
    start = base * scale * 5  # the fusion in standardised units, sharpened for the softmax
    used = np.array([name in args.features.split(",") for name in FEATURES], dtype=np.float64)
    weights, _ = train(fit, start, args.steps, args.rate, args.l2, used)
    for name, part in (("fit", fit), ("held-out", check)):
        fusion = hit1(part, base, np.zeros_like(mean), np.ones_like(scale))
        learned = hit1(part, weights, mean, scale)
        print(f"{name} ({len(part)} questions): hit@1 fusion {fusion:.3f} -> learned {learned:.3f}")
    print("weights: " + ", ".join(f"{n} {w:+.3f}" for n, w in zip(FEATURES, weights, strict=True)))
    names = ", ".join(path.name for path, _ in sources)
    source = f"{names}: about {args.paragraphs} paragraphs each, {len(fit)} questions, seed {args.seed}"
    LinearRanker(weights, mean, scale, trained_on=source).save(args.out)
    print(f"wrote {args.out}; wall time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
