"""Q4 references: closed forms for the dense block, FlopCounterMode on real convs for the op counts."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from reference.hw4 import q4


@pytest.mark.parametrize("c0,k,layer", [(32, 24, 3), (32, 12, 3), (16, 12, 1), (64, 32, 4), (3, 5, 6), (24, 12, 2)])
def test_densenet_channel_counts(c0: int, k: int, layer: int) -> None:
    assert q4.densenet_channels(c0=c0, k=k, layer=layer) == c0 + layer * k
    assert q4.densenet_layer_input(c0=c0, k=k, layer=layer) == c0 + (layer - 1) * k
    assert q4.densenet_new_maps(c0=c0, k=k, layer=layer) == k


def test_densenet_hw4_values() -> None:
    assert (q4.densenet_channels(), q4.densenet_layer_input(), q4.densenet_new_maps()) == (104, 80, 24)


def _macs(module: nn.Module, x: torch.Tensor) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(x)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2  # 2 FLOPs per multiply-accumulate


def _same(c_in: int, c_out: int, k: int) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False)


# (h, w, c_in, c_mid, c_out, k)
BOTTLENECKS = [(28, 28, 192, 16, 32, 5), (8, 6, 16, 4, 8, 3), (5, 7, 3, 2, 4, 1), (10, 10, 32, 8, 16, 5)]


@pytest.mark.parametrize("h,w,c_in,c_mid,c_out,k", BOTTLENECKS)
def test_plain_and_bottleneck_ops_match_flopcounter(h: int, w: int, c_in: int, c_mid: int, c_out: int, k: int) -> None:
    x = torch.zeros(1, c_in, h, w)
    plain = _macs(_same(c_in, c_out, k), x)
    bottleneck = _macs(nn.Sequential(_same(c_in, c_mid, 1), _same(c_mid, c_out, k)), x)
    assert q4.plain_ops(h=h, w=w, c_in=c_in, c_out=c_out, k=k) == plain
    assert q4.bottleneck_ops(h=h, w=w, c_in=c_in, c_mid=c_mid, c_out=c_out, k=k) == bottleneck
    percent = q4.reduction_percent(h=h, w=w, c_in=c_in, c_mid=c_mid, c_out=c_out, k=k)
    assert percent == pytest.approx(100 * (1 - bottleneck / plain), abs=1e-9)


def test_bottleneck_hw4_values() -> None:
    assert q4.plain_ops() == 120422400
    assert q4.bottleneck_ops() == 12443648
    assert q4.reduction_percent() == pytest.approx(89.667, abs=1e-3)


class Inception(nn.Module):
    """GoogLeNet's Inception module: four parallel branches, concatenated."""

    def __init__(self, c_in: int, b1: int, b2_reduce: int, b2: int, b3_reduce: int, b3: int, pool_proj: int) -> None:
        super().__init__()
        self.branch1 = _same(c_in, b1, 1)
        self.branch2 = nn.Sequential(_same(c_in, b2_reduce, 1), nn.ReLU(), _same(b2_reduce, b2, 3))
        self.branch3 = nn.Sequential(_same(c_in, b3_reduce, 1), nn.ReLU(), _same(b3_reduce, b3, 5))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), _same(c_in, pool_proj, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)


INCEPTIONS = [
    dict(h=28, w=28, c_in=192, b1=64, b2_reduce=96, b2=128, b3_reduce=16, b3=32, pool_proj=32),  # GoogLeNet 3a
    dict(h=7, w=9, c_in=16, b1=4, b2_reduce=6, b2=8, b3_reduce=2, b3=4, pool_proj=3),
    dict(h=14, w=14, c_in=480, b1=192, b2_reduce=96, b2=208, b3_reduce=16, b3=48, pool_proj=64),  # 4a
]


@pytest.mark.parametrize("p", INCEPTIONS)
def test_inception_ops_match_flopcounter(p: dict[str, int]) -> None:
    module = Inception(*(p[k] for k in ("c_in", "b1", "b2_reduce", "b2", "b3_reduce", "b3", "pool_proj")))
    x = torch.zeros(1, p["c_in"], p["h"], p["w"])
    with torch.no_grad():
        out = module(x)
    assert out.shape[1] == p["b1"] + p["b2"] + p["b3"] + p["pool_proj"]
    assert out.shape[-2:] == x.shape[-2:]
    assert q4.inception_ops(**p) == _macs(module, x)  # FlopCounterMode counts pooling as 0


@pytest.mark.parametrize("p", INCEPTIONS)
def test_pool_reads_are_the_3x3_windows(p: dict[str, int]) -> None:
    x = torch.zeros(1, p["c_in"], p["h"], p["w"])
    windows = F.unfold(F.pad(x, (1, 1, 1, 1), value=float("-inf")), kernel_size=3)  # (1, C·9, h·w)
    assert q4.inception_ops_with_pool_reads(**p) - q4.inception_ops(**p) == windows.numel()


def test_inception_hw4_values() -> None:
    assert q4.inception_ops() == 128049152
    assert q4.inception_ops_with_pool_reads() == 129403904
