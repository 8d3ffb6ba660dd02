"""The record schema: one source of truth for practices, cities, intakes and their vocabularies.

Everything else (validation, storage, CSV columns, the UI forms) reads the field lists from here,
so adding a field means changing this file only.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Optional, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from .i18n import N_, _, ngettext  # the rules' messages are read in the reader's language


# Each vocabulary is written once, as a Literal type; its tuple (for menus, filters, ordering) derives from it.
Region = Literal[
    "MENA",
    "Sub-Saharan Africa",
    "Europe",
    "North America",
    "Latin America & Caribbean",
    "South Asia",
    "East Asia & Pacific",
    "Central Asia",
]
# Ordered weakest to strongest: the order is used for filters ("at least ...") and weighting.
EvidenceLevel = Literal["described", "results-reported", "evaluated", "independently-evaluated"]
Status = Literal["active", "ended", "pilot", "unknown"]
# What a practice costs, as a band, when no source gives an amount; "unknown" unless a source says.
CostBand = Literal["unknown", "none", "low", "medium", "high"]
CityKind = Literal["city", "county", "district group", "unnamed", "country group"]
FunderKind = Literal["multilateral", "bilateral", "foundation", "city network", "national programme"]
Provision = Literal["grants", "technical assistance", "peer exchange", "training", "evaluation support"]
# How a funder itself frames the work; "security" (counter-terrorism framing) is flagged to officials.
Framing = Literal["development", "social cohesion", "security"]
FunderRegion = Literal[Region, "global"]
REGIONS: tuple[str, ...] = get_args(Region)
EVIDENCE_LEVELS: tuple[str, ...] = get_args(EvidenceLevel)
STATUSES: tuple[str, ...] = get_args(Status)
COST_BANDS: tuple[str, ...] = get_args(CostBand)
# The languages the app is read in; practices are written in English and translated into the others.
ReaderLanguage = Literal["en", "fr", "ar"]
READER_LANGUAGES: tuple[str, ...] = get_args(ReaderLanguage)
TranslatedLanguage = Literal["fr", "ar"]
TRANSLATED_LANGUAGES: tuple[str, ...] = get_args(TranslatedLanguage)
TRANSLATED_FIELDS: tuple[str, ...] = ("title", "summary", "approach", "lessons")
TRANSLATED_LISTS: tuple[str, ...] = ("prerequisites",)
# Kinds that have no single real location and are never drawn on a map.
UNLOCATED_KINDS: frozenset[str] = frozenset({"unnamed", "country group"})

SUMMARY_MIN_WORDS = 30
SUMMARY_MAX_WORDS = 150
FUNDER_SUMMARY_MIN_WORDS, FUNDER_SUMMARY_MAX_WORDS = 20, 150
MIN_YEAR, MAX_YEAR = 1950, date.today().year + 1
MAX_THEMES = 5
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COUNTRY_CODE_RE = re.compile(r"^[A-Z]{2}$")
LANG_CODE_RE = re.compile(r"^[a-z]{2,3}$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def word_count(text: str) -> int:
    return len(text.split())


def evidence_rank(level: str) -> int:
    """0 for `described` up to 3 for `independently-evaluated`; -1 if unknown."""
    return EVIDENCE_LEVELS.index(level) if level in EVIDENCE_LEVELS else -1


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Field rules shared by several records, each with a message a person can act on.
def _slug(v: str) -> str:
    if not SLUG_RE.match(v):
        raise ValueError(_("must be a slug: lowercase letters, digits and single hyphens, e.g. 'sousse-migrant-observatory'"))
    return v


def _year(v: Optional[int]) -> Optional[int]:
    if v is not None and not MIN_YEAR <= v <= MAX_YEAR:
        raise ValueError(_("{year} is not a plausible year ({first}-{last})").format(year=v, first=MIN_YEAR, last=MAX_YEAR))
    return v


def _optional_match(pattern: re.Pattern, message: str):
    """Empty -> None; otherwise the value must match the pattern."""

    def check(v: Optional[str]) -> Optional[str]:
        if v in (None, ""):
            return None
        if not pattern.match(v):
            raise ValueError(_(message))
        return v

    return check


_country_code = _optional_match(COUNTRY_CODE_RE, N_("must be an ISO 3166-1 alpha-2 code of two capital letters, e.g. 'TN'"))
_http_url = _optional_match(URL_RE, N_("must be a plain http:// or https:// address"))


def _language(v: str) -> str:
    if not LANG_CODE_RE.match(v):
        raise ValueError(_("must be an ISO 639-1 language code such as 'en', 'fr' or 'ar'"))
    return v


def _within(lo: float, hi: float):
    def check(v: Optional[float]) -> Optional[float]:
        if v is not None and not lo <= v <= hi:
            raise ValueError(_("{value} is outside {low}..{high}").format(value=v, low=f"{lo:g}", high=f"{hi:g}"))
        return v

    return check


def _theme_count(v: list[str]) -> list[str]:
    if not 1 <= len(v) <= MAX_THEMES:
        raise ValueError(ngettext("has {n} theme; it needs 1 to {max}", "has {n} themes; it needs 1 to {max}", len(v)).format(n=len(v), max=MAX_THEMES))
    if len(set(v)) != len(v):
        raise ValueError(_("lists the same theme twice"))
    return v


Slug = Annotated[str, AfterValidator(_slug)]
CountryCode = Annotated[str, AfterValidator(_country_code)]
OptionalCountryCode = Annotated[Optional[str], AfterValidator(_country_code)]
Year = Annotated[Optional[int], AfterValidator(_year)]
SourceUrl = Annotated[Optional[str], AfterValidator(_http_url)]
LanguageCode = Annotated[str, AfterValidator(_language)]
Latitude = Annotated[Optional[float], AfterValidator(_within(-90, 90))]
Longitude = Annotated[Optional[float], AfterValidator(_within(-180, 180))]
Themes = Annotated[list[str], AfterValidator(_theme_count)]


class PracticeText(_Record):
    """A practice's reader-facing text in one more language: our own translation of the English record,
    checked by a second reader. An English field left empty stays empty here."""

    title: str = Field(min_length=3, max_length=300)
    summary: str = Field(min_length=1)
    approach: str = ""
    lessons: str = ""
    prerequisites: list[str] = Field(default_factory=list)  # item by item, in the English record's order


class Practice(_Record):
    """A documented practice of one city (or county, district group) with its source."""

    id: Slug
    title: str = Field(min_length=3, max_length=200)
    city: str = Field(min_length=1)
    country: str = Field(min_length=2)
    country_code: CountryCode
    region: Region
    summary: str
    challenges_addressed: list[str] = Field(default_factory=list)
    approach: str = ""
    target_groups: list[str] = Field(default_factory=list)
    lead_actor: str = Field(min_length=2)
    partners: list[str] = Field(default_factory=list)
    themes: Themes
    start_year: Year = None
    status: Status = "unknown"
    results: str = ""
    evidence_level: EvidenceLevel = "described"
    lessons: str = ""
    prerequisites: list[str] = Field(default_factory=list)
    source_title: str
    source_url: SourceUrl = None
    source_language: LanguageCode = "en"
    last_reviewed: date
    # The implementation story, from sources only: empty means no source says (shown as "unknown").
    cost: str = ""  # amount and currency with year, as a source gives it
    cost_band: CostBand = "unknown"  # with its basis in `cost` when no amount is given
    staffing: str = ""  # who runs it and how many
    duration: str = ""  # months, or "ongoing"
    core_components: list[str] = Field(default_factory=list)  # what must be kept for it to work
    adaptable_components: list[str] = Field(default_factory=list)  # what a city may change
    contact_point: str = ""  # the public office or organisation that runs it, never a private person
    contact_url: SourceUrl = None  # its public web page
    last_verified: Optional[date] = None  # when the facts were last checked against a source
    sources: list[Annotated[str, AfterValidator(_http_url)]] = Field(default_factory=list)  # further sources
    # Archived practices are hidden from search and twinning but kept in exports and history.
    archived: bool = False
    # French and Arabic text of the reader-facing fields. The shipped catalog has both for every practice
    # (`python -m matcher validate` checks it); a practice added later is shown in English with a notice.
    translations: dict[TranslatedLanguage, PracticeText] = Field(default_factory=dict)

    def text(self, field: str, lang: str) -> str:
        """`field` in the reader's language, or the English when that translation is missing."""
        t = self.translations.get(lang) if lang != "en" else None
        return (getattr(t, field) or getattr(self, field)) if t is not None else getattr(self, field)

    def prerequisites_in(self, lang: str) -> list[str]:
        """The prerequisites in the reader's language when translated item by item, else in English."""
        t = self.translations.get(lang) if lang != "en" else None
        if t is not None and len(t.prerequisites) == len(self.prerequisites):
            return list(t.prerequisites)
        return list(self.prerequisites)

    def translated(self, lang: str) -> bool:
        return lang == "en" or lang in self.translations

    @field_validator("summary")
    @classmethod
    def _summary_len(cls, v: str) -> str:
        n = word_count(v)
        if n < SUMMARY_MIN_WORDS:
            # Translators: {n} is the summary's word count (the English keeps "words" for any count, 1 included)
            raise ValueError(ngettext("is {n} words; it must be at least {min} words (what, for whom, how)",
                                      "is {n} words; it must be at least {min} words (what, for whom, how)", n).format(n=n, min=SUMMARY_MIN_WORDS))
        if n > SUMMARY_MAX_WORDS:
            raise ValueError(ngettext("is {n} word; it must be at most {max} words", "is {n} words; it must be at most {max} words", n).format(
                n=n, max=SUMMARY_MAX_WORDS))
        return v

    @field_validator("source_title")
    @classmethod
    def _source(cls, v: str) -> str:
        if not v or not v.strip():
            raise ValueError(_("is missing: every practice needs the title of its source"))
        return v


