"""From a match to a working exchange: the plan two cities write together.

Policy transfer fails in three ways (Dolowitz & Marsh): *uninformed* (the borrower does not know enough),
*incomplete* (essential parts are left out) and *inappropriate* (the contexts differ too much). The plan
checks each practice against the three, from what the catalog knows; what it does not know is said so,
never guessed. Six parts: framing questions from the mentee's stated challenges, the practices to study with
their core and adaptable components, the transferability check, who takes part locally, a draft study visit
and a roadmap with check-ins at 6 and 12 months. Exports: Markdown, Word and PDF.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Sequence

from . import i18n
from .brief import pdf_document, shorten
from .context import POPULATION_BAND_RATIO, population_ratio
from .i18n import _
from .languages import language_names

QUESTIONS = 3  # framing questions, as the EU Urban Initiative's peer reviews ask of the host city
PRACTICES = 3  # practices at the heart of one exchange
VISIT_DAYS = 2  # a study visit of 1.5-3 days
CHECK_INS = (6, 12)  # months after the visit
QUOTE_CHARS = 220


class PlanError(ValueError):
    """A plan that cannot be made (unknown city, no practice to study); the message says what to do."""


@dataclass(frozen=True)
class PracticeToStudy:
    id: str
    title: str
    city: str
    core: tuple[str, ...]
    adaptable: tuple[str, ...]
    checks: tuple[tuple[str, str], ...]  # (failure mode label, what to do about it)


@dataclass(frozen=True)
class ExchangePlan:
    mentee: str
    partner: str
    challenges: tuple[str, ...]
    questions: tuple[str, ...]
    practices: tuple[PracticeToStudy, ...]
    participants: tuple[str, ...]
    visit: tuple[tuple[str, tuple[str, ...]], ...]  # (day, items)
    roadmap: tuple[tuple[str, str], ...]  # (when, what)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def sections(self) -> list[tuple[str, list[str]]]:
        """The six parts as (heading, lines), in the reader's language: what every export lays out."""
        studied = []
        for p in self.practices:
            studied.append(f"{p.title} ({p.city})")
            studied.append("  " + _("Core (keep): {items}").format(items="; ".join(p.core) if p.core else _("not documented: ask the partner which parts are essential")))
            studied.append("  " + _("Adaptable: {items}").format(items="; ".join(p.adaptable) if p.adaptable else _("not documented")))
        checks = []
        for p in self.practices:
            checks.append(p.title)
            checks += [f"  {mode} {line}" for mode, line in p.checks]
        visit = []
        for day, items in self.visit:
            visit.append(day)
            visit += ["  " + i for i in items]
        return [
            (_("1. Framing questions"), [_("Stated challenges of {city}:").format(city=self.mentee)]
             + [f"“{c}”" for c in self.challenges] + list(self.questions)),
            (_("2. Practices to study"), studied),
            (_("3. Transferability check"), checks),
            (_("4. Who takes part locally"), list(self.participants)),
            (_("5. Study visit (draft agenda)"), visit),
            (_("6. Roadmap"), [f"{when}: {what}" for when, what in self.roadmap]),
        ]

    def title(self) -> str:
        return _("Exchange plan: {mentee} learning from {partner}").format(mentee=self.mentee, partner=self.partner)


