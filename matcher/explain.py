"""Why a practice matched, in the official's words: contributions that add up to the score.

The fused score is a weighted sum of signals (see `fusion`). The words signal is a cosine of
L2-normalised vectors, so each feature's query weight x document weight is its exact share; the
meaning signal is one named share ("similar meaning"). Features are shown as the official's own
words (their surface form, in their language), a French or Arabic word standing for the English
term it was translated to, and theme features as the theme's label in the statement's language.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping, Sequence

import numpy as np

from .analysis import Statement
from .constraints import BUDGET, unmet_prerequisites
from .context import POPULATION_BAND_RATIO, population_ratio
from .freshness import needs_checking
from .i18n import N_, _, country, language, number
from .languages import language_names
from .results import Recommendation
from .schema import City, Practice

THEME_PREFIX = "theme:"
TOP_TERMS = 6
MEANING_LABEL = N_("similar meaning")
WORD, THEME, MEANING = "word", "theme", "meaning"


def contributions(q_whole, d_whole: np.ndarray, q_seg=None, d_seg: np.ndarray | None = None, weight_whole: float = 1.0) -> dict[int, float]:
    """Feature index -> its share of the words score: document weight x query weight, per query feature.

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


def fit_notes(p: Practice, practice_city: City | None, asking: City | None, constraints: Sequence = ()) -> list[str]:
    """Where the practice's context differs sharply from the asking city's, and what it needs that the city lacks."""
    notes: list[str] = []
    if asking is not None and practice_city is not None:
        ratio = population_ratio(asking, practice_city)
        if ratio is not None and ratio > POPULATION_BAND_RATIO:  # the same "similar size" as twinning's context
            scale = (_("Scale: {city} is about {ratio}x larger than {asking} (~{pop} vs ~{asking_pop} people).")
                     if practice_city.population > asking.population else
                     _("Scale: {city} is about {ratio}x smaller than {asking} (~{pop} vs ~{asking_pop} people)."))
            notes.append(scale.format(city=practice_city.city, ratio=number(ratio, 0), asking=asking.city,
                                      pop=number(practice_city.population), asking_pop=number(asking.population)))
        if asking.languages and practice_city.languages and not set(asking.languages) & set(practice_city.languages):
            notes.append(_("No shared working language: {city} works in {languages}, {asking} in {asking_languages}.").format(
                city=practice_city.city, languages=language_names(practice_city.languages),
                asking=asking.city, asking_languages=language_names(asking.languages)))
    unmet = unmet_prerequisites(list(p.prerequisites), list(constraints))  # decided on the English record
    shown = dict(zip(p.prerequisites, p.prerequisites_in(language())))  # shown in the reader's language
    flagged = {x for hits in unmet.values() for x in hits}
    for kind, hits in unmet.items():
        said = next(c.text for c in constraints if kind in c.kinds)
        message = _("Needs a budget you said you lack (“{said}”): {needs}.") if kind == BUDGET else \
            _("Needs staff you said you lack (“{said}”): {needs}.")
        notes.append(message.format(said=said, needs="; ".join(shown[x] for x in hits)))
    rest = [shown[x] for x in p.prerequisites if x not in flagged]
    if rest:
        notes.append(_("Prerequisites to check: {needs}.").format(needs="; ".join(rest)))
    return notes


class _Reader:
    """Turns features into what the official reads, for one statement (and the line a practice answers)."""

    def __init__(self, matcher, st: Statement, part: int):
        self.matcher = matcher
        self.lang = language()  # theme labels in the reader's language; the official's words stay as written
        queries = [st.whole] + ([st.parts[part]] if len(st.parts) > 1 else [])
        self.own: dict[str, str] = {}
        self.origin: dict[str, str] = {}
        for q in queries:
            for k, v in q.surface.items():
                self.own.setdefault(k, v)
            for k, v in q.translated_from.items():
                self.origin.setdefault(k, v)
        self.label_of: dict[str, str] = {}
        if matcher.expand_with_labels:
            for q in queries:
                for h in q.themes:
                    for t in matcher.label_tokens_.get(h.theme_id, ()):
                        self.label_of.setdefault(t, h.theme_id)

    def read(self, feature: str) -> tuple[str, str]:
        """(kind, label) of a feature."""
        if feature.startswith(THEME_PREFIX):
            return THEME, self.matcher.taxonomy.label(feature[len(THEME_PREFIX):], self.lang)
        words, kinds = [], set()
        for stem in feature.split(" "):
            if stem in self.own:
                words.append(self.own[stem]); kinds.add(WORD)
            elif stem in self.origin:
                words.append(self.origin[stem]); kinds.add(WORD)
            elif stem in self.label_of:
                return THEME, self.matcher.taxonomy.label(self.label_of[stem], self.lang)
            else:
                words.append(self.matcher.surface_.get(stem, stem)); kinds.add(WORD)
        return WORD, " ".join(dict.fromkeys(words))


