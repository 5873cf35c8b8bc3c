"""A student's answer-file skeleton: every item with its kind, a format example and its titles.

The skeleton also carries the student's numeric instance (Q2, Q3), generated from the student id
by the same code the grader uses, so what the student computes on is what is graded.
"""

from __future__ import annotations

import json
from typing import Any

from grader.rubric import Item, Kind, Rubric


def _example(item: Item) -> str:
    from grader.kinds import get_kind

    return item.example or get_kind(item.kind).example(item)


def _kind_text(item: Item) -> str:
    if item.kind in (Kind.EXPRESSION, Kind.EXPRESSIONS):
        return f"{item.kind} in {', '.join(item.variables)}"
    if item.kind in (Kind.MATRIX, Kind.TENSOR) and item.shape:
        return f"{item.kind} of shape {'×'.join(map(str, item.shape))}"
    return str(item.kind)


def item_hint(item: Item, *, sheet: bool = False) -> str:
    """What to write for `item` and in which form: the template's comment line, also on the PDF sheet."""
    points = f"{item.points:g} point{'s' if item.points != 1 else ''}{' (bonus)' if item.bonus else ''}"
    example = "free text, in English or Persian, as many lines as needed" if sheet and item.kind is Kind.TEXT else _example(item)
    return f"{_kind_text(item)}, {points}; {example}"


def _dump_value(value: Any, indent: str) -> list[str]:
    """Instance data: scalars inline; arrays one outer slice a line, as JSON flow lists."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [f"{indent}- {json.dumps(row)}" for row in value]
    return [f"{indent}{json.dumps(value)}"]


def render_template(rubric: Rubric, student_id: str) -> str:
    from grader.keys.keybook import KeyBook

    lines = [
        f"# {rubric.title}" + (f" — {rubric.title_fa}" if rubric.title_fa else ""),
        f"# Answer file of student {student_id}. Fill in `answers`; leave an item empty to skip it.",
        "# Write each answer between the quotes, e.g.  q6.a.bound: '{0.9}^{100}'  (a quote inside is doubled: '').",
        f"# Check it before you submit:  grade check {rubric.file_prefix}{student_id}.yaml",
        "# Accepted forms (numbers, formulas, LaTeX, matrices): docs/answer-forms.md",
        f"student_id: \"{student_id}\"",
    ]
    instances = KeyBook(rubric).instances_for(student_id)
    if instances:
        lines.append("# Your personal numeric instance for the questions below (generated from your id;")
        lines.append("# the grader regenerates it, so editing it changes nothing). Indices are 0-based.")
        lines.append("instances:")
        for name, data in instances.items():
            lines.append(f"  {name}:")
            for key, value in data.items():
                if isinstance(value, list) and value and isinstance(value[0], list):
                    lines.append(f"    {key}:")
                    lines.extend(_dump_value(value, "      "))
                else:
                    lines.append(f"    {key}: {json.dumps(value)}")
    lines.append("answers:")
    current = None
    for item in rubric.items:
        if item.question != current:
            current = item.question
            q = next(q for q in rubric.questions if q.id == current)
            pts = f"{q.points:g}" + (f" + {q.bonus:g} bonus" if q.bonus else "")
            lines += ["", f"  # ===== {q.id.upper()} ({pts} points): {q.title}"]
            if q.title_fa:
                lines.append(f"  # {q.title_fa}")
        lines.append(f"  # {item.id}: {item.title}")
        if item.title_fa:
            lines.append(f"  #   {item.title_fa}")
        lines.append(f"  #   {item_hint(item)}")
        # every slot quoted: {0.9}^{100}, [[-1. 0.], %89.67 or a ':' inside cannot break the file
        lines.append(f"  {item.id}:" + (" |" if item.kind is Kind.TEXT else " ''"))
    return "\n".join(lines) + "\n"
