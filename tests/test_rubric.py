"""The rubric loader: HW4's totals, and broken rubrics reported field by field, all at once."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from grader.errors import RubricError
from grader.rubric import Kind, load_rubric
from tests.conftest import HW4_RUBRIC


def test_hw4_totals(hw4):
    assert hw4.total == 100 and hw4.bonus_total == 10
    regular = {q.id: sum(i.points for i in hw4.items if i.question == q.id and not i.bonus) for q in hw4.questions}
    assert regular == {"q1": 22, "q2": 8, "q3": 15, "q4": 22, "q5": 21, "q6": 12}
    assert sum(i.points for i in hw4.items if i.bonus) == 10
    assert sum(i.points for i in hw4.items if i.bonus and i.question == "q6") == 10
    auto = sum(i.points for i in hw4.auto_items if not i.bonus)
    assert auto == 52 and sum(i.points for i in hw4.items if i.manual and not i.bonus) == 48


def test_hw4_items_follow_the_contract(hw4):
    """Every id of QUESTIONS.md's tables is in the rubric with the same kind and points."""
    contract = Path(__file__).resolve().parents[2] / "shared" / "hw4" / "QUESTIONS.md"
    if not contract.exists():
        pytest.skip("shared/hw4/QUESTIONS.md is not beside the checkout")
    rows = {}
    for line in contract.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("q") and "." in cells[0]:
            rows[cells[0]] = cells
    assert set(rows) == set(hw4.item_ids)
    for item in hw4.items:
        cells = rows[item.id]
        assert cells[1].split()[0].split(",")[0] in (item.kind.value, "number", "choice:") or item.kind.value in cells[1], item.id
        points = float(cells[2].replace("bonus", "").strip())
        assert points == item.points, item.id
        assert item.bonus == ("bonus" in cells[2]), item.id


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hw4_data():
    return yaml.safe_load(HW4_RUBRIC.read_text(encoding="utf-8"))


def _item(data: dict, item_id: str) -> dict:
    return next(i for i in data["items"] if i["id"] == item_id)


def _set(path: str, value):
    def mutate(data):
        item_id, field = path.rsplit(":", 1)
        _item(data, item_id)[field] = value

    return mutate


def _del(path: str):
    def mutate(data):
        item_id, field = path.rsplit(":", 1)
        del _item(data, item_id)[field]

    return mutate


BROKEN = [
    (_set("q1.a.fc_units:kind", "expresion"), ["(q1.a.fc_units).kind", "expresion"]),
    (_set("q4.b.reduction_percent:kind", "percent"), ["(q4.b.reduction_percent).kind", "there is no kind 'percent': write kind: number with percent: true"]),
    (_set("q1.a.fc_units:points", -1), ["(q1.a.fc_units).points"]),
    (_set("q1.a.fc_units:colour", "red"), ["(q1.a.fc_units).colour", "Extra inputs"]),
    (_set("q1.c.unet_conv2_params:key", {"ref": "q1.no_such_function"}), ["(q1.c.unet_conv2_params).key.ref", "q1.no_such_function"]),
    (_set("q1.c.unet_conv2_params:key", {"ref": "q1.conv_params", "args": {"kernel": 3}}), ["(q1.c.unet_conv2_params).key.args", "kernel"]),
    (_set("q1.c.unet_conv2_params:key", {"value": 73856}), ["(q1.c.unet_conv2_params).key.value", "literal keys are for choice items"]),
    (_del("q1.c.unet_conv2_params:key"), ["(q1.c.unet_conv2_params).key", "expected a key"]),
    (_set("q1.a.fc_units:key", {"ref": "q1.conv_params"}), ["(q1.a.fc_units).key.ref", "formula=True"]),
    (_set("q1.a.fc_units:variables", ["W", "H"]), ["(q1.a.fc_units).key.ref", "not among the item's variables"]),
    (_set("q1.b.conv_bias_removal:key", {"value": "maybe"}), ["(q1.b.conv_bias_removal).key.value", "expected one of the options"]),
    (_set("q4.a.densenet_channels:mistakes", [{"ref": "q4.densenet_layer_input", "credit": 0.5}]), ["(q4.a.densenet_channels).mistakes[0].feedback"]),
    (_set("q4.a.densenet_channels:mistakes", [{"ref": "q4.densenet_layer_input", "credit": 1, "feedback": "x"}]), ["mistakes[0].credit", "move it to accept"]),
    (_set("q4.a.densenet_channels:mistakes", [{"ref": "q4.densenet_layer_input", "credit": 1.5, "feedback": "x"}]), ["mistakes.0.credit" if False else "mistakes[0].credit"]),
    (_set("q4.b.reduction_percent:mistakes", [{"range": [90.5, 89.75], "credit": 0.5, "feedback": "x"}]), ["range: expected low <= high"]),
    (_set("q1.a.data_efficiency:key", {"ref": "q1.units_same"}), ["(q1.a.data_efficiency)", "takes no key"]),
    (_set("q1.a.data_efficiency:points", 3), ["questions (q1).points", "expected the items' sum 23"]),
    (_set("q1.a.data_efficiency:id", "q1.a.fc_units"), ["duplicate item id"]),
    (_set("q1.a.data_efficiency:id", "q9.x"), ["question 'q9' is not listed"]),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN)
def test_broken_rubric_names_file_item_and_field(tmp_path, hw4_data, mutate, expected):
    data = copy.deepcopy(hw4_data)
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_every_problem_is_reported_at_once(tmp_path, hw4_data):
    data = copy.deepcopy(hw4_data)
    _set("q1.a.fc_units:points", 0)(data)
    _set("q1.c.unet_conv2_params:key", {"ref": "q1.nope"})(data)
    _set("q5.a.output_size:variables", [])(data)
    with pytest.raises(RubricError) as info:
        load_rubric(_write(tmp_path, data))
    message = str(info.value)
    assert "q1.a.fc_units" in message and "q1.nope" in message and "q5.a.output_size" in message
    assert message.count("\n  - ") >= 3


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("items: [", "not valid YAML"),
        ("- just a list", "expected a mapping at the top level"),
        ("homework: hw4\n", "title"),
    ],
)
def test_unreadable_rubric_files(tmp_path, text, fragment):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError, match=fragment):
        load_rubric(path)


def test_missing_rubric_file(tmp_path):
    with pytest.raises(RubricError, match="cannot read the rubric"):
        load_rubric(tmp_path / "nope.yaml")


def test_kinds_of_hw4(hw4):
    kinds = {i.kind for i in hw4.items}
    assert kinds == {Kind.EXPRESSION, Kind.EXPRESSIONS, Kind.TEXT, Kind.CHOICE, Kind.SHAPE, Kind.INTEGER, Kind.TENSOR, Kind.MATRIX, Kind.NUMBER}
