"""Every validation rule, each with a broken fixture; and the validate command's exit codes."""
import pytest

from matcher.catalog import load_data_dir
from matcher.cli import main
from tests.conftest import city, intake, practice, write_catalog


def problems_for(tmp_path, practices=None, cities=None, intakes=None):
    folder = write_catalog(tmp_path / "d", practices or [practice()], cities or [city()], intakes if intakes is not None else [intake()])
    _, problems = load_data_dir(folder)
    return problems


def test_clean_fixture_has_no_problem(tmp_path):
    assert problems_for(tmp_path) == []


@pytest.mark.parametrize(
    "override, field, fragment",
    [
        ({"translations": {}}, ["translations.fr", "translations.ar"], "practice 'testville-youth-centre' has no French text"),
        ({"translations": {"fr": practice()["translations"]["fr"]}}, ["translations.ar"], "has no Arabic text"),
        ({"translations": {"fr": dict(practice()["translations"]["fr"], approach=""), "ar": practice()["translations"]["ar"]}},
         ["translations.fr.approach"], "has an English approach but no French one"),
    ],
)
def test_a_shipped_practice_needs_its_french_and_arabic_text(tmp_path, override, field, fragment):
    problems = problems_for(tmp_path, practices=[practice(**override)])
    assert [p.field for p in problems] == field
    assert fragment in problems[0].message and problems[0].row == 1 and problems[0].file == "practices.jsonl"


@pytest.mark.parametrize(
    "override, field, fragment",
    [
        ({"themes": ["migrant-integraton"]}, "themes", "did you mean 'migrant-integration'"),
        ({"themes": []}, "themes", "1 to 5"),
        ({"themes": ["youth-engagement"] * 2}, "themes", "same theme twice"),
        ({"themes": ["migrant-integration", "youth-engagement", "women-gender", "sport-culture-cohesion", "psychosocial-support", "monitoring-evaluation"]}, "themes", "has 6 themes"),
        ({"source_title": ""}, "source_title", "needs the title of its source"),
        ({"start_year": 1789}, "start_year", "not a plausible year"),
        ({"start_year": "soon"}, "start_year", "not a whole number"),
        ({"summary": "Too short."}, "summary", "at least 30 words"),
        ({"summary": "word " * 151}, "summary", "at most 150 words"),
        ({"region": "Middle East"}, "region", "use one of"),
        ({"evidence_level": "proven"}, "evidence_level", "use one of"),
        ({"id": "Bad Id!"}, "id", "slug"),
        ({"country_code": "Tunisia"}, "country_code", "ISO 3166-1"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "http"),
        ({"last_reviewed": "yesterday"}, "last_reviewed", "date"),
        ({"colour": "red"}, "colour", "not a known field"),
        ({"city": "Nowhere"}, "city", "not in the cities table"),
        ({"region": "Europe"}, "region", "differs from the region"),
        ({"country_code": "MA"}, "country_code", "differs from the country code"),
        ({"source_language": "English"}, "source_language", "ISO 639-1"),
        ({"status": "finished"}, "status", "use one of"),
        ({"lead_actor": ""}, "lead_actor", "must not be empty"),
    ],
)
def test_practice_rules(tmp_path, override, field, fragment):
    problems = problems_for(tmp_path, practices=[practice(**override)])
    assert any(p.field == field and fragment in p.message for p in problems), problems
    assert all(p.file == "practices.jsonl" and p.row == 1 for p in problems if p.field == field)


def test_missing_required_field(tmp_path):
    rec = practice()
    del rec["title"]
    problems = problems_for(tmp_path, practices=[rec])
    assert [(p.field, p.message) for p in problems] == [("title", "is required but missing")]


def test_duplicate_id_names_first_row(tmp_path):
    problems = problems_for(tmp_path, practices=[practice(), practice()])
    assert [(p.row, p.field) for p in problems] == [(2, "id")]
    assert "first used in row 1" in problems[0].message


@pytest.mark.parametrize(
    "override, field, fragment",
    [
        ({"lat": None}, "lat", "give both coordinates"),
        ({"lat": 95.0}, "lat", "outside -90..90"),
        ({"lon": -181.0}, "lon", "outside -180..180"),
        ({"kind": "unnamed"}, "lat", "no real location"),
        ({"population_year": None}, "population_year", "needs the year"),
        ({"kind": "village"}, "kind", "use one of"),
    ],
)
def test_city_rules(tmp_path, override, field, fragment):
    problems = problems_for(tmp_path, cities=[city(**override)])
    assert any(p.field == field and fragment in p.message and p.file == "cities.jsonl" for p in problems), problems


def test_unnamed_place_without_coordinates_is_valid(tmp_path):
    unnamed = city(city="Unnamed Moroccan city", country="Morocco", country_code="MA", kind="unnamed", lat=None, lon=None, population=None, population_year=None)
    assert problems_for(tmp_path, cities=[city(), unnamed]) == []


@pytest.mark.parametrize(
    "override, field, fragment",
    [
        ({"city": "Atlantis"}, "city", "not in the cities table"),
        ({"themes": ["jobs"]}, "themes", "unknown theme id"),
        ({"date": "19/09/2023"}, "date", "a year (2023) or a date"),
        ({"statement": ""}, "statement", "must not be empty"),
    ],
)
def test_intake_rules(tmp_path, override, field, fragment):
    problems = problems_for(tmp_path, intakes=[intake(**override)])
    assert any(p.field == field and fragment in p.message and p.file == "challenges.jsonl" for p in problems), problems


def test_validate_cli_exit_codes(tmp_path, capsys):
    good = write_catalog(tmp_path / "good", [practice()], [city()], [intake()])
    assert main(["validate", str(good)]) == 0
    assert "OK: 1 practices, 1 cities, 1 stated challenges" in capsys.readouterr().out
    bad = write_catalog(tmp_path / "bad", [practice(themes=["nope"], start_year=3000)], [city()], [intake()])
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "practices.jsonl, row 1, field 'themes': unknown theme id 'nope'" in out
    assert "field 'start_year'" in out and "2 problem(s) found" in out
    assert main(["validate", str(tmp_path / "missing")]) == 2


def test_validate_shipped_data_passes(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ") and "practices" in out


def test_duplicate_city_and_intake_keys(tmp_path):
    problems = problems_for(tmp_path, cities=[city(), city()], intakes=[intake(), intake()])
    assert {(p.file, p.row, p.field) for p in problems} == {("cities.jsonl", 2, "city"), ("challenges.jsonl", 2, "id")}


def test_validate_one_csv_file_against_the_shipped_catalog(tmp_path, capsys):
    from matcher.io import to_csv

    bad = tmp_path / "cities.csv"
    bad.write_bytes(to_csv("cities", [city(city="Newtown", lat=123.0)]))
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "cities.csv, row 2, field 'lat': 123.0 is outside -90..90" in out
