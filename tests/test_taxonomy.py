"""The shipped taxonomy keeps every seed id; detection works in English, French and Arabic."""
from pathlib import Path

import numpy as np
import pytest
import yaml

from matcher.taxonomy import Taxonomy
from matcher.text import analyse


SHARED = Path(__file__).resolve().parents[2] / "shared" / "taxonomy.yaml"


# The seed taxonomy's fixed ids (shared/taxonomy.yaml), copied here so the check runs on any checkout.
SEED_IDS = (
    "migrant-integration", "climate-conflict-displacement", "employability-livelihoods", "youth-engagement", "school-violence-dropout",
    "education-critical-thinking", "psychosocial-support", "sport-culture-cohesion", "interfaith-intercommunal-dialogue", "hate-speech-online",
    "counter-narratives-anti-rumours", "hate-crime-victim-support", "multi-agency-prevention", "exit-reintegration", "family-support-helpline",
    "community-police-trust", "trust-local-governance", "human-development-services", "urban-planning-public-space", "vulnerable-individuals",
    "women-gender", "civil-society-partnerships", "monitoring-evaluation", "sustainability-continuity", "national-local-coordination",
    "city-to-city-learning", "crisis-response-recovery", "prevention-through-development", "youth-violence-crime", "risk-assessment-early-warning",
)


def test_every_seed_theme_id_is_kept(taxonomy):
    assert set(SEED_IDS) <= set(taxonomy.ids)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this checkout; the copied SEED_IDS are checked above")
def test_the_copied_seed_ids_match_shared():
    seed_ids = [t["id"] for t in yaml.safe_load(SHARED.read_text(encoding="utf-8"))["themes"]]
    assert tuple(seed_ids) == SEED_IDS


def test_every_theme_has_labels_and_synonyms_in_three_languages(taxonomy):
    for t in taxonomy.themes:
        for lang in ("en", "fr", "ar"):
            assert t.label.get(lang), (t.id, lang)
            assert len(t.synonyms.get(lang, [])) >= 5, (t.id, lang)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Many refugees arrived and our young people have no jobs", {"migrant-integration", "employability-livelihoods"}),
        ("Hate speech is spreading on social media", {"hate-speech-online"}),
        ("Le décrochage scolaire augmente et les réfugiés arrivent", {"school-violence-dropout", "migrant-integration"}),
        ("Nous voulons un jumelage avec une ville plus expérimentée", {"city-to-city-learning"}),
        ("ارتفاع البطالة بين الشباب وتزايد اللاجئين", {"employability-livelihoods", "migrant-integration"}),
        ("نريد توأمة مع مدن أخرى", {"city-to-city-learning"}),
    ],
)
def test_detection_in_three_languages(taxonomy, text, expected):
    found = {h.theme_id for h in taxonomy.detect(text)}
    assert expected <= found, found


def test_detection_reports_triggering_phrases(taxonomy):
    hits = {h.theme_id: h for h in taxonomy.detect("Hate speech is spreading on social media")}
    assert any("hate speech" in p.lower() for p in hits["hate-speech-online"].phrases)


def test_unrelated_text_detects_nothing(taxonomy):
    assert taxonomy.detect("The weather is sunny and the cat sleeps") == []


def test_suggest_for_new_practice_text(taxonomy):
    ids = [h.theme_id for h in taxonomy.suggest("A helpline for worried parents and families of young people drawn to extremism")]
    assert "family-support-helpline" in ids


def test_nearest_ids(taxonomy):
    assert taxonomy.nearest_ids("school-violence") [0] == "school-violence-dropout"


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_affinity_puts_each_theme_first_for_its_own_label(lang):
    """The soft theme signal: a theme's own label, in any of the three languages, is closest to that theme."""
    tax = Taxonomy.load()
    for theme in tax.themes:
        affinity = tax.affinity(analyse(theme.label[lang], lang), lang)
        assert affinity.shape == (len(tax.ids),)
        assert tax.ids[int(np.argmax(affinity))] == theme.id, theme.id


def test_affinity_of_nothing_is_zero():
    tax = Taxonomy.load()
    assert not tax.affinity([], "fr").any()
    assert not tax.affinity(["zzzunknownzzz"], "en").any()


