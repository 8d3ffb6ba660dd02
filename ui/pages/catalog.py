"""The Catalog page (hub staff): browse, add, edit, archive and restore, record stated challenges, import, export, gaps."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from matcher import i18n
from matcher.freshness import FRESHNESS_MONTHS, stale
from matcher.i18n import N_, _, ngettext
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
    theme_label,
)
from .results import results_log

# The options of the Browse radio (the values stay these English codes; shown with _()).
BROWSE_TABLES = {"practices": N_("practices"), "cities": N_("cities"), "stated challenges": N_("stated challenges")}
# The catalog's tables by their code, as shown on the export buttons and in the import preview.
TABLE_NAMES = {"practices": N_("practices"), "cities": N_("cities"), "challenges": N_("challenges")}
# The modes of the practice form (the values stay these English strings; shown with _()).
PF_ADD, PF_EDIT, PF_ARCHIVE = N_("Add a new practice"), N_("Edit a practice"), N_("Archive or restore a practice")
# The actions of the change history as stored (codes) and as shown.
HISTORY_ACTIONS = {"added": N_("added"), "edited": N_("edited"), "archived": N_("archived"), "restored": N_("restored"),
                   "imported": N_("imported"), "deleted": N_("deleted")}
# The notes of the gap report (matcher.twinning.gap_report writes them in English).
GAP_NOTES = {"no practice covers it": N_("no practice covers it"), "only weak evidence": N_("only weak evidence")}
# Column headers of the tables that show records as stored: in English each header is the field name, as in import files.
FIELD_HEADERS = {
    "id": N_("id"), "title": N_("title"), "city": N_("city"), "country": N_("country"), "region": N_("region"),
    "themes": N_("themes"), "evidence_level": N_("evidence_level"), "start_year": N_("start_year"), "source_title": N_("source_title"),
    "country_code": N_("country_code"), "kind": N_("kind"), "lat": N_("lat"), "lon": N_("lon"), "population": N_("population"),
    "population_year": N_("population_year"), "languages": N_("languages"), "networks": N_("networks"),
    "statement": N_("statement"), "source": N_("source"), "source_url": N_("source_url"), "date": N_("date"), "language": N_("language"),
    "theme": N_("theme"), "label": N_("label"), "cities_stating": N_("cities_stating"), "practices": N_("practices"),
    "well_evidenced_practices": N_("well_evidenced_practices"), "results_reported_or_better": N_("results_reported_or_better"),
    "needs_checking": N_("needs_checking"), "gap_score": N_("gap_score"), "note": N_("note"),
}


def _headers(columns) -> dict[str, str]:
    """column_config that shows each known column under its header in the reader's language."""
    return {c: _(FIELD_HEADERS[c]) for c in columns if c in FIELD_HEADERS}


# ---- Catalog (hub) ---------------------------------------------------------------------------
def catalog_admin() -> None:
    st.title(_("Catalog"))
    if not require_hub_sign_in():
        return
    catalog = load_catalog()
    tabs = st.tabs([_("Browse"), _("Add or edit a practice"), _("Record stated challenges"), _("Import"), _("Export"),
                    _("Gaps and coverage"), _("Results log")])
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
    which = st.radio(_("Table"), list(BROWSE_TABLES), format_func=lambda t: _(BROWSE_TABLES[t]), horizontal=True)
    if which == "practices":
        df = pd.DataFrame([p.model_dump(mode="json") for p in catalog.practices])
        c1, c2, c3 = st.columns(3)
        reg = c1.multiselect(_("Region"), REGIONS, format_func=i18n.region, key="b_reg", placeholder=_("Choose options"))
        th = c2.selectbox(_("Theme"), [""] + catalog.taxonomy.ids, key="b_th", format_func=lambda t: theme_label(catalog, t) if t else _("(all)"))
        q = c3.text_input(_("Search title"), key="b_q")
        if reg:
            df = df[df.region.isin(reg)]
        if th:
            df = df[df.themes.apply(lambda ts: th in ts)]
        if q:
            df = df[df.title.str.contains(q, case=False, regex=False)]
        shown = df[["id", "title", "city", "country", "region", "themes", "evidence_level", "start_year", "source_title"]].copy()
        shown["region"] = shown["region"].map(i18n.region)
        shown["evidence_level"] = shown["evidence_level"].map(lambda e: i18n.label(i18n.EVIDENCE_LABELS, e))
        st.dataframe(shown, hide_index=True, width="stretch", column_config=_headers(shown.columns))
    elif which == "cities":
        df = pd.DataFrame([c.model_dump(mode="json") for c in catalog.cities])
        if "region" in df:
            df["region"] = df["region"].map(i18n.region)
        st.dataframe(df, hide_index=True, width="stretch", column_config=_headers(df.columns))
    else:
        df = pd.DataFrame([i.model_dump(mode="json") for i in catalog.intakes])
        st.dataframe(df, hide_index=True, width="stretch", column_config=_headers(df.columns))


