"""Ranking quality as officials judge it: graded, blind relevance judgments (qrels).

Each (statement, practice) pair was judged 0 (not useful), 1 (partly relevant) or 2 (directly
addresses the core problem) by an assessor who saw only the statement and shuffled candidates
(data/eval/GUIDELINES.md). Unjudged pairs count as 0, and the share of unjudged pairs in each top 10
is reported beside the figures: a high share means the figure is a lower bound.

Theme overlap (the number of theme ids a practice shares with the statement's labels) stays as a
secondary column: it rewards broad theme matches and cannot see whether a practice solves the problem.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .catalog import DATA_DIR, Catalog
from .engine import PracticeMatcher
from .schema import Practice

EVAL_FILE = DATA_DIR / "eval" / "statements.jsonl"
QRELS_FILE = DATA_DIR / "eval" / "qrels.jsonl"
K = 10
DIRECT = 2  # the grade that counts as "directly relevant" for P@5, top-1 and MRR


@dataclass(frozen=True)
class EvalStatement:
    id: str
    language: str
    statement: str
    themes: tuple[str, ...]
    split: str


def load_statements(path: Path = EVAL_FILE, split: str | None = None) -> list[EvalStatement]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            s = EvalStatement(r["id"], r["language"], r["statement"], tuple(r["themes"]), r.get("split", "dev"))
            if split in (None, "all") or s.split == split:
                out.append(s)
    return out


def load_qrels(path: Path = QRELS_FILE) -> dict[str, dict[str, int]]:
    """statement id -> practice id -> grade. A pair judged twice keeps its first judgment (the second
    measures agreement; see `agreement`)."""
    out: dict[str, dict[str, int]] = {}
    if not Path(path).exists():
        return out
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.setdefault(r["statement_id"], {}).setdefault(r["practice_id"], int(r["grade"]))
    return out


def agreement(path: Path = QRELS_FILE) -> dict:
    """Quadratic-weighted Cohen's kappa between first and second judgments of the double-judged pairs."""
    seen: dict[tuple[str, str], list[int]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            seen.setdefault((r["statement_id"], r["practice_id"]), []).append(int(r["grade"]))
    pairs = [(g[0], g[1]) for g in seen.values() if len(g) >= 2]
    if not pairs:
        return {"pairs": 0, "kappa": None, "exact": None}
    return {"pairs": len(pairs), "kappa": round(weighted_kappa(pairs), 3), "exact": round(sum(a == b for a, b in pairs) / len(pairs), 3)}


def weighted_kappa(pairs: Sequence[tuple[int, int]], levels: int = 3) -> float:
    obs = np.zeros((levels, levels))
    for a, b in pairs:
        obs[a, b] += 1
    obs /= obs.sum()
    expected = np.outer(obs.sum(axis=1), obs.sum(axis=0))
    i, j = np.indices((levels, levels))
    w = (i - j) ** 2 / (levels - 1) ** 2
    denom = (w * expected).sum()
    return float(1 - (w * obs).sum() / denom) if denom else 1.0


def practice_text(p: Practice) -> str:
    """The same text every baseline sees: title, summary, challenges, approach."""
    return " . ".join([p.title, p.summary, "; ".join(p.challenges_addressed), p.approach])


def dcg(gains: Sequence[float], k: int) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))


def ndcg_at_k(ranked: Sequence[float], all_grades: Sequence[float], k: int = K) -> float:
    ideal = dcg(sorted(all_grades, reverse=True), k)
    return dcg(ranked, k) / ideal if ideal > 0 else 0.0


def metrics(ranked_ids: Sequence[str], judged: Mapping[str, int]) -> dict[str, float]:
    """Judged metrics of one ranking against one statement's judgments."""
    g = [judged.get(pid, 0) for pid in ranked_ids[:K]]
    all_g = list(judged.values())
    first_direct = next((i for i, x in enumerate(g) if x >= DIRECT), None)
    return {
        "ndcg@5": ndcg_at_k(g, all_g, 5),
        "ndcg@10": ndcg_at_k(g, all_g, 10),
        "p@5": sum(x >= DIRECT for x in g[:5]) / 5,
        "top1": float(bool(g) and g[0] >= DIRECT),
        "mrr": 1.0 / (first_direct + 1) if first_direct is not None else 0.0,
        "unjudged@10": sum(pid not in judged for pid in ranked_ids[:K]) / max(1, len(ranked_ids[:K])),
    }


