#!/usr/bin/env python
"""Write the bundled filled answer sheet, submissions/HW4_T_401234570.pdf (deterministic answers).

    .venv/bin/python tests/sheet/make_sample.py

A student who used the PDF sheet: most answers right, typed as people type them (Persian digits,
LaTeX, a matrix over several lines, Persian free text), a few known mistakes and one unreadable
answer, and one page of derivations appended after the sheet. `tests/sheet/test_sample_sheet.py`
checks the committed file against the verdicts listed here.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUDENT = "401234570"
TARGET = ROOT / "submissions" / f"HW4_T_{STUDENT}.pdf"

# item -> (what the student typed, expected status); items not listed get the key as text
TYPED = {
    "q1.c.unet_conv2_params": ("۷۳٬۸۵۶", "correct"),
    "q1.a.fc_weights": ("$W^{2}H^{2}IJ$", "correct"),
    "q1.a.conv_connections": ("W H K^2 I J", "correct"),
    "q4.a.densenet_channels": ("80", "partial"),  # a known mistake: the input of layer 3
    "q6.c.sigmoid_max_grad": ("0,25", "invalid"),  # a decimal comma
    "q5.b.kronecker_A": ("[[1, 0, 0],\n [0, 0, 0],\n [0, 0, 0]]", "correct"),
    "q1.b.conv_bias_removal": ("no_effect", "correct"),
    "q2.derivation": ("∂L/∂W_j = Σ_i G_i X_{i+j}: گرادیان نسبت به وزن، همبستگی ورودی با گرادیان خروجی است.\nنگاه کنید به صفحه‌ی پیوست.", "pending"),
    "q1.a.data_efficiency": ("Not necessarily: weight sharing needs fewer parameters, but the data needed also depends on the task.", "pending"),
}
LEFT_EMPTY = ("q6.d.relu_variants", "q6.e.residual")


def answers() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from grader.keys.keybook import KeyBook
    from grader.kinds import get_kind
    from grader.rubric import load_rubric
    from grader.student.sheet.fill import answer_text

    rubric = load_rubric(ROOT / "rubrics" / "hw4.yaml")
    keys = KeyBook(rubric)
    typed: dict[str, str] = {}
    for item in rubric.items:
        if item.id in LEFT_EMPTY:
            continue
        if item.id in TYPED:
            typed[item.id] = TYPED[item.id][0]
        elif item.manual:
            typed[item.id] = "See the derivation page appended after the sheet."
        else:
            expected = keys.expected(item, 0, STUDENT)
            typed[item.id] = answer_text(expected.tolist()) if hasattr(expected, "tolist") else get_kind(item.kind).show(expected, item)
    return typed


def derivation_page() -> bytes:
    import weasyprint

    html = "<h1>Derivations (401234570)</h1><p>Q2: dL/dW_j = sum_i dL/dZ_i X_{i+j}, a valid cross-correlation of X with G.</p><p>Q3: chain rule through the FC layer, the 2×2 average pooling and the two convolutions.</p>"
    return weasyprint.HTML(string=html).write_pdf()


def main() -> None:
    import pypdf

    sys.path.insert(0, str(ROOT))
    from grader.fsio import atomic_write
    from grader.rubric import load_rubric
    from grader.student.sheet.fill import fill_sheet
    from grader.student.sheet.write import SheetWriter

    sheet = fill_sheet(SheetWriter(load_rubric(ROOT / "rubrics" / "hw4.yaml")).pdf(STUDENT), answers())
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(sheet)))
    writer.append(pypdf.PdfReader(io.BytesIO(derivation_page())))
    out = io.BytesIO()
    writer.write(out)
    atomic_write(TARGET, out.getvalue())
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(out.getvalue()):,} bytes)")


if __name__ == "__main__":
    main()
