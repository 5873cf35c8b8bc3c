"""Q2/Q3 per-student instances: determinism pinned, and the autograd answers vs the digest's
closed-form gradients written as explicit numpy loops (1-based, as the digest prints them)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reference.hw4 import REFERENCES

REPO = Path(__file__).resolve().parents[2]
STUDENT_IDS = ["401234567", "400100200", "99105555", "810199999", "s-42"]
Q2 = REFERENCES.instances["q2"]
Q3 = REFERENCES.instances["q3"]


def ref(name: str, instance: dict) -> np.ndarray:
    return np.array(REFERENCES.functions[name](instance=instance), dtype=float)


# ---------------------------------------------------------------------------- determinism


def test_q2_instance_is_pinned() -> None:
    assert Q2("401234567") == {"N": 8, "K": 3, "X": [-3, 0, 3, -1, 0, 2, 1, 0], "G": [3, 0, 1, -2, 1, 2]}
    assert Q2("  401234567\n") == Q2("401234567")  # surrounding whitespace is ignored


def test_q3_instance_is_pinned() -> None:
    inst = Q3("401234567")
    assert inst["Wfc"] == [2, 1, 1, 0] and inst["G"] == -2.0
    assert inst["X"][0][0] == [-2, 1, 2, 2, 0, 1, -1, 1]
    digest = hashlib.sha256(json.dumps(inst, sort_keys=True).encode()).hexdigest()
    assert digest == "7b50fcc213485823b27419951c9db0f062b5730a620a91b0fbfca62cea7e248a"


def _spec_q2(student_id: str) -> dict:
    """The documented scheme, re-implemented: SHA-256 blocks, rejection sampling, redraw rules."""
    state = {"counter": 0, "buf": b""}

    def byte() -> int:
        if not state["buf"]:
            state["buf"] = hashlib.sha256(f"hw4/q2/{student_id}/{state['counter']}".encode()).digest()
            state["counter"] += 1
        b, state["buf"] = state["buf"][0], state["buf"][1:]
        return b

    def draw() -> int:  # uniform in -3..3: 7 values, accept bytes < 252
        while (b := byte()) >= 252:
            pass
        return b % 7 - 3

    x = [draw() for _ in range(8)]
    while not any(x[:3]):
        x = [draw() for _ in range(8)]
    g = [draw() for _ in range(6)]
    while g[0] == 0:
        g = [draw() for _ in range(6)]
    return {"N": 8, "K": 3, "X": x, "G": g}


@pytest.mark.parametrize("sid", [*STUDENT_IDS, "0", "x" * 40])
def test_q2_instance_follows_the_documented_scheme(sid: str) -> None:
    assert Q2(sid) == _spec_q2(sid)


def test_instances_do_not_depend_on_the_process() -> None:
    code = "import json, reference.hw4 as h; r = h.REFERENCES.instances; print(json.dumps([r['q2']('401234567'), r['q3']('401234567')]))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [Q2("401234567"), Q3("401234567")]


@pytest.mark.parametrize(("low", "high"), [(-2, 2), (-3, 3), (0, 255), (0, 100), (7, 7)])
def test_bulk_draws_read_the_same_bytes_as_single_draws(low: int, high: int) -> None:
    """`integers`/`array` (one loop over a block) equal `integer` called once per value, across
    block boundaries and rejected bytes, and leave the stream at the same place."""
    from reference.instances import HashStream

    for sid in ("401234567", "s-42", "x"):
        bulk, single = HashStream("hw4", "t", sid), HashStream("hw4", "t", sid)
        for count in (1, 5, 31, 32, 33, 200):
            assert bulk.integers(count, low, high) == [single.integer(low, high) for _ in range(count)]
        assert bulk.array([3, 2, 4], low, high) == [[[single.integer(low, high) for _ in range(4)] for _ in range(2)] for _ in range(3)]
        assert bulk.byte() == single.byte() and bulk.counter == single.counter


def test_q3_keys_follow_the_instance_not_a_stale_cache() -> None:
    """The Q3 autograd pass is cached per instance value: a changed instance is recomputed."""
    inst = Q3("401234567")
    before = ref("q3.dL_dW1", inst)
    changed = json.loads(json.dumps(inst))
    changed["X"][0][0][0] += 1  # same shape, one entry changed in place of a copy
    assert not np.array_equal(ref("q3.dL_dW1", changed), before)
    inst["G"] = -inst["G"]  # mutated in place: the cache compares values, not identity
    np.testing.assert_array_equal(ref("q3.dL_dW1", inst), -before)


def test_different_ids_give_different_instances() -> None:
    ids = [f"4012345{n:02d}" for n in range(30)]
    assert len({json.dumps(Q2(s)) for s in ids}) == len(ids)
    assert len({json.dumps(Q3(s)) for s in ids}) == len(ids)


def _shape(value: object) -> list[int]:
    return [len(value), *_shape(value[0])] if isinstance(value, list) else []


def _leaves(value: object) -> list:
    return [v for item in value for v in _leaves(item)] if isinstance(value, list) else [value]


@pytest.mark.parametrize("sid", STUDENT_IDS)
def test_instances_are_json_with_documented_shapes(sid: str) -> None:
    q2, q3 = Q2(sid), Q3(sid)
    assert json.loads(json.dumps(q2)) == q2 and json.loads(json.dumps(q3)) == q3
    assert (q2["N"], q2["K"], _shape(q2["X"]), _shape(q2["G"])) == (8, 3, [8], [6])
    assert all(type(v) is int and -3 <= v <= 3 for v in q2["X"] + q2["G"])
    assert any(q2["G"])
    shapes = {"X": [5, 5, 8], "W1": [8, 4], "W2": [2, 2, 4], "Wfc": [4]}
    for name, shape in shapes.items():
        assert _shape(q3[name]) == shape
        leaves = _leaves(q3[name])
        assert all(type(v) is int and -2 <= v <= 2 for v in leaves)
        assert any(leaves), f"{name} is all zero"
    assert type(q3["G"]) is float and q3["G"] in (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)


# ---------------------------------------------------------------------------- closed forms (numpy loops)


def q2_closed_form(inst: dict) -> np.ndarray:
    """dL/dW_j = Σ_{i=0}^{N-K} G_i X_{i+j}."""
    x, g, n, k = inst["X"], inst["G"], inst["N"], inst["K"]
    return np.array([sum(g[i] * x[i + j] for i in range(n - k + 1)) for j in range(k)], dtype=float)


def q2_official_closed_form(inst: dict) -> np.ndarray:
    """The key's Σ_{i=1}^{N} G_i X_{i+j}, out-of-range terms 0."""
    x, g, n, k = inst["X"], inst["G"], inst["N"], inst["K"]
    total = np.zeros(k)
    for j in range(k):
        for i in range(1, n + 1):
            gi = g[i] if i < len(g) else 0
            xi = x[i + j] if i + j < n else 0
            total[j] += gi * xi
    return total


