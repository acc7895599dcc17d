"""`run_gradient_descent` now runs through the one trainer with recorders; on the CPU it gives
bit-for-bit the losses, gradient norms, divergence steps and final weights of the loop it
replaced (kept below as the reference, the code as it stood before the trainer took over)."""

import numpy as np
import pytest
import torch

from riskscope.models import build_ensemble, model_spec
from riskscope.procedures import run_gradient_descent
from riskscope.training.measure import loss_and_grads
from riskscope.training.optimizers import BatchedOptimizer, OptimizerConfig


def reference_gradient_descent(ensemble, x, y, loss, lr, steps, *, every=0, callback=None,
                               momentum=0.0):
    """The former standalone loop (analyses/curvature/gradient_descent.py before the move)."""
    params = ensemble.stacked_parameters()
    device = params[0].device
    m = ensemble.num_members
    optimizer = BatchedOptimizer(params, OptimizerConfig(name="sgd", momentum=momentum),
                                 lr.to(device), torch.zeros(m, device=device))
    losses = torch.full((steps + 1, m), float("nan"), dtype=torch.float64, device=device)
    grad_sq = torch.full_like(losses, float("nan"))
    active = torch.ones(m, dtype=torch.bool, device=device)
    diverged_at = np.full(m, -1)
    all_active = True
    for step in range(steps + 1):
        if callback is not None and every > 0 and (step % every == 0 or step == steps):
            callback(step, active.clone())
        _, loss_m, grads = loss_and_grads(ensemble, loss, x, y)
        g2 = sum(g.detach().pow(2).flatten(1).sum(1) for g in grads)
        losses[step] = torch.where(active, loss_m.double(), float("nan"))
        grad_sq[step] = torch.where(active, g2.double(), float("nan"))
        if step == steps:
            break
        finite = torch.isfinite(loss_m) & torch.isfinite(g2)
        if not bool(finite.all()) or not all_active:
            for i in (active & ~finite).nonzero().flatten().tolist():
                diverged_at[i] = step
            active &= finite
            all_active = False
            if not bool(active.any()):
                break
        optimizer.step(grads, 1.0, None if all_active else active)
    return losses.cpu().numpy(), grad_sq.cpu().numpy(), diverged_at


class _Task:
    input_dim, output_dim = 5, 2


@pytest.mark.parametrize("family", ["mlp", "cnn"])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_bit_for_bit_with_the_former_loop(family, momentum):
    section = {"family": "mlp", "width": 16, "activation": "tanh"} if family == "mlp" else \
        {"family": "cnn", "channels": [3, 3], "kernel_size": 3, "stride": 1}
    spec = model_spec(section, _Task())
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(20, 5, generator=gen), torch.randn(20, 2, generator=gen)
    lr = torch.tensor([0.05, 0.2, 3.0])   # the last member diverges
    seen_new, seen_old = [], []
    a = build_ensemble(spec, [1, 2, 3])
    b = build_ensemble(spec, [1, 2, 3])
    new = run_gradient_descent(a, x, y, "squared_error", lr, 40, every=10, momentum=momentum,
                               callback=lambda s, act: seen_new.append((s, act.tolist())))
    old = reference_gradient_descent(b, x, y, "squared_error", lr, 40, every=10,
                                     momentum=momentum,
                                     callback=lambda s, act: seen_old.append((s, act.tolist())))
    np.testing.assert_array_equal(new.losses, old[0])
    np.testing.assert_array_equal(new.grad_norm_sq, old[1])
    np.testing.assert_array_equal(new.diverged_at, old[2])
    assert new.diverged.tolist() == [False, False, True]
    assert seen_new == seen_old
    for p, q in zip(a.stacked_parameters(), b.stacked_parameters()):
        assert torch.equal(p, q)
