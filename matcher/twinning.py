"""Twinning: partner suggestions for one city, optimal pairing across a network, and the gap report.

A city's needs are its stated challenges (or a typed statement); its offers are its practices,
weighted by evidence. helps_you[a, b] = how well b's practices answer a's needs: each need counts
once, with b's best practice for it, so covering several needs beats matching one need twice.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .analysis import Statement
from .catalog import Catalog
from .context import LOG_POPULATION_BAND, POPULATION_BAND_RATIO, similar_size
from .engine import PracticeMatcher
from .freshness import needs_checking, with_results
from .i18n import _, language, ngettext, number
from .i18n import region as region_label
from .languages import language_names
from .schema import City, evidence_rank
from .text import clean

EVIDENCE_WEIGHT = {0: 0.7, 1: 0.8, 2: 0.9, 3: 1.0}
CONTEXT_WEIGHTS = {"shared_language": 0.4, "same_region": 0.3, "population_band": 0.3}
RELEVANT = 0.15  # a practice scoring at least this on a need counts as experience on it
# How a partner is scored for one city (Twinning.partners), by mode.
MENTOR_WEIGHTS = {"helps": 0.6, "experience": 0.15, "mutual": 0.1, "context": 0.15}
PEER_WEIGHTS = {"shared": 0.35, "helps": 0.25, "mutual": 0.15, "context": 0.25}
# How a pair is weighted in network pairing (Twinning.pairs): peer exchange both ways, or mentor to mentee.
PEER_PAIR_WEIGHTS = {"exchange": 0.35, "mutual": 0.35, "context": 0.3}
MENTOR_PAIR_WEIGHTS = {"helps": 0.8, "context": 0.2}
CONTEXT_RAMP = 5.0
# Places that are one city (a county is one local government); groups and unnamed places join a
# network pairing only when asked for.
PAIRABLE_KINDS: tuple[str, ...] = ("city", "county")


def shared_language_matrix(rows: list[City], cols: list[City]) -> np.ndarray:
    """(rows x cols) True where two places share a working language: exact, through a place x language matrix."""
    langs = sorted({l for c in (*rows, *cols) for l in c.languages})
    col = {l: j for j, l in enumerate(langs)}

    def incidence(cs: list[City]) -> np.ndarray:
        m = np.zeros((len(cs), max(1, len(langs))), dtype=np.int32)
        for i, c in enumerate(cs):
            for l in c.languages:
                m[i, col[l]] = 1
        return m

    return (incidence(rows) @ incidence(cols).T) > 0


class TwinningError(ValueError):
    """Unknown city, a city with no needs, or contradictory constraints; the message is for a person."""


@dataclass(frozen=True)
class Constraints:
    exclude_same_country: bool = False
    require_shared_language: bool = False
    regions: tuple[str, ...] = ()

    def allows(self, a: City, b: City) -> bool:
        if a.city == b.city:
            return False
        if self.exclude_same_country and a.country == b.country:
            return False
        if self.require_shared_language and not set(a.languages) & set(b.languages):
            return False
        if self.regions and b.region not in self.regions:
            return False
        return True


def context_score(a: City, b: City) -> tuple[float, dict[str, Any]]:
    """Weighted context term and its explanation: shared language, same region, population band."""
    parts = {
        "shared_language": bool(set(a.languages) & set(b.languages)),
        "same_region": a.region == b.region,
        "population_band": similar_size(a, b),
    }
    score = sum(CONTEXT_WEIGHTS[k] for k, v in parts.items() if v)
    shared = sorted(set(a.languages) & set(b.languages))
    why = []
    if parts["shared_language"]:
        why.append(_("shared working language ({languages})").format(languages=language_names(shared)))
    if parts["same_region"]:
        why.append(_("same region ({region})").format(region=region_label(a.region)))
    if parts["population_band"]:
        why.append(_("similar population (within {ratio}x)").format(ratio=number(POPULATION_BAND_RATIO, 0)))
    return score, {**parts, "weights": CONTEXT_WEIGHTS, "score": round(score, 4), "explanation": "; ".join(why) or _("little shared context")}


@dataclass
class Partner:
    city: str
    country: str
    region: str
    score: float
    helps_you: float
    you_help: float
    mutual: float
    context: dict[str, Any]
    drivers: list[dict[str, Any]] = field(default_factory=list)
    shared_themes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Twinning:
    """Scores between cities, built once per catalog version from a fitted matcher."""

    def __init__(self, catalog: Catalog, matcher: PracticeMatcher):
        self.catalog = catalog
        self.matcher = matcher
        self.cities = sorted(catalog.cities, key=lambda c: c.city)
        self.index = {c.city: i for i, c in enumerate(self.cities)}
        practices = matcher.practices_
        self.practice_city = np.array([self.index.get(p.city, -1) for p in practices])
        self.ev = np.array([EVIDENCE_WEIGHT[max(0, evidence_rank(p.evidence_level))] for p in practices])
        self.offers = {c.city: [i for i, p in enumerate(practices) if p.city == c.city] for c in self.cities}
        self.needs: dict[str, list[tuple[str, list[str]]]] = {
            c.city: [(it.statement, list(it.themes)) for it in catalog.intakes_of(c.city)] for c in self.cities
        }
        self._need_scores: dict[str, np.ndarray] = {}
        n = len(self.cities)
        self.helps = np.zeros((n, n))  # helps[a, b]: b's practices answer a's needs
        for a, city in enumerate(self.cities):
            if self.needs[city.city]:
                self.helps[a] = self._helps_row(self.need_matrix(city.city))

    def need_matrix(self, city: str) -> np.ndarray:
        """Scores (needs x practices), evidence-weighted."""
        if city not in self._need_scores:
            rows = [self.matcher.score(text) for text, _ in self.needs[city]]
            self._need_scores[city] = np.array(rows) * self.ev if rows else np.zeros((0, len(self.ev)))
        return self._need_scores[city]

    def _best_per_city(self, need_scores: np.ndarray) -> np.ndarray:
        """(needs x cities): each city's best practice score for each need."""
        best = np.zeros((need_scores.shape[0], len(self.cities)))
        for j in range(need_scores.shape[1]):
            c = self.practice_city[j]
            if c >= 0:
                best[:, c] = np.maximum(best[:, c], need_scores[:, j])
        return best

    def _helps_row(self, need_scores: np.ndarray) -> np.ndarray:
        if need_scores.shape[0] == 0:
            return np.zeros(len(self.cities))
        return self._best_per_city(need_scores).mean(axis=0)

    def city(self, name: str) -> City:
        c = self.catalog.find_city(name)
        if c is None:
            import difflib

            near = difflib.get_close_matches(name, list(self.index), n=2, cutoff=0.6)
            hint = _("; did you mean {names}?").format(names=" / ".join(near)) if near else ""
            raise TwinningError(_("unknown city {name}{hint}").format(name=repr(name), hint=hint))
        return c

    def partners(
        self,
        city: str | None = None,
        text: str | None = None,
        k: int = 5,
        mode: str = "peer",
        constraints: Constraints = Constraints(),
        statement: "Statement | None" = None,
    ) -> list[Partner]:
        """Ranked partner cities for a city (its stated challenges) or a typed statement.

        `statement` is a statement the matcher already analysed (the find page passes it, so it is not
        analysed again); `text` is analysed here."""
        if mode not in ("peer", "mentor"):
            raise TwinningError(f"mode must be 'peer' or 'mentor', not {mode!r}")
        if constraints.regions:
            from .schema import REGIONS

            bad = [r for r in constraints.regions if r not in REGIONS]
            if bad:
                raise TwinningError(f"unknown region {bad[0]!r}; use one of: {', '.join(REGIONS)}")
        me = self.city(city) if city else None
        if statement is None and text and clean(text):
            try:
                statement = self.matcher.analyse(text)
            except ValueError:
                statement = None
            if statement is None or not statement.has_challenge:
                raise TwinningError(_("nothing to match on in the typed needs: use words that describe your city's challenges"))
        if statement is not None and statement.has_challenge:
            needs = [(t, [h.theme_id for h in q.themes]) for t, q in zip(statement.part_texts, statement.parts)]
            need_scores = np.array([self.matcher.scores_and_columns(self.matcher.query_vector(q))[0] for q in statement.parts]) * self.ev
        elif me is not None:
            needs = self.needs[me.city]
            if not needs:
                raise TwinningError(_("{city} has no stated challenges in the catalog; type its needs to find partners").format(city=me.city))
            need_scores = self.need_matrix(me.city)
        else:
            raise TwinningError(_("give a city or a statement of needs"))
        best = self._best_per_city(need_scores)  # needs x cities
        helps_row = best.mean(axis=0)
        my_needs_themes = {t for _, ts in needs for t in ts}
        out: list[Partner] = []
        for b, other in enumerate(self.cities):
            if me is not None and not constraints.allows(me, other):
                continue
            if me is None and constraints.regions and other.region not in constraints.regions:
                continue
            if not self.offers[other.city] and not self.needs[other.city]:
                continue
            helps = float(helps_row[b])
            you_help = float(self.helps[b, self.index[me.city]]) if me is not None else 0.0
            mutual = 2 * helps * you_help / (helps + you_help) if helps + you_help > 0 else 0.0
            if me is not None:
                ctx, ctx_info = context_score(me, other)
            else:
                ctx, ctx_info = 0.0, {"score": 0.0, "explanation": "no city given, context not scored"}
            their_themes = {t for _, ts in self.needs[other.city] for t in ts} or {
                t for j in self.offers[other.city] for t in self.matcher.practices_[j].themes
            }
            shared = sorted(my_needs_themes & their_themes)
            shared_score = len(shared) / len(my_needs_themes | their_themes) if their_themes and my_needs_themes else 0.0
            relevant = [j for j in self.offers[other.city] if need_scores[:, j].max() >= RELEVANT] if need_scores.size else []
            experience = min(1.0, sum(self.ev[j] for j in relevant) / 3.0)
            if mode == "mentor":
                if helps <= 0:
                    continue
                mw = MENTOR_WEIGHTS
                score = mw["helps"] * helps + mw["experience"] * experience + mw["mutual"] * mutual + mw["context"] * ctx
            else:
                pw = PEER_WEIGHTS
                score = pw["shared"] * shared_score + pw["helps"] * helps + pw["mutual"] * mutual + pw["context"] * ctx
            if score <= 0:
                continue
            drivers = []
            for n_i, (need_text, need_themes) in enumerate(needs):
                cols = self.offers[other.city]
                if not cols:
                    continue
                j = max(cols, key=lambda c: (need_scores[n_i, c], -c))
                if need_scores[n_i, j] <= 0:
                    continue
                p = self.matcher.practices_[j]
                drivers.append({
                    "need": need_text,
                    "practice_id": p.id,
                    "title": p.title,
                    "score": round(float(need_scores[n_i, j]), 4),
                    "themes": [t for t in p.themes if t in need_themes] or list(p.themes),
                    "evidence_level": p.evidence_level,
                })
            reasons = []
            if drivers:
                covered = len({d["need"] for d in drivers if d["score"] >= RELEVANT})
                reasons.append(ngettext("its practices answer {covered} of your {n} stated need",
                                        "its practices answer {covered} of your {n} stated needs", len(needs)).format(covered=covered, n=len(needs)))
            if you_help > 0:
                reasons.append(_("your practices answer some of its stated needs: a two-way link"))
            if shared:
                reasons.append(_("shared challenges: {themes}").format(themes=", ".join(self.matcher.taxonomy.label(t, language()) for t in shared)))
            if mode == "mentor" and relevant:
                reasons.append(ngettext("{n} relevant practice of its own", "{n} relevant practices of its own", len(relevant)).format(n=len(relevant)))
            reasons.append(_("context: {why}").format(why=ctx_info["explanation"]))
            out.append(Partner(other.city, other.country, other.region, round(float(score), 6), round(helps, 6), round(you_help, 6), round(mutual, 6), ctx_info, drivers, shared, reasons))
        out.sort(key=lambda p: (-p.score, p.city))
        return out[: max(1, int(k))]

    def context_partners(self, city: str, k: int = 5, constraints: Constraints = Constraints()) -> list[Partner]:
        """For a city with no stated challenges: cities that share its context (language, region, size) and
        have documented practices, best context first. Nothing is said about needs, because none are stated."""
        me = self.city(city)
        out: list[Partner] = []
        for other in self.cities:
            if other.city == me.city or not constraints.allows(me, other) or not self.offers[other.city]:
                continue
            if constraints.regions and other.region not in constraints.regions:
                continue
            ctx, info = context_score(me, other)
            if ctx <= 0:
                continue
            n = len(self.offers[other.city])
            reasons = [_("context only ({city} has no stated challenges yet): {why}").format(city=me.city, why=info["explanation"]),
                       ngettext("{n} documented practice", "{n} documented practices", n).format(n=n)]
            out.append(Partner(other.city, other.country, other.region, round(float(ctx), 6), 0.0, 0.0, 0.0, info, [], [], reasons))
        out.sort(key=lambda p: (-p.score, -len(self.offers[p.city]), p.city))
        return out[: max(1, int(k))]

    # ---- network pairing ---------------------------------------------------------------
    def _select(self, cities: Sequence[str] | None, regions: Sequence[str], include_groups: bool = False) -> list[City]:
        if cities:
            chosen = [self.city(c) for c in cities]
            if regions:
                outside = [c.city for c in chosen if c.region not in regions]
                if outside:
                    raise TwinningError(_("contradictory constraints: {cities} is not in region {regions}").format(cities=", ".join(outside), regions=", ".join(regions)))
        else:
            chosen = [c for c in self.cities if (not regions or c.region in regions) and (include_groups or c.kind in PAIRABLE_KINDS)]
        chosen = sorted({c.city: c for c in chosen}.values(), key=lambda c: c.city)
        if len(chosen) < 2:
            raise TwinningError(_("pairing needs at least two cities; widen the region or list more cities"))
        return chosen

    # Weights for many cities at once, in numpy: the Python loop cost ~100 s for 1,000 cities.
    def _context_matrix(self, rows: list[City], cols: list[City]) -> np.ndarray:
        def arrays(cs: list[City]):
            pop = np.array([math.log10(c.population) if c.population else np.nan for c in cs])
            return np.array([c.region for c in cs], dtype=object), pop

        ra, pa = arrays(rows)
        rb, pb = arrays(cols)
        shared = shared_language_matrix(rows, cols)
        region = ra[:, None] == rb[None, :]
        with np.errstate(invalid="ignore"):
            band = np.abs(pa[:, None] - pb[None, :]) <= LOG_POPULATION_BAND  # NaN (unknown) compares False
        w = CONTEXT_WEIGHTS
        return w["shared_language"] * shared + w["same_region"] * region + w["population_band"] * band

    def _allowed_matrix(self, rows: list[City], cols: list[City], cons: Constraints) -> np.ndarray:
        allowed = np.array([a.city for a in rows], dtype=object)[:, None] != np.array([b.city for b in cols], dtype=object)[None, :]
        if cons.exclude_same_country:
            allowed &= np.array([a.country for a in rows], dtype=object)[:, None] != np.array([b.country for b in cols], dtype=object)[None, :]
        if cons.require_shared_language:
            allowed &= shared_language_matrix(rows, cols)
        return allowed

    def weight_matrix(self, chosen: list[City], cons: Constraints = Constraints()) -> np.ndarray:
        """Symmetric peer weights: what each offers the other (and both ways), plus context; 0 where not allowed."""
        idx = np.array([self.index[c.city] for c in chosen])
        h = self.helps[np.ix_(idx, idx)]
        total = h + h.T
        with np.errstate(invalid="ignore", divide="ignore"):
            mutual = np.where(total > 0, 2 * h * h.T / total, 0.0)
        ctx = self._context_matrix(chosen, chosen)
        pw = PEER_PAIR_WEIGHTS
        w = pw["exchange"] * total / 2 + pw["mutual"] * mutual + pw["context"] * ctx * (total > 0)
        allowed = self._allowed_matrix(chosen, chosen, cons)
        allowed &= allowed.T
        return np.where(allowed, np.round(w, 9), 0.0)

    def pairs(
        self,
        cities: Sequence[str] | None = None,
        constraints: Constraints = Constraints(),
        mentor_capacity: int | None = None,
        candidates_per_city: int = 25,
        include_groups: bool = False,
    ) -> dict[str, Any]:
        """Optimal pairing of a set of cities. Peer: max-weight matching. Mentor: min-cost flow.

        Each city keeps its `candidates_per_city` best possible partners as candidate edges; the result
        is optimal over those edges (exact whenever a set has at most candidates_per_city + 1 cities).
        Groups of places and unnamed places take part only with `include_groups` (or when listed by name).
        Every pair carries a one-line reason; every unpaired city says what kept it out.
        """
        if mentor_capacity is not None and mentor_capacity < 1:
            raise TwinningError("--mentor-capacity must be at least 1")
        chosen = self._select(cities, constraints.regions, include_groups)
        pair_constraints = Constraints(constraints.exclude_same_country, constraints.require_shared_language, ())
        if mentor_capacity is None:
            result = self._peer_pairs(chosen, pair_constraints, candidates_per_city)
            a_key, b_key = "city_a", "city_b"
        else:
            result = self._mentor_pairs(chosen, pair_constraints, mentor_capacity, candidates_per_city)
            a_key, b_key = "mentee", "mentor"
        for row in result["pairs"]:
            row["reason"] = self.pair_reason(self.city(row[a_key]), self.city(row[b_key]))
        return result

    def covered_needs(self, needing: City, offering: City) -> list[str]:
        """Theme labels of `needing`'s stated needs that `offering`'s practices answer (best score >= RELEVANT)."""
        needs = self.needs[needing.city]
        cols = self.offers[offering.city]
        if not needs or not cols:
            return []
        scores = self.need_matrix(needing.city)[:, cols].max(axis=1)
        labels: list[str] = []
        for (text, themes), s in zip(needs, scores):
            if s >= RELEVANT:
                for t in themes[:1] or ["(no theme)"]:
                    label = self.matcher.taxonomy.label(t, language()) if t != "(no theme)" else text[:60]
                    if label not in labels:
                        labels.append(label)
        return labels

    def pair_reason(self, a: City, b: City) -> str:
        """One line: what each side's practices answer of the other's needs, and the context they share."""
        parts = []
        ab, ba = self.covered_needs(a, b), self.covered_needs(b, a)
        if ab:
            parts.append(_("{offering} has practices for {needing}'s needs ({needs})").format(offering=b.city, needing=a.city, needs=", ".join(ab[:3])))
        if ba:
            parts.append(_("{offering} has practices for {needing}'s needs ({needs})").format(offering=a.city, needing=b.city, needs=", ".join(ba[:3])))
        context, ctx = context_score(a, b)
        if context > 0:
            parts.append(ctx["explanation"])
        return "; ".join(parts) or _("weak link: little to exchange under these settings")

    @staticmethod
    def _candidate_edges(w: np.ndarray, k: int, symmetric: bool) -> list[tuple[int, int]]:
        """Each row's k heaviest positive cells (ties: lower index first)."""
        out = set()
        for i in range(w.shape[0]):
            row = w[i]
            pos = np.flatnonzero(row > 0)
            if pos.size > k:
                pos = pos[np.lexsort((pos, -row[pos]))][:k]
            for j in pos:
                out.add((min(i, int(j)), max(i, int(j))) if symmetric else (i, int(j)))
        return sorted(out)

    def _peer_pairs(self, chosen: list[City], cons: Constraints, k: int) -> dict[str, Any]:
        w = self.weight_matrix(chosen, cons)
        names = [c.city for c in chosen]
        edges = [(names[i], names[j], float(w[i, j])) for i, j in self._candidate_edges(w, k, symmetric=True)]
        import networkx as nx  # imported on pairing only: 0.1 s that a search does not need

        g = nx.Graph()
        g.add_nodes_from(names)
        g.add_weighted_edges_from(edges)
        matching = nx.max_weight_matching(g, maxcardinality=False)
        pairs = sorted((tuple(sorted(e)) for e in matching))
        weight = {(a, b): wt for a, b, wt in edges}
        rows = [{"city_a": a, "city_b": b, "weight": weight.get((a, b), weight.get((b, a), 0.0))} for a, b in pairs]
        rows.sort(key=lambda r: (-r["weight"], r["city_a"]))
        greedy = _greedy(edges, capacity=None)
        paired = {c for r in rows for c in (r["city_a"], r["city_b"])}
        with_edges = {c for e in edges for c in e[:2]}
        unpaired = [{"city": c, "reason": self._unpaired_reason(self.city(c), c in with_edges, cons)} for c in names if c not in paired]
        total = sum(r["weight"] for r in rows)
        return {"mode": "peer", "pairs": rows, "unpaired": unpaired, "total_weight": round(total, 6), "greedy_weight": round(greedy, 6), "cities": names}

    def _unpaired_reason(self, c: City, had_partner: bool, cons: Constraints) -> str:
        """What kept a city out of a peer pairing, and what would bring it in."""
        if had_partner:
            return _("its possible partners were each paired with a better match; pair it by hand or pair a smaller group")
        if not self.needs[c.city] and not self.offers[c.city]:
            return _("no stated challenges and no documented practices yet: record its challenges or add its practices")
        if not self.needs[c.city]:
            return _("no stated challenges (record them in the Catalog page); its practices answer no other city's needs here")
        if cons.exclude_same_country and cons.require_shared_language:
            return _("no partner with practices for its needs under 'only across countries' and 'shared working language': try without these settings")
        if cons.exclude_same_country:
            return _("no partner with practices for its needs under 'only across countries': try without that setting")
        if cons.require_shared_language:
            return _("no partner with practices for its needs under 'shared working language': try without that setting")
        return _("no city in this group has practices that answer its stated needs: widen the region")

    def _mentor_pairs(self, chosen: list[City], cons: Constraints, capacity: int, k: int) -> dict[str, Any]:
        mentees = [c for c in chosen if self.needs[c.city]]
        mentors = [c for c in chosen if self.offers[c.city]]
        edges: list[tuple[str, str, float]] = []
        if mentees and mentors:
            h = self.helps[np.ix_([self.index[c.city] for c in mentees], [self.index[c.city] for c in mentors])]
            ctx = self._context_matrix(mentees, mentors)
            mw = MENTOR_PAIR_WEIGHTS
            # Context counts only as far as the mentor has something to offer: full weight from h >= 1/CONTEXT_RAMP.
            w = np.round(mw["helps"] * h + mw["context"] * ctx * np.minimum(1.0, CONTEXT_RAMP * h), 9)
            w = np.where(self._allowed_matrix(mentees, mentors, cons) & (h > 0), w, 0.0)
            edges = [(mentees[i].city, mentors[j].city, float(w[i, j])) for i, j in self._candidate_edges(w, k, symmetric=False)]
        import networkx as nx

        g = nx.DiGraph()
        for m in mentees:
            g.add_edge("SOURCE", "mentee:" + m.city, capacity=1, weight=0)
            # a mentee may stay unpaired at zero gain, so the flow never forces a bad link
            g.add_edge("mentee:" + m.city, "SINK", capacity=1, weight=0)
        for t in sorted({e[1] for e in edges}):
            g.add_edge("mentor:" + t, "SINK", capacity=capacity, weight=0)
        for m, t, wt in edges:
            g.add_edge("mentee:" + m, "mentor:" + t, capacity=1, weight=-int(round(wt * 1_000_000)))
        flow = nx.max_flow_min_cost(g, "SOURCE", "SINK") if mentees else {}
        weight = {(m, t): wt for m, t, wt in edges}
        rows = []
        for m in mentees:
            for node, f in flow.get("mentee:" + m.city, {}).items():
                if f and node.startswith("mentor:"):
                    t = node[len("mentor:"):]
                    rows.append({"mentee": m.city, "mentor": t, "weight": weight[(m.city, t)]})
        rows.sort(key=lambda r: (-r["weight"], r["mentee"]))
        paired = {r["mentee"] for r in rows}
        with_edges = {e[0] for e in edges}
        unpaired = []
        for c in chosen:
            if c.city in paired:
                continue
            if not self.needs[c.city]:
                reason = "no stated challenges, so it is not a mentee (it can still mentor)"
            elif c.city not in with_edges:
                reason = "no allowed mentor has practices that answer its needs"
            else:
                reason = "its possible mentors are at capacity"
            unpaired.append({"city": c.city, "reason": reason})
        greedy = _greedy(edges, capacity=capacity)
        total = sum(r["weight"] for r in rows)
        return {"mode": "mentor", "mentor_capacity": capacity, "pairs": rows, "unpaired": unpaired, "total_weight": round(total, 6), "greedy_weight": round(greedy, 6), "cities": [c.city for c in chosen]}

    # ---- gap report ----------------------------------------------------------------------
    def gaps(self) -> list[dict[str, Any]]:
        return gap_report(self.catalog)


