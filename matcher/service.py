"""The current catalog and its fitted models, swapped whole when the catalog changes.

Readers take a `Snapshot` (catalog, matcher, twinning of one version) and use it without locks; a
write elsewhere makes the next `snapshot()` build new models and swap them in. Models are never
changed in place, so a reader sees either the complete old catalog or the complete new one.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

from .catalog import Catalog
from .engine import PracticeMatcher
from .store import Store
from .twinning import Twinning


@dataclass(frozen=True)
class Snapshot:
    catalog: Catalog
    matcher: PracticeMatcher

    @cached_property
    def twinning(self) -> Twinning:
        return Twinning(self.catalog, self.matcher)


class CatalogService:
    def __init__(self, store: Store):
        self.store = store
        self._current: Snapshot | None = None
        self._lock = threading.Lock()

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
                matcher = PracticeMatcher(catalog.taxonomy).fit(catalog.active_practices, catalog.cities)
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
