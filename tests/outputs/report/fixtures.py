"""Builders for report tests: a small HW4-like rubric and hand-built results covering every
status, Persian titles and a hostile answer. `Rubric.model_validate` checks structure only; the
reference module is imported by `check_rubric`, which these tests never call."""

from __future__ import annotations

from grader.model import Adjustment, AdjustmentKind, ItemResult, ManualScore, Status, SubmissionResult, Verdict
from grader.rubric import Rubric

HOSTILE = '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd"> </td><script>alert(1)</script>'
TENSOR = "[" + ", ".join(f"[{', '.join(str(i * 10 + j) for j in range(10))}]" for i in range(10)) + "]"
FA_Q1 = "شبکه‌های تمام‌متصل و پیچشی"
FA_STRIDE = "تعداد پارامترهای لایه دوم (stride = 2) را حساب کنید"
FA_TA_COMMENT = "استدلال درست است ولی اشتراک وزن‌ها (weight sharing) را توضیح ندادید."


def rubric_data() -> dict:
    return {
        "homework": "hw4",
        "title": "HW4 (theory): CNNs",
        "title_fa": "تمرین چهارم (بخش نظری)",
        "file_prefix": "HW4_T_",
        "reference": "tests.outputs.report.no_such_module",  # never imported
        "total": 18.0,
        "bonus_total": 10.0,
        "questions": [
            {"id": "q1", "title": "FC vs conv, batch norm, U-Net", "title_fa": FA_Q1, "points": 6.0},
            {"id": "q3", "title": "Backprop through a small conv net", "points": 9.0},
            {"id": "q6", "title": "Vanishing gradients", "title_fa": "گرادیان ناپدید شونده", "points": 3.0, "bonus": 10.0},
        ],
        "items": [
            {"id": "q1.a.conv_weights", "title": "Conv layer: learnable weights", "kind": "expression", "points": 1.0},
            {"id": "q1.b.scale_weights", "title": "Scaling the weights at inference", "kind": "choice", "points": 1.0},
            {"id": "q1.c.unet_conv2_params", "title": "U-Net: parameters of the second conv layer", "title_fa": FA_STRIDE, "kind": "integer", "points": 2.0},
            {"id": "q1.a.data_efficiency", "title": "Do conv nets need less data?", "kind": "text", "points": 2.0},
            {"id": "q3.a.dL_dP1", "title": "dL/dP1", "kind": "tensor", "points": 3.0},
            {"id": "q3.derivation", "title": "Derivation", "kind": "text", "points": 6.0},
            {"id": "q6.a.proof", "title": "Proof that the gradient vanishes", "kind": "text", "points": 6.0, "bonus": True},
            {"id": "q6.a.bound", "title": "Bound on the first layer's gradient", "kind": "number", "points": 4.0, "bonus": True},
            {"id": "q6.b.kaiming_std", "title": "Kaiming init: standard deviation", "kind": "number", "points": 1.0, "show_expected": False},
            {"id": "q6.c.relu_vs_sigmoid", "title": "Why ReLU instead of sigmoid", "kind": "text", "points": 2.0},
        ],
    }


def make_rubric() -> Rubric:
    return Rubric.model_validate(rubric_data())


def _item(item_id: str, max_points: float, verdict: Verdict, *, manual: bool = False, bonus: bool = False,
          manual_score: ManualScore | None = None, expected: str | None = None) -> ItemResult:
    return ItemResult(item_id=item_id, question=item_id.split(".")[0], max_points=max_points, bonus=bonus,
                      manual=manual, verdict=verdict, manual_score=manual_score, expected=expected)


def make_result(student_id: str = "401234567", *, name: str | None = "Sara Ahmadi", hostile: str = HOSTILE,
                scale_answer: str = "unchanged", params_answer: str = "73728") -> SubmissionResult:
    items = (
        _item("q1.a.conv_weights", 1.0, Verdict.correct("K^2·I·J"), expected="I·J·K^2"),
        _item("q1.b.scale_weights", 1.0, Verdict(Status.PARTIAL, 0.5, scale_answer, "true only without batch statistics", "unchanged"), expected="changes"),
        _item("q1.c.unet_conv2_params", 2.0, Verdict.wrong(params_answer, "the bias terms are missing"), expected="73856"),
        _item("q1.a.data_efficiency", 2.0, Verdict.pending("Not necessarily: weight sharing helps, but ..."), manual=True,
              manual_score=ManualScore(1.5, FA_TA_COMMENT, "izadi")),
        _item("q3.a.dL_dP1", 3.0, Verdict.wrong(TENSOR, "3 of 100 entries differ; first at [0,1,2]…"), expected=TENSOR),
        _item("q3.derivation", 6.0, Verdict.pending("By the chain rule, dL/dP1 = ..."), manual=True),
        _item("q6.a.proof", 6.0, Verdict.missing(), manual=True, bonus=True),
        _item("q6.a.bound", 4.0, Verdict.invalid("expected a number", read_as=hostile), bonus=True, expected="2.6561e-05"),
        _item("q6.b.kaiming_std", 1.0, Verdict.correct("0.102"), expected="0.102062"),  # rubric hides the key
        _item("q6.c.relu_vs_sigmoid", 2.0, Verdict.pending("ReLU has gradient 1 for x > 0"), manual=True,
              manual_score=ManualScore(2.0, "", "izadi")),
    )
    return SubmissionResult(
        student_id=student_id,
        homework="hw4",
        source=f"submissions/HW4_T_{student_id}.yaml",
        items=items,
        warnings=("unknown item 'q9.z' in the answer file was ignored", f"answer to q6.a.bound looked like markup: {hostile}"),
        adjustments=(
            Adjustment(AdjustmentKind.EARLY_BONUS, 1.0, "submitted before the bonus deadline (16 Azar 23:59): +20% of 5"),
            Adjustment(AdjustmentKind.LATE_DAYS, 0.0, "no late days used", 0),
        ),
        submitted_at="2024-12-05 21:14",
        name=name,
    )


