"""The Find practices page: an official's statement in, explained good matches (and the closest under the floor) out."""
from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from matcher import i18n
from matcher.brief import brief_html, brief_pdf, shortlist_rows
from matcher.engine import EmptyStatement, Filters, NothingToMatch
from matcher.i18n import N_, _, ngettext
from matcher.io import rows_to_csv
from matcher.schema import EVIDENCE_LEVELS, REGIONS
from matcher.twinning import TwinningError

from ..components import (
    evidence_badge,
    get_service,
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
MEANING_NOTE_MIN = 0.05  # a meaning share worth saying in words on the card


# ---- Find practices --------------------------------------------------------------------------
def find_practices() -> None:
    st.title(_("Find practices"))
    st.caption(_("Describe your city's challenges in English, French or Arabic. One challenge per line works best."))
    catalog = load_catalog()  # the form draws at once; the model is loaded when a search runs
    params = st.query_params
    last = st.session_state.get(LAST_SEARCH)  # the last search, kept across reruns, downloads and page switches
    if "statement" not in st.session_state:
        st.session_state["statement"] = params.get("q", "")[:MAX_CHARS] or (last["text"] if last else "")
    cols = st.columns(len(EXAMPLES) + 1)
    cols[0].markdown("**" + _("Examples:") + "**")
    for col, (name, text) in zip(cols[1:], EXAMPLES.items()):
        if col.button(name, key=f"ex_{name}"):
            st.session_state["statement"] = text
    city_names = [""] + sorted(c.city for c in catalog.cities)
    theme_ids = catalog.taxonomy.ids
    kept = last["form"] if last else {}
    with st.form("find"):
        st.text_area(_("Your city's challenges (required)"), key="statement", height=140, max_chars=MAX_CHARS)
        c1, c2, c3, c4 = st.columns(4)
        q_city = params.get("city", kept.get("city", ""))
        city = c1.selectbox(_("Your city (optional)"), city_names, index=city_names.index(q_city) if q_city in city_names else 0,
                            format_func=lambda c: c or _("(none: show practices from everywhere)"))
        q_regions = [r for r in (params.get_all("region") or kept.get("regions", [])) if r in REGIONS]
        regions = c2.multiselect(_("Region"), REGIONS, default=q_regions, format_func=i18n.region, placeholder=_("Choose options"))
        q_themes = [t for t in (params.get_all("theme") or kept.get("themes", [])) if t in theme_ids]
        themes = c3.multiselect(_("Theme"), theme_ids, default=q_themes, format_func=lambda t: theme_label(catalog, t), placeholder=_("Choose options"))
        q_ev = params.get("evidence", kept.get("evidence", ""))
        evidence = c4.selectbox(_("Evidence at least"), [""] + list(EVIDENCE_LEVELS), index=([""] + list(EVIDENCE_LEVELS)).index(q_ev) if q_ev in EVIDENCE_LEVELS else 0,
                                format_func=lambda e: i18n.label(i18n.EVIDENCE_LABELS, e) if e else _("(any)"))
        submitted = st.form_submit_button(_("Find practices"), type="primary")
    text = st.session_state.get("statement", "")
    run = submitted or (params.get("q") and not st.session_state.get("ran_from_link"))
    if run:
        st.session_state["ran_from_link"] = True
        if not text or not text.strip():
            st.error(_("Please describe at least one challenge: the text is empty."))
            return
        form = {"city": city, "regions": regions, "themes": themes, "evidence": evidence}
        share = {"lang": i18n.language(), "q": text, "city": city, "region": regions, "theme": themes, "evidence": evidence}
        share = {k: v for k, v in share.items() if v}
        st.query_params.from_dict(share)
        last = _search(text, form, share)
        if last is None:
            return
    if not last:
        return
    if last.get("lang") != i18n.language():  # the reader switched language: the same search, written in the new one
        last = _search(last["text"], last["form"], dict(last["share"], lang=i18n.language()))
        if last is None:
            return
    if not run and last["share"]:
        st.query_params.from_dict(last["share"])  # the address bar keeps the shareable search after a page switch
    _show_results(catalog, last)


def _search(text: str, form: dict, share: dict) -> dict | None:
    """Run one search and keep it in session state (with the language it is written in); None on bad input."""
    catalog, _matcher = model()
    asking = catalog.city_by_name.get(form["city"]) if form["city"] else None
    filters = Filters(regions=tuple(form["regions"]), themes=tuple(form["themes"]), min_evidence=form["evidence"] or None,
                      exclude_city=asking.city if asking else None)
    try:
        statement, resp = get_service().search(text, filters, asking, k=10)
    except (EmptyStatement, NothingToMatch) as exc:
        st.session_state.pop(LAST_SEARCH, None)
        st.error(str(exc))
        _suggest_themes(catalog)
        return None
    last = {"text": text, "form": form, "share": share, "statement": statement, "resp": resp, "version": catalog.version,
            "lang": i18n.language()}
    st.session_state[LAST_SEARCH] = last
    return last


def _offer_statement_language(statement_lang: str) -> None:
    """After a search in another language than the interface's, offer the statement's (in that language)."""
    if statement_lang == i18n.language() or statement_lang not in i18n.LANGUAGE_NAMES:
        return
    with i18n.using(statement_lang):
        label = _("Show this page in {language}").format(language=i18n.LANGUAGE_NAMES[statement_lang])
    if st.button(label, key="switch_to_statement_language"):
        from ..components import LANGUAGE_KEY, LANGUAGE_PARAM

        st.session_state[LANGUAGE_KEY] = statement_lang
        st.query_params[LANGUAGE_PARAM] = statement_lang
        st.rerun()


def _show_results(catalog, last: dict) -> None:
    """The results of the last search: drawn from session state, so downloads and page switches keep them."""
    text, share, statement, resp = last["text"], last["share"], last["statement"], last["resp"]
    city = last["form"]["city"]
    _offer_statement_language(resp.language)
    if resp.truncated:
        st.warning(_("Your statement was long; only its first {n} characters were used.").format(n=i18n.number(MAX_CHARS)))
    if resp.language == "ar" and not i18n.is_rtl():
        rtl_text(text)
    if resp.understood:
        chips = " ".join(f":blue-badge[{safe_md(h.label)}]" for h in resp.understood)
        st.markdown("**" + _("We understood:") + "** " + chips)
    else:
        st.markdown("**" + _("We understood:") + "** " + _("no known theme; matching on your words only."))
    if resp.also_considered:
        st.caption(_("Your words also lean towards: {themes} (weighed less).").format(themes=", ".join(safe_md(h.label) for h in resp.also_considered)))
    if resp.constraints:
        st.markdown(_("**What your city lacks** (not searched for; checked against each practice's needs): {lacks}").format(
            lacks="; ".join(safe_md(c.text) for c in resp.constraints)))
    if resp.meaning_note:
        st.caption(safe_md(resp.meaning_note[:1].upper() + resp.meaning_note[1:]) + ".")
    multi = len(resp.challenges) > 1
    if not resp.results:
        st.warning(resp.message or _("No practice matches this statement with these filters."))
        if resp.closest:
            st.subheader(_("Closest, but not a good match"))
            for n, r in enumerate(resp.closest, 1):
                render_card(n, r, catalog, multi)
        _suggest_themes(catalog)
        return
    st.subheader(ngettext("{n} practice", "{n} practices", len(resp.results)).format(n=i18n.number(len(resp.results))))
    for n, r in enumerate(resp.results, 1):
        render_card(n, r, catalog, multi)
    if resp.closest:
        with st.expander(_("Closest, but not a good match ({n})").format(n=i18n.number(len(resp.closest)))):
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
        head[0].markdown(f"{safe_md(r.city)}, {safe_md(r.country)} · {safe_md(i18n.region(r.region))}")
        with head[1]:
            evidence_badge(r.evidence_level)
        head[2].markdown("**" + safe_md(i18n.label(i18n.STRENGTH_LABELS, r.strength)) + "**",
                         help=_("Score {score} on a 0-1 scale: strong from {strong}, good from {good}.").format(
                             score=i18n.number(r.score, 2), strong=i18n.number(0.35, 2), good=i18n.number(0.25, 2)))
        if r.text_language != i18n.language():
            st.caption(_("This practice has no translation yet: it is shown in English."))
        st.markdown(safe_md(r.summary))
        if r.matched_words:
            isolated_list(_("Your words it matched:"), r.matched_words[:5])
        meaning = next((c["contribution"] for c in r.contributions if c["kind"] == "meaning"), 0.0)
        if meaning >= MEANING_NOTE_MIN:
            st.markdown(_("**Close in meaning** to what you wrote, not only in words."))
        if r.matched_theme_labels:
            st.markdown("**" + _("Shared themes:") + "** " + ", ".join(safe_md(t) for t in r.matched_theme_labels))
        if multi:
            st.markdown("**" + _("Answers your challenge:") + "** " + safe_md(r.challenge))
        for note in r.fit_notes:
            st.caption("⚠️ " + safe_md(note))
        _story(r.story)
        if r.needs_checking:
            st.caption(_("Needs checking: facts last verified on {date}.").format(date=i18n.day(r.last_verified)) if r.last_verified
                       else _("Needs checking: facts not yet verified against a source by the hub."))
        st.markdown(_("Source:") + " " + source_link(r.source_title, r.source_url))


STORY_LABELS = {"cost": N_("Cost"), "cost_band": N_("Cost band"), "staffing": N_("Who runs it"), "duration": N_("Duration"), "status": N_("Status"),
                "core_components": N_("Essential to keep"), "adaptable_components": N_("What cities adapted"),
                "contact_point": N_("Contact (public office)"), "lessons": N_("Lessons")}
STORY_VOCABULARIES = {"cost_band": i18n.COST_BAND_LABELS, "status": i18n.STATUS_LABELS}


def _story(story: dict) -> None:
    """The implementation story: what the sources say it takes; what they do not say is shown as unknown."""
    with st.expander(_("How it is run: cost, staff, duration, contact")):
        for key, label in STORY_LABELS.items():
            v = story.get(key)
            if key in STORY_VOCABULARIES and v:
                v = i18n.label(STORY_VOCABULARIES[key], v)
            shown = "; ".join(v) if isinstance(v, list) else v
            st.markdown(f"**{_(label)}:** " + (safe_md(shown) if shown else "_" + _("unknown (no source says)") + "_"))
        if story.get("contact_url"):
            st.markdown(source_link(_("Contact page"), story["contact_url"]))


def _suggest_themes(catalog) -> None:
    st.info(_("Try naming one of these themes: {themes} …").format(
        themes=", ".join(safe_md(t.label_in(i18n.language())) for t in catalog.taxonomy.themes[:12])))


def _takeaway(text: str, share: dict, resp, partners) -> None:
    st.subheader(_("Take it away"))
    c1, c2, c3 = st.columns(3)
    # Each file is made when its button is clicked (on another thread: the reader's language goes with it),
    # so a rerun of the page costs nothing for files nobody asked for.
    lang = i18n.language()

    def in_reader_language(make):
        def run():
            with i18n.using(lang):
                return make()
        return run

    c1.download_button(_("Download shortlist (CSV)"), in_reader_language(lambda: rows_to_csv(shortlist_rows(resp))),
                       _("shortlist") + ".csv", "text/csv", on_click="ignore")
    c2.download_button(_("Download one-page brief (HTML)"), in_reader_language(lambda: brief_html(text, resp, partners)),
                       _("brief") + ".html", "text/html", on_click="ignore")
    c3.download_button(_("Download one-page brief (PDF)"), in_reader_language(lambda: brief_pdf(text, resp, partners)),
                       _("brief") + ".pdf", "application/pdf", on_click="ignore")
    st.markdown(_("**Shareable link** (the copy button is at the right of the box):"))
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


@st.fragment
def _map_of_results(catalog, resp) -> None:
    """A fragment: turning the map on or off reruns this part only, not the cards above it."""
    pts = []
    for r in resp.results:
        c = catalog.city_by_name.get(r.city)
        if c is not None and c.located:
            pts.append({"lat": c.lat, "lon": c.lon, "city": c.city})
    # Drawn when asked for: the map is the heaviest element of the page to build and send to each visitor.
    if pts and st.toggle(_("Where these practices come from"), key="show_map"):
        st.map(pd.DataFrame(pts), latitude="lat", longitude="lon", size=40000)


def _partners_for(statement, city: str) -> list:
    _catalog, _matcher, tw = twinning()
    try:
        return tw.partners(city=city or None, statement=statement, k=3, mode="mentor")
    except TwinningError:
        return []


def _show_partners(partners: list) -> None:
    if partners:
        st.subheader(_("Cities worth twinning with"))
        for p in partners:
            st.markdown(f"- **{safe_md(p.city)}** ({safe_md(i18n.country(_country_code(p.city), p.country))}): " + safe_md("; ".join(p.reasons)))


def _country_code(city: str) -> str:
    place = load_catalog().city_by_name.get(city)
    return place.country_code if place else ""
