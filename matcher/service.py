"""The current catalog and its fitted models, swapped whole when the catalog changes.

Readers take a `Snapshot` (catalog, matcher, twinning of one version) and use it without locks; a
write elsewhere makes the next `snapshot()` build new models and swap them in. Models are never
changed in place, so a reader sees either the complete old catalog or the complete new one.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from .catalog import Catalog
from .i18n import _, ngettext
from .engine import PracticeMatcher
from .model_files import fitted_matcher
from .store import Store
from .twinning import Twinning


@dataclass(frozen=True)
class Snapshot:
    catalog: Catalog
    matcher: PracticeMatcher

    @cached_property
    def twinning(self) -> Twinning:
        return Twinning(self.catalog, self.matcher)

    @cached_property
    def funders(self):
        """Funders from data/funders.jsonl, matched with this snapshot's matcher (records that fail validation are left out;
        `python -m matcher validate` lists them)."""
        from .funders import FunderMatcher, load_funders

        funders, _ = load_funders(theme_ids=self.catalog.taxonomy.ids if self.catalog.taxonomy else ())
        return FunderMatcher(matcher=self.matcher).fit(funders)


SEARCH_CACHE_SIZE = 256  # searches kept per process: a workshop's shared links and repeated statements


class CatalogService:
    def __init__(self, store: Store, *, warm: bool = True, search_cache: int = SEARCH_CACHE_SIZE):
        """`warm`: build each new model's language indexes at once (the app); a one-shot command leaves them lazy."""
        self.store = store
        self.warm = warm
        self.search_cache = search_cache
        self._searches: OrderedDict = OrderedDict()
        self._search_lock = threading.Lock()
        self._current: Snapshot | None = None
        self._lock = threading.Lock()

    def search(self, text: str, filters=None, asking_city=None, k: int = 10):
        """(statement, response) for a statement under these filters, in the reader's language: computed once per
        (catalog version, statement, filters, city, k, language) and kept in a bounded cache, so the same search
        from another visitor or after a language switch back costs nothing. The response is shared: read it only."""
        from .i18n import language

        snap = self.snapshot()
        key = (snap.catalog.version, text, filters, getattr(asking_city, "city", asking_city), k, language())
        with self._search_lock:
            hit = self._searches.get(key)
            if hit is not None:
                self._searches.move_to_end(key)
                return hit
        statement = snap.matcher.analyse(text)  # analysed once: the results and the partners both use it
        result = (statement, snap.matcher.recommend(statement, k=k, filters=filters, asking_city=asking_city))
        with self._search_lock:
            self._searches[key] = result
            while len(self._searches) > self.search_cache:
                self._searches.popitem(last=False)
        return result

    def catalog(self) -> Catalog:
        """The current catalog without fitting a model: pages draw their forms from it at once."""
        current = self._current
        version = self.store.version()
        if current is not None and current.catalog.version == version:
            return current.catalog
        cached = getattr(self, "_catalog_only", None)
        if cached is None or cached.version != version:
            cached = self.store.load()
            self._catalog_only = cached
        return cached

    def snapshot(self) -> Snapshot:
        current = self._current
        if current is not None and current.catalog.version == self.store.version():
            return current
        with self._lock:  # one rebuild at a time; others wait and reuse it
            current = self._current
            version = self.store.version()
            if current is None or current.catalog.version != version:
                catalog = self.store.load()
                matcher = fitted_matcher(PracticeMatcher(catalog.taxonomy), catalog.active_practices, catalog.cities)
                if self.warm:
                    matcher.warm_up()
                current = Snapshot(catalog, matcher)
                self._current = current
            return current


