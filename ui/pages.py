"""The app's pages: thin functions over the matcher library."""
from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import date
from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from matcher.brief import brief_html, shorten, shortlist_rows
from matcher.engine import EmptyStatement, Filters, NothingToMatch
from matcher.service import practice_record, preview_import
from matcher.freshness import FRESHNESS_MONTHS, fill_rates, stale, verified_share
from matcher.io import ReadError, read_upload, rows_to_csv, to_csv
from matcher.schema import EVIDENCE_LEVELS, REGIONS, STATUSES, Proposal
from matcher.store import ImportRejected
from matcher.text import detect_language
from matcher.twinning import Constraints, TwinningError, gap_report

from .components import (
    evidence_badge,
    load_catalog,
    get_store,
    model,
    require_hub_sign_in,
    rtl_text,
    safe_md,
    source_link,
    twinning,
)

EXAMPLES = {
    "English": "Young people in our poorer neighbourhoods drop out of school and have no jobs.\nHate speech against refugees is spreading on social media.",
    "Français": "Nos jeunes décrochent de l'école et le chômage touche surtout les quartiers défavorisés.\nNous accueillons de plus en plus de migrants et les tensions avec la population augmentent.",
    "العربية": "يعاني شباب الأحياء المهمشة من البطالة والانقطاع المدرسي.\nنستقبل أعدادا متزايدة من المهاجرين واللاجئين ونحتاج إلى برامج للإدماج والتماسك الاجتماعي.",
}
MAX_CHARS = 20_000
NEED_CHARS = 240  # a stated need shown on a partner card, cut at a word
LAST_SEARCH = "find_last_search"  # session-state key of the last search and its results
STRENGTH_WORDS = {"strong": "Strong", "good": "Good", "partial": "Partial", "weak": "Weak"}
MEANING_NOTE_MIN = 0.05  # a meaning share worth saying in words on the card


def _theme_label(catalog, tid: str) -> str:
    return catalog.taxonomy.label(tid, "en") if catalog.taxonomy else tid


# ---- Find practices --------------------------------------------------------------------------
def find_practices() -> None:
    st.title("Find practices")
    st.caption("Describe your city's challenges in English, French or Arabic. One challenge per line works best.")
    catalog = load_catalog()  # the form draws at once; the model is loaded when a search runs
    params = st.query_params
    last = st.session_state.get(LAST_SEARCH)  # the last search, kept across reruns, downloads and page switches
    if "statement" not in st.session_state:
        st.session_state["statement"] = params.get("q", "")[:MAX_CHARS] or (last["text"] if last else "")
    cols = st.columns(len(EXAMPLES) + 1)
    cols[0].markdown("**Examples:**")
    for col, (name, text) in zip(cols[1:], EXAMPLES.items()):
        if col.button(name, key=f"ex_{name}"):
            st.session_state["statement"] = text
    city_names = [""] + sorted(c.city for c in catalog.cities)
    theme_ids = catalog.taxonomy.ids
    kept = last["form"] if last else {}
    with st.form("find"):
        st.text_area("Your city's challenges (required)", key="statement", height=140, max_chars=MAX_CHARS)
        c1, c2, c3, c4 = st.columns(4)
        q_city = params.get("city", kept.get("city", ""))
        city = c1.selectbox("Your city (optional)", city_names, index=city_names.index(q_city) if q_city in city_names else 0,
                            format_func=lambda c: c or "(none: show practices from everywhere)")
        q_regions = [r for r in (params.get_all("region") or kept.get("regions", [])) if r in REGIONS]
        regions = c2.multiselect("Region", REGIONS, default=q_regions)
        q_themes = [t for t in (params.get_all("theme") or kept.get("themes", [])) if t in theme_ids]
        themes = c3.multiselect("Theme", theme_ids, default=q_themes, format_func=lambda t: _theme_label(catalog, t))
        q_ev = params.get("evidence", kept.get("evidence", ""))
        evidence = c4.selectbox("Evidence at least", [""] + list(EVIDENCE_LEVELS), index=([""] + list(EVIDENCE_LEVELS)).index(q_ev) if q_ev in EVIDENCE_LEVELS else 0)
        submitted = st.form_submit_button("Find practices", type="primary")
    text = st.session_state.get("statement", "")
    run = submitted or (params.get("q") and not st.session_state.get("ran_from_link"))
    if run:
        st.session_state["ran_from_link"] = True
        if not text or not text.strip():
            st.error("Please describe at least one challenge: the text is empty.")
            return
        form = {"city": city, "regions": regions, "themes": themes, "evidence": evidence}
        share = {"q": text, "city": city, "region": regions, "theme": themes, "evidence": evidence}
        share = {k: v for k, v in share.items() if v}
        st.query_params.from_dict(share)
        asking = catalog.city_by_name.get(city) if city else None
        filters = Filters(regions=tuple(regions), themes=tuple(themes), min_evidence=evidence or None, exclude_city=asking.city if asking else None)
        catalog, matcher = model()
        try:
            statement = matcher.analyse(text)  # analysed once: the results and the partners below both use it
            resp = matcher.recommend(statement, k=10, filters=filters, asking_city=asking)
        except (EmptyStatement, NothingToMatch) as exc:
            st.session_state.pop(LAST_SEARCH, None)
            st.error(str(exc).capitalize())
            _suggest_themes(catalog)
            return
        last = {"text": text, "form": form, "share": share, "statement": statement, "resp": resp, "version": catalog.version}
        st.session_state[LAST_SEARCH] = last
    if not last:
        return
    if not run and last["share"]:
        st.query_params.from_dict(last["share"])  # the address bar keeps the shareable search after a page switch
    _show_results(catalog, last)