def theme_ndcg(ranked_ids: Sequence[str], practices: Mapping[str, Practice], themes: Sequence[str]) -> float:
    rel = {pid: len(set(p.themes) & set(themes)) for pid, p in practices.items()}
    return ndcg_at_k([rel[p] for p in ranked_ids], list(rel.values()), K)


Ranker = Callable[[str], list[str]]


def _order(scores: np.ndarray, practices: Sequence[Practice], k: int = K) -> list[str]:
    idx = sorted(range(len(scores)), key=lambda i: (-scores[i], practices[i].id))[:k]
    return [practices[i].id for i in idx]


def matcher_ranker(matcher: PracticeMatcher) -> Ranker:
    """The matcher's ranking: its good matches, then the closest ones under the floor, up to K."""

    def rank(text: str) -> list[str]:
        resp = matcher.recommend(text, k=K)
        ids = [r.practice_id for r in resp.results]
        if len(ids) < K:  # the floor hides weaker practices from the user, not from the ranking measured
            st = matcher.analyse(text)
            if st.has_challenge:
                from .fusion import FUSIONS

                fused = FUSIONS[matcher.fusion](matcher.signal_scores(st), matcher.signal_weights_, matcher.whole_weight)
                ids += [pid for pid in _order(fused.score, matcher.practices_, 2 * K) if pid not in ids]
        return ids[:K]

    return rank


def tfidf_ranker(practices: Sequence[Practice]) -> Ranker:
    vec = TfidfVectorizer()
    X = vec.fit_transform([practice_text(p) for p in practices])

    def rank(text: str) -> list[str]:
        return _order((X @ vec.transform([text]).T).toarray().ravel(), practices)

    return rank


def bm25_ranker(practices: Sequence[Practice]) -> Ranker:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([practice_text(p) for p in practices], stopwords="en", show_progress=False), show_progress=False)
    vocab = retriever.vocab_dict

    def rank(text: str) -> list[str]:
        toks = [t for t in re.findall(r"(?u)\b\w\w+\b", text.lower()) if t in vocab]
        scores = retriever.get_scores(toks) if toks else np.zeros(len(practices))
        return _order(np.asarray(scores), practices)

    return rank


def variant(matcher: PracticeMatcher, **params) -> PracticeMatcher:
    """A copy of a fitted matcher's settings with some changed, fitted anew (the original is never touched)."""
    keys = list(PracticeMatcher.__init__.__code__.co_varnames[2 : PracticeMatcher.__init__.__code__.co_argcount + PracticeMatcher.__init__.__code__.co_kwonlyargcount])
    settings = {k: getattr(matcher, k) for k in keys if hasattr(matcher, k)}
    settings.update(params)
    return PracticeMatcher(matcher.taxonomy, **settings).fit(matcher.practices_, list(matcher.cities_.values()))


def systems(catalog: Catalog, matcher: PracticeMatcher | None = None) -> dict[str, Ranker]:
    practices = list(catalog.active_practices)
    matcher = matcher or PracticeMatcher(catalog.taxonomy).fit(practices, catalog.cities)
    out: dict[str, Ranker] = {"matcher": matcher_ranker(matcher)}
    if matcher.practice_vectors_ is not None:
        out["words+themes"] = matcher_ranker(variant(matcher, signal_weights={"words": 1.0, "meaning": 0.0}))
        out["meaning"] = matcher_ranker(variant(matcher, signal_weights={"words": 0.0, "meaning": 1.0}))
        out["rrf"] = matcher_ranker(variant(matcher, fusion="rrf"))
    out["tfidf"] = tfidf_ranker(practices)
    out["bm25"] = bm25_ranker(practices)
    return out


