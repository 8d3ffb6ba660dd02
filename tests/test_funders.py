"""Funders: validation, region and eligibility filters, the securitised-framing note, the CLI."""
from __future__ import annotations

import json

import pytest

from matcher.funders import SECURITY_NOTE, FunderMatcher, load_funders
from matcher.schema import Funder


def funder(**over) -> dict:
    rec = {
        "id": "test-youth-fund", "name": "Test Youth Fund", "kind": "foundation", "provides": ["grants"],
        "summary": "Grants for municipalities that create jobs and training for unemployed young people in poor neighbourhoods, "
                   "run with local youth associations over two years.",
        "themes": ["employability-livelihoods", "youth-engagement"], "regions": ["MENA"], "countries": [],
        "local_governments_apply_directly": True, "typical_size": "", "typical_duration": "", "how_to_apply": "",
        "apply_url": None, "framing": "development", "source_title": "Test page", "source_url": "https://example.org/fund",
        "last_verified": "2026-12-06",
    }
    rec.update(over)
    return rec


def write(tmp_path, records) -> object:
    path = tmp_path / "funders.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_validation_lists_every_bad_record(tmp_path, taxonomy):
    bad = [funder(), funder(id="dup"), funder(id="dup"), funder(id="no-source", source_url=None), funder(id="bad-theme", themes=["jobs"]),
           funder(id="bad-kind", kind="bank"), funder(id="short", summary="Too short.")]
    funders, problems = load_funders(write(tmp_path, bad), taxonomy.ids)
    assert [f.id for f in funders] == ["test-youth-fund", "dup"]
    fields = {(p.row, p.field) for p in problems}
    assert {(3, "id"), (4, "source_url"), (5, "themes"), (6, "kind"), (7, "summary")} <= fields


@pytest.fixture
def fm(matcher):
    records = [
        Funder.model_validate(funder()),
        Funder.model_validate(funder(id="eu-only", name="Europe Only", regions=["Europe"])),
        Funder.model_validate(funder(id="tn-only", name="Tunisia Only", countries=["TN"], local_governments_apply_directly=None)),
        Funder.model_validate(funder(id="sec", name="Security Fund", framing="security", local_governments_apply_directly=False,
                                     themes=["youth-engagement", "multi-agency-prevention"])),
    ]
    return FunderMatcher(matcher=matcher).fit(records)


def test_region_country_and_eligibility_filters(fm, matcher):
    st = matcher.analyse("Our young people have no jobs and the youth associations have no support.")
    mena_tn = {m.id for m in fm.match(st, "MENA", "TN", k=10)}
    assert mena_tn == {"test-youth-fund", "tn-only", "sec"}  # the Europe-only fund is left out
    assert {m.id for m in fm.match(st, "MENA", "JO", k=10)} == {"test-youth-fund", "sec"}  # Tunisia-only is not open to Jordan
    assert {m.id for m in fm.match(st, "MENA", "TN", k=10, direct_only=True)} == {"test-youth-fund"}
    first = fm.match(st, "MENA", "TN", k=10)[0]
    assert first.id == "test-youth-fund" and "apply directly" in first.reason


def test_security_framing_is_flagged(fm, matcher):
    st = matcher.analyse("Our young people have no jobs and the youth associations have no support.")
    by_id = {m.id: m for m in fm.match(st, "MENA", "TN", k=10)}
    assert by_id["sec"].notes == [SECURITY_NOTE]
    assert by_id["test-youth-fund"].notes == []


def test_cli_funders_for_a_city(capsys):
    from matcher.cli import main

    assert main(["funders", "--city", "Sousse", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["region"] == "MENA" and "endorse" in doc["note"]
    assert doc["funders"]
    for m in doc["funders"]:
        assert m["reason"] and m["source_url"].startswith("http")
    assert main(["funders"]) != 0


def test_shipped_funders_validate_and_reach_mena(taxonomy):
    from matcher.funders import stats

    funders, problems = load_funders(theme_ids=taxonomy.ids)
    assert problems == []
    s = stats(funders)
    assert s["funders"] >= 30 and s["open_to_mena"] >= 10
    assert all(f.source_url.startswith(("http://", "https://")) for f in funders)


def test_every_indicator_points_to_a_practice_and_its_source(shipped):
    from matcher.funders import indicator_problems, indicators_for, load_indicators

    indicators = load_indicators()
    assert len(indicators) >= 50
    assert indicator_problems(indicators, shipped.practices) == []
    rows = indicators_for("school-violence-dropout", indicators)
    assert rows and all("school-violence-dropout" in i.themes for i in rows)
    kinds = [i.kind for i in rows]
    assert kinds == sorted(kinds, key=lambda k: k != "outcome")  # outcomes first


def test_indicator_provenance_check_catches_a_stray(shipped):
    from matcher.funders import Indicator, indicator_problems

    p = shipped.practices[0]
    stray = [Indicator("x", "people reached", "counts", "100", ("no-such-theme",), "output", p.id, "https://elsewhere.org"),
             Indicator("y", "people reached", "counts", "100", tuple(p.themes[:1]), "output", "zz-missing", p.source_url)]
    problems = indicator_problems(stray, shipped.practices)
    assert any("source differs" in m for m in problems) and any("themes" in m for m in problems) and any("not in the catalog" in m for m in problems)


def test_every_line_of_a_statement_gets_its_best_funder():
    from matcher.funders import FunderMatch, spread_over_lines

    def m(name, score):
        return FunderMatch(name, name, "foundation", score, [], [], "", None, "", None, "", "development")

    scored = [(0, m("a", 0.9)), (0, m("b", 0.8)), (0, m("c", 0.7)), (1, m("d", 0.3))]
    assert [x.name for x in spread_over_lines(scored, 2)] == ["a", "d"]  # line 1's best is kept despite a lower score
    assert [x.name for x in spread_over_lines(scored, 3)] == ["a", "b", "d"]
