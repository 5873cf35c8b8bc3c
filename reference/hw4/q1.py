"""Q1: FC vs conv counts (a), batch norm behaviour (b), U-Net sizes (c).

Formula references take the item's variables (exact Fractions or SymPy symbols) and use plain
arithmetic only. Concrete references run the real torch modules (float64), imported lazily.
"""

from __future__ import annotations

from typing import Any

from reference.hw4 import REFERENCES

# --------------------------------------------------------------------------------------------
# (a) output units, weights, connections. I input maps of W×H, J output maps, K×K kernel, no bias.
# --------------------------------------------------------------------------------------------


@REFERENCES.answer("q1.units_same", formula=True)
def units_same(W: Any, H: Any, J: Any) -> Any:
    """Output units W·H·J: J maps of W×H, for the FC layer and for a stride-1 'same'-padded conv.

    The official key prints W·H·I (the input's map count) for both; that is wrong.
    """
    return W * H * J


@REFERENCES.answer("q1.units_official", formula=True)
def units_official(W: Any, H: Any, I: Any) -> Any:  # noqa: E741 - the question's symbol
    """The official key's output-unit count W·H·I (it uses the input's I maps instead of J): wrong."""
    return W * H * I


@REFERENCES.answer("q1.conv_units_valid", formula=True)
def conv_units_valid(W: Any, H: Any, J: Any, K: Any) -> Any:
    """Conv output units with 'valid' padding: J maps of (W−K+1)×(H−K+1)."""
    return (W - K + 1) * (H - K + 1) * J


@REFERENCES.answer("q1.fc_weights", formula=True)
def fc_weights(W: Any, H: Any, I: Any, J: Any) -> Any:  # noqa: E741
    """FC weights: one per (input unit, output unit) pair, (W·H·I)·(W·H·J) = W²H²IJ (matches the key)."""
    return (W * H * I) * (W * H * J)


@REFERENCES.answer("q1.conv_weights", formula=True)
def conv_weights(I: Any, J: Any, K: Any) -> Any:  # noqa: E741
    """Conv weights: J filters of K×K×I, shared over positions: K²IJ (matches the key)."""
    return J * (K * K * I)


@REFERENCES.answer("q1.fc_connections", formula=True)
def fc_connections(W: Any, H: Any, I: Any, J: Any) -> Any:  # noqa: E741
    """FC connections: every input unit feeds every output unit, (W·H·I)·(W·H·J) = W²H²IJ."""
    return (W * H * I) * (W * H * J)


@REFERENCES.answer("q1.conv_connections_same", formula=True)
def conv_connections_same(W: Any, H: Any, I: Any, J: Any, K: Any) -> Any:  # noqa: E741
    """Conv connections, 'same' padding: W·H·J output units × K·K·I taps each = WHK²IJ.

    Matches the key; it counts the taps that fall on zero padding (the conv's MACs).
    """
    return (W * H * J) * (K * K * I)


@REFERENCES.answer("q1.conv_connections_valid", formula=True)
def conv_connections_valid(W: Any, H: Any, I: Any, J: Any, K: Any) -> Any:  # noqa: E741
    """Conv connections, 'valid' padding: (W−K+1)(H−K+1)J output units × K·K·I taps each."""
    return ((W - K + 1) * (H - K + 1) * J) * (K * K * I)


# --------------------------------------------------------------------------------------------
# (b) batch norm: conv -> BatchNorm2d -> ReLU, run in torch float64.
# --------------------------------------------------------------------------------------------

_C_IN, _C_OUT, _SIDE, _BATCH = 3, 4, 6, 8


def _bn_setup(seed: int) -> dict[str, Any]:
    """Random conv weights/bias, BN affine parameters, training batches and a test batch."""
    import torch

    g = torch.Generator().manual_seed(seed)

    def randn(*shape: int) -> Any:
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    return {
        "weight": randn(_C_OUT, _C_IN, 3, 3),
        "bias": 3.0 * randn(_C_OUT),
        "gamma": 0.5 + torch.rand(_C_OUT, generator=g, dtype=torch.float64),
        "beta": randn(_C_OUT),
        "train": [randn(_BATCH, _C_IN, _SIDE, _SIDE) + 0.5 * randn(1, _C_IN, 1, 1) for _ in range(6)],
        "test": randn(_BATCH, _C_IN, _SIDE, _SIDE),
    }


def _batch_norm(setup: dict[str, Any]) -> Any:
    import torch
    from torch import nn

    bn = nn.BatchNorm2d(_C_OUT, momentum=None, dtype=torch.float64)  # momentum=None: exact average
    with torch.no_grad():
        bn.weight.copy_(setup["gamma"])
        bn.bias.copy_(setup["beta"])
    return bn


def _same_output(a: Any, b: Any) -> bool:
    """Equal up to float64 round-off and BN's ε (relative 1e-4 of the output scale)."""
    scale = 1.0 + float(b.abs().max())
    return float((a - b).abs().max()) <= 1e-4 * scale