def _split(text: str) -> list[str]:
    return [x.strip() for x in (text or "").split(";") if x.strip()]


def _show_problems(exc: ImportRejected) -> None:
    n = len(exc.problems)
    st.error(ngettext("{n} problem; nothing was written.", "{n} problems; nothing was written.", n).format(n=n))
    st.dataframe(pd.DataFrame([{_("file"): p.file, _("row"): p.row, _("field"): p.field, _("message"): p.message} for p in exc.problems]),
                 hide_index=True, width="stretch")


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
    mode = st.radio(_("What do you want to do?"), [PF_ADD, PF_EDIT, PF_ARCHIVE], format_func=_, horizontal=True, key="pf_mode")
    st.text_input(_("Your name (required; recorded in the change history)"), key="editor_name", disabled=bool(_editor()) and not st.session_state.get("editor_name"))
    if mode == PF_ARCHIVE:
        _archive_form(catalog)
        return
    cur: dict = {}
    if mode == PF_EDIT:
        ids = sorted(p.id for p in catalog.practices)
        chosen = st.selectbox(_("Practice to edit"), ids, index=None, placeholder=_("Choose a practice"), format_func=lambda i: f"{i}: {catalog.practice_by_id[i].title}")
        if not chosen:
            return
        cur = catalog.practice_by_id[chosen].model_dump(mode="json")
    problems: dict[str, str] = st.session_state.get(PF_PROBLEMS, {})
    summary_preview = st.session_state.get("pf_summary", cur.get("summary", ""))
    if summary_preview:
        sug = catalog.taxonomy.suggest(summary_preview)
        if sug:
            themes_md = ", ".join(safe_md(f"{h.theme_id} ({', '.join(h.phrases[:2])})") for h in sug)
            st.caption(_("Suggested themes from the summary: {themes}").format(themes=themes_md))
    st.caption(_("Fields marked * are required."))
    with st.form("practice_form", clear_on_submit=False):
        c1, c2 = st.columns(2)
        with c1:
            pid = st.text_input(_("id (slug) *"), cur.get("id", ""), disabled=bool(cur),
                                help=_("Lowercase words joined by hyphens, e.g. sousse-migrant-observatory. It cannot change once saved."))
            _field_error(problems, "id")
        with c2:
            title = st.text_input(_("Title *"), cur.get("title", ""))
            _field_error(problems, "title")
        cities = sorted(c.city for c in catalog.cities)
        with c1:
            city = st.selectbox(_("City *"), cities, index=cities.index(cur["city"]) if cur.get("city") in cities else None, placeholder=_("Choose a city"))
            _field_error(problems, "city", "country", "region", "country_code")
        with c2:
            lead = st.text_input(_("Lead actor *"), cur.get("lead_actor", ""))
            _field_error(problems, "lead_actor")
        summary = st.text_area(_("Summary (30–150 words) *"), cur.get("summary", ""), key="pf_summary")
        _field_error(problems, "summary")
        themes = st.multiselect(_("Themes (1–5) *"), catalog.taxonomy.ids, default=cur.get("themes", []), placeholder=_("Choose options"))
        _field_error(problems, "themes")
        c3, c4, c5 = st.columns(3)
        evidence = c3.selectbox(_("Evidence level *"), EVIDENCE_LEVELS, index=EVIDENCE_LEVELS.index(cur.get("evidence_level", "described")),
                                format_func=lambda e: i18n.label(i18n.EVIDENCE_LABELS, e))
        status = c4.selectbox(_("Status"), STATUSES, index=STATUSES.index(cur.get("status", "unknown")),
                              format_func=lambda s: i18n.label(i18n.STATUS_LABELS, s))
        with c5:
            year = st.text_input(_("Start year"), str(cur.get("start_year") or ""))
            _field_error(problems, "start_year")
        challenges = st.text_input(_("Challenges addressed (; separated)"), "; ".join(cur.get("challenges_addressed", [])))
        approach = st.text_input(_("Approach"), cur.get("approach", ""))
        targets = st.text_input(_("Target groups (; separated)"), "; ".join(cur.get("target_groups", [])))
        partners = st.text_input(_("Partners (; separated)"), "; ".join(cur.get("partners", [])))
        results = st.text_area(_("Results (figures only where the source gives them)"), cur.get("results", ""))
        lessons = st.text_area(_("Lessons"), cur.get("lessons", ""))
        prereq = st.text_input(_("Prerequisites (; separated)"), "; ".join(cur.get("prerequisites", [])))
        s1, s2, s3 = st.columns(3)
        with s1:
            src_title = st.text_input(_("Source title *"), cur.get("source_title", ""))
            _field_error(problems, "source_title")
        with s2:
            src_url = st.text_input(_("Source URL"), cur.get("source_url") or "")
            _field_error(problems, "source_url")
        with s3:
            src_lang = st.text_input(_("Source language"), cur.get("source_language", "en"))
            _field_error(problems, "source_language")
        submitted = st.form_submit_button(_("Save changes") if cur else _("Add practice"), type="primary")
    if not submitted:
        return
    who = _editor()
    if not who:
        st.error(_("Type your name above first: every change is recorded with who made it."))
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
    st.success(_("Saved {id} ({report}). The matching model is rebuilt for the new catalog.").format(id=record["id"], report=report))


