"""The answer-file template: what it lists for each item."""

from __future__ import annotations

from grader.student.template import render_template


def test_choice_options_are_listed_in_an_order_that_does_not_reveal_the_key(hw4, hw4_keys):
    from grader.kinds.choice import listed_options
    from grader.rubric import Kind

    text = render_template(hw4, "401234567")
    choices = [item for item in hw4.items if item.kind is Kind.CHOICE]
    assert len(choices) == 3
    firsts = []
    for item in choices:
        shown = listed_options(item)
        assert shown == sorted(item.options)
        assert f"one of: {', '.join(shown)}" in text
        firsts.append(shown[0] == hw4_keys.expected(item, 0))
    assert not all(firsts)  # the rubric writes every key first; the listing does not
    assert all(next(iter(item.options)) == hw4_keys.expected(item, 0) for item in choices)
