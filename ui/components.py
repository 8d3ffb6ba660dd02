"""Shared UI pieces: cached store/model loaders, safe text, badges, RTL layout, sign-in gate.

Catalog and user text is never rendered as HTML, and Markdown syntax in it (links, images,
emphasis) is escaped, so only the app's own source links are clickable.
"""
from __future__ import annotations

import html
import json
import re
from typing import Any

import streamlit as st

from matcher.auth import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    Throttle,
    configured_hash,
    issue_session,
    session_key,
    session_valid,
)
from matcher import i18n
from matcher.catalog import Catalog
from matcher.engine import PracticeMatcher
from matcher.schema import URL_RE
from matcher.service import CatalogService
from matcher.store import Store
from matcher.twinning import Twinning

EVIDENCE_COLOURS = {"described": "gray", "results-reported": "blue", "evaluated": "green", "independently-evaluated": "violet"}
LANGUAGE_PARAM = "lang"  # the query parameter that carries the interface language in a shareable link
LANGUAGE_KEY = "ui_language"  # session-state key of the chosen language
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$:])")

# Each paragraph and text box takes its direction from its first strong character: Arabic lays out RTL.
GLOBAL_CSS = """
<style>
textarea, input, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stText"], [data-testid="stCaptionContainer"] { unicode-bidi: plaintext; text-align: start; }
bdi { unicode-bidi: isolate; }
</style>
"""
# In Arabic the whole page is right-to-left: the app, the sidebar, cards, chips, tables and forms.
# Logical properties (start/end) keep paddings and alignments on the reading side.
RTL_CSS = """
<style>
.stApp, [data-testid="stSidebar"], [data-testid="stAppViewContainer"], [data-testid="stMain"] { direction: rtl; }
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"],
[data-testid="stExpander"] summary, .stTabs [role="tab"], [data-baseweb="select"] { text-align: start; }
[data-testid="stMarkdownContainer"] ul, [data-testid="stMarkdownContainer"] ol { padding-inline-start: 1.5em; padding-inline-end: 0; }
code, pre, [data-testid="stCode"] { direction: ltr; unicode-bidi: isolate; text-align: left; }
</style>
"""


def theme_label(catalog, theme_id: str) -> str:
    return catalog.taxonomy.label(theme_id, i18n.language()) if catalog.taxonomy else theme_id


def requested_language() -> str:
    """The interface language: the `lang` query parameter (part of a shared link), else this session's choice,
    else the browser's Accept-Language when Streamlit exposes it, else English."""
    params = st.query_params
    lang = i18n.normalise_language(params.get(LANGUAGE_PARAM))
    if lang is None:
        lang = st.session_state.get(LANGUAGE_KEY)
    if lang is None:
        try:
            headers = st.context.headers
            lang = i18n.from_accept_language(headers.get("Accept-Language") if headers else None)
        except Exception:  # noqa: BLE001 - no browser context (AppTest)
            lang = None
        if lang is None:
            try:
                lang = i18n.normalise_language(st.context.locale)
            except Exception:  # noqa: BLE001
                lang = None
    return lang or i18n.DEFAULT_LANGUAGE


def _switch_language() -> None:
    lang = st.session_state[LANGUAGE_KEY + "_choice"]
    st.session_state[LANGUAGE_KEY] = lang
    st.query_params[LANGUAGE_PARAM] = lang


def start_run() -> str:
    """Every run starts here (app.py): the reader's language for this run, the language switch, the page's
    direction and language attributes. Returns the language."""
    lang = i18n.set_language(requested_language())
    st.session_state[LANGUAGE_KEY] = lang
    if st.query_params.get(LANGUAGE_PARAM) not in (None, lang):
        st.query_params[LANGUAGE_PARAM] = lang
    st.set_page_config(page_title=i18n._("City Practice Matcher"), page_icon="🏙️", layout="wide")
    st.markdown(GLOBAL_CSS + (RTL_CSS if i18n.is_rtl(lang) else ""), unsafe_allow_html=True)
    _document_language(lang)
    codes = list(i18n.LANGUAGE_NAMES)
    st.session_state[LANGUAGE_KEY + "_choice"] = lang
    st.sidebar.selectbox(i18n._("Language"), codes, key=LANGUAGE_KEY + "_choice",
                         format_func=lambda c: i18n.LANGUAGE_NAMES[c], on_change=_switch_language)
    return lang


