"""Declarations shared by several built-in studies' cards (pure data)."""

from __future__ import annotations

from riskscope.studies.card import scalar, series

NAN_CENSORED = "NaN: never reached within the budget (censored)"

#: the trainer's standard series (training/trajectory.py), stored by every study that trains
#: through `fit_group`/`fit_ensemble`
TRAINER_SERIES = (
    series("lr", "learning rate used at each logged step", 0, None, "step size"),
    series("grad_norm", "Euclidean norm of the full gradient of the training objective", 0,
           None, "L2 norm over all parameters"),
    series("weight_norm", "Euclidean norm of all parameters", 0, None,
           "L2 norm over all parameters"),
    series("distance_from_init", "Euclidean distance of the parameters from initialization", 0,
           None, "L2 norm over all parameters"),
)


def train_test_loss(scalar_too: bool = True, unit: str = "the task's training loss"):
    """`train_loss` and `test_loss`: declared as scalars (final values) that are also stored
    as series over training (a name is declared once, as its scalar)."""
    make = scalar if scalar_too else series
    return (make("train_loss", "training loss at the end of training (also a series over "
                 "training)", 0, None, unit),
            make("test_loss", "loss on the evaluation sample at the end of training (also a "
                 "series over training)", 0, None, unit))


def population_risk(meaning: str = "population risk of the trained network (fresh samples)",
                    unit: str = "the task's risk", headline: bool = False):
    """`population_risk` with its per-trial interval and method."""
    return (scalar("population_risk", meaning, 0, None, unit, headline),
            scalar("population_risk_ci_*", "bounds of the population risk's per-trial "
                   "confidence interval (Monte Carlo or held-out; a t-interval, so it may "
                   "cross the risk's own range)", None, None, unit),
            scalar("population_risk_method", "how the population risk was estimated",
                   unit="text"))


def bookkeeping(*names: str):
    """Declarations of the usual bookkeeping results (not headline)."""
    known = {
        "num_parameters": scalar("num_parameters", "number of trainable parameters of one "
                                 "network", 0, None, "count"),
        "group_size": scalar("group_size", "members trained together in this trial's "
                             "ensemble", 1, None, "count"),
        "group_wall_s": scalar("group_wall_s", "wall time of the ensemble's training", 0, None,
                               "seconds"),
        "stop_reason": scalar("stop_reason", "why training stopped (budget, target_loss, "
                              "diverged)", unit="text"),
        "stop_step": scalar("stop_step", "step at which training stopped", 0, None, "steps"),
        "bayes_risk": scalar("bayes_risk", "Bayes risk R* of the task (known ground truth)", 0,
                             None, "the task's risk; NaN: unknown (real data)"),
    }
    return tuple(known[n] for n in names)




ERR = "0-1 error"
BCE = "bounded cross-entropy (Pérez-Ortiz et al. 2021), in [0, 1]"