class Funder(_Record):
    """A funder or technical-assistance provider that supports local governments' work, from its public pages."""

    id: Slug
    name: str = Field(min_length=2, max_length=200)
    kind: FunderKind
    provides: list[Provision] = Field(min_length=1)
    summary: str
    themes: Themes
    regions: list[FunderRegion] = Field(min_length=1)
    countries: list[CountryCode] = Field(default_factory=list)  # empty: not limited to named countries
    local_governments_apply_directly: Optional[bool] = None  # None: the source does not say
    typical_size: str = ""
    typical_duration: str = ""
    how_to_apply: str = ""
    apply_url: SourceUrl = None
    framing: Framing
    source_title: str = Field(min_length=3)
    source_url: SourceUrl
    last_verified: date

    @field_validator("summary")
    @classmethod
    def _summary_len(cls, v: str) -> str:
        n = word_count(v)
        if not FUNDER_SUMMARY_MIN_WORDS <= n <= FUNDER_SUMMARY_MAX_WORDS:
            # Translators: {n} is the summary's word count (the English keeps "words" for any count, 1 included)
            raise ValueError(ngettext("is {n} words; it must be {min}-{max} words (what it funds or provides, for whom, how)",
                                      "is {n} words; it must be {min}-{max} words (what it funds or provides, for whom, how)", n).format(
                n=n, min=FUNDER_SUMMARY_MIN_WORDS, max=FUNDER_SUMMARY_MAX_WORDS))
        return v

    @field_validator("source_url")
    @classmethod
    def _needs_source(cls, v: Optional[str]) -> Optional[str]:
        if not v:
            raise ValueError(_("is missing: every funder record needs the public page it comes from"))
        return v

    def open_to(self, region: str, country_code: str | None) -> bool:
        """Whether a local government in this region and country is within the funder's stated reach."""
        in_region = "global" in self.regions or region in self.regions
        return in_region and (not self.countries or country_code is None or country_code in self.countries)