def _archive_form(catalog) -> None:
    """Archive hides a practice from search and twinning; it stays in exports and in the history."""
    ids = sorted(p.id for p in catalog.practices)
    chosen = st.selectbox(_("Practice"), ids, index=None, placeholder=_("Choose a practice"), key="archive_pick",
                          format_func=lambda i: f"{i}: {catalog.practice_by_id[i].title}")
    if not chosen:
        return
    archived = catalog.practice_by_id[chosen].archived
    st.markdown(_("**Now:** archived (hidden from search and twinning; kept in exports)") if archived else _("**Now:** in the catalog"))
    flash = st.session_state.pop("archive_flash", None)
    if flash:
        st.success(flash)
    if st.button(_("Restore to the catalog") if archived else _("Archive (hide from search)"), type="primary"):
        who = _editor()
        if not who:
            st.error(_("Type your name above first: every change is recorded with who made it."))
            return
        try:
            get_store().set_archived(chosen, not archived, by=who)
        except (KeyError, ValueError) as exc:
            st.error(str(exc))
            return
        st.session_state["archive_flash"] = (_("{id} restored.") if archived else _("{id} archived.")).format(id=chosen)
        st.rerun()
    hist = get_store().history(chosen)
    if hist:
        st.caption(_("History of this practice"))
        st.dataframe(pd.DataFrame([{_("when"): h["at"], _("what"): i18n.label(HISTORY_ACTIONS, h["action"]), _("who"): h["by"]} for h in hist]),
                     hide_index=True, width="stretch")


def _intake_form(catalog) -> None:
    st.caption(_("Record a city's challenges as it stated them in a dialogue or intake."))
    with st.form("intake_form"):
        cities = sorted(c.city for c in catalog.cities)
        city = st.selectbox(_("City"), cities)
        statement = st.text_area(_("Statement, as the city put it"))
        sug = catalog.taxonomy.ids
        themes = st.multiselect(_("Themes (1–5)"), sug, placeholder=_("Choose options"))
        c1, c2, c3 = st.columns(3)
        source = c1.text_input(_("Source"))
        url = c2.text_input(_("Source URL"))
        when = c3.text_input(_("Date (YYYY or YYYY-MM-DD)"), date.today().isoformat())
        submitted = st.form_submit_button(_("Save stated challenge"), type="primary")
    if not submitted:
        return
    if statement.strip() and not themes:
        themes = [h.theme_id for h in catalog.taxonomy.suggest(statement, 3)]
        if themes:
            st.info(_("No theme chosen; used the suggested themes: {themes}").format(themes=", ".join(themes)))
    base = re.sub(r"[^a-z0-9]+", "-", f"{city} {when}".lower()).strip("-") or "intake"
    slug = f"{base}-{hashlib.sha1(statement.encode('utf-8')).hexdigest()[:8]}"  # a new statement never overwrites another
    record = {"id": slug, "city": city, "statement": statement, "themes": themes, "source": source, "source_url": url.strip() or None, "date": when or None, "language": detect_language(statement) if statement.strip() else "en"}
    try:
        get_store().upsert("challenges", [(1, record)], file="form")
        st.success(_("Saved."))
    except ImportRejected as exc:
        _show_problems(exc)


