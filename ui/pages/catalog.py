"""The Catalog page (hub staff): browse, add, edit, archive and restore, record stated challenges, import, export, gaps."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from matcher.freshness import FRESHNESS_MONTHS, stale
from matcher.io import ReadError, to_csv
from matcher.schema import EVIDENCE_LEVELS, REGIONS, STATUSES
from matcher.service import practice_record, preview_import
from matcher.store import ImportRejected
from matcher.text import detect_language
from matcher.twinning import gap_report

from ..components import (
    get_store,
    load_catalog,
    require_hub_sign_in,
    safe_md,
)
from .results import results_log


# ---- Catalog (hub) ---------------------------------------------------------------------------
def catalog_admin() -> None:
    st.title("Catalog")
    if not require_hub_sign_in():
        return
    catalog = load_catalog()
    tabs = st.tabs(["Browse", "Add or edit a practice", "Record stated challenges", "Import", "Export", "Gaps and coverage", "Results log"])
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
    with tabs[6]:
        results_log(catalog, _editor())


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
