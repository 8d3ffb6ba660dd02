"""The Network pairing page (hub staff): pairs for a region or a list of cities, and following each proposal."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from matcher.io import rows_to_csv
from matcher.schema import REGIONS, Proposal
from matcher.twinning import Constraints, TwinningError

from ..components import (
    get_store,
    require_hub_sign_in,
    safe_md,
    twinning,
)


# ---- Network pairing (hub) -------------------------------------------------------------------
def network_pairing() -> None:
    st.title("Network pairing")
    if not require_hub_sign_in():
        return
    catalog, _, tw = twinning()
    with st.form("pairs"):
        region = st.selectbox("Region", ["(all)"] + list(REGIONS))
        cities = st.multiselect("…or choose cities", sorted(c.city for c in catalog.cities))
        c1, c2, c3 = st.columns(3)
        mentor = c1.checkbox("Mentor mode", help="Cities with stated needs are paired with cities whose practices answer them.")
        capacity = c1.number_input("Mentees per mentor", 1, 10, 2)
        other_country = c2.checkbox("Pair only across countries")
        shared_lang = c3.checkbox("Require a shared working language")
        groups = c2.checkbox("Include groups of places and unnamed places", help="By default only single cities and counties are paired.")
        submitted = st.form_submit_button("Propose pairs", type="primary")
    if submitted:
        regions = () if region == "(all)" else (region,)
        try:
            with st.spinner("Finding the best pairs…"):
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
    st.subheader(f"{len(result['pairs'])} proposed pairs")
    st.caption(f"Pair quality {result['total_weight']:.2f} in all (the sum of the pair scores, each 0–1); pairing the strongest "
               f"links first would reach {result['greedy_weight']:.2f}. Each line says why the two cities fit.")
    for n, r in enumerate(result["pairs"]):
        c1, c2 = st.columns([5, 1])
        c1.markdown(f"**{safe_md(r[a])} – {safe_md(r[b])}** (score {r['weight']:.2f}): {safe_md(r.get('reason', ''))}")
        if c2.button("Track", key=f"track_{n}", help="Start following this pair below"):
            st.session_state["track_pair"] = (r[a], r[b], "mentor" if mentor else "peer")
    if result["unpaired"]:
        st.markdown(f"**Not paired ({len(result['unpaired'])}), and what would pair them:**")
        st.dataframe(pd.DataFrame(result["unpaired"]).rename(columns={"city": "City", "reason": "What kept it out"}), hide_index=True, width="stretch")
    st.download_button("Download pairs (CSV)", rows_to_csv(result["pairs"]), "pairs.csv", "text/csv")
    lines = []
    for r in result["pairs"]:
        ca, cb = catalog.city_by_name[r[a]], catalog.city_by_name[r[b]]
        if ca.located and cb.located:
            lines.append({"from_lon": ca.lon, "from_lat": ca.lat, "to_lon": cb.lon, "to_lat": cb.lat, "pair": f"{ca.city} – {cb.city}"})
    if lines:
        import pydeck as pdk

        st.subheader("Pairs on the map")
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


PROPOSAL_STATUSES = ["proposed", "contacted", "agreed", "declined"]


def _proposal_tracking(catalog) -> None:
    st.subheader("Follow the proposals")
    store = get_store()
    names = sorted(c.city for c in catalog.cities)
    chosen = st.session_state.get("track_pair")
    if chosen:
        st.info(f"Following {chosen[0]} – {chosen[1]}: set its status below.")
    flash = st.session_state.pop("proposal_flash", None)
    if flash:
        st.success(flash)
    with st.form("proposal", clear_on_submit=True):
        c1, c2, c3, c4 = st.columns(4)
        a = c1.selectbox("City *", names, index=names.index(chosen[0]) if chosen and chosen[0] in names else None, placeholder="Choose a city")
        b = c2.selectbox("Partner *", names, index=names.index(chosen[1]) if chosen and chosen[1] in names else None, placeholder="Choose a city")
        status = c3.selectbox("Status *", PROPOSAL_STATUSES)
        when = c4.date_input("Date", value=date.today())
        modes = ["peer", "mentor"]
        mode = st.radio("Mode", modes, index=modes.index(chosen[2]) if chosen else 0, horizontal=True)
        note = st.text_input("Note", max_chars=2000)
        if st.form_submit_button("Record status"):
            if not a or not b:
                st.error("Choose both cities of the pair.")
            else:
                try:
                    store.record_proposal(Proposal(city_a=a, city_b=b, mode=mode, status=status, note=note, date=when))
                    st.session_state.pop("track_pair", None)
                    st.session_state["proposal_flash"] = f"Recorded: {a} – {b} is {status}."
                    st.rerun()
                except ValueError as exc:
                    st.error(str(exc))
    current = store.proposal_status()
    if current:
        st.markdown("**Where each pair stands now**")
        st.dataframe(pd.DataFrame([{"pair": f"{e['city_a']} – {e['city_b']}", "mode": e["mode"], "status": e["status"], "since": e["date"], "note": e["note"]}
                                   for e in sorted(current, key=lambda e: (e["city_a"], e["city_b"]))]), hide_index=True, width="stretch")
        with st.expander("History of every pair"):
            st.dataframe(pd.DataFrame(store.proposal_history()).drop(columns=["event_id"]), hide_index=True, width="stretch")
    else:
        st.caption("No proposal followed yet: press Track on a proposed pair above, or choose two cities.")