def certificate_results(prefix: str = "", headline: bool = False):
    """A PAC-Bayes certificate's flat results (analyses/bounds/certificate.py), each name
    with `prefix`; the bound, the stochastic test error and the ratio are `headline`."""
    p = prefix

    def s(name, meaning, low=None, high=None, unit="", head=False):
        return scalar(p + name, meaning, low, high, unit, head and headline)

    nan_test = "NaN: no test set"
    return (
        s("bound", "certified upper bound on the stochastic (Gibbs) 0-1 error (kl bound + "
          "Monte-Carlo step)", 0, 1, ERR, True),
        s("stochastic_test_error", "0-1 test error of the Gibbs classifier (weights sampled "
          "from the posterior)", 0, 1, f"{ERR}; {nan_test}", True),
        s("stochastic_test_error_ci_*", "bounds of its Student-t 95% interval over test "
          "examples", None, None, ERR),
        s("deterministic_test_error", "0-1 test error of the posterior mean network", 0, 1,
          f"{ERR}; {nan_test}", True),
        s("deterministic_test_error_ci_*", "bounds of its Student-t 95% interval", None, None,
          ERR),
        s("bound_over_stochastic_test_error", "bound / stochastic test error (1 = tight)", 0,
          None, f"ratio; {nan_test}", True),
        s("bound_over_stochastic_test_error_ci_*", "the ratio with the test error's interval "
          "carried over", None, None, "ratio"),
        s("floor_at_stochastic_test_error", "the smallest bound the kl inequality allows at "
          "the observed test error (tightness floor)", 0, 1, f"{ERR}; {nan_test}"),
        s("ratio_floor", "floor / stochastic test error", 0, None, f"ratio; {nan_test}"),
        s("ratio_floor_exact_mc", "the floor ratio had the Monte-Carlo step been exact", 0,
          None, f"ratio; {nan_test}"),
        s("bound_at_zero_kl", "the bound with KL = 0 (what the data term alone allows)", 0, 1,
          ERR),
        s("bound_cross_entropy", "certified bound on the bounded cross-entropy", 0, 1, BCE),
        s("bound_at_zero_kl_cross_entropy", "the cross-entropy bound with KL = 0", 0, 1, BCE),
        s("empirical_risk_mc", "Monte-Carlo estimate of the Gibbs 0-1 error on the bound set",
          0, 1, ERR),
        s("empirical_risk_mc_cross_entropy", "the same for the bounded cross-entropy", 0, 1,
          BCE),
        s("empirical_risk_bound", "upper bound on the Gibbs empirical 0-1 error (Monte-Carlo "
          "step)", 0, 1, ERR),
        s("empirical_risk_bound_cross_entropy", "the same for the bounded cross-entropy", 0,
          1, BCE),
        s("kl", "KL(posterior ‖ prior)", 0, None, "nats"),
        s("delta", "δ of the kl bound", 0, 1, "probability"),
        s("delta_mc", "δ′ of the Monte-Carlo step", 0, 1, "probability"),
        s("delta_per_prior", "δ per prior of the grid (union bound)", 0, 1, "probability"),
        s("delta_mc_per_choice", "δ′ per Monte-Carlo choice (union bound)", 0, 1,
          "probability"),
        s("confidence", "1 − δ − δ′: the certificate's confidence", 0, 1, "probability"),
        s("prior_grid_size", "prior scales the bound is union-bounded over", 1, None, "count"),
        s("mc_choices", "certificates the Monte-Carlo step chose among", 1, None, "count"),
        s("bound_set_size", "examples the bound is computed on (m)", 1, None, "count"),
        s("num_weight_samples", "posterior weight samples of the Monte-Carlo step", 1, None,
          "count"),
        s("num_parameters", "parameters of the network", 1, None, "count"),
        s("prior", "prior kind (data-dependent or data-free)", unit="text"),
        s("prior_sigma", "standard deviation σ_P of the selected prior", 0, None, "weight scale"),
        s("p_min", "floor on predicted probabilities of the bounded cross-entropy", 0, 1,
          "probability"),
        s("test_size", "test examples", 0, None, "count"),
        s("test_weight_samples", "posterior samples per test example", 0, None, "count"),
        s("prior_training_s", "wall time of the prior's training", 0, None, "seconds"),
        s("posterior_training_s", "wall time of the posterior's training", 0, None, "seconds"),
        s("certification_s", "wall time of the certification", 0, None, "seconds"),
        s("prior_test_error", "0-1 test error of the prior mean network", 0, 1,
          f"{ERR}; {nan_test}"),
        s("prior_train_error", "0-1 training error of the prior mean network", 0, 1, ERR),
        s("num_priors_tried", "prior scales certified (grid)", 1, None, "count"),
        s("grid_prior_sigmas", "the prior scales tried", unit="text"),
        s("grid_bounds", "each prior scale's 0-1 bound", unit="text"),
    )


#: series of a certificate's posterior training and of the prior's training
CERTIFICATE_SERIES = (
    series("posterior_objective", "PAC-Bayes training objective of the posterior", None, None,
           "objective"),
    series("posterior_kl", "KL(posterior ‖ prior) during posterior training", 0, None, "nats"),
    series("posterior_bounded_cross_entropy", "bounded cross-entropy during posterior "
           "training", 0, 1, BCE),
    series("prior_*", "the prior network's training series (train/test loss and risk, lr, "
           "norms)", None, None, "as the trainer's series"),
)


__all__ = ["CERTIFICATE_SERIES", "NAN_CENSORED", "TRAINER_SERIES", "bookkeeping",
           "certificate_results", "population_risk",
           "train_test_loss"]
