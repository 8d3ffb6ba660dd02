"""Who supports this work: funders and technical-assistance providers matched to a city's needs.

Records live in data/funders.jsonl (validated by the schema's `Funder`). A statement, analysed once by the
practice matcher, is matched to funders with the same two signals: the themes it names or leans towards
(shared with the funder's themes) and the meaning of its words (the same sentence encoder, on the funder's
summary). Funders outside the city's region or named countries are left out. A funder that frames the work
as security (counter-terrorism) is flagged: officials asked not to see their programmes securitised.
The tool lists funders; it does not endorse them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from pydantic import ValidationError

from .i18n import PROVISION_LABELS, N_, _, language
from .i18n import label as i18n_label
from .analysis import Statement
from .catalog import DATA_DIR
from .meaning import SHIPPED_VECTOR_DIR, VectorStore, default_vector_dir
from .schema import Funder
from .validate import Problem

FUNDERS_FILE = DATA_DIR / "funders.jsonl"
THEME_WEIGHT, MEANING_WEIGHT = 0.5, 0.5  # a funder's score: shared themes and closeness in meaning, equally
MIN_FUNDER_SCORE = 0.1
SECURITY_NOTE = N_("frames this work as security (counter-terrorism): check that its framing fits your programme, "
                   "which officials asked not to see securitised")


def load_funders(path: Path = FUNDERS_FILE, theme_ids: Sequence[str] = ()) -> tuple[list[Funder], list[Problem]]:
    """Every funder record that validates, and every problem with its row and field."""
    funders: list[Funder] = []
    problems: list[Problem] = []
    if not Path(path).exists():
        return funders, problems
    seen: dict[str, int] = {}
    known = set(theme_ids)
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            f = Funder.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(Problem(Path(path).name, n, "", _("not valid JSON ({error})").format(error=exc.msg)))
            continue
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(Path(path).name, n, ".".join(str(x) for x in err["loc"]) or "", err["msg"]))
            continue
        if f.id in seen:
            problems.append(Problem(Path(path).name, n, "id", _("{id} is used twice (first in row {row})").format(id=repr(f.id), row=seen[f.id])))
            continue
        unknown = [t for t in f.themes if known and t not in known]
        if unknown:
            problems.append(Problem(Path(path).name, n, "themes", _("unknown theme id(s): {ids}").format(ids=", ".join(unknown))))
            continue
        seen[f.id] = n
        funders.append(f)
    return funders, problems


@dataclass
class FunderMatch:
    id: str
    name: str
    kind: str
    score: float
    provides: list[str]
    themes: list[str]
    reason: str
    local_governments_apply_directly: bool | None
    how_to_apply: str
    apply_url: str | None
    typical_size: str
    framing: str
    notes: list[str] = field(default_factory=list)
    source_title: str = ""
    source_url: str | None = None
    last_verified: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def funder_text(f: Funder) -> str:
    return f"{f.name}. {f.summary} Provides: {', '.join(f.provides)}."


class FunderMatcher:
    """Matches an analysed statement to funders. Fitted once per funder list; never changed in place."""

    def __init__(self, *, matcher, min_score: float = MIN_FUNDER_SCORE):
        self.matcher = matcher  # the fitted practice matcher: its taxonomy, encoder and calibration
        self.min_score = min_score

    def fit(self, funders: Sequence[Funder]) -> "FunderMatcher":
        self.funders_ = tuple(funders)
        self.vectors_ = None
        enc = getattr(self.matcher, "encoder_", None)
        if enc is not None and self.funders_:
            store = VectorStore(default_vector_dir(), seed=SHIPPED_VECTOR_DIR)
            self.vectors_, _encoded = store.vectors(enc, [funder_text(f) for f in self.funders_])
        return self

    def match(self, st: Statement, region: str | None, country_code: str | None = None, k: int = 5,
              direct_only: bool = False) -> list[FunderMatch]:
        """Funders for an analysed statement, open to the region (and country), best first, each with a reason."""
        if not self.funders_ or not st.has_challenge:
            return []
        # Each challenge line is matched on its own, and a funder keeps its best line: a funder that answers one
        # stated need fully is worth showing, even when the statement names many others.
        lines = list(st.parts)
        meaning = np.zeros((len(self.funders_), len(lines)))
        if self.vectors_ is not None and st.vectors is not None:
            b = self.matcher.meaning_offset
            rows = st.vectors[1:] if st.vectors.shape[0] > 1 else st.vectors[:1]
            meaning = np.clip((self.vectors_ @ rows.T - b) / (1 - b), 0.0, 1.0)
        label = lambda t: self.matcher.taxonomy.label(t, language())  # noqa: E731
        out = []
        for i, f in enumerate(self.funders_):
            if region and not f.open_to(region, country_code):
                continue
            if direct_only and f.local_governments_apply_directly is not True:
                continue
            best, shared, best_line = -1.0, [], 0
            for j, q in enumerate(lines):
                named = {h.theme_id for h in q.themes}
                weak = {h.theme_id for h in q.hints} | {t for t, _ in q.soft_themes}
                line_shared = [t for t in f.themes if t in named] + [t for t in f.themes if t in weak and t not in named]
                theme_share = (sum(t in named for t in line_shared) + 0.5 * sum(t not in named for t in line_shared)) / max(1, len(named | weak))
                score = THEME_WEIGHT * min(1.0, theme_share) + MEANING_WEIGHT * float(meaning[i, j])
                if score > best:
                    best, shared, best_line = score, line_shared, j
            if best < self.min_score:
                continue
            what = ", ".join(i18n_label(PROVISION_LABELS, p) for p in f.provides)
            reason = (_("{provides} for {themes}").format(provides=what, themes=", ".join(label(t) for t in shared)) if shared
                      else _("{provides} for work close to what you describe").format(provides=what))
            apply = {True: _("local governments can apply directly"), False: _("local governments apply through a partner or national body"),
                     None: _("whether local governments can apply directly is not stated")}[f.local_governments_apply_directly]
            notes = [_(SECURITY_NOTE)] if f.framing == "security" else []
            out.append((best_line, FunderMatch(f.id, f.name, f.kind, round(best, 4), list(f.provides), shared, f"{reason}; {apply}",
                                               f.local_governments_apply_directly, f.how_to_apply, f.apply_url, f.typical_size, f.framing, notes,
                                               f.source_title, f.source_url, f.last_verified.isoformat())))
        return spread_over_lines(out, max(1, int(k)))


def spread_over_lines(scored: list[tuple[int, FunderMatch]], k: int) -> list[FunderMatch]:
    """The k best funders, taking first the best one for each challenge line (in line order), so a statement with
    several needs does not get funders for one need only; then the best of the rest."""
    ranked = sorted(scored, key=lambda lm: (-lm[1].score, lm[1].name))
    chosen: list[FunderMatch] = []
    for line in sorted({line for line, _ in ranked}):
        best = next(m for ln, m in ranked if ln == line)
        if best not in chosen and len(chosen) < k:
            chosen.append(best)
    for _line, m in ranked:
        if len(chosen) >= k:
            break
        if m not in chosen:
            chosen.append(m)
    return sorted(chosen, key=lambda m: (-m.score, m.name))


def stats(funders: Sequence[Funder]) -> dict[str, Any]:
    from collections import Counter

    return {
        "funders": len(funders),
        "by_kind": dict(sorted(Counter(f.kind for f in funders).items())),
        "by_region": dict(sorted(Counter(r for f in funders for r in f.regions).items())),
        "open_to_mena": sum(f.open_to("MENA", None) for f in funders),
        "local_governments_apply_directly": sum(f.local_governments_apply_directly is True for f in funders),
    }


__all__ = ["FUNDERS_FILE", "FunderMatch", "FunderMatcher", "SECURITY_NOTE", "load_funders", "stats"]


# ---- indicators that documented practices used ----------------------------------------------
INDICATORS_FILE = DATA_DIR / "indicators.jsonl"


@dataclass(frozen=True)
class Indicator:
    """An indicator a documented practice used to show its results, traceable to that practice and its source."""

    id: str
    indicator: str
    measured_how: str
    example: str
    themes: tuple[str, ...]
    kind: str  # outcome | output
    practice_id: str
    source_url: str | None


def load_indicators(path: Path = INDICATORS_FILE) -> list[Indicator]:
    if not Path(path).exists():
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append(Indicator(r["id"], r["indicator"], r["measured_how"], r["example"], tuple(r["themes"]), r["kind"], r["practice_id"], r.get("source_url")))
    return out


def indicator_problems(indicators: Sequence[Indicator], practices) -> list[str]:
    """Every indicator must point to a practice in the catalog, carry that practice's source, and speak to its themes."""
    by_id = {p.id: p for p in practices}
    problems = []
    for i in indicators:
        p = by_id.get(i.practice_id)
        if p is None:
            problems.append(f"{i.id}: practice {i.practice_id!r} is not in the catalog")
            continue
        if i.source_url != p.source_url:
            problems.append(f"{i.id}: source differs from its practice's source")
        if not set(i.themes) <= set(p.themes) or not i.themes:
            problems.append(f"{i.id}: themes {list(i.themes)} are not among its practice's themes")
        if i.kind not in ("outcome", "output"):
            problems.append(f"{i.id}: kind must be outcome or output")
    return problems


def indicators_for(theme: str, indicators: Sequence[Indicator]) -> list[Indicator]:
    """Indicators for a theme, outcomes before outputs."""
    return sorted((i for i in indicators if theme in i.themes), key=lambda i: (i.kind != "outcome", i.practice_id, i.id))
