"""The view model: totals, pending TA scores, truncation, hidden keys, Persian segments, hashing."""

from __future__ import annotations

import dataclasses

import pytest

from grader.errors import ReportError
from grader.model import Status, Verdict
from grader.outputs.report.batch import report_name
from grader.outputs.report.view import ANSWER_CHARS, build_student_view, build_summary_view, content_hash
from grader.typeset.text import LRI, PDI, RLI, Segment, bidi_text, compact, fmt_points, is_rtl, isolated
from tests.outputs.report.fixtures import FA_STRIDE, FA_TA_COMMENT, HOSTILE, TENSOR, make_result


def items_by_id(view):
    return {it.item_id: it for q in view.questions for it in q.items}


def test_summary_box_totals_pending_and_adjustments(result, rubric):
    box = build_student_view(result, rubric).summary
    assert (box.auto_points, box.auto_max) == (2.5, 8.0)
    assert (box.manual_points, box.manual_max, box.manual_pending, box.manual_pending_items) == (3.5, 10.0, 6.0, 1)
    assert box.manual_state == "partial"
    assert (box.bonus_points, box.bonus_max, box.bonus_pending) == (0.0, 10.0, 0.0)
    assert box.total == result.total == 7.0
    assert (box.total_max, box.bonus_total_max) == (18.0, 10.0)
    assert box.provisional
    assert [(a.label, a.points) for a in box.adjustments] == [("Early submission bonus", 1.0), ("Late days", 0.0)]
    assert "16 Azar" in box.adjustments[0].reason


def test_manual_state_pending_when_no_ta_score(rubric):
    result = make_result()
    items = tuple(
        dataclasses.replace(r, manual_score=None, verdict=Verdict.pending("x")) if r.manual and not r.bonus else r
        for r in result.items
    )
    box = build_student_view(dataclasses.replace(result, items=items), rubric).summary
    assert box.manual_state == "pending"
    assert box.manual_points == 0 and box.manual_pending == box.manual_max == 10.0


def test_questions_follow_rubric_order_with_points(result, rubric):
    view = build_student_view(result, rubric)
    assert [q.id for q in view.questions] == ["q1", "q3", "q6"]
    q1, _, q6 = view.questions
    assert [it.item_id for it in q1.items] == [i.id for i in rubric.items if i.question == "q1"]
    assert (q1.points, q1.max_points) == (3.0, 6.0)
    assert (q6.points, q6.max_points, q6.bonus_points, q6.bonus_max) == (3.0, 3.0, 0.0, 10.0)


def test_every_status_is_shown(result, rubric):
    items = items_by_id(build_student_view(result, rubric))
    assert {it.status for it in items.values()} == {s.value for s in Status}
    assert items["q6.a.bound"].status_label == "could not read"
    missing = items["q6.a.proof"]
    assert missing.status == "missing" and missing.answer is None and missing.feedback == "no answer given"


def test_manual_items_show_ta_score_or_pending(result, rubric):
    items = items_by_id(build_student_view(result, rubric))
    pending = items["q3.derivation"]
    assert pending.pending and pending.status == "pending" and pending.ta_points is None
    assert pending.feedback == ""  # not the engine's "graded by a TA" placeholder
    scored = items["q1.a.data_efficiency"]
    assert not scored.pending and scored.status == "partial"
    assert (scored.ta_points, scored.ta_grader) == (1.5, "izadi")
    assert scored.ta_comment is not None and scored.ta_comment.rtl
    assert scored.ta_comment.plain == FA_TA_COMMENT
    assert Segment("(weight sharing)", ltr=True, nowrap=True) in scored.ta_comment.segments
    assert items["q6.c.relu_vs_sigmoid"].status == "correct" and items["q6.c.relu_vs_sigmoid"].ta_comment is None


def test_expected_answer_only_where_allowed(result, rubric):
    items = items_by_id(build_student_view(result, rubric))
    assert items["q1.a.conv_weights"].expected == "I·J·K^2"
    # the result carries a key, but the rubric says show_expected: false
    assert result.item("q6.b.kaiming_std").expected == "0.102062"
    assert items["q6.b.kaiming_std"].expected is None
    # no key in the result (already hidden upstream): nothing shown
    assert items["q3.derivation"].expected is None


