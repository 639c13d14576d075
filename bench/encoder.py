"""The levers on the e5 forward pass: runtime, threads and int8 quantisation.

    .venv/bin/python bench/encoder.py

Prints, for sentence-transformers on torch and for the ONNX export on ONNX Runtime (what
``qa`` uses), with two threads and with one: the time a fresh process takes to import
and load the model, the median time to encode one question (100 distinct questions,
the query cache bypassed) and passages per second on the seeds' passages. A last row
quantises the ONNX export to int8 (``onnxruntime.quantization.quantize_dynamic``) and
reports how far its vectors move from the float model's (cosine).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]

LOAD = {
    "torch": "from qa.model.sentence_transformer import SentenceTransformerEmbedder as E; e = E.load()",
    "onnx": "from qa.model.onnx_encoder import OnnxEmbedder as E; e = E.load_default()",
}


def cold_load_seconds(runtime: str) -> float:
    """A fresh interpreter: import the runtime and load the model."""
    code = f"import time; t = time.perf_counter(); {LOAD[runtime]}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def workload() -> tuple[list[str], list[str]]:
    from qa.index.load import load_index
    from qa.retrieve.evaluate import default_questions_path, load_questions

    questions = [q.question for q in load_questions(default_questions_path())][:100]
    passages = [p.text for p in load_index(REPO / "index").passages]
    return questions, passages


def measure(encode_one, encode_many, questions: list[str], passages: list[str]) -> tuple[float, float]:
    encode_one(questions[0])
    times = []
    for question in questions:
        started = time.perf_counter()
        encode_one(question)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    encode_many(passages)
    return statistics.median(times) * 1000, len(passages) / (time.perf_counter() - started)


def main() -> None:
    import onnxruntime
    import torch

    from qa.model.onnx_encoder import OnnxEmbedder
    from qa.model.onnx_export import ONNX_FILE
    from qa.model.sentence_transformer import SentenceTransformerEmbedder

    questions, passages = workload()
    st = SentenceTransformerEmbedder.load()
    ort = OnnxEmbedder.load_default()
    print(f"{'runtime':<26} {'threads':>7} {'load s':>7} {'query ms':>9} {'passages/s':>11} {'cosine':>7}")
    cold = {runtime: cold_load_seconds(runtime) for runtime in LOAD}

    def st_one(q: str) -> None:
        st.model.encode_query([q], convert_to_numpy=True)

    for threads in (2, 1):
        torch.set_num_threads(threads)
        query_ms, rate = measure(st_one, st.encode_documents, questions, passages)
        print(
            f"{'sentence-transformers':<26} {threads:>7} {cold['torch']:>7.1f} {query_ms:>9.1f} {rate:>11.1f}"
        )
    torch.set_num_threads(2)
    reference = st.encode_documents(passages)

    model_dir = st.model_dir
    variants = [("onnxruntime fp32", model_dir / ONNX_FILE)]
    scratch = Path(tempfile.mkdtemp())
    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8 = scratch / "model-int8.onnx"
    quantize_dynamic(str(model_dir / ONNX_FILE), str(int8), weight_type=QuantType.QInt8)
    variants.append(("onnxruntime int8", int8))
    for label, path in variants:
        for threads in (2, 1):
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            ort.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

            def ort_one(q: str) -> None:
                ort._encode([q], ort.prompts["query"])

            query_ms, rate = measure(ort_one, ort.encode_documents, questions, passages)
            cosine = float(np.min(np.sum(ort.encode_documents(passages) * reference, axis=1)))
            load = f"{cold['onnx']:>7.1f}" if label.endswith("fp32") else f"{'':>7}"
            print(f"{label:<26} {threads:>7} {load} {query_ms:>9.1f} {rate:>11.1f} {cosine:>7.4f}")
    print(json.dumps({"passages": len(passages), "questions": len(questions)}))


if __name__ == "__main__":
    main()
