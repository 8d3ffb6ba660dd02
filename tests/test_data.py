"""Invariants of the shipped catalog. The same checks run on a broken copy must fail."""
import json
import shutil

import pytest

from matcher.catalog import DATA_DIR, load_data_dir
from matcher.schema import REGIONS, SUMMARY_MAX_WORDS, SUMMARY_MIN_WORDS, UNLOCATED_KINDS

SEED_SOURCE = "Strong Cities Network Fourth Global Summit"
REQUIRED = ["id", "title", "city", "country", "country_code", "region", "summary", "themes", "lead_actor", "evidence_level", "source_title", "last_reviewed"]


def invariant_failures(data_dir) -> list[str]:
    """Reads the raw files (not the validated models) so a broken record cannot hide."""
    fails = []
    raw = {n: [json.loads(l) for l in (data_dir / f"{n}.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()] for n in ("practices", "cities", "challenges")}
    ids = [t for t in __import__("yaml").safe_load((data_dir / "taxonomy.yaml").read_text(encoding="utf-8"))["themes"]]
    theme_ids = {t["id"] for t in ids}
    cities = {c["city"]: c for c in raw["cities"]}
    for p in raw["practices"]:
        for f in REQUIRED:
            if p.get(f) in (None, "", []):
                fails.append(f"{p.get('id')}: missing {f}")
        n = len(str(p.get("summary", "")).split())
        if not SUMMARY_MIN_WORDS <= n <= SUMMARY_MAX_WORDS:
            fails.append(f"{p.get('id')}: summary {n} words")
        th = p.get("themes") or []
        if not 1 <= len(th) <= 5 or set(th) - theme_ids:
            fails.append(f"{p.get('id')}: themes {th}")
        if p.get("city") not in cities:
            fails.append(f"{p.get('id')}: city {p.get('city')} missing")
        if not p.get("source_url") and SEED_SOURCE not in p.get("source_title", ""):
            fails.append(f"{p.get('id')}: no source_url")
    for c in raw["cities"]:
        if c.get("kind") in UNLOCATED_KINDS:
            continue
        lat, lon = c.get("lat"), c.get("lon")
        if lat is None and lon is None:
            continue  # location not known: the place is not drawn on maps (unknown stays unknown)
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            fails.append(f"{c.get('city')}: coordinates")
    return fails


def test_shipped_data_invariants():
    assert invariant_failures(DATA_DIR) == []


@pytest.mark.parametrize(
    "field, value",
    [("summary", "too short"), ("themes", []), ("themes", ["a-b"]), ("city", "Atlantis"), ("source_title", ""), ("source_url", None)],
)
def test_invariants_fail_on_a_broken_record(tmp_path, field, value):
    broken = tmp_path / "data"
    shutil.copytree(DATA_DIR, broken)
    rec = json.loads((DATA_DIR / "practices.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    rec.update({"id": "zz-broken", field: value})
    with open(broken / "practices.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
    assert invariant_failures(broken)
    _, problems = load_data_dir(broken)
    if field != "source_url":  # a missing web address is allowed by the schema for the seed report
        assert problems


def test_city_with_half_its_coordinates_fails(tmp_path):
    broken = tmp_path / "data"
    shutil.copytree(DATA_DIR, broken)
    rec = json.loads((DATA_DIR / "cities.jsonl").read_text(encoding="utf-8").splitlines()[0])
    rec.update({"city": "Zz Broken", "kind": "city", "lat": None})
    with open(broken / "cities.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
    assert invariant_failures(broken)


def test_catalog_shape(shipped):
    assert len({p.region for p in shipped.practices}) >= 7
    assert all(r in REGIONS for r in {p.region for p in shipped.practices})
    unnamed = [c for c in shipped.cities if c.kind == "unnamed"]
    assert unnamed and all(c.lat is None and not c.located for c in unnamed)
    seed = [p for p in shipped.practices if SEED_SOURCE in p.source_title]
    assert {p.city for p in seed} >= {"Sousse", "Unnamed Moroccan city"}
    mena_group = [i for i in shipped.intakes if i.city.startswith("MENA dialogue participants")]
    assert len(mena_group) == 5


def test_every_theme_used_by_two_practices(shipped):
    from collections import Counter

    counts = Counter(t for p in shipped.practices for t in p.themes)
    assert all(counts[t] >= 2 for t in shipped.taxonomy.ids), {t: counts[t] for t in shipped.taxonomy.ids if counts[t] < 2}
