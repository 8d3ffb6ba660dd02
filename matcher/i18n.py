"""The reader's language: gettext message catalogs (locale/<lang>/LC_MESSAGES/messages.po, managed with
Babel), and numbers, dates and place names in that language.

The language is a context variable: the app sets it for each script run, the CLI for its command, and
every `_()` below it (pages, fit notes, partner reasons) answers in it. Text made once and kept (a
cached search) is kept per language. Mark a constant with `N_()` and translate it where it is shown.
"""
from __future__ import annotations

import contextlib
import gettext as _gettext
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterator

# The same three as schema.READER_LANGUAGES (tests/test_i18n.py checks it): not imported from there, because
# the schema's validation messages are translated through this module.
READER_LANGUAGES = ("en", "fr", "ar")

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar"})
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}  # each in its own language, for the switch
BABEL_LOCALES = {"en": "en_GB", "fr": "fr_FR", "ar": "ar"}

_current: ContextVar[str] = ContextVar("reader_language", default=DEFAULT_LANGUAGE)


def normalise_language(value: str | None) -> str | None:
    """'fr', 'fr-FR', 'ar_TN' -> 'fr' / 'ar'; anything else -> None."""
    if not value:
        return None
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    return code if code in READER_LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language of an Accept-Language header, by its q weights."""
    if not header:
        return None
    ranked = []
    for i, part in enumerate(header.split(",")):
        bits = part.strip().split(";")
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        ranked.append((-q, i, bits[0]))
    for _, _, tag in sorted(ranked):
        lang = normalise_language(tag)
        if lang:
            return lang
    return None


@lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def language() -> str:
    return _current.get()


def set_language(lang: str | None) -> str:
    """Set the reader's language for the rest of this context (one app run, one CLI command)."""
    lang = normalise_language(lang) or DEFAULT_LANGUAGE
    _current.set(lang)
    return lang


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    token = _current.set(normalise_language(lang) or DEFAULT_LANGUAGE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` in the reader's language (English when the catalog has no translation)."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a constant for extraction; translate it with `_()` where it is shown."""
    return message


# The schema's fixed vocabularies as readers see them (the values themselves stay codes in the data).
REGION_LABELS = {
    "MENA": N_("Middle East & North Africa"), "Sub-Saharan Africa": N_("Sub-Saharan Africa"), "Europe": N_("Europe"),
    "North America": N_("North America"), "Latin America & Caribbean": N_("Latin America & Caribbean"),
    "South Asia": N_("South Asia"), "East Asia & Pacific": N_("East Asia & Pacific"), "Central Asia": N_("Central Asia"),
}
EVIDENCE_LABELS = {
    "described": N_("Described"), "results-reported": N_("Results reported"), "evaluated": N_("Evaluated"),
    "independently-evaluated": N_("Independently evaluated"),
}
STRENGTH_LABELS = {"strong": N_("Strong match"), "good": N_("Good match"), "partial": N_("Partial match"), "weak": N_("Weak match")}
STATUS_LABELS = {"active": N_("active"), "ended": N_("ended"), "pilot": N_("pilot"), "unknown": N_("unknown")}
FUNDER_KIND_LABELS = {"multilateral": N_("multilateral"), "bilateral": N_("bilateral"), "foundation": N_("foundation"),
                      "city network": N_("city network"), "national programme": N_("national programme")}
PROVISION_LABELS = {"grants": N_("grants"), "technical assistance": N_("technical assistance"), "peer exchange": N_("peer exchange"),
                    "training": N_("training"), "evaluation support": N_("evaluation support")}
COST_BAND_LABELS = {"unknown": N_("unknown"), "none": N_("no cost"), "low": N_("low"), "medium": N_("medium"), "high": N_("high")}


def label(vocabulary: dict[str, str], value: str | None) -> str:
    """A vocabulary value in the reader's language (the value itself when it is not in the vocabulary)."""
    if not value:
        return ""
    return _(vocabulary[value]) if value in vocabulary else value


def region(value: str | None) -> str:
    return label(REGION_LABELS, value)


def is_rtl(lang: str | None = None) -> bool:
    return (lang or _current.get()) in RTL_LANGUAGES


def direction(lang: str | None = None) -> str:
    return "rtl" if is_rtl(lang) else "ltr"


def babel_locale(lang: str | None = None) -> str:
    return BABEL_LOCALES.get(lang or _current.get(), "en_GB")


def number(value: float, decimals: int | None = None) -> str:
    """A number as the reader writes it (1,234.5 / 1 234,5 / ١٬٢٣٤٫٥ -> Latin digits as Maghreb usage)."""
    from babel.numbers import format_decimal

    fmt = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=fmt, locale=babel_locale(), numbering_system="latn") if fmt else \
        format_decimal(value, locale=babel_locale(), numbering_system="latn")


def day(value: date | str | None) -> str:
    """A date in the reader's language ('6 December 2026', '6 décembre 2026', '6 ديسمبر 2026')."""
    if not value:
        return ""
    from babel.dates import format_date

    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, format="long", locale=babel_locale())


def country(code: str | None, fallback: str = "") -> str:
    """A country's name in the reader's language from its ISO code, else `fallback`."""
    if not code:
        return fallback
    from babel import Locale

    return Locale.parse(babel_locale()).territories.get(code.upper(), fallback or code)


__all__ = [
    "COST_BAND_LABELS", "EVIDENCE_LABELS", "FUNDER_KIND_LABELS", "PROVISION_LABELS", "REGION_LABELS", "STATUS_LABELS", "STRENGTH_LABELS", "label", "region",
    "DEFAULT_LANGUAGE", "LANGUAGE_NAMES", "LOCALE_DIR", "N_", "_", "country", "day", "direction", "from_accept_language",
    "is_rtl", "language", "ngettext", "normalise_language", "number", "set_language", "translations", "using",
]
