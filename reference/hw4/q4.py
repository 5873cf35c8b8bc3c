"""Q4: DenseNet channel counts (toy dense block in torch) and Inception operation counts (MACs).

"Operations" are multiply-accumulates of the convolutions, 'same' padding, stride 1, no bias;
FlopCounterMode reports 2 FLOPs per MAC (the tests compare against it).
"""

from __future__ import annotations

from reference.hw4 import REFERENCES


def _dense_block(c0: int, k: int, layer: int) -> tuple[int, int, int]:
    """Run a toy dense block (BN-ReLU-Conv3×3, growth k, concatenation) up to `layer`.

    Returns (channels entering that layer, maps it produces, channels of the concatenated output).
    """
    import torch
    from torch import nn

    if layer < 1:
        raise ValueError(f"layer must be >= 1, got {layer}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        features = [torch.randn(1, c0, 4, 4)]
        record = (0, 0, 0)
        with torch.no_grad():
            for _ in range(layer):
                inputs = torch.cat(features, dim=1)
                c = inputs.shape[1]
                block = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, k, 3, padding=1, bias=False))
                new = block(inputs)
                features.append(new)
                record = (c, new.shape[1], torch.cat(features, dim=1).shape[1])
    return tuple(int(n) for n in record)  # type: ignore[return-value]


@REFERENCES.answer("q4.densenet_channels")
def densenet_channels(c0: int = 32, k: int = 24, layer: int = 3) -> int:
    """Channels of the dense block's concatenated output after `layer` layers, read off a toy
    dense block run in torch: c0 + layer·k = 104 for c0=32, k=24 (k inferred from a garbled "24").
    """
    return _dense_block(c0, k, layer)[2]


@REFERENCES.answer("q4.densenet_layer_input")
def densenet_layer_input(c0: int = 32, k: int = 24, layer: int = 3) -> int:
    """Channels entering layer `layer` of the toy dense block: c0 + (layer−1)·k = 80 (a partial reading)."""
    return _dense_block(c0, k, layer)[0]


@REFERENCES.answer("q4.densenet_new_maps")
def densenet_new_maps(c0: int = 32, k: int = 24, layer: int = 3) -> int:
    """New maps produced by layer `layer` of the toy dense block: the growth rate k = 24 (a partial reading)."""
    return _dense_block(c0, k, layer)[1]


def _conv_macs(h: int, w: int, c_in: int, c_out: int, k: int) -> int:
    """MACs of a stride-1 'same' conv: every one of h·w·c_out outputs takes k·k·c_in products."""
    return (h * w * c_out) * (k * k * c_in)


@REFERENCES.answer("q4.plain_ops")
def plain_ops(h: int = 28, w: int = 28, c_in: int = 192, c_out: int = 32, k: int = 5) -> int:
    """MACs of one 5×5 conv 192→32 on 28×28 ('same'): 28·28·32·(5·5·192) = 120422400, as the key."""
    return _conv_macs(h, w, c_in, c_out, k)


@REFERENCES.answer("q4.bottleneck_ops")
def bottleneck_ops(h: int = 28, w: int = 28, c_in: int = 192, c_mid: int = 16, c_out: int = 32, k: int = 5) -> int:
    """MACs of 1×1 conv 192→16 plus 5×5 conv 16→32 on 28×28: 2408448 + 10035200 = 12443648.

    The key's case-2 digits are illegible.
    """
    return _conv_macs(h, w, c_in, c_mid, 1) + _conv_macs(h, w, c_mid, c_out, k)


@REFERENCES.answer("q4.reduction_percent")
def reduction_percent(h: int = 28, w: int = 28, c_in: int = 192, c_mid: int = 16, c_out: int = 32, k: int = 5) -> float:
    """Percent fewer MACs with the bottleneck: 100·(1 − bottleneck/plain) = 89.667 (key: ≈89.7)."""
    plain = plain_ops(h, w, c_in, c_out, k)
    return 100.0 * (1 - bottleneck_ops(h, w, c_in, c_mid, c_out, k) / plain)


@REFERENCES.answer("q4.inception_ops")
def inception_ops(
    h: int = 28,
    w: int = 28,
    c_in: int = 192,
    b1: int = 64,
    b2_reduce: int = 96,
    b2: int = 128,
    b3_reduce: int = 16,
    b3: int = 32,
    pool_proj: int = 32,
) -> int:
    """Conv MACs of the GoogLeNet 3a Inception module ('same' padding): sum of the six convs
    (1×1 64; 1×1 96 → 3×3 128; 1×1 16 → 5×5 32; pool → 1×1 32) = 128049152. The key's per-branch
    numbers and total are illegible.
    """
    return (
        _conv_macs(h, w, c_in, b1, 1)
        + _conv_macs(h, w, c_in, b2_reduce, 1)
        + _conv_macs(h, w, b2_reduce, b2, 3)
        + _conv_macs(h, w, c_in, b3_reduce, 1)
        + _conv_macs(h, w, b3_reduce, b3, 5)
        + _conv_macs(h, w, c_in, pool_proj, 1)
    )


@REFERENCES.answer("q4.inception_ops_with_pool_reads")
def inception_ops_with_pool_reads(
    h: int = 28,
    w: int = 28,
    c_in: int = 192,
    b1: int = 64,
    b2_reduce: int = 96,
    b2: int = 128,
    b3_reduce: int = 16,
    b3: int = 32,
    pool_proj: int = 32,
) -> int:
    """Inception conv MACs plus the 3×3 max-pool's window reads (h·w·c_in·9 = 1354752): 129403904."""
    pool_reads = h * w * c_in * 3 * 3
    return inception_ops(h, w, c_in, b1, b2_reduce, b2, b3_reduce, b3, pool_proj) + pool_reads
