"""Q3: backprop through a small conv net, on the student's instance (torch autograd, float64).

Network (digest.md, Q3; 0-based indices, instance layouts as in QUESTIONS.md):
X 5×5×8 → P1 = 1×1 conv with W1[k][t] (4 maps, 5×5×4) → P2 = 2×2 valid conv with W2[w][h][k]
(4×4) → P3 = 2×2 average pool, stride 2 (2×2) → h = P3 flattened row-major → z = Wfc·h, and
L = G·z so that dL/dz = G (the sigmoid and the loss only enter through G).

Official-key variants evaluate the seed's printed formulas with G standing for the seed's
∂L/∂ŷ·ŷ(1−ŷ). Its FC index ⌈m/2⌉+⌈n/2⌉−2 (1-based m, n = 1..4 over P2) lacks the factor 2 of
the correct 2⌈m/2⌉+⌈n/2⌉−2; it takes the values 0, 1, 2, and index 0 (m, n ≤ 2) is read as a
zero weight.
"""

from __future__ import annotations

import json
from typing import Any

from reference.hw4 import REFERENCES


def _tensors(instance: dict[str, Any]) -> dict[str, Any]:
    import torch

    t = {name: torch.tensor(instance[name], dtype=torch.float64) for name in ("X", "W1", "W2", "Wfc")}
    shapes = {"X": (5, 5, 8), "W1": (8, 4), "W2": (2, 2, 4), "Wfc": (4,)}
    for name, shape in shapes.items():
        if tuple(t[name].shape) != shape:
            raise ValueError(f"q3 instance: {name} has shape {tuple(t[name].shape)}, expected {shape}")
    t["G"] = float(instance["G"])
    return t


_LAST: list[Any] = [None, None]  # (instance as JSON, its gradients): the grader asks per student


def _backward(instance: dict[str, Any]) -> dict[str, Any]:
    """Forward pass and autograd, once per instance: seven reference functions read its result
    (read-only), and a batch asks for one student's keys together."""
    key = json.dumps(instance, sort_keys=True)
    if _LAST[0] != key:
        _LAST[:] = [key, _compute_backward(instance)]
    return _LAST[1]


def _compute_backward(instance: dict[str, Any]) -> dict[str, Any]:
    """Forward pass with real torch ops, then autograd for P1, P3, W1 and W2 (instance layouts)."""
    import torch
    import torch.nn.functional as F

    t = _tensors(instance)
    w1 = t["W1"].clone().requires_grad_(True)  # W1[k][t]
    w2 = t["W2"].clone().requires_grad_(True)  # W2[w][h][k]
    x = t["X"].permute(2, 0, 1).unsqueeze(0)  # (1, 8, 5, 5)
    p1 = F.conv2d(x, w1.t().reshape(4, 8, 1, 1))  # (1, 4, 5, 5): P1[t, i, j]
    p2 = F.conv2d(p1, w2.permute(2, 0, 1).unsqueeze(0))  # (1, 1, 4, 4), valid, stride 1
    p3 = F.avg_pool2d(p2, kernel_size=2, stride=2)  # (1, 1, 2, 2)
    h = p3.reshape(4)  # (P3[0][0], P3[0][1], P3[1][0], P3[1][1])
    z = torch.dot(t["Wfc"], h)
    loss = t["G"] * z
    g_p1, g_p3, g_w1, g_w2 = torch.autograd.grad(loss, [p1, p3, w1, w2])
    return {
        "P1": p1.detach()[0].permute(1, 2, 0),  # P1[i][j][t]
        "dP1": g_p1[0].permute(1, 2, 0),  # 5×5×4
        "dP3": g_p3[0, 0],  # 2×2
        "dW1": g_w1,  # 8×4
        "dW2": g_w2,  # 2×2×4
    }


def _plain(tensor: Any) -> Any:
    """Nested lists of Python floats (-0.0 written as 0.0)."""
    return [_plain(row) for row in tensor] if tensor.dim() > 0 else float(tensor) + 0.0


@REFERENCES.answer("q3.dL_dP3", instance="q3")
def dL_dP3(instance: dict[str, Any]) -> list[list[float]]:
    """dL/dP3 (2×2) by torch autograd; equals G·Wfc[2i+j] (0-based), as in the key."""
    return _plain(_backward(instance)["dP3"])


@REFERENCES.answer("q3.dL_dP1", instance="q3")
def dL_dP1(instance: dict[str, Any]) -> list[list[list[float]]]:
    """dL/dP1[i][j][k] (5×5×4) by torch autograd.

    Equals (G/4)·Σ_{m=max(1,i−1)}^{min(4,i)} Σ_n Wfc_{2⌈m/2⌉+⌈n/2⌉−2}·W2_{i−m+1,j−n+1,k} (1-based).
    The key sums over m = i..i+1 (wrong direction), indexes W2 with m−i and drops the factor 2 in
    the Wfc index (see q3.dL_dP1_official).
    """
    return _plain(_backward(instance)["dP1"])