class Q3Net:
    """The digest's Q3 formulas with 1-based indices: X(i,j,k), W1(k,t), W2(w,h,k), Wfc(c)."""

    def __init__(self, inst: dict) -> None:
        self.inst = inst
        self.G = inst["G"]

    def X(self, i: int, j: int, k: int) -> float:
        return self.inst["X"][i - 1][j - 1][k - 1]

    def W2(self, w: int, h: int, k: int) -> float:
        return self.inst["W2"][w - 1][h - 1][k - 1]

    def Wfc(self, c: int) -> float:
        return self.inst["Wfc"][c - 1] if 1 <= c <= 4 else 0.0  # index 0 (official key) reads as 0

    def P1(self, i: int, j: int, t: int) -> float:
        return sum(self.inst["W1"][k - 1][t - 1] * self.X(i, j, k) for k in range(1, 9))

    @staticmethod
    def c(m: int, n: int) -> int:
        return 2 * math.ceil(m / 2) + math.ceil(n / 2) - 2

    @staticmethod
    def c_official(m: int, n: int) -> int:
        return math.ceil(m / 2) + math.ceil(n / 2) - 2

    def dP3(self) -> np.ndarray:
        return np.array([[self.G * self.Wfc(2 * i + j - 2) for j in (1, 2)] for i in (1, 2)])

    def dP1(self) -> np.ndarray:
        out = np.zeros((5, 5, 4))
        for i in range(1, 6):
            for j in range(1, 6):
                for k in range(1, 5):
                    s = 0.0
                    for m in range(max(1, i - 1), min(4, i) + 1):
                        for n in range(max(1, j - 1), min(4, j) + 1):
                            s += self.Wfc(self.c(m, n)) * self.W2(i - m + 1, j - n + 1, k)
                    out[i - 1, j - 1, k - 1] = self.G / 4 * s
        return out

    def dW1(self) -> np.ndarray:
        dp1 = self.dP1()
        out = np.zeros((8, 4))
        for k in range(1, 9):
            for t in range(1, 5):
                out[k - 1, t - 1] = sum(dp1[i - 1, j - 1, t - 1] * self.X(i, j, k) for i in range(1, 6) for j in range(1, 6))
        return out

    def dW2(self, official: bool = False) -> np.ndarray:
        index = self.c_official if official else self.c
        out = np.zeros((2, 2, 4))
        for i in (1, 2):
            for j in (1, 2):
                for k in range(1, 5):
                    s = sum(self.Wfc(index(m, n)) * self.P1(m + i - 1, n + j - 1, k) for m in range(1, 5) for n in range(1, 5))
                    out[i - 1, j - 1, k - 1] = self.G / 4 * s
        return out

    def dP1_official(self) -> np.ndarray:
        """(G/4)·Σ_{m=i}^{i+1} Σ_{n=j}^{j+1} Wfc_{⌈m/2⌉+⌈n/2⌉−2}·W2_{m−i,n−j,k}: m, n over P2 (1..4),
        m−i, n−j as 0-based kernel offsets."""
        out = np.zeros((5, 5, 4))
        for i in range(1, 6):
            for j in range(1, 6):
                for k in range(1, 5):
                    s = 0.0
                    for m in range(i, i + 2):
                        for n in range(j, j + 2):
                            if m <= 4 and n <= 4:
                                s += self.Wfc(self.c_official(m, n)) * self.inst["W2"][m - i][n - j][k - 1]
                    out[i - 1, j - 1, k - 1] = self.G / 4 * s
        return out

    def dW1_no_sum(self) -> np.ndarray:
        dp1 = self.dP1()
        return np.array([[dp1[0, 0, t - 1] * self.X(1, 1, k) for t in range(1, 5)] for k in range(1, 9)])


