"""The e5 model exported to ONNX once, at conversion, and its int8 copy.

torch runs here and in conversion only, never in the serving process.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


ONNX_FILE = Path("onnx") / "model.onnx"


ONNX_INT8_FILE = Path("onnx") / "model_int8.onnx"


# The weights live beside the graph, not inside it: ONNX Runtime then memory-maps them
# instead of copying them out of a parsed protobuf (0.1 s and ~150 MB instead of 0.9 s
# and ~530 MB), and only the embedding rows of tokens actually seen are read.
ONNX_WEIGHTS = "model.onnx_data"


def has_onnx_export(model_dir: Path) -> bool:
    """Whether ``model_dir`` holds a complete export (graph and weights)."""
    return (model_dir / ONNX_FILE).is_file() and (model_dir / ONNX_FILE).with_name(ONNX_WEIGHTS).is_file()


def export_onnx(model_dir: Path) -> Path:
    """Export the transformer of a converted e5 folder, pooled and normalised, to ``onnx/model.onnx``.

    Written into a temporary folder renamed into place, so an interrupted export leaves
    nothing behind.
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    transformers_logging.disable_progress_bar()
    target = model_dir / ONNX_FILE
    model = Pooled(AutoModel.from_pretrained(str(model_dir), local_files_only=True)).eval()
    scratch = Path(tempfile.mkdtemp(prefix=".onnx-", dir=model_dir))
    scratch.chmod(0o755)  # readable like the rest of the model folder, not mkdtemp's 0700
    try:
        trace_onnx(model, scratch / target.name, "embedding")
        shutil.rmtree(target.parent, ignore_errors=True)
        os.replace(scratch, target.parent)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def trace_onnx(model: Any, path: Path, output: str) -> None:
    """Trace a torch module ``forward(input_ids, attention_mask) -> (batch, ...)`` into the ONNX
    graph ``path``, its weights in ``ONNX_WEIGHTS`` beside it (batch and tokens dynamic)."""
    import onnx
    import torch

    example = (torch.tensor([[0, 6, 5, 2], [0, 6, 2, 1]]), torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]))
    dynamic = {0: "batch", 1: "tokens"}
    traced = path.with_name(f".traced-{path.name}")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on shape checks the test cases cover
            torch.onnx.export(
                model,
                example,
                str(traced),
                input_names=["input_ids", "attention_mask"],
                output_names=[output],
                dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, output: {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        graph = onnx.load(str(traced))
        onnx.save_model(graph, str(path), save_as_external_data=True, location=ONNX_WEIGHTS)
    finally:
        traced.unlink(missing_ok=True)


def quantise_onnx(model_dir: Path) -> Path:
    """Write ``onnx/model_int8.onnx`` beside the fp32 export (dynamic int8 quantisation).

    ONNX Runtime's ``quantize_dynamic`` with int8 weights for MatMul and Gather (the token
    embeddings, three quarters of the weights); activations are quantised per batch at run
    time. Written under a temporary name and renamed into place.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = model_dir / ONNX_INT8_FILE
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        quantize_dynamic(
            model_dir / ONNX_FILE,
            scratch,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Gather"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        scratch.chmod(0o644)
        os.replace(scratch, target)
    finally:
        scratch.unlink(missing_ok=True)
    return target
