"""Q5 references: dilated conv shapes, the Kronecker construction and the receptive field, in torch."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
import torch
import torch.nn.functional as F
from torch import nn

from reference.hw4 import q5

M, N, Fs, D, w_, d_ = sympy.symbols("M N F D w d", positive=True)


@pytest.mark.parametrize("f,dil", [(f, dil) for f in (1, 2, 3, 4) for dil in (1, 2, 3, 4)])
def test_output_size_matches_conv2d_shapes(f: int, dil: int) -> None:
    checked = 0
    for m in (9, 12, 16, 20):
        for n in (9, 13, 17):
            if (f - 1) * dil + 1 > min(m, n):
                continue
            out = F.conv2d(torch.zeros(1, 1, m, n), torch.zeros(1, 1, f, f), dilation=dil)
            want = tuple(out.shape[-2:])
            assert tuple(q5.output_size(M=m, N=n, F=f, D=dil)) == want
            exact = q5.output_size(M=Fraction(m), N=Fraction(n), F=Fraction(f), D=Fraction(dil))
            assert tuple(exact) == want
            swapped = tuple(q5.output_size_swapped(M=m, N=n, F=f, D=dil))
            assert swapped == want[::-1]
            if want[0] != want[1]:
                assert swapped != want
            checked += 1
    assert checked > 0


def test_output_size_symbolic() -> None:
    rows, cols = q5.output_size(M=M, N=N, F=Fs, D=D)
    assert sympy.expand(rows - (M - D * Fs + D)) == 0
    assert sympy.expand(cols - (N - D * Fs + D)) == 0


def _by_definition(kernel: np.ndarray, image: np.ndarray, dil: int) -> np.ndarray:
    """(K ⋆_D I)(i, j) = Σ_m Σ_n K(m, n)·I(i + D·m, j + D·n), the question's definition."""
    f = kernel.shape[0]
    rows, cols = image.shape[0] - (f - 1) * dil, image.shape[1] - (f - 1) * dil
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = sum(kernel[m, n] * image[i + dil * m, j + dil * n] for m in range(f) for n in range(f))
    return out


def _kron_conv_matches_dilation(a: list[list[int]], f: int, dil: int, seed: int) -> bool:
    g = torch.Generator().manual_seed(seed)
    kernel = torch.randn(f, f, generator=g, dtype=torch.float64)
    image = torch.randn(f * dil + 6, f * dil + 5, generator=g, dtype=torch.float64)
    dilated = F.conv2d(image[None, None], kernel[None, None], dilation=dil)[0, 0]
    np.testing.assert_allclose(dilated.numpy(), _by_definition(kernel.numpy(), image.numpy(), dil), atol=1e-12)
    big = torch.kron(kernel, torch.tensor(a, dtype=torch.float64))
    assert big.shape == (f * dil, f * dil)
    via_kron = F.conv2d(image[None, None], big[None, None])[0, 0]  # D−1 smaller: trailing zeros of K⊗A
    rows, cols = via_kron.shape
    return bool(torch.allclose(via_kron, dilated[:rows, :cols], rtol=0, atol=1e-12))


@pytest.mark.parametrize("f,dil", [(3, 2), (2, 3), (4, 2), (3, 1), (3, 3)])
def test_kronecker_A_gives_the_dilated_conv(f: int, dil: int) -> None:
    a = q5.kronecker_A(D=dil)
    assert np.array(a).shape == (dil, dil)
    for seed in range(3):
        assert _kron_conv_matches_dilation(a, f, dil, seed)
    # element formula: (K⊗A)[i, j] = K[i/D, j/D] when D divides i and j, else 0
    kernel = torch.arange(1.0, f * f + 1).reshape(f, f)
    big = torch.kron(kernel, torch.tensor(a, dtype=torch.float32))
    for i in range(f * dil):
        for j in range(f * dil):
            want = kernel[i // dil, j // dil] if i % dil == 0 and j % dil == 0 else 0.0
            assert float(big[i, j]) == float(want)


@pytest.mark.parametrize("f,dil", [(3, 2), (2, 3), (4, 2), (3, 3)])
def test_wrong_kronecker_factors_do_not_give_the_dilated_conv(f: int, dil: int) -> None:
    assert not _kron_conv_matches_dilation(q5.kronecker_A_all_ones(D=dil), f, dil, seed=0)
    assert not _kron_conv_matches_dilation(q5.kronecker_A_last(D=dil), f, dil, seed=0)


def test_kronecker_hw4_values() -> None:
    assert q5.kronecker_A() == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert q5.kronecker_A_all_ones() == [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    assert q5.kronecker_A_last() == [[0, 0, 0], [0, 0, 0], [0, 0, 1]]


def _gradient_support(w: int, d: int, at: tuple[int, int] = (2, 3)) -> tuple[int, int, int, int]:
    """Bounding box (top, left, height, width) of the input pixels one output pixel depends on."""
    g = torch.Generator().manual_seed(10 * w + d)
    layers = [(w - 1, d - 1), (w, d), (w + 1, d + 1)]
    size = 3 * (w + 1) * (d + 1) + 8  # more than enough for three layers
    net = nn.Sequential(*(nn.Conv2d(1, 1, k, dilation=dil, bias=False) for k, dil in layers)).double()
    with torch.no_grad():
        for conv in net:
            conv.weight.copy_(torch.rand(conv.weight.shape, generator=g, dtype=torch.float64) + 0.1)  # > 0
    x = torch.rand(1, 1, size, size, generator=g, dtype=torch.float64, requires_grad=True)
    out = net(x)
    (grad,) = torch.autograd.grad(out[0, 0, at[0], at[1]], x)
    rows, cols = torch.nonzero(grad[0, 0], as_tuple=True)
    top, left = int(rows.min()), int(cols.min())
    return top, left, int(rows.max()) - top + 1, int(cols.max()) - left + 1


RF_GRID = [(w, d) for w in range(2, 7) for d in range(2, 6)]


@pytest.mark.parametrize("w,d", RF_GRID)
def test_receptive_field_is_the_gradient_support(w: int, d: int) -> None:
    top, left, height, width = _gradient_support(w, d, at=(2, 3))
    assert (top, left) == (2, 3)  # the region starts at (i, j) for a valid conv
    assert height == width == q5.receptive_field_side(w=w, d=d)
    assert q5.receptive_field_side(w=Fraction(w), d=Fraction(d)) == height
    assert q5.receptive_field_pixels(w=w, d=d) == height * width
    assert q5.receptive_field_pixels(w=Fraction(w), d=Fraction(d)) == height * width


def test_seed_layer1_variant_disagrees_with_the_gradient() -> None:
    wrong = [(w, d) for w, d in RF_GRID if q5.receptive_field_side_seed_layer1(w=w, d=d) != _gradient_support(w, d)[2]]
    assert wrong  # for every d >= 2 in fact
    w, d = wrong[0]
    assert q5.receptive_field_pixels_seed_layer1(w=w, d=d) != q5.receptive_field_pixels(w=w, d=d)


def test_receptive_field_symbolic() -> None:
    side = q5.receptive_field_side(w=w_, d=d_)
    assert sympy.expand(side - (3 * d_ * (w_ - 1) + 3)) == 0
    assert sympy.expand(q5.receptive_field_pixels(w=w_, d=d_) - (3 * d_ * (w_ - 1) + 3) ** 2) == 0
    seed = q5.receptive_field_side_seed_layer1(w=w_, d=d_)
    assert sympy.expand(seed - (3 * d_ * (w_ - 1) + 3 + (d_ - 1))) == 0
