"""Fusing signals into one score, as plain functions chosen by name.

`weighted_sum` (the default) adds each signal's calibrated score times its weight. It was chosen over
reciprocal-rank fusion on the dev judgments (see README, Evaluation): it scored higher there, and it
keeps the score a sum of named parts, so an explanation still adds up to the score. `rrf` stays for
comparison in `evaluate`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .signals import SignalScores

RRF_K = 60  # the constant of Cormack et al. (2009)


@dataclass(frozen=True)
class Fused:
    score: np.ndarray  # (practices,) in [0, 1]
    best_part: np.ndarray  # (practices,) index of the challenge line each practice answers best
    # signal name -> (practices,) its share of `score`; the shares add up to `score`.
    shares: dict[str, np.ndarray]
    weights: dict[str, float]  # the weights used, renormalised over the signals present
    whole_weight: float  # the whole statement's weight against its best line (1 for a one-line statement)
    line_scores: np.ndarray | None = None  # (practices, lines): the fused score of each challenge line alone


def weighted_sum(signals: Mapping[str, SignalScores], weights: Mapping[str, float], whole_weight: float) -> Fused:
    """score = sum_s w_s * (a * whole_s + (1 - a) * part_s[best line]); weights are renormalised to sum to 1
    over the signals present (so the words signal alone keeps its own scale when meaning is off)."""
    present = {name: s for name, s in signals.items() if s is not None and weights.get(name, 0) > 0}
    total = sum(weights[n] for n in present) or 1.0
    w = {n: weights[n] / total for n in present}
    first = next(iter(present.values()))
    n_parts = first.parts.shape[1]
    fused_parts = sum(w[n] * s.parts for n, s in present.items())
    best = fused_parts.argmax(axis=1) if n_parts > 1 else np.zeros(first.whole.shape[0], dtype=int)
    rows = np.arange(first.whole.shape[0])
    a = whole_weight if n_parts > 1 else 1.0
    shares = {n: w[n] * (a * s.whole + (1 - a) * s.parts[rows, best]) for n, s in present.items()}
    return Fused(sum(shares.values()), best, shares, w, a, fused_parts)


def rrf(signals: Mapping[str, SignalScores], weights: Mapping[str, float], whole_weight: float) -> Fused:
    """Reciprocal-rank fusion of the whole-statement rankings (no explanation by parts: one 'rank' share)."""
    present = {name: s for name, s in signals.items() if s is not None and weights.get(name, 0) > 0}
    n = next(iter(present.values())).whole.shape[0]
    total = np.zeros(n)
    for s in present.values():
        ranks = np.empty(n)
        ranks[np.argsort(-s.whole, kind="stable")] = np.arange(1, n + 1)
        total += 1.0 / (RRF_K + ranks)
    return Fused(total, np.zeros(n, dtype=int), {"rank": total}, {n_: 1.0 for n_ in present}, 1.0, total[:, None])


FUSIONS: dict[str, Callable[..., Fused]] = {"weighted_sum": weighted_sum, "rrf": rrf}

__all__ = ["FUSIONS", "Fused", "rrf", "weighted_sum"]
