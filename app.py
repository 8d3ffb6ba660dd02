"""City Practice Matcher: Streamlit entry point. It sets the reader's language and builds the navigation;
pages live in ui/."""
import streamlit as st

from matcher.i18n import _
from ui import pages
from ui.components import start_run

start_run()  # language (switch, ?lang=, browser), page direction, styles

nav = st.navigation(
    {
        _("For city officials"): [
            st.Page(pages.find_practices, title=_("Find practices"), icon=":material/search:", default=True),
            st.Page(pages.twinning_partners, title=_("Twinning partners"), icon=":material/handshake:", url_path="partners"),
            st.Page(pages.results_pages, title=_("Cities' results"), icon=":material/monitoring:", url_path="results"),
        ],
        _("For hub staff"): [
            st.Page(pages.network_pairing, title=_("Network pairing"), icon=":material/hub:", url_path="pairing"),
            st.Page(pages.catalog_admin, title=_("Catalog"), icon=":material/inventory_2:", url_path="catalog"),
        ],
        _("About"): [st.Page(pages.about, title=_("About"), icon=":material/info:", url_path="about")],
    }
)
nav.run()
