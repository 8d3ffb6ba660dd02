"""Text normalisation, language identification, stop words and stemming for English, French and Arabic.

The analysis order matters: stem first, then fold (accents away for Latin script; alef, ta marbuta and
alef maqsura for Arabic), because the Snowball stemmers rely on accents and on ة to find suffixes.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from stop_words import get_stop_words

LANGUAGES = ("en", "fr", "ar")
_STEMMER_NAMES = {"en": "english", "fr": "french", "ar": "arabic"}

ARABIC_DIACRITICS_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
TATWEEL = "\u0640"
ARABIC_CHAR_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
LATIN_CHAR_RE = re.compile("[A-Za-z\u00c0-\u024f]")
# Letters only (no digits, no underscore); apostrophes split French elisions (l'école -> école).
TOKEN_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
# Alef forms, plus the Persian-keyboard yeh/kaf/heh that Arabic text often carries and the letters dialects
# write for g, v and p (Iraqi "يلگى" is "يلقى"): folded before stemming so the stemmer sees standard letters.
_ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ی": "ي", "ک": "ك", "ۀ": "ه", "ە": "ه", "گ": "ق", "ڤ": "ف", "پ": "ب"})
_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي"})

# Content words that the packaged stop lists contain but that carry meaning in our domain.
_KEEP = {
    "en": {"system", "part", "fire", "bill", "show", "interest", "move", "found"},
    "fr": {"aide", "aides", "travail", "femme", "femmes", "jeune", "jeunes", "politique", "état", "sujet", "ville",
           "force", "forces", "parole", "paroles", "valeur", "valeurs", "dehors", "droite"},
    # The packaged Arabic list is a newswire one: visit, force, meeting and "self-" carry meaning here.
    "ar": {"اعادة", "إعادة", "اطار", "إطار", "الاول", "العالم", "حول", "ضد", "دون", "زيارة", "قوة", "لقاء", "الذاتي"},
}
_EXTRA_STOP = {
    "en": {"also", "city", "cities", "need", "needs", "want", "like", "many", "lot", "lots", "us", "our", "we"},
    "fr": {"notre", "nos", "nous", "ville", "villes", "commune", "besoin", "très", "aussi", "ainsi", "plus", "beaucoup"},
    "ar": {"مدينتنا", "لدينا", "نحن", "في", "من", "على", "الى", "إلى", "عن", "مع", "هذا", "هذه", "التي", "الذي", "كما", "بين", "لا", "ما", "او", "أو", "ان", "أن", "إن", "قد", "كل", "عند", "بعد", "قبل", "ولا", "فقط", "جدا", "نريد", "نحتاج"},
}


# Words too common to rank on, but that keep theme phrases specific ("city network", "former extremists").
# Qualifiers too ("nouveau maire", "sans emploi", "contre-discours", "no jobs", "عدم الثقة"): without them a
# phrase collapses to one common word ("maire", "discours") and fires on every statement that has it.
_PHRASE_WORDS = {
    "city", "cities", "ville", "villes", "commune", "communes", "former", "together", "mdina",
    "nouveau", "nouveaux", "nouvelle", "nouvelles", "après", "sans", "contre", "no", "بعد", "عدم", "غير",
}


def _control_table() -> dict[int, str | None]:
    """Control characters become spaces; invisible format, surrogate and private-use characters vanish."""
    table: dict[int, str | None] = {}
    for cp in list(range(0x10000)) + list(range(0xE0000, 0xE1000)):
        cat = unicodedata.category(chr(cp))
        if cat == "Cc" and chr(cp) not in "\n\t":
            table[cp] = " "
        elif cat in ("Cf", "Cs", "Co"):
            table[cp] = None
    return table


_CONTROL_TABLE = _control_table()


def clean(text: str) -> str:
    """NFKC, drop control and invisible format characters (bidi marks, zero-width), collapse spaces."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_CONTROL_TABLE)
    return re.sub(r"[ \t]+", " ", text).strip()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def normalise_arabic(text: str) -> str:
    """Remove diacritics and tatweel; unify alef forms, ta marbuta (ة->ه) and alef maqsura (ى->ي)."""
    text = ARABIC_DIACRITICS_RE.sub("", text).replace(TATWEEL, "")
    return text.translate(_ALEF_FORMS).translate(_ARABIC_FOLD)