def _show_results(catalog, last: dict) -> None:
    """The results of the last search: drawn from session state, so downloads and page switches keep them."""
    text, share, statement, resp = last["text"], last["share"], last["statement"], last["resp"]
    city = last["form"]["city"]
    if resp.truncated:
        st.warning(f"Your statement was long; only its first {MAX_CHARS:,} characters were used.")
    if resp.language == "ar":
        rtl_text(text)
    if resp.understood:
        chips = " ".join(f":blue-badge[{safe_md(h.label)}]" for h in resp.understood)
        st.markdown("**We understood:** " + chips)
    else:
        st.markdown("**We understood:** no known theme; matching on your words only.")
    if resp.also_considered:
        st.caption("Your words also lean towards: " + ", ".join(safe_md(h.label) for h in resp.also_considered) + " (weighed less).")
    if resp.constraints:
        st.markdown("**What your city lacks** (not searched for; checked against each practice's needs): "
                    + "; ".join(safe_md(c.text) for c in resp.constraints))
    if resp.meaning_note:
        st.caption(safe_md(resp.meaning_note[:1].upper() + resp.meaning_note[1:]) + ".")
    multi = len(resp.challenges) > 1
    if not resp.results:
        st.warning(resp.message or "No practice matches this statement with these filters.")
        if resp.closest:
            st.subheader("Closest, but not a good match")
            for n, r in enumerate(resp.closest, 1):
                render_card(n, r, catalog, multi)
        _suggest_themes(catalog)
        return
    st.subheader(f"{len(resp.results)} practices")
    for n, r in enumerate(resp.results, 1):
        render_card(n, r, catalog, multi)
    if resp.closest:
        with st.expander(f"Closest, but not a good match ({len(resp.closest)})"):
            for n, r in enumerate(resp.closest, len(resp.results) + 1):
                render_card(n, r, catalog, multi)
    if "partners" not in last:  # computed once per search: reruns for downloads and widgets reuse them
        last["partners"] = _partners_for(statement, city)
    partners = last["partners"]
    _show_partners(partners)
    _takeaway(text, share, resp, partners)
    _map_of_results(catalog, resp)


def render_card(n: int, r, catalog, multi: bool = False) -> None:
    """One result card. Every value from the catalog is escaped; only the source link is a link."""
    with st.container(border=True):
        st.markdown(f"#### {n}. {safe_md(r.title)}")
        head = st.columns([3, 2, 1])
        head[0].markdown(f"{safe_md(r.city)}, {safe_md(r.country)} · {safe_md(r.region)}")
        with head[1]:
            evidence_badge(r.evidence_level)
        head[2].markdown(f"**{STRENGTH_WORDS.get(r.strength, r.strength)}** match", help=f"Score {r.score:.2f} on a 0-1 scale: strong from 0.35, good from 0.25.")
        st.markdown(safe_md(r.summary))
        if r.matched_words:
            st.markdown("**Your words it matched:** " + ", ".join(f"“{safe_md(w)}”" for w in r.matched_words[:5]))
        meaning = next((c["contribution"] for c in r.contributions if c["kind"] == "meaning"), 0.0)
        if meaning >= MEANING_NOTE_MIN:
            st.markdown("**Close in meaning** to what you wrote, not only in words.")
        if r.matched_theme_labels:
            st.markdown("**Shared themes:** " + ", ".join(safe_md(t) for t in r.matched_theme_labels))
        if multi:
            st.markdown(f"**Answers your challenge:** {safe_md(r.challenge)}")
        for note in r.fit_notes:
            st.caption("⚠️ " + safe_md(note))
        _story(r.story)
        if r.needs_checking:
            st.caption("Needs checking: " + (f"facts last verified on {r.last_verified}." if r.last_verified else "facts not yet verified against a source by the hub."))
        st.markdown("Source: " + source_link(r.source_title, r.source_url))


