"""Planted integrity cases in a generated batch (bench/gen.py), for the tests and the bench.

    python bench/plant.py DIR      # plant into the answer files of DIR (written by gen.py)

- a **copier**: one student hands in another student's Q2 and Q3 instance answers (the other's
  keys, so they are right for the other's instance and wrong for their own);
- a **ring** of three with the same five rare wrong answers (no rubric rule covers them) and the
  same Persian paragraph on `q4.c.deformable`, paraphrased: Arabic letter variants (ي/ك), no
  ZWNJ, ASCII instead of Persian digits, a few words changed, left out or added;
- a **popular uncovered mistake**: 12% of the other students answer `q4.b.inception_ops` with
  half the key, 64024576, which no rubric rule matches.

Students are taken in id order from the readable files; the rest of the batch is untouched.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "HW4_T_"
INSTANCE_ITEMS = ("q2.dL_dW", "q3.a.dL_dP3", "q3.a.dL_dP1", "q3.b.dL_dW1", "q3.c.dL_dW2")
RING_ANSWERS: dict[str, Any] = {
    "q1.c.unet_conv2_params": "73,600",
    "q4.a.densenet_channels": 108,
    "q4.b.ops_bottleneck": "12,400,448",
    "q5.c.receptive_field_side": "3d(w-1) + 2",
    "q6.b.kaiming_std": "sqrt(3/192)",
}
TEXT_ITEM = "q4.c.deformable"
RING_TEXT = (
    "در کانولوشن تغییرشکل‌پذیر برای هر نقطه‌ی نمونه‌برداری یک آفست دوبعدی یاد گرفته می‌شود که با یک لایه‌ی پیچشی جداگانه "
    "از روی همان نقشه‌ی ویژگی ورودی محاسبه می‌شود. چون آفست‌ها کسری هستند مقدار ورودی در مکان‌های جابه‌جا شده با درون‌یابی "
    "دوخطی از چهار همسایه‌ی نزدیک خوانده می‌شود و گرادیان از طریق همین درون‌یابی به آفست‌ها می‌رسد. در یک فیلتر ۳×۳ "
    "تعداد آفست‌ها ۱۸ است یعنی دو مقدار برای هر یک از ۹ نقطه و به این ترتیب میدان دید شبکه با شکل اشیا تطبیق پیدا می‌کند."
)
POPULAR_ITEM = "q4.b.inception_ops"
POPULAR_ANSWER = 64024576
POPULAR_SHARE = 0.12


def paraphrases(text: str) -> tuple[str, str, str]:
    """The ring's three versions of one paragraph, as three students would hand them in."""
    first = text
    arabic = text.replace("ی", "ي").replace("ک", "ك").replace("\u200c", "").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    second = arabic.replace("یاد گرفته", "آموخته").replace("یاد گرفته".replace("ی", "ي"), "آموخته").replace("جداگانه", "مستقل")
    third = (
        text.replace("جداگانه ", "")
        .replace("نزدیک", "مجاور")
        .replace("به این ترتیب", "بنابراین")
        .replace("میدان دید شبکه", "میدان دید")
        + " این روش در تشخیص اشیا مفید است."
    )
    return first, second, third


@dataclass(frozen=True)
class Planted:
    copier: str
    source: str  # whose instance answers the copier handed in
    ring: tuple[str, str, str]
    ring_items: tuple[str, ...]
    text_item: str
    popular_item: str
    popular_answer: int
    popular_students: tuple[str, ...]

    @property
    def students(self) -> frozenset[str]:
        return frozenset((self.copier, self.source, *self.ring))


def _readable(folder: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    import yaml

    out = {}
    for path in sorted(folder.glob(f"{PREFIX}*.y*ml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
        if isinstance(document, dict) and isinstance(document.get("answers"), dict):
            out[str(document["student_id"])] = (path, document)
    return out


def plant(folder: Path) -> Planted:
    """Plant the three cases into the files of `folder` (rewriting five and a share of the rest)."""
    import numpy as np
    import yaml

    sys.path.insert(0, str(ROOT))
    from grader.keys.keybook import KeyBook
    from grader.rubric import load_rubric

    rubric = load_rubric(ROOT / "rubrics" / "hw4.yaml")
    keys = KeyBook(rubric)
    files = _readable(Path(folder))
    ids = sorted(files)
    if len(ids) < 20:
        raise ValueError(f"{folder}: need at least 20 readable answer files to plant into, found {len(ids)}")
    copier, source, *ring = ids[3], ids[11], ids[5], ids[8], ids[14]
    changed: dict[str, dict[str, Any]] = {}

    def answers(student: str) -> dict[str, Any]:
        if student not in changed:
            changed[student] = files[student][1]
        return changed[student]["answers"]  # type: ignore[no-any-return]

    for item_id in INSTANCE_ITEMS:
        value = keys.expected(rubric.item(item_id), 0, source)
        answers(copier)[item_id] = np.asarray(value, dtype=np.float64).tolist()
    for student, text in zip(ring, paraphrases(RING_TEXT), strict=True):
        answers(student).update(RING_ANSWERS)
        answers(student)[TEXT_ITEM] = text
    others = [s for s in ids if s not in {copier, source, *ring}]
    step = max(1, round(1 / POPULAR_SHARE))
    popular = tuple(others[::step])
    for student in popular:
        answers(student)[POPULAR_ITEM] = POPULAR_ANSWER
    for student, document in changed.items():
        path = files[student][0]
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    return Planted(copier, source, (ring[0], ring[1], ring[2]), tuple(RING_ANSWERS), TEXT_ITEM, POPULAR_ITEM, POPULAR_ANSWER, popular)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python bench/plant.py DIR", file=sys.stderr)
        return 2
    planted = plant(Path(args[0]))
    print(f"planted into {args[0]}: {planted}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
