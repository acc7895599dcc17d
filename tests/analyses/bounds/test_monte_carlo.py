"""Monte-Carlo risks of the stochastic network: batched = loop, chunking, an exact case,
convergence, and coverage of the Langford-Caruana step."""

import math

import numpy as np
import pytest
import torch
from scipy.special import ndtr
from torch import nn

from riskscope.analyses.bounds import (
    GaussianPosterior,
    bounded_cross_entropy,
    monte_carlo_risk_bound,
    monte_carlo_risks,
    monte_carlo_risks_loop,
)
from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset


def linear_case(n=40, d=3, sigma=0.3, seed=0):
    """A bias-free linear 2-class model: with W ~ N(μ, σ²), the margin (W_y − W_o)·x is
    N((μ_y − μ_o)·x, 2σ²‖x‖²), so the stochastic 0-1 risk has a closed form."""
    g = torch.Generator().manual_seed(seed)
    model = nn.Linear(d, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.randn(2, d, generator=g))
    x = torch.randn(n, d, generator=g)
    y = torch.randint(0, 2, (n,), generator=g)
    q = GaussianPosterior(model, prior_sigma=sigma)
    mu = model.weight.detach().double()
    xd = x.double()
    margin = ((mu[y] - mu[1 - y]) * xd).sum(1)
    exact = float(np.mean(ndtr(-(margin / (sigma * math.sqrt(2) * xd.norm(dim=1))).numpy())))
    return q, Dataset(x, y), exact


def test_batched_equals_the_per_sample_loop():
    q, data, _ = linear_case()
    batched = monte_carlo_risks(q, data, 50, seed=1, sample_batch=16, example_batch=7)
    loop = monte_carlo_risks_loop(q, data, 50, seed=1, example_batch=40)
    np.testing.assert_allclose(batched.zero_one, loop.zero_one, atol=1e-12)
    np.testing.assert_allclose(batched.bounded_cross_entropy, loop.bounded_cross_entropy,
                               rtol=1e-5)
    # per-example errors averaged over samples: the same matrix, averaged the other way
    assert batched.example_zero_one.shape == (40,)
    assert batched.example_zero_one.mean() == pytest.approx(batched.zero_one.mean(), abs=1e-12)


def test_chunking_divides_by_n_not_by_batches():
    # Pitfall: averaging per-batch errors (over batches − 1). 40 examples in chunks of 7
    # (the last one short) must give exactly the one-shot per-sample risks.
    q, data, _ = linear_case()
    one_shot = monte_carlo_risks(q, data, 20, seed=2, example_batch=4096)
    chunked = monte_carlo_risks(q, data, 20, seed=2, example_batch=7, sample_batch=3)
    np.testing.assert_allclose(chunked.zero_one, one_shot.zero_one, atol=1e-12)
    assert one_shot.num_samples == 20


def test_each_sample_keeps_its_weights_across_data_chunks():
    # Pitfall: a fresh weight sample per batch counted as m samples. With sample j evaluated
    # chunk by chunk, its risk must equal the risk of that one weight set on all the data.
    q, data, _ = linear_case(n=30)
    risks = monte_carlo_risks(q, data, 5, seed=4, example_batch=4)
    for j in range(5):
        w = q.sample_parameter_batch(4, [j])
        out = q.functional({k: v[0] for k, v in w.items()}, data.x)
        assert risks.zero_one[j] == pytest.approx(float((out.argmax(1) != data.y).double()
                                                        .mean()), abs=1e-12)


def test_monte_carlo_mean_converges_to_the_exact_stochastic_risk():
    q, data, exact = linear_case(n=60, sigma=0.5)
    risks = monte_carlo_risks(q, data, 4000, seed=5, sample_batch=500).zero_one
    se = risks.std(ddof=1) / math.sqrt(risks.size)
    assert abs(risks.mean() - exact) < 4 * se


def test_sampling_bound_covers_the_exact_risk():
    # kl⁻¹(r̂_m, ln(2/δ′)/m) ≥ r̂ with probability ≥ 1 − δ′: over 300 independent runs with
    # δ′ = 0.2 the number of failures is Binomial(300, ≤ 0.2); allow its 99.9% quantile.
    q, data, exact = linear_case(n=20, sigma=0.4, seed=3)
    risks = monte_carlo_risks(q, data, 300 * 20, seed=6, sample_batch=1000).zero_one
    fails = sum(monte_carlo_risk_bound(float(r.mean()), 20, 0.2) < exact
                for r in risks.reshape(300, 20))
    assert fails <= 82  # P(Binomial(300, 0.2) > 82) < 0.001; in practice far fewer


def test_bounded_cross_entropy_definition():
    logits = torch.tensor([[2.0, 0.0, -1.0], [-30.0, 30.0, 0.0]])
    y = torch.tensor([0, 0])
    values = bounded_cross_entropy(logits, y, p_min=1e-4)
    p0 = torch.softmax(logits[0], 0)[0]
    assert float(values[0]) == pytest.approx(float(-torch.log(p0) / math.log(1e4)), rel=1e-6)
    assert float(values[1]) == pytest.approx(1.0)  # clamped at p_min: the maximum
    assert bool(((values >= 0) & (values <= 1)).all())


def test_bad_monte_carlo_arguments():
    q, data, _ = linear_case()
    with pytest.raises(SpecError, match="p_min"):
        monte_carlo_risks(q, data, 10, seed=0, p_min=0.0)  # unbounded cross-entropy
    with pytest.raises(SpecError, match="num_weight_samples"):
        monte_carlo_risks(q, data, 0, seed=0)
    with pytest.raises(SpecError, match="bound set is empty"):
        monte_carlo_risks(q, data.subset(slice(0, 0)), 10, seed=0)
