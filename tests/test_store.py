"""Storage: seeding, all-or-nothing writes, round trips, proposals. Runs on SQLite, or on DATABASE_URL when set."""
import json
import os

import pytest

from matcher.io import read_upload, to_csv
from matcher.schema import Proposal
from matcher.store import ImportRejected, Store, StoreError
from tests.conftest import practice


@pytest.fixture
def store(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'cat.sqlite'}"
    s = Store(url, seed=False)
    # start from an empty database for each test, then seed from the shipped data
    with s.engine.begin() as conn:
        for t in ("practices", "cities", "challenges", "proposals", "meta"):
            conn.exec_driver_sql(f"DELETE FROM {t}")
    s.seed_if_empty()
    return s


def test_seeded_from_shipped_data(store, shipped):
    cat = store.load()
    assert len(cat.practices) == len(shipped.practices)
    assert len(cat.cities) == len(shipped.cities)
    assert cat.version >= 1


def test_upsert_adds_and_updates(store, shipped):
    city = shipped.cities[0]
    new = practice(id="zz-new-practice", city=city.city, country=city.country, country_code=city.country_code or "XX", region=city.region)
    v0 = store.version()
    report = store.upsert("practices", [(2, new)])
    assert report.added == ["zz-new-practice"] and report.updated == []
    assert store.version() == v0 + 1
    changed = dict(new, title="A new title for it")
    report = store.upsert("practices", [(2, changed)])
    assert report.updated == ["zz-new-practice"]
    assert store.load().practice_by_id["zz-new-practice"].title == "A new title for it"


def test_import_with_one_bad_row_changes_nothing(store, shipped):
    before = store.export()
    v0 = store.version()
    city = shipped.cities[0]
    good = practice(id="zz-good", city=city.city, country=city.country, country_code=city.country_code or "XX", region=city.region)
    bad = dict(good, id="zz-bad", themes=["not-a-theme"])
    with pytest.raises(ImportRejected) as exc:
        store.upsert("practices", [(2, good), (3, bad)], file="upload.csv")
    assert [(p.row, p.field) for p in exc.value.problems] == [(3, "themes")]
    assert store.export() == before
    assert store.version() == v0


def test_failure_midway_rolls_back(store, shipped):
    before = store.export()
    city = shipped.cities[0]
    good = practice(id="zz-good", city=city.city, country=city.country, country_code=city.country_code or "XX", region=city.region)

    def boom():
        raise RuntimeError("disk full (injected)")

    with pytest.raises(RuntimeError):
        store.upsert("practices", [(2, good)], before_commit=boom)
    assert store.export() == before


def test_json_export_reimport_round_trips(store, tmp_path):
    exported = store.export()
    other = Store(f"sqlite:///{tmp_path / 'other.sqlite'}", seed=False)
    other.replace_all(json.loads(json.dumps(exported)))
    assert other.export() == exported


def test_csv_export_reimport_round_trips(store, tmp_path):
    exported = store.export()
    other = Store(f"sqlite:///{tmp_path / 'other.sqlite'}", seed=False)
    tables = {}
    for table in ("cities", "practices", "challenges"):
        name, rows, problems = read_upload(f"{table}.csv", to_csv(table, exported[table]))
        assert name == table and problems == []
        tables[table] = [r for _, r in rows]
    other.replace_all(tables)
    assert other.export() == exported


def test_delete_refuses_to_orphan_practices(store, shipped):
    used = shipped.practices[0].city
    with pytest.raises(ImportRejected):
        store.delete("cities", used)
    after = store.load()
    assert after.city_by_name[used].city == used and len(after.cities) == len(shipped.cities)