@REFERENCES.answer("q1.conv_bias_removal_effect")
def conv_bias_removal_effect() -> str:
    """Runs conv(+bias)→BatchNorm2d→ReLU and the same conv without bias in torch float64.

    Train mode (batch statistics) and eval mode (after accumulating running statistics on the
    same batches) give identical outputs, because BN's mean subtraction cancels any per-channel
    constant: "no_effect" (as the key says; the key's reason cites only γ/β).
    """
    import torch
    import torch.nn.functional as F

    s = _bn_setup(seed=1)
    bn_bias, bn_plain = _batch_norm(s), _batch_norm(s)
    same = True
    with torch.no_grad():
        for x in s["train"]:  # train mode: batch statistics (and running stats accumulate)
            with_bias = F.relu(bn_bias(F.conv2d(x, s["weight"], s["bias"])))
            without = F.relu(bn_plain(F.conv2d(x, s["weight"])))
            same = same and _same_output(with_bias, without)
        bn_bias.eval()
        bn_plain.eval()
        with_bias = F.relu(bn_bias(F.conv2d(s["test"], s["weight"], s["bias"])))
        without = F.relu(bn_plain(F.conv2d(s["test"], s["weight"])))
        same = same and _same_output(with_bias, without)
    return "no_effect" if same else "degrades"


def _scaling_effect(target: str, mode: str, alphas: tuple[float, ...]) -> str:
    import torch
    import torch.nn.functional as F

    if mode not in ("eval", "train"):
        raise ValueError(f"mode must be 'eval' or 'train', got {mode!r}")
    s = _bn_setup(seed=2)
    bn = _batch_norm(s)
    weight, x = s["weight"], s["test"]
    with torch.no_grad():
        for batch in s["train"]:  # "the network is trained": running statistics accumulated
            bn(F.conv2d(batch, weight))
        bn.train(mode == "train")

        def net(inputs: Any, w: Any) -> Any:
            return F.relu(bn(F.conv2d(inputs, w)))

        base = net(x, weight)
        # The options distinguish by the sign of α, so each α is also tried with the other sign.
        probes = sorted({a for alpha in alphas for a in (float(alpha), -float(alpha))} - {0.0, 1.0})
        changed = {}
        for a in probes:
            out = net(a * x, weight) if target == "inputs" else net(x, a * weight)
            changed[a] = not _same_output(out, base)
    if any(changed[a] for a in probes if a > 0):
        return "changes"
    if any(changed[a] for a in probes if a < 0):
        return "unchanged_if_alpha_positive"
    return "unchanged"


@REFERENCES.answer("q1.scale_weights_effect")
def scale_weights_effect(mode: str = "eval", alphas: tuple[float, ...] = (2.0, 0.5)) -> str:
    """Computes conv→BatchNorm2d→ReLU (bias-free conv) with the conv weights scaled by ±α.

    In "eval" mode (running statistics, i.e. inference) BN is a fixed affine map and the output
    changes: "changes" (the key's answer). In "train" mode (batch statistics) it is unchanged up to
    ε for α>0 and changes for α<0: "unchanged_if_alpha_positive". The key's "αy" derivation
    needs γ, β scaled too.
    """
    return _scaling_effect("weights", mode, tuple(alphas))


@REFERENCES.answer("q1.scale_inputs_effect")
def scale_inputs_effect(mode: str = "eval", alphas: tuple[float, ...] = (2.0, 0.5)) -> str:
    """Computes conv→BatchNorm2d→ReLU (bias-free conv) with the network input scaled by ±α.

    conv(αx, W) = conv(x, αW), so this is the same computation as scaling the weights: "changes"
    in eval mode, "unchanged_if_alpha_positive" with batch statistics. The official key answers
    "no change if α>0", which only holds with batch statistics (and its α<0 result is wrong).
    """
    return _scaling_effect("inputs", mode, tuple(alphas))


# --------------------------------------------------------------------------------------------
# (c) U-Net
# --------------------------------------------------------------------------------------------


def _pooled_side(size: int, levels: int) -> list[int]:
    import torch
    from torch import nn

    x = torch.zeros(1, 1, size, size)
    pool = nn.MaxPool2d(2)
    for _ in range(levels):
        x = pool(x)
    return [int(n) for n in x.shape[-2:]]


@REFERENCES.answer("q1.unet_bottleneck")
def unet_bottleneck(size: int = 256, levels: int = 4) -> list[int]:
    """Deepest U-Net feature map: nn.MaxPool2d(2) applied `levels` times to a size×size tensor.

    256 with 4 halvings gives [16, 16] (the depth 4 is inferred from the four encoder layers).
    """
    return _pooled_side(size, levels)


@REFERENCES.answer("q1.unet_bottleneck_pixels")
def unet_bottleneck_pixels(size: int = 256, levels: int = 4) -> int:
    """Pixels per channel of the deepest map: product of the pooled sides (16·16 = 256)."""
    h, w = _pooled_side(size, levels)
    return h * w


@REFERENCES.answer("q1.conv_params")
def conv_params(c_in: int = 64, c_out: int = 128, k: int = 3, bias: bool = True) -> int:
    """Parameter count of a real nn.Conv2d(c_in, c_out, k) (on the meta device).

    64→128, 3×3 gives 73856 with bias, as the key counts; 73728 without bias.
    """
    from torch import nn

    conv = nn.Conv2d(c_in, c_out, k, bias=bias, device="meta")
    return int(sum(p.numel() for p in conv.parameters()))
