"""The About page: what the tool does, how it measures itself, how complete the catalog is."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher import i18n
from matcher.freshness import FRESHNESS_MONTHS, fill_rates, verified_share
from matcher.i18n import N_, _

from ..components import (
    load_catalog,
    model,
)


# ---- About -----------------------------------------------------------------------------------
@st.cache_data(show_spinner=False)
def _evaluation(version: int) -> dict:
    from matcher import evaluate as ev

    catalog, matcher = model()
    return ev.run(catalog, "test", matcher)


ABOUT_PARAGRAPHS = (
    N_("City officials describe their city's challenges in English, French or Arabic and get the practices of "
       "other cities that answer them, each with the reason it matched, its source and the strength of its evidence; "
       "and the cities worth twinning with. Network hub staff keep the catalog alive and propose twinning pairs."),
    N_("**Data.** Every practice is a real, documented practice with its source, written in our own words from "
       "researched facts (Strong Cities Network material, RAN, UN-Habitat, city and county documents, news reports). "
       "Evidence levels: *described* < *results reported* < *evaluated* < *independently evaluated*."),
    N_("**Languages.** The interface and every practice's title, summary, approach and lessons are in English, French "
       "and Arabic. The translations are our own, written from the English record and checked by a second reader for "
       "meaning, names, numbers and places. Sources stay in their original language. A practice added later is shown "
       "in English until it is translated, and the page says so."),
    N_("**Method.** Two signals score every practice. *Words and themes*: statements and practices are normalised "
       "(Unicode, Arabic letters, accents), stemmed per language and matched with a field-weighted TF-IDF model. "
       "*Meaning*: a multilingual sentence encoder (Google's Universal Sentence Encoder v3, run offline) places English, "
       "French and Arabic text in one space, so a statement meets a practice that says the same thing in other words. "
       "The two are added with weights chosen on our development judgments; lines about what a city lacks (\"no budget\") "
       "are not searched for but checked against each practice's needs. A multilingual theme layer maps phrases in any of "
       "the three languages onto shared themes. Each score is explained by the terms and themes that contributed to it."),
    N_("**Funders.** \"Who supports this work\" lists funders and technical-assistance providers from their public pages "
       "(each with its source and the date it was checked), open to the city's region; a funder that frames the work as "
       "security is flagged. The tool does not endorse any funder, and amounts and rules change: check their pages."),
    N_("**How we measure.** Assessors graded practices for officials' statements blind (they saw only the statement "
       "and shuffled candidates): 2 = directly addresses the core problem, 1 = partly relevant, 0 = not useful."),
    N_("**Limits.** For some statements no practice in the catalog addresses the core problem; most practices are only "
       "*described* by their sources; city context (population, languages) is approximate."),
)


def about() -> None:
    catalog = load_catalog()
    st.title(_("About City Practice Matcher"))
    for paragraph in ABOUT_PARAGRAPHS:
        st.markdown(_(paragraph))
    st.metric(_("Practices"), i18n.number(len(catalog.active_practices)))
    st.metric(_("Cities"), i18n.number(len(catalog.cities)))
    rates = fill_rates(catalog.active_practices)
    st.subheader(_("How complete the implementation stories are"))
    st.caption(_("Share of practices for which a source gives each field; the rest is shown as unknown. "
                 "Facts checked against a source in the last {months} months: {share}.").format(
                     months=FRESHNESS_MONTHS, share=percent(verified_share(catalog.active_practices))))
    st.dataframe(pd.DataFrame([{_("field"): _(STORY_FIELD_LABELS.get(k, k)), _("filled from a source"): percent(v)} for k, v in rates.items()]),
                 hide_index=True)
    try:
        report = _evaluation(catalog.version)
        rows = [{_("system"): name, "nDCG@5": by["all"]["ndcg@5"], "nDCG@10": by["all"]["ndcg@10"], _("top-1 directly relevant"): by["all"]["top1"],
                 _("P@5 (grade 2)"): by["all"]["p@5"], "MRR": by["all"]["mrr"], _("unjudged in top 10"): by["all"]["unjudged@10"],
                 **{f"nDCG@5 {lang}": by.get(lang, {}).get("ndcg@5") for lang in ("en", "fr", "ar")}} for name, by in report["ranking"].items()]
        st.subheader(_("Ranking quality on the held-out test split ({n} statements)").format(n=report["statements"]))
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        ag = report.get("agreement") or {}
        st.caption(_("{pairs} judged pairs for these statements. Agreement between two assessors on "
                     "{double} double-judged pairs: weighted kappa {kappa}.").format(
                         pairs=i18n.number(report["judged_pairs"]), double=ag.get("pairs", 0), kappa=ag.get("kappa")))
    except (FileNotFoundError, ValueError) as exc:
        st.caption(_("Evaluation figures unavailable: {reason}").format(reason=exc))


def percent(share: float) -> str:
    return i18n.number(round(100 * share)) + " %" if i18n.language() == "fr" else i18n.number(round(100 * share)) + "%"


STORY_FIELD_LABELS = {
    "cost": N_("cost"), "cost_band": N_("cost band"), "staffing": N_("staffing"), "duration": N_("duration"),
    "core_components": N_("core components"), "adaptable_components": N_("adaptable components"),
    "contact_point": N_("contact point"), "last_verified": N_("last verified"), "status": N_("status"),
    "sources": N_("further sources"), "results": N_("results"), "lessons": N_("lessons"),
}
