"""Property-based tests: any Unicode string, determinism, scores in [0, 1], constraints respected."""
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.engine import EmptyStatement, Filters, NothingToMatch
from matcher.text import analyse, detect_language, normalise, split_challenges
from matcher.twinning import Constraints, Twinning, TwinningError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
words = st.sampled_from(["refugees", "jobs", "youth", "école", "chômage", "الشباب", "البطالة", "police", "hate", "🙂", "\u200f", "<b>", "[x](y)", "=SUM(1)"])
mixed = st.one_of(st.text(max_size=300), st.lists(words, max_size=30).map(" ".join), st.text(alphabet=st.characters(codec="utf-8"), max_size=200))


@SETTINGS
@given(mixed)
def test_text_functions_never_raise_and_are_deterministic(text):
    assert normalise(text) == normalise(text)
    assert detect_language(text) in ("en", "fr", "ar")
    assert analyse(text) == analyse(text)
    split_challenges(text)


@SETTINGS
@given(mixed)
def test_theme_detection_never_raises(taxonomy, text):
    hits = taxonomy.detect(text)
    assert [h.theme_id for h in hits] == [h.theme_id for h in taxonomy.detect(text)]
    assert all(h.theme_id in taxonomy.by_id for h in hits)


@SETTINGS
@given(mixed, st.sampled_from(["", "Sousse", "Amman", "Oslo"]), st.sampled_from([(), ("MENA",), ("Europe", "MENA")]))
def test_recommend_properties(matcher, text, city, regions):
    filters = Filters(regions=regions, exclude_city=city or None)
    try:
        a = matcher.recommend(text, k=7, filters=filters, asking_city=city or None)
    except (EmptyStatement, NothingToMatch):
        return
    b = matcher.recommend(text, k=7, filters=filters, asking_city=city or None)
    assert [(r.practice_id, r.score) for r in a.results] == [(r.practice_id, r.score) for r in b.results]
    for r in a.results:
        assert math.isfinite(r.score) and 0.0 <= r.score <= 1.0
        assert r.city != city
        assert not regions or r.region in regions


@SETTINGS
@given(mixed, st.sampled_from(["Amman", "Sousse", "Mechelen", "Mombasa County"]), st.booleans(), st.booleans(), st.sampled_from(["peer", "mentor"]))
def test_partners_properties(shipped, matcher, text, city, other_country, shared_lang, mode):
    tw = _tw(shipped, matcher)
    cons = Constraints(exclude_same_country=other_country, require_shared_language=shared_lang)
    try:
        a = tw.partners(city=city, text=text if text.strip() else None, k=5, mode=mode, constraints=cons)
    except TwinningError:
        return
    b = tw.partners(city=city, text=text if text.strip() else None, k=5, mode=mode, constraints=cons)
    assert [p.city for p in a] == [p.city for p in b]
    me = shipped.city_by_name[city]
    for p in a:
        other = shipped.city_by_name[p.city]
        assert p.city != city
        assert not other_country or other.country != me.country
        assert not shared_lang or set(other.languages) & set(me.languages)
        for v in (p.score, p.helps_you, p.you_help, p.mutual, p.context["score"]):
            assert math.isfinite(v) and 0.0 <= v <= 1.0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_pairs_properties(shipped, matcher, data):
    tw = _tw(shipped, matcher)
    names = sorted(c.city for c in shipped.cities)
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=2, max_size=12, unique=True))
    other_country = data.draw(st.booleans())
    capacity = data.draw(st.sampled_from([None, 1, 2]))
    cons = Constraints(exclude_same_country=other_country)
    result = tw.pairs(cities=chosen, constraints=cons, mentor_capacity=capacity)
    assert result == tw.pairs(cities=list(reversed(chosen)), constraints=cons, mentor_capacity=capacity)
    assert result["total_weight"] >= result["greedy_weight"] - 1e-6
    seen = []
    for r in result["pairs"]:
        a, b = (r["mentee"], r["mentor"]) if capacity else (r["city_a"], r["city_b"])
        assert a != b and a in chosen and b in chosen
        assert not other_country or shipped.city_by_name[a].country != shipped.city_by_name[b].country
        assert math.isfinite(r["weight"]) and r["weight"] >= 0
        seen.append(a)
    assert len(seen) == len(set(seen))  # each city (or mentee) at most once
    if capacity:
        from collections import Counter

        assert max(Counter(r["mentor"] for r in result["pairs"]).values(), default=0) <= capacity


_CACHE = {}


def _tw(shipped, matcher):
    if "tw" not in _CACHE:
        _CACHE["tw"] = Twinning(shipped, matcher)
    return _CACHE["tw"]
