import copy
import json
import shutil
from pathlib import Path

import pytest

from matcher.catalog import DATA_DIR, load_data_dir
from matcher.engine import PracticeMatcher
from matcher.taxonomy import Taxonomy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return Taxonomy.load(DATA_DIR / "taxonomy.yaml")


@pytest.fixture(scope="session")
def shipped(taxonomy):
    catalog, problems = load_data_dir(DATA_DIR, taxonomy)
    assert problems == []
    return catalog


@pytest.fixture(scope="session")
def matcher(shipped):
    return PracticeMatcher(shipped.taxonomy).fit(shipped.practices, shipped.cities)


def practice(**over):
    base = {
        "id": "testville-youth-centre",
        "title": "Youth centre with job coaching",
        "city": "Testville",
        "country": "Tunisia",
        "country_code": "TN",
        "region": "MENA",
        "summary": " ".join(["The municipality runs a youth centre where unemployed young people get vocational training, coaching and help to find jobs."] * 2),
        "challenges_addressed": ["youth unemployment"],
        "approach": "coaching",
        "target_groups": ["young people"],
        "lead_actor": "Municipality of Testville",
        "partners": [],
        "themes": ["employability-livelihoods", "youth-engagement"],
        "start_year": 2019,
        "status": "active",
        "results": "",
        "evidence_level": "described",
        "lessons": "",
        "prerequisites": [],
        "source_title": "A report",
        "source_url": "https://example.org/report",
        "source_language": "en",
        "last_reviewed": "2026-11-29",
        "translations": {
            "fr": {"title": "Centre de jeunesse avec accompagnement vers l'emploi",
                   "summary": "La municipalité gère un centre de jeunesse où les jeunes sans emploi suivent une formation professionnelle et un accompagnement.",
                   "approach": "accompagnement", "lessons": ""},
            "ar": {"title": "مركز للشباب مع مرافقة نحو التشغيل",
                   "summary": "تدير البلدية مركزا للشباب يتلقى فيه الشباب العاطلون تكوينا مهنيا ومرافقة للبحث عن عمل.",
                   "approach": "مرافقة", "lessons": ""},
        },
    }
    base.update(over)
    return base


def city(**over):
    base = {"city": "Testville", "country": "Tunisia", "country_code": "TN", "region": "MENA", "kind": "city", "lat": 35.0, "lon": 10.0,
            "population": 100000, "population_year": 2014, "languages": ["ar", "fr"], "networks": []}
    base.update(over)
    return base


def intake(**over):
    base = {"id": "testville-2023-jobs", "city": "Testville", "statement": "Our young people have no jobs.", "themes": ["employability-livelihoods"],
            "source": "Mayor's speech", "source_url": None, "date": "2023", "language": "en"}
    base.update(over)
    return base


def write_catalog(folder: Path, practices, cities, intakes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA_DIR / "taxonomy.yaml", folder / "taxonomy.yaml")
    for name, rows in (("practices.jsonl", practices), ("cities.jsonl", cities), ("challenges.jsonl", intakes)):
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture
def mini_dir(tmp_path):
    return write_catalog(tmp_path / "data", [practice()], [city()], [intake()])


@pytest.fixture
def store(tmp_path):
    from matcher.store import Store

    return Store(f"sqlite:///{tmp_path / 'cat.sqlite'}")


def clone(x):
    return copy.deepcopy(x)
