"""The preference model's loss on soft labels (Constitutional AI).

For a pair with reward r_c for the chosen side, r_r for the rejected one, and p the probability
that the chosen side is preferred (the judge's normalised (A)/(B) probability; 0.5 for a kept tie;
1 for a human preference):

    loss = -[p log s(r_c - r_r) + (1 - p) log s(r_r - r_c)],   s the logistic function.

With p = 1 it is TRL's RewardTrainer loss. Chain-of-thought labels are clamped to [0.4, 0.6] by
the judge, so this is where that clamp shapes training, as the paper intends.
"""

from __future__ import annotations

import math

import torch
import trl
from torch.nn import functional as F
from trl.trainer.reward_trainer import DataCollatorForPreference


def soft_preference_loss(chosen: torch.Tensor, rejected: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """The mean soft-label loss over a batch (the formula in the module's docstring)."""
    margin = chosen - rejected
    return -(p * F.logsigmoid(margin) + (1 - p) * F.logsigmoid(-margin)).mean()


def soft_preference_loss_of(chosen: float, rejected: float, p: float) -> float:
    """The same for one pair, in plain floats (for reading and for tests)."""
    def log_sigmoid(x: float) -> float:
        return -math.log1p(math.exp(-x))

    return -(p * log_sigmoid(chosen - rejected) + (1 - p) * log_sigmoid(rejected - chosen))


class SoftPreferenceCollator(DataCollatorForPreference):
    """TRL's preference collator, carrying each pair's target p along."""

    def torch_call(self, examples):
        batch = super().torch_call(examples)
        batch["target"] = torch.tensor([float(e["target"]) for e in examples], dtype=torch.float)
        return batch


class SoftRewardTrainer(trl.RewardTrainer):
    """TRL's RewardTrainer with the soft-label loss; its metrics (accuracy, margin) are unchanged."""

    def __init__(self, *args, processing_class=None, **kwargs):
        pad = processing_class.pad_token_id if processing_class.pad_token_id is not None else processing_class.eos_token_id
        kwargs.setdefault("data_collator", SoftPreferenceCollator(pad_token_id=pad))
        super().__init__(*args, processing_class=processing_class, **kwargs)

    def _set_signature_columns_if_needed(self):
        if self._signature_columns is None:
            self._signature_columns = ["chosen_ids", "rejected_ids", "target"]

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        p = inputs.pop("target")
        inputs["use_cache"] = False
        outputs = model(**inputs)
        chosen, rejected = torch.chunk(outputs.logits.squeeze(-1), chunks=2)
        loss = soft_preference_loss(chosen, rejected, p.to(chosen.dtype))
        mode = "train" if self.model.training else "eval"
        with torch.no_grad():
            self._metrics[mode]["accuracy"].append((chosen > rejected).float().mean().item())
            self._metrics[mode]["margin"].append((chosen - rejected).mean().item())
            self._metrics[mode]["soft_target"].append(p.float().mean().item())
        return (loss, outputs) if return_outputs else loss