@REFERENCES.answer("q3.dL_dW1", instance="q3")
def dL_dW1(instance: dict[str, Any]) -> list[list[float]]:
    """dL/dW1[k][t] (8×4, input channel k, filter t) by torch autograd.

    Equals Σ over all 25 positions (i, j) of dL/dP1[i][j][t]·X[i][j][k]; the key omits that sum.
    """
    return _plain(_backward(instance)["dW1"])


@REFERENCES.answer("q3.dL_dW2", instance="q3")
def dL_dW2(instance: dict[str, Any]) -> list[list[list[float]]]:
    """dL/dW2[w][h][k] (2×2×4) by torch autograd.

    Equals (G/4)·Σ_{m,n=1}^{4} Wfc_{2⌈m/2⌉+⌈n/2⌉−2}·P1_{m+w−1,n+h−1,k} (1-based); the key has the
    same form with Wfc index ⌈m/2⌉+⌈n/2⌉−2 (see q3.dL_dW2_official).
    """
    return _plain(_backward(instance)["dW2"])


def _official_fc_weights(wfc: Any) -> Any:
    """4×4 tensor: the FC weight the official key attaches to P2[m][n] (0-based m, n).

    Official 1-based index ⌈m/2⌉+⌈n/2⌉−2 = m0//2 + n0//2 ∈ {0, 1, 2}; index 0 reads as 0.
    """
    import torch

    idx = torch.arange(4) // 2
    official_index = idx[:, None] + idx[None, :]  # 1-based Wfc index, 0 = out of range
    padded = torch.cat([torch.zeros(1, dtype=wfc.dtype), wfc])  # padded[c] = Wfc_c (1-based)
    return padded[official_index]


@REFERENCES.answer("q3.dL_dW2_official", instance="q3")
def dL_dW2_official(instance: dict[str, Any]) -> list[list[list[float]]]:
    """The key's c: (G/4)·Σ_{m,n=1}^{4} Wfc_{⌈m/2⌉+⌈n/2⌉−2}·P1_{m+w−1,n+h−1,k} on the instance.

    A known mistake: the Wfc index lacks the factor 2 on ⌈m/2⌉, so index 0 (m, n ≤ 2, read as a
    zero weight) and a collision of the (1,2)/(2,1) quadrants replace the four distinct weights.
    """
    import torch

    t = _tensors(instance)
    p1 = _backward(instance)["P1"]  # 5×5×4
    fc = _official_fc_weights(t["Wfc"])
    out = torch.zeros(2, 2, 4, dtype=torch.float64)
    for w in range(2):
        for h in range(2):
            out[w, h] = (fc[:, :, None] * p1[w : w + 4, h : h + 4, :]).sum(dim=(0, 1))
    return _plain(t["G"] / 4 * out)


@REFERENCES.answer("q3.dL_dP1_official", instance="q3")
def dL_dP1_official(instance: dict[str, Any]) -> list[list[list[float]]]:
    """The key's a.ii: (G/4)·Σ_{m=i}^{i+1} Σ_{n=j}^{j+1} Wfc_{⌈m/2⌉+⌈n/2⌉−2}·W2_{m−i,n−j,k} (i, j = 1..5).

    Reading: m, n are 1-based P2 positions (terms with m or n = 5, 6 are 0), m−i, n−j ∈ {0, 1}
    are 0-based kernel offsets (W2[m−i][n−j][k]), Wfc index 0 is a zero weight. A known mistake
    (wrong direction, W2 index and Wfc index).
    """
    import torch

    t = _tensors(instance)
    fc = torch.zeros(6, 6, dtype=torch.float64)
    fc[:4, :4] = _official_fc_weights(t["Wfc"])  # zero beyond P2's 4×4 range
    out = torch.zeros(5, 5, 4, dtype=torch.float64)
    for a in range(2):
        for b in range(2):
            out += fc[a : a + 5, b : b + 5, None] * t["W2"][a, b][None, None, :]
    return _plain(t["G"] / 4 * out)


@REFERENCES.answer("q3.dL_dW1_no_sum", instance="q3")
def dL_dW1_no_sum(instance: dict[str, Any]) -> list[list[float]]:
    """The key's b without the sum over positions: dL/dP1[0][0][t]·X[0][0][k] (top-left, i=j=1).

    A known mistake (weight sharing ignored). The correct (autograd) dL/dP1 is used: the key's own
    a.ii expression is identically 0 at i=j=1 (its Wfc index is 0 there), which would not tell
    this mistake apart from a blank answer.
    """
    r = _backward(instance)
    x = _tensors(instance)["X"]
    return _plain(x[0, 0, :, None] * r["dP1"][0, 0, None, :])
