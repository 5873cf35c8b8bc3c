"""Q2: gradient of a 1-D (cross-correlation) conv w.r.t. its kernel, on the student's instance.

Forward pass: Z_i = Σ_{j=0}^{K-1} W_j X_{i+j} for i = 0..N-K, L = Σ_i G_i Z_i (so G = dL/dZ).
"""

from __future__ import annotations

from typing import Any

from reference.hw4 import REFERENCES


def _check(instance: dict[str, Any]) -> tuple[list[int], list[float], int]:
    x, g, n, k = instance["X"], instance["G"], int(instance["N"]), int(instance["K"])
    if len(x) != n or len(g) != n - k + 1:
        raise ValueError(f"q2 instance: expected len(X) = N = {n} and len(G) = N-K+1 = {n - k + 1}")
    return x, g, k


def _kernel_gradient(x: list[int], g: list[float], k: int) -> list[float]:
    """dL/dW by torch autograd (float64) through F.conv1d with L = Σ G_i Z_i."""
    import torch
    import torch.nn.functional as F

    xt = torch.tensor(x, dtype=torch.float64).reshape(1, 1, -1)
    gt = torch.tensor(g, dtype=torch.float64)
    w = torch.zeros(1, 1, k, dtype=torch.float64, requires_grad=True)  # L is linear in W
    z = F.conv1d(xt, w).reshape(-1)
    loss = (gt * z).sum()
    (grad,) = torch.autograd.grad(loss, w)
    return [v + 0.0 for v in grad.reshape(-1).tolist()]  # + 0.0: no -0.0


@REFERENCES.answer("q2.dL_dW", instance="q2")
def dL_dW(instance: dict[str, Any]) -> list[float]:
    """dL/dW_j (j = 0..K-1) by torch autograd through conv1d(X, W) with L = Σ_i G_i Z_i.

    Equals Σ_{i=0}^{N-K} G_i X_{i+j}. The official key sums i = 1..N (see q2.dL_dW_official).
    """
    x, g, k = _check(instance)
    return _kernel_gradient(x, g, k)


@REFERENCES.answer("q2.dL_dW_official", instance="q2")
def dL_dW_official(instance: dict[str, Any]) -> list[float]:
    """The official key's Σ_{i=1}^{N} G_i X_{i+j} with out-of-range G_i read as 0 (a known mistake).

    That sum is the correct gradient with the i=0 term dropped, so it is computed by the same
    autograd pass with G_0 set to 0; it differs from the key by G_0·X_j.
    """
    x, g, k = _check(instance)
    return _kernel_gradient(x, [0.0, *g[1:]], k)
