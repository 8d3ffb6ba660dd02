"""What an official takes away from a search: the shortlist (CSV rows) and a brief that prints on one A4
page, as HTML and as PDF, written in the reader's language (`i18n`).

Shared by the app and the CLI; every value is escaped (HTML) or formula-escaped later by the CSV writer.
The PDF embeds Noto Sans and Noto Sans Arabic (SIL Open Font License, matcher/fonts/) and shapes text with
HarfBuzz, so Arabic is joined and laid out right to left."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence

from . import i18n
from .i18n import _

BRIEF_RESULTS = 5  # what fits one A4 page with fit notes and partners
MIN_BRIEF_RESULTS = 2  # the PDF drops results beyond this one by one until the page fits
BRIEF_PARTNERS = 3
SUMMARY_CHARS = 320  # cut at a word boundary, marked with an ellipsis
STATEMENT_CHARS = 600
FONT_DIR = Path(__file__).resolve().parent / "fonts"


def shortlist_rows(resp) -> list[dict]:
    """One row per good match, with column names in the reader's language: what it is, why it matched,
    what it needs, where it is documented."""
    rows = []
    for i, r in enumerate(resp.results):
        rows.append({
            _("rank"): i + 1, _("title"): r.title, _("city"): r.city, _("country"): r.country,
            _("match"): i18n.label(i18n.STRENGTH_LABELS, r.strength), _("score"): round(r.score, 3),
            _("evidence"): i18n.label(i18n.EVIDENCE_LABELS, r.evidence_level), _("summary"): r.summary, _("answers"): r.challenge,
            _("your words matched"): "; ".join(r.matched_words), _("themes"): "; ".join(r.matched_theme_labels),
            _("prerequisites"): "; ".join(r.prerequisites), _("fit notes"): " | ".join(r.fit_notes),
            _("source"): r.source_title, _("source address"): r.source_url or "",
            _("text language"): r.text_language,
        })
    return rows


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


@dataclass(frozen=True)
class BriefItem:
    title: str
    facts: str  # city, country; match; evidence
    summary: str
    matched: str
    notes: tuple[str, ...]
    source_title: str
    source_url: str | None


@dataclass(frozen=True)
class Brief:
    """The brief's content in the reader's language, laid out by `brief_html` and `brief_pdf`."""

    heading: str
    statement_label: str
    statement: str
    understood: str
    lacks: str
    items: tuple[BriefItem, ...]
    more: int
    partners_heading: str
    partners: tuple[tuple[str, str], ...]
    footer: str
    rtl: bool
    lang: str


def brief_content(text: str, resp, partners: Sequence = (), today: date | None = None, results: int = BRIEF_RESULTS) -> Brief:
    items = []
    for r in resp.results[:results]:
        url = r.source_url if r.source_url and r.source_url.startswith(("http://", "https://")) else None
        facts = _("{city}, {country}; {match}; evidence: {evidence}").format(
            city=r.city, country=r.country, match=i18n.label(i18n.STRENGTH_LABELS, r.strength).lower(),
            evidence=i18n.label(i18n.EVIDENCE_LABELS, r.evidence_level).lower())
        matched = _("Your words it matched: {words}").format(words=", ".join(r.matched_words[:5])) if r.matched_words else ""
        items.append(BriefItem(r.title, facts, shorten(r.summary), matched, tuple(r.fit_notes), r.source_title, url))
    understood = ", ".join(h.label for h in resp.understood) or _("no known theme")
    lacks = "; ".join(c.text for c in resp.constraints)
    return Brief(
        heading=_("Practices for your city's challenges"),
        statement_label=_("Your challenges:"),
        statement=shorten(text, STATEMENT_CHARS),
        understood=_("We understood: {themes}").format(themes=understood),
        lacks=_("What your city lacks: {lacks}").format(lacks=lacks) if lacks else "",
        items=tuple(items),
        more=max(0, len(resp.results) - results),
        partners_heading=_("Cities worth twinning with"),
        partners=tuple((p.city + f" ({p.country})", "; ".join(p.reasons[:2])) for p in list(partners)[:BRIEF_PARTNERS]),
        footer=_("City Practice Matcher, {date}. Facts come from the sources named; check them before you act.").format(
            date=i18n.day(today or date.today())),
        rtl=i18n.is_rtl(),
        lang=i18n.language(),
    )


def _more_line(b: Brief) -> str:
    return i18n.ngettext("{n} more in the app and in the CSV shortlist.", "{n} more in the app and in the CSV shortlist.", b.more).format(n=b.more)


def brief_html(text: str, resp, partners: Sequence = (), today: date | None = None) -> str:
    """A printable brief on one A4 page: the challenges, the top results with their fit notes, partners."""
    e = html.escape
    b = brief_content(text, resp, partners, today)
    items = []
    for it in b.items:
        link = f'<a href="{e(it.source_url)}">{e(it.source_title)}</a>' if it.source_url else e(it.source_title)
        notes = "".join(f"<li>{e(n)}</li>" for n in it.notes)
        items.append(
            f"<li><b>{e(it.title)}</b> ({e(it.facts)})<br>{e(it.summary)}"
            + (f"<br><i>{e(it.matched)}</i>" if it.matched else "")
            + (f"<ul class='notes'>{notes}</ul>" if notes else "")
            + f"<div class='src'>{e(_('Source:'))} {link}</div></li>"
        )
    tail = f"<p class='src'>{e(_more_line(b))}</p>" if b.more else ""
    partner_items = "".join(f"<li><b>{e(name)}</b>: {e(why)}</li>" for name, why in b.partners)
    partners_html = f"<h2>{e(b.partners_heading)}</h2><ol>{partner_items}</ol>" if partner_items else ""
    lacks = f"<p>{e(b.lacks)}</p>" if b.lacks else ""
    return (
        f"<!doctype html><html lang='{b.lang}' dir='{'rtl' if b.rtl else 'ltr'}'><head><meta charset='utf-8'>"
        f"<title>{e(_('City Practice Matcher brief'))}</title><style>"
        "@page{size:A4;margin:12mm}body{font-family:'Noto Sans','Noto Sans Arabic',sans-serif;font-size:9.5pt;line-height:1.3;max-width:186mm;margin:auto}"
        "h1{font-size:14pt;margin:0 0 4px}h2{font-size:11pt;margin:8px 0 2px}ol{padding-inline-start:18px;margin:2px 0}"
        "li{margin-bottom:5px}ul.notes{margin:2px 0;padding-inline-start:14px;font-size:8.5pt;color:#444}.src{font-size:8pt;color:#555}"
        "bdi{unicode-bidi:isolate}p{unicode-bidi:plaintext}</style></head><body>"
        f"<h1>{e(b.heading)}</h1><p><b>{e(b.statement_label)}</b> <bdi>{e(b.statement)}</bdi></p>"
        f"<p>{e(b.understood)}</p>{lacks}"
        f"<ol>{''.join(items)}</ol>{tail}{partners_html}"
        f"<p class='src'>{e(b.footer)}</p>"
        "</body></html>"
    )


def brief_pdf(text: str, resp, partners: Sequence = (), today: date | None = None) -> bytes:
    """The same brief as a one-page A4 PDF (results beyond what fits are left to the CSV and the app)."""
    for n in range(BRIEF_RESULTS, MIN_BRIEF_RESULTS - 1, -1):
        pdf = _render_pdf(brief_content(text, resp, partners, today, results=n))
        if pdf.pages_count == 1 or n == MIN_BRIEF_RESULTS:
            return bytes(pdf.output())
    raise AssertionError("unreachable")


def pdf_document(title: str, margin: float = 12):
    """An A4 PDF with Noto Sans and Noto Sans Arabic embedded and HarfBuzz shaping on, in the reader's language:
    the one way the take-aways (brief, exchange plan) write PDF."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, margin=margin)
    pdf.add_font("NotoSans", "", FONT_DIR / "NotoSans-Regular.ttf")
    pdf.add_font("NotoSans", "B", FONT_DIR / "NotoSans-Bold.ttf")
    pdf.add_font("NotoSansArabic", "", FONT_DIR / "NotoSansArabic-Regular.ttf")
    pdf.add_font("NotoSansArabic", "B", FONT_DIR / "NotoSansArabic-Bold.ttf")
    pdf.set_fallback_fonts(["NotoSansArabic"])  # Arabic letters in any line, with Latin names and numbers beside them
    pdf.set_text_shaping(use_shaping_engine=True)  # HarfBuzz joins Arabic letters; the bidi algorithm orders each line
    pdf.set_title(title)
    pdf.set_lang(i18n.language())
    pdf.add_page()
    return pdf