def _document_language(lang: str) -> None:
    """Set <html lang dir> on the page itself (Streamlit has no setting for it): screen readers, fonts and
    the browser's own bidi rules then follow the reader's language. A tiny same-origin script does it."""
    import streamlit.components.v1 as components

    components.html(
        "<script>const d = window.parent.document.documentElement; d.lang = " + json.dumps(lang)
        + "; d.dir = " + json.dumps(i18n.direction(lang)) + ";</script>",
        height=0,
    )


def safe_md(text: Any) -> str:
    """Escape every Markdown and HTML special character so data shows as plain text."""
    s = "" if text is None else str(text)
    s = s.replace("\r", " ")
    return _MD_SPECIAL.sub(r"\\\1", s)


def safe_url(url: str | None) -> str | None:
    """Only plain http(s) addresses become links; anything else (javascript:, data:) is dropped."""
    if url and URL_RE.match(url.strip()):
        return url.strip()
    return None


def source_link(title: str, url: str | None) -> str:
    u = safe_url(url)
    label = safe_md(title or i18n._("source"))
    if u:
        u = u.replace(")", "%29").replace("(", "%28").replace(" ", "%20")
        return f"[{label}]({u})"
    return label + " " + i18n._("(no web address)")


def isolated_list(label: str, items: list[str]) -> None:
    """A bold label and quoted items, each isolated (<bdi>) so Arabic words keep their own direction
    and the quotes and commas stay where they belong. Items are escaped: text, never markup."""
    body = ", ".join(f"“<bdi>{html.escape(i, quote=True)}</bdi>”" for i in items)
    st.markdown(f"<p><b>{html.escape(label)}</b> {body}</p>", unsafe_allow_html=True)


def rtl_text(text: str) -> None:
    """A block of user text laid out right-to-left (escaped, never interpreted)."""
    body = html.escape(text, quote=True).replace("\n", "<br>")
    st.markdown(f'<div dir="rtl" style="text-align:right">{body}</div>', unsafe_allow_html=True)


def evidence_badge(level: str) -> None:
    st.badge(i18n.label(i18n.EVIDENCE_LABELS, level), color=EVIDENCE_COLOURS.get(level, "gray"))


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    return Store()


@st.cache_resource(show_spinner=False)
def get_service() -> CatalogService:
    # One per process. It builds the fitted models once per catalog version and swaps them in whole.
    return CatalogService(get_store())


def load_catalog() -> Catalog:
    """The catalog alone, without waiting for the matching model (forms and tables need no model)."""
    return get_service().catalog()


def model() -> tuple[Catalog, PracticeMatcher]:
    with st.spinner(i18n._("Loading the catalog and its matching model…")):
        snap = get_service().snapshot()
    return snap.catalog, snap.matcher


def funders():
    """The funder matcher of the current catalog snapshot."""
    return get_service().snapshot().funders


def show_funders(matches: list, region: str | None) -> None:
    """'Who supports this work': funders open to the city's region, each with its reason; security framing flagged."""
    if not matches:
        return
    _ = i18n._
    st.subheader(_("Who supports this work"))
    st.caption(_("Funders and technical-assistance providers open to cities in {region}. Listed from their public pages, not endorsed.").format(region=i18n.region(region))
               if region else _("Funders and technical-assistance providers (choose your city to see only those open to it). Listed from their public pages, not endorsed."))
    for m in matches:
        line = f"**{safe_md(m.name)}** ({safe_md(i18n.label(i18n.FUNDER_KIND_LABELS, m.kind))}): {safe_md(m.reason)}."
        if m.typical_size:
            line += " " + _("Typical size: {size}.").format(size=safe_md(m.typical_size))
        st.markdown(line)
        for note in m.notes:
            st.caption("⚠️ " + safe_md(note))
        link = m.apply_url or m.source_url
        st.caption(_("How to apply:") + " " + (safe_md(m.how_to_apply) + " " if m.how_to_apply else "")
                   + source_link(m.source_title if not m.apply_url else _("public page"), link)
                   + " · " + _("checked {date}").format(date=safe_md(i18n.day(m.last_verified))))


