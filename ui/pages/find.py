"""The Find practices page: an official's statement in, explained good matches (and the closest under the floor) out."""
from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from matcher.brief import brief_html, shortlist_rows
from matcher.engine import EmptyStatement, Filters, NothingToMatch
from matcher.io import rows_to_csv
from matcher.schema import EVIDENCE_LEVELS, REGIONS
from matcher.twinning import TwinningError

from ..components import (
    evidence_badge,
    funders,
    isolated_list,
    load_catalog,
    model,
    rtl_text,
    safe_md,
    show_funders,
    source_link,
    theme_label,
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
        themes = c3.multiselect("Theme", theme_ids, default=q_themes, format_func=lambda t: theme_label(catalog, t))
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
    asking = catalog.city_by_name.get(city) if city else None
    if "funders" not in last:  # once per search, like the partners
        last["funders"] = funders().match(statement, asking.region if asking else None, asking.country_code if asking else None, k=3)
    show_funders(last["funders"], asking.region if asking else None)
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
            isolated_list("Your words it matched:", r.matched_words[:5])
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
