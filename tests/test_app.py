"""Every page in-process with Streamlit's AppTest: inputs set, run, and the elements that appear."""
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from matcher.auth import hash_password

TIMEOUT = 60


@pytest.fixture(autouse=True)
def app_env(tmp_path_factory, monkeypatch):
    db = tmp_path_factory.getbasetemp() / "app.sqlite"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("HUB_PASSWORD", raising=False)
    monkeypatch.setenv("CPM_DB_PATH", str(db))
    monkeypatch.setenv("HUB_PASSWORD_HASH", hash_password("correct horse", salt="testsalt", iterations=1000))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield


def page(name: str, lang: str | None = None) -> AppTest:
    """One page as app.py runs it: the run starts with the reader's language (`?lang=`), then the page."""
    def script(page_name):
        from ui import pages
        from ui.components import start_run

        start_run()
        getattr(pages, page_name)()

    at = AppTest.from_function(script, args=(name,), default_timeout=TIMEOUT)
    if lang:
        at.query_params["lang"] = lang
    return at


def markdown_text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def submit(at, label):
    next(b for b in at.button if b.label == label).click().run()


def test_app_entry_point_starts_on_find_practices():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Find practices"


@pytest.mark.parametrize(
    "text, expect_theme",
    [
        ("Young people in our poorer neighbourhoods have no jobs.", "Employability and livelihoods"),
        ("Nos jeunes décrochent de l'école et le chômage est élevé dans les quartiers.", "Employability and livelihoods"),
        ("يعاني شباب الأحياء المهمشة من البطالة والانقطاع المدرسي.", "Employability and livelihoods"),
    ],
    ids=["en", "fr", "ar"],
)
def test_find_practices_shows_cards(text, expect_theme):
    at = page("find_practices").run()
    at.text_area(key="statement").input(text)
    submit(at, "Find practices")
    assert not at.exception
    understood = next(m.value for m in at.markdown if m.value.startswith("**We understood:**"))
    assert expect_theme in understood.replace("\\", "")
    cards = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert len(cards) >= 5
    assert any(m.value.startswith("<p><b>Your words it matched:</b>") and "<bdi>" in m.value for m in at.markdown)
    assert any(m.value.startswith("**Contact (public office):**") for m in at.markdown)  # the implementation story
    assert any(m.value.strip("*") in ("Strong match", "Good match", "Partial match") for m in at.markdown)
    assert any(m.value.startswith("Source: ") for m in at.markdown)
    assert at.query_params["q"] == [text] or at.query_params["q"] == text
    if text.startswith("يعاني"):
        assert any('dir="rtl"' in m.value for m in at.markdown)


def test_find_practices_names_the_themes_it_only_leans_towards():
    from matcher.catalog import load_data_dir
    from matcher.engine import PracticeMatcher

    text = "A few local associations do great work with young people, but we have no proper way to fund them."
    catalog, _ = load_data_dir()
    leaning = PracticeMatcher(catalog.taxonomy).fit(catalog.practices).recommend(text).also_considered
    assert leaning  # the statement names some themes and only leans towards others
    at = page("find_practices").run()
    at.text_area(key="statement").input(text)
    submit(at, "Find practices")
    caption = next(c.value for c in at.caption if c.value.startswith("Your words also lean towards"))
    assert all(h.label in caption.replace("\\", "") for h in leaning)


def test_find_practices_example_button_fills_the_form():
    at = page("find_practices").run()
    next(b for b in at.button if b.label == "Français").click().run()
    assert at.text_area(key="statement").value.startswith("Nos jeunes")


def test_find_practices_error_paths():
    at = page("find_practices").run()
    at.text_area(key="statement").input("   ")
    submit(at, "Find practices")
    assert at.error and "empty" in at.error[0].value
    at.text_area(key="statement").input("the and of")
    submit(at, "Find practices")
    assert at.error and "Nothing to match on" in at.error[0].value
    assert at.info  # suggested themes


def test_shareable_link_reproduces_the_search():
    at = page("find_practices")
    at.query_params["q"] = "refugees need jobs and housing"
    at.run()
    assert not at.exception
    cards = [m.value for m in at.markdown if m.value.startswith("#### ")]
    at2 = page("find_practices").run()
    at2.text_area(key="statement").input("refugees need jobs and housing")
    submit(at2, "Find practices")
    assert cards and cards == [m.value for m in at2.markdown if m.value.startswith("#### ")]


def test_filters_with_no_result_say_so():
    at = page("find_practices").run()
    at.text_area(key="statement").input("football festival for migrants")
    at.multiselect[0].select("Central Asia")
    at.multiselect[1].select("school-violence-dropout")
    submit(at, "Find practices")
    assert at.warning and "No practice matches" in at.warning[0].value


