"""Implementation-story fill rates and the 24-month freshness flag."""
from __future__ import annotations

from datetime import date

from matcher.freshness import fill_rates, needs_checking, stale, verified_share


def test_needs_checking_after_24_months(shipped):
    p = shipped.practices[0]
    today = date(2026, 12, 6)
    assert needs_checking(p.model_copy(update={"last_verified": None}), today)
    assert not needs_checking(p.model_copy(update={"last_verified": date(2025, 1, 1)}), today)
    assert not needs_checking(p.model_copy(update={"last_verified": date(2024, 12, 6)}), today)  # exactly 24 months
    assert needs_checking(p.model_copy(update={"last_verified": date(2024, 12, 5)}), today)


def test_stale_lists_oldest_first(shipped):
    a, b, c = (shipped.practices[i] for i in range(3))
    today = date(2026, 12, 6)
    ps = [a.model_copy(update={"last_verified": date(2023, 5, 1)}), b.model_copy(update={"last_verified": None}),
          c.model_copy(update={"last_verified": date(2026, 1, 1)})]
    assert [p.id for p in stale(ps, today)] == [b.id, a.id]
    assert verified_share(ps, today) == round(1 / 3, 3)


def test_fill_rates_count_only_known_values(shipped):
    p = shipped.practices[0]
    ps = [p.model_copy(update={"cost": "US$ 950,000 (2022)", "cost_band": "high", "status": "active"}),
          p.model_copy(update={"cost": "", "cost_band": "unknown", "status": "unknown"})]
    rates = fill_rates(ps)
    assert rates["cost"] == 0.5 and rates["cost_band"] == 0.5 and rates["status"] == 0.5


def test_stats_and_gaps_report_freshness(capsys):
    import json

    from matcher.cli import main

    assert main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert set(stats["implementation_story_fill_rates"]) >= {"cost", "staffing", "duration", "contact_point", "last_verified"}
    assert 0.0 <= stats["verified_last_24_months_share"] <= 1.0
    assert stats["needs_checking"] == round((1 - stats["verified_last_24_months_share"]) * stats["practices"])
    assert main(["gaps"]) == 0
    out = capsys.readouterr().out
    assert ("need checking" in out) == (stats["needs_checking"] > 0)