def _random_instances(count: int, seed: int) -> list[tuple[dict, dict]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        x = [int(v) for v in rng.integers(-5, 6, size=8)]
        q2 = {"N": 8, "K": 3, "X": x, "G": [int(v) for v in rng.integers(-5, 6, size=6)]}
        q3 = {
            "X": rng.integers(-3, 4, size=(5, 5, 8)).tolist(),
            "W1": rng.integers(-3, 4, size=(8, 4)).tolist(),
            "W2": rng.integers(-3, 4, size=(2, 2, 4)).tolist(),
            "Wfc": rng.integers(-3, 4, size=4).tolist(),
            "G": float(rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 0.3])),
        }
        out.append((q2, q3))
    return out


CASES = [(f"id {s}", Q2(s), Q3(s)) for s in STUDENT_IDS] + [
    (f"random {n}", q2, q3) for n, (q2, q3) in enumerate(_random_instances(5, seed=7))
]


@pytest.mark.parametrize("label,q2,q3", CASES, ids=[c[0] for c in CASES])
def test_q2_autograd_matches_the_closed_form(label: str, q2: dict, q3: dict) -> None:
    np.testing.assert_allclose(ref("q2.dL_dW", q2), q2_closed_form(q2), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ref("q2.dL_dW_official", q2), q2_official_closed_form(q2), rtol=0, atol=1e-12)


def test_q2_other_sizes() -> None:
    rng = np.random.default_rng(3)
    for n, k in [(10, 3), (7, 7), (12, 1), (9, 4)]:
        inst = {"N": n, "K": k, "X": rng.integers(-4, 5, n).tolist(), "G": rng.integers(-4, 5, n - k + 1).tolist()}
        np.testing.assert_allclose(ref("q2.dL_dW", inst), q2_closed_form(inst), rtol=0, atol=1e-12)


@pytest.mark.parametrize("label,q2,q3", CASES, ids=[c[0] for c in CASES])
def test_q3_autograd_matches_the_closed_forms(label: str, q2: dict, q3: dict) -> None:
    net = Q3Net(q3)
    np.testing.assert_allclose(ref("q3.dL_dP3", q3), net.dP3(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ref("q3.dL_dP1", q3), net.dP1(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ref("q3.dL_dW1", q3), net.dW1(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ref("q3.dL_dW2", q3), net.dW2(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("label,q2,q3", CASES, ids=[c[0] for c in CASES])
def test_q3_official_variants_match_the_printed_formulas(label: str, q2: dict, q3: dict) -> None:
    net = Q3Net(q3)
    np.testing.assert_allclose(ref("q3.dL_dW2_official", q3), net.dW2(official=True), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ref("q3.dL_dP1_official", q3), net.dP1_official(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ref("q3.dL_dW1_no_sum", q3), net.dW1_no_sum(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("sid", STUDENT_IDS)
def test_official_variants_differ_from_the_key(sid: str) -> None:
    q2, q3 = Q2(sid), Q3(sid)
    pairs = [
        ("q2.dL_dW", "q2.dL_dW_official", q2),
        ("q3.dL_dW2", "q3.dL_dW2_official", q3),
        ("q3.dL_dP1", "q3.dL_dP1_official", q3),
        ("q3.dL_dW1", "q3.dL_dW1_no_sum", q3),
    ]
    for key, mistake, inst in pairs:
        assert not np.allclose(ref(key, inst), ref(mistake, inst), rtol=0.01), f"{mistake} equals {key} for {sid}"