def _render_pdf(b: Brief):
    pdf = pdf_document(_("City Practice Matcher brief"))
    align = "R" if b.rtl else "L"

    def para(s: str, size: float = 9.0, style: str = "", gap: float = 1.0, colour: int = 0) -> None:
        if not s:
            return
        pdf.set_font("NotoSans", style, size)
        pdf.set_text_color(colour)
        pdf.multi_cell(0, size * 0.45, s, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(b.heading, 14, "B", 2)
    para(b.statement_label + " " + b.statement, 9)
    para(b.understood, 9)
    para(b.lacks, 9)
    for n, it in enumerate(b.items, 1):
        para(f"{n}. {it.title}", 10, "B", 0.3)
        para(it.facts, 8, "", 0.3, 80)
        para(it.summary, 8.5, "", 0.3)
        para(it.matched, 8, "", 0.3, 60)
        for note in it.notes:
            para("• " + note, 7.5, "", 0.2, 70)
        para(_("Source:") + " " + it.source_title + (f" <{it.source_url}>" if it.source_url else ""), 7, "", 1.5, 90)
    if b.more:
        para(_more_line(b), 7.5, "", 1, 90)
    if b.partners:
        para(b.partners_heading, 11, "B", 0.5)
        for name, why in b.partners:
            para(f"{name}: {why}", 8, "", 0.5)
    para(b.footer, 7, "", 0, 90)
    return pdf


__all__ = ["BRIEF_PARTNERS", "BRIEF_RESULTS", "Brief", "brief_content", "brief_html", "brief_pdf", "pdf_document", "shortlist_rows", "shorten"]
