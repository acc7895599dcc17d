"""The integrated error analysis from Python on a small teacher-student problem.

Run: python examples/decompose_small.py  (about a minute on 2 CPU cores)
"""

import riskscope


def main(steps: int = 300) -> None:
    res = riskscope.decompose(
        "teacher-student-regression", widths=[1, 6], n_train=[20, 200],
        task_params={"input_dim": 2, "teacher_width": 3, "noise_std": 0.3},
        training={"optimizer": "adam", "lr": 0.02, "steps": steps},
        best_in_class={"optimizer": "adam", "lr": 0.01, "steps": 3 * steps,
                       "batch_size": 256, "online": True, "schedule": "cosine"},
        init_seeds=2, data_seeds=2, best_in_class_restarts=2, risk_samples=5000,
        extra_restarts=1, device="cpu")
    columns = ["excess_risk", "approximation_error", "optimization_error",
               "generalization_gap", "remainder"]
    print(res.to_pandas().groupby(["width", "n_train"])[columns].mean().round(4).to_string())


if __name__ == "__main__":
    main()
