"""PracticeMatcher: a multilingual, field-weighted TF-IDF model over practices, with a theme layer.

Contract (as scikit-learn estimators): `__init__` stores parameters only; `fit` validates its input,
sets attributes ending in `_` and returns self. A fitted matcher is never mutated: to refit, build a
new one and swap it in.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .schema import City, Practice, evidence_rank
from .taxonomy import Taxonomy, ThemeHit
from .text import analyse, analyse_both, detect_language, split_challenges

THEME_PREFIX = "theme:"
MAX_STATEMENT_CHARS = 20_000
DEFAULT_FIELD_WEIGHTS: dict[str, float] = {
    "title": 1.0,
    "summary": 1.0,
    "challenges": 1.0,
    "approach": 0.5,
    "themes": 2.0,
    "text_themes": 0.7,
}
TEXT_FIELDS = ("title", "summary", "challenges", "approach")


class EmptyStatement(ValueError):
    """The statement is empty or only whitespace."""


class NothingToMatch(ValueError):
    """The statement has no words that carry meaning (only stop words, punctuation, digits...)."""


class TokenNgrams:
    """Analyzer over pre-analysed token lists: unigrams plus word n-grams. A class, not a lambda, so it pickles."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2)):
        self.ngram_range = ngram_range

    def __call__(self, tokens: Sequence[str]) -> list[str]:
        lo, hi = self.ngram_range
        out: list[str] = []
        for n in range(lo, hi + 1):
            if n == 1:
                out.extend(tokens)
            else:
                out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return out


class Identity:
    def __call__(self, tokens: Sequence[str]) -> list[str]:
        return list(tokens)


@dataclass(frozen=True)
class Filters:
    """What the official asked to see. `exclude_city`/`exclude_country` hide the asking city's own work."""

    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # names or ISO codes
    themes: tuple[str, ...] = ()
    min_evidence: str | None = None
    exclude_city: str | None = None
    exclude_country: str | None = None


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


@dataclass
class Recommendation:
    practice_id: str
    title: str
    city: str
    country: str
    region: str
    score: float
    themes: list[str]
    matched_themes: list[str]
    top_terms: list[dict[str, Any]]
    evidence_level: str
    challenge: str
    challenge_index: int
    fit_notes: list[str]
    summary: str
    source_title: str
    source_url: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RecommendResponse:
    results: list[Recommendation]
    language: str
    understood: list[ThemeHit]
    challenges: list[str]
    truncated: bool = False
    message: str = ""
    per_challenge_themes: list[list[str]] = field(default_factory=list)
    also_considered: list[ThemeHit] = field(default_factory=list)


