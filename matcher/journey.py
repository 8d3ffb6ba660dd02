"""The learning journey of a twinning pair, after the match: from proposed to closed, with check-ins at 6 and
12 months. The rules a step must follow, which check-ins are due, and the figures a hub follows (how many
pairs reached each stage, days per stage, adoption rate). Plain functions over the recorded steps; the store
keeps the steps (`Store.record_step`), the CLI reads them (`python -m matcher followups`).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from .i18n import _
from .schema import JOURNEY_STAGES, JourneyStep

CLOSED = "closed"
CHECK_IN_MONTHS = {"checkin-6": 6, "checkin-12": 12}
CHECK_IN_FROM = ("plan-agreed", "visit-done")  # the check-ins count from the plan, else from the visit
OUTCOMES_NEEDING_REASONS = ("adapted", "not-adopted")


def pair_key(a: str, b: str) -> tuple[str, str]:
    return tuple(sorted((a, b)))  # type: ignore[return-value]


def by_pair(steps: Iterable[JourneyStep]) -> dict[tuple[str, str], list[JourneyStep]]:
    out: dict[tuple[str, str], list[JourneyStep]] = {}
    for s in steps:
        out.setdefault(pair_key(s.city_a, s.city_b), []).append(s)
    return out


def step_problems(history: Sequence[JourneyStep], step: JourneyStep) -> list[str]:
    """Why `step` cannot follow `history` (the pair's steps so far, in order); empty when it can.

    A pair moves forward only (stages may be skipped, except that closing needs an outcome); a step is never
    dated before the previous one; nothing follows a closed journey."""
    problems = []
    if step.city_a == step.city_b:
        problems.append(_("a city cannot be twinned with itself"))
    last = history[-1] if history else None
    if last is not None:
        if last.stage == CLOSED:
            problems.append(_("this journey is closed; start a new proposal to open another"))
        elif JOURNEY_STAGES.index(step.stage) <= JOURNEY_STAGES.index(last.stage):
            problems.append(_("the journey is already at “{last}”: a step moves it forward").format(last=step_label(last.stage)))
        if step.date < last.date:
            problems.append(_("the date {date} is before the previous step ({previous})").format(date=step.date.isoformat(), previous=last.date.isoformat()))
    if step.stage == CLOSED:
        if step.outcome is None:
            problems.append(_("closing needs an outcome: adopted, adapted or not adopted"))
        elif step.outcome in OUTCOMES_NEEDING_REASONS and not step.reasons.strip():
            problems.append(_("say why it was adapted or not adopted: other cities learn from the reasons"))
    elif step.outcome is not None:
        problems.append(_("an outcome is recorded only when the journey is closed"))
    return problems


def step_label(stage: str) -> str:
    labels = {
        "proposed": _("proposed"), "introduced": _("introduced"), "first-contact": _("first contact"),
        "visit-planned": _("visit planned"), "visit-done": _("visit done"), "plan-agreed": _("plan agreed"),
        "checkin-6": _("6-month check-in"), "checkin-12": _("12-month check-in"), "closed": _("closed"),
    }
    return labels.get(stage, stage)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


@dataclass(frozen=True)
class FollowUp:
    city_a: str
    city_b: str
    stage: str  # the pair's current stage
    check_in: str  # the check-in that is due
    due: date
    overdue: bool

    def as_dict(self) -> dict:
        return {"city_a": self.city_a, "city_b": self.city_b, "stage": self.stage, "check_in": self.check_in,
                "due": self.due.isoformat(), "overdue": self.overdue}


def follow_ups(steps: Iterable[JourneyStep], today: date, due_only: bool = False) -> list[FollowUp]:
    """The next check-in of every open journey that has a plan (or a visit): due on a date; with `due_only`,
    only those due by today. Soonest first."""
    out = []
    for (a, b), hist in by_pair(steps).items():
        stages = {s.stage: s for s in hist}
        current = hist[-1].stage
        if current == CLOSED:
            continue
        start = next((stages[s].date for s in CHECK_IN_FROM if s in stages), None)
        if start is None:
            continue
        for check_in, months in CHECK_IN_MONTHS.items():
            if check_in in stages:
                continue
            due = add_months(start, months)
            if not due_only or due <= today:
                out.append(FollowUp(a, b, current, check_in, due, due < today))
            break
    out.sort(key=lambda f: (f.due, f.city_a, f.city_b))
    return out


def funnel(steps: Iterable[JourneyStep]) -> dict[str, int]:
    """How many pairs reached each stage (a pair that skipped a stage counts as having passed it)."""
    reached = {s: 0 for s in JOURNEY_STAGES}
    for hist in by_pair(steps).values():
        furthest = max(JOURNEY_STAGES.index(s.stage) for s in hist)
        for s in JOURNEY_STAGES[: furthest + 1]:
            reached[s] += 1
    return reached


def median_days(steps: Iterable[JourneyStep]) -> dict[str, float | None]:
    """Median days a pair spent before reaching each stage, from its previous recorded step."""
    gaps: dict[str, list[int]] = {s: [] for s in JOURNEY_STAGES}
    for hist in by_pair(steps).values():
        for prev, nxt in zip(hist, hist[1:]):
            gaps[nxt.stage].append((nxt.date - prev.date).days)
    return {s: (statistics.median(v) if v else None) for s, v in gaps.items()}


def adoption_rate(steps: Iterable[JourneyStep]) -> float | None:
    """Share of closed journeys whose practice was adopted or adapted (None when none is closed)."""
    closed = [hist[-1] for hist in by_pair(steps).values() if hist[-1].stage == CLOSED]
    if not closed:
        return None
    return sum(s.outcome in ("adopted", "adapted") for s in closed) / len(closed)


__all__ = ["CHECK_IN_MONTHS", "FollowUp", "adoption_rate", "add_months", "by_pair", "follow_ups", "funnel", "median_days",
           "pair_key", "step_label", "step_problems"]
