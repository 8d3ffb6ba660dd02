"""The results log: a city's own programme, its measurements, its public page and publishing into the catalog."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from matcher.service import add_measurement, publish_programme, results_summary
from matcher.store import ImportRejected

DESCRIPTION = ("The municipality runs homework clubs and family visits in two neighbourhoods where pupils leave school early; "
               "social workers follow each pupil for a school year and meet teachers every month to agree the next steps together.")


def programme(**over) -> dict:
    rec = {"id": "sousse-homework-clubs", "city": "Sousse", "title": "Homework clubs against early school leaving",
           "description": DESCRIPTION, "themes": ["school-violence-dropout"],
           "indicators": [{"name": "pupils who left school during the year", "unit": "pupils",
                           "baseline": {"date": "2024-06-30", "value": 42}, "measurements": []}],
           "updated": date.today().isoformat()}
    rec.update(over)
    return rec


def test_save_validates_and_refuses_an_existing_id(store):
    store.save_programme(programme(), by="hub", new=True)
    with pytest.raises(ImportRejected, match="already exists"):
        store.save_programme(programme(title="Another"), by="hub", new=True)
    with pytest.raises(ImportRejected) as exc:
        store.save_programme(programme(id="bad", city="Atlantis", themes=["nope"]), by="hub", new=True)
    assert {p.field for p in exc.value.problems} == {"city", "themes"}
    assert [p.id for p in store.programmes()] == ["sousse-homework-clubs"]


def test_measurements_are_kept_in_date_order_and_never_in_the_future(store):
    store.save_programme(programme(), by="hub", new=True)
    add_measurement(store, "sousse-homework-clubs", "pupils who left school during the year", "2025-06-30", 31, by="hub")
    add_measurement(store, "sousse-homework-clubs", "pupils who left school during the year", "2025-01-31", 37, by="hub")
    ind = store.programmes()[0].indicators[0]
    assert [m.value for m in ind.measurements] == [37, 31]
    with pytest.raises(ImportRejected):
        add_measurement(store, "sousse-homework-clubs", "pupils who left school during the year", (date.today() + timedelta(days=9)).isoformat(), 1, by="hub")
    with pytest.raises(KeyError):
        add_measurement(store, "sousse-homework-clubs", "no such indicator", "2025-02-01", 1, by="hub")
    assert "42 pupils (2024-06-30) to 31 pupils (2025-06-30)" in results_summary(store.programmes()[0])


def test_publishing_follows_what_was_measured(store):
    store.save_programme(programme(), by="hub", new=True)
    with pytest.raises(ImportRejected) as exc:
        publish_programme(store, "sousse-homework-clubs", by="hub")
    assert {p.field for p in exc.value.problems} == {"public", "indicators"}
    add_measurement(store, "sousse-homework-clubs", "pupils who left school during the year", "2025-06-30", 31, by="hub")
    rec = store.programmes()[0].model_dump(mode="json")
    store.save_programme(dict(rec, public=True), by="hub", new=False)
    pid = publish_programme(store, "sousse-homework-clubs", by="hub")
    practice = store.load().practice_by_id[pid]
    assert practice.evidence_level == "results-reported" and "31 pupils" in practice.results
    store.save_programme(dict(rec, public=True, evaluation_url="https://example.org/evaluation.pdf"), by="hub", new=False)
    publish_programme(store, "sousse-homework-clubs", by="hub")
    assert store.load().practice_by_id[pid].evidence_level == "evaluated"  # only with an evaluation attached
