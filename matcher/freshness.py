"""How complete and how current each practice's record is: the implementation story's fill rates and
the practices whose facts were last checked too long ago ("needs checking")."""
from __future__ import annotations

from datetime import date
from typing import Iterable, Sequence

from .schema import EVIDENCE_LEVELS, Practice, evidence_rank

FRESHNESS_MONTHS = 24
# The implementation-story fields, and what counts as "filled" for each.
STORY_FIELDS: tuple[str, ...] = (
    "cost", "cost_band", "staffing", "duration", "status", "core_components", "adaptable_components",
    "contact_point", "last_verified", "sources", "results", "lessons",
)
_UNKNOWN = {"cost_band": "unknown", "status": "unknown"}


def filled(p: Practice, field: str) -> bool:
    v = getattr(p, field)
    if field in _UNKNOWN:
        return v != _UNKNOWN[field]
    return bool(v)


def fill_rates(practices: Sequence[Practice]) -> dict[str, float]:
    """Share of practices with each implementation-story field filled from a source."""
    n = len(practices) or 1
    return {f: round(sum(filled(p, f) for p in practices) / n, 3) for f in STORY_FIELDS}


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day when it has fewer days)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m + 1, d)
        except ValueError:
            continue
    raise ValueError(day)


def needs_checking(p: Practice, today: date | None = None) -> bool:
    """True when the facts were never checked against a source, or last checked over 24 months ago."""
    today = today or date.today()
    return p.last_verified is None or p.last_verified < months_before(today, FRESHNESS_MONTHS)


def stale(practices: Iterable[Practice], today: date | None = None) -> list[Practice]:
    """Practices that need checking, oldest first (never verified before any date)."""
    out = [p for p in practices if needs_checking(p, today)]
    return sorted(out, key=lambda p: (p.last_verified or date.min, p.id))


def verified_share(practices: Sequence[Practice], today: date | None = None) -> float:
    return round(sum(not needs_checking(p, today) for p in practices) / (len(practices) or 1), 3)


def with_results(practices: Iterable[Practice]) -> int:
    """Practices whose evidence is at least `results-reported`."""
    return sum(evidence_rank(p.evidence_level) >= EVIDENCE_LEVELS.index("results-reported") for p in practices)


__all__ = ["FRESHNESS_MONTHS", "STORY_FIELDS", "fill_rates", "filled", "needs_checking", "stale", "verified_share", "with_results"]
