"""An analysed piece of text: its stems, surface words and themes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .taxonomy import ThemeHit


@dataclass(frozen=True)
class Query:
    """An analysed statement: its tokens, surface words and detected themes."""

    text: str
    language: str
    tokens: tuple[str, ...]
    surface: Mapping[str, str]
    themes: tuple[ThemeHit, ...]
    phrase_tokens: tuple[str, ...] = ()
    # Themes the statement's words lean towards without naming them: (theme id, affinity), weaker than `themes`.
    soft_themes: tuple[tuple[str, float], ...] = ()
    # Themes named once and only by a group word ("families", "police"): weighed like a soft theme.
    hints: tuple[ThemeHit, ...] = ()
    # English stems of a French or Arabic statement's words, through the lexicon.
    translated: tuple[str, ...] = ()
    # English stem -> the official's own word(s) it came from, to explain matches in their words.
    translated_from: Mapping[str, str] = field(default_factory=dict)


__all__ = ["Query"]
