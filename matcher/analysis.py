"""An analysed statement: everything later stages need, computed once.

analyse -> score (each signal) -> fuse -> filter and rank -> explain. The statement is cut into its
challenge lines, its constraints (lines about the city's means) are taken out of retrieval, each
line is analysed for words and themes, and the meaning vectors are encoded in one batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constraints import Constraint
from .query import Query
from .taxonomy import ThemeHit


@dataclass(frozen=True)
class Statement:
    text: str  # as typed (cut to the maximum length)
    truncated: bool
    language: str
    challenge_text: str  # the text with its constraint clauses taken out: what retrieval sees
    whole: Query  # the challenge text as one query
    parts: tuple[Query, ...]  # one query per challenge line; (whole,) for a one-line statement
    part_texts: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    vectors: np.ndarray | None = None  # meaning vectors: row 0 the whole text, then one row per line (if several)

    def as_one_line(self) -> "Statement":
        """The same statement scored as a single challenge (no per-line scoring)."""
        if len(self.parts) == 1:
            return self
        vectors = None if self.vectors is None else self.vectors[:1]
        return Statement(self.text, self.truncated, self.language, self.challenge_text, self.whole, (self.whole,),
                         (self.challenge_text,), self.constraints, vectors)

    @property
    def has_challenge(self) -> bool:
        return bool(self.whole.tokens)

    def themes(self) -> list[ThemeHit]:
        return list(self.whole.themes)


__all__ = ["Statement"]