def test_long_tensor_answer_is_compact_and_feedback_kept(result, rubric):
    item = items_by_id(build_student_view(result, rubric))["q3.a.dL_dP1"]
    shown = item.answer.plain
    assert len(TENSOR) > 400 and len(shown) <= ANSWER_CHARS + 2
    assert shown.endswith(" …") and shown.startswith("[[0, 1, 2")
    assert shown[:-2].rstrip().endswith(",") or shown[:-2].endswith("]")  # cut between entries
    assert f"{len(TENSOR):,} characters" in item.answer_note
    assert item.feedback == "3 of 100 entries differ; first at [0,1,2]…"
    assert item.expected is not None and item.expected.endswith("…")


def test_persian_titles_split_latin_fragments(result, rubric):
    view = build_student_view(result, rubric)
    title = items_by_id(view)["q1.c.unet_conv2_params"].title_fa
    assert title.rtl and title.plain == FA_STRIDE
    assert [s.text for s in title.segments if s.ltr] == ["(stride = 2)"]
    assert view.questions[1].title_fa is None  # q3 has no Persian title
    assert view.homework_title_fa.plain == "تمرین چهارم (بخش نظری)"


def test_hostile_text_stays_plain_text_in_the_view(result, rubric):
    view = build_student_view(result, rubric)
    assert items_by_id(view)["q6.a.bound"].answer.plain == HOSTILE  # escaping is the template's job
    assert any(HOSTILE in w for w in view.warnings)


def test_content_hash_ignores_graded_at_only(result, rubric):
    a = build_student_view(result, rubric, graded_at="2024-12-20 10:00")
    b = build_student_view(result, rubric, graded_at="2025-01-02 08:00")
    assert content_hash(a) == content_hash(b)
    changed = build_student_view(make_result(params_answer="73855"), rubric, graded_at="2024-12-20 10:00")
    assert content_hash(changed) != content_hash(a)
    assert content_hash(a, "templates v1") != content_hash(a, "templates v2")
    assert content_hash(build_student_view(result, rubric, course="DL")) != content_hash(a)


def test_summary_view_statistics(rubric):
    answers = ["unchanged", "unchanged", "unchanged", "changes?", "changes?", "no idea", "zzz"]
    results = [make_result(str(400000000 + i), scale_answer=a) for i, a in enumerate(answers)]
    view = build_summary_view(results, rubric, unreadable=[("HW4_T_9.yaml", "not valid YAML")], graded_at="now")
    assert view.count == 7 and view.totals == (7.0,) * 7 and view.mean == 7.0
    assert view.with_pending == 7
    stats = {it.item_id: it for q in view.questions for it in q.items}
    scale = stats["q1.b.scale_weights"]
    assert [(c.answer, c.count) for c in scale.common_wrong] == [("unchanged", 3), ("changes?", 2), ("no idea", 1)]
    assert (scale.mean, scale.partial_pct, scale.correct_pct) == (0.5, 100.0, 0.0)
    assert stats["q1.a.conv_weights"].common_wrong == ()  # correct answers are not "wrong answers"
    assert stats["q1.a.data_efficiency"].common_wrong == ()  # free text is not ranked
    derivation = stats["q3.derivation"]
    assert (derivation.pending, derivation.graded, derivation.mean) == (7, 0, None)
    tensor = stats["q3.a.dL_dP1"].common_wrong[0]
    assert tensor.count == 7 and tensor.answer.endswith("…") and len(tensor.answer) <= 60
    q1 = view.questions[0]
    assert (q1.mean, q1.max_points, q1.full_pct) == (3.0, 6.0, 0.0)
    assert [(u.file, u.message) for u in view.unreadable] == [("HW4_T_9.yaml", "not valid YAML")]


def test_summary_of_nothing(rubric):
    view = build_summary_view([], rubric)
    assert view.count == 0 and view.mean is None and view.totals == ()
    assert [q.id for q in view.questions] == ["q1", "q3", "q6"]


