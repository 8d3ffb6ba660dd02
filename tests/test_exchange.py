"""The exchange plan: six parts, quoting the mentee's stated challenges, the same in Markdown, Word and PDF."""
import io
import re

import pytest

from matcher import i18n
from matcher.exchange import PlanError, build_plan, plan_docx, plan_markdown, plan_pdf
from matcher.twinning import Twinning

PARTS = ["1. Framing questions", "2. Practices to study", "3. Transferability check", "4. Who takes part locally",
         "5. Study visit (draft agenda)", "6. Roadmap"]


class Snap:
    def __init__(self, catalog, matcher):
        self.catalog, self.matcher, self.twinning = catalog, matcher, Twinning(catalog, matcher)


@pytest.fixture(scope="module")
def snap(shipped, matcher):
    return Snap(shipped, matcher)


@pytest.fixture(scope="module")
def sousse_plan(snap):
    partner = snap.twinning.partners(city="Sousse", k=1, mode="mentor")[0].city  # a suggested partner
    return build_plan(snap, "Sousse", partner)


def test_the_plan_has_six_parts_and_quotes_the_stated_challenges(sousse_plan, shipped):
    text = plan_markdown(sousse_plan)
    assert [h for h in PARTS if f"## {h}" in text] == PARTS
    first_words = shipped.intakes_of("Sousse")[0].statement[:60]
    assert first_words in text
    assert len(sousse_plan.questions) == 3
    assert all(len(p.checks) == 3 for p in sousse_plan.practices)  # uninformed, incomplete, inappropriate
    assert "Month 6" in text and "Month 12" in text
    assert sousse_plan.practices and all(p.city == sousse_plan.partner for p in sousse_plan.practices)


def test_word_and_pdf_carry_the_same_parts(sousse_plan):
    from docx import Document
    from pypdf import PdfReader

    doc = Document(io.BytesIO(plan_docx(sousse_plan)))
    docx_text = "\n".join(p.text for p in doc.paragraphs)
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(plan_pdf(sousse_plan))).pages)
    for heading in PARTS:
        assert heading in docx_text
        assert heading in pdf_text
    assert sousse_plan.practices[0].title in docx_text


def test_the_transferability_check_says_what_it_does_not_know(snap, shipped):
    p = next(p for p in shipped.active_practices if not p.cost and p.city != "Sousse" and p.city in shipped.city_by_name)
    plan = build_plan(snap, "Sousse", p.city, [p.id])
    uninformed = dict(plan.practices[0].checks)["Uninformed?"]
    assert "cost" in uninformed and "ask" in uninformed
    host = shipped.city_by_name[p.city]
    inappropriate = dict(plan.practices[0].checks)["Inappropriate?"]
    if host.country_code and host.country_code != "TN":
        assert "legal" in inappropriate


def test_bad_cities_and_practices_are_refused_plainly(snap):
    with pytest.raises(PlanError, match="unknown city 'Atlantis'"):
        build_plan(snap, "Atlantis", "Sousse")
    with pytest.raises(PlanError, match="unknown practice id no-such-practice"):
        build_plan(snap, "Sousse", "Amman", ["no-such-practice"])


def test_the_plan_reads_in_arabic(snap):
    with i18n.using("ar"):
        plan = build_plan(snap, "Sousse", "Amman")
        text = plan_markdown(plan)
        pdf = plan_pdf(plan)
    assert re.search(r"[\u0600-\u06FF]{4,}", text.split("\n")[0])
    assert pdf[:5] == b"%PDF-"


def test_cli_plan_prints_markdown_and_writes_files(tmp_path, monkeypatch, capsys):
    from matcher.cli import main

    monkeypatch.setenv("CPM_DB_PATH", str(tmp_path / "cli.sqlite"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["plan", "--city", "Sousse", "--partner", "Amman", "--output", "-"]) == 0
    out = capsys.readouterr().out
    assert all(h in out for h in PARTS)
    target = tmp_path / "plan.docx"
    assert main(["plan", "--city", "Sousse", "--partner", "Amman", "--format", "docx", "--output", str(target)]) == 0
    assert target.read_bytes()[:2] == b"PK"
    assert main(["plan", "--city", "Sousse", "--partner", "Amman", "--format", "pdf", "--output", "-"]) == 2
    assert "standard output" in capsys.readouterr().err