STORY_LABELS = {"cost": "Cost", "cost_band": "Cost band", "staffing": "Who runs it", "duration": "Duration", "status": "Status",
                 "core_components": "Essential to keep", "adaptable_components": "What cities adapted", "contact_point": "Contact (public office)",
                 "lessons": "Lessons"}


def _story(story: dict) -> None:
    """The implementation story: what the sources say it takes; what they do not say is shown as unknown."""
    with st.expander("How it is run: cost, staff, duration, contact"):
        for key, label in STORY_LABELS.items():
            v = story.get(key)
            shown = "; ".join(v) if isinstance(v, list) else v
            st.markdown(f"**{label}:** " + (safe_md(shown) if shown else "_unknown (no source says)_"))
        if story.get("contact_url"):
            st.markdown(source_link("Contact page", story["contact_url"]))


def _suggest_themes(catalog) -> None:
    st.info("Try naming one of these themes: " + ", ".join(safe_md(t.label_in("en")) for t in catalog.taxonomy.themes[:12]) + " …")


def _takeaway(text: str, share: dict, resp, partners) -> None:
    st.subheader("Take it away")
    c1, c2 = st.columns(2)
    c1.download_button("Download shortlist (CSV)", rows_to_csv(shortlist_rows(resp)), "shortlist.csv", "text/csv")
    c2.download_button("Download one-page brief (HTML, prints on one A4 page)", brief_html(text, resp, partners), "brief.html", "text/html")
    st.markdown("**Shareable link** (the copy button is at the right of the box):")
    st.code(share_link(share), language=None)


def share_link(share: dict) -> str:
    """The absolute address of this search when Streamlit knows the page's address, else a relative one."""
    query = "/?" + urlencode(share, doseq=True)
    try:
        base = st.context.url or ""
    except Exception:  # noqa: BLE001 - outside a browser session (AppTest) there is no address
        base = ""
    base = base.split("?", 1)[0].rstrip("/")
    return (base + query) if base.startswith(("http://", "https://")) else query


def _map_of_results(catalog, resp) -> None:
    pts = []
    for r in resp.results:
        c = catalog.city_by_name.get(r.city)
        if c is not None and c.located:
            pts.append({"lat": c.lat, "lon": c.lon, "city": c.city})
    if pts:
        st.subheader("Where these practices come from")
        st.map(pd.DataFrame(pts), latitude="lat", longitude="lon", size=40000)


def _partners_for(statement, city: str) -> list:
    _, _, tw = twinning()
    try:
        return tw.partners(city=city or None, statement=statement, k=3, mode="mentor")
    except TwinningError:
        return []


def _show_partners(partners: list) -> None:
    if partners:
        st.subheader("Cities worth twinning with")
        for p in partners:
            st.markdown(f"- **{safe_md(p.city)}** ({safe_md(p.country)}): " + safe_md("; ".join(p.reasons)))


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
                            f"themes: {safe_md(', '.join(_theme_label(catalog, t) for t in d['themes']))}")


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


# ---- Catalog (hub) ---------------------------------------------------------------------------
def catalog_admin() -> None:
    st.title("Catalog")
    if not require_hub_sign_in():
        return
    catalog = load_catalog()
    tabs = st.tabs(["Browse", "Add or edit a practice", "Record stated challenges", "Import", "Export", "Gaps and coverage"])
    with tabs[0]:
        _browse(catalog)
    with tabs[1]:
        _practice_form(catalog)
    with tabs[2]:
        _intake_form(catalog)
    with tabs[3]:
        _import(catalog)
    with tabs[4]:
        _export()
    with tabs[5]:
        _gaps(catalog)


