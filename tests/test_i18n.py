"""The interface in English, French and Arabic: a complete message catalog, compiled files that match it,
pages that render with no English label left, and take-aways (CSV, HTML and PDF briefs) in the reader's language."""
from __future__ import annotations

import io
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from matcher import i18n
from matcher.i18n import LOCALE_DIR
from tests.conftest import ROOT
from tests.test_app import app_env, page  # noqa: F401 - the fixture sets a fresh database and the hub password

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
LANGS = ("fr", "ar")


def code_messages() -> dict[str, str | tuple[str, str]]:
    """Every message the code marks (`_`, `N_`, `ngettext`), extracted as `pybabel extract -F babel.cfg` does."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    out = {}
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords):
        key = message[0] if isinstance(message, tuple) else message
        out[key] = message
    return out


def catalog(lang: str):
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_in_the_code_has_a_translation(lang):
    messages = code_messages()
    assert len(messages) > 400
    po = catalog(lang)
    missing, empty, fuzzy, bad_placeholders = [], [], [], []
    for key, message in messages.items():
        entry = po.get(message)
        if entry is None:
            missing.append(key)
            continue
        if entry.fuzzy:
            fuzzy.append(key)
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(s and s.strip() for s in forms):
            empty.append(key)
            continue
        want = set(PLACEHOLDER.findall(key))
        if any(set(PLACEHOLDER.findall(s)) != want for s in forms):
            bad_placeholders.append(key)
    assert not missing, f"{len(missing)} messages not in locale/{lang} (run pybabel extract and update): {missing[:5]}"
    assert not empty, f"{len(empty)} messages without a {lang} translation: {empty[:5]}"
    assert not fuzzy, f"fuzzy {lang} translations need a reader: {fuzzy[:5]}"
    assert not bad_placeholders, f"placeholders differ in {lang}: {bad_placeholders[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogs_match_their_sources(lang):
    """The shipped .mo is what `pybabel compile` makes of the .po: no stale translation is served."""
    buf = io.BytesIO()
    write_mo(buf, catalog(lang), use_fuzzy=False)
    assert (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo").read_bytes() == buf.getvalue(), \
        f"locale/{lang} is out of date: run pybabel compile -d locale -D messages"


def test_translate_numbers_dates_and_places_in_the_reader_language():
    with i18n.using("fr"):
        assert i18n._("Find practices") == "Trouver des pratiques"
        assert i18n.number(1234567) == "1\u202f234\u202f567"
        assert i18n.day("2026-12-06") == "6 décembre 2026"
        assert i18n.country("TN") == "Tunisie"
        assert i18n.direction() == "ltr"
    with i18n.using("ar"):
        assert i18n.direction() == "rtl" and i18n.country("MA") == "المغرب"
        assert re.search(r"[\u0600-\u06FF]", i18n._("Find practices"))
        assert i18n.number(1234) == "1,234"  # Latin digits, as written in the Maghreb
    assert i18n.language() == "en" and i18n._("Find practices") == "Find practices"
    assert i18n.from_accept_language("de-DE,ar;q=0.9,fr;q=0.8") == "ar"
    assert i18n.from_accept_language("de, es") is None


# ---- pages -------------------------------------------------------------------------------------------
def visible_texts(at: AppTest) -> list[str]:
    texts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        texts += [str(e.value) for e in getattr(at, kind)]
    texts += [b.label for b in at.button]
    for kind in ("text_input", "text_area", "selectbox", "multiselect", "checkbox", "radio", "number_input", "date_input", "slider"):
        texts += [w.label for w in getattr(at, kind)]
    texts += [t.label for t in at.tabs] + [e.label for e in at.expander]
    return [t for t in texts if t]


def english_left(texts: list[str], lang: str) -> list[str]:
    """Texts that are an English interface message whose translation differs, or contain one (12+ characters)."""
    po = catalog(lang)
    english = {}
    for m in po:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for i in ids:
            if not any(i in s for s in strings):  # a kept name ("City Practice Matcher") is not left-over English
                english[i.replace("**", "")] = i
    long = [e for e in english if len(e) >= 12 and not PLACEHOLDER.search(e)]
    left = []
    for t in texts:
        plain = re.sub(r"\[[^\]]*\]\([^)]*\)", "", t.replace("\\", "")).replace("**", "")  # a source's own title stays as written
        if plain in english or any(e in plain for e in long):
            left.append(t)
    return left


PAGES = ["find_practices", "twinning_partners", "results_pages", "about", "network_pairing", "catalog_admin"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_in_french_and_arabic_with_no_english_label(name, lang):
    at = page(name, lang=lang)
    at.session_state["hub_signed_in"] = True  # the hub pages as a signed-in user sees them (sign-in: tests/test_app.py)
    at.run()
    assert not at.exception, at.exception
    texts = visible_texts(at)
    assert len(texts) >= 3
    assert english_left(texts, lang) == []


@pytest.mark.parametrize("lang, statement", [
    ("fr", "Nos jeunes décrochent de l'école et le chômage touche les quartiers."),
    ("ar", "يعاني شباب الأحياء المهمشة من البطالة والانقطاع المدرسي."),
])
def test_results_read_in_the_interface_language(lang, statement, shipped):
    at = page("find_practices", lang=lang).run()
    with i18n.using(lang):  # AppTest formats the select boxes' options again in this thread when it runs the script
        at.text_area(key="statement").input(statement)
        next(b for b in at.button if b.label == i18n._("Find practices")).click().run()
    assert not at.exception
    texts = visible_texts(at)
    assert english_left(texts, lang) == []
    titles = [m.value[5:] for m in at.markdown if m.value.startswith("#### ")]
    assert len(titles) >= 5
    shown = [t.split(". ", 1)[1].replace("\\", "") for t in titles]
    translated = {p.translations[lang].title for p in shipped.practices}
    english_only = {p.title for p in shipped.practices} - translated
    assert sum(t in translated for t in shown) >= 5
    assert not english_only & set(shown)  # no shipped practice in English (one added by another test may be)


def test_a_practice_without_translation_is_shown_in_english_with_a_notice(shipped):
    from matcher.engine import PracticeMatcher

    untranslated = [p.model_copy(update={"translations": {}}) if i == 0 else p for i, p in enumerate(shipped.practices)]
    m = PracticeMatcher(shipped.taxonomy).fit(untranslated)
    with i18n.using("fr"):
        resp = m.recommend(untranslated[0].title + ". " + untranslated[0].summary, k=3)
    first = next(r for r in resp.results if r.practice_id == untranslated[0].id)
    assert first.title == untranslated[0].title and first.text_language == "en"
    assert all(r.text_language == "fr" for r in resp.results if r.practice_id != untranslated[0].id)


# ---- take-aways --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def arabic_search(matcher):
    with i18n.using("ar"):
        text = "يعاني شباب الأحياء المهمشة من البطالة والانقطاع المدرسي."
        return text, matcher.recommend(text, k=10)


def test_the_csv_shortlist_is_in_the_reader_language_with_a_bom(arabic_search):
    from matcher.brief import shortlist_rows
    from matcher.io import rows_to_csv

    text, resp = arabic_search
    with i18n.using("ar"):
        data = rows_to_csv(shortlist_rows(resp))
    assert data.startswith("\ufeff".encode("utf-8"))
    header = data.decode("utf-8-sig").splitlines()[0]
    assert re.search(r"[\u0600-\u06FF]", header) and "title" not in header
    assert resp.results[0].title in data.decode("utf-8-sig")


def test_the_html_brief_is_right_to_left_in_arabic(arabic_search):
    from matcher.brief import brief_html

    text, resp = arabic_search
    with i18n.using("ar"):
        page_html = brief_html(text, resp)
    assert "dir='rtl'" in page_html and "lang='ar'" in page_html
    assert i18n.translations("ar").gettext("Practices for your city's challenges") in page_html


def test_the_pdf_brief_is_one_page_of_arabic_text_with_the_fonts_embedded(arabic_search):
    from pypdf import PdfReader

    from matcher.brief import brief_pdf

    text, resp = arabic_search
    with i18n.using("ar"):
        pdf = brief_pdf(text, resp)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("NotoSansArabic" in f for f in fonts)
    extracted = reader.pages[0].extract_text()
    # Shaped glyphs map back to their letters: every word of the first title is in the text, letters joined in words.
    title_words = [w for w in re.findall(r"[\u0600-\u06FF]{3,}", resp.results[0].title)]
    assert title_words and all(w in extracted for w in title_words)
    heading = i18n.translations("ar").gettext("Practices for your city's challenges")
    assert all(w in extracted for w in re.findall(r"[\u0600-\u06FF]{3,}", heading))


def test_the_reader_languages_are_the_schemas():
    from matcher.schema import READER_LANGUAGES

    assert i18n.READER_LANGUAGES == READER_LANGUAGES
