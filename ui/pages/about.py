"""The About page: what the tool does, how it measures itself, how complete the catalog is."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.freshness import FRESHNESS_MONTHS, fill_rates, verified_share

from ..components import (
    load_catalog,
    model,
)


# ---- About -----------------------------------------------------------------------------------
@st.cache_data(show_spinner="Measuring ranking quality…")
def _evaluation(version: int) -> dict:
    from matcher import evaluate as ev

    catalog, matcher = model()
    return ev.run(catalog, "test", matcher)


def about() -> None:
    catalog = load_catalog()
    st.title("About City Practice Matcher")
    st.markdown(
        """
City officials describe their city's challenges in English, French or Arabic and get the practices of
other cities that answer them, each with the reason it matched, its source and the strength of its evidence;
and the cities worth twinning with. Network hub staff keep the catalog alive and propose twinning pairs.

**Data.** Every practice is a real, documented practice with its source, written in our own words from
researched facts (Strong Cities Network material, RAN, UN-Habitat, city and county documents, news reports).
Evidence levels: *described* < *results reported* < *evaluated* < *independently evaluated*.

**Method.** Two signals score every practice. *Words and themes*: statements and practices are normalised
(Unicode, Arabic letters, accents), stemmed per language and matched with a field-weighted TF-IDF model.
*Meaning*: a multilingual sentence encoder (Google's Universal Sentence Encoder v3, run offline) places English,
French and Arabic text in one space, so a statement meets a practice that says the same thing in other words.
The two are added with weights chosen on our development judgments; lines about what a city lacks ("no budget")
are not searched for but checked against each practice's needs. A multilingual theme layer maps phrases in any of the three
languages onto shared theme ids, which lets a French or Arabic statement reach a practice written in English;
a lexicon gives French and Arabic words their English equivalents. Themes only hinted at (a lone "families")
or that the words merely lean towards count for less. Each score is explained by the terms and themes that
contributed to it.

**Funders.** "Who supports this work" lists funders and technical-assistance providers from their public pages
(each with its source and the date it was checked), open to the city's region; a funder that frames the work as
security is flagged. The tool does not endorse any funder, and amounts and rules change: check their pages.

**How we measure.** Assessors graded practices for officials' statements blind (they saw only the statement
and shuffled candidates): 2 = directly addresses the core problem, 1 = partly relevant, 0 = not useful.

**Limits.** For some statements no practice in the catalog addresses the core problem; most practices are only
*described* by their sources; city context (population, languages) is approximate.
"""
    )
    st.metric("Practices", len(catalog.active_practices))
    st.metric("Cities", len(catalog.cities))
    rates = fill_rates(catalog.active_practices)
    st.subheader("How complete the implementation stories are")
    st.caption(f"Share of practices for which a source gives each field; the rest is shown as unknown. "
               f"Facts checked against a source in the last {FRESHNESS_MONTHS} months: {verified_share(catalog.active_practices):.0%}.")
    st.dataframe(pd.DataFrame([{"field": k.replace("_", " "), "filled from a source": f"{v:.0%}"} for k, v in rates.items()]), hide_index=True)
    try:
        report = _evaluation(catalog.version)
        rows = [{"system": name, "nDCG@5": by["all"]["ndcg@5"], "nDCG@10": by["all"]["ndcg@10"], "top-1 directly relevant": by["all"]["top1"],
                 "P@5 (grade 2)": by["all"]["p@5"], "MRR": by["all"]["mrr"], "unjudged in top 10": by["all"]["unjudged@10"],
                 **{f"nDCG@5 {lang}": by.get(lang, {}).get("ndcg@5") for lang in ("en", "fr", "ar")}} for name, by in report["ranking"].items()]
        st.subheader(f"Ranking quality on the held-out test split ({report['statements']} statements)")
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        ag = report.get("agreement") or {}
        st.caption(f"{report['judged_pairs']:,} judged pairs for these statements. Agreement between two assessors on "
                   f"{ag.get('pairs', 0)} double-judged pairs: weighted kappa {ag.get('kappa')}.")
    except (FileNotFoundError, ValueError) as exc:
        st.caption(f"Evaluation figures unavailable: {exc}")
