"""The HW4 registry: exact names, light import, plain-Python results, docstrings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reference.hw4 import REFERENCES

REPO = Path(__file__).resolve().parents[2]

FORMULAS = {
    "q1.units_same", "q1.units_official", "q1.conv_units_valid", "q1.fc_weights", "q1.conv_weights",
    "q1.fc_connections", "q1.conv_connections_same", "q1.conv_connections_valid",
    "q5.output_size", "q5.output_size_swapped", "q5.receptive_field_side",
    "q5.receptive_field_side_seed_layer1", "q5.receptive_field_pixels", "q5.receptive_field_pixels_seed_layer1",
}  # fmt: skip
CONCRETE = {
    "q1.conv_bias_removal_effect", "q1.scale_weights_effect", "q1.scale_inputs_effect",
    "q1.unet_bottleneck", "q1.unet_bottleneck_pixels", "q1.conv_params",
    "q4.densenet_channels", "q4.densenet_layer_input", "q4.densenet_new_maps", "q4.plain_ops",
    "q4.bottleneck_ops", "q4.reduction_percent", "q4.inception_ops", "q4.inception_ops_with_pool_reads",
    "q5.kronecker_A", "q5.kronecker_A_all_ones", "q5.kronecker_A_last",
    "q6.vanishing_bound", "q6.kaiming_mean", "q6.kaiming_std", "q6.kaiming_var", "q6.kaiming_std_fan_out",
    "q6.sigmoid_max_grad",
}  # fmt: skip
INSTANCE = {
    "q2.dL_dW": "q2", "q2.dL_dW_official": "q2",
    "q3.dL_dP3": "q3", "q3.dL_dP1": "q3", "q3.dL_dW1": "q3", "q3.dL_dW2": "q3",
    "q3.dL_dW2_official": "q3", "q3.dL_dP1_official": "q3", "q3.dL_dW1_no_sum": "q3",
}  # fmt: skip


def test_registered_names_are_exactly_the_rubric_names() -> None:
    assert set(REFERENCES.functions) == FORMULAS | CONCRETE | set(INSTANCE)
    assert set(REFERENCES.instances) == {"q2", "q3"}
    for name, ref in REFERENCES.functions.items():
        assert ref.formula == (name in FORMULAS), name
        assert ref.instance == INSTANCE.get(name), name


def test_every_reference_has_a_docstring() -> None:
    for name, ref in REFERENCES.functions.items():
        assert len(ref.doc) > 30, f"{name} needs a docstring saying how it is computed"


def test_concrete_references_take_only_defaulted_keyword_parameters() -> None:
    import inspect

    for name in CONCRETE:
        for p in inspect.signature(REFERENCES.functions[name].func).parameters.values():
            assert p.default is not inspect.Parameter.empty, f"{name}({p.name}) needs the HW4 value as default"


def _assert_plain(value: object, where: str) -> None:
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _assert_plain(v, f"{where}[{i}]")
    else:
        assert type(value) in (int, float, str), f"{where}: {type(value).__name__} is not plain Python"


@pytest.mark.parametrize("name", sorted(CONCRETE | set(INSTANCE)))
def test_results_are_plain_json_serialisable_python(name: str) -> None:
    ref = REFERENCES.functions[name]
    if ref.instance:
        value = ref(instance=REFERENCES.instances[ref.instance]("401234567"))
    else:
        value = ref()
    _assert_plain(value, name)
    json.dumps(value)


def test_import_does_not_import_torch() -> None:
    code = "import sys, reference.hw4; assert 'torch' not in sys.modules, 'torch imported'; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
