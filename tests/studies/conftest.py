import pytest


def tiny_spec(**over):
    """A train-study spec small enough to run in about a second."""
    spec = {
        "study": "train",
        "name": "tiny",
        "seeds": 2,
        "task": {"name": "teacher-student-regression", "input_dim": 3, "teacher_width": 4,
                 "teacher_depth": 1, "noise_std": 0.1},
        "model": {"width": 8, "depth": 1},
        "training": {"optimizer": "sgd", "lr": 0.05, "steps": 30, "log_points": 6,
                     "batch_size": 0, "schedule": "constant"},
        "data": {"n_train": 32, "eval_samples": 256},
        "options": {"risk_samples": 500, "save_parameters": True},
        "grid": {"model.width": [4, 8]},
    }
    for key, value in over.items():
        spec[key] = value
    return spec


@pytest.fixture
def spec_dict():
    return tiny_spec()
