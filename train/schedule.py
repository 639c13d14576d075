"""The learning-rate schedule of the training scripts: linear warm-up, then linear decay to zero."""

from __future__ import annotations

from typing import Any


def warmup_then_decay(optimiser: Any, steps: int) -> Any:
    """A ``torch.optim.lr_scheduler.LambdaLR`` over ``steps`` steps: the first tenth (at least one
    step) rises linearly to the full rate, the rest falls linearly to zero (the usual
    fine-tuning schedule of BERT, Devlin et al. 2019)."""
    import torch

    warmup = max(1, steps // 10)
    decay = max(1, steps - warmup)  # a run of one step has nothing to decay over
    return torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / decay))
    )
