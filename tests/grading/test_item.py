"""grader.grading.item: missing/invalid handling, rule order and credit, time bounds, author errors."""

from __future__ import annotations

import time
import types

import pytest

from grader.errors import AnswerError, ReferenceSolutionError
from grader.grading import item as engine
from grader.grading.item import grade_answers, grade_item
from grader.model import Status


@pytest.mark.parametrize(
    ("item_id", "raw", "status", "credit", "matched"),
    [
        ("q1.b.conv_bias_removal", "no_effect", Status.CORRECT, 1.0, None),
        ("q1.b.conv_bias_removal", "No Effect", Status.CORRECT, 1.0, None),
        ("q1.b.conv_bias_removal", "تاثیری ندارد", Status.CORRECT, 1.0, None),
        ("q1.b.conv_bias_removal", "degrades", Status.WRONG, 0.0, None),
        ("q1.b.conv_bias_removal", "perhaps", Status.INVALID, 0.0, None),
        ("q1.b.conv_bias_removal", "", Status.MISSING, 0.0, None),
        ("q1.b.conv_bias_removal", None, Status.MISSING, 0.0, None),
        ("q1.b.scale_weights", "changes", Status.CORRECT, 1.0, None),
        ("q1.b.scale_weights", "unchanged_if_alpha_positive", Status.CORRECT, 1.0, "batch statistics"),
        ("q1.b.scale_weights", "unchanged", Status.PARTIAL, 0.5, "'unchanged'"),
        ("q1.b.scale_inputs", "unchanged if alpha > 0", Status.CORRECT, 1.0, "batch statistics (official key)"),
        ("q1.c.unet_conv2_params", "73856", Status.CORRECT, 1.0, None),
        ("q1.c.unet_conv2_params", "73728", Status.PARTIAL, 0.5, "bias not counted"),
        ("q1.c.unet_conv2_params", "36928", Status.WRONG, 0.0, None),
        ("q4.a.densenet_channels", "80", Status.PARTIAL, 0.5, "input of layer 3"),
        ("q4.a.densenet_channels", 24, Status.PARTIAL, 0.5, "new maps of layer 3"),
        ("q4.b.reduction_percent", "89.7%", Status.CORRECT, 1.0, None),
        ("q4.b.reduction_percent", "90%", Status.PARTIAL, 0.5, "about 90"),
        ("q6.b.kaiming_std", "2/192", Status.CORRECT, 1.0, "variance given"),
    ],
)
def test_rules_give_credit_in_order(hw4, hw4_keys, item_id, raw, status, credit, matched):
    result = grade_item(hw4.item(item_id), raw, keys=hw4_keys, student_id="401234567")
    assert result.status is status
    assert result.verdict.credit == credit
    assert result.verdict.matched == matched
    assert result.points == pytest.approx(credit * hw4.item(item_id).points)
    if matched is not None and credit < 1:
        assert result.verdict.feedback  # a known mistake always explains itself


def test_invalid_answer_says_why_and_where(hw4, hw4_keys):
    result = grade_item(hw4.item("q1.b.conv_bias_removal"), "perhaps", keys=hw4_keys, student_id="1")
    assert "not an option" in result.verdict.feedback and "no_effect" in result.verdict.feedback
    assert "^" in result.verdict.feedback


def test_text_items_are_pending(hw4, hw4_keys):
    result = grade_item(hw4.item("q2.derivation"), "  Σ G_i X_{i+j}  ", keys=hw4_keys, student_id="1")
    assert result.status is Status.PENDING and result.pending
    assert result.verdict.read_as == "Σ G_i X_{i+j}"
    assert result.points == 0 and result.expected is None


def test_expected_shown_only_where_allowed(hw4, hw4_keys):
    shown = grade_item(hw4.item("q1.c.unet_conv2_params"), "1", keys=hw4_keys, student_id="1")
    assert shown.expected == "73856"
    hidden = grade_item(hw4.item("q1.c.unet_conv2_params").model_copy(update={"show_expected": False}), "1", keys=hw4_keys, student_id="1")
    assert hidden.expected is None


def test_reveal_false_reads_without_judging(hw4, hw4_keys):
    result = grade_item(hw4.item("q1.c.unet_conv2_params"), "73,728", keys=hw4_keys, student_id="1", reveal=False)
    assert result.status is Status.PENDING and result.verdict.read_as == "73728"
    assert result.expected is None and result.verdict.credit == 0


def test_blank_answers_grade_to_zero(hw4, hw4_keys):
    results = grade_answers({}, rubric=hw4, keys=hw4_keys, student_id="1")
    assert {r.status for r in results} == {Status.MISSING}
    assert sum(r.points for r in results) == 0


def test_slow_parse_becomes_invalid_not_a_hang(hw4, hw4_keys, monkeypatch):
    def slow_parse(raw, item):
        time.sleep(5)

    fake = types.SimpleNamespace(parse=slow_parse, show=str, compare=None)
    monkeypatch.setattr(engine, "get_kind", lambda kind: fake)
    monkeypatch.setattr(engine, "ITEM_SECONDS", 0.2)
    start = time.perf_counter()
    result = grade_item(hw4.item("q1.c.unet_conv2_params").model_copy(update={"show_expected": False}), "1", keys=hw4_keys, student_id="1")
    assert time.perf_counter() - start < 2
    assert result.status is Status.INVALID and "took longer than" in result.verdict.feedback
    assert not result.verdict.cacheable  # depends on the machine's speed


