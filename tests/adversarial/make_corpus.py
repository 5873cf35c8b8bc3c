#!/usr/bin/env python
"""Write the committed adversarial answer files into tests/adversarial/files/ (deterministic).

    python tests/adversarial/make_corpus.py

The files are committed; this script documents how each was made and can rebuild them. Files
that are large, or cannot live in git (10 MB, a 10^7-entry tensor, a FIFO, a symbolic link, a
non-UTF-8 file name), are made at test time by `tests/adversarial/conftest.py` instead. The
expected outcome of every file is in tests/adversarial/manifest.yaml.
"""

from __future__ import annotations

import codecs
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
PREFIX = "HW4_T_"

EXPRESSION_ITEMS = [
    "q1.a.fc_units", "q1.a.conv_units", "q1.a.fc_weights", "q1.a.conv_weights",
    "q1.a.fc_connections", "q1.a.conv_connections", "q5.c.receptive_field_side", "q5.c.receptive_field_pixels",
]
INTEGER_ITEMS = ["q1.c.unet_conv2_params", "q4.a.densenet_channels", "q4.b.ops_plain", "q4.b.ops_bottleneck", "q4.b.inception_ops"]
NUMBER_ITEMS = ["q4.b.reduction_percent", "q6.a.bound", "q6.b.kaiming_mean", "q6.b.kaiming_std", "q6.c.sigmoid_max_grad"]
TENSOR_ITEMS = ["q2.dL_dW", "q3.a.dL_dP3", "q3.a.dL_dP1", "q3.b.dL_dW1", "q3.c.dL_dW2"]
CHOICE_ITEMS = ["q1.b.conv_bias_removal", "q1.b.scale_weights", "q1.b.scale_inputs"]
TEXT_ITEMS = ["q1.a.data_efficiency", "q1.b.bn_fc_vs_conv", "q2.derivation", "q4.c.deformable", "q6.e.residual"]
SHAPE, EXPRESSIONS, MATRIX = "q1.c.unet_bottleneck", "q5.a.output_size", "q5.b.kronecker_A"

INJECTIONS = {
    "import": "__import__('os').system('touch /tmp/hwgrader-pwned')",
    "lambda": "lambda: 0",
    "class": "().__class__.__bases__[0].__subclasses__()",
    "eval": "eval(\"__import__('os').system('x')\")",
}


def dump(document: dict) -> str:
    import yaml

    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=10_000)


def file(name: str, data: bytes | str) -> None:
    path = FILES / f"{PREFIX}{name}" if not name.startswith(("!", ".")) else FILES / name.lstrip("!")
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def good_answers(student_id: str) -> dict:
    """The key of every automatic item (computed by the reference code) and a short text."""
    sys.path.insert(0, str(HERE.parents[1]))
    from grader.keys.keybook import KeyBook
    from grader.kinds import get_kind
    from grader.rubric import load_rubric

    rubric = load_rubric(HERE.parents[1] / "rubrics" / "hw4.yaml")
    keys = KeyBook(rubric)
    answers: dict = {}
    for item in rubric.items:
        if item.manual:
            answers[item.id] = "A short, honest answer."
            continue
        expected = keys.expected(item, 0, student_id)
        if item.kind.value in ("matrix", "tensor"):
            answers[item.id] = expected.tolist()
        else:
            answers[item.id] = get_kind(item.kind).show(expected, item)
    return answers