def twinning() -> tuple[Catalog, PracticeMatcher, Twinning]:
    snap = get_service().snapshot()
    return snap.catalog, snap.matcher, snap.twinning


@st.cache_resource
def _throttle() -> Throttle:
    return Throttle()


def _secrets() -> dict:
    try:
        return {k: st.secrets[k] for k in ("HUB_PASSWORD_HASH", "HUB_PASSWORD", "HUB_SESSION_SECRET") if k in st.secrets}
    except Exception:  # no secrets file
        return {}


def _oidc_configured() -> bool:
    """OIDC through st.login when an [auth] section is in the Streamlit secrets."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file
        return False


def _set_cookie(value: str, max_age: int) -> None:
    """Set (or, with max_age 0, clear) the hub session cookie in the browser. Streamlit has no cookie
    writer, so a tiny same-origin script does it; the value is a signed token, never the password."""
    import streamlit.components.v1 as components

    # In the sidebar: an element that appears on one run only must not shift the page's own elements, or
    # Streamlit redraws them (the Catalog page's tabs would jump back to the first one).
    with st.sidebar:
        components.html(
            "<script>window.parent.document.cookie = " + json.dumps(f"{SESSION_COOKIE}={value}; Max-Age={max_age}; Path=/; SameSite=Strict") + ";</script>",
            height=0,
        )


def _cookie_session_ok() -> bool:
    try:
        token = st.context.cookies.get(SESSION_COOKIE)
    except Exception:  # noqa: BLE001 - no browser context (AppTest)
        token = None
    return session_valid(token, session_key(_secrets()))


def sign_out_button() -> None:
    """Sign out of the hub pages on this browser: forget the session and clear its cookie."""
    if st.sidebar.button(i18n._("Sign out of hub pages"), key="hub_sign_out"):
        st.session_state["hub_signed_in"] = False
        st.session_state["hub_signed_out"] = True
        st.session_state["hub_clear_cookie"] = True  # cleared on the next run, once the page is drawn
        st.rerun()


def require_hub_sign_in() -> bool:
    """Gate for hub pages. Returns True when signed in; otherwise shows the form and returns False.

    A sign-in survives a page reload for SESSION_SECONDS through a signed, expiring cookie."""
    if st.session_state.pop("hub_clear_cookie", None):
        _set_cookie("", 0)
    if st.session_state.pop("hub_new_session", None):
        key = session_key(_secrets())
        if key:
            _set_cookie(issue_session(key), SESSION_SECONDS)
    if st.session_state.get("hub_signed_in") or (not st.session_state.get("hub_signed_out") and _cookie_session_ok()):
        st.session_state["hub_signed_in"] = True
        sign_out_button()
        return True
    if _oidc_configured():
        if getattr(st.user, "is_logged_in", False):
            return True
        st.info(i18n._("This page is for network hub staff. Please sign in."))
        st.button(i18n._("Sign in with your organisation"), on_click=st.login)
        return False
    st.info(i18n._("This page is for network hub staff. Please sign in."))
    with st.form("hub_sign_in"):
        password = st.text_input(i18n._("Hub password"), type="password")
        submitted = st.form_submit_button(i18n._("Sign in"))
    if submitted:
        # Failures are throttled across all sessions as well as per session.
        ok, message = _throttle().attempt("hub", password, configured_hash(_secrets()))
        if ok:
            st.session_state["hub_signed_in"] = True
            st.session_state["hub_signed_out"] = False
            st.session_state["hub_new_session"] = True  # set the cookie on the next run, once the page is drawn
            st.rerun()
        st.error(message)
    return False
