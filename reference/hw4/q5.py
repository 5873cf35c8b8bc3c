"""Q5: dilated convolution (K ⋆_D I)(i, j) = Σ_m Σ_n K(m, n)·I(i + D·m, j + D·n), stride 1, no padding."""

from __future__ import annotations

from typing import Any

from grader.errors import ReferenceSolutionError
from reference.hw4 import REFERENCES


def _effective_kernel(F: Any, D: Any) -> Any:
    """Side of a dilated kernel: F taps spaced D apart span (F−1)·D + 1 pixels."""
    return (F - 1) * D + 1


@REFERENCES.answer("q5.output_size", formula=True)
def output_size(M: Any, N: Any, F: Any, D: Any) -> tuple[Any, Any]:
    """Valid output of an M×N input: each side minus the effective kernel (F−1)D+1, plus 1,
    giving (M−DF+D, N−DF+D)."""
    span = _effective_kernel(F, D)
    return (M - span + 1, N - span + 1)


@REFERENCES.answer("q5.output_size_swapped", formula=True)
def output_size_swapped(M: Any, N: Any, F: Any, D: Any) -> tuple[Any, Any]:
    """The official key's final line (N−FD+D, M−FD+D): the correct sides with M and N swapped."""
    rows, cols = output_size(M, N, F, D)
    return (cols, rows)


def _dilated_kernel_ones(F: int, D: int) -> list[list[int]]:
    """Zero-insertion dilation of an all-ones F×F kernel, zero-extended to F·D×F·D."""
    size = F * D
    return [[1 if (r % D == 0 and c % D == 0 and r // D < F and c // D < F) else 0 for c in range(size)] for r in range(size)]


def _check_kronecker(A: list[list[int]], D: int, F: int = 3) -> bool:
    """Conv with K⊗A equals the dilated conv with K (on the overlap of the two valid outputs)."""
    import torch
    import torch.nn.functional as Fn

    g = torch.Generator().manual_seed(D)
    kernel = torch.randn(F, F, generator=g, dtype=torch.float64)
    image = torch.randn(1, 1, F * D + 5, F * D + 4, generator=g, dtype=torch.float64)
    a = torch.tensor(A, dtype=torch.float64)
    via_kron = Fn.conv2d(image, torch.kron(kernel, a)[None, None])
    dilated = Fn.conv2d(image, kernel[None, None], dilation=D)
    rows, cols = via_kron.shape[-2:]  # K⊗A is D−1 larger than (F−1)D+1 (trailing zeros)
    return bool(torch.allclose(via_kron, dilated[..., :rows, :cols], rtol=0, atol=1e-12))


@REFERENCES.answer("q5.kronecker_A")
def kronecker_A(D: int = 3) -> list[list[int]]:
    """A such that K⊗A is the dilated kernel: block (p, q) of K⊗A is K[p][q]·A and must equal the
    top-left D×D block of the zero-inserted kernel, so A is read off the dilation of an all-ones
    kernel: a single 1 at [0][0]. Checked in torch (conv with torch.kron(K, A) = conv with
    dilation=D). The key prints "1 at i=j=1" while declaring 0-based indices.
    """
    A = [row[:D] for row in _dilated_kernel_ones(2, D)[:D]]
    if not _check_kronecker(A, D):
        raise ReferenceSolutionError(f"q5.kronecker_A: conv with K⊗A does not match dilation {D}")
    return A


@REFERENCES.answer("q5.kronecker_A_all_ones")
def kronecker_A_all_ones(D: int = 3) -> list[list[int]]:
    """A known mistake: A = all ones, which makes K⊗A nearest-neighbour upsampling, not dilation."""
    return [[1] * D for _ in range(D)]


@REFERENCES.answer("q5.kronecker_A_last")
def kronecker_A_last(D: int = 3) -> list[list[int]]:
    """A plausible wrong reading of the key's "1 at i=j=1": the 1 in the last corner [D−1][D−1]
    (what "i=j=1" means 0-based for D=2). K⊗A is then the dilated kernel shifted by D−1: wrong."""
    return [[1 if (r == D - 1 and c == D - 1) else 0 for c in range(D)] for r in range(D)]


def _receptive_field(increments: list[Any]) -> Any:
    """R_ℓ = R_{ℓ−1} + (k_ℓ − 1)·d_ℓ with R_0 = 1 (stride 1), given the increments (k_ℓ − 1)·d_ℓ."""
    side: Any = 1
    for step in increments:
        side = side + step
    return side


def _layers(w: Any, d: Any) -> list[tuple[Any, Any]]:
    """(kernel side, dilation) of the three layers: w−1, w, w+1 with dilations d−1, d, d+1."""
    return [(w - 1, d - 1), (w, d), (w + 1, d + 1)]


@REFERENCES.answer("q5.receptive_field_side", formula=True)
def receptive_field_side(w: Any, d: Any) -> Any:
    """Side of the input region one output pixel sees, by R_ℓ = R_{ℓ−1} + (k_ℓ−1)·d_ℓ over the three
    layers: 1 + (w−2)(d−1) + (w−1)d + w(d+1) = 3d(w−1)+3. The key's general form with stride s
    agrees for s = 1.
    """
    return _receptive_field([(k - 1) * dil for k, dil in _layers(w, d)])


@REFERENCES.answer("q5.receptive_field_side_seed_layer1", formula=True)
def receptive_field_side_seed_layer1(w: Any, d: Any) -> Any:
    """The same recursion with the key's wrong layer-1 increment (w−1)(d−1) instead of (w−2)(d−1):
    3d(w−1)+3 + (d−1)."""
    steps = [(k - 1) * dil for k, dil in _layers(w, d)]
    steps[0] = (w - 1) * (d - 1)
    return _receptive_field(steps)


@REFERENCES.answer("q5.receptive_field_pixels", formula=True)
def receptive_field_pixels(w: Any, d: Any) -> Any:
    """Pixels of the square region: side² = (3d(w−1)+3)² (the bounding box; dilation leaves holes
    inside it, which the key ignores)."""
    side = receptive_field_side(w, d)
    return side * side


@REFERENCES.answer("q5.receptive_field_pixels_seed_layer1", formula=True)
def receptive_field_pixels_seed_layer1(w: Any, d: Any) -> Any:
    """Square of the side computed with the key's wrong layer-1 increment (a known mistake)."""
    side = receptive_field_side_seed_layer1(w, d)
    return side * side