def normalise(text: str) -> str:
    """Full surface normalisation for comparison and display-independent matching."""
    text = clean(text).casefold()
    return normalise_arabic(strip_accents(text))


@lru_cache(maxsize=500_000)
def fold_token(token: str) -> str:
    """A token from `tokenize` in the form stop lists use (accents and Arabic letter variants folded)."""
    return normalise_arabic(strip_accents(token))


def is_arabic(token: str) -> bool:
    return bool(ARABIC_CHAR_RE.search(token))


@lru_cache(maxsize=3)
def phrase_stop_words(lang: str) -> frozenset[str]:
    """The lighter stop list used when matching theme phrases."""
    return stop_words(lang) - {normalise(w) for w in _PHRASE_WORDS}


@lru_cache(maxsize=3)
def stop_words(lang: str) -> frozenset[str]:
    """Stop words of a language, already in folded (accent-free / Arabic-normalised) form."""
    if lang == "en":
        from .english_stop_words import ENGLISH_STOP_WORDS

        base = set(ENGLISH_STOP_WORDS)
    else:
        base = set(get_stop_words(_STEMMER_NAMES[lang]))
    base = (base - _KEEP[lang]) | _EXTRA_STOP[lang]
    folded = {normalise(w) for w in base}
    folded -= {normalise(w) for w in _KEEP[lang]}
    return frozenset(folded)


_FR_HINTS = frozenset("le la les des du de et est une un pour dans sur au aux nos notre nous avec par qui que pas ce ces sont leur leurs entre plus ou".split())
_EN_HINTS = frozenset("the and of to in is are for with our we on that this by from as have has their they not an be at or".split())


def detect_language(text: str) -> str:
    """'ar' when Arabic script dominates the letters; else 'fr' or 'en' by function-word and accent evidence."""
    text = clean(text)
    arabic = len(ARABIC_CHAR_RE.findall(text))
    latin = len(LATIN_CHAR_RE.findall(text))
    if arabic and arabic >= latin:
        return "ar"
    words = [w.casefold() for w in TOKEN_RE.findall(text.replace("'", " ").replace("’", " "))]
    fr = sum(w in _FR_HINTS for w in words) + 0.5 * sum(any(c in "éèêàùçâîôûœ" for c in w) for w in words)
    en = sum(w in _EN_HINTS for w in words)
    return "fr" if fr > en else "en"


# US spellings folded to the British ones the catalog mostly uses, before stemming: Snowball keeps
# "radicalized" (radic) and "radicalised" (radicalis) apart, and "neighbor" apart from "neighbour".
_IZE_RE = re.compile(r"^(\w{3,})iz(e|ed|es|ing|ation|ations|er|ers)$")
_US_UK = {
    "neighbor": "neighbour", "neighbors": "neighbours", "neighborhood": "neighbourhood", "neighborhoods": "neighbourhoods",
    "behavior": "behaviour", "behaviors": "behaviours", "behavioral": "behavioural", "labor": "labour",
    "rumor": "rumour", "rumors": "rumours", "center": "centre", "centers": "centres", "program": "programme",
    "programs": "programmes", "defense": "defence", "offense": "offence", "offenses": "offences",
    "counselor": "counsellor", "counselors": "counsellors", "counseling": "counselling", "color": "colour",
    "honor": "honour", "favor": "favour", "analyze": "analyse", "analyzed": "analysed", "analyzing": "analysing",
    "catalog": "catalogue", "dialog": "dialogue", "enroll": "enrol", "enrollment": "enrolment", "fulfill": "fulfil",
    "traveling": "travelling", "modeling": "modelling", "license": "licence", "skeptical": "sceptical",
    "theater": "theatre", "theaters": "theatres", "mom": "mum", "moms": "mums",
}


def british_spelling(token: str) -> str:
    """An English token in British spelling (organize -> organise, neighbor -> neighbour)."""
    if token in _US_UK:
        return _US_UK[token]
    m = _IZE_RE.match(token)
    return f"{m.group(1)}is{m.group(2)}" if m else token


@lru_cache(maxsize=3)
def _stemmer(lang: str):
    return snowballstemmer.stemmer(_STEMMER_NAMES[lang])


