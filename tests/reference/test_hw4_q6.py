"""Q6 references: the vanishing bound by matrix products, Kaiming by hand and by sampling, σ' numerically."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from reference.hw4 import q6


@pytest.mark.parametrize("sigma,L", [(0.9, 100), (0.9, 50), (0.5, 10), (0.99, 30), (1.4, 20)])
def test_vanishing_bound_is_attained_by_scaled_orthogonal_layers(sigma: float, L: int) -> None:
    """With W_k = σ·Q_k (Q_k orthogonal) and ReLU slopes 1, ‖δ_0‖ = σ^L·‖δ_L‖ exactly."""
    rng = np.random.default_rng(L)
    delta_l = rng.standard_normal(6)
    delta = delta_l.copy()
    for _ in range(L):
        q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
        delta = delta @ (sigma * q) * np.ones(6)  # δ_{k-1} = δ_k·W_k·f'(z), f' = 1 (active ReLU)
    ratio = np.linalg.norm(delta) / np.linalg.norm(delta_l)
    assert q6.vanishing_bound(sigma=sigma, L=L) == pytest.approx(ratio, rel=1e-9)
    assert q6.vanishing_bound(sigma=sigma, L=L) == pytest.approx(math.exp(L * math.log(sigma)), rel=1e-12)


def test_vanishing_bound_holds_with_relu_masks() -> None:
    rng = np.random.default_rng(0)
    for _ in range(10):
        delta_l = rng.standard_normal(8)
        delta = delta_l.copy()
        for _ in range(50):
            w = rng.standard_normal((8, 8))
            w *= 0.9 / np.linalg.svd(w, compute_uv=False)[0]  # σ_max = 0.9
            delta = delta @ w * (rng.random(8) < 0.7)  # ReLU': 0 or 1
        assert np.linalg.norm(delta) <= q6.vanishing_bound(sigma=0.9, L=50) * np.linalg.norm(delta_l) * (1 + 1e-9)


def test_vanishing_bound_hw4_value() -> None:
    assert q6.vanishing_bound() == pytest.approx(2.6561e-5, rel=1e-4)


# (c_in, k, c_out)
CONVS = [(3, 8, 8), (16, 3, 32), (1, 5, 4), (64, 3, 64)]


@pytest.mark.parametrize("c_in,k,c_out", CONVS)
def test_kaiming_std_is_relu_gain_over_sqrt_fan_in(c_in: int, k: int, c_out: int) -> None:
    fan_in, fan_out = c_in * k * k, c_out * k * k  # inputs per kernel = in-channels × kernel area
    assert q6.kaiming_std(c_in=c_in, k=k, c_out=c_out) == pytest.approx(math.sqrt(2 / fan_in), rel=1e-12)
    assert q6.kaiming_var(c_in=c_in, k=k, c_out=c_out) == pytest.approx(2 / fan_in, rel=1e-12)
    assert q6.kaiming_std_fan_out(c_in=c_in, k=k, c_out=c_out) == pytest.approx(math.sqrt(2 / fan_out), rel=1e-12)
    if c_in != c_out:
        assert q6.kaiming_std_fan_out(c_in=c_in, k=k, c_out=c_out) != pytest.approx(q6.kaiming_std(c_in=c_in, k=k, c_out=c_out))


@pytest.mark.parametrize("c_in,k,c_out", CONVS[:2])
def test_kaiming_matches_a_sampled_kaiming_normal_tensor(c_in: int, k: int, c_out: int) -> None:
    g = torch.Generator().manual_seed(c_in)
    rows = max(c_out, 400_000 // (c_in * k * k))
    weight = torch.empty(rows, c_in, k, k, dtype=torch.float64)
    torch.nn.init.kaiming_normal_(weight, mode="fan_in", nonlinearity="relu", generator=g)
    n = weight.numel()
    std = q6.kaiming_std(c_in=c_in, k=k, c_out=c_out)
    # sampling error: sd(mean) = std/√n, sd(std) ≈ std/√(2n); allow 6 of them
    assert abs(float(weight.mean()) - q6.kaiming_mean()) < 6 * std / math.sqrt(n)
    assert abs(float(weight.std()) - std) < 6 * std / math.sqrt(2 * n)


def test_kaiming_hw4_values() -> None:
    assert q6.kaiming_mean() == 0.0
    assert q6.kaiming_std() == pytest.approx(0.102062, rel=1e-5)
    assert q6.kaiming_var() == pytest.approx(0.010417, rel=1e-4)
    assert q6.kaiming_std_fan_out() == pytest.approx(0.0625, rel=1e-12)


def test_sigmoid_max_grad_by_finite_differences() -> None:
    x = np.linspace(-8, 8, 16001)
    h = 1e-5
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    slope = (sig(x + h) - sig(x - h)) / (2 * h)
    assert q6.sigmoid_max_grad() == pytest.approx(float(slope.max()), abs=1e-9)
    assert abs(float(x[slope.argmax()])) < 1e-9  # attained at 0
    assert q6.sigmoid_max_grad() == 0.25
