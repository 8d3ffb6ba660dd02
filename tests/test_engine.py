"""The matcher: contract, reference comparison with plain TF-IDF, explanations, filters, multi-challenge."""
import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.engine import EmptyStatement, Filters, NothingToMatch, PracticeMatcher
from matcher.explain import contributions, total_contribution
from matcher.text import analyse

EN = "Young people in poor neighbourhoods drop out of school and cannot find jobs."
FR = "Les jeunes des quartiers défavorisés décrochent de l'école et ne trouvent pas d'emploi."
SOFT = "A few local associations do great work with young people, but we have no proper way to fund them."
AR = "يعاني الشباب في الأحياء المهمشة من الانقطاع المدرسي والبطالة."


def test_fit_returns_self_and_sets_trailing_underscore_attributes(shipped):
    m = PracticeMatcher(shipped.taxonomy)
    assert not hasattr(m, "doc_matrix_")
    assert m.fit(shipped.practices) is m
    assert m.doc_matrix_.shape[0] == len(shipped.practices)


def test_init_only_stores_parameters(shipped):
    m = PracticeMatcher(shipped.taxonomy, field_weights={"title": 3.0})
    assert m.field_weights == {"title": 3.0} and not hasattr(m, "weights_")


def test_fit_validates_input(shipped):
    with pytest.raises(ValueError, match="empty catalog"):
        PracticeMatcher(shipped.taxonomy).fit([])
    with pytest.raises(ValueError, match="unknown field weight"):
        PracticeMatcher(shipped.taxonomy, field_weights={"colour": 1}).fit(shipped.practices)
    with pytest.raises(RuntimeError, match="not fitted"):
        PracticeMatcher(shipped.taxonomy).recommend("jobs")
    for bad in ({"soft_theme_weight": -1}, {"group_word_weight": float("nan")}, {"whole_weight": 1.5}, {"soft_theme_top": 1.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            PracticeMatcher(shipped.taxonomy, **bad).fit(shipped.practices)


def test_refit_builds_a_new_model_and_leaves_the_old_one_alone(shipped, matcher):
    before = matcher.recommend(EN, k=5).results
    smaller = PracticeMatcher(shipped.taxonomy).fit(shipped.practices[:20])
    assert smaller is not matcher and len(smaller.practices_) == 20
    assert [r.practice_id for r in matcher.recommend(EN, k=5).results] == [r.practice_id for r in before]


def test_pickles(matcher):
    clone = pickle.loads(pickle.dumps(matcher))
    assert clone.encoder_ is not None  # the shared encoder is re-attached, not pickled
    assert [r.practice_id for r in clone.recommend(EN, k=5).results] == [r.practice_id for r in matcher.recommend(EN, k=5).results]


def test_matches_plain_tfidf_reference_when_reduced_to_it(shipped):
    """With only the summary field, unigrams and no theme layer, scores equal a plain TfidfVectorizer's cosine."""
    weights = {"title": 0, "summary": 1, "challenges": 0, "approach": 0, "themes": 0, "text_themes": 0}
    m = PracticeMatcher(shipped.taxonomy, field_weights=weights, ngram_range=(1, 1), expand_with_labels=False).fit(shipped.practices)
    ref = TfidfVectorizer(analyzer=analyse, sublinear_tf=True)
    X = ref.fit_transform([p.summary for p in shipped.practices])
    for q in (EN, "refugees and asylum seekers need housing", "police trust in neighbourhoods"):
        expected = (X @ ref.transform([q]).T).toarray().ravel()
        assert np.allclose(m.score(q), expected, atol=1e-9)


@pytest.mark.parametrize("text", [EN, FR, AR, "Youth unemployment.\nHate speech online.\nRefugees arrive.", SOFT])
def test_contributions_sum_to_score(matcher, text):
    """Words, themes and the meaning share together make up the score exactly."""
    resp = matcher.recommend(text, k=5)
    assert resp.results
    for r in [*resp.results, *resp.closest]:
        assert abs(total_contribution(r) - r.score) < 1e-6
        assert 0.0 <= r.score <= 1.0
        assert any(c["kind"] == "meaning" and c["label"] == "similar meaning" for c in r.contributions)
        # The words part alone equals the words signal's exact term-by-term decomposition.
        i = [p.id for p in matcher.practices_].index(r.practice_id)
        st = matcher.analyse(text)
        qw = matcher.query_vector(st.whole)
        d = matcher.values_for([i], qw.indices)[0]
        qs = matcher.query_vector(st.parts[r.challenge_index]) if len(st.parts) > 1 else None
        ds = matcher.values_for([i], qs.indices)[0] if qs is not None else None
        words_total = sum(contributions(qw, d, qs, ds, matcher.whole_weight).values()) * matcher.signal_weights_["words"] / sum(matcher.signal_weights_.values())
        assert abs(sum(c["contribution"] for c in r.contributions if c["kind"] != "meaning") - words_total) < 1e-6
        assert sum(t["contribution"] for t in r.top_terms) <= r.score + 1e-5  # each shown term is rounded to 1e-6


@pytest.mark.parametrize("text", [FR, AR])
def test_cross_language_statements_reach_english_practices(matcher, text):
    resp = matcher.recommend(text, k=10)
    themes = {h.theme_id for h in resp.understood}
    assert {"employability-livelihoods", "school-violence-dropout"} & themes
    assert any(set(r.matched_themes) & themes for r in resp.results[:3])


def test_explanations_are_readable_words(matcher):
    r = matcher.recommend("refugees need jobs", k=1).results[0]
    terms = [t["term"] for t in r.top_terms]
    assert any(t.startswith("theme: ") for t in terms)
    assert any(t in ("refugees", "jobs", "refugee") for t in terms)


def test_filters(matcher, shipped):
    f = Filters(regions=("MENA",), min_evidence="results-reported")
    res = matcher.recommend(EN, k=20, filters=f).results
    assert res and all(r.region == "MENA" and r.evidence_level != "described" for r in res)
    res = matcher.recommend(EN, k=20, filters=Filters(themes=("youth-violence-crime",))).results
    assert res and all("youth-violence-crime" in r.themes for r in res)
    res = matcher.recommend(EN, k=20, filters=Filters(countries=("TN",))).results
    assert res and all(r.country == "Tunisia" for r in res)
    res = matcher.recommend(EN, k=168, filters=Filters(exclude_country="Tunisia")).results
    assert all(r.country != "Tunisia" for r in res)


def test_asking_city_excluded(matcher):
    res_all = matcher.recommend("migrants observatory employability", k=10).results
    assert any(r.city == "Sousse" for r in res_all)
    res = matcher.recommend("migrants observatory employability", k=50, filters=Filters(exclude_city="Sousse"), asking_city="Sousse").results
    assert res and all(r.city != "Sousse" for r in res)


def test_deterministic(matcher):
    a = [(r.practice_id, r.score) for r in matcher.recommend(FR, k=10).results]
    b = [(r.practice_id, r.score) for r in matcher.recommend(FR, k=10).results]
    assert a == b


def test_empty_and_meaningless_statements(matcher):
    for text in ("", "   \n\t "):
        with pytest.raises(EmptyStatement):
            matcher.recommend(text)
    for text in ("the and of to", "!!! ??? ...", "le la les et"):
        with pytest.raises(NothingToMatch, match="Nothing to match on"):
            matcher.recommend(text)


def test_very_long_statement_is_truncated(matcher):
    resp = matcher.recommend("refugees need jobs. " * 60_000, k=3)
    assert resp.truncated and resp.results


def test_every_challenge_is_covered(matcher):
    text = "Youth unemployment and idleness are high in our city.\nWe face hate speech against religious minorities online."
    resp = matcher.recommend(text, k=5)
    assert len(resp.challenges) == 2
    assert {r.challenge_index for r in resp.results} == {0, 1}
    from matcher.fusion import FUSIONS

    st = matcher.analyse(text)
    per_line = FUSIONS[matcher.fusion](matcher.signal_scores(st), matcher.signal_weights_, matcher.whole_weight).line_scores
    for s in range(2):
        seg_best = int(np.argmax(per_line[:, s]))  # the best answer to this line on the fused score
        assert matcher.practices_[seg_best].id in [r.practice_id for r in resp.results]


def test_fit_notes_for_sharply_different_context(matcher, shipped):
    small = min((c for c in shipped.cities if c.population), key=lambda c: c.population)
    resp = matcher.recommend("migrants refugees integration", k=20, asking_city=small)
    notes = [n for r in resp.results for n in r.fit_notes]
    assert any(n.startswith("Scale:") for n in notes)



def test_soft_themes_weigh_less_than_named_themes(shipped):
    m = PracticeMatcher(shipped.taxonomy, soft_theme_threshold=0.0).fit(shipped.practices)
    q = m.analyse_query(SOFT)
    named = {h.theme_id for h in q.themes}
    assert named and q.soft_themes
    assert not named & {t for t, _ in q.soft_themes}
    vec = m.query_vector(q)
    offset, vocab, idf = m.block_offsets_["themes"], m.vocabularies_["themes"], m.idf_["themes"]
    tf = {}  # weight before idf, per theme column
    for j, v in zip(vec.indices.tolist(), vec.data.tolist()):
        if offset <= j < offset + len(vocab):
            tf[m.feature_terms_["themes"][j - offset].removeprefix("theme:")] = v / idf[j - offset]
    weakest_named = min(tf[t] for t in named if t in tf)
    assert all(tf[t] < weakest_named for t, _ in q.soft_themes)
    resp = m.recommend(SOFT, k=5)
    assert [h.theme_id for h in resp.also_considered if not h.group_only] == [t for t, _ in q.soft_themes]


def test_soft_themes_can_be_turned_off(shipped):
    m = PracticeMatcher(shipped.taxonomy, soft_theme_weight=0.0).fit(shipped.practices)
    assert m.analyse_query(SOFT).soft_themes == ()
    assert [h for h in m.recommend(SOFT, k=5).also_considered if not h.group_only] == []
    on = PracticeMatcher(shipped.taxonomy, soft_theme_threshold=0.0).fit(shipped.practices)
    assert not np.allclose(m.score(SOFT), on.score(SOFT))


def _theme_tf(m: PracticeMatcher, q) -> dict[str, float]:
    """Weight before idf of each theme in the query's tag block (up to the block's normalisation)."""
    vec = m.query_vector(q)
    offset, n, idf = m.block_offsets_["themes"], len(m.vocabularies_["themes"]), m.idf_["themes"]
    return {
        m.feature_terms_["themes"][j - offset].removeprefix("theme:"): v / idf[j - offset]
        for j, v in zip(vec.indices.tolist(), vec.data.tolist())
        if offset <= j < offset + n
    }


def test_a_group_word_alone_is_a_hint_not_a_topic(matcher):
    """ "Families" names who is concerned, not the problem: it weighs less than "family helpline"."""
    hint = matcher.analyse_query("Unemployment hits families in the old town.")
    assert "family-support-helpline" not in {h.theme_id for h in hint.themes}
    assert [h.theme_id for h in hint.hints] == ["family-support-helpline"]
    named = matcher.analyse_query("Unemployment hits the old town and we have no family helpline.")
    assert "family-support-helpline" in {h.theme_id for h in named.themes} and not named.hints
    tf_hint, tf_named = _theme_tf(matcher, hint), _theme_tf(matcher, named)
    # Relative to the same named theme (the block is L2-normalised, so compare ratios).
    ratio = lambda tf: tf["family-support-helpline"] / tf["employability-livelihoods"]  # noqa: E731
    assert ratio(tf_hint) == pytest.approx(matcher.group_word_weight)
    assert ratio(tf_named) >= 1.0
    resp = matcher.recommend("Unemployment hits families in the old town.")
    assert "family-support-helpline" in [h.theme_id for h in resp.also_considered]
    assert "family-support-helpline" not in [h.theme_id for h in resp.understood]