def evaluate_rankers(rankers: Mapping[str, Ranker], practices: Sequence[Practice], statements: Sequence[EvalStatement], qrels: Mapping[str, Mapping[str, int]]) -> dict:
    by_id = {p.id: p for p in practices}
    report: dict = {}
    for name, rank in rankers.items():
        per: dict[str, list[dict[str, float]]] = {}
        for s in statements:
            ids = rank(s.statement)
            m = metrics(ids, qrels.get(s.id, {}))
            m["themes_ndcg@10"] = theme_ndcg(ids, by_id, s.themes)
            per.setdefault("all", []).append(m)
            per.setdefault(s.language, []).append(m)
        report[name] = {lang: {**{key: round(float(np.mean([x[key] for x in v])), 4) for key in v[0]}, "n": len(v)} for lang, v in per.items()}
    return report


def run(catalog: Catalog, split: str = "test", matcher: PracticeMatcher | None = None, path: Path = EVAL_FILE, qrels_path: Path = QRELS_FILE) -> dict:
    statements = load_statements(path, split)
    if not statements:
        raise ValueError(f"no evaluation statements in split {split!r}")
    qrels = load_qrels(qrels_path)
    if not qrels:
        raise ValueError(f"no relevance judgments in {qrels_path}")
    judged = sum(len(qrels.get(s.id, {})) for s in statements)
    report = {
        "split": split,
        "statements": len(statements),
        "judged_pairs": judged,
        "agreement": agreement(qrels_path),
        "ranking": evaluate_rankers(systems(catalog, matcher), list(catalog.active_practices), statements, qrels),
    }
    return report


def twinning_report(catalog: Catalog, matcher: PracticeMatcher) -> dict:
    from .twinning import Constraints, Twinning, coverage_at_k

    tw = Twinning(catalog, matcher)
    cov = {
        "matcher": round(coverage_at_k(tw, 3, "matcher"), 4),
        "random": round(float(np.mean([coverage_at_k(tw, 3, "random", seed=s) for s in range(10)])), 4),
        "nearest": round(coverage_at_k(tw, 3, "nearest"), 4),
    }
    with_needs = [c.city for c in tw.cities if tw.needs[c.city]]
    pairing = tw.pairs(cities=with_needs, constraints=Constraints()) if len(with_needs) >= 2 else {}
    return {
        "coverage@3": cov,
        "pairing": {"total_weight": pairing.get("total_weight"), "greedy_weight": pairing.get("greedy_weight"), "cities": len(with_needs)},
    }


COLUMNS = [("ndcg@5", "nDCG@5"), ("ndcg@10", "nDCG@10"), ("p@5", "P@5(2)"), ("top1", "top-1 direct"), ("mrr", "MRR"), ("unjudged@10", "unjudged@10"), ("themes_ndcg@10", "themes nDCG@10")]


def format_table(report: dict) -> str:
    ag = report.get("agreement") or {}
    lines = [
        f"split: {report['split']} ({report['statements']} statements, {report['judged_pairs']} judged pairs; "
        f"agreement on {ag.get('pairs', 0)} double-judged pairs: weighted kappa {ag.get('kappa')}, exact {ag.get('exact')})",
        "",
        f"{'system':<14}" + "".join(f"{label:>15}" for _, label in COLUMNS) + "".join(f"{'nDCG@5 ' + l:>12}" for l in ("en", "fr", "ar")),
    ]
    for name, by_lang in report["ranking"].items():
        a = by_lang["all"]
        row = f"{name:<14}" + "".join(f"{a[key]:>15.3f}" for key, _ in COLUMNS)
        row += "".join(f"{by_lang.get(l, {}).get('ndcg@5', float('nan')):>12.3f}" for l in ("en", "fr", "ar"))
        lines.append(row)
    lines.append("")
    lines.append("P@5(2), top-1 direct and MRR count grade 2 (directly addresses the problem) as relevant; unjudged pairs count as 0.")
    if "twinning" in report:
        cov = report["twinning"]["coverage@3"]
        lines.append("")
        lines.append("twinning coverage@3: " + ", ".join(f"{k} {v:.3f}" for k, v in cov.items()))
        p = report["twinning"]["pairing"]
        lines.append(f"pairing weight: optimal {p['total_weight']} vs greedy {p['greedy_weight']} ({p['cities']} cities with stated needs)")
    return "\n".join(lines)
