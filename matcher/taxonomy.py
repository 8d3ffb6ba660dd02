"""Themes with multilingual labels and synonyms, and the phrase matcher that detects them in any text.

Detection is what lets a French or Arabic statement reach a practice written in English: both sides
are mapped onto the same language-free theme ids.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path


import numpy as np
import scipy.sparse as sp

from .lexicon import Lexicon, load_yaml
from .text import analyse, analyse_phrase, detect_language, french_verb_variants, is_arabic

DEFAULT_TAXONOMY = Path(__file__).resolve().parent.parent / "data" / "taxonomy.yaml"


@dataclass(frozen=True)
class Theme:
    id: str
    definition: str
    label: dict[str, str]
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    # Words naming who is concerned (families, youth, police) rather than the problem: alone they only hint.
    groups: dict[str, list[str]] = field(default_factory=dict)

    def label_in(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or self.id

    def phrases(self) -> list[str]:
        out = [v for v in self.label.values() if v]
        for words in [*self.synonyms.values(), *self.groups.values()]:
            out.extend(w for w in words or [] if w)
        return out

    def group_phrases(self) -> list[str]:
        return [w for words in self.groups.values() for w in words or [] if w]


@dataclass(frozen=True)
class ThemeHit:
    theme_id: str
    label: str
    phrases: tuple[str, ...]
    count: int
    group_only: bool = False  # named only once, and only by a group word ("families"): a hint, not a topic


def tfidf_rows(docs: list[list[str]]) -> tuple[dict[str, int], np.ndarray, sp.csc_matrix]:
    """TF-IDF rows of token lists as scikit-learn's TfidfVectorizer(sublinear_tf=True) makes them (smooth idf,
    L2 rows, sorted vocabulary), in plain numpy: the theme profiles are tiny and scikit-learn's import is not."""
    vocabulary = {t: j for j, t in enumerate(sorted({t for d in docs for t in d}))}
    df = np.zeros(len(vocabulary))
    rows, cols, vals = [], [], []
    for i, d in enumerate(docs):
        counts: dict[int, int] = {}
        for t in d:
            counts[vocabulary[t]] = counts.get(vocabulary[t], 0) + 1
        for j, c in counts.items():
            rows.append(i); cols.append(j); vals.append(1.0 + np.log(c))
            df[j] += 1
    idf = np.log((1 + len(docs)) / (1 + df)) + 1.0
    m = sp.csr_matrix((np.asarray(vals) * idf[cols], (rows, cols)), shape=(len(docs), len(vocabulary)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m = sp.diags(1.0 / norms) @ m
    return vocabulary, idf, sp.csc_matrix(m)


class Taxonomy:
    """The theme vocabulary. Immutable once loaded; phrase indexes are built lazily and cached."""

    def __init__(self, themes: list[Theme], lexicon: "Lexicon | None" = None):
        ids = [t.id for t in themes]
        if len(set(ids)) != len(ids):
            raise ValueError("taxonomy has duplicate theme ids")
        self.themes = themes
        self.by_id = {t.id: t for t in themes}
        self.lexicon = lexicon

    @classmethod
    def load(cls, path: str | Path = DEFAULT_TAXONOMY) -> "Taxonomy":
        raw = load_yaml(path)
        themes = []
        for t in raw["themes"]:
            themes.append(
                Theme(
                    id=str(t["id"]),
                    definition=str(t.get("definition", "")),
                    label={k: str(v) for k, v in (t.get("label") or {}).items()},
                    synonyms={k: [str(s) for s in (v or [])] for k, v in (t.get("synonyms") or {}).items()},
                    groups={k: [str(s) for s in (v or [])] for k, v in (t.get("groups") or {}).items()},
                )
            )
        lexicon_path = Path(path).with_name("lexicon.yaml")
        return cls(themes, Lexicon.load(lexicon_path) if lexicon_path.exists() else None)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def label(self, theme_id: str, lang: str = "en") -> str:
        t = self.by_id.get(theme_id)
        return t.label_in(lang) if t else theme_id

    def nearest_ids(self, wrong: str, n: int = 3) -> list[str]:
        """Valid ids closest to a misspelt one, for validation messages."""
        close = difflib.get_close_matches(wrong, self.ids, n=n, cutoff=0.5)
        if not close:
            close = [i for i in self.ids if any(part and part in i for part in wrong.split("-") if len(part) > 3)][:n]
        return close

    def _build_index(self, latin_lang: str) -> dict[str, list[tuple[str, tuple[str, ...], str, frozenset[str], bool]]]:
        """First stem -> (theme id, phrase stems, phrase, set of the other stems, is a group word)."""
        index: dict[str, list[tuple[str, tuple[str, ...], str, frozenset[str], bool]]] = {}
        seen = set()

        def seq_of(phrase: str) -> tuple[str, ...]:
            return tuple(analyse_phrase(phrase, "ar" if is_arabic(phrase) else latin_lang, phrases=True))

        for theme in self.themes:
            groups = {seq_of(g) for g in theme.group_phrases()}
            for phrase in theme.phrases():
                seqs = [seq_of(phrase)]
                if latin_lang == "fr" and not is_arabic(phrase):
                    seqs += [seq_of(v) for v in french_verb_variants(phrase)]
                is_group = seqs[0] in groups
                for seq in seqs:
                    if not seq or (theme.id, seq) in seen:
                        continue
                    seen.add((theme.id, seq))
                    index.setdefault(seq[0], []).append((theme.id, seq, phrase, frozenset(seq[1:]), is_group))
        return index

    @cached_property
    def _index_en(self):
        return self._build_index("en")

    @cached_property
    def _index_fr(self):
        return self._build_index("fr")

    def index_for(self, lang: str):
        return self._index_fr if lang == "fr" else self._index_en

    @staticmethod
    def _in_window(tokens: list[str], i: int, seq: tuple[str, ...], slack: int = 1) -> bool:
        """Are seq[1:] found in order after position i, within len(seq) + slack tokens?"""
        j, pos, end = 1, i + 1, min(len(tokens), i + len(seq) + slack)
        while j < len(seq) and pos < end:
            if tokens[pos] == seq[j]:
                j += 1
            pos += 1
        return j == len(seq)

    def detect_tokens(self, tokens: list[str], lang: str) -> dict[str, tuple[list[str], int, bool]]:
        """Theme id -> (synonym phrases found, number of distinct start positions, named only once by a group
        word) in analysed tokens.

        Each distinct token's phrases are checked once; a multi-word phrase only when all its words occur.
        """
        index = self.index_for(lang)
        positions: dict[str, list[int]] = {}
        for i, tok in enumerate(tokens):
            positions.setdefault(tok, []).append(i)
        present = positions.keys()
        found: dict[str, tuple[list[str], set[int], list[bool]]] = {}
        for tok, where in positions.items():
            for theme_id, seq, phrase, rest, is_group in index.get(tok, ()):
                if rest and not rest <= present:
                    continue
                starts = where if not rest else [i for i in where if self._in_window(tokens, i, seq)]
                if starts:
                    phrases, hit, only_groups = found.setdefault(theme_id, ([], set(), [True]))
                    if phrase not in phrases:
                        phrases.append(phrase)
                    hit.update(starts)
                    only_groups[0] = only_groups[0] and is_group
        return {tid: (phrases, len(starts), only[0] and len(starts) < 2) for tid, (phrases, starts, only) in found.items()}

    def detect(self, text: str, lang: str | None = None, ui_lang: str | None = None) -> list[ThemeHit]:
        """Themes found in a text, most mentioned first, each with the phrases that triggered it."""
        lang = lang or detect_language(text)
        return self.hits(self.detect_tokens(analyse(text, lang, phrases=True), lang), ui_lang or lang)

    @cached_property
    def _order(self) -> dict[str, int]:
        return {tid: k for k, tid in enumerate(self.ids)}

    def hits(self, found: dict[str, tuple[list[str], int, bool]], label_lang: str) -> list[ThemeHit]:
        """`detect_tokens`' result as ThemeHits: named themes before hints, most mentioned first."""
        hits = [ThemeHit(tid, self.label(tid, label_lang), tuple(ph), n, g) for tid, (ph, n, g) in found.items()]
        hits.sort(key=lambda h: (h.group_only, -h.count, self._order[h.theme_id]))
        return hits

    def _profile_docs(self, lang: str) -> list[list[str]]:
        """One bag of stems per theme: its labels and synonyms in `lang` plus the English ones (a French or
        Arabic statement also carries English words through the lexicon)."""
        docs = []
        for theme in self.themes:
            bag: list[str] = []
            for src in {lang, "en"}:
                words = [theme.label.get(src, "")] + list(theme.synonyms.get(src) or [])
                for w in words:
                    if w:
                        bag.extend(analyse_phrase(w, "ar" if is_arabic(w) else src))
            docs.append(bag)
        return docs

    @cached_property
    def _profiles(self) -> dict[str, tuple[dict[str, int], np.ndarray, sp.csc_matrix]]:  # (vocabulary, idf, profiles)
        return {lang: tfidf_rows(self._profile_docs(lang)) for lang in ("en", "fr", "ar")}

    def affinity(self, stems: list[str], lang: str) -> np.ndarray:
        """Cosine of a statement's stems with each theme's word profile, in `ids` order.

        Phrase detection needs a synonym's words in order; this softer signal still sees a theme when an
        official words it differently ("les jeunes décrochent" shares "décroch" with "décrochage scolaire")."""
        vocabulary, idf, profiles = self._profiles.get(lang) or self._profiles["en"]
        counts: dict[int, int] = {}
        for s in stems:
            j = vocabulary.get(s)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(len(self.themes))
        # The same arithmetic as the profiles (sublinear tf x idf, L2).
        cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
        vals = (np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))) + 1.0) * idf[cols]
        vals /= np.linalg.norm(vals)
        return np.asarray(profiles[:, cols] @ vals).ravel()

    def suggest(self, text: str, k: int = 5) -> list[ThemeHit]:
        """Themes proposed for a new practice's text (the catalog editor shows these)."""
        return self.detect(text)[:k]