def test_text_helpers():
    assert [fmt_points(x) for x in (1.0, 0.5, 83.3333, -0.0001)] == ["1", "0.5", "83.33", "0"]
    assert fmt_points(-5, signed=True) == "−5" and fmt_points(2, signed=True) == "+2"
    many_lines = compact("\n".join(f"line {i}" for i in range(50)), 1000, 5)
    assert many_lines.text.count("\n") == 4 and many_lines.shortened and "50 lines" in many_lines.note
    assert compact("short", 100, 5).note == ""
    # bidi overrides could reorder what the report shows; they are dropped
    assert compact("abc\u202edef\u2066", 100, 5).text == "abcdef"
    assert is_rtl("استدلال درست است (weight sharing)") and not is_rtl("ReLU has gradient 1")
    plain = bidi_text("ReLU has gradient 1")
    assert not plain.rtl and plain.segments == (Segment("ReLU has gradient 1"),)
    # Persian punctuation and unbalanced brackets stay with the Persian text
    segments = bidi_text("ابعاد W × H و (مثلاً stride = 2) است").segments
    assert [s.text for s in segments if s.ltr] == ["W × H", "stride = 2"]


@pytest.mark.parametrize(
    ("text", "isolated"),
    [
        ("لایه (stride = 2)، را", ["(stride = 2)"]),
        # numbers joined by operators are isolated whole; the colon stays with the sentence
        ("U-Net با ورودی ۲۵۶×۲۵۶: ابعاد", ["U-Net", "۲۵۶×۲۵۶"]),
        ("حاصل 2 - 3 است.", ["2 - 3"]),
        ("رمزگذار (۶۴ به ۱۲۸ فیلتر، ۳×۳)", ["۳×۳"]),
        # a lone number (or one in brackets) is left to the bidi algorithm
        ("(۲۲ نمره) به سوالات", []),
        ("درصد کاهش ۸۹٫۷٪ است", []),
        ("مقدار ∂L/∂W روی نمونه", ["∂L/∂W"]),
        # Persian punctuation separates two Latin names, which are then read right-to-left
        ("DenseNet، GoogLeNet/Inception و کانولوشن", ["DenseNet", "GoogLeNet/Inception"]),
        ("اندازه ۲۵۶٫۵×۲ است", ["۲۵۶٫۵×۲"]),
    ],
)
def test_latin_and_math_fragments_in_persian(text, isolated):
    result = bidi_text(text, rtl=True)
    assert result.plain == text
    assert [s.text for s in result.segments if s.ltr] == isolated


NBSP, WJ = "\u00a0", "\u2060"


@pytest.mark.parametrize(
    ("text", "inline", "expected"),
    [
        ("ReLU has gradient 1", True, "ReLU has gradient 1"),  # left-to-right text: as it is
        ("لایه (stride = 2)، را", False, f"لایه {LRI}(stride{NBSP}={NBSP}2){PDI}، را"),
        ("لایه (stride = 2)، را", True, f"{RLI}لایه {LRI}(stride{NBSP}={NBSP}2){PDI}، را{PDI}"),
        # short fragments never break at a hyphen or slash; long ones may wrap
        ("U-Net و GoogLeNet/Inception", False, f"{LRI}U-{WJ}Net{PDI} و {LRI}GoogLeNet/{WJ}Inception{PDI}"),
        ("متن " + "a + " * 12 + "b", False, f"متن {LRI}" + "a + " * 12 + f"b{PDI}"),
        ("تفسیرپذیری", True, f"{RLI}تفسیرپذیری{PDI}"),
    ],
)
def test_isolated_text_for_templates(text, inline, expected):
    assert isolated(bidi_text(text, rtl=not text.startswith("ReLU")), inline=inline) == expected


def test_isolates_in_student_text_cannot_unbalance_ours():
    """Student text loses its own bidi controls (`clean`), so every isolate is ours and closed."""
    text = compact("پاسخ \u2067x\u2069 \u2066 (a = 1) \u202e", 200, 5).text
    out = isolated(bidi_text(text), inline=True)
    assert out.count(PDI) == out.count(LRI) + out.count(RLI) and "\u202e" not in out


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "", ".hidden", "x" * 200, "a b"])
def test_report_names_cannot_escape_the_folder(bad):
    with pytest.raises(ReportError):
        report_name(bad)


def test_report_name():
    assert report_name("401234567") == "401234567.pdf"