def test_parser_errors_never_escape(hw4, hw4_keys, monkeypatch):
    def bad_parse(raw, item):
        raise AnswerError("expected a number", text=raw, start=2, end=4)

    fake = types.SimpleNamespace(parse=bad_parse, show=str, compare=None)
    monkeypatch.setattr(engine, "get_kind", lambda kind: fake)
    result = grade_item(hw4.item("q1.c.unet_conv2_params").model_copy(update={"show_expected": False}), "12ab", keys=hw4_keys, student_id="1")
    assert result.status is Status.INVALID
    assert result.verdict.feedback == "expected a number\n12ab\n  ~^"


@pytest.mark.parametrize(
    ("error", "feedback", "cacheable"),
    [
        (AnswerError("expected a number"), "expected a number", True),  # the answer's own fault: stable
        (KeyError("oops"), "internal error: the grader failed on this answer (KeyError)", False),  # a grader bug
    ],
)
def test_a_verdict_carries_whether_it_may_be_cached(hw4, hw4_keys, monkeypatch, error, feedback, cacheable):
    def parse(raw, item):
        raise error

    monkeypatch.setattr(engine, "get_kind", lambda kind: types.SimpleNamespace(parse=parse, show=str, compare=None))
    result = grade_item(hw4.item("q1.c.unet_conv2_params").model_copy(update={"show_expected": False}), "12", keys=hw4_keys, student_id="1")
    assert result.status is Status.INVALID and result.verdict.feedback.startswith(feedback)
    assert result.verdict.cacheable is cacheable


def test_a_failing_reference_is_an_author_error(hw4):
    from grader.keys.keybook import KeyBook
    from reference import Registry

    registry = Registry("hw4")
    real = hw4.registry()
    registry.functions.update(real.functions)
    registry.instances.update(real.instances)

    @registry.answer("q1.conv_params_broken")
    def broken(c_in=64, c_out=128, k=3, bias=True):
        raise ZeroDivisionError("division by zero")

    registry.functions["q1.conv_params"] = registry.functions["q1.conv_params_broken"]
    keys = KeyBook(hw4, registry=registry)
    with pytest.raises(ReferenceSolutionError, match=r"q1.c.unet_conv2_params: reference q1.conv_params failed: ZeroDivisionError"):
        keys.warm()


def _registry_with(hw4, name, func):
    """The HW4 registry with reference `name` replaced by `func` (same instance)."""
    from reference import RefFunction, Registry

    real = hw4.registry()
    registry = Registry("hw4")
    registry.functions.update(real.functions)
    registry.instances.update(real.instances)
    old = real.functions[name]
    registry.functions[name] = RefFunction(name, func, old.instance, old.formula, old.doc)
    return registry


def test_mistake_keys_are_computed_only_when_the_key_does_not_match(hw4):
    from grader.keys.keybook import KeyBook

    real = hw4.registry().functions["q2.dL_dW_official"].func
    calls = []

    def counted(instance):
        calls.append(1)
        return real(instance=instance)

    keys = KeyBook(hw4, registry=_registry_with(hw4, "q2.dL_dW_official", counted))
    item = hw4.item("q2.dL_dW")
    sid = "401234567"
    key = keys.expected(item, 0, sid)
    official = real(instance=keys.instance("q2", sid))
    assert grade_item(item, [float(v) for v in key], keys=keys, student_id=sid).status is Status.CORRECT
    assert calls == []  # the key matched: the known mistake's reference never ran
    result = grade_item(item, official, keys=keys, student_id=sid)
    assert result.verdict.matched == "q2.dL_dW_official" and len(calls) == 1


def test_a_slow_mistake_key_is_not_the_students_timeout(hw4, monkeypatch):
    from grader.keys.keybook import KeyBook

    real = hw4.registry().functions["q2.dL_dW_official"].func

    def slow(instance):
        time.sleep(0.4)
        return real(instance=instance)

    monkeypatch.setattr(engine, "ITEM_SECONDS", 0.2)
    keys = KeyBook(hw4, registry=_registry_with(hw4, "q2.dL_dW_official", slow))
    sid = "401234567"
    result = grade_item(hw4.item("q2.dL_dW"), real(instance=keys.instance("q2", sid)), keys=keys, student_id=sid)
    assert result.verdict.matched == "q2.dL_dW_official"  # reference code ran outside the 0.2 s bound


def test_comparing_alternatives_shares_the_items_time_bound(hw4, hw4_keys, monkeypatch):
    from grader.model import Verdict

    def compare(parsed, expected, item):
        if compare.calls:
            time.sleep(5)  # a pathological comparison with a known mistake
        compare.calls += 1
        return Verdict.wrong(str(parsed))

    compare.calls = 0
    fake = types.SimpleNamespace(parse=lambda raw, item: raw, show=lambda value, item: str(value), compare=compare)
    monkeypatch.setattr(engine, "get_kind", lambda kind: fake)
    monkeypatch.setattr(engine, "ITEM_SECONDS", 0.2)
    start = time.perf_counter()
    item = hw4.item("q1.c.unet_conv2_params").model_copy(update={"show_expected": False})
    result = grade_item(item, "1", keys=hw4_keys, student_id="1")
    assert time.perf_counter() - start < 2
    assert result.status is Status.INVALID
    assert result.verdict.feedback == "took longer than 0.2 s to check item q1.c.unet_conv2_params; the answer was not graded"
    assert not result.verdict.cacheable
    assert result.verdict.read_as == "1"
