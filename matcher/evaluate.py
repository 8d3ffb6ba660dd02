"""Ranking quality in numbers: nDCG@10, MRR@10 and Recall@10 against plain TF-IDF, BM25 and random.

Graded relevance of a practice to a statement = number of theme ids they share; gain = 2^rel - 1.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .catalog import DATA_DIR, Catalog
from .engine import PracticeMatcher
from .schema import Practice

EVAL_FILE = DATA_DIR / "eval" / "statements.jsonl"
K = 10


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


def practice_text(p: Practice) -> str:
    """The same text every system sees: title, summary, challenges, approach."""
    return " . ".join([p.title, p.summary, "; ".join(p.challenges_addressed), p.approach])


def relevance(p: Practice, themes: Sequence[str]) -> int:
    return len(set(p.themes) & set(themes))


def ndcg_at_k(ranked_rels: Sequence[int], all_rels: Sequence[int], k: int = K) -> float:
    dcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ranked_rels[:k]))
    ideal = sorted(all_rels, reverse=True)[:k]
    idcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def mrr_at_k(ranked_rels: Sequence[int], k: int = K) -> float:
    for i, r in enumerate(ranked_rels[:k]):
        if r > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall_at_k(ranked_rels: Sequence[int], all_rels: Sequence[int], k: int = K) -> float:
    total = sum(1 for r in all_rels if r > 0)
    return sum(1 for r in ranked_rels[:k] if r > 0) / total if total else 0.0


Ranker = Callable[[str], list[int]]


def _order(scores: np.ndarray, practices: Sequence[Practice]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (-scores[i], practices[i].id))


def matcher_ranker(matcher: PracticeMatcher) -> Ranker:
    ids = {p.id: i for i, p in enumerate(matcher.practices_)}

    def rank(text: str) -> list[int]:
        resp = matcher.recommend(text, k=K)
        return [ids[r.practice_id] for r in resp.results]

    return rank


def tfidf_ranker(practices: Sequence[Practice]) -> Ranker:
    vec = TfidfVectorizer()
    X = vec.fit_transform([practice_text(p) for p in practices])

    def rank(text: str) -> list[int]:
        return _order((X @ vec.transform([text]).T).toarray().ravel(), practices)[:K]

    return rank


def bm25_ranker(practices: Sequence[Practice]) -> Ranker:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([practice_text(p) for p in practices], stopwords="en", show_progress=False), show_progress=False)
    vocab = retriever.vocab_dict

    def rank(text: str) -> list[int]:
        toks = [t for t in re.findall(r"(?u)\b\w\w+\b", text.lower()) if t in vocab]
        scores = retriever.get_scores(toks) if toks else np.zeros(len(practices))
        return _order(np.asarray(scores), practices)[:K]

    return rank


def random_ranker(practices: Sequence[Practice], seed: int = 0) -> Ranker:
    rng = np.random.default_rng(seed)

    def rank(text: str) -> list[int]:
        return list(rng.permutation(len(practices))[:K])

    return rank


def evaluate_rankers(rankers: dict[str, Ranker], practices: Sequence[Practice], statements: Sequence[EvalStatement]) -> dict:
    report: dict = {}
    for name, rank in rankers.items():
        per: dict[str, list[tuple[float, float, float]]] = {}
        for s in statements:
            all_rels = [relevance(p, s.themes) for p in practices]
            ranked = [all_rels[i] for i in rank(s.statement)]
            m = (ndcg_at_k(ranked, all_rels), mrr_at_k(ranked), recall_at_k(ranked, all_rels))
            per.setdefault("all", []).append(m)
            per.setdefault(s.language, []).append(m)
        report[name] = {
            lang: {"ndcg@10": round(float(np.mean([x[0] for x in v])), 4), "mrr@10": round(float(np.mean([x[1] for x in v])), 4), "recall@10": round(float(np.mean([x[2] for x in v])), 4), "n": len(v)}
            for lang, v in per.items()
        }
    return report


def run(catalog: Catalog, split: str = "test", matcher: PracticeMatcher | None = None, path: Path = EVAL_FILE) -> dict:
    statements = load_statements(path, split)
    if not statements:
        raise ValueError(f"no evaluation statements in split {split!r}")
    practices = list(catalog.practices)
    matcher = matcher or PracticeMatcher(catalog.taxonomy).fit(practices, catalog.cities)
    rankers = {
        "matcher": matcher_ranker(matcher),
        "tfidf": tfidf_ranker(practices),
        "bm25": bm25_ranker(practices),
        "random": random_ranker(practices),
    }
    report = {"split": split, "statements": len(statements), "ranking": evaluate_rankers(rankers, practices, statements)}
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


def format_table(report: dict) -> str:
    lines = [f"split: {report['split']} ({report['statements']} statements)", ""]
    langs = ["all", "en", "fr", "ar"]
    lines.append(f"{'system':<10}" + "".join(f"{'nDCG@10 ' + l:>14}" for l in langs) + f"{'MRR@10':>10}{'Recall@10':>11}")
    for name, by_lang in report["ranking"].items():
        row = f"{name:<10}" + "".join(f"{by_lang.get(l, {}).get('ndcg@10', float('nan')):>14.3f}" for l in langs)
        row += f"{by_lang['all']['mrr@10']:>10.3f}{by_lang['all']['recall@10']:>11.3f}"
        lines.append(row)
    if "twinning" in report:
        cov = report["twinning"]["coverage@3"]
        lines.append("")
        lines.append("twinning coverage@3: " + ", ".join(f"{k} {v:.3f}" for k, v in cov.items()))
        p = report["twinning"]["pairing"]
        lines.append(f"pairing weight: optimal {p['total_weight']} vs greedy {p['greedy_weight']} ({p['cities']} cities with stated needs)")
    return "\n".join(lines)
