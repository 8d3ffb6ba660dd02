"""The Twinning partners page: cities whose practices answer a city's stated needs, or share its context."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.brief import shorten
from matcher.schema import REGIONS
from matcher.twinning import Constraints, TwinningError

from ..components import (
    funders,
    safe_md,
    show_funders,
    theme_label,
    twinning,
)
from .find import MAX_CHARS, NEED_CHARS


# ---- Twinning partners -----------------------------------------------------------------------
def twinning_partners() -> None:
    st.title("Twinning partners")
    catalog, _, tw = twinning()
    with st.form("partners"):
        names = [""] + sorted(c.city for c in catalog.cities)
        city = st.selectbox("Your city", names, help="Its stated challenges are its needs, its practices what it can offer.")
        text = st.text_area("…or paste your needs", height=100, max_chars=MAX_CHARS)
        c1, c2, c3, c4 = st.columns(4)
        mode = c1.radio("Mode", ["mentor", "peer"], help="mentor: more experienced on your needs; peer: similar context and shared challenges")
        k = c2.slider("How many", 1, 15, 5)
        other_country = c3.checkbox("Only other countries")
        shared_lang = c4.checkbox("Require a shared working language")
        regions = st.multiselect("Partner region", REGIONS)
        submitted = st.form_submit_button("Suggest partners", type="primary")
    if not submitted:
        return
    if not city and not text.strip():
        st.error("Pick your city or paste its needs.")
        return
    constraints = Constraints(other_country, shared_lang, tuple(regions))
    context_only = bool(city) and not text.strip() and not tw.needs[city]
    try:
        if context_only:
            st.info(f"{city} has no stated challenges in the catalog yet, so we cannot say whose practices answer its needs. "
                    "These cities share its context (language, region, size) and have documented practices. "
                    "Paste its needs above for partners that answer them.")
            partners = tw.context_partners(city, k=k, constraints=constraints)
        else:
            partners = tw.partners(city=city or None, text=text or None, k=k, mode=mode, constraints=constraints)
    except TwinningError as exc:
        st.error(str(exc))
        return
    if not partners:
        st.warning("No partner fits these constraints. Loosen them and try again.")
        return
    funder_matches, funder_region = [], None
    if city:  # who supports work on this city's needs, in its region
        me = catalog.city_by_name[city]
        needs = text.strip() or " \n".join(i.statement for i in catalog.intakes_of(city))
        if needs.strip():
            snap_funders = funders()
            try:
                st_needs = snap_funders.matcher.analyse(needs)
                funder_matches = snap_funders.match(st_needs, me.region, me.country_code, k=3)
            except ValueError:
                funder_matches = []
            funder_region = me.region
    table = pd.DataFrame([
        {"city": p.city, "country": p.country, "fit (0-1)": round(p.score, 2), "their practices answer your needs": round(p.helps_you, 2),
         "yours answer theirs": round(p.you_help, 2), "shared context": round(p.context["score"], 2)}
        for p in partners
    ])
    st.dataframe(table, hide_index=True, width="stretch")
    for p in partners:
        with st.expander(f"{p.city} ({p.country}): fit {p.score:.2f}"):
            for r in p.reasons:
                st.markdown("- " + safe_md(r))
            for d in p.drivers:
                st.markdown(f"**Your need:** {safe_md(shorten(d['need'], NEED_CHARS))}  \n→ {safe_md(d['title'])} ({safe_md(d['evidence_level'])}, match {d['score']:.2f}); "
                            f"themes: {safe_md(', '.join(theme_label(catalog, t) for t in d['themes']))}")
    show_funders(funder_matches, funder_region)