def _fold_phrases(items: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Fold single words into a shown phrase that contains them ("hate", "speech" into "hate speech")."""
    phrases = [lab for (kind, lab) in items if kind == WORD and " " in lab]
    out: dict[tuple[str, str], float] = defaultdict(float)
    for (kind, lab), c in items.items():
        target = (kind, lab)
        if kind == WORD and " " not in lab:
            home = [ph for ph in phrases if lab in ph.split(" ")]
            if home:
                target = (WORD, max(home, key=lambda ph: items[(WORD, ph)]))
        out[target] += c
    return out


def explain(matcher, st: Statement, signals: Mapping[str, Any], fused, rows: Sequence[int], asking_city: City | None) -> list[Recommendation]:
    """One Recommendation per practice row, in the given order."""
    rows = [int(i) for i in rows]
    if not rows:
        return []
    words = signals.get("words")
    w_words = fused.weights.get("words", 0.0)
    a = fused.whole_weight
    split = len(st.parts) > 1
    if words is not None:
        q_whole, cols_whole, q_parts, cols_parts = words.detail
        d_whole = matcher.values_for(rows, q_whole.indices, cols_whole)
        d_parts = {j: matcher.values_for(rows, q_parts[j].indices, cols_parts[j]) for j in {int(fused.best_part[i]) for i in rows}} if split else {}
    out = []
    for pos, i in enumerate(rows):
        p: Practice = matcher.practices_[i]
        part = int(fused.best_part[i]) if split else 0
        reader = _Reader(matcher, st, part)
        items: dict[tuple[str, str], float] = defaultdict(float)
        if words is not None and w_words > 0:
            contrib = contributions(q_whole, d_whole[pos], q_parts[part] if split else None, d_parts[part][pos] if split else None, a)
            for j, c in contrib.items():
                items[reader.read(matcher.feature_name(j)[1])] += w_words * c
        items = _fold_phrases(items)
        meaning_share = float(fused.shares.get("meaning", np.zeros(1))[i]) if "meaning" in fused.shares else 0.0
        if meaning_share:
            items[(MEANING, _(MEANING_LABEL))] += meaning_share
        if "rank" in fused.shares:
            items[(MEANING, _("rank fusion"))] += float(fused.shares["rank"][i])
        ordered = sorted(((k, c) for k, c in items.items() if c > 0), key=lambda kv: (-kv[1], kv[0][1]))
        all_contrib = [{"kind": kind, "label": lab, "contribution": c} for (kind, lab), c in ordered]  # unrounded: they add up to the score
        top_terms = [{"term": (_("theme: {label}").format(label=lab) if kind == THEME else lab), "contribution": round(c, 6)} for (kind, lab), c in ordered[:TOP_TERMS]]
        queries = [st.parts[part], st.whole] if split else [st.whole]
        query_themes = {h.theme_id for q in queries for h in (*q.themes, *q.hints)} | {t for q in queries for t, _ in q.soft_themes}
        matched = [t for t in p.themes if t in query_themes]
        score = float(fused.score[i])
        lang = language()
        out.append(Recommendation(
            practice_id=p.id,
            title=p.text("title", lang),
            city=p.city,
            country=country(p.country_code, p.country),
            country_code=p.country_code,
            region=p.region,
            score=float(np.clip(score, 0.0, 1.0)),
            themes=list(p.themes),
            matched_themes=matched,
            top_terms=top_terms,
            evidence_level=p.evidence_level,
            challenge=st.part_texts[part] if split else st.challenge_text.strip(),
            challenge_index=part,
            fit_notes=fit_notes(p, matcher.cities_.get(p.city), asking_city, st.constraints),
            summary=p.text("summary", lang),
            text_language=lang if p.translated(lang) else "en",
            source_title=p.source_title,
            source_url=p.source_url,
            matched_words=[lab for (kind, lab), c in ordered if kind == WORD][:TOP_TERMS],
            matched_theme_labels=[matcher.taxonomy.label(t, lang) for t in matched],
            contributions=all_contrib,
            prerequisites=p.prerequisites_in(lang),
            last_verified=p.last_verified.isoformat() if p.last_verified else None,
            needs_checking=needs_checking(p),
            story=implementation_story(p, lang),
        ))
    return out


STORY_SHOWN = ("cost", "cost_band", "staffing", "duration", "status", "core_components", "adaptable_components", "contact_point", "contact_url", "lessons")


def implementation_story(p: Practice, lang: str = "en") -> dict[str, Any]:
    """The implementation-story fields a source gave for this practice (unknown ones left out); the lessons
    in the reader's language when translated."""
    out: dict[str, Any] = {}
    for f in STORY_SHOWN:
        v = p.text(f, lang) if f == "lessons" else getattr(p, f)
        if v and v != "unknown":
            out[f] = list(v) if isinstance(v, list) else v
    return out


def total_contribution(rec: Recommendation) -> float:
    """Sum of all the contributions shown for a recommendation (it must equal its score)."""
    return float(sum(c["contribution"] for c in rec.contributions))


__all__ = ["contributions", "explain", "fit_notes", "total_contribution"]