def main() -> None:
    FILES.mkdir(exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()

    # --- well-formed files, in every encoding and line ending a student's editor may produce
    good = {"student_id": "401234567", "name": "Good Student", "answers": good_answers("401234567")}
    file("401234567.yaml", dump(good))
    small = {"student_id": "adv_utf16", "answers": {"q1.c.unet_conv2_params": "73,856", "q1.b.conv_bias_removal": "خیر", "q2.derivation": "Σ_i ∂L/∂Z_i · X_{i+j} — همبستگی"}}
    file("adv_utf16.yaml", codecs.BOM_UTF16_LE + dump(small).encode("utf-16-le"))
    file("adv_utf16be.yaml", codecs.BOM_UTF16_BE + dump({**small, "student_id": "adv_utf16be"}).encode("utf-16-be"))
    file("adv_utf8bom.yaml", codecs.BOM_UTF8 + dump({**small, "student_id": "adv_utf8bom"}).encode("utf-8"))
    crlf = 'student_id: adv_crlf\nanswers:\n  q1.c.unet_conv2_params: 73856\n  q2.derivation: |\n    line one\n    line two\n  q1.a.fc_units: "W*H*J"\n'
    file("adv_crlf.yaml", crlf.replace("\n", "\r\n"))
    file("adv_cr_only.yaml", crlf.replace("student_id: adv_crlf", "student_id: adv_cr_only").replace("\n", "\r"))
    file("adv_json.json", json.dumps({"student_id": "adv_json", "answers": {"q1.c.unet_conv2_params": 73856, "q5.b.kronecker_A": [[1, 0, 0], [0, 0, 0], [0, 0, 0]]}}))

    # --- YAML bombs and deep nesting: refused before any value is built
    laughs = ["lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        laughs.append(f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 10) + "]")
    file("adv_bomb_laughs.yaml", "\n".join(laughs) + "\nanswers: {q2.derivation: *lol9}\n")
    merge = ["a0: &a0 {k0: v, k1: v}"] + [f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: v}}" for i in range(1, 30)]
    file("adv_bomb_merge.yaml", "\n".join(merge) + "\n")
    file("adv_bomb_anchor_only.yaml", "answers: &x {q1.c.unet_conv2_params: 73856}\n")  # an anchor alone is harmless
    file("adv_deep_list.yaml", "answers:\n  q2.dL_dW: " + "[" * 5000 + "]" * 5000 + "\n")
    file("adv_deep_map.yaml", "answers: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n")
    file("adv_deep_json.json", '{"answers": {"q2.dL_dW": ' + "[" * 20_000 + "]" * 20_000 + "}}")
    file("adv_deep_json_41.json", '{"answers": {"q2.dL_dW": ' + "[" * 45 + "1" + "]" * 45 + "}}")

    # --- not text, not a mapping, not one document
    file("adv_empty.yaml", b"")
    file("adv_blank.yaml", b"  \n\t\n")
    rng = random.Random(4)
    file("adv_binary.yaml", bytes(rng.randrange(256) for _ in range(4096)))
    file("adv_binary_nonul.json", bytes(rng.choice(range(128, 256)) for _ in range(4096)))
    file("adv_utf16_nobom.yaml", dump({"student_id": "adv_utf16_nobom", "answers": {}}).encode("utf-16-le"))
    file("adv_latin1.yaml", "student_id: adv_latin1\nanswers: {q2.derivation: 'caf\xe9 na\xefve'}\n".encode("latin-1"))
    file("adv_list.yaml", "- q1.a.fc_units\n- W*H*J\n")
    file("adv_scalar.json", "42")
    file("adv_two_docs.yaml", "answers: {}\n---\nanswers: {}\n")
    file("adv_bad_yaml.yaml", "answers: {q1.a.fc_units: [unclosed\n")
    file("adv_json_nan.json", '{"student_id": "adv_json_nan", "answers": {"q6.b.kaiming_mean": NaN}}')
    file("adv_python_tag.yaml", "answers:\n  q1.a.fc_units: !!python/object/apply:os.system ['touch /tmp/hwgrader-pwned']\n")
    file("adv_bad_scalars.yaml", "answers:\n  q1.b.conv_bias_removal: !!bool maybe\n")

    # --- code as answers: read as data, never run
    for tag, code in INJECTIONS.items():
        answers = {item: code for item in EXPRESSION_ITEMS + INTEGER_ITEMS + NUMBER_ITEMS + CHOICE_ITEMS + TEXT_ITEMS + [SHAPE, EXPRESSIONS, MATRIX]}
        answers.update({item: f"[{code}, 0, 0]" for item in TENSOR_ITEMS})
        answers[MATRIX] = f"[[{code}, 0, 0], [0, 0, 0], [0, 0, 0]]"
        answers[SHAPE] = f"{code} x 16"
        answers[EXPRESSIONS] = f"[{code}, N]"
        file(f"adv_inject_{tag}.yaml", dump({"student_id": f"adv_inject_{tag}", "name": code, "answers": answers}))
    file("adv_inject_numpy.yaml", dump({"answers": {
        MATRIX: "np.array([[1, 0, 0], [0, 0, 0], [0, 0, 0]], dtype=__import__('os').system('x'))",
        "q2.dL_dW": "torch.tensor([0., 3., 6.], device=exec('1'))",
        "q3.a.dL_dP3": "array([[1, 2], [3, 4]]).__class__",
        SHAPE: "np.zeros((16, 16)).shape",
        "q1.a.fc_units": "W*H*J if __import__('os') else 0",
        "q4.b.ops_plain": "sum(range(10**9))",
        "q6.b.kaiming_std": "sqrt(2/192); import os",
    }}))

    # --- numbers that hang naive parsers, and numbers that are not numbers
    towers = {
        "q1.a.fc_units": "9^9^9^9",
        "q1.a.conv_units": "10^10^10",
        "q1.a.fc_weights": "(" * 10_000 + "W" + ")" * 10_000,
        "q1.a.conv_weights": "9**9**9",
        "q1.a.fc_connections": "W^(10^10)",
        "q1.a.conv_connections": "2^2^2^2^2^2",
        "q5.c.receptive_field_side": "exp(exp(exp(exp(w))))",
        "q5.c.receptive_field_pixels": "(w+d)^1000",
        "q1.c.unet_conv2_params": "9^9^9^9",
        "q4.a.densenet_channels": "10^10^10",
        "q4.b.ops_plain": "(" * 10_000 + "1" + ")" * 10_000,
        "q4.b.ops_bottleneck": "9" * 5_000,
        "q4.b.inception_ops": "1e999999999",
        "q4.b.reduction_percent": "10^10^10 %",
        "q6.a.bound": "0.9^(10^100)",
        "q6.b.kaiming_mean": "1e-999999999",
        "q6.b.kaiming_std": "sqrt(" * 5_000 + "2" + ")" * 5_000,
        "q6.c.sigmoid_max_grad": "1/0",
        "q1.c.unet_bottleneck": "99999999999999999999 x 99999999999999999999",
        "q5.a.output_size": "[" + "M^9^9^9, N]",
        "q5.b.kronecker_A": "[[9^9^9^9, 0, 0], [0, 0, 0], [0, 0, 0]]",
        "q2.dL_dW": "[1e999, 0, 0]",
    }
    file("adv_towers.yaml", dump({"student_id": "adv_towers", "answers": towers}))
    limits = {  # each limit of the parser, reached inside the 2,000-character bound
        "q1.a.fc_units": "(" * 999 + "W" + ")" * 999,  # parse depth
        "q1.a.conv_units": "-" * 1500 + "W",  # depth of unary signs
        "q1.a.fc_weights": "W" * 2001,  # expression length
        "q1.c.unet_conv2_params": "2^1000*2^1000*2^1000*2^1000*2^1000",  # integer size (past float range)
        "q4.b.ops_plain": "9" * 1500,  # integer literal size
        "q6.b.kaiming_std": "sqrt(" * 150 + "2" + ")" * 150,  # depth of calls
        "q1.c.unet_bottleneck": "x".join(["16"] * 150),  # list length of a shape
        "q5.a.output_size": "[" + ", ".join(["M"] * 150) + "]",  # list length
        # matrix text length and element count: tests/adversarial/conftest.py (large files)
    }
    file("adv_limits.yaml", dump({"student_id": "adv_limits", "answers": limits}))
    nonfinite = (
        "student_id: adv_nonfinite\nanswers:\n"
        "  q6.b.kaiming_mean: .nan\n  q6.b.kaiming_std: .inf\n  q6.c.sigmoid_max_grad: -.inf\n"
        "  q6.a.bound: NaN\n  q4.b.reduction_percent: Infinity\n"
        "  q1.c.unet_conv2_params: 1.0e999\n  q4.a.densenet_channels: .nan\n  q4.b.ops_plain: 1e999\n"
        "  q2.dL_dW: [.nan, .inf, 0]\n  q3.a.dL_dP3: [[-.inf, 0], [0, 0]]\n  q5.b.kronecker_A: '[[nan, 0, 0], [0, inf, 0], [0, 0, 0]]'\n"
        "  q1.b.conv_bias_removal: .nan\n  q1.c.unet_bottleneck: .inf\n  q1.a.fc_units: .inf\n  q5.a.output_size: [.nan, .inf]\n"
        "  q2.derivation: .nan\n"
    )
    file("adv_nonfinite.yaml", nonfinite)
    file("adv_bigint.json", '{"student_id": "adv_bigint", "answers": {"q1.c.unet_conv2_params": ' + "7" * 5000 + ', "q6.b.kaiming_mean": ' + "1" * 4000 + ', "q2.dL_dW": [' + "9" * 4500 + ", 0, 0]}}")
    file("adv_bigint_yaml.yaml", "student_id: adv_bigint_yaml\nanswers:\n  q1.c.unet_conv2_params: " + "7" * 5000 + "\n  q4.a.densenet_channels: 0x" + "f" * 5000 + "\n")
    file("adv_surrogate.json", '{"student_id": "adv_surrogate", "name": "\\ud800", "answers": {"q2.derivation": "a\\udc00b", "q1.b.conv_bias_removal": "\\udfff"}}')

    # --- wrong types for every kind
    file("adv_types.yaml", dump({"answers": {
        "q1.a.fc_units": ["W", "H", "J"], "q1.a.conv_units": {"W": 1}, "q1.a.fc_weights": True,
        "q1.c.unet_conv2_params": [73856], "q4.a.densenet_channels": {"a": 1}, "q4.b.ops_plain": False,
        "q6.b.kaiming_std": [0.1], "q6.b.kaiming_mean": {"mean": 0}, "q1.b.conv_bias_removal": ["no_effect"],
        "q1.b.scale_weights": True, "q1.c.unet_bottleneck": {"h": 16, "w": 16}, "q5.a.output_size": {"a": 1},
        "q5.b.kronecker_A": {"a": [1]}, "q2.dL_dW": "not a list", "q3.a.dL_dP3": [[1, 2], [3]],
        "q2.derivation": ["a", "list"], "q1.b.bn_fc_vs_conv": {"k": "v"}, "q4.c.deformable": 12, "q6.e.residual": "",
    }}))
    file("adv_yaml_values.yaml", (
        "answers:\n  q1.b.conv_bias_removal: 2001-02-30\n  q1.b.scale_weights: 2024-12-06\n  q1.a.fc_units: !!binary aGVsbG8=\n"
        "  q1.c.unet_conv2_params: 1:20:30\n  q4.b.ops_plain: !!set {a, b}\n  q2.dL_dW: ~\n  q2.derivation: !!binary aGVsbG8=\n"
        "  q1.b.scale_inputs: yes\n  q6.b.kaiming_mean: 0o17\n  q4.a.densenet_channels: 0b1101000\n"
        "  q1.b.conv_bias_removal_why: no\n  q4.b.ops_bottleneck: 012443648\n  q6.c.sigmoid_max_grad: 1:4\n"
    ))

    # --- markup in text: kept verbatim as data (escaping is the report's job)
    html = {
        "student_id": "adv_html",
        "name": "<b>Mallory</b><script>alert(1)</script>",
        "answers": {
            "q1.a.data_efficiency": '<img src="file:///etc/passwd">',
            "q1.b.bn_fc_vs_conv": "</td><script>alert('x')</script>",
            "q2.derivation": "<iframe src=\"file:///etc/shadow\"></iframe> {{ 7*7 }} {% raw %} ${7*7} [red]rich[/red] \x1b[31mANSI\x1b[0m",
            "q4.c.deformable": '<link rel="attachment" href="file:///etc/passwd"><a href="javascript:alert(1)">x</a>',
            "q6.e.residual": "<style>@import url(file:///etc/passwd); body{background:url(http://127.0.0.1:1/x)}</style>",
            "q1.b.conv_bias_removal": "<b>no_effect</b>",
            "q1.c.unet_conv2_params": "<script>73856</script>",
        },
    }
    file("adv_html.yaml", dump(html))

    # --- ids: the file name's id is used, never the one inside; bad names are refused
    file("adv_evil_id.yaml", dump({"student_id": "../../../../tmp/hwgrader-evil", "answers": {"q1.c.unet_conv2_params": 73856}}))
    file("adv_evil_id_nul.yaml", 'student_id: "a\\0b/../x"\nanswers: {q1.c.unet_conv2_params: 73856}\n')
    file("adv_long_id.yaml", dump({"student_id": "x" * 300, "answers": {"q1.c.unet_conv2_params": 73856}}))
    file("adv_markup_id.yaml", dump({"student_id": "[/red][bold]x[/bold]", "answers": {"q1.c.unet_conv2_params": "[/x]"}}))
    file("!HW4_T_...yaml", "answers: {}\n")
    file("!HW4_T_a.b.yaml", "answers: {}\n")
    file("!HW4_T_" + "a" * 200 + ".yaml", "answers: {}\n")
    file("!HW4_T_.yaml", "answers: {}\n")
    file("!HW4_T_x y.yaml", "answers: {}\n")
    file("!hw4_t_adv_lowercase.YAML", dump({"student_id": "adv_lowercase", "answers": {"q1.c.unet_conv2_params": 73856}}))

    # --- two files for one student: the newer (the test sets the times) is graded, both reported
    file("adv_dup.yaml", dump({"student_id": "adv_dup", "answers": {"q1.c.unet_conv2_params": 1}}))
    file("adv_dup.json", json.dumps({"student_id": "adv_dup", "answers": {"q1.c.unet_conv2_params": 73856}}))
    # --- not an answer file
    file("!other.yaml", "answers: {}\n")
    file("!notes.txt", "not an answer file\n")
    print(f"wrote {len(list(FILES.iterdir()))} files to {FILES}")


if __name__ == "__main__":
    main()
