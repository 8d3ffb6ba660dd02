"""The command line as a person uses it: outputs, JSON shapes, batch mode and clear errors."""
import json

import pytest

from matcher.cli import main


@pytest.fixture(autouse=True)
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CPM_DB_PATH", str(tmp_path / "cli.sqlite"))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_json(capsys, shipped):
    code, out, _ = run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert code == 0
    assert {"practices", "cities", "regions", "mena_practices", "cities_with_challenges", "themes_used"} <= set(stats)
    assert stats["practices"] == len(shipped.practices)
    assert stats["practices"] >= 150 and stats["cities"] >= 100 and stats["regions"] >= 7
    assert stats["mena_practices"] >= 35 and stats["cities_with_challenges"] >= 30
    assert stats["avg_themes_per_practice"] <= 3.5
    assert sum(stats["evidence_levels"].values()) == stats["practices"]


def test_export_json_to_stdout(capsys, shipped):
    code, out, _ = run(capsys, "export", "--format", "json", "--output", "-")
    data = json.loads(out)
    assert code == 0 and set(data) == {"practices", "cities", "challenges"}
    assert all("id" in p and "themes" in p for p in data["practices"])
    assert len(data["practices"]) == len(shipped.practices)


def test_export_csv_and_import_back(capsys, tmp_path):
    code, _, _ = run(capsys, "export", "--format", "csv", "--output", str(tmp_path / "out"))
    assert code == 0
    assert (tmp_path / "out" / "practices.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, _ = run(capsys, "import", str(tmp_path / "out" / "practices.csv"))
    assert code == 0 and "updated" in out


def test_import_bad_file_changes_nothing(capsys, tmp_path):
    _, before, _ = run(capsys, "export", "--output", "-")
    bad = tmp_path / "bad.csv"
    bad.write_text("city,country,region,kind,lat,lon\nNewtown,Tunisia,MENA,city,91,10\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(bad))
    assert code == 1 and "nothing was written" in err and "row 2" in err
    _, after, _ = run(capsys, "export", "--output", "-")
    assert before == after


def test_recommend_json(capsys):
    code, out, _ = run(capsys, "recommend", "Nos jeunes sont au chômage et les migrants arrivent", "--k", "3", "--json")
    doc = json.loads(out)
    rows = doc["results"] + doc["closest"]
    assert code == 0 and len(doc["results"]) >= 1 and len(rows) <= 3
    keys = {"practice_id", "title", "city", "country", "score", "strength", "themes", "matched_themes", "matched_words", "top_terms", "evidence_level", "challenge", "fit_notes"}
    assert keys <= set(rows[0])
    assert doc["results"][0]["strength"] in ("strong", "good", "partial")


def test_recommend_with_city_and_filters(capsys):
    code, out, _ = run(capsys, "recommend", "migrants employability", "--city", "Sousse", "--region", "MENA", "--json")
    rows = json.loads(out)["results"]
    assert code == 0 and rows and all(r["city"] != "Sousse" for r in rows)


def test_recommend_batch(capsys, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text('{"id": "a", "statement": "school dropout"}\n{"id": "b", "statement": "الشباب والبطالة"}\n{"id": "c", "statement": "   "}\n', encoding="utf-8")
    code, out, _ = run(capsys, "recommend", "--queries", str(q), "--k", "2", "--json")
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [x["id"] for x in lines] == ["a", "b", "c"]
    assert len(lines[0]["results"]) == 2 and lines[2]["results"] == [] and "empty" in lines[2]["error"]


def test_recommend_bad_input(capsys):
    code, _, err = run(capsys, "recommend", "   ")
    assert code == 1 and "empty" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "recommend", "the of and")
    assert code == 1 and "Nothing to match on" in err
    code, _, err = run(capsys, "recommend", "jobs", "--region", "Mars")
    assert code == 2 and "unknown region" in err
    code, _, err = run(capsys, "recommend", "jobs", "--city", "Atlantis")
    assert code == 1 and "unknown city" in err
    code, _, err = run(capsys, "recommend", "jobs", "--k", "0")
    assert code == 2
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_themes_json(capsys):
    code, out, _ = run(capsys, "themes", "الانقطاع المدرسي والتنمر", "--json")
    rows = json.loads(out)["themes"]
    assert code == 0 and rows[0]["theme"] == "school-violence-dropout" and rows[0]["phrases"]
    assert rows[0]["hint"] is False
    code, out, _ = run(capsys, "themes", "Les familles n'ont plus confiance en la mairie.", "--json")
    by_theme = {r["theme"]: r for r in json.loads(out)["themes"]}
    assert by_theme["family-support-helpline"]["hint"] is True
    assert by_theme["trust-local-governance"]["hint"] is False


def test_partners_pairs_gaps_json(capsys):
    code, out, _ = run(capsys, "partners", "--city", "Amman", "--mode", "mentor", "--k", "3", "--json")
    partners = json.loads(out)
    assert code == 0 and len(partners) == 3
    assert {"city", "helps_you", "you_help", "mutual", "context", "drivers"} <= set(partners[0])
    code, out, _ = run(capsys, "pairs", "--region", "MENA", "--json")
    result = json.loads(out)
    assert code == 0 and result["pairs"] and result["total_weight"] >= result["greedy_weight"] - 1e-9
    code, out, _ = run(capsys, "pairs", "--region", "MENA", "--mentor-capacity", "2", "--json")
    assert code == 0 and json.loads(out)["mode"] == "mentor"
    code, out, _ = run(capsys, "gaps", "--json")
    rows = json.loads(out)
    assert code == 0 and rows[0]["gap_score"] >= rows[-1]["gap_score"]


def test_twinning_errors(capsys):
    code, _, err = run(capsys, "partners", "--city", "Atlantis")
    assert code == 1 and "unknown city" in err
    code, _, err = run(capsys, "pairs", "--cities", "Sousse,Oslo", "--region", "MENA")
    assert code == 1 and "contradictory" in err
    code, _, err = run(capsys, "partners")
    assert code == 2


def test_evaluate_prints_comparison(capsys):
    code, out, _ = run(capsys, "evaluate", "--split", "dev")
    assert code == 0
    for name in ("matcher", "tfidf", "bm25", "random", "coverage@3"):
        assert name in out


def test_bad_database_url(capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nonsense://")
    code, _, err = run(capsys, "stats")
    assert code == 1 and "DATABASE_URL" in err
