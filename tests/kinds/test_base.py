"""grader.kinds.base and the registry: every kind declares what the rubric may say about it."""

from __future__ import annotations

import pytest

from grader.kinds import get_kind
from grader.kinds.base import Kind, KindTraits
from grader.rubric import Item

PROTOCOL = ("example", "TRAITS", "tolerance", "check_spec", "prepare", "parse", "show", "compare", "format_problems", "format_notes")


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
    traits = get_kind(kind).TRAITS
    assert (traits.manual, traits.ranges, traits.literal_keys, traits.formula_keys) == (manual, ranges, literal_keys, formula_keys)


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


@pytest.mark.parametrize(
    ("kind", "options", "problems"),
    [
        (Kind.INTEGER, {"percent": True}, ["percent: an integer item does not take percent (only number items do)"]),
        (Kind.INTEGER, {"rel_tol": 0.1}, ["rel_tol: an integer item does not take rel_tol (only number, matrix, tensor items do)"]),
        (Kind.CHOICE, {"shape": [2]}, ["shape: a choice item does not take shape (only matrix, tensor items do)"]),
        (Kind.TEXT, {"variables": ["W"], "length": 2}, [
            "variables: a text item does not take variables (only expression, expressions items do)",
            "length: a text item does not take length (only expressions, shape items do)",
        ]),
        (Kind.SHAPE, {"length": 2}, []),
        (Kind.MATRIX, {"shape": [2, 2], "abs_tol": 0.1}, []),
        (Kind.NUMBER, {"percent": True, "allow_fraction": True}, []),
    ],
)
def test_options_a_kind_does_not_read_are_author_errors(kind: Kind, options: dict[str, object], problems: list[str]) -> None:
    from grader.kinds import option_problems

    assert option_problems(_item(kind, **options)) == problems
