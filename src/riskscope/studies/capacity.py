"""Upper bounds on a spec by what the machine can hold, checked before anything runs.

Without them `width = 10**9`, `n_train = 10**12`, `depth = 10**6` or `seeds = 10**9` end in an
allocation failure, a MemoryError or a silent hang deep inside training. Here each ensemble is
estimated before it is built, and a spec whose largest ensemble would not fit in the memory
available for its device is refused, naming the field that dominates, the estimate and the
limit. The estimate (float32, bytes):

    parameters   P = in·w + w + (depth−1)(w² + w) + w·out + out      per member (MLP)
    state        4·P·m        (weights, gradients, two optimizer moments; m members)
    data         n_train·(in + out)·m   (each member may draw its own training set)
    evaluation   eval_samples·(in + out) + eval_samples·w·m      (one layer at a time)
    activations  3·batch·w·depth·m      (forward values kept for the backward pass)

It is an order-of-magnitude guard, not an allocator: the limit is half the available memory,
and only specs far beyond it are refused. Steps are bounded by `MAX_STEPS` (a step budget
beyond it is a hang, whatever the memory), and the number of trials by `MAX_TRIALS`.
"""

from __future__ import annotations

from riskscope.core.errors import SpecError
from riskscope.core.memory import MEMORY_SHARE, available_bytes, gib

BYTES = 4
MAX_STEPS = 10**9
MAX_TRIALS = 200_000


def ensemble_bytes(input_dim: int, output_dim: int, width: int, depth: int, n_train: int,
                   eval_samples: int, batch_size: int, members: int) -> dict[str, int]:
    """The estimate of the module docstring, by part."""
    p = input_dim * width + width + (depth - 1) * (width * width + width) + width * output_dim \
        + output_dim
    batch = batch_size or n_train
    return {
        "model.width": 4 * p * members * BYTES,  # parameters and optimizer state
        "data.n_train": n_train * (input_dim + output_dim) * members * BYTES,
        "data.eval_samples": (eval_samples * (input_dim + output_dim)
                              + eval_samples * width * members) * BYTES,
        "activations": 3 * batch * width * depth * members * BYTES,
    }


def check_trial_count(n_points: int, n_seeds: int) -> None:
    total = n_points * n_seeds
    if total > MAX_TRIALS:
        field = "seeds" if n_seeds > n_points else "grid"
        raise SpecError(field, f"{n_points} grid points × {n_seeds} seeds = {total} trials",
                        f"at most {MAX_TRIALS} trials in one spec (each is a row in the store "
                        "and a training run); split the study")


def check_ensemble_fits(params: dict, input_dim: int, output_dim: int, members: int,
                        device: str) -> None:
    """SpecError when one ensemble of `members` trials like `params` cannot fit."""
    training, model, data = params["training"], params["model"], params["data"]
    if training["steps"] > MAX_STEPS:
        raise SpecError("training.steps", training["steps"], f"at most {MAX_STEPS:.0e} steps "
                        "(a longer budget does not finish)")
    if model.get("family", "mlp") != "mlp":
        # the estimate below is the MLP's (width × depth); other families are bounded by their
        # own parameter models, and their ensembles' memory is not estimated yet
        return
    parts = ensemble_bytes(input_dim, output_dim, model["width"], model["depth"],
                           data["n_train"], data["eval_samples"], training["batch_size"],
                           members)
    total, limit = sum(parts.values()), MEMORY_SHARE * available_bytes(device)
    if total <= limit:
        return
    field = max(parts, key=parts.get)
    deep = model["depth"] > model["width"]
    if field == "activations":
        field = "model.depth" if deep else (
            "training.batch_size" if training["batch_size"] else "data.n_train")
    if field == "model.width" and deep:
        field = "model.depth"
    value = {"model.width": model["width"], "model.depth": model["depth"],
             "data.n_train": data["n_train"], "data.eval_samples": data["eval_samples"],
             "training.batch_size": training["batch_size"]}[field]
    raise SpecError(field, value, f"a size whose ensemble fits in memory: {members} members "
                    f"would need about {gib(total)}, and this machine has {gib(limit)} for "
                    f"one ensemble (half the available memory on {device})",
                    "reduce it, or the seeds per ensemble (max_group_size)")