def build_plan(snapshot, city: str, partner: str, practice_ids: Sequence[str] = ()) -> ExchangePlan:
    """The plan for `city` (the mentee) learning from `partner`, around `practice_ids` or, when none are
    given, the partner's practices that best answer the mentee's stated challenges."""
    catalog, tw = snapshot.catalog, snapshot.twinning
    mentee, host = catalog.find_city(city), catalog.find_city(partner)
    if mentee is None or host is None:
        raise PlanError(_("unknown city {name}; see `python -m matcher stats` or the cities table").format(
            name=repr(city if mentee is None else partner)))
    challenges = [shorten(i.statement, QUOTE_CHARS) for i in catalog.intakes_of(mentee.city)]
    if practice_ids:
        missing = [pid for pid in practice_ids if pid not in catalog.practice_by_id]
        if missing:
            raise PlanError(_("unknown practice id {ids}").format(ids=", ".join(missing)))
        practices = [catalog.practice_by_id[pid] for pid in practice_ids]
    else:
        practices = _answering_practices(catalog, tw, mentee, host)
    if not practices:
        raise PlanError(_("{partner} has no documented practice in the catalog to study; name one with --practice").format(partner=host.city))
    lang = i18n.language()
    studied = tuple(
        PracticeToStudy(p.id, p.text("title", lang), p.city, tuple(p.core_components), tuple(p.adaptable_components),
                        tuple(_checks(p, catalog.city_by_name.get(p.city), mentee, lang)))
        for p in practices[:PRACTICES]
    )
    return ExchangePlan(
        mentee=mentee.city, partner=host.city, challenges=tuple(challenges),
        questions=tuple(_questions(challenges, host.city)),
        practices=studied,
        participants=tuple(_participants(practices[:PRACTICES], lang)),
        visit=tuple(_visit(host.city, studied)),
        roadmap=tuple(_roadmap(host.city)),
    )


def _answering_practices(catalog, tw, mentee, host) -> list:
    if tw.needs.get(mentee.city):
        for p in tw.partners(city=mentee.city, k=len(catalog.cities), mode="mentor"):
            if p.city == host.city:
                ids = list(dict.fromkeys(d["practice_id"] for d in p.drivers))
                return [catalog.practice_by_id[i] for i in ids if i in catalog.practice_by_id]
    return [p for p in catalog.active_practices if p.city == host.city]


def _questions(challenges: list[str], partner: str) -> list[str]:
    """Three questions the mentee brings to the visit, one per stated challenge first (then general ones)."""
    out = [_("How did {partner} get from a challenge like “{challenge}” to a working programme, and what would we need to do the same?").format(
        partner=partner, challenge=shorten(c, 120)) for c in challenges[:QUESTIONS]]
    general = [
        _("Which parts of {partner}'s practice are essential, and which did it adapt over time?").format(partner=partner),
        _("Who pays for it, who runs it, and how did it survive changes of mayor?"),
        _("What results did {partner} measure, and how could we measure ours?").format(partner=partner),
    ]
    return (out + general)[:QUESTIONS]


def _checks(p, host_city, mentee, lang: str) -> list[tuple[str, str]]:
    """One line per failure mode of policy transfer, from what the catalog knows."""
    unknown = [label for f, label in ((p.cost, _("cost")), (p.staffing, _("staffing")), (p.duration, _("duration"))) if not f]
    evidence = i18n.label(i18n.EVIDENCE_LABELS, p.evidence_level).lower()
    informed = (_("the sources do not give {fields}: ask for them before the visit; evidence so far: {evidence}.").format(
        fields=", ".join(unknown), evidence=evidence) if unknown else
        _("cost, staffing and duration are documented; evidence so far: {evidence}.").format(evidence=evidence))
    prerequisites = p.prerequisites_in(lang)
    complete = (_("secure what it depends on: {needs}; keep its core components.").format(needs="; ".join(prerequisites)) if prerequisites
                else _("no prerequisites documented: ask which conditions it needed to work."))
    differences = []
    if host_city is not None:
        if host_city.country_code and mentee.country_code and host_city.country_code != mentee.country_code:
            differences.append(_("another national legal and funding frame ({a} and {b})").format(
                a=i18n.country(host_city.country_code, host_city.country), b=i18n.country(mentee.country_code, mentee.country)))
        ratio = population_ratio(mentee, host_city)
        if ratio is not None and ratio > POPULATION_BAND_RATIO:
            differences.append(_("populations about {ratio}x apart").format(ratio=i18n.number(ratio, 0)))
        if host_city.languages and mentee.languages and not set(host_city.languages) & set(mentee.languages):
            differences.append(_("no shared working language ({a}; {b})").format(
                a=language_names(host_city.languages), b=language_names(mentee.languages)))
    appropriate = (_("check what these differences change: {differences}; governance and budget are not in the catalog: compare them at the visit.").format(
        differences="; ".join(differences)) if differences else
        _("no sharp difference the catalog can see; governance and budget are not in the catalog: compare them at the visit."))
    return [(_("Uninformed?"), informed), (_("Incomplete?"), complete), (_("Inappropriate?"), appropriate)]


