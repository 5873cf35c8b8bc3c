"""Q6: vanishing gradients: the singular-value bound, Kaiming initialisation, sigmoid's slope."""

from __future__ import annotations

import math

from reference.hw4 import REFERENCES


@REFERENCES.answer("q6.vanishing_bound")
def vanishing_bound(sigma: float = 0.9, L: int = 100) -> float:
    """Coefficient of ‖δ_L‖ in ‖δ_0‖ ≤ ‖δ_L‖·Π_k σ_max(W_k)·‖f'‖ with σ_max = sigma for all L layers
    and ReLU (‖f'‖ ≤ 1): sigma**L = 0.9**100 ≈ 2.6561e-5 (the key's σ = 0.9; L is illegible there).
    """
    relu_slope_max = 1.0  # ‖f'‖ ≤ 1 for ReLU
    return float((sigma * relu_slope_max) ** L)


@REFERENCES.answer("q6.kaiming_mean")
def kaiming_mean() -> float:
    """Mean of the Kaiming-normal distribution N(0, 2/fan_in) (what kaiming_normal_ samples): 0."""
    return 0.0


def _fans(c_in: int, k: int, c_out: int) -> tuple[int, int]:
    """(fan_in, fan_out) from torch.nn.init on a real Conv2d(c_in, c_out, k) weight (meta device)."""
    from torch import nn
    from torch.nn.init import _calculate_fan_in_and_fan_out

    weight = nn.Conv2d(c_in, c_out, k, device="meta").weight
    fan_in, fan_out = _calculate_fan_in_and_fan_out(weight)
    return int(fan_in), int(fan_out)


def _relu_gain() -> float:
    from torch.nn.init import calculate_gain

    return float(calculate_gain("relu"))


@REFERENCES.answer("q6.kaiming_std")
def kaiming_std(c_in: int = 3, k: int = 8, c_out: int = 8) -> float:
    """Kaiming-normal std, ReLU gain / sqrt(fan_in) with fan_in = c_in·k² from torch.nn.init on a
    real Conv2d weight: sqrt(2/192) ≈ 0.102062 (the key gives the variance; c_in = 3 is decoded
    from its 3·(8·8) = 192)."""
    fan_in, _ = _fans(c_in, k, c_out)
    return _relu_gain() / math.sqrt(fan_in)


@REFERENCES.answer("q6.kaiming_var")
def kaiming_var(c_in: int = 3, k: int = 8, c_out: int = 8) -> float:
    """Kaiming-normal variance, the square of q6.kaiming_std: 2/192 ≈ 0.010417 (the key's answer)."""
    return kaiming_std(c_in, k, c_out) ** 2


@REFERENCES.answer("q6.kaiming_std_fan_out")
def kaiming_std_fan_out(c_in: int = 3, k: int = 8, c_out: int = 8) -> float:
    """A known mistake: the std with fan_out = c_out·k² (mode='fan_out'): sqrt(2/512) = 0.0625."""
    _, fan_out = _fans(c_in, k, c_out)
    return _relu_gain() / math.sqrt(fan_out)


@REFERENCES.answer("q6.sigmoid_max_grad")
def sigmoid_max_grad() -> float:
    """Largest slope of the sigmoid: torch autograd of σ on a grid over [−10, 10] that contains 0,
    maximised: σ(0)(1−σ(0)) = 0.25 (the key does not state this bound)."""
    import torch

    x = torch.linspace(-10.0, 10.0, 2001, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    return float(grad.max())