class Measurement(_Record):
    """One measured value of an indicator, on a date."""

    date: date
    value: float
    note: str = Field(default="", max_length=500)


class ProgrammeIndicator(_Record):
    name: str = Field(min_length=3, max_length=200)
    unit: str = Field(default="", max_length=50)
    measured_how: str = Field(default="", max_length=300)
    baseline: Optional[Measurement] = None
    measurements: list[Measurement] = Field(default_factory=list)

    @field_validator("measurements")
    @classmethod
    def _in_order(cls, v: list[Measurement]) -> list[Measurement]:
        days = [m.date for m in v]
        if days != sorted(days):
            raise ValueError(_("measurements must be in date order"))
        if any(d > date.today() for d in days):
            raise ValueError(_("a measurement cannot be dated in the future"))
        return v


class Programme(_Record):
    """A city's own programme in the results log: what it measures, its baseline and measurements over time."""

    id: Slug
    city: str = Field(min_length=1)
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(default="", max_length=3000)
    themes: Themes
    adapts_practice: Optional[str] = None  # the catalog practice it adapts, if any
    indicators: list[ProgrammeIndicator] = Field(default_factory=list)
    what_changed: str = Field(default="", max_length=3000)
    evaluation_url: SourceUrl = None  # an evaluation report; only then can it be published as "evaluated"
    public: bool = False  # the city's choice: a public results page
    updated: date


