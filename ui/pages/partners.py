"""The Twinning partners page: cities whose practices answer a city's stated needs, or share its context."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher import i18n
from matcher.brief import shorten
from matcher.i18n import N_, _
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


MODE_LABELS = {"mentor": N_("mentor"), "peer": N_("peer")}


# ---- Twinning partners -----------------------------------------------------------------------
def twinning_partners() -> None:
    st.title(_("Twinning partners"))
    catalog, _matcher, tw = twinning()
    with st.form("partners"):
        names = [""] + sorted(c.city for c in catalog.cities)
        city = st.selectbox(_("Your city"), names, help=_("Its stated challenges are its needs, its practices what it can offer."),
                            format_func=lambda c: c or _("(choose a city)"))
        text = st.text_area(_("…or paste your needs"), height=100, max_chars=MAX_CHARS)
        c1, c2, c3, c4 = st.columns(4)
        mode = c1.radio(_("Mode"), ["mentor", "peer"], format_func=lambda m: _(MODE_LABELS[m]),
                        help=_("mentor: more experienced on your needs; peer: similar context and shared challenges"))
        k = c2.slider(_("How many"), 1, 15, 5)
        other_country = c3.checkbox(_("Only other countries"))
        shared_lang = c4.checkbox(_("Require a shared working language"))
        regions = st.multiselect(_("Partner region"), REGIONS, format_func=i18n.region, placeholder=_("Choose options"))
        submitted = st.form_submit_button(_("Suggest partners"), type="primary")
    if not submitted:
        return
    if not city and not text.strip():
        st.error(_("Pick your city or paste its needs."))
        return
    constraints = Constraints(other_country, shared_lang, tuple(regions))
    context_only = bool(city) and not text.strip() and not tw.needs[city]
    try:
        if context_only:
            st.info(_("{city} has no stated challenges in the catalog yet, so we cannot say whose practices answer its needs. "
                      "These cities share its context (language, region, size) and have documented practices. "
                      "Paste its needs above for partners that answer them.").format(city=city))
            partners = tw.context_partners(city, k=k, constraints=constraints)
        else:
            partners = tw.partners(city=city or None, text=text or None, k=k, mode=mode, constraints=constraints)
    except TwinningError as exc:
        st.error(str(exc))
        return
    if not partners:
        st.warning(_("No partner fits these constraints. Loosen them and try again."))
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
    country = lambda p: i18n.country(catalog.city_by_name[p.city].country_code if p.city in catalog.city_by_name else "", p.country)  # noqa: E731
    titles = {q.id: q for q in catalog.practices}
    table = pd.DataFrame([
        {_("city"): p.city, _("country"): country(p), _("fit (0-1)"): round(p.score, 2), _("their practices answer your needs"): round(p.helps_you, 2),
         _("yours answer theirs"): round(p.you_help, 2), _("shared context"): round(p.context["score"], 2)}
        for p in partners
    ])
    st.dataframe(table, hide_index=True, width="stretch")
    for p in partners:
        with st.expander(_("{city} ({country}): fit {score}").format(city=p.city, country=country(p), score=i18n.number(p.score, 2))):
            for r in p.reasons:
                st.markdown("- " + safe_md(r))
            for d in p.drivers:
                practice = titles.get(d["practice_id"])
                title = practice.text("title", i18n.language()) if practice else d["title"]
                st.markdown(_("**Your need:** {need}").format(need=safe_md(shorten(d["need"], NEED_CHARS))) + "  \n→ "
                            + _("{title} ({evidence}, match {score}); themes: {themes}").format(
                                title=safe_md(title), evidence=safe_md(i18n.label(i18n.EVIDENCE_LABELS, d["evidence_level"])),
                                score=i18n.number(d["score"], 2), themes=safe_md(", ".join(theme_label(catalog, t) for t in d["themes"]))))
    show_funders(funder_matches, funder_region)