def _participants(practices, lang: str) -> list[str]:
    """Local counterparts of the roles that run the practices: lead actors, partners, the groups served."""
    roles: list[str] = []
    for p in practices:
        roles.append(_("Counterpart of the lead actor: {who}").format(who=p.lead_actor))
        if p.partners:
            roles.append(_("Counterparts of its partners: {who}").format(who=", ".join(p.partners)))
        if p.target_groups:
            roles.append(_("Representatives of the groups it serves: {who}").format(who=", ".join(p.target_groups)))
    roles.append(_("The city's prevention focal point, who owns the plan"))
    return list(dict.fromkeys(roles))


def _visit(partner: str, practices: Sequence[PracticeToStudy]) -> list[tuple[str, tuple[str, ...]]]:
    day1 = [_("Morning: welcome by {partner}; the framing questions; how the city organises prevention").format(partner=partner)]
    day1 += [_("Afternoon: on site at “{title}”, with the team that runs it").format(title=p.title) for p in practices[:1]]
    day2 = [_("Morning: on site at “{title}”, with the team that runs it").format(title=p.title) for p in practices[1:3]]
    if not day2:
        day2 = [_("Morning: meeting the practice's partners and the people it serves")]
    day2.append(_("Afternoon: working session, both cities: what to adopt, what to adapt, first steps of the roadmap"))
    return [(_("Day 1"), tuple(day1)), (_("Day 2"), tuple(day2))]


def _roadmap(partner: str) -> list[tuple[str, str]]:
    return [
        (_("Month 0"), _("study visit to {partner}; the plan agreed by both cities").format(partner=partner)),
        (_("Month 1"), _("local working group formed; roles and budget line named")),
        (_("Month 3"), _("first adapted activity started; return visit or call with {partner}").format(partner=partner)),
        (_("Month {n}").format(n=CHECK_INS[0]), _("6-month check-in: what was adopted, what was adapted and why, first results")),
        (_("Month {n}").format(n=CHECK_INS[1]), _("12-month check-in: results against the baseline; decide: adopted, adapted or not adopted")),
    ]


# ---- exports -------------------------------------------------------------------------------------------
def plan_markdown(plan: ExchangePlan) -> str:
    lines = [f"# {plan.title()}", ""]
    for heading, body in plan.sections():
        lines += [f"## {heading}", ""]
        lines += [("- " + b.strip()) if not b.startswith("  ") else ("  - " + b.strip()) for b in body]
        lines.append("")
    return "\n".join(lines)


def plan_docx(plan: ExchangePlan) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    rtl = i18n.is_rtl()
    doc.add_heading(plan.title(), level=1)
    for heading, body in plan.sections():
        doc.add_heading(heading, level=2)
        for b in body:
            para = doc.add_paragraph(b.strip(), style="List Bullet 2" if b.startswith("  ") else "List Bullet")
            if rtl:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def plan_pdf(plan: ExchangePlan) -> bytes:
    pdf = pdf_document(plan.title(), margin=15)
    align = "R" if i18n.is_rtl() else "L"

    def para(text: str, size: float, style: str = "", indent: float = 0) -> None:
        pdf.set_font("NotoSans", style, size)
        pdf.set_x(pdf.l_margin + (0 if align == "R" else indent))
        pdf.multi_cell(pdf.epw - indent, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")

    para(plan.title(), 15, "B")
    pdf.ln(2)
    for heading, body in plan.sections():
        pdf.ln(2)
        para(heading, 12, "B")
        for b in body:
            para(("– " if b.startswith("  ") else "• ") + b.strip(), 9.5, "", 6 if b.startswith("  ") else 0)
    return bytes(pdf.output())


EXPORTS = {"md": plan_markdown, "docx": plan_docx, "pdf": plan_pdf}

__all__ = ["EXPORTS", "ExchangePlan", "PlanError", "PracticeToStudy", "build_plan", "plan_docx", "plan_markdown", "plan_pdf"]