class City(_Record):
    """A place that has practices or stated challenges. Unnamed places carry no coordinates."""

    city: str = Field(min_length=1, max_length=120)
    country: str = Field(min_length=2)
    country_code: OptionalCountryCode = None
    region: Region
    kind: CityKind = "city"
    lat: Latitude = None
    lon: Longitude = None
    population: Optional[int] = Field(default=None, ge=0)
    population_year: Year = None
    languages: list[str] = Field(default_factory=list)
    networks: list[str] = Field(default_factory=list)

    @property
    def located(self) -> bool:
        return self.kind not in UNLOCATED_KINDS and self.lat is not None and self.lon is not None


class Intake(_Record):
    """A challenge as a city (or a group of cities) stated it, with its source."""

    id: Slug
    city: str = Field(min_length=1)
    statement: str = Field(min_length=3, max_length=5000)
    themes: Themes
    source: str = Field(min_length=3)
    source_url: SourceUrl = None
    date: Optional[str] = None
    language: str = "en"

    @field_validator("date")
    @classmethod
    def _date(cls, v: Optional[str]) -> Optional[str]:
        if v in (None, ""):
            return None
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", v):
            raise ValueError(_("must be a year (2023) or a date (2023-09-19)"))
        if not MIN_YEAR <= int(v[:4]) <= MAX_YEAR:
            raise ValueError(_("{date} is not a plausible date").format(date=v))
        return v


class Proposal(_Record):
    """One status event of a twinning proposal; the history is the list of events."""

    city_a: str
    city_b: str
    mode: Literal["peer", "mentor"] = "peer"
    status: Literal["proposed", "contacted", "agreed", "declined"] = "proposed"
    note: str = Field(default="", max_length=2000)
    date: date


# The learning journey of a twinning pair (matcher/journey.py holds its rules), in order.
JourneyStage = Literal["proposed", "introduced", "first-contact", "visit-planned", "visit-done", "plan-agreed",
                       "checkin-6", "checkin-12", "closed"]
JOURNEY_STAGES: tuple[str, ...] = get_args(JourneyStage)
Outcome = Literal["adopted", "adapted", "not-adopted"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)


class JourneyStep(_Record):
    """One step of a pair's learning journey: when, who recorded it, a note; an outcome when it closes."""

    city_a: str = Field(min_length=1)
    city_b: str = Field(min_length=1)
    stage: JourneyStage
    date: date
    by: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)
    outcome: Optional[Outcome] = None
    reasons: str = Field(default="", max_length=2000)


TABLES: dict[str, type[_Record]] = {"practices": Practice, "cities": City, "challenges": Intake}
KEY_FIELD: dict[str, str] = {"practices": "id", "cities": "city", "challenges": "id"}


def list_fields(model: type[BaseModel]) -> list[str]:
    """Fields holding lists: `;`-separated in CSV."""
    out = []
    for name, f in model.model_fields.items():
        if getattr(f.annotation, "__origin__", None) is list:
            out.append(name)
    return out