def practice_record(catalog: Catalog, fields: dict, base: dict | None = None) -> dict:
    """A practice record from a form's fields: the place's country and region come from the city,
    fields the form does not show are kept from the record being edited, and the review date is today."""
    from datetime import date

    record = dict(base or {})
    record.update(fields)
    place = catalog.city_by_name.get(fields.get("city") or "")
    record.update({
        "country": place.country if place else "",
        "country_code": (place.country_code if place else "") or "",
        "region": place.region if place else "",
        "last_reviewed": date.today().isoformat(),
    })
    return record


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do, read and checked in one pass: every problem of every row (reading,
    fields and cross-table checks together), and the rows it would add or change."""

    table: str
    rows: list
    problems: list
    added: list[str]
    changed: list[dict]  # {"key", "fields": [names of the fields that change]}

    @property
    def ok(self) -> bool:
        return not self.problems


EMPTY_VALUES = ("", None, [], False, "unknown")  # what a field holds when no source filled it


def changed_fields(new: dict, old: dict) -> list[str]:
    """Fields whose value an import would change. A field the stored record lacks (it predates the
    field) counts as changed only when the import gives it a real value."""
    return sorted(f for f, v in new.items() if (old[f] != v if f in old else v not in EMPTY_VALUES))


def preview_import(store: Store, name: str, data: bytes, table: str | None = None) -> ImportPreview:
    """Read an upload and dry-run it against the current catalog. Raises ReadError when the file cannot be read at all."""
    from .io import read_upload
    from .schema import KEY_FIELD
    from .store import ImportRejected

    table, rows, read_problems = read_upload(name, data, table)
    bad_rows = {p.row for p in read_problems}
    problems = list(read_problems)
    current = store.export()
    key = KEY_FIELD[table]
    try:
        store.plan_upsert(current, table, [r for r in rows if r[0] not in bad_rows], name)
    except ImportRejected as exc:
        problems.extend(exc.problems)
    existing = {r[key]: r for r in current[table]}
    from .validate import parse_rows

    models, row_problems = parse_rows(table, rows, name)
    unreadable = {p.row for p in row_problems}
    parsed = dict(zip([n for n, _ in rows if n not in unreadable], models))
    added, changed = [], []
    for n, r in rows:
        k = r.get(key)
        if k not in existing:
            added.append(k)
        elif n in parsed:  # compare as stored, so "False" in a CSV equals false in the database
            new = parsed[n].model_dump(mode="json")
            changed.append({"key": k, "fields": changed_fields(new, existing[k])})
        else:
            changed.append({"key": k, "fields": ["(known once this row's problems are fixed)"]})
    problems.sort(key=lambda p: (p.row, p.field))
    return ImportPreview(table, rows, problems, added, changed)


# ---- results log -----------------------------------------------------------------------------
def add_measurement(store: Store, programme_id: str, indicator: str, when, value: float, by: str, note: str = "") -> None:
    """Append one measurement to a programme's indicator (kept in date order); all or nothing."""
    prog = next((p for p in store.programmes() if p.id == programme_id), None)
    if prog is None:
        raise KeyError(_("no programme with id {id}").format(id=repr(programme_id)))
    record = prog.model_dump(mode="json")
    target = next((i for i in record["indicators"] if i["name"] == indicator), None)
    if target is None:
        raise KeyError(_("{programme} has no indicator named {indicator}").format(programme=programme_id, indicator=repr(indicator)))
    target["measurements"] = sorted([*target["measurements"], {"date": str(when), "value": float(value), "note": note}], key=lambda m: m["date"])
    from datetime import date

    record["updated"] = date.today().isoformat()
    store.save_programme(record, by=by, new=False)


def results_summary(prog) -> str:
    """What was measured, from the baseline to the latest measurement, in one line per indicator."""
    lines = []
    for ind in prog.indicators:
        unit = f" {ind.unit}" if ind.unit else ""
        if ind.measurements:
            last = ind.measurements[-1]
            count = ngettext("{n} measurement", "{n} measurements", len(ind.measurements)).format(n=len(ind.measurements))
            latest = f"{last.value:g}{unit} ({last.date.isoformat()})"
            if ind.baseline:
                change = _("{baseline} to {latest}").format(baseline=f"{ind.baseline.value:g}{unit} ({ind.baseline.date.isoformat()})", latest=latest)
            else:
                change = latest
            lines.append(f"{ind.name}: {change}, {count}")
    return "; ".join(lines)


def _english_summary(prog) -> str:
    """The catalog's records are written in English (their translations sit beside them)."""
    from .i18n import using

    with using("en"):
        return results_summary(prog)


MIN_PUBLISH_WORDS = 30


def publish_programme(store: Store, programme_id: str, by: str) -> str:
    """Publish a public programme into the catalog as a practice. Its evidence level follows what was measured:
    results reported when it has measurements, evaluated only with an evaluation attached. Returns the practice id."""
    prog = next((p for p in store.programmes() if p.id == programme_id), None)
    if prog is None:
        raise KeyError(_("no programme with id {id}").format(id=repr(programme_id)))
    from .store import ImportRejected
    from .validate import Problem

    problems = []
    if not prog.public:
        problems.append(Problem("results log", 1, "public", _("make its results page public first: the city chooses to publish")))
    if not any(i.measurements for i in prog.indicators):
        problems.append(Problem("results log", 1, "indicators", _("record at least one measurement before publishing results")))
    if len(prog.description.split()) < MIN_PUBLISH_WORDS:
        problems.append(Problem("results log", 1, "description", ngettext(
            "describe the programme in at least {n} word (what, for whom, how) before publishing",
            "describe the programme in at least {n} words (what, for whom, how) before publishing", MIN_PUBLISH_WORDS).format(n=MIN_PUBLISH_WORDS)))
    if problems:
        raise ImportRejected(problems)
    catalog = store.load()
    place = catalog.city_by_name[prog.city]
    from datetime import date

    practice_id = f"{prog.id}-results"
    record = {
        "id": practice_id, "title": prog.title, "city": prog.city, "country": place.country, "country_code": place.country_code or "",
        "region": place.region, "summary": " ".join(prog.description.split()[:150]), "challenges_addressed": [], "approach": "",
        "target_groups": [], "lead_actor": f"City of {prog.city}", "partners": [], "themes": list(prog.themes), "status": "active",
        "results": _english_summary(prog) + (f". {prog.what_changed}" if prog.what_changed else ""),
        "evidence_level": "evaluated" if prog.evaluation_url else "results-reported", "lessons": "",
        "source_title": f"{prog.city}: {prog.title} (results log, City Practice Matcher)", "source_url": prog.evaluation_url,
        "last_reviewed": date.today().isoformat(), "last_verified": date.today().isoformat(),
    }
    exists = practice_id in catalog.practice_by_id
    (store.edit if exists else store.add)("practices", record, by=by, file="results log")
    return practice_id
