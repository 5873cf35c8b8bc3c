"""Synthetic HW4 answer files for the benchmark: a realistic, deterministic mix.

Every student gets a profile (strong, typical, weak, careless) and every item an outcome drawn
from that profile: correct (in one of many equivalent written forms: LaTeX, Persian digits,
Unicode operators, thousands separators, NumPy/PyTorch printouts, YAML lists ...), a near miss,
an official-key mistake, an unreadable answer, or nothing. Per-student instance answers (Q2,
Q3) are computed with the reference functions (through `KeyBook`, as the grader does) for
correct ones and perturbed for near misses. Free-text answers are English or Persian paragraphs
of realistic length. About 1% of files are broken as a whole (bad YAML, not a mapping).

    python bench/gen.py OUT_DIR N [--seed S]

Also writes OUT_DIR/manifest.csv (submission times around the HW4 deadlines).
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "hw4.yaml"
PREFIX = "HW4_T_"

# outcome weights per profile: correct, near, official, invalid, missing
PROFILES = {
    "strong": (0.86, 0.05, 0.04, 0.02, 0.03),
    "typical": (0.62, 0.14, 0.12, 0.05, 0.07),
    "weak": (0.35, 0.22, 0.14, 0.09, 0.20),
    "careless": (0.50, 0.10, 0.05, 0.25, 0.10),
}
PROFILE_WEIGHTS = {"strong": 0.30, "typical": 0.45, "weak": 0.17, "careless": 0.08}
OUTCOMES = ("correct", "near", "official", "invalid", "missing")

PERSIAN = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")

# -- fixed-key items: written forms per outcome ---------------------------------------------
# "official" lists answers that match a rubric mistake (official key or a known slip with
# partial credit) or an accepted alternative; "near" are plausible wrong answers.

FORMS: dict[str, dict[str, list[Any]]] = {
    "q1.a.fc_units": {
        "correct": ["W·H·J", "WHJ", "$W H J$", "J*W*H", "W × H × J", "(W)(H)(J)", "W*H*J", "\\(W \\cdot H \\cdot J\\)"],
        "near": ["W*H*J*K", "W*H + J", "W^2 H J", "(W-K+1)(H-K+1)I"],
        "official": ["WHI", "W·H·I", "$W \\times H \\times I$"],
        "invalid": ["W*H*", "W H x", "W^^2"],
    },
    "q1.a.conv_units": {
        "correct": ["W*H*J", "(W-K+1)(H-K+1)J", "J(W − K + 1)(H − K + 1)", "\\left(W-K+1\\right)\\left(H-K+1\\right)J", "WHJ"],
        "near": ["(W-K)(H-K)J", "(W-K+1)(H-K+1)", "W H J K^2"],
        "official": ["W H I", "WHI"],
        "invalid": ["(W-K+1)(H-K+1", "W H J Q"],
    },
    "q1.a.fc_weights": {
        "correct": ["$W^{2}H^{2}IJ$", "(W H)^2 I J", "W²H²IJ", "W**2 * H**2 * I * J", "(W·H·I)·(W·H·J)", "\\frac{(WH)^2 IJ}{1}", "I J W^2 H^2"],
        "near": ["W^2 H^2 I", "WHIJ", "W^2H^2IJ + 1", "(WHI + 1)(WHJ)"],
        "official": ["W^2 H^2 I J K^2"],
        "invalid": ["W^2 H^2 I J Q", "W^{2}H^{2IJ"],
    },
    "q1.a.conv_weights": {
        "correct": ["K^2 I J", "K²IJ", "$K^{2} \\cdot I \\cdot J$", "J*(K*K*I)", "I J K K", "K^2·I·J"],
        "near": ["K^2 I", "K I J", "(K^2 I + 1) J", "W H K^2 I J"],
        "official": ["K^2 J"],
        "invalid": ["K^2 I J)", "K2IJ^"],
    },
    "q1.a.fc_connections": {
        "correct": ["(W H)^2 I J", "W^2H^2IJ", "(WHI)(WHJ)", "$W^2 H^2 I J$", "W²·H²·I·J"],
        "near": ["WHIJ", "W^2 H^2 I", "(WHI+1)(WHJ)"],
        "official": ["W H I J"],
        "invalid": ["(W H)^2 I J)", "W H ^ I J ^"],
    },
    "q1.a.conv_connections": {
        "correct": ["WHK^2IJ", "W·H·K²·I·J", "(W-K+1)(H-K+1)K^2 I J", "$W H K^{2} I J$", "K^2 I J W H"],
        "near": ["WHK^2J", "W H K I J", "K^2 I J"],
        "official": ["(W−K+1)(H−K+1)K²IJ"],
        "invalid": ["W H K^2 I J +", "WHK^2IJ2"],
    },
    "q1.b.conv_bias_removal": {
        "correct": ["no_effect", "no effect", "No", "بی‌اثر", "خیر", "unchanged"],
        "near": ["degrades", "yes", "بله"],
        "official": ["it degrades"],
        "invalid": ["maybe", "it depends on the data"],
    },
    "q1.b.scale_weights": {
        "correct": ["changes", "yes", "تغییر می‌کند", "it changes"],
        "near": ["no", "خیر"],
        "official": ["unchanged", "unchanged_if_alpha_positive", "depends on the sign of alpha"],
        "invalid": ["sometimes", "only at training time"],
    },
    "q1.b.scale_inputs": {
        "correct": ["changes", "yes", "تغییر می‌کند", "change"],
        "near": ["no", "same"],
        "official": ["unchanged_if_alpha_positive", "unchanged"],
        "invalid": ["perhaps", "اگر"],
    },
    "q1.c.unet_bottleneck": {
        "correct": ["16x16", "16×16", [16, 16], "(16,16)", "16 × 16", "[16, 16]", "۱۶×۱۶", 256],
        "near": ["32x32", "8x8", "16x16x1024"],
        "official": ["256"],
        "invalid": ["16x", "sixteen by sixteen"],
    },
    "q1.c.unet_conv2_params": {
        "correct": [73856, "73,856", "73 856", "۷۳٬۸۵۶", "(3*3*64+1)*128", "7.3856e4", "(3 \\times 3 \\times 64 + 1) \\times 128"],
        "near": ["73857", "147712", "(3*3*64)*128 + 64"],
        "official": [73728, "73,728", "3*3*64*128"],
        "invalid": ["73,85,6", "73856.5.1"],
    },
    "q4.a.densenet_channels": {
        "correct": [104, "۱۰۴", "32 + 3*24", "32+3×24"],
        "near": [96, 128, 56],
        "official": [80, 24, "32 + 2·24"],
        "invalid": ["1 04", "one hundred four"],
    },
    "q4.b.ops_plain": {
        "correct": [120422400, "120,422,400", "28*28*192*32*25", "28 × 28 × 192 × 32 × 25", "1.204224e8", "۱۲۰٬۴۲۲٬۴۰۰", "1.204224 \\times 10^{8}"],
        "near": ["120422401", "4816896", "28*28*192*32*5*5*2"],
        "official": ["1.2e8"],
        "invalid": ["1,5", "28*28*192*32*"],
    },
    "q4.b.ops_bottleneck": {
        "correct": [12443648, "12 443 648", "2408448 + 10035200", "28*28*192*16 + 28*28*16*32*25", "12,443,648"],
        "near": ["10035200", "2408448", "12443000"],
        "official": ["1.24e7"],
        "invalid": ["12,44,3648", "2408448 +"],
    },
    "q4.b.reduction_percent": {
        "correct": ["89.67%", "89.67", "۸۹٫۶۷٪", "89.67 percent", "(1 - 12443648/120422400)*100", "89.7%", "89.67 ٪"],
        "near": ["89%", "10.33%", "0.8967"],
        "official": ["90%", "90", "89.8%"],
        "invalid": ["89.67%%", "89,67"],
    },
    "q4.b.inception_ops": {
        "correct": [128049152, "128,049,152", "۱۲۸٬۰۴۹٬۱۵۲", "1.28049152e8", "129,403,904"],
        "near": ["128049153", "120422400", "127,049,152"],
        "official": ["129403904"],
        "invalid": ["128.049.152", "1,28,049,152"],
    },
    "q5.a.output_size": {
        "correct": ["[M - DF + D, N - DF + D]", "(M-DF+D) x (N-DF+D)", "(M − D(F−1)) × (N − D(F−1))", ["M-D*F+D", "N-D*F+D"], "M-D(F-1), N-D(F-1)", "$[M - D F + D,\\ N - D F + D]$"],
        "near": ["[M-DF+1, N-DF+1]", "[M-F+1, N-F+1]", "[M - DF, N - DF]", "(M-DF+D)"],
        "official": ["[N - DF + D, M - DF + D]", "(N-D(F-1)) x (M-D(F-1))"],
        "invalid": ["(M-DF+D", "[M - DF + D; N - DF + D"],
    },
    "q5.b.kronecker_A": {
        "correct": [
            "[1 0 0; 0 0 0; 0 0 0]", "[[1, 0, 0], [0, 0, 0], [0, 0, 0]]", [[1, 0, 0], [0, 0, 0], [0, 0, 0]],
            "\\begin{bmatrix} 1 & 0 & 0 \\\\ 0 & 0 & 0 \\\\ 0 & 0 & 0 \\end{bmatrix}",
            "array([[1., 0., 0.],\n       [0., 0., 0.],\n       [0., 0., 0.]])", "[[1. 0. 0.]\n [0. 0. 0.]\n [0. 0. 0.]]",
        ],
        "near": ["[[1, 0, 0], [0, 1, 0], [0, 0, 1]]", "[[0, 0, 0], [0, 1, 0], [0, 0, 0]]"],
        "official": ["[[1, 1, 1], [1, 1, 1], [1, 1, 1]]", "[0 0 0; 0 0 0; 0 0 1]"],
        "invalid": ["[[1, 0, 0], [0, 0], [0, 0, 0]]", "[1 0 0; 0 0 0; 0 0"],
    },
    "q5.c.receptive_field_side": {
        "correct": ["3d(w-1) + 3", "3dw - 3d + 3", "3(d(w−1)+1)", "3 \\cdot d(w-1)+3", "3·d·(w − 1) + 3"],
        "near": ["3d(w-1)+1", "3dw+3", "d(w-1)+3"],
        "official": ["3d(w-1)+3 + (d-1)", "3dw - 2d + 2"],
        "invalid": ["3d(w-1)+3)", "3d(w-1) + 3x"],
    },
    "q5.c.receptive_field_pixels": {
        "correct": ["(3d(w−1)+3)²", "(3d(w-1)+3)^2", "9(d(w-1)+1)^2", "\\left(3d(w-1)+3\\right)^{2}", "(3dw - 3d + 3)**2"],
        "near": ["3d(w-1)+3", "(3d(w-1)+1)^2", "(3dw+3)^2"],
        "official": ["(3dw - 2d + 2)^2"],
        "invalid": ["(3d(w-1)+3)^", "(3d(w-1)+3)²)"],
    },
    "q6.a.bound": {
        "correct": ["0.9^100", "2.656e-5", "2.65614 × 10^{-5}", "0.9¹⁰⁰", "(9/10)^100", "{0.9}^{100}", "۰٫۹^۱۰۰"],
        "near": ["0.9^99", "0.9^10", "0.1^100"],
        "official": ["1.4^100"],
        "invalid": ["9^9^9^9", "0.9^"],
    },
    "q6.b.kaiming_mean": {
        "correct": [0, "0", "0.0", "۰"],
        "near": ["1", "0.5"],
        "official": ["0.01"],
        "invalid": ["zero mean", "μ=0"],
    },
    "q6.b.kaiming_std": {
        "correct": ["sqrt(2/192)", "\\sqrt{\\frac{2}{192}}", "√(2/192)", "0.102", "0.1021", "۰٫۱۰۲", "2/192", "0.0104"],
        "near": ["0.2", "sqrt(1/192)", "sqrt(2/64)"],
        "official": ["sqrt(2/512)", "0.0625"],
        "invalid": ["sqrt(2/192", "√"],
    },
    "q6.c.sigmoid_max_grad": {
        "correct": ["0.25", "1/4", "۰٫۲۵", "25%", 0.25, "\\frac{1}{4}"],
        "near": ["0.5", "1"],
        "official": ["0.2"],
        "invalid": ["1/4/", "a quarter"],
    },
}

TENSORS = ("q2.dL_dW", "q3.a.dL_dP3", "q3.a.dL_dP1", "q3.b.dL_dW1", "q3.c.dL_dW2")

# -- free text ------------------------------------------------------------------------------

EN = [
    "Weight sharing and locality give a convolutional layer far fewer parameters than a fully connected one,",
    "so in practice it needs less data to fit, although this also depends on the task and on the architecture.",
    "Batch normalisation subtracts the per-channel mean, which cancels any constant bias exactly; β supplies the shift.",
    "At inference BN uses the stored running mean and variance, so it is a fixed affine map and αz changes its output.",
    "With small batches (e.g. high-resolution segmentation) the statistics are noisy; GroupNorm or LayerNorm avoid this.",
    "By the chain rule, ∂L/∂W_j = Σ_{i=0}^{N−K} ∂L/∂Z_i · X_{i+j}, which is a valid cross-correlation of X with ∂L/∂Z.",
    "The gradient flows through the FC layer, the average pooling (a factor 1/4 per quadrant) and the two convolutions.",
    "DenseNet concatenates all earlier feature maps, so every layer has a short path to the loss and features are reused.",
    "Objects appear at several scales; 1×1 convolutions reduce the channels before the expensive 3×3 and 5×5 filters.",
    "Auxiliary classifiers inject gradient into the middle layers and act as a regulariser; they are dropped at test time.",
    "Deformable convolution learns offsets (from an extra conv) that move each sampling point; bilinear interpolation reads fractional positions.",
    "The dilated kernel spans D(F−1)+1 pixels, so the valid output has M−D(F−1) rows and N−D(F−1) columns.",
    "PixelCNN masks the future pixels; its receptive field grows slowly and has a blind spot, and dilation widens it cheaply.",
    "‖δ_i‖ ≤ ‖δ_L‖ Π‖W_k‖‖f'‖ ≤ ‖δ_L‖ σ^{L−i}, which goes to 0 for a uniform σ < 1.",
    "The derivative of the sigmoid is at most 1/4, so each sigmoid layer shrinks the gradient at least fourfold; ReLU' = 1 for x > 0.",
    "A dead ReLU gets zero gradient for negative inputs forever; Leaky ReLU keeps a slope α and PReLU learns α.",
    "∂y2/∂w1 = (∂F2/∂y1 + I)·∂F1/∂w1: the identity term keeps the gradient from vanishing through residual blocks.",
]
FA = [
    "در شبکه‌ی تمام‌متصل هر ویژگی جداگانه روی دسته نرمال می‌شود؛ در شبکه‌ی پیچشی هر کانال با آماره‌های مشترک روی همه‌ی مکان‌ها (N, H, W) نرمال می‌شود.",
    "به کمک قاعده‌ی زنجیره‌ای، گرادیان نسبت به وزن‌ها برابر همبستگی متقابل ورودی X با ∂L/∂Z است و بنابراین خود یک کانولوشن است.",
    "اتصالات متراکم باعث می‌شوند هر لایه مسیر کوتاهی تا تابع هزینه داشته باشد و ویژگی‌ها دوباره استفاده شوند، پس لایه‌ها می‌توانند باریک باشند.",
    "کانولوشن ۱×۱ تعداد کانال‌ها را پیش از فیلترهای پرهزینه‌ی ۳×۳ و ۵×۵ کاهش می‌دهد و هزینه‌ی محاسبات را حدود ۹۰٪ کم می‌کند.",
    "در کانولوشن تغییرشکل‌پذیر، آفست‌ها با یک لایه‌ی پیچشی اضافه یاد گرفته می‌شوند و مقدار در مکان‌های کسری با درون‌یابی دوخطی خوانده می‌شود.",
    "مشتق تابع سیگموید حداکثر ۰٫۲۵ است، بنابراین در هر لایه گرادیان دست‌کم چهار برابر کوچک می‌شود؛ اما مشتق ReLU برای x > 0 برابر ۱ است.",
    "بلوک باقی‌مانده یک مسیر همانی اضافه می‌کند: ∂y/∂x = I + ∂F/∂x و در نتیجه گرادیان حتی در شبکه‌های بسیار عمیق از بین نمی‌رود.",
    "اگر اندازه‌ی دسته کوچک باشد (مثلاً در بخش‌بندی تصاویر با وضوح بالا)، آماره‌های دسته پرنویز هستند؛ GroupNorm یا LayerNorm جایگزین مناسبی است.",
]


@dataclass
class Generated:
    folder: Path
    files: int
    broken_files: int
    outcomes: dict[str, int]


def _text(rng: random.Random, own: random.Random | None = None) -> str:
    """A free-text answer: sentences of the pool, each written in the student's own words when
    `own` (the student's private generator) is given, so that independent students do not hand
    in the same paragraph (the pool has only 25 sentences)."""
    pool = FA if rng.random() < 0.35 else EN
    n = rng.choice((1, 2, 3, 3, 4, 5, 6, 8))
    sentences = [rng.choice(pool) for _ in range(n)]
    if own is not None:
        sentences = [_own_words(own, sentence, pool) for sentence in sentences]
    return "\n".join(sentences) + "\n"


def _own_words(own: random.Random, sentence: str, pool: list[str]) -> str:
    """The sentence as one student words it: about a third of its words left out or replaced by
    other words of the topic, and now and then two neighbours swapped."""
    vocabulary = _vocabulary(tuple(pool))
    out: list[str] = []
    for word in sentence.split():
        roll = own.random()
        if roll < 0.2:
            continue
        out.append(own.choice(vocabulary) if roll < 0.35 else word)
    for _ in range(own.choice((0, 1, 2))):
        if len(out) > 2:
            i = own.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


_VOCABULARIES: dict[tuple[str, ...], list[str]] = {}


def _vocabulary(pool: tuple[str, ...]) -> list[str]:
    if pool not in _VOCABULARIES:
        _VOCABULARIES[pool] = sorted({w for sentence in pool for w in sentence.split()})
    return _VOCABULARIES[pool]


def _persian(text: str) -> str:
    return text.translate(PERSIAN)


def _tensor_form(rng: random.Random, array: Any) -> Any:
    """One way a student writes a tensor: YAML lists, text lists, NumPy/PyTorch printouts, Persian."""
    import numpy as np

    nested = array.tolist()
    ints = bool(np.all(array == np.round(array)))
    style = rng.choice(("yaml", "yaml", "yaml_int", "text", "numpy", "numpy_print", "torch", "persian"))
    if style == "yaml":
        return nested
    if style == "yaml_int":
        return np.round(array).astype(int).tolist() if ints else nested
    if style == "text":
        return str(nested)
    if style == "numpy":
        return repr(np.asarray(array))
    if style == "numpy_print":
        return str(np.asarray(array))
    if style == "torch":
        import torch

        return repr(torch.tensor(array, dtype=torch.float64))
    return _persian(str(nested))


def _perturb(rng: random.Random, array: Any) -> Any:
    """A near miss: one or two entries off, a sign flip, or the transposed layout."""
    import numpy as np

    out = np.array(array, dtype=np.float64, copy=True)
    kind = rng.random()
    flat = out.reshape(-1)
    if kind < 0.45:
        for _ in range(rng.choice((1, 1, 2))):
            flat[rng.randrange(flat.size)] += rng.choice((-1.0, 1.0, 0.5, -2.0))
    elif kind < 0.7:
        out = -out
    elif kind < 0.85 and out.ndim >= 2:
        out = np.swapaxes(out, 0, 1)
    else:
        out = out * 2
    return out


def _choose(rng: random.Random, weights: tuple[float, ...]) -> str:
    return rng.choices(OUTCOMES, weights=weights)[0]


def generate(folder: Path, n: int, *, seed: int = 4, first_id: int = 402100000) -> Generated:
    """Write `n` answer files (and manifest.csv) into `folder`; deterministic for a seed."""
    import yaml

    sys.path.insert(0, str(ROOT))
    from grader.keys.keybook import KeyBook
    from grader.rubric import load_rubric

    rubric = load_rubric(RUBRIC)
    keys = KeyBook(rubric)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    outcomes = dict.fromkeys(OUTCOMES, 0)
    broken = 0
    manifest = ["student_id,part,submitted_at"]
    for k in range(n):
        sid = str(first_id + k)
        profile = rng.choices(list(PROFILE_WEIGHTS), weights=list(PROFILE_WEIGHTS.values()))[0]
        weights = PROFILES[profile]
        answers: dict[str, Any] = {}
        for item in rubric.items:
            outcome = _choose(rng, weights)
            outcomes[outcome] += 1
            if outcome == "missing":
                if rng.random() < 0.3:
                    answers[item.id] = ""
                continue
            if item.manual:
                # the wording comes from a generator of the student's own, so the main stream (and
                # every other answer) is the same as before wording was added
                own = random.Random(f"{seed}/{sid}/{item.id}")
                answers[item.id] = _text(rng, own) if outcome != "invalid" else "TODO"
            elif item.id in TENSORS:
                answers[item.id] = _tensor_answer(rng, keys, item, sid, outcome)
            else:
                forms = FORMS[item.id]
                answers[item.id] = rng.choice(forms.get(outcome) or forms["near"])
        document = {"student_id": sid, "answers": answers}
        if rng.random() < 0.6:
            document = {"student_id": sid, "name": rng.choice(("Sara Ahmadi", "Reza Karimi", "Maryam Hosseini", "Ali Rezaei", "نگار محمدی")), "answers": answers}
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
        if rng.random() < 0.01:  # a file that cannot be graded at all
            broken += 1
            text = rng.choice(("answers: [unclosed\n  - q1: x\n", "- just\n- a list\n", "student_id: " + sid + "\nanswers: 5\n"))
        suffix = ".yaml" if rng.random() < 0.9 else ".yml"
        (folder / f"{PREFIX}{sid}{suffix}").write_text(text, encoding="utf-8")
        day = rng.choices((14, 20, 23, 24, 25), weights=(0.2, 0.5, 0.2, 0.07, 0.03))[0]
        manifest.append(f"{sid},theory,1403-09-{day:02d} {rng.randrange(24):02d}:{rng.randrange(60):02d}")
    (folder / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return Generated(folder, n, broken, outcomes)


def _tensor_answer(rng: random.Random, keys: Any, item: Any, sid: str, outcome: str) -> Any:
    import numpy as np

    if outcome == "invalid":
        return rng.choice(("[[1, 2], [3]]", "[1.0, 2.0,", "tensor([1., 2.], grad_fn=<AddBackward0>", "[[1, 2, 3], [4, 5]]"))
    if outcome == "official" and len(item.rules()) > 1:
        value = keys.expected(item, 1, sid)
    else:
        value = keys.expected(item, 0, sid)
    array = np.asarray(value, dtype=np.float64)
    if outcome == "near" or (outcome == "official" and len(item.rules()) == 1):
        array = _perturb(rng, array)
    return _tensor_form(rng, array)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    made = generate(args.folder, args.n, seed=args.seed)
    print(f"wrote {made.files} files ({made.broken_files} broken) into {made.folder}; outcomes {made.outcomes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
