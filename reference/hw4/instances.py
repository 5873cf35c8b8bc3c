"""Per-student numeric instances for Q2 and Q3, derived from the student id with SHA-256 only.

The numbers come from the homework-neutral `reference.instances.HashStream` seeded with
("hw4", instance name, student id): ``sha256(f"hw4/{name}/{student_id}/{counter}")`` blocks and
rejection sampling, the same on any machine and Python version (see docs/instances.md).

Values are plain Python ints (and floats for Q3's G), laid out 0-based as QUESTIONS.md says.
"""

from __future__ import annotations

from typing import Any

from reference.hw4 import REFERENCES
from reference.instances import HashStream

Q2_N = 8
Q2_K = 3
Q2_RANGE = (-3, 3)
Q3_RANGE = (-2, 2)
Q3_G_CHOICES = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)


@REFERENCES.instance("q2")
def q2_instance(student_id: str) -> dict[str, Any]:
    """Q2 instance: N=8, K=3, X = 8 ints in -3..3, G = dL/dZ = N-K+1 = 6 ints in -3..3.

    Drawn in the order X, G. X is redrawn until X[0..K-1] is not all zero and G until G[0] != 0,
    so the official key's formula (which drops the i=0 term, G[0]·X[j]) gives a different answer
    from the correct one and the grader can tell the two apart.
    """
    stream = HashStream("hw4", "q2", student_id)
    while True:
        x = stream.array([Q2_N], *Q2_RANGE)
        if any(x[:Q2_K]):
            break
    while True:
        g = stream.array([Q2_N - Q2_K + 1], *Q2_RANGE)
        if g[0] != 0:
            break
    return {"N": Q2_N, "K": Q2_K, "X": x, "G": g}


@REFERENCES.instance("q3")
def q3_instance(student_id: str) -> dict[str, Any]:
    """Q3 instance: X[i][j][k] 5×5×8, W1[k][t] 8×4, W2[w][h][k] 2×2×4, Wfc (4), G = dL/dz.

    Entries are ints in -2..2, drawn in the order X, W1, W2, Wfc, each array redrawn until it is
    not all zero; G is one of ±0.5, ±1, ±2 (a float).
    """
    stream = HashStream("hw4", "q3", student_id)
    x = stream.nonzero_array([5, 5, 8], *Q3_RANGE)
    w1 = stream.nonzero_array([8, 4], *Q3_RANGE)
    w2 = stream.nonzero_array([2, 2, 4], *Q3_RANGE)
    wfc = stream.nonzero_array([4], *Q3_RANGE)
    g = float(stream.choice(Q3_G_CHOICES))
    return {"X": x, "W1": w1, "W2": w2, "Wfc": wfc, "G": g}
