"""The results log: hub staff (or the city) record a programme, its indicators and measurements, choose to make
its results page public, and publish it into the catalog; anyone can read the public results pages."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from matcher.service import add_measurement, publish_programme, results_summary
from matcher.store import ImportRejected

from ..components import get_store, load_catalog, safe_md, source_link, theme_label

RESULTS_FLASH = "results_flash"


def _problems(exc: ImportRejected) -> None:
    for p in exc.problems:
        st.error(f"{p.field or 'record'}: {p.message}")


def results_log(catalog, editor: str) -> None:
    """The hub's results-log tab: record a programme, add measurements, publish."""
    flash = st.session_state.pop(RESULTS_FLASH, None)
    if flash:
        st.success(flash)
    store = get_store()
    progs = store.programmes()
    st.caption("A city's own programme: what it measures, its baseline, and measurements over time. Its results page is "
               "public only when the city chooses; publishing puts it in the catalog as 'results reported' "
               "('evaluated' only with an evaluation report attached).")
    with st.expander("Record a new programme", expanded=not progs):
        with st.form("programme_new", clear_on_submit=True):
            c1, c2 = st.columns(2)
            pid = c1.text_input("id (slug) *", help="e.g. sousse-homework-clubs")
            cities = sorted(c.city for c in catalog.cities)
            city = c2.selectbox("City *", cities, index=None, placeholder="Choose a city")
            title = st.text_input("Title *")
            description = st.text_area("What it is, for whom, how (30 words or more to publish it)")
            themes = st.multiselect("Themes (1–5) *", catalog.taxonomy.ids, format_func=lambda t: theme_label(catalog, t))
            adapts = st.selectbox("Adapts a practice from the catalog (optional)", sorted(p.id for p in catalog.practices), index=None, placeholder="None")
            c3, c4, c5, c6 = st.columns(4)
            ind = c3.text_input("First indicator *", help="e.g. pupils who left school during the year")
            unit = c4.text_input("Unit")
            base_value = c5.text_input("Baseline value")
            base_date = c6.date_input("Baseline date", value=None)
            how = st.text_input("How it is measured (survey, school records, police records...)")
            if st.form_submit_button("Record programme", type="primary"):
                if not editor:
                    st.error("Type your name in 'Add or edit a practice' first: every change is recorded with who made it.")
                else:
                    baseline = None
                    if base_value.strip():
                        try:
                            baseline = {"date": (base_date or date.today()).isoformat(), "value": float(base_value.replace(",", "."))}
                        except ValueError:
                            st.error("Baseline value must be a number, e.g. 42 or 3.5.")
                            return
                    record = {"id": pid.strip(), "city": city or "", "title": title, "description": description, "themes": themes,
                              "adapts_practice": adapts, "indicators": [{"name": ind, "unit": unit, "measured_how": how, "baseline": baseline, "measurements": []}],
                              "updated": date.today().isoformat()}
                    try:
                        store.save_programme(record, by=editor, new=True)
                        st.session_state[RESULTS_FLASH] = f"Recorded {pid}."
                        st.rerun()
                    except ImportRejected as exc:
                        _problems(exc)
    if not progs:
        return
    chosen = st.selectbox("Programme", [p.id for p in progs], index=None, placeholder="Choose a programme", key="results_pick",
                          format_func=lambda i: f"{i}: {next(p.title for p in progs if p.id == i)}")
    if not chosen:
        return
    prog = next(p for p in progs if p.id == chosen)
    show_programme(prog, catalog)
    with st.form("measurement", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        indicator = c1.selectbox("Indicator", [i.name for i in prog.indicators])
        when = c2.date_input("Date", value=date.today(), max_value=date.today())
        value = c3.text_input("Value *")
        note = st.text_input("Note")
        if st.form_submit_button("Add measurement"):
            try:
                add_measurement(store, prog.id, indicator, when.isoformat(), float(value.replace(",", ".")), by=editor or "unknown", note=note)
                st.session_state[RESULTS_FLASH] = f"Measurement added to {prog.id}."
                st.rerun()
            except ValueError:
                st.error("Value must be a number, e.g. 31 or 12.5.")
            except ImportRejected as exc:
                _problems(exc)
            except KeyError as exc:
                st.error(str(exc))
    c1, c2 = st.columns(2)
    if prog.public:
        st.markdown("Public results page: `/results?programme=" + prog.id + "` (add it to this app's address)")
    if c1.button("Hide the results page" if prog.public else "Make the results page public"):
        store.save_programme(dict(prog.model_dump(mode="json"), public=not prog.public), by=editor or "unknown", new=False)
        st.session_state[RESULTS_FLASH] = f"The results page of {prog.id} is now {'hidden' if prog.public else 'public'}."
        st.rerun()
    if c2.button("Publish into the catalog", type="primary"):
        try:
            practice_id = publish_programme(store, prog.id, by=editor or "unknown")
            st.session_state[RESULTS_FLASH] = f"Published as practice {practice_id}."
            st.rerun()
        except ImportRejected as exc:
            _problems(exc)


def show_programme(prog, catalog) -> None:
    st.markdown(f"#### {safe_md(prog.title)}")
    st.markdown(f"{safe_md(prog.city)} · " + ", ".join(safe_md(theme_label(catalog, t)) for t in prog.themes)
                + (" · public results page" if prog.public else " · not public"))
    if prog.description:
        st.markdown(safe_md(prog.description))
    summary = results_summary(prog)
    if summary:
        st.markdown("**Results so far:** " + safe_md(summary))
    for ind in prog.indicators:
        points = ([{"date": ind.baseline.date, "value": ind.baseline.value, "kind": "baseline"}] if ind.baseline else []) + \
                 [{"date": m.date, "value": m.value, "kind": "measurement"} for m in ind.measurements]
        if points:
            st.caption(f"{ind.name}" + (f" ({ind.unit})" if ind.unit else "") + (f"; measured by {ind.measured_how}" if ind.measured_how else ""))
            st.dataframe(pd.DataFrame(points), hide_index=True)
    if prog.evaluation_url:
        st.markdown("Evaluation: " + source_link("report", prog.evaluation_url))


def results_pages() -> None:
    """Public page: the results of the programmes whose cities chose to publish them."""
    st.title("Cities' results")
    st.caption("Programmes whose cities chose to publish their results: what they measure and how it changed.")
    catalog = load_catalog()
    public = get_store().programmes(public_only=True)
    wanted = st.query_params.get("programme")
    if wanted:  # one programme's own page: /results?programme=<id>
        public = [p for p in public if p.id == wanted]
        if not public:
            st.info("This results page is not public (or does not exist).")
            return
    if not public:
        st.info("No city has published a results page yet.")
        return
    for prog in public:
        with st.container(border=True):
            show_programme(prog, catalog)