def _greedy(edges: list[tuple[str, str, float]], capacity: int | None) -> float:
    """Heaviest-edge-first pairing of the same input, to show what optimisation adds."""
    total, used, load = 0.0, set(), {}
    for a, b, w in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        if capacity is None:
            if a in used or b in used:
                continue
            used |= {a, b}
        else:
            if a in used or load.get(b, 0) >= capacity:
                continue
            used.add(a)
            load[b] = load.get(b, 0) + 1
        total += w
    return total


def gap_report(catalog: Catalog) -> list[dict[str, Any]]:
    """Themes cities state as needs that few practices cover, or cover with weak evidence; most urgent first."""
    tax = catalog.taxonomy
    demand: dict[str, set[str]] = {}
    for it in catalog.intakes:
        for t in it.themes:
            demand.setdefault(t, set()).add(it.city)
    rows = []
    for t in (tax.ids if tax else sorted(demand)):
        cities = demand.get(t, set())
        ps = [p for p in catalog.active_practices if t in p.themes]
        strong = [p for p in ps if evidence_rank(p.evidence_level) >= 2]
        supply = sum(EVIDENCE_WEIGHT[max(0, evidence_rank(p.evidence_level))] for p in ps)
        gap = len(cities) / (1.0 + supply) if cities else 0.0
        rows.append({
            "theme": t,
            "label": tax.label(t, language()) if tax else t,
            "language": language(),
            "cities_stating": len(cities),
            "practices": len(ps),
            "well_evidenced_practices": len(strong),
            "results_reported_or_better": with_results(ps),
            "needs_checking": sum(needs_checking(p) for p in ps),
            "gap_score": round(gap, 4),
            "note": _("no practice covers it") if not ps else (_("only weak evidence") if not strong else ""),
        })
    rows.sort(key=lambda r: (-r["gap_score"], -r["cities_stating"], r["theme"]))
    return rows


def coverage_at_k(twinning: Twinning, k: int = 3, method: str = "matcher", seed: int = 0) -> float:
    """Mean share of a city's stated need-themes covered by the practices of its top-k partners."""
    rng = random.Random(seed)
    shares = []
    for c in twinning.cities:
        needs = {t for _, ts in twinning.needs[c.city] for t in ts}
        if not needs:
            continue
        if method == "matcher":
            chosen = [p.city for p in twinning.partners(city=c.city, k=k, mode="mentor")]
        else:
            others = [o for o in twinning.cities if o.city != c.city and twinning.offers[o.city]]
            if method == "random":
                chosen = [o.city for o in rng.sample(others, min(k, len(others)))]
            elif method == "nearest":
                if c.lat is None:
                    continue
                located = [o for o in others if o.lat is not None]
                chosen = [o.city for o in sorted(located, key=lambda o: (_km(c, o), o.city))[:k]]
            else:
                raise ValueError(method)
        covered = {t for name in chosen for j in twinning.offers[name] for t in twinning.matcher.practices_[j].themes}
        shares.append(len(needs & covered) / len(needs))
    return float(np.mean(shares)) if shares else 0.0


def _km(a: City, b: City) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371 * 2 * math.asin(min(1.0, math.sqrt(h)))
