"""The Network pairing page (hub staff): pairs for a region or a list of cities, and following each proposal."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from matcher import i18n
from matcher.i18n import N_, _, ngettext
from matcher.io import rows_to_csv
from matcher.schema import REGIONS, Proposal
from matcher.twinning import Constraints, TwinningError

from ..components import (
    get_store,
    require_hub_sign_in,
    safe_md,
    twinning,
)

ALL_REGIONS = N_("(all)")  # the "no region filter" option (the value stays this English code; shown with _())


# ---- Network pairing (hub) -------------------------------------------------------------------
def network_pairing() -> None:
    st.title(_("Network pairing"))
    if not require_hub_sign_in():
        return
    catalog, _matcher, tw = twinning()
    with st.form("pairs"):
        region = st.selectbox(_("Region"), [ALL_REGIONS] + list(REGIONS), format_func=lambda r: _(ALL_REGIONS) if r == ALL_REGIONS else i18n.region(r))
        cities = st.multiselect(_("…or choose cities"), sorted(c.city for c in catalog.cities), placeholder=_("Choose options"))
        c1, c2, c3 = st.columns(3)
        mentor = c1.checkbox(_("Mentor mode"), help=_("Cities with stated needs are paired with cities whose practices answer them."))
        capacity = c1.number_input(_("Mentees per mentor"), 1, 10, 2)
        other_country = c2.checkbox(_("Pair only across countries"))
        shared_lang = c3.checkbox(_("Require a shared working language"))
        groups = c2.checkbox(_("Include groups of places and unnamed places"), help=_("By default only single cities and counties are paired."))
        submitted = st.form_submit_button(_("Propose pairs"), type="primary")
    if submitted:
        regions = () if region == ALL_REGIONS else (region,)
        try:
            with st.spinner(_("Finding the best pairs…")):
                result = tw.pairs(cities=cities or None, constraints=Constraints(other_country, shared_lang, regions),
                                  mentor_capacity=int(capacity) if mentor else None, include_groups=groups)
            st.session_state["pairing"] = result
        except TwinningError as exc:
            st.error(str(exc))
            st.session_state.pop("pairing", None)
    result = st.session_state.get("pairing")
    if result:
        _show_pairing(catalog, tw, result)
    _proposal_tracking(catalog)


def _show_pairing(catalog, tw, result) -> None:
    mentor = result["mode"] == "mentor"
    a, b = ("mentee", "mentor") if mentor else ("city_a", "city_b")
    n_pairs = len(result["pairs"])
    st.subheader(ngettext("{n} proposed pair", "{n} proposed pairs", n_pairs).format(n=n_pairs))
    st.caption(_("Pair quality {total} in all (the sum of the pair scores, each 0–1); pairing the strongest "
                 "links first would reach {greedy}. Each line says why the two cities fit.").format(
        total=i18n.number(result["total_weight"], 2), greedy=i18n.number(result["greedy_weight"], 2)))
    for n, r in enumerate(result["pairs"]):
        c1, c2 = st.columns([5, 1])
        c1.markdown(_("**{city} – {partner}** (score {score}): {reason}").format(
            city=safe_md(r[a]), partner=safe_md(r[b]), score=i18n.number(r["weight"], 2), reason=safe_md(r.get("reason", ""))))
        if c2.button(_("Track"), key=f"track_{n}", help=_("Start following this pair below")):
            st.session_state["track_pair"] = (r[a], r[b], "mentor" if mentor else "peer")
    if result["unpaired"]:
        st.markdown(_("**Not paired ({n}), and what would pair them:**").format(n=len(result["unpaired"])))
        st.dataframe(pd.DataFrame(result["unpaired"]).rename(columns={"city": _("City"), "reason": _("What kept it out")}), hide_index=True, width="stretch")
    st.download_button(_("Download pairs (CSV)"), rows_to_csv(result["pairs"]), _("pairs.csv"), "text/csv")
    lines = []
    for r in result["pairs"]:
        ca, cb = catalog.city_by_name[r[a]], catalog.city_by_name[r[b]]
        if ca.located and cb.located:
            lines.append({"from_lon": ca.lon, "from_lat": ca.lat, "to_lon": cb.lon, "to_lat": cb.lat, "pair": f"{ca.city} – {cb.city}"})
    if lines:
        import pydeck as pdk

        st.subheader(_("Pairs on the map"))
        lats = [x for l in lines for x in (l["from_lat"], l["to_lat"])]
        lons = [x for l in lines for x in (l["from_lon"], l["to_lon"])]
        view = map_view(lats, lons)
        layer = pdk.Layer("LineLayer", data=pd.DataFrame(lines), get_source_position="[from_lon, from_lat]", get_target_position="[to_lon, to_lat]", get_color=[200, 30, 0, 200], get_width=4, pickable=True)
        dots = pdk.Layer("ScatterplotLayer", data=pd.DataFrame({"lon": lons, "lat": lats}), get_position="[lon, lat]", get_radius=20000, get_fill_color=[30, 60, 160, 200])
        st.pydeck_chart(pdk.Deck(layers=[layer, dots], initial_view_state=pdk.ViewState(**view), map_style=None, tooltip={"text": "{pair}"}))


def map_view(lats: list[float], lons: list[float]) -> dict:
    """Centre and zoom that frame the given points (web-mercator zoom from the larger span)."""
    import math

    span = max(max(lats) - min(lats), (max(lons) - min(lons)) * 0.6, 0.5)
    zoom = max(0.5, min(9.0, math.log2(360 / span) - 0.6))
    return {"latitude": (max(lats) + min(lats)) / 2, "longitude": (max(lons) + min(lons)) / 2, "zoom": round(zoom, 2)}


PROPOSAL_STATUSES = ["proposed", "contacted", "agreed", "declined"]  # stored as these codes
# How the stored codes are shown (module-level: translated with _() where shown).
PROPOSAL_STATUS_LABELS = {"proposed": N_("proposed"), "contacted": N_("contacted"), "agreed": N_("agreed"), "declined": N_("declined")}
PROPOSAL_MODE_LABELS = {"peer": N_("peer"), "mentor": N_("mentor")}
# Column headers of the history of every pair (in English, the stored field names).
PROPOSAL_HISTORY_HEADERS = {"city_a": N_("city_a"), "city_b": N_("city_b"), "mode": N_("mode"), "status": N_("status"), "note": N_("note"),
                            "date": N_("date"), "recorded_at": N_("recorded_at")}


def _proposal_tracking(catalog) -> None:
    st.subheader(_("Follow the proposals"))
    store = get_store()
    names = sorted(c.city for c in catalog.cities)
    chosen = st.session_state.get("track_pair")
    if chosen:
        st.info(_("Following {city} – {partner}: set its status below.").format(city=chosen[0], partner=chosen[1]))
    flash = st.session_state.pop("proposal_flash", None)
    if flash:
        st.success(flash)
    with st.form("proposal", clear_on_submit=True):
        c1, c2, c3, c4 = st.columns(4)
        a = c1.selectbox(_("City *"), names, index=names.index(chosen[0]) if chosen and chosen[0] in names else None, placeholder=_("Choose a city"))
        b = c2.selectbox(_("Partner *"), names, index=names.index(chosen[1]) if chosen and chosen[1] in names else None, placeholder=_("Choose a city"))
        status = c3.selectbox(_("Status *"), PROPOSAL_STATUSES, format_func=lambda s: i18n.label(PROPOSAL_STATUS_LABELS, s))
        when = c4.date_input(_("Date"), value=date.today())
        modes = ["peer", "mentor"]
        mode = st.radio(_("Mode"), modes, index=modes.index(chosen[2]) if chosen else 0, horizontal=True,
                        format_func=lambda m: i18n.label(PROPOSAL_MODE_LABELS, m))
        note = st.text_input(_("Note"), max_chars=2000)
        if st.form_submit_button(_("Record status")):
            if not a or not b:
                st.error(_("Choose both cities of the pair."))
            else:
                try:
                    store.record_proposal(Proposal(city_a=a, city_b=b, mode=mode, status=status, note=note, date=when))
                    st.session_state.pop("track_pair", None)
                    st.session_state["proposal_flash"] = _("Recorded: {city} – {partner} is {status}.").format(
                        city=a, partner=b, status=i18n.label(PROPOSAL_STATUS_LABELS, status))
                    st.rerun()
                except ValueError as exc:
                    st.error(str(exc))
    current = store.proposal_status()
    if current:
        st.markdown(_("**Where each pair stands now**"))
        st.dataframe(pd.DataFrame([{_("pair"): f"{e['city_a']} – {e['city_b']}", _("mode"): i18n.label(PROPOSAL_MODE_LABELS, e["mode"]),
                                    _("status"): i18n.label(PROPOSAL_STATUS_LABELS, e["status"]), _("since"): e["date"], _("note"): e["note"]}
                                   for e in sorted(current, key=lambda e: (e["city_a"], e["city_b"]))]), hide_index=True, width="stretch")
        with st.expander(_("History of every pair")):
            history = pd.DataFrame(store.proposal_history()).drop(columns=["event_id"])
            history["mode"] = history["mode"].map(lambda m: i18n.label(PROPOSAL_MODE_LABELS, m))
            history["status"] = history["status"].map(lambda s: i18n.label(PROPOSAL_STATUS_LABELS, s))
            st.dataframe(history, hide_index=True, width="stretch",
                         column_config={c: _(PROPOSAL_HISTORY_HEADERS[c]) for c in history.columns if c in PROPOSAL_HISTORY_HEADERS})
    else:
        st.caption(_("No proposal followed yet: press Track on a proposed pair above, or choose two cities."))
