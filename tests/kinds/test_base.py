"""grader.kinds.base and the registry: every kind declares what the rubric may say about it."""

from __future__ import annotations

import pytest

from grader.kinds import get_kind
from grader.kinds.base import Kind, KindTraits
from grader.rubric import Item

PROTOCOL = ("EXAMPLE", "TRAITS", "tolerance", "check_spec", "prepare", "parse", "show", "compare", "format_problems", "format_notes")


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_module_has_the_whole_protocol(kind: Kind) -> None:
    module = get_kind(kind)
    assert [name for name in PROTOCOL if not hasattr(module, name)] == []
    assert isinstance(module.TRAITS, KindTraits)


@pytest.mark.parametrize(
    ("kind", "manual", "ranges", "literal_keys", "formula_keys"),
    [
        (Kind.TEXT, True, False, False, False),
        (Kind.NUMBER, False, True, False, False),
        (Kind.INTEGER, False, True, False, False),
        (Kind.CHOICE, False, False, True, False),
        (Kind.EXPRESSION, False, False, False, True),
        (Kind.EXPRESSIONS, False, False, False, True),
        (Kind.SHAPE, False, False, False, False),
        (Kind.MATRIX, False, False, False, False),
        (Kind.TENSOR, False, False, False, False),
    ],
)
def test_traits(kind: Kind, manual: bool, ranges: bool, literal_keys: bool, formula_keys: bool) -> None:
    assert get_kind(kind).TRAITS == KindTraits(manual=manual, ranges=ranges, literal_keys=literal_keys, formula_keys=formula_keys)


def _item(kind: Kind, **options: object) -> Item:
    extra: dict[str, object] = {"options": {"a": [], "b": []}} if kind is Kind.CHOICE else {}
    return Item.model_validate({"id": "q1.x", "kind": kind.value, "points": 1, "title": "t", **extra, **options})


@pytest.mark.parametrize(
    ("kind", "options", "tolerance"),
    [
        (Kind.NUMBER, {}, (0.01, 0.0)),
        (Kind.NUMBER, {"abs_tol": 0.5}, (0.0, 0.5)),
        (Kind.NUMBER, {"rel_tol": 0.1, "abs_tol": 0.5}, (0.1, 0.5)),
        (Kind.INTEGER, {}, (0.0, 0.0)),
        (Kind.MATRIX, {}, (1e-3, 1e-6)),
        (Kind.TENSOR, {"rel_tol": 0.0}, (0.0, 1e-6)),
        (Kind.CHOICE, {}, (0.0, 0.0)),
    ],
)
def test_the_kind_reads_the_tolerance(kind: Kind, options: dict[str, object], tolerance: tuple[float, float]) -> None:
    assert _item(kind, **options).tolerance == tolerance
