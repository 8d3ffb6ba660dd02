"""The learning journey after a match: each stage rule, the check-ins due, the hub's figures, and the store
refusing a step that breaks a rule (nothing written)."""
from datetime import date

import pytest

from matcher.journey import add_months, adoption_rate, follow_ups, funnel, median_days, step_problems
from matcher.schema import JourneyStep


def step(stage, day, a="Sousse", b="Amman", **kw):
    return JourneyStep(city_a=a, city_b=b, stage=stage, date=date.fromisoformat(day), by="hub", **kw)


def test_a_journey_moves_forward_and_may_skip_stages():
    hist = [step("proposed", "2026-01-10")]
    assert step_problems(hist, step("visit-done", "2026-03-01")) == []
    assert "already at" in step_problems(hist, step("proposed", "2026-02-01"))[0]
    later = hist + [step("plan-agreed", "2026-03-10")]
    assert "already at" in step_problems(later, step("visit-planned", "2026-03-12"))[0]


def test_no_step_is_dated_before_the_previous_one():
    hist = [step("proposed", "2026-01-10")]
    assert "before the previous step" in step_problems(hist, step("introduced", "2026-01-09"))[0]
    assert step_problems(hist, step("introduced", "2026-01-10")) == []


def test_closing_needs_an_outcome_and_reasons_when_not_adopted():
    hist = [step("proposed", "2026-01-10")]
    assert "needs an outcome" in step_problems(hist, step("closed", "2026-06-01"))[0]
    assert "say why" in step_problems(hist, step("closed", "2026-06-01", outcome="not-adopted"))[0]
    assert step_problems(hist, step("closed", "2026-06-01", outcome="not-adopted", reasons="no budget line after the election")) == []
    assert step_problems(hist, step("closed", "2026-06-01", outcome="adopted")) == []
    assert "only when the journey is closed" in step_problems(hist, step("visit-done", "2026-02-01", outcome="adopted"))[0]
    closed = hist + [step("closed", "2026-06-01", outcome="adopted")]
    assert "closed" in step_problems(closed, step("checkin-12", "2026-12-01"))[0]


def test_check_ins_fall_due_6_and_12_months_after_the_plan():
    steps = [step("proposed", "2026-01-10"), step("visit-done", "2026-02-01"), step("plan-agreed", "2026-02-20"),
             step("proposed", "2026-01-10", b="Tunis")]  # no plan: nothing due
    ups = follow_ups(steps, date(2026, 9, 1), due_only=True)
    assert [({u.city_a, u.city_b}, u.check_in, u.due, u.overdue) for u in ups] == [({"Sousse", "Amman"}, "checkin-6", date(2026, 8, 20), True)]
    assert follow_ups(steps, date(2026, 8, 1), due_only=True) == []
    steps.append(step("checkin-6", "2026-08-25"))
    nxt = follow_ups(steps, date(2026, 9, 1))
    assert [(u.check_in, u.due) for u in nxt] == [("checkin-12", date(2027, 2, 20))]
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_funnel_days_and_adoption_rate():
    steps = [step("proposed", "2026-01-01"), step("introduced", "2026-01-11"), step("closed", "2026-05-01", outcome="adapted", reasons="smaller scale"),
             step("proposed", "2026-01-01", b="Tunis"), step("visit-done", "2026-01-21", b="Tunis"),
             step("closed", "2026-03-01", b="Tunis", outcome="not-adopted", reasons="no partner NGO")]
    f = funnel(steps)
    assert f["proposed"] == 2 and f["visit-done"] == 2 and f["closed"] == 2  # a skipped stage counts as passed
    assert median_days(steps)["introduced"] == 10 and median_days(steps)["visit-planned"] is None
    assert adoption_rate(steps) == 0.5
    assert adoption_rate([step("proposed", "2026-01-01")]) is None


def test_the_store_refuses_a_step_that_breaks_a_rule_and_writes_nothing(tmp_path):
    from matcher.store import Store

    store = Store(f"sqlite:///{tmp_path / 'j.sqlite'}")
    store.record_step(step("proposed", "2026-01-10"))
    with pytest.raises(ValueError, match="needs an outcome"):
        store.record_step(step("closed", "2026-02-01"))
    with pytest.raises(ValueError, match="unknown city 'Atlantis'"):
        store.record_step(step("proposed", "2026-01-10", b="Atlantis"))
    assert [s.stage for s in store.journey_steps()] == ["proposed"]


def test_cli_followups_lists_the_due_check_ins(tmp_path, monkeypatch, capsys):
    import json

    from matcher.cli import main
    from matcher.store import Store

    monkeypatch.setenv("CPM_DB_PATH", str(tmp_path / "f.sqlite"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    store = Store()
    for s in (step("proposed", "2026-01-10"), step("plan-agreed", "2026-02-20")):
        store.record_step(s)
    assert main(["followups", "--due", "--json", "--today", "2026-09-01"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["follow_ups"] == [{"city_a": "Amman", "city_b": "Sousse", "stage": "plan-agreed", "check_in": "checkin-6",
                                  "due": "2026-08-20", "overdue": True}]
    assert out["funnel"]["plan-agreed"] == 1
    assert main(["followups", "--today", "soon"]) == 2