def test_affinity_equals_tfidf_cosine_reference():
    """The plain-numpy profiles and query vector match scikit-learn's TfidfVectorizer (the reference)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    tax = Taxonomy.load()
    stems = analyse("Les jeunes décrochent du collège, les jeunes traînent et le trafic recrute.", "fr")
    vec = TfidfVectorizer(analyzer=list, sublinear_tf=True)
    profiles = vec.fit_transform(tax._profile_docs("fr"))
    vocabulary, idf, ours = tax._profiles["fr"]
    assert vocabulary == vec.vocabulary_ and np.allclose(idf, vec.idf_)
    assert abs(ours - profiles).max() < 1e-12
    expected = (profiles @ vec.transform([stems]).T).toarray().ravel()
    assert np.allclose(tax.affinity(stems, "fr"), expected, atol=1e-12)
    assert expected.max() > 0


def test_tfidf_rows_equal_scikit_learn_on_edge_cases():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from matcher.taxonomy import tfidf_rows

    docs = [["a", "b", "a"], ["b", "c"], [], ["d", "a", "a", "a"], ["c"]]
    vocabulary, idf, rows = tfidf_rows(docs)
    vec = TfidfVectorizer(analyzer=list, sublinear_tf=True)
    expected = vec.fit_transform(docs)
    assert vocabulary == vec.vocabulary_ and np.allclose(idf, vec.idf_)
    assert abs(rows - expected).max() < 1e-12


def test_qualified_phrases_do_not_collapse_to_one_common_word(taxonomy):
    """ "nouveau maire" must not fire on any mention of the town hall, nor "forces de l'ordre" on "ordre"."""
    found = {h.theme_id for h in taxonomy.detect("La mairie publie l'ordre du jour du conseil.", "fr")}
    assert "sustainability-continuity" not in found
    assert "community-police-trust" not in found
    assert "sustainability-continuity" in {h.theme_id for h in taxonomy.detect("Le nouveau maire a tout arrêté.", "fr")}


def test_contre_discours_is_not_any_discours(taxonomy):
    hate = {h.theme_id for h in taxonomy.detect("Les discours de haine se multiplient sur les réseaux sociaux.", "fr")}
    assert "hate-speech-online" in hate and "counter-narratives-anti-rumours" not in hate
    assert "counter-narratives-anti-rumours" in {h.theme_id for h in taxonomy.detect("Il manque des contre-discours crédibles.", "fr")}


def test_group_words_mentioned_once_are_flagged_as_hints(taxonomy):
    once = {h.theme_id: h for h in taxonomy.detect("Les familles du quartier manquent de tout.", "fr")}
    assert once["family-support-helpline"].group_only
    twice = {h.theme_id: h for h in taxonomy.detect("Les familles s'inquiètent ; certaines familles partent.", "fr")}
    assert not twice["family-support-helpline"].group_only
    phrase = {h.theme_id: h for h in taxonomy.detect("Les familles n'ont aucune ligne d'écoute.", "fr")}
    assert not phrase["family-support-helpline"].group_only


def test_french_third_person_plural_meets_the_infinitive():
    """Snowball leaves "abandonnent" whole; the index also holds the -ent form of each infinitive."""
    from matcher.lexicon import Lexicon
    from matcher.taxonomy import Theme

    tax = Taxonomy([Theme("dropout", "", {"en": "dropout", "fr": "décrochage"}, {"fr": ["abandonner les études"]})])
    assert [h.theme_id for h in tax.detect("Beaucoup abandonnent les études très tôt.", "fr")] == ["dropout"]
    assert tax.detect("Beaucoup terminent les études.", "fr") == []
    lex = Lexicon({"fr": {"signaler": ["report"]}, "ar": {}})
    assert lex.translate(analyse("Les enseignants signalent des élèves.", "fr", phrases=True), "fr") == analyse("report", "en")


def test_yaml_is_parsed_once_per_content_and_read_back_equal(tmp_path, monkeypatch):
    import yaml

    from matcher.catalog import DATA_DIR
    from matcher.lexicon import SAFE_LOADER, load_yaml

    monkeypatch.setenv("CPM_CACHE_DIR", str(tmp_path / "cache"))
    path = DATA_DIR / "taxonomy.yaml"
    reference = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    assert load_yaml(path) == reference
    (cached,) = (tmp_path / "cache").iterdir()
    assert load_yaml(path) == reference  # read back from the JSON copy
    edited = tmp_path / "taxonomy.yaml"
    edited.write_text(path.read_text(encoding="utf-8").replace("Migrant and refugee integration", "Migrant integration", 1), encoding="utf-8")
    assert load_yaml(edited) != reference  # another content, another copy: never a stale one
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_yaml_cache_that_cannot_be_written_costs_time_only(tmp_path, monkeypatch):
    from matcher.catalog import DATA_DIR
    from matcher.lexicon import load_yaml

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CPM_CACHE_DIR", str(blocker / "cache"))
    assert load_yaml(DATA_DIR / "lexicon.yaml")