class PracticeMatcher:
    """Suggests practices for a city's stated challenges and explains each suggestion."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        field_weights: Mapping[str, float] | None = None,
        ngram_range: tuple[int, int] = (1, 2),
        ngram_fields: tuple[str, ...] = ("title", "challenges"),
        sublinear_tf: bool = True,
        whole_weight: float = 0.8,
        expand_with_labels: bool = True,
        use_lexicon: bool = True,
        min_df: int = 1,
        soft_theme_weight: float = 0.4,
        soft_theme_threshold: float = 0.1,
        soft_theme_top: int = 2,
        group_word_weight: float = 0.6,
    ):
        self.taxonomy = taxonomy
        self.field_weights = field_weights
        self.ngram_range = ngram_range
        self.ngram_fields = ngram_fields
        self.sublinear_tf = sublinear_tf
        self.whole_weight = whole_weight
        self.expand_with_labels = expand_with_labels
        self.use_lexicon = use_lexicon
        self.min_df = min_df
        self.soft_theme_weight = soft_theme_weight
        self.soft_theme_threshold = soft_theme_threshold
        self.soft_theme_top = soft_theme_top
        self.group_word_weight = group_word_weight

    # ---- fitting -------------------------------------------------------------------------
    def _weights(self) -> dict[str, float]:
        w = dict(DEFAULT_FIELD_WEIGHTS)
        w.update(self.field_weights or {})
        unknown = set(w) - set(DEFAULT_FIELD_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown field weight(s): {', '.join(sorted(unknown))}")
        if any(v < 0 or not math.isfinite(v) for v in w.values()):
            raise ValueError("field weights must be finite and non-negative")
        for name in ("whole_weight", "soft_theme_weight", "soft_theme_threshold", "group_word_weight"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be a finite, non-negative number (got {v!r})")
        if self.whole_weight > 1:
            raise ValueError(f"whole_weight must be between 0 and 1 (got {self.whole_weight!r})")
        if not isinstance(self.soft_theme_top, int) or self.soft_theme_top < 0:
            raise ValueError(f"soft_theme_top must be a non-negative integer (got {self.soft_theme_top!r})")
        return w

    @staticmethod
    def _field_text(p: Practice, field: str) -> str:
        if field == "challenges":
            return " ; ".join(p.challenges_addressed + p.target_groups)
        return getattr(p, field)

    def fit(self, practices: Sequence[Practice], cities: Sequence[City] = ()) -> "PracticeMatcher":
        practices = [p if isinstance(p, Practice) else Practice.model_validate(p) for p in practices]
        if not practices:
            raise ValueError("cannot fit on an empty catalog")
        weights = self._weights()
        langs = [detect_language(p.summary) for p in practices]
        surface: dict[str, str] = {}
        found_themes: list[dict[str, int]] = [{} for _ in practices]

        def field_tokens(f: str):
            """Token lists of one field, made one practice at a time: the whole catalog's token lists
            are never held at once (at 100k practices that costs hundreds of MB)."""
            for i, p in enumerate(practices):
                pairs, phrase = analyse_both(self._field_text(p, f), langs[i])
                for s, word in pairs:
                    surface.setdefault(s, word)  # first surface form seen, to show stems as words
                for t, (_, n, _) in self.taxonomy.detect_tokens(phrase, langs[i]).items():
                    found_themes[i][t] = found_themes[i].get(t, 0) + n
                yield [s for s, _ in pairs]

        def theme_tokens(f: str):
            for i, p in enumerate(practices):
                if f == "themes":
                    yield [THEME_PREFIX + t for t in p.themes]
                else:
                    yield [THEME_PREFIX + t for t, n in found_themes[i].items() for _ in range(n)]

        vectorizers, blocks, terms = {}, [], {}
        for f in [*TEXT_FIELDS, "themes", "text_themes"]:
            w = weights[f]
            # Word n-grams only on the short fields: on summaries they multiply the vocabulary for no gain.
            if f in TEXT_FIELDS:
                analyzer = TokenNgrams(self.ngram_range if f in self.ngram_fields else (1, 1))
            else:
                analyzer = Identity()
            vec = TfidfVectorizer(analyzer=analyzer, sublinear_tf=self.sublinear_tf, min_df=self.min_df, norm="l2")
            try:
                X = vec.fit_transform(field_tokens(f) if f in TEXT_FIELDS else theme_tokens(f))
            except ValueError:  # an empty field across the whole catalog: keep a placeholder column
                X = vec.fit_transform([["__empty__"]] + [[] for _ in range(len(practices) - 1)])
            X.data *= w  # in place: no copy of the block
            vectorizers[f] = vec
            blocks.append(X.tocsc())  # column-major: a query reads only its own columns
            del X
            terms[f] = vec.get_feature_names_out()
        # Each block is L2-normalised; the weighted stack is re-normalised so scores stay cosines in [0, 1].
        # One CSC matrix only (no row-major copy): half the memory at 100k practices.
        matrix = sp.hstack(blocks, format="csc")
        del blocks
        row_norms = np.sqrt(np.bincount(matrix.indices, weights=matrix.data**2, minlength=matrix.shape[0]))
        row_norms[row_norms == 0] = 1.0
        matrix.data /= row_norms[matrix.indices]
        matrix.sort_indices()
        self.doc_matrix_ = matrix
        self.feature_terms_ = terms
        self.idf_ = {f: vec.idf_ for f, vec in vectorizers.items()}
        offsets, start = {}, 0
        for f, vec in vectorizers.items():
            offsets[f] = start
            start += len(vec.vocabulary_)
        self.block_offsets_ = offsets
        self.vectorizers_ = vectorizers
        self.weights_ = {f: weights[f] for f in vectorizers}
        self.practices_ = tuple(practices)
        self.id_rank_ = np.argsort(np.argsort(np.array([p.id for p in practices], dtype=object)))
        self.attrs_ = {
            "region": np.array([p.region for p in practices], dtype=object),
            "country": np.array([p.country for p in practices], dtype=object),
            "country_code": np.array([p.country_code for p in practices], dtype=object),
            "city": np.array([p.city for p in practices], dtype=object),
            "evidence": np.array([evidence_rank(p.evidence_level) for p in practices]),
        }
        self.theme_index_ = {t: j for j, t in enumerate(self.taxonomy.ids)}
        rows = [(i, self.theme_index_[t]) for i, p in enumerate(practices) for t in p.themes if t in self.theme_index_]
        self.theme_matrix_ = sp.csr_matrix(
            (np.ones(len(rows)), ([r for r, _ in rows], [c for _, c in rows])), shape=(len(practices), len(self.theme_index_))
        )
        self.cities_ = {c.city: c for c in cities}
        # Build the phrase indexes, theme profiles and lexicon now, not on the first French or Arabic query.
        self.taxonomy.index_for("fr")
        self.taxonomy.affinity([], "en")
        if self.use_lexicon and self.taxonomy.lexicon is not None:
            self.taxonomy.lexicon.translate([], "fr")
        self.surface_ = surface
        # English label words per theme, analysed once here rather than on every query.
        self.label_tokens_ = {t: tuple(analyse(self.taxonomy.label(t, "en"), "en")) for t in self.taxonomy.ids}
        return self

    def feature_name(self, j: int) -> tuple[str, str]:
        """(field, term) of a column of the document matrix."""
        fields = list(self.block_offsets_)
        starts = [self.block_offsets_[f] for f in fields]
        k = bisect.bisect_right(starts, j) - 1
        return fields[k], str(self.feature_terms_[fields[k]][j - starts[k]])

    def _check_fitted(self) -> None:
        if not hasattr(self, "doc_matrix_"):
            raise RuntimeError("this PracticeMatcher is not fitted yet; call fit(practices) first")

    # ---- queries -------------------------------------------------------------------------
    def analyse_query(self, text: str) -> Query:
        lang = detect_language(text)
        pairs, phrase_tokens = analyse_both(text, lang)
        tokens = tuple(s for s, _ in pairs)
        surface = {}
        for s, w in pairs:
            surface.setdefault(s, w)
        found = self.taxonomy.detect_tokens(phrase_tokens, lang)
        hits = self.taxonomy.hits(found, lang)
        named = tuple(h for h in hits if not h.group_only)
        hints = tuple(h for h in hits if h.group_only)
        translated = tuple(self._translated(phrase_tokens, lang))
        soft = self._soft_themes([*tokens, *translated], lang, found)
        return Query(text, lang, tokens, surface, named, tuple(phrase_tokens), soft, hints, translated)

    def _translated(self, phrase_tokens: Sequence[str], lang: str) -> list[str]:
        """English stems of a French or Arabic statement's words (empty for English or without a lexicon)."""
        if self.use_lexicon and self.taxonomy.lexicon is not None and lang in ("fr", "ar"):
            return self.taxonomy.lexicon.translate(list(phrase_tokens), lang)
        return []

    def _soft_themes(self, stems: Sequence[str], lang: str, found: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
        """The few themes, not already detected by a phrase, whose word profile is closest to the statement."""
        if self.soft_theme_weight <= 0 or self.soft_theme_top <= 0 or not stems:
            return ()
        affinity = self.taxonomy.affinity(list(stems), lang)
        ids = self.taxonomy.ids
        best = np.argsort(-affinity, kind="stable")[: self.soft_theme_top]
        return tuple((ids[j], float(affinity[j])) for j in best if affinity[j] > self.soft_theme_threshold and ids[j] not in found)

    def _query_vector(self, q: Query) -> sp.csr_matrix:
        # Theme term frequencies: (1 + log mentions) for a named theme; a soft theme weighs in with a fraction
        # of a mention (weight x affinity), a group-word hint with `group_word_weight`; both meet only the tags.
        named_tf = {THEME_PREFIX + h.theme_id: (1.0 + math.log(h.count)) if self.sublinear_tf else float(h.count) for h in q.themes if h.count > 0}
        soft_tf = {THEME_PREFIX + t: self.soft_theme_weight * a for t, a in q.soft_themes}
        soft_tf.update({THEME_PREFIX + h.theme_id: self.group_word_weight for h in q.hints})
        word_tokens = list(q.tokens)
        if self.expand_with_labels:
            # English label words of the detected themes let a French or Arabic statement meet English text.
            for h in q.themes:
                word_tokens.extend(self.label_tokens_.get(h.theme_id, ()))
        # The statement's own French or Arabic words, in English, meet the English practice text.
        word_tokens.extend(q.translated)
        # Same arithmetic as TfidfVectorizer.transform (sublinear tf x idf, L2 per block), without its
        # per-call validation overhead: a query touches a few dozen features.
        indices: list[int] = []
        values: list[float] = []
        for f, w in self.weights_.items():
            if w == 0:
                continue
            vec = self.vectorizers_[f]
            vocab, idf, offset = vec.vocabulary_, self.idf_[f], self.block_offsets_[f]
            weights: dict[int, float] = {}
            if f in TEXT_FIELDS:
                counts: dict[int, int] = {}
                for term in vec.analyzer(word_tokens):
                    j = vocab.get(term)
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
                weights = {j: ((math.log(c) + 1.0) if self.sublinear_tf else float(c)) for j, c in counts.items()}
            else:
                for term, tf in [*(soft_tf.items() if f == "themes" else ()), *named_tf.items()]:
                    j = vocab.get(term)
                    if j is not None:
                        weights[j] = tf
            if not weights:
                continue
            cols = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
            vals = np.fromiter(weights.values(), dtype=np.float64, count=len(weights)) * idf[cols]
            vals *= w / np.linalg.norm(vals)
            indices.extend((cols + offset).tolist())
            values.extend(vals.tolist())
        data = np.asarray(values, dtype=np.float64)
        norm = np.linalg.norm(data)
        if norm > 0:
            data /= norm
        order = np.argsort(indices, kind="stable")
        idx = np.asarray(indices, dtype=np.int64)[order]
        return sp.csr_matrix((data[order], idx, np.array([0, len(idx)])), shape=(1, self.doc_matrix_.shape[1]))

    def _scores(self, q_vec: sp.csr_matrix) -> np.ndarray:
        """Cosine of every practice with a query vector, reading only the query's columns."""
        return self._scores_and_columns(q_vec)[0]

    def _scores_and_columns(self, q_vec: sp.csr_matrix) -> tuple[np.ndarray, sp.csc_matrix]:
        """Scores, and the query's columns of the document matrix (reused for the explanations)."""
        cols = self.doc_matrix_[:, q_vec.indices]
        if q_vec.nnz == 0:
            return np.zeros(self.doc_matrix_.shape[0]), cols
        return np.asarray(cols @ q_vec.data).ravel(), cols

    def values_for(self, rows: Sequence[int], columns: np.ndarray, sub: sp.csc_matrix | None = None) -> np.ndarray:
        """Dense (rows x columns) block of document weights, read from the CSC matrix in one pass.

        `sub` may pass the columns already sliced for scoring."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((len(rows), len(columns)))
        if not len(rows) or not len(columns):
            return out
        if sub is None:
            sub = self.doc_matrix_[:, columns]
        col_of = np.repeat(np.arange(len(columns)), np.diff(sub.indptr))
        sorter = np.argsort(rows)
        sorted_rows = rows[sorter]
        loc = np.minimum(np.searchsorted(sorted_rows, sub.indices), len(rows) - 1)
        hit = sorted_rows[loc] == sub.indices
        out[sorter[loc[hit]], col_of[hit]] = sub.data[hit]
        return out

    def _mask(self, f: Filters) -> np.ndarray:
        """Vectorised filters (a Python loop over 100k practices costs more than the scoring)."""
        n = len(self.practices_)
        mask = np.ones(n, dtype=bool)
        a = self.attrs_
        if f.regions:
            mask &= np.isin(a["region"], list(f.regions))
        if f.countries:
            mask &= np.isin(a["country"], list(f.countries)) | np.isin(a["country_code"], list(f.countries))
        if f.themes:
            cols = [self.theme_index_[t] for t in f.themes if t in self.theme_index_]
            mask &= np.asarray(self.theme_matrix_[:, cols].sum(axis=1)).ravel() > 0 if cols else False
        if f.min_evidence:
            mask &= a["evidence"] >= evidence_rank(f.min_evidence)
        if f.exclude_city:
            mask &= a["city"] != f.exclude_city
        if f.exclude_country:
            mask &= (a["country"] != f.exclude_country) & (a["country_code"] != f.exclude_country)
        return mask

    def _top_k(self, scores: np.ndarray, k: int) -> list[int]:
        """Indices of the k best positive scores; ties broken by practice id, so results are deterministic."""
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        if positive.size > k:
            kth = np.partition(scores[positive], -k)[-k]
            positive = positive[scores[positive] >= kth]
        order = np.lexsort((self.id_rank_[positive], -scores[positive]))
        return [int(i) for i in positive[order][:k]]

    def score(self, text: str) -> np.ndarray:
        """Cosine scores of every practice for one statement (no splitting, no filters)."""
        self._check_fitted()
        q = self.analyse_query(text)
        return self._scores(self._query_vector(q))

    def recommend(
        self,
        text: str,
        k: int = 10,
        filters: Filters | None = None,
        asking_city: City | str | None = None,
        split: bool = True,
    ) -> RecommendResponse:
        """Ranked practices for a statement, each explained. Several challenges are scored one by one."""
        self._check_fitted()
        if text is None or not str(text).strip():
            raise EmptyStatement("the statement is empty: describe your city's challenges in a few words")
        text = str(text)
        truncated = len(text) > MAX_STATEMENT_CHARS
        if truncated:
            text = text[:MAX_STATEMENT_CHARS]
        k = max(1, min(int(k), len(self.practices_)))
        filters = filters or Filters()
        if isinstance(asking_city, str):
            asking_city = self.cities_.get(asking_city)
        whole = self.analyse_query(text)
        if not whole.tokens:
            raise NothingToMatch("nothing to match on: the statement has no meaningful words (only stop words, numbers or punctuation)")
        segments = split_challenges(text) if split else [text]
        seg_queries = [self.analyse_query(s) for s in segments] if len(segments) > 1 else [whole]
        q_whole = self._query_vector(whole)
        s_whole, cols_whole = self._scores_and_columns(q_whole)
        if len(seg_queries) > 1:
            q_segs = [self._query_vector(q) for q in seg_queries]
            scored = [self._scores_and_columns(qs) for qs in q_segs]
            S = np.column_stack([sc for sc, _ in scored])
            cols_segs = [c for _, c in scored]
            best_seg = S.argmax(axis=1)
            a = self.whole_weight
            combined = a * s_whole + (1 - a) * S[np.arange(len(best_seg)), best_seg]
        else:
            q_segs, S = [q_whole], s_whole[:, None]
            best_seg = np.zeros(len(s_whole), dtype=int)
            combined = s_whole
        mask = self._mask(filters)
        combined = np.where(mask, combined, -1.0)
        top = self._top_k(combined, k)
        # Every challenge keeps at least its best practice in the list.
        if len(seg_queries) > 1:
            for s in range(S.shape[1]):
                seg_top = self._top_k(np.where(mask, S[:, s], -1.0), 1)
                if not seg_top or seg_top[0] in top:
                    continue
                cand = seg_top[0]
                for pos in range(len(top) - 1, -1, -1):
                    victim = top[pos]
                    others = [int(best_seg[i]) for i in top if i != victim]
                    if int(best_seg[victim]) in others:  # its challenge stays covered without it
                        top[pos] = cand
                        break
            top = sorted(top, key=lambda i: (-combined[i], self.id_rank_[i]))
        from .explain import explain

        # Document weights at the query's features, for all results at once (the explanations need them).
        d_whole = self.values_for(top, q_whole.indices, cols_whole)
        d_segs = {s: self.values_for(top, q_segs[s].indices, cols_segs[s]) for s in {int(best_seg[i]) for i in top}} if len(seg_queries) > 1 else {}
        results = []
        for pos, i in enumerate(top):
            seg = int(best_seg[i])
            d_seg = d_segs[seg][pos] if d_segs else None
            results.append(explain(self, i, whole, q_whole, d_whole[pos], seg_queries, q_segs, d_seg, seg, segments, float(combined[i]), asking_city))
        message = "" if results else "No practice matches these words and filters. Try broader filters or one of the suggested themes."
        return RecommendResponse(
            results=results,
            language=whole.language,
            understood=list(whole.themes),
            also_considered=[*whole.hints, *(ThemeHit(t, self.taxonomy.label(t, whole.language), (), 0) for t, _ in whole.soft_themes)],
            challenges=segments,
            truncated=truncated,
            message=message,
            per_challenge_themes=[[h.theme_id for h in q.themes] for q in seg_queries],
        )
