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
from matcher.catalog import Catalog
from matcher.engine import PracticeMatcher
from matcher.schema import URL_RE
from matcher.service import CatalogService
from matcher.store import Store
from matcher.twinning import Twinning

EVIDENCE_BADGE = {
    "described": ("Described", "gray"),
    "results-reported": ("Results reported", "blue"),
    "evaluated": ("Evaluated", "green"),
    "independently-evaluated": ("Independently evaluated", "violet"),
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$:])")

# Each paragraph and text box takes its direction from its first strong character: Arabic lays out RTL.
GLOBAL_CSS = """
<style>
textarea, input, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stText"], [data-testid="stCaptionContainer"] { unicode-bidi: plaintext; text-align: start; }
</style>
"""


def theme_label(catalog, theme_id: str) -> str:
    return catalog.taxonomy.label(theme_id, "en") if catalog.taxonomy else theme_id


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
    label = safe_md(title or "source")
    if u:
        u = u.replace(")", "%29").replace("(", "%28").replace(" ", "%20")
        return f"[{label}]({u})"
    return label + " (no web address)"


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
    label, color = EVIDENCE_BADGE.get(level, (level, "gray"))
    st.badge(label, color=color)


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
    with st.spinner("Loading the catalog and its matching model…"):
        snap = get_service().snapshot()
    return snap.catalog, snap.matcher


def funders():
    """The funder matcher of the current catalog snapshot."""
    return get_service().snapshot().funders


def show_funders(matches: list, region: str | None) -> None:
    """'Who supports this work': funders open to the city's region, each with its reason; security framing flagged."""
    if not matches:
        return
    st.subheader("Who supports this work")
    st.caption(("Funders and technical-assistance providers open to cities in " + region if region else
                "Funders and technical-assistance providers (choose your city to see only those open to it)")
               + ". Listed from their public pages, not endorsed.")
    for m in matches:
        line = f"**{safe_md(m.name)}** ({safe_md(m.kind)}): {safe_md(m.reason)}."
        if m.typical_size:
            line += f" Typical size: {safe_md(m.typical_size)}."
        st.markdown(line)
        for note in m.notes:
            st.caption("⚠️ " + safe_md(note))
        link = m.apply_url or m.source_url
        st.caption("How to apply: " + (safe_md(m.how_to_apply) + " " if m.how_to_apply else "") + source_link(m.source_title if not m.apply_url else "public page", link)
                   + f" · checked {safe_md(m.last_verified)}")


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
    if st.sidebar.button("Sign out of hub pages", key="hub_sign_out"):
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
        st.info("This page is for network hub staff. Please sign in.")
        st.button("Sign in with your organisation", on_click=st.login)
        return False
    st.info("This page is for network hub staff. Please sign in.")
    with st.form("hub_sign_in"):
        password = st.text_input("Hub password", type="password")
        submitted = st.form_submit_button("Sign in")
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
