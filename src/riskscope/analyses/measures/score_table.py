"""Score every stored complexity measure of a model zoo: Kendall τ, granulated Ψ, CMI.

`score_measures(trials)` takes the trials DataFrame of a run (`Store.trials(run_id)`: params as
dotted columns, results as `result.<key>`) of the `measures` study, or any frame with one
column per measure, a gap column and hyperparameter columns. `plot_measure_scores(table)`
draws the three scores per measure as bars (a matplotlib Figure, no pyplot state).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from riskscope.analyses.measures.api import MEASURES
from riskscope.analyses.measures.cmi import cmi_score
from riskscope.analyses.measures.kendall import granulated_kendall, kendall_tau
from riskscope.core.errors import SpecError

#: trial columns that are bookkeeping, never hyperparameters
_BOOKKEEPING = {"trial_hash", "status", "group_id", "started_at", "finished_at", "duration_s",
                "error", "source_run", "environment", "environment_json", "format", "study"}


def zoo_hyperparameters(trials: pd.DataFrame, replicates: Sequence[str]) -> list[str]:
    """Parameter columns that vary across the zoo (not results, not replicates)."""
    return [c for c in trials.columns
            if not c.startswith("result.") and c not in _BOOKKEEPING and c not in replicates
            and trials[c].map(repr).nunique() > 1]


def score_measures(trials: pd.DataFrame, *, gap: str = "result.generalization_gap",
                   measure_prefix: str = "result.measure_",
                   measures: Sequence[str] | None = None,
                   hyperparameters: Sequence[str] | None = None,
                   replicates: Sequence[str] = ("seed", "data_seed"),
                   only: str | None = None) -> pd.DataFrame:
    """One row per measure: tau, psi, cmi, n_models, and psi_<axis> for each axis.

    only: a boolean column; only the models where it is true are scored, e.g.
    "result.reached_target_loss" for the models trained to the target cross-entropy (Jiang et
    al. 2020 compare models at equal training loss).

    >>> import pandas as pd
    >>> zoo = pd.DataFrame({"width": [8, 8, 16, 16], "seed": [0, 1, 0, 1],
    ...                     "result.generalization_gap": [0.10, 0.12, 0.20, 0.25],
    ...                     "result.measure_path_norm": [1.0, 1.1, 2.0, 2.4]})
    >>> score_measures(zoo, measures=["path_norm"])[["measure", "tau", "psi"]].to_dict("records")
    [{'measure': 'path_norm', 'tau': 1.0, 'psi': 1.0}]
    """
    frame = trials
    if "status" in frame.columns:
        frame = frame[frame["status"] == "done"]
    if only is not None:
        if only not in frame.columns:
            raise SpecError("only", only, "a column of the trials frame, e.g. "
                            "'result.reached_target_loss'")
        frame = frame[frame[only].fillna(False).astype(bool)]
    replicates = [r for r in replicates if r in frame.columns]
    axes = list(hyperparameters) if hyperparameters is not None else \
        zoo_hyperparameters(frame, replicates)
    names = list(measures) if measures is not None else \
        [m for m in MEASURES if f"{measure_prefix}{m}" in frame.columns]
    rows = []
    for name in names:
        col = f"{measure_prefix}{name}"
        sub = frame[frame[col].notna() & frame[gap].notna()]
        psi, per_axis = granulated_kendall(sub, col, gap, axes, replicates)
        rows.append({"measure": name, "tau": kendall_tau(sub[col], sub[gap]), "psi": psi,
                     "cmi": cmi_score(sub, col, gap, axes), "n_models": len(sub),
                     **{f"psi_{axis}": v for axis, v in per_axis.items()}})
    return pd.DataFrame(rows)


def plot_measure_scores(table: pd.DataFrame, title: str = "Complexity measures vs the gap"):
    """Horizontal bars of τ, Ψ and CMI per measure (a matplotlib Figure)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 0.28 * len(table) + 1.6), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    labels = table["measure"].tolist()
    for ax, (col, label) in zip(axes, (("tau", "Kendall τ"), ("psi", "granulated Ψ"),
                                       ("cmi", "CMI ×100"))):
        values = table[col].to_numpy(float)
        ax.barh(range(len(labels)), values, color=["#3b75af" if v >= 0 else "#c44e52"
                                                    for v in values])
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(label)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.invert_yaxis()
    fig.suptitle(title)
    return fig
