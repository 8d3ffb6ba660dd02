"""Why a practice matched: per-term contributions that add up to the score, matched themes, fit notes.

With L2-normalised vectors the cosine score is the sum over features of query weight x document
weight, so each feature's product is its exact share of the score. Features of the same word in
different fields are folded together and shown as the readable word.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from .schema import City, Practice

if TYPE_CHECKING:  # pragma: no cover
    from .engine import PracticeMatcher

POPULATION_RATIO_NOTE = 10.0


def contributions(q_whole, d_whole: np.ndarray, q_seg=None, d_seg: np.ndarray | None = None, weight_whole: float = 1.0) -> dict[int, float]:
    """Feature index -> its share of the score: document weight x query weight, per query feature.

    d_whole / d_seg are the document's weights at q_whole's / q_seg's features (same order)."""
    out: dict[int, float] = defaultdict(float)
    split = q_seg is not None
    parts = [(q_whole, d_whole, weight_whole if split else 1.0)]
    if split:
        parts.append((q_seg, d_seg, 1.0 - weight_whole))
    for q, d, w in parts:
        for j, c in zip(q.indices.tolist(), (w * d * q.data).tolist()):
            if c:
                out[j] += c
    return out


def readable(matcher: "PracticeMatcher", feature: str, surface: dict[str, str]) -> str:
    if feature.startswith("theme:"):
        return "theme: " + matcher.taxonomy.label(feature[len("theme:"):], "en")
    return " ".join(surface.get(t) or matcher.surface_.get(t, t) for t in feature.split(" "))


def fit_notes(p: Practice, practice_city: City | None, asking: City | None) -> list[str]:
    """Where the practice's context differs sharply from the asking city's."""
    notes: list[str] = []
    if asking is not None and practice_city is not None:
        if asking.population and practice_city.population:
            ratio = max(asking.population, practice_city.population) / max(1, min(asking.population, practice_city.population))
            if ratio > POPULATION_RATIO_NOTE:
                bigger = "larger" if practice_city.population > asking.population else "smaller"
                notes.append(
                    f"Scale: {practice_city.city} is about {ratio:.0f}x {bigger} than {asking.city} "
                    f"(~{practice_city.population:,} vs ~{asking.population:,} people)."
                )
        if asking.languages and practice_city.languages and not set(asking.languages) & set(practice_city.languages):
            notes.append(
                f"No shared working language: {practice_city.city} works in {', '.join(practice_city.languages)}, "
                f"{asking.city} in {', '.join(asking.languages)}."
            )
        if asking.region != practice_city.region:
            pass  # a different region is normal for learning; not a warning on its own
    if p.prerequisites:
        notes.append("Prerequisites to check: " + "; ".join(p.prerequisites) + ".")
    return notes


def explain(matcher, doc_index, whole, q_whole, d_whole, seg_queries, q_segs, d_seg, seg, segments, score, asking_city, top_n: int = 6):
    from .engine import Recommendation

    p: Practice = matcher.practices_[doc_index]
    split = len(seg_queries) > 1
    if split:
        contrib = contributions(q_whole, d_whole, q_segs[seg], d_seg, matcher.whole_weight)
    else:
        contrib = contributions(q_whole, d_whole)
    surface = dict(whole.surface)
    if split:
        surface.update(seg_queries[seg].surface)
    folded: dict[str, float] = defaultdict(float)
    for j, c in contrib.items():
        _, name = matcher.feature_name(j)
        folded[readable(matcher, name, surface)] += c
    terms = sorted(folded.items(), key=lambda kv: (-kv[1], kv[0]))
    top_terms = [{"term": t, "contribution": round(c, 6)} for t, c in terms[:top_n] if c > 0]
    queries = [seg_queries[seg], whole] if split else [whole]
    query_themes = {h.theme_id for q in queries for h in (*q.themes, *q.hints)} | {t for q in queries for t, _ in q.soft_themes}
    matched = [t for t in p.themes if t in query_themes]
    return Recommendation(
        practice_id=p.id,
        title=p.title,
        city=p.city,
        country=p.country,
        region=p.region,
        score=float(np.clip(score, 0.0, 1.0)),
        themes=list(p.themes),
        matched_themes=matched,
        top_terms=top_terms,
        evidence_level=p.evidence_level,
        challenge=segments[seg] if split else (segments[0] if segments else whole.text),
        challenge_index=seg,
        fit_notes=fit_notes(p, matcher.cities_.get(p.city), asking_city),
        summary=p.summary,
        source_title=p.source_title,
        source_url=p.source_url,
    )


def total_contribution(matcher, doc_index, q_whole, q_seg=None, weight_whole: float = 1.0) -> float:
    """Sum of all feature contributions (used by tests: it must equal the score)."""
    d_whole = matcher.values_for([doc_index], q_whole.indices)[0]
    d_seg = matcher.values_for([doc_index], q_seg.indices)[0] if q_seg is not None else None
    return float(sum(contributions(q_whole, d_whole, q_seg, d_seg, weight_whole).values()))


__all__ = ["contributions", "explain", "fit_notes", "readable", "total_contribution"]