def _browse(catalog) -> None:
    which = st.radio("Table", ["practices", "cities", "stated challenges"], horizontal=True)
    if which == "practices":
        df = pd.DataFrame([p.model_dump(mode="json") for p in catalog.practices])
        c1, c2, c3 = st.columns(3)
        reg = c1.multiselect("Region", REGIONS, key="b_reg")
        th = c2.selectbox("Theme", [""] + catalog.taxonomy.ids, key="b_th")
        q = c3.text_input("Search title", key="b_q")
        if reg:
            df = df[df.region.isin(reg)]
        if th:
            df = df[df.themes.apply(lambda ts: th in ts)]
        if q:
            df = df[df.title.str.contains(q, case=False, regex=False)]
        st.dataframe(df[["id", "title", "city", "country", "region", "themes", "evidence_level", "start_year", "source_title"]], hide_index=True, width="stretch")
    elif which == "cities":
        st.dataframe(pd.DataFrame([c.model_dump(mode="json") for c in catalog.cities]), hide_index=True, width="stretch")
    else:
        st.dataframe(pd.DataFrame([i.model_dump(mode="json") for i in catalog.intakes]), hide_index=True, width="stretch")


def _split(text: str) -> list[str]:
    return [x.strip() for x in (text or "").split(";") if x.strip()]


def _show_problems(exc: ImportRejected) -> None:
    st.error(f"{len(exc.problems)} problem(s); nothing was written.")
    st.dataframe(pd.DataFrame([p.as_dict() for p in exc.problems]), hide_index=True, width="stretch")


PF_PROBLEMS = "practice_form_problems"  # field -> message, shown under the field after a refused save


def _field_error(problems: dict[str, str], *fields: str) -> None:
    for f in fields:
        if f in problems:
            st.error(problems[f], icon=":material/error:")


def _editor() -> str:
    """Who is changing the catalog, for the history: the signed-in account, else the name typed here."""
    user = getattr(st, "user", None)
    email = getattr(user, "email", None) if getattr(user, "is_logged_in", False) else None
    if email:
        return str(email)
    return st.session_state.get("editor_name", "").strip()


def _practice_form(catalog) -> None:
    mode = st.radio("What do you want to do?", ["Add a new practice", "Edit a practice", "Archive or restore a practice"], horizontal=True, key="pf_mode")
    st.text_input("Your name (required; recorded in the change history)", key="editor_name", disabled=bool(_editor()) and not st.session_state.get("editor_name"))
    if mode == "Archive or restore a practice":
        _archive_form(catalog)
        return
    cur: dict = {}
    if mode == "Edit a practice":
        ids = sorted(p.id for p in catalog.practices)
        chosen = st.selectbox("Practice to edit", ids, index=None, placeholder="Choose a practice", format_func=lambda i: f"{i}: {catalog.practice_by_id[i].title}")
        if not chosen:
            return
        cur = catalog.practice_by_id[chosen].model_dump(mode="json")
    problems: dict[str, str] = st.session_state.get(PF_PROBLEMS, {})
    summary_preview = st.session_state.get("pf_summary", cur.get("summary", ""))
    if summary_preview:
        sug = catalog.taxonomy.suggest(summary_preview)
        if sug:
            st.caption("Suggested themes from the summary: " + ", ".join(safe_md(f"{h.theme_id} ({', '.join(h.phrases[:2])})") for h in sug))
    st.caption("Fields marked * are required.")
    with st.form("practice_form", clear_on_submit=False):
        c1, c2 = st.columns(2)
        with c1:
            pid = st.text_input("id (slug) *", cur.get("id", ""), disabled=bool(cur), help="Lowercase words joined by hyphens, e.g. sousse-migrant-observatory. It cannot change once saved.")
            _field_error(problems, "id")
        with c2:
            title = st.text_input("Title *", cur.get("title", ""))
            _field_error(problems, "title")
        cities = sorted(c.city for c in catalog.cities)
        with c1:
            city = st.selectbox("City *", cities, index=cities.index(cur["city"]) if cur.get("city") in cities else None, placeholder="Choose a city")
            _field_error(problems, "city", "country", "region", "country_code")
        with c2:
            lead = st.text_input("Lead actor *", cur.get("lead_actor", ""))
            _field_error(problems, "lead_actor")
        summary = st.text_area("Summary (30–150 words) *", cur.get("summary", ""), key="pf_summary")
        _field_error(problems, "summary")
        themes = st.multiselect("Themes (1–5) *", catalog.taxonomy.ids, default=cur.get("themes", []))
        _field_error(problems, "themes")
        c3, c4, c5 = st.columns(3)
        evidence = c3.selectbox("Evidence level *", EVIDENCE_LEVELS, index=EVIDENCE_LEVELS.index(cur.get("evidence_level", "described")))
        status = c4.selectbox("Status", STATUSES, index=STATUSES.index(cur.get("status", "unknown")))
        with c5:
            year = st.text_input("Start year", str(cur.get("start_year") or ""))
            _field_error(problems, "start_year")
        challenges = st.text_input("Challenges addressed (; separated)", "; ".join(cur.get("challenges_addressed", [])))
        approach = st.text_input("Approach", cur.get("approach", ""))
        targets = st.text_input("Target groups (; separated)", "; ".join(cur.get("target_groups", [])))
        partners = st.text_input("Partners (; separated)", "; ".join(cur.get("partners", [])))
        results = st.text_area("Results (figures only where the source gives them)", cur.get("results", ""))
        lessons = st.text_area("Lessons", cur.get("lessons", ""))
        prereq = st.text_input("Prerequisites (; separated)", "; ".join(cur.get("prerequisites", [])))
        s1, s2, s3 = st.columns(3)
        with s1:
            src_title = st.text_input("Source title *", cur.get("source_title", ""))
            _field_error(problems, "source_title")
        with s2:
            src_url = st.text_input("Source URL", cur.get("source_url") or "")
            _field_error(problems, "source_url")
        with s3:
            src_lang = st.text_input("Source language", cur.get("source_language", "en"))
            _field_error(problems, "source_language")
        submitted = st.form_submit_button("Save changes" if cur else "Add practice", type="primary")
    if not submitted:
        return
    who = _editor()
    if not who:
        st.error("Type your name above first: every change is recorded with who made it.")
        return
    record = practice_record(catalog, {
        "id": pid if not cur else cur["id"], "title": title, "city": city or "", "summary": summary, "challenges_addressed": _split(challenges),
        "approach": approach, "target_groups": _split(targets), "lead_actor": lead, "partners": _split(partners), "themes": themes,
        "start_year": year.strip() or None, "status": status, "results": results, "evidence_level": evidence, "lessons": lessons,
        "prerequisites": _split(prereq), "source_title": src_title, "source_url": src_url.strip() or None, "source_language": src_lang,
    }, base=cur)
    try:
        write = get_store().edit if cur else get_store().add
        report = write("practices", record, by=who)
    except ImportRejected as exc:
        st.session_state[PF_PROBLEMS] = {p.field: p.message for p in exc.problems}
        st.rerun()
    st.session_state.pop(PF_PROBLEMS, None)
    st.success(f"Saved {record['id']} ({report}). The matching model is rebuilt for the new catalog.")


