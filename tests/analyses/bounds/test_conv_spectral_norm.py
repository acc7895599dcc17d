"""The true spectral norm of a convolution, against the dense matrix of its operator."""

import pytest
import torch
from torch import nn

from riskscope.probes.complexity import conv_spectral_norm_fft, layer_spectral_norm, weight_layers
from riskscope.probes.complexity.spectral import operator_spectral_norm


def dense_operator(conv: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    """The matrix of x ↦ conv(x) without bias, column by column on the standard basis."""
    size = int(torch.tensor(shape).prod())
    basis = torch.eye(size, dtype=torch.float64).reshape(size, *shape)
    with torch.no_grad():
        out = conv._conv_forward(basis, conv.weight.double(), None)
    return out.reshape(size, -1).T


@pytest.mark.parametrize("kwargs,shape", [
    (dict(in_channels=2, out_channels=3, kernel_size=3, padding=1), (2, 5, 5)),
    (dict(in_channels=2, out_channels=3, kernel_size=3, stride=2), (2, 7, 6)),
    (dict(in_channels=2, out_channels=2, kernel_size=3, padding=1, padding_mode="circular"),
     (2, 6, 6)),
])
def test_operator_norm_equals_dense_svd(kwargs, shape):
    torch.manual_seed(0)  # test-only weights
    conv = nn.Conv2d(**kwargs)
    exact = float(torch.linalg.matrix_norm(dense_operator(conv, shape), ord=2))
    layer = weight_layers(nn.Sequential(conv))[0]
    assert layer_spectral_norm(layer, shape) == pytest.approx(exact, rel=1e-7)
    reshaped = float(torch.linalg.matrix_norm(conv.weight.detach().reshape(conv.out_channels, -1)
                                              .double(), ord=2))
    assert abs(reshaped - exact) > 1e-3 * exact  # the shortcut is not the operator norm


@pytest.mark.parametrize("dim", [1, 2])
def test_fft_method_for_circular_convolution(dim):
    torch.manual_seed(1)
    conv = (nn.Conv1d if dim == 1 else nn.Conv2d)(3, 2, 3, padding=1, padding_mode="circular")
    shape = (3, 7) if dim == 1 else (3, 5, 6)
    exact = float(torch.linalg.matrix_norm(dense_operator(conv, shape), ord=2))
    assert conv_spectral_norm_fft(conv.weight.detach(), shape[1:]) == pytest.approx(exact,
                                                                                      rel=1e-10)


def test_power_iteration_is_not_stopped_early():
    # Pitfall: stopping at a 1e-3 relative change leaves errors of ~0.5%; here, close top
    # singular values make early stopping visible, and the default tolerance must not.
    u, _ = torch.linalg.qr(torch.randn(30, 30, dtype=torch.float64,
                                       generator=torch.Generator().manual_seed(2)))
    s = torch.linspace(1.0, 0.1, 30, dtype=torch.float64)
    s[1] = 0.99
    a = u @ torch.diag(s) @ u.T
    estimate = operator_spectral_norm(lambda v: v @ a.T, (30,), torch.Generator().manual_seed(0))
    assert estimate == pytest.approx(1.0, rel=1e-9)
