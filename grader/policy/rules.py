"""The course's submission policy: early bonus, late days, the penalty window, too late.

Pure functions over a `Course` (grader.policy.course), one part's result and its submission time; the
late days a student already used on earlier homeworks come in as a `LedgerUsage` (the gradebook
keeps the ledger). Every change to a score is an `Adjustment` whose reason is a full sentence.

The rules, as the course states them (digest.md §1), with the parameters from course.yaml:

* submitted at or before the bonus deadline: +fraction × the part's earned score (items, manual
  points and bonus items included, so the bonus is recomputed whenever manual scores arrive);
* after the final deadline, each started `day_hours` is one late day, drawn from the allowance:
  at most `per_homework` for this part of this homework, `per_term_per_part` for this part over
  the term, `per_term` for both parts together over the term;
* late by more than the allowance: the allowance is used up, and in the `hours`-long window that
  follows `percent_per_hour` of the basis (earned score, or the maximum) is deducted per started
  hour; after the window the part scores 0.

Deadlines are inclusive instants: at the deadline is on time, one second after is late.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from grader.errors import PolicyError
from grader.model import Adjustment, AdjustmentKind, LedgerEntry, SubmissionResult
from grader.numfmt import score_text
from grader.policy.course import Basis, Course, iso, jalali
from grader.policy.csv_inputs import SubmissionTime


def submission_time(result: SubmissionResult, manifest: Mapping[str, SubmissionTime] | None, *, course: Course, manifest_name: str = "") -> SubmissionTime:
    """The manifest's time for this student, else the file's modification time with a warning."""
    if manifest is not None and result.student_id in manifest:
        return manifest[result.student_id]
    modified = result.modified_at
    if modified is None:
        raise PolicyError(f"{result.source}: no submission time (not in the manifest, no modification time)")
    moment = datetime.fromisoformat(modified)
    why = f"not in the manifest {manifest_name}" if manifest is not None else "no manifest"
    note = f"submission time unknown ({why}): the file's modification time {jalali(moment, course.tz)} ({iso(moment, course.tz)}) is used; check it"
    return SubmissionTime(moment, "mtime", note)


@dataclass(frozen=True)
class LedgerUsage:
    """Late days this student used before this part: on this part kind, and on both together."""

    part: int = 0
    total: int = 0


def usage_before(entries: Iterable[LedgerEntry], *, course: Course, homework: str, part: str, submitted_at: datetime) -> LedgerUsage:
    """Sum the ledger entries that come *before* this part of this homework.

    Before = an earlier final deadline in course.yaml; with the same deadline (theory and practical
    of one homework), the one submitted first (entries without a time first). Entries for a
    homework course.yaml does not list (imported for homeworks graded elsewhere) count as earlier.
    The entry for this very homework and part is never counted (a re-grade replaces it).
    """
    mine = course.final_deadline(homework, part)
    used_part = used_total = 0
    for entry in entries:
        if (entry.homework, entry.part) == (homework, part) or entry.days <= 0:
            continue
        theirs = course.final_deadline(entry.homework, entry.part)
        if theirs is None or mine is None:
            earlier = theirs is None
        elif theirs != mine:
            earlier = theirs < mine
        else:
            when = datetime.fromisoformat(entry.submitted_at) if entry.submitted_at else None
            earlier = when is None or (when, entry.part) < (submitted_at, part)
        if earlier:
            used_total += entry.days
            if entry.part == part:
                used_part += entry.days
    return LedgerUsage(part=used_part, total=used_total)


@dataclass(frozen=True)
class PolicyOutcome:
    adjustments: tuple[Adjustment, ...]
    late_days: int  # drawn from the allowance (what the ledger records)




def _duration(seconds: float) -> str:
    seconds = int(math.ceil(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs and not days:
        parts.append(f"{secs} s")
    return " ".join(parts) or "0 s"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def decide(
    *,
    course: Course,
    homework: str,
    part: str,
    submitted_at: datetime,
    earned: float,
    maximum: float,
    pending_manual: float = 0.0,
    used: LedgerUsage = LedgerUsage(),
) -> PolicyOutcome:
    """The adjustments for one part submitted at `submitted_at` with `earned` points so far."""
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    policy = course.policy
    tz = course.tz
    bonus_deadline, final_deadline = course.deadlines(homework, part)
    when = f"submitted {jalali(submitted_at, tz)}"
    provisional = f" (provisional: {score_text(pending_manual)} manual points are not graded yet; recomputed when they are)" if pending_manual > 0 else ""

    if submitted_at <= final_deadline:
        if bonus_deadline is not None and submitted_at <= bonus_deadline and policy.early_bonus.fraction > 0:
            pct = score_text(policy.early_bonus.fraction * 100)
            points = round(policy.early_bonus.fraction * earned, 4)
            reason = f"{when}, before the bonus deadline {jalali(bonus_deadline, tz)}: +{pct}% of the part's {score_text(earned)} points{provisional}"
            return PolicyOutcome((Adjustment(AdjustmentKind.EARLY_BONUS, points, reason),), 0)
        return PolicyOutcome((), 0)

    rules = policy.late_days
    late_seconds = (submitted_at - final_deadline).total_seconds()
    day_seconds = rules.day_hours * 3600
    days_late = math.ceil(late_seconds / day_seconds)
    allowance = max(0, min(rules.per_homework, rules.per_term_per_part - used.part, rules.per_term - used.total))
    late_by = f"{when}, {_duration(late_seconds)} after the final deadline {jalali(final_deadline, tz)}"

    def left_after(n: int) -> int:
        return max(0, min(rules.per_term_per_part - used.part - n, rules.per_term - used.total - n))

    def days_adjustment(n: int, lead: str) -> Adjustment:
        return Adjustment(AdjustmentKind.LATE_DAYS, 0.0, f"{lead}: {_plural(n, 'late day')} used, {left_after(n)} left this term", late_days_used=n)

    if days_late <= allowance:
        return PolicyOutcome((days_adjustment(days_late, late_by),), days_late)

    why_short = _why_allowance(allowance, rules.per_homework, used, rules.per_term_per_part, rules.per_term, part)
    window = policy.late_window
    past_allowance = late_seconds - allowance * day_seconds
    hour_seconds = window.hour_minutes * 60
    hours = math.ceil(past_allowance / hour_seconds)
    if past_allowance <= window.hours * 3600:
        base = earned if window.basis is Basis.EARNED else maximum
        basis_text = f"the part's earned {score_text(earned)} points" if window.basis is Basis.EARNED else f"the part's maximum {score_text(maximum)} points"
        penalty = min(round(hours * window.percent_per_hour / 100 * base, 4), max(earned, 0.0))
        adjustments: list[Adjustment] = []
        if allowance:
            adjustments.append(days_adjustment(allowance, f"{late_by}; the allowance covers {_plural(allowance, 'day')}"))
        reason = (
            f"{late_by}; {why_short}; {_duration(past_allowance)} into the {score_text(window.hours)}-hour late window: "
            f"{_plural(hours, 'started hour')} × {score_text(window.percent_per_hour)}% of {basis_text} = −{score_text(penalty)}"
            + (provisional if window.basis is Basis.EARNED else "")
        )
        adjustments.append(Adjustment(AdjustmentKind.LATE_PENALTY, -penalty or 0.0, reason))  # never -0.0
        return PolicyOutcome(tuple(adjustments), allowance)

    drawn = allowance if policy.too_late_uses_allowance else 0
    reason = (
        f"{late_by}; {why_short}; more than {score_text(window.hours)} hours after the allowance ran out: this part scores 0"
        + (f" ({_plural(drawn, 'late day')} still drawn)" if drawn else " (no late days drawn)")
    )
    adjustment = Adjustment(AdjustmentKind.TOO_LATE, -round(max(earned, 0.0), 4) or 0.0, reason, late_days_used=drawn)
    return PolicyOutcome((adjustment,), drawn)


def _why_allowance(allowance: int, per_homework: int, used: LedgerUsage, per_part: int, per_term: int, part: str) -> str:
    if allowance == 0:
        if used.total >= per_term:
            return f"no late days left ({used.total} of {per_term} used this term)"
        if used.part >= per_part:
            return f"no {part} late days left ({used.part} of {per_part} used this term)"
        return "no late days allowed"
    if allowance == per_homework:
        return f"the allowance is {_plural(allowance, 'late day')} per homework"
    return f"only {_plural(allowance, 'late day')} left this term"


def apply_policy(
    result: SubmissionResult,
    *,
    course: Course,
    part: str,
    time: SubmissionTime,
    used: LedgerUsage = LedgerUsage(),
) -> tuple[SubmissionResult, int]:
    """The result with its policy adjustments, submission time and any time warning; and the late
    days it draws. Existing adjustments are replaced (the policy is recomputed on every run)."""
    outcome = decide(
        course=course,
        homework=result.homework,
        part=part,
        submitted_at=time.moment,
        earned=result.raw_total,
        maximum=result.max_points,
        pending_manual=result.pending_points,
        used=used,
    )
    warnings = result.warnings + ((time.note,) if time.note else ())
    return (
        replace(result, adjustments=outcome.adjustments, submitted_at=iso(time.moment, course.tz), warnings=warnings),
        outcome.late_days,
    )


def apply_batch(
    results: Sequence[SubmissionResult],
    *,
    course: Course,
    part: str,
    manifest: Mapping[str, SubmissionTime] | None,
    ledger: Mapping[str, Sequence[LedgerEntry]],
    manifest_name: str = "",
) -> tuple[list[SubmissionResult], list[LedgerEntry]]:
    """Apply the policy to every result; return them and the ledger entries they make."""
    out: list[SubmissionResult] = []
    entries: list[LedgerEntry] = []
    for result in results:
        time = submission_time(result, manifest, course=course, manifest_name=manifest_name)
        used = usage_before(ledger.get(result.student_id, ()), course=course, homework=result.homework, part=part, submitted_at=time.moment)
        adjusted, days = apply_policy(result, course=course, part=part, time=time, used=used)
        out.append(adjusted)
        entries.append(LedgerEntry(result.student_id, result.homework, part, days, time.moment.astimezone(timezone.utc).isoformat(timespec="seconds"), "run"))
    return out, entries