def test_twinning_partners_page():
    at = page("twinning_partners").run()
    at.selectbox[0].select("Amman")
    submit(at, "Suggest partners")
    assert not at.exception
    assert at.dataframe and len(at.dataframe[0].value) == 5
    assert all(float(x) == round(float(x), 2) for x in at.dataframe[0].value["fit (0-1)"])
    at = page("twinning_partners").run()
    submit(at, "Suggest partners")
    assert at.error and "Pick your city" in at.error[0].value


def test_partners_for_a_city_without_stated_challenges_use_context(shipped):
    with_needs = {i.city for i in shipped.intakes}
    quiet = next(c.city for c in sorted(shipped.cities, key=lambda c: c.city) if c.city not in with_needs and c.languages and c.kind == "city")
    at = page("twinning_partners").run()
    at.selectbox[0].select(quiet)
    submit(at, "Suggest partners")
    assert not at.exception and not at.error
    assert at.info and "no stated challenges" in at.info[0].value
    assert at.dataframe and len(at.dataframe[0].value) >= 1


def sign_in(at, password="correct horse"):
    at.text_input[0].input(password)
    submit(at, "Sign in")
    return at


def test_hub_pages_need_sign_in():
    for name in ("network_pairing", "catalog_admin"):
        at = page(name).run()
        assert at.info and "sign in" in at.info[0].value.lower()
        assert not at.dataframe and not at.tabs
        sign_in(at, "wrong")
        assert at.error and "Wrong password" in at.error[0].value
        assert not at.tabs and not at.dataframe


def test_network_pairing_after_sign_in():
    at = sign_in(page("network_pairing").run())
    assert not at.exception and not at.info
    at.selectbox[0].select("MENA")
    submit(at, "Propose pairs")
    assert not at.exception
    assert "proposed pairs" in at.subheader[0].value
    assert any("Pair quality" in c.value for c in at.caption)
    pairs = [m.value for m in at.markdown if "(score " in m.value]
    assert pairs and all("): " in m and m.split("): ", 1)[1].strip() for m in pairs)  # every pair says why
    assert not any("Unnamed" in m or "participants" in m for m in pairs)  # only cities by default


def test_tracking_starts_from_a_proposed_pair_and_shows_its_status():
    at = sign_in(page("network_pairing").run())
    at.selectbox[0].select("MENA")
    submit(at, "Propose pairs")
    first = next(m.value for m in at.markdown if "(score " in m.value)
    next(b for b in at.button if b.key == "track_0").click().run()
    assert any("Following" in i.value for i in at.info)
    city_a = next(sb for sb in at.selectbox if sb.label == "City *").value
    assert city_a and city_a in first.replace("\\", "")
    next(sb for sb in at.selectbox if sb.label == "Status *").select("contacted")
    submit(at, "Record status")
    assert not at.exception and any("Recorded" in s.value for s in at.success)
    table = next(d for d in at.dataframe if "status" in d.value.columns)
    assert "contacted" in set(table.value["status"])
    assert next(sb for sb in at.selectbox if sb.label == "City *").value is None  # the form is cleared


def _fill_practice(at, **values):
    for label, value in values.items():
        widget = next(w for w in [*at.text_input, *at.text_area] if w.label.startswith(label))
        widget.input(value)


def test_catalog_add_shows_problems_next_to_their_fields():
    at = sign_in(page("catalog_admin").run())
    assert not at.exception and len(at.tabs) == 7
    next(t for t in at.text_input if t.label.startswith("Your name")).input("Test Hub")
    at.run()
    submit(at, "Add practice")  # empty form
    errors = [e.value for e in at.error]
    assert any("slug" in e for e in errors) and any("words" in e for e in errors)  # id and summary, each under its field
    assert not any("nothing was written" in e and "row" in e for e in errors)


def test_catalog_add_with_an_existing_id_is_refused(shipped):
    at = sign_in(page("catalog_admin").run())
    next(t for t in at.text_input if t.label.startswith("Your name")).input("Test Hub")
    at.run()
    existing = shipped.practices[0]
    _fill_practice(at, **{"id (slug)": existing.id, "Title": "Something else entirely", "Lead actor": "Someone",
                          "Summary": "A different practice " * 10, "Source title": "A source"})
    city = next(sb for sb in at.selectbox if sb.label == "City *")
    city.select(existing.city)
    next(m for m in at.multiselect if m.label.startswith("Themes")).select(existing.themes[0])
    submit(at, "Add practice")
    assert not at.exception
    assert any("already exists" in e.value and "Edit" in e.value for e in at.error)
    from ui.components import get_store

    assert get_store().load().practice_by_id[existing.id].title == existing.title  # nothing overwritten


