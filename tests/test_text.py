"""Each normalisation rule, stemming per language, language identification, challenge splitting."""
import pytest

from matcher.text import analyse, british_spelling, clean, detect_language, normalise, normalise_arabic, split_challenges, stem, tokenize


def test_nfkc_and_casefold():
    assert normalise("ＣＩＴＹ ﬁnance") == "city finance"
    assert normalise("STRASSE Straße") == "strasse strasse"


def test_control_and_bidi_characters_removed():
    assert clean("a\x00b\u200fc\u202ed\ufeffe") == "a bcde"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("أحمد إسلام آمال ٱلله", "احمد اسلام امال الله"),  # alef forms
        ("مدرسة", "مدرسه"),  # ta marbuta
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("الشـــباب", "الشباب"),  # tatweel
        ("الشَّبَابُ", "الشباب"),  # diacritics
        ("مدرسی کبیر", "مدرسي كبير"),  # Persian-keyboard yeh and kaf
        ("يلگى", "يلقي"),  # dialect gaf for qaf
    ],
)
def test_arabic_normalisation(raw, expected):
    assert normalise_arabic(raw) == expected


def test_french_stem_before_stripping_accents():
    # "éducation" and "education" end on the same stem, because accents go after stemming
    assert stem("éducation", "fr") == stem("education", "fr") == "educ"
    assert stem("réfugiés", "fr") == "refugi"


def test_stemming_per_language():
    assert stem("refugees", "en") == stem("refugee", "en")
    assert stem("migrants", "fr") == stem("migrant", "fr")
    assert stem("المهاجرين", "ar") == stem("المهاجرون", "ar") == stem("مهاجر", "ar")
    assert stem("المدرسة", "ar") == stem("المدرسه", "ar")


def test_stop_words_removed_per_language():
    assert analyse("the youth and the police", "en") == ["youth", "polic"]
    assert analyse("les jeunes et la police", "fr") == ["jeun", "polic"]
    assert "في" not in analyse("الشباب في المدينة", "ar")


def test_only_stop_words_gives_nothing():
    assert analyse("and the of to", "en") == []
    assert analyse("!!! ... 123", "en") == []


def test_french_elision_split():
    assert tokenize("l'école d'asile") == ["école", "asile"]


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Our young people are leaving school", "en"),
        ("Nos jeunes quittent l'école et le chômage augmente", "fr"),
        ("يعاني شبابنا من البطالة", "ar"),
        ("Les réfugiés", "fr"),
        ("البطالة بين الشباب unemployment", "ar"),
    ],
)
def test_language_identification(text, lang):
    assert detect_language(text) == lang


def test_split_challenges_bullets_and_sentences():
    parts = split_challenges("- Youth unemployment is high\n- School dropout is rising. Refugees arrive in large numbers!")
    assert parts == ["Youth unemployment is high", "School dropout is rising.", "Refugees arrive in large numbers!"]
    assert split_challenges("Young people leave school.") == ["Young people leave school."]


@pytest.mark.parametrize(
    "us, uk",
    [("radicalization", "radicalisation"), ("radicalized", "radicalised"), ("polarizing", "polarising"), ("neighborhoods", "neighbourhoods"), ("rumors", "rumours"), ("program", "programme"), ("behavior", "behaviour")],
)
def test_us_and_british_spellings_stem_alike(us, uk):
    assert stem(us, "en") == stem(uk, "en")


@pytest.mark.parametrize("word", ["size", "prize", "citizen", "seize"])
def test_words_that_merely_contain_iz_are_left_alone(word):
    assert british_spelling(word) == word


def test_french_verb_variants():
    from matcher.text import french_verb_variants

    assert french_verb_variants("décrocher") == ["décrochent"]
    assert french_verb_variants("quitter l'école") == ["quittent l'école"]
    assert french_verb_variants("exclure") == ["excluent"]
    assert french_verb_variants("jeunes") == []


def test_persian_keyboard_letters_stem_like_arabic_ones():
    assert stem("التمييز", "ar") == stem("التمییز", "ar") != "التمییز"
    assert analyse("مشکلة البطالة", "ar") == analyse("مشكلة البطالة", "ar")


def test_fast_stemmer_gives_the_reference_stems():
    """snowballstemmer hands stemming to PyStemmer (C) when installed; its stems must equal the pure-Python
    reference implementation's on the words our data uses."""
    import re

    from snowballstemmer.arabic_stemmer import ArabicStemmer
    from snowballstemmer.english_stemmer import EnglishStemmer
    from snowballstemmer.french_stemmer import FrenchStemmer

    from matcher.catalog import DATA_DIR
    from matcher.text import _stemmer

    words = set(re.findall(r"\w+", (DATA_DIR / "eval" / "statements.jsonl").read_text(encoding="utf-8").lower()))
    latin = sorted(w for w in words if not re.search("[\u0600-\u06ff]", w))[:3000]
    arabic = sorted(w for w in words if re.search("[\u0600-\u06ff]", w))[:3000]
    for lang, ref, sample in (("en", EnglishStemmer(), latin), ("fr", FrenchStemmer(), latin), ("ar", ArabicStemmer(), arabic)):
        fast = _stemmer(lang)
        assert [fast.stemWord(w) for w in sample] == [ref.stemWord(w) for w in sample], lang


def test_the_kept_english_stop_words_equal_scikit_learns():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as reference

    from matcher.english_stop_words import ENGLISH_STOP_WORDS

    assert ENGLISH_STOP_WORDS == reference
