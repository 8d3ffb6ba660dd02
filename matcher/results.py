"""What a recommendation returns: plain data, shared by the engine, the explanations, the CLI and the UI."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .constraints import Constraint
from .taxonomy import ThemeHit

# Match strength in words, from the fused score (thresholds are the matcher's parameters).
STRONG, GOOD, PARTIAL, WEAK = "strong", "good", "partial", "weak"


@dataclass
class Recommendation:
    practice_id: str
    title: str
    city: str
    country: str
    region: str
    score: float
    themes: list[str]
    matched_themes: list[str]
    top_terms: list[dict[str, Any]]
    evidence_level: str
    challenge: str
    challenge_index: int
    fit_notes: list[str]
    summary: str
    source_title: str
    source_url: str | None
    strength: str = PARTIAL
    # The official's own words (their surface form, in their language) that this practice matched.
    matched_words: list[str] = field(default_factory=list)
    # matched_themes' labels in the reader's language.
    matched_theme_labels: list[str] = field(default_factory=list)
    # Every contribution to the score: {"kind": word|theme|meaning, "label", "contribution"}; they add up to `score`.
    contributions: list[dict[str, Any]] = field(default_factory=list)
    prerequisites: list[str] = field(default_factory=list)
    last_verified: str | None = None  # ISO date the facts were last checked against a source
    needs_checking: bool = False  # never verified, or not in the last 24 months
    # The implementation story from the sources (cost, staffing, duration, status, components, contact);
    # a field no source gives is absent, and the UI says "unknown".
    story: dict[str, Any] = field(default_factory=dict)
    # The language title, summary and lessons are written in: the reader's, or "en" when the practice
    # has no translation yet (the UI then says so in one line).
    text_language: str = "en"
    country_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RecommendResponse:
    """`results` holds the good matches only; `closest` the nearest practices under the floor."""

    results: list[Recommendation]
    language: str  # the statement's language
    reader_language: str = "en"  # the language the texts and messages below are written in
    understood: list[ThemeHit] = field(default_factory=list)
    challenges: list[str] = field(default_factory=list)
    truncated: bool = False
    message: str = ""
    per_challenge_themes: list[list[str]] = field(default_factory=list)
    also_considered: list[ThemeHit] = field(default_factory=list)
    closest: list[Recommendation] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    # Empty when the meaning signal is on; otherwise why it is off (said plainly, once, by the UI/CLI).
    meaning_note: str = ""


__all__ = ["GOOD", "PARTIAL", "STRONG", "WEAK", "Recommendation", "RecommendResponse"]