def _import(catalog) -> None:
    st.caption(_("CSV (comma or semicolon), Excel or JSON. Every problem of every row is shown before anything is written; the import is all or nothing."))
    flash = st.session_state.pop("import_flash", None)
    if flash:
        st.success(flash)
    n = st.session_state.get("import_round", 0)  # a new key after a write clears the uploader and its preview
    up = st.file_uploader(_("File to import"), type=["csv", "xlsx", "json", "jsonl"], key=f"import_file_{n}")
    if up is None:
        return
    try:
        preview = preview_import(get_store(), up.name, up.getvalue())
    except ReadError as exc:
        st.error(f"{up.name}: {exc}")
        return
    n_rows = len(preview.rows)
    st.write(ngettext("{n} row for table **{table}**: {added} to add, {changed} to change.",
                      "{n} rows for table **{table}**: {added} to add, {changed} to change.", n_rows).format(
        n=n_rows, table=i18n.label(TABLE_NAMES, preview.table), added=len(preview.added), changed=len(preview.changed)))
    if preview.added or preview.changed:
        rows = [{_("action"): _("add"), _("record"): k, _("fields that change"): _("(new record)")} for k in preview.added]
        rows += [{_("action"): _("change"), _("record"): c["key"], _("fields that change"): ", ".join(c["fields"]) or _("(nothing)")} for c in preview.changed]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not preview.ok:
        n_problems, n_bad = len(preview.problems), len({p.row for p in preview.problems})
        # Translators: {rows} is "1 row" or "3 rows" (translated on its own, with its own plural).
        bad_rows = ngettext("{n} row", "{n} rows", n_bad).format(n=n_bad)
        st.error(ngettext("{n} problem in {rows}; nothing will be written until it is fixed.",
                          "{n} problems in {rows}; nothing will be written until they are fixed.", n_problems).format(n=n_problems, rows=bad_rows))
        st.dataframe(pd.DataFrame([{_("row"): p.row, _("field"): p.field, _("problem"): p.message} for p in preview.problems]), hide_index=True, width="stretch")
        return
    if st.button(_("Write to the catalog"), type="primary"):
        try:
            with st.spinner(_("Importing…")):
                report = get_store().upsert(preview.table, preview.rows, file=up.name)
        except ImportRejected as exc:  # the catalog changed since the preview
            _show_problems(exc)
            return
        st.session_state["import_flash"] = _("Imported {file}: {report}.").format(file=up.name, report=report)
        st.session_state["import_round"] = n + 1
        st.rerun()


def _export() -> None:
    data = get_store().export()
    st.download_button(_("Catalog as JSON"), json.dumps(data, ensure_ascii=False, indent=2), _("catalog.json"), "application/json")
    for t in data:
        name = i18n.label(TABLE_NAMES, t)
        st.download_button(_("{table} as CSV").format(table=name), to_csv(t, data[t]), f"{name}.csv", "text/csv", key=f"exp_{t}")


def _gaps(catalog) -> None:
    rows = gap_report(catalog)
    df = pd.DataFrame(rows)
    if not df.empty:
        df["label"] = df["theme"].map(lambda t: theme_label(catalog, t))
        df["note"] = df["note"].map(lambda v: i18n.label(GAP_NOTES, v))
    st.subheader(_("Gap report"))
    st.caption(_("Themes that cities state as needs but few practices cover, or cover only with weak evidence."))
    stated = df[df.cities_stating > 0]
    if not stated.empty:
        h = _headers(["label", "cities_stating", "practices", "well_evidenced_practices", "gap_score"])
        st.altair_chart(alt.Chart(stated).mark_bar().encode(
            x=alt.X("gap_score:Q", title=h["gap_score"]), y=alt.Y("label:N", sort="-x", title=h["label"]),
            tooltip=[alt.Tooltip(f"{c}:{'N' if c == 'label' else 'Q'}", title=h[c]) for c in ["label", "cities_stating", "practices", "well_evidenced_practices"]]),
            width="stretch")
    st.dataframe(df, hide_index=True, width="stretch", column_config=_headers(df.columns))
    old = stale(catalog.active_practices)
    st.subheader(_("Needs checking ({n})").format(n=len(old)))
    st.caption(ngettext("Practices whose facts were not verified against a source in the last {n} month, oldest first.",
                        "Practices whose facts were not verified against a source in the last {n} months, oldest first.", FRESHNESS_MONTHS).format(n=FRESHNESS_MONTHS))
    if old:
        st.dataframe(pd.DataFrame([{_("last verified"): p.last_verified.isoformat() if p.last_verified else _("never"), _("id"): p.id, _("title"): p.title,
                                    _("city"): p.city, _("source"): p.source_url or p.source_title} for p in old]), hide_index=True, width="stretch")
    st.subheader(_("Coverage by region and theme"))
    cov = pd.DataFrame([{"region": i18n.region(p.region), "theme": t} for p in catalog.practices for t in p.themes])
    region_title, theme_title, count_title = _("region"), _("theme"), _("Count of Records")
    st.altair_chart(alt.Chart(cov).mark_rect().encode(
        x=alt.X("region:N", title=region_title), y=alt.Y("theme:N", title=theme_title), color=alt.Color("count():Q", title=count_title),
        tooltip=[alt.Tooltip("region:N", title=region_title), alt.Tooltip("theme:N", title=theme_title), alt.Tooltip("count():Q", title=count_title)]),
        width="stretch")
