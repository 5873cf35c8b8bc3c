"""A generated class of HW4 answer files for the crash-safety and determinism tests.

`make_class(folder, n)` writes n answer files (right, partly right, wrong, unreadable, a file
with many invalid answers, text for the TA) and a manifest.csv whose submission times span the
policy: early (bonus), on time, late (late days) and in the late window (penalty), so a run
exercises the policy, the ledger and every output. Deterministic: same n, same bytes and times.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
GOOD = HERE / "files" / "HW4_T_401234567.yaml"
TIME = 1_733_000_000

SUBMITTED = [
    "1403-09-10 12:00",  # early: bonus
    "1403-09-20 18:30",  # on time
    "1403-09-24 09:00",  # one late day
    "1403-09-26 20:00",  # three late days
    "1403-09-29 08:15",  # beyond the allowance: late window
]
WRONG = {
    "q1.a.fc_units": "W*H*I",
    "q1.c.unet_conv2_params": "73728",
    "q4.a.densenet_channels": "80",
    "q4.b.reduction_percent": "90%",
    "q6.b.kaiming_std": "2/192",
    "q5.b.kronecker_A": [[1, 1, 1], [1, 1, 1], [1, 1, 1]],
    "q1.b.scale_weights": "unchanged",
    "q1.c.unet_bottleneck": "256",
}
INVALID = {"q1.a.conv_units": "W*H*J)", "q4.b.ops_plain": "9^9^9^9", "q2.dL_dW": "[1, 2", "q1.b.conv_bias_removal": "perhaps"}


def make_class(folder: Path, n: int = 40, *, seed: int = 7) -> list[str]:
    """Write n answer files and manifest.csv into `folder`; return the student ids."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    good = yaml.safe_load(GOOD.read_text(encoding="utf-8"))["answers"]
    ids = []
    rows = ["student_id,part,submitted_at"]
    for index in range(n):
        student = f"40110{index:04d}"
        ids.append(student)
        path = folder / f"HW4_T_{student}.yaml"
        if index % 13 == 5:
            path.write_bytes(b"answers: [unclosed\n")  # unreadable
        elif index % 13 == 9:
            path.write_bytes(b"\x00\x01binary")
        else:
            answers = {}
            for item_id, value in good.items():
                roll = rng.random()
                if roll < 0.12:
                    continue  # missing
                if item_id in WRONG and roll < 0.45:
                    value = WRONG[item_id]
                elif item_id in INVALID and roll > 0.9:
                    value = INVALID[item_id]
                elif isinstance(value, str) and value.startswith("A short"):
                    value = f"Student {student}'s answer to {item_id}: " + "ω·x " * rng.randrange(1, 30)
                answers[item_id] = value
            path.write_text(yaml.safe_dump({"student_id": student, "answers": answers}, allow_unicode=True, sort_keys=False), encoding="utf-8")
        rows.append(f"{student},theory,{SUBMITTED[index % len(SUBMITTED)]}")
        os.utime(path, (TIME + index, TIME + index))
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ids
