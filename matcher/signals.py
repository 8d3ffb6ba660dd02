"""Scoring signals, each a plain function chosen by name (as bm25s chooses its scoring variants).

A signal takes the fitted matcher and an analysed statement and returns, for every practice, a
score in [0, 1] for the whole statement and for each of its challenge lines, plus whatever its
explanation needs. Adding a signal is adding one function here and a weight in the matcher.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - annotations only, no import at run time
    from .analysis import Statement


@dataclass(frozen=True)
class SignalScores:
    whole: np.ndarray  # (practices,)
    parts: np.ndarray  # (practices, challenge lines); the whole statement's column when there is one line
    detail: Any = None  # what the explanation of this signal needs


def words(matcher, st: "Statement") -> SignalScores:
    """Field-weighted TF-IDF over the statement's words, their English equivalents and its themes."""
    q_whole = matcher.query_vector(st.whole)
    s_whole, cols_whole = matcher.scores_and_columns(q_whole)
    if len(st.parts) > 1:
        q_parts = [matcher.query_vector(q) for q in st.parts]
        scored = [matcher.scores_and_columns(q) for q in q_parts]
        parts = np.column_stack([s for s, _ in scored])
        cols_parts = [c for _, c in scored]
    else:
        q_parts, parts, cols_parts = [q_whole], s_whole[:, None], [cols_whole]
    return SignalScores(s_whole, parts, (q_whole, cols_whole, q_parts, cols_parts))


def meaning(matcher, st: "Statement") -> SignalScores | None:
    """Cosine of multilingual sentence vectors, calibrated: similarity above `meaning_offset`, rescaled
    to [0, 1]. Unrelated texts sit around 0.1-0.2 cosine with this encoder; the offset removes that floor
    so a practice scores on meaning only when it is actually close."""
    if st.vectors is None or matcher.practice_vectors_ is None:
        return None
    cos = matcher.practice_vectors_ @ st.vectors.T  # (practices, 1 + lines)
    b = matcher.meaning_offset
    calibrated = np.clip((cos - b) / (1.0 - b), 0.0, 1.0)
    whole = calibrated[:, 0]
    parts = calibrated[:, 1:] if calibrated.shape[1] > 1 else whole[:, None]
    raw_parts = cos[:, 1:] if cos.shape[1] > 1 else cos[:, :1]
    return SignalScores(whole, parts, {"cosine_whole": cos[:, 0], "cosine_parts": raw_parts})


SIGNALS: dict[str, Callable[..., SignalScores | None]] = {"words": words, "meaning": meaning}

__all__ = ["SIGNALS", "SignalScores", "meaning", "words"]