@lru_cache(maxsize=200_000)
def stem(token: str, lang: str) -> str:
    """Stem one lower-cased token, then fold it. Arabic-script tokens always use the Arabic stemmer."""
    if is_arabic(token):
        token = ARABIC_DIACRITICS_RE.sub("", token).replace(TATWEEL, "").translate(_ALEF_FORMS)
        if token.startswith("وال") and len(token) > 5:  # "and the ..." : the stemmer keeps the conjunction
            token = token[1:]
        stemmed = _stemmer("ar").stemWord(token).translate(_ARABIC_FOLD)
        if len(stemmed) > 3 and stemmed.endswith("ه"):  # a ta marbuta typed as ha survives the stemmer
            stemmed = stemmed[:-1]
        return stemmed
    if lang not in ("en", "fr"):
        lang = "en"
    if lang == "en":
        token = british_spelling(token)
    return strip_accents(_stemmer(lang).stemWord(token))


_FR_INFINITIVE_RE = re.compile(r"\b(\w{3,}?)(er|re)\b")


def french_verb_variants(phrase: str) -> list[str]:
    """The phrase with its infinitives in the third person plural ("décrocher" -> "décrochent").

    Snowball stems "décrocher", "décroche" and "décrochaient" alike but leaves "décrochent" whole, and
    officials write "les jeunes décrochent". A noun that merely ends in -er/-re yields a form no one writes,
    which never matches, so no exception list is needed."""
    variant = _FR_INFINITIVE_RE.sub(lambda m: m.group(1) + "ent", phrase)
    return [variant] if variant != phrase else []


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (letters only, at least two characters), before stop words and stemming."""
    text = clean(text).casefold()
    text = ARABIC_DIACRITICS_RE.sub("", text).replace(TATWEEL, "")
    text = text.replace("'", " ").replace("’", " ")
    return [t for t in TOKEN_RE.findall(text) if len(t) > 1]


def analyse_both(text: str, lang: str | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """One pass over the tokens: (stem, surface word) pairs under the full stop list, and the stems
    under the lighter phrase stop list (for theme detection). `lang` is detected when not given."""
    lang = lang or detect_language(text)
    ranked: list[tuple[str, str]] = []
    phrase: list[str] = []
    for tok in tokenize(text):
        tok_lang = "ar" if is_arabic(tok) else (lang if lang in LANGUAGES else "en")
        folded = fold_token(tok)
        if folded in phrase_stop_words(tok_lang):
            continue
        s = stem(tok, tok_lang)
        if len(s) < 2:
            continue
        phrase.append(s)
        if folded not in stop_words(tok_lang):
            ranked.append((s, tok))
    return ranked, phrase


def analyse(text: str, lang: str | None = None, phrases: bool = False) -> list[str]:
    """Tokens -> stop words removed -> stems (folded). `lang` is detected when not given.

    phrases=True keeps a few common words that make theme phrases specific (used for theme detection).
    """
    ranked, phrase = analyse_both(text, lang)
    return phrase if phrases else [s for s, _ in ranked]




_SPLIT_RE = re.compile(r"(?:\n+|(?<=[.!?؟;؛])\s+|^\s*[-*•·]\s+)", re.MULTILINE)


def split_challenges(text: str, min_tokens: int = 2) -> list[str]:
    """Split a statement into its challenges: bullet lines, lines and sentences with enough content."""
    parts = [p.strip(" -*•·\t") for p in _SPLIT_RE.split(clean(text)) if p and p.strip(" -*•·\t")]
    kept = [p for p in parts if len(analyse(p)) >= min_tokens]
    return kept or ([clean(text)] if clean(text) else [])


# analyse() of the taxonomy's and lexicon's own phrases, remembered. The model folder keeps this table
# (`model_files`), so a new process does not stem some 20,000 phrases again (about 0.5 s).
PHRASE_MEMO: dict[tuple[str, str, bool], tuple[str, ...]] = {}


def analyse_phrase(text: str, lang: str, phrases: bool = False) -> list[str]:
    """`analyse(text, lang, phrases)` for vocabulary phrases (never for user text: the table would grow)."""
    key = (text, lang, phrases)
    stems = PHRASE_MEMO.get(key)
    if stems is None:
        stems = PHRASE_MEMO[key] = tuple(analyse(text, lang, phrases=phrases))
    return list(stems)