def _archive_form(catalog) -> None:
    """Archive hides a practice from search and twinning; it stays in exports and in the history."""
    ids = sorted(p.id for p in catalog.practices)
    chosen = st.selectbox("Practice", ids, index=None, placeholder="Choose a practice", key="archive_pick",
                          format_func=lambda i: f"{i}: {catalog.practice_by_id[i].title}")
    if not chosen:
        return
    archived = catalog.practice_by_id[chosen].archived
    st.markdown("**Now:** " + ("archived (hidden from search and twinning; kept in exports)" if archived else "in the catalog"))
    flash = st.session_state.pop("archive_flash", None)
    if flash:
        st.success(flash)
    if st.button("Restore to the catalog" if archived else "Archive (hide from search)", type="primary"):
        who = _editor()
        if not who:
            st.error("Type your name above first: every change is recorded with who made it.")
            return
        try:
            get_store().set_archived(chosen, not archived, by=who)
        except (KeyError, ValueError) as exc:
            st.error(str(exc))
            return
        st.session_state["archive_flash"] = f"{chosen} {'restored' if archived else 'archived'}."
        st.rerun()
    hist = get_store().history(chosen)
    if hist:
        st.caption("History of this practice")
        st.dataframe(pd.DataFrame([{"when": h["at"], "what": h["action"], "who": h["by"]} for h in hist]), hide_index=True, width="stretch")