def test_proposal_history(store, shipped):
    a, b = shipped.cities[0].city, shipped.cities[1].city
    store.record_proposal(Proposal(city_a=a, city_b=b, status="proposed", note="first", date="2026-11-01"))
    store.record_proposal(Proposal(city_a=a, city_b=b, status="agreed", note="signed", date="2026-11-20"))
    hist = store.proposal_history(a)
    assert [h["status"] for h in hist] == ["proposed", "agreed"]
    assert [s["status"] for s in store.proposal_status()] == ["agreed"]
    with pytest.raises(ValueError):
        store.record_proposal(Proposal(city_a=a, city_b=a, date="2026-11-20"))
    with pytest.raises(ValueError):
        store.record_proposal(Proposal(city_a=a, city_b="Atlantis", date="2026-11-20"))


def test_bad_database_url_is_a_clear_error():
    with pytest.raises(StoreError, match="not a usable database address"):
        Store("notadb://x/y")
    with pytest.raises(StoreError):
        Store("sqlite:////proc/definitely/not/writable/cat.sqlite")


def test_add_refuses_an_existing_key_and_edit_a_missing_one(store, shipped):
    existing = shipped.practices[0].model_dump(mode="json")
    with pytest.raises(ImportRejected) as exc:
        store.add("practices", dict(existing, title="Overwritten?"), by="tester")
    assert "already exists" in str(exc.value.problems[0].message)
    assert store.load().practice_by_id[existing["id"]].title == existing["title"]
    with pytest.raises(ImportRejected) as exc:
        store.edit("practices", dict(existing, id="zz-not-there"), by="tester")
    assert "no practice" in exc.value.problems[0].message
    store.edit("practices", dict(existing, title="A clearer title"), by="tester")
    assert store.load().practice_by_id[existing["id"]].title == "A clearer title"
    assert [(h["action"], h["by"]) for h in store.history(existing["id"])] == [("edited", "tester")]


def test_archive_keeps_the_record_and_restore_brings_it_back(store, shipped):
    pid = shipped.practices[3].id
    store.set_archived(pid, True, by="hub")
    cat = store.load()
    assert cat.practice_by_id[pid].archived and pid not in {p.id for p in cat.active_practices}
    assert any(r["id"] == pid for r in store.export()["practices"])  # still exported
    with pytest.raises(ValueError):
        store.set_archived(pid, True, by="hub")
    store.set_archived(pid, False, by="hub")
    assert pid in {p.id for p in store.load().active_practices}
    assert [h["action"] for h in store.history(pid)] == ["archived", "restored"]


def test_import_preview_lists_every_problem_of_every_row_in_one_pass(store, shipped):
    from matcher.io import to_csv
    from matcher.service import preview_import

    good = shipped.practices[0].model_dump(mode="json")
    changed = dict(good, title="A sharper title")
    bad = dict(good, id="zz-bad", summary="too short", start_year="not a year", city="Atlantis")
    data = to_csv("practices", [changed, bad])
    preview = preview_import(store, "upload.csv", data)
    assert not preview.ok
    fields = {(p.row, p.field) for p in preview.problems}
    assert {(3, "summary"), (3, "start_year")} <= fields  # two problems of the same row (CSV line 3), together
    assert any(p.row == 3 and p.field == "city" for p in preview.problems)  # the cross-table check too
    assert preview.added == ["zz-bad"] and preview.changed == [{"key": good["id"], "fields": ["title"]}]
    assert store.load().practice_by_id[good["id"]].title == good["title"]  # nothing written


def test_the_service_keeps_searches_per_language_and_catalog_version(tmp_path):
    from matcher import i18n
    from matcher.service import CatalogService

    store = Store(f"sqlite:///{tmp_path / 'svc.sqlite'}")
    service = CatalogService(store, warm=False, search_cache=2)
    first = service.search("Young people have no jobs")
    assert service.search("Young people have no jobs") is first  # the same search again: kept, not recomputed
    with i18n.using("fr"):
        french = service.search("Young people have no jobs")
    assert french is not first and french[1].reader_language == "fr"
    service.search("Hate speech online")  # a third search pushes the oldest out (size 2)
    assert service.search("Young people have no jobs") is not first
    practice = store.load().practices[0]
    store.set_archived(practice.id, True, by="test")  # a new catalog version: never served from the old one
    after = service.search("Hate speech online")
    assert practice.id not in [r.practice_id for r in after[1].results]
