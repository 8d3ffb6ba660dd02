"""What an official takes away from a search: the shortlist (CSV rows) and a brief that prints on one A4 page.

Shared by the app and the CLI; every value is escaped (HTML) or formula-escaped later by the CSV writer."""
from __future__ import annotations

import html
from datetime import date
from typing import Sequence

BRIEF_RESULTS = 5  # what fits one A4 page with fit notes and partners
BRIEF_PARTNERS = 3
SUMMARY_CHARS = 320  # cut at a word boundary, marked with an ellipsis


def shortlist_rows(resp) -> list[dict]:
    """One row per good match: what it is, why it matched, what it needs, where it is documented."""
    return [
        {
            "rank": i + 1, "title": r.title, "city": r.city, "country": r.country, "match": r.strength, "score": round(r.score, 3),
            "evidence": r.evidence_level, "summary": r.summary, "answers": r.challenge,
            "your_words_matched": "; ".join(r.matched_words), "themes": "; ".join(r.matched_theme_labels),
            "prerequisites": "; ".join(r.prerequisites), "fit_notes": " | ".join(r.fit_notes),
            "source": r.source_title, "source_url": r.source_url or "",
        }
        for i, r in enumerate(resp.results)
    ]


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def brief_html(text: str, resp, partners: Sequence = (), today: date | None = None) -> str:
    """A printable brief on one A4 page: the challenges, the top results with their fit notes, partners."""
    e = html.escape
    items = []
    for r in resp.results[:BRIEF_RESULTS]:
        url = r.source_url if r.source_url and r.source_url.startswith(("http://", "https://")) else None
        link = f'<a href="{e(url)}">{e(r.source_title)}</a>' if url else e(r.source_title)
        notes = "".join(f"<li>{e(n)}</li>" for n in r.fit_notes)
        items.append(
            f"<li><b>{e(r.title)}</b> ({e(r.city)}, {e(r.country)}; {e(r.strength)} match; evidence: {e(r.evidence_level)})"
            f"<br>{e(shorten(r.summary))}"
            + (f"<br><i>Your words it matched:</i> {e(', '.join(r.matched_words[:5]))}" if r.matched_words else "")
            + (f"<ul class='notes'>{notes}</ul>" if notes else "")
            + f"<div class='src'>Source: {link}</div></li>"
        )
    more = len(resp.results) - BRIEF_RESULTS
    tail = f"<p class='src'>{more} more in the app and in the CSV shortlist.</p>" if more > 0 else ""
    partner_items = "".join(f"<li><b>{e(p.city)}</b> ({e(p.country)}): {e('; '.join(p.reasons[:2]))}</li>" for p in list(partners)[:BRIEF_PARTNERS])
    partners_html = f"<h2>Cities worth twinning with</h2><ol>{partner_items}</ol>" if partner_items else ""
    lacks = f"<p><b>What your city lacks:</b> {e('; '.join(c.text for c in resp.constraints))}</p>" if resp.constraints else ""
    direction = "rtl" if resp.language == "ar" else "ltr"
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>City Practice Matcher brief</title><style>"
        "@page{size:A4;margin:12mm}body{font-family:sans-serif;font-size:9.5pt;line-height:1.3;max-width:186mm;margin:auto}"
        "h1{font-size:14pt;margin:0 0 4px}h2{font-size:11pt;margin:8px 0 2px}ol{padding-inline-start:18px;margin:2px 0}"
        "li{margin-bottom:5px}ul.notes{margin:2px 0;padding-inline-start:14px;font-size:8.5pt;color:#444}.src{font-size:8pt;color:#555}"
        "bdi,p{unicode-bidi:plaintext}</style></head><body>"
        f"<h1>Practices for your city's challenges</h1><p dir='{direction}'><b>Your challenges:</b> <bdi>{e(shorten(text, 600))}</bdi></p>"
        f"<p><b>We understood:</b> {e(', '.join(h.label for h in resp.understood)) or 'no known theme'}</p>{lacks}"
        f"<ol>{''.join(items)}</ol>{tail}{partners_html}"
        f"<p class='src'>City Practice Matcher, {(today or date.today()).isoformat()}. Facts come from the sources named; check them before you act.</p>"
        "</body></html>"
    )


__all__ = ["BRIEF_PARTNERS", "BRIEF_RESULTS", "brief_html", "shortlist_rows", "shorten"]