def _intake_form(catalog) -> None:
    st.caption("Record a city's challenges as it stated them in a dialogue or intake.")
    with st.form("intake_form"):
        cities = sorted(c.city for c in catalog.cities)
        city = st.selectbox("City", cities)
        statement = st.text_area("Statement, as the city put it")
        sug = catalog.taxonomy.ids
        themes = st.multiselect("Themes (1–5)", sug)
        c1, c2, c3 = st.columns(3)
        source = c1.text_input("Source")
        url = c2.text_input("Source URL")
        when = c3.text_input("Date (YYYY or YYYY-MM-DD)", date.today().isoformat())
        submitted = st.form_submit_button("Save stated challenge", type="primary")
    if not submitted:
        return
    if statement.strip() and not themes:
        themes = [h.theme_id for h in catalog.taxonomy.suggest(statement, 3)]
        if themes:
            st.info("No theme chosen; used the suggested themes: " + ", ".join(themes))
    base = re.sub(r"[^a-z0-9]+", "-", f"{city} {when}".lower()).strip("-") or "intake"
    slug = f"{base}-{hashlib.sha1(statement.encode('utf-8')).hexdigest()[:8]}"  # a new statement never overwrites another
    record = {"id": slug, "city": city, "statement": statement, "themes": themes, "source": source, "source_url": url.strip() or None, "date": when or None, "language": detect_language(statement) if statement.strip() else "en"}
    try:
        get_store().upsert("challenges", [(1, record)], file="form")
        st.success("Saved.")
    except ImportRejected as exc:
        _show_problems(exc)


def _import(catalog) -> None:
    st.caption("CSV (comma or semicolon), Excel or JSON. Every problem of every row is shown before anything is written; the import is all or nothing.")
    flash = st.session_state.pop("import_flash", None)
    if flash:
        st.success(flash)
    n = st.session_state.get("import_round", 0)  # a new key after a write clears the uploader and its preview
    up = st.file_uploader("File to import", type=["csv", "xlsx", "json", "jsonl"], key=f"import_file_{n}")
    if up is None:
        return
    try:
        preview = preview_import(get_store(), up.name, up.getvalue())
    except ReadError as exc:
        st.error(f"{up.name}: {exc}")
        return
    st.write(f"{len(preview.rows)} row(s) for table **{preview.table}**: {len(preview.added)} to add, {len(preview.changed)} to change.")
    if preview.added or preview.changed:
        rows = [{"action": "add", "record": k, "fields that change": "(new record)"} for k in preview.added]
        rows += [{"action": "change", "record": c["key"], "fields that change": ", ".join(c["fields"]) or "(nothing)"} for c in preview.changed]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not preview.ok:
        st.error(f"{len(preview.problems)} problem(s) in {len({p.row for p in preview.problems})} row(s); nothing will be written until they are fixed.")
        st.dataframe(pd.DataFrame([{"row": p.row, "field": p.field, "problem": p.message} for p in preview.problems]), hide_index=True, width="stretch")
        return
    if st.button("Write to the catalog", type="primary"):
        try:
            with st.spinner("Importing…"):
                report = get_store().upsert(preview.table, preview.rows, file=up.name)
        except ImportRejected as exc:  # the catalog changed since the preview
            _show_problems(exc)
            return
        st.session_state["import_flash"] = f"Imported {up.name}: {report}."
        st.session_state["import_round"] = n + 1
        st.rerun()


def _export() -> None:
    data = get_store().export()
    st.download_button("Catalog as JSON", json.dumps(data, ensure_ascii=False, indent=2), "catalog.json", "application/json")
    for t in data:
        st.download_button(f"{t} as CSV", to_csv(t, data[t]), f"{t}.csv", "text/csv", key=f"exp_{t}")


def _gaps(catalog) -> None:
    rows = gap_report(catalog)
    df = pd.DataFrame(rows)
    st.subheader("Gap report")
    st.caption("Themes that cities state as needs but few practices cover, or cover only with weak evidence.")
    stated = df[df.cities_stating > 0]
    if not stated.empty:
        st.altair_chart(alt.Chart(stated).mark_bar().encode(x="gap_score:Q", y=alt.Y("label:N", sort="-x"), tooltip=["label", "cities_stating", "practices", "well_evidenced_practices"]), width="stretch")
    st.dataframe(df, hide_index=True, width="stretch")
    old = stale(catalog.active_practices)
    st.subheader(f"Needs checking ({len(old)})")
    st.caption(f"Practices whose facts were not verified against a source in the last {FRESHNESS_MONTHS} months, oldest first.")
    if old:
        st.dataframe(pd.DataFrame([{"last verified": p.last_verified.isoformat() if p.last_verified else "never", "id": p.id, "title": p.title,
                                    "city": p.city, "source": p.source_url or p.source_title} for p in old]), hide_index=True, width="stretch")
    st.subheader("Coverage by region and theme")
    cov = pd.DataFrame([{"region": p.region, "theme": t} for p in catalog.practices for t in p.themes])
    st.altair_chart(alt.Chart(cov).mark_rect().encode(x="region:N", y="theme:N", color="count():Q", tooltip=["region", "theme", "count()"]), width="stretch")


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
