"""Q1 references against real torch modules: counts (a), batch norm by hand (b), U-Net (c)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from reference.hw4 import q1

# (W, H, I, J, K): width, height, input maps, output maps, odd kernel side
SIZES = [(6, 5, 3, 4, 3), (4, 7, 2, 3, 1), (5, 5, 1, 2, 5), (8, 6, 2, 1, 3), (3, 4, 2, 2, 3)]
W, H, I, J, K = sympy.symbols("W H I J K", positive=True)  # noqa: E741 (the homework's own names)


def _frac(**kw: int) -> dict[str, Fraction]:
    return {k: Fraction(v) for k, v in kw.items()}


def _macs(module: nn.Module, x: torch.Tensor) -> int:
    with FlopCounterMode(display=False) as counter:
        module(x)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2  # FlopCounterMode counts 2 FLOPs per multiply-accumulate


# ---------------------------------------------------------------------------- (a) counts


@pytest.mark.parametrize("w,h,i,j,k", SIZES)
def test_units_are_numel_of_real_outputs(w: int, h: int, i: int, j: int, k: int) -> None:
    x = torch.zeros(1, i, h, w)
    fc_out = nn.Linear(w * h * i, w * h * j, bias=False)(x.flatten())
    same_out = nn.Conv2d(i, j, k, padding="same", bias=False)(x)
    valid_out = nn.Conv2d(i, j, k, padding=0, bias=False)(x)
    assert q1.units_same(**_frac(W=w, H=h, J=j)) == fc_out.numel() == same_out.numel()
    assert q1.conv_units_valid(**_frac(W=w, H=h, J=j, K=k)) == valid_out.numel()
    if i != j:
        assert q1.units_official(**_frac(W=w, H=h, I=i)) != same_out.numel()


@pytest.mark.parametrize("w,h,i,j,k", SIZES)
def test_weights_are_parameter_counts_of_real_modules(w: int, h: int, i: int, j: int, k: int) -> None:
    fc = nn.Linear(w * h * i, w * h * j, bias=False)
    conv = nn.Conv2d(i, j, k, bias=False)
    assert q1.fc_weights(**_frac(W=w, H=h, I=i, J=j)) == sum(p.numel() for p in fc.parameters())
    assert q1.conv_weights(**_frac(I=i, J=j, K=k)) == sum(p.numel() for p in conv.parameters())


@pytest.mark.parametrize("w,h,i,j,k", SIZES)
def test_fc_connections_are_nonzero_jacobian_entries(w: int, h: int, i: int, j: int, k: int) -> None:
    torch.manual_seed(0)
    fc = nn.Linear(w * h * i, w * h * j, bias=False).double()
    x = torch.randn(w * h * i, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(fc, x)
    assert q1.fc_connections(**_frac(W=w, H=h, I=i, J=j)) == int(torch.count_nonzero(jac))


@pytest.mark.parametrize("w,h,i,j,k", SIZES)
def test_conv_connections_are_flopcounter_macs(w: int, h: int, i: int, j: int, k: int) -> None:
    x = torch.randn(1, i, h, w)
    same = nn.Conv2d(i, j, k, padding="same", bias=False)
    valid = nn.Conv2d(i, j, k, padding=0, bias=False)
    assert q1.conv_connections_same(**_frac(W=w, H=h, I=i, J=j, K=k)) == _macs(same, x)
    assert q1.conv_connections_valid(**_frac(W=w, H=h, I=i, J=j, K=k)) == _macs(valid, x)


@pytest.mark.parametrize("w,h,i,j,k", SIZES)
def test_valid_conv_connections_are_nonzero_jacobian_entries(w: int, h: int, i: int, j: int, k: int) -> None:
    """With 'valid' padding every tap is a real input unit, so the Jacobian count agrees too."""
    torch.manual_seed(1)
    conv = nn.Conv2d(i, j, k, bias=False).double()
    with torch.no_grad():
        conv.weight.copy_(conv.weight.abs() + 0.1)  # no zero weights
    x = torch.randn(1, i, h, w, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(conv, x)
    assert q1.conv_connections_valid(**_frac(W=w, H=h, I=i, J=j, K=k)) == int(torch.count_nonzero(jac))


def test_same_padding_taps_on_padding_are_what_the_key_counts() -> None:
    """Digest caveat: WHK²IJ counts taps on the zero padding; real-input connections are fewer."""
    w, h, i, j, k = 6, 5, 3, 4, 3
    conv = nn.Conv2d(i, j, k, padding="same", bias=False).double()
    with torch.no_grad():
        conv.weight.copy_(conv.weight.abs() + 0.1)
    jac = torch.autograd.functional.jacobian(conv, torch.randn(1, i, h, w, dtype=torch.float64))
    assert int(torch.count_nonzero(jac)) == 2496
    assert q1.conv_connections_same(**_frac(W=w, H=h, I=i, J=j, K=k)) == 3240


def test_formulas_print_the_documented_expressions() -> None:
    expected = {
        q1.units_same(W=W, H=H, J=J): W * H * J,
        q1.units_official(W=W, H=H, I=I): W * H * I,
        q1.conv_units_valid(W=W, H=H, J=J, K=K): (W - K + 1) * (H - K + 1) * J,
        q1.fc_weights(W=W, H=H, I=I, J=J): W**2 * H**2 * I * J,
        q1.conv_weights(I=I, J=J, K=K): K**2 * I * J,
        q1.fc_connections(W=W, H=H, I=I, J=J): W**2 * H**2 * I * J,
        q1.conv_connections_same(W=W, H=H, I=I, J=J, K=K): W * H * K**2 * I * J,
        q1.conv_connections_valid(W=W, H=H, I=I, J=J, K=K): (W - K + 1) * (H - K + 1) * K**2 * I * J,
    }
    for got, want in expected.items():
        assert sympy.expand(got - want) == 0


# ---------------------------------------------------------------------------- (b) batch norm
# BatchNorm is written out by hand here (no nn.BatchNorm2d), as an independent computation.

EPS = 1e-5


def _bn_batch(z: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    mean = z.mean(dim=(0, 2, 3), keepdim=True)
    var = z.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    return gamma.view(1, -1, 1, 1) * (z - mean) / torch.sqrt(var + EPS) + beta.view(1, -1, 1, 1)


def _bn_fixed(z: torch.Tensor, mu: torch.Tensor, var: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    shape = (1, -1, 1, 1)
    return gamma.view(shape) * (z - mu.view(shape)) / torch.sqrt(var.view(shape) + EPS) + beta.view(shape)


@pytest.fixture()
def net() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(123)
    d = torch.float64
    return {
        "w": torch.randn(5, 2, 3, 3, generator=g, dtype=d),
        "b": 2 * torch.randn(5, generator=g, dtype=d),
        "gamma": torch.rand(5, generator=g, dtype=d) + 0.5,
        "beta": torch.randn(5, generator=g, dtype=d),
        "train": torch.randn(64, 2, 7, 7, generator=g, dtype=d),
        "x": torch.randn(16, 2, 7, 7, generator=g, dtype=d),
    }


def _running_stats(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return z.mean(dim=(0, 2, 3)), z.var(dim=(0, 2, 3), unbiased=True)


def test_bias_removal_has_no_effect_with_batch_statistics(net: dict[str, torch.Tensor]) -> None:
    b = net["b"].clone().requires_grad_(True)
    with_bias = F.relu(_bn_batch(F.conv2d(net["x"], net["w"], b), net["gamma"], net["beta"]))
    without = F.relu(_bn_batch(F.conv2d(net["x"], net["w"]), net["gamma"], net["beta"]))
    torch.testing.assert_close(with_bias, without, rtol=0, atol=1e-10)
    (grad_b,) = torch.autograd.grad((with_bias * torch.randn_like(with_bias)).sum(), b)
    assert float(grad_b.abs().max()) < 1e-9  # the bias cannot even be learned: dL/db = 0


def test_bias_removal_has_no_effect_with_running_statistics(net: dict[str, torch.Tensor]) -> None:
    z_bias = F.conv2d(net["train"], net["w"], net["b"])
    z_plain = F.conv2d(net["train"], net["w"])
    mu_b, var_b = _running_stats(z_bias)
    mu_p, var_p = _running_stats(z_plain)
    torch.testing.assert_close(mu_b, mu_p + net["b"])  # the running mean absorbs the bias
    out_b = F.relu(_bn_fixed(F.conv2d(net["x"], net["w"], net["b"]), mu_b, var_b, net["gamma"], net["beta"]))
    out_p = F.relu(_bn_fixed(F.conv2d(net["x"], net["w"]), mu_p, var_p, net["gamma"], net["beta"]))
    torch.testing.assert_close(out_b, out_p, rtol=0, atol=1e-10)
    assert q1.conv_bias_removal_effect() == "no_effect"


def test_scaling_inputs_is_scaling_weights(net: dict[str, torch.Tensor]) -> None:
    for a in (2.0, -0.5):
        torch.testing.assert_close(F.conv2d(a * net["x"], net["w"]), F.conv2d(net["x"], a * net["w"]))


@pytest.mark.parametrize("alpha", [2.0, 0.5, -1.0, -3.0])
def test_scaling_changes_the_output_with_running_statistics(net: dict[str, torch.Tensor], alpha: float) -> None:
    mu, var = _running_stats(F.conv2d(net["train"], net["w"]))
    base = F.relu(_bn_fixed(F.conv2d(net["x"], net["w"]), mu, var, net["gamma"], net["beta"]))
    scaled = F.relu(_bn_fixed(F.conv2d(net["x"], alpha * net["w"]), mu, var, net["gamma"], net["beta"]))
    assert float((scaled - base).abs().max()) > 0.1


@pytest.mark.parametrize("alpha,unchanged", [(2.0, True), (0.5, True), (3.0, True), (-1.0, False), (-3.0, False)])
def test_scaling_with_batch_statistics_depends_on_the_sign(net: dict[str, torch.Tensor], alpha: float, unchanged: bool) -> None:
    base = F.relu(_bn_batch(F.conv2d(net["x"], net["w"]), net["gamma"], net["beta"]))
    scaled = F.relu(_bn_batch(F.conv2d(net["x"], alpha * net["w"]), net["gamma"], net["beta"]))
    diff = float((scaled - base).abs().max())
    assert (diff < 1e-4) == unchanged, diff  # "unchanged" up to BN's ε


@pytest.mark.parametrize("ref", [q1.scale_weights_effect, q1.scale_inputs_effect])
def test_scaling_references_match_the_hand_computation(ref: object) -> None:
    assert ref() == "changes"  # HW4 default: inference, i.e. eval mode
    assert ref(mode="eval", alphas=(2.0, 0.5, -1.0, -3.0)) == "changes"
    assert ref(mode="train", alphas=(2.0, 0.5, -1.0, -3.0)) == "unchanged_if_alpha_positive"
    assert ref(mode="train") == "unchanged_if_alpha_positive"
    with pytest.raises(ValueError):
        ref(mode="inference")


# ---------------------------------------------------------------------------- (c) U-Net


@pytest.mark.parametrize("size,levels", [(256, 4), (256, 3), (256, 5), (572, 4), (100, 2), (64, 0)])
def test_unet_bottleneck_is_repeated_floor_halving(size: int, levels: int) -> None:
    side = size
    for _ in range(levels):
        side //= 2
    assert q1.unet_bottleneck(size=size, levels=levels) == [side, side]
    assert q1.unet_bottleneck_pixels(size=size, levels=levels) == side * side


def test_unet_hw4_values() -> None:
    assert q1.unet_bottleneck() == [16, 16]
    assert q1.unet_bottleneck_pixels() == 256


@pytest.mark.parametrize("c_in,c_out,k", [(64, 128, 3), (3, 64, 3), (64, 64, 3), (128, 256, 1), (5, 7, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_params_closed_form(c_in: int, c_out: int, k: int, bias: bool) -> None:
    assert q1.conv_params(c_in=c_in, c_out=c_out, k=k, bias=bias) == c_out * (c_in * k * k + (1 if bias else 0))


def test_conv_params_hw4_values() -> None:
    assert q1.conv_params() == 73856
    assert q1.conv_params(bias=False) == 73728
