"""The results log: hub staff (or the city) record a programme, its indicators and measurements, choose to make
its results page public, and publish it into the catalog; anyone can read the public results pages."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from matcher.i18n import _
from matcher.service import add_measurement, publish_programme, results_summary
from matcher.store import ImportRejected

from ..components import get_store, load_catalog, safe_md, source_link, theme_label

RESULTS_FLASH = "results_flash"


def _problems(exc: ImportRejected) -> None:
    for p in exc.problems:
        st.error(_("{field}: {message}").format(field=p.field or _("record"), message=p.message))


def results_log(catalog, editor: str) -> None:
    """The hub's results-log tab: record a programme, add measurements, publish."""
    flash = st.session_state.pop(RESULTS_FLASH, None)
    if flash:
        st.success(flash)
    store = get_store()
    progs = store.programmes()
    st.caption(_("A city's own programme: what it measures, its baseline, and measurements over time. Its results page is "
                 "public only when the city chooses; publishing puts it in the catalog as 'results reported' "
                 "('evaluated' only with an evaluation report attached)."))
    with st.expander(_("Record a new programme"), expanded=not progs):
        with st.form("programme_new", clear_on_submit=True):
            c1, c2 = st.columns(2)
            pid = c1.text_input(_("id (slug) *"), help=_("e.g. sousse-homework-clubs"))
            cities = sorted(c.city for c in catalog.cities)
            city = c2.selectbox(_("City *"), cities, index=None, placeholder=_("Choose a city"))
            title = st.text_input(_("Title *"))
            description = st.text_area(_("What it is, for whom, how (30 words or more to publish it)"))
            themes = st.multiselect(_("Themes (1–5) *"), catalog.taxonomy.ids, format_func=lambda t: theme_label(catalog, t), placeholder=_("Choose options"))
            adapts = st.selectbox(_("Adapts a practice from the catalog (optional)"), sorted(p.id for p in catalog.practices), index=None, placeholder=_("None"))
            c3, c4, c5, c6 = st.columns(4)
            ind = c3.text_input(_("First indicator *"), help=_("e.g. pupils who left school during the year"))
            unit = c4.text_input(_("Unit"))
            base_value = c5.text_input(_("Baseline value"))
            base_date = c6.date_input(_("Baseline date"), value=None)
            how = st.text_input(_("How it is measured (survey, school records, police records...)"))
            if st.form_submit_button(_("Record programme"), type="primary"):
                if not editor:
                    st.error(_("Type your name in 'Add or edit a practice' first: every change is recorded with who made it."))
                else:
                    baseline = None
                    if base_value.strip():
                        try:
                            baseline = {"date": (base_date or date.today()).isoformat(), "value": float(base_value.replace(",", "."))}
                        except ValueError:
                            st.error(_("Baseline value must be a number, e.g. 42 or 3.5."))
                            return
                    record = {"id": pid.strip(), "city": city or "", "title": title, "description": description, "themes": themes,
                              "adapts_practice": adapts, "indicators": [{"name": ind, "unit": unit, "measured_how": how, "baseline": baseline, "measurements": []}],
                              "updated": date.today().isoformat()}
                    try:
                        store.save_programme(record, by=editor, new=True)
                        st.session_state[RESULTS_FLASH] = _("Recorded {id}.").format(id=pid)
                        st.rerun()
                    except ImportRejected as exc:
                        _problems(exc)
    if not progs:
        return
    chosen = st.selectbox(_("Programme"), [p.id for p in progs], index=None, placeholder=_("Choose a programme"), key="results_pick",
                          format_func=lambda i: f"{i}: {next(p.title for p in progs if p.id == i)}")
    if not chosen:
        return
    prog = next(p for p in progs if p.id == chosen)
    show_programme(prog, catalog)
    with st.form("measurement", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        indicator = c1.selectbox(_("Indicator"), [i.name for i in prog.indicators])
        when = c2.date_input(_("Date"), value=date.today(), max_value=date.today())
        value = c3.text_input(_("Value *"))
        note = st.text_input(_("Note"))
        if st.form_submit_button(_("Add measurement")):
            try:
                add_measurement(store, prog.id, indicator, when.isoformat(), float(value.replace(",", ".")), by=editor or "unknown", note=note)
                st.session_state[RESULTS_FLASH] = _("Measurement added to {id}.").format(id=prog.id)
                st.rerun()
            except ValueError:
                st.error(_("Value must be a number, e.g. 31 or 12.5."))
            except ImportRejected as exc:
                _problems(exc)
            except KeyError as exc:
                st.error(str(exc))
    c1, c2 = st.columns(2)
    if prog.public:
        st.markdown(_("Public results page: `{path}` (add it to this app's address)").format(path="/results?programme=" + prog.id))
    if c1.button(_("Hide the results page") if prog.public else _("Make the results page public")):
        store.save_programme(dict(prog.model_dump(mode="json"), public=not prog.public), by=editor or "unknown", new=False)
        st.session_state[RESULTS_FLASH] = (_("The results page of {id} is now hidden.") if prog.public
                                           else _("The results page of {id} is now public.")).format(id=prog.id)
        st.rerun()
    if c2.button(_("Publish into the catalog"), type="primary"):
        try:
            practice_id = publish_programme(store, prog.id, by=editor or "unknown")
            st.session_state[RESULTS_FLASH] = _("Published as practice {id}.").format(id=practice_id)
            st.rerun()
        except ImportRejected as exc:
            _problems(exc)


def show_programme(prog, catalog) -> None:
    st.markdown(f"#### {safe_md(prog.title)}")
    themes = ", ".join(safe_md(theme_label(catalog, t)) for t in prog.themes)
    st.markdown((_("{city} · {themes} · public results page") if prog.public else _("{city} · {themes} · not public")).format(
        city=safe_md(prog.city), themes=themes))
    if prog.description:
        st.markdown(safe_md(prog.description))
    summary = results_summary(prog)
    if summary:
        st.markdown(_("**Results so far:** {summary}").format(summary=safe_md(summary)))
    for ind in prog.indicators:
        date_h, value_h, kind_h = _("date"), _("value"), _("kind")
        points = ([{date_h: ind.baseline.date, value_h: ind.baseline.value, kind_h: _("baseline")}] if ind.baseline else []) + \
                 [{date_h: m.date, value_h: m.value, kind_h: _("measurement")} for m in ind.measurements]
        if points:
            name = f"{ind.name} ({ind.unit})" if ind.unit else f"{ind.name}"
            st.caption(_("{indicator}; measured by {how}").format(indicator=name, how=ind.measured_how) if ind.measured_how else name)
            st.dataframe(pd.DataFrame(points), hide_index=True)
    if prog.evaluation_url:
        st.markdown(_("Evaluation: {link}").format(link=source_link(_("report"), prog.evaluation_url)))


def results_pages() -> None:
    """Public page: the results of the programmes whose cities chose to publish them."""
    st.title(_("Cities' results"))
    st.caption(_("Programmes whose cities chose to publish their results: what they measure and how it changed."))
    catalog = load_catalog()
    public = get_store().programmes(public_only=True)
    wanted = st.query_params.get("programme")
    if wanted:  # one programme's own page: /results?programme=<id>
        public = [p for p in public if p.id == wanted]
        if not public:
            st.info(_("This results page is not public (or does not exist)."))
            return
    if not public:
        st.info(_("No city has published a results page yet."))
        return
    for prog in public:
        with st.container(border=True):
            show_programme(prog, catalog)