def test_archive_hides_a_practice_from_search_and_restore_brings_it_back(shipped):
    from ui.components import get_service, get_store

    at = sign_in(page("catalog_admin").run())
    next(t for t in at.text_input if t.label.startswith("Your name")).input("Test Hub")
    at.radio(key="pf_mode").set_value("Archive or restore a practice").run()
    target = get_service().snapshot().matcher.recommend("young people recruited by gangs", k=1).results[0].practice_id
    next(sb for sb in at.selectbox if sb.label == "Practice").select(target).run()
    next(b for b in at.button if b.label.startswith("Archive")).click().run()
    assert not at.exception and any("archived" in s.value for s in at.success)
    snap = get_service().snapshot()
    assert target in snap.catalog.practice_by_id and snap.catalog.practice_by_id[target].archived  # kept
    assert target not in [r.practice_id for r in snap.matcher.recommend("young people recruited by gangs", k=10).results]
    next(b for b in at.button if b.label.startswith("Restore")).click().run()
    assert target in [r.practice_id for r in get_service().snapshot().matcher.recommend("young people recruited by gangs", k=10).results]
    assert [h["action"] for h in get_store().history(target)] == ["archived", "restored"]
    assert all(h["by"] == "Test Hub" for h in get_store().history(target))


def test_about_page_shows_evaluation_and_story_fill_rates():
    at = page("about").run()
    assert not at.exception
    assert any("Ranking quality" in s.value for s in at.subheader)
    assert any("implementation stories" in s.value for s in at.subheader)


def test_query_params_bad_values_are_ignored():
    at = page("find_practices")
    at.query_params["q"] = "<b>refugees</b> need jobs " + "x" * 30_000
    at.query_params["region"] = ["Mars", "MENA"]
    at.query_params["theme"] = "no-such-theme"
    at.query_params["evidence"] = "proven"
    at.run()
    assert not at.exception
    assert len(at.text_area(key="statement").value) <= 20_000
    cards = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert cards
    assert at.multiselect[0].value == ["MENA"] and at.multiselect[1].value == []


def test_catalog_records_a_stated_challenge_and_the_model_sees_it():
    at = sign_in(page("catalog_admin").run())
    statement = next(t for t in at.text_area if t.label == "Statement, as the city put it")
    statement.input("Our young people are unemployed and idle, and gangs recruit them.")
    next(t for t in at.text_input if t.label == "Source").input("Mayor's speech to the council, 2025")
    submit(at, "Save stated challenge")
    assert not at.exception
    assert any("Saved" in s.value for s in at.success)
    from ui.components import get_store

    intakes = get_store().load().intakes
    assert any(i.statement.startswith("Our young people are unemployed") and i.themes for i in intakes)


def test_results_log_records_measures_and_publishes():
    from datetime import date

    from tests.test_results_log import DESCRIPTION

    at = sign_in(page("catalog_admin").run())
    next(t for t in at.text_input if t.label.startswith("Your name")).input("Test Hub")
    at.run()
    [t for t in at.text_input if t.label == "id (slug) *"][-1].input("sousse-homework-clubs")
    [sb for sb in at.selectbox if sb.label == "City *"][-1].select("Sousse")
    [t for t in at.text_input if t.label == "Title *"][-1].input("Homework clubs against early school leaving")
    next(t for t in at.text_area if t.label.startswith("What it is")).input(DESCRIPTION)
    [m for m in at.multiselect if m.label == "Themes (1–5) *"][-1].select("school-violence-dropout")
    next(t for t in at.text_input if t.label == "First indicator *").input("pupils who left school during the year")
    next(t for t in at.text_input if t.label == "Unit").input("pupils")
    next(t for t in at.text_input if t.label == "Baseline value").input("42")
    submit(at, "Record programme")
    assert not at.exception and any("Recorded" in s.value for s in at.success)
    at.selectbox(key="results_pick").select("sousse-homework-clubs").run()
    for value, when in (("37", "2025-01-31"), ("31", "2025-06-30")):
        [d for d in at.date_input if d.label == "Date"][-1].set_value(date.fromisoformat(when))
        next(t for t in at.text_input if t.label == "Value *").input(value)
        submit(at, "Add measurement")
        assert not at.exception and any("Measurement added" in s.value for s in at.success)
    next(b for b in at.button if b.label == "Make the results page public").click().run()
    next(b for b in at.button if b.label == "Publish into the catalog").click().run()
    assert not at.exception and any("Published as practice" in s.value for s in at.success)
    public = page("results_pages").run()
    text = " ".join(m.value for m in public.markdown).replace("\\", "")
    assert not public.exception and "Homework clubs" in text and "31 pupils (2025-06-30)" in text
    own = page("results_pages")
    own.query_params["programme"] = "sousse-homework-clubs"
    own.run()
    assert any("Homework clubs" in m.value for m in own.markdown)
    hidden = page("results_pages")
    hidden.query_params["programme"] = "no-such-programme"
    hidden.run()
    assert hidden.info and "not public" in hidden.info[0].value
