"""Built-in studies; importing this package registers them."""

from riskscope.studies.builtin import (
    certified_optimum,  # noqa: F401
    convergence,  # noqa: F401
    decomposition,  # noqa: F401
    double_descent,  # noqa: F401
    edge_of_stability,  # noqa: F401
    feature_vs_kernel,  # noqa: F401
    grokking,  # noqa: F401
    lazy_vs_rich,  # noqa: F401
    measures,  # noqa: F401
    neural_collapse,  # noqa: F401
    pac_bayes,  # noqa: F401
    random_labels,  # noqa: F401
    single_index,  # noqa: F401
    sparse_parity,  # noqa: F401
    train,  # noqa: F401
    weight_spectra,  # noqa: F401
)
